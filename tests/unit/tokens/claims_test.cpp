// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_support.hpp"
#include "tokens/claims.hpp"
#include "tokens/json_text.hpp"

using namespace authd;
using namespace authd::tokens;
using authd::tokens::test::kNow;

namespace {

json::Object parse(const std::string& json) {
    auto object = parseJsonObject(json, "claims");
    test::requireOk(object, "test claims must parse: " + json);
    return std::move(object).value();
}

ClaimRules rules() {
    ClaimRules r;
    r.now = kNow;
    r.issuer = "https://idp.example";
    r.audience = "proj_demo";
    return r;
}

std::string token(const std::string& extra, sdk::UnixTime exp = kNow + 300) {
    std::string json = R"({"iss":"https://idp.example","aud":"proj_demo","sub":"u1","iat":)" +
                       std::to_string(kNow) + R"(,"exp":)" + std::to_string(exp);
    if (!extra.empty()) {
        json += "," + extra;
    }
    return json + "}";
}

void requireFailure(const std::string& json, const ClaimRules& r, ClaimFailure expected) {
    const auto verdict = checkClaims(parse(json), r);
    BOOST_REQUIRE_MESSAGE(!static_cast<bool>(verdict), "expected a failure for " + json);
    BOOST_CHECK_MESSAGE(*verdict.failure == expected,
                        "got " << claimFailureName(*verdict.failure) << " (" << verdict.message
                               << ") for " << json);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(claims)

BOOST_AUTO_TEST_CASE(accepts_a_valid_token) {
    const auto verdict = checkClaims(parse(token("")), rules());
    BOOST_TEST(static_cast<bool>(verdict), verdict.message);
}

BOOST_AUTO_TEST_CASE(refuses_expired_tokens_at_the_exact_second) {
    auto r = rules();
    r.now = kNow + 299;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(token("")), r)));
    r.now = kNow + 300;  // RFC 7519 4.1.4: now must be before exp
    requireFailure(token(""), r, ClaimFailure::expired);
    r.leeway = 5;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(token("")), r)));
    r.now = kNow + 305;
    requireFailure(token(""), r, ClaimFailure::expired);
}

BOOST_AUTO_TEST_CASE(refuses_tokens_before_nbf) {
    const std::string json = token(R"("nbf":)" + std::to_string(kNow + 10));
    requireFailure(json, rules(), ClaimFailure::not_yet_valid);
    auto r = rules();
    r.leeway = 10;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(json), r)));
}

BOOST_AUTO_TEST_CASE(refuses_tokens_issued_in_the_future) {
    const std::string json = R"({"iss":"https://idp.example","aud":"proj_demo","iat":)" +
                             std::to_string(kNow + 60) + R"(,"exp":)" +
                             std::to_string(kNow + 600) + "}";
    requireFailure(json, rules(), ClaimFailure::issued_in_future);
    auto r = rules();
    r.leeway = 60;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(json), r)));
}

BOOST_AUTO_TEST_CASE(refuses_tokens_older_than_max_age) {
    auto r = rules();
    r.now = kNow + 120;
    r.max_age = 60;
    requireFailure(token(""), r, ClaimFailure::too_old);
    r.max_age = 120;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(token("")), r)));
    // max_age needs an iat.
    requireFailure(R"({"iss":"https://idp.example","aud":"proj_demo","exp":)" +
                       std::to_string(kNow + 600) + "}",
                   r, ClaimFailure::missing);
}

BOOST_AUTO_TEST_CASE(checks_the_issuer_exactly) {
    auto r = rules();
    r.issuer = "https://idp.example/";
    requireFailure(token(""), r, ClaimFailure::wrong_issuer);
    r.issuer = "https://IDP.example";
    requireFailure(token(""), r, ClaimFailure::wrong_issuer);
    requireFailure(R"({"aud":"proj_demo","exp":)" + std::to_string(kNow + 60) + "}", rules(),
                   ClaimFailure::missing);
    requireFailure(R"({"iss":42,"aud":"proj_demo","exp":)" + std::to_string(kNow + 60) + "}",
                   rules(), ClaimFailure::malformed);
}

BOOST_AUTO_TEST_CASE(accepts_the_audience_as_string_or_array) {
    const std::string exp = R"("exp":)" + std::to_string(kNow + 60);
    BOOST_TEST(static_cast<bool>(
        checkClaims(parse(R"({"iss":"https://idp.example","aud":["other","proj_demo"],)" + exp + "}"),
                    rules())));
    requireFailure(R"({"iss":"https://idp.example","aud":["other"],)" + exp + "}", rules(),
                   ClaimFailure::wrong_audience);
    requireFailure(R"({"iss":"https://idp.example","aud":"proj_demo2",)" + exp + "}", rules(),
                   ClaimFailure::wrong_audience);
    requireFailure(R"({"iss":"https://idp.example","aud":[],)" + exp + "}", rules(),
                   ClaimFailure::wrong_audience);
    requireFailure(R"({"iss":"https://idp.example","aud":["proj_demo",7],)" + exp + "}", rules(),
                   ClaimFailure::malformed);
    requireFailure(R"({"iss":"https://idp.example","aud":{"a":1},)" + exp + "}", rules(),
                   ClaimFailure::malformed);
    requireFailure(R"({"iss":"https://idp.example",)" + exp + "}", rules(), ClaimFailure::missing);

    const auto claims = parse(R"({"aud":["a","b"]})");
    BOOST_TEST(audienceContains(claims, "b"));
    BOOST_TEST(!audienceContains(claims, "c"));
}

BOOST_AUTO_TEST_CASE(refuses_non_integer_timestamps) {
    const std::string base = R"({"iss":"https://idp.example","aud":"proj_demo",)";
    requireFailure(base + R"("exp":)" + std::to_string(kNow + 60) + R"(,"iat":1700000000.5})",
                   rules(), ClaimFailure::malformed);
    requireFailure(base + R"("exp":"1800000000"})", rules(), ClaimFailure::malformed);
    requireFailure(base + R"("exp":true})", rules(), ClaimFailure::malformed);
    requireFailure(base + R"("exp":1.8e9})", rules(), ClaimFailure::malformed);
    requireFailure(base + R"("exp":)" + std::to_string(kNow + 60) + R"(,"nbf":null})", rules(),
                   ClaimFailure::malformed);
    // Larger than int64: malformed, not a wrap-around into the past.
    requireFailure(base + R"("exp":9223372036854775808})", rules(), ClaimFailure::malformed);
    requireFailure(base + R"("exp":18446744073709551615})", rules(), ClaimFailure::malformed);
}

BOOST_AUTO_TEST_CASE(survives_extreme_values_without_overflow) {
    auto r = rules();
    r.leeway = std::numeric_limits<sdk::Seconds>::max();
    const std::string json = token("", std::numeric_limits<std::int64_t>::max());
    BOOST_TEST(static_cast<bool>(checkClaims(parse(json), r)));
    r.leeway = 0;
    r.now = std::numeric_limits<sdk::UnixTime>::max();
    requireFailure(json, r, ClaimFailure::expired);
    requireFailure(token("", std::numeric_limits<std::int64_t>::min()), rules(),
                   ClaimFailure::expired);
}

BOOST_AUTO_TEST_CASE(requires_exp_and_listed_claims) {
    requireFailure(R"({"iss":"https://idp.example","aud":"proj_demo"})", rules(),
                   ClaimFailure::missing);
    auto r = rules();
    r.require_exp = false;
    BOOST_TEST(static_cast<bool>(checkClaims(parse(R"({"iss":"https://idp.example","aud":"proj_demo"})"), r)));
    r.require_iat = true;
    requireFailure(R"({"iss":"https://idp.example","aud":"proj_demo"})", r, ClaimFailure::missing);
    auto with_required = rules();
    with_required.required = {"sub", "jti"};
    const auto verdict = checkClaims(parse(token("")), with_required);
    BOOST_REQUIRE(!verdict);
    BOOST_TEST(*verdict.failure == ClaimFailure::missing);
    BOOST_TEST(verdict.message == "jti is missing");
}

BOOST_AUTO_TEST_CASE(maps_failures_to_sdk_errors) {
    auto r = rules();
    r.now = kNow + 1000;
    const auto expired = checkClaims(parse(token("")), r);
    BOOST_REQUIRE(!expired);
    BOOST_TEST(expired.toError().code == sdk::ErrorCode::expired);
    r = rules();
    r.audience = "x";
    BOOST_TEST(checkClaims(parse(token("")), r).toError().code == sdk::ErrorCode::denied);
    BOOST_TEST(checkClaims(parse(R"({"exp":"soon"})"), rules()).toError().code ==
               sdk::ErrorCode::invalid_argument);
    BOOST_TEST(claimFailureName(ClaimFailure::wrong_audience) == "wrong_audience");
}

BOOST_AUTO_TEST_SUITE_END()
