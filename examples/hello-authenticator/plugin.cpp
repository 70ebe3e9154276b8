// SPDX-License-Identifier: Apache-2.0
// authd_hello.so: the manifest, the config schema and the factory.
#include <memory>
#include <string>

#include "authd/sdk/abi.hpp"
#include "hello_authenticator.hpp"

namespace {

using authd::sdk::ConfigType;
using authd::sdk::ErrorCode;

void describeConfig(authd::sdk::ConfigSchema& schema) {
    schema.add("code", ConfigType::secret, true, {},
               "the invite code, from code_env: VARIABLE or code_file: PATH");
    schema.add("display_name", ConfigType::string, false, "Invite code",
               "the method's label on the login page");
}

authd::sdk::Result<authd::sdk::AuthenticatorPtr>
makeAuthenticator(const authd::sdk::InstanceSpec& spec, authd::sdk::HostContext& host) noexcept {
    try {
        const authd::sdk::ConfigNode& config = *spec.config;
        std::string code = config.getSecret("code");
        if (code.size() < hello::HelloAuthenticator::kMinCodeLength) {
            return authd::sdk::makeError(
                ErrorCode::invalid_config,
                config.where("code") + ": the invite code must have at least " +
                    std::to_string(hello::HelloAuthenticator::kMinCodeLength) + " characters");
        }
        const std::string display_name = config.getString("display_name", "Invite code");
        if (display_name.empty()) {
            return authd::sdk::makeError(ErrorCode::invalid_config,
                                         config.where("display_name") + ": must not be empty");
        }
        return authd::sdk::AuthenticatorPtr(std::make_unique<hello::HelloAuthenticator>(
            spec.id, display_name, std::move(code), host));
    } catch (const std::exception& e) {
        return authd::sdk::makeError(ErrorCode::internal, std::string("hello: ") + e.what());
    }
}

constexpr authd::sdk::PluginManifest kManifest{
    AUTHD_SDK_ABI_VERSION,
    AUTHD_SDK_TOOLCHAIN,
    "hello",
    authd::sdk::PluginKind::authenticator,
    "0.1.0",
    &describeConfig,
    &makeAuthenticator,
    nullptr,
    nullptr,
};

const authd::sdk::PluginManifest* manifest() {
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(manifest)
