// SPDX-License-Identifier: Apache-2.0
// The admin API (SPEC section 8) against the real authd binary: every route, its validation
// errors, the three kinds of caller (none, a signed-in non-admin, an admin's session next to
// the bearer token), and the effects of rotations, suspensions, lockouts and revocations on
// the OAuth endpoints. One authd serves the executable; each case makes its own objects.
// With `-- --pg-dsn-file=FILE` (CTest admin_api_e2e_test_postgresql) the same cases run against
// PostgreSQL, in a database of their own on that server.
#define BOOST_TEST_MODULE admin_api_e2e_test
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "crypto/random.hpp"
#include "support/authd_process.hpp"
#include "support/store_argument.hpp"
#include "support/web_client.hpp"

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;

namespace {

const std::string kAdminToken = "admin-e2e-token-0123456789abcdef0123456789abcdef";
const std::string kPassword = "correct horse battery staple";
const std::string kPin = "402917";
const std::string kRedirect = "http://127.0.0.1:3000/callback";
const std::string kIssuerOrigin = "http://127.0.0.1:8080";
const std::string kJson = "application/json";
const std::string kForm = "application/x-www-form-urlencoded";

using authd::test::contains;
using authd::test::formBody;
using authd::test::Headers;
using authd::test::Params;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::urlEncode;

struct Env {
    TempDir dir;
    std::unique_ptr<AuthdProcess> authd;
};

AuthdProcess& server() {
    static const std::unique_ptr<Env> env = [] {
        auto made = std::make_unique<Env>();
        std::string yaml = authd::test::testConfigYaml(
            made->dir.path(), authd::test::storageFromArguments("authd_admin_api_e2e"));
        yaml += "authenticators:\n"
                "  - id: password\n    plugin: password\n    config:\n      min_length: 10\n"
                "  - id: pin\n    plugin: pin\n    config: { digits: 6, max_attempts: 3, lockout: "
                "15m }\n";
        const std::string path = made->dir.write("authd.yaml", yaml);
        AuthdProcess::Options options;
        options.env = {{"AUTHD_ADMIN_TOKEN", kAdminToken}};
        made->authd = std::make_unique<AuthdProcess>(path, options);
        return made;
    }();
    return *env->authd;
}

std::string str(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object->has(name) || object->isNull(name)) {
        return "<absent>";
    }
    return object->getValue<std::string>(name);
}

std::string unique(const std::string& base) {
    return base + "-" + authd::crypto::randomHex(4);
}

const Headers kBearer = {{"Authorization", "Bearer " + kAdminToken}};

HttpResult api(const std::string& method, const std::string& path, const std::string& body = {},
               const Headers& headers = kBearer) {
    return server().request(method, "/admin/api/v1" + path, body, headers,
                            body.empty() ? std::string() : kJson);
}

std::string errorDescription(const HttpResult& result) {
    return str(parseObject(result.body), "error_description");
}

struct Project {
    std::string client_id;
    std::string client_secret;
    std::string signing_key;
};

Project createProject(const std::string& extra = {}) {
    const HttpResult r = api("POST", "/projects",
                             R"({"name":")" + unique("Admin E2E") + R"(","redirect_uris":[")" +
                                 kRedirect + R"("],"skip_consent":true)" + extra + "}");
    BOOST_TEST_REQUIRE(r.status == 201, r.body);
    const auto object = parseObject(r.body);
    return {str(object, "client_id"), str(object, "client_secret"), str(object, "signing_key")};
}

struct User {
    std::string id;
    std::string email;
};

User createUser(const std::string& role = "user") {
    const std::string email = unique("person") + "@example.com";
    const HttpResult r =
        api("POST", "/users",
            R"({"email":")" + email + R"(","name":"Pat","role":")" + role + R"(","password":")" +
                kPassword + R"(","pin":")" + kPin + R"(","email_verified":true})");
    BOOST_TEST_REQUIRE(r.status == 201, r.body);
    return {str(parseObject(r.body), "id"), email};
}

class Browser {
  public:
    HttpResult get(const std::string& target) {
        return remember(server().get(target, cookieHeader()));
    }
    HttpResult post(const std::string& target, const Params& params) {
        return remember(server().post(target, formBody(params), kForm, cookieHeader()));
    }
    HttpResult request(const std::string& method, const std::string& target,
                       const std::string& body, const Headers& extra,
                       const std::string& content_type = kJson) {
        Headers headers = cookieHeader();
        headers.insert(headers.end(), extra.begin(), extra.end());
        return server().request(method, target, body, headers, content_type);
    }
    Headers cookieHeader() const {
        std::string value;
        for (const auto& [name, cookie] : jar_) {
            value += (value.empty() ? "" : "; ") + name + "=" + cookie;
        }
        return value.empty() ? Headers{} : Headers{{"Cookie", value}};
    }

  private:
    HttpResult remember(HttpResult result) {
        for (const auto& [name, value] : result.headers) {
            if (Poco::icompare(name, "Set-Cookie") == 0) {
                const auto eq = value.find('=');
                const auto end = value.find(';');
                jar_[value.substr(0, eq)] = value.substr(eq + 1, end - eq - 1);
            }
        }
        return result;
    }
    std::map<std::string, std::string> jar_;
};

std::string hidden(const std::string& html, const std::string& name) {
    std::smatch match;
    const std::regex pattern("name=\"" + name + "\" value=\"([^\"]*)\"");
    BOOST_TEST_REQUIRE(std::regex_search(html, match, pattern), "no hidden " + name + " in page");
    return match[1];
}

std::string formAction(const std::string& html) {
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_search(html, match, std::regex("<form[^>]* action=\"([^\"]+)\"")),
                       "no form in page: " + html.substr(0, 400));
    return match[1];
}

// authorize -> /login/<method> form; the page of that method's form.
HttpResult openMethod(Browser& browser, const Project& project, const std::string& method,
                      const std::string& scope = "openid email") {
    const HttpResult start =
        browser.get("/oauth/authorize?" + formBody({{"client_id", project.client_id},
                                                {"redirect_uri", kRedirect},
                                                {"response_type", "code"},
                                                {"scope", scope},
                                                {"state", "st-admin"}}));
    BOOST_TEST_REQUIRE((start.status == 302 || start.status == 303), start.body);
    const std::string location = start.header("Location");
    BOOST_TEST_REQUIRE(location.rfind("/login?req=", 0) == 0, location);
    const HttpResult page = browser.get("/login/" + method + "?req=" + queryOf(location).at("req"));
    BOOST_TEST_REQUIRE(page.status == 200, page.body);
    return page;
}

HttpResult submit(Browser& browser, const HttpResult& page, const Params& fields) {
    Params params = {{"csrf_token", hidden(page.body, "csrf_token")},
                     {"req", hidden(page.body, "req")}};
    params.insert(params.end(), fields.begin(), fields.end());
    return browser.post(formAction(page.body), params);
}

// Signs `user` in with the password through the real flow; the code it produced.
std::string signIn(Browser& browser, const Project& project, const User& user,
                   const std::string& scope = "openid email") {
    const HttpResult page = openMethod(browser, project, "password", scope);
    const HttpResult done = submit(browser, page, {{"email", user.email}, {"password", kPassword}});
    BOOST_TEST_REQUIRE((done.status == 302 || done.status == 303), done.body);
    const std::string location = done.header("Location");
    BOOST_TEST_REQUIRE(location.rfind(kRedirect + "?", 0) == 0, location);
    return queryOf(location).at("code");
}

Poco::JSON::Object::Ptr exchangeCode(const Project& project, const std::string& code) {
    const HttpResult r =
        server().post("/oauth/token", formBody({{"grant_type", "authorization_code"},
                                            {"code", code},
                                            {"redirect_uri", kRedirect},
                                            {"client_id", project.client_id},
                                            {"client_secret", project.client_secret}}));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    return parseObject(r.body);
}

HttpResult refresh(const Project& project, const std::string& token) {
    return server().post("/oauth/token", formBody({{"grant_type", "refresh_token"},
                                               {"refresh_token", token},
                                               {"client_id", project.client_id},
                                               {"client_secret", project.client_secret}}));
}

HttpResult clientCredentials(const Project& project, const std::string& secret) {
    return server().post("/oauth/token", formBody({{"grant_type", "client_credentials"},
                                               {"client_id", project.client_id},
                                               {"client_secret", secret}}));
}

std::vector<std::string> itemIds(const HttpResult& result, const std::string& key) {
    std::vector<std::string> out;
    const auto items = parseObject(result.body)->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i) {
        out.push_back(str(items->getObject(static_cast<unsigned>(i)), key));
    }
    return out;
}

/// The audit events of `type` (about `user` when given), as parsed objects.
std::vector<Poco::JSON::Object::Ptr> auditEvents(const std::string& type,
                                                 const std::string& user = {}) {
    const HttpResult r =
        api("GET", "/audit-events?limit=200&type=" + type + (user.empty() ? "" : "&user=" + user));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    std::vector<Poco::JSON::Object::Ptr> out;
    const auto items = parseObject(r.body)->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i) {
        out.push_back(items->getObject(static_cast<unsigned>(i)));
    }
    return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_AUTO_TEST_CASE(runs_on_the_requested_store) {
    const std::string plugin = authd::test::onPostgresql() ? "postgresql" : "sqlite";
    BOOST_TEST(server().get("/readyz").status == 200);
    BOOST_TEST(contains(server().output(), "\"plugin\":\"" + plugin + "\""), server().output());
}

BOOST_AUTO_TEST_CASE(no_or_a_bad_token_is_401_on_every_route) {
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"GET", "/projects"},
        {"POST", "/projects"},
        {"GET", "/projects/proj_x"},
        {"PATCH", "/projects/proj_x"},
        {"DELETE", "/projects/proj_x"},
        {"POST", "/projects/proj_x/rotate-secret"},
        {"POST", "/projects/proj_x/rotate-signing-key"},
        {"GET", "/users"},
        {"POST", "/users"},
        {"GET", "/users/u"},
        {"PATCH", "/users/u"},
        {"DELETE", "/users/u"},
        {"PUT", "/users/u/password"},
        {"PUT", "/users/u/pin"},
        {"DELETE", "/users/u/lockout"},
        {"GET", "/users/u/sessions"},
        {"DELETE", "/users/u/sessions"},
        {"DELETE", "/sessions/s"},
        {"GET", "/audit-events"},
        {"GET", "/keys"},
        {"POST", "/keys/rotate"},
        {"GET", "/invites"},
        {"POST", "/invites"},
        {"DELETE", "/invites/0123456789abcdef"}};
    for (const Headers& headers : {Headers{}, Headers{{"Authorization", "Bearer wrong"}},
                                   Headers{{"Authorization", "Basic " + kAdminToken}}}) {
        for (const auto& [method, path] : routes) {
            const HttpResult r = api(method, path, "{}", headers);
            BOOST_TEST(r.status == 401, method << " " << path << ": " << r.body);
            BOOST_TEST(str(parseObject(r.body), "error") == "unauthorized");
            BOOST_TEST(r.header("WWW-Authenticate").rfind("Bearer", 0) == 0U);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_signed_in_non_admin_is_403_and_an_admin_session_works) {
    const Project project = createProject();
    const User plain = createUser("user");
    Browser browser;
    (void)signIn(browser, project, plain);
    const HttpResult refused = browser.request("GET", "/admin/api/v1/projects", "", {});
    BOOST_TEST(refused.status == 403, refused.body);
    BOOST_TEST(str(parseObject(refused.body), "error") == "forbidden");
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/admin/api/v1/invites"},
             {"POST", "/admin/api/v1/invites"},
             {"DELETE", "/admin/api/v1/invites/0123456789abcdef"}}) {
        const HttpResult r =
            browser.request(method, path, method == "GET" ? "" : "{}", {{"Origin", kIssuerOrigin}});
        BOOST_TEST(r.status == 403, method << " " << path << ": " << r.body);
    }

    const User boss = createUser("admin");
    Browser admin_browser;
    (void)signIn(admin_browser, project, boss);
    const HttpResult listed = admin_browser.request("GET", "/admin/api/v1/users?limit=5", "", {});
    BOOST_TEST(listed.status == 200, listed.body);
    // A write needs JSON and the issuer's own origin (CSRF defence).
    const std::string body =
        R"({"name":"From A Session","redirect_uris":[")" + kRedirect + R"("]})";
    const HttpResult no_origin = admin_browser.request("POST", "/admin/api/v1/projects", body, {});
    BOOST_TEST(no_origin.status == 403, no_origin.body);
    const HttpResult cross = admin_browser.request("POST", "/admin/api/v1/projects", body,
                                                   {{"Sec-Fetch-Site", "cross-site"}});
    BOOST_TEST(cross.status == 403, cross.body);
    const HttpResult as_form = admin_browser.request("POST", "/admin/api/v1/projects", "name=x",
                                                     {{"Origin", kIssuerOrigin}}, kForm);
    BOOST_TEST(as_form.status == 403, as_form.body);
    const HttpResult made =
        admin_browser.request("POST", "/admin/api/v1/projects", body, {{"Origin", kIssuerOrigin}});
    BOOST_TEST(made.status == 201, made.body);
    const HttpResult same_site = admin_browser.request(
        "PATCH", "/admin/api/v1/projects/" + str(parseObject(made.body), "client_id"),
        R"({"description":"edited"})", {{"Sec-Fetch-Site", "same-origin"}});
    BOOST_TEST(same_site.status == 200, same_site.body);
    // The write is audited with the admin as actor.
    const HttpResult events = api("GET", "/audit-events?type=project.created&project=" +
                                             str(parseObject(made.body), "client_id"));
    BOOST_TEST(contains(events.body, boss.id), events.body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(projects)

BOOST_AUTO_TEST_CASE(create_get_list_patch_delete) {
    const Project project = createProject(R"(,"description":"first","access_ttl":"10m")");
    BOOST_TEST(std::regex_match(project.client_secret, std::regex("[0-9a-f]{64}")));
    const HttpResult got = api("GET", "/projects/" + project.client_id);
    BOOST_TEST(got.status == 200, got.body);
    BOOST_TEST(str(parseObject(got.body), "signing_key") == project.signing_key);
    BOOST_TEST(str(parseObject(got.body), "access_ttl") == "10m");
    BOOST_TEST(!contains(got.body, "client_secret"));

    // Paging: limit 1 walks every project via next_cursor.
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
        const HttpResult listed =
            api("GET", "/projects?limit=1" + (cursor.empty() ? "" : "&cursor=" + urlEncode(cursor)));
        BOOST_TEST_REQUIRE(listed.status == 200, listed.body);
        const auto ids = itemIds(listed, "client_id");
        BOOST_TEST(ids.size() <= 1U);
        seen.insert(seen.end(), ids.begin(), ids.end());
        const auto object = parseObject(listed.body);
        if (object->isNull("next_cursor")) {
            break;
        }
        cursor = str(object, "next_cursor");
    }
    BOOST_TEST(has(seen, project.client_id));

    const HttpResult patched =
        api("PATCH", "/projects/" + project.client_id,
            R"({"name":"Renamed","redirect_uris":[")" + kRedirect +
                R"(","https://app.example.com/cb"],"access_ttl":null,)"
                R"("access_policy":{"roles":["admin"],"email_domains":["example.com"]}})");
    BOOST_TEST(patched.status == 200, patched.body);
    const auto after = parseObject(patched.body);
    BOOST_TEST(str(after, "name") == "Renamed");
    BOOST_TEST(after->getArray("redirect_uris")->size() == 2U);
    BOOST_TEST(after->isNull("access_ttl"));
    BOOST_TEST(after->getObject("access_policy")->getArray("roles")->getElement<std::string>(0) ==
               "admin");

    BOOST_TEST(api("DELETE", "/projects/" + project.client_id).status == 204);
    BOOST_TEST(api("GET", "/projects/" + project.client_id).status == 404);
    BOOST_TEST(api("DELETE", "/projects/" + project.client_id).status == 404);
    BOOST_TEST(api("PATCH", "/projects/proj_missing", R"({"name":"x"})").status == 404);
    BOOST_TEST(api("POST", "/projects/proj_missing/rotate-secret").status == 404);
}

BOOST_AUTO_TEST_CASE(each_bad_field_is_a_400_naming_it) {
    const std::string ok_uris = R"("redirect_uris":[")" + kRedirect + R"("])";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"redirect_uris":[]})", "name"},
        {R"({"name":"x"})", "redirect_uris"},
        {R"({"name":"x",)" + ok_uris + R"(,"colour":"red"})", "unknown field: colour"},
        {R"({"name":"x","redirect_uris":["not a uri"]})", "redirect_uris"},
        {R"({"name":"x","redirect_uris":"http://a"})", "redirect_uris"},
        {R"({"name":"x",)" + ok_uris + R"(,"client_type":"secretive"})", "client_type"},
        {R"({"name":"x",)" + ok_uris + R"(,"grant_types":["password"]})", "grant_types"},
        {R"({"name":"x",)" + ok_uris + R"(,"scopes":["two words"]})", "scopes"},
        {R"({"name":"x",)" + ok_uris + R"(,"id_token_signed_response_alg":"none"})",
         "id_token_signed_response_alg"},
        {R"({"name":"x",)" + ok_uris + R"(,"access_ttl":"forever"})", "access_ttl"},
        {R"({"name":"x",)" + ok_uris + R"(,"access_ttl":"400d"})", "access_ttl"},
        {R"({"name":"x",)" + ok_uris + R"(,"authenticators":["nope"]})", "authenticators"},
        {R"({"name":"x",)" + ok_uris + R"(,"access_policy":{"planet":"mars"}})",
         "access_policy.planet"},
        {R"({"name":"x",)" + ok_uris + R"(,"access_policy":{"email_domains":["not a domain"]}})",
         "access_policy.email_domains"},
        {R"({"name":"x",)" + ok_uris + R"(,"backchannel_logout_uri":"ftp://x"})",
         "backchannel_logout_uri"},
        {R"({"name":"x",)" + ok_uris + R"(,"skip_consent":"yes"})", "skip_consent"},
        {"not json", ""},
    };
    for (const auto& [body, field] : cases) {
        const HttpResult r = api("POST", "/projects", body);
        BOOST_TEST(r.status == 400, body << ": " << r.body);
        BOOST_TEST(str(parseObject(r.body), "error") == "invalid_request");
        BOOST_TEST(contains(errorDescription(r), field), body << ": " << r.body);
    }
    const Project project = createProject();
    const HttpResult patch =
        api("PATCH", "/projects/" + project.client_id, R"({"client_type":"public"})");
    BOOST_TEST(patch.status == 400);
    BOOST_TEST(contains(errorDescription(patch), "client_type"));
    BOOST_TEST(api("GET", "/projects?limit=0").status == 400);
    BOOST_TEST(api("GET", "/projects?limit=abc").status == 400);
    const HttpResult grace =
        api("POST", "/projects/" + project.client_id + "/rotate-signing-key", R"({"grace":"90d"})");
    BOOST_TEST(grace.status == 400);
    BOOST_TEST(contains(errorDescription(grace), "grace"));
}

BOOST_AUTO_TEST_CASE(each_member_must_have_its_json_type) {
    // A lifetime is a duration string or whole seconds; a boolean is neither a number nor a
    // string, and a number is not a boolean.
    const std::string ok = R"({"name":"x","redirect_uris":[")" + kRedirect + R"("],)";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {ok + R"("access_ttl":true})", "access_ttl must be a duration"},
        {ok + R"("access_ttl":1.5})", "access_ttl must be a duration"},
        {ok + R"("access_ttl":""})", "access_ttl"},
        {ok + R"("access_ttl":-5})", "access_ttl must be a positive duration"},
        {ok + R"("access_ttl":99999999999999999999})", "access_ttl is out of range"},
        {ok + R"("skip_consent":1})", "skip_consent must be true or false"},
        {ok + R"("description":5})", "description must be a string"},
        {ok + R"("scopes":["openid",1]})", "scopes must be an array of strings"},
        {ok + R"("access_policy":["admin"]})", "access_policy must be an object"},
        {ok + R"("access_policy":{"require_verified_email":"yes"}})",
         "access_policy.require_verified_email must be true or false"},
        {R"(["name"])", "the JSON body must be an object"},
    };
    for (const auto& [body, message] : cases) {
        const HttpResult r = api("POST", "/projects", body);
        BOOST_TEST(r.status == 400, body << ": " << r.body);
        BOOST_TEST(contains(errorDescription(r), message), body << ": " << r.body);
    }
    const Project project = createProject(R"(,"access_ttl":600,"description":null)");
    const auto got = parseObject(api("GET", "/projects/" + project.client_id).body);
    BOOST_TEST(str(got, "access_ttl") == "10m");
    BOOST_TEST(str(got, "description") == "");
}

BOOST_AUTO_TEST_CASE(rotate_secret_makes_the_old_one_stop_working) {
    const Project project = createProject();
    BOOST_TEST(clientCredentials(project, project.client_secret).status == 200);
    const HttpResult rotated = api("POST", "/projects/" + project.client_id + "/rotate-secret");
    BOOST_TEST_REQUIRE(rotated.status == 200, rotated.body);
    const std::string fresh = str(parseObject(rotated.body), "client_secret");
    BOOST_TEST(std::regex_match(fresh, std::regex("[0-9a-f]{64}")));
    BOOST_TEST(fresh != project.client_secret);
    BOOST_TEST(clientCredentials(project, project.client_secret).status == 401);
    BOOST_TEST(clientCredentials(project, fresh).status == 200);
}

BOOST_AUTO_TEST_CASE(rotate_signing_key_keeps_old_tokens_valid_during_the_grace) {
    const Project project = createProject();
    const User user = createUser();
    Browser browser;
    const auto tokens = exchangeCode(project, signIn(browser, project, user));
    const std::string old_access = str(tokens, "access_token");
    const Headers old_bearer = {{"Authorization", "Bearer " + old_access}};
    BOOST_TEST(server().get("/oauth/userinfo", old_bearer).status == 200);

    const HttpResult rotated =
        api("POST", "/projects/" + project.client_id + "/rotate-signing-key", R"({"grace":"1h"})");
    BOOST_TEST_REQUIRE(rotated.status == 200, rotated.body);
    const std::string key = str(parseObject(rotated.body), "signing_key");
    BOOST_TEST(key != project.signing_key);
    BOOST_TEST(str(parseObject(api("GET", "/projects/" + project.client_id).body), "signing_key") == key);
    BOOST_TEST(server().get("/oauth/userinfo", old_bearer).status == 200);

    // Without a grace the old key stops verifying at once.
    const HttpResult again =
        api("POST", "/projects/" + project.client_id + "/rotate-signing-key", R"({"grace":0})");
    BOOST_TEST_REQUIRE(again.status == 200, again.body);
    BOOST_TEST(server().get("/oauth/userinfo", old_bearer).status == 401);
}

BOOST_AUTO_TEST_CASE(access_policy_patch_refuses_refresh_for_a_user_it_no_longer_admits) {
    const Project project = createProject();
    const User user = createUser();
    Browser browser;
    const auto tokens =
        exchangeCode(project, signIn(browser, project, user, "openid offline_access"));
    const std::string first = str(tokens, "refresh_token");
    const HttpResult ok = refresh(project, first);
    BOOST_TEST_REQUIRE(ok.status == 200, ok.body);
    BOOST_TEST(
        api("PATCH", "/projects/" + project.client_id, R"({"access_policy":{"roles":["admin"]}})")
            .status == 200);
    const HttpResult refused = refresh(project, str(parseObject(ok.body), "refresh_token"));
    BOOST_TEST(refused.status == 400, refused.body);
    BOOST_TEST(str(parseObject(refused.body), "error") == "invalid_grant");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(users)

BOOST_AUTO_TEST_CASE(create_get_search_patch_delete) {
    const User user = createUser();
    const HttpResult got = api("GET", "/users/" + user.id);
    BOOST_TEST(got.status == 200, got.body);
    BOOST_TEST(str(parseObject(got.body), "email") == user.email);
    const HttpResult found = api("GET", "/users?email=" + urlEncode(user.email));
    BOOST_TEST(found.status == 200, found.body);
    BOOST_TEST(itemIds(found, "id") == std::vector<std::string>{user.id});
    const HttpResult patched = api("PATCH", "/users/" + user.id,
                                   R"({"name":"Renamed","role":"editor","email_verified":false})");
    BOOST_TEST(patched.status == 200, patched.body);
    BOOST_TEST(str(parseObject(patched.body), "role") == "editor");
    BOOST_TEST(api("POST", "/users", R"({"email":")" + user.email + R"("})").status == 409);
    BOOST_TEST(api("DELETE", "/users/" + user.id).status == 204);
    BOOST_TEST(api("GET", "/users/" + user.id).status == 404);
    BOOST_TEST(api("PATCH", "/users/" + user.id, R"({"name":"x"})").status == 404);
    BOOST_TEST(api("GET", "/users/" + user.id + "/sessions").status == 404);
}

BOOST_AUTO_TEST_CASE(each_bad_user_field_is_a_400_naming_it) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"name":"x"})", "email"},
        {R"({"email":"not-an-email"})", "email"},
        {R"({"email":"a@example.com","role":"Super User"})", "role"},
        {R"({"email":"a@example.com","status":""})", "status"},
        {R"({"email":"a@example.com","picture":"javascript:x"})", "picture"},
        {R"({"email":"a@example.com","password":"short"})", "password"},
        {R"({"email":"a@example.com","pin":"12"})", "pin"},
        {R"({"email":"a@example.com","email_verified":"yes"})", "email_verified"},
        {R"({"email":"a@example.com","shoe_size":42})", "unknown field: shoe_size"},
    };
    for (const auto& [body, field] : cases) {
        const HttpResult r = api("POST", "/users", body);
        BOOST_TEST(r.status == 400, body << ": " << r.body);
        BOOST_TEST(contains(errorDescription(r), field), body << ": " << r.body);
    }
    const User user = createUser();
    const HttpResult bad_patch = api("PATCH", "/users/" + user.id, R"({"password":"x"})");
    BOOST_TEST(bad_patch.status == 400);
    BOOST_TEST(contains(errorDescription(bad_patch), "unknown field: password"));
    const HttpResult weak =
        api("PUT", "/users/" + user.id + "/password", R"({"password":"short"})");
    BOOST_TEST(weak.status == 400);
    BOOST_TEST(contains(errorDescription(weak), "password"));
    const HttpResult missing = api("PUT", "/users/" + user.id + "/pin", "{}");
    BOOST_TEST(missing.status == 400);
    BOOST_TEST(contains(errorDescription(missing), "pin"));
}

BOOST_AUTO_TEST_CASE(set_password_replaces_the_credential) {
    const Project project = createProject();
    const User user = createUser();
    const std::string next = "an entirely new passphrase";
    BOOST_TEST(
        api("PUT", "/users/" + user.id + "/password", R"({"password":")" + next + R"("})").status ==
        204);
    Browser browser;
    const HttpResult page = openMethod(browser, project, "password");
    const HttpResult old = submit(browser, page, {{"email", user.email}, {"password", kPassword}});
    BOOST_TEST(old.status == 200); // the form again, with an error
    const HttpResult fresh = submit(browser, old, {{"email", user.email}, {"password", next}});
    BOOST_TEST((fresh.status == 302 || fresh.status == 303), fresh.body);
    // Written with the credential, in its transaction: exactly one event.
    const auto events = auditEvents("user.credential_set", user.id);
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(str(events[0]->getObject("detail"), "authenticator") == "password");
    BOOST_TEST(str(events[0]->getObject("detail"), "actor") == "bootstrap_admin_token");
    // A refused password changes nothing and writes no event.
    BOOST_TEST(
        api("PUT", "/users/" + user.id + "/password", R"({"password":"short"})").status == 400);
    BOOST_TEST(auditEvents("user.credential_set", user.id).size() == 1U);
}

BOOST_AUTO_TEST_CASE(suspending_ends_sessions_and_refresh_families) {
    const Project project = createProject();
    const User user = createUser();
    Browser browser;
    const auto tokens =
        exchangeCode(project, signIn(browser, project, user, "openid offline_access"));
    const HttpResult sessions = api("GET", "/users/" + user.id + "/sessions");
    BOOST_TEST_REQUIRE(sessions.status == 200, sessions.body);
    BOOST_TEST(itemIds(sessions, "id").size() == 1U);

    const HttpResult suspended = api("PATCH", "/users/" + user.id, R"({"status":"suspended"})");
    BOOST_TEST(suspended.status == 200, suspended.body);
    BOOST_TEST(itemIds(api("GET", "/users/" + user.id + "/sessions"), "id").empty());
    const HttpResult refused = refresh(project, str(tokens, "refresh_token"));
    BOOST_TEST(refused.status == 400, refused.body);
    BOOST_TEST(str(parseObject(refused.body), "error") == "invalid_grant");
    const HttpResult events = api("GET", "/audit-events?user=" + user.id + "&type=user.suspended");
    BOOST_TEST(itemIds(events, "type") == std::vector<std::string>{"user.suspended"});
}

BOOST_AUTO_TEST_CASE(deleting_the_lockout_lifts_a_pin_lockout) {
    const Project project = createProject();
    const User user = createUser();
    Browser browser;
    HttpResult page = openMethod(browser, project, "pin");
    for (const std::string wrong : {"111112", "111113", "111114"}) {
        page = submit(browser, page, {{"email", user.email}, {"pin", wrong}});
    }
    BOOST_TEST_REQUIRE(contains(page.body, "is locked"), page.body);
    Browser other;
    HttpResult locked =
        submit(other, openMethod(other, project, "pin"), {{"email", user.email}, {"pin", kPin}});
    BOOST_TEST(contains(locked.body, "is locked"));

    BOOST_TEST(api("DELETE", "/users/" + user.id + "/lockout").status == 204);
    Browser third;
    const HttpResult ok =
        submit(third, openMethod(third, project, "pin"), {{"email", user.email}, {"pin", kPin}});
    BOOST_TEST((ok.status == 302 || ok.status == 303), ok.body);
    const auto events = auditEvents("user.lockout_cleared", user.id);
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(str(events[0]->getObject("detail"), "authenticators") == "password,pin");
    BOOST_TEST(api("DELETE", "/users/nobody/lockout").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(revoke_one_and_revoke_all) {
    const Project project = createProject();
    const User user = createUser();
    Browser first;
    Browser second;
    const auto tokens =
        exchangeCode(project, signIn(first, project, user, "openid offline_access"));
    (void)signIn(second, project, user);
    auto ids = itemIds(api("GET", "/users/" + user.id + "/sessions"), "id");
    BOOST_TEST_REQUIRE(ids.size() == 2U);
    BOOST_TEST(api("DELETE", "/sessions/" + ids[0]).status == 204);
    BOOST_TEST(itemIds(api("GET", "/users/" + user.id + "/sessions"), "id").size() == 1U);
    BOOST_TEST(api("DELETE", "/sessions/no-such-session").status == 404);

    const HttpResult all = api("DELETE", "/users/" + user.id + "/sessions");
    BOOST_TEST(all.status == 200, all.body);
    BOOST_TEST(itemIds(api("GET", "/users/" + user.id + "/sessions"), "id").empty());
    BOOST_TEST(refresh(project, str(tokens, "refresh_token")).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audit_and_keys)

BOOST_AUTO_TEST_CASE(audit_events_filter_by_user_project_type_and_time) {
    const Project project = createProject();
    const User user = createUser();
    Browser browser;
    (void)exchangeCode(project, signIn(browser, project, user));

    const HttpResult by_user = api("GET", "/audit-events?user=" + user.id);
    BOOST_TEST_REQUIRE(by_user.status == 200, by_user.body);
    const auto types = itemIds(by_user, "type");
    BOOST_TEST(has(types, "user.created"));
    BOOST_TEST((has(types, "signin.success") || has(types, "login.success")), by_user.body);
    for (const auto& id : itemIds(by_user, "user_id")) {
        BOOST_TEST(id == user.id);
    }
    const auto by_project =
        itemIds(api("GET", "/audit-events?project=" + project.client_id), "client_id");
    BOOST_TEST(!by_project.empty());
    for (const auto& id : by_project) {
        BOOST_TEST(id == project.client_id);
    }
    const auto created = itemIds(
        api("GET", "/audit-events?type=project.created&project=" + project.client_id), "type");
    BOOST_TEST(created == std::vector<std::string>{"project.created"});
    // Newest first.
    const auto events = parseObject(by_user.body)->getArray("items");
    for (std::size_t i = 1; i < events->size(); ++i) {
        BOOST_TEST(
            events->getObject(static_cast<unsigned>(i - 1))->getValue<std::int64_t>("time") >=
            events->getObject(static_cast<unsigned>(i))->getValue<std::int64_t>("time"));
    }
    BOOST_TEST(itemIds(api("GET", "/audit-events?user=" + user.id + "&until=1"), "id").empty());
    BOOST_TEST(
        itemIds(api("GET", "/audit-events?user=" + user.id + "&since=4102444800"), "id").empty());
    BOOST_TEST(api("GET", "/audit-events?since=yesterday").status == 400);
    BOOST_TEST(api("GET", "/audit-events?colour=red").status == 400);
}

BOOST_AUTO_TEST_CASE(provider_key_rotation_publishes_new_and_old_keys) {
    const HttpResult before = api("GET", "/keys");
    BOOST_TEST_REQUIRE(before.status == 200, before.body);
    const HttpResult rotated = api("POST", "/keys/rotate", R"({"alg":"ES256"})");
    BOOST_TEST_REQUIRE(rotated.status == 200, rotated.body);
    const std::string kid = str(parseObject(rotated.body), "kid");
    BOOST_TEST(str(parseObject(rotated.body), "alg") == "ES256");
    const HttpResult jwks = server().get("/oauth/jwks");
    BOOST_TEST(contains(jwks.body, kid), jwks.body);
    // Every key that was published before is still there.
    for (const auto& old : itemIds(before, "kid")) {
        BOOST_TEST(contains(jwks.body, old));
    }
    BOOST_TEST(has(itemIds(api("GET", "/keys"), "kid"), kid));
    // Exactly one key.rotated event names the new key (other cases may rotate too).
    int naming = 0;
    for (const auto& event : auditEvents("key.rotated")) {
        naming += str(event->getObject("detail"), "kid") == kid ? 1 : 0;
    }
    BOOST_TEST(naming == 1);
    BOOST_TEST(api("POST", "/keys/rotate", R"({"alg":"HS256"})").status == 400);
    BOOST_TEST(api("POST", "/keys/rotate", R"({"alg":"RS256","size":2})").status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(invites)

BOOST_AUTO_TEST_CASE(create_list_and_withdraw_without_ever_listing_the_code) {
    const HttpResult made = api("POST", "/invites", "{}");
    BOOST_TEST_REQUIRE(made.status == 201, made.body);
    const auto invite = parseObject(made.body);
    const std::string id = str(invite, "id");
    const std::string code = str(invite, "code");
    BOOST_TEST(std::regex_match(id, std::regex("[0-9a-f]{16}")), id);
    BOOST_TEST(code.size() >= 20U);
    BOOST_TEST(str(invite, "actor") == "bootstrap_admin_token");
    BOOST_TEST(invite->isNull("created_by"));
    const auto created_at = invite->getValue<std::int64_t>("created_at");
    BOOST_TEST(invite->getValue<std::int64_t>("expires_at") == created_at + 7 * 86400);
    // Without a body too.
    const HttpResult second = api("POST", "/invites");
    BOOST_TEST_REQUIRE(second.status == 201, second.body);
    const std::string second_id = str(parseObject(second.body), "id");

    const HttpResult listed = api("GET", "/invites?limit=200");
    BOOST_TEST_REQUIRE(listed.status == 200, listed.body);
    BOOST_TEST(has(itemIds(listed, "id"), id));
    BOOST_TEST(has(itemIds(listed, "id"), second_id));
    BOOST_TEST(!contains(listed.body, code), "the list never shows a code");
    BOOST_TEST(!contains(listed.body, "\"code\""));

    // Paging: limit 1 walks every invite.
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
        const HttpResult one =
            api("GET", "/invites?limit=1" + (cursor.empty() ? "" : "&cursor=" + urlEncode(cursor)));
        BOOST_TEST_REQUIRE(one.status == 200, one.body);
        const auto ids = itemIds(one, "id");
        BOOST_TEST(ids.size() <= 1U);
        seen.insert(seen.end(), ids.begin(), ids.end());
        if (parseObject(one.body)->isNull("next_cursor")) {
            break;
        }
        cursor = str(parseObject(one.body), "next_cursor");
    }
    BOOST_TEST(has(seen, id));
    BOOST_TEST(has(seen, second_id));

    BOOST_TEST(api("DELETE", "/invites/" + id).status == 204);
    BOOST_TEST(!has(itemIds(api("GET", "/invites?limit=200"), "id"), id));
    BOOST_TEST(has(itemIds(api("GET", "/invites?limit=200"), "id"), second_id));
    const HttpResult again = api("DELETE", "/invites/" + id);
    BOOST_TEST(again.status == 404, again.body);
    BOOST_TEST(str(parseObject(again.body), "error") == "not_found");

    // Both changes are audited, with the invite's id and the actor.
    const HttpResult created_events = api("GET", "/audit-events?type=invite.created&limit=200");
    BOOST_TEST(contains(created_events.body, "\"invite\":\"" + id + "\""), created_events.body);
    const HttpResult withdrawn = api("GET", "/audit-events?type=invite.withdrawn&limit=200");
    BOOST_TEST(contains(withdrawn.body, "\"invite\":\"" + id + "\""), withdrawn.body);
    BOOST_TEST(contains(withdrawn.body, "bootstrap_admin_token"));
}

BOOST_AUTO_TEST_CASE(bad_invite_requests_are_refused) {
    const HttpResult body = api("POST", "/invites", R"({"ttl":"1d"})");
    BOOST_TEST(body.status == 400, body.body);
    BOOST_TEST(contains(errorDescription(body), "unknown field: ttl"));
    BOOST_TEST(api("POST", "/invites", "not json").status == 400);
    const HttpResult malformed = api("DELETE", "/invites/not-an-id");
    BOOST_TEST(malformed.status == 400, malformed.body);
    BOOST_TEST(contains(errorDescription(malformed), "id"));
    BOOST_TEST(api("DELETE", "/invites/ABCDEF0123456789").status == 400);
    BOOST_TEST(api("DELETE", "/invites/0000000000000000").status == 404);
    BOOST_TEST(api("GET", "/invites?limit=0").status == 400);
    BOOST_TEST(api("GET", "/invites?cursor=%21%21%21").status == 400);
    BOOST_TEST(api("PUT", "/invites").status == 405);
    BOOST_TEST(api("GET", "/invites/0123456789abcdef").status == 405);
    BOOST_TEST(api("DELETE", "/invites/a/b").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
