// SPDX-License-Identifier: Apache-2.0
// OpenID Connect Discovery 1.0 and RFC 8414 metadata, and the JWKS (RFC 7517).
#include <initializer_list>

#include "json/json.hpp"
#include "oauth/provider.hpp"
#include "tokens/key_ring.hpp"

namespace authd::oauth {
namespace {

// Metadata only changes with the configuration, so it is built once and clients may cache it
// for a while; five minutes keeps a key rotation visible quickly.
constexpr const char* kPublicCache = "public, max-age=300";

class Document {
public:
    Document() { out_ += '{'; }
    Document& string(std::string_view name, std::string_view value) {
        key(name);
        json::appendString(out_, value);
        return *this;
    }
    Document& strings(std::string_view name, std::initializer_list<std::string_view> values) {
        key(name);
        out_ += '[';
        bool first = true;
        for (std::string_view value : values) {
            if (!first) {
                out_ += ',';
            }
            first = false;
            json::appendString(out_, value);
        }
        out_ += ']';
        return *this;
    }
    Document& boolean(std::string_view name, bool value) {
        key(name);
        out_ += value ? "true" : "false";
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

/// The provider metadata (both well-known documents serve it: the OIDC document is a superset
/// of RFC 8414's). Endpoints are advertised in the /oauth/* dialect.
std::string discoveryDocument(const std::string& issuer) {
    const std::string base = issuer + "/oauth/";
    Document doc;
    doc.string("issuer", issuer)
        .string("authorization_endpoint", base + "authorize")
        .string("token_endpoint", base + "token")
        .string("userinfo_endpoint", base + "userinfo")
        .string("jwks_uri", base + "jwks")
        .string("revocation_endpoint", base + "revoke")
        .string("introspection_endpoint", base + "introspect")
        .string("end_session_endpoint", base + "logout")
        .strings("response_types_supported", {"code"})
        .strings("response_modes_supported", {"query"})
        .strings("grant_types_supported",
                 {"authorization_code", "refresh_token", "client_credentials"})
        .strings("subject_types_supported", {"public"})
        .strings("id_token_signing_alg_values_supported", {"RS256", "ES256", "EdDSA", "HS256"})
        .strings("token_endpoint_auth_methods_supported",
                 {"client_secret_basic", "client_secret_post", "none"})
        .strings("revocation_endpoint_auth_methods_supported",
                 {"client_secret_basic", "client_secret_post", "none"})
        .strings("introspection_endpoint_auth_methods_supported",
                 {"client_secret_basic", "client_secret_post"})
        .strings("code_challenge_methods_supported", {"S256"})
        .strings("scopes_supported", {"openid", "profile", "email", "offline_access"})
        .strings("claims_supported",
                 {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr",
                  "sid", "azp", "email", "email_verified", "name", "picture"})
        .boolean("claims_parameter_supported", true)
        .boolean("request_parameter_supported", false)
        .boolean("request_uri_parameter_supported", false)
        .boolean("require_request_uri_registration", false)
        .boolean("authorization_response_iss_parameter_supported", true)
        .boolean("backchannel_logout_supported", true)
        .boolean("backchannel_logout_session_supported", true)
        .boolean("frontchannel_logout_supported", false)
        .strings("prompt_values_supported", {"none", "login", "consent"})
        .strings("display_values_supported", {"page", "touch"})
        .strings("ui_locales_supported", {"en"})
        .strings("claim_types_supported", {"normal"});
    return doc.finish();
}

}  // namespace

void addDiscoveryRoutes(http::Router& router, ProviderContext& ctx) {
    auto document = std::make_shared<const std::string>(discoveryDocument(ctx.issuer_url));
    const http::Handler metadata = [document](http::Request&) {
        http::Response response = http::Response::json(200, *document);
        response.headers.set("Cache-Control", kPublicCache);
        return response;
    };
    router.add({"GET"}, "/.well-known/openid-configuration", metadata);
    router.add({"GET"}, "/.well-known/oauth-authorization-server", metadata);

    ProviderContext* context = &ctx;
    addOAuthRoute(router, {"GET"}, "jwks", [context](http::Request&) {
        // The ring caches the document per snapshot; this is a copy of a ready string.
        http::Response response = http::Response::json(200, context->keys.jwksJson(context->now()));
        response.headers.set("Cache-Control", kPublicCache);
        return response;
    });
}

}  // namespace authd::oauth
