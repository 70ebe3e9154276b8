// SPDX-License-Identifier: Apache-2.0
#include "http/pipeline.hpp"

#include <cstdio>
#include <exception>
#include <utility>

#include "http/cookies.hpp"
#include "http/form.hpp"
#include "http/request_id.hpp"
#include "http/security_headers.hpp"
#include "obs/metrics.hpp"
#include "obs/request_scope.hpp"

namespace authd::http {
namespace {

std::string formatMillis(std::chrono::nanoseconds elapsed) {
    char buffer[32];
    const int written = std::snprintf(buffer, sizeof buffer, "%.3f",
                                      std::chrono::duration<double, std::milli>(elapsed).count());
    return written > 0 ? std::string(buffer, static_cast<std::size_t>(written)) : "0";
}

} // namespace

Rejection reject(int status, std::string_view code, std::string_view description, bool close) {
    return Rejection{Response::error(status, code, description), close};
}

Rejection bodyTooLarge(std::size_t max_body_bytes) {
    return reject(413, "request_too_large",
                  "the request body is larger than " + std::to_string(max_body_bytes) + " bytes",
                  true);
}

ContentLength checkContentLength(std::string_view text, std::size_t max_body_bytes) {
    ContentLength result;
    // At most 19 digits, so the value fits in 64 bits before it is compared.
    if (text.empty() || text.size() > 19 ||
        text.find_first_not_of("0123456789") != std::string_view::npos) {
        result.rejection = reject(400, "invalid_request", "Content-Length is not a number", true);
        return result;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > max_body_bytes) {
        result.rejection = bodyTooLarge(max_body_bytes);
        return result;
    }
    result.length = value;
    result.ok = true;
    return result;
}

Pipeline::Pipeline(const Router& router, obs::Metrics& metrics, sdk::Logger& logger,
                   Limits limits, bool secure)
    : router_(router), metrics_(metrics), logger_(logger), limits_(limits), secure_(secure),
      rejected_(metrics.route("rejected")) {}

Exchange::Exchange(Pipeline& pipeline, std::string method, std::string_view request_id_header,
                   std::string client_address)
    : pipeline_(pipeline), started_(std::chrono::steady_clock::now()) {
    pipeline_.metrics_.inFlight().fetch_add(1, std::memory_order_relaxed);
    request_.request_id = acceptOrGenerateRequestId(request_id_header);
    request_.method = std::move(method);
    request_.secure = pipeline_.secure_;
    request_.client_address = std::move(client_address);
    close_ = pipeline_.stopping();
}

Exchange::~Exchange() { pipeline_.metrics_.inFlight().fetch_sub(1, std::memory_order_relaxed); }

void Exchange::refuse(Rejection rejection) {
    response_ = std::move(rejection.response);
    close_ = close_ || rejection.close;
    refused_ = true;
}

bool Exchange::acceptHead(const std::string& uri, std::string_view version, Headers fields) {
    const Limits& limits = pipeline_.limits_;
    if (uri.size() > limits.max_uri_bytes) {
        refuse(reject(414, "uri_too_long",
                      "the request URI is longer than " + std::to_string(limits.max_uri_bytes) +
                          " bytes",
                      true));
        return false;
    }
    std::size_t header_bytes = request_.method.size() + uri.size() + version.size() + 4;
    for (const auto& [name, value] : fields.fields()) {
        header_bytes += name.size() + value.size() + 4;
    }
    request_.headers = std::move(fields);
    if (header_bytes > limits.max_header_bytes) {
        refuse(reject(431, "headers_too_large",
                      "the request headers are larger than " +
                          std::to_string(limits.max_header_bytes) + " bytes",
                      true));
        return false;
    }
    if (uri.empty() || uri.front() != '/') {
        refuse(reject(400, "invalid_request", "the request target must be an absolute path"));
        return false;
    }
    const std::size_t question = uri.find('?');
    auto path = percentDecode(std::string_view(uri).substr(0, question), false);
    if (!path) {
        refuse(reject(400, "invalid_request", "malformed path: " + path.error().message));
        return false;
    }
    if (!isValidUtf8(*path) || path->find('\0') != std::string::npos) {
        refuse(reject(400, "invalid_request", "the path is not valid UTF-8 text"));
        return false;
    }
    request_.path = std::move(*path);
    if (question != std::string::npos) {
        request_.raw_query = uri.substr(question + 1);
        auto query = parseForm(request_.raw_query, limits.form);
        if (!query) {
            refuse(reject(400, "invalid_request",
                          "malformed query string: " + query.error().message));
            return false;
        }
        request_.query = std::move(*query);
    }
    std::string cookie_header;
    for (const auto& [name, value] : request_.headers.fields()) {
        if (equalsIgnoreCase(name, "Cookie")) {
            cookie_header += (cookie_header.empty() ? "" : "; ") + value;
        }
    }
    request_.cookies = parseCookies(cookie_header);
    return true;
}

bool Exchange::acceptBody(std::string body) {
    request_.body = std::move(body);
    if (request_.mediaType() == "application/x-www-form-urlencoded") {
        auto form = parseForm(request_.body, pipeline_.limits_.form);
        if (!form) {
            refuse(reject(400, "invalid_request", "malformed form body: " + form.error().message));
            return false;
        }
        request_.form = std::move(*form);
        request_.has_form = true;
    }
    return true;
}

Response& Exchange::respond() {
    const obs::RequestScope scope(request_.request_id);
    sdk::Logger& logger = pipeline_.logger_;
    if (!refused_) {
        try {
            response_ = pipeline_.router_.dispatch(request_);
        } catch (const std::exception& e) {
            logger.log(sdk::LogLevel::error, "http.handler_exception",
                       "a handler threw; answered 500",
                       {{"route", request_.route}, {"path", request_.path}, {"what", e.what()}});
            response_ = Response::error(500, "server_error",
                                        "internal error (request id " + request_.request_id + ")");
        } catch (...) {
            logger.log(sdk::LogLevel::error, "http.handler_exception",
                       "a handler threw a non-standard exception; answered 500",
                       {{"route", request_.route}, {"path", request_.path}});
            response_ = Response::error(500, "server_error",
                                        "internal error (request id " + request_.request_id + ")");
        }
    }
    if (response_.status < 100 || response_.status > 599) {
        logger.log(sdk::LogLevel::error, "http.bad_status", "a handler returned an invalid status",
                   {{"route", request_.route}, {"status", std::to_string(response_.status)}});
        response_ = Response::error(500, "server_error", "internal error");
    }
    response_.headers.set(std::string(kRequestIdHeader), request_.request_id);
    addSecurityHeaders(response_);
    // Decided last, so that a drain that began while the handler ran still closes.
    close_ = close_ || pipeline_.stopping();
    return response_;
}

void Exchange::finish() {
    const obs::RequestScope scope(request_.request_id);
    obs::RouteMetrics* route_metrics = &pipeline_.rejected_;
    std::string route_label = "rejected";
    if (!request_.route.empty()) { // set by the router, even when the handler then threw
        route_label = request_.route;
        if (request_.route_metrics != nullptr) {
            route_metrics = request_.route_metrics;
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    route_metrics->record(request_.method, response_.status, elapsed);
    pipeline_.logger_.log(
        sdk::LogLevel::info, "http.request", "request served",
        {{"method", request_.method},
         {"path", request_.path.size() > 256 ? request_.path.substr(0, 256) : request_.path},
         {"route", route_label},
         {"status", std::to_string(response_.status)},
         {"duration_ms", formatMillis(elapsed)},
         {"client", request_.client_address}});
}

} // namespace authd::http
