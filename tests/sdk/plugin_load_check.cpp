// SPDX-License-Identifier: Apache-2.0
// plugin_load_check <name> <authenticator|storage|mailer> <dir>...
// Loads authd_<name>.so from the folders through authd's own loader and registry (every check
// of the load sequence, then describe_config) and prints what it found. Exit 0 when the plugin
// loads, 1 with the loader's message when it does not, 2 on bad usage. Used by
// example_plugin.sh to prove that a plugin built out of tree loads in this authd.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/plugin_loader.hpp"
#include "plugin/plugin_registry.hpp"

namespace {

class StderrLogger final : public authd::sdk::Logger {
public:
    void log(authd::sdk::LogLevel, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>&) override {
        std::cerr << event << ": " << message << "\n";
    }
};

const char* typeName(authd::sdk::ConfigType type) {
    switch (type) {
    case authd::sdk::ConfigType::string: return "string";
    case authd::sdk::ConfigType::integer: return "integer";
    case authd::sdk::ConfigType::boolean: return "boolean";
    case authd::sdk::ConfigType::duration: return "duration";
    case authd::sdk::ConfigType::string_list: return "string_list";
    case authd::sdk::ConfigType::secret: return "secret";
    case authd::sdk::ConfigType::map: return "map";
    }
    return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: plugin_load_check <name> <authenticator|storage|mailer> <dir>...\n";
        return 2;
    }
    const std::string name = argv[1];
    const std::string kind_text = argv[2];
    authd::sdk::PluginKind kind{};
    if (kind_text == "authenticator") {
        kind = authd::sdk::PluginKind::authenticator;
    } else if (kind_text == "storage") {
        kind = authd::sdk::PluginKind::storage;
    } else if (kind_text == "mailer") {
        kind = authd::sdk::PluginKind::mailer;
    } else {
        std::cerr << "unknown kind " << kind_text << "\n";
        return 2;
    }
    std::vector<std::string> paths(argv + 3, argv + argc);

    StderrLogger logger;
    authd::plugin::PluginRegistry registry(paths, logger);
    auto schema = registry.schemaFor(name, kind);
    if (!schema) {
        std::cerr << schema.error().message << "\n";
        return 1;
    }
    const auto loaded = registry.loaded();
    const auto& manifest = *loaded.at(0).manifest;
    std::cout << "loaded " << manifest.name << " " << manifest.version << " ("
              << authd::sdk::pluginKindName(manifest.kind) << ", SDK ABI " << manifest.abi_version
              << ", " << manifest.toolchain << ") from " << loaded.at(0).path.string() << "\n";
    for (const auto& key : schema->keys()) {
        std::cout << "  config " << key.name << ": " << typeName(key.type)
                  << (key.required ? ", required" : "") << "\n";
    }
    return 0;
}
