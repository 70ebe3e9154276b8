// SPDX-License-Identifier: Apache-2.0
// authdash (/admin) and My Apps (/apps) against the real authd binary: sign-in through the
// provider's own code flow, every page and form, CSRF refusal, the non-admin 403, ownership
// of apps. A cookie jar plays the browser (no JavaScript, as the pages need none).
// One authd (SQLite, cheap Argon2id) serves the whole executable; every case creates its own
// users through the bootstrap admin API.
#define BOOST_TEST_MODULE dash_e2e_test
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
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

#include "crypto/hash.hpp"
#include "support/authd_process.hpp"
#include "support/web_client.hpp"

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;

namespace {

const std::string kAdminToken = "dash-e2e-admin-token-0123456789abcdef0123456789";
const std::string kPassword = "correct horse battery staple";
const std::string kRedirect = "http://127.0.0.1:3000/api/auth/callback";

using authd::test::formBody;
using authd::test::freePort;
using authd::test::Params;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::toJson;
using authd::test::urlEncode;

const std::string kOneMethod =
    "authenticators:\n  - id: password\n    plugin: password\n    config:\n      min_length: 10\n";

std::string configYaml(const std::filesystem::path& dir, std::uint16_t port,
                       const std::string& registration) {
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
    y += kOneMethod;
    if (!registration.empty()) {
        y += "registration: " + registration + "\n";
        y += "mail:\n  plugin: outbox\n  config:\n    dir: \"" + d + "/outbox\"\n";
    }
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
    explicit Server(const std::string& registration = {}) {
        for (int attempt = 0;; ++attempt) {
            port_ = freePort();
            config_path_ = dir_.write("authd.yaml", configYaml(dir_.path(), port_, registration));
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

    Poco::JSON::Object::Ptr adminGet(const std::string& path) {
        const HttpResult r =
            process_->get("/admin/api/v1" + path, {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != 200) {
            throw std::runtime_error("GET /admin/api/v1" + path + " -> HTTP " +
                                     std::to_string(r.status) + ": " + r.body);
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

    User createUser(const std::string& role = "user", const std::string& status = "active") {
        const std::string email = "user" + std::to_string(++serial_) + "@example.com";
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", "Test User");
        body.set("role", role);
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

// A browser: a cookie jar over the harness's HTTP client. Redirects are not followed.
class Browser {
  public:
    explicit Browser(Server& target = server()) : server_(&target) {}
    Server& target() { return *server_; }
    HttpResult get(const std::string& target) { return send("GET", target, {}, {}); }
    HttpResult postForm(const std::string& target, const Params& params) {
        return send("POST", target, formBody(params), "application/x-www-form-urlencoded");
    }
    // GET of a Location on the provider (absolute or path).
    HttpResult follow(const HttpResult& redirect) {
        BOOST_TEST_REQUIRE(isRedirect(redirect.status),
                           "expected a redirect, got " << redirect.status << ": " << redirect.body);
        return get(redirect.header("Location"));
    }
    std::string cookie(const std::string& name) const {
        const auto found = jar_.find(name);
        return found == jar_.end() ? std::string() : found->second;
    }
    void setCookie(const std::string& name, const std::string& value) { jar_[name] = value; }

    static bool isRedirect(int status) { return status == 302 || status == 303; }

  private:
    HttpResult send(const std::string& method, std::string target, const std::string& body,
                    const std::string& content_type) {
        const std::string issuer = server_->issuer();
        if (target.rfind(issuer, 0) == 0) {
            target = target.substr(issuer.size());
        }
        BOOST_TEST_REQUIRE(target.rfind('/', 0) == 0, "not a provider URL: " << target);
        std::vector<std::pair<std::string, std::string>> headers;
        std::string cookies;
        for (const auto& [name, value] : jar_) {
            cookies += (cookies.empty() ? "" : "; ") + name + "=" + value;
        }
        if (!cookies.empty()) {
            headers.emplace_back("Cookie", cookies);
        }
        HttpResult result = server_->process().request(method, target, body, headers, content_type);
        for (const auto& [name, value] : result.headers) {
            if (Poco::icompare(name, "Set-Cookie") == 0) {
                remember(value);
            }
        }
        return result;
    }

    void remember(const std::string& header) {
        const std::string pair = header.substr(0, header.find(';'));
        const auto eq = pair.find('=');
        const std::string name = pair.substr(0, eq);
        const std::string value = eq == std::string::npos ? std::string() : pair.substr(eq + 1);
        if (header.find("Max-Age=0") != std::string::npos || value.empty()) {
            jar_.erase(name);
        } else {
            jar_[name] = value;
        }
    }

    Server* server_;
    std::map<std::string, std::string> jar_;
};

// The value of the hidden input `name` in `html`, or "".
std::string hiddenValue(const std::string& html, const std::string& name) {
    const std::regex pattern("<input type=\"hidden\" name=\"" + name + "\" value=\"([^\"]*)\"");
    std::smatch match;
    return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
}

std::string formAction(const std::string& html) {
    const std::regex pattern("<form[^>]*action=\"([^\"]*)\"");
    std::smatch match;
    return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

bool isRedirectTo(const HttpResult& r, const std::string& prefix) {
    return Browser::isRedirect(r.status) && r.header("Location").rfind(prefix, 0) == 0;
}

HttpResult submitPassword(Browser& browser, const HttpResult& login_page,
                          const std::string& email) {
    BOOST_TEST_REQUIRE(login_page.status == 200, login_page.body);
    BOOST_TEST_REQUIRE(formAction(login_page.body) == "/login/password");
    return browser.postForm("/login/password",
                            {{"csrf_token", hiddenValue(login_page.body, "csrf_token")},
                             {"req", hiddenValue(login_page.body, "req")},
                             {"email", email},
                             {"password", kPassword}});
}

// Opens `page` without a dashboard session, signs in through the provider and returns the
// answer of /admin/callback.
HttpResult signInVia(Browser& browser, const std::string& page, const User& user) {
    const HttpResult start = browser.get(page);
    BOOST_TEST_REQUIRE(isRedirectTo(start, "/oauth/authorize?"),
                       start.status << " " << start.header("Location"));
    const auto request = queryOf(start.header("Location"));
    BOOST_TEST(request.at("client_id") == "proj_authdash");
    BOOST_TEST(request.at("code_challenge_method") == "S256");
    BOOST_TEST(request.at("redirect_uri") == browser.target().issuer() + "/admin/callback");
    const HttpResult login = browser.follow(start);
    BOOST_TEST_REQUIRE(isRedirectTo(login, "/login?req="), login.status << " " << login.body);
    const HttpResult back = submitPassword(browser, browser.follow(login), user.email);
    // proj_authdash is first party: no consent page.
    BOOST_TEST_REQUIRE(isRedirectTo(back, browser.target().issuer() + "/admin/callback?"),
                       back.status << " " << back.header("Location") << " " << back.body);
    return browser.follow(back);
}

// A browser with an admin signed in to the dashboard.
Browser adminBrowser(User* who = nullptr, Server& target = server()) {
    const User admin = target.createUser("admin");
    Browser browser(target);
    const HttpResult done = signInVia(browser, "/admin/projects", admin);
    BOOST_TEST_REQUIRE(isRedirectTo(done, "/admin/projects"), done.status << " " << done.body);
    BOOST_TEST_REQUIRE(!browser.cookie("authd_dash").empty());
    if (who != nullptr) {
        *who = admin;
    }
    return browser;
}

std::string csrfOf(Browser& browser, const std::string& page) {
    const HttpResult r = browser.get(page);
    BOOST_TEST_REQUIRE(r.status == 200, page << ": " << r.status << " " << r.body);
    const std::string token = hiddenValue(r.body, "csrf_token");
    BOOST_TEST_REQUIRE(!token.empty());
    return token;
}

// The value shown in the "once" table for `label`.
std::string shownValue(const std::string& html, const std::string& label) {
    const std::regex pattern("<th>" + label + "</th><td><code[^>]*>([^<]*)</code>");
    std::smatch match;
    return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
}

int clientCredentials(const std::string& client_id, const std::string& secret) {
    return server()
        .process()
        .post("/oauth/token", formBody({{"grant_type", "client_credentials"},
                                        {"client_id", client_id},
                                        {"client_secret", secret}}))
        .status;
}

} // namespace

BOOST_AUTO_TEST_CASE(admin_signs_in_through_the_provider_code_flow) {
    Browser browser = adminBrowser();
    BOOST_TEST(isRedirectTo(browser.get("/admin"), "/admin/projects"));
    const HttpResult list = browser.get("/admin/projects");
    BOOST_TEST_REQUIRE(list.status == 200, list.body);
    BOOST_TEST(contains(list.body, "/static/authd.css"));
    BOOST_TEST(contains(list.body, "proj_authdash"));
    BOOST_TEST(contains(list.header("Content-Security-Policy"), "frame-ancestors 'none'"));
    // The flow cookie is gone once used.
    BOOST_TEST(browser.cookie("authd_dash_flow").empty());
}

BOOST_AUTO_TEST_CASE(non_admin_gets_403_on_every_admin_page) {
    const User user = server().createUser("user");
    Browser browser;
    const HttpResult done = signInVia(browser, "/admin/projects", user);
    BOOST_TEST(done.status == 403);
    BOOST_TEST(contains(done.body, "Access denied"));
    // Signed in to My Apps, the same user still cannot open the dashboard.
    // The IdP session is there already: the provider answers at once (single sign-on).
    const HttpResult start = browser.get("/apps");
    BOOST_TEST_REQUIRE(isRedirectTo(start, "/oauth/authorize?"));
    const HttpResult back = browser.follow(start);
    BOOST_TEST_REQUIRE(isRedirectTo(back, server().issuer() + "/admin/callback?"));
    BOOST_TEST_REQUIRE(isRedirectTo(browser.follow(back), "/apps"));
    BOOST_TEST(browser.get("/apps").status == 200);
    for (const std::string& page :
         std::vector<std::string>{"/admin/projects", "/admin/users", "/admin/audit",
                                  "/admin/projects/proj_authdash", "/admin/users/" + user.id}) {
        BOOST_TEST(browser.get(page).status == 403, page);
    }
    BOOST_TEST(browser.postForm("/admin/projects", {{"name", "x"}}).status == 403);
}

BOOST_AUTO_TEST_CASE(callback_refuses_foreign_or_replayed_sign_ins) {
    const User admin = server().createUser("admin");
    // No flow cookie: the sign-in was not started here.
    Browser stranger;
    BOOST_TEST(stranger.get("/admin/callback?code=abc&state=def").status == 400);
    // A state that does not match the cookie.
    Browser browser;
    const HttpResult start = browser.get("/admin/projects");
    BOOST_TEST_REQUIRE(isRedirectTo(start, "/oauth/authorize?"));
    BOOST_TEST(browser.get("/admin/callback?code=abc&state=wrong").status == 400);
    // The provider's error comes back as a page, not a redirect loop.
    BOOST_TEST(browser.get("/admin/callback?error=access_denied&state=x").status == 403);
    // A replayed code.
    const HttpResult login = browser.follow(browser.follow(start));
    const HttpResult back = submitPassword(browser, login, admin.email);
    BOOST_TEST_REQUIRE(isRedirectTo(back, server().issuer() + "/admin/callback?"));
    const std::string flow = browser.cookie("authd_dash_flow");
    BOOST_TEST(isRedirectTo(browser.follow(back), "/admin/projects"));
    browser.setCookie("authd_dash_flow", flow);
    BOOST_TEST(browser.follow(back).status == 400);
}

BOOST_AUTO_TEST_CASE(forged_or_missing_dashboard_cookie_means_sign_in_again) {
    Browser browser = adminBrowser();
    std::string cookie = browser.cookie("authd_dash");
    cookie.back() = cookie.back() == 'A' ? 'B' : 'A';
    browser.setCookie("authd_dash", cookie);
    BOOST_TEST(isRedirectTo(browser.get("/admin/projects"), "/oauth/authorize?"));
    browser.setCookie("authd_dash", "garbage");
    BOOST_TEST(isRedirectTo(browser.get("/admin/users"), "/oauth/authorize?"));
    Browser nobody;
    BOOST_TEST(
        isRedirectTo(nobody.postForm("/admin/projects", {{"name", "x"}}), "/oauth/authorize?"));
}

BOOST_AUTO_TEST_CASE(forms_without_a_valid_csrf_token_are_refused) {
    Browser browser = adminBrowser();
    const Params project = {{"name", "Forged"}, {"redirect_uris", kRedirect}};
    BOOST_TEST(browser.postForm("/admin/projects", project).status == 403);
    Params wrong = project;
    wrong.emplace_back("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    BOOST_TEST(browser.postForm("/admin/projects", wrong).status == 403);
    // A token from another admin's browser is worthless here.
    Browser other = adminBrowser();
    Params foreign = project;
    foreign.emplace_back("csrf_token", csrfOf(other, "/admin/projects"));
    BOOST_TEST(browser.postForm("/admin/projects", foreign).status == 403);
    BOOST_TEST(!contains(browser.get("/admin/projects").body, "Forged"));
    BOOST_TEST(browser.postForm("/admin/signout", {}).status == 403);
    BOOST_TEST(browser.postForm("/admin/projects/proj_authdash/rotate-key", {}).status == 403);
}

BOOST_AUTO_TEST_CASE(project_lifecycle_through_the_forms) {
    Browser browser = adminBrowser();
    const std::string csrf = csrfOf(browser, "/admin/projects");

    // Validation errors come back on the page with the input kept.
    HttpResult bad =
        browser.postForm("/admin/projects", {{"csrf_token", csrf},
                                             {"name", "Bad URIs"},
                                             {"client_type", "confidential"},
                                             {"redirect_uris", "http://example.com/cb"}});
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(contains(bad.body, "redirect_uris"));
    BOOST_TEST(contains(bad.body, "Bad URIs"));
    BOOST_TEST(browser
                   .postForm("/admin/projects",
                             {{"csrf_token", csrf}, {"name", ""}, {"redirect_uris", kRedirect}})
                   .status == 400);
    BOOST_TEST(browser
                   .postForm("/admin/projects", {{"csrf_token", csrf},
                                                 {"name", "Type"},
                                                 {"client_type", "weird"},
                                                 {"redirect_uris", kRedirect}})
                   .status == 400);

    const HttpResult created =
        browser.postForm("/admin/projects", {{"csrf_token", csrf},
                                             {"name", "Dash Lifecycle"},
                                             {"description", "made <by> the dashboard"},
                                             {"client_type", "confidential"},
                                             {"redirect_uris", kRedirect + "\r\n\r\n"}});
    BOOST_TEST_REQUIRE(created.status == 200, created.body);
    const std::string client_id = shownValue(created.body, "client_id");
    const std::string secret = shownValue(created.body, "client_secret");
    BOOST_TEST_REQUIRE(client_id.rfind("proj_dash_lifecycle", 0) == 0);
    BOOST_TEST(secret.size() == 64U);
    BOOST_TEST(shownValue(created.body, "signing_key").size() == 64U);
    BOOST_TEST(clientCredentials(client_id, secret) == 200);

    // The detail page escapes what it shows and never shows the secret again.
    const std::string detail_path = "/admin/projects/" + client_id;
    const HttpResult detail = browser.get(detail_path);
    BOOST_TEST_REQUIRE(detail.status == 200);
    BOOST_TEST(contains(detail.body, "made &lt;by&gt; the dashboard"));
    BOOST_TEST(contains(detail.body, "openid profile email offline_access"));
    BOOST_TEST(!contains(detail.body, secret));
    BOOST_TEST(contains(browser.get("/admin/projects").body, client_id));

    // Redirect URIs: a bad one is refused, a good list is saved.
    const std::string second = "http://127.0.0.1:4000/cb";
    BOOST_TEST(browser
                   .postForm(detail_path + "/redirect-uris",
                             {{"csrf_token", csrf}, {"redirect_uris", "not a uri"}})
                   .status == 400);
    BOOST_TEST(
        browser
            .postForm(detail_path + "/redirect-uris", {{"csrf_token", csrf}, {"redirect_uris", ""}})
            .status == 400);
    const HttpResult saved =
        browser.postForm(detail_path + "/redirect-uris",
                         {{"csrf_token", csrf}, {"redirect_uris", kRedirect + "\n" + second}});
    BOOST_TEST_REQUIRE(saved.status == 200, saved.body);
    BOOST_TEST(contains(saved.body, second));

    // Rotate the secret: shown once, the old one stops working.
    const HttpResult rotated =
        browser.postForm(detail_path + "/rotate-secret", {{"csrf_token", csrf}});
    BOOST_TEST_REQUIRE(rotated.status == 200, rotated.body);
    const std::string new_secret = shownValue(rotated.body, "client_secret");
    BOOST_TEST(new_secret.size() == 64U);
    BOOST_TEST(new_secret != secret);
    BOOST_TEST(clientCredentials(client_id, secret) == 401);
    BOOST_TEST(clientCredentials(client_id, new_secret) == 200);

    // Rotate the signing key (with and without grace).
    const HttpResult key = browser.postForm(detail_path + "/rotate-key",
                                            {{"csrf_token", csrf}, {"keep_previous", "1"}});
    BOOST_TEST_REQUIRE(key.status == 200, key.body);
    BOOST_TEST(shownValue(key.body, "signing_key").size() == 64U);
    BOOST_TEST(browser.postForm(detail_path + "/rotate-key", {{"csrf_token", csrf}}).status == 200);

    // The audit page lists what happened, filterable.
    const HttpResult audit = browser.get("/admin/audit?client_id=" + client_id);
    BOOST_TEST_REQUIRE(audit.status == 200);
    BOOST_TEST(contains(audit.body, "project.created"));
    BOOST_TEST(contains(audit.body, "project.secret_rotated"));
    BOOST_TEST(contains(audit.body, "project.signing_key_rotated"));
    const HttpResult typed =
        browser.get("/admin/audit?type=project.created&client_id=" + client_id);
    BOOST_TEST(!contains(typed.body, "project.updated"));

    // Unknown projects and actions are 404 pages.
    BOOST_TEST(browser.get("/admin/projects/proj_nope").status == 404);
    BOOST_TEST(browser.get("/admin/projects/bad%20id").status == 404);
    BOOST_TEST(browser.postForm(detail_path + "/explode", {{"csrf_token", csrf}}).status == 404);

    // The dashboard's own project cannot be deleted or lose its callback.
    BOOST_TEST(
        browser.postForm("/admin/projects/proj_authdash/delete", {{"csrf_token", csrf}}).status ==
        404);
    BOOST_TEST(browser
                   .postForm("/admin/projects/proj_authdash/redirect-uris",
                             {{"csrf_token", csrf}, {"redirect_uris", kRedirect}})
                   .status == 400);

    // Delete.
    BOOST_TEST(isRedirectTo(browser.postForm(detail_path + "/delete", {{"csrf_token", csrf}}),
                            "/admin/projects"));
    BOOST_TEST(browser.get(detail_path).status == 404);
    BOOST_TEST(clientCredentials(client_id, new_secret) == 401);
}

namespace {

std::string joined(const Poco::JSON::Array::Ptr &array) {
  std::string out;
  for (std::size_t i = 0; array && i < array->size(); ++i) {
    out += (out.empty() ? "" : " ") +
           array->getElement<std::string>(static_cast<unsigned>(i));
  }
  return out;
}

std::string textOf(const Poco::JSON::Object::Ptr &object,
                   const std::string &name) {
  return object->isNull(name) ? std::string("null")
                              : object->getValue<std::string>(name);
}

// expires_in of a client_credentials token, or the HTTP status when it is
// refused.
std::string clientCredentialsExpiry(const std::string &client_id,
                                    const std::string &secret) {
  const HttpResult r = server().process().post(
      "/oauth/token", formBody({{"grant_type", "client_credentials"},
                                {"client_id", client_id},
                                {"client_secret", secret}}));
  if (r.status != 200) {
    return "HTTP " + std::to_string(r.status);
  }
  return std::to_string(parseObject(r.body)->getValue<int>("expires_in"));
}

// A refused form: a 400 page whose alert names `field`, and the project
// unchanged.
void expectRefused(const HttpResult &r, const std::string &field,
                   const std::string &note) {
  BOOST_TEST(r.status == 400, note << ": " << r.status);
  const std::regex alert_re("<p class=\"alert\" role=\"alert\">([^<]*)</p>");
  std::smatch match;
  BOOST_TEST_REQUIRE(std::regex_search(r.body, match, alert_re),
                     note << ": no alert");
  BOOST_TEST(contains(match[1].str(), field), note << ": " << match[1].str());
}

} // namespace

BOOST_AUTO_TEST_CASE(project_settings_forms_save_and_refuse_bad_values) {
  Browser browser = adminBrowser();
  const std::string csrf = csrfOf(browser, "/admin/projects");
  const Project project = server().createProject("Settings");
  const std::string path = "/admin/projects/" + project.client_id;
  const auto api = [&] {
    return server().adminGet("/projects/" + project.client_id);
  };

  // The page shows every form, each with its own CSRF token and labelled
  // fields.
  const HttpResult detail = browser.get(path);
  BOOST_TEST_REQUIRE(detail.status == 200);
  for (const std::string action : {"/access-policy", "/grants", "/tokens"}) {
    BOOST_TEST(contains(detail.body, "action=\"" + path + action + "\""),
               action);
  }
  for (const std::string id :
       {"f-roles", "f-email_domains", "f-statuses", "f-scopes", "f-access_ttl",
        "f-refresh_ttl", "f-id_token_ttl", "f-id_token_alg"}) {
    BOOST_TEST(contains(detail.body, "<label for=\"" + id + "\">"), id);
  }
  BOOST_TEST(contains(detail.body,
                      "name=\"policy_authenticators\" value=\"password\""));

  // Access policy: saved through the service (the API sees it).
  const HttpResult policy = browser.postForm(
      path + "/access-policy", {{"csrf_token", csrf},
                                {"roles", "admin, staff"},
                                {"email_domains", "example.com example.org"},
                                {"statuses", "active suspended"},
                                {"require_verified_email", "1"},
                                {"policy_authenticators", "password"}});
  BOOST_TEST_REQUIRE(policy.status == 200, policy.body);
  BOOST_TEST(contains(policy.body, "Access policy saved."));
  BOOST_TEST(contains(policy.body, "value=\"admin staff\""));
  auto saved = api()->getObject("access_policy");
  BOOST_TEST(joined(saved->getArray("roles")) == "admin staff");
  BOOST_TEST(joined(saved->getArray("email_domains")) ==
             "example.com example.org");
  BOOST_TEST(joined(saved->getArray("statuses")) == "active suspended");
  BOOST_TEST(joined(saved->getArray("authenticators")) == "password");
  BOOST_TEST(saved->getValue<bool>("require_verified_email"));

  // Bad values: the message names the field, the input stays, nothing changes.
  const HttpResult bad_role = browser.postForm(
      path + "/access-policy", {{"csrf_token", csrf}, {"roles", "Super User"}});
  expectRefused(bad_role, "access_policy.roles", "a role with capitals");
  BOOST_TEST(contains(bad_role.body, "value=\"Super User\""));
  expectRefused(
      browser.postForm(path + "/access-policy",
                       {{"csrf_token", csrf}, {"email_domains", "localhost"}}),
      "access_policy.email_domains", "a domain without a dot");
  expectRefused(
      browser.postForm(path + "/access-policy",
                       {{"csrf_token", csrf}, {"statuses", "On-Leave!"}}),
      "access_policy.statuses", "a bad status");
  BOOST_TEST(joined(api()->getObject("access_policy")->getArray("roles")) ==
             "admin staff");
  // Clearing every field admits anyone again.
  BOOST_TEST(browser.postForm(path + "/access-policy", {{"csrf_token", csrf}})
                 .status == 200);
  saved = api()->getObject("access_policy");
  BOOST_TEST(saved->getArray("roles")->size() == 0U);
  BOOST_TEST(!saved->getValue<bool>("require_verified_email"));

  // Token lifetimes and the ID-token algorithm, with their effect at the token
  // endpoint.
  BOOST_TEST(clientCredentialsExpiry(project.client_id,
                                     project.client_secret) == "300");
  const HttpResult tokens =
      browser.postForm(path + "/tokens", {{"csrf_token", csrf},
                                          {"access_ttl", "10m"},
                                          {"refresh_ttl", " 2d "},
                                          {"id_token_ttl", ""},
                                          {"id_token_alg", "ES256"}});
  BOOST_TEST_REQUIRE(tokens.status == 200, tokens.body);
  BOOST_TEST(contains(tokens.body, "Token settings saved."));
  auto after = api();
  BOOST_TEST(textOf(after, "access_ttl") == "10m");
  BOOST_TEST(textOf(after, "refresh_ttl") == "2d");
  BOOST_TEST(textOf(after, "id_token_ttl") == "null");
  BOOST_TEST(textOf(after, "id_token_signed_response_alg") == "ES256");
  BOOST_TEST(clientCredentialsExpiry(project.client_id,
                                     project.client_secret) == "600");
  const HttpResult forever = browser.postForm(
      path + "/tokens",
      {{"csrf_token", csrf}, {"access_ttl", "forever"}, {"id_token_alg", ""}});
  expectRefused(forever, "access_ttl", "an unparsable duration");
  BOOST_TEST(contains(forever.body, "value=\"forever\""));
  expectRefused(browser.postForm(path + "/tokens", {{"csrf_token", csrf},
                                                    {"refresh_ttl", "400d"}}),
                "refresh_ttl", "a lifetime over 366d");
  expectRefused(browser.postForm(path + "/tokens", {{"csrf_token", csrf},
                                                    {"id_token_alg", "none"}}),
                "id_token_signed_response_alg", "alg none");
  after = api();
  BOOST_TEST(textOf(after, "access_ttl") == "10m");
  BOOST_TEST(textOf(after, "id_token_signed_response_alg") == "ES256");
  // Empty lifetimes go back to the defaults.
  BOOST_TEST(browser
                 .postForm(path + "/tokens",
                           {{"csrf_token", csrf}, {"id_token_alg", ""}})
                 .status == 200);
  BOOST_TEST(textOf(api(), "access_ttl") == "null");
  BOOST_TEST(clientCredentialsExpiry(project.client_id,
                                     project.client_secret) == "300");

  // Grants, scopes and sign-in methods.
  const HttpResult grants =
      browser.postForm(path + "/grants", {{"csrf_token", csrf},
                                          {"grant_types", "authorization_code"},
                                          {"grant_types", "refresh_token"},
                                          {"scopes", "openid email"},
                                          {"authenticators", "password"}});
  BOOST_TEST_REQUIRE(grants.status == 200, grants.body);
  BOOST_TEST(contains(grants.body, "Grants and scopes saved."));
  after = api();
  BOOST_TEST(joined(after->getArray("grant_types")) ==
             "authorization_code refresh_token");
  BOOST_TEST(joined(after->getArray("scopes")) == "openid email");
  BOOST_TEST(joined(after->getArray("authenticators")) == "password");
  BOOST_TEST(clientCredentialsExpiry(project.client_id,
                                     project.client_secret) == "HTTP 400");
  expectRefused(browser.postForm(path + "/grants",
                                 {{"csrf_token", csrf}, {"scopes", "openid"}}),
                "grant_types", "no grant ticked");
  expectRefused(browser.postForm(path + "/grants", {{"csrf_token", csrf},
                                                    {"grant_types", "password"},
                                                    {"scopes", "openid"}}),
                "grant_types", "an unknown grant");
  expectRefused(
      browser.postForm(path + "/grants", {{"csrf_token", csrf},
                                          {"grant_types", "authorization_code"},
                                          {"scopes", "open\"id"}}),
      "scopes", "a bad scope token");
  expectRefused(
      browser.postForm(path + "/grants", {{"csrf_token", csrf},
                                          {"grant_types", "authorization_code"},
                                          {"authenticators", "nope"}}),
      "authenticators", "an unknown authenticator");
  BOOST_TEST(joined(api()->getArray("scopes")) == "openid email");

  // A public client: no client_credentials, no HS256 ID tokens.
  Poco::JSON::Object public_body;
  public_body.set("client_type", "public");
  const Project spa = server().createProject("Settings SPA", public_body);
  const std::string spa_path = "/admin/projects/" + spa.client_id;
  expectRefused(browser.postForm(spa_path + "/grants",
                                 {{"csrf_token", csrf},
                                  {"grant_types", "client_credentials"},
                                  {"scopes", "openid"}}),
                "grant_types", "client_credentials on a public client");
  expectRefused(
      browser.postForm(spa_path + "/tokens",
                       {{"csrf_token", csrf}, {"id_token_alg", "HS256"}}),
      "id_token_signed_response_alg", "HS256 on a public client");

  // The dashboard's own project keeps letting the administrator in.
  expectRefused(browser.postForm("/admin/projects/proj_authdash/access-policy",
                                 {{"csrf_token", csrf}, {"roles", "user"}}),
                "access_policy", "a policy that locks the admin out");
  expectRefused(browser.postForm("/admin/projects/proj_authdash/grants",
                                 {{"csrf_token", csrf},
                                  {"grant_types", "refresh_token"},
                                  {"scopes", "openid"}}),
                "grant_types", "the dashboard without authorization_code");

  // Every settings form refuses a missing or foreign CSRF token, and nothing
  // changes.
  Browser other = adminBrowser();
  const std::string foreign = csrfOf(other, "/admin/projects");
  for (const std::string action : {"/access-policy", "/grants", "/tokens"}) {
    const Params fields = {{"roles", "admin"},
                           {"grant_types", "authorization_code"},
                           {"scopes", "openid"},
                           {"access_ttl", "1m"}};
    BOOST_TEST(browser.postForm(path + action, fields).status == 403, action);
    Params forged = fields;
    forged.emplace_back("csrf_token", foreign);
    BOOST_TEST(browser.postForm(path + action, forged).status == 403, action);
  }
  after = api();
  BOOST_TEST(after->getObject("access_policy")->getArray("roles")->size() ==
             0U);
  BOOST_TEST(textOf(after, "access_ttl") == "null");
  BOOST_TEST(joined(after->getArray("scopes")) == "openid email");

  // Each save is audited.
  const HttpResult audit = browser.get(
      "/admin/audit?type=project.updated&client_id=" + project.client_id);
  BOOST_TEST(contains(audit.body, "admin_session"));
}

BOOST_AUTO_TEST_CASE(my_apps_has_no_settings_forms) {
  const User owner = server().createUser("user");
  Browser browser;
  BOOST_TEST_REQUIRE(isRedirectTo(signInVia(browser, "/apps", owner), "/apps"));
  const std::string csrf = csrfOf(browser, "/apps");
  const HttpResult made =
      browser.postForm("/apps", {{"csrf_token", csrf},
                                 {"name", "No Settings"},
                                 {"redirect_uris", kRedirect}});
  const std::string app = "/apps/" + shownValue(made.body, "client_id");
  BOOST_TEST(!contains(browser.get(app).body, "/access-policy"));
  BOOST_TEST(browser
                 .postForm(app + "/access-policy",
                           {{"csrf_token", csrf}, {"roles", "x"}})
                 .status == 404);
  BOOST_TEST(browser.postForm(app + "/tokens", {{"csrf_token", csrf}}).status ==
             404);
}

BOOST_AUTO_TEST_CASE(users_sessions_and_audit_pages) {
  User admin;
  Browser browser = adminBrowser(&admin);
  const std::string csrf = csrfOf(browser, "/admin/users");

  // Create (with a password), with validation errors on the page.
  BOOST_TEST(browser
                 .postForm("/admin/users",
                           {{"csrf_token", csrf}, {"email", "not-an-email"}})
                 .status == 400);
  const std::string email =
      "dash-made-" + admin.id.substr(0, 8) + "@example.com";
  const HttpResult made =
      browser.postForm("/admin/users", {{"csrf_token", csrf},
                                        {"email", email},
                                        {"name", "Dash Made"},
                                        {"role", "user"},
                                        {"password", kPassword}});
  BOOST_TEST_REQUIRE(isRedirectTo(made, "/admin/users/"),
                     made.status << " " << made.body);
  const std::string user_path = made.header("Location");
  BOOST_TEST(
      browser.postForm("/admin/users", {{"csrf_token", csrf}, {"email", email}})
          .status == 400); // taken

  // List and search.
  const HttpResult found = browser.get("/admin/users?q=" + urlEncode(email));
  BOOST_TEST_REQUIRE(found.status == 200);
  BOOST_TEST(contains(found.body, email));
  BOOST_TEST(!contains(found.body, admin.email));

  // The new user signs in (the password works) and so has a session.
  Browser user_browser;
  const User made_user{user_path.substr(std::string("/admin/users/").size()),
                       email};
  BOOST_TEST(
      isRedirectTo(signInVia(user_browser, "/apps", made_user), "/apps"));
  HttpResult detail = browser.get(user_path);
  BOOST_TEST_REQUIRE(detail.status == 200);
  BOOST_TEST(contains(detail.body, "Dash Made"));
  const std::regex revoke_form("action=\"(" + user_path +
                               "/sessions/[^/\"]+/revoke)\"");
  std::smatch match;
  BOOST_TEST_REQUIRE(std::regex_search(detail.body, match, revoke_form));
  BOOST_TEST(browser.get("/apps").status == 200);
  const std::string revoke = match[1].str();
  BOOST_TEST(browser.postForm(revoke, {{"csrf_token", csrf}}).status == 200);
  // Revoking the IdP session ends the user's My Apps session too.
  BOOST_TEST(isRedirectTo(user_browser.get("/apps"), "/oauth/authorize?"));
  BOOST_TEST(browser
                 .postForm(user_path + "/sessions/nosuchsession/revoke",
                           {{"csrf_token", csrf}})
                 .status == 404);
  BOOST_TEST(
      browser
          .postForm(user_path + "/sessions/revoke-all", {{"csrf_token", csrf}})
          .status == 200);

  // Edit role and status; bad values are refused.
  BOOST_TEST(browser
                 .postForm(user_path + "/update", {{"csrf_token", csrf},
                                                   {"name", "N"},
                                                   {"role", "emperor"},
                                                   {"status", "active"}})
                 .status == 400);
  const HttpResult updated =
      browser.postForm(user_path + "/update", {{"csrf_token", csrf},
                                               {"name", "Renamed"},
                                               {"role", "admin"},
                                               {"status", "suspended"}});
  BOOST_TEST_REQUIRE(updated.status == 200, updated.body);
  BOOST_TEST(contains(updated.body, "Renamed"));
  BOOST_TEST(contains(updated.body, "value=\"suspended\" selected"));
  // An admin cannot lock themselves out.
  BOOST_TEST(browser
                 .postForm("/admin/users/" + admin.id + "/update",
                           {{"csrf_token", csrf},
                            {"name", "Me"},
                            {"role", "user"},
                            {"status", "active"}})
                 .status == 400);
  BOOST_TEST(browser
                 .postForm("/admin/users/" + admin.id + "/delete",
                           {{"csrf_token", csrf}})
                 .status == 400);

  // Set a password: too short is refused with the reason.
  BOOST_TEST(browser
                 .postForm(user_path + "/password",
                           {{"csrf_token", csrf}, {"password", "x"}})
                 .status == 400);
  BOOST_TEST(
      browser
          .postForm(user_path + "/password",
                    {{"csrf_token", csrf}, {"password", kPassword + " again"}})
          .status == 200);

  // Audit: the user's events.
  const HttpResult audit = browser.get("/admin/audit?user_id=" + made_user.id);
  BOOST_TEST_REQUIRE(audit.status == 200);
  BOOST_TEST(contains(audit.body, "user."));
  BOOST_TEST(browser.get("/admin/audit?type=" + std::string(100, 'x')).status ==
             400);

  // Delete.
  BOOST_TEST(isRedirectTo(
      browser.postForm(user_path + "/delete", {{"csrf_token", csrf}}),
      "/admin/users"));
  BOOST_TEST(browser.get(user_path).status == 404);
  BOOST_TEST(browser.get("/admin/users/nobody").status == 404);
}

BOOST_AUTO_TEST_CASE(my_apps_register_edit_rotate_delete_and_ownership) {
    const User owner = server().createUser("user");
    Browser browser;
    BOOST_TEST_REQUIRE(isRedirectTo(signInVia(browser, "/apps", owner), "/apps"));
    const std::string csrf = csrfOf(browser, "/apps");

    BOOST_TEST(
        browser.postForm("/apps", {{"name", "No token"}, {"redirect_uris", kRedirect}}).status ==
        403);
    const HttpResult bad = browser.postForm(
        "/apps", {{"csrf_token", csrf}, {"name", "Bad"}, {"redirect_uris", "ftp://x/cb"}});
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(browser.postForm("/apps", {{"csrf_token", csrf}, {"name", "None"}}).status == 400);

    const HttpResult made = browser.postForm("/apps", {{"csrf_token", csrf},
                                                       {"name", "My Dash App"},
                                                       {"description", "mine"},
                                                       {"redirect_uris", kRedirect}});
    BOOST_TEST_REQUIRE(made.status == 200, made.body);
    const std::string client_id = shownValue(made.body, "client_id");
    const std::string secret = shownValue(made.body, "client_secret");
    BOOST_TEST_REQUIRE(!client_id.empty());
    BOOST_TEST(secret.size() == 64U);
    BOOST_TEST(!shownValue(made.body, "signing_key").empty());
    BOOST_TEST(clientCredentials(client_id, secret) == 200);

    const HttpResult list = browser.get("/apps");
    BOOST_TEST(contains(list.body, client_id));
    BOOST_TEST(!contains(list.body, "proj_authdash"));
    const std::string app = "/apps/" + client_id;
    BOOST_TEST(!contains(browser.get(app).body, secret));
    BOOST_TEST(browser.get("/apps/proj_authdash").status == 404);

    const HttpResult uris = browser.postForm(
        app + "/redirect-uris",
        {{"csrf_token", csrf}, {"redirect_uris", kRedirect + "\nhttps://app.example.com/cb"}});
    BOOST_TEST_REQUIRE(uris.status == 200, uris.body);
    BOOST_TEST(contains(uris.body, "https://app.example.com/cb"));
    const HttpResult rotated = browser.postForm(app + "/rotate-secret", {{"csrf_token", csrf}});
    const std::string new_secret = shownValue(rotated.body, "client_secret");
    BOOST_TEST(new_secret.size() == 64U);
    BOOST_TEST(clientCredentials(client_id, secret) == 401);
    BOOST_TEST(clientCredentials(client_id, new_secret) == 200);

    // Another user sees none of it.
    const User other = server().createUser("user");
    Browser stranger;
    BOOST_TEST_REQUIRE(isRedirectTo(signInVia(stranger, "/apps", other), "/apps"));
    const std::string stranger_csrf = csrfOf(stranger, "/apps");
    BOOST_TEST(!contains(stranger.get("/apps").body, client_id));
    BOOST_TEST(stranger.get(app).status == 404);
    BOOST_TEST(stranger.postForm(app + "/delete", {{"csrf_token", stranger_csrf}}).status == 404);
    BOOST_TEST(stranger.postForm(app + "/rotate-secret", {{"csrf_token", stranger_csrf}}).status ==
               404);

    BOOST_TEST(isRedirectTo(browser.postForm(app + "/delete", {{"csrf_token", csrf}}), "/apps"));
    BOOST_TEST(browser.get(app).status == 404);
}

BOOST_AUTO_TEST_CASE(sign_out_ends_the_dashboard_session) {
    Browser browser = adminBrowser();
    const std::string csrf = csrfOf(browser, "/admin/projects");
    const HttpResult out = browser.postForm("/admin/signout", {{"csrf_token", csrf}});
    BOOST_TEST(out.status == 200);
    BOOST_TEST(contains(out.body, "/oauth/logout"));
    BOOST_TEST(browser.cookie("authd_dash").empty());
    BOOST_TEST(isRedirectTo(browser.get("/admin/projects"), "/oauth/authorize?"));
}

namespace {

Server& openServer() {
    static Server instance("open");
    return instance;
}

Server& inviteServer() {
    static Server instance("invite");
    return instance;
}

std::set<std::string> outboxFiles(Server& target) {
    std::set<std::string> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(target.outbox(), ec)) {
        if (entry.path().extension() == ".eml") {
            files.insert(entry.path().string());
        }
    }
    return files;
}

std::string newMail(Server& target, const std::set<std::string>& before) {
    for (int i = 0; i < 1000; ++i) {
        for (const std::string& file : outboxFiles(target)) {
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

std::string verifyLinkIn(const std::string& mail) {
    const std::regex pattern(R"(/register/verify\?token=([A-Za-z0-9_-]{43}))");
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_search(mail, match, pattern), mail);
    return match[1].str();
}

HttpResult postRegistration(Browser& browser, const Params& fields) {
    const HttpResult form = browser.get("/register");
    BOOST_TEST_REQUIRE(form.status == 200, form.body);
    Params params = {{"csrf_token", hiddenValue(form.body, "csrf_token")}};
    params.insert(params.end(), fields.begin(), fields.end());
    return browser.postForm("/register", params);
}

} // namespace

BOOST_AUTO_TEST_CASE(login_page_links_to_registration_only_when_it_is_not_closed) {
    Browser closed;
    const HttpResult closed_login = closed.follow(closed.follow(closed.get("/admin/projects")));
    BOOST_TEST_REQUIRE(closed_login.status == 200);
    BOOST_TEST(!contains(closed_login.body, "href=\"/register\""));
    Browser open(openServer());
    const HttpResult open_login = open.follow(open.follow(open.get("/admin/projects")));
    BOOST_TEST_REQUIRE(open_login.status == 200);
    BOOST_TEST(contains(open_login.body, "href=\"/register\""));
}

BOOST_AUTO_TEST_CASE(registration_closed_is_404) {
    Browser browser;
    BOOST_TEST(browser.get("/register").status == 404);
    BOOST_TEST(browser.postForm("/register", {{"email", "a@example.com"}}).status == 404);
    BOOST_TEST(browser.get("/register/verify?token=x").status == 404);
}

BOOST_AUTO_TEST_CASE(open_registration_verifies_the_email_with_a_single_use_link) {
    Server& target = openServer();
    Browser browser(target);
    const HttpResult form = browser.get("/register");
    BOOST_TEST_REQUIRE(form.status == 200);
    BOOST_TEST(contains(form.body, "name=\"password\""));
    BOOST_TEST(!contains(form.body, "name=\"invite\""));
    // CSRF, then each kind of bad input.
    BOOST_TEST(browser.postForm("/register", {{"email", "x@example.com"}, {"password", kPassword}})
                   .status == 403);
    BOOST_TEST(
        postRegistration(browser, {{"email", "not-an-email"}, {"password", kPassword}}).status ==
        400);
    BOOST_TEST(
        postRegistration(browser, {{"email", "short@example.com"}, {"password", "short"}}).status ==
        400);
    BOOST_TEST(postRegistration(browser, {{"email", ""}, {"password", ""}}).status == 400);

    const auto before = outboxFiles(target);
    const HttpResult done = postRegistration(
        browser, {{"email", "self@example.com"}, {"name", "Self"}, {"password", kPassword}});
    BOOST_TEST_REQUIRE(done.status == 200, done.body);
    BOOST_TEST(contains(done.body, "Check your email"));
    const std::string token = verifyLinkIn(newMail(target, before));

    // An existing address gets the same answer and no second account. While it is not
    // verified, the first repeat sends a new link (a lost mail must not strand the account);
    // further repeats within 10 minutes send nothing. The address matches in any case, as
    // accounts are stored.
    const auto before_repeat = outboxFiles(target);
    BOOST_TEST(contains(postRegistration(browser, {{"email", "Self@Example.com"},
                                                   {"password", kPassword + "-other"}})
                            .body,
                        "Check your email"));
    const std::string second_token = verifyLinkIn(newMail(target, before_repeat));
    BOOST_TEST(second_token != token);
    const auto after_repeat = outboxFiles(target);
    BOOST_TEST(contains(
        postRegistration(browser, {{"email", "self@example.com"}, {"password", kPassword}}).body,
        "Check your email"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    BOOST_TEST(outboxFiles(target) == after_repeat);

    const HttpResult confirm = browser.get("/register/verify?token=" + token);
    BOOST_TEST_REQUIRE(confirm.status == 200);
    const Params post = {{"csrf_token", hiddenValue(confirm.body, "csrf_token")}, {"token", token}};
    BOOST_TEST(browser.postForm("/register/verify", {{"token", token}}).status == 403);
    const HttpResult verified = browser.postForm("/register/verify", post);
    BOOST_TEST_REQUIRE(verified.status == 200, verified.body);
    BOOST_TEST(contains(verified.body, "self@example.com"));
    BOOST_TEST(browser.postForm("/register/verify", post).status == 400); // single use
    BOOST_TEST(browser.get("/register/verify").status == 400);

    // The new account signs in to My Apps with the password it registered with (the repeat's
    // password changed nothing), and the dashboard shows it verified.
    Browser user_browser(target);
    BOOST_TEST(isRedirectTo(signInVia(user_browser, "/apps", {"", "self@example.com"}), "/apps"));
    Browser admin = adminBrowser(nullptr, target);
    const HttpResult users = admin.get("/admin/users?q=self%40example.com");
    BOOST_TEST(contains(users.body, "<td>active</td><td>yes</td>"));
}

BOOST_AUTO_TEST_CASE(invite_registration_needs_a_code_made_in_the_dashboard) {
    Server& target = inviteServer();
    Browser browser(target);
    BOOST_TEST(contains(browser.get("/register").body, "name=\"invite\""));
    BOOST_TEST(
        postRegistration(browser, {{"email", "inv@example.com"}, {"password", kPassword}}).status ==
        400);
    BOOST_TEST(
        postRegistration(
            browser, {{"email", "inv@example.com"}, {"password", kPassword}, {"invite", "made-up"}})
            .status == 400);

    Browser admin = adminBrowser(nullptr, target);
    const std::string csrf = csrfOf(admin, "/admin/invites");
    BOOST_TEST(admin.postForm("/admin/invites", {}).status == 403);
    const HttpResult made = admin.postForm("/admin/invites", {{"csrf_token", csrf}});
    BOOST_TEST_REQUIRE(made.status == 200);
    const std::string code = shownValue(made.body, "invite_code");
    BOOST_TEST_REQUIRE(!code.empty());
    // Listed by an id derived from its hash, never by the code itself.
    const std::string id = authd::crypto::sha256Hex(code).substr(0, 16);
    const HttpResult listed = admin.get("/admin/invites");
    BOOST_TEST(contains(listed.body, "<code>" + id + "</code>"), listed.body);
    BOOST_TEST(!contains(listed.body, code));

    const auto before = outboxFiles(target);
    BOOST_TEST(contains(
        postRegistration(browser,
                         {{"email", "inv@example.com"}, {"password", kPassword}, {"invite", code}})
            .body,
        "Check your email"));
    verifyLinkIn(newMail(target, before));
    // The code worked once.
    BOOST_TEST(
        postRegistration(browser,
                         {{"email", "inv2@example.com"}, {"password", kPassword}, {"invite", code}})
            .status == 400);
    // A refused registration does not use the code up.
    const std::string second =
        shownValue(admin.postForm("/admin/invites", {{"csrf_token", csrf}}).body, "invite_code");
    BOOST_TEST(
        postRegistration(browser, {{"email", "bad"}, {"password", kPassword}, {"invite", second}})
            .status == 400);
    BOOST_TEST(contains(
        postRegistration(
            browser, {{"email", "inv3@example.com"}, {"password", kPassword}, {"invite", second}})
            .body,
        "Check your email"));
}

BOOST_AUTO_TEST_CASE(an_invite_withdrawn_in_the_dashboard_no_longer_works) {
    Server& target = inviteServer();
    User admin_user;
    Browser admin = adminBrowser(&admin_user, target);
    const std::string csrf = csrfOf(admin, "/admin/invites");
    const std::string code =
        shownValue(admin.postForm("/admin/invites", {{"csrf_token", csrf}}).body, "invite_code");
    BOOST_TEST_REQUIRE(!code.empty());
    const std::string id = authd::crypto::sha256Hex(code).substr(0, 16);
    const std::string withdraw = "/admin/invites/" + id + "/withdraw";
    const HttpResult listed = admin.get("/admin/invites");
    BOOST_TEST(contains(listed.body, "action=\"" + withdraw + "\""));
    BOOST_TEST(contains(listed.body, admin_user.email), "the creator is named");

    // CSRF first: without a token (or with another admin's) nothing is withdrawn.
    BOOST_TEST(admin.postForm(withdraw, {}).status == 403);
    Browser other = adminBrowser(nullptr, target);
    BOOST_TEST(admin.postForm(withdraw, {{"csrf_token", csrfOf(other, "/admin/invites")}}).status ==
               403);
    BOOST_TEST(contains(admin.get("/admin/invites").body, withdraw));

    const HttpResult done = admin.postForm(withdraw, {{"csrf_token", csrf}});
    BOOST_TEST_REQUIRE(done.status == 200, done.body);
    BOOST_TEST(contains(done.body, "Invite " + id + " withdrawn."));
    BOOST_TEST(!contains(done.body, withdraw));
    BOOST_TEST(admin.postForm(withdraw, {{"csrf_token", csrf}}).status == 404);
    BOOST_TEST(admin.postForm("/admin/invites/nothex/withdraw", {{"csrf_token", csrf}}).status ==
               404);
    BOOST_TEST(admin.get(withdraw).status == 404);

    Browser browser(target);
    BOOST_TEST(
        postRegistration(browser,
                         {{"email", "late@example.com"}, {"password", kPassword}, {"invite", code}})
            .status == 400);
    const HttpResult audit = admin.get("/admin/audit?type=invite.withdrawn");
    BOOST_TEST(contains(audit.body, id), audit.body);
}
