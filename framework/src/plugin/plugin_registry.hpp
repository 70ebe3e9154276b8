// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "authd/sdk/abi.hpp"
#include "authd/sdk/result.hpp"
#include "config/authd_config.hpp"
#include "plugin/plugin_loader.hpp"

namespace authd::plugin {

/// Loads plugins on first use (cached by name), validates instance configs against their
/// schemas, and creates instances through the plugins' factories (STYLE 9.2 steps 5-7).
///
/// Lifetime: libraries are never unloaded. Every library the registry loads is also pinned in a
/// process-wide list that is never destroyed, so the objects a plugin created (whose vtables,
/// deleters and type_info live in its .so) stay valid even if they outlive the registry.
/// Threading: every method may be called from several threads; loading is serialised.
/// Errors: every method returns values; no exception escapes, including from plugin code.
class PluginRegistry {
public:
    /// @param search_paths `plugins.paths`, searched in order
    /// @param logger receives the plugin.* events of docs/log-events.md; must outlive the registry
    PluginRegistry(std::vector<std::string> search_paths, sdk::Logger& logger);
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;
    ~PluginRegistry();

    /// Loads the plugin (cached by name) and returns its config schema. Runs no factory:
    /// `authd check-config` uses this.
    sdk::Result<sdk::ConfigSchema> schemaFor(const std::string& plugin, sdk::PluginKind kind);

    /// Validates the instance's `config:` against the plugin's schema
    /// (config::validatePluginConfig) and calls the plugin's factory inside a boundary guard.
    /// Errors carry the instance's `file:line:col: path:` and the plugin's or loader's message; a
    /// factory that throws gives ErrorCode::internal, one that returns no object is refused.
    sdk::Result<sdk::StoragePtr> createStorage(const config::PluginInstanceConfig& instance,
                                               sdk::HostContext& host);
    sdk::Result<sdk::AuthenticatorPtr>
    createAuthenticator(const config::PluginInstanceConfig& instance, sdk::HostContext& host);
    sdk::Result<sdk::MailerPtr> createMailer(const config::PluginInstanceConfig& instance,
                                             sdk::HostContext& host);

    /// Loads the plugin of every instance in `config` (storage, authenticators, mail) and
    /// validates each instance's `config:` against its schema. All problems come back in one
    /// ErrorCode::invalid_config message, one `file:line:col: path: message` per line, sorted by
    /// line. Runs no factory.
    sdk::Result<void> validateInstances(const config::AuthdConfig& config);

    /// The plugins loaded so far, ordered by name (for logs, /admin and `authd version`).
    std::vector<LoadedPlugin> loaded() const;

private:
    struct Entry {
        LoadedPlugin plugin;
        sdk::ConfigSchema schema;
    };

    sdk::Result<const Entry*> entryFor(const std::string& name, sdk::PluginKind kind);
    sdk::Result<sdk::ConfigSchema> describe(const LoadedPlugin& plugin);

    template <typename Ptr, typename Factory>
    sdk::Result<Ptr> create(const config::PluginInstanceConfig& instance, sdk::PluginKind kind,
                            sdk::HostContext& host, Factory sdk::PluginManifest::*factory,
                            const char* operation);

    std::vector<std::string> search_paths_;
    sdk::Logger& logger_;
    mutable std::mutex mutex_;
    // The handles are declared before anything a plugin creates and are never erased.
    std::map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace authd::plugin
