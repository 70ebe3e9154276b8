// SPDX-License-Identifier: Apache-2.0
// The browser side of the OAuth/OIDC engine against the real authd binary: authorize, the
// login pages (password authenticator), consent, code issuance, single sign-on, prompt and
// max_age, every authorization error of SPEC section 6, CSRF and browser binding, access
// policy, RP-initiated logout and back-channel logout. A cookie jar plays the browser.
// One authd (SQLite, cheap Argon2id) serves the whole executable; every case creates its own
// projects and users through the bootstrap admin API, so cases do not see each other's state.
#define BOOST_TEST_MODULE oauth_browser_e2e_test
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <boost/test/unit_test.hpp>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "support/authd_process.hpp"
#include "support/web_client.hpp"
#include "tokens/jws.hpp"

using authd::test::AuthdProcess;
using authd::test::contains;
using authd::test::formAction;
using authd::test::formBody;
using authd::test::freePort;
using authd::test::hiddenValue;
using authd::test::HttpResult;
using authd::test::jwtClaims;
using authd::test::Params;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::TempDir;
using authd::test::toJson;
using authd::test::urlEncode;

namespace {

const std::string kAdminToken = "browser-e2e-admin-token-0123456789abcdef0123456789";
const std::string kPassword = "correct horse battery staple";
const std::string kRedirect = "http://127.0.0.1:3000/api/auth/callback";
const std::string kLogoutRedirect = "http://127.0.0.1:3000/signed-out";
// RFC 7636 appendix B.
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const std::string kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

const std::string kOneMethod =
    "authenticators:\n  - id: password\n    plugin: password\n    config:\n      min_length: 10\n";
const std::string kTwoMethods =
    kOneMethod +
    "  - id: staff-password\n    plugin: password\n    config:\n      label: Staff password\n";

std::string configYaml(const std::filesystem::path& dir, std::uint16_t port,
                       const std::string& authenticators) {
    const std::string d = dir.string();
    const std::string base = "127.0.0.1:" + std::to_string(port);
    std::string y;
    y += "server:\n";
    y += "  listen: \"" + base + "\"\n";
    y += "  issuer: \"http://" + base + "\"\n";
    y += "  threads: 8\n";
    y += "plugins:\n  paths: [ \"" + authd::test::pluginDir() + "\" ]\n";
    y += "data_dir: \"" + d + "/var\"\n";
    y += "storage:\n  plugin: sqlite\n  config:\n    path: \"" + d + "/var/authd.db\"\n";
    y += authenticators;
    y += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
    y += "secrets:\n";
    y += "  master_key_env: \"\"\n";
    y += "  master_key_file: \"" + d + "/var/master.key\"\n";
    y += "  admin_token_env: AUTHD_ADMIN_TOKEN\n";
    y += "  dev_master_key: true\n";
    return y;
}

struct Project {
    std::string client_id;
    std::string client_secret;
    std::string name;
};

struct User {
    std::string id;
    std::string email;
};

class Server {
  public:
    explicit Server(const std::string& authenticators = kOneMethod) {
        for (int attempt = 0;; ++attempt) {
            port_ = freePort();
            config_path_ = dir_.write("authd.yaml", configYaml(dir_.path(), port_, authenticators));
            AuthdProcess::Options options;
            options.env["AUTHD_ADMIN_TOKEN"] = kAdminToken;
            try {
                process_ = std::make_unique<AuthdProcess>(config_path_, options);
                return;
            } catch (const std::exception& e) {
                if (attempt >= 2 || std::string(e.what()).find("in use") == std::string::npos) {
                    throw;
                }
            }
        }
    }

    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
    AuthdProcess& process() { return *process_; }

    Poco::JSON::Object::Ptr adminPost(const std::string& path, const Poco::JSON::Object& body) {
        const HttpResult r =
            process_->post("/admin/api/v1" + path, toJson(body), "application/json",
                           {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != 201) {
            throw std::runtime_error("POST /admin/api/v1" + path + " " + toJson(body) +
                                     " -> HTTP " + std::to_string(r.status) + ": " + r.body);
        }
        return parseObject(r.body);
    }

    // A confidential project on kRedirect; `extra` members are added to the request body.
    Project createProject(const std::string& name) {
        return createProject(name, Poco::JSON::Object());
    }
    Project createProject(const std::string& name, const Poco::JSON::Object& extra) {
        Poco::JSON::Object body(extra);
        body.set("name", name + " " + std::to_string(++serial_));
        if (!body.has("redirect_uris")) {
            Poco::JSON::Array uris;
            uris.add(kRedirect);
            body.set("redirect_uris", uris);
        }
        if (!body.has("client_type")) {
            body.set("client_type", "confidential");
        }
        const auto created = adminPost("/projects", body);
        return {created->optValue<std::string>("client_id", ""),
                created->optValue<std::string>("client_secret", ""),
                created->optValue<std::string>("name", "")};
    }

    User createUser(const std::string& status = "active") {
        const std::string email = "user" + std::to_string(++serial_) + "@example.com";
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", "Test User");
        body.set("role", "user");
        body.set("status", status);
        body.set("password", kPassword);
        const auto created = adminPost("/users", body);
        return {created->optValue<std::string>("id", ""), email};
    }

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::string config_path_;
    std::unique_ptr<AuthdProcess> process_;
    int serial_ = 0;
};

Server& server() {
    static Server instance;
    return instance;
}

// A second authd offering two sign-in methods, for the chooser page.
Server& twoMethodServer() {
    static Server instance(kTwoMethods);
    return instance;
}

// A browser on one of these servers (a cookie jar; redirects are not followed).
class Browser : public authd::test::Browser {
  public:
    explicit Browser(Server& target = server()) : authd::test::Browser(target.issuer()) {}
};

std::string authorizeTarget(const Project& project, const Params& extra,
                            const std::string& path = "/oauth/authorize") {
    Params params = {
        {"client_id", project.client_id}, {"redirect_uri", kRedirect}, {"response_type", "code"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return path + "?" + formBody(params);
}

bool isLoginRedirect(const HttpResult& r) {
    return Browser::isRedirect(r.status) && r.header("Location").rfind("/login?req=", 0) == 0;
}

bool isConsentRedirect(const HttpResult& r) {
    return Browser::isRedirect(r.status) &&
           r.header("Location").rfind("/oauth/consent?req=", 0) == 0;
}

// The query of a redirect back to the client (fails the test when it goes elsewhere).
std::map<std::string, std::string> callbackOf(const HttpResult& r) {
    BOOST_TEST_REQUIRE(Browser::isRedirect(r.status),
                       "expected a redirect to the client, got " << r.status << ": " << r.body);
    const std::string location = r.header("Location");
    BOOST_TEST_REQUIRE(location.rfind(kRedirect + "?", 0) == 0, "redirected to " << location);
    return queryOf(location);
}

HttpResult submitPassword(Browser& browser, const HttpResult& login_page, const std::string& email,
                          const std::string& password) {
    BOOST_TEST_REQUIRE(login_page.status == 200, login_page.body);
    const std::string action = formAction(login_page.body);
    BOOST_TEST_REQUIRE(action == "/login/password");
    return browser.postForm(action, {{"csrf_token", hiddenValue(login_page.body, "csrf_token")},
                                     {"req", hiddenValue(login_page.body, "req")},
                                     {"email", email},
                                     {"password", password}});
}

HttpResult answerConsent(Browser& browser, const HttpResult& consent_page,
                         const std::string& decision,
                         const std::string& action = "/oauth/consent") {
    BOOST_TEST_REQUIRE(consent_page.status == 200, consent_page.body);
    BOOST_TEST_REQUIRE(contains(consent_page.body, "name=\"decision\" value=\"" + decision + "\""));
    return browser.postForm(action, {{"csrf_token", hiddenValue(consent_page.body, "csrf_token")},
                                     {"req", hiddenValue(consent_page.body, "req")},
                                     {"decision", decision}});
}

// authorize -> login -> (consent allow) -> the client's callback query.
std::map<std::string, std::string> signIn(Browser& browser, const Project& project,
                                          const User& user,
                                          const Params& extra = {{"state", "st"}}) {
    const HttpResult start = browser.get(authorizeTarget(project, extra));
    BOOST_TEST_REQUIRE(isLoginRedirect(start), start.status << " " << start.header("Location"));
    HttpResult after = submitPassword(browser, browser.follow(start), user.email, kPassword);
    if (isConsentRedirect(after)) {
        after = answerConsent(browser, browser.follow(after), "allow");
    }
    return callbackOf(after);
}

Poco::JSON::Object::Ptr exchangeCode(const Project& project, const std::string& code,
                                     const std::string& verifier = {}) {
    Params params = {{"grant_type", "authorization_code"},
                     {"code", code},
                     {"redirect_uri", kRedirect},
                     {"client_id", project.client_id},
                     {"client_secret", project.client_secret}};
    if (!verifier.empty()) {
        params.emplace_back("code_verifier", verifier);
    }
    const HttpResult r = server().process().post("/oauth/token", formBody(params));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    return parseObject(r.body);
}

// A relying party's back-channel logout endpoint: records every POST body.
class BackchannelReceiver {
  public:
    BackchannelReceiver()
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
          server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
        server_.start();
    }
    ~BackchannelReceiver() { server_.stopAll(true); }
    BackchannelReceiver(const BackchannelReceiver&) = delete;
    BackchannelReceiver& operator=(const BackchannelReceiver&) = delete;

    std::string uri() const {
        return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/backchannel";
    }
    // The recorded requests (content type, body), waiting up to 10 s for at least `count`.
    std::vector<std::pair<std::string, std::string>> received(std::size_t count) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(10),
                          [&] { return requests_.size() >= count; });
        return requests_;
    }

  private:
    class Handler : public Poco::Net::HTTPRequestHandler {
      public:
        explicit Handler(BackchannelReceiver& owner) : owner_(owner) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) override {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            {
                const std::lock_guard<std::mutex> lock(owner_.mutex_);
                owner_.requests_.emplace_back(request.getContentType(), body);
            }
            owner_.changed_.notify_all();
            response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
            response.set("Cache-Control", "no-store");
            response.setContentLength(0);
            response.send();
        }

      private:
        BackchannelReceiver& owner_;
    };
    class Factory : public Poco::Net::HTTPRequestHandlerFactory {
      public:
        explicit Factory(BackchannelReceiver& owner) : owner_(owner) {}
        Poco::Net::HTTPRequestHandler*
        createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(owner_);
        }

      private:
        BackchannelReceiver& owner_;
    };

    Poco::Net::ServerSocket socket_;
    Poco::Net::HTTPServer server_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::string, std::string>> requests_;
};

void expectPageHeaders(const HttpResult& page) {
    BOOST_TEST(page.header("Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(contains(page.header("Content-Security-Policy"), "frame-ancestors 'none'"));
    BOOST_TEST(contains(page.header("Content-Security-Policy"), "default-src 'self'"));
    BOOST_TEST(page.header("X-Frame-Options") == "DENY");
    BOOST_TEST(page.header("Cache-Control") == "no-store");
    BOOST_TEST(!contains(page.body, "<script"));
    BOOST_TEST(!contains(page.body, "style="));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(full_flow)

BOOST_AUTO_TEST_CASE(authorize_login_consent_code_and_token) {
    const Project project = server().createProject("Notes");
    const User user = server().createUser();
    Browser browser;

    // The first seed's request: PKCE S256, no scope.
    const HttpResult start =
        browser.get(authorizeTarget(project, {{"code_challenge", kChallenge},
                                              {"code_challenge_method", "S256"},
                                              {"state", "first-seed-state"}}));
    BOOST_TEST_REQUIRE(isLoginRedirect(start));
    BOOST_TEST(!browser.cookie("authd_browser").empty());
    BOOST_TEST(contains(start.header("Set-Cookie"), "HttpOnly"));
    BOOST_TEST(contains(start.header("Set-Cookie"), "SameSite=Lax"));

    const HttpResult login = browser.follow(start);
    BOOST_TEST(login.status == 200);
    expectPageHeaders(login);
    BOOST_TEST(contains(login.body, "<html lang=\"en\">"));
    BOOST_TEST(contains(login.body, "<title>Sign in to " + project.name + "</title>"));
    BOOST_TEST(contains(login.body, "name=\"email\""));
    BOOST_TEST(contains(login.body, "name=\"password\""));
    BOOST_TEST(contains(login.body, "<label for=\"authd-password-email\">"));
    BOOST_TEST(contains(login.body, "href=\"/static/authd.css\""));
    BOOST_TEST(!hiddenValue(login.body, "csrf_token").empty());
    BOOST_TEST(!hiddenValue(login.body, "req").empty());

    // A wrong password shows the form again with the message.
    const HttpResult wrong = submitPassword(browser, login, user.email, "not the password at all");
    BOOST_TEST(wrong.status == 200);
    BOOST_TEST(contains(wrong.body, "role=\"alert\""));
    BOOST_TEST(contains(wrong.body, "Email or password is incorrect."));
    BOOST_TEST(browser.cookie("authd_session").empty());

    const HttpResult signed_in = submitPassword(browser, wrong, user.email, kPassword);
    BOOST_TEST_REQUIRE(isConsentRedirect(signed_in), signed_in.status << " " << signed_in.body);
    BOOST_TEST(signed_in.status == 303);
    BOOST_TEST(!browser.cookie("authd_session").empty());
    bool session_cookie_flags = false;
    for (const auto& [name, value] : signed_in.headers) {
        if (Poco::icompare(name, "Set-Cookie") == 0 && value.rfind("authd_session=", 0) == 0) {
            session_cookie_flags = contains(value, "HttpOnly") && contains(value, "SameSite=Lax") &&
                                   contains(value, "Path=/");
        }
    }
    BOOST_TEST(session_cookie_flags);

    const HttpResult consent = browser.follow(signed_in);
    BOOST_TEST(consent.status == 200);
    expectPageHeaders(consent);
    BOOST_TEST(contains(consent.body, project.name));
    BOOST_TEST(contains(consent.body, "See your email address"));
    BOOST_TEST(contains(consent.header("Content-Security-Policy"),
                        "form-action 'self' http://127.0.0.1:3000"));

    const auto callback = callbackOf(answerConsent(browser, consent, "allow"));
    BOOST_TEST(callback.at("state") == "first-seed-state");
    BOOST_TEST(callback.at("iss") == server().issuer());
    BOOST_TEST_REQUIRE(callback.count("code") == 1U);

    const auto tokens = exchangeCode(project, callback.at("code"), kVerifier);
    BOOST_TEST(!tokens->optValue<std::string>("access_token", "").empty());
    BOOST_TEST(tokens->optValue<std::string>("scope", "") == "openid profile email");
    const auto id_claims = jwtClaims(tokens->optValue<std::string>("id_token", ""));
    BOOST_TEST(id_claims->optValue<std::string>("sub", "") == user.id);
    BOOST_TEST(id_claims->optValue<std::string>("iss", "") == server().issuer());
    BOOST_TEST(!id_claims->optValue<std::string>("sid", "").empty());

    // The code is single use.
    const HttpResult replay =
        server().process().post("/oauth/token", formBody({{"grant_type", "authorization_code"},
                                                          {"code", callback.at("code")},
                                                          {"redirect_uri", kRedirect},
                                                          {"client_id", project.client_id},
                                                          {"client_secret", project.client_secret},
                                                          {"code_verifier", kVerifier}}));
    BOOST_TEST(replay.status == 400);
    BOOST_TEST(contains(replay.body, "invalid_grant"));
}

BOOST_AUTO_TEST_CASE(second_seed_dialect_with_nonce_and_consent_post) {
    const Project project = server().createProject("Beezifi app");
    const User user = server().createUser();
    Browser browser;
    const HttpResult start = browser.get(authorizeTarget(
        project, {{"scope", "openid profile email"}, {"state", "s2"}, {"nonce", "n-0S6_WzA2Mj"}},
        "/api/oauth/authorize"));
    BOOST_TEST_REQUIRE(isLoginRedirect(start));
    const HttpResult signed_in =
        submitPassword(browser, browser.follow(start), user.email, kPassword);
    BOOST_TEST_REQUIRE(isConsentRedirect(signed_in));
    const auto callback = callbackOf(
        answerConsent(browser, browser.follow(signed_in), "allow", "/api/oauth/consent"));
    BOOST_TEST(callback.at("state") == "s2");
    const auto tokens = exchangeCode(project, callback.at("code"));
    const auto id_claims = jwtClaims(tokens->optValue<std::string>("id_token", ""));
    BOOST_TEST(id_claims->optValue<std::string>("nonce", "") == "n-0S6_WzA2Mj");
    BOOST_TEST(id_claims->optValue<std::string>("aud", "") == project.client_id);
}

BOOST_AUTO_TEST_CASE(authorization_request_may_be_a_form_post) {
    const Project project = server().createProject("Form post");
    Browser browser;
    const HttpResult start = browser.postForm("/oauth/authorize", {{"client_id", project.client_id},
                                                                   {"redirect_uri", kRedirect},
                                                                   {"response_type", "code"},
                                                                   {"state", "p"}});
    BOOST_TEST(start.status == 303);
    BOOST_TEST(isLoginRedirect(start));
}

BOOST_AUTO_TEST_CASE(stylesheet_is_served_and_cacheable) {
    const HttpResult css = server().process().get("/static/authd.css");
    BOOST_TEST(css.status == 200);
    BOOST_TEST(contains(css.header("Content-Type"), "text/css"));
    BOOST_TEST(contains(css.header("Cache-Control"), "max-age="));
    BOOST_TEST(contains(css.body, ".login-form"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(single_sign_on)

BOOST_AUTO_TEST_CASE(second_project_skips_the_login_form) {
    const Project first = server().createProject("SSO one");
    const Project second = server().createProject("SSO two");
    const User user = server().createUser();
    Browser browser;
    signIn(browser, first, user);

    const HttpResult start = browser.get(authorizeTarget(second, {{"state", "two"}}));
    BOOST_TEST_REQUIRE(isConsentRedirect(start), start.status << " " << start.header("Location"));
    const auto callback = callbackOf(answerConsent(browser, browser.follow(start), "allow"));
    BOOST_TEST(callback.at("state") == "two");
    const auto tokens = exchangeCode(second, callback.at("code"));
    BOOST_TEST(jwtClaims(tokens->optValue<std::string>("id_token", ""))
                   ->optValue<std::string>("sub", "") == user.id);
}

BOOST_AUTO_TEST_CASE(consent_is_remembered) {
    const Project project = server().createProject("Remembered");
    const User user = server().createUser();
    Browser browser;
    signIn(browser, project, user);
    const auto again = callbackOf(browser.get(authorizeTarget(project, {{"state", "again"}})));
    BOOST_TEST(again.count("code") == 1U);
    BOOST_TEST(again.at("state") == "again");
    // A narrower request is covered too; a wider one asks again.
    BOOST_TEST(
        callbackOf(browser.get(authorizeTarget(project, {{"scope", "openid"}}))).count("code") ==
        1U);
    BOOST_TEST(isConsentRedirect(
        browser.get(authorizeTarget(project, {{"scope", "openid offline_access"}}))));
}

BOOST_AUTO_TEST_CASE(prompt_consent_forces_the_consent_page) {
    const Project project = server().createProject("Prompt consent");
    const User user = server().createUser();
    Browser browser;
    signIn(browser, project, user);
    BOOST_TEST(isConsentRedirect(browser.get(authorizeTarget(project, {{"prompt", "consent"}}))));
}

BOOST_AUTO_TEST_CASE(prompt_login_and_max_age_zero_force_the_form) {
    const Project project = server().createProject("Prompt login");
    const User user = server().createUser();
    Browser browser;
    signIn(browser, project, user);
    BOOST_TEST(isLoginRedirect(browser.get(authorizeTarget(project, {{"prompt", "login"}}))));
    BOOST_TEST(isLoginRedirect(browser.get(authorizeTarget(project, {{"max_age", "0"}}))));
    BOOST_TEST(
        isLoginRedirect(browser.get(authorizeTarget(project, {{"prompt", "select_account"}}))));
    // A generous max_age uses the session.
    BOOST_TEST(
        callbackOf(browser.get(authorizeTarget(project, {{"max_age", "3600"}}))).count("code") ==
        1U);

    // Signing in again through prompt=login keeps the session and moves auth_time.
    const HttpResult start = browser.get(authorizeTarget(project, {{"prompt", "login"}}));
    const auto callback =
        callbackOf(submitPassword(browser, browser.follow(start), user.email, kPassword));
    BOOST_TEST(callback.count("code") == 1U);
}

BOOST_AUTO_TEST_CASE(prompt_none_without_a_session_is_login_required) {
    const Project project = server().createProject("Prompt none");
    Browser browser;
    const auto callback =
        callbackOf(browser.get(authorizeTarget(project, {{"prompt", "none"}, {"state", "pn"}})));
    BOOST_TEST(callback.at("error") == "login_required");
    BOOST_TEST(callback.at("state") == "pn");
    BOOST_TEST(callback.at("iss") == server().issuer());
}

BOOST_AUTO_TEST_CASE(prompt_none_with_a_session_but_no_consent_is_consent_required) {
    const Project first = server().createProject("PN first");
    const Project second = server().createProject("PN second");
    const User user = server().createUser();
    Browser browser;
    signIn(browser, first, user);
    const auto callback =
        callbackOf(browser.get(authorizeTarget(second, {{"prompt", "none"}, {"state", "x"}})));
    BOOST_TEST(callback.at("error") == "consent_required");
    BOOST_TEST(callback.at("state") == "x");
    // ... and with consent it answers silently.
    BOOST_TEST(
        callbackOf(browser.get(authorizeTarget(first, {{"prompt", "none"}}))).count("code") == 1U);
}

BOOST_AUTO_TEST_CASE(first_party_projects_skip_consent) {
    Poco::JSON::Object extra;
    extra.set("skip_consent", true);
    const Project project = server().createProject("First party", extra);
    const User user = server().createUser();
    Browser browser;
    const HttpResult start = browser.get(authorizeTarget(project, {{"state", "fp"}}));
    const auto callback =
        callbackOf(submitPassword(browser, browser.follow(start), user.email, kPassword));
    BOOST_TEST(callback.at("state") == "fp");
    BOOST_TEST(callback.count("code") == 1U);
}

BOOST_AUTO_TEST_CASE(id_token_hint_must_name_the_signed_in_user) {
    const Project project = server().createProject("Hint");
    const User alice = server().createUser();
    const User bob = server().createUser();
    Browser alice_browser;
    Browser bob_browser;
    const auto alice_code = signIn(alice_browser, project, alice).at("code");
    const auto bob_code = signIn(bob_browser, project, bob).at("code");
    const std::string alice_hint =
        exchangeCode(project, alice_code)->optValue<std::string>("id_token", "");
    const std::string bob_hint =
        exchangeCode(project, bob_code)->optValue<std::string>("id_token", "");

    const auto mismatch = callbackOf(alice_browser.get(authorizeTarget(
        project, {{"prompt", "none"}, {"id_token_hint", bob_hint}, {"state", "h"}})));
    BOOST_TEST(mismatch.at("error") == "login_required");
    BOOST_TEST(mismatch.at("state") == "h");
    const auto match = callbackOf(alice_browser.get(
        authorizeTarget(project, {{"prompt", "none"}, {"id_token_hint", alice_hint}})));
    BOOST_TEST(match.count("code") == 1U);
    // Without prompt=none another user's hint sends the browser to sign in again.
    BOOST_TEST(isLoginRedirect(
        alice_browser.get(authorizeTarget(project, {{"id_token_hint", bob_hint}}))));
    // A hint issued to another client is refused.
    const Project other = server().createProject("Hint other");
    const auto foreign = callbackOf(alice_browser.get(authorizeTarget(
        other, {{"prompt", "none"}, {"id_token_hint", alice_hint}, {"state", "f"}})));
    BOOST_TEST(foreign.at("error") == "invalid_request");
}

BOOST_AUTO_TEST_CASE(login_hint_fills_in_the_email) {
    const Project project = server().createProject("Login hint");
    Browser browser;
    const HttpResult login = browser.follow(
        browser.get(authorizeTarget(project, {{"login_hint", "hint\"<x>@example.com"}})));
    BOOST_TEST(login.status == 200);
    BOOST_TEST(contains(login.body, "value=\"hint&quot;&lt;x&gt;@example.com\""));
}

BOOST_AUTO_TEST_CASE(several_methods_get_a_chooser) {
    Server& two = twoMethodServer();
    Poco::JSON::Object body;
    body.set("name", "Chooser");
    Poco::JSON::Array uris;
    uris.add(kRedirect);
    body.set("redirect_uris", uris);
    body.set("client_type", "confidential");
    body.set("skip_consent", true);
    const std::string client_id =
        two.adminPost("/projects", body)->optValue<std::string>("client_id", "");
    Poco::JSON::Object user_body;
    user_body.set("email", "chooser@example.com");
    user_body.set("name", "Chooser");
    user_body.set("password", kPassword);
    two.adminPost("/users", user_body);

    Browser browser(two);
    const HttpResult start = browser.get(authorizeTarget({client_id, "", ""}, {{"state", "c"}}));
    BOOST_TEST_REQUIRE(isLoginRedirect(start));
    const HttpResult chooser = browser.follow(start);
    BOOST_TEST(chooser.status == 200);
    expectPageHeaders(chooser);
    const std::string req = start.header("Location").substr(std::string("/login?req=").size());
    BOOST_TEST_REQUIRE(contains(chooser.body, "href=\"/login/password?req=" + req + "\""));
    BOOST_TEST_REQUIRE(contains(chooser.body, "href=\"/login/staff-password?req=" + req + "\""));
    BOOST_TEST(contains(chooser.body, ">Staff password</a>"));

    // The staff method has no credential for this user: its own form comes back with an error.
    const HttpResult staff = browser.get("/login/staff-password?req=" + req);
    BOOST_TEST(staff.status == 200);
    BOOST_TEST(formAction(staff.body) == "/login/staff-password");
    BOOST_TEST(contains(staff.body, "Choose another way to sign in"));
    const HttpResult refused = browser.postForm(
        "/login/staff-password", {{"csrf_token", hiddenValue(staff.body, "csrf_token")},
                                  {"req", req},
                                  {"email", "chooser@example.com"},
                                  {"password", kPassword}});
    BOOST_TEST(refused.status == 200);
    BOOST_TEST(contains(refused.body, "role=\"alert\""));
    BOOST_TEST(formAction(refused.body) == "/login/staff-password");

    const HttpResult form = browser.get("/login/password?req=" + req);
    const HttpResult done = submitPassword(browser, form, "chooser@example.com", kPassword);
    BOOST_TEST_REQUIRE(Browser::isRedirect(done.status));
    const auto callback = queryOf(done.header("Location"));
    BOOST_TEST(done.header("Location").rfind(kRedirect + "?", 0) == 0U);
    BOOST_TEST(callback.at("state") == "c");
    BOOST_TEST(callback.at("iss") == two.issuer());
    BOOST_TEST(callback.count("code") == 1U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authorization_errors)

BOOST_AUTO_TEST_CASE(deny_returns_access_denied) {
    const Project project = server().createProject("Deny");
    const User user = server().createUser();
    Browser browser;
    const HttpResult start = browser.get(authorizeTarget(project, {{"state", "d"}}));
    const HttpResult signed_in =
        submitPassword(browser, browser.follow(start), user.email, kPassword);
    const auto callback = callbackOf(answerConsent(browser, browser.follow(signed_in), "deny"));
    BOOST_TEST(callback.at("error") == "access_denied");
    BOOST_TEST(callback.at("state") == "d");
    BOOST_TEST(callback.count("code") == 0U);
}

BOOST_AUTO_TEST_CASE(bad_client_or_redirect_uri_shows_a_page_and_never_redirects) {
    const Project project = server().createProject("Errors page");
    Browser browser;
    const std::vector<std::string> targets = {
        "/oauth/authorize?response_type=code&redirect_uri=" + urlEncode(kRedirect) + "&state=s",
        "/oauth/authorize?client_id=proj_does_not_exist&response_type=code&redirect_uri=" +
            urlEncode(kRedirect) + "&state=s",
        "/oauth/authorize?client_id=" + project.client_id + "&response_type=code&state=s",
        "/oauth/authorize?client_id=" + project.client_id +
            "&response_type=code&state=s&redirect_uri=" + urlEncode("https://evil.example/cb"),
        "/oauth/authorize?client_id=" + project.client_id +
            "&response_type=code&state=s&redirect_uri=" + urlEncode(kRedirect + "/"),
        // A bad redirect_uri wins over every other error.
        "/oauth/authorize?client_id=" + project.client_id +
            "&response_type=token&request_uri=x&redirect_uri=" +
            urlEncode("http://127.0.0.1:3001/cb"),
    };
    for (const std::string& target : targets) {
        BOOST_TEST_CONTEXT(target) {
            const HttpResult r = browser.get(target);
            BOOST_TEST(r.status == 400);
            BOOST_TEST(r.header("Location").empty());
            expectPageHeaders(r);
            BOOST_TEST(contains(r.body, "role=\"alert\""));
        }
    }
}

BOOST_AUTO_TEST_CASE(other_errors_redirect_with_error_and_state) {
    const Project project = server().createProject("Errors redirect");
    Poco::JSON::Object public_extra;
    public_extra.set("client_type", "public");
    const Project public_project = server().createProject("Public app", public_extra);
    Browser browser;
    struct Case {
        const Project* project;
        Params params;
        std::string error;
    };
    const std::vector<Case> cases = {
        {&project, {{"response_type", "token"}}, "unsupported_response_type"},
        {&project, {{"scope", "openid admin"}}, "invalid_scope"},
        {&project,
         {{"code_challenge", kChallenge}, {"code_challenge_method", "plain"}},
         "invalid_request"},
        {&public_project, {}, "invalid_request"},
        {&project, {{"request", "eyJhbGciOiJub25lIn0.e30."}}, "request_not_supported"},
        {&project, {{"request_uri", "https://app.example/request/1"}}, "request_uri_not_supported"},
        {&project, {{"prompt", "none login"}}, "invalid_request"},
        {&project, {{"max_age", "-5"}}, "invalid_request"},
        {&project, {{"claims", "[1,2]"}}, "invalid_request"},
        {&project, {{"id_token_hint", "not.a.jwt"}}, "invalid_request"},
    };
    for (const Case& c : cases) {
        Params params = {{"client_id", c.project->client_id}, {"redirect_uri", kRedirect}};
        bool has_type = false;
        for (const auto& [name, value] : c.params) {
            has_type = has_type || name == "response_type";
        }
        if (!has_type) {
            params.emplace_back("response_type", "code");
        }
        params.insert(params.end(), c.params.begin(), c.params.end());
        params.emplace_back("state", "keep me & echo");
        const std::string target = "/oauth/authorize?" + formBody(params);
        BOOST_TEST_CONTEXT(target) {
            const auto callback = callbackOf(browser.get(target));
            BOOST_TEST(callback.at("error") == c.error);
            BOOST_TEST(callback.at("state") == "keep me & echo");
            BOOST_TEST(callback.at("iss") == server().issuer());
            BOOST_TEST(!callback.at("error_description").empty());
            BOOST_TEST(callback.count("code") == 0U);
        }
    }
}

BOOST_AUTO_TEST_CASE(suspended_user_gets_access_denied) {
    const Project project = server().createProject("Policy");
    const User user = server().createUser("suspended");
    Browser browser;
    const HttpResult start = browser.get(authorizeTarget(project, {{"state", "sus"}}));
    const auto callback =
        callbackOf(submitPassword(browser, browser.follow(start), user.email, kPassword));
    BOOST_TEST(callback.at("error") == "access_denied");
    BOOST_TEST(callback.at("state") == "sus");
    BOOST_TEST(browser.cookie("authd_session").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(forms)

BOOST_AUTO_TEST_CASE(missing_or_wrong_csrf_is_refused) {
    const Project project = server().createProject("CSRF");
    const User user = server().createUser();
    Browser browser;
    const HttpResult login = browser.follow(browser.get(authorizeTarget(project, {})));
    const std::string req = hiddenValue(login.body, "req");
    const HttpResult missing = browser.postForm(
        "/login/password", {{"req", req}, {"email", user.email}, {"password", kPassword}});
    BOOST_TEST(missing.status == 403);
    expectPageHeaders(missing);
    const HttpResult wrong = browser.postForm(
        "/login/password", {{"csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
                            {"req", req},
                            {"email", user.email},
                            {"password", kPassword}});
    BOOST_TEST(wrong.status == 403);
    BOOST_TEST(browser.cookie("authd_session").empty());

    // The consent form too.
    const HttpResult signed_in = submitPassword(browser, login, user.email, kPassword);
    const HttpResult consent = browser.follow(signed_in);
    const HttpResult no_token = browser.postForm(
        "/oauth/consent", {{"req", hiddenValue(consent.body, "req")}, {"decision", "allow"}});
    BOOST_TEST(no_token.status == 403);
    BOOST_TEST(no_token.header("Location").empty());
    // The real answer still works afterwards.
    BOOST_TEST(callbackOf(answerConsent(browser, consent, "allow")).count("code") == 1U);
}

BOOST_AUTO_TEST_CASE(pending_request_from_another_browser_is_refused) {
    const Project project = server().createProject("Other browser");
    const User user = server().createUser();
    Browser alice;
    const HttpResult start = alice.get(authorizeTarget(project, {}));
    const HttpResult login = alice.follow(start);

    Browser mallory;
    const HttpResult opened = mallory.get(start.header("Location"));
    BOOST_TEST(opened.status == 403);
    BOOST_TEST(contains(opened.body, "another browser"));
    // Even with alice's form fields, the browser cookie does not match.
    const HttpResult posted =
        mallory.postForm("/login/password", {{"csrf_token", hiddenValue(login.body, "csrf_token")},
                                             {"req", hiddenValue(login.body, "req")},
                                             {"email", user.email},
                                             {"password", kPassword}});
    BOOST_TEST(posted.status == 403);
    BOOST_TEST(mallory.cookie("authd_session").empty());
}

BOOST_AUTO_TEST_CASE(pending_request_is_single_use) {
    const Project project = server().createProject("Single use");
    const User user = server().createUser();
    Browser browser;
    const HttpResult login = browser.follow(browser.get(authorizeTarget(project, {})));
    const HttpResult signed_in = submitPassword(browser, login, user.email, kPassword);
    const HttpResult consent = browser.follow(signed_in);
    BOOST_TEST(callbackOf(answerConsent(browser, consent, "allow")).count("code") == 1U);
    const HttpResult again = answerConsent(browser, consent, "allow");
    BOOST_TEST(again.status == 400);
    BOOST_TEST(again.header("Location").empty());
}

BOOST_AUTO_TEST_CASE(unknown_or_malformed_request_ids_show_a_page) {
    Browser browser;
    for (const char* target : {"/login", "/login?req=short", "/login?req=AAAAAAAAAAAAAAAAAAAAAAAA",
                               "/login/password?req=AAAAAAAAAAAAAAAAAAAAAAAA",
                               "/oauth/consent?req=AAAAAAAAAAAAAAAAAAAAAAAA"}) {
        BOOST_TEST_CONTEXT(target) {
            const HttpResult r = browser.get(target);
            BOOST_TEST(r.status == 400);
            expectPageHeaders(r);
        }
    }
    BOOST_TEST(browser.get("/login/no-such-method?req=AAAAAAAAAAAAAAAAAAAAAAAA").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(logout)

BOOST_AUTO_TEST_CASE(unregistered_post_logout_redirect_uri_shows_a_page) {
    Poco::JSON::Object extra;
    Poco::JSON::Array uris;
    uris.add(kLogoutRedirect);
    extra.set("post_logout_redirect_uris", uris);
    const Project project = server().createProject("Logout page", extra);
    Browser browser;
    for (const std::string& target :
         {"/oauth/logout?client_id=" + project.client_id +
              "&post_logout_redirect_uri=" + urlEncode("https://evil.example/bye"),
          "/oauth/logout?post_logout_redirect_uri=" + urlEncode(kLogoutRedirect),
          "/oauth/logout?client_id=proj_nope&post_logout_redirect_uri=" +
              urlEncode(kLogoutRedirect),
          std::string("/oauth/logout?id_token_hint=garbage")}) {
        BOOST_TEST_CONTEXT(target) {
            const HttpResult r = browser.get(target);
            BOOST_TEST(r.status == 400);
            BOOST_TEST(r.header("Location").empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(logout_with_id_token_hint_ends_the_session_and_redirects) {
    Poco::JSON::Object extra;
    Poco::JSON::Array uris;
    uris.add(kLogoutRedirect);
    extra.set("post_logout_redirect_uris", uris);
    const Project project = server().createProject("Logout hint", extra);
    const User user = server().createUser();
    Browser browser;
    const auto callback = signIn(browser, project, user);
    const auto tokens = exchangeCode(project, callback.at("code"));
    const std::string id_token = tokens->optValue<std::string>("id_token", "");

    const HttpResult out =
        browser.get("/oauth/logout?id_token_hint=" + urlEncode(id_token) +
                    "&post_logout_redirect_uri=" + urlEncode(kLogoutRedirect) + "&state=bye");
    BOOST_TEST(out.status == 302);
    BOOST_TEST(out.header("Location") == kLogoutRedirect + "?state=bye");
    BOOST_TEST(browser.cookie("authd_session").empty());
    // The session is gone: prompt=none now needs a login.
    BOOST_TEST(
        callbackOf(browser.get(authorizeTarget(project, {{"prompt", "none"}}))).at("error") ==
        "login_required");
    // The refresh token of that session was revoked with it.
    const HttpResult refreshed = server().process().post(
        "/oauth/token",
        formBody({{"grant_type", "refresh_token"},
                  {"refresh_token", tokens->optValue<std::string>("refresh_token", "")},
                  {"client_id", project.client_id},
                  {"client_secret", project.client_secret}}));
    BOOST_TEST(refreshed.status == 400);
}

BOOST_AUTO_TEST_CASE(logout_without_hint_asks_first) {
    Poco::JSON::Object extra;
    Poco::JSON::Array uris;
    uris.add(kLogoutRedirect);
    extra.set("post_logout_redirect_uris", uris);
    const Project project = server().createProject("Logout confirm", extra);
    const User user = server().createUser();
    Browser browser;
    signIn(browser, project, user);

    const HttpResult page =
        browser.get("/api/oauth/logout?client_id=" + project.client_id +
                    "&post_logout_redirect_uri=" + urlEncode(kLogoutRedirect) + "&state=s");
    BOOST_TEST_REQUIRE(page.status == 200);
    expectPageHeaders(page);
    BOOST_TEST(contains(page.header("Content-Security-Policy"),
                        "form-action 'self' http://127.0.0.1:3000"));
    BOOST_TEST(contains(page.body, "value=\"logout\""));

    // Without the CSRF token nothing happens.
    const HttpResult forged = browser.postForm(
        "/oauth/logout", {{"decision", "logout"}, {"client_id", project.client_id}});
    BOOST_TEST(forged.status == 403);
    BOOST_TEST(!browser.cookie("authd_session").empty());

    const Params fields = {
        {"csrf_token", hiddenValue(page.body, "csrf_token")},
        {"client_id", hiddenValue(page.body, "client_id")},
        {"post_logout_redirect_uri", hiddenValue(page.body, "post_logout_redirect_uri")},
        {"state", hiddenValue(page.body, "state")}};
    Params stay = fields;
    stay.emplace_back("decision", "stay");
    BOOST_TEST(browser.postForm("/oauth/logout", stay).status == 200);
    BOOST_TEST(!browser.cookie("authd_session").empty());

    Params leave = fields;
    leave.emplace_back("decision", "logout");
    const HttpResult out = browser.postForm("/oauth/logout", leave);
    BOOST_TEST(out.status == 303);
    BOOST_TEST(out.header("Location") == kLogoutRedirect + "?state=s");
    BOOST_TEST(browser.cookie("authd_session").empty());

    // With nothing to end and no redirect, a plain "signed out" page.
    const HttpResult plain = browser.get("/oauth/logout");
    BOOST_TEST(plain.status == 200);
    BOOST_TEST(contains(plain.body, "signed out"));
}

BOOST_AUTO_TEST_CASE(backchannel_logout_is_delivered_to_clients_of_the_session) {
    BackchannelReceiver receiver;
    Poco::JSON::Object extra;
    extra.set("backchannel_logout_uri", receiver.uri());
    const Project project = server().createProject("Back-channel", extra);
    const Project bystander = server().createProject("Not in session", extra);
    const User user = server().createUser();
    Browser browser;
    const auto callback = signIn(browser, project, user);
    const auto tokens = exchangeCode(project, callback.at("code"));
    const std::string id_token = tokens->optValue<std::string>("id_token", "");
    const std::string sid = jwtClaims(id_token)->optValue<std::string>("sid", "");
    BOOST_TEST_REQUIRE(!sid.empty());

    const HttpResult out = browser.get("/oauth/logout?id_token_hint=" + urlEncode(id_token));
    BOOST_TEST(out.status == 200);
    BOOST_TEST(contains(out.body, "signed out"));

    const auto received = receiver.received(1);
    BOOST_TEST_REQUIRE(received.size() == 1U);  // the bystander project got nothing
    BOOST_TEST(received[0].first == "application/x-www-form-urlencoded");
    const std::string& body = received[0].second;
    BOOST_TEST_REQUIRE(body.rfind("logout_token=", 0) == 0U);
    std::string token;
    Poco::URI::decode(body.substr(std::string("logout_token=").size()), token);

    // HS256 with the client secret, like the project's ID tokens.
    auto key = authd::tokens::Key::hmac(project.client_secret);
    BOOST_TEST_REQUIRE(key.has_value());
    auto verified =
        authd::tokens::verify(token, authd::tokens::KeySet({*key}), {authd::tokens::Alg::hs256});
    BOOST_TEST_REQUIRE(verified.has_value(), (verified ? std::string() : verified.error().message));
    BOOST_TEST(verified->typ == "logout+jwt");
    const authd::json::Object& claims = verified->claims;
    BOOST_TEST(claims.string("iss").value_or("") == server().issuer());
    BOOST_TEST(claims.string("aud").value_or("") == project.client_id);
    BOOST_TEST(claims.string("sub").value_or("") == user.id);
    BOOST_TEST(claims.string("sid").value_or("") == sid);
    BOOST_TEST(!claims.string("jti").value_or("").empty());
    BOOST_TEST(claims.has("iat"));
    BOOST_TEST(!claims.has("nonce"));
    const authd::json::Object* events = claims.object("events");
    BOOST_TEST_REQUIRE(events != nullptr);
    BOOST_TEST(events->has("http://schemas.openid.net/event/backchannel-logout"));
    (void)bystander;
}

BOOST_AUTO_TEST_SUITE_END()
