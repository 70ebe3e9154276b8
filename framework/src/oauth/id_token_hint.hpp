// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "oauth/clients.hpp"

namespace authd::oauth {

struct ProviderContext;

/// What an `id_token_hint` tells, once its signature verified.
struct IdTokenHint {
    std::string subject;     ///< sub: the user id
    std::string client_id;   ///< the client it was issued to (azp, or the single aud)
    std::string session_id;  ///< sid, may be empty
    ClientPtr client;
};

/// Verifies an ID token this provider issued, as `id_token_hint` (OIDC Core 3.1.2.1, RP-Initiated
/// Logout 1.0 section 2). Expired tokens are accepted on purpose: a hint identifies, it does not
/// authorize. The signature must verify with the provider's asymmetric keys or, for HS256, with
/// the client's secret (the key the ID token was signed with); iss must be this issuer and aud
/// must name the client. With `expected` set, the token must have been issued to that client;
/// otherwise the client is looked up from the token. Errors: invalid_argument (malformed, wrong
/// issuer or audience), denied (signature), not_found (unknown client).
sdk::Result<IdTokenHint> verifyIdTokenHint(ProviderContext& ctx, std::string_view hint,
                                           const ClientInfo* expected);

}  // namespace authd::oauth
