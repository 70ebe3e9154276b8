// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "http/pipeline.hpp"
#include "net/net_module.hpp"

namespace authd::http {

/// Connects the TLS listener of the net module (Poco's HTTPServer, used for `server.tls`) to
/// the shared Pipeline. For each request, on a pool thread: open an Exchange, check the head,
/// read the body within max_body_bytes (the socket's receive timeout bounds a slow or
/// truncated body), dispatch, write the response and finish the exchange (metrics, log line).
/// The pipeline must outlive the sink, and the sink the listener. Threading: thread-safe.
class TlsSink final : public net::RequestSink {
  public:
    explicit TlsSink(Pipeline& pipeline) : pipeline_(pipeline) {}

    void serve(net::IncomingRequest& request) override;

  private:
    Pipeline& pipeline_;
};

} // namespace authd::http
