// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "oauth/authorize_flow.hpp"
#include "oauth/pages.hpp"
#include "oauth/session.hpp"

using authd::oauth::accessDenialReason;
using authd::oauth::allowedAuthenticatorIds;
using authd::oauth::AuthorizeRequest;
using authd::oauth::chooserPage;
using authd::oauth::consentNeeded;
using authd::oauth::consentPage;
using authd::oauth::ConsentView;
using authd::oauth::decodeSessionRecord;
using authd::oauth::encodeSessionRecord;
using authd::oauth::errorPage;
using authd::oauth::errorRedirectUrl;
using authd::oauth::FormActionPolicy;
using authd::oauth::formActionSourceOf;
using authd::oauth::hiddenField;
using authd::oauth::isOpaqueToken;
using authd::oauth::isPendingId;
using authd::oauth::loginFormPage;
using authd::oauth::mergeScope;
using authd::oauth::pageContentSecurityPolicy;
using authd::oauth::Prompt;
using authd::oauth::reauthenticationRequired;
using authd::oauth::SessionRecord;
using authd::oauth::stylesheet;
using authd::sdk::AccessPolicy;
using authd::sdk::Consent;
using authd::sdk::Project;
using authd::sdk::User;

namespace {

User activeUser() {
    User user;
    user.id = "0b7e7f3e-5d1c-4b57-9d8e-2f5e3c1a9b10";
    user.email = "jane@Example.COM";
    user.email_verified = true;
    user.role = "user";
    user.status = "active";
    return user;
}

AuthorizeRequest requestFor(std::string scope) {
    AuthorizeRequest request;
    request.client_id = "proj_demo";
    request.redirect_uri = "https://app.example/cb";
    request.scope = std::move(scope);
    return request;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(access_policy)

BOOST_AUTO_TEST_CASE(empty_policy_admits_only_active_users) {
    AccessPolicy policy;
    User user = activeUser();
    BOOST_TEST(!accessDenialReason(policy, user, "password").has_value());
    user.status = "suspended";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
    user.status = "disabled";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
}

BOOST_AUTO_TEST_CASE(listed_statuses_replace_the_active_default) {
    AccessPolicy policy;
    policy.statuses = {"active", "invited"};
    User user = activeUser();
    user.status = "invited";
    BOOST_TEST(!accessDenialReason(policy, user, "password").has_value());
    user.status = "suspended";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
}

BOOST_AUTO_TEST_CASE(roles_must_be_listed_when_set) {
    AccessPolicy policy;
    policy.roles = {"admin", "staff"};
    User user = activeUser();
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
    user.role = "staff";
    BOOST_TEST(!accessDenialReason(policy, user, "password").has_value());
}

BOOST_AUTO_TEST_CASE(email_domains_match_exactly_ignoring_case) {
    AccessPolicy policy;
    policy.email_domains = {"example.com"};
    User user = activeUser();  // jane@Example.COM
    BOOST_TEST(!accessDenialReason(policy, user, "password").has_value());
    user.email = "jane@mail.example.com";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
    user.email = "jane@example.com.evil.test";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
    user.email = "no-at-sign";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
    user.email = "\"a@example.com\"@evil.test";
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
}

BOOST_AUTO_TEST_CASE(verified_email_required_when_asked) {
    AccessPolicy policy;
    policy.require_verified_email = true;
    User user = activeUser();
    BOOST_TEST(!accessDenialReason(policy, user, "password").has_value());
    user.email_verified = false;
    BOOST_TEST(accessDenialReason(policy, user, "password").has_value());
}

BOOST_AUTO_TEST_CASE(authenticators_must_be_listed_when_set) {
    AccessPolicy policy;
    policy.authenticators = {"pin"};
    BOOST_TEST(accessDenialReason(policy, activeUser(), "password").has_value());
    BOOST_TEST(!accessDenialReason(policy, activeUser(), "pin").has_value());
}

BOOST_AUTO_TEST_CASE(allowed_authenticators_follow_project_and_policy) {
    const std::vector<std::string> configured = {"password", "pin", "email-link"};
    Project project;
    BOOST_TEST(allowedAuthenticatorIds(configured, project) == configured);
    project.authenticators = {"email-link", "password", "unknown"};
    BOOST_TEST(allowedAuthenticatorIds(configured, project) ==
               (std::vector<std::string>{"password", "email-link"}));
    project.policy.authenticators = {"email-link"};
    BOOST_TEST(allowedAuthenticatorIds(configured, project) ==
               (std::vector<std::string>{"email-link"}));
    project.authenticators.clear();
    project.policy.authenticators = {"pin"};
    BOOST_TEST(allowedAuthenticatorIds(configured, project) == (std::vector<std::string>{"pin"}));
    project.authenticators = {"password"};
    BOOST_TEST(allowedAuthenticatorIds(configured, project).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(consent_rules)

BOOST_AUTO_TEST_CASE(needed_without_a_stored_consent) {
    Project project;
    BOOST_TEST(consentNeeded(project, nullptr, requestFor("openid email")));
}

BOOST_AUTO_TEST_CASE(skipped_when_every_scope_was_granted) {
    Project project;
    Consent consent;
    consent.scope = "openid profile email";
    BOOST_TEST(!consentNeeded(project, &consent, requestFor("openid email")));
    BOOST_TEST(!consentNeeded(project, &consent, requestFor("")));
    BOOST_TEST(consentNeeded(project, &consent, requestFor("openid offline_access")));
}

BOOST_AUTO_TEST_CASE(prompt_consent_asks_again) {
    Project project;
    Consent consent;
    consent.scope = "openid email";
    AuthorizeRequest request = requestFor("openid");
    request.prompt = static_cast<std::uint8_t>(Prompt::consent);
    BOOST_TEST(consentNeeded(project, &consent, request));
}

BOOST_AUTO_TEST_CASE(first_party_projects_never_ask) {
    Project project;
    project.skip_consent = true;
    AuthorizeRequest request = requestFor("openid email");
    BOOST_TEST(!consentNeeded(project, nullptr, request));
    request.prompt = static_cast<std::uint8_t>(Prompt::consent);
    BOOST_TEST(!consentNeeded(project, nullptr, request));
}

BOOST_AUTO_TEST_CASE(merged_scope_keeps_old_grants_first) {
    BOOST_TEST(mergeScope("openid email", "email offline_access") == "openid email offline_access");
    BOOST_TEST(mergeScope("", "openid") == "openid");
    BOOST_TEST(mergeScope("openid", "") == "openid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reauthentication)

BOOST_AUTO_TEST_CASE(plain_request_uses_the_session) {
    BOOST_TEST(!reauthenticationRequired(requestFor("openid"), 1000, 999999));
}

BOOST_AUTO_TEST_CASE(prompt_login_and_select_account_force_it) {
    AuthorizeRequest request = requestFor("openid");
    request.prompt = static_cast<std::uint8_t>(Prompt::login);
    BOOST_TEST(reauthenticationRequired(request, 1000, 1000));
    request.prompt = static_cast<std::uint8_t>(Prompt::select_account);
    BOOST_TEST(reauthenticationRequired(request, 1000, 1000));
}

BOOST_AUTO_TEST_CASE(max_age_zero_forces_it_and_others_compare_auth_time) {
    AuthorizeRequest request = requestFor("openid");
    request.max_age = 0;
    BOOST_TEST(reauthenticationRequired(request, 1000, 1000));
    request.max_age = 60;
    BOOST_TEST(!reauthenticationRequired(request, 1000, 1060));
    BOOST_TEST(reauthenticationRequired(request, 1000, 1061));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(browser_values)

BOOST_AUTO_TEST_CASE(pending_ids_have_one_shape) {
    BOOST_TEST(isPendingId("R2d2C3poR2d2C3po-_d2C3po"));
    BOOST_TEST(!isPendingId(""));
    BOOST_TEST(!isPendingId("R2d2C3poR2d2C3poR2d2C3p"));
    BOOST_TEST(!isPendingId("R2d2C3poR2d2C3poR2d2C3po0"));
    BOOST_TEST(!isPendingId("R2d2C3poR2d2C3po/2d2C3po"));
    BOOST_TEST(!isPendingId("R2d2C3poR2d2C3po%2d2C3po"));
}

BOOST_AUTO_TEST_CASE(cookie_values_have_one_shape) {
    BOOST_TEST(isOpaqueToken("b5Jx3bW0l2m4Ez5oQe9n3xq1r0mZyKjv4uT7sPpLw8A"));
    BOOST_TEST(!isOpaqueToken("b5Jx3bW0l2m4Ez5oQe9n3xq1r0mZyKjv4uT7sPpLw8"));
    BOOST_TEST(!isOpaqueToken("b5Jx3bW0l2m4Ez5oQe9n3xq1r0mZyKjv4uT7sPpLw8A="));
    BOOST_TEST(!isOpaqueToken("b5Jx3bW0l2m4Ez5oQe9n3xq1r0mZyKjv4uT7sPpL;8A"));
    BOOST_TEST(!isOpaqueToken(""));
}

BOOST_AUTO_TEST_CASE(session_record_round_trips) {
    SessionRecord record;
    record.authenticator = "password";
    record.clients = {"proj_a", "proj_\"b\""};
    const SessionRecord back = decodeSessionRecord(encodeSessionRecord(record));
    BOOST_TEST(back.authenticator == "password");
    BOOST_TEST(back.clients == record.clients);
}

BOOST_AUTO_TEST_CASE(malformed_session_record_reads_as_empty) {
    for (const char* text : {"", "nope", "[]", R"({"authenticator":5,"clients":"x"})"}) {
        BOOST_TEST_CONTEXT(text) {
            const SessionRecord back = decodeSessionRecord(text);
            BOOST_TEST(back.authenticator.empty());
            BOOST_TEST(back.clients.empty());
        }
    }
    const SessionRecord mixed =
        decodeSessionRecord(R"({"authenticator":"pin","clients":["a",1,"b"]})");
    BOOST_TEST(mixed.authenticator == "pin");
    BOOST_TEST(mixed.clients == (std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(error_redirect_carries_error_state_and_issuer) {
    const std::string url = errorRedirectUrl("https://id.example", "https://app.example/cb?x=1",
                                             true, "a b&c", {"access_denied", "the user said no"});
    BOOST_TEST(url == "https://app.example/cb?x=1&error=access_denied&error_description=the%20"
                      "user%20said%20no&state=a%20b%26c&iss=https%3A%2F%2Fid.example");
    const std::string no_state = errorRedirectUrl("https://id.example", "https://app.example/cb",
                                                  false, "", {"login_required", ""});
    BOOST_TEST(no_state ==
               "https://app.example/cb?error=login_required&iss=https%3A%2F%2Fid.example");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pages)

BOOST_AUTO_TEST_CASE(form_action_source_is_the_redirect_origin) {
    BOOST_TEST(formActionSourceOf("https://app.example:8443/cb?x=1") == "https://app.example:8443");
    BOOST_TEST(formActionSourceOf("http://127.0.0.1:3000/api/auth/callback") ==
               "http://127.0.0.1:3000");
    BOOST_TEST(formActionSourceOf("http://[::1]:3000/cb") == "http://[::1]:3000");
    BOOST_TEST(formActionSourceOf("https://user@app.example/cb") == "https://app.example");
    BOOST_TEST(formActionSourceOf("com.example.app:/oauth2redirect") == "com.example.app:");
    BOOST_TEST(formActionSourceOf("https://app.example;script-src/cb").empty());
    BOOST_TEST(formActionSourceOf("https://a b/cb").empty());
    BOOST_TEST(formActionSourceOf("https:///cb").empty());
    BOOST_TEST(formActionSourceOf("no-scheme").empty());
}

BOOST_AUTO_TEST_CASE(csp_forbids_framing_and_scripts_from_elsewhere) {
    FormActionPolicy policy;
    policy.extra_source = "https://app.example";
    const std::string csp = pageContentSecurityPolicy(policy);
    BOOST_TEST(csp.find("default-src 'self'") != std::string::npos);
    BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos);
    BOOST_TEST(csp.find("form-action 'self' https://app.example") != std::string::npos);
    policy.restrict = false;
    BOOST_TEST(pageContentSecurityPolicy(policy).find("form-action") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(pages_send_security_headers_and_escape_text) {
    const authd::http::Response page =
        errorPage(400, "Bad <thing>", "x\"'<script>alert(1)</script>");
    BOOST_TEST(page.status == 400);
    BOOST_TEST(page.headers.get("Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(page.headers.get("X-Frame-Options") == "DENY");
    BOOST_TEST(page.headers.get("Cache-Control") == "no-store");
    BOOST_TEST(page.headers.get("Content-Security-Policy").find("frame-ancestors 'none'") !=
               std::string::npos);
    BOOST_TEST(page.body.find("<script>") == std::string::npos);
    BOOST_TEST(page.body.find("&lt;script&gt;") != std::string::npos);
    BOOST_TEST(page.body.find("<html lang=\"en\">") != std::string::npos);
    BOOST_TEST(page.body.find("name=\"viewport\"") != std::string::npos);
    BOOST_TEST(page.body.find("href=\"/static/authd.css\"") != std::string::npos);
    BOOST_TEST(page.body.find("style=") == std::string::npos);
    BOOST_TEST(page.body.find("<script") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(consent_page_posts_a_decision_with_hidden_fields) {
    ConsentView view;
    view.project_name = "Acme <Notes>";
    view.user_label = "jane@example.com";
    view.scopes = {"openid", "email", "files.read"};
    view.action_url = "/oauth/consent";
    view.hidden_html = hiddenField("csrf_token", "t\"ok") + hiddenField("req", "r1");
    view.form_action_source = "https://app.example";
    const authd::http::Response page = consentPage(view);
    BOOST_TEST(page.body.find("<title>Allow Acme &lt;Notes&gt; to access your account?</title>") !=
               std::string::npos);
    BOOST_TEST(page.body.find("action=\"/oauth/consent\"") != std::string::npos);
    BOOST_TEST(page.body.find("name=\"decision\" value=\"allow\"") != std::string::npos);
    BOOST_TEST(page.body.find("name=\"decision\" value=\"deny\"") != std::string::npos);
    BOOST_TEST(page.body.find("value=\"t&quot;ok\"") != std::string::npos);
    BOOST_TEST(page.body.find("See your email address") != std::string::npos);
    BOOST_TEST(page.body.find("files.read") != std::string::npos);
    BOOST_TEST(page.headers.get("Content-Security-Policy")
                   .find("form-action 'self' https://app.example") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(login_pages_are_titled_for_the_project) {
    const authd::http::Response page = loginFormPage("Acme", 200, "<form></form>", "/login?req=x");
    BOOST_TEST(page.body.find("<title>Sign in to Acme</title>") != std::string::npos);
    BOOST_TEST(page.body.find("Choose another way to sign in") != std::string::npos);
    const authd::http::Response chooser =
        chooserPage("Acme", {{"Password", "/login/password?req=x"}, {"PIN", "/login/pin?req=x"}});
    BOOST_TEST(chooser.body.find("href=\"/login/pin?req=x\"") != std::string::npos);
    BOOST_TEST(chooser.body.find(">PIN</a>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stylesheet_styles_the_plugin_classes) {
    const std::string css(stylesheet());
    for (const char* selector : {".login-form", ".field", ".alert", ".actions", ".button",
                                 ".primary", ":focus-visible", "@media (max-width"}) {
        BOOST_TEST_CONTEXT(selector) {
            BOOST_TEST(css.find(selector) != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
