// SPDX-License-Identifier: Apache-2.0
#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "oauth/json_text.hpp"
#include "oauth/random_ids.hpp"
#include "tokens/json_text.hpp"

using authd::oauth::appendJsonString;

namespace {

std::string quoted(std::string_view text) {
    std::string out = "x";
    appendJsonString(out, text);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_text)

BOOST_AUTO_TEST_CASE(escapes_quotes_backslashes_and_control_characters) {
    BOOST_TEST(quoted("") == R"(x"")");
    BOOST_TEST(quoted("plain text") == R"(x"plain text")");
    BOOST_TEST(quoted("a\"b\\c") == R"(x"a\"b\\c")");
    BOOST_TEST(quoted("\n\r\t") == R"(x"\n\r\t")");
    BOOST_TEST(quoted(std::string("\x01\x1f", 2)) == R"(x"\u0001\u001f")");
    BOOST_TEST(quoted(std::string("nul\0end", 7)) == R"(x"nul\u0000end")");
    BOOST_TEST(quoted("\"") == R"(x"\"")");
    BOOST_TEST(quoted("caf\xc3\xa9 \xe2\x82\xac") == "x\"caf\xc3\xa9 \xe2\x82\xac\"");
}

BOOST_AUTO_TEST_CASE(output_parses_back_to_the_input) {
    std::string all;
    for (int c = 1; c < 128; ++c) {
        all += static_cast<char>(c);
    }
    std::string json = "{\"v\":";
    appendJsonString(json, all);
    json += '}';
    const auto parsed = authd::tokens::parseJsonObject(json, "test");
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(authd::tokens::stringMember(**parsed, "v").value() == all);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_ids)

BOOST_AUTO_TEST_CASE(identifiers_are_base64url_of_the_requested_size_and_distinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {  // crosses several 4 KiB refills
        const std::string id = authd::oauth::randomIdentifier(16);
        BOOST_TEST(id.size() == 22U);
        BOOST_TEST(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                   std::string::npos);
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 2000U);
    BOOST_TEST(authd::oauth::randomIdentifier(5000).size() == 6667U);  // larger than a block
}

BOOST_AUTO_TEST_CASE(uuids_are_version_4) {
    const std::string uuid = authd::oauth::randomUuid();
    BOOST_TEST(uuid.size() == 36U);
    BOOST_TEST(uuid[14] == '4');
    BOOST_TEST(std::string("89ab").find(uuid[19]) != std::string::npos);
    BOOST_TEST(authd::oauth::randomUuid() != uuid);
}

BOOST_AUTO_TEST_SUITE_END()
