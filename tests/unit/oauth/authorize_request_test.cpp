// SPDX-License-Identifier: Apache-2.0
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "oauth/authorize_request.hpp"

using authd::oauth::AuthorizeFailure;
using authd::oauth::AuthorizeOutcome;
using authd::oauth::AuthorizeRequest;
using authd::oauth::ClientInfo;
using authd::oauth::parseAuthorizeRequest;
using authd::oauth::Prompt;
using authd::sdk::Fields;

namespace {

const std::string kRedirect = "https://app.example/api/auth/callback";
const std::string kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

ClientInfo confidentialClient() {
    ClientInfo client;
    client.project.client_id = "proj_demo";
    client.project.name = "Demo";
    client.project.client_type = "confidential";
    client.project.redirect_uris = {kRedirect, "http://127.0.0.1:3000/cb"};
    client.project.grant_types = {"authorization_code", "refresh_token"};
    client.project.scopes = {"openid", "profile", "email", "offline_access"};
    client.client_secret = std::string(64, 'a');
    return client;
}

ClientInfo publicClient() {
    ClientInfo client = confidentialClient();
    client.project.client_type = "public";
    client.client_secret.clear();
    return client;
}

// A valid request with `extra` appended (names in `drop` left out).
Fields request(std::initializer_list<std::pair<std::string, std::string>> extra = {},
               std::initializer_list<std::string> drop = {}) {
    Fields out;
    const std::pair<std::string, std::string> base[] = {
        {"client_id", "proj_demo"},
        {"redirect_uri", kRedirect},
        {"response_type", "code"},
        {"state", "xyz"},
    };
    for (const auto& [name, value] : base) {
        bool dropped = false;
        for (const auto& d : drop) {
            dropped = dropped || d == name;
        }
        if (!dropped) {
            out.add(name, value);
        }
    }
    for (const auto& [name, value] : extra) {
        out.add(name, value);
    }
    return out;
}

const AuthorizeRequest& accepted(const AuthorizeOutcome& outcome) {
    if (const auto* failure = std::get_if<AuthorizeFailure>(&outcome)) {
        BOOST_FAIL("refused: " + failure->error.code + ": " + failure->error.description);
    }
    return std::get<AuthorizeRequest>(outcome);
}

const AuthorizeFailure& refused(const AuthorizeOutcome& outcome) {
    if (std::holds_alternative<AuthorizeRequest>(outcome)) {
        BOOST_FAIL("accepted a request that should be refused");
    }
    return std::get<AuthorizeFailure>(outcome);
}

// A refusal that must go back to the client, with state.
void expectRedirectError(const Fields& input, const std::string& code,
                         const ClientInfo& client = confidentialClient()) {
    const AuthorizeOutcome outcome = parseAuthorizeRequest(input, client);
    const AuthorizeFailure& failure = refused(outcome);
    BOOST_TEST(failure.error.code == code);
    BOOST_TEST(failure.redirect);
    BOOST_TEST(failure.redirect_uri == kRedirect);
    BOOST_TEST(failure.has_state);
    BOOST_TEST(failure.state == "xyz");
    BOOST_TEST(!failure.error.description.empty());
}

// A refusal that must never redirect.
void expectPageError(const Fields& input) {
    const AuthorizeOutcome outcome = parseAuthorizeRequest(input, confidentialClient());
    const AuthorizeFailure& failure = refused(outcome);
    BOOST_TEST(!failure.redirect);
    BOOST_TEST(failure.redirect_uri.empty());
    BOOST_TEST(!failure.error.description.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authorize_request)

BOOST_AUTO_TEST_CASE(accepts_the_first_seed_request_with_the_default_scope) {
    const auto outcome = parseAuthorizeRequest(
        request({{"code_challenge", kChallenge}, {"code_challenge_method", "S256"}}),
        confidentialClient());
    const AuthorizeRequest& authz = accepted(outcome);
    BOOST_TEST(authz.client_id == "proj_demo");
    BOOST_TEST(authz.redirect_uri == kRedirect);
    BOOST_TEST(authz.scope == "openid profile email");
    BOOST_TEST(authz.has_state);
    BOOST_TEST(authz.state == "xyz");
    BOOST_TEST(authz.code_challenge == kChallenge);
    BOOST_TEST(authz.code_challenge_method == "S256");
    BOOST_TEST(authz.prompt == 0);
    BOOST_TEST(authz.max_age == -1);
}

BOOST_AUTO_TEST_CASE(accepts_the_second_seed_request_without_pkce) {
    const auto outcome = parseAuthorizeRequest(
        request({{"scope", "openid profile email"}, {"nonce", "n-0S6"}}), confidentialClient());
    const AuthorizeRequest& authz = accepted(outcome);
    BOOST_TEST(authz.scope == "openid profile email");
    BOOST_TEST(authz.nonce == "n-0S6");
    BOOST_TEST(authz.code_challenge.empty());
}

BOOST_AUTO_TEST_CASE(default_scope_is_limited_to_the_project_scopes) {
    ClientInfo client = confidentialClient();
    client.project.scopes = {"email", "openid"};
    const AuthorizeRequest& authz = accepted(parseAuthorizeRequest(request(), client));
    BOOST_TEST(authz.scope == "openid email");
    const AuthorizeRequest& blank =
        accepted(parseAuthorizeRequest(request({{"scope", "  "}}), client));
    BOOST_TEST(blank.scope == "openid email");
}

BOOST_AUTO_TEST_CASE(normalizes_duplicate_scopes) {
    const AuthorizeRequest& authz = accepted(
        parseAuthorizeRequest(request({{"scope", "openid  email openid"}}), confidentialClient()));
    BOOST_TEST(authz.scope == "openid email");
}

BOOST_AUTO_TEST_CASE(keeps_optional_oidc_parameters_and_ignores_unknown_ones) {
    const auto outcome =
        parseAuthorizeRequest(request({{"prompt", "login consent"},
                                       {"max_age", "0"},
                                       {"login_hint", "jane@example.com"},
                                       {"display", "popup"},
                                       {"ui_locales", "fr en"},
                                       {"claims_locales", "fr"},
                                       {"acr_values", "1"},
                                       {"claims", R"({"userinfo":{"email":null},"id_token":null})"},
                                       {"id_token_hint", "a.b.c"},
                                       {"response_mode", "query"},
                                       {"something_new", "ignored"}}),
                              confidentialClient());
    const AuthorizeRequest& authz = accepted(outcome);
    BOOST_TEST(authz.hasPrompt(Prompt::login));
    BOOST_TEST(authz.hasPrompt(Prompt::consent));
    BOOST_TEST(!authz.hasPrompt(Prompt::none));
    BOOST_TEST(authz.max_age == 0);
    BOOST_TEST(authz.login_hint == "jane@example.com");
    BOOST_TEST(authz.display == "popup");
    BOOST_TEST(authz.ui_locales == "fr en");
    BOOST_TEST(authz.claims_locales == "fr");
    BOOST_TEST(authz.acr_values == "1");
    BOOST_TEST(authz.claims == R"({"userinfo":{"email":null},"id_token":null})");
    BOOST_TEST(authz.id_token_hint == "a.b.c");
}

BOOST_AUTO_TEST_CASE(accepts_prompt_none_and_select_account) {
    const AuthorizeRequest& none =
        accepted(parseAuthorizeRequest(request({{"prompt", "none"}}), confidentialClient()));
    BOOST_TEST(none.hasPrompt(Prompt::none));
    const AuthorizeRequest& select = accepted(
        parseAuthorizeRequest(request({{"prompt", "select_account"}}), confidentialClient()));
    BOOST_TEST(select.hasPrompt(Prompt::select_account));
}

BOOST_AUTO_TEST_CASE(records_whether_state_was_sent) {
    const AuthorizeRequest& absent =
        accepted(parseAuthorizeRequest(request({}, {"state"}), confidentialClient()));
    BOOST_TEST(!absent.has_state);
    const AuthorizeRequest& empty =
        accepted(parseAuthorizeRequest(request({{"state", ""}}, {"state"}), confidentialClient()));
    BOOST_TEST(empty.has_state);
    BOOST_TEST(empty.state.empty());
}

BOOST_AUTO_TEST_CASE(accepts_a_public_client_with_s256) {
    accepted(parseAuthorizeRequest(
        request({{"code_challenge", kChallenge}, {"code_challenge_method", "S256"}}),
        publicClient()));
}

// --- page errors: never a redirect ------------------------------------------------------

BOOST_AUTO_TEST_CASE(missing_or_repeated_client_id_is_a_page_error) {
    expectPageError(request({}, {"client_id"}));
    expectPageError(request({{"client_id", "proj_demo"}}));
    expectPageError(request({{"client_id", "proj_other"}}, {"client_id"}));
}

BOOST_AUTO_TEST_CASE(missing_or_repeated_redirect_uri_is_a_page_error) {
    expectPageError(request({}, {"redirect_uri"}));
    expectPageError(request({{"redirect_uri", kRedirect}}));
}

BOOST_AUTO_TEST_CASE(unregistered_redirect_uris_are_page_errors) {
    for (const char* uri :
         {"https://app.example/api/auth/callback/", "https://app.example:443/api/auth/callback",
          "https://APP.example/api/auth/callback", "https://app.example/api/auth/callback?x=1",
          "https://app.example/api/auth/callback#f", "http://app.example/api/auth/callback",
          "https://evil.example/api/auth/callback", "http://127.0.0.1:3001/cb"}) {
        BOOST_TEST_CONTEXT(uri) {
            expectPageError(request({{"redirect_uri", uri}}, {"redirect_uri"}));
        }
    }
}

BOOST_AUTO_TEST_CASE(page_errors_win_over_every_other_error) {
    // A bad redirect_uri and a bad response_type: nothing may be sent to that URI.
    expectPageError(request(
        {{"redirect_uri", "https://evil.example/cb"}, {"response_type", "token"}, {"request", "x"}},
        {"redirect_uri", "response_type"}));
}

// --- redirect errors: with state ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(response_type_other_than_code_is_unsupported) {
    for (const char* type : {"token", "id_token", "code id_token", "code token", "CODE"}) {
        BOOST_TEST_CONTEXT(type) {
            expectRedirectError(request({{"response_type", type}}, {"response_type"}),
                                "unsupported_response_type");
        }
    }
    expectRedirectError(request({}, {"response_type"}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(request_objects_are_refused) {
    expectRedirectError(request({{"request", "eyJhbGciOiJub25lIn0.e30."}}),
                        "request_not_supported");
    expectRedirectError(request({{"request_uri", "https://app.example/r/1"}}),
                        "request_uri_not_supported");
}

BOOST_AUTO_TEST_CASE(response_modes_other_than_query_are_refused) {
    expectRedirectError(request({{"response_mode", "fragment"}}), "invalid_request");
    expectRedirectError(request({{"response_mode", "form_post"}}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(client_without_the_code_grant_is_unauthorized) {
    ClientInfo client = confidentialClient();
    client.project.grant_types = {"client_credentials"};
    expectRedirectError(request(), "unauthorized_client", client);
}

BOOST_AUTO_TEST_CASE(scopes_outside_the_project_or_malformed_are_invalid_scope) {
    expectRedirectError(request({{"scope", "openid admin"}}), "invalid_scope");
    expectRedirectError(request({{"scope", "openid \"quoted\""}}), "invalid_scope");
    expectRedirectError(request({{"scope", "openid\\x"}}), "invalid_scope");
}

BOOST_AUTO_TEST_CASE(plain_or_malformed_pkce_is_invalid_request) {
    expectRedirectError(
        request({{"code_challenge", kChallenge}, {"code_challenge_method", "plain"}}),
        "invalid_request");
    expectRedirectError(request({{"code_challenge", kChallenge}}), "invalid_request");
    expectRedirectError(request({{"code_challenge_method", "S256"}}), "invalid_request");
    expectRedirectError(request({{"code_challenge", "short"}, {"code_challenge_method", "S256"}}),
                        "invalid_request");
}

BOOST_AUTO_TEST_CASE(public_client_without_pkce_is_invalid_request) {
    expectRedirectError(request(), "invalid_request", publicClient());
}

BOOST_AUTO_TEST_CASE(bad_prompt_values_are_invalid_request) {
    expectRedirectError(request({{"prompt", "none login"}}), "invalid_request");
    expectRedirectError(request({{"prompt", "consent none"}}), "invalid_request");
    expectRedirectError(request({{"prompt", "create"}}), "invalid_request");
    expectRedirectError(request({{"prompt", "LOGIN"}}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(bad_max_age_is_invalid_request) {
    for (const char* value : {"", "-1", "+5", "1.5", " 1", "1 ", "abc", "99999999999", "0x10"}) {
        BOOST_TEST_CONTEXT("max_age=" << value) {
            expectRedirectError(request({{"max_age", value}}), "invalid_request");
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_display_is_invalid_request) {
    expectRedirectError(request({{"display", "fullscreen"}}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(claims_that_are_not_a_json_object_are_invalid_request) {
    for (const char* value :
         {"{", "[]", "\"text\"", "42", R"({"userinfo":"email"})", R"({"id_token":[1]})"}) {
        BOOST_TEST_CONTEXT(value) {
            expectRedirectError(request({{"claims", value}}), "invalid_request");
        }
    }
    expectRedirectError(request({{"claims", "{\"a\":\"" + std::string(20000, 'x') + "\"}"}}),
                        "invalid_request");
}

BOOST_AUTO_TEST_CASE(repeated_parameters_are_invalid_request) {
    expectRedirectError(request({{"scope", "openid"}, {"scope", "email"}}), "invalid_request");
    expectRedirectError(request({{"response_type", "code"}}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(over_long_values_are_invalid_request) {
    expectRedirectError(request({{"nonce", std::string(5000, 'n')}}), "invalid_request");
    expectRedirectError(request({{"login_hint", std::string(5000, 'h')}}), "invalid_request");
}

BOOST_AUTO_TEST_CASE(errors_without_state_carry_no_state) {
    const auto outcome = parseAuthorizeRequest(
        request({{"response_type", "token"}}, {"state", "response_type"}), confidentialClient());
    const AuthorizeFailure& failure = refused(outcome);
    BOOST_TEST(failure.redirect);
    BOOST_TEST(!failure.has_state);
}

BOOST_AUTO_TEST_SUITE_END()
