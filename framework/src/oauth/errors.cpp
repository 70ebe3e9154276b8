// SPDX-License-Identifier: Apache-2.0
#include "oauth/errors.hpp"

#include "json/json.hpp"

namespace authd::oauth {

int tokenErrorStatus(const std::string& code) {
    if (code == "invalid_client" || code == "invalid_token") {
        return 401;
    }
    if (code == "server_error") {
        return 500;
    }
    if (code == "temporarily_unavailable") {
        return 503;
    }
    if (code == "insufficient_scope") {
        return 403;
    }
    return 400;
}

std::string errorJson(const OAuthError& error) {
    std::string out = "{\"error\":";
    json::appendString(out, error.code);
    if (!error.description.empty()) {
        out += ",\"error_description\":";
        json::appendString(out, error.description);
    }
    out += '}';
    return out;
}

}  // namespace authd::oauth
