// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "crypto/encoding.hpp"

using namespace authd::crypto;

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(base64url_matches_rfc4648_vectors_without_padding) {
    // RFC 4648 section 10, with the padding removed.
    BOOST_TEST(base64UrlEncode("") == "");
    BOOST_TEST(base64UrlEncode("f") == "Zg");
    BOOST_TEST(base64UrlEncode("fo") == "Zm8");
    BOOST_TEST(base64UrlEncode("foo") == "Zm9v");
    BOOST_TEST(base64UrlEncode("foob") == "Zm9vYg");
    BOOST_TEST(base64UrlEncode("fooba") == "Zm9vYmE");
    BOOST_TEST(base64UrlEncode("foobar") == "Zm9vYmFy");
}

BOOST_AUTO_TEST_CASE(base64url_uses_dash_and_underscore) {
    BOOST_TEST(base64UrlEncode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
    BOOST_TEST(base64UrlDecode("-_-_").value() == std::string("\xfb\xff\xbf", 3));
}

BOOST_AUTO_TEST_CASE(base64url_round_trips_every_byte_and_length) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<char>(i));
    }
    for (std::size_t length = 0; length <= all.size(); ++length) {
        const std::string data = all.substr(0, length);
        const auto decoded = base64UrlDecode(base64UrlEncode(data));
        BOOST_REQUIRE(decoded.has_value());
        BOOST_TEST(*decoded == data);
    }
}

BOOST_AUTO_TEST_CASE(base64url_decode_rejects_bad_input) {
    BOOST_TEST(!base64UrlDecode("Zm9v+").has_value());    // standard alphabet '+'
    BOOST_TEST(!base64UrlDecode("Zm9/").has_value());     // standard alphabet '/'
    BOOST_TEST(!base64UrlDecode("Zg==").has_value());     // padding
    BOOST_TEST(!base64UrlDecode("Zm 9v").has_value());    // whitespace
    BOOST_TEST(!base64UrlDecode("Zm9v\n").has_value());   // newline
    BOOST_TEST(!base64UrlDecode("Z").has_value());        // impossible length
    BOOST_TEST(!base64UrlDecode("Zm9vY").has_value());    // impossible length
    BOOST_TEST(!base64UrlDecode("Zh").has_value());       // non-zero unused bits
    BOOST_TEST(!base64UrlDecode(std::string("Zm\0v", 4)).has_value());
    BOOST_TEST(!base64UrlDecode("Zm9v\xc3\xa9").has_value());
    BOOST_TEST(base64UrlDecode("").value() == "");
}

BOOST_AUTO_TEST_CASE(hex_round_trips_and_is_lower_case) {
    BOOST_TEST(hexEncode(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
    BOOST_TEST(hexDecode("0001abff").value() == std::string("\x00\x01\xab\xff", 4));
    BOOST_TEST(hexDecode("0001ABFF").value() == std::string("\x00\x01\xab\xff", 4));
    BOOST_TEST(hexDecode("").value() == "");
}

BOOST_AUTO_TEST_CASE(hex_decode_rejects_bad_input) {
    BOOST_TEST(!hexDecode("abc").has_value());   // odd length
    BOOST_TEST(!hexDecode("zz").has_value());
    BOOST_TEST(!hexDecode("0x12").has_value());
    BOOST_TEST(!hexDecode(" 12").has_value());
    BOOST_TEST(!hexDecode("1g").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
