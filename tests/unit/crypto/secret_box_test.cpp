// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "crypto/encoding.hpp"
#include "crypto/secret_box.hpp"

using namespace authd::crypto;
namespace sdk = authd::sdk;

namespace {

std::string unhex(std::string_view hex) {
    return hexDecode(hex).value();
}

SecretBox makeBox(char fill = '\x42') {
    return SecretBox::fromKey(std::string(32, fill)).value();
}

// Flips one bit in the decoded payload of a sealed value and re-encodes it.
std::string flipBit(const std::string& sealed, std::size_t byte_index) {
    std::string raw = base64UrlDecode(std::string_view(sealed).substr(3)).value();
    raw[byte_index] = static_cast<char>(raw[byte_index] ^ 0x01);
    return "v1." + base64UrlEncode(raw);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_box)

// The GCM specification (McGrew and Viega), test case 16: AES-256, 96-bit IV, with AAD.
BOOST_AUTO_TEST_CASE(seal_matches_nist_gcm_test_case_16) {
    const SecretBox box =
        SecretBox::fromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
            .value();
    const std::string plaintext = unhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    const std::string aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const std::string nonce = unhex("cafebabefacedbaddecaf888");
    const std::string expected_ciphertext = unhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
    const std::string expected_tag = unhex("76fc6ece0f4e1768cddf8853bb2d551b");

    const auto sealed = box.sealWithNonceForTest(nonce, plaintext, aad);
    BOOST_REQUIRE(sealed.has_value());
    BOOST_TEST(*sealed == "v1." + base64UrlEncode(nonce + expected_ciphertext + expected_tag));

    const auto opened = box.open(*sealed, aad);
    BOOST_REQUIRE(opened.has_value());
    BOOST_TEST(*opened == plaintext);
}

// Test case 13: zero key, empty plaintext, zero IV: only the tag.
BOOST_AUTO_TEST_CASE(seal_matches_nist_gcm_test_case_13_empty_plaintext) {
    const SecretBox box = SecretBox::fromKey(std::string(32, '\0')).value();
    const std::string nonce(12, '\0');
    const auto sealed = box.sealWithNonceForTest(nonce, "");
    BOOST_REQUIRE(sealed.has_value());
    BOOST_TEST(*sealed == "v1." + base64UrlEncode(nonce + unhex("530f8afbc74536b9a963b4f1c4cb738b")));
    BOOST_TEST(box.open(*sealed).value() == "");
}

BOOST_AUTO_TEST_CASE(round_trips_with_and_without_aad) {
    const SecretBox box = makeBox();
    for (const std::string& plaintext :
         {std::string(), std::string("x"), std::string("signing key pem"), std::string(5000, 'z'),
          std::string("\0\1\2", 3)}) {
        const auto sealed = box.seal(plaintext);
        BOOST_REQUIRE(sealed.has_value());
        BOOST_TEST(sealed->rfind("v1.", 0) == 0U);
        BOOST_TEST(box.open(*sealed).value() == plaintext);

        const auto bound = box.seal(plaintext, "kid-1");
        BOOST_REQUIRE(bound.has_value());
        BOOST_TEST(box.open(*bound, "kid-1").value() == plaintext);
    }
}

BOOST_AUTO_TEST_CASE(each_seal_uses_a_fresh_nonce) {
    const SecretBox box = makeBox();
    BOOST_TEST(box.seal("same").value() != box.seal("same").value());
}

BOOST_AUTO_TEST_CASE(open_rejects_tampering_anywhere) {
    const SecretBox box = makeBox();
    const std::string sealed = box.seal("attack at dawn", "ctx").value();
    const std::size_t raw_size = 12 + 14 + 16;
    for (std::size_t i = 0; i < raw_size; ++i) {
        const auto opened = box.open(flipBit(sealed, i), "ctx");
        BOOST_TEST(!opened.has_value(), "bit flip in byte " << i << " was accepted");
        if (!opened) {
            BOOST_TEST(opened.error().code == sdk::ErrorCode::invalid_argument);
        }
    }
}

BOOST_AUTO_TEST_CASE(open_rejects_wrong_key) {
    const std::string sealed = makeBox('\x01').seal("secret").value();
    const auto opened = makeBox('\x02').open(sealed);
    BOOST_REQUIRE(!opened.has_value());
    BOOST_TEST(opened.error().message.find("authentication") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(open_rejects_wrong_or_missing_aad) {
    const SecretBox box = makeBox();
    const std::string sealed = box.seal("secret", "kid-1").value();
    BOOST_TEST(!box.open(sealed, "kid-2").has_value());
    BOOST_TEST(!box.open(sealed).has_value());
    const std::string unbound = box.seal("secret").value();
    BOOST_TEST(!box.open(unbound, "kid-1").has_value());
}

BOOST_AUTO_TEST_CASE(open_rejects_truncated_values) {
    const SecretBox box = makeBox();
    const std::string sealed = box.seal("some secret value").value();
    for (std::size_t length = 0; length < sealed.size(); ++length) {
        BOOST_TEST(!box.open(sealed.substr(0, length)).has_value(), "length " << length);
    }
    const std::string raw = base64UrlDecode(std::string_view(sealed).substr(3)).value();
    BOOST_TEST(!box.open("v1." + base64UrlEncode(raw.substr(0, 27))).has_value());
    BOOST_TEST(!box.open("v1." + base64UrlEncode(raw.substr(0, raw.size() - 1))).has_value());
}

BOOST_AUTO_TEST_CASE(open_rejects_garbage_with_clear_errors) {
    const SecretBox box = makeBox();
    for (const std::string& garbage :
         {std::string(), std::string("v1."), std::string("v2.AAAA"), std::string("hello"),
          std::string("v1.!!!!"), std::string("v1.AAAA"), std::string("v1.") + std::string(200, 'A'),
          std::string("v1.\0\0", 5)}) {
        const auto opened = box.open(garbage);
        BOOST_TEST(!opened.has_value());
        if (!opened) {
            BOOST_TEST(opened.error().code == sdk::ErrorCode::invalid_argument);
            BOOST_TEST(!opened.error().message.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(key_must_be_32_bytes_or_64_hex) {
    BOOST_TEST(!SecretBox::fromKey(std::string(31, 'a')).has_value());
    BOOST_TEST(!SecretBox::fromKey(std::string(33, 'a')).has_value());
    BOOST_TEST(!SecretBox::fromKey("").has_value());
    BOOST_TEST(!SecretBox::fromHex(std::string(62, 'a')).has_value());
    BOOST_TEST(!SecretBox::fromHex(std::string(64, 'g')).has_value());
    BOOST_TEST(SecretBox::fromHex(std::string(64, 'A')).has_value());
    BOOST_TEST(!SecretBox::fromHex(std::string(64, 'a')).value().sealWithNonceForTest("short", "x")
                    .has_value());
}

BOOST_AUTO_TEST_CASE(copies_open_what_the_original_sealed) {
    const SecretBox original = makeBox();
    SecretBox copy = original;
    const std::string sealed = original.seal("value").value();
    BOOST_TEST(copy.open(sealed).value() == "value");
    SecretBox moved = std::move(copy);
    BOOST_TEST(moved.open(sealed).value() == "value");
    copy = moved;
    BOOST_TEST(copy.open(sealed).value() == "value");
}

BOOST_AUTO_TEST_SUITE_END()
