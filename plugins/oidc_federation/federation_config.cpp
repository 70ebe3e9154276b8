// SPDX-License-Identifier: Apache-2.0
#include "federation_config.hpp"

#include <algorithm>

namespace authd::plugins::oidc_federation {

namespace {

constexpr sdk::Seconds kMaxCache = 7 * 86'400;
constexpr sdk::Seconds kMaxTimeout = 120;
constexpr sdk::Seconds kMaxLeeway = 600;

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

bool hasControlOrSpace(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20U || byte == 0x7FU;
    });
}

}  // namespace

std::string urlHost(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    const std::size_t start = scheme + 3;
    std::size_t end = url.find_first_of("/?#", start);
    std::string authority =
        url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::size_t at = authority.rfind('@');
    if (at != std::string::npos) {
        authority = authority.substr(at + 1);
    }
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        return close == std::string::npos ? std::string() : authority.substr(1, close - 1);
    }
    return authority.substr(0, authority.find(':'));
}

bool isLoopbackUrl(const std::string& url) {
    if (!startsWith(url, "http://") && !startsWith(url, "https://")) {
        return false;
    }
    const std::string host = urlHost(url);
    return host == "localhost" || host == "::1" || startsWith(host, "127.");
}

void describeFederationConfig(sdk::ConfigSchema& schema) {
    schema.add("issuer", sdk::ConfigType::string, true, {},
               "the upstream's issuer URL, exactly as its discovery document states it");
    schema.add("client_id", sdk::ConfigType::string, true, {},
               "the client id authd is registered under at the upstream");
    schema.add("client_secret", sdk::ConfigType::secret, false, {},
               "the client secret, as client_secret_env or client_secret_file");
    schema.add("scopes", sdk::ConfigType::string_list, false, "[openid, email, profile]",
               "scopes requested from the upstream; must include openid");
    schema.add("label", sdk::ConfigType::string, false, {},
               "the button's text; default \"Sign in with <issuer host>\"");
    schema.add("link_by_email", sdk::ConfigType::boolean, false, "false",
               "link to an existing local account whose email the upstream says is verified");
    schema.add("create_accounts", sdk::ConfigType::boolean, false, "true",
               "create a local account on the first sign-in of an unlinked upstream user");
    auto& cache = schema.add("jwks_cache", sdk::ConfigType::duration, false, "10m",
                             "how long the upstream's discovery document and JWKS are cached");
    cache.min = 0;
    cache.max = kMaxCache;
    schema.add("client_auth", sdk::ConfigType::string, false, "client_secret_basic",
               "client_secret_basic | client_secret_post | none (a public client: PKCE only)");
    auto& timeout = schema.add("timeout", sdk::ConfigType::duration, false, "10s",
                               "limit on each request to the upstream");
    timeout.min = 1;
    timeout.max = kMaxTimeout;
    auto& leeway = schema.add("leeway", sdk::ConfigType::duration, false, "60s",
                              "clock skew tolerated when checking exp, nbf and iat");
    leeway.min = 0;
    leeway.max = kMaxLeeway;
}

sdk::Result<FederationConfig> parseFederationConfig(const sdk::ConfigNode& node) {
    FederationConfig config;
    std::vector<std::string> errors;

    config.issuer = node.getString("issuer");
    const bool https = startsWith(config.issuer, "https://");
    const bool http = startsWith(config.issuer, "http://");
    if ((!https && !http) || urlHost(config.issuer).empty() || hasControlOrSpace(config.issuer) ||
        config.issuer.find_first_of("?#") != std::string::npos) {
        errors.push_back(node.where("issuer") +
                         ": expected an absolute https:// URL without query or fragment");
    } else if (http && !isLoopbackUrl(config.issuer)) {
        errors.push_back(node.where("issuer") +
                         ": plain http:// is allowed only for loopback hosts; use https://");
    }
    config.client_id = node.getString("client_id");
    if (config.client_id.empty() || hasControlOrSpace(config.client_id)) {
        errors.push_back(node.where("client_id") + ": must be non-empty, without spaces");
    }
    config.client_secret = node.getSecret("client_secret");
    const std::string auth = node.getString("client_auth", "client_secret_basic");
    if (auth == "client_secret_basic") {
        config.client_auth = ClientAuth::client_secret_basic;
    } else if (auth == "client_secret_post") {
        config.client_auth = ClientAuth::client_secret_post;
    } else if (auth == "none") {
        config.client_auth = ClientAuth::none;
    } else {
        errors.push_back(node.where("client_auth") +
                         ": expected client_secret_basic, client_secret_post or none, got \"" +
                         auth + "\"");
    }
    if (config.client_auth != ClientAuth::none && config.client_secret.empty()) {
        errors.push_back(node.where("client_secret") +
                         ": required (client_secret_env or client_secret_file) unless "
                         "client_auth is none");
    }
    auto scopes = node.getStringList("scopes");
    if (!scopes.empty() || node.has("scopes")) {
        config.scopes = std::move(scopes);
    }
    if (std::find(config.scopes.begin(), config.scopes.end(), "openid") == config.scopes.end()) {
        errors.push_back(node.where("scopes") + ": must include openid");
    }
    for (const std::string& scope : config.scopes) {
        if (scope.empty() || hasControlOrSpace(scope) || scope.find('"') != std::string::npos ||
            scope.find('\\') != std::string::npos) {
            errors.push_back(node.where("scopes") + ": \"" + scope +
                             "\" is not a valid scope token");
        }
    }
    config.upstream_name = urlHost(config.issuer);
    config.label = node.getString("label");
    if (config.label.empty()) {
        config.label = "Sign in with " + config.upstream_name;
    }
    config.link_by_email = node.getBool("link_by_email", false);
    config.create_accounts = node.getBool("create_accounts", true);
    config.jwks_cache = node.getDuration("jwks_cache", 600);
    config.timeout = node.getDuration("timeout", 10);
    config.leeway = node.getDuration("leeway", 60);
    if (config.jwks_cache < 0 || config.jwks_cache > kMaxCache) {
        errors.push_back(node.where("jwks_cache") + ": must be between 0s and 7d");
    }
    if (config.timeout < 1 || config.timeout > kMaxTimeout) {
        errors.push_back(node.where("timeout") + ": must be between 1s and 120s");
    }
    if (config.leeway < 0 || config.leeway > kMaxLeeway) {
        errors.push_back(node.where("leeway") + ": must be between 0s and 10m");
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

}  // namespace authd::plugins::oidc_federation
