// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"
#include "crypto/password_hasher.hpp"

namespace authd::config {

// The typed form of authd's YAML file. Every key, default and range is documented in
// docs/configuration.md. Relative paths are relative to the working directory authd starts in.

struct TlsConfig {
    std::string cert;  ///< PEM certificate (chain) file
    std::string key;   ///< PEM private key file
};

struct ServerConfig {
    std::string listen = "127.0.0.1:8080";  ///< as written: `host:port` or `[v6]:port`
    std::string listen_host = "127.0.0.1";  ///< host part, without IPv6 brackets
    std::uint16_t listen_port = 8080;       ///< 0 = any free port (tests)
    std::string issuer;                     ///< http(s) URL, no trailing slash; required
    int threads = 64;                       ///< workers: requests in handlers at once
    int queue = 256;                        ///< open connections beyond `threads`
    std::int64_t max_body_bytes = 1048576;
    std::int64_t max_header_bytes = 16384;
    sdk::Seconds shutdown_grace = 10;
    sdk::Seconds keep_alive_timeout = 5;    ///< idle time between two requests
    sdk::Seconds receive_timeout = 15;      ///< one whole request, from its first byte
    std::optional<TlsConfig> tls;           ///< absent = plain HTTP
};

struct PluginsConfig {
    std::vector<std::string> paths;  ///< folders searched for authd_<name>.so, in order
};

/// One configured plugin instance. For storage and mail, `id` is the plugin name.
/// `config` is the raw `config:` map (an empty map when absent), validated later against the
/// plugin's schema by validatePluginConfig(); file/line/column point at the instance's map.
struct PluginInstanceConfig {
    std::string id;
    std::string plugin;
    YAML::Node config;
    std::string yaml_path;  // e.g. "authenticators[0]"
    std::string file;
    int line = 0;
    int column = 0;
};

struct TokensConfig {
    sdk::Seconds access_ttl = 5 * 60;
    sdk::Seconds refresh_ttl = 7 * 86400;
    sdk::Seconds pin_refresh_ttl = 30 * 86400;
    sdk::Seconds id_token_ttl = 3600;
    sdk::Seconds code_ttl = 60;
    sdk::Seconds session_ttl = 7 * 86400;
    sdk::Seconds login_ttl = 15 * 60;
    sdk::Seconds refresh_grace = 10;
    std::string default_id_token_alg = "HS256";  ///< HS256, RS256, ES256 or EdDSA
};

/// Where secrets come from. Secret values never appear in the YAML itself.
struct SecretsConfig {
    std::string master_key_env = "AUTHD_MASTER_KEY";  ///< empty = not read from the environment
    std::string master_key_file = "var/master.key";   ///< empty = no file
    std::string admin_token_env = "AUTHD_ADMIN_TOKEN";
    std::string admin_token_file;                     ///< when set, admin_token_env is cleared
    bool dev_master_key = false;  ///< generate master_key_file when no key exists (development)
};

struct PasswordHashingConfig {
    std::uint32_t t_cost = 3;
    std::uint32_t m_cost_kib = 65536;
    std::uint32_t parallelism = 1;

    crypto::Argon2Params params() const { return {t_cost, m_cost_kib, parallelism}; }
};

struct LoggingConfig {
    sdk::LogLevel level = sdk::LogLevel::info;
};

/// Who may create an account (reserved: parsed and validated, used by later features).
enum class RegistrationMode : std::uint8_t { open, invite, closed };

struct AuthdConfig {
    ServerConfig server;
    PluginsConfig plugins;
    std::string data_dir = "var";
    PluginInstanceConfig storage;
    std::vector<PluginInstanceConfig> authenticators;
    std::optional<PluginInstanceConfig> mail;
    TokensConfig tokens;
    SecretsConfig secrets;
    PasswordHashingConfig password_hashing;
    LoggingConfig logging;
    RegistrationMode registration = RegistrationMode::closed;
    std::string source_file;  ///< the path or name the config was loaded from
};

/// Loads and validates a config file. On any problem, the error (ErrorCode::invalid_config)
/// carries ConfigErrors::str() of every problem found, one `file:line:col: path: message` per
/// line. Never throws. Plugin `config:` maps are only checked to be maps here; their keys are
/// validated against each plugin's schema by validatePluginConfig().
sdk::Result<AuthdConfig> loadConfigFile(const std::string& path);

/// The same from text; `name` stands for the file name in messages.
sdk::Result<AuthdConfig> loadConfigText(const std::string& text, const std::string& name);

const char* registrationModeName(RegistrationMode mode);

}  // namespace authd::config
