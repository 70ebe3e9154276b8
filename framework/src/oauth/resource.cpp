// SPDX-License-Identifier: Apache-2.0
// The endpoints a bearer token or a client presents a token to: userinfo (OIDC Core 5.3,
// RFC 6750), introspection (RFC 7662) and revocation (RFC 7009).
#include "crypto/hash.hpp"
#include "http/headers.hpp"
#include "json/json.hpp"
#include "oauth/access_tokens.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/endpoint_support.hpp"
#include "oauth/provider.hpp"
#include "oauth/scopes.hpp"
#include "oauth/state_cache.hpp"

namespace authd::oauth {
namespace {

struct BearerToken {
    std::string token;
    bool sent = false;
};

// RFC 6750 2.1 (Authorization header) and 2.2 (form body); 2.3 (query) is not accepted: URLs
// end up in logs.
std::variant<BearerToken, OAuthError> bearerToken(const http::Request& request) {
    BearerToken out;
    if (const std::string* authorization = request.headers.find("Authorization")) {
        if (authorization->size() < 7 ||
            !http::equalsIgnoreCase(std::string_view(*authorization).substr(0, 7), "Bearer ")) {
            return invalidRequest("the Authorization header must use the Bearer scheme");
        }
        std::string_view token = std::string_view(*authorization).substr(7);
        while (!token.empty() && token.front() == ' ') {
            token.remove_prefix(1);
        }
        while (!token.empty() && token.back() == ' ') {
            token.remove_suffix(1);
        }
        out.token = std::string(token);
        out.sent = true;
    }
    if (request.method == "POST" && request.has_form) {
        if (const std::string* form_token = request.form.find("access_token")) {
            if (out.sent) {
                return invalidRequest("send the access token once: in the Authorization header "
                                      "or in the body, not both");
            }
            out.token = *form_token;
            out.sent = true;
        }
    }
    return out;
}

void appendMember(std::string& out, std::string_view name) {
    if (out.size() > 1) {
        out += ',';
    }
    json::appendString(out, name);
    out += ':';
}

void appendStringOrNull(std::string& out, std::string_view name, const std::string& value) {
    appendMember(out, name);
    if (value.empty()) {
        out += "null";
    } else {
        json::appendString(out, value);
    }
}

const std::string kInactive = R"({"active":false})";

class ResourceEndpoints {
public:
    explicit ResourceEndpoints(ProviderContext& ctx) : ctx_(ctx) {}

    http::Response userinfo(http::Request& request) {
        auto bearer = bearerToken(request);
        if (auto* error = std::get_if<OAuthError>(&bearer)) {
            return bearerErrorResponse(*error);
        }
        const BearerToken& presented = std::get<BearerToken>(bearer);
        if (!presented.sent) {
            return bearerErrorResponse({"invalid_token", "an access token is required"}, false);
        }
        auto verified = verifyAccessToken(ctx_, presented.token);
        if (auto* error = std::get_if<OAuthError>(&verified)) {
            return bearerErrorResponse(*error);
        }
        const VerifiedAccessToken& token = std::get<VerifiedAccessToken>(verified);
        if (!token.user) {
            return bearerErrorResponse(
                {"invalid_token", "the access token names no user (client_credentials)"});
        }
        if (!hasScope(token.scope, "openid")) {
            return bearerErrorResponse(
                {"insufficient_scope", "userinfo needs an access token with the openid scope"});
        }
        const sdk::User& user = *token.user;
        // The second seed's fields, in its order; absent values are null (SPEC section 7).
        std::string body = "{";
        appendMember(body, "sub");
        json::appendString(body, user.id);
        if (hasScope(token.scope, "email")) {
            appendStringOrNull(body, "email", user.email);
        }
        if (hasScope(token.scope, "profile")) {
            appendStringOrNull(body, "name", user.name);
            appendStringOrNull(body, "picture", user.picture);
        }
        if (hasScope(token.scope, "email")) {
            appendMember(body, "email_verified");
            body += user.email_verified ? "true" : "false";
        }
        body += '}';
        return noStoreJson(200, std::move(body));
    }

    http::Response introspect(http::Request& request) {
        auto parsed = bodyParams(request);
        if (auto* error = std::get_if<OAuthError>(&parsed)) {
            return oauthErrorResponse(*error);
        }
        const sdk::Fields& params = std::get<sdk::Fields>(parsed);
        auto authenticated = ctx_.clients.authenticate(request, params);
        if (auto* error = std::get_if<OAuthError>(&authenticated)) {
            return oauthErrorResponse(*error);
        }
        const AuthenticatedClient& caller = std::get<AuthenticatedClient>(authenticated);
        if (caller.method == ClientAuthMethod::none) {
            return oauthErrorResponse(
                invalidClient("introspection needs client authentication; a public client "
                              "cannot introspect"));
        }
        const std::string token = params.get("token");
        if (token.empty()) {
            return oauthErrorResponse(invalidRequest("token is required"));
        }
        const std::string& client_id = caller.client->project.client_id;
        if (looksLikeJwt(token)) {
            return introspectAccessToken(token, client_id);
        }
        return introspectRefreshToken(token, client_id);
    }

    http::Response revoke(http::Request& request) {
        auto parsed = bodyParams(request);
        if (auto* error = std::get_if<OAuthError>(&parsed)) {
            return oauthErrorResponse(*error);
        }
        const sdk::Fields& params = std::get<sdk::Fields>(parsed);
        auto authenticated = ctx_.clients.authenticate(request, params);
        if (auto* error = std::get_if<OAuthError>(&authenticated)) {
            return oauthErrorResponse(*error);
        }
        const ClientInfo& caller = *std::get<AuthenticatedClient>(authenticated).client;
        const std::string token = params.get("token");
        if (token.empty()) {
            return oauthErrorResponse(invalidRequest("token is required"));
        }
        const sdk::UnixTime now = ctx_.now();
        std::string family_id;
        std::string user_id;
        if (looksLikeJwt(token)) {
            auto verified = verifyAccessToken(ctx_, token);
            if (auto* error = std::get_if<OAuthError>(&verified)) {
                if (error->code == "server_error") {
                    return oauthErrorResponse(*error);
                }
                return revoked();  // RFC 7009 2.2: an invalid token is no error
            }
            const VerifiedAccessToken& access = std::get<VerifiedAccessToken>(verified);
            if (access.client->project.client_id != caller.project.client_id) {
                return revoked();  // another client's token: nothing happens, nothing is revealed
            }
            if (access.family_id.empty()) {
                // A stateless JWT without a grant behind it (client_credentials, or a project
                // without refresh tokens) cannot be revoked before it expires.
                return oauthErrorResponse(
                    {"unsupported_token_type",
                     "this access token has no grant to revoke; it stays valid until it expires"});
            }
            family_id = access.family_id;
            user_id = access.subject;
        } else {
            auto found = ctx_.store.refresh().find(crypto::sha256Hex(token));
            if (!found) {
                if (found.error().code == sdk::ErrorCode::not_found) {
                    return revoked();
                }
                return oauthErrorResponse(serverError("the token could not be loaded"));
            }
            if (found->second.client_id != caller.project.client_id) {
                return revoked();
            }
            family_id = found->second.id;
            user_id = found->second.user_id;
        }
        if (auto done = ctx_.store.refresh().revokeFamily(family_id, now, "revoked"); !done) {
            if (done.error().code != sdk::ErrorCode::not_found) {
                return oauthErrorResponse(serverError("the grant could not be revoked"));
            }
        }
        ctx_.state->forgetFamily(family_id);
        sdk::AuditEvent event;
        event.time = now;
        event.type = "token.revoked";
        event.user_id = user_id;
        event.client_id = caller.project.client_id;
        event.client_address = request.client_address;
        event.detail = auditDetail({{"family_id", family_id}});
        ctx_.audit->record(std::move(event));
        return revoked();
    }

private:
    static http::Response revoked() { return noStoreJson(200, "{}"); }

    http::Response introspectAccessToken(const std::string& token, const std::string& client_id) {
        auto verified = verifyAccessToken(ctx_, token);
        if (auto* error = std::get_if<OAuthError>(&verified)) {
            if (error->code == "server_error") {
                return oauthErrorResponse(*error);
            }
            return noStoreJson(200, kInactive);
        }
        const VerifiedAccessToken& access = std::get<VerifiedAccessToken>(verified);
        // A client learns about its own tokens only (docs/decisions/0003).
        if (access.client->project.client_id != client_id) {
            return noStoreJson(200, kInactive);
        }
        std::string body = R"({"active":true)";
        appendMember(body, "scope");
        json::appendString(body, access.scope);
        appendMember(body, "client_id");
        json::appendString(body, client_id);
        appendMember(body, "sub");
        json::appendString(body, access.subject);
        appendMember(body, "exp");
        body += std::to_string(access.expires_at);
        appendMember(body, "iat");
        body += std::to_string(access.issued_at);
        appendMember(body, "iss");
        json::appendString(body, ctx_.issuer_url);
        appendMember(body, "aud");
        json::appendString(body, client_id);
        appendMember(body, "token_type");
        json::appendString(body, "Bearer");
        if (!access.jti.empty()) {
            appendMember(body, "jti");
            json::appendString(body, access.jti);
        }
        if (access.user) {
            appendMember(body, "username");
            json::appendString(body, access.user->email);
        }
        body += '}';
        return noStoreJson(200, std::move(body));
    }

    http::Response introspectRefreshToken(const std::string& token, const std::string& client_id) {
        auto found = ctx_.store.refresh().find(crypto::sha256Hex(token));
        if (!found) {
            if (found.error().code == sdk::ErrorCode::not_found) {
                return noStoreJson(200, kInactive);
            }
            return oauthErrorResponse(serverError("the token could not be loaded"));
        }
        const auto& [refresh, family] = *found;
        const sdk::UnixTime now = ctx_.now();
        if (family.client_id != client_id || family.revoked_at != 0 || refresh.rotated_at != 0 ||
            (refresh.expires_at != 0 && now >= refresh.expires_at) ||
            (family.expires_at != 0 && now >= family.expires_at)) {
            return noStoreJson(200, kInactive);
        }
        auto user = ctx_.state->user(family.user_id);
        if (!user) {
            if (user.error().code == sdk::ErrorCode::not_found) {
                return noStoreJson(200, kInactive);
            }
            return oauthErrorResponse(serverError("the user could not be loaded"));
        }
        if ((*user)->status != "active") {
            return noStoreJson(200, kInactive);
        }
        std::string body = R"({"active":true)";
        appendMember(body, "scope");
        json::appendString(body, family.scope);
        appendMember(body, "client_id");
        json::appendString(body, client_id);
        appendMember(body, "sub");
        json::appendString(body, family.user_id);
        appendMember(body, "exp");
        body += std::to_string(refresh.expires_at != 0 ? refresh.expires_at : family.expires_at);
        appendMember(body, "iat");
        body += std::to_string(refresh.created_at);
        appendMember(body, "iss");
        json::appendString(body, ctx_.issuer_url);
        appendMember(body, "aud");
        json::appendString(body, client_id);
        appendMember(body, "token_type");
        json::appendString(body, "refresh_token");
        appendMember(body, "username");
        json::appendString(body, (*user)->email);
        body += '}';
        return noStoreJson(200, std::move(body));
    }

    ProviderContext& ctx_;
};

}  // namespace

void addResourceRoutes(http::Router& router, ProviderContext& ctx) {
    auto endpoints = std::make_shared<ResourceEndpoints>(ctx);
    addOAuthRoute(router, {"GET", "POST"}, "userinfo",
                  [endpoints](http::Request& request) { return endpoints->userinfo(request); });
    addOAuthRoute(router, {"POST"}, "introspect",
                  [endpoints](http::Request& request) { return endpoints->introspect(request); });
    addOAuthRoute(router, {"POST"}, "revoke",
                  [endpoints](http::Request& request) { return endpoints->revoke(request); });
}

}  // namespace authd::oauth
