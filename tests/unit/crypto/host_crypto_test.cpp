// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "crypto/host_crypto.hpp"

using namespace authd::crypto;

BOOST_AUTO_TEST_SUITE(host_crypto)

BOOST_AUTO_TEST_CASE(sdk_crypto_delegates_to_the_primitives) {
    HostCrypto host(Argon2Params{1, 1024, 1});
    authd::sdk::Crypto& crypto = host;
    const auto encoded = crypto.hashPassword("pw");
    BOOST_REQUIRE(encoded.has_value());
    BOOST_TEST(crypto.verifyPassword(*encoded, "pw").value());
    BOOST_TEST(!crypto.verifyPassword(*encoded, "px").value());
    BOOST_TEST(!crypto.verifyPassword("garbage", "pw").has_value());
    BOOST_TEST(!host.needsRehash(*encoded));
    BOOST_TEST(crypto.sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(crypto.hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(crypto.constantTimeEquals("a", "a"));
    BOOST_TEST(!crypto.constantTimeEquals("a", "b"));
}

BOOST_AUTO_TEST_CASE(sdk_random_gives_tokens_and_bytes) {
    HostRandom host;
    authd::sdk::Random& random = host;
    const std::string token = random.token(32);
    BOOST_TEST(token.size() == 43U);
    BOOST_TEST(random.token(32) != token);
    unsigned char bytes[32] = {};
    BOOST_TEST(random.fill(bytes, sizeof bytes));
}

BOOST_AUTO_TEST_CASE(invalid_params_refuse_hashing) {
    HostCrypto host(Argon2Params{0, 1024, 1});
    BOOST_TEST(!host.hashPassword("pw").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
