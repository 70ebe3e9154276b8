// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "app/host_context.hpp"
#include "obs/json_logger.hpp"
#include "plugin/plugin_registry.hpp"

namespace authd::test {

/// A clock the test moves by hand.
class ManualClock final : public sdk::Clock {
  public:
    sdk::UnixTime now() const override { return now_; }
    void set(sdk::UnixTime now) { now_ = now; }
    void advance(sdk::Seconds seconds) { now_ += seconds; }

  private:
    sdk::UnixTime now_ = 1'700'000'000;
};

/// A migrated store from the real SQLite plugin, loaded by the host's own registry, in a
/// fresh temporary folder.
struct SqliteStore {
    std::filesystem::path dir;
    std::ostringstream log_text;
    obs::JsonLogger logger{log_text, sdk::LogLevel::warning};
    app::HostContext host;
    plugin::PluginRegistry registry;
    sdk::StoragePtr storage;

    SqliteStore()
        : dir(makeDir()), host(sdk::HostInfo{"http://127.0.0.1:8080", "test", dir.string(), ""},
                               logger, crypto::Argon2Params{1, 8192, 1}),
          registry({AUTHD_PLUGIN_DIR}, logger) {
        config::PluginInstanceConfig instance;
        instance.id = "sqlite";
        instance.plugin = "sqlite";
        instance.config = YAML::Load("{path: \"" + (dir / "authd.db").string() + "\"}");
        instance.yaml_path = "storage";
        instance.file = "test.yaml";
        instance.line = 1;
        instance.column = 1;
        auto created = registry.createStorage(instance, host);
        if (!created) {
            throw std::runtime_error("sqlite store: " + created.error().message);
        }
        storage = std::move(*created);
        auto migrated = storage->migrate();
        if (!migrated) {
            throw std::runtime_error("sqlite migrate: " + migrated.error().message);
        }
        host.setStorage(storage.get());
    }
    ~SqliteStore() {
        storage.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

  private:
    static std::filesystem::path makeDir() {
        std::random_device device;
        auto path =
            std::filesystem::temp_directory_path() / ("authd-app-test-" + std::to_string(device()));
        std::filesystem::create_directories(path);
        return path;
    }
};

} // namespace authd::test
