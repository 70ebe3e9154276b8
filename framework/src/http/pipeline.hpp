// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "authd/sdk/host.hpp"
#include "http/limits.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace authd::obs {
class Metrics;
class RouteMetrics;
} // namespace authd::obs

namespace authd::http {

/// A request refused before routing; `close` when the connection cannot be reused (an unread
/// or partly read body is still on the wire, or the framing cannot be trusted).
struct Rejection {
    Response response;
    bool close = false;
};

/// The JSON error `{"error": code, "error_description": description}` as a Rejection.
Rejection reject(int status, std::string_view code, std::string_view description,
                 bool close = false);

/// The request path every HTTP transport shares (the event-driven server for plain HTTP, the
/// Poco adapter for TLS): limits, request id, strict decoding, routing, exception barrier,
/// security headers, metrics and the one `http.request` log line. A transport reads the bytes
/// and frames the request; everything from there on is here, so both behave the same.
/// Ownership: router, metrics and logger must outlive it. Threading: thread-safe.
class Pipeline {
  public:
    Pipeline(const Router& router, obs::Metrics& metrics, sdk::Logger& logger, Limits limits,
             bool secure);

    const Limits& limits() const noexcept { return limits_; }
    sdk::Logger& logger() noexcept { return logger_; }

    /// From now on responses carry `Connection: close`, so that clients move on while the
    /// server drains.
    void beginShutdown() noexcept { stopping_.store(true, std::memory_order_relaxed); }
    bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }

  private:
    friend class Exchange;
    const Router& router_;
    obs::Metrics& metrics_;
    sdk::Logger& logger_;
    Limits limits_;
    bool secure_;
    obs::RouteMetrics& rejected_;
    std::atomic<bool> stopping_{false};
};

/// One request's trip through the Pipeline. Made once the request line is known; counts in
/// `authd_http_requests_in_flight` for its whole life, including while its body is still
/// arriving. The stages run in order: acceptHead(), then (unless it refused) the transport reads
/// the body and calls acceptBody() or refuse(), then respond(), the transport writes the
/// response, and finish() records it. Each stage that may log opens the request's
/// obs::RequestScope itself, so an Exchange may move between threads between stages.
/// Threading: one thread at a time.
class Exchange {
  public:
    /// `request_id_header`: the client's X-Request-Id ("" when absent).
    Exchange(Pipeline& pipeline, std::string method, std::string_view request_id_header,
             std::string client_address);
    ~Exchange();
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    Request& request() noexcept { return request_; }
    /// URI and header limits (414, 431), the target, the percent-decoded path, the query and
    /// the cookies. `version` is "HTTP/1.1" or "HTTP/1.0". Returns false when refused.
    bool acceptHead(const std::string& uri, std::string_view version, Headers fields);
    /// Takes the complete body and parses a form body. Returns false when refused.
    bool acceptBody(std::string body);
    /// Refuses the request (a framing error, a body over the limit, a timeout...).
    void refuse(Rejection rejection);
    bool refused() const noexcept { return refused_; }

    /// Dispatches (unless refused) inside an exception barrier and returns the response to
    /// write, with the request id and the security headers added.
    Response& respond();
    /// Whether the connection must close after this response: a refusal that said so, or the
    /// server is draining.
    bool closeAfter() const noexcept { return close_; }
    bool isHead() const noexcept { return request_.method == "HEAD"; }
    /// After the response was written (or the write failed): metrics and the log line.
    void finish();

  private:
    Pipeline& pipeline_;
    std::chrono::steady_clock::time_point started_;
    Request request_;
    Response response_;
    bool refused_ = false;
    bool close_ = false;
};

/// Checks a Content-Length value: digits only and within `max_body_bytes`. Returns the
/// length, or the 400 / 413 rejection (both close the connection).
struct ContentLength {
    std::uint64_t length = 0;
    bool ok = false;
    Rejection rejection;
};
ContentLength checkContentLength(std::string_view text, std::size_t max_body_bytes);

/// The 413 for a body over `max_body_bytes` (closes the connection).
Rejection bodyTooLarge(std::size_t max_body_bytes);

} // namespace authd::http
