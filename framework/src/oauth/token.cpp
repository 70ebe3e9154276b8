// SPDX-License-Identifier: Apache-2.0
// POST /oauth/token (and /api/oauth/token): RFC 6749 section 4.1.3, 4.4, 6 and 5.
#include <algorithm>
#include <optional>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/authorize_flow.hpp"
#include "oauth/endpoint_support.hpp"
#include "oauth/issuer.hpp"
#include "oauth/pkce.hpp"
#include "oauth/provider.hpp"
#include "oauth/scopes.hpp"
#include "oauth/state_cache.hpp"

namespace authd::oauth {
namespace {

constexpr std::string_view kAuthorizationCode = "authorization_code";
constexpr std::string_view kRefreshToken = "refresh_token";
constexpr std::string_view kClientCredentials = "client_credentials";
constexpr const char* kOtherClientsToken = "the refresh token was issued to another client";

using Outcome = std::variant<http::Response, OAuthError>;

// The refresh-time half of the project's access policy: who the user is now (the same rules
// as at sign-in). Which authenticator they signed in with was checked then and cannot change.
std::optional<std::string> refreshRefusal(const sdk::AccessPolicy& policy, const sdk::User& user) {
    sdk::AccessPolicy now = policy;
    now.authenticators.clear();
    return accessDenialReason(now, user, {});
}

class TokenEndpoint {
public:
    explicit TokenEndpoint(ProviderContext& ctx) : ctx_(ctx) {}

    http::Response handle(http::Request& request) {
        Outcome outcome = serve(request);
        if (auto* error = std::get_if<OAuthError>(&outcome)) {
            return oauthErrorResponse(*error);
        }
        return std::move(std::get<http::Response>(outcome));
    }

private:
    Outcome serve(http::Request& request) {
        auto parsed = bodyParams(request);
        if (auto* error = std::get_if<OAuthError>(&parsed)) {
            return std::move(*error);
        }
        const sdk::Fields& params = std::get<sdk::Fields>(parsed);
        const std::string* grant_type = params.find("grant_type");
        if (grant_type == nullptr || grant_type->empty()) {
            return invalidRequest("grant_type is required");
        }
        if (*grant_type != kAuthorizationCode && *grant_type != kRefreshToken &&
            *grant_type != kClientCredentials) {
            return OAuthError{"unsupported_grant_type",
                              "grant_type must be authorization_code, refresh_token or "
                              "client_credentials"};
        }
        auto authenticated = ctx_.clients.authenticate(request, params);
        if (auto* error = std::get_if<OAuthError>(&authenticated)) {
            return std::move(*error);
        }
        const ClientInfo& client = *std::get<AuthenticatedClient>(authenticated).client;
        if (!client.allowsGrant(*grant_type)) {
            return unauthorizedClient("this client may not use the " + *grant_type + " grant");
        }
        if (*grant_type == kAuthorizationCode) {
            return authorizationCode(request, client, params);
        }
        if (*grant_type == kRefreshToken) {
            return refreshToken(request, client, params);
        }
        return clientCredentials(request, client, params);
    }

    Outcome authorizationCode(const http::Request& request, const ClientInfo& client,
                              const sdk::Fields& params) {
        const std::string code = params.get("code");
        if (code.empty()) {
            return invalidRequest("code is required");
        }
        const std::string* redirect_uri = params.find("redirect_uri");
        if (redirect_uri == nullptr) {
            return invalidRequest("redirect_uri is required");
        }
        const std::string* verifier = params.find("code_verifier");
        const sdk::UnixTime now = ctx_.now();
        const std::string code_hash = crypto::sha256Hex(code);

        // One write transaction: the code is consumed, checked and, when the client may
        // refresh, its refresh family stored. A refused code stays consumed (the transaction
        // commits with the answer decided inside it); a store failure rolls everything back.
        std::optional<OAuthError> refused;
        bool replayed = false;
        const char* failure = "the authorization code could not be redeemed";
        sdk::AuthorizationCode granted;
        std::optional<sdk::User> user;
        std::string refresh_token;
        std::string family_id;
        auto committed = ctx_.store.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
            refused.reset();
            replayed = false;
            failure = "the authorization code could not be redeemed";
            auto consumed = tx.codes().consume(code_hash, now);
            if (!consumed) {
                switch (consumed.error().code) {
                case sdk::ErrorCode::not_found:
                    refused = invalidGrant("the authorization code is invalid");
                    return sdk::ok();
                case sdk::ErrorCode::expired:
                    refused = invalidGrant("the authorization code has expired");
                    return sdk::ok();
                case sdk::ErrorCode::already_consumed:
                    replayed = true;
                    return sdk::ok();
                default:
                    return std::move(consumed).error();
                }
            }
            granted = std::move(*consumed);
            if (auto refusal = checkRedemption(client, granted, *redirect_uri, verifier)) {
                refused = std::move(*refusal);
                return sdk::ok();
            }
            failure = "the user could not be loaded";
            auto found = tx.users().get(granted.user_id);
            if (!found) {
                if (found.error().code == sdk::ErrorCode::not_found) {
                    refused = invalidGrant("the user no longer exists");
                    return sdk::ok();
                }
                return std::move(found).error();
            }
            if (found->status != "active") {
                refused = invalidGrant("the user's account is " + found->status);
                return sdk::ok();
            }
            user = std::move(*found);
            if (!client.allowsGrant(kRefreshToken)) {
                return sdk::ok();
            }
            failure = "the refresh token could not be stored";
            refresh_token = ctx_.issuer.newRefreshToken();
            family_id = crypto::uuidV4();
            if (refresh_token.empty() || family_id.empty()) {
                failure = "the CSPRNG failed";
                return sdk::makeError(sdk::ErrorCode::internal, failure);
            }
            const bool pin = std::find(granted.amr.begin(), granted.amr.end(), "pin") !=
                             granted.amr.end();
            const sdk::Seconds ttl = pin ? ctx_.config.tokens.pin_refresh_ttl
                                     : client.project.refresh_ttl > 0
                                         ? client.project.refresh_ttl
                                         : ctx_.config.tokens.refresh_ttl;
            sdk::RefreshFamily family;
            family.id = family_id;
            family.client_id = client.project.client_id;
            family.user_id = granted.user_id;
            family.session_id = granted.session_id;
            family.origin_code_hash = code_hash;
            family.scope = granted.scope;
            family.amr = granted.amr;
            family.auth_time = granted.auth_time;
            family.created_at = now;
            family.expires_at = now + ttl;
            sdk::RefreshToken first;
            first.token_hash = crypto::sha256Hex(refresh_token);
            first.family_id = family_id;
            first.created_at = now;
            first.expires_at = family.expires_at;
            return tx.refresh().createFamily(family, first);
        });
        if (!committed) {
            return serverError(failure);
        }
        if (replayed) {
            return codeReplay(request, client, code_hash, now);
        }
        if (refused) {
            return std::move(*refused);
        }

        Grant grant;
        grant.user_id = granted.user_id;
        grant.scope = granted.scope;
        grant.amr = granted.amr;
        grant.auth_time = granted.auth_time;
        grant.session_id = granted.session_id;
        grant.nonce = granted.nonce;
        grant.claims = granted.claims;
        grant.family_id = family_id;
        return issue(request, client, &*user, grant, refresh_token, kAuthorizationCode, now);
    }

    // Why `granted` may not be redeemed by `client` with these parameters, if it may not.
    static std::optional<OAuthError> checkRedemption(const ClientInfo& client,
                                                     const sdk::AuthorizationCode& granted,
                                                     const std::string& redirect_uri,
                                                     const std::string* verifier) {
        if (granted.client_id != client.project.client_id) {
            return invalidGrant("the authorization code was issued to another client");
        }
        if (redirect_uri != granted.redirect_uri) {
            return invalidGrant("redirect_uri does not match the authorization request");
        }
        if (!granted.code_challenge.empty()) {
            if (verifier == nullptr || verifier->empty()) {
                return invalidGrant("code_verifier is required (PKCE)");
            }
            if (!verifyPkce(*verifier, granted.code_challenge)) {
                return invalidGrant("code_verifier does not match the code_challenge");
            }
        } else if (verifier != nullptr) {
            return invalidGrant("code_verifier sent, but the authorization request had no "
                                "code_challenge");
        } else if (client.isPublic()) {
            return invalidGrant("a public client must use PKCE");
        }
        return std::nullopt;
    }

    OAuthError codeReplay(const http::Request& request, const ClientInfo& client,
                          const std::string& code_hash, sdk::UnixTime now) {
        // RFC 6749 4.1.2: a code used twice revokes what it issued (SPEC section 6).
        auto revoked = ctx_.store.refresh().revokeByOrigin(code_hash, now, "code_replay");
        ctx_.state->forgetAllFamilies();
        sdk::AuditEvent event;
        event.time = now;
        event.type = "token.code_replay";
        event.client_id = client.project.client_id;
        event.client_address = request.client_address;
        event.detail = auditDetail(
            {{"revoked_families", revoked ? std::to_string(*revoked) : std::string("error")}});
        ctx_.audit->record(std::move(event), true);
        if (!revoked) {
            ctx_.log().log(sdk::LogLevel::error, "token.code_replay_revoke_failed",
                           "a replayed code's grants could not be revoked",
                           {{"client_id", client.project.client_id},
                            {"reason", revoked.error().message}});
        }
        return invalidGrant("the authorization code was already used");
    }

    Outcome refreshToken(const http::Request& request, const ClientInfo& client,
                         const sdk::Fields& params) {
        const std::string token = params.get("refresh_token");
        if (token.empty()) {
            return invalidRequest("refresh_token is required");
        }
        std::optional<std::vector<std::string>> narrowed;
        if (const std::string* scope = params.find("scope")) {
            narrowed = parseScope(*scope);
            if (!narrowed) {
                return invalidRequest("scope is malformed");
            }
        }
        const sdk::UnixTime now = ctx_.now();
        const std::string token_hash = crypto::sha256Hex(token);
        // A narrowed scope is checked before rotating, so that a refused request leaves the
        // token usable; that needs the family first. Without one, rotate() alone does it all in
        // one transaction, the client check included.
        if (narrowed) {
            auto found = ctx_.store.refresh().find(token_hash);
            if (!found) {
                if (found.error().code == sdk::ErrorCode::not_found) {
                    return invalidGrant("the refresh token is invalid");
                }
                return serverError("the refresh token could not be loaded");
            }
            if (found->second.client_id != client.project.client_id) {
                return invalidGrant(kOtherClientsToken);
            }
            const auto granted =
                parseScope(found->second.scope).value_or(std::vector<std::string>());
            if (!scopesOutside(*narrowed, granted).empty()) {
                return invalidScope("scope may only narrow the scope originally granted");
            }
        }

        const std::string successor = ctx_.issuer.successorOf(token);
        sdk::RefreshToken next;
        next.token_hash = crypto::sha256Hex(successor);
        next.created_at = now;
        next.expires_at = 0;  // the family's end
        // Bound to its client: another client presenting it learns nothing and rotates nothing.
        auto rotated = ctx_.store.refresh().rotate(token_hash, client.project.client_id, next, now,
                                                   ctx_.config.tokens.refresh_grace);
        if (!rotated) {
            return serverError("the refresh token could not be rotated");
        }
        const sdk::RefreshFamily& family = rotated->family;
        switch (rotated->status) {
        case sdk::RotateStatus::wrong_client:
            return invalidGrant(kOtherClientsToken);
        case sdk::RotateStatus::rotated:
        case sdk::RotateStatus::grace_replay:
            break;
        case sdk::RotateStatus::reuse_detected: {
            ctx_.state->forgetFamily(family.id);
            sdk::AuditEvent event;
            event.time = now;
            event.type = "token.refresh_reuse";
            event.user_id = family.user_id;
            event.client_id = client.project.client_id;
            event.client_address = request.client_address;
            event.detail = auditDetail({{"family_id", family.id}});
            ctx_.audit->record(std::move(event), true);
            return invalidGrant("the refresh token was already used; the grant is revoked");
        }
        case sdk::RotateStatus::expired:
            return invalidGrant("the refresh token has expired");
        case sdk::RotateStatus::revoked:
            return invalidGrant("the refresh token was revoked");
        case sdk::RotateStatus::not_found:
            return invalidGrant("the refresh token is invalid");
        }

        auto user = ctx_.store.users().get(family.user_id);
        std::optional<std::string> refusal;
        if (!user) {
            if (user.error().code != sdk::ErrorCode::not_found) {
                return serverError("the user could not be loaded");
            }
            refusal = "the user no longer exists";
        } else {
            refusal = refreshRefusal(client.project.policy, *user);
        }
        if (refusal) {
            (void)ctx_.store.refresh().revokeFamily(family.id, now, "policy");
            ctx_.state->forgetFamily(family.id);
            return invalidGrant(*refusal);
        }

        Grant grant;
        grant.user_id = family.user_id;
        grant.scope = family.scope;
        grant.amr = family.amr;
        grant.auth_time = family.auth_time;
        grant.session_id = family.session_id;
        grant.family_id = family.id;
        if (narrowed) {
            grant.scope = joinScope(*narrowed);
        }
        return issue(request, client, &*user, grant, successor, kRefreshToken, now);
    }

    Outcome clientCredentials(const http::Request& request, const ClientInfo& client,
                              const sdk::Fields& params) {
        if (client.isPublic()) {
            return unauthorizedClient("a public client cannot use client_credentials");
        }
        // A machine token names no user: the user-facing scopes make no sense in it.
        std::vector<std::string> allowed;
        for (const auto& scope : client.project.scopes) {
            if (scope != "openid" && scope != "offline_access") {
                allowed.push_back(scope);
            }
        }
        std::vector<std::string> scopes = allowed;
        if (const std::string* scope = params.find("scope")) {
            auto requested = parseScope(*scope);
            if (!requested) {
                return invalidRequest("scope is malformed");
            }
            if (!scopesOutside(*requested, allowed).empty()) {
                return invalidScope("scope names scopes this client may not request with "
                                    "client_credentials");
            }
            scopes = std::move(*requested);
        }
        Grant grant;
        grant.scope = joinScope(scopes);
        return issue(request, client, nullptr, grant, {}, kClientCredentials, ctx_.now());
    }

    Outcome issue(const http::Request& request, const ClientInfo& client, const sdk::User* user,
                  const Grant& grant, const std::string& refresh_token,
                  std::string_view grant_type, sdk::UnixTime now) {
        auto issued = ctx_.issuer.respond(client, user, grant, refresh_token, now);
        if (!issued) {
            ctx_.log().log(sdk::LogLevel::error, "token.issue_failed", issued.error().message,
                           {{"client_id", client.project.client_id}});
            return serverError("the tokens could not be issued");
        }
        sdk::AuditEvent event;
        event.time = now;
        event.type = "token.issued";
        event.user_id = grant.user_id;
        event.client_id = client.project.client_id;
        event.client_address = request.client_address;
        event.detail = auditDetail({{"grant_type", grant_type}, {"scope", grant.scope}});
        ctx_.audit->record(std::move(event));
        return noStoreJson(200, std::move(issued->body));
    }

    ProviderContext& ctx_;
};

}  // namespace

void addTokenRoutes(http::Router& router, ProviderContext& ctx) {
    auto endpoint = std::make_shared<TokenEndpoint>(ctx);
    addOAuthRoute(router, {"POST"}, "token",
                  [endpoint](http::Request& request) { return endpoint->handle(request); });
}

}  // namespace authd::oauth
