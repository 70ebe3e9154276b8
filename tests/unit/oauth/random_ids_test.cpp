// SPDX-License-Identifier: Apache-2.0
#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "oauth/random_ids.hpp"

BOOST_AUTO_TEST_SUITE(random_ids)

BOOST_AUTO_TEST_CASE(identifiers_are_base64url_of_the_requested_size_and_distinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {  // crosses several 4 KiB refills
        const std::string id = authd::oauth::randomIdentifier(16);
        BOOST_TEST(id.size() == 22U);
        BOOST_TEST(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                   std::string::npos);
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 2000U);
    BOOST_TEST(authd::oauth::randomIdentifier(5000).size() == 6667U);  // larger than a block
}

BOOST_AUTO_TEST_CASE(uuids_are_version_4) {
    const std::string uuid = authd::oauth::randomUuid();
    BOOST_TEST(uuid.size() == 36U);
    BOOST_TEST(uuid[14] == '4');
    BOOST_TEST(std::string("89ab").find(uuid[19]) != std::string::npos);
    BOOST_TEST(authd::oauth::randomUuid() != uuid);
}

BOOST_AUTO_TEST_SUITE_END()
