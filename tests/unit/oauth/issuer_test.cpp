// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "provider_fixture.hpp"
#include "tokens/claims.hpp"
#include "tokens/keys.hpp"
#include "tokens/token_hashes.hpp"

using authd::oauth::Grant;
using authd::oauth::test::ProviderFixture;
using authd::oauth::test::headerOf;
using authd::oauth::test::integerOf;
using authd::oauth::test::jsonOf;
using authd::oauth::test::memberOf;
using authd::oauth::test::payloadOf;
using authd::oauth::test::stringOf;
namespace json = authd::json;
namespace sdk = authd::sdk;
namespace tokens = authd::tokens;

namespace {

struct IssuerFixture : ProviderFixture {
    Secrets hs = addProject("proj_hs");
    sdk::User user = addUser("jane@example.com");
    sdk::UnixTime now = context.now();

    Grant userGrant(std::string scope = "openid profile email") {
        Grant grant;
        grant.user_id = user.id;
        grant.scope = std::move(scope);
        grant.amr = {"pwd", "mfa"};
        grant.auth_time = now - 30;
        grant.session_id = "sess-1";
        grant.nonce = "nonce-xyz";
        grant.family_id = "fam-1";
        return grant;
    }

    // Verifies an asymmetric token the way an RP does: the kid from the header, the key from
    // the published JWKS.
    tokens::VerifiedJws verifyThroughJwks(const std::string& jwt) {
        const std::string kid = stringOf(headerOf(jwt), "kid");
        const auto jwks = jsonOf(keys.jwksJson(now));
        const json::Array* list = jwks.array("keys");
        BOOST_REQUIRE(list != nullptr);
        for (const json::Value& jwk : *list) {
            if (stringOf(jwk.asObject(), "kid") == kid) {
                const tokens::Key key = tokens::keyFromJwk(json::write(jwk)).value();
                auto verified =
                    tokens::verify(jwt, tokens::KeySet({key}), {tokens::Alg::rs256,
                                                                tokens::Alg::es256,
                                                                tokens::Alg::eddsa});
                BOOST_REQUIRE_MESSAGE(verified.has_value(), "JWKS key does not verify");
                return std::move(*verified);
            }
        }
        BOOST_FAIL("kid " + kid + " is not in the JWKS");
        throw std::logic_error("unreachable");
    }
};

std::vector<std::string> stringsOf(const json::Object& object, std::string_view name) {
    std::vector<std::string> out;
    const json::Array* array = object.array(name);
    BOOST_REQUIRE(array != nullptr);
    for (const json::Value& item : *array) {
        out.push_back(item.asString());
    }
    return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_issuer, IssuerFixture)

BOOST_AUTO_TEST_CASE(access_token_carries_every_claim_and_verifies_with_the_signing_key) {
    const auto client = clients.find("proj_hs").value();
    sdk::Seconds expires_in = 0;
    const std::string jwt = issuer.accessToken(*client, &user, userGrant(), now, &expires_in).value();
    BOOST_TEST(expires_in == config.tokens.access_ttl);

    const auto header = headerOf(jwt);
    BOOST_TEST(stringOf(header, "alg") == "HS256");
    BOOST_TEST(stringOf(header, "typ") == "JWT");
    BOOST_TEST(!header.has("kid"));

    // The first seed's check: jose jwtVerify(token, TextEncoder().encode(signing_key)).
    const auto key = tokens::Key::hmac(hs.signing_key).value();
    BOOST_TEST(tokens::verify(jwt, tokens::KeySet({key}), {tokens::Alg::hs256}).has_value());

    const auto claims = payloadOf(jwt);
    BOOST_TEST(stringOf(claims, "iss") == "https://idp.test");
    BOOST_TEST(stringOf(claims, "sub") == user.id);
    BOOST_TEST(stringOf(claims, "aud") == "proj_hs");
    BOOST_TEST(integerOf(claims, "iat") == now);
    BOOST_TEST(integerOf(claims, "exp") == now + config.tokens.access_ttl);
    BOOST_TEST(stringOf(claims, "jti").size() == 22U);  // 16 random bytes, base64url
    BOOST_TEST(stringOf(claims, "scope") == "openid profile email");
    BOOST_TEST(stringOf(claims, "client_id") == "proj_hs");
    BOOST_TEST(stringOf(claims, "email") == "jane@example.com");
    BOOST_TEST(stringOf(claims, "role") == "user");
    BOOST_TEST(stringOf(claims, "status") == "active");
    BOOST_TEST(stringsOf(claims, "amr") == (std::vector<std::string>{"pwd", "mfa"}));
    BOOST_TEST(stringOf(claims, "sid") == "sess-1");
    BOOST_TEST(stringOf(claims, "fid") == "fam-1");
    // Each token is distinct.
    BOOST_TEST(stringOf(payloadOf(issuer.accessToken(*client, &user, userGrant(), now, nullptr)
                                      .value()),
                        "jti") != stringOf(claims, "jti"));
}

BOOST_AUTO_TEST_CASE(access_token_lifetime_follows_the_project) {
    addProject("proj_short", "confidential",
               [](sdk::Project& p, Secrets&) { p.access_ttl = 42; });
    const auto client = clients.find("proj_short").value();
    sdk::Seconds expires_in = 0;
    const auto claims =
        payloadOf(issuer.accessToken(*client, &user, userGrant(), now, &expires_in).value());
    BOOST_TEST(expires_in == 42);
    BOOST_TEST(integerOf(claims, "exp") == now + 42);
}

BOOST_AUTO_TEST_CASE(client_credentials_token_names_the_client) {
    const auto client = clients.find("proj_hs").value();
    Grant grant;
    grant.scope = "api.read";
    const auto claims = payloadOf(issuer.accessToken(*client, nullptr, grant, now, nullptr).value());
    BOOST_TEST(stringOf(claims, "sub") == "proj_hs");
    BOOST_TEST(stringOf(claims, "client_id") == "proj_hs");
    BOOST_TEST(!claims.has("email"));
    BOOST_TEST(!claims.has("amr"));
    BOOST_TEST(!claims.has("sid"));
    BOOST_TEST(!claims.has("fid"));
}

BOOST_AUTO_TEST_CASE(asymmetric_access_tokens_use_the_key_ring_and_at_jwt) {
    addProject("proj_rs_at", "confidential",
               [](sdk::Project& p, Secrets&) { p.access_token_alg = "ES256"; });
    const auto client = clients.find("proj_rs_at").value();
    const std::string jwt = issuer.accessToken(*client, &user, userGrant(), now, nullptr).value();
    BOOST_TEST(stringOf(headerOf(jwt), "alg") == "ES256");
    BOOST_TEST(stringOf(headerOf(jwt), "typ") == "at+jwt");
    BOOST_TEST((verifyThroughJwks(jwt).alg == tokens::Alg::es256));
}

BOOST_AUTO_TEST_CASE(hs256_id_token_is_keyed_with_the_client_secret_and_has_every_claim) {
    const auto client = clients.find("proj_hs").value();
    const std::string access = issuer.accessToken(*client, &user, userGrant(), now, nullptr).value();
    const std::string jwt = issuer.idToken(*client, user, userGrant(), access, now).value();
    BOOST_TEST(stringOf(headerOf(jwt), "alg") == "HS256");
    const auto secret_key = tokens::Key::hmac(hs.client_secret).value();
    BOOST_TEST(tokens::verify(jwt, tokens::KeySet({secret_key}), {tokens::Alg::hs256}).has_value());
    // Not with the signing key: an ID token is never an access token.
    const auto signing_key = tokens::Key::hmac(hs.signing_key).value();
    BOOST_TEST(!tokens::verify(jwt, tokens::KeySet({signing_key}), {tokens::Alg::hs256}).has_value());

    const auto claims = payloadOf(jwt);
    BOOST_TEST(stringOf(claims, "iss") == "https://idp.test");
    BOOST_TEST(stringOf(claims, "sub") == user.id);
    BOOST_TEST(stringOf(claims, "aud") == "proj_hs");
    BOOST_TEST(stringOf(claims, "azp") == "proj_hs");
    BOOST_TEST(integerOf(claims, "iat") == now);
    BOOST_TEST(integerOf(claims, "exp") == now + config.tokens.id_token_ttl);
    BOOST_TEST(integerOf(claims, "auth_time") == now - 30);
    BOOST_TEST(stringOf(claims, "nonce") == "nonce-xyz");
    BOOST_TEST(stringOf(claims, "at_hash") == tokens::tokenHash(access, tokens::Alg::hs256));
    BOOST_TEST(stringsOf(claims, "amr") == (std::vector<std::string>{"pwd", "mfa"}));
    BOOST_TEST(stringOf(claims, "sid") == "sess-1");
    BOOST_TEST(stringOf(claims, "email") == "jane@example.com");
    BOOST_TEST(memberOf(claims, "email_verified").asBool());
    BOOST_TEST(stringOf(claims, "name") == "Jane Doe");
    BOOST_TEST(!claims.has("picture"));  // unknown: omitted (OIDC Core 5.3.2)
    BOOST_TEST(!claims.has("fid"));
    BOOST_TEST(!claims.has("scope"));
}

BOOST_AUTO_TEST_CASE(id_token_claims_follow_the_scope_and_the_claims_parameter) {
    const auto client = clients.find("proj_hs").value();
    Grant grant = userGrant("openid");
    grant.nonce.clear();
    auto claims = payloadOf(issuer.idToken(*client, user, grant, {}, now).value());
    BOOST_TEST(!claims.has("email"));
    BOOST_TEST(!claims.has("name"));
    BOOST_TEST(!claims.has("nonce"));
    BOOST_TEST(!claims.has("at_hash"));
    grant.claims = R"({"id_token":{"email":{"essential":true},"name":null},"userinfo":{"picture":null}})";
    claims = payloadOf(issuer.idToken(*client, user, grant, {}, now).value());
    BOOST_TEST(stringOf(claims, "email") == "jane@example.com");
    BOOST_TEST(stringOf(claims, "name") == "Jane Doe");
    BOOST_TEST(!claims.has("email_verified"));
    grant.claims = "not json";
    BOOST_TEST(issuer.idToken(*client, user, grant, {}, now).has_value());
}

BOOST_AUTO_TEST_CASE(rs256_id_token_verifies_through_the_jwks_with_its_kid) {
    addProject("proj_rs", "confidential",
               [](sdk::Project& p, Secrets&) { p.id_token_alg = "RS256"; });
    const auto client = clients.find("proj_rs").value();
    const std::string access = issuer.accessToken(*client, &user, userGrant(), now, nullptr).value();
    const std::string jwt = issuer.idToken(*client, user, userGrant(), access, now).value();
    const auto header = headerOf(jwt);
    BOOST_TEST(stringOf(header, "alg") == "RS256");
    BOOST_TEST(stringOf(header, "kid") == keys.activeKey(tokens::Alg::rs256, now).value().kid());
    const auto verified = verifyThroughJwks(jwt);
    BOOST_TEST(stringOf(verified.claims, "at_hash") == tokens::tokenHash(access, tokens::Alg::rs256));
}

BOOST_AUTO_TEST_CASE(eddsa_id_token_at_hash_uses_sha512) {
    addProject("proj_ed", "confidential",
               [](sdk::Project& p, Secrets&) { p.id_token_alg = "EdDSA"; });
    const auto client = clients.find("proj_ed").value();
    const std::string access = issuer.accessToken(*client, &user, userGrant(), now, nullptr).value();
    const std::string jwt = issuer.idToken(*client, user, userGrant(), access, now).value();
    const auto verified = verifyThroughJwks(jwt);
    BOOST_TEST((verified.alg == tokens::Alg::eddsa));
    BOOST_TEST(stringOf(verified.claims, "at_hash") ==
               tokens::tokenHash(access, tokens::Alg::eddsa));
    BOOST_TEST(stringOf(verified.claims, "at_hash").size() == 43U);  // 32 bytes of SHA-512
}

BOOST_AUTO_TEST_CASE(public_client_gets_rs256_id_tokens_despite_an_hs256_default) {
    addProject("proj_public", "public");
    const auto client = clients.find("proj_public").value();
    BOOST_TEST(config.tokens.default_id_token_alg == "HS256");
    BOOST_TEST((issuer.idTokenAlg(*client) == tokens::Alg::rs256));
    const std::string jwt = issuer.idToken(*client, user, userGrant(), {}, now).value();
    BOOST_TEST(stringOf(headerOf(jwt), "alg") == "RS256");
    verifyThroughJwks(jwt);
}

BOOST_AUTO_TEST_CASE(logout_token_follows_backchannel_logout_section_2_4) {
    const auto client = clients.find("proj_hs").value();
    const std::string jwt = issuer.logoutToken(*client, user.id, "sess-1", now).value();
    BOOST_TEST(stringOf(headerOf(jwt), "typ") == "logout+jwt");
    const auto secret_key = tokens::Key::hmac(hs.client_secret).value();
    const auto verified = tokens::verify(jwt, tokens::KeySet({secret_key}), {tokens::Alg::hs256});
    BOOST_REQUIRE(verified.has_value());
    const json::Object& claims = verified->claims;
    BOOST_TEST(stringOf(claims, "iss") == "https://idp.test");
    BOOST_TEST(stringOf(claims, "aud") == "proj_hs");
    BOOST_TEST(stringOf(claims, "sub") == user.id);
    BOOST_TEST(stringOf(claims, "sid") == "sess-1");
    BOOST_TEST(integerOf(claims, "iat") == now);
    BOOST_TEST(integerOf(claims, "exp") > now);
    BOOST_TEST(!stringOf(claims, "jti").empty());
    BOOST_TEST(!claims.has("nonce"));  // section 2.4: a nonce is prohibited
    const json::Object* events = claims.object("events");
    BOOST_REQUIRE(events != nullptr);
    const json::Object* logout = events->object("http://schemas.openid.net/event/backchannel-logout");
    BOOST_REQUIRE(logout != nullptr);
    BOOST_TEST(logout->empty());

    const auto no_sub = payloadOf(issuer.logoutToken(*client, "", "sess-1", now).value());
    BOOST_TEST(!no_sub.has("sub"));
}

BOOST_AUTO_TEST_CASE(successor_is_deterministic_per_token_and_key) {
    const std::string token = issuer.newRefreshToken();
    BOOST_TEST(token.size() == 43U);  // 32 random bytes
    BOOST_TEST(issuer.newRefreshToken() != token);
    const std::string successor = issuer.successorOf(token);
    BOOST_TEST(successor.size() == 43U);
    BOOST_TEST(issuer.successorOf(token) == successor);
    BOOST_TEST(successor != token);
    BOOST_TEST(issuer.successorOf(token + "x") != successor);
    BOOST_TEST(successor == authd::crypto::base64UrlEncode(
                               authd::crypto::hmacSha256(context.refresh_key, token)));
    // Another master key derives another refresh key, hence other successors.
    const auto other = authd::crypto::SecretBox::fromKey(std::string(32, '\x01')).value();
    BOOST_TEST(authd::crypto::base64UrlEncode(authd::crypto::hmacSha256(
                   other.deriveKey("authd refresh successor v1"), token)) != successor);
}

BOOST_AUTO_TEST_CASE(respond_builds_the_token_response) {
    const auto client = clients.find("proj_hs").value();
    auto issued = issuer.respond(*client, &user, userGrant(), "refresh-abc", now).value();
    auto body = jsonOf(issued.body);
    BOOST_TEST(stringOf(body, "access_token") == issued.access_token);
    BOOST_TEST(stringOf(body, "token_type") == "Bearer");
    BOOST_TEST(integerOf(body, "expires_in") == config.tokens.access_ttl);
    BOOST_TEST(stringOf(body, "refresh_token") == "refresh-abc");
    BOOST_TEST(stringOf(body, "id_token") == issued.id_token);
    BOOST_TEST(stringOf(body, "scope") == "openid profile email");

    issued = issuer.respond(*client, &user, userGrant("profile"), "", now).value();
    body = jsonOf(issued.body);
    BOOST_TEST(!body.has("refresh_token"));
    BOOST_TEST(!body.has("id_token"));
    BOOST_TEST(issued.id_token.empty());
}

BOOST_AUTO_TEST_SUITE_END()
