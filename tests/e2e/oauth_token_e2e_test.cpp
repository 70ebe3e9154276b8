// SPDX-License-Identifier: Apache-2.0
// The back channel of the OAuth/OIDC engine against the real authd binary: the bootstrap
// admin routes, the token endpoint (every grant, both body formats, both dialects, every
// RFC 6749 error it produces), userinfo, introspection, revocation, discovery and the JWKS.
// Codes come from the real browser flow (authorize, password login, consent) driven with a
// cookie jar. One authd serves the executable; each case makes its own projects and users.
// With `-- --pg-dsn-file=FILE` (CTest oauth_token_e2e_test_postgresql) the same cases run
// against PostgreSQL, in a database of their own on that server.
#define BOOST_TEST_MODULE oauth_token_e2e_test
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
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
#include <Poco/String.h>
#include <Poco/URI.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "support/authd_process.hpp"
#include "support/store_argument.hpp"
#include "support/web_client.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"
#include "tokens/token_hashes.hpp"

using authd::test::AuthdProcess;
using authd::test::formAction;
using authd::test::formBody;
using authd::test::Headers;
using authd::test::hiddenValue;
using authd::test::HttpResult;
using authd::test::Params;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::TempDir;
using authd::test::urlEncode;
namespace tokens = authd::tokens;

namespace {

const std::string kAdminToken = "token-e2e-admin-token-0123456789abcdef0123456789";
const std::string kPassword = "correct horse battery staple";
const std::string kRedirect = "http://127.0.0.1:3000/api/auth/callback";
// What the test config's server.issuer says (tokens carry it whatever port authd bound).
const std::string kIssuer = "http://127.0.0.1:8080";
// RFC 7636 appendix B.
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const std::string kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const std::string kForm = "application/x-www-form-urlencoded";
const std::string kJson = "application/json";


// ---------------------------------------------------------------------------------------
// The process

std::string configYaml(const TempDir& dir, const std::string& storage) {
    std::string yaml = authd::test::testConfigYaml(dir.path(), storage);
    yaml += "authenticators:\n  - id: password\n    plugin: password\n    config:\n      min_length: 10\n";
    // A short grace window, so that reuse after it can be seen without a long wait.
    yaml += "tokens:\n  refresh_grace: 1s\n";
    return yaml;
}

struct Env {
    TempDir dir;
    std::unique_ptr<AuthdProcess> authd;
};

AuthdProcess& server() {
    static const std::unique_ptr<Env> env = [] {
        auto made = std::make_unique<Env>();
        const std::string path = made->dir.write("authd.yaml", configYaml(made->dir, authd::test::storageFromArguments("authd_oauth_token_e2e")));
        AuthdProcess::Options options;
        options.env = {{"AUTHD_ADMIN_TOKEN", kAdminToken}};
        made->authd = std::make_unique<AuthdProcess>(path, options);
        return made;
    }();
    return *env->authd;
}

// ---------------------------------------------------------------------------------------
// HTTP and JSON helpers

std::string str(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object->has(name) || object->isNull(name)) {
        return "<absent>";
    }
    return object->getValue<std::string>(name);
}

std::string jsonBody(const Params& params) {
    Poco::JSON::Object object;
    for (const auto& [name, value] : params) {
        object.set(name, value);
    }
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

std::string base64(const std::string& text) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = -6;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        value = (value << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out += kAlphabet[(value >> bits) & 0x3F];
            bits -= 6;
        }
    }
    if (bits > -6) {
        out += kAlphabet[((value << 8) >> (bits + 8)) & 0x3F];
    }
    while (out.size() % 4 != 0) {
        out += '=';
    }
    return out;
}

std::pair<std::string, std::string> basic(const std::string& id, const std::string& secret) {
    return {"Authorization", "Basic " + base64(urlEncode(id) + ":" + urlEncode(secret))};
}

std::pair<std::string, std::string> bearer(const std::string& token) {
    return {"Authorization", "Bearer " + token};
}

Poco::JSON::Object::Ptr payloadOf(const std::string& jwt) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first + 1);
    return parseObject(authd::crypto::base64UrlDecode(jwt.substr(first + 1, second - first - 1)).value());
}

Poco::JSON::Object::Ptr headerOf(const std::string& jwt) {
    return parseObject(authd::crypto::base64UrlDecode(jwt.substr(0, jwt.find('.'))).value());
}

std::string errorOf(const HttpResult& result) {
    return str(parseObject(result.body), "error");
}

// ---------------------------------------------------------------------------------------
// Projects, users and the browser flow

struct Project {
    std::string client_id;
    std::string client_secret;
    std::string signing_key;
};

std::string unique(const std::string& base) {
    return base + "-" + authd::crypto::randomHex(4);
}

HttpResult admin(const std::string& path, const std::string& body, const Headers& headers = {
                                                                      {"Authorization", "Bearer " + kAdminToken}}) {
    return server().post("/admin/api/v1/" + path, body, kJson, headers);
}

Project createProject(const std::string& extra_fields = {}, const std::string& client_type = "confidential") {
    const std::string body = R"({"name":")" + unique("Token E2E") + R"(","redirect_uris":[")" +
                             kRedirect + R"("],"client_type":")" + client_type +
                             R"(","skip_consent":true)" + extra_fields + "}";
    const HttpResult result = admin("projects", body);
    BOOST_REQUIRE_MESSAGE(result.status == 201, result.body);
    const auto object = parseObject(result.body);
    return {str(object, "client_id"), object->isNull("client_secret") ? "" : str(object, "client_secret"),
            str(object, "signing_key")};
}

std::string createUser() {
    const std::string email = unique("user") + "@example.com";
    const HttpResult result =
        admin("users", R"({"email":")" + email + R"(","name":"Jane Doe","password":")" + kPassword +
                           R"(","email_verified":true})");
    BOOST_REQUIRE_MESSAGE(result.status == 201, result.body);
    return email;
}

// A browser on the server (a cookie jar; redirects are not followed).
class Browser : public authd::test::Browser {
public:
    Browser() : authd::test::Browser("http://127.0.0.1:" + std::to_string(server().port())) {}
};

std::string hidden(const std::string& html, const std::string& name) {
    const std::string value = hiddenValue(html, name);
    BOOST_REQUIRE_MESSAGE(!value.empty(), "no hidden " + name + " in page");
    return value;
}

std::string formActionOf(const std::string& html) {
    const std::string action = formAction(html);
    BOOST_REQUIRE_MESSAGE(!action.empty(), "no form in page: " + html.substr(0, 400));
    return action;
}

// Runs authorize -> password login -> (consent) and returns the redirect to the client.
std::string authorizeRedirect(const std::string& prefix, const std::string& client_id,
                              const std::string& email, const Params& extra) {
    Browser browser;
    Params params = {{"client_id", client_id},
                     {"redirect_uri", kRedirect},
                     {"response_type", "code"},
                     {"state", "st-" + authd::crypto::randomHex(4)}};
    params.insert(params.end(), extra.begin(), extra.end());
    HttpResult step = browser.get(prefix + "/authorize?" + formBody(params));
    for (int hops = 0; hops < 8; ++hops) {
        if (step.status == 302 || step.status == 303) {
            const std::string location = step.header("Location");
            if (location.rfind(kRedirect, 0) == 0) {
                return location;
            }
            step = browser.get(location);
            continue;
        }
        BOOST_REQUIRE_MESSAGE(step.status == 200, "unexpected " + std::to_string(step.status) +
                                                      ": " + step.body.substr(0, 400));
        const std::string action = formActionOf(step.body);
        Params fields = {{"csrf_token", hidden(step.body, "csrf_token")}, {"req", hidden(step.body, "req")}};
        if (step.body.find("name=\"password\"") != std::string::npos) {
            fields.emplace_back("email", email);
            fields.emplace_back("password", kPassword);
        } else {
            fields.emplace_back("decision", "allow");
        }
        step = browser.postForm(action, fields);
    }
    BOOST_FAIL("the authorization flow did not reach the client");
    return {};
}

std::string obtainCode(const std::string& prefix, const std::string& client_id,
                       const std::string& email, const Params& extra = {}) {
    const auto query = queryOf(authorizeRedirect(prefix, client_id, email, extra));
    BOOST_REQUIRE_MESSAGE(query.count("code") == 1, "no code in the redirect");
    return query.at("code");
}

HttpResult token(const Params& params, const Headers& headers = {}, const std::string& path = "/oauth/token") {
    return server().post(path, formBody(params), kForm, headers);
}

// A full code exchange with client_secret_post; the token response.
Poco::JSON::Object::Ptr codeTokens(const Project& project, const std::string& email,
                                   const std::string& scope = "openid profile email") {
    const std::string code = obtainCode("/oauth", project.client_id, email, {{"scope", scope}});
    const HttpResult result = token({{"grant_type", "authorization_code"},
                                     {"code", code},
                                     {"redirect_uri", kRedirect},
                                     {"client_id", project.client_id},
                                     {"client_secret", project.client_secret}});
    BOOST_REQUIRE_MESSAGE(result.status == 200, result.body);
    return parseObject(result.body);
}

tokens::Key hmacKey(const std::string& secret) {
    return tokens::Key::hmac(secret).value();
}

bool verifiesWith(const std::string& jwt, const std::string& secret) {
    return tokens::verify(jwt, tokens::KeySet({hmacKey(secret)}), {tokens::Alg::hs256}).has_value();
}

}  // namespace

// =========================================================================================

BOOST_AUTO_TEST_SUITE(bootstrap_admin)

BOOST_AUTO_TEST_CASE(routes_need_the_admin_bearer_token) {
    const std::string body = R"({"name":"x","redirect_uris":[")" + kRedirect + R"("]})";
    for (const Headers& headers :
         {Headers{}, Headers{{"Authorization", "Bearer wrong"}}, Headers{{"Authorization", "Basic " + kAdminToken}},
          Headers{{"Authorization", "Bearer " + kAdminToken + "x"}}}) {
        const HttpResult result = admin("projects", body, headers);
        BOOST_TEST(result.status == 401);
        BOOST_TEST(errorOf(result) == "unauthorized");
        BOOST_TEST(result.header("WWW-Authenticate").rfind("Bearer", 0) == 0U);
        BOOST_TEST(admin("users", R"({"email":"a@example.com"})", headers).status == 401);
    }
}

BOOST_AUTO_TEST_CASE(creates_a_project_with_secrets_and_defaults) {
    const std::string name = unique("My Shiny App");
    const HttpResult result = admin(
        "projects", R"({"name":")" + name + R"(","redirect_uris":[")" + kRedirect +
                        R"("],"client_type":"confidential","description":"d","access_ttl":"10m"})");
    BOOST_TEST(result.status == 201);
    BOOST_TEST(result.header("Cache-Control") == "no-store");
    const auto project = parseObject(result.body);
    BOOST_TEST(str(project, "client_id").rfind("proj_my_shiny_app_", 0) == 0U);
    BOOST_TEST(std::regex_match(str(project, "client_secret"), std::regex("[0-9a-f]{64}")));
    BOOST_TEST(std::regex_match(str(project, "signing_key"), std::regex("[0-9a-f]{64}")));
    BOOST_TEST(str(project, "client_secret") != str(project, "signing_key"));
    BOOST_TEST(str(project, "name") == name);
    BOOST_TEST(str(project, "client_type") == "confidential");
    BOOST_TEST(str(project, "access_ttl") == "10m");
    BOOST_TEST(str(project, "id_token_signed_response_alg") == "HS256");
    BOOST_TEST(project->getArray("redirect_uris")->getElement<std::string>(0) == kRedirect);
    BOOST_TEST(project->getArray("grant_types")->size() == 3U);
    BOOST_TEST(project->getArray("scopes")->size() == 4U);

    // The same name again gets another client_id.
    const HttpResult again = admin("projects", R"({"name":")" + name + R"(","redirect_uris":[")" +
                                                   kRedirect + R"("]})");
    BOOST_TEST(again.status == 201);
    BOOST_TEST(str(parseObject(again.body), "client_id") != str(project, "client_id"));
}

BOOST_AUTO_TEST_CASE(public_project_has_no_secret_and_rs256_id_tokens) {
    const HttpResult result = admin("projects", R"({"name":"spa","redirect_uris":[")" + kRedirect +
                                                    R"("],"client_type":"public"})");
    BOOST_TEST(result.status == 201);
    const auto project = parseObject(result.body);
    BOOST_TEST(project->isNull("client_secret"));
    BOOST_TEST(str(project, "id_token_signed_response_alg") == "RS256");
    BOOST_TEST(project->getArray("grant_types")->size() == 2U);
}

BOOST_AUTO_TEST_CASE(bad_project_fields_are_400_naming_the_field) {
    const auto check = [](const std::string& body, const std::string& field) {
        const HttpResult result = admin("projects", body);
        BOOST_TEST_INFO(body);
        BOOST_TEST(result.status == 400);
        BOOST_TEST(errorOf(result) == "invalid_request");
        BOOST_TEST(str(parseObject(result.body), "error_description").find(field) != std::string::npos);
    };
    const std::string uris = R"("redirect_uris":[")" + kRedirect + R"("])";
    check(R"({"name":"x",)" + uris + R"(,"colour":"blue"})", "colour");
    check(R"({)" + uris + R"(})", "name");
    check(R"({"name":"x"})", "redirect_uris");
    check(R"({"name":"x","redirect_uris":["http://example.com/cb"]})", "redirect_uris");
    check(R"({"name":"x","redirect_uris":["https://a.test/cb#frag"]})", "redirect_uris");
    check(R"({"name":"x","redirect_uris":"https://a.test/cb"})", "redirect_uris");
    check(R"({"name":"x",)" + uris + R"(,"client_type":"secret"})", "client_type");
    check(R"({"name":"x",)" + uris + R"(,"grant_types":["password"]})", "grant_types");
    check(R"({"name":"x",)" + uris + R"(,"client_type":"public","grant_types":["client_credentials"]})",
          "grant_types");
    check(R"({"name":"x",)" + uris + R"(,"access_ttl":"5 minutes"})", "access_ttl");
    check(R"({"name":"x",)" + uris + R"(,"id_token_signed_response_alg":"none"})",
          "id_token_signed_response_alg");
    check(R"({"name":"x",)" + uris + R"(,"client_type":"public","id_token_signed_response_alg":"HS256"})",
          "id_token_signed_response_alg");
    check(R"({"name":"x",)" + uris + R"(,"skip_consent":"yes"})", "skip_consent");
    const HttpResult malformed = admin("projects", R"({"name":)");
    BOOST_TEST(malformed.status == 400);
    BOOST_TEST(errorOf(malformed) == "invalid_request");
}

BOOST_AUTO_TEST_CASE(creates_users_and_refuses_duplicates_and_bad_fields) {
    const std::string email = unique("Mixed.Case") + "@Example.COM";
    const HttpResult result = admin("users", R"({"email":")" + email +
                                                 R"(","name":"Ann","role":"staff","password":")" +
                                                 kPassword + R"("})");
    BOOST_TEST(result.status == 201);
    const auto user = parseObject(result.body);
    BOOST_TEST(std::regex_match(str(user, "id"), std::regex("[0-9a-f-]{36}")));
    std::string lower = email;
    for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    BOOST_TEST(str(user, "email") == lower);
    BOOST_TEST(str(user, "role") == "staff");
    BOOST_TEST(str(user, "status") == "active");
    BOOST_TEST(user->has("created_at"));
    BOOST_TEST(user->has("email_verified"));

    const HttpResult duplicate = admin("users", R"({"email":")" + lower + R"("})");
    BOOST_TEST(duplicate.status == 409);
    BOOST_TEST(errorOf(duplicate) == "conflict");
    const HttpResult upper = admin("users", R"({"email":")" + email + R"("})");
    BOOST_TEST(upper.status == 409);

    const auto check = [](const std::string& body, const std::string& field) {
        const HttpResult bad = admin("users", body);
        BOOST_TEST_INFO(body);
        BOOST_TEST(bad.status == 400);
        BOOST_TEST(str(parseObject(bad.body), "error_description").find(field) != std::string::npos);
    };
    check(R"({"email":"not-an-email"})", "email");
    check(R"({"name":"no email"})", "email");
    check(R"({"email":"x@example.com","nickname":"x"})", "nickname");
    check(R"({"email":")" + unique("p") + R"(@example.com","pin":"123456"})", "pin");
    check(R"({"email":")" + unique("s") + R"(@example.com","password":"short"})", "password");
    check(R"({"email":")" + unique("r") + R"(@example.com","role":"Super User"})", "role");
}

BOOST_AUTO_TEST_CASE(without_a_configured_token_every_call_is_401) {
    TempDir dir;
    const std::string path = dir.write("authd.yaml", authd::test::testConfigYaml(dir.path()));
    AuthdProcess::Options options;
    options.env = {{"AUTHD_ADMIN_TOKEN", ""}};
    AuthdProcess bare(path, options);
    const HttpResult result =
        bare.post("/admin/api/v1/projects", R"({"name":"x"})", kJson, {{"Authorization", "Bearer "}});
    BOOST_TEST(result.status == 401);
    BOOST_TEST(bare.post("/admin/api/v1/users", "{}", kJson, {{"Authorization", "Bearer x"}}).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================

BOOST_AUTO_TEST_SUITE(code_flow)

// The first seed verbatim: /oauth/*, PKCE S256, JSON token bodies, HS256 access tokens that the
// app verifies with its signing key, refresh with a JSON body.
BOOST_AUTO_TEST_CASE(first_seed_quick_start_works_unchanged) {
    const Project project = createProject();
    const std::string email = createUser();
    const std::string code = obtainCode("/oauth", project.client_id, email,
                                        {{"code_challenge", kChallenge}, {"code_challenge_method", "S256"}});
    const HttpResult exchanged = server().post(
        "/oauth/token",
        jsonBody({{"grant_type", "authorization_code"}, {"code", code}, {"code_verifier", kVerifier},
                  {"client_id", project.client_id}, {"client_secret", project.client_secret},
                  {"redirect_uri", kRedirect}}),
        kJson);
    BOOST_REQUIRE_MESSAGE(exchanged.status == 200, exchanged.body);
    BOOST_TEST(exchanged.header("Cache-Control") == "no-store");
    BOOST_TEST(exchanged.header("Pragma") == "no-cache");
    const auto body = parseObject(exchanged.body);
    const std::string access = str(body, "access_token");
    const std::string refresh = str(body, "refresh_token");
    BOOST_TEST(str(body, "token_type") == "Bearer");
    BOOST_TEST(body->getValue<int>("expires_in") == 300);

    // jwtVerify(token, new TextEncoder().encode(JWT_SECRET)) and the claims the app reads.
    BOOST_TEST(verifiesWith(access, project.signing_key));
    const auto claims = payloadOf(access);
    BOOST_TEST(str(claims, "email") == email);
    BOOST_TEST(str(claims, "role") == "user");
    BOOST_TEST(str(claims, "status") == "active");
    BOOST_TEST(str(claims, "aud") == project.client_id);
    BOOST_TEST(str(claims, "iss") == kIssuer);
    BOOST_TEST(claims->getArray("amr")->getElement<std::string>(0) == "pwd");

    const HttpResult refreshed = server().post(
        "/oauth/token",
        jsonBody({{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                  {"client_id", project.client_id}, {"client_secret", project.client_secret}}),
        kJson);
    BOOST_REQUIRE_MESSAGE(refreshed.status == 200, refreshed.body);
    const auto rotated = parseObject(refreshed.body);
    BOOST_TEST(str(rotated, "refresh_token") != refresh);
    BOOST_TEST(verifiesWith(str(rotated, "access_token"), project.signing_key));
}

// The second seed verbatim: /api/oauth/*, client_secret_post in a JSON body, nonce, an HS256
// ID token keyed with the client secret, userinfo's exact fields.
BOOST_AUTO_TEST_CASE(second_seed_developer_docs_work_unchanged) {
    const Project project = createProject();
    const std::string email = createUser();
    const std::string nonce = "nonce-" + authd::crypto::randomHex(8);
    const std::string redirect = authorizeRedirect("/api/oauth", project.client_id, email,
                                                   {{"scope", "openid profile email"}, {"nonce", nonce}});
    const auto query = queryOf(redirect);
    BOOST_TEST(query.at("state").rfind("st-", 0) == 0U);
    const HttpResult exchanged = server().post(
        "/api/oauth/token",
        jsonBody({{"grant_type", "authorization_code"}, {"code", query.at("code")},
                  {"redirect_uri", kRedirect}, {"client_id", project.client_id},
                  {"client_secret", project.client_secret}}),
        kJson);
    BOOST_REQUIRE_MESSAGE(exchanged.status == 200, exchanged.body);
    const auto body = parseObject(exchanged.body);
    BOOST_TEST(str(body, "scope") == "openid profile email");
    const std::string id_token = str(body, "id_token");
    BOOST_TEST(str(headerOf(id_token), "alg") == "HS256");
    BOOST_TEST(verifiesWith(id_token, project.client_secret));
    const auto claims = payloadOf(id_token);
    BOOST_TEST(str(claims, "iss") == kIssuer);
    BOOST_TEST(str(claims, "aud") == project.client_id);
    BOOST_TEST(str(claims, "nonce") == nonce);
    BOOST_TEST(str(claims, "email") == email);
    BOOST_TEST(str(claims, "name") == "Jane Doe");
    BOOST_TEST(str(claims, "at_hash") == tokens::tokenHash(str(body, "access_token"), tokens::Alg::hs256));
    BOOST_TEST(claims->getValue<std::int64_t>("exp") > claims->getValue<std::int64_t>("iat"));

    const HttpResult info = server().get("/api/oauth/userinfo", {bearer(str(body, "access_token"))});
    BOOST_TEST(info.status == 200);
    BOOST_TEST(info.body == R"({"sub":")" + str(claims, "sub") + R"(","email":")" + email +
                                R"(","name":"Jane Doe","picture":null,"email_verified":true})");
}

BOOST_AUTO_TEST_CASE(public_client_uses_pkce_and_gets_jwks_verifiable_id_tokens) {
    const Project project = createProject({}, "public");
    const std::string email = createUser();
    const std::string code = obtainCode("/oauth", project.client_id, email,
                                        {{"scope", "openid email"}, {"code_challenge", kChallenge},
                                         {"code_challenge_method", "S256"}});
    const HttpResult exchanged = token({{"grant_type", "authorization_code"}, {"code", code},
                                        {"redirect_uri", kRedirect}, {"client_id", project.client_id},
                                        {"code_verifier", kVerifier}});
    BOOST_REQUIRE_MESSAGE(exchanged.status == 200, exchanged.body);
    const std::string id_token = str(parseObject(exchanged.body), "id_token");
    const auto header = headerOf(id_token);
    BOOST_TEST(str(header, "alg") == "RS256");
    const auto jwks = parseObject(server().get("/oauth/jwks").body)->getArray("keys");
    bool verified = false;
    for (std::size_t i = 0; i < jwks->size(); ++i) {
        const auto jwk = jwks->getObject(static_cast<unsigned int>(i));
        if (str(jwk, "kid") == str(header, "kid")) {
            std::ostringstream text;
            jwk->stringify(text);
            const auto key = tokens::keyFromJwk(text.str()).value();
            verified = tokens::verify(id_token, tokens::KeySet({key}), {tokens::Alg::rs256}).has_value();
        }
    }
    BOOST_TEST(verified);
}

BOOST_AUTO_TEST_CASE(replayed_code_is_refused_and_revokes_what_it_issued) {
    const Project project = createProject();
    const std::string email = createUser();
    const std::string code = obtainCode("/oauth", project.client_id, email, {{"scope", "openid email"}});
    const Params exchange = {{"grant_type", "authorization_code"}, {"code", code},
                             {"redirect_uri", kRedirect}, {"client_id", project.client_id},
                             {"client_secret", project.client_secret}};
    const HttpResult first = token(exchange);
    BOOST_REQUIRE(first.status == 200);
    const HttpResult replay = token(exchange);
    BOOST_TEST(replay.status == 400);
    BOOST_TEST(errorOf(replay) == "invalid_grant");
    const auto body = parseObject(first.body);
    const HttpResult refresh = token({{"grant_type", "refresh_token"},
                                      {"refresh_token", str(body, "refresh_token")}},
                                     {basic(project.client_id, project.client_secret)});
    BOOST_TEST(errorOf(refresh) == "invalid_grant");
    // The access token from the first exchange stops working (within the cache bound).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    BOOST_TEST(server().get("/oauth/userinfo", {bearer(str(body, "access_token"))}).status == 401);
}

BOOST_AUTO_TEST_CASE(code_exchange_checks_redirect_uri_pkce_and_client) {
    const Project project = createProject();
    const Project other = createProject();
    const std::string email = createUser();
    const auto exchange = [&](const std::string& code, const Project& as, const Params& extra) {
        Params params = {{"grant_type", "authorization_code"}, {"code", code},
                         {"client_id", as.client_id}, {"client_secret", as.client_secret}};
        params.insert(params.end(), extra.begin(), extra.end());
        return token(params);
    };
    const Params pkce = {{"code_challenge", kChallenge}, {"code_challenge_method", "S256"}};
    BOOST_TEST(errorOf(exchange(obtainCode("/oauth", project.client_id, email), other,
                                {{"redirect_uri", kRedirect}})) == "invalid_grant");
    BOOST_TEST(errorOf(exchange(obtainCode("/oauth", project.client_id, email), project,
                                {{"redirect_uri", kRedirect + "/"}})) == "invalid_grant");
    BOOST_TEST(errorOf(exchange(obtainCode("/oauth", project.client_id, email), project, {})) ==
               "invalid_request");
    BOOST_TEST(errorOf(exchange(obtainCode("/oauth", project.client_id, email, pkce), project,
                                {{"redirect_uri", kRedirect}})) == "invalid_grant");
    BOOST_TEST(errorOf(exchange(obtainCode("/oauth", project.client_id, email, pkce), project,
                                {{"redirect_uri", kRedirect}, {"code_verifier", std::string(43, 'x')}})) ==
               "invalid_grant");
    BOOST_TEST(errorOf(exchange("made-up-code", project, {{"redirect_uri", kRedirect}})) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(reuse_after_the_grace_window_revokes_the_family) {
    const Project project = createProject();
    const std::string email = createUser();
    const auto first = codeTokens(project, email);
    const std::string old_token = str(first, "refresh_token");
    const auto refresh = [&](const std::string& token_value) {
        return token({{"grant_type", "refresh_token"}, {"refresh_token", token_value}},
                     {basic(project.client_id, project.client_secret)});
    };
    const HttpResult rotated = refresh(old_token);
    BOOST_REQUIRE(rotated.status == 200);
    const std::string successor = str(parseObject(rotated.body), "refresh_token");
    // Past the grace window (1 s in this config; a retry inside it is covered by the unit
    // tests, where the clock cannot slip), the rotated-out token is a stolen one.
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const HttpResult reuse = refresh(old_token);
    BOOST_TEST(reuse.status == 400);
    BOOST_TEST(errorOf(reuse) == "invalid_grant");
    BOOST_TEST(errorOf(refresh(successor)) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(refresh_may_narrow_scope_and_is_bound_to_its_client) {
    const Project project = createProject();
    const Project other = createProject();
    const std::string email = createUser();
    const auto first = codeTokens(project, email);
    const std::string refresh_token = str(first, "refresh_token");
    BOOST_TEST(errorOf(token({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}},
                             {basic(other.client_id, other.client_secret)})) == "invalid_grant");
    BOOST_TEST(errorOf(token({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token},
                              {"scope", "openid email offline_access"}},
                             {basic(project.client_id, project.client_secret)})) == "invalid_scope");
    const HttpResult narrowed = token({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token},
                                       {"scope", "openid email"}},
                                      {basic(project.client_id, project.client_secret)});
    BOOST_REQUIRE(narrowed.status == 200);
    BOOST_TEST(str(parseObject(narrowed.body), "scope") == "openid email");
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================

BOOST_AUTO_TEST_SUITE(token_endpoint)

BOOST_AUTO_TEST_CASE(client_credentials_with_basic_post_and_json) {
    const Project project = createProject();
    const HttpResult with_basic = token({{"grant_type", "client_credentials"}},
                                        {basic(project.client_id, project.client_secret)});
    BOOST_REQUIRE_MESSAGE(with_basic.status == 200, with_basic.body);
    const auto body = parseObject(with_basic.body);
    BOOST_TEST(!body->has("refresh_token"));
    BOOST_TEST(!body->has("id_token"));
    BOOST_TEST(str(payloadOf(str(body, "access_token")), "sub") == project.client_id);
    BOOST_TEST(verifiesWith(str(body, "access_token"), project.signing_key));

    BOOST_TEST(token({{"grant_type", "client_credentials"}, {"client_id", project.client_id},
                      {"client_secret", project.client_secret}, {"scope", "email"}},
                     {}, "/api/oauth/token")
                   .status == 200);
    const HttpResult as_json = server().post(
        "/oauth/token",
        jsonBody({{"grant_type", "client_credentials"}, {"client_id", project.client_id},
                  {"client_secret", project.client_secret}}),
        kJson);
    BOOST_TEST(as_json.status == 200);
    BOOST_TEST(errorOf(token({{"grant_type", "client_credentials"}, {"scope", "openid"}},
                             {basic(project.client_id, project.client_secret)})) == "invalid_scope");
}

BOOST_AUTO_TEST_CASE(errors_follow_rfc6749_section_5_2) {
    const Project project = createProject();
    const Project code_only = createProject(R"(,"grant_types":["authorization_code"])");
    const auto expect = [](const HttpResult& result, int status, const std::string& code) {
        BOOST_TEST(result.status == status);
        BOOST_TEST(errorOf(result) == code);
        BOOST_TEST(str(parseObject(result.body), "error_description") != "<absent>");
        BOOST_TEST(result.header("Cache-Control") == "no-store");
        BOOST_TEST(result.header("Content-Type") == "application/json");
    };
    const HttpResult bad_secret = token({{"grant_type", "client_credentials"}},
                                        {basic(project.client_id, "wrong")});
    expect(bad_secret, 401, "invalid_client");
    BOOST_TEST(bad_secret.header("WWW-Authenticate") == "Basic realm=\"authd\"");
    expect(token({{"grant_type", "client_credentials"}, {"client_id", "proj_nobody_here"},
                  {"client_secret", "x"}}),
           401, "invalid_client");
    expect(token({{"grant_type", "password"}, {"username", "a"}, {"password", "b"}},
                 {basic(project.client_id, project.client_secret)}),
           400, "unsupported_grant_type");
    expect(token({{"client_id", project.client_id}, {"client_secret", project.client_secret}}), 400,
           "invalid_request");
    expect(token({{"grant_type", "client_credentials"}, {"client_id", project.client_id},
                  {"client_secret", project.client_secret}},
                 {basic(project.client_id, project.client_secret)}),
           400, "invalid_request");
    expect(server().post("/oauth/token", R"({"grant_type":"client_credentials",)", kJson), 400,
           "invalid_request");
    expect(server().post("/oauth/token", R"(["client_credentials"])", kJson), 400, "invalid_request");
    expect(server().post("/oauth/token", "grant_type=client_credentials", "text/plain"), 400,
           "invalid_request");
    expect(token({{"grant_type", "client_credentials"}},
                 {basic(code_only.client_id, code_only.client_secret)}),
           400, "unauthorized_client");
    expect(token({{"grant_type", "refresh_token"}},
                 {basic(project.client_id, project.client_secret)}),
           400, "invalid_request");
    BOOST_TEST(server().get("/oauth/token").status == 405);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================

BOOST_AUTO_TEST_SUITE(bearer_endpoints)

BOOST_AUTO_TEST_CASE(userinfo_refuses_bad_tokens_with_rfc6750_challenges) {
    const Project project = createProject();
    const Project other = createProject();
    const std::string email = createUser();
    const std::string access = str(codeTokens(project, email), "access_token");
    BOOST_TEST(server().get("/oauth/userinfo", {bearer(access)}).status == 200);
    BOOST_TEST(server().post("/oauth/userinfo", "access_token=" + access, kForm).status == 200);

    std::string tampered = access;
    const auto dot = tampered.find('.') + 5;
    tampered[dot] = tampered[dot] == 'A' ? 'B' : 'A';
    const auto claims = payloadOf(access);
    std::ostringstream claim_text;
    claims->stringify(claim_text);
    const std::string other_key_token = tokens::sign(claim_text.str(), hmacKey(other.signing_key)).value();
    const std::string alg_none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." +
                                 authd::crypto::base64UrlEncode(claim_text.str()) + ".";
    for (const auto& [name, bad] : std::vector<std::pair<std::string, std::string>>{
             {"tampered", tampered},
             {"other project's key", other_key_token},
             {"alg none", alg_none},
             {"garbage", "garbage"},
             {"empty-looking", "a.b.c"}}) {
        BOOST_TEST_CONTEXT(name) {
            const HttpResult result = server().get("/oauth/userinfo", {bearer(bad)});
            BOOST_TEST(result.status == 401);
            BOOST_TEST(result.header("WWW-Authenticate").find("error=\"invalid_token\"") != std::string::npos);
            BOOST_TEST(errorOf(result) == "invalid_token");
        }
    }
    const HttpResult missing = server().get("/oauth/userinfo");
    BOOST_TEST(missing.status == 401);
    BOOST_TEST(missing.header("WWW-Authenticate") == "Bearer realm=\"authd\"");
}

BOOST_AUTO_TEST_CASE(expired_access_token_is_refused) {
    const Project project = createProject(R"(,"access_ttl":"1s")");
    const HttpResult issued = token({{"grant_type", "client_credentials"}},
                                    {basic(project.client_id, project.client_secret)});
    BOOST_REQUIRE(issued.status == 200);
    BOOST_TEST(parseObject(issued.body)->getValue<int>("expires_in") == 1);
    const std::string access = str(parseObject(issued.body), "access_token");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const HttpResult introspected = server().post("/oauth/introspect", "token=" + access, kForm,
                                                 {basic(project.client_id, project.client_secret)});
    BOOST_TEST(introspected.body == R"({"active":false})");
    const std::string email = createUser();
    const std::string user_token = str(codeTokens(project, email), "access_token");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const HttpResult result = server().get("/oauth/userinfo", {bearer(user_token)});
    BOOST_TEST(result.status == 401);
    BOOST_TEST(str(parseObject(result.body), "error_description").find("expired") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(introspection_answers_only_about_the_callers_tokens) {
    const Project project = createProject();
    const Project other = createProject();
    const std::string email = createUser();
    const auto issued = codeTokens(project, email);
    const auto introspect = [](const Project& as, const std::string& value) {
        return server().post("/oauth/introspect", formBody({{"token", value}}), kForm,
                            {basic(as.client_id, as.client_secret)});
    };
    const auto active = parseObject(introspect(project, str(issued, "access_token")).body);
    BOOST_TEST(active->getValue<bool>("active"));
    BOOST_TEST(str(active, "username") == email);
    BOOST_TEST(str(active, "client_id") == project.client_id);
    const auto refresh = parseObject(introspect(project, str(issued, "refresh_token")).body);
    BOOST_TEST(refresh->getValue<bool>("active"));
    BOOST_TEST(str(refresh, "token_type") == "refresh_token");
    BOOST_TEST(introspect(other, str(issued, "access_token")).body == R"({"active":false})");
    BOOST_TEST(introspect(other, str(issued, "refresh_token")).body == R"({"active":false})");
    BOOST_TEST(introspect(project, "garbage").body == R"({"active":false})");
    const HttpResult anonymous = server().post("/oauth/introspect", "token=x", kForm);
    BOOST_TEST(anonymous.status == 401);
    BOOST_TEST(server().post("/api/oauth/introspect", "token=x", kForm,
                            {basic(project.client_id, project.client_secret)})
                   .status == 200);
}

BOOST_AUTO_TEST_CASE(revocation_ends_the_grant_and_ignores_unknown_tokens) {
    const Project project = createProject();
    const std::string email = createUser();
    const auto issued = codeTokens(project, email);
    const auto revoke = [&](const std::string& value) {
        return server().post("/oauth/revoke", formBody({{"token", value}, {"token_type_hint", "refresh_token"}}),
                            kForm, {basic(project.client_id, project.client_secret)});
    };
    BOOST_TEST(revoke("never-issued").status == 200);
    BOOST_TEST(revoke(str(issued, "refresh_token")).status == 200);
    BOOST_TEST(errorOf(token({{"grant_type", "refresh_token"}, {"refresh_token", str(issued, "refresh_token")}},
                             {basic(project.client_id, project.client_secret)})) == "invalid_grant");
    BOOST_TEST(server().get("/oauth/userinfo", {bearer(str(issued, "access_token"))}).status == 401);

    const HttpResult machine = token({{"grant_type", "client_credentials"}},
                                     {basic(project.client_id, project.client_secret)});
    const HttpResult stateless = revoke(str(parseObject(machine.body), "access_token"));
    BOOST_TEST(stateless.status == 400);
    BOOST_TEST(errorOf(stateless) == "unsupported_token_type");
    BOOST_TEST(server().post("/oauth/revoke", "token=x", kForm).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================

BOOST_AUTO_TEST_SUITE(discovery)

BOOST_AUTO_TEST_CASE(runs_on_the_requested_store) {
    const std::string plugin = authd::test::onPostgresql() ? "postgresql" : "sqlite";
    BOOST_TEST(server().get("/readyz").status == 200);
    BOOST_TEST(server().output().find("\"plugin\":\"" + plugin + "\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(both_metadata_documents_describe_the_provider) {
    for (const std::string path : {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
        const HttpResult result = server().get(path);
        BOOST_TEST(result.status == 200);
        BOOST_TEST(result.header("Cache-Control") == "public, max-age=300");
        const auto doc = parseObject(result.body);
        BOOST_TEST(str(doc, "issuer") == kIssuer);
        for (const auto& [field, suffix] : std::vector<std::pair<std::string, std::string>>{
                 {"authorization_endpoint", "/oauth/authorize"},
                 {"token_endpoint", "/oauth/token"},
                 {"userinfo_endpoint", "/oauth/userinfo"},
                 {"jwks_uri", "/oauth/jwks"},
                 {"revocation_endpoint", "/oauth/revoke"},
                 {"introspection_endpoint", "/oauth/introspect"},
                 {"end_session_endpoint", "/oauth/logout"}}) {
            BOOST_TEST(str(doc, field) == kIssuer + suffix);
        }
        const auto list = [&](const std::string& field) {
            std::set<std::string> out;
            const auto array = doc->getArray(field);
            BOOST_REQUIRE_MESSAGE(array, field + " is missing");
            for (std::size_t i = 0; i < array->size(); ++i) {
                out.insert(array->getElement<std::string>(static_cast<unsigned int>(i)));
            }
            return out;
        };
        BOOST_TEST((list("response_types_supported") == std::set<std::string>{"code"}));
        BOOST_TEST((list("code_challenge_methods_supported") == std::set<std::string>{"S256"}));
        BOOST_TEST((list("id_token_signing_alg_values_supported") ==
                    std::set<std::string>{"RS256", "ES256", "EdDSA", "HS256"}));
        BOOST_TEST((list("token_endpoint_auth_methods_supported") ==
                    std::set<std::string>{"client_secret_basic", "client_secret_post", "none"}));
        BOOST_TEST((list("grant_types_supported") ==
                    std::set<std::string>{"authorization_code", "refresh_token", "client_credentials"}));
        BOOST_TEST(list("scopes_supported").count("openid") == 1U);
        BOOST_TEST(doc->getValue<bool>("claims_parameter_supported"));
        BOOST_TEST(!doc->getValue<bool>("request_parameter_supported"));
        BOOST_TEST(!doc->getValue<bool>("request_uri_parameter_supported"));
        BOOST_TEST(doc->getValue<bool>("authorization_response_iss_parameter_supported"));
        BOOST_TEST(doc->getValue<bool>("backchannel_logout_supported"));
        BOOST_TEST(doc->getValue<bool>("backchannel_logout_session_supported"));
    }
}

BOOST_AUTO_TEST_CASE(jwks_lists_rs256_es256_and_eddsa_public_keys) {
    for (const std::string path : {"/oauth/jwks", "/api/oauth/jwks"}) {
        const HttpResult result = server().get(path);
        BOOST_TEST(result.status == 200);
        BOOST_TEST(result.header("Cache-Control") == "public, max-age=300");
        const auto keys = parseObject(result.body)->getArray("keys");
        BOOST_REQUIRE(keys);
        std::set<std::string> algs;
        for (std::size_t i = 0; i < keys->size(); ++i) {
            const auto jwk = keys->getObject(static_cast<unsigned int>(i));
            algs.insert(str(jwk, "alg"));
            BOOST_TEST(str(jwk, "use") == "sig");
            BOOST_TEST(!jwk->has("d"));
            BOOST_TEST(!jwk->has("p"));
            std::ostringstream text;
            jwk->stringify(text);
            BOOST_TEST(tokens::keyFromJwk(text.str()).has_value());
        }
        BOOST_TEST((algs == std::set<std::string>{"RS256", "ES256", "EdDSA"}));
    }
}

BOOST_AUTO_TEST_SUITE_END()
