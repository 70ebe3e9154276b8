// SPDX-License-Identifier: Apache-2.0
#include "app/http_client.hpp"

#include <memory>
#include <mutex>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

namespace authd::app {
namespace {

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

bool validMethod(const std::string& method) {
    static const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    for (const char* known : kMethods) {
        if (method == known) {
            return true;
        }
    }
    return false;
}

} // namespace

PocoHttpClient::PocoHttpClient(std::size_t max_response_bytes)
    : max_response_bytes_(max_response_bytes) {}

sdk::Result<sdk::HttpResponse> PocoHttpClient::send(const sdk::HttpRequest& request) {
    if (!validMethod(request.method)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "unsupported HTTP method: " + request.method);
    }
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
            if (response.body.size() + static_cast<std::size_t>(got) > max_response_bytes_) {
                return sdk::makeError(sdk::ErrorCode::unavailable,
                                      "response from " + uri.getHost() + " is larger than " +
                                          std::to_string(max_response_bytes_) + " bytes");
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

} // namespace authd::app
