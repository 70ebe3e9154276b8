// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "authd/sdk/abi.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugin {

/// A plugin library that passed every load check.
struct LoadedPlugin {
    std::filesystem::path path;
    /// Points into the library's static storage: valid while `library` is loaded.
    const sdk::PluginManifest* manifest = nullptr;
    /// Keeps the .so mapped. Whoever holds objects the plugin created must hold this longer.
    std::shared_ptr<boost::dll::shared_library> library;
};

/// True for names a plugin may have: one or more of [a-z0-9_].
bool isValidPluginName(const std::string& name) noexcept;

/// The file name a plugin called `name` has: authd_<name>.so.
std::string pluginFileName(const std::string& name);

/// Finds authd_<name>.so in `search_paths` (in order), checks the file without running any of
/// its code, loads it (RTLD_NOW | RTLD_LOCAL), then calls its manifest function and checks, in
/// this order: ABI version, toolchain, kind, name, factory, describe_config (STYLE 9.2).
/// Every failure is a distinct one-sentence message naming the file, what was found and the fix;
/// docs/plugins.md lists them all.
///
/// @param failure_event when not null and the load fails, receives the stable log event id of
///        the failing step (`plugin.abi_mismatch`, ... see docs/log-events.md).
/// Errors: not_found (no such file), invalid_config (the file or name is unusable), internal
/// (the manifest function threw). Never throws. Threading: safe to call concurrently.
/// Note: loading runs the library's static initialisers; a plugin that crashes or calls
/// std::terminate there takes the process with it, as with any dlopen.
sdk::Result<LoadedPlugin> loadPlugin(const std::string& name, sdk::PluginKind expected_kind,
                                     const std::vector<std::string>& search_paths,
                                     std::string* failure_event = nullptr);

}  // namespace authd::plugin
