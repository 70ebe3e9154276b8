// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <utility>

#include <boost/test/unit_test.hpp>

#include "config/duration.hpp"

using namespace authd::config;

BOOST_AUTO_TEST_SUITE(duration)

BOOST_AUTO_TEST_CASE(parses_numbers_and_units) {
    const std::pair<std::string, std::int64_t> table[] = {
        {"0", 0},          {"90", 90},        {"90s", 90},     {"15m", 900},
        {"12h", 43200},    {"7d", 604800},    {"2w", 1209600}, {"60s", 60},
        {"1h", 3600},      {"30d", 2592000},  {"0s", 0},       {"007", 7},
        {"9223372036854775807", INT64_MAX},   {"15250284452471w", 15250284452471LL * 604800},
    };
    for (const auto& [text, seconds] : table) {
        const auto parsed = parseDuration(text);
        BOOST_TEST_CONTEXT(text) {
            BOOST_REQUIRE(parsed.has_value());
            BOOST_TEST(*parsed == seconds);
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_malformed_durations_with_a_reason) {
    const std::pair<std::string, std::string> table[] = {
        {"", "empty"},
        {"-5s", "negative"},
        {"-1", "negative"},
        {"+5s", "whole number"},
        {"1.5h", "fractions"},
        {"1,5h", "fractions"},
        {"5y", "unknown unit"},
        {"5 m", "unknown unit"},
        {" 5m", "whole number"},
        {"5m ", "one number and one unit"},
        {"1h30m", "one number and one unit"},
        {"5ms", "one number and one unit"},
        {"m", "whole number"},
        {"5M", "unknown unit"},
        {"9223372036854775808", "too large"},
        {"15250284452472w", "too large"},
        {"99999999999999999999d", "too large"},
    };
    for (const auto& [text, reason] : table) {
        const auto parsed = parseDuration(text);
        BOOST_TEST_CONTEXT(text) {
            BOOST_REQUIRE(!parsed.has_value());
            BOOST_TEST(parsed.error().message.find(reason) != std::string::npos,
                       parsed.error().message);
        }
    }
}

BOOST_AUTO_TEST_CASE(formats_with_the_largest_exact_unit) {
    BOOST_TEST(formatDuration(0) == "0s");
    BOOST_TEST(formatDuration(59) == "59s");
    BOOST_TEST(formatDuration(60) == "1m");
    BOOST_TEST(formatDuration(90) == "90s");
    BOOST_TEST(formatDuration(900) == "15m");
    BOOST_TEST(formatDuration(3600) == "1h");
    BOOST_TEST(formatDuration(5400) == "90m");
    BOOST_TEST(formatDuration(86400) == "1d");
    BOOST_TEST(formatDuration(604800) == "7d");
    for (const std::int64_t seconds : {0LL, 1LL, 61LL, 3660LL, 90000LL, 2592000LL, 123456789LL}) {
        BOOST_TEST(parseDuration(formatDuration(seconds)).value() == seconds);
    }
}

BOOST_AUTO_TEST_SUITE_END()
