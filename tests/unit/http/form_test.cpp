// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "http/form.hpp"

using namespace authd::http;

BOOST_AUTO_TEST_SUITE(form)

BOOST_AUTO_TEST_CASE(decodes_pairs_plus_and_percent_escapes) {
    auto fields = parseForm("grant_type=authorization_code&redirect_uri=http%3A%2F%2Fa.test%2Fcb"
                            "&name=J%C3%B6rg+M&flag&empty=");
    BOOST_REQUIRE(fields.has_value());
    BOOST_TEST(fields->get("grant_type") == "authorization_code");
    BOOST_TEST(fields->get("redirect_uri") == "http://a.test/cb");
    BOOST_TEST(fields->get("name") == "J\xc3\xb6rg M");
    BOOST_TEST(fields->find("flag") != nullptr);
    BOOST_TEST(fields->get("flag").empty());
    BOOST_TEST(fields->get("empty").empty());
}

BOOST_AUTO_TEST_CASE(keeps_duplicates_in_order_and_reports_them) {
    auto fields = parseForm("scope=a&x=1&scope=b");
    BOOST_REQUIRE(fields.has_value());
    BOOST_TEST(fields->pairs().size() == 3u);
    BOOST_TEST(fields->get("scope") == "a");
    BOOST_TEST(fields->pairs()[2].second == "b");
    BOOST_TEST(findDuplicate(*fields).value_or("") == "scope");
    BOOST_TEST(!findDuplicate(parseForm("a=1&b=2").value()).has_value());
}

BOOST_AUTO_TEST_CASE(skips_empty_segments) {
    auto fields = parseForm("&&a=1&&b=2&");
    BOOST_REQUIRE(fields.has_value());
    BOOST_TEST(fields->pairs().size() == 2u);
    BOOST_TEST(parseForm("").value().pairs().empty());
}

BOOST_AUTO_TEST_CASE(rejects_malformed_percent_escapes) {
    for (const char* body : {"a=%", "a=%4", "a=%zz", "a=%4g", "a%=1", "a=1%", "a=100%25%"}) {
        auto fields = parseForm(body);
        BOOST_TEST(!fields.has_value(), body);
        if (!fields) {
            BOOST_TEST(fields.error().message.find("percent escape") != std::string::npos, body);
        }
    }
    BOOST_TEST(parseForm("a=100%25").value().get("a") == "100%");
}

BOOST_AUTO_TEST_CASE(rejects_nul_invalid_utf8_and_empty_names) {
    BOOST_TEST(!parseForm("a=%00").has_value());
    BOOST_TEST(!parseForm("a=%FF%FE").has_value());
    BOOST_TEST(!parseForm("a=%C0%AF").has_value());    // overlong '/'
    BOOST_TEST(!parseForm("a=%ED%A0%80").has_value()); // surrogate
    BOOST_TEST(!parseForm("=value").has_value());
    BOOST_TEST(!parseForm("%FF=1").has_value());
}

BOOST_AUTO_TEST_CASE(enforces_field_count_and_size_limits) {
    FormLimits limits;
    limits.max_fields = 3;
    limits.max_name_bytes = 8;
    limits.max_value_bytes = 16;
    BOOST_TEST(parseForm("a=1&b=2&c=3", limits).has_value());
    auto too_many = parseForm("a=1&b=2&c=3&d=4", limits);
    BOOST_REQUIRE(!too_many.has_value());
    BOOST_TEST(too_many.error().message.find("too many") != std::string::npos);
    BOOST_TEST(!parseForm("abcdefghi=1", limits).has_value());
    BOOST_TEST(!parseForm("a=" + std::string(17, 'x'), limits).has_value());
    // the limit is on decoded bytes: 16 escapes decode to 16 bytes
    std::string encoded = "a=";
    for (int i = 0; i < 16; ++i) {
        encoded += "%41";
    }
    BOOST_TEST(parseForm(encoded, limits).has_value());
}

BOOST_AUTO_TEST_CASE(percent_encode_round_trips) {
    const std::string raw = "a b/c?d=e&f\xc3\xa9~";
    const std::string encoded = percentEncode(raw);
    BOOST_TEST(encoded == "a%20b%2Fc%3Fd%3De%26f%C3%A9~");
    BOOST_TEST(percentDecode(encoded, false).value() == raw);
    BOOST_TEST(percentDecode("a+b", false).value() == "a+b");
    BOOST_TEST(percentDecode("a+b", true).value() == "a b");
}

BOOST_AUTO_TEST_SUITE_END()
