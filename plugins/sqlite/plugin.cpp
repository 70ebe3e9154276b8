// SPDX-License-Identifier: Apache-2.0
// authd_sqlite.so: the embedded storage backend (one file, WAL journaling).
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "authd/sdk/abi.hpp"
#include "soci_storage.hpp"
#include "sqlite_dialect.hpp"

namespace authd::plugins::sqlite {

namespace {

constexpr sdk::Seconds kDefaultBusyTimeout = 5;
constexpr std::int64_t kDefaultPoolSize = 4;
constexpr std::int64_t kMaxPoolSize = 64;
constexpr sdk::Seconds kMaxBusyTimeout = 3600;

void describeConfig(sdk::ConfigSchema& schema) {
    schema.add("path", sdk::ConfigType::string, true, {},
               "the SQLite database file (relative paths start at the working directory); "
               "its folder is created when missing");
    sdk::ConfigKey& busy = schema.add("busy_timeout", sdk::ConfigType::duration, false, "5s",
                                      "how long a writer waits for the database lock");
    busy.min = 1;
    busy.max = kMaxBusyTimeout;
    sdk::ConfigKey& pool = schema.add("pool_size", sdk::ConfigType::integer, false, "4",
                                      "connections at most (1..64): one opened at start, the "
                                      "others when calls overlap");
    pool.min = 1;
    pool.max = kMaxPoolSize;
}

sdk::Error configError(const sdk::ConfigNode& config, const std::string& key,
                       const std::string& message) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, config.where(key) + ": " + message);
}

sdk::Result<sdk::StoragePtr> open(const sdk::InstanceSpec& spec, sdk::HostContext& host) {
    if (spec.config == nullptr) {
        return sdk::makeError(sdk::ErrorCode::invalid_config, "sqlite: no configuration given");
    }
    const sdk::ConfigNode& config = *spec.config;
    const std::string path = config.getString("path");
    const sdk::Seconds busy_timeout = config.getDuration("busy_timeout", kDefaultBusyTimeout);
    const std::int64_t pool_size = config.getInt("pool_size", kDefaultPoolSize);

    if (path.empty()) {
        return configError(config, "path", "the database file path must not be empty");
    }
    for (char c : path) {
        if (c == '"' || static_cast<unsigned char>(c) < 0x20) {
            return configError(config, "path",
                               "the path must not contain double quotes or control characters");
        }
    }
    if (busy_timeout < 1 || busy_timeout > kMaxBusyTimeout) {
        return configError(config, "busy_timeout", "must be between 1s and 1h");
    }
    if (pool_size < 1 || pool_size > kMaxPoolSize) {
        return configError(config, "pool_size", "must be between 1 and 64");
    }
    const bool in_memory = path == ":memory:";
    if (in_memory && pool_size != 1) {
        return configError(config, "path",
                           "':memory:' gives every pooled connection its own empty database; "
                           "set pool_size: 1 or use a file");
    }
    if (!in_memory) {
        std::filesystem::path parent = std::filesystem::path(path).parent_path();
        std::error_code ec;
        if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
            std::filesystem::create_directories(parent, ec);
            if (ec) {
                return configError(config, "path",
                                   "cannot create folder " + parent.string() + ": " + ec.message());
            }
        }
    }

    auto dialect = std::make_unique<SqliteDialect>(path, busy_timeout * 1000, in_memory,
                                                   host.logger());
    // SOCI's own busy handler (timeout=) is whole seconds; the pragma set in onConnect is
    // what actually applies.
    const std::string connect_string =
        "db=\"" + path + "\" timeout=" + std::to_string(busy_timeout);
    auto size = static_cast<std::size_t>(pool_size);
    soci_common::Connector connector{&::soci::sqlite3, connect_string, "'" + path + "'"};
    // One connection now: it reports a path that cannot be opened or written (and a file that
    // is not a database) at start-up, and runs the migrations. Every connection reads the
    // whole schema when it is set up, so the others are opened by the first calls that need
    // them, after the server listens.
    auto pool = soci_common::openPool(connector, size, 1, *dialect);
    if (!pool) {
        return std::move(pool).error();
    }
    soci_common::DatabaseOptions options;
    // A caller waiting for a connection must outwait a writer holding the lock.
    options.lease_timeout = std::chrono::milliseconds((busy_timeout + 30) * 1000);
    auto storage = soci_common::makeStorage(std::move(dialect), std::move(pool).value(), size,
                                            std::move(connector), options, host);
    if (storage) {
        host.logger().log(sdk::LogLevel::info, "storage.opened", "SQLite store opened",
                          {{"path", path}, {"pool_size", std::to_string(pool_size)}});
    }
    return storage;
}

sdk::Result<sdk::StoragePtr> makeSqliteStorage(const sdk::InstanceSpec& spec,
                                               sdk::HostContext& host) noexcept {
    try {
        return open(spec, host);
    } catch (const std::exception& error) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("sqlite: cannot open the store: ") + error.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal, "sqlite: cannot open the store");
    }
}

}  // namespace

const sdk::PluginManifest* manifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION, AUTHD_SDK_TOOLCHAIN, "sqlite", sdk::PluginKind::storage,
        "0.1.0", &describeConfig, nullptr, &makeSqliteStorage, nullptr};
    return &kManifest;
}

}  // namespace authd::plugins::sqlite

AUTHD_PLUGIN_ENTRY(authd::plugins::sqlite::manifest)
