// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point: its manifest, and nothing else.
#include "authd/sdk/abi.hpp"

#include "magic_link_authenticator.hpp"
#include "magic_link_config.hpp"

namespace authd::plugins::magic_link {

namespace {

sdk::Result<sdk::AuthenticatorPtr> makeAuthenticator(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host) noexcept {
    try {
        return MagicLinkAuthenticator::create(spec, host);
    } catch (...) {  // create() catches already; this keeps noexcept honest under bad_alloc
        return sdk::makeError(sdk::ErrorCode::internal, "magic_link authenticator: factory threw");
    }
}

const sdk::PluginManifest* magicLinkManifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION,
        AUTHD_SDK_TOOLCHAIN,
        "magic_link",
        sdk::PluginKind::authenticator,
        "0.1.0",
        &describeMagicLinkConfig,
        &makeAuthenticator,
        nullptr,
        nullptr,
    };
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(magicLinkManifest)

}  // namespace authd::plugins::magic_link
