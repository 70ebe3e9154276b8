// SPDX-License-Identifier: Apache-2.0
#include "http/tls_sink.hpp"

#include <optional>
#include <string>

#include "http/request_id.hpp"

namespace authd::http {
namespace {

// Reads the body as framed by Content-Length or chunked encoding, or says why not.
std::optional<Rejection> readBody(net::IncomingRequest& in,
                                  const std::optional<std::string>& content_length,
                                  std::string& body, const Limits& limits) {
    const bool chunked = in.chunked();
    std::optional<std::size_t> length;
    if (content_length) {
        ContentLength parsed = checkContentLength(*content_length, limits.max_body_bytes);
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
    std::string error;
    const std::size_t limit = chunked ? limits.max_body_bytes + 1 : *length;
    switch (in.readBody(limit, body, error)) {
    case net::BodyStatus::timed_out:
        return reject(408, "request_timeout", "the request body did not arrive in time", true);
    case net::BodyStatus::failed:
        return reject(400, "invalid_request", "the request body could not be read: " + error,
                      true);
    case net::BodyStatus::complete:
        break;
    }
    if (chunked && body.size() > limits.max_body_bytes) {
        body.clear();
        return bodyTooLarge(limits.max_body_bytes);
    }
    if (!chunked && body.size() < *length) {
        return reject(400, "invalid_request",
                      "the request body ended after " + std::to_string(body.size()) + " of " +
                          std::to_string(*length) + " bytes",
                      true);
    }
    return std::nullopt;
}

} // namespace

void TlsSink::serve(net::IncomingRequest& in) {
    Headers fields;
    for (auto& [name, value] : in.fields()) {
        fields.add(name, value);
    }
    const std::string* request_id = fields.find(kRequestIdHeader);
    Exchange exchange(pipeline_, in.method(), request_id != nullptr ? *request_id : "",
                      in.client());
    std::optional<std::string> content_length;
    if (const std::string* declared = fields.find("Content-Length")) {
        content_length = *declared;
    }
    if (exchange.acceptHead(in.target(), in.version(), std::move(fields))) {
        std::string body;
        if (auto refused = readBody(in, content_length, body, pipeline_.limits())) {
            exchange.refuse(std::move(*refused));
        } else {
            exchange.acceptBody(std::move(body));
        }
    }
    const Response& response = exchange.respond();
    net::Fields out;
    for (const auto& [name, value] : response.headers.fields()) {
        // Framing is the transport's business, never a handler's.
        if (equalsIgnoreCase(name, "Content-Length") ||
            equalsIgnoreCase(name, "Transfer-Encoding") || equalsIgnoreCase(name, "Connection")) {
            continue;
        }
        out.emplace_back(name, value);
    }
    try {
        in.respond(response.status, reasonPhrase(response.status), out, response.body,
                   exchange.isHead(), exchange.closeAfter());
    } catch (const std::exception& e) {
        pipeline_.logger().log(sdk::LogLevel::debug, "http.write_failed", "the client went away",
                               {{"what", e.what()}});
    }
    exchange.finish();
}

} // namespace authd::http
