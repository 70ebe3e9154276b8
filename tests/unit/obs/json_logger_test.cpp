// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE obs_test
#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "json/json.hpp"

#include "obs/json_logger.hpp"
#include "obs/json_text.hpp"
#include "obs/request_scope.hpp"

using authd::obs::JsonLogger;
using authd::obs::RequestScope;
using authd::sdk::LogLevel;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(line);
    }
    return out;
}

// A log line read back with the host's strict parser (RFC 8259, valid UTF-8 only), which shares
// no code with the logger's escaping. Members are read as strings, the only kind the logger writes.
struct Parsed {
    authd::json::Object object;

    template <typename T>
    std::string getValue(const std::string& key) const {
        static_assert(std::is_same_v<T, std::string>);
        return object.string(key).value_or("<absent or not a string>");
    }
    bool has(const std::string& key) const { return object.has(key); }
    const Parsed* operator->() const { return this; }
};

Parsed parse(const std::string& line) {
    auto object = authd::json::parseObject(line, "the log line");
    BOOST_TEST_REQUIRE(object.has_value(), (object ? "" : object.error().message) << ": " << line);
    return Parsed{std::move(*object)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_logger)

BOOST_AUTO_TEST_CASE(writes_one_json_object_per_line_with_envelope_first) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.log(LogLevel::info, "server.listening", "listening", {{"port", "8080"}});
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 1u);
    const std::string& line = written[0];
    BOOST_TEST(line.rfind("{\"ts\":\"", 0) == 0u);
    const auto object = parse(line);
    BOOST_TEST(object->getValue<std::string>("level") == "info");
    BOOST_TEST(object->getValue<std::string>("event") == "server.listening");
    BOOST_TEST(object->getValue<std::string>("msg") == "listening");
    BOOST_TEST(object->getValue<std::string>("port") == "8080");
    BOOST_TEST(!object->has("request_id"));
    const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
    BOOST_TEST(std::regex_match(object->getValue<std::string>("ts"), rfc3339));
}

BOOST_AUTO_TEST_CASE(drops_lines_below_the_level) {
    std::ostringstream out;
    JsonLogger logger(out, LogLevel::warning);
    logger.log(LogLevel::debug, "a.debug", "x");
    logger.log(LogLevel::info, "a.info", "x");
    logger.log(LogLevel::warning, "a.warning", "x");
    logger.log(LogLevel::error, "a.error", "x");
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 2u);
    BOOST_TEST(parse(written[0])->getValue<std::string>("event") == "a.warning");
    BOOST_TEST(parse(written[1])->getValue<std::string>("level") == "error");
    logger.setLevel(LogLevel::debug);
    logger.log(LogLevel::debug, "a.debug", "x");
    BOOST_TEST(lines(out.str()).size() == 3u);
}

BOOST_AUTO_TEST_CASE(adds_the_request_id_inside_a_request_scope) {
    std::ostringstream out;
    JsonLogger logger(out);
    {
        RequestScope outer("req-1");
        logger.log(LogLevel::info, "e.one", "m");
        {
            RequestScope inner("req-2");
            logger.log(LogLevel::info, "e.two", "m");
        }
        logger.log(LogLevel::info, "e.three", "m");
    }
    logger.log(LogLevel::info, "e.four", "m");
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 4u);
    BOOST_TEST(parse(written[0])->getValue<std::string>("request_id") == "req-1");
    BOOST_TEST(parse(written[1])->getValue<std::string>("request_id") == "req-2");
    BOOST_TEST(parse(written[2])->getValue<std::string>("request_id") == "req-1");
    BOOST_TEST(!parse(written[3])->has("request_id"));
}

BOOST_AUTO_TEST_CASE(redacts_fields_whose_name_looks_secret) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.log(LogLevel::info, "e", "m",
               {{"password", "hunter2"},
                {"client_secret", "s3"},
                {"refresh_token", "t"},
                {"code", "c"},
                {"api_key", "k"},
                {"Authorization", "Bearer x"},
                {"set-cookie", "sid=1"},
                {"dsn", "password=x"},
                {"token_type", "Bearer"},
                {"key_id", "k1"},
                {"code_challenge_method", "S256"},
                {"user_id", "u1"},
                {"status", "200"}});
    const std::string text = out.str();
    for (const char* secret : {"hunter2", "\"s3\"", "Bearer x", "sid=1", "password=x"}) {
        BOOST_TEST(text.find(secret) == std::string::npos, secret);
    }
    const auto object = parse(lines(text)[0]);
    for (const char* key : {"password", "client_secret", "refresh_token", "code", "api_key",
                            "Authorization", "set-cookie", "dsn"}) {
        BOOST_TEST(object->getValue<std::string>(key) == "[redacted]", key);
    }
    BOOST_TEST(object->getValue<std::string>("token_type") == "Bearer");
    BOOST_TEST(object->getValue<std::string>("key_id") == "k1");
    BOOST_TEST(object->getValue<std::string>("code_challenge_method") == "S256");
    BOOST_TEST(object->getValue<std::string>("user_id") == "u1");
    BOOST_TEST(object->getValue<std::string>("status") == "200");
}

BOOST_AUTO_TEST_CASE(field_cannot_shadow_the_envelope) {
    const std::string line =
        JsonLogger::formatLine(LogLevel::info, "real.event", "m", {{"event", "fake"}}, "");
    const auto object = parse(line);
    BOOST_TEST(object->getValue<std::string>("event") == "real.event");
    BOOST_TEST(object->getValue<std::string>("field_event") == "fake");
}

BOOST_AUTO_TEST_CASE(escapes_control_characters_and_invalid_utf8) {
    const std::string hostile = std::string("a\"b\\c\nd\x01") + "\xff\xfe" + "\xc3\xa9" +
                                "\xed\xa0\x80"; // quote, backslash, newline, C0, bad, é, surrogate
    const std::string line =
        JsonLogger::formatLine(LogLevel::error, "e", hostile, {{"path", hostile}}, "r");
    BOOST_TEST(line.find('\n') == std::string::npos);
    const auto object = parse(line);
    const std::string msg = object->getValue<std::string>("msg");
    BOOST_TEST(msg.find("a\"b\\c\nd\x01") == 0u);
    BOOST_TEST(msg.find("\xc3\xa9") != std::string::npos);
    BOOST_TEST(msg.find("\xef\xbf\xbd") != std::string::npos); // U+FFFD replaced the bad bytes
    BOOST_TEST(authd::obs::jsonQuote("x") == "\"x\"");
}

BOOST_AUTO_TEST_CASE(concurrent_lines_never_interleave) {
    std::ostringstream out;
    JsonLogger logger(out);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&logger, t] {
            RequestScope scope("thread-" + std::to_string(t));
            for (int i = 0; i < 250; ++i) {
                logger.log(LogLevel::info, "e", std::string(100, static_cast<char>('a' + t)),
                           {{"i", std::to_string(i)}});
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 1000u);
    for (const std::string& line : written) {
        const auto object = parse(line);
        const std::string id = object->getValue<std::string>("request_id");
        const char expected = static_cast<char>('a' + (id.back() - '0'));
        BOOST_TEST(object->getValue<std::string>("msg") == std::string(100, expected));
    }
}

BOOST_AUTO_TEST_CASE(buffered_info_lines_wait_for_flush) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.startBackgroundFlush(std::chrono::hours(1));  // the flusher never wakes by itself here
    logger.log(LogLevel::info, "first", "one");
    logger.log(LogLevel::debug, "dropped", "below the level");
    logger.log(LogLevel::info, "second", "two");
    BOOST_TEST(out.str().empty());
    logger.flush();
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 2u);
    BOOST_TEST(parse(written[0])->getValue<std::string>("event") == "first");
    BOOST_TEST(parse(written[1])->getValue<std::string>("event") == "second");
}

BOOST_AUTO_TEST_CASE(buffered_warning_writes_everything_waiting_in_order) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.startBackgroundFlush(std::chrono::hours(1));
    logger.log(LogLevel::info, "a", "queued");
    logger.log(LogLevel::info, "b", "queued");
    logger.log(LogLevel::warning, "c", "written at once");
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 3u);
    BOOST_TEST(parse(written[0])->getValue<std::string>("event") == "a");
    BOOST_TEST(parse(written[1])->getValue<std::string>("event") == "b");
    BOOST_TEST(parse(written[2])->getValue<std::string>("event") == "c");
}

BOOST_AUTO_TEST_CASE(buffered_lines_are_written_by_the_destructor) {
    std::ostringstream out;
    {
        JsonLogger logger(out);
        logger.startBackgroundFlush(std::chrono::hours(1));
        logger.log(LogLevel::info, "last", "before shutdown");
        BOOST_TEST(out.str().empty());
    }
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 1u);
    BOOST_TEST(parse(written[0])->getValue<std::string>("event") == "last");
}

BOOST_AUTO_TEST_CASE(buffered_lines_reach_the_stream_within_the_interval) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.startBackgroundFlush(std::chrono::milliseconds(1));
    logger.log(LogLevel::info, "soon", "written by the background thread");
    // Waits for the background write without timing anything: flush() returns once no write
    // is in progress, so the stream can be read safely afterwards.
    for (int i = 0; i < 5000; ++i) {
        logger.flush();
        if (!out.str().empty()) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    BOOST_REQUIRE_EQUAL(lines(out.str()).size(), 1u);
}

BOOST_AUTO_TEST_CASE(buffered_concurrent_lines_keep_each_threads_order) {
    std::ostringstream out;
    JsonLogger logger(out);
    logger.startBackgroundFlush(std::chrono::milliseconds(1));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&logger, t] {
            RequestScope scope("thread-" + std::to_string(t));
            for (int i = 0; i < 250; ++i) {
                logger.log(LogLevel::info, "e", std::string(100, static_cast<char>('a' + t)),
                           {{"i", std::to_string(i)}});
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    logger.flush();
    const auto written = lines(out.str());
    BOOST_REQUIRE_EQUAL(written.size(), 1000u);
    std::vector<int> next(4, 0);
    for (const std::string& line : written) {
        const auto object = parse(line);
        const std::string id = object->getValue<std::string>("request_id");
        const int t = id.back() - '0';
        BOOST_TEST(object->getValue<std::string>("msg") == std::string(100, static_cast<char>('a' + t)));
        BOOST_TEST(object->getValue<std::string>("i") == std::to_string(next[static_cast<std::size_t>(t)]));
        ++next[static_cast<std::size_t>(t)];
    }
}

BOOST_AUTO_TEST_CASE(parses_level_names) {
    BOOST_TEST((authd::obs::parseLogLevel("debug").value() == LogLevel::debug));
    BOOST_TEST((authd::obs::parseLogLevel("warn").value() == LogLevel::warning));
    BOOST_TEST((authd::obs::parseLogLevel("error").value() == LogLevel::error));
    BOOST_TEST(!authd::obs::parseLogLevel("verbose").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
