// SPDX-License-Identifier: Apache-2.0
// authd_net: the module the host opens on first use for the TLS listener and outgoing HTTP(S)
// (net/net_module.hpp). It links Poco Net and NetSSL; the host links neither.
#include "net/net_module.hpp"
#include "net/poco_handler.hpp"

#include <algorithm>
#include <istream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

namespace authd::net {
namespace {

// ---- The TLS listener ----

class PocoRequest final : public IncomingRequest {
  public:
    PocoRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out)
        : in_(in), out_(out) {}

    std::string method() const override { return in_.getMethod(); }
    std::string target() const override { return in_.getURI(); }
    std::string version() const override { return in_.getVersion(); }
    std::string client() const override {
        try {
            return in_.clientAddress().host().toString();
        } catch (const Poco::Exception&) {
            return {};
        }
    }
    Fields fields() const override {
        Fields fields;
        for (const auto& [name, value] : in_) {
            fields.emplace_back(name, value);
        }
        return fields;
    }
    bool chunked() const override { return in_.getChunkedTransferEncoding(); }

    BodyStatus readBody(std::size_t limit, std::string& body, std::string& error) override {
        std::istream& stream = in_.stream();
        // A socket timeout or reset propagates as Poco's exception (badbit is in the mask).
        stream.exceptions(std::ios::badbit);
        try {
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
        } catch (const Poco::TimeoutException&) {
            return BodyStatus::timed_out;
        } catch (const Poco::Exception& e) {
            error = e.message();
            return BodyStatus::failed;
        }
        return BodyStatus::complete;
    }

    void respond(int status, const std::string& reason, const Fields& fields,
                 const std::string& body, bool head_request, bool close) override {
        out_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status), reason);
        for (const auto& [name, value] : fields) {
            out_.add(name, value);
        }
        out_.setContentLength64(static_cast<Poco::Int64>(body.size()));
        if (close) {
            out_.setKeepAlive(false);
        }
        if (head_request) {
            out_.send();
        } else {
            out_.sendBuffer(body.data(), body.size());
        }
    }

  private:
    Poco::Net::HTTPServerRequest& in_;
    Poco::Net::HTTPServerResponse& out_;
};

class SinkHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit SinkHandler(RequestSink& sink) : sink_(sink) {}
    void handleRequest(Poco::Net::HTTPServerRequest& in,
                       Poco::Net::HTTPServerResponse& out) override {
        PocoRequest request(in, out);
        sink_.serve(request);
    }

  private:
    RequestSink& sink_;
};

class SinkHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit SinkHandlerFactory(RequestSink& sink) : sink_(sink) {}
    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new SinkHandler(sink_);
    }

  private:
    RequestSink& sink_;
};

class PocoTlsListener final : public TlsListener {
  public:
    PocoTlsListener(const TlsListenerOptions& options, RequestSink& sink) {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Ptr context = new Poco::Net::Context(
            Poco::Net::Context::TLS_SERVER_USE, options.key_file, options.certificate_file, "",
            Poco::Net::Context::VERIFY_NONE, 9, false, "HIGH:!aNULL:!MD5:!RC4:@STRENGTH");
        context->disableProtocols(
            Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        const Poco::Net::SocketAddress address(options.host, options.port);
        socket_ = std::make_unique<Poco::Net::SecureServerSocket>(address, options.backlog,
                                                                  context);
        auto* params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(options.threads);
        params->setMaxQueued(options.queue);
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(options.keep_alive_timeout_s, 0));
        params->setMaxKeepAliveRequests(options.max_keep_alive_requests);
        params->setTimeout(Poco::Timespan(options.receive_timeout_s, 0));
        pool_ = std::make_unique<Poco::ThreadPool>(std::min(4, options.threads), options.threads);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new SinkHandlerFactory(sink), *pool_,
                                                          *socket_, params);
        server_->start();
    }

    ~PocoTlsListener() override {
        if (server_) {
            server_->stopAll(true);
        }
    }

    std::string host() const override { return socket_->address().host().toString(); }
    std::uint16_t port() const override { return socket_->address().port(); }
    void stopAll(bool abort_current) override {
        try {
            server_->stopAll(abort_current);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error(e.displayText());
        }
    }

  private:
    std::unique_ptr<Poco::Net::SecureServerSocket> socket_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// ---- The outgoing client ----

// One client context for the process: chain verification against the system CA store
// (VERIFY_RELAXED verifies the server for client contexts) and host-name checks; a failure
// rejects the connection instead of asking anyone.
Poco::Net::Context::Ptr clientContext() {
    static std::once_flag once;
    static Poco::Net::Context::Ptr context;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                         Poco::Net::Context::VERIFY_RELAXED, 9, true,
                                         "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
        Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject(
            new Poco::Net::RejectCertificateHandler(false));
        Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, context);
    });
    return context;
}

sdk::Result<sdk::HttpResponse> sendRequest(const sdk::HttpRequest& request,
                                           std::size_t max_response_bytes) {
    Poco::URI uri;
    try {
        uri = Poco::URI(request.url);
    } catch (const Poco::Exception& e) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "malformed URL: " + e.message());
    }
    const std::string scheme = uri.getScheme();
    if ((scheme != "http" && scheme != "https") || uri.getHost().empty()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "only absolute http:// and https:// URLs are allowed");
    }
    const Poco::Timespan timeout(request.timeout > 0 ? request.timeout : 10, 0);
    try {
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (scheme == "https") {
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                                      clientContext());
        } else {
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        }
        session->setTimeout(timeout, timeout, timeout);
        session->setKeepAlive(false);
        std::string target = uri.getPathEtc();
        if (target.empty()) {
            target = "/";
        }
        Poco::Net::HTTPRequest out(request.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
        out.setHost(uri.getHost(), uri.getPort());
        for (const auto& [name, value] : request.headers) {
            out.add(name, value);
        }
        if (!request.content_type.empty()) {
            out.setContentType(request.content_type);
        }
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            out.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
        }
        std::ostream& body_out = session->sendRequest(out);
        body_out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));

        Poco::Net::HTTPResponse in;
        std::istream& body_in = session->receiveResponse(in);
        body_in.exceptions(std::ios::badbit);
        sdk::HttpResponse response;
        response.status = static_cast<int>(in.getStatus());
        for (const auto& [name, value] : in) {
            response.headers.emplace_back(name, value);
        }
        char buffer[16384];
        while (body_in) {
            body_in.read(buffer, sizeof buffer);
            const std::streamsize got = body_in.gcount();
            if (got <= 0) {
                break;
            }
            if (response.body.size() + static_cast<std::size_t>(got) > max_response_bytes) {
                return sdk::makeError(sdk::ErrorCode::unavailable,
                                      "response from " + uri.getHost() + " is larger than " +
                                          std::to_string(max_response_bytes) + " bytes");
            }
            response.body.append(buffer, static_cast<std::size_t>(got));
        }
        return response;
    } catch (const Poco::TimeoutException&) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "request to " + uri.getHost() + " timed out");
    } catch (const Poco::Exception& e) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "request to " + uri.getHost() + " failed: " + e.displayText());
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "request to " + uri.getHost() + " failed: " + e.what());
    }
}

class PocoModule final : public Module {
  public:
    std::unique_ptr<TlsListener> listenTls(const TlsListenerOptions& options,
                                           RequestSink& sink) override {
        // The host links no Poco, so it cannot catch Poco::Exception by type: the reason
        // crosses as a std::runtime_error with the same text.
        try {
            return std::make_unique<PocoTlsListener>(options, sink);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error(e.displayText());
        }
    }
    sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request,
                                        std::size_t max_response_bytes) override {
        return sendRequest(request, max_response_bytes);
    }
};

} // namespace

Poco::Net::HTTPRequestHandlerFactory* newRequestHandlerFactory(RequestSink& sink) {
    return new SinkHandlerFactory(sink);
}

} // namespace authd::net

extern "C" __attribute__((visibility("default"))) authd::net::Module* authd_net_module() {
    static authd::net::PocoModule module;
    return &module;
}
