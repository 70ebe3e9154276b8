// SPDX-License-Identifier: Apache-2.0
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/ThreadPool.h>
#include <boost/test/unit_test.hpp>

#include "http/poco_adapter.hpp"
#include "obs/json_logger.hpp"
#include "obs/metrics.hpp"
#include "obs/request_scope.hpp"

using namespace authd::http;

namespace {

// Collects log lines as JsonLogger formats them; the server writes its line after the
// response, so readers wait for the line they expect.
class CapturingLogger final : public authd::sdk::Logger {
  public:
    void log(authd::sdk::LogLevel level, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields) override {
        const std::string line = authd::obs::JsonLogger::formatLine(
            level, event, message, fields, authd::obs::RequestScope::current());
        const std::lock_guard<std::mutex> lock(mutex_);
        text_ += line + "\n";
        changed_.notify_all();
    }
    std::string waitFor(const std::string& needle) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(5),
                          [&] { return text_.find(needle) != std::string::npos; });
        return text_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string text_;
};

struct RawResponse {
    int status = 0;
    std::string head;
    std::string body;
    bool hasHeader(const std::string& line) const {
        return head.find("\r\n" + line + "\r\n") != std::string::npos;
    }
    std::string header(const std::string& name) const {
        const std::string key = "\r\n" + name + ": ";
        const auto at = head.find(key);
        if (at == std::string::npos) {
            return {};
        }
        const auto start = at + key.size();
        return head.substr(start, head.find("\r\n", start) - start);
    }
};

struct AdapterFixture {
    CapturingLogger logger;
    authd::obs::Metrics metrics{"test"};
    Router router{&metrics};
    Poco::ThreadPool pool{2, 4};
    std::unique_ptr<Poco::Net::HTTPServer> server;
    Poco::UInt16 port = 0;

    AdapterFixture() {
        router.add({"GET"}, "/hello", [](Request& request) {
            return Response::text(200, "hello " + request.query.get("name"));
        });
        router.add({"POST"}, "/echo", [](Request& request) {
            std::string out = request.has_form ? "form:" : "raw:";
            for (const auto& [k, v] : request.form.pairs()) {
                out += k + "=" + v + ";";
            }
            if (!request.has_form) {
                out += request.body;
            }
            return Response::text(200, out);
        });
        router.add({"GET"}, "/page", [](Request&) { return Response::html(200, "<p>hi</p>"); });
        router.add({"GET"}, "/throw",
                   [](Request&) -> Response { throw std::runtime_error("handler exploded"); });
        router.add({"GET"}, "/cookies", [](Request& request) {
            return Response::text(200, request.cookie("a") + "," + request.cookie("b"));
        });
        router.addPrefix({"GET"}, "/files/", [](Request& request) {
            return Response::text(200, request.path + "|" + request.path_rest);
        });
        router.freeze();
        Limits limits;
        limits.max_body_bytes = 1024;
        limits.max_header_bytes = 2048;
        limits.max_uri_bytes = 512;
        limits.form.max_fields = 5;
        auto* params = new Poco::Net::HTTPServerParams;
        params->setTimeout(Poco::Timespan(2, 0));
        params->setMaxThreads(4);
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = socket.address().port();
        server = std::make_unique<Poco::Net::HTTPServer>(
            new RequestHandlerFactory(router, metrics, logger, limits, false), pool, socket,
            params);
        server->start();
    }
    ~AdapterFixture() { server->stopAll(true); }

    RawResponse exchange(const std::string& bytes, bool shutdown_send = false) {
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
        socket.setReceiveTimeout(Poco::Timespan(5, 0));
        socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
        if (shutdown_send) {
            socket.shutdownSend();
        }
        std::string data;
        char buffer[4096];
        for (;;) {
            int n = 0;
            try {
                n = socket.receiveBytes(buffer, sizeof buffer);
            } catch (const Poco::Exception&) {
                break; // a reset after the response: the data already read is enough
            }
            if (n <= 0) {
                break;
            }
            data.append(buffer, static_cast<std::size_t>(n));
        }
        RawResponse response;
        const auto end = data.find("\r\n\r\n");
        BOOST_REQUIRE_MESSAGE(end != std::string::npos, "no HTTP response, got: " + data);
        response.head = data.substr(0, end + 2);
        response.body = data.substr(end + 4);
        response.status = std::stoi(data.substr(9, 3));
        return response;
    }

    RawResponse get(const std::string& target, const std::string& extra_headers = {}) {
        return exchange("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
                        extra_headers + "\r\n");
    }
    RawResponse post(const std::string& target, const std::string& body,
                     const std::string& content_type = "application/x-www-form-urlencoded") {
        return exchange("POST " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
                        "Content-Type: " + content_type +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    std::string logs(const std::string& needle) { return logger.waitFor(needle); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(adapter, AdapterFixture)

BOOST_AUTO_TEST_CASE(serves_a_route_with_query_and_security_headers) {
    const auto response = get("/hello?name=J%C3%B6rg+M");
    BOOST_TEST(response.status == 200);
    BOOST_TEST(response.body == "hello J\xc3\xb6rg M");
    BOOST_TEST(response.hasHeader("X-Content-Type-Options: nosniff"));
    BOOST_TEST(response.hasHeader("Referrer-Policy: no-referrer"));
    BOOST_TEST(!response.hasHeader("X-Frame-Options: DENY"));
    const auto page = get("/page");
    BOOST_TEST(page.hasHeader("X-Frame-Options: DENY"));
    BOOST_TEST(page.header("Content-Security-Policy").find("frame-ancestors 'none'") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(echoes_a_valid_request_id_and_replaces_a_bad_one) {
    const auto echoed = get("/hello", "X-Request-Id: my-id.42\r\n");
    BOOST_TEST(echoed.header("X-Request-Id") == "my-id.42");
    const auto replaced = get("/hello", "X-Request-Id: bad id with spaces\r\n");
    const std::string fresh = replaced.header("X-Request-Id");
    BOOST_TEST(fresh.size() == 24u);
    BOOST_TEST(logs("\"request_id\":\"my-id.42\"").find("\"request_id\":\"my-id.42\"") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_path_and_wrong_method) {
    BOOST_TEST(get("/nowhere").status == 404);
    const auto wrong = post("/hello", "a=1");
    BOOST_TEST(wrong.status == 405);
    BOOST_TEST(wrong.header("Allow") == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(parses_form_bodies_and_cookies) {
    const auto form = post("/echo", "a=1&b=two+words");
    BOOST_TEST(form.status == 200);
    BOOST_TEST(form.body == "form:a=1;b=two words;");
    const auto raw = post("/echo", "{\"x\":1}", "application/json");
    BOOST_TEST(raw.body == "raw:{\"x\":1}");
    const auto cookies = get("/cookies", "Cookie: a=1; b=\"2\"\r\n");
    BOOST_TEST(cookies.body == "1,2");
}

BOOST_AUTO_TEST_CASE(malformed_form_query_or_path_is_400) {
    const auto bad_form = post("/echo", "a=%zz");
    BOOST_TEST(bad_form.status == 400);
    BOOST_TEST(bad_form.body.find("malformed form body") != std::string::npos);
    BOOST_TEST(post("/echo", "a=1&b=2&c=3&d=4&e=5&f=6").status == 400);
    const auto bad_query = get("/hello?name=%4");
    BOOST_TEST(bad_query.status == 400);
    BOOST_TEST(bad_query.body.find("malformed query string") != std::string::npos);
    BOOST_TEST(get("/files/%zz").status == 400);
    BOOST_TEST(get("/files/%00").status == 400);
    const auto decoded = get("/files/a%20b");
    BOOST_TEST(decoded.body == "/files/a b|a b");
}

BOOST_AUTO_TEST_CASE(body_over_the_limit_is_413_without_reading_it) {
    const auto declared = exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                   "text/plain\r\nContent-Length: 5000\r\n\r\n");
    BOOST_TEST(declared.status == 413);
    BOOST_TEST(declared.header("Connection") == "Close"); // Poco spells it so
    std::string chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) {
        chunked += "200\r\n" + std::string(512, 'x') + "\r\n";
    }
    chunked += "0\r\n\r\n";
    BOOST_TEST(exchange(chunked).status == 413);
    std::string small = "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                        "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n0\r\n\r\n";
    BOOST_TEST(exchange(small).body == "raw:hello");
}

BOOST_AUTO_TEST_CASE(headers_over_the_limit_are_431_and_long_uri_414) {
    std::string headers;
    for (int i = 0; i < 10; ++i) {
        headers += "X-Filler-" + std::to_string(i) + ": " + std::string(300, 'v') + "\r\n";
    }
    BOOST_TEST(get("/hello", headers).status == 431);
    BOOST_TEST(get("/hello?x=" + std::string(600, 'a')).status == 414);
}

BOOST_AUTO_TEST_CASE(truncated_body_is_400_not_a_hang) {
    const auto response = exchange(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
        "only-a-bit",
        true);
    BOOST_TEST(response.status == 400);
    BOOST_TEST(response.body.find("ended after 10 of 100 bytes") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_content_length_is_400) {
    const auto response = exchange(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\nConnection: close\r\n\r\n");
    BOOST_TEST(response.status == 400);
}

BOOST_AUTO_TEST_CASE(handler_exception_is_a_logged_500_and_the_server_lives_on) {
    const auto response = get("/throw", "X-Request-Id: boom-1\r\n");
    BOOST_TEST(response.status == 500);
    BOOST_TEST(response.body.find("server_error") != std::string::npos);
    BOOST_TEST(response.body.find("handler exploded") == std::string::npos);
    const std::string text = logs("handler exploded");
    BOOST_TEST(text.find("\"event\":\"http.handler_exception\"") != std::string::npos);
    BOOST_TEST(text.find("handler exploded") != std::string::npos);
    BOOST_TEST(get("/hello").status == 200);
    BOOST_TEST(metrics.route("/throw").count("GET", 500) == 1u);
}

BOOST_AUTO_TEST_CASE(head_gets_headers_without_body) {
    const auto response = exchange("HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    BOOST_TEST(response.status == 200);
    BOOST_TEST(response.body.empty());
    BOOST_TEST(response.header("Content-Length") == "6");
}

BOOST_AUTO_TEST_CASE(logs_one_line_per_request_without_query_string) {
    (void)get("/hello?name=secret-value", "X-Request-Id: log-check\r\n");
    const std::string text = logs("\"request_id\":\"log-check\"");
    const auto at = text.find("\"request_id\":\"log-check\"");
    BOOST_REQUIRE(at != std::string::npos);
    const auto line_start = text.rfind('\n', at) + 1;
    const std::string line = text.substr(line_start, text.find('\n', at) - line_start);
    BOOST_TEST(line.find("\"event\":\"http.request\"") != std::string::npos);
    BOOST_TEST(line.find("\"route\":\"/hello\"") != std::string::npos);
    BOOST_TEST(line.find("\"status\":\"200\"") != std::string::npos);
    BOOST_TEST(line.find("\"duration_ms\":\"") != std::string::npos);
    BOOST_TEST(text.find("secret-value") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(rejections_are_counted_under_their_own_label) {
    (void)get("/hello?x=" + std::string(600, 'a'));
    BOOST_TEST(metrics.route("rejected").count("GET", 414) == 1u);
    (void)get("/hello");
    BOOST_TEST(metrics.route("/hello").count("GET", 200) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
