// SPDX-License-Identifier: Apache-2.0
// authd_smtp.so: the manifest, the config schema and the factory.
#include <exception>

#include "authd/sdk/abi.hpp"

#include "smtp_config.hpp"
#include "smtp_mailer.hpp"

namespace authd::plugins::smtp {

namespace {

sdk::Result<sdk::MailerPtr> makeMailer(const sdk::InstanceSpec& spec,
                                       sdk::HostContext& host) noexcept {
    try {
        if (spec.config == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config, "smtp: no config node");
        }
        auto config = parseSmtpConfig(*spec.config);
        if (!config) {
            return config.error();
        }
        const std::string server = config->host + ":" + std::to_string(config->port);
        const std::string tls = tlsModeName(config->tls);
        const bool auth = !config->username.empty();
        auto mailer = SmtpMailer::create(std::move(*config), host);
        if (mailer) {
            host.logger().log(
                sdk::LogLevel::info, "smtp.ready", "mail is sent through SMTP",
                {{"server", server}, {"tls", tls}, {"auth", auth ? "true" : "false"}});
        }
        return mailer;
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("smtp: factory threw: ") + e.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal, "smtp: factory threw");
    }
}

const sdk::PluginManifest* smtpManifest() {
    static const sdk::PluginManifest kManifest{
        AUTHD_SDK_ABI_VERSION,
        AUTHD_SDK_TOOLCHAIN,
        "smtp",
        sdk::PluginKind::mailer,
        "0.1.0",
        &describeSmtpConfig,
        nullptr,
        nullptr,
        &makeMailer,
    };
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(smtpManifest)

}  // namespace authd::plugins::smtp
