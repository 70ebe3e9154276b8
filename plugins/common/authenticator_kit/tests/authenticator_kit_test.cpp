// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE authenticator_kit
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/http.hpp"
#include "authd/sdk/result.hpp"
#include "authenticator_kit.hpp"

#include "support/fake_host.hpp"

namespace sdk = authd::sdk;
namespace kit = authd::plugins::kit;
using namespace std::string_literals;

namespace {

sdk::LoginStep step() {
    sdk::LoginStep step;
    step.action_url = "/login/pw?req=a&b=\"c\"";
    step.hidden_fields_html = "<input type=\"hidden\" name=\"csrf\" value=\"t\">";
    return step;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authenticator_kit)

BOOST_AUTO_TEST_CASE(trim_removes_ascii_blanks_at_both_ends_only) {
    BOOST_TEST(kit::trim(" \t\r\n\f\va b\t ") == "a b");
    BOOST_TEST(kit::trim("") == "");
    BOOST_TEST(kit::trim(" \t\n ") == "");
    // U+00A0 (no-break space) is not an ASCII blank: left for the caller's validation.
    BOOST_TEST(kit::trim("\xc2\xa0x\xc2\xa0") == "\xc2\xa0x\xc2\xa0");
}

BOOST_AUTO_TEST_CASE(normalize_email_trims_and_lower_cases_ascii) {
    BOOST_TEST(kit::normalizeEmail("  Alice@Example.COM\t\r\n") == "alice@example.com");
    BOOST_TEST(kit::normalizeEmail("bob@example.com") == "bob@example.com");
    BOOST_TEST(kit::normalizeEmail("") == "");
    BOOST_TEST(kit::normalizeEmail(" \t ") == "");
    // Blanks inside are kept: such an address is invalid, and the caller says so.
    BOOST_TEST(kit::normalizeEmail(" A B@x.org ") == "a b@x.org");
    // Only ASCII letters change case: "É" (C3 89) stays as typed, bytes untouched.
    BOOST_TEST(kit::normalizeEmail("\xc3\x89LODIE@Example.fr") == "\xc3\x89lodie@example.fr");
    BOOST_TEST(kit::normalizeEmail("@[]^_`{}~Z") == "@[]^_`{}~z");
}

BOOST_AUTO_TEST_CASE(json_string_escapes_quotes_backslashes_and_control_characters) {
    BOOST_TEST(kit::jsonString("") == "\"\"");
    BOOST_TEST(kit::jsonString("say \"hi\" \\ bye") == R"("say \"hi\" \\ bye")");
    BOOST_TEST(kit::jsonString("a\nb\rc\td") == R"("a\nb\rc\td")");
    BOOST_TEST(kit::jsonString("\b\f\x01\x1f") == R"("\u0008\u000c\u0001\u001f")");
    BOOST_TEST(kit::jsonString("nul\0here"s) == R"("nul\u0000here")");
    // DEL and "/" need no escape in JSON.
    BOOST_TEST(kit::jsonString("\x7f/x") == "\"\x7f/x\"");
}

BOOST_AUTO_TEST_CASE(json_string_passes_non_ascii_through_unchanged) {
    const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";  // café € 😀
    BOOST_TEST(kit::jsonString(text) == "\"" + text + "\"");
}

BOOST_AUTO_TEST_CASE(append_json_string_appends_to_what_is_there) {
    std::string out = "[";
    kit::appendJsonString(out, "a\"");
    out += ',';
    kit::appendJsonString(out, "");
    BOOST_TEST(out == R"(["a\"","")");
}

BOOST_AUTO_TEST_CASE(json_object_keeps_member_order_and_escapes_names) {
    BOOST_TEST(kit::jsonObject({}) == "{}");
    BOOST_TEST(kit::jsonObject({{"b", "1"}, {"a", kit::jsonString("x")}, {"q\"", "[true]"}}) ==
               R"({"b":1,"a":"x","q\"":[true]})");
}

BOOST_AUTO_TEST_CASE(guarded_passes_values_and_errors_through) {
    auto value =
        kit::guarded("pin authenticator", "render", []() -> sdk::Result<int> { return 7; });
    BOOST_TEST_REQUIRE(value.has_value());
    BOOST_TEST(*value == 7);
    auto error = kit::guarded("pin authenticator", "render", []() -> sdk::Result<int> {
        return sdk::makeError(sdk::ErrorCode::not_found, "gone");
    });
    BOOST_TEST_REQUIRE(!error.has_value());
    BOOST_TEST(error.error().message == "gone");
}

BOOST_AUTO_TEST_CASE(guarded_turns_exceptions_into_internal_errors) {
    auto thrown = kit::guarded("pin authenticator", "submit", []() -> sdk::Result<void> {
        throw std::runtime_error("disk on fire");
    });
    BOOST_TEST_REQUIRE(!thrown.has_value());
    BOOST_TEST((thrown.error().code == sdk::ErrorCode::internal));
    BOOST_TEST(thrown.error().message == "pin authenticator: submit threw: disk on fire");

    auto odd = kit::guarded("magic_link authenticator", "create",
                            []() -> sdk::Result<int> { throw 42; });
    BOOST_TEST_REQUIRE(!odd.has_value());
    BOOST_TEST((odd.error().code == sdk::ErrorCode::internal));
    BOOST_TEST(odd.error().message == "magic_link authenticator: create threw");
}

BOOST_AUTO_TEST_CASE(email_field_escapes_its_value) {
    const std::string html =
        kit::emailField("authd-pw", "username", "\"><script>alert('x')</script>&", false);
    BOOST_TEST(html ==
               "<div class=\"field\">\n"
               "<label for=\"authd-pw-email\">Email</label>\n"
               "<input id=\"authd-pw-email\" name=\"email\" type=\"email\" "
               "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required "
               "value=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">\n"
               "</div>\n");
    BOOST_TEST(html.find("<script") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(email_field_focuses_and_leaves_out_an_empty_value) {
    const std::string html = kit::emailField("authd-ml", "email", "", true);
    BOOST_TEST(html.find(" required autofocus>\n") != std::string::npos);
    BOOST_TEST(html.find("value=") == std::string::npos);
    BOOST_TEST(html.find("autocomplete=\"email\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(form_frame_escapes_the_action_and_the_error) {
    sdk::LoginStep s = step();
    BOOST_TEST(kit::loginFormStart(s) ==
               "<form class=\"login-form\" method=\"post\" "
               "action=\"/login/pw?req=a&amp;b=&quot;c&quot;\">\n"
               "<input type=\"hidden\" name=\"csrf\" value=\"t\">\n");
    s.error = "<b>Wrong</b>";
    BOOST_TEST(kit::loginFormStart(s, "login-form federation") ==
               "<form class=\"login-form federation\" method=\"post\" "
               "action=\"/login/pw?req=a&amp;b=&quot;c&quot;\">\n"
               "<input type=\"hidden\" name=\"csrf\" value=\"t\">\n"
               "<p class=\"alert\" role=\"alert\">&lt;b&gt;Wrong&lt;/b&gt;</p>\n");
    BOOST_TEST(kit::loginFormEnd("Sign in with <Corp>") ==
               "<div class=\"actions\">\n"
               "<button type=\"submit\" class=\"button primary\">Sign in with &lt;Corp&gt;"
               "</button>\n</div>\n</form>\n");
}

BOOST_AUTO_TEST_CASE(sign_in_page_is_titled_sign_in_unless_told_otherwise) {
    const sdk::Page page = kit::signInPage("<p>x</p>");
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.title == "Sign in");
    BOOST_TEST(page.body_html == "<p>x</p>");
    BOOST_TEST(kit::signInPage("", "Sign in with Corp").title == "Sign in with Corp");
}

// Stored counters are found by these keys: a change of spelling would silently reset every
// lockout in progress.
BOOST_AUTO_TEST_CASE(throttle_keys_keep_their_spelling) {
    authd::test::FakeHost host;
    const std::string hash = "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976";
    BOOST_TEST(kit::accountThrottleKey("pw", host.crypto(), "alice@example.com") ==
               "pw:acct:" + hash);
    BOOST_TEST(kit::emailThrottleKey("link", "email", host.crypto(), "alice@example.com") ==
               "link:email:" + hash);
    BOOST_TEST(kit::addressThrottleKey("pw", "192.0.2.7") == "pw:addr:192.0.2.7");
    BOOST_TEST(kit::addressThrottleKey("pw", "") == "pw:addr:unknown");
}

BOOST_AUTO_TEST_SUITE_END()
