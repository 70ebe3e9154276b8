// SPDX-License-Identifier: Apache-2.0
// The dashboard session cookie: round trip, and every way a value is refused.
#define BOOST_TEST_MODULE dash_test
#include <boost/test/unit_test.hpp>

#include <string>

#include "dash/dash.hpp"

using authd::dash::DashIdentity;
using authd::dash::decodeDashCookie;
using authd::dash::encodeDashCookie;

namespace {
const std::string kKey = "0123456789abcdef0123456789abcdef";
const DashIdentity kIdentity{"6f1c2b9e-0d4a-4f7e-9a51-0c1f6d2e8b3a", "sess_ABCdef-123", 2000};
} // namespace

BOOST_AUTO_TEST_CASE(round_trips_before_expiry) {
    const auto decoded = decodeDashCookie(kKey, encodeDashCookie(kKey, kIdentity), 1999);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(decoded->user_id == kIdentity.user_id);
    BOOST_TEST(decoded->session_id == kIdentity.session_id);
    BOOST_TEST(decoded->expires_at == 2000);
}

BOOST_AUTO_TEST_CASE(refuses_expired_values) {
    const std::string value = encodeDashCookie(kKey, kIdentity);
    BOOST_TEST(!decodeDashCookie(kKey, value, 2000).has_value());
    BOOST_TEST(!decodeDashCookie(kKey, value, 5000).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_another_key_or_a_changed_field) {
    const std::string value = encodeDashCookie(kKey, kIdentity);
    BOOST_TEST(!decodeDashCookie("another key", value, 1).has_value());
    BOOST_TEST(!decodeDashCookie("", value, 1).has_value());
    DashIdentity other = kIdentity;
    other.user_id = "someone-else";
    const std::string forged_payload = encodeDashCookie(kKey, other);
    // Swap the MAC of one value onto the payload of another.
    const std::string mixed =
        forged_payload.substr(0, forged_payload.rfind('.')) + value.substr(value.rfind('.'));
    BOOST_TEST(!decodeDashCookie(kKey, mixed, 1).has_value());
    DashIdentity later = kIdentity;
    later.expires_at = 9999999;
    const std::string extended = encodeDashCookie("wrong", later);
    BOOST_TEST(!decodeDashCookie(kKey, extended, 1).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_malformed_values) {
    for (const std::string& bad :
         {std::string(), std::string("."), std::string("a.b.c"), std::string("a.b.c.d.e"),
          std::string("a.b.12x.mac"), std::string("a b.s.1.mac"), std::string("a..1.mac"),
          std::string("a.s.1234567890123456789.mac"), std::string(500, 'a')}) {
        BOOST_TEST(!decodeDashCookie(kKey, bad, 1).has_value(), bad);
    }
}
