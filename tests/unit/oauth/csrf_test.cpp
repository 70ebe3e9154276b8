// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "oauth/csrf.hpp"

using authd::oauth::csrfToken;
using authd::oauth::csrfValid;

namespace {
const std::string kKey(32, 'k');
const std::string kBrowser = "b5Jx3bW0l2m4Ez5oQe9n3xq1r0mZyKjv4uT7sPpLw8A";
const std::string kPending = "R2d2C3poR2d2C3poR2d2C3po";
}  // namespace

BOOST_AUTO_TEST_SUITE(csrf)

BOOST_AUTO_TEST_CASE(token_is_deterministic_base64url_of_a_mac) {
    const std::string token = csrfToken(kKey, kBrowser, kPending);
    BOOST_TEST(token.size() == 43U);  // 32 bytes, base64url without padding
    BOOST_TEST(token == csrfToken(kKey, kBrowser, kPending));
    BOOST_TEST(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123"
                                       "456789-_") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(accepts_the_token_of_the_same_browser_and_purpose) {
    BOOST_TEST(csrfValid(kKey, kBrowser, kPending, csrfToken(kKey, kBrowser, kPending)));
}

BOOST_AUTO_TEST_CASE(rejects_a_token_from_another_browser_purpose_or_key) {
    const std::string token = csrfToken(kKey, kBrowser, kPending);
    std::string other_browser = kBrowser;
    other_browser[0] = 'c';
    BOOST_TEST(!csrfValid(kKey, other_browser, kPending, token));
    BOOST_TEST(!csrfValid(kKey, kBrowser, "logout", token));
    BOOST_TEST(!csrfValid(std::string(32, 'x'), kBrowser, kPending, token));
}

BOOST_AUTO_TEST_CASE(rejects_missing_truncated_and_altered_tokens) {
    const std::string token = csrfToken(kKey, kBrowser, kPending);
    BOOST_TEST(!csrfValid(kKey, kBrowser, kPending, ""));
    BOOST_TEST(!csrfValid(kKey, kBrowser, kPending, token.substr(0, 42)));
    BOOST_TEST(!csrfValid(kKey, kBrowser, kPending, token + "A"));
    std::string altered = token;
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    BOOST_TEST(!csrfValid(kKey, kBrowser, kPending, altered));
}

BOOST_AUTO_TEST_CASE(no_token_exists_without_a_browser_or_a_key) {
    BOOST_TEST(csrfToken(kKey, "", kPending).empty());
    BOOST_TEST(csrfToken("", kBrowser, kPending).empty());
    // An empty browser cookie must not validate an empty (or any) token.
    BOOST_TEST(!csrfValid(kKey, "", kPending, ""));
    BOOST_TEST(!csrfValid(kKey, "", kPending, csrfToken(kKey, kBrowser, kPending)));
}

BOOST_AUTO_TEST_CASE(separator_keeps_browser_and_purpose_apart) {
    // "ab|c" must not collide with "a|bc": browser values never contain '|'.
    BOOST_TEST(csrfToken(kKey, "ab", "c") != csrfToken(kKey, "a", "bc"));
}

BOOST_AUTO_TEST_SUITE_END()
