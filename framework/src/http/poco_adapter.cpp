// SPDX-License-Identifier: Apache-2.0
#include "http/poco_adapter.hpp"

#include <istream>
#include <optional>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "http/request_id.hpp"

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

// Reads the body as framed by Content-Length or chunked encoding, or says why not.
std::optional<Rejection> readBody(Poco::Net::HTTPServerRequest& in, std::string& body,
                                  const Limits& limits) {
    const bool chunked = in.getChunkedTransferEncoding();
    std::optional<std::size_t> length;
    if (in.has("Content-Length")) {
        ContentLength parsed = checkContentLength(in.get("Content-Length"), limits.max_body_bytes);
        if (!parsed.ok) {
            return std::move(parsed.rejection);
        }
        length = static_cast<std::size_t>(parsed.length);
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
            body = readUpTo(stream, limits.max_body_bytes + 1);
            if (body.size() > limits.max_body_bytes) {
                body.clear();
                return bodyTooLarge(limits.max_body_bytes);
            }
        } else {
            body = readUpTo(stream, *length);
            if (body.size() < *length) {
                return reject(400, "invalid_request",
                              "the request body ended after " + std::to_string(body.size()) +
                                  " of " + std::to_string(*length) + " bytes",
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

void writeResponse(Poco::Net::HTTPServerResponse& out, const Response& response, bool head_request,
                   bool close) {
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status),
                           reasonPhrase(response.status));
    for (const auto& [name, value] : response.headers.fields()) {
        // Framing is the transport's business, never a handler's.
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

Poco::Net::HTTPRequestHandler*
RequestHandlerFactory::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
    return new AdapterHandler(*this);
}

void RequestHandlerFactory::serve(Poco::Net::HTTPServerRequest& in,
                                  Poco::Net::HTTPServerResponse& out) {
    std::string client;
    try {
        client = in.clientAddress().host().toString();
    } catch (const Poco::Exception&) {
        client.clear();
    }
    Exchange exchange(pipeline_, in.getMethod(), in.get(std::string(kRequestIdHeader), ""),
                      std::move(client));
    Headers fields;
    for (const auto& [name, value] : in) {
        fields.add(name, value);
    }
    if (exchange.acceptHead(in.getURI(), in.getVersion(), std::move(fields))) {
        std::string body;
        if (auto refused = readBody(in, body, pipeline_.limits())) {
            exchange.refuse(std::move(*refused));
        } else {
            exchange.acceptBody(std::move(body));
        }
    }
    const Response& response = exchange.respond();
    try {
        writeResponse(out, response, exchange.isHead(), exchange.closeAfter());
    } catch (const std::exception& e) {
        pipeline_.logger().log(sdk::LogLevel::debug, "http.write_failed", "the client went away",
                               {{"what", e.what()}});
    }
    exchange.finish();
}

} // namespace authd::http
