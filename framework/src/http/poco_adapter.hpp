// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

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

/// Connects Poco's HTTPServer to the Router. For each request, on a pool thread: take or make
/// the request id (and open an obs::RequestScope), enforce the URI and header limits, read the
/// body within max_body_bytes (Poco's socket timeout bounds a slow or truncated body), parse
/// path, query, cookies and a form body strictly, dispatch, and turn any exception into a 500.
/// Then add the request id and security headers, write the response, record metrics and log one
/// `http.request` line (method, path, route, status, duration_ms; never a query string or a
/// body). Nothing a client sends can crash the process or stall it beyond the socket timeout.
/// Ownership: Poco owns the factory (Poco::SharedPtr); router, metrics and logger must outlive
/// the server. Threading: thread-safe.
class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    RequestHandlerFactory(const Router& router, obs::Metrics& metrics, sdk::Logger& logger,
                          Limits limits, bool secure);

    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

    /// From now on responses carry `Connection: close`, so that clients move on while the
    /// server drains.
    void beginShutdown() noexcept { stopping_.store(true, std::memory_order_relaxed); }

    /// Builds the http::Request from Poco's and runs the router; exposed for the handler.
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    const Router& router_;
    obs::Metrics& metrics_;
    sdk::Logger& logger_;
    Limits limits_;
    bool secure_;
    obs::RouteMetrics& rejected_;
    std::atomic<bool> stopping_{false};
};

} // namespace authd::http
