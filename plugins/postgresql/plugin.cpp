// SPDX-License-Identifier: Apache-2.0
// authd_postgresql.so: the shared storage backend for several authd nodes.
#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "authd/sdk/abi.hpp"
#include "connect_string.hpp"
#include "postgresql_dialect.hpp"
#include "soci_storage.hpp"

namespace authd::plugins::postgresql {

namespace {

constexpr std::int64_t kDefaultPoolSize = 8;
constexpr std::int64_t kMaxPoolSize = 256;
constexpr sdk::Seconds kDefaultConnectTimeout = 5;
constexpr sdk::Seconds kMaxConnectTimeout = 600;

void describeConfig(sdk::ConfigSchema& schema) {
    schema.add("dsn", sdk::ConfigType::string, true, {},
               "libpq key=value connection string, e.g. \"host=127.0.0.1 port=5432 dbname=authd "
               "user=authd\" (URIs are not supported)");
    schema.add("password", sdk::ConfigType::secret, false, {},
               "the database password (password_env / password_file), added to the DSN");
    sdk::ConfigKey& pool = schema.add("pool_size", sdk::ConfigType::integer, false, "8",
                                      "connections kept open (1..256)");
    pool.min = 1;
    pool.max = kMaxPoolSize;
    sdk::ConfigKey& timeout = schema.add("connect_timeout", sdk::ConfigType::duration, false,
                                         "5s", "how long opening a connection may take");
    timeout.min = 1;
    timeout.max = kMaxConnectTimeout;
}

sdk::Error configError(const sdk::ConfigNode& config, const std::string& key,
                       const std::string& message) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, config.where(key) + ": " + message);
}

sdk::Result<sdk::StoragePtr> open(const sdk::InstanceSpec& spec, sdk::HostContext& host) {
    if (spec.config == nullptr) {
        return sdk::makeError(sdk::ErrorCode::invalid_config, "postgresql: no configuration given");
    }
    const sdk::ConfigNode& config = *spec.config;
    const std::int64_t pool_size = config.getInt("pool_size", kDefaultPoolSize);
    const sdk::Seconds connect_timeout =
        config.getDuration("connect_timeout", kDefaultConnectTimeout);
    if (pool_size < 1 || pool_size > kMaxPoolSize) {
        return configError(config, "pool_size", "must be between 1 and 256");
    }
    if (connect_timeout < 1 || connect_timeout > kMaxConnectTimeout) {
        return configError(config, "connect_timeout", "must be between 1s and 10m");
    }
    auto params = parseConnectString(config.getString("dsn"));
    if (!params) {
        return configError(config, "dsn", params.error().message);
    }
    // Empty when not configured (a secret given as password_env / password_file).
    const std::string password = config.getSecret("password");
    auto connect_string = buildConnectString(*params, password, connect_timeout);
    if (!connect_string) {
        return configError(config, "dsn", connect_string.error().message);
    }
    const std::string target = describeTarget(*params);

    auto dialect = std::make_unique<PostgresqlDialect>(host.logger());
    auto size = static_cast<std::size_t>(pool_size);
    soci_common::Connector connector{&::soci::postgresql, *connect_string, "(" + target + ")"};
    // Every connection at start-up: a server that is reachable now but refuses the n-th
    // connection (max_connections) is reported before the store is used.
    auto pool = soci_common::openPool(connector, size, size, *dialect);
    if (!pool) {
        return std::move(pool).error();
    }
    soci_common::DatabaseOptions options;
    options.lease_timeout = std::chrono::milliseconds((connect_timeout + 30) * 1000);
    auto storage = soci_common::makeStorage(std::move(dialect), std::move(pool).value(), size,
                                            std::move(connector), options, host);
    if (storage) {
        host.logger().log(sdk::LogLevel::info, "storage.opened", "PostgreSQL store opened",
                          {{"target", target}, {"pool_size", std::to_string(pool_size)}});
    }
    return storage;
}

sdk::Result<sdk::StoragePtr> makePostgresqlStorage(const sdk::InstanceSpec& spec,
                                                   sdk::HostContext& host) noexcept {
    try {
        return open(spec, host);
    } catch (const std::exception& error) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("postgresql: cannot open the store: ") + error.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal, "postgresql: cannot open the store");
    }
}

}  // namespace

const sdk::PluginManifest* manifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION, AUTHD_SDK_TOOLCHAIN, "postgresql", sdk::PluginKind::storage,
        "0.1.0", &describeConfig, nullptr, &makePostgresqlStorage, nullptr};
    return &kManifest;
}

}  // namespace authd::plugins::postgresql

AUTHD_PLUGIN_ENTRY(authd::plugins::postgresql::manifest)
