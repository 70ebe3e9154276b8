// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "oauth/scopes.hpp"

using namespace authd::oauth;

BOOST_AUTO_TEST_SUITE(scopes)

BOOST_AUTO_TEST_CASE(parses_and_deduplicates_in_order) {
    const auto parsed = parseScope("  openid email openid  profile ");
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(joinScope(*parsed) == "openid email profile");
    BOOST_TEST(parseScope("")->empty());
}

BOOST_AUTO_TEST_CASE(rejects_illegal_scope_characters) {
    BOOST_TEST(!parseScope("openid \"email\"").has_value());
    BOOST_TEST(!parseScope("open\\id").has_value());
    BOOST_TEST(!parseScope("openid\temail").has_value());
    BOOST_TEST(!parseScope("caf\xc3\xa9").has_value());
}

BOOST_AUTO_TEST_CASE(finds_scopes_in_strings_and_lists) {
    BOOST_TEST(hasScope("openid profile email", "profile"));
    BOOST_TEST(!hasScope("openid profile email", "prof"));
    BOOST_TEST(!hasScope("", "openid"));
    const std::vector<std::string> list = {"openid", "email"};
    BOOST_TEST(hasScope(list, "email"));
    BOOST_TEST(!hasScope(list, "profile"));
}

BOOST_AUTO_TEST_CASE(splits_requested_against_allowed) {
    const std::vector<std::string> requested = {"openid", "admin", "email"};
    const std::vector<std::string> allowed = {"openid", "email", "profile"};
    BOOST_TEST(joinScope(scopesOutside(requested, allowed)) == "admin");
    BOOST_TEST(joinScope(scopesWithin(requested, allowed)) == "openid email");
}

BOOST_AUTO_TEST_SUITE_END()
