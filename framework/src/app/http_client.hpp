// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "authd/sdk/host.hpp"

namespace authd::app {

/// sdk::HttpClient over Poco's HTTP(S)ClientSession, in the net module opened on the first
/// request (app/net_library.hpp): one connection per request, the request's
/// timeout on connect, send and receive, redirects not followed, bodies larger than
/// `max_response_bytes` refused. HTTPS verifies the peer's certificate chain against the
/// system's CA store and its host name; an invalid certificate is an error, never a prompt.
/// Threading: thread-safe. Errors: invalid_argument for a bad URL or method, unavailable for
/// network, TLS and timeout failures and when the net module cannot be loaded; never throws.
class NetHttpClient final : public sdk::HttpClient {
  public:
    explicit NetHttpClient(std::size_t max_response_bytes = 4 * 1024 * 1024);
    sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override;

  private:
    std::size_t max_response_bytes_;
};

} // namespace authd::app
