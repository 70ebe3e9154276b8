// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/server.hpp"
#include "authd/sdk/storage.hpp"
#include "config/authd_config.hpp"
#include "crypto/secret_box.hpp"
#include "http/router.hpp"
#include "oauth/clients.hpp"
#include "tokens/key_ring.hpp"

namespace authd::oauth {

class TokenIssuer;
class AuditLog;
class StateCache;

/// What every endpoint shares. Built once by Provider; references stay valid for the
/// process lifetime. Threading: every member is thread-safe.
struct ProviderContext {
    const config::AuthdConfig& config;
    sdk::Storage& store;
    app::HostContext& host;  ///< clock(), random(), logger(), crypto()
    const crypto::SecretBox& box;
    tokens::KeyRing& keys;
    ClientRegistry& clients;
    TokenIssuer& issuer;
    const std::vector<app::AuthenticatorInstance>& authenticators;
    std::string issuer_url;   ///< config.server.issuer, no trailing slash
    std::string refresh_key;  ///< HMAC key deriving a refresh token's successor
    std::string csrf_key;     ///< HMAC key of CSRF tokens
    bool secure_cookies = false;  ///< issuer is https or TLS is on
    /// The audit trail (batched writes; see audit_log.hpp). Never null once Provider::create
    /// returned.
    AuditLog* audit = nullptr;
    /// Cached users, refresh families and sessions for the bearer-token endpoints; call its
    /// forget*() after changing one of them. Never null once Provider::create returned.
    StateCache* state = nullptr;

    sdk::UnixTime now() const { return host.clock().now(); }
    sdk::Logger& log() const { return host.logger(); }
};

/// The OAuth 2.0 / OpenID Connect provider: owns the shared pieces and registers every
/// endpoint of SPEC section 6 (both the /oauth/* and the /api/oauth/* dialects).
class Provider {
public:
    /// Builds the pieces over a created (not yet started) server: key ring (ensures an active
    /// RS256, ES256 and EdDSA key), client registry, issuer, derived keys.
    static sdk::Result<std::unique_ptr<Provider>> create(app::Server& server);
    ~Provider();

    /// Adds every route to the router. Call once, before the server starts.
    void registerRoutes(http::Router& router);

    ProviderContext& context() noexcept { return *context_; }

private:
    struct Parts;  // the pieces, which refer to each other; provider.cpp
    explicit Provider(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
    ProviderContext* context_ = nullptr;
};

// Route groups, one per file; Provider::registerRoutes calls each.
void addDiscoveryRoutes(http::Router& router, ProviderContext& ctx);   // discovery.cpp, jwks
void addTokenRoutes(http::Router& router, ProviderContext& ctx);       // token.cpp
void addResourceRoutes(http::Router& router, ProviderContext& ctx);    // userinfo, introspect, revoke
void addAuthorizeRoutes(http::Router& router, ProviderContext& ctx);   // authorize, consent
void addLoginRoutes(http::Router& router, ProviderContext& ctx);       // /login, /login/<id>/...
void addLogoutRoutes(http::Router& router, ProviderContext& ctx);      // logout, back-channel
void addStaticRoutes(http::Router& router, ProviderContext& ctx);      // /static/authd.css

/// Registers `handler` under both /oauth/<name> and /api/oauth/<name>.
void addOAuthRoute(http::Router& router, const std::vector<std::string>& methods,
                   const std::string& name, const http::Handler& handler);

}  // namespace authd::oauth
