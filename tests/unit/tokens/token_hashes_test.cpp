// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "tokens/token_hashes.hpp"

using namespace authd::tokens;

namespace {

// OpenID Connect Core 1.0, appendix A.3 (at_hash) and A.4 (c_hash), both RS256. Checked
// independently with:
//   printf %s "$token" | openssl dgst -sha256 -binary | head -c 16 | openssl base64 -A |
//     tr '+/' '-_' | tr -d '='
const std::string kAccessToken = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
const std::string kAtHash = "77QmUPtjPfzWtF2AnpK9RQ";
const std::string kCode = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
const std::string kCHash = "LDktKdoQak3Pk0cnXxCltA";

// EdDSA (Ed25519): left half of SHA-512. Value from panva's oidc-token-hash README, also
// checked with: printf %s "$token" | openssl dgst -sha512 -binary | head -c 32 |
//   openssl base64 -A | tr '+/' '-_' | tr -d '='
const std::string kLongToken =
    "YmJiZTAwYmYtMzgyOC00NzhkLTkyOTItNjJjNDM3MGYzOWIy9sFhvH8K_x8UIHj1osisS57f5DduL-ar_qw5jl3lthwpM"
    "jm283aVMQXDmoqqqydDSqJfbhptzw8rUVwkuQbolw";
const std::string kLongTokenSha256Hash = "x7vk7f6BvQj0jQHYFIk4ag";
const std::string kLongTokenEd25519Hash = "EGEAhGYyfuwDaVTifvrWSoD5MSy_5hZPy6I7Vm-7pTQ";

}  // namespace

BOOST_AUTO_TEST_SUITE(token_hashes)

BOOST_AUTO_TEST_CASE(matches_the_openid_connect_core_examples) {
    BOOST_TEST(tokenHash(kAccessToken, Alg::rs256) == kAtHash);
    BOOST_TEST(tokenHash(kCode, Alg::rs256) == kCHash);
}

BOOST_AUTO_TEST_CASE(uses_sha256_for_every_256_bit_alg) {
    for (Alg alg : {Alg::hs256, Alg::rs256, Alg::es256}) {
        BOOST_TEST(tokenHash(kAccessToken, alg) == kAtHash);
        BOOST_TEST(tokenHash(kLongToken, alg) == kLongTokenSha256Hash);
    }
}

BOOST_AUTO_TEST_CASE(uses_the_left_half_of_sha512_for_ed25519) {
    BOOST_TEST(tokenHash(kLongToken, Alg::eddsa) == kLongTokenEd25519Hash);
    BOOST_TEST(tokenHash(kLongToken, Alg::eddsa).size() == 43U);  // 32 bytes
}

BOOST_AUTO_TEST_CASE(checks_a_received_hash) {
    BOOST_TEST(tokenHashMatches(kAtHash, kAccessToken, Alg::es256));
    BOOST_TEST(!tokenHashMatches(kAtHash, kAccessToken + "x", Alg::es256));
    BOOST_TEST(!tokenHashMatches(kAtHash, kAccessToken, Alg::eddsa));
    BOOST_TEST(!tokenHashMatches("", kAccessToken, Alg::rs256));
}

BOOST_AUTO_TEST_SUITE_END()
