// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point: its manifest, and nothing else.
#include "authd/sdk/abi.hpp"

#include "pin_authenticator.hpp"
#include "pin_config.hpp"

namespace authd::plugins::pin {

namespace {

sdk::Result<sdk::AuthenticatorPtr> makeAuthenticator(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host) noexcept {
    try {
        return PinAuthenticator::create(spec, host);
    } catch (...) {  // create() catches already; this keeps noexcept honest under bad_alloc
        return sdk::makeError(sdk::ErrorCode::internal, "pin authenticator: factory threw");
    }
}

const sdk::PluginManifest* pinManifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION,
        AUTHD_SDK_TOOLCHAIN,
        "pin",
        sdk::PluginKind::authenticator,
        "0.1.0",
        &describePinConfig,
        &makeAuthenticator,
        nullptr,
        nullptr,
    };
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(pinManifest)

}  // namespace authd::plugins::pin
