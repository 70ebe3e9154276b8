// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE app_test
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "app/host_context.hpp"
#include "obs/json_logger.hpp"

BOOST_AUTO_TEST_SUITE(host_context)

BOOST_AUTO_TEST_CASE(storage_before_it_exists_fails_cleanly) {
    std::ostringstream out;
    authd::obs::JsonLogger logger(out);
    authd::app::HostContext host(authd::sdk::HostInfo{"http://i", "v", "d", "c"}, logger,
                                 authd::crypto::Argon2Params{1, 8192, 1});
    auto user = host.storage().users().get("u1");
    BOOST_REQUIRE(!user.has_value());
    BOOST_TEST((user.error().code == authd::sdk::ErrorCode::unavailable));
    BOOST_TEST(user.error().message.find("not ready") != std::string::npos);
    BOOST_TEST(!host.storage().ping().has_value());
    BOOST_TEST(!host.rateLimiter().check("k", {}).has_value());
    BOOST_TEST(host.mailer() == nullptr);
    BOOST_TEST(host.info().issuer == "http://i");
    BOOST_TEST(host.clock().now() > 1'600'000'000);
    BOOST_TEST(host.random().token(32).size() == 43u);
    auto hash = host.crypto().hashPassword("correct horse");
    BOOST_REQUIRE(hash.has_value());
    BOOST_TEST(host.crypto().verifyPassword(*hash, "correct horse").value());
}

BOOST_AUTO_TEST_SUITE_END()
