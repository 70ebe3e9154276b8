// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "authd/sdk/types.hpp"
#include "oauth/clients.hpp"
#include "oauth/errors.hpp"

namespace authd::oauth {

/// The `prompt` values (OIDC Core 3.1.2.1) as bits.
enum class Prompt : std::uint8_t {
    none = 1,
    login = 2,
    consent = 4,
    select_account = 8,
};

/// A validated authorization request (RFC 6749 4.1.1, OIDC Core 3.1.2.1). Only what the rest
/// of the flow needs is kept; unknown parameters are dropped.
struct AuthorizeRequest {
    std::string client_id;
    std::string redirect_uri;
    std::string scope;  ///< normalized: duplicates dropped, the default applied when absent
    bool has_state = false;
    std::string state;  ///< echoed verbatim, even when empty, whenever it was sent
    std::string nonce;
    std::string code_challenge;
    std::string code_challenge_method;
    std::uint8_t prompt = 0;    ///< bits of Prompt
    sdk::Seconds max_age = -1;  ///< -1 when absent
    std::string login_hint;
    std::string id_token_hint;  ///< raw; checked by the endpoint (it needs keys), never stored
    std::string display;
    std::string ui_locales;
    std::string claims_locales;
    std::string acr_values;
    std::string claims;  ///< the `claims` parameter: a JSON object, or empty

    bool hasPrompt(Prompt value) const noexcept {
        return (prompt & static_cast<std::uint8_t>(value)) != 0;
    }
};

/// Why a request was refused and how to tell the client. With `redirect` false the client or
/// its redirect URI could not be trusted: the browser gets an error page, never a redirect
/// (RFC 6749 4.1.2.1). Otherwise the error goes back to `redirect_uri` with `state`.
struct AuthorizeFailure {
    OAuthError error;
    bool redirect = false;
    std::string redirect_uri;
    bool has_state = false;
    std::string state;
};

using AuthorizeOutcome = std::variant<AuthorizeRequest, AuthorizeFailure>;

/// Longest value kept for the free-text parameters (state, nonce, login_hint, ...): a client
/// sending more is broken, and every byte is stored with the pending request.
inline constexpr std::size_t kMaxParameterBytes = 4096;
/// Longest `claims` parameter accepted.
inline constexpr std::size_t kMaxClaimsBytes = 16384;

/// Validates the parameters of an authorization request for `client` (whose client_id the
/// caller already matched against `fields`). Checks, in order: client_id and redirect_uri
/// (page errors), then repeated parameters, response_type, response_mode, request,
/// request_uri, the client's grants, scope (the default kDefaultScope ∩ project scopes when
/// absent), PKCE (required for public clients), prompt, max_age, display, claims and lengths
/// (redirect errors). `id_token_hint` is only carried: verifying it needs the provider's keys.
/// Pure: no I/O, no clock.
AuthorizeOutcome parseAuthorizeRequest(const sdk::Fields& fields, const ClientInfo& client);

}  // namespace authd::oauth
