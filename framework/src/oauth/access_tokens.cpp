// SPDX-License-Identifier: Apache-2.0
#include "oauth/access_tokens.hpp"

#include <algorithm>
#include <limits>

#include "oauth/provider.hpp"
#include "oauth/state_cache.hpp"
#include "tokens/claims.hpp"
#include "tokens/key_ring.hpp"

namespace authd::oauth {
namespace {

OAuthError invalidToken(std::string description) {
    return {"invalid_token", std::move(description)};
}

std::string claimProblem(const tokens::ClaimVerdict& verdict) {
    switch (*verdict.failure) {
    case tokens::ClaimFailure::expired: return "the access token has expired";
    case tokens::ClaimFailure::wrong_issuer: return "the access token was issued by another issuer";
    case tokens::ClaimFailure::wrong_audience: return "the access token is for another audience";
    case tokens::ClaimFailure::not_yet_valid:
    case tokens::ClaimFailure::issued_in_future: return "the access token is not valid yet";
    default: return "the access token's claims are malformed";
    }
}

}  // namespace

bool looksLikeJwt(std::string_view token) noexcept {
    return std::count(token.begin(), token.end(), '.') == 2;
}

namespace {

using ClaimsOutcome = std::variant<std::shared_ptr<const AccessTokenClaims>, OAuthError>;

// The JWS and claim checks: what a token says, once its signature and claims hold.
ClaimsOutcome verifyClaims(ProviderContext& ctx, std::string_view token, sdk::UnixTime now) {
    // Which project's key verifies it is written inside the token; nothing read here is
    // trusted until the signature checked out with that project's key.
    auto unverified = tokens::decodeUnverified(token);
    if (!unverified) {
        return invalidToken("the access token is malformed");
    }
    const std::string* client_id = unverified->claims.stringPtr("client_id");
    if (client_id == nullptr) {
        return invalidToken("not an access token issued here");
    }
    auto found = ctx.clients.find(*client_id);
    if (!found) {
        if (found.error().code == sdk::ErrorCode::not_found) {
            return invalidToken("the access token's client no longer exists");
        }
        return serverError("the client could not be loaded");
    }
    ClientPtr client = std::move(*found);

    const auto alg = tokens::parseAlg(unverified->alg);
    if (!alg) {
        return invalidToken("the access token's alg is not accepted");
    }
    sdk::UnixTime key_valid_until = std::numeric_limits<sdk::UnixTime>::max();
    sdk::Result<tokens::VerifiedJws> verified = sdk::makeError(sdk::ErrorCode::denied, "no key");
    if (*alg == tokens::Alg::hs256) {
        const std::string& configured = client->project.access_token_alg;
        if ((!configured.empty() && configured != "HS256") || !client->access_key) {
            return invalidToken("the access token's alg is not this client's");
        }
        verified = tokens::verify(token, tokens::KeySet({*client->access_key}), {tokens::Alg::hs256});
        // During a signing-key rotation's grace, tokens signed with the old key still verify.
        if (!verified && client->previous_access_key &&
            client->project.previous_signing_key_until > now) {
            verified = tokens::verify(token, tokens::KeySet({*client->previous_access_key}),
                                      {tokens::Alg::hs256});
            key_valid_until = client->project.previous_signing_key_until;
        }
    } else {
        if (client->project.access_token_alg != tokens::algName(*alg) ||
            unverified->typ != "at+jwt") {
            return invalidToken("the access token's alg is not this client's");
        }
        verified = tokens::verify(token, *ctx.keys.verificationKeys(now), {*alg});
    }
    if (!verified) {
        return invalidToken("the access token's signature does not verify");
    }
    const json::Object& claims = verified->claims;

    tokens::ClaimRules rules;
    rules.now = now;
    rules.issuer = ctx.issuer_url;
    rules.audience = client->project.client_id;
    rules.require_exp = true;
    rules.require_iat = true;
    rules.required = {"sub", "client_id"};
    if (const auto verdict = tokens::checkClaims(claims, rules); !verdict) {
        return invalidToken(claimProblem(verdict));
    }
    if (const std::string* claimed = claims.stringPtr("client_id");
        claimed == nullptr || *claimed != client->project.client_id) {
        return invalidToken("the access token's client_id does not match its audience");
    }

    auto out = std::make_shared<AccessTokenClaims>();
    out->client = std::move(client);
    out->subject = claims.string("sub").value_or("");
    out->scope = claims.string("scope").value_or("");
    out->jti = claims.string("jti").value_or("");
    out->session_id = claims.string("sid").value_or("");
    out->family_id = claims.string("fid").value_or("");
    out->issued_at = claims.integer("iat").value_or(0);
    out->expires_at = claims.integer("exp").value_or(0);
    out->valid_until = std::min(out->expires_at, key_valid_until);
    if (out->subject.empty()) {
        return invalidToken("the access token has no subject");
    }
    return std::shared_ptr<const AccessTokenClaims>(std::move(out));
}

}  // namespace

std::variant<VerifiedAccessToken, OAuthError> verifyAccessToken(ProviderContext& ctx,
                                                                std::string_view token) {
    if (token.empty()) {
        return invalidToken("the access token is empty");
    }
    const sdk::UnixTime now = ctx.now();
    const std::string key(token);
    std::shared_ptr<const AccessTokenClaims> known = ctx.state->verifiedToken(key);
    if (known) {
        // Only while the project is unchanged: the registry's snapshot is replaced whenever
        // the project is reloaded (a rotated key, another alg, a deleted project).
        auto current = ctx.clients.find(known->client->project.client_id);
        if (!current || *current != known->client || now >= known->valid_until) {
            known.reset();
        }
    }
    if (!known) {
        auto verified = verifyClaims(ctx, token, now);
        if (auto* error = std::get_if<OAuthError>(&verified)) {
            return std::move(*error);
        }
        known = std::move(std::get<std::shared_ptr<const AccessTokenClaims>>(verified));
        ctx.state->rememberToken(key, known);
    }
    VerifiedAccessToken out;
    static_cast<AccessTokenClaims&>(out) = *known;

    if (out.subject != out.client->project.client_id) {
        auto user = ctx.state->user(out.subject);
        if (!user) {
            if (user.error().code == sdk::ErrorCode::not_found) {
                return invalidToken("the user no longer exists");
            }
            return serverError("the user could not be loaded");
        }
        if ((*user)->status != "active") {
            return invalidToken("the user is not active");
        }
        out.user = std::move(*user);
    }
    if (!out.family_id.empty()) {
        auto family = ctx.state->family(out.family_id);
        if (!family) {
            if (family.error().code != sdk::ErrorCode::not_found) {
                return serverError("the grant could not be loaded");
            }
            return invalidToken("the grant behind the access token was revoked");
        }
        if ((*family)->revoked_at != 0) {
            return invalidToken("the grant behind the access token was revoked");
        }
    }
    if (!out.session_id.empty()) {
        auto session = ctx.state->session(out.session_id);
        if (!session) {
            if (session.error().code != sdk::ErrorCode::not_found) {
                return serverError("the session could not be loaded");
            }
            return invalidToken("the session behind the access token has ended");
        }
        if ((*session)->revoked_at != 0) {
            return invalidToken("the session behind the access token has ended");
        }
    }
    return out;
}

}  // namespace authd::oauth
