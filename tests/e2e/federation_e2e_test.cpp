// SPDX-License-Identifier: Apache-2.0
// "Sign in with <upstream>" end to end: a downstream authd whose oidc_federation instances
// point at (a) a second authd (HS256 and RS256 ID tokens) and (b) npm oidc-provider, an
// independent certified OP (tests/e2e/federation/upstream_op.mjs), which can also be told to
// hand out a tampered ID token or one with the wrong nonce. A browser with a per-host cookie
// jar drives the whole chain: downstream authorize, login chooser, the federation button,
// the upstream's login and consent, the callback, the downstream's consent, the code and the
// tokens. The servers listen on different loopback addresses (127.0.0.1 downstream,
// 127.0.0.2 upstream authd, 127.0.0.3 oidc-provider) because browsers share cookies across
// the ports of one host, and both authds name their cookies alike.
#define BOOST_TEST_MODULE federation_e2e_test
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <boost/test/unit_test.hpp>

#include "support/authd_process.hpp"
#include "support/child_process.hpp"
#include "support/web_client.hpp"

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;
using authd::test::Browser;
using authd::test::ChildProcess;
using authd::test::contains;
using authd::test::formAction;
using authd::test::formBody;
using authd::test::freePort;
using authd::test::hiddenValue;
using authd::test::httpRequest;
using authd::test::jwtClaims;
using authd::test::Params;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::resolveUrl;
using authd::test::toJson;
using authd::test::unescapeHtml;

namespace {

const std::string kAdminToken = "federation-e2e-admin-token-0123456789abcdef01234567";
const std::string kPassword = "correct horse battery staple";
const std::string kAppRedirect = "http://127.0.0.1:3000/cb";
const std::string kOpSecret = "node-op-client-secret-0123456789abcdef0123456789";
const std::string kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";  // RFC 7636 B
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string authdYaml(const std::filesystem::path& dir, const std::string& host, std::uint16_t port,
                      const std::string& authenticators) {
    const std::string d = dir.string();
    const std::string base = host + ":" + std::to_string(port);
    std::string y;
    y += "server:\n  listen: \"" + base + "\"\n  issuer: \"http://" + base + "\"\n  threads: 8\n";
    y += "plugins:\n  paths: [ \"" + authd::test::pluginDir() + "\" ]\n";
    y += "data_dir: \"" + d + "/var\"\n";
    y += "storage:\n  plugin: sqlite\n  config:\n    path: \"" + d + "/var/authd.db\"\n";
    y += authenticators;
    y += "tokens:\n  default_id_token_alg: HS256\n";
    y += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
    y += "secrets:\n  master_key_env: \"\"\n  master_key_file: \"" + d + "/var/master.key\"\n";
    y += "  admin_token_env: AUTHD_ADMIN_TOKEN\n  dev_master_key: true\n";
    return y;
}

struct Client {
    std::string client_id;
    std::string client_secret;
    std::string id_token_alg;  // as the upstream reports it at creation
};

// One authd on a loopback address, its admin API reached over HTTP.
class Authd {
  public:
    Authd(const std::string& host, const std::string& authenticators_yaml_for_port_fn_unused = {})
        : host_(host) {
        (void)authenticators_yaml_for_port_fn_unused;
        port_ = freePort(host_);
    }

    void start(const std::string& authenticators) {
        const std::string path =
            dir_.write("authd.yaml", authdYaml(dir_.path(), host_, port_, authenticators));
        AuthdProcess::Options options;
        options.env["AUTHD_ADMIN_TOKEN"] = kAdminToken;
        process_ = std::make_unique<AuthdProcess>(path, options);
    }

    std::string base() const { return "http://" + host_ + ":" + std::to_string(port_); }
    const TempDir& dir() const { return dir_; }
    AuthdProcess& process() { return *process_; }

    Poco::JSON::Object::Ptr admin(const std::string& method, const std::string& path,
                                  const Poco::JSON::Object& body, int expected) {
        const HttpResult r =
            httpRequest(method, base() + "/admin/api/v1" + path, toJson(body), "application/json",
                        {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != expected) {
            throw std::runtime_error(method + " " + path + " -> HTTP " + std::to_string(r.status) +
                                     ": " + r.body);
        }
        return parseObject(r.body);
    }

    Client createProject(const std::string& name, const std::string& redirect,
                         const std::string& id_token_alg = {}) {
        Poco::JSON::Object body;
        body.set("name", name);
        Poco::JSON::Array uris;
        uris.add(redirect);
        body.set("redirect_uris", uris);
        body.set("client_type", "confidential");
        if (!id_token_alg.empty()) {
            body.set("id_token_signed_response_alg", id_token_alg);
        }
        const auto created = admin("POST", "/projects", body, 201);
        return {created->getValue<std::string>("client_id"),
                created->getValue<std::string>("client_secret"),
                created->optValue<std::string>("id_token_signed_response_alg", "")};
    }

    std::string createUser(const std::string& email) {
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", "Upstream " + email);
        body.set("role", "user");
        body.set("status", "active");
        body.set("password", kPassword);
        return admin("POST", "/users", body, 201)->getValue<std::string>("id");
    }

  private:
    std::string host_;
    std::uint16_t port_ = 0;
    TempDir dir_;
    std::unique_ptr<AuthdProcess> process_;
};

std::string federationEntry(const std::string& id, const std::string& issuer,
                            const std::string& client_id, const std::string& secret_file,
                            const std::string& extra) {
    return "  - id: " + id + "\n    plugin: oidc_federation\n    config:\n      issuer: \"" +
           issuer + "\"\n      client_id: \"" + client_id + "\"\n      client_secret_file: \"" +
           secret_file + "\"\n" + extra;
}

// The three servers, started once for the executable.
class Topology {
  public:
    Topology() : upstream_("127.0.0.2"), downstream_("127.0.0.1") {
        const std::string down = downstream_.base();
        // (b) npm oidc-provider, one client for the downstream's node-op instance.
        const std::string op_secret_file = downstream_.dir().write("op.secret", kOpSecret);
        op_port_ = freePort("127.0.0.3");
        op_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"node", "upstream_op.mjs", "--host", "127.0.0.3", "--port",
                                     std::to_string(op_port_), "--redirect-uri",
                                     down + "/login/node-op/callback", "--secret-file",
                                     op_secret_file},
            "READY", std::chrono::seconds(60), AUTHD_FEDERATION_OP_DIR);

        // (a) a second authd as the upstream: two projects for two downstream instances.
        upstream_.start("authenticators:\n  - id: password\n    plugin: password\n");
        const Client hs =
            upstream_.createProject("Downstream HS256", down + "/login/upstream-hs/callback");
        const Client rs = upstream_.createProject("Downstream RS256",
                                                  down + "/login/upstream-rs/callback", "RS256");
        rs_alg_ = rs.id_token_alg;
        hs_alg_ = hs.id_token_alg;
        const std::string hs_file = downstream_.dir().write("hs.secret", hs.client_secret);
        const std::string rs_file = downstream_.dir().write("rs.secret", rs.client_secret);

        std::string authenticators = "authenticators:\n  - id: password\n    plugin: password\n";
        authenticators += federationEntry("upstream-hs", upstream_.base(), hs.client_id, hs_file,
                                          "      label: \"Sign in with Upstream HS\"\n");
        authenticators += federationEntry("upstream-rs", upstream_.base(), rs.client_id, rs_file,
                                          "      label: \"Sign in with Upstream RS\"\n"
                                          "      client_auth: client_secret_post\n");
        authenticators += federationEntry("node-op", "http://127.0.0.3:" + std::to_string(op_port_),
                                          "authd-downstream", op_secret_file,
                                          "      label: \"Sign in with Node OP\"\n"
                                          "      link_by_email: true\n");
        downstream_.start(authenticators);
        app_ = downstream_.createProject("Downstream app", kAppRedirect);
    }

    Authd& upstream() { return upstream_; }
    Authd& downstream() { return downstream_; }
    const Client& app() const { return app_; }
    std::string opBase() const { return "http://127.0.0.3:" + std::to_string(op_port_); }
    ChildProcess& op() { return *op_; }
    const std::string& rsAlg() const { return rs_alg_; }
    const std::string& hsAlg() const { return hs_alg_; }

  private:
    std::string rs_alg_;
    std::string hs_alg_;
    Authd upstream_;
    Authd downstream_;
    std::uint16_t op_port_ = 0;
    std::unique_ptr<ChildProcess> op_;
    Client app_;
};

Topology& topology() {
    static Topology instance;
    return instance;
}

std::string authorizeUrl(const std::string& state) {
    Params params = {{"client_id", topology().app().client_id},
                     {"redirect_uri", kAppRedirect},
                     {"response_type", "code"},
                     {"scope", "openid email profile"},
                     {"state", state},
                     {"nonce", "n-" + state},
                     {"code_challenge", kChallenge},
                     {"code_challenge_method", "S256"}};
    return topology().downstream().base() + "/oauth/authorize?" + formBody(params);
}

// Downstream authorize -> chooser -> the instance's button page.
HttpResult openButton(Browser& browser, const std::string& instance, const std::string& state) {
    const std::string down = topology().downstream().base();
    const HttpResult start = browser.get(authorizeUrl(state));
    BOOST_TEST_REQUIRE(Browser::isRedirect(start.status), start.status << " " << start.body);
    const HttpResult chooser = browser.follow(start, down);
    BOOST_TEST_REQUIRE(chooser.status == 200, chooser.body);
    const std::regex link("href=\"(/login/" + instance + "\\?req=[^\"]+)\"");
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_search(chooser.body, match, link), chooser.body);
    const HttpResult page = browser.get(down + unescapeHtml(match[1].str()));
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    return page;
}

// Posts the button; the answer is the redirect to the upstream.
HttpResult pressButton(Browser& browser, const HttpResult& page) {
    const std::string down = topology().downstream().base();
    const std::string action = formAction(page.body);
    BOOST_TEST_REQUIRE(!action.empty(), page.body);
    const HttpResult posted =
        browser.postForm(down + action, {{"csrf_token", hiddenValue(page.body, "csrf_token")},
                                         {"req", hiddenValue(page.body, "req")}});
    BOOST_TEST_REQUIRE(Browser::isRedirect(posted.status), posted.status << " " << posted.body);
    return posted;
}

struct UpstreamUser {
    std::string login;  // authd: the email; oidc-provider: any name
    std::string consent = "allow";
};

// At the upstream: sign in, consent, until it redirects back to the downstream; returns that
// callback URL (not yet requested).
std::string atUpstream(Browser& browser, HttpResult response, const UpstreamUser& user) {
    const std::string down = topology().downstream().base();
    std::string url = topology().downstream().base();
    for (int step = 0; step < 20; ++step) {
        if (Browser::isRedirect(response.status)) {
            const std::string next = resolveUrl(browser.lastUrl().empty() ? url : browser.lastUrl(),
                                                response.header("Location"));
            if (next.rfind(down + "/", 0) == 0) {
                return next;
            }
            response = browser.get(next);
            continue;
        }
        BOOST_TEST_REQUIRE(response.status == 200,
                           browser.lastUrl() << " " << response.status << ": " << response.body);
        const std::string here = browser.lastUrl();
        const std::string action = resolveUrl(here, formAction(response.body));
        if (contains(response.body, "name=\"password\"") &&
            contains(response.body, "name=\"email\"")) {
            response =
                browser.postForm(action, {{"csrf_token", hiddenValue(response.body, "csrf_token")},
                                          {"req", hiddenValue(response.body, "req")},
                                          {"email", user.login},
                                          {"password", kPassword}});
        } else if (contains(response.body, "name=\"decision\"")) {
            response =
                browser.postForm(action, {{"csrf_token", hiddenValue(response.body, "csrf_token")},
                                          {"req", hiddenValue(response.body, "req")},
                                          {"decision", user.consent}});
        } else if (contains(response.body, "name=\"prompt\" value=\"login\"")) {
            response = browser.postForm(
                action, {{"prompt", "login"}, {"login", user.login}, {"password", "any"}});
        } else if (contains(response.body, "name=\"prompt\" value=\"consent\"")) {
            response = browser.postForm(action, {{"prompt", "consent"}});
        } else {
            BOOST_FAIL("unexpected upstream page at " << here << ": " << response.body);
        }
    }
    BOOST_FAIL("the upstream never redirected back");
    return {};
}

// The callback and the downstream's consent, to the app's redirect; returns its query.
std::map<std::string, std::string> backAtDownstream(Browser& browser, const std::string& callback) {
    const std::string down = topology().downstream().base();
    HttpResult r = browser.get(callback);
    BOOST_TEST_REQUIRE(Browser::isRedirect(r.status), r.status << ": " << r.body);
    std::string location = resolveUrl(callback, r.header("Location"));
    if (location.rfind(down + "/oauth/consent", 0) == 0) {
        const HttpResult consent = browser.get(location);
        BOOST_TEST_REQUIRE(consent.status == 200, consent.body);
        r = browser.postForm(resolveUrl(location, formAction(consent.body)),
                             {{"csrf_token", hiddenValue(consent.body, "csrf_token")},
                              {"req", hiddenValue(consent.body, "req")},
                              {"decision", "allow"}});
        BOOST_TEST_REQUIRE(Browser::isRedirect(r.status), r.status << ": " << r.body);
        location = r.header("Location");
    }
    BOOST_TEST_REQUIRE(location.rfind(kAppRedirect + "?", 0) == 0, location);
    return queryOf(location);
}

Poco::JSON::Object::Ptr redeem(const std::string& code) {
    const Client& app = topology().app();
    const HttpResult r = httpRequest("POST", topology().downstream().base() + "/oauth/token",
                                     formBody({{"grant_type", "authorization_code"},
                                               {"code", code},
                                               {"redirect_uri", kAppRedirect},
                                               {"client_id", app.client_id},
                                               {"client_secret", app.client_secret},
                                               {"code_verifier", kVerifier}}),
                                     "application/x-www-form-urlencoded");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    return parseObject(r.body);
}

struct SignedIn {
    Poco::JSON::Object::Ptr id_claims;
    std::string callback;
};

SignedIn federatedSignIn(Browser& browser, const std::string& instance, const UpstreamUser& user,
                         const std::string& state) {
    const HttpResult upstream_redirect = pressButton(browser, openButton(browser, instance, state));
    const std::string callback = atUpstream(browser, upstream_redirect, user);
    const auto query = backAtDownstream(browser, callback);
    BOOST_TEST(query.at("state") == state);
    const auto tokens = redeem(query.at("code"));
    return {jwtClaims(tokens->getValue<std::string>("id_token")), callback};
}

std::vector<std::string> amrOf(const Poco::JSON::Object::Ptr& claims) {
    std::vector<std::string> out;
    const auto amr = claims->getArray("amr");
    for (std::size_t i = 0; amr && i < amr->size(); ++i) {
        out.push_back(amr->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(login_page)

BOOST_AUTO_TEST_CASE(each_upstream_is_its_own_button_beside_the_password_form) {
    Browser browser;
    const std::string down = topology().downstream().base();
    const HttpResult start = browser.get(authorizeUrl("chooser"));
    const HttpResult chooser = browser.follow(start, down);
    BOOST_TEST_REQUIRE(chooser.status == 200);
    BOOST_TEST(contains(chooser.body, "Sign in with Upstream HS"));
    BOOST_TEST(contains(chooser.body, "Sign in with Upstream RS"));
    BOOST_TEST(contains(chooser.body, "Sign in with Node OP"));
    const HttpResult button = openButton(browser, "node-op", "chooser-2");
    BOOST_TEST(
        contains(button.body,
                 "<button type=\"submit\" class=\"button primary\">Sign in with Node OP</button>"));
    BOOST_TEST(!hiddenValue(button.body, "csrf_token").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authd_upstream)

BOOST_AUTO_TEST_CASE(hs256_id_tokens_sign_in_through_a_second_authd) {
    const std::string email = "hs-user@example.com";
    topology().upstream().createUser(email);
    BOOST_TEST(topology().hsAlg() == "HS256");
    Browser browser;
    const SignedIn first = federatedSignIn(browser, "upstream-hs", {email}, "hs-1");
    BOOST_TEST(first.id_claims->getValue<std::string>("email") == email);
    BOOST_TEST((amrOf(first.id_claims) == std::vector<std::string>{"fed"}));
    BOOST_TEST(first.id_claims->getValue<std::string>("nonce") == "n-hs-1");
    const std::string sub = first.id_claims->getValue<std::string>("sub");
    // The account was created downstream and is found again by its upstream subject.
    Browser other;
    const SignedIn second = federatedSignIn(other, "upstream-hs", {email}, "hs-2");
    BOOST_TEST(second.id_claims->getValue<std::string>("sub") == sub);
    BOOST_TEST(second.id_claims->getValue<std::string>("email") == email);
    // Info lines are written in batches once the server runs: wait for the line.
    BOOST_TEST(topology().downstream().process().waitForOutput("oidc_federation.account_created"));
}

BOOST_AUTO_TEST_CASE(rs256_id_tokens_verify_against_the_upstream_jwks) {
    const std::string email = "rs-user@example.com";
    topology().upstream().createUser(email);
    BOOST_TEST(topology().rsAlg() == "RS256");
    Browser browser;
    const SignedIn signed_in = federatedSignIn(browser, "upstream-rs", {email}, "rs-1");
    BOOST_TEST(signed_in.id_claims->getValue<std::string>("email") == email);
    BOOST_TEST((amrOf(signed_in.id_claims) == std::vector<std::string>{"fed"}));
}

BOOST_AUTO_TEST_CASE(a_used_callback_cannot_be_replayed) {
    const std::string email = "replay-user@example.com";
    topology().upstream().createUser(email);
    Browser browser;
    const SignedIn signed_in = federatedSignIn(browser, "upstream-hs", {email}, "replay");
    const HttpResult replay = browser.get(signed_in.callback);
    BOOST_TEST(replay.status == 400);
    BOOST_TEST(contains(replay.body, "expired or was already used"));
}

BOOST_AUTO_TEST_CASE(denying_consent_upstream_returns_to_the_button_with_a_message) {
    const std::string email = "deny-user@example.com";
    topology().upstream().createUser(email);
    Browser browser;
    const HttpResult upstream_redirect =
        pressButton(browser, openButton(browser, "upstream-hs", "deny"));
    const std::string callback = atUpstream(browser, upstream_redirect, {email, "deny"});
    BOOST_TEST(queryOf(callback).at("error") == "access_denied");
    const HttpResult page = browser.get(callback);
    BOOST_TEST(page.status == 200);
    BOOST_TEST(contains(page.body, "access was denied"));
    BOOST_TEST(contains(page.body, "Sign in with Upstream HS</button>"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(oidc_provider_upstream)

BOOST_AUTO_TEST_CASE(a_verified_email_links_an_existing_downstream_account) {
    Poco::JSON::Object body;
    body.set("email", "linked@example.org");
    body.set("name", "Local Account");
    body.set("role", "user");
    body.set("status", "active");
    body.set("password", kPassword);
    const std::string local_id =
        topology().downstream().admin("POST", "/users", body, 201)->getValue<std::string>("id");
    Browser browser;
    const SignedIn signed_in = federatedSignIn(browser, "node-op", {"linked"}, "node-1");
    BOOST_TEST(signed_in.id_claims->getValue<std::string>("sub") == local_id);
    BOOST_TEST((amrOf(signed_in.id_claims) == std::vector<std::string>{"fed"}));
    BOOST_TEST(topology().downstream().process().waitForOutput("oidc_federation.linked"));
}

BOOST_AUTO_TEST_CASE(a_new_upstream_user_gets_an_account_from_userinfo_claims) {
    Browser browser;
    const SignedIn signed_in = federatedSignIn(browser, "node-op", {"fresh"}, "node-2");
    // oidc-provider keeps email out of the ID token of a code flow; the plugin asks userinfo.
    BOOST_TEST(signed_in.id_claims->getValue<std::string>("email") == "fresh@example.org");
}

BOOST_AUTO_TEST_CASE(a_tampered_id_token_is_refused) {
    const HttpResult armed =
        httpRequest("POST", topology().opBase() + "/__test/mode?value=tamper", "", "text/plain");
    BOOST_TEST_REQUIRE(armed.status == 200, armed.body);
    Browser browser;
    const HttpResult upstream_redirect =
        pressButton(browser, openButton(browser, "node-op", "tamper"));
    const std::string callback = atUpstream(browser, upstream_redirect, {"tamper-victim"});
    const HttpResult page = browser.get(callback);
    BOOST_TEST(page.status == 200);
    BOOST_TEST(contains(page.body, "could not be verified"));
    BOOST_TEST(browser.cookie("127.0.0.1", "authd_session").empty());
    BOOST_TEST(topology().downstream().process().waitForOutput("RS256 signature mismatch"));
}

BOOST_AUTO_TEST_CASE(an_id_token_with_another_nonce_is_refused) {
    const HttpResult armed =
        httpRequest("POST", topology().opBase() + "/__test/mode?value=nonce", "", "text/plain");
    BOOST_TEST_REQUIRE(armed.status == 200, armed.body);
    Browser browser;
    const HttpResult upstream_redirect =
        pressButton(browser, openButton(browser, "node-op", "nonce"));
    const std::string callback = atUpstream(browser, upstream_redirect, {"nonce-victim"});
    const HttpResult page = browser.get(callback);
    BOOST_TEST(page.status == 200);
    BOOST_TEST(contains(page.body, "could not be verified"));
    BOOST_TEST(browser.cookie("127.0.0.1", "authd_session").empty());
    BOOST_TEST(topology().downstream().process().waitForOutput("nonce does not match"));
}

BOOST_AUTO_TEST_SUITE_END()
