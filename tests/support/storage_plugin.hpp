// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <string>

#include "authd/sdk/abi.hpp"

namespace authd::test {

/// A storage plugin loaded straight through Boost.DLL (not the host's loader), for the
/// storage contract suite. Keeps the library loaded for its own lifetime: destroy every
/// store it made first.
class StoragePlugin {
public:
    /// Throws std::runtime_error with a clear message when the file is not a usable
    /// storage plugin.
    explicit StoragePlugin(const std::string& path);
    ~StoragePlugin();
    StoragePlugin(const StoragePlugin&) = delete;
    StoragePlugin& operator=(const StoragePlugin&) = delete;

    const sdk::PluginManifest& manifest() const { return *manifest_; }
    std::string name() const { return manifest_->name; }

    /// Validates `config` against the plugin's schema as the host would (invalid_config
    /// listing the problems), then calls the factory.
    sdk::Result<sdk::StoragePtr> open(const std::map<std::string, std::string>& config,
                                      sdk::HostContext& host,
                                      const std::string& instance_id = "store") const;

private:
    struct Library;
    std::unique_ptr<Library> library_;
    const sdk::PluginManifest* manifest_ = nullptr;
};

}  // namespace authd::test
