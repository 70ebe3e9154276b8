// SPDX-License-Identifier: Apache-2.0
// Opens authd_net on first use (docs/decisions/0006-static-and-lazy-libraries.md).
#include "app/net_library.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace authd::app {
namespace {

struct Loaded {
    net::Module* module = nullptr;
    std::string error;
};

std::vector<std::string> candidates() {
    std::vector<std::string> paths;
    std::error_code ec;
    const std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        paths.push_back((binary.parent_path() / AUTHD_NET_MODULE_FROM_BINARY).lexically_normal());
    }
#ifdef AUTHD_NET_MODULE_BUILD_PATH
    // The build tree's binaries find it above already: try it once.
    if (paths.empty() || paths.front() != AUTHD_NET_MODULE_BUILD_PATH) {
        paths.emplace_back(AUTHD_NET_MODULE_BUILD_PATH);
    }
#endif
    return paths;
}

Loaded load() {
    Loaded loaded;
    std::string tried;
    for (const std::string& path : candidates()) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            tried += (tried.empty() ? "" : ", ") + path + " (missing)";
            continue;
        }
        // The module is never closed: the objects it made live until the process exits.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* reason = ::dlerror();
            tried += (tried.empty() ? "" : ", ") + path + " (" +
                     (reason != nullptr ? reason : "cannot be opened") + ")";
            continue;
        }
        void* entry = ::dlsym(handle, net::kEntryPoint);
        if (entry == nullptr) {
            tried += (tried.empty() ? "" : ", ") + path + " (no " + net::kEntryPoint + ")";
            continue;
        }
        loaded.module = reinterpret_cast<net::EntryPoint>(entry)();
        if (loaded.module != nullptr) {
            return loaded;
        }
        tried += (tried.empty() ? "" : ", ") + path + " (" + net::kEntryPoint + " returned null)";
    }
    loaded.error = "the network module libauthd_net.so (TLS and outgoing HTTP) cannot be loaded; "
                   "tried " +
                   (tried.empty() ? std::string("no path") : tried);
    return loaded;
}

} // namespace

sdk::Result<net::Module*> netModule() {
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = load(); });
    if (loaded.module == nullptr) {
        return sdk::makeError(sdk::ErrorCode::unavailable, loaded.error);
    }
    return loaded.module;
}

} // namespace authd::app
