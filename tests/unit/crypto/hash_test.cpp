// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

using namespace authd::crypto;

BOOST_AUTO_TEST_SUITE(hash)

// FIPS 180-2 / NIST CSRC example values.
BOOST_AUTO_TEST_CASE(sha256_matches_nist_abc) {
    BOOST_TEST(sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(sha256_matches_nist_empty_message) {
    BOOST_TEST(sha256Hex("") ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(sha256_matches_nist_448_bit_message) {
    BOOST_TEST(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(sha256_raw_is_32_bytes_of_the_hex) {
    const std::string raw = sha256("abc");
    BOOST_TEST(raw.size() == 32U);
    BOOST_TEST(hexEncode(raw) == sha256Hex("abc"));
}

// RFC 4231 section 4.
BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc4231_case_1) {
    BOOST_TEST(hmacSha256Hex(std::string(20, '\x0b'), "Hi There") ==
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc4231_case_2) {
    BOOST_TEST(hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc4231_case_6_key_longer_than_block) {
    BOOST_TEST(hmacSha256Hex(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First") ==
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_accepts_an_empty_key) {
    const std::string mac = hmacSha256("", "data");
    BOOST_TEST(mac.size() == 32U);
    BOOST_TEST(hexEncode(mac) == hmacSha256Hex("", "data"));
}

BOOST_AUTO_TEST_CASE(constant_time_equals_compares_content_and_length) {
    BOOST_TEST(constantTimeEquals("", ""));
    BOOST_TEST(constantTimeEquals("secret", "secret"));
    BOOST_TEST(!constantTimeEquals("secret", "secreT"));
    BOOST_TEST(!constantTimeEquals("Secret", "secret"));
    BOOST_TEST(!constantTimeEquals("secret", "secret2"));
    BOOST_TEST(!constantTimeEquals("secret2", "secret"));
    BOOST_TEST(!constantTimeEquals("", "a"));
    BOOST_TEST(!constantTimeEquals("a", ""));
    BOOST_TEST(constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
    BOOST_TEST(!constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

BOOST_AUTO_TEST_SUITE_END()
