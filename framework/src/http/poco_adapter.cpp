// SPDX-License-Identifier: Apache-2.0
#include "http/poco_adapter.hpp"

#include <chrono>
#include <cstdio>
#include <istream>
#include <optional>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/NumberParser.h>

#include "http/cookies.hpp"
#include "http/form.hpp"
#include "http/request_id.hpp"
#include "http/security_headers.hpp"
#include "obs/metrics.hpp"
#include "obs/request_scope.hpp"

namespace authd::http {
namespace {

class AdapterHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit AdapterHandler(RequestHandlerFactory& factory) : factory_(factory) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        factory_.serve(request, response);
    }

  private:
    RequestHandlerFactory& factory_;
};

// The in-flight gauge goes down however serve() ends.
class InFlight {
  public:
    explicit InFlight(std::atomic<std::int64_t>& gauge) : gauge_(gauge) {
        gauge_.fetch_add(1, std::memory_order_relaxed);
    }
    ~InFlight() { gauge_.fetch_sub(1, std::memory_order_relaxed); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

  private:
    std::atomic<std::int64_t>& gauge_;
};

// A request refused before routing; `close` when the connection cannot be reused (an unread
// or partly read body is still on the wire).
struct Rejection {
    Response response;
    bool close = false;
};

Rejection reject(int status, std::string_view code, std::string_view description,
                 bool close = false) {
    return Rejection{Response::error(status, code, description), close};
}

std::string formatMillis(std::chrono::nanoseconds elapsed) {
    char buffer[32];
    const int written = std::snprintf(buffer, sizeof buffer, "%.3f",
                                      std::chrono::duration<double, std::milli>(elapsed).count());
    return written > 0 ? std::string(buffer, static_cast<std::size_t>(written)) : "0";
}

// Reads at most `limit` bytes; stops early at the end of the stream. A socket timeout or reset
// propagates as Poco's exception (the stream rethrows because badbit is in its mask).
std::string readUpTo(std::istream& stream, std::size_t limit) {
    std::string body;
    char buffer[16384];
    while (body.size() < limit) {
        const std::size_t want = std::min(sizeof buffer, limit - body.size());
        stream.read(buffer, static_cast<std::streamsize>(want));
        const std::streamsize got = stream.gcount();
        if (got <= 0) {
            break;
        }
        body.append(buffer, static_cast<std::size_t>(got));
    }
    return body;
}

std::optional<Rejection> readBody(Poco::Net::HTTPServerRequest& in, Request& request,
                                  const Limits& limits) {
    const bool chunked = in.getChunkedTransferEncoding();
    std::optional<std::size_t> length;
    if (in.has("Content-Length")) {
        Poco::UInt64 parsed = 0;
        const std::string& text = in.get("Content-Length");
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
            !Poco::NumberParser::tryParseUnsigned64(text, parsed)) {
            return reject(400, "invalid_request", "Content-Length is not a number", true);
        }
        if (parsed > limits.max_body_bytes) {
            return reject(413, "request_too_large",
                          "the request body is larger than " +
                              std::to_string(limits.max_body_bytes) + " bytes",
                          true);
        }
        length = static_cast<std::size_t>(parsed);
    }
    // Without Content-Length or chunked encoding a request has no body (RFC 9112 6.3); Poco
    // would read to the end of the connection, so never touch the stream then.
    if (!chunked && !length) {
        return std::nullopt;
    }
    std::istream& stream = in.stream();
    stream.exceptions(std::ios::badbit);
    try {
        if (chunked) {
            request.body = readUpTo(stream, limits.max_body_bytes + 1);
            if (request.body.size() > limits.max_body_bytes) {
                request.body.clear();
                return reject(413, "request_too_large",
                              "the request body is larger than " +
                                  std::to_string(limits.max_body_bytes) + " bytes",
                              true);
            }
        } else {
            request.body = readUpTo(stream, *length);
            if (request.body.size() < *length) {
                return reject(400, "invalid_request",
                              "the request body ended after " +
                                  std::to_string(request.body.size()) + " of " +
                                  std::to_string(*length) + " bytes",
                              true);
            }
        }
    } catch (const Poco::TimeoutException&) {
        return reject(408, "request_timeout", "the request body did not arrive in time", true);
    } catch (const Poco::Exception& e) {
        return reject(400, "invalid_request", "the request body could not be read: " + e.message(),
                      true);
    }
    return std::nullopt;
}

// Everything the adapter checks and decodes before the router sees the request.
std::optional<Rejection> prepare(Poco::Net::HTTPServerRequest& in, Request& request,
                                 const Limits& limits) {
    const std::string& uri = in.getURI();
    if (uri.size() > limits.max_uri_bytes) {
        return reject(414, "uri_too_long",
                      "the request URI is longer than " + std::to_string(limits.max_uri_bytes) +
                          " bytes",
                      true);
    }
    std::size_t header_bytes = in.getMethod().size() + uri.size() + in.getVersion().size() + 4;
    for (const auto& [name, value] : in) {
        header_bytes += name.size() + value.size() + 4;
        request.headers.add(name, value);
    }
    if (header_bytes > limits.max_header_bytes) {
        return reject(431, "headers_too_large",
                      "the request headers are larger than " +
                          std::to_string(limits.max_header_bytes) + " bytes",
                      true);
    }
    if (uri.empty() || uri.front() != '/') {
        return reject(400, "invalid_request", "the request target must be an absolute path");
    }
    const std::size_t question = uri.find('?');
    const std::string raw_path = uri.substr(0, question);
    auto path = percentDecode(raw_path, false);
    if (!path) {
        return reject(400, "invalid_request", "malformed path: " + path.error().message);
    }
    if (!isValidUtf8(*path) || path->find('\0') != std::string::npos) {
        return reject(400, "invalid_request", "the path is not valid UTF-8 text");
    }
    request.path = std::move(*path);
    if (question != std::string::npos) {
        request.raw_query = uri.substr(question + 1);
        auto query = parseForm(request.raw_query, limits.form);
        if (!query) {
            return reject(400, "invalid_request",
                          "malformed query string: " + query.error().message);
        }
        request.query = std::move(*query);
    }
    std::string cookie_header;
    for (const auto& [name, value] : request.headers.fields()) {
        if (equalsIgnoreCase(name, "Cookie")) {
            cookie_header += (cookie_header.empty() ? "" : "; ") + value;
        }
    }
    request.cookies = parseCookies(cookie_header);

    if (auto rejected = readBody(in, request, limits)) {
        return rejected;
    }
    if (request.mediaType() == "application/x-www-form-urlencoded") {
        auto form = parseForm(request.body, limits.form);
        if (!form) {
            return reject(400, "invalid_request", "malformed form body: " + form.error().message);
        }
        request.form = std::move(*form);
        request.has_form = true;
    }
    return std::nullopt;
}

void writeResponse(Poco::Net::HTTPServerResponse& out, const Response& response, bool head_request,
                   bool close) {
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                           reasonPhrase(response.status));
    for (const auto& [name, value] : response.headers.fields()) {
        // Framing is the adapter's business, never a handler's.
        if (equalsIgnoreCase(name, "Content-Length") ||
            equalsIgnoreCase(name, "Transfer-Encoding") || equalsIgnoreCase(name, "Connection")) {
            continue;
        }
        out.add(name, value);
    }
    out.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
    if (close) {
        out.setKeepAlive(false);
    }
    if (head_request) {
        out.send();
    } else {
        out.sendBuffer(response.body.data(), response.body.size());
    }
}

} // namespace

RequestHandlerFactory::RequestHandlerFactory(const Router& router, obs::Metrics& metrics,
                                             sdk::Logger& logger, Limits limits, bool secure)
    : router_(router), metrics_(metrics), logger_(logger), limits_(limits), secure_(secure),
      rejected_(metrics.route("rejected")) {}

Poco::Net::HTTPRequestHandler*
RequestHandlerFactory::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
    return new AdapterHandler(*this);
}

void RequestHandlerFactory::serve(Poco::Net::HTTPServerRequest& in,
                                  Poco::Net::HTTPServerResponse& out) {
    const auto started = std::chrono::steady_clock::now();
    const InFlight in_flight(metrics_.inFlight());
    Request request;
    request.request_id = acceptOrGenerateRequestId(in.get(std::string(kRequestIdHeader), ""));
    const obs::RequestScope scope(request.request_id);
    request.method = in.getMethod();
    request.secure = secure_;
    try {
        request.client_address = in.clientAddress().host().toString();
    } catch (const Poco::Exception&) {
        request.client_address.clear();
    }

    Response response;
    bool close = stopping_.load(std::memory_order_relaxed);
    obs::RouteMetrics* route_metrics = &rejected_;
    std::string route_label = "rejected";
    try {
        if (auto rejected = prepare(in, request, limits_)) {
            response = std::move(rejected->response);
            close = close || rejected->close;
        } else {
            response = router_.dispatch(request);
        }
    } catch (const std::exception& e) {
        logger_.log(sdk::LogLevel::error, "http.handler_exception", "a handler threw; answered 500",
                    {{"route", request.route}, {"path", request.path}, {"what", e.what()}});
        response = Response::error(500, "server_error",
                                   "internal error (request id " + request.request_id + ")");
    } catch (...) {
        logger_.log(sdk::LogLevel::error, "http.handler_exception",
                    "a handler threw a non-standard exception; answered 500",
                    {{"route", request.route}, {"path", request.path}});
        response = Response::error(500, "server_error",
                                   "internal error (request id " + request.request_id + ")");
    }
    if (!request.route.empty()) { // set by the router, even when the handler then threw
        route_label = request.route;
        if (request.route_metrics != nullptr) {
            route_metrics = request.route_metrics;
        }
    }
    if (response.status < 100 || response.status > 599) {
        logger_.log(sdk::LogLevel::error, "http.bad_status", "a handler returned an invalid status",
                    {{"route", request.route}, {"status", std::to_string(response.status)}});
        response = Response::error(500, "server_error", "internal error");
    }
    response.headers.set(std::string(kRequestIdHeader), request.request_id);
    addSecurityHeaders(response);

    try {
        writeResponse(out, response, request.method == "HEAD", close);
    } catch (const std::exception& e) {
        logger_.log(sdk::LogLevel::debug, "http.write_failed", "the client went away",
                    {{"what", e.what()}});
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    route_metrics->record(request.method, response.status, elapsed);
    logger_.log(sdk::LogLevel::info, "http.request", "request served",
                {{"method", request.method},
                 {"path", request.path.size() > 256 ? request.path.substr(0, 256) : request.path},
                 {"route", route_label},
                 {"status", std::to_string(response.status)},
                 {"duration_ms", formatMillis(elapsed)},
                 {"client", request.client_address}});
}

} // namespace authd::http
