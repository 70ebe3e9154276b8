// SPDX-License-Identifier: Apache-2.0
#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "http/router.hpp"
#include "obs/metrics.hpp"

using namespace authd::http;

namespace {

Request makeRequest(std::string method, std::string path) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    return request;
}

Handler answer(std::string text) {
    return [text](Request& request) { return Response::text(200, text + "|" + request.path_rest); };
}

} // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(exact_routes_win_over_prefixes_and_longest_prefix_wins) {
    Router router;
    router.add({"GET"}, "/login", answer("login"));
    router.addPrefix({"GET", "POST"}, "/login/", answer("login-prefix"));
    router.addPrefix({"GET"}, "/login/special/", answer("special"));
    auto exact = makeRequest("GET", "/login");
    BOOST_TEST(router.dispatch(exact).body == "login|");
    auto prefixed = makeRequest("POST", "/login/password/verify");
    BOOST_TEST(router.dispatch(prefixed).body == "login-prefix|password/verify");
    BOOST_TEST(prefixed.route == "/login/*");
    auto longest = makeRequest("GET", "/login/special/x");
    BOOST_TEST(router.dispatch(longest).body == "special|x");
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_json) {
    Router router;
    router.add({"GET"}, "/healthz", answer("ok"));
    auto request = makeRequest("GET", "/nope");
    const Response response = router.dispatch(request);
    BOOST_TEST(response.status == 404);
    BOOST_TEST(response.body.find("\"not_found\"") != std::string::npos);
    BOOST_TEST(request.route == "unmatched");
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_allow) {
    Router router;
    router.add({"GET"}, "/oauth/userinfo", answer("get"));
    router.add({"POST"}, "/oauth/userinfo", answer("post"));
    router.add({"POST"}, "/oauth/token", answer("token"));
    auto del = makeRequest("DELETE", "/oauth/userinfo");
    const Response response = router.dispatch(del);
    BOOST_TEST(response.status == 405);
    BOOST_TEST(response.headers.get("Allow") == "GET, HEAD, POST");
    auto get_token = makeRequest("GET", "/oauth/token");
    const Response token = router.dispatch(get_token);
    BOOST_TEST(token.status == 405);
    BOOST_TEST(token.headers.get("Allow") == "POST");
    auto post = makeRequest("POST", "/oauth/userinfo");
    BOOST_TEST(router.dispatch(post).body == "post|");
}

BOOST_AUTO_TEST_CASE(head_is_served_by_get) {
    Router router;
    router.add({"GET"}, "/healthz", answer("ok"));
    auto head = makeRequest("HEAD", "/healthz");
    BOOST_TEST(router.dispatch(head).status == 200);
}

BOOST_AUTO_TEST_CASE(routes_get_metric_labels) {
    authd::obs::Metrics metrics;
    Router router(&metrics);
    router.add({"GET"}, "/healthz", answer("ok"));
    router.addPrefix({"GET"}, "/login/", answer("x"), "/login/{authenticator}");
    auto healthz = makeRequest("GET", "/healthz");
    (void)router.dispatch(healthz);
    BOOST_TEST(healthz.route_metrics == &metrics.route("/healthz"));
    auto login = makeRequest("GET", "/login/pin");
    (void)router.dispatch(login);
    BOOST_TEST(login.route == "/login/{authenticator}");
    BOOST_TEST(login.route_metrics == &metrics.route("/login/{authenticator}"));
    auto missing = makeRequest("GET", "/x");
    (void)router.dispatch(missing);
    BOOST_TEST(missing.route_metrics == &metrics.route("unmatched"));
}

BOOST_AUTO_TEST_CASE(refuses_bad_registrations) {
    Router router;
    router.add({"GET"}, "/a", answer("a"));
    BOOST_CHECK_THROW(router.add({"GET"}, "/a", answer("again")), std::logic_error);
    BOOST_CHECK_THROW(router.add({"GET"}, "relative", answer("x")), std::logic_error);
    BOOST_CHECK_THROW(router.addPrefix({"GET"}, "/no-slash", answer("x")), std::logic_error);
    BOOST_CHECK_THROW(router.add({}, "/b", answer("x")), std::logic_error);
    router.add({"POST"}, "/a", answer("post")); // another method on the same path is fine
    router.freeze();
    BOOST_CHECK_THROW(router.add({"GET"}, "/late", answer("x")), std::logic_error);
    BOOST_TEST(router.allowedMethods("/a") == "GET, HEAD, POST");
    BOOST_TEST(router.allowedMethods("/zzz").empty());
}

BOOST_AUTO_TEST_SUITE_END()
