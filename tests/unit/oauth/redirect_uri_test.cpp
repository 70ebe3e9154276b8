// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "oauth/redirect_uri.hpp"

using authd::oauth::appendQuery;
using authd::oauth::redirectUriAllowed;
using authd::oauth::redirectUriProblem;

BOOST_AUTO_TEST_SUITE(redirect_uri)

BOOST_AUTO_TEST_CASE(matches_exactly_without_normalisation) {
    const std::vector<std::string> allowed = {"https://app.example.com/cb",
                                              "http://127.0.0.1:3000/api/auth/callback"};
    BOOST_TEST(redirectUriAllowed("https://app.example.com/cb", allowed));
    BOOST_TEST(redirectUriAllowed("http://127.0.0.1:3000/api/auth/callback", allowed));
    BOOST_TEST(!redirectUriAllowed("https://app.example.com/cb/", allowed));
    BOOST_TEST(!redirectUriAllowed("https://APP.example.com/cb", allowed));
    BOOST_TEST(!redirectUriAllowed("https://app.example.com:443/cb", allowed));
    BOOST_TEST(!redirectUriAllowed("https://app.example.com/cb?x=1", allowed));
    BOOST_TEST(!redirectUriAllowed("http://app.example.com/cb", allowed));
    BOOST_TEST(!redirectUriAllowed("http://127.0.0.1:3001/api/auth/callback", allowed));
    BOOST_TEST(!redirectUriAllowed("", allowed));
}

BOOST_AUTO_TEST_CASE(accepts_https_loopback_http_and_private_use_schemes) {
    BOOST_TEST(!redirectUriProblem("https://app.example.com/cb", false).has_value());
    BOOST_TEST(!redirectUriProblem("http://127.0.0.1:3000/cb", false).has_value());
    BOOST_TEST(!redirectUriProblem("http://localhost/cb", false).has_value());
    BOOST_TEST(!redirectUriProblem("http://[::1]:8080/cb", false).has_value());
    BOOST_TEST(!redirectUriProblem("com.example.app:/oauth2redirect", false).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_plain_http_on_public_hosts_unless_development) {
    const auto problem = redirectUriProblem("http://app.example.com/cb", false);
    BOOST_REQUIRE(problem.has_value());
    BOOST_TEST(problem->find("loopback") != std::string::npos);
    BOOST_TEST(!redirectUriProblem("http://app.example.com/cb", true).has_value());
    // A loopback name as user-info must not pass as a loopback host.
    BOOST_TEST(redirectUriProblem("http://localhost@evil.example/cb", false).has_value());
    BOOST_TEST(redirectUriProblem("http://127.0.0.1.evil.example/cb", false).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_malformed_uris) {
    BOOST_TEST(redirectUriProblem("", false).has_value());
    BOOST_TEST(redirectUriProblem("/relative/cb", false).has_value());
    BOOST_TEST(redirectUriProblem("https://app.example.com/cb#frag", false).has_value());
    BOOST_TEST(redirectUriProblem("https://app.example.com/c b", false).has_value());
    BOOST_TEST(redirectUriProblem("https:///cb", false).has_value());
    BOOST_TEST(redirectUriProblem("javascript:alert(1)", false).has_value());
    BOOST_TEST(redirectUriProblem("https:app.example.com", false).has_value());
    BOOST_TEST(redirectUriProblem(std::string("https://a.example/") + std::string(2000, 'a'), false)
                   .has_value());
}

BOOST_AUTO_TEST_CASE(appends_encoded_query_parameters) {
    BOOST_TEST(appendQuery("https://a.example/cb", {{"code", "a b"}, {"state", "x&y=z"}}) ==
               "https://a.example/cb?code=a%20b&state=x%26y%3Dz");
    BOOST_TEST(appendQuery("https://a.example/cb?keep=1", {{"code", "c"}}) ==
               "https://a.example/cb?keep=1&code=c");
}

BOOST_AUTO_TEST_SUITE_END()
