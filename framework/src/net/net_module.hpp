// SPDX-License-Identifier: Apache-2.0
#pragma once
// The interface between the host and authd_net, the module that holds everything that needs
// Poco Net or NetSSL: the TLS listener (Poco's HTTPServer on a SecureServerSocket) and the
// outgoing HTTP(S) client. The host opens the module on first use (app/net_library.cpp), so a
// start with a plain-HTTP listener maps neither libPocoNet nor libPocoNetSSL
// (docs/decisions/0006-static-and-lazy-libraries.md).
//
// Only abstract classes and standard or SDK types cross the boundary: the module calls nothing
// of the host by name, the host calls nothing of the module by name except the entry point.
// Both sides are built from this tree with the same compiler, so the C++ ABI is the same.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "authd/sdk/host.hpp"

namespace authd::net {

using Fields = std::vector<std::pair<std::string, std::string>>;

enum class BodyStatus { complete, timed_out, failed };

/// One request on the TLS listener: implemented by the module over Poco's request and
/// response. Lives for the duration of RequestSink::serve, on a pool thread.
class IncomingRequest {
  public:
    virtual std::string method() const = 0;
    virtual std::string target() const = 0;
    virtual std::string version() const = 0;
    /// The peer's address, or "" when it is unknown.
    virtual std::string client() const = 0;
    virtual Fields fields() const = 0;
    virtual bool chunked() const = 0;
    /// Reads at most `limit` bytes of the body into `body`, stopping early at its end. Says
    /// why it failed in `error` (timed_out: the socket's receive timeout).
    virtual BodyStatus readBody(std::size_t limit, std::string& body, std::string& error) = 0;
    /// Writes the response (the module frames it: Content-Length). Throws std::exception when
    /// the client went away.
    virtual void respond(int status, const std::string& reason, const Fields& fields,
                         const std::string& body, bool head_request, bool close) = 0;

  protected:
    ~IncomingRequest() = default;
};

/// The host's side of the TLS listener: runs one request through the pipeline.
class RequestSink {
  public:
    virtual void serve(IncomingRequest& request) = 0;

  protected:
    ~RequestSink() = default;
};

struct TlsListenerOptions {
    std::string host;  ///< without IPv6 brackets
    std::uint16_t port = 0;
    std::string certificate_file;
    std::string key_file;
    int backlog = 128;
    int threads = 16;
    int queue = 64;
    int keep_alive_timeout_s = 5;
    int max_keep_alive_requests = 100;
    int receive_timeout_s = 30;
};

/// A running TLS listener. Destroying it stops it at once (connections are cut).
class TlsListener {
  public:
    virtual ~TlsListener() = default;
    virtual std::string host() const = 0;
    virtual std::uint16_t port() const = 0;
    /// Stops accepting; with abort_current false, returns once every connection has finished
    /// its current request. Throws std::runtime_error only, like listenTls.
    virtual void stopAll(bool abort_current) = 0;
};

/// What the module offers. The object lives as long as the process (the module is never
/// closed).
class Module {
  public:
    /// Binds, listens and starts serving; the sink must outlive the listener. Throws
    /// std::runtime_error with the reason it cannot listen: no Poco exception crosses into
    /// the host, which links no Poco.
    virtual std::unique_ptr<TlsListener> listenTls(const TlsListenerOptions& options,
                                                   RequestSink& sink) = 0;
    /// One outgoing request, http:// or https:// (system CA store, host-name checks). Never
    /// throws: every failure is an error.
    virtual sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request,
                                                std::size_t max_response_bytes) = 0;

  protected:
    ~Module() = default;
};

/// The name of the module's one exported function (below).
inline constexpr const char* kEntryPoint = "authd_net_module";
using EntryPoint = Module* (*)();

} // namespace authd::net

/// The module's entry point: the process's one Module. Defined by the module only.
extern "C" authd::net::Module* authd_net_module();
