// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

#include <boost/dll/alias.hpp>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/mailer.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"

/// Bumped on any change to a header under authd/sdk/ (tests/sdk/abi_hash_test.cpp enforces it).
#define AUTHD_SDK_ABI_VERSION 4

#define AUTHD_SDK_STR2(x) #x
#define AUTHD_SDK_STR(x) AUTHD_SDK_STR2(x)
#if defined(__clang__)
#define AUTHD_SDK_COMPILER "clang-" AUTHD_SDK_STR(__clang_major__)
#elif defined(__GNUC__)
#define AUTHD_SDK_COMPILER "gcc-" AUTHD_SDK_STR(__GNUC__)
#else
#define AUTHD_SDK_COMPILER "unknown"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define AUTHD_SDK_STDLIB "libstdc++-cxx11abi" AUTHD_SDK_STR(_GLIBCXX_USE_CXX11_ABI)
#else
#define AUTHD_SDK_STDLIB "other-stdlib"
#endif
/// C++ has no stable ABI across compilers and standard libraries: plugin and host must agree.
#define AUTHD_SDK_TOOLCHAIN AUTHD_SDK_COMPILER "/" AUTHD_SDK_STDLIB

namespace authd::sdk {

enum class PluginKind : std::uint32_t { authenticator = 1, storage = 2, mailer = 3 };

inline const char* pluginKindName(PluginKind kind) noexcept {
    switch (kind) {
    case PluginKind::authenticator: return "authenticator";
    case PluginKind::storage: return "storage";
    case PluginKind::mailer: return "mailer";
    }
    return "unknown";
}

using AuthenticatorFactory = Result<AuthenticatorPtr> (*)(const InstanceSpec& spec,
                                                          HostContext& host) noexcept;
using StorageFactory = Result<StoragePtr> (*)(const InstanceSpec& spec, HostContext& host) noexcept;
using MailerFactory = Result<MailerPtr> (*)(const InstanceSpec& spec, HostContext& host) noexcept;

/// What a plugin library declares about itself. Returned by the plugin's one exported
/// function; every pointer refers to static storage inside the plugin.
struct PluginManifest {
    std::uint32_t abi_version;  ///< first member, never moves: the host reads it first
    const char* toolchain;      ///< AUTHD_SDK_TOOLCHAIN as the plugin was compiled
    const char* name;           ///< must equal the file name without `authd_` and `.so`
    PluginKind kind;
    const char* version;        ///< the plugin's own version
    void (*describe_config)(ConfigSchema& schema);  ///< the keys its `config:` accepts
    AuthenticatorFactory make_authenticator;        ///< set when kind == authenticator
    StorageFactory make_storage;                    ///< set when kind == storage
    MailerFactory make_mailer;                      ///< set when kind == mailer
};

/// The signature of the exported entry point.
using ManifestFunction = const PluginManifest* ();

}  // namespace authd::sdk

/// Exports `fn` (a `const authd::sdk::PluginManifest* fn()`) as the plugin's entry point,
/// in the `authd` section so the host can find it without running any plugin code.
#define AUTHD_PLUGIN_ENTRY(fn) BOOST_DLL_ALIAS_SECTIONED(fn, authd_plugin_manifest, authd)

/// The name of the exported symbol.
#define AUTHD_PLUGIN_SYMBOL "authd_plugin_manifest"
