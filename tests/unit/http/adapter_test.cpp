// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <unistd.h>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/ThreadPool.h>
#include <boost/test/unit_test.hpp>

#include "http/event_server.hpp"
#include "http/pipeline.hpp"
#include "http/tls_sink.hpp"
#include "net/poco_handler.hpp"
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

} // namespace

// Not in the anonymous namespace: the test cases in the .inc files derive from these.
namespace transport_fixtures {

// Routes, limits and a pipeline served by one of the two transports on 127.0.0.1:0.
struct TransportFixture {
    CapturingLogger logger;
    authd::obs::Metrics metrics{"test"};
    Router router{&metrics};
    std::unique_ptr<Pipeline> pipeline;
    std::unique_ptr<TlsSink> sink;
    Poco::ThreadPool pool{2, 4};
    std::unique_ptr<Poco::Net::HTTPServer> server;
    std::unique_ptr<EventServer> events;
    Poco::UInt16 port = 0;
    std::atomic<bool> release{false};
    std::mutex signal_mutex;
    std::condition_variable signal_changed;
    bool signalled = false;

    explicit TransportFixture(bool event_server) {
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
        router.add({"GET"}, "/slow", [](Request&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            return Response::text(200, "slow");
        });
        // Waits until the test releases it (at most 5 s): holds a worker for as long as needed.
        router.add({"GET"}, "/hold", [this](Request&) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!release.load() && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            return Response::text(200, "held");
        });
        // Busy on the CPU until the test releases it (at most 5 s), like an Argon2id hash.
        router.add({"GET"}, "/spin", [this](Request&) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            std::uint64_t turns = 0;
            while (!release.load() && std::chrono::steady_clock::now() < until) {
                ++turns;
            }
            return Response::text(200, turns > 0 ? "spun" : "spun at once");
        });
        // Calls this same server and answers with what it got, as authd does when it is its
        // own upstream (federation, back-channel logout against its own issuer).
        router.add({"GET"}, "/relay", [this](Request&) {
            Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
            socket.setReceiveTimeout(Poco::Timespan(5, 0));
            const std::string request = "GET /hello?name=inner HTTP/1.1\r\nHost: t\r\n"
                                        "Connection: close\r\n\r\n";
            socket.sendBytes(request.data(), static_cast<int>(request.size()));
            std::string data;
            char buffer[1024];
            int n = 0;
            try {
                while ((n = socket.receiveBytes(buffer, sizeof buffer)) > 0) {
                    data.append(buffer, static_cast<std::size_t>(n));
                }
            } catch (const Poco::Exception&) {
                return Response::text(504, "no answer from the inner request");
            }
            const auto body = data.find("\r\n\r\n");
            return Response::text(200, body == std::string::npos ? "" : data.substr(body + 4));
        });
        // Waits on a condition variable for /signal, another request (at most 10 s).
        router.add({"GET"}, "/await", [this](Request&) {
            std::unique_lock<std::mutex> lock(signal_mutex);
            const bool got = signal_changed.wait_for(lock, std::chrono::seconds(10),
                                                     [this] { return signalled; });
            return Response::text(200, got ? "signalled" : "no signal");
        });
        router.add({"GET"}, "/signal", [this](Request&) {
            {
                const std::lock_guard<std::mutex> lock(signal_mutex);
                signalled = true;
            }
            signal_changed.notify_all();
            return Response::text(200, "sent");
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
        pipeline = std::make_unique<Pipeline>(router, metrics, logger, limits, false);
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = socket.address().port();
        if (event_server) {
            EventServerOptions options;
            options.threads = 8;
            options.base_workers = 2; // what a 2-core machine gets; grown up to `threads`
            // Longer than any lock or preemption a cheap request meets on a loaded machine,
            // far shorter than the handlers that hold a worker here.
            options.stall_after = std::chrono::milliseconds(100);
            options.retire_after = std::chrono::milliseconds(200);
            options.max_connections = 16;
            options.keep_alive_timeout = std::chrono::milliseconds(1000);
            options.receive_timeout = std::chrono::milliseconds(1000);
            events = std::make_unique<EventServer>(*pipeline, ::dup(socket.impl()->sockfd()),
                                                   options);
            BOOST_REQUIRE(events->start().has_value());
            return;
        }
        auto* params = new Poco::Net::HTTPServerParams;
        params->setTimeout(Poco::Timespan(2, 0));
        params->setMaxThreads(4);
        sink = std::make_unique<TlsSink>(*pipeline);
        server = std::make_unique<Poco::Net::HTTPServer>(authd::net::newRequestHandlerFactory(*sink),
                                                         pool, socket, params);
        server->start();
    }
    ~TransportFixture() {
        if (server) {
            server->stopAll(true);
        }
    }
    TransportFixture(const TransportFixture&) = delete;
    TransportFixture& operator=(const TransportFixture&) = delete;

    std::string exchangeRaw(const std::string& bytes, bool shutdown_send = false) {
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
        return data;
    }

    RawResponse exchange(const std::string& bytes, bool shutdown_send = false) {
        const std::string data = exchangeRaw(bytes, shutdown_send);
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

struct PocoFixture : TransportFixture {
    PocoFixture() : TransportFixture(false) {}
};
struct EventFixture : TransportFixture {
    EventFixture() : TransportFixture(true) {}
};

} // namespace transport_fixtures

BOOST_FIXTURE_TEST_SUITE(poco_adapter, transport_fixtures::PocoFixture)
#include "transport_cases.inc"
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(event_server, transport_fixtures::EventFixture)
#include "transport_cases.inc"
#include "event_server_cases.inc"
BOOST_AUTO_TEST_SUITE_END()
