// SPDX-License-Identifier: Apache-2.0
#include "oauth/endpoint_support.hpp"

#include "http/form.hpp"
#include "http/json_body.hpp"

namespace authd::oauth {
namespace {

// Quoted-string content of an auth-param (RFC 9110 11.2): no quote or backslash inside.
std::string quotedParam(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || byte < 0x20 || byte == 0x7f) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::variant<sdk::Fields, OAuthError> bodyParams(const http::Request& request) {
    if (request.has_form) {
        if (auto duplicate = http::findDuplicate(request.form)) {
            return invalidRequest("parameter " + *duplicate + " was sent more than once");
        }
        return request.form;
    }
    const std::string media_type = request.mediaType();
    if (media_type == "application/json") {
        auto parsed = http::parseJsonBody(request.body);
        if (!parsed) {
            return invalidRequest(parsed.error().message);
        }
        sdk::Fields fields;
        for (const auto& [name, value] : *parsed) {
            if (value.isNull()) {
                continue;  // what JSON.stringify writes for a missing value
            }
            if (!value.isString()) {
                return invalidRequest("parameter " + name + " must be a JSON string");
            }
            fields.add(name, value.asString());
        }
        return fields;
    }
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return sdk::Fields();
    }
    return invalidRequest(
        "the body must be application/x-www-form-urlencoded or application/json");
}

http::Response noStoreJson(int status, std::string body) {
    http::Response response = http::Response::json(status, std::move(body));
    response.noStore();
    return response;
}

http::Response oauthErrorResponse(const OAuthError& error) {
    http::Response response = noStoreJson(tokenErrorStatus(error.code), errorJson(error));
    if (response.status == 401) {
        response.headers.set("WWW-Authenticate", "Basic realm=\"authd\"");
    }
    return response;
}

http::Response bearerErrorResponse(const OAuthError& error, bool token_sent) {
    int status = 401;
    if (error.code == "invalid_request") {
        status = 400;
    } else if (error.code == "insufficient_scope") {
        status = 403;
    } else if (error.code == "server_error") {
        status = 500;
    }
    http::Response response = noStoreJson(status, errorJson(error));
    if (status != 500) {
        std::string challenge = "Bearer realm=\"authd\"";
        // RFC 6750 3.1: a request without any token gets no error code in the challenge.
        if (token_sent) {
            challenge += ", error=\"" + error.code + "\"";
            if (!error.description.empty()) {
                challenge += ", error_description=\"" + quotedParam(error.description) + "\"";
            }
        }
        response.headers.set("WWW-Authenticate", std::move(challenge));
    }
    return response;
}

}  // namespace authd::oauth
