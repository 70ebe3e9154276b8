// SPDX-License-Identifier: Apache-2.0
// userinfo, introspection, revocation and discovery dispatched in process.
#include <boost/test/unit_test.hpp>


#include "provider_fixture.hpp"
#include "tokens/keys.hpp"

using authd::oauth::Grant;
using authd::oauth::test::ProviderFixture;
using authd::oauth::test::jsonOf;
using authd::oauth::test::memberOf;
using authd::oauth::test::payloadOf;
using authd::oauth::test::stringOf;
namespace crypto = authd::crypto;
namespace http = authd::http;
namespace sdk = authd::sdk;
namespace tokens = authd::tokens;

namespace {

struct ResourceFixture : ProviderFixture {
    Secrets app = addProject("proj_app");
    Secrets other = addProject("proj_other");
    sdk::User user = addUser("jane@example.com");

    authd::json::Object codeTokens(const Secrets& s, const std::string& scope = "openid profile email") {
        const std::string code = addCode(s.client_id, user.id, {}, {"pwd"}, 60, scope);
        const auto response = postForm(
            "/oauth/token", "grant_type=authorization_code&code=" + code +
                                "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&client_id=" + s.client_id +
                                "&client_secret=" + s.client_secret);
        BOOST_REQUIRE_MESSAGE(response.status == 200, response.body);
        return jsonOf(response.body);
    }

    std::string accessToken(const Secrets& s) { return stringOf(codeTokens(s), "access_token"); }

    http::Response userinfo(const std::string& token) {
        return send("GET", "/oauth/userinfo", {}, {}, {bearer(token)});
    }
    http::Response introspect(const Secrets& caller, const std::string& token) {
        return postForm("/oauth/introspect", "token=" + token,
                        {basic(caller.client_id, caller.client_secret)});
    }
    http::Response revoke(const Secrets& caller, const std::string& token) {
        return postForm("/oauth/revoke", "token=" + token,
                        {basic(caller.client_id, caller.client_secret)});
    }

    // A token signed with `key` over `claims` (for forged and expired tokens).
    std::string forge(const std::string& claims, const tokens::Key& key) {
        return tokens::sign(claims, key).value();
    }
    std::string validClaims(sdk::UnixTime exp) {
        const sdk::UnixTime now = context.now();
        return R"({"iss":"https://idp.test","sub":")" + user.id +
               R"(","aud":"proj_app","client_id":"proj_app","scope":"openid email","iat":)" +
               std::to_string(now - 10) + R"(,"exp":)" + std::to_string(exp) + "}";
    }
};

std::string challengeOf(const http::Response& response) {
    return response.headers.get("WWW-Authenticate");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(userinfo, ResourceFixture)

BOOST_AUTO_TEST_CASE(returns_the_second_seeds_fields_by_scope) {
    const std::string token = accessToken(app);
    for (const std::string method : {"GET", "POST"}) {
        const auto response = send(method, "/api/oauth/userinfo", {}, {}, {bearer(token)});
        BOOST_TEST(response.status == 200);
        BOOST_TEST(response.headers.get("Cache-Control") == "no-store");
        BOOST_TEST(response.body == R"({"sub":")" + user.id +
                                        R"(","email":"jane@example.com","name":"Jane Doe",)"
                                        R"("picture":null,"email_verified":true})");
    }
    const auto email_only = stringOf(codeTokens(app, "openid email"), "access_token");
    BOOST_TEST(userinfo(email_only).body ==
               R"({"sub":")" + user.id + R"(","email":"jane@example.com","email_verified":true})");
}

BOOST_AUTO_TEST_CASE(accepts_the_token_in_a_form_body_but_not_twice) {
    const std::string token = accessToken(app);
    BOOST_TEST(postForm("/oauth/userinfo", "access_token=" + token).status == 200);
    const auto twice = postForm("/oauth/userinfo", "access_token=" + token, {bearer(token)});
    BOOST_TEST(twice.status == 400);
    BOOST_TEST(stringOf(jsonOf(twice.body), "error") == "invalid_request");
}

BOOST_AUTO_TEST_CASE(missing_token_gets_a_bare_bearer_challenge) {
    const auto response = send("GET", "/oauth/userinfo");
    BOOST_TEST(response.status == 401);
    BOOST_TEST(challengeOf(response) == "Bearer realm=\"authd\"");
    const auto basic_auth = send("GET", "/oauth/userinfo", {}, {}, {basic("a", "b")});
    BOOST_TEST(basic_auth.status == 400);
}

BOOST_AUTO_TEST_CASE(bad_tokens_get_invalid_token_with_a_description) {
    const std::string token = accessToken(app);
    const auto app_key = tokens::Key::hmac(app.signing_key).value();
    const auto other_key = tokens::Key::hmac(other.signing_key).value();
    std::string tampered = token;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"tampered", tampered},
        {"garbage", "not-a-token"},
        {"garbage with dots", "a.b.c"},
        {"expired", forge(validClaims(context.now() - 1), app_key)},
        {"other project's key", forge(validClaims(context.now() + 60), other_key)},
        {"alg none", "eyJhbGciOiJub25lIn0." +
                         crypto::base64UrlEncode(validClaims(context.now() + 60)) + "."},
        {"ID token", stringOf(codeTokens(app), "id_token")},
        {"wrong issuer",
         forge(R"({"iss":"https://evil.test","sub":")" + user.id +
                   R"(","aud":"proj_app","client_id":"proj_app","scope":"openid","iat":1,"exp":)" +
                   std::to_string(context.now() + 60) + "}",
               app_key)},
        {"unknown client",
         forge(R"({"iss":"https://idp.test","sub":"x","aud":"proj_gone","client_id":"proj_gone",)"
               R"("scope":"openid","iat":1,"exp":)" + std::to_string(context.now() + 60) + "}",
               app_key)},
    };
    for (const auto& [name, bad] : cases) {
        BOOST_TEST_CONTEXT(name) {
            const auto response = userinfo(bad);
            BOOST_TEST(response.status == 401);
            BOOST_TEST(stringOf(jsonOf(response.body), "error") == "invalid_token");
            BOOST_TEST(challengeOf(response).find("error=\"invalid_token\"") != std::string::npos);
            BOOST_TEST(challengeOf(response).find("error_description=\"") != std::string::npos);
        }
    }
    // A forged token with the right key and claims is, of course, accepted: the key is the
    // project's secret.
    BOOST_TEST(userinfo(forge(validClaims(context.now() + 60), app_key)).status == 200);
}

BOOST_AUTO_TEST_CASE(previous_signing_key_verifies_until_its_grace_ends) {
    const std::string old_key = app.signing_key;
    const std::string token = accessToken(app);
    sdk::Project project = store.projects().get("proj_app").value();
    project.previous_signing_key_enc = project.signing_key_enc;
    project.previous_signing_key_until = context.now() + 3600;
    project.signing_key_enc =
        box.seal(crypto::randomHex(32), authd::app::signingKeyAad("proj_app")).value();
    (void)store.projects().update(project).value();
    clients.invalidate("proj_app");
    BOOST_TEST(userinfo(token).status == 200);
    project.previous_signing_key_until = context.now() - 1;
    (void)store.projects().update(project).value();
    clients.invalidate("proj_app");
    BOOST_TEST(userinfo(token).status == 401);
    (void)old_key;
}

BOOST_AUTO_TEST_CASE(a_remembered_token_stops_when_its_project_goes) {
    const std::string token = accessToken(app);
    BOOST_TEST(userinfo(token).status == 200);
    BOOST_TEST(userinfo(token).status == 200);  // now from the verified-token cache
    (void)store.projects().remove("proj_app").value();
    clients.invalidate("proj_app");
    const auto response = userinfo(token);
    BOOST_TEST(response.status == 401);
    BOOST_TEST(stringOf(jsonOf(response.body), "error_description").find("client") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(client_credentials_and_scopeless_tokens_are_refused) {
    const auto cc = postForm("/oauth/token", "grant_type=client_credentials",
                             {basic(app.client_id, app.client_secret)});
    const auto response = userinfo(stringOf(jsonOf(cc.body), "access_token"));
    BOOST_TEST(response.status == 401);
    const auto no_openid = userinfo(stringOf(codeTokens(app, "profile email"), "access_token"));
    BOOST_TEST(no_openid.status == 403);
    BOOST_TEST(challengeOf(no_openid).find("insufficient_scope") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(suspended_user_revoked_grant_and_ended_session_stop_the_token) {
    const auto body = codeTokens(app);
    const std::string token = stringOf(body, "access_token");
    BOOST_TEST(userinfo(token).status == 200);

    sdk::User changed = user;
    changed.status = "suspended";
    (void)store.users().update(changed).value();
    BOOST_TEST(userinfo(token).status == 401);
    (void)store.users().update(user).value();
    BOOST_TEST(userinfo(token).status == 200);

    const auto claims = payloadOf(token);
    (void)store.refresh().revokeFamily(stringOf(claims, "fid"), context.now(), "test").value();
    BOOST_TEST(userinfo(token).status == 401);

    // A token whose session was revoked (sid) stops too.
    sdk::Session session;
    session.id = "sess-77";
    session.token_hash = crypto::sha256Hex("cookie");
    session.user_id = user.id;
    session.created_at = context.now();
    session.expires_at = context.now() + 3600;
    (void)store.sessions().create(session).value();
    Grant grant;
    grant.user_id = user.id;
    grant.scope = "openid";
    grant.session_id = "sess-77";
    const auto client = clients.find("proj_app").value();
    const std::string with_sid =
        issuer.accessToken(*client, &user, grant, context.now(), nullptr).value();
    BOOST_TEST(userinfo(with_sid).status == 200);
    (void)store.sessions().revoke("sess-77", context.now()).value();
    BOOST_TEST(userinfo(with_sid).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(introspection, ResourceFixture)

BOOST_AUTO_TEST_CASE(active_access_token_of_the_caller) {
    const std::string token = accessToken(app);
    const auto response = introspect(app, token);
    BOOST_TEST(response.status == 200);
    BOOST_TEST(response.headers.get("Cache-Control") == "no-store");
    const auto body = jsonOf(response.body);
    BOOST_TEST(memberOf(body, "active").asBool());
    BOOST_TEST(stringOf(body, "client_id") == "proj_app");
    BOOST_TEST(stringOf(body, "sub") == user.id);
    BOOST_TEST(stringOf(body, "scope") == "openid profile email");
    BOOST_TEST(stringOf(body, "token_type") == "Bearer");
    BOOST_TEST(stringOf(body, "username") == "jane@example.com");
    BOOST_TEST(stringOf(body, "iss") == "https://idp.test");
    BOOST_TEST(stringOf(body, "aud") == "proj_app");
    BOOST_TEST(body.has("exp"));
    BOOST_TEST(body.has("iat"));
}

BOOST_AUTO_TEST_CASE(another_clients_or_invalid_tokens_are_inactive) {
    const std::string token = accessToken(app);
    BOOST_TEST(introspect(other, token).body == R"({"active":false})");
    BOOST_TEST(introspect(app, "a.b.c").body == R"({"active":false})");
    BOOST_TEST(introspect(app, "opaque-garbage").body == R"({"active":false})");
}

BOOST_AUTO_TEST_CASE(refresh_tokens_by_hash) {
    const auto body = codeTokens(app);
    const std::string refresh_token = stringOf(body, "refresh_token");
    const auto active = jsonOf(introspect(app, refresh_token).body);
    BOOST_TEST(memberOf(active, "active").asBool());
    BOOST_TEST(stringOf(active, "token_type") == "refresh_token");
    BOOST_TEST(stringOf(active, "sub") == user.id);
    BOOST_TEST(introspect(other, refresh_token).body == R"({"active":false})");
    // Rotated out: inactive.
    BOOST_TEST(postForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh_token,
                        {basic(app.client_id, app.client_secret)})
                   .status == 200);
    BOOST_TEST(introspect(app, refresh_token).body == R"({"active":false})");
}

BOOST_AUTO_TEST_CASE(needs_client_authentication_and_a_token) {
    addProject("proj_spa", "public");
    const auto anonymous = postForm("/oauth/introspect", "token=x");
    BOOST_TEST(anonymous.status == 401);
    BOOST_TEST(anonymous.headers.get("WWW-Authenticate") == "Basic realm=\"authd\"");
    BOOST_TEST(postForm("/oauth/introspect", "token=x&client_id=proj_spa").status == 401);
    const auto no_token = postForm("/oauth/introspect", "", {basic(app.client_id, app.client_secret)});
    BOOST_TEST(no_token.status == 400);
    BOOST_TEST(stringOf(jsonOf(no_token.body), "error") == "invalid_request");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(revocation, ResourceFixture)

BOOST_AUTO_TEST_CASE(revoking_a_refresh_token_ends_its_grant) {
    const auto body = codeTokens(app);
    const auto response = revoke(app, stringOf(body, "refresh_token"));
    BOOST_TEST(response.status == 200);
    BOOST_TEST(userinfo(stringOf(body, "access_token")).status == 401);
    BOOST_TEST(postForm("/oauth/token",
                        "grant_type=refresh_token&refresh_token=" + stringOf(body, "refresh_token"),
                        {basic(app.client_id, app.client_secret)})
                   .status == 400);
}

BOOST_AUTO_TEST_CASE(revoking_an_access_token_ends_its_grant) {
    const auto body = codeTokens(app);
    BOOST_TEST(revoke(app, stringOf(body, "access_token")).status == 200);
    BOOST_TEST(userinfo(stringOf(body, "access_token")).status == 401);
    BOOST_TEST(introspect(app, stringOf(body, "refresh_token")).body == R"({"active":false})");
}

BOOST_AUTO_TEST_CASE(another_clients_token_is_left_alone) {
    const auto body = codeTokens(app);
    BOOST_TEST(revoke(other, stringOf(body, "refresh_token")).status == 200);
    BOOST_TEST(revoke(other, stringOf(body, "access_token")).status == 200);
    BOOST_TEST(userinfo(stringOf(body, "access_token")).status == 200);
}

BOOST_AUTO_TEST_CASE(unknown_tokens_are_fine_and_stateless_ones_unsupported) {
    BOOST_TEST(revoke(app, "never-issued").status == 200);
    BOOST_TEST(revoke(app, "a.b.c").status == 200);
    const auto cc = postForm("/oauth/token", "grant_type=client_credentials",
                             {basic(app.client_id, app.client_secret)});
    const auto response = revoke(app, stringOf(jsonOf(cc.body), "access_token"));
    BOOST_TEST(response.status == 400);
    BOOST_TEST(stringOf(jsonOf(response.body), "error") == "unsupported_token_type");
}

BOOST_AUTO_TEST_CASE(public_clients_may_revoke_their_own_tokens) {
    addProject("proj_spa", "public");
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const std::string code =
        addCode("proj_spa", user.id, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    const auto tokens_response = postForm(
        "/oauth/token", "grant_type=authorization_code&code=" + code +
                            "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&client_id=proj_spa"
                            "&code_verifier=" + verifier);
    const auto body = jsonOf(tokens_response.body);
    BOOST_TEST(postForm("/oauth/revoke",
                        "client_id=proj_spa&token=" + stringOf(body, "refresh_token"))
                   .status == 200);
    BOOST_TEST(userinfo(stringOf(body, "access_token")).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(discovery, ResourceFixture)

BOOST_AUTO_TEST_CASE(metadata_documents_advertise_the_oauth_dialect) {
    for (const std::string path :
         {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
        const auto response = send("GET", path);
        BOOST_TEST(response.status == 200);
        BOOST_TEST(response.headers.get("Cache-Control") == "public, max-age=300");
        const auto doc = jsonOf(response.body);
        BOOST_TEST(stringOf(doc, "issuer") == "https://idp.test");
        BOOST_TEST(stringOf(doc, "token_endpoint") == "https://idp.test/oauth/token");
        BOOST_TEST(stringOf(doc, "end_session_endpoint") == "https://idp.test/oauth/logout");
        BOOST_TEST(memberOf(doc, "authorization_response_iss_parameter_supported").asBool());
        BOOST_TEST(memberOf(doc, "backchannel_logout_supported").asBool());
        BOOST_TEST(!memberOf(doc, "request_parameter_supported").asBool());
    }
}

BOOST_AUTO_TEST_CASE(jwks_publishes_the_three_asymmetric_keys_without_private_parts) {
    for (const std::string path : {"/oauth/jwks", "/api/oauth/jwks"}) {
        const auto response = send("GET", path);
        BOOST_TEST(response.status == 200);
        const auto jwks = jsonOf(response.body);
        const authd::json::Array* keys_array = jwks.array("keys");
        BOOST_REQUIRE(keys_array != nullptr);
        BOOST_TEST(keys_array->size() == 3U);
        std::set<std::string> algs;
        for (const authd::json::Value& item : *keys_array) {
            const authd::json::Object& jwk = item.asObject();
            algs.insert(stringOf(jwk, "alg"));
            BOOST_TEST(!jwk.has("d"));
            BOOST_TEST(!stringOf(jwk, "kid").empty());
        }
        BOOST_TEST((algs == std::set<std::string>{"RS256", "ES256", "EdDSA"}));
    }
}

BOOST_AUTO_TEST_SUITE_END()
