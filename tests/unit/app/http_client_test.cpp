// SPDX-License-Identifier: Apache-2.0
#include <chrono>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <boost/test/unit_test.hpp>

#include "app/http_client.hpp"

using authd::app::NetHttpClient;
using authd::sdk::ErrorCode;

namespace {

class Upstream final : public Poco::Net::HTTPRequestHandler {
  public:
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        std::string body;
        Poco::StreamCopier::copyToString(request.stream(), body);
        const std::string& uri = request.getURI();
        if (uri == "/slow") {
            std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        }
        if (uri == "/big") {
            response.setContentType("application/octet-stream");
            response.send() << std::string(64 * 1024, 'b');
            return;
        }
        response.setStatus(uri == "/missing" ? Poco::Net::HTTPResponse::HTTP_NOT_FOUND
                                             : Poco::Net::HTTPResponse::HTTP_OK);
        response.set("X-Echo-Method", request.getMethod());
        response.set("X-Echo-Auth", request.get("Authorization", ""));
        response.setContentType("text/plain");
        response.send() << request.getMethod() << " " << uri << " " << request.getContentType()
                        << " " << body;
    }
};

class UpstreamFactory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Poco::Net::HTTPRequestHandler*
    createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Upstream;
    }
};

struct UpstreamFixture {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
    Poco::Net::HTTPServer server{new UpstreamFactory, socket, new Poco::Net::HTTPServerParams};
    std::string base;
    UpstreamFixture() : base("http://127.0.0.1:" + std::to_string(socket.address().port())) {
        server.start();
    }
    ~UpstreamFixture() { server.stopAll(true); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_client, UpstreamFixture)

BOOST_AUTO_TEST_CASE(sends_method_headers_and_body) {
    NetHttpClient client;
    authd::sdk::HttpRequest request;
    request.method = "POST";
    request.url = base + "/token?x=1";
    request.headers = {{"Authorization", "Basic abc"}};
    request.content_type = "application/x-www-form-urlencoded";
    request.body = "grant_type=authorization_code";
    auto response = client.send(request);
    BOOST_REQUIRE_MESSAGE(response.has_value(), (response ? "" : response.error().message));
    BOOST_TEST(response->status == 200);
    BOOST_TEST(response->body ==
               "POST /token?x=1 application/x-www-form-urlencoded grant_type=authorization_code");
    bool saw_auth = false;
    for (const auto& [name, value] : response->headers) {
        saw_auth = saw_auth || (name == "X-Echo-Auth" && value == "Basic abc");
    }
    BOOST_TEST(saw_auth);
}

BOOST_AUTO_TEST_CASE(returns_error_statuses_as_responses) {
    NetHttpClient client;
    authd::sdk::HttpRequest request;
    request.url = base + "/missing";
    auto response = client.send(request);
    BOOST_REQUIRE(response.has_value());
    BOOST_TEST(response->status == 404);
}

BOOST_AUTO_TEST_CASE(refuses_bad_urls_and_methods) {
    NetHttpClient client;
    for (const char* url : {"ftp://example.com/x", "not a url", "/relative", "http://"}) {
        authd::sdk::HttpRequest request;
        request.url = url;
        auto response = client.send(request);
        BOOST_REQUIRE(!response.has_value());
        BOOST_TEST((response.error().code == ErrorCode::invalid_argument), url);
    }
    authd::sdk::HttpRequest bad_method;
    bad_method.method = "TRACE\r\nX: y";
    bad_method.url = base + "/";
    BOOST_TEST((client.send(bad_method).error().code == ErrorCode::invalid_argument));
}

BOOST_AUTO_TEST_CASE(unreachable_slow_and_oversized_upstreams_are_unavailable) {
    NetHttpClient client(16 * 1024);
    authd::sdk::HttpRequest refused;
    refused.url = "http://127.0.0.1:1/";
    refused.timeout = 2;
    auto r1 = client.send(refused);
    BOOST_REQUIRE(!r1.has_value());
    BOOST_TEST((r1.error().code == ErrorCode::unavailable));

    authd::sdk::HttpRequest slow;
    slow.url = base + "/slow";
    slow.timeout = 1;
    auto r2 = client.send(slow);
    BOOST_REQUIRE(!r2.has_value());
    BOOST_TEST((r2.error().code == ErrorCode::unavailable));
    BOOST_TEST(r2.error().message.find("timed out") != std::string::npos, r2.error().message);

    authd::sdk::HttpRequest big;
    big.url = base + "/big";
    auto r3 = client.send(big);
    BOOST_REQUIRE(!r3.has_value());
    BOOST_TEST(r3.error().message.find("larger than") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(https_to_a_plain_http_server_fails_cleanly) {
    NetHttpClient client;
    authd::sdk::HttpRequest request;
    request.url = "https://127.0.0.1:" + base.substr(base.rfind(':') + 1) + "/";
    request.timeout = 3;
    auto response = client.send(request);
    BOOST_REQUIRE(!response.has_value());
    BOOST_TEST((response.error().code == ErrorCode::unavailable));
}

BOOST_AUTO_TEST_SUITE_END()
