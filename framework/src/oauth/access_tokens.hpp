// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "authd/sdk/storage.hpp"
#include "oauth/clients.hpp"
#include "oauth/errors.hpp"

namespace authd::oauth {

struct ProviderContext;

/// What a verified access token says. Cached per token (StateCache) so that a token presented
/// again skips the JWS work; the cache entry is only used while `client` is still the
/// registry's current snapshot of the project (a rotated key or changed project drops it).
struct AccessTokenClaims {
    ClientPtr client;
    std::string subject;
    std::string scope;
    std::string jti;
    std::string session_id;  ///< sid, may be empty
    std::string family_id;   ///< fid, may be empty
    sdk::UnixTime issued_at = 0;
    sdk::UnixTime expires_at = 0;
    /// exp, or earlier when the token verified with the previous signing key only.
    sdk::UnixTime valid_until = 0;
};

/// An access token that verified and is still backed by live state.
struct VerifiedAccessToken : AccessTokenClaims {
    /// The signed-in user; null for a client_credentials token (sub = client_id).
    std::shared_ptr<const sdk::User> user;
};

/// Verifies an access token this provider issued, for userinfo, introspection and revocation:
/// the client named by its client_id (or aud) must exist; HS256 tokens verify with the
/// project's signing key (or the previous one until previous_signing_key_until), RS256/ES256/
/// EdDSA tokens (typ at+jwt, the project's access_token_alg) with the key ring; iss must be
/// this issuer, aud the client, exp in the future; then the user must exist and be active,
/// the refresh family (fid) must not be revoked and the session (sid) must not have ended.
/// Rows come through ctx.state (bounded staleness, see StateCache); so do verified claims.
/// Errors: invalid_token with a description safe to show the caller; server_error when the
/// store fails.
std::variant<VerifiedAccessToken, OAuthError> verifyAccessToken(ProviderContext& ctx,
                                                                std::string_view token);

/// Whether `token` has the shape of a compact JWS (three base64url parts), i.e. could be one
/// of our access tokens rather than an opaque refresh token.
bool looksLikeJwt(std::string_view token) noexcept;

}  // namespace authd::oauth
