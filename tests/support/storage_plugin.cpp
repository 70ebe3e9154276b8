// SPDX-License-Identifier: Apache-2.0
#include "storage_plugin.hpp"

#include <stdexcept>

#include <boost/dll/import.hpp>

#include "test_config_node.hpp"

namespace authd::test {

struct StoragePlugin::Library {
    std::function<sdk::ManifestFunction> entry;
};

StoragePlugin::StoragePlugin(const std::string& path) : library_(std::make_unique<Library>()) {
    try {
        library_->entry = boost::dll::import_alias<sdk::ManifestFunction>(
            boost::dll::fs::path(path), AUTHD_PLUGIN_SYMBOL, boost::dll::load_mode::rtld_now);
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot load plugin " + path + ": " + error.what());
    }
    manifest_ = library_->entry();
    if (manifest_ == nullptr) {
        throw std::runtime_error(path + ": the manifest function returned null");
    }
    if (manifest_->abi_version != AUTHD_SDK_ABI_VERSION) {
        throw std::runtime_error(path + ": built for SDK ABI " +
                                 std::to_string(manifest_->abi_version) + ", this test uses " +
                                 std::to_string(AUTHD_SDK_ABI_VERSION));
    }
    if (std::string(manifest_->toolchain) != AUTHD_SDK_TOOLCHAIN) {
        throw std::runtime_error(path + ": built with " + manifest_->toolchain + ", not " +
                                 AUTHD_SDK_TOOLCHAIN);
    }
    if (manifest_->kind != sdk::PluginKind::storage || manifest_->make_storage == nullptr) {
        throw std::runtime_error(path + ": not a storage plugin");
    }
}

StoragePlugin::~StoragePlugin() = default;

sdk::Result<sdk::StoragePtr> StoragePlugin::open(const std::map<std::string, std::string>& config,
                                                 sdk::HostContext& host,
                                                 const std::string& instance_id) const {
    sdk::ConfigSchema schema;
    if (manifest_->describe_config != nullptr) {
        manifest_->describe_config(schema);
    }
    TestConfigNode node(schema, config);
    std::vector<std::string> problems = node.validate();
    if (!problems.empty()) {
        std::string message = "config refused before the factory:";
        for (const std::string& problem : problems) {
            message += " " + problem + ";";
        }
        return sdk::makeError(sdk::ErrorCode::invalid_config, message);
    }
    sdk::InstanceSpec spec{instance_id, &node};
    return manifest_->make_storage(spec, host);
}

}  // namespace authd::test
