// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "oauth/pkce.hpp"

using authd::oauth::checkPkceRequest;
using authd::oauth::verifyPkce;

namespace {
// RFC 7636 Appendix B.
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const std::string kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
}  // namespace

BOOST_AUTO_TEST_SUITE(pkce)

BOOST_AUTO_TEST_CASE(verifies_rfc7636_appendix_b_example) {
    BOOST_TEST(verifyPkce(kVerifier, kChallenge));
}

BOOST_AUTO_TEST_CASE(rejects_wrong_verifier) {
    std::string wrong = kVerifier;
    wrong[0] = 'e';
    BOOST_TEST(!verifyPkce(wrong, kChallenge));
}

BOOST_AUTO_TEST_CASE(rejects_short_long_and_illegal_verifiers) {
    BOOST_TEST(!verifyPkce("short", kChallenge));
    BOOST_TEST(!verifyPkce(std::string(129, 'a'), kChallenge));
    BOOST_TEST(!verifyPkce(kVerifier.substr(0, 42) + "!", kChallenge));
    BOOST_TEST(!verifyPkce("", ""));
}

BOOST_AUTO_TEST_CASE(accepts_s256_and_absent_pkce) {
    BOOST_TEST(!checkPkceRequest(kChallenge, "S256").has_value());
    BOOST_TEST(!checkPkceRequest("", "").has_value());
}

BOOST_AUTO_TEST_CASE(rejects_plain_pkce_method) {
    const auto error = checkPkceRequest(kChallenge, "plain");
    BOOST_REQUIRE(error.has_value());
    BOOST_TEST(error->code == "invalid_request");
    BOOST_TEST(error->description.find("S256") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejects_missing_or_unknown_method_and_bad_challenge) {
    BOOST_TEST(checkPkceRequest(kChallenge, "").has_value());
    BOOST_TEST(checkPkceRequest(kChallenge, "S512").has_value());
    BOOST_TEST(checkPkceRequest("", "S256").has_value());
    BOOST_TEST(checkPkceRequest("abc", "S256").has_value());
    BOOST_TEST(checkPkceRequest(std::string(43, '%'), "S256").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
