// SPDX-License-Identifier: Apache-2.0
#include "app/http_client.hpp"

#include <string>

#include "app/net_library.hpp"

namespace authd::app {
namespace {

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

NetHttpClient::NetHttpClient(std::size_t max_response_bytes)
    : max_response_bytes_(max_response_bytes) {}

sdk::Result<sdk::HttpResponse> NetHttpClient::send(const sdk::HttpRequest& request) {
    if (!validMethod(request.method)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "unsupported HTTP method: " + request.method);
    }
    // The request itself is the net module's (Poco Net), opened on the first call.
    auto module = netModule();
    if (!module) {
        return std::move(module).error();
    }
    return (*module)->send(request, max_response_bytes_);
}

} // namespace authd::app
