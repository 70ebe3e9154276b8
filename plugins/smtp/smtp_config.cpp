// SPDX-License-Identifier: Apache-2.0
#include "smtp_config.hpp"

#include <fstream>
#include <vector>

#include "mime_message.hpp"

namespace authd::plugins::smtp {

namespace {

constexpr sdk::Seconds kMaxTimeout = 300;
constexpr sdk::Seconds kMaxRetryDelay = 300;
constexpr std::int64_t kMaxRetries = 10;

bool isAscii(const std::string& text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80U) {
            return false;
        }
    }
    return true;
}

bool isHostName(const std::string& host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

const char* tlsModeName(TlsMode mode) noexcept {
    switch (mode) {
    case TlsMode::none:
        return "none";
    case TlsMode::starttls:
        return "starttls";
    case TlsMode::required_starttls:
        return "required-starttls";
    case TlsMode::implicit:
        return "tls";
    }
    return "unknown";
}

const char* authMethodName(AuthMethod method) noexcept {
    switch (method) {
    case AuthMethod::login:
        return "login";
    case AuthMethod::plain:
        return "plain";
    case AuthMethod::cram_md5:
        return "cram-md5";
    }
    return "unknown";
}

void describeSmtpConfig(sdk::ConfigSchema& schema) {
    schema.add("host", sdk::ConfigType::string, true, {}, "SMTP server host name or IP address");
    auto& port = schema.add("port", sdk::ConfigType::integer, false, "587",
                            "SMTP server port (587 submission, 465 implicit TLS, 25 relay)");
    port.min = 1;
    port.max = 65535;
    schema.add("from", sdk::ConfigType::string, true, {},
               "sender address (envelope and From header) for messages that set none");
    schema.add("tls", sdk::ConfigType::string, false, "starttls",
               "none | starttls (when offered; never AUTH in clear) | required-starttls | tls "
               "(implicit, SMTPS)");
    schema.add("username", sdk::ConfigType::string, false, {},
               "AUTH user name; empty: no authentication");
    schema.add("password", sdk::ConfigType::secret, false, {},
               "AUTH password, as password_env or password_file");
    schema.add("auth", sdk::ConfigType::string, false, "login", "login | plain | cram-md5");
    auto& timeout = schema.add("timeout", sdk::ConfigType::duration, false, "10s",
                               "limit on connecting and on each read or write");
    timeout.min = 1;
    timeout.max = kMaxTimeout;
    auto& retries = schema.add("retries", sdk::ConfigType::integer, false, "2",
                               "further attempts after a failed one (network errors, 4xx replies)");
    retries.min = 0;
    retries.max = kMaxRetries;
    auto& retry_delay =
        schema.add("retry_delay", sdk::ConfigType::duration, false, "1s", "pause between attempts");
    retry_delay.min = 0;
    retry_delay.max = kMaxRetryDelay;
    schema.add("verify_certificate", sdk::ConfigType::boolean, false, "true",
               "verify the server's certificate chain (and its name, unless it is loopback)");
    schema.add("ca_file", sdk::ConfigType::string, false, {},
               "PEM file of CAs to trust besides the system store (a private CA)");
    schema.add("helo_name", sdk::ConfigType::string, false, {},
               "name sent with EHLO; empty: this machine's host name");
}

sdk::Result<SmtpConfig> parseSmtpConfig(const sdk::ConfigNode& node) {
    SmtpConfig config;
    std::vector<std::string> errors;

    config.host = node.getString("host");
    if (!isHostName(config.host)) {
        errors.push_back(node.where("host") +
                         ": expected a host name or IP address (letters, digits, '.', '-', ':')");
    }
    const std::int64_t port = node.getInt("port", 587);
    if (port < 1 || port > 65535) {
        errors.push_back(node.where("port") + ": must be between 1 and 65535");
    } else {
        config.port = static_cast<std::uint16_t>(port);
    }
    config.from = node.getString("from");
    if (!outbox::isPlainAddress(config.from) || !isAscii(config.from)) {
        errors.push_back(node.where("from") +
                         ": expected a plain ASCII address like authd@example.com");
    }
    const std::string tls = node.getString("tls", "starttls");
    if (tls == "none") {
        config.tls = TlsMode::none;
    } else if (tls == "starttls") {
        config.tls = TlsMode::starttls;
    } else if (tls == "required-starttls") {
        config.tls = TlsMode::required_starttls;
    } else if (tls == "tls") {
        config.tls = TlsMode::implicit;
    } else {
        errors.push_back(node.where("tls") +
                         ": expected none, starttls, required-starttls or tls, got \"" + tls +
                         "\"");
    }
    const std::string auth = node.getString("auth", "login");
    if (auth == "login") {
        config.auth = AuthMethod::login;
    } else if (auth == "plain") {
        config.auth = AuthMethod::plain;
    } else if (auth == "cram-md5") {
        config.auth = AuthMethod::cram_md5;
    } else {
        errors.push_back(node.where("auth") + ": expected login, plain or cram-md5, got \"" + auth +
                         "\"");
    }
    config.username = node.getString("username");
    config.password = node.getSecret("password");
    if (config.username.find_first_of("\r\n") != std::string::npos ||
        config.password.find_first_of("\r\n") != std::string::npos) {
        errors.push_back(node.where("username") +
                         ": the user name and password must not contain line breaks");
    }
    if (!config.username.empty() && config.password.empty()) {
        errors.push_back(node.where("username") +
                         ": a user name needs a password (password_env or password_file)");
    }
    if (config.username.empty() && !config.password.empty()) {
        errors.push_back(node.where("password") + ": a password needs a username");
    }
    config.timeout = node.getDuration("timeout", 10);
    if (config.timeout < 1 || config.timeout > kMaxTimeout) {
        errors.push_back(node.where("timeout") + ": must be between 1s and " +
                         std::to_string(kMaxTimeout) + "s");
    }
    const std::int64_t retries = node.getInt("retries", 2);
    if (retries < 0 || retries > kMaxRetries) {
        errors.push_back(node.where("retries") + ": must be between 0 and " +
                         std::to_string(kMaxRetries));
    } else {
        config.retries = static_cast<int>(retries);
    }
    config.retry_delay = node.getDuration("retry_delay", 1);
    if (config.retry_delay < 0 || config.retry_delay > kMaxRetryDelay) {
        errors.push_back(node.where("retry_delay") + ": must be between 0s and " +
                         std::to_string(kMaxRetryDelay) + "s");
    }
    config.verify_certificate = node.getBool("verify_certificate", true);
    config.ca_file = node.getString("ca_file");
    if (!config.ca_file.empty() && !std::ifstream(config.ca_file).good()) {
        errors.push_back(node.where("ca_file") + ": cannot read " + config.ca_file);
    }
    config.helo_name = node.getString("helo_name");
    if (!config.helo_name.empty() && !isHostName(config.helo_name)) {
        errors.push_back(node.where("helo_name") + ": expected a host name");
    }

    if (!errors.empty()) {
        std::string message;
        for (const std::string& error : errors) {
            message += message.empty() ? error : "\n" + error;
        }
        return sdk::makeError(sdk::ErrorCode::invalid_config, message);
    }
    return config;
}

}  // namespace authd::plugins::smtp
