// SPDX-License-Identifier: Apache-2.0
// The browser endpoints (authorize, login, consent, logout) over the in-memory provider, with
// fake authenticators that can answer every kind of verdict and a callback link: the paths the
// end-to-end test cannot reach with the shipped password plugin alone (callbacks, verdict pages
// and redirects, plugin errors, per-project methods, access policies on single sign-on).
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "http/cookies.hpp"
#include "http/form.hpp"
#include "oauth/pages.hpp"
#include "oauth/session.hpp"
#include "provider_fixture.hpp"

namespace {

using authd::http::Response;
using authd::oauth::test::ProviderFixture;
namespace sdk = authd::sdk;

const std::string kRedirect = "https://app.test/cb";

// Answers by the submitted `code`: a known code signs its user in; "page", "redirect" and
// "error" produce those verdicts; anything else fails. Callback links map a sub path to a
// (user, pending id) pair, like an emailed magic link.
class FakeAuthenticator final : public sdk::Authenticator {
  public:
    explicit FakeAuthenticator(std::string label) : label_(std::move(label)) {}

    std::string displayName() const override { return label_; }

    sdk::Result<sdk::Page> render(const sdk::LoginStep& step) override {
        sdk::Page page;
        page.body_html = "<form class=\"login-form\" method=\"post\" action=\"" +
                         sdk::escapeHtml(step.action_url) + "\">" + step.hidden_fields_html;
        if (!step.error.empty()) {
            page.body_html +=
                "<p class=\"alert\" role=\"alert\">" + sdk::escapeHtml(step.error) + "</p>";
        }
        page.body_html += "<div class=\"field\"><label for=\"c\">Code</label><input id=\"c\" "
                          "name=\"code\"></div></form>";
        return page;
    }

    sdk::Result<sdk::Verdict> submit(const sdk::LoginStep& step, const sdk::Fields& form) override {
        (void)step;
        const std::string code = form.get("code");
        if (code == "page") {
            sdk::Verdict verdict;
            verdict.kind = sdk::Verdict::Kind::page;
            verdict.page.status = 202;
            verdict.page.body_html = "<p class=\"notice\">Check your email</p>";
            return verdict;
        }
        if (code == "redirect") {
            sdk::Verdict verdict;
            verdict.kind = sdk::Verdict::Kind::redirect;
            verdict.redirect_url = "https://upstream.test/authorize?x=1";
            return verdict;
        }
        if (code == "error") {
            return sdk::makeError(sdk::ErrorCode::unavailable, "upstream down");
        }
        if (const auto found = users.find(code); found != users.end()) {
            return sdk::Verdict::succeeded(found->second, {"otp"});
        }
        return sdk::Verdict::failed("Wrong code.");
    }

    sdk::Result<sdk::Verdict> callback(const sdk::LoginStep& step) override {
        last_callback_pending = step.pending_id;
        const auto found = links.find(step.sub_path);
        if (found == links.end()) {
            return sdk::Verdict::failed("This link is not valid.");
        }
        sdk::Verdict verdict = sdk::Verdict::succeeded(found->second.first, {"email"});
        verdict.pending_id = found->second.second;
        return verdict;
    }

    std::map<std::string, std::string> users;                          // code -> user id
    std::map<std::string, std::pair<std::string, std::string>> links;  // sub path -> user, pending
    std::string last_callback_pending;

  private:
    std::string label_;
};

// A browser: cookies in, cookies out.
struct Jar {
    std::map<std::string, std::string> cookies;
};

struct BrowserFixture : ProviderFixture {
    FakeAuthenticator* fake = nullptr;
    FakeAuthenticator* other = nullptr;
    authd::http::Router pages;
    sdk::User user;

    BrowserFixture() {
        auto first = std::make_unique<FakeAuthenticator>("Code");
        auto second = std::make_unique<FakeAuthenticator>("Other code");
        fake = first.get();
        other = second.get();
        authenticators.push_back({"fake", "fake", std::move(first)});
        authenticators.push_back({"other", "fake", std::move(second)});
        authd::oauth::addAuthorizeRoutes(pages, context);
        authd::oauth::addLoginRoutes(pages, context);
        authd::oauth::addLogoutRoutes(pages, context);
        authd::oauth::addStaticRoutes(pages, context);
        pages.freeze();
        user = addUser("jane@example.test");
        fake->users["ok"] = user.id;
        other->users["ok"] = user.id;
    }

    Response browse(Jar& jar, const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& form = {}) {
        authd::http::Request request;
        request.method = method;
        const auto question = target.find('?');
        request.path = target.substr(0, question);
        if (question != std::string::npos) {
            request.raw_query = target.substr(question + 1);
            request.query = authd::http::parseForm(request.raw_query).value();
        }
        request.client_address = "192.0.2.7";
        std::string cookie_header;
        for (const auto& [name, value] : jar.cookies) {
            cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + value;
        }
        if (!cookie_header.empty()) {
            request.headers.add("Cookie", cookie_header);
            request.cookies = authd::http::parseCookies(cookie_header);
        }
        if (method == "POST") {
            std::string body;
            for (const auto& [name, value] : form) {
                body += (body.empty() ? "" : "&") + authd::http::percentEncode(name) + "=" +
                        authd::http::percentEncode(value);
            }
            request.body = body;
            request.headers.add("Content-Type", "application/x-www-form-urlencoded");
            request.form = authd::http::parseForm(body).value();
            request.has_form = true;
        }
        Response response = pages.dispatch(request);
        for (const auto& [name, value] : response.headers.fields()) {
            if (name != "Set-Cookie") {
                continue;
            }
            const std::string pair = value.substr(0, value.find(';'));
            const auto eq = pair.find('=');
            const std::string cookie = pair.substr(0, eq);
            const std::string cookie_value = pair.substr(eq + 1);
            if (value.find("Max-Age=0") != std::string::npos || cookie_value.empty()) {
                jar.cookies.erase(cookie);
            } else {
                jar.cookies[cookie] = cookie_value;
            }
        }
        return response;
    }

    static std::string authorizeTarget(const std::string& client_id,
                                       const std::string& extra = "") {
        return "/oauth/authorize?client_id=" + client_id +
               "&redirect_uri=" + authd::http::percentEncode(kRedirect) +
               "&response_type=code&state=s" + extra;
    }

    // GET /oauth/authorize that must go to /login; returns the pending id.
    std::string startSignIn(Jar& jar, const std::string& client_id, const std::string& extra = "") {
        const Response start = browse(jar, "GET", authorizeTarget(client_id, extra));
        BOOST_TEST_REQUIRE(start.status == 302);
        const std::string location = start.headers.get("Location");
        BOOST_TEST_REQUIRE(location.rfind("/login?req=", 0) == 0U, location);
        return location.substr(std::string("/login?req=").size());
    }

    // Submits `code` to a method's form for pending `req` (fetching the form for its CSRF token).
    Response submitCode(Jar& jar, const std::string& method_id, const std::string& req,
                        const std::string& code) {
        const Response form = browse(jar, "GET", "/login/" + method_id + "?req=" + req);
        BOOST_TEST_REQUIRE(form.status == 200, form.body);
        return browse(
            jar, "POST", "/login/" + method_id,
            {{"csrf_token", hidden(form.body, "csrf_token")}, {"req", req}, {"code", code}});
    }

    static std::string hidden(const std::string& html, const std::string& name) {
        const std::regex pattern("name=\"" + name + "\" value=\"([^\"]*)\"");
        std::smatch match;
        return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
    }

    // The client callback's query parameters (fails when the response goes elsewhere).
    static std::map<std::string, std::string> callbackOf(const Response& response) {
        BOOST_TEST_REQUIRE((response.status == 302 || response.status == 303), response.body);
        const std::string location = response.headers.get("Location");
        BOOST_TEST_REQUIRE(location.rfind(kRedirect + "?", 0) == 0U, location);
        std::map<std::string, std::string> out;
        const sdk::Fields query =
            authd::http::parseForm(location.substr(kRedirect.size() + 1)).value();
        for (const auto& [name, value] : query.pairs()) {
            out.emplace(name, value);
        }
        return out;
    }

    void skipConsent(
        const std::string& client_id,
        const std::function<void(sdk::Project&)>& edit = [](sdk::Project&) {}) {
        addProject(client_id, "confidential", [&](sdk::Project& project, Secrets&) {
            project.skip_consent = true;
            edit(project);
        });
    }
};

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(browser_handlers, BrowserFixture)

BOOST_AUTO_TEST_CASE(callback_link_finishes_the_sign_in_of_this_browser) {
    skipConsent("proj_link");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_link");
    fake->links["link/T1"] = {user.id, req};
    const Response done = browse(browser, "GET", "/login/fake/link/T1");
    const auto callback = callbackOf(done);
    BOOST_TEST(done.status == 302);
    BOOST_TEST(callback.at("state") == "s");
    BOOST_TEST(callback.at("iss") == "https://idp.test");
    bool secure_session_cookie = false;
    for (const auto& [name, value] : done.headers.fields()) {
        if (name == "Set-Cookie" && value.rfind("authd_session=", 0) == 0) {
            secure_session_cookie = contains(value, "Secure") && contains(value, "HttpOnly") &&
                                    contains(value, "SameSite=Lax");
        }
    }
    BOOST_TEST(secure_session_cookie);
    auto code = store.codes().consume(authd::crypto::sha256Hex(callback.at("code")), context.now());
    BOOST_TEST_REQUIRE(code.has_value());
    BOOST_TEST(code->user_id == user.id);
    BOOST_TEST(code->client_id == "proj_link");
    BOOST_TEST(code->redirect_uri == kRedirect);
    BOOST_TEST(code->amr == std::vector<std::string>{"email"});
    BOOST_TEST(!code->session_id.empty());
}

BOOST_AUTO_TEST_CASE(callback_link_opened_in_another_browser_is_refused) {
    skipConsent("proj_link2");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_link2");
    fake->links["link/T2"] = {user.id, req};
    Jar phone;
    const Response refused = browse(phone, "GET", "/login/fake/link/T2");
    BOOST_TEST(refused.status == 403);
    BOOST_TEST(contains(refused.body, "another browser"));
    BOOST_TEST(phone.cookies.count("authd_session") == 0U);
}

BOOST_AUTO_TEST_CASE(callback_failure_without_a_sign_in_shows_the_message) {
    Jar browser;
    const Response page = browse(browser, "GET", "/login/fake/link/unknown");
    BOOST_TEST(page.status == 400);
    BOOST_TEST(contains(page.body, "This link is not valid."));
}

BOOST_AUTO_TEST_CASE(callback_sees_only_this_browsers_pending_request) {
    addProject("proj_seen");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_seen");
    (void)browse(browser, "GET", "/login/fake/link/none?req=" + req);
    BOOST_TEST(fake->last_callback_pending == req);
    Jar stranger;
    (void)browse(stranger, "GET", "/login/fake/link/none?req=" + req);
    BOOST_TEST(fake->last_callback_pending.empty());
}

BOOST_AUTO_TEST_CASE(unknown_callback_method_is_404) {
    Jar browser;
    BOOST_TEST(browse(browser, "GET", "/login/nope/link/x").status == 404);
}

BOOST_AUTO_TEST_CASE(verdicts_page_redirect_failure_and_error) {
    addProject("proj_verdicts");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_verdicts");

    const Response page = submitCode(browser, "fake", req, "page");
    BOOST_TEST(page.status == 202);
    BOOST_TEST(contains(page.body, "Check your email"));
    BOOST_TEST(contains(page.body, "<html lang=\"en\">"));

    const Response redirect = submitCode(browser, "fake", req, "redirect");
    BOOST_TEST(redirect.status == 303);
    BOOST_TEST(redirect.headers.get("Location") == "https://upstream.test/authorize?x=1");

    const Response failure = submitCode(browser, "fake", req, "nope");
    BOOST_TEST(failure.status == 200);
    BOOST_TEST(contains(failure.body, "role=\"alert\">Wrong code.</p>"));
    BOOST_TEST(contains(failure.body, "action=\"/login/fake\""));

    const Response error = submitCode(browser, "fake", req, "error");
    BOOST_TEST(error.status == 500);
    BOOST_TEST(!contains(error.body, "upstream down"));
    BOOST_TEST(browser.cookies.count("authd_session") == 0U);
}

BOOST_AUTO_TEST_CASE(chooser_lists_every_configured_method) {
    addProject("proj_chooser");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_chooser");
    const Response chooser = browse(browser, "GET", "/login?req=" + req);
    BOOST_TEST(chooser.status == 200);
    BOOST_TEST(contains(chooser.body, "href=\"/login/fake?req=" + req + "\""));
    BOOST_TEST(contains(chooser.body, "href=\"/login/other?req=" + req + "\""));
    BOOST_TEST(contains(chooser.body, ">Other code</a>"));
}

BOOST_AUTO_TEST_CASE(project_methods_restrict_the_login_pages) {
    addProject("proj_only_other", "confidential",
               [](sdk::Project& project, Secrets&) { project.authenticators = {"other"}; });
    Jar browser;
    const std::string req = startSignIn(browser, "proj_only_other");
    const Response login = browse(browser, "GET", "/login?req=" + req);
    BOOST_TEST(login.status == 200);
    BOOST_TEST(contains(login.body, "action=\"/login/other\""));
    BOOST_TEST(!contains(login.body, "Choose another way"));
    BOOST_TEST(browse(browser, "GET", "/login/fake?req=" + req).status == 403);
    const Response posted =
        browse(browser, "POST", "/login/fake",
               {{"csrf_token", hidden(login.body, "csrf_token")}, {"req", req}, {"code", "ok"}});
    BOOST_TEST(posted.status == 403);
    BOOST_TEST(browser.cookies.count("authd_session") == 0U);
}

BOOST_AUTO_TEST_CASE(policy_methods_restrict_the_login_pages_too) {
    addProject("proj_policy_methods", "confidential",
               [](sdk::Project& project, Secrets&) { project.policy.authenticators = {"fake"}; });
    Jar browser;
    const std::string req = startSignIn(browser, "proj_policy_methods");
    const Response login = browse(browser, "GET", "/login?req=" + req);
    BOOST_TEST(contains(login.body, "action=\"/login/fake\""));
}

BOOST_AUTO_TEST_CASE(no_allowed_method_shows_a_page) {
    addProject("proj_no_method", "confidential",
               [](sdk::Project& project, Secrets&) { project.authenticators = {"missing"}; });
    Jar browser;
    const std::string req = startSignIn(browser, "proj_no_method");
    const Response page = browse(browser, "GET", "/login?req=" + req);
    BOOST_TEST(page.status == 403);
    BOOST_TEST(contains(page.body, "No way to sign in"));
}

BOOST_AUTO_TEST_CASE(single_sign_on_needs_a_method_the_project_allows) {
    skipConsent("proj_any");
    skipConsent("proj_other_only",
                [](sdk::Project& project) { project.authenticators = {"other"}; });
    Jar browser;
    const std::string req = startSignIn(browser, "proj_any");
    BOOST_TEST(callbackOf(submitCode(browser, "fake", req, "ok")).count("code") == 1U);

    // The session came from "fake": the other project wants a sign-in with "other".
    const Response other_project = browse(browser, "GET", authorizeTarget("proj_other_only"));
    BOOST_TEST(other_project.status == 302);
    BOOST_TEST(other_project.headers.get("Location").rfind("/login?req=", 0) == 0U);
    // The first project answers from the session.
    BOOST_TEST(callbackOf(browse(browser, "GET", authorizeTarget("proj_any"))).count("code") == 1U);
}

BOOST_AUTO_TEST_CASE(access_policy_is_checked_at_sign_in_and_on_single_sign_on) {
    skipConsent("proj_admins", [](sdk::Project& project) { project.policy.roles = {"admin"}; });
    skipConsent("proj_open");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_admins");
    const auto denied = callbackOf(submitCode(browser, "fake", req, "ok"));
    BOOST_TEST(denied.at("error") == "access_denied");
    BOOST_TEST(denied.at("state") == "s");
    BOOST_TEST(browser.cookies.count("authd_session") == 0U);

    const std::string open_req = startSignIn(browser, "proj_open");
    BOOST_TEST(callbackOf(submitCode(browser, "fake", open_req, "ok")).count("code") == 1U);
    const auto sso_denied = callbackOf(browse(browser, "GET", authorizeTarget("proj_admins")));
    BOOST_TEST(sso_denied.at("error") == "access_denied");

    audit.flush();
    sdk::AuditQuery query;
    query.type = "signin.denied";
    auto events = store.audit().list(query);
    BOOST_TEST_REQUIRE(events.has_value());
    BOOST_TEST(events->items.size() == 2U);
    query.type = "signin.success";
    events = store.audit().list(query);
    BOOST_TEST_REQUIRE(events.has_value());
    BOOST_TEST_REQUIRE(events->items.size() == 1U);
    BOOST_TEST(events->items[0].user_id == user.id);
    BOOST_TEST(events->items[0].client_id == "proj_open");
}

BOOST_AUTO_TEST_CASE(consent_needs_the_session_of_its_sign_in) {
    addProject("proj_consent_session");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_consent_session");
    const Response signed_in = submitCode(browser, "fake", req, "ok");
    BOOST_TEST_REQUIRE(signed_in.status == 303);
    BOOST_TEST_REQUIRE(signed_in.headers.get("Location") == "/oauth/consent?req=" + req);
    BOOST_TEST(browse(browser, "GET", "/oauth/consent?req=" + req).status == 200);
    browser.cookies.erase("authd_session");
    const Response changed = browse(browser, "GET", "/oauth/consent?req=" + req);
    BOOST_TEST(changed.status == 403);
    // The sign-in page of a request that only awaits consent goes to the consent page.
    const Response login = browse(browser, "GET", "/login?req=" + req);
    BOOST_TEST(login.status == 302);
    BOOST_TEST(login.headers.get("Location") == "/oauth/consent?req=" + req);
}

BOOST_AUTO_TEST_CASE(consent_decision_must_be_allow_or_deny) {
    addProject("proj_decision");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_decision");
    (void)submitCode(browser, "fake", req, "ok");
    const Response page = browse(browser, "GET", "/oauth/consent?req=" + req);
    const Response odd = browse(
        browser, "POST", "/oauth/consent",
        {{"csrf_token", hidden(page.body, "csrf_token")}, {"req", req}, {"decision", "maybe"}});
    BOOST_TEST(odd.status == 400);
    const auto allowed = callbackOf(browse(
        browser, "POST", "/api/oauth/consent",
        {{"csrf_token", hidden(page.body, "csrf_token")}, {"req", req}, {"decision", "allow"}}));
    BOOST_TEST(allowed.count("code") == 1U);
    auto consent = store.consents().get(user.id, "proj_decision");
    BOOST_TEST_REQUIRE(consent.has_value());
    BOOST_TEST(consent->scope == "openid profile email");
}

BOOST_AUTO_TEST_CASE(head_never_ends_a_session) {
    skipConsent("proj_head");
    Jar browser;
    const std::string req = startSignIn(browser, "proj_head");
    (void)callbackOf(submitCode(browser, "fake", req, "ok"));
    auto session = store.sessions().findByTokenHash(
        authd::crypto::sha256Hex(browser.cookies.at("authd_session")));
    BOOST_TEST_REQUIRE(session.has_value());
    auto client = clients.find("proj_head");
    BOOST_TEST_REQUIRE(client.has_value());
    authd::oauth::Grant grant;
    grant.user_id = user.id;
    grant.scope = "openid";
    grant.session_id = session->id;
    auto hint = issuer.idToken(**client, user, grant, "", context.now());
    BOOST_TEST_REQUIRE(hint.has_value());
    const std::string target = "/oauth/logout?id_token_hint=" + authd::http::percentEncode(*hint);

    const Response head = browse(browser, "HEAD", target);
    BOOST_TEST(head.status == 200);
    BOOST_TEST(store.sessions().get(session->id)->revoked_at == 0);

    const Response out = browse(browser, "GET", target);
    BOOST_TEST(out.status == 200);
    BOOST_TEST(contains(out.body, "signed out"));
    BOOST_TEST(store.sessions().get(session->id)->revoked_at != 0);
    BOOST_TEST(browser.cookies.count("authd_session") == 0U);
}

BOOST_AUTO_TEST_CASE(stylesheet_and_icon_are_served) {
    Jar browser;
    const Response css = browse(browser, "GET", "/static/authd.css");
    BOOST_TEST(css.status == 200);
    BOOST_TEST(css.headers.get("Content-Type") == "text/css; charset=utf-8");
    const Response icon = browse(browser, "GET", "/static/favicon.svg");
    BOOST_TEST(icon.status == 200);
    BOOST_TEST(icon.headers.get("Content-Type") == "image/svg+xml");
    BOOST_TEST(contains(icon.body, "<svg"));
}

BOOST_AUTO_TEST_SUITE_END()
