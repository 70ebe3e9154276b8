// SPDX-License-Identifier: Apache-2.0
#include "plugin/plugin_registry.hpp"

#include <set>
#include <utility>

#include "config/config_error.hpp"
#include "config/plugin_config.hpp"
#include "plugin/boundary_guard.hpp"

namespace authd::plugin {
namespace {

using sdk::ErrorCode;

// Libraries are pinned here for the whole process (STYLE 9.2 step 7). Deliberately never
// destroyed: running its destructor at exit could unload a library while static destructors
// of objects it created are still to run.
void pinForProcessLifetime(std::shared_ptr<boost::dll::shared_library> library) {
    static std::mutex* mutex = new std::mutex;
    static auto* pinned = new std::vector<std::shared_ptr<boost::dll::shared_library>>;
    std::lock_guard lock(*mutex);
    pinned->push_back(std::move(library));
}

// `file:line:col: path: ` for messages about one instance.
std::string locate(const config::PluginInstanceConfig& instance, const std::string& path,
                   const std::string& message) {
    config::ConfigIssue issue;
    issue.file = instance.file;
    issue.line = instance.line;
    issue.column = instance.column;
    issue.path = path;
    issue.message = message;
    return issue.str();
}

std::string instanceLabel(const config::PluginInstanceConfig& instance) {
    return "plugin " + instance.plugin + " (instance \"" + instance.id + "\")";
}

// A plugin's schema is its own code's output: refuse keys the validator could not address.
std::string schemaProblem(const std::vector<sdk::ConfigKey>& keys, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& key : keys) {
        if (key.name.empty()) {
            return "declares a config key with an empty name" +
                   (prefix.empty() ? std::string() : " under " + prefix);
        }
        if (!seen.insert(key.name).second) {
            return "declares the config key \"" + prefix + key.name + "\" twice";
        }
        if (key.type == sdk::ConfigType::map) {
            if (auto nested = schemaProblem(key.children, prefix + key.name + ".");
                !nested.empty()) {
                return nested;
            }
        }
    }
    return {};
}

}  // namespace

PluginRegistry::PluginRegistry(std::vector<std::string> search_paths, sdk::Logger& logger)
    : search_paths_(std::move(search_paths)), logger_(logger) {}

PluginRegistry::~PluginRegistry() = default;

sdk::Result<sdk::ConfigSchema> PluginRegistry::describe(const LoadedPlugin& plugin) {
    const std::string name = plugin.manifest->name;
    sdk::ConfigSchema schema;
    auto described = guardPluginCall(name, "describe_config", logger_, [&]() -> sdk::Result<void> {
        plugin.manifest->describe_config(schema);
        return sdk::ok();
    });
    if (!described) {
        return std::move(described).error();
    }
    if (auto problem = schemaProblem(schema.keys(), {}); !problem.empty()) {
        logger_.log(sdk::LogLevel::error, "plugin.bad_schema", problem,
                    {{"plugin", name}, {"path", plugin.path.string()}});
        return sdk::makeError(ErrorCode::invalid_config, "plugin " + plugin.path.string() + " " +
                                                             problem + "; fix its describe_config");
    }
    return schema;
}

sdk::Result<const PluginRegistry::Entry*> PluginRegistry::entryFor(const std::string& name,
                                                                   sdk::PluginKind kind) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(name);
        it != entries_.end() && it->second->plugin.manifest->kind == kind) {
        return static_cast<const Entry*>(it->second.get());
    }
    // Not loaded yet, or asked for as another kind: the loader produces the message.
    std::string event;
    auto loaded = loadPlugin(name, kind, search_paths_, &event);
    if (!loaded) {
        logger_.log(sdk::LogLevel::error, event, loaded.error().message, {{"plugin", name}});
        return std::move(loaded).error();
    }
    auto schema = describe(*loaded);
    if (!schema) {
        return std::move(schema).error();
    }
    pinForProcessLifetime(loaded->library);
    const auto& manifest = *loaded->manifest;
    logger_.log(sdk::LogLevel::info, "plugin.loaded",
                "loaded plugin " + name + " " + manifest.version,
                {{"plugin", name},
                 {"version", manifest.version},
                 {"kind", sdk::pluginKindName(manifest.kind)},
                 {"path", loaded->path.string()}});
    auto entry = std::make_unique<Entry>(Entry{std::move(*loaded), std::move(*schema)});
    const Entry* result = entry.get();
    entries_[name] = std::move(entry);
    return result;
}

sdk::Result<sdk::ConfigSchema> PluginRegistry::schemaFor(const std::string& plugin,
                                                         sdk::PluginKind kind) {
    auto entry = entryFor(plugin, kind);
    if (!entry) {
        return std::move(entry).error();
    }
    return (*entry)->schema;
}

template <typename Ptr, typename Factory>
sdk::Result<Ptr> PluginRegistry::create(const config::PluginInstanceConfig& instance,
                                        sdk::PluginKind kind, sdk::HostContext& host,
                                        Factory sdk::PluginManifest::*factory,
                                        const char* operation) {
    auto entry = entryFor(instance.plugin, kind);
    if (!entry) {
        return sdk::makeError(entry.error().code, locate(instance, instance.yaml_path + ".plugin",
                                                         entry.error().message));
    }
    const Entry& plugin = **entry;

    config::ConfigErrors errors;
    std::unique_ptr<sdk::ConfigNode> node =
        config::validatePluginConfig(instance, plugin.schema, errors);
    if (node == nullptr || !errors.empty()) {
        const std::string message =
            errors.empty()
                ? locate(instance, instance.yaml_path + ".config", "the plugin config was refused")
                : errors.str();
        logger_.log(sdk::LogLevel::error, "plugin.config_invalid", message,
                    {{"plugin", instance.plugin}, {"instance", instance.id}});
        return sdk::makeError(ErrorCode::invalid_config, message);
    }

    // Called through a pointer type without noexcept: a factory that throws anyway (built
    // carelessly, or through a foreign binding) reaches the guard instead of the optimiser
    // having removed the handler.
    sdk::Result<Ptr> (*const make)(const sdk::InstanceSpec&, sdk::HostContext&) =
        plugin.plugin.manifest->*factory;
    const sdk::InstanceSpec spec{instance.id, node.get()};
    const std::string label = instanceLabel(instance);
    auto made = guardPluginCall(label, operation, logger_, [&] { return make(spec, host); });
    if (!made) {
        const std::string message = locate(
            instance, instance.yaml_path, label + " could not be created: " + made.error().message);
        logger_.log(sdk::LogLevel::error, "plugin.factory_failed", message,
                    {{"plugin", instance.plugin},
                     {"instance", instance.id},
                     {"code", sdk::errorCodeName(made.error().code)}});
        return sdk::makeError(made.error().code, message);
    }
    if (*made == nullptr) {
        const std::string message =
            locate(instance, instance.yaml_path,
                   label + " returned no object from " + operation +
                       " although it reported success; this is a bug in the plugin");
        logger_.log(sdk::LogLevel::error, "plugin.factory_null", message,
                    {{"plugin", instance.plugin}, {"instance", instance.id}});
        return sdk::makeError(ErrorCode::internal, message);
    }
    logger_.log(sdk::LogLevel::info, "plugin.instance_created",
                "created " + std::string(sdk::pluginKindName(kind)) + " \"" + instance.id +
                    "\" from plugin " + instance.plugin,
                {{"plugin", instance.plugin},
                 {"instance", instance.id},
                 {"kind", sdk::pluginKindName(kind)}});
    return std::move(*made);
}

sdk::Result<sdk::StoragePtr>
PluginRegistry::createStorage(const config::PluginInstanceConfig& instance,
                              sdk::HostContext& host) {
    return create<sdk::StoragePtr>(instance, sdk::PluginKind::storage, host,
                                   &sdk::PluginManifest::make_storage, "make_storage");
}

sdk::Result<sdk::AuthenticatorPtr>
PluginRegistry::createAuthenticator(const config::PluginInstanceConfig& instance,
                                    sdk::HostContext& host) {
    return create<sdk::AuthenticatorPtr>(instance, sdk::PluginKind::authenticator, host,
                                         &sdk::PluginManifest::make_authenticator,
                                         "make_authenticator");
}

sdk::Result<sdk::MailerPtr>
PluginRegistry::createMailer(const config::PluginInstanceConfig& instance, sdk::HostContext& host) {
    return create<sdk::MailerPtr>(instance, sdk::PluginKind::mailer, host,
                                  &sdk::PluginManifest::make_mailer, "make_mailer");
}

sdk::Result<void> PluginRegistry::validateInstances(const config::AuthdConfig& config) {
    config::ConfigErrors errors;
    auto check = [&](const config::PluginInstanceConfig& instance, sdk::PluginKind kind) {
        auto entry = entryFor(instance.plugin, kind);
        if (!entry) {
            errors.add(config::ConfigIssue{instance.file, instance.line, instance.column,
                                           instance.yaml_path + ".plugin", entry.error().message});
            return;
        }
        // The view holds resolved secrets; it is dropped (and wiped) at once.
        config::validatePluginConfig(instance, (*entry)->schema, errors);
    };
    check(config.storage, sdk::PluginKind::storage);
    for (const auto& authenticator : config.authenticators) {
        check(authenticator, sdk::PluginKind::authenticator);
    }
    if (config.mail) {
        check(*config.mail, sdk::PluginKind::mailer);
    }
    if (!errors.empty()) {
        return sdk::makeError(ErrorCode::invalid_config, errors.str());
    }
    return sdk::ok();
}

std::vector<LoadedPlugin> PluginRegistry::loaded() const {
    std::lock_guard lock(mutex_);
    std::vector<LoadedPlugin> out;
    out.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) {
        out.push_back(entry->plugin);
    }
    return out;
}

}  // namespace authd::plugin
