// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/pipeline.hpp"

namespace authd::http {

/// Connects Poco's HTTPServer (used for `server.tls`) to the shared Pipeline. For each request,
/// on a pool thread: open an Exchange, check the head, read the body within max_body_bytes
/// (Poco's socket timeout bounds a slow or truncated body), dispatch, write the response and
/// finish the exchange (metrics, log line). Ownership: Poco owns the factory
/// (Poco::SharedPtr); the pipeline must outlive the server. Threading: thread-safe.
class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit RequestHandlerFactory(Pipeline& pipeline) : pipeline_(pipeline) {}

    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

    /// Runs one request through the pipeline; exposed for the handler.
    void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    Pipeline& pipeline_;
};

} // namespace authd::http
