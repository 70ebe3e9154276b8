// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "authd/sdk/storage.hpp"
#include "oauth/clients.hpp"
#include "oauth/errors.hpp"
#include "tokens/jws.hpp"

namespace authd::oauth {

struct ProviderContext;

/// Who the tokens are for. For client_credentials, `user` is empty and sub = client_id.
struct Grant {
    std::string user_id;  ///< empty for client_credentials
    std::string scope;    ///< granted, space-separated
    std::vector<std::string> amr;
    sdk::UnixTime auth_time = 0;
    std::string session_id;  ///< IdP session (sid), may be empty
    std::string nonce;       ///< only for the ID token of an authorization_code exchange
    std::string claims;      ///< the `claims` request parameter (JSON), may be empty
    std::string family_id;   ///< refresh family (fid), may be empty
};

/// The JSON body of a successful token response and what went into it.
struct IssuedTokens {
    std::string body;  ///< {"access_token":...,"token_type":"Bearer",...}
    std::string access_token;
    std::string refresh_token;
    std::string id_token;
};

/// Builds and signs tokens (SPEC section 7). Threading: thread-safe.
class TokenIssuer {
public:
    explicit TokenIssuer(ProviderContext& ctx);

    /// HS256 (or the project's access_token_alg) JWT access token with iss, sub, aud,
    /// exp, iat, jti, scope, client_id, email, role, status, amr, sid, fid.
    sdk::Result<std::string> accessToken(const ClientInfo& client, const sdk::User* user,
                                         const Grant& grant, sdk::UnixTime now,
                                         sdk::Seconds* expires_in);

    /// The ID token: the project's alg (HS256 keyed with the client secret by default,
    /// RS256/ES256/EdDSA with the key ring's active key and its kid); at_hash of
    /// `access_token` when given.
    sdk::Result<std::string> idToken(const ClientInfo& client, const sdk::User& user,
                                     const Grant& grant, const std::string& access_token,
                                     sdk::UnixTime now);

    /// An OpenID Connect Back-Channel Logout 1.0 logout token (section 2.4) for `client`:
    /// iss, aud, iat, exp (2 minutes), jti, sub (when given), sid (when given) and the
    /// backchannel-logout event; header typ "logout+jwt"; signed like the client's ID tokens.
    sdk::Result<std::string> logoutToken(const ClientInfo& client, const std::string& user_id,
                                         const std::string& sid, sdk::UnixTime now);

    /// The alg of the client's ID tokens (and logout tokens): the project's, else
    /// tokens.default_id_token_alg; RS256 instead of HS256 for a client without a secret.
    tokens::Alg idTokenAlg(const ClientInfo& client) const;

    /// A new refresh token: 256 random bits, base64url; the store keeps sha256Hex of it
    /// (family bookkeeping is the caller's). Empty only if the CSPRNG fails.
    std::string newRefreshToken();
    /// The successor of `token` (HMAC with the refresh key), so a duplicate refresh inside
    /// the grace window gets the same successor.
    std::string successorOf(const std::string& token) const;

    /// The whole token response for `grant`: access token, id token when the scope has
    /// openid and a user is present, refresh token when given.
    sdk::Result<IssuedTokens> respond(const ClientInfo& client, const sdk::User* user,
                                      const Grant& grant, const std::string& refresh_token,
                                      sdk::UnixTime now);

private:
    ProviderContext& ctx_;
};

}  // namespace authd::oauth
