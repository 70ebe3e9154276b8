// SPDX-License-Identifier: Apache-2.0
// authd_oidc_federation.so: the manifest, and nothing else.
#include <exception>

#include "authd/sdk/abi.hpp"

#include "federation_authenticator.hpp"
#include "federation_config.hpp"

namespace authd::plugins::oidc_federation {

namespace {

sdk::Result<sdk::AuthenticatorPtr> makeAuthenticator(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host) noexcept {
    try {
        return FederationAuthenticator::create(spec, host);
    } catch (...) {  // create() catches already; this keeps noexcept honest under bad_alloc
        return sdk::makeError(sdk::ErrorCode::internal, "oidc_federation: factory threw");
    }
}

const sdk::PluginManifest* federationManifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION,
        AUTHD_SDK_TOOLCHAIN,
        "oidc_federation",
        sdk::PluginKind::authenticator,
        "0.1.0",
        &describeFederationConfig,
        &makeAuthenticator,
        nullptr,
        nullptr,
    };
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(federationManifest)

}  // namespace authd::plugins::oidc_federation
