// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "oauth/errors.hpp"

using namespace authd::oauth;

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(maps_token_errors_to_rfc6749_statuses) {
    BOOST_TEST(tokenErrorStatus("invalid_client") == 401);
    BOOST_TEST(tokenErrorStatus("invalid_grant") == 400);
    BOOST_TEST(tokenErrorStatus("invalid_request") == 400);
    BOOST_TEST(tokenErrorStatus("unsupported_grant_type") == 400);
    BOOST_TEST(tokenErrorStatus("server_error") == 500);
}

BOOST_AUTO_TEST_CASE(renders_escaped_error_json) {
    BOOST_TEST(errorJson({"invalid_grant", "code \"x\"\nreused"}) ==
               R"({"error":"invalid_grant","error_description":"code \"x\"\nreused"})");
    BOOST_TEST(errorJson({"invalid_client", ""}) == R"({"error":"invalid_client"})");
}

BOOST_AUTO_TEST_SUITE_END()
