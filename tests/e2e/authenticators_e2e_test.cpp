// SPDX-License-Identifier: Apache-2.0
// The PIN and magic-link authenticators inside the real authd binary: PIN sign-in through
// /login/pin to a code and tokens (amr "pin", refresh lifetime tokens.pin_refresh_ttl), wrong
// PINs and the hard lockout; a magic link requested through /login/email-link, read back from
// the outbox mailer's .eml files and followed with the same cookie jar to a code, refused on
// reuse, and refused (without being used up) in another browser.
// One authd (SQLite, cheap Argon2id, outbox mail) serves the whole executable; every case
// creates its own project and users through the bootstrap admin API.
#define BOOST_TEST_MODULE authenticators_e2e_test
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "support/authd_process.hpp"
#include "support/web_client.hpp"

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

namespace {

const std::string kAdminToken = "authenticators-e2e-admin-token-0123456789abcdef01234";
const std::string kRedirect = "http://127.0.0.1:3000/api/auth/callback";
const std::string kPin = "402917";
constexpr std::int64_t kRefreshTtl = 3 * 86400;
constexpr std::int64_t kPinRefreshTtl = 20 * 86400;

std::string configYaml(const std::filesystem::path& dir, std::uint16_t port) {
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
    y += "authenticators:\n";
    y += "  - id: pin\n    plugin: pin\n    config: { digits: 6, max_attempts: 3, lockout: 15m }\n";
    y += "  - id: email-link\n    plugin: magic_link\n    config: { ttl: 15m }\n";
    y += "  - id: quick-link\n    plugin: magic_link\n    config: { ttl: 5s }\n";
    y += "mail:\n  plugin: outbox\n  config:\n    dir: \"" + d + "/outbox\"\n";
    y += "tokens:\n  refresh_ttl: 3d\n  pin_refresh_ttl: 20d\n";
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
};

class Server {
public:
    Server() {
        for (int attempt = 0;; ++attempt) {
            port_ = freePort();
            config_path_ = dir_.write("authd.yaml", configYaml(dir_.path(), port_));
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
    std::filesystem::path outbox() const { return dir_.path() / "outbox"; }

    HttpResult adminPost(const std::string& path, const Poco::JSON::Object& body) {
        return process_->post("/admin/api/v1" + path, toJson(body), "application/json",
                              {{"Authorization", "Bearer " + kAdminToken}});
    }

    Project createProject() {
        Poco::JSON::Object body;
        body.set("name", "Authenticators " + std::to_string(++serial_));
        Poco::JSON::Array uris;
        uris.add(kRedirect);
        body.set("redirect_uris", uris);
        body.set("client_type", "confidential");
        body.set("skip_consent", true);
        const HttpResult r = adminPost("/projects", body);
        BOOST_TEST_REQUIRE(r.status == 201, r.body);
        const auto created = parseObject(r.body);
        return {created->optValue<std::string>("client_id", ""),
                created->optValue<std::string>("client_secret", "")};
    }

    /// A user; `pin` (when set) goes through the admin API to the pin instance's makeCredential.
    std::pair<std::string, std::string> createUser(const std::string& pin = {}) {
        const std::string email = "person" + std::to_string(++serial_) + "@example.com";
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", "Test Person");
        if (!pin.empty()) {
            body.set("pin", pin);
        }
        const HttpResult r = adminPost("/users", body);
        BOOST_TEST_REQUIRE(r.status == 201, r.body);
        return {parseObject(r.body)->optValue<std::string>("id", ""), email};
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

// A browser on the server (a cookie jar; redirects are not followed).
class Browser : public authd::test::Browser {
public:
    Browser() : authd::test::Browser(server().issuer()) {}
};

/// Starts an authorization and opens the form of `method`; returns the form page.
HttpResult openMethod(Browser& browser, const Project& project, const std::string& method) {
    const std::string target = "/oauth/authorize?" + formBody({{"client_id", project.client_id},
                                                               {"redirect_uri", kRedirect},
                                                               {"response_type", "code"},
                                                               {"scope", "openid email"},
                                                               {"state", "st-" + method}});
    const HttpResult start = browser.get(target);
    BOOST_TEST_REQUIRE(Browser::isRedirect(start.status), start.status << " " << start.body);
    const std::string location = start.header("Location");
    BOOST_TEST_REQUIRE(location.rfind("/login?req=", 0) == 0, location);
    // Several methods are configured, so /login is a chooser; go to the method itself.
    const HttpResult form = browser.get("/login/" + method + "?req=" + queryOf(location).at("req"));
    BOOST_TEST_REQUIRE(form.status == 200, form.body);
    BOOST_TEST_REQUIRE(formAction(form.body) == "/login/" + method, form.body);
    return form;
}

HttpResult submitForm(Browser& browser, const HttpResult& form, const Params& fields) {
    Params params = {{"csrf_token", hiddenValue(form.body, "csrf_token")},
                     {"req", hiddenValue(form.body, "req")}};
    params.insert(params.end(), fields.begin(), fields.end());
    return browser.postForm(formAction(form.body), params);
}

std::map<std::string, std::string> callbackOf(const HttpResult& r) {
    BOOST_TEST_REQUIRE(Browser::isRedirect(r.status),
                       "expected a redirect to the client, got " << r.status << ": " << r.body);
    const std::string location = r.header("Location");
    BOOST_TEST_REQUIRE(location.rfind(kRedirect + "?", 0) == 0, "redirected to " << location);
    return queryOf(location);
}

Poco::JSON::Object::Ptr exchangeCode(const Project& project, const std::string& code) {
    const HttpResult r = server().process().post(
        "/oauth/token", formBody({{"grant_type", "authorization_code"},
                                  {"code", code},
                                  {"redirect_uri", kRedirect},
                                  {"client_id", project.client_id},
                                  {"client_secret", project.client_secret}}));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    return parseObject(r.body);
}

std::vector<std::string> amrOf(const Poco::JSON::Object::Ptr& claims) {
    std::vector<std::string> out;
    const auto array = claims->getArray("amr");
    BOOST_TEST_REQUIRE(!array.isNull());
    for (std::size_t i = 0; i < array->size(); ++i) {
        out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return out;
}

/// The refresh token's lifetime as introspection reports it (exp - iat).
std::int64_t refreshLifetime(const Project& project, const std::string& refresh_token) {
    const HttpResult r = server().process().post(
        "/oauth/introspect", formBody({{"token", refresh_token},
                                       {"token_type_hint", "refresh_token"},
                                       {"client_id", project.client_id},
                                       {"client_secret", project.client_secret}}));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    const auto body = parseObject(r.body);
    BOOST_TEST_REQUIRE(body->optValue<bool>("active", false), r.body);
    BOOST_TEST(body->optValue<std::string>("token_type", "") == "refresh_token");
    return body->getValue<std::int64_t>("exp") - body->getValue<std::int64_t>("iat");
}

/// The outbox's .eml files.
std::set<std::string> outboxFiles() {
    std::set<std::string> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(server().outbox(), ec)) {
        if (entry.path().extension() == ".eml") {
            files.insert(entry.path().string());
        }
    }
    return files;
}

/// Waits for the one mail that appears after `before` was listed, and returns its text. The
/// plugin sends from its own threads, so the page answers before the file exists.
std::string newMail(const std::set<std::string>& before) {
    for (int i = 0; i < 1000; ++i) {
        for (const std::string& file : outboxFiles()) {
            if (before.count(file) == 0) {
                std::ifstream in(file, std::ios::binary);
                std::ostringstream text;
                text << in.rdbuf();
                return text.str();
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_FAIL("no mail reached the outbox in 20 seconds");
    return {};
}

std::string linkIn(const std::string& mail, const std::string& instance = "email-link") {
    const std::regex pattern(R"(http://127\.0\.0\.1:[0-9]+/login/)" + instance +
                             R"(/verify\?token=[A-Za-z0-9_-]{43}&req=[A-Za-z0-9._~%-]+)");
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_search(mail, match, pattern), mail);
    return match[0].str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pin)

BOOST_AUTO_TEST_CASE(pin_sign_in_reaches_tokens_with_amr_pin_and_the_pin_refresh_lifetime) {
    const Project project = server().createProject();
    const auto [user_id, email] = server().createUser(kPin);
    Browser browser;
    const HttpResult form = openMethod(browser, project, "pin");
    BOOST_TEST(contains(form.body, "name=\"email\""));
    BOOST_TEST(contains(form.body, "name=\"pin\""));
    BOOST_TEST(contains(form.body, "inputmode=\"numeric\""));
    BOOST_TEST(contains(form.body, "<label for=\"authd-pin-pin\">PIN</label>"));
    BOOST_TEST(!contains(form.body, "<script"));

    const auto callback = callbackOf(submitForm(browser, form, {{"email", email}, {"pin", kPin}}));
    BOOST_TEST(callback.at("state") == "st-pin");
    const auto tokens = exchangeCode(project, callback.at("code"));
    const auto id_claims = jwtClaims(tokens->optValue<std::string>("id_token", ""));
    BOOST_TEST(id_claims->optValue<std::string>("sub", "") == user_id);
    BOOST_TEST(amrOf(id_claims) == std::vector<std::string>{"pin"});
    const auto access_claims = jwtClaims(tokens->optValue<std::string>("access_token", ""));
    BOOST_TEST(amrOf(access_claims) == std::vector<std::string>{"pin"});
    const std::string refresh = tokens->optValue<std::string>("refresh_token", "");
    BOOST_TEST_REQUIRE(!refresh.empty());
    BOOST_TEST(refreshLifetime(project, refresh) == kPinRefreshTtl);
}

BOOST_AUTO_TEST_CASE(admin_api_refuses_a_trivial_pin_and_keeps_no_user) {
    Poco::JSON::Object body;
    body.set("email", "trivial-pin@example.com");
    body.set("pin", "123456");
    const HttpResult r = server().adminPost("/users", body);
    BOOST_TEST(r.status == 400);
    BOOST_TEST(contains(r.body, "pin: the PIN must not be a run of consecutive digits"), r.body);
    body.set("pin", "4029");
    const HttpResult short_pin = server().adminPost("/users", body);
    BOOST_TEST(short_pin.status == 400);
    BOOST_TEST(contains(short_pin.body, "exactly 6 digits"), short_pin.body);
    body.set("pin", kPin);
    BOOST_TEST(server().adminPost("/users", body).status == 201);
}

BOOST_AUTO_TEST_CASE(a_wrong_pin_shows_the_form_again_and_the_third_locks_the_account) {
    const Project project = server().createProject();
    const auto [user_id, email] = server().createUser(kPin);
    Browser browser;
    HttpResult page = openMethod(browser, project, "pin");
    page = submitForm(browser, page, {{"email", email}, {"pin", "111112"}});
    BOOST_TEST(page.status == 200);
    BOOST_TEST(contains(page.body, "role=\"alert\""));
    BOOST_TEST(contains(page.body, "Email or PIN is incorrect. 2 attempts left"), page.body);
    page = submitForm(browser, page, {{"email", email}, {"pin", "111113"}});
    BOOST_TEST(contains(page.body, "1 attempt left"), page.body);
    page = submitForm(browser, page, {{"email", email}, {"pin", "111114"}});
    BOOST_TEST(
        contains(page.body, "PIN sign-in to this account is locked. Try again in 15 minutes."),
        page.body);
    // The right PIN, even from a fresh browser, is refused now.
    Browser other;
    const HttpResult fresh = openMethod(other, project, "pin");
    const HttpResult refused = submitForm(other, fresh, {{"email", email}, {"pin", kPin}});
    BOOST_TEST(refused.status == 200);
    BOOST_TEST(contains(refused.body, "is locked"), refused.body);
    // An unknown email locks the same way, so the lock reveals nothing.
    HttpResult ghost = openMethod(other, project, "pin");
    for (const std::string wrong : {"111112", "111113", "111114"}) {
        ghost = submitForm(other, ghost, {{"email", "ghost-" + email}, {"pin", wrong}});
    }
    BOOST_TEST(
        contains(ghost.body, "PIN sign-in to this account is locked. Try again in 15 minutes."));
    (void)user_id;
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(magic_link)

BOOST_AUTO_TEST_CASE(an_emailed_link_signs_in_once_in_the_browser_that_asked) {
    const Project project = server().createProject();
    const auto [user_id, email] = server().createUser();
    Browser browser;
    const HttpResult form = openMethod(browser, project, "email-link");
    BOOST_TEST(contains(form.body, "<label for=\"authd-email-link-email\">Email</label>"));
    const auto before = outboxFiles();
    const HttpResult asked = submitForm(browser, form, {{"email", email}});
    BOOST_TEST(asked.status == 200);
    BOOST_TEST(contains(asked.body, "Check your email"));
    BOOST_TEST(contains(asked.body, "If <strong>" + email + "</strong> belongs to an account"));

    const std::string mail = newMail(before);
    BOOST_TEST(contains(mail, "To: " + email));
    BOOST_TEST(contains(mail, "Subject: Your sign-in link"));
    BOOST_TEST(contains(mail, "Content-Type: text/html"));
    const std::string link = linkIn(mail);
    BOOST_TEST(link.rfind(server().issuer() + "/login/email-link/verify?token=", 0) == 0, link);

    // Another browser (here one that started its own sign-in) gets the host's page, and the
    // link stays usable.
    Browser elsewhere;
    (void)openMethod(elsewhere, project, "email-link");
    const HttpResult foreign = elsewhere.get(link);
    BOOST_TEST(foreign.status == 403, foreign.body);
    BOOST_TEST(contains(foreign.body, "Open this page in the browser where you started"),
               foreign.body);
    const HttpResult no_cookies = Browser().get(link);
    BOOST_TEST(no_cookies.status == 403, no_cookies.body);

    const auto callback = callbackOf(browser.get(link));
    BOOST_TEST(callback.at("state") == "st-email-link");
    const auto tokens = exchangeCode(project, callback.at("code"));
    const auto id_claims = jwtClaims(tokens->optValue<std::string>("id_token", ""));
    BOOST_TEST(id_claims->optValue<std::string>("sub", "") == user_id);
    BOOST_TEST(amrOf(id_claims) == std::vector<std::string>{"otp"});
    BOOST_TEST(id_claims->optValue<bool>("email_verified", false));  // the link proved it
    const std::string refresh = tokens->optValue<std::string>("refresh_token", "");
    BOOST_TEST_REQUIRE(!refresh.empty());
    BOOST_TEST(refreshLifetime(project, refresh) == kRefreshTtl);

    const HttpResult reused = browser.get(link);
    BOOST_TEST(reused.status == 400, reused.body);
    BOOST_TEST(
        contains(reused.body, "This link has expired or was already used. Request a new one."),
        reused.body);
    BOOST_TEST(contains(reused.body, "role=\"alert\""));
}

BOOST_AUTO_TEST_CASE(an_expired_link_gets_a_clear_page_and_signs_nobody_in) {
    const Project project = server().createProject();
    const auto [user_id, email] = server().createUser();
    Browser browser;
    const auto before = outboxFiles();
    const HttpResult asked =
        submitForm(browser, openMethod(browser, project, "quick-link"), {{"email", email}});
    BOOST_TEST(asked.status == 200);
    const std::string link = linkIn(newMail(before), "quick-link");
    BOOST_TEST(link.rfind(server().issuer() + "/login/quick-link/verify?token=", 0) == 0, link);
    // quick-link's ttl is 5s; the store compares whole seconds.
    std::this_thread::sleep_for(std::chrono::seconds(7));
    const HttpResult expired = browser.get(link);
    BOOST_TEST(expired.status == 400, expired.body);
    BOOST_TEST(
        contains(expired.body, "This link has expired or was already used. Request a new one."),
        expired.body);
    BOOST_TEST(expired.header("Location").empty());
    (void)user_id;
}

BOOST_AUTO_TEST_CASE(an_unknown_address_gets_the_same_page_and_no_mail) {
    const Project project = server().createProject();
    const auto [user_id, email] = server().createUser();
    Browser browser;
    const auto before = outboxFiles();
    const HttpResult known =
        submitForm(browser, openMethod(browser, project, "email-link"), {{"email", email}});
    const std::string mail = newMail(before);
    const auto after_known = outboxFiles();
    const HttpResult unknown = submitForm(browser, openMethod(browser, project, "email-link"),
                                          {{"email", "nobody-" + email}});
    BOOST_TEST(known.status == unknown.status);
    const auto strip = [](std::string body, const std::string& address) {
        const std::regex variable("(" +
                                  std::regex_replace(address, std::regex(R"([.+])"), R"(\$&)") +
                                  R"()|req=[A-Za-z0-9._~%-]+|value="[^"]*")");
        return std::regex_replace(body, variable, "X");
    };
    BOOST_TEST(strip(known.body, email) == strip(unknown.body, "nobody-" + email));
    // The plugin sends from its own threads: give a mail that should not exist time to appear.
    const HttpResult marker =
        submitForm(browser, openMethod(browser, project, "email-link"), {{"email", email}});
    BOOST_TEST(marker.status == 200);
    const std::string next = newMail(after_known);
    BOOST_TEST(contains(next, "To: " + email), next);
    for (const std::string& file : outboxFiles()) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        BOOST_TEST(!contains(text.str(), "nobody-" + email));
    }
    (void)mail;
    (void)user_id;
}

BOOST_AUTO_TEST_CASE(a_malformed_or_unknown_link_gets_a_clear_page) {
    Browser browser;
    const HttpResult damaged = browser.get("/login/email-link/verify?token=short");
    BOOST_TEST(damaged.status == 400);
    BOOST_TEST(contains(damaged.body, "This sign-in link is incomplete."), damaged.body);
    const HttpResult unknown =
        browser.get("/login/email-link/verify?token=" + std::string(43, 'A'));
    BOOST_TEST(unknown.status == 400);
    BOOST_TEST(contains(unknown.body, "This link has expired or was already used."), unknown.body);
    const HttpResult other_path = browser.get("/login/email-link/elsewhere");
    BOOST_TEST(other_path.status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
