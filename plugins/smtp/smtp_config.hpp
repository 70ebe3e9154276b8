// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "authd/sdk/config.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugins::smtp {

/// How the connection to the server is protected.
enum class TlsMode : std::uint8_t {
    none,               ///< plain text throughout (a local relay); credentials go in clear
    starttls,           ///< STARTTLS when the server offers it; credentials never go in clear
    required_starttls,  ///< STARTTLS or no delivery
    implicit,           ///< TLS from the first byte (SMTPS, usually port 465)
};

enum class AuthMethod : std::uint8_t { login, plain, cram_md5 };

const char* tlsModeName(TlsMode mode) noexcept;
const char* authMethodName(AuthMethod method) noexcept;

/// The smtp mailer's settings, parsed from its validated `config:` map.
struct SmtpConfig {
    std::string host;
    std::uint16_t port = 587;
    std::string from;
    TlsMode tls = TlsMode::starttls;
    std::string username;  ///< empty: no AUTH
    std::string password;
    AuthMethod auth = AuthMethod::login;
    sdk::Seconds timeout = 10;  ///< connect, and each read or write
    int retries = 2;            ///< further attempts after the first failed one
    sdk::Seconds retry_delay = 1;
    bool verify_certificate = true;
    std::string ca_file;    ///< extra trusted CAs (PEM), besides the system store
    std::string helo_name;  ///< EHLO argument; empty: this machine's host name
};

/// Declares the `config:` keys (the manifest's describe_config).
void describeSmtpConfig(sdk::ConfigSchema& schema);

/// Reads the host-validated node and applies the checks the schema cannot express (enum
/// values, username and password together, plain ASCII sender). Every problem is reported
/// in one invalid_config error, each line starting with `where(key)`.
sdk::Result<SmtpConfig> parseSmtpConfig(const sdk::ConfigNode& node);

}  // namespace authd::plugins::smtp
