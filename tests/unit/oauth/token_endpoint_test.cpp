// SPDX-License-Identifier: Apache-2.0
// The token endpoint dispatched in process over an in-memory store: every grant, every error
// of RFC 6749 5.2 that the endpoint produces, and the state it leaves behind.
#include <boost/test/unit_test.hpp>

#include "http/form.hpp"
#include "provider_fixture.hpp"

using authd::oauth::test::ProviderFixture;
using authd::oauth::test::integerOf;
using authd::oauth::test::jsonOf;
using authd::oauth::test::payloadOf;
using authd::oauth::test::stringOf;
namespace crypto = authd::crypto;
namespace http = authd::http;
namespace sdk = authd::sdk;

namespace {

struct TokenFixture : ProviderFixture {
    Secrets app = addProject("proj_app");
    Secrets other = addProject("proj_other");
    sdk::User user = addUser("jane@example.com");

    std::string secretPost(const Secrets& s) {
        return "client_id=" + s.client_id + "&client_secret=" + s.client_secret;
    }

    http::Response exchange(const Secrets& s, const std::string& code,
                            const std::string& extra = {}) {
        return postForm("/oauth/token", "grant_type=authorization_code&code=" + code +
                                            "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&" +
                                            secretPost(s) + extra);
    }

    http::Response refresh(const Secrets& s, const std::string& token,
                           const std::string& extra = {}) {
        return postForm("/oauth/token",
                        "grant_type=refresh_token&refresh_token=" + token + "&" + secretPost(s) + extra);
    }

    // A successful code exchange's JSON body.
    authd::json::Object tokensFor(const Secrets& s, const std::string& code) {
        const auto response = exchange(s, code);
        BOOST_REQUIRE_MESSAGE(response.status == 200, response.body);
        return jsonOf(response.body);
    }

    bool audited(const std::string& type) {
        audit.flush();
        sdk::AuditQuery query;
        query.type = type;
        return !store.audit().list(query).value().items.empty();
    }
};

std::string errorOf(const http::Response& response) {
    return stringOf(jsonOf(response.body), "error");
}

void checkNoStore(const http::Response& response) {
    BOOST_TEST(response.headers.get("Cache-Control") == "no-store");
    BOOST_TEST(response.headers.get("Pragma") == "no-cache");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_endpoint, TokenFixture)

BOOST_AUTO_TEST_CASE(code_exchange_issues_access_id_and_refresh_tokens) {
    const std::string code = addCode("proj_app", user.id);
    const auto response = exchange(app, code);
    BOOST_TEST(response.status == 200);
    checkNoStore(response);
    BOOST_TEST(response.headers.get("Content-Type") == "application/json");
    const auto body = jsonOf(response.body);
    BOOST_TEST(stringOf(body, "token_type") == "Bearer");
    BOOST_TEST(stringOf(body, "scope") == "openid profile email");
    BOOST_TEST(integerOf(body, "expires_in") == 300);
    const auto id_claims = payloadOf(stringOf(body, "id_token"));
    BOOST_TEST(stringOf(id_claims, "nonce") == "n-0S6_WzA2Mj");
    const auto access_claims = payloadOf(stringOf(body, "access_token"));
    BOOST_TEST(stringOf(access_claims, "sub") == user.id);

    // The refresh family remembers the code it came from, and the access token names it.
    const std::string refresh_token = stringOf(body, "refresh_token");
    const auto [token, family] = store.refresh().find(crypto::sha256Hex(refresh_token)).value();
    BOOST_TEST(family.origin_code_hash == crypto::sha256Hex(code));
    BOOST_TEST(family.client_id == "proj_app");
    BOOST_TEST(family.scope == "openid profile email");
    BOOST_TEST(family.expires_at - family.created_at == config.tokens.refresh_ttl);
    BOOST_TEST(stringOf(access_claims, "fid") == family.id);
    BOOST_TEST(audited("token.issued"));
    BOOST_TEST(!logger.mentions(refresh_token));
    BOOST_TEST(!logger.mentions(code));
}

BOOST_AUTO_TEST_CASE(json_bodies_work_like_forms) {
    const std::string code = addCode("proj_app", user.id);
    const auto response = postJson(
        "/api/oauth/token",
        R"({"grant_type":"authorization_code","code":")" + code +
            R"(","redirect_uri":"https://app.test/cb","client_id":"proj_app","client_secret":")" +
            app.client_secret + R"(","code_verifier":null})");
    BOOST_TEST(response.status == 200);
    BOOST_TEST(jsonOf(response.body).has("access_token"));
}

BOOST_AUTO_TEST_CASE(pin_sign_in_gets_the_longer_refresh_lifetime) {
    const auto body = tokensFor(app, addCode("proj_app", user.id, {}, {"pin"}));
    const auto family =
        store.refresh().find(crypto::sha256Hex(stringOf(body, "refresh_token"))).value().second;
    BOOST_TEST(family.expires_at - family.created_at == config.tokens.pin_refresh_ttl);
}

BOOST_AUTO_TEST_CASE(project_without_refresh_grant_gets_no_refresh_token) {
    Secrets no_refresh = addProject("proj_norefresh", "confidential", [](sdk::Project& p, Secrets&) {
        p.grant_types = {"authorization_code"};
    });
    const auto body = tokensFor(no_refresh, addCode("proj_norefresh", user.id));
    BOOST_TEST(!body.has("refresh_token"));
    BOOST_TEST(!payloadOf(stringOf(body, "access_token")).has("fid"));
    BOOST_TEST(errorOf(refresh(no_refresh, "whatever")) == "unauthorized_client");
}

BOOST_AUTO_TEST_CASE(replayed_code_fails_and_revokes_what_it_issued) {
    const std::string code = addCode("proj_app", user.id);
    const auto first = tokensFor(app, code);
    const auto replay = exchange(app, code);
    BOOST_TEST(replay.status == 400);
    BOOST_TEST(errorOf(replay) == "invalid_grant");
    checkNoStore(replay);
    BOOST_TEST(audited("token.code_replay"));
    // The refresh token and the access token from the first exchange are dead.
    BOOST_TEST(errorOf(refresh(app, stringOf(first, "refresh_token"))) == "invalid_grant");
    const auto userinfo = send("GET", "/oauth/userinfo", {}, {},
                               {bearer(stringOf(first, "access_token"))});
    BOOST_TEST(userinfo.status == 401);
}

BOOST_AUTO_TEST_CASE(code_is_bound_to_client_and_redirect_uri) {
    const std::string code = addCode("proj_app", user.id);
    BOOST_TEST(errorOf(exchange(other, code)) == "invalid_grant");

    const std::string code2 = addCode("proj_app", user.id);
    const auto wrong_uri = postForm("/oauth/token", "grant_type=authorization_code&code=" + code2 +
                                                        "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb%2F&" +
                                                        secretPost(app));
    BOOST_TEST(errorOf(wrong_uri) == "invalid_grant");
    const auto no_uri = postForm("/oauth/token", "grant_type=authorization_code&code=" +
                                                     addCode("proj_app", user.id) + "&" + secretPost(app));
    BOOST_TEST(errorOf(no_uri) == "invalid_request");
    BOOST_TEST(errorOf(postForm("/oauth/token", "grant_type=authorization_code&" + secretPost(app))) ==
               "invalid_request");
}

BOOST_AUTO_TEST_CASE(unknown_and_expired_codes_are_invalid_grant) {
    BOOST_TEST(errorOf(exchange(app, "no-such-code")) == "invalid_grant");
    const std::string expired = addCode("proj_app", user.id, {}, {"pwd"}, -1);
    BOOST_TEST(errorOf(exchange(app, expired)) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(pkce_verifier_must_match_the_challenge) {
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";  // RFC 7636 B
    BOOST_TEST(errorOf(exchange(app, addCode("proj_app", user.id, challenge))) == "invalid_grant");
    BOOST_TEST(errorOf(exchange(app, addCode("proj_app", user.id, challenge),
                                "&code_verifier=" + std::string(43, 'a'))) == "invalid_grant");
    BOOST_TEST(exchange(app, addCode("proj_app", user.id, challenge), "&code_verifier=" + verifier)
                   .status == 200);
    // A verifier without a stored challenge is refused too (a downgrade attempt).
    BOOST_TEST(errorOf(exchange(app, addCode("proj_app", user.id), "&code_verifier=" + verifier)) ==
               "invalid_grant");
}

BOOST_AUTO_TEST_CASE(public_clients_authenticate_with_client_id_and_need_pkce) {
    addProject("proj_spa", "public");
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const auto base = [&](const std::string& code) {
        return "grant_type=authorization_code&code=" + code +
               "&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&client_id=proj_spa";
    };
    const auto ok =
        postForm("/oauth/token", base(addCode("proj_spa", user.id, challenge)) + "&code_verifier=" + verifier);
    BOOST_TEST(ok.status == 200);
    // The ID token of a client without a secret is RS256.
    BOOST_TEST(stringOf(authd::oauth::test::headerOf(stringOf(jsonOf(ok.body), "id_token")), "alg") ==
               "RS256");
    BOOST_TEST(errorOf(postForm("/oauth/token", base(addCode("proj_spa", user.id)))) ==
               "invalid_grant");
    BOOST_TEST(errorOf(postForm("/oauth/token",
                                "grant_type=client_credentials&client_id=proj_spa")) ==
               "unauthorized_client");
}

BOOST_AUTO_TEST_CASE(suspended_or_deleted_user_gets_no_tokens) {
    const sdk::User suspended = addUser("sus@example.com", "suspended");
    BOOST_TEST(errorOf(exchange(app, addCode("proj_app", suspended.id))) == "invalid_grant");
    BOOST_TEST(errorOf(exchange(app, addCode("proj_app", "00000000-0000-4000-8000-000000000000"))) ==
               "invalid_grant");
}

BOOST_AUTO_TEST_CASE(refresh_rotates_and_a_duplicate_inside_the_grace_gets_the_same_successor) {
    const auto first = tokensFor(app, addCode("proj_app", user.id));
    const std::string old_token = stringOf(first, "refresh_token");
    const auto rotated = refresh(app, old_token);
    BOOST_TEST(rotated.status == 200);
    checkNoStore(rotated);
    const auto body = jsonOf(rotated.body);
    const std::string successor = stringOf(body, "refresh_token");
    BOOST_TEST(successor != old_token);
    BOOST_TEST(successor == issuer.successorOf(old_token));
    BOOST_TEST(body.has("id_token"));
    BOOST_TEST(!payloadOf(stringOf(body, "id_token")).has("nonce"));

    // A client that lost the response retries: same successor, nothing revoked.
    const auto retry = refresh(app, old_token);
    BOOST_TEST(retry.status == 200);
    BOOST_TEST(stringOf(jsonOf(retry.body), "refresh_token") == successor);
    BOOST_TEST(refresh(app, successor).status == 200);
}

BOOST_AUTO_TEST_CASE(rotated_out_token_after_the_grace_revokes_the_family) {
    const auto first = tokensFor(app, addCode("proj_app", user.id));
    const std::string old_token = stringOf(first, "refresh_token");
    // Rotate it as if it happened long ago, outside the grace window.
    const auto [token, family] = store.refresh().find(crypto::sha256Hex(old_token)).value();
    sdk::RefreshToken next;
    next.token_hash = crypto::sha256Hex(issuer.successorOf(old_token));
    next.family_id = family.id;
    next.created_at = context.now() - 100;
    next.expires_at = family.expires_at;
    BOOST_TEST((store.refresh().rotate(token.token_hash, family.client_id, next,
                                       context.now() - 100, 10).value().status ==
                sdk::RotateStatus::rotated));

    const auto reuse = refresh(app, old_token);
    BOOST_TEST(errorOf(reuse) == "invalid_grant");
    BOOST_TEST(audited("token.refresh_reuse"));
    BOOST_TEST(store.refresh().getFamily(family.id).value().revoked_at != 0);
    BOOST_TEST(errorOf(refresh(app, issuer.successorOf(old_token))) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(refresh_token_of_another_client_is_refused_without_rotating) {
    const auto first = tokensFor(app, addCode("proj_app", user.id));
    const std::string token = stringOf(first, "refresh_token");
    BOOST_TEST(errorOf(refresh(other, token)) == "invalid_grant");
    const auto found = store.refresh().find(crypto::sha256Hex(token)).value();
    BOOST_TEST(found.first.rotated_at == 0);
    BOOST_TEST(refresh(app, token).status == 200);
}

BOOST_AUTO_TEST_CASE(refresh_scope_may_narrow_but_never_widen) {
    const auto first = tokensFor(app, addCode("proj_app", user.id));
    const std::string token = stringOf(first, "refresh_token");
    const auto wider = refresh(app, token, "&scope=openid%20email%20api.read");
    BOOST_TEST(errorOf(wider) == "invalid_scope");
    // The refused request did not consume the token.
    const auto narrower = refresh(app, token, "&scope=email");
    BOOST_TEST(narrower.status == 200);
    const auto body = jsonOf(narrower.body);
    BOOST_TEST(stringOf(body, "scope") == "email");
    BOOST_TEST(!body.has("id_token"));
    BOOST_TEST(stringOf(payloadOf(stringOf(body, "access_token")), "scope") == "email");
    // The grant keeps its scope: the next refresh without `scope` gets all of it back.
    const auto full = refresh(app, stringOf(body, "refresh_token"));
    BOOST_TEST(stringOf(jsonOf(full.body), "scope") == "openid profile email");
}

BOOST_AUTO_TEST_CASE(refresh_rechecks_user_status_and_revokes_the_family) {
    const auto first = tokensFor(app, addCode("proj_app", user.id));
    sdk::User changed = user;
    changed.status = "suspended";
    (void)store.users().update(changed).value();
    const std::string token = stringOf(first, "refresh_token");
    BOOST_TEST(errorOf(refresh(app, token)) == "invalid_grant");
    const auto family = store.refresh().find(crypto::sha256Hex(token)).value().second;
    BOOST_TEST(family.revoked_at != 0);
}

BOOST_AUTO_TEST_CASE(refresh_rechecks_the_project_access_policy) {
    Secrets staff = addProject("proj_staff");
    const auto first = tokensFor(staff, addCode("proj_staff", user.id));
    sdk::Project project = store.projects().get("proj_staff").value();
    project.policy.roles = {"staff"};
    (void)store.projects().update(project).value();
    clients.invalidate("proj_staff");
    BOOST_TEST(errorOf(refresh(staff, stringOf(first, "refresh_token"))) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(client_credentials_issues_a_machine_token) {
    const auto response = postForm("/oauth/token", "grant_type=client_credentials",
                                   {basic(app.client_id, app.client_secret)});
    BOOST_TEST(response.status == 200);
    checkNoStore(response);
    const auto body = jsonOf(response.body);
    BOOST_TEST(!body.has("refresh_token"));
    BOOST_TEST(!body.has("id_token"));
    BOOST_TEST(stringOf(body, "scope") == "profile email api.read");
    BOOST_TEST(stringOf(payloadOf(stringOf(body, "access_token")), "sub") == "proj_app");

    const auto narrowed = postForm("/oauth/token", "grant_type=client_credentials&scope=api.read",
                                   {basic(app.client_id, app.client_secret)});
    BOOST_TEST(stringOf(jsonOf(narrowed.body), "scope") == "api.read");
    BOOST_TEST(errorOf(postForm("/oauth/token", "grant_type=client_credentials&scope=openid",
                                {basic(app.client_id, app.client_secret)})) == "invalid_scope");
    BOOST_TEST(errorOf(postForm("/oauth/token", "grant_type=client_credentials&scope=admin",
                                {basic(app.client_id, app.client_secret)})) == "invalid_scope");
}

BOOST_AUTO_TEST_CASE(grant_not_allowed_for_the_project_is_unauthorized_client) {
    Secrets code_only = addProject("proj_codeonly", "confidential", [](sdk::Project& p, Secrets&) {
        p.grant_types = {"authorization_code", "refresh_token"};
    });
    const auto response =
        postForm("/oauth/token", "grant_type=client_credentials&" + secretPost(code_only));
    BOOST_TEST(response.status == 400);
    BOOST_TEST(errorOf(response) == "unauthorized_client");
}

BOOST_AUTO_TEST_CASE(invalid_client_is_401_with_a_basic_challenge) {
    const auto bad_secret =
        postForm("/oauth/token", "grant_type=client_credentials&client_id=proj_app&client_secret=x");
    BOOST_TEST(bad_secret.status == 401);
    BOOST_TEST(errorOf(bad_secret) == "invalid_client");
    BOOST_TEST(bad_secret.headers.get("WWW-Authenticate") == "Basic realm=\"authd\"");
    checkNoStore(bad_secret);
    const auto unknown = postForm("/oauth/token", "grant_type=client_credentials",
                                  {basic("proj_nobody", "secret")});
    BOOST_TEST(unknown.status == 401);
    BOOST_TEST(!logger.mentions(app.client_secret));
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_invalid_request_with_a_reason) {
    const auto check = [&](const http::Response& response, const std::string& code) {
        BOOST_TEST(response.status == 400);
        BOOST_TEST(errorOf(response) == code);
        BOOST_TEST(!stringOf(jsonOf(response.body), "error_description").empty());
        checkNoStore(response);
    };
    check(postForm("/oauth/token", secretPost(app)), "invalid_request");
    check(postForm("/oauth/token", "grant_type=&" + secretPost(app)), "invalid_request");
    check(postForm("/oauth/token", "grant_type=password&" + secretPost(app)),
          "unsupported_grant_type");
    check(postForm("/oauth/token", "grant_type=client_credentials&grant_type=client_credentials&" +
                                       secretPost(app)),
          "invalid_request");
    check(postJson("/oauth/token", "{\"grant_type\":"), "invalid_request");
    check(postJson("/oauth/token", "[\"grant_type\"]"), "invalid_request");
    check(postJson("/oauth/token", R"({"grant_type":"client_credentials","client_id":7})"),
          "invalid_request");
    check(send("POST", "/oauth/token", "grant_type=client_credentials", "text/plain"),
          "invalid_request");
    check(postForm("/oauth/token", "grant_type=client_credentials&" + secretPost(app),
                   {basic(app.client_id, app.client_secret)}),
          "invalid_request");
    check(postForm("/oauth/token", "grant_type=refresh_token&" + secretPost(app)),
          "invalid_request");
}

BOOST_AUTO_TEST_CASE(only_post_is_served) {
    BOOST_TEST(send("GET", "/oauth/token").status == 405);
}

BOOST_AUTO_TEST_SUITE_END()
