// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "authd/sdk/config.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::plugins::oidc_federation {

enum class ClientAuth : std::uint8_t { client_secret_basic, client_secret_post, none };

/// One upstream OpenID provider, parsed from the instance's validated `config:` map.
struct FederationConfig {
    std::string issuer;  ///< exact, as the upstream's discovery document states it
    std::string client_id;
    std::string client_secret;  ///< empty only with client_auth none (a public client)
    std::vector<std::string> scopes = {"openid", "email", "profile"};
    std::string label;          ///< the button's text
    std::string upstream_name;  ///< the issuer's host, for messages
    bool link_by_email = false;
    bool create_accounts = true;
    sdk::Seconds jwks_cache = 600;  ///< discovery and JWKS are cached this long
    ClientAuth client_auth = ClientAuth::client_secret_basic;
    sdk::Seconds timeout = 10;
    sdk::Seconds leeway = 60;      ///< clock skew tolerated on exp, nbf and iat
    sdk::Seconds state_ttl = 600;  ///< how long a started sign-in may take at the upstream
};

void describeFederationConfig(sdk::ConfigSchema& schema);

/// Reads the host-validated node and applies the semantic checks: an absolute https issuer
/// (http only for loopback hosts), "openid" among the scopes, a secret unless client_auth is
/// none. Every problem in one invalid_config error, each line starting with `where(key)`.
sdk::Result<FederationConfig> parseFederationConfig(const sdk::ConfigNode& node);

/// The host part of an absolute URL ("" when there is none).
std::string urlHost(const std::string& url);
/// True for an http(s) URL on a loopback host (127.0.0.0/8, ::1, localhost).
bool isLoopbackUrl(const std::string& url);

}  // namespace authd::plugins::oidc_federation
