// SPDX-License-Identifier: Apache-2.0
#include "oauth/issuer.hpp"

#include <algorithm>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "json/json.hpp"
#include "oauth/provider.hpp"
#include "oauth/random_ids.hpp"
#include "oauth/scopes.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/token_hashes.hpp"

namespace authd::oauth {
namespace {

// A logout token only has to survive the POST to the client's back-channel endpoint.
constexpr sdk::Seconds kLogoutTokenTtl = 120;

// RFC 9068: asymmetric access tokens say what they are, so that an ID token (typ JWT, also
// signed with the key ring) is never accepted as one. HS256 access tokens keep "JWT": apps
// written for the first seed verify them with jose defaults, and the key already tells them
// apart (signing_key for access tokens, client_secret for ID tokens).
constexpr std::string_view kAsymmetricAccessTyp = "at+jwt";

class JsonObject {
public:
    JsonObject() { out_.reserve(512); out_ += '{'; }
    JsonObject& string(std::string_view name, std::string_view value) {
        key(name);
        json::appendString(out_, value);
        return *this;
    }
    JsonObject& number(std::string_view name, std::int64_t value) {
        key(name);
        out_ += std::to_string(value);
        return *this;
    }
    JsonObject& boolean(std::string_view name, bool value) {
        key(name);
        out_ += value ? "true" : "false";
        return *this;
    }
    JsonObject& strings(std::string_view name, const std::vector<std::string>& values) {
        key(name);
        out_ += '[';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) {
                out_ += ',';
            }
            json::appendString(out_, values[i]);
        }
        out_ += ']';
        return *this;
    }
    JsonObject& raw(std::string_view name, std::string_view json) {
        key(name);
        out_ += json;
        return *this;
    }
    std::string finish() {
        out_ += '}';
        return std::move(out_);
    }

private:
    void key(std::string_view name) {
        if (out_.size() > 1) {
            out_ += ',';
        }
        json::appendString(out_, name);
        out_ += ':';
    }
    std::string out_;
};

sdk::Error randomFailed() {
    return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
}

// The claim names the `claims` request parameter asks for in the ID token (OIDC Core 5.5):
// of those, email, email_verified, name and picture are added beyond what the scope gives.
// A malformed parameter asks for nothing: authorize validated it when it was sent.
std::vector<std::string> requestedIdTokenClaims(const std::string& claims_json) {
    std::vector<std::string> names;
    if (claims_json.empty()) {
        return names;
    }
    const auto parsed = json::parseObject(claims_json, "the claims parameter");
    if (!parsed) {
        return names;
    }
    if (const json::Object* id_token = parsed->object("id_token")) {
        for (const auto& member : *id_token) {
            names.push_back(member.first);
        }
    }
    return names;
}

}  // namespace

TokenIssuer::TokenIssuer(ProviderContext& ctx) : ctx_(ctx) {}

tokens::Alg TokenIssuer::idTokenAlg(const ClientInfo& client) const {
    const std::string& name = client.project.id_token_alg.empty()
                                  ? ctx_.config.tokens.default_id_token_alg
                                  : client.project.id_token_alg;
    const tokens::Alg alg = tokens::parseAlg(name).value_or(tokens::Alg::rs256);
    // OIDC Core 10.1 keys HS256 with the client secret; a public client has none.
    if (alg == tokens::Alg::hs256 && !client.secret_key) {
        return tokens::Alg::rs256;
    }
    return alg;
}

sdk::Result<std::string> TokenIssuer::accessToken(const ClientInfo& client, const sdk::User* user,
                                                  const Grant& grant, sdk::UnixTime now,
                                                  sdk::Seconds* expires_in) {
    const sdk::Seconds ttl =
        client.project.access_ttl > 0 ? client.project.access_ttl : ctx_.config.tokens.access_ttl;
    const std::string jti = randomIdentifier(16);
    if (jti.empty()) {
        return randomFailed();
    }
    const std::string& client_id = client.project.client_id;
    JsonObject claims;
    claims.string("iss", ctx_.issuer_url)
        .string("sub", user != nullptr ? std::string_view(user->id) : std::string_view(client_id))
        .string("aud", client_id)
        .number("exp", now + ttl)
        .number("iat", now)
        .string("jti", jti)
        .string("scope", grant.scope)
        .string("client_id", client_id);
    if (user != nullptr) {
        claims.string("email", user->email).string("role", user->role).string("status", user->status);
        claims.strings("amr", grant.amr);
    }
    if (!grant.session_id.empty()) {
        claims.string("sid", grant.session_id);
    }
    if (!grant.family_id.empty()) {
        claims.string("fid", grant.family_id);
    }
    const std::string body = claims.finish();

    const std::string& alg_name = client.project.access_token_alg;
    sdk::Result<std::string> token = sdk::makeError(sdk::ErrorCode::internal, "unsigned");
    if (alg_name.empty() || alg_name == "HS256") {
        if (!client.access_key) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  "project " + client_id + " has no usable signing key");
        }
        token = tokens::sign(body, *client.access_key, "JWT");
    } else {
        const auto alg = tokens::parseAlg(alg_name);
        if (!alg) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  "project " + client_id + " has an unknown access_token_alg");
        }
        auto key = ctx_.keys.activeKey(*alg, now);
        if (!key) {
            return std::move(key).error();
        }
        token = tokens::sign(body, *key, kAsymmetricAccessTyp);
    }
    if (token && expires_in != nullptr) {
        *expires_in = ttl;
    }
    return token;
}

sdk::Result<std::string> TokenIssuer::idToken(const ClientInfo& client, const sdk::User& user,
                                              const Grant& grant, const std::string& access_token,
                                              sdk::UnixTime now) {
    const tokens::Alg alg = idTokenAlg(client);
    const sdk::Seconds ttl = client.project.id_token_ttl > 0 ? client.project.id_token_ttl
                                                             : ctx_.config.tokens.id_token_ttl;
    const std::string& client_id = client.project.client_id;
    JsonObject claims;
    claims.string("iss", ctx_.issuer_url)
        .string("sub", user.id)
        .string("aud", client_id)
        .number("exp", now + ttl)
        .number("iat", now);
    if (grant.auth_time > 0) {
        claims.number("auth_time", grant.auth_time);
    }
    if (!grant.nonce.empty()) {
        claims.string("nonce", grant.nonce);
    }
    if (!access_token.empty()) {
        claims.string("at_hash", tokens::tokenHash(access_token, alg));
    }
    if (!grant.amr.empty()) {
        claims.strings("amr", grant.amr);
    }
    if (!grant.session_id.empty()) {
        claims.string("sid", grant.session_id);
    }
    claims.string("azp", client_id);

    const std::vector<std::string> requested = requestedIdTokenClaims(grant.claims);
    const auto wants = [&](std::string_view claim, std::string_view scope) {
        return hasScope(grant.scope, scope) ||
               std::find(requested.begin(), requested.end(), claim) != requested.end();
    };
    // OIDC Core 5.3.2: a claim without a value is omitted rather than sent empty.
    if (wants("email", "email") && !user.email.empty()) {
        claims.string("email", user.email);
    }
    if (wants("email_verified", "email")) {
        claims.boolean("email_verified", user.email_verified);
    }
    if (wants("name", "profile") && !user.name.empty()) {
        claims.string("name", user.name);
    }
    if (wants("picture", "profile") && !user.picture.empty()) {
        claims.string("picture", user.picture);
    }

    if (alg == tokens::Alg::hs256) {
        return tokens::sign(claims.finish(), *client.secret_key, "JWT");
    }
    auto key = ctx_.keys.activeKey(alg, now);
    if (!key) {
        return std::move(key).error();
    }
    return tokens::sign(claims.finish(), *key, "JWT");
}

sdk::Result<std::string> TokenIssuer::logoutToken(const ClientInfo& client,
                                                  const std::string& user_id,
                                                  const std::string& sid, sdk::UnixTime now) {
    const std::string jti = randomIdentifier(16);
    if (jti.empty()) {
        return randomFailed();
    }
    JsonObject claims;
    claims.string("iss", ctx_.issuer_url)
        .string("aud", client.project.client_id)
        .number("iat", now)
        .number("exp", now + kLogoutTokenTtl)
        .string("jti", jti);
    if (!user_id.empty()) {
        claims.string("sub", user_id);
    }
    if (!sid.empty()) {
        claims.string("sid", sid);
    }
    claims.raw("events", R"({"http://schemas.openid.net/event/backchannel-logout":{}})");
    const tokens::Alg alg = idTokenAlg(client);
    if (alg == tokens::Alg::hs256) {
        return tokens::sign(claims.finish(), *client.secret_key, "logout+jwt");
    }
    auto key = ctx_.keys.activeKey(alg, now);
    if (!key) {
        return std::move(key).error();
    }
    return tokens::sign(claims.finish(), *key, "logout+jwt");
}

std::string TokenIssuer::newRefreshToken() {
    return crypto::randomToken(32);
}

std::string TokenIssuer::successorOf(const std::string& token) const {
    return crypto::base64UrlEncode(crypto::hmacSha256(ctx_.refresh_key, token));
}

sdk::Result<IssuedTokens> TokenIssuer::respond(const ClientInfo& client, const sdk::User* user,
                                               const Grant& grant,
                                               const std::string& refresh_token,
                                               sdk::UnixTime now) {
    IssuedTokens issued;
    sdk::Seconds expires_in = 0;
    auto access = accessToken(client, user, grant, now, &expires_in);
    if (!access) {
        return std::move(access).error();
    }
    issued.access_token = std::move(*access);
    if (user != nullptr && hasScope(grant.scope, "openid")) {
        auto id_token = idToken(client, *user, grant, issued.access_token, now);
        if (!id_token) {
            return std::move(id_token).error();
        }
        issued.id_token = std::move(*id_token);
    }
    issued.refresh_token = refresh_token;

    JsonObject body;
    body.string("access_token", issued.access_token)
        .string("token_type", "Bearer")
        .number("expires_in", expires_in);
    if (!issued.refresh_token.empty()) {
        body.string("refresh_token", issued.refresh_token);
    }
    if (!issued.id_token.empty()) {
        body.string("id_token", issued.id_token);
    }
    if (!grant.scope.empty()) {
        body.string("scope", grant.scope);
    }
    issued.body = body.finish();
    return issued;
}

}  // namespace authd::oauth
