// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point: its manifest, and nothing else.
#include <exception>

#include "authd/sdk/abi.hpp"

#include "password_authenticator.hpp"
#include "password_config.hpp"

namespace authd::plugins::password {

namespace {

sdk::Result<sdk::AuthenticatorPtr> makeAuthenticator(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host) noexcept {
    try {
        return PasswordAuthenticator::create(spec, host);
    } catch (...) {  // create() catches already; this keeps noexcept honest under bad_alloc
        return sdk::makeError(sdk::ErrorCode::internal, "password authenticator: factory threw");
    }
}

const sdk::PluginManifest* passwordManifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION,
        AUTHD_SDK_TOOLCHAIN,
        "password",
        sdk::PluginKind::authenticator,
        "0.1.0",
        &describePasswordConfig,
        &makeAuthenticator,
        nullptr,
        nullptr,
    };
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(passwordManifest)

}  // namespace authd::plugins::password
