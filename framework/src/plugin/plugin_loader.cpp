// SPDX-License-Identifier: Apache-2.0
#include "plugin/plugin_loader.hpp"

#include <cstring>
#include <exception>
#include <string_view>
#include <system_error>
#include <utility>

#include "plugin/elf_probe.hpp"

namespace authd::plugin {
namespace {

using sdk::ErrorCode;

constexpr std::string_view kSection = "authd";

// "0.1.0" -> "0.1": what an out-of-tree plugin writes in find_package(authd 0.1).
std::string sdkPackageVersion() {
    const std::string full = AUTHD_VERSION;
    const auto first_dot = full.find('.');
    if (first_dot == std::string::npos) {
        return full;
    }
    const auto second_dot = full.find('.', first_dot + 1);
    return second_dot == std::string::npos ? full : full.substr(0, second_dot);
}

std::string inQuotes(std::string_view text) {
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

std::string kindPhrase(sdk::PluginKind kind) {
    switch (kind) {
    case sdk::PluginKind::authenticator: return "an authenticator";
    case sdk::PluginKind::storage: return "a storage";
    case sdk::PluginKind::mailer: return "a mailer";
    }
    return "an unknown-kind (" + std::to_string(static_cast<std::uint32_t>(kind)) + ")";
}

const char* factoryName(sdk::PluginKind kind) {
    switch (kind) {
    case sdk::PluginKind::authenticator: return "make_authenticator";
    case sdk::PluginKind::storage: return "make_storage";
    case sdk::PluginKind::mailer: return "make_mailer";
    }
    return "make_<kind>";
}

bool hasFactory(const sdk::PluginManifest& manifest, sdk::PluginKind kind) {
    switch (kind) {
    case sdk::PluginKind::authenticator: return manifest.make_authenticator != nullptr;
    case sdk::PluginKind::storage: return manifest.make_storage != nullptr;
    case sdk::PluginKind::mailer: return manifest.make_mailer != nullptr;
    }
    return false;
}

// Boost.DLL reports "load() failed (dlerror system message: <text>): <errno text>"; the dlerror
// part is what names the missing library or symbol.
std::string dlerrorText(const std::string& what) {
    static constexpr std::string_view kMarker = "dlerror system message: ";
    const auto start = what.find(kMarker);
    if (start == std::string::npos) {
        return what;
    }
    const auto text_start = start + kMarker.size();
    const auto end = what.rfind(')');
    if (end == std::string::npos || end <= text_start) {
        return what.substr(text_start);
    }
    return what.substr(text_start, end - text_start);
}

class Loader {
public:
    Loader(const std::string& name, sdk::PluginKind kind, const std::vector<std::string>& paths,
           std::string* failure_event)
        : name_(name), kind_(kind), paths_(paths), failure_event_(failure_event) {}

    sdk::Result<LoadedPlugin> run() {
        auto found = resolve();
        if (!found) {
            return std::move(found).error();
        }
        path_ = std::move(*found);
        file_ = path_.string();
        if (auto checked = probe(); !checked) {
            return std::move(checked).error();
        }
        auto library = open();
        if (!library) {
            return std::move(library).error();
        }
        auto manifest = readManifest(**library);
        if (!manifest) {
            return std::move(manifest).error();
        }
        if (auto checked = checkManifest(**manifest); !checked) {
            return std::move(checked).error();
        }
        return LoadedPlugin{path_, *manifest, std::move(*library)};
    }

private:
    sdk::Error fail(const char* event, ErrorCode code, std::string message) {
        if (failure_event_ != nullptr) {
            *failure_event_ = event;
        }
        return sdk::makeError(code, std::move(message));
    }

    // Step 1: the first authd_<name>.so in plugins.paths order.
    sdk::Result<std::filesystem::path> resolve() {
        if (!isValidPluginName(name_)) {
            return fail("plugin.invalid_name", ErrorCode::invalid_config,
                        "plugin name " + inQuotes(name_) +
                            " is invalid; use only lower-case letters, digits and underscores "
                            "(the plugin file is authd_<name>.so)");
        }
        const std::string file_name = pluginFileName(name_);
        if (paths_.empty()) {
            return fail("plugin.not_found", ErrorCode::not_found,
                        "plugin file " + file_name +
                            " cannot be found because plugins.paths is empty; add the folder "
                            "that holds it to plugins.paths");
        }
        std::string searched;
        for (const std::string& dir : paths_) {
            const std::filesystem::path candidate = std::filesystem::path(dir) / file_name;
            std::error_code ec;
            const auto status = std::filesystem::status(candidate, ec);
            if (!searched.empty()) {
                searched += ", ";
            }
            searched += candidate.string();
            if (status.type() == std::filesystem::file_type::not_found) {
                continue;
            }
            if (ec) {
                return fail("plugin.unreadable", ErrorCode::invalid_config,
                            "cannot read plugin file " + candidate.string() + " (" + ec.message() +
                                "); make it and its folder readable by the user authd runs as");
            }
            if (status.type() != std::filesystem::file_type::regular) {
                return fail("plugin.not_a_plugin", ErrorCode::invalid_config,
                            candidate.string() +
                                " is not an authd plugin (not a regular file); replace it with "
                                "the built plugin or remove that folder from plugins.paths");
            }
            return candidate;
        }
        return fail("plugin.not_found", ErrorCode::not_found,
                    "plugin file " + file_name + " was not found (searched: " + searched +
                        "); check plugins.paths or build the plugin (target authd_" + name_ + ")");
    }

    // Step 2: the bytes only; no plugin code has run yet.
    sdk::Result<void> probe() {
        const ElfProbe probe = probeElfSymbol(path_, std::string(kSection), AUTHD_PLUGIN_SYMBOL);
        const std::string no_manifest =
            file_ + " is not an authd plugin (no " AUTHD_PLUGIN_SYMBOL " in section authd";
        switch (probe.verdict) {
        case ElfVerdict::plugin: return sdk::ok();
        case ElfVerdict::unreadable:
            return fail("plugin.unreadable", ErrorCode::invalid_config,
                        "cannot read plugin file " + file_ + " (" + probe.detail +
                            "); make it readable by the user authd runs as");
        case ElfVerdict::not_elf:
            return fail("plugin.not_a_plugin", ErrorCode::invalid_config,
                        file_ + " is not an authd plugin (not an ELF shared library); replace it "
                                "with the built plugin or remove it from the folders in "
                                "plugins.paths");
        case ElfVerdict::not_shared_library:
            return fail("plugin.not_a_plugin", ErrorCode::invalid_config,
                        file_ + " is not an authd plugin (it is " + probe.detail +
                            ", not a shared library); build it with authd_add_plugin() in "
                            "CMake, which makes a MODULE library");
        case ElfVerdict::wrong_architecture:
            return fail("plugin.wrong_architecture", ErrorCode::invalid_config,
                        "plugin " + file_ + " was built for another architecture (" + probe.detail +
                            "); rebuild it on or for this machine");
        case ElfVerdict::damaged:
            return fail("plugin.damaged", ErrorCode::invalid_config,
                        "plugin " + file_ + " is a damaged ELF file (" + probe.detail +
                            "); rebuild or reinstall it");
        case ElfVerdict::no_symbol:
            return fail("plugin.not_a_plugin", ErrorCode::invalid_config,
                        no_manifest + ": " + probe.detail +
                            "); export a manifest with AUTHD_PLUGIN_ENTRY(...) from "
                            "authd/sdk/abi.hpp and rebuild it, or remove it from the folders "
                            "in plugins.paths");
        case ElfVerdict::symbol_elsewhere:
            return fail("plugin.not_a_plugin", ErrorCode::invalid_config,
                        no_manifest + ": the symbol is " + probe.detail +
                            "); export it with AUTHD_PLUGIN_ENTRY(...) from authd/sdk/abi.hpp, "
                            "not by hand, and rebuild it");
        }
        return fail("plugin.not_a_plugin", ErrorCode::internal,
                    file_ + " could not be checked (unexpected probe result)");
    }

    // Step 3: RTLD_NOW so a missing symbol fails here, not at the first call in a request;
    // RTLD_LOCAL so plugins cannot interpose on each other's symbols.
    sdk::Result<std::shared_ptr<boost::dll::shared_library>> open() {
        try {
            return std::make_shared<boost::dll::shared_library>(
                path_, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
        } catch (const std::exception& e) {
            return fail("plugin.load_failed", ErrorCode::invalid_config,
                        "cannot load plugin " + file_ + ": " + dlerrorText(e.what()) +
                            "; install the libraries it needs or rebuild it against this "
                            "system's libraries");
        }
    }

    // Step 4a: the plugin's first code run by the host, inside a guard.
    sdk::Result<const sdk::PluginManifest*> readManifest(boost::dll::shared_library& library) {
        const sdk::PluginManifest* manifest = nullptr;
        try {
            auto& entry = library.get_alias<sdk::ManifestFunction>(AUTHD_PLUGIN_SYMBOL);
            manifest = entry();
        } catch (const std::exception& e) {
            return fail("plugin.manifest_failed", ErrorCode::internal,
                        "plugin " + file_ + " threw from its manifest function (" + e.what() +
                            "); fix the plugin so that " AUTHD_PLUGIN_SYMBOL " never throws");
        } catch (...) {
            return fail("plugin.manifest_failed", ErrorCode::internal,
                        "plugin " + file_ +
                            " threw a non-standard exception from its manifest function; fix "
                            "the plugin so that " AUTHD_PLUGIN_SYMBOL " never throws");
        }
        if (manifest == nullptr) {
            return fail("plugin.manifest_failed", ErrorCode::invalid_config,
                        "plugin " + file_ +
                            " returned a null manifest; return the address of a static "
                            "PluginManifest from its manifest function");
        }
        return manifest;
    }

    // Step 4b: abi_version first (the only member whose place is guaranteed in every ABI),
    // then the rest in STYLE 9.2 order.
    sdk::Result<void> checkManifest(const sdk::PluginManifest& manifest) {
        if (manifest.abi_version != AUTHD_SDK_ABI_VERSION) {
            return fail("plugin.abi_mismatch", ErrorCode::invalid_config,
                        "plugin " + file_ + " was built for authd SDK ABI " +
                            std::to_string(manifest.abi_version) + "; this authd uses ABI " +
                            std::to_string(AUTHD_SDK_ABI_VERSION) +
                            ". Rebuild the plugin against the installed SDK (find_package(authd " +
                            sdkPackageVersion() + ")).");
        }
        if (manifest.toolchain == nullptr ||
            std::strcmp(manifest.toolchain, AUTHD_SDK_TOOLCHAIN) != 0) {
            const std::string theirs =
                manifest.toolchain == nullptr ? std::string("no toolchain") : manifest.toolchain;
            return fail("plugin.toolchain_mismatch", ErrorCode::invalid_config,
                        "plugin " + file_ + " was built with toolchain " + inQuotes(theirs) +
                            "; this authd was built with " + inQuotes(AUTHD_SDK_TOOLCHAIN) +
                            "; rebuild the plugin with the same compiler major version and "
                            "standard library as authd");
        }
        if (manifest.kind != kind_) {
            return fail("plugin.kind_mismatch", ErrorCode::invalid_config,
                        "plugin " + file_ + " is " + kindPhrase(manifest.kind) +
                            " plugin, but the config uses it " + "as " + kindPhrase(kind_) +
                            " plugin; name " + kindPhrase(kind_) + " plugin in that config slot");
        }
        if (manifest.name == nullptr) {
            return fail("plugin.name_mismatch", ErrorCode::invalid_config,
                        "plugin " + file_ + " has no name in its manifest; set its name to " +
                            inQuotes(name_) + " and rebuild it");
        }
        if (name_ != manifest.name) {
            return fail("plugin.name_mismatch", ErrorCode::invalid_config,
                        "plugin " + file_ + " declares the name " + inQuotes(manifest.name) +
                            " but its file is " + pluginFileName(name_) + "; rename the file to " +
                            pluginFileName(manifest.name) + " or set the manifest name to " +
                            inQuotes(name_));
        }
        if (!hasFactory(manifest, kind_)) {
            return fail("plugin.bad_manifest", ErrorCode::invalid_config,
                        "plugin " + file_ + " is " + kindPhrase(kind_) +
                            " plugin but its manifest's " + factoryName(kind_) +
                            " is null; set that factory and rebuild it");
        }
        if (manifest.describe_config == nullptr) {
            return fail("plugin.bad_manifest", ErrorCode::invalid_config,
                        "plugin " + file_ +
                            " has no describe_config in its manifest; set it (a function that "
                            "adds no keys is fine) and rebuild it");
        }
        if (manifest.version == nullptr) {
            return fail("plugin.bad_manifest", ErrorCode::invalid_config,
                        "plugin " + file_ +
                            " has no version in its manifest; set it (e.g. \"1.0.0\") and "
                            "rebuild it");
        }
        return sdk::ok();
    }

    const std::string& name_;
    sdk::PluginKind kind_;
    const std::vector<std::string>& paths_;
    std::string* failure_event_;
    std::filesystem::path path_;
    std::string file_;
};

}  // namespace

bool isValidPluginName(const std::string& name) noexcept {
    if (name.empty()) {
        return false;
    }
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string pluginFileName(const std::string& name) {
    return "authd_" + name + ".so";
}

sdk::Result<LoadedPlugin> loadPlugin(const std::string& name, sdk::PluginKind expected_kind,
                                     const std::vector<std::string>& search_paths,
                                     std::string* failure_event) {
    try {
        return Loader(name, expected_kind, search_paths, failure_event).run();
    } catch (const std::exception& e) {
        // Only allocation failures can get here; the loader turns every plugin fault into a value.
        if (failure_event != nullptr) {
            *failure_event = "plugin.load_failed";
        }
        return sdk::makeError(ErrorCode::internal,
                              "cannot load plugin " + pluginFileName(name) + ": " + e.what());
    }
}

}  // namespace authd::plugin
