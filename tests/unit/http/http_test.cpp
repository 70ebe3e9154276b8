// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE http_test
#include <boost/test/unit_test.hpp>

#include "http/cookies.hpp"
#include "http/headers.hpp"
#include "http/json_body.hpp"
#include "http/request.hpp"
#include "http/request_id.hpp"
#include "http/response.hpp"
#include "http/security_headers.hpp"

using namespace authd::http;

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(lookup_ignores_case_and_keeps_order) {
    Headers headers;
    headers.add("Content-Type", "text/plain");
    headers.add("Set-Cookie", "a=1");
    headers.add("set-cookie", "b=2");
    BOOST_TEST(headers.get("content-type") == "text/plain");
    BOOST_TEST(headers.get("SET-COOKIE") == "a=1");
    BOOST_TEST(headers.get("missing", "fallback") == "fallback");
    headers.set("SET-cookie", "c=3");
    BOOST_TEST(headers.fields().size() == 2u);
    BOOST_TEST(headers.get("Set-Cookie") == "c=3");
    headers.setDefault("content-type", "ignored");
    BOOST_TEST(headers.get("Content-Type") == "text/plain");
}

BOOST_AUTO_TEST_CASE(media_type_drops_parameters_and_case) {
    Request request;
    request.headers.add("content-type", " Application/X-WWW-Form-Urlencoded ; charset=UTF-8");
    BOOST_TEST(request.mediaType() == "application/x-www-form-urlencoded");
    Request bare;
    BOOST_TEST(bare.mediaType().empty());
}


BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cookies)

BOOST_AUTO_TEST_CASE(parses_pairs_quotes_and_skips_junk) {
    const auto cookies =
        parseCookies(R"(sid=abc; theme="dark";  junk ; =nameless; empty=; sid=second)");
    BOOST_TEST(cookies.get("sid") == "abc");
    BOOST_TEST(cookies.get("theme") == "dark");
    BOOST_TEST(cookies.find("junk") == nullptr);
    BOOST_TEST(cookies.find("empty") != nullptr);
    BOOST_TEST(cookies.get("empty").empty());
    BOOST_TEST(cookies.pairs().size() == 4u);
}

BOOST_AUTO_TEST_CASE(keeps_at_most_the_limit) {
    std::string header;
    for (int i = 0; i < 100; ++i) {
        header += "c" + std::to_string(i) + "=v; ";
    }
    BOOST_TEST(parseCookies(header, 10).pairs().size() == 10u);
    BOOST_TEST(parseCookies("").pairs().empty());
}

BOOST_AUTO_TEST_CASE(set_cookie_has_the_attributes) {
    SetCookie cookie;
    cookie.name = "authd_session";
    cookie.value = "v";
    cookie.secure = true;
    cookie.max_age = 3600;
    BOOST_TEST(cookie.headerValue() ==
               "authd_session=v; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
    Response response;
    response.setCookie(cookie);
    BOOST_TEST(response.headers.get("Set-Cookie") == cookie.headerValue());
}


BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_id)

BOOST_AUTO_TEST_CASE(accepts_only_well_formed_ids) {
    BOOST_TEST(isValidRequestId("abc-DEF_123.x"));
    BOOST_TEST(isValidRequestId(std::string(64, 'a')));
    BOOST_TEST(!isValidRequestId(std::string(65, 'a')));
    BOOST_TEST(!isValidRequestId(""));
    BOOST_TEST(!isValidRequestId("has space"));
    BOOST_TEST(!isValidRequestId("inject\r\nX: y"));
    BOOST_TEST(!isValidRequestId("{\"json\"}"));
    BOOST_TEST(acceptOrGenerateRequestId("client-id-1") == "client-id-1");
}

BOOST_AUTO_TEST_CASE(generates_fresh_ids_for_bad_input) {
    const std::string a = acceptOrGenerateRequestId("bad id");
    const std::string b = acceptOrGenerateRequestId("");
    BOOST_TEST(a.size() == 24u);
    BOOST_TEST(isValidRequestId(a));
    BOOST_TEST(a != b);
}


BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(responses)

BOOST_AUTO_TEST_CASE(helpers_set_type_and_body) {
    const auto json = Response::json(201, R"({"a":1})");
    BOOST_TEST(json.status == 201);
    BOOST_TEST(json.headers.get("Content-Type") == "application/json");
    authd::json::Object object;
    object.set("status", "ok").set("n", 2);
    BOOST_TEST(Response::json(200, object).body == R"({"status":"ok","n":2})");
    const auto error = Response::error(400, "invalid_request", "bad \"x\"");
    BOOST_TEST(error.body == R"({"error":"invalid_request","error_description":"bad \"x\""})");
    const auto redirect = Response::redirect("https://app.example/cb?code=1", 303);
    BOOST_TEST(redirect.status == 303);
    BOOST_TEST(redirect.headers.get("Location") == "https://app.example/cb?code=1");
    BOOST_TEST(Response::text(200, "hi").headers.get("Content-Type") ==
               "text/plain; charset=utf-8");
    auto stored = Response::json(200, "{}");
    stored.noStore();
    BOOST_TEST(stored.headers.get("Cache-Control") == "no-store");
    BOOST_TEST(std::string(reasonPhrase(431)) == "Request Header Fields Too Large");
}

BOOST_AUTO_TEST_CASE(security_headers_on_every_response_and_csp_on_html) {
    auto json = Response::json(200, "{}");
    addSecurityHeaders(json);
    BOOST_TEST(json.headers.get("X-Content-Type-Options") == "nosniff");
    BOOST_TEST(json.headers.get("Referrer-Policy") == "no-referrer");
    BOOST_TEST(!json.headers.has("Content-Security-Policy"));
    auto html = Response::html(200, "<p>x</p>");
    addSecurityHeaders(html);
    BOOST_TEST(html.headers.get("X-Frame-Options") == "DENY");
    const std::string csp = html.headers.get("Content-Security-Policy");
    BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos);
    BOOST_TEST(csp.find("form-action 'self'") != std::string::npos);
    auto custom = Response::html(200, "x");
    custom.headers.set("Content-Security-Policy", "default-src 'none'");
    addSecurityHeaders(custom);
    BOOST_TEST(custom.headers.get("Content-Security-Policy") == "default-src 'none'");
}


BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_body)

BOOST_AUTO_TEST_CASE(parses_an_object) {
    auto parsed = parseJsonBody(R"({"grant_type":"authorization_code","n":2})");
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->string("grant_type").value_or("") == "authorization_code");
    BOOST_TEST(parsed->integer("n").value_or(0) == 2);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_non_object_deep_and_empty_bodies) {
    for (const std::string& body :
         {std::string("{\"a\":"), std::string("[1,2]"), std::string("\"text\""), std::string(""),
          std::string("   "), std::string(100, '[') + std::string(100, ']'),
          std::string("{\"a\":\"\xff\"}"), std::string("{'a':1}"),
          std::string("{\"a\":1} trailing")}) {
        auto parsed = parseJsonBody(body);
        BOOST_TEST(!parsed.has_value(), body);
        if (!parsed) {
            BOOST_TEST((parsed.error().code == authd::sdk::ErrorCode::invalid_argument));
            BOOST_TEST(!parsed.error().message.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(messages_say_what_is_wrong) {
    const auto message = [](std::string_view body) {
        auto parsed = parseJsonBody(body);
        return parsed ? std::string() : parsed.error().message;
    };
    BOOST_TEST(message("") == "the request body is empty; a JSON object was expected");
    BOOST_TEST(message("[1]") == "the JSON body must be an object");
    BOOST_TEST(message(std::string(40, '[')) == "the JSON body is nested deeper than 32 levels");
    BOOST_TEST(message("{\"a\":\"\xff\"}") == "the request body is not valid UTF-8");
    BOOST_TEST(message("{\"a\":}") == "malformed JSON body: unexpected character at byte 5");
}

BOOST_AUTO_TEST_SUITE_END()
