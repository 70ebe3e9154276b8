// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "crypto/encoding.hpp"
#include "crypto/password_hasher.hpp"

using namespace authd::crypto;
namespace sdk = authd::sdk;

namespace {

// Cheap parameters keep the suite fast; the real cost is exercised in bench/.
constexpr Argon2Params kCheap{1, 1024, 1};

}  // namespace

BOOST_AUTO_TEST_SUITE(password_hasher)

// RFC 9106 section 5.3: Argon2id, t=3, m=32 KiB, p=4, with secret and associated data.
BOOST_AUTO_TEST_CASE(matches_rfc9106_argon2id_vector) {
    const auto tag = PasswordHasher::rawForTest(std::string(32, '\x01'), std::string(16, '\x02'),
                                                std::string(8, '\x03'), std::string(12, '\x04'),
                                                Argon2Params{3, 32, 4}, 32);
    BOOST_REQUIRE_MESSAGE(tag.has_value(), errorText(tag));
    BOOST_TEST(hexEncode(*tag) ==
               "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

// The expected string was produced independently by Debian's argon2 CLI:
//   echo -n "correct horse battery staple" | argon2 "authd-test-salt!" -id -t 1 -k 1024 -p 1 -l 32 -e
BOOST_AUTO_TEST_CASE(fixed_salt_matches_argon2_cli_output) {
    const PasswordHasher hasher(kCheap);
    const auto encoded = hasher.hashWithSaltForTest("correct horse battery staple", "authd-test-salt!");
    BOOST_REQUIRE_MESSAGE(encoded.has_value(), errorText(encoded));
    BOOST_TEST(*encoded == "$argon2id$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$"
                           "CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk");
}

BOOST_AUTO_TEST_CASE(hash_then_verify_round_trips) {
    const PasswordHasher hasher(kCheap);
    const auto encoded = hasher.hash("hunter2 but longer");
    BOOST_REQUIRE(encoded.has_value());
    BOOST_TEST(encoded->rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0) == 0U);
    const auto ok = hasher.verify(*encoded, "hunter2 but longer");
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(*ok);
}

BOOST_AUTO_TEST_CASE(each_hash_has_a_fresh_salt) {
    const PasswordHasher hasher(kCheap);
    BOOST_TEST(hasher.hash("same").value() != hasher.hash("same").value());
}

BOOST_AUTO_TEST_CASE(wrong_password_verifies_false) {
    const PasswordHasher hasher(kCheap);
    const std::string encoded = hasher.hash("right password").value();
    for (const std::string& wrong : {std::string("right passwor"), std::string("Right password"),
                                    std::string(""), std::string("right password ")}) {
        const auto ok = hasher.verify(encoded, wrong);
        BOOST_REQUIRE(ok.has_value());
        BOOST_TEST(!*ok);
    }
}

BOOST_AUTO_TEST_CASE(verify_uses_the_cost_stored_in_the_hash) {
    const std::string encoded = PasswordHasher(Argon2Params{2, 2048, 2}).hash("pw").value();
    const auto ok = PasswordHasher(kCheap).verify(encoded, "pw");
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(*ok);
}

BOOST_AUTO_TEST_CASE(malformed_hashes_are_errors_not_mismatches) {
    const PasswordHasher hasher(kCheap);
    const std::string good = hasher.hash("pw").value();
    const std::string bad[] = {
        "",
        "plaintext",
        "$argon2i$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2d$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=16$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$t=1,m=1024,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ",
        "$argon2id$v=19$m=1024,t=1,p=1$$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzs!BNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=1,p=1$c2hvcnQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        // Absurd cost: must be refused before libargon2 tries to allocate it.
        "$argon2id$v=19$m=4294967295,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=4000000000,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=99999999999,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=0,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk",
        "$argon2id$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzs",  // 3-byte tag
        good + "$extra",
    };
    for (const std::string& encoded : bad) {
        const auto ok = hasher.verify(encoded, "correct horse battery staple");
        BOOST_TEST(!ok.has_value(), "accepted: " << encoded);
        if (!ok) {
            BOOST_TEST(ok.error().code == sdk::ErrorCode::invalid_argument);
        }
    }
}

BOOST_AUTO_TEST_CASE(needs_rehash_when_params_differ) {
    const PasswordHasher cheap(kCheap);
    const std::string encoded = cheap.hash("pw").value();
    BOOST_TEST(!cheap.needsRehash(encoded));
    BOOST_TEST(PasswordHasher(Argon2Params{2, 1024, 1}).needsRehash(encoded));
    BOOST_TEST(PasswordHasher(Argon2Params{1, 2048, 1}).needsRehash(encoded));
    BOOST_TEST(PasswordHasher(Argon2Params{1, 1024, 2}).needsRehash(encoded));
    BOOST_TEST(cheap.needsRehash("not a hash"));
    BOOST_TEST(cheap.needsRehash(
        "$argon2i$v=19$m=1024,t=1,p=1$YXV0aGQtdGVzdC1zYWx0IQ$CAzsxBNtdMH823GABlPstWNihu4JUVL8J/HvBsX8xZk"));
}

BOOST_AUTO_TEST_CASE(validate_refuses_absurd_params) {
    BOOST_TEST(PasswordHasher::validate(Argon2Params{}).has_value());
    BOOST_TEST(PasswordHasher::validate(kCheap).has_value());
    BOOST_TEST(PasswordHasher::validate(Argon2Params{1, 32, 4}).has_value());
    const Argon2Params bad[] = {
        {0, 1024, 1},                   // no passes
        {1, 31, 4},                     // m < 8 * p
        {1, 7, 1},                      // m < 8
        {1, 1024, 0},                   // no lanes
        {1, 1024, 65},                  // too many lanes
        {101, 1024, 1},                 // too many passes
        {1, 4U * 1024U * 1024U + 1U, 1} // over 4 GiB
    };
    for (const Argon2Params& params : bad) {
        const auto valid = PasswordHasher::validate(params);
        BOOST_TEST(!valid.has_value());
        if (!valid) {
            BOOST_TEST(valid.error().code == sdk::ErrorCode::invalid_config);
        }
        BOOST_TEST(!PasswordHasher::create(params).has_value());
        const auto hashed = PasswordHasher(params).hash("pw");
        BOOST_TEST(!hashed.has_value());
    }
    const auto message = PasswordHasher::validate(Argon2Params{1, 31, 4});
    BOOST_TEST(message.error().message.find("8 * parallelism") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hash_refuses_short_test_salt) {
    BOOST_TEST(!PasswordHasher(kCheap).hashWithSaltForTest("pw", "short").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
