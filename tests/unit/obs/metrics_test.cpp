// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "obs/metrics.hpp"

using authd::obs::Metrics;
using authd::obs::RouteMetrics;
using namespace std::chrono_literals;

namespace {

bool hasLine(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(counts_requests_by_route_method_and_code) {
    Metrics metrics("1.2.3");
    auto& healthz = metrics.route("/healthz");
    healthz.record("GET", 200, 100us);
    healthz.record("GET", 200, 2ms);
    healthz.record("POST", 405, 50us);
    healthz.record("GET", 418, 1ms);  // no own label: counted under its class
    healthz.record("BREW", 200, 1ms); // unknown method
    const std::string text = metrics.render();
    BOOST_TEST(
        hasLine(text, R"(authd_http_requests_total{route="/healthz",method="GET",code="200"} 2)"));
    BOOST_TEST(
        hasLine(text, R"(authd_http_requests_total{route="/healthz",method="POST",code="405"} 1)"));
    BOOST_TEST(
        hasLine(text, R"(authd_http_requests_total{route="/healthz",method="GET",code="4xx"} 1)"));
    BOOST_TEST(hasLine(
        text, R"(authd_http_requests_total{route="/healthz",method="OTHER",code="200"} 1)"));
    BOOST_TEST(healthz.count("GET", 200) == 2u);
    BOOST_TEST(hasLine(text, R"(authd_build_info{version="1.2.3"} 1)"));
    BOOST_TEST(text.find("# TYPE authd_http_requests_total counter\n") != std::string::npos);
    BOOST_TEST(text.find("authd_process_start_time_seconds ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_with_sum_and_count) {
    Metrics metrics;
    auto& route = metrics.route("/x");
    route.record("GET", 200, 300us); // <= 0.0005
    route.record("GET", 200, 3ms);   // <= 0.005
    route.record("GET", 200, 20s);   // only +Inf
    const std::string text = metrics.render();
    const std::string prefix =
        R"(authd_http_request_duration_seconds_bucket{route="/x",method="GET",le=)";
    BOOST_TEST(hasLine(text, prefix + R"("0.0005"} 1)"));
    BOOST_TEST(hasLine(text, prefix + R"("0.001"} 1)"));
    BOOST_TEST(hasLine(text, prefix + R"("0.005"} 2)"));
    BOOST_TEST(hasLine(text, prefix + R"("10"} 2)"));
    BOOST_TEST(hasLine(text, prefix + R"("+Inf"} 3)"));
    BOOST_TEST(
        hasLine(text, R"(authd_http_request_duration_seconds_count{route="/x",method="GET"} 3)"));
    BOOST_TEST(hasLine(
        text, R"(authd_http_request_duration_seconds_sum{route="/x",method="GET"} 20.0033)"));
}

BOOST_AUTO_TEST_CASE(route_registration_returns_the_same_object) {
    Metrics metrics;
    auto& a = metrics.route("/a");
    auto& again = metrics.route("/a");
    BOOST_TEST(&a == &again);
    for (int i = 0; i < 100; ++i) {
        metrics.route("/r" + std::to_string(i)); // a deque never moves earlier routes
    }
    a.record("GET", 200, 1ms);
    BOOST_TEST(metrics.route("/a").count("GET", 200) == 1u);
}

BOOST_AUTO_TEST_CASE(escapes_label_values) {
    Metrics metrics;
    metrics.route("/a\"b\\c\nd").record("GET", 200, 1ms);
    const std::string text = metrics.render();
    BOOST_TEST(text.find(R"(route="/a\"b\\c\nd")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(counters_and_gauges_render_as_families) {
    Metrics metrics;
    metrics.counter("authd_tokens_issued_total", "Tokens issued.", R"(grant="code")").inc(2);
    metrics.counter("authd_tokens_issued_total", "Tokens issued.", R"(grant="refresh")").inc();
    metrics.gauge("authd_test_gauge", "A gauge.", [] { return 4.5; });
    metrics.inFlight().fetch_add(1);
    const std::string text = metrics.render();
    BOOST_TEST(hasLine(text, R"(authd_tokens_issued_total{grant="code"} 2)"));
    BOOST_TEST(hasLine(text, R"(authd_tokens_issued_total{grant="refresh"} 1)"));
    BOOST_TEST(hasLine(text, "authd_test_gauge 4.5"));
    BOOST_TEST(hasLine(text, "authd_http_requests_in_flight 1"));
    const auto first = text.find("# TYPE authd_tokens_issued_total counter");
    BOOST_TEST(first != std::string::npos);
    BOOST_TEST(text.find("# TYPE authd_tokens_issued_total counter", first + 1) ==
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(concurrent_recording_loses_nothing) {
    Metrics metrics;
    auto& route = metrics.route("/hot");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&route] {
            for (int i = 0; i < 10000; ++i) {
                route.record("GET", 200, 1us);
            }
        });
    }
    std::thread renderer([&metrics] {
        for (int i = 0; i < 50; ++i) {
            (void)metrics.render();
        }
    });
    for (auto& thread : threads) {
        thread.join();
    }
    renderer.join();
    BOOST_TEST(route.count("GET", 200) == 40000u);
}

BOOST_AUTO_TEST_CASE(first_requests_racing_on_a_new_method_are_all_counted) {
    // A method's counters are made by its first request on the route; threads that make
    // them at once must all end up counting into the same ones.
    Metrics metrics;
    std::vector<RouteMetrics*> routes;
    for (int r = 0; r < 50; ++r) {
        routes.push_back(&metrics.route("/fresh" + std::to_string(r)));
    }
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&routes, &go] {
            while (!go.load()) {
            }
            for (RouteMetrics* route : routes) {
                for (const char* method : {"POST", "DELETE", "PATCH"}) {
                    route->record(method, 201, 1us);
                }
            }
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    for (RouteMetrics* route : routes) {
        BOOST_TEST(route->count("POST", 201) == 4u);
        BOOST_TEST(route->count("DELETE", 201) == 4u);
        BOOST_TEST(route->count("PATCH", 201) == 4u);
        BOOST_TEST(route->count("GET", 201) == 0u); // never requested: nothing made, zero
    }
    const std::string text = metrics.render();
    BOOST_TEST(hasLine(
        text, R"(authd_http_requests_total{route="/fresh7",method="DELETE",code="201"} 4)"));
    BOOST_TEST(text.find(R"(method="GET")") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
