// SPDX-License-Identifier: Apache-2.0
// authd_outbox.so: the manifest, the config schema and the factory.
#include <filesystem>
#include <memory>
#include <system_error>

#include "authd/sdk/abi.hpp"
#include "mime_message.hpp"
#include "outbox_mailer.hpp"

namespace {

using authd::sdk::ErrorCode;
using authd::sdk::makeError;

void describeConfig(authd::sdk::ConfigSchema& schema) {
    schema.add("dir", authd::sdk::ConfigType::string, true, {},
               "folder the .eml files are written to (created if missing; relative to the "
               "working directory)");
    schema.add("from", authd::sdk::ConfigType::string, false, "authd@localhost",
               "sender address for messages that set none");
}

authd::sdk::Result<authd::sdk::MailerPtr> makeMailer(const authd::sdk::InstanceSpec& spec,
                                                     authd::sdk::HostContext& host) noexcept {
    try {
        const authd::sdk::ConfigNode& config = *spec.config;
        const std::string dir = config.getString("dir");
        if (dir.empty()) {
            return makeError(ErrorCode::invalid_config,
                             config.where("dir") + ": must name a folder, got an empty string");
        }
        const std::string from = config.getString("from", "authd@localhost");
        if (!authd::plugins::outbox::isPlainAddress(from)) {
            return makeError(ErrorCode::invalid_config,
                             config.where("from") +
                                 ": expected a plain address like authd@example.com");
        }
        std::error_code ec;
        const std::filesystem::path folder = std::filesystem::absolute(dir, ec);
        if (ec) {
            return makeError(ErrorCode::invalid_config,
                             config.where("dir") + ": cannot resolve " + dir + ": " + ec.message());
        }
        std::filesystem::create_directories(folder, ec);
        if (ec || !std::filesystem::is_directory(folder)) {
            return makeError(ErrorCode::unavailable,
                             config.where("dir") + ": cannot use " + folder.string() +
                                 " as the outbox folder: " +
                                 (ec ? ec.message() : std::string("it is not a folder")));
        }
        host.logger().log(authd::sdk::LogLevel::info, "outbox.ready",
                          "mail is written to files, not sent",
                          {{"instance", spec.id}, {"dir", folder.string()}});
        return authd::sdk::MailerPtr(
            std::make_unique<authd::plugins::outbox::OutboxMailer>(folder, from, host));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::internal, std::string("outbox: ") + e.what());
    }
}

constexpr authd::sdk::PluginManifest kManifest{
    AUTHD_SDK_ABI_VERSION,
    AUTHD_SDK_TOOLCHAIN,
    "outbox",
    authd::sdk::PluginKind::mailer,
    "0.1.0",
    &describeConfig,
    nullptr,
    nullptr,
    &makeMailer,
};

const authd::sdk::PluginManifest* manifest() {
    return &kManifest;
}

}  // namespace

AUTHD_PLUGIN_ENTRY(manifest)
