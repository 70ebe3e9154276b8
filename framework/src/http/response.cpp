// SPDX-License-Identifier: Apache-2.0
#include "http/response.hpp"

#include "obs/json_text.hpp"

namespace authd::http {

Response Response::json(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

Response Response::json(int status, const json::Object& object) {
    std::string body;
    json::write(object, body);
    return json(status, std::move(body));
}

Response Response::error(int status, std::string_view code, std::string_view description) {
    std::string body = "{\"error\":";
    body += obs::jsonQuote(code);
    body += ",\"error_description\":";
    body += obs::jsonQuote(description);
    body += '}';
    return json(status, std::move(body));
}

Response Response::html(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "text/html; charset=utf-8");
    response.body = std::move(body);
    return response;
}

Response Response::text(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "text/plain; charset=utf-8");
    response.body = std::move(body);
    return response;
}

Response Response::redirect(std::string location, int status) {
    Response response;
    response.status = status;
    response.headers.set("Location", std::move(location));
    return response;
}

Response& Response::setCookie(const SetCookie& cookie) {
    headers.add("Set-Cookie", cookie.headerValue());
    return *this;
}

Response& Response::noStore() {
    headers.set("Cache-Control", "no-store");
    headers.set("Pragma", "no-cache");
    return *this;
}

bool Response::isHtml() const {
    const std::string type = headers.get("Content-Type");
    return type.rfind("text/html", 0) == 0;
}

const char* reasonPhrase(int status) noexcept {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

} // namespace authd::http
