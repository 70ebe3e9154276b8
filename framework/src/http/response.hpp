// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "http/cookies.hpp"
#include "http/headers.hpp"
#include "json/json.hpp"

namespace authd::http {

/// What a handler returns. The pipeline adds the request id, the security headers (keeping any
/// the handler set itself, e.g. a looser CSP) and Content-Length, and drops the body for HEAD.
struct Response {
    int status = 200;
    Headers headers;
    std::string body;

    /// `body` as application/json.
    static Response json(int status, std::string body);
    static Response json(int status, const json::Object& object);
    /// `{"error": code, "error_description": description}`: the host's error shape, the same
    /// as OAuth's (RFC 6749 5.2).
    static Response error(int status, std::string_view code, std::string_view description);
    /// text/html; charset=utf-8. The pipeline adds CSP and anti-framing headers.
    static Response html(int status, std::string body);
    static Response text(int status, std::string body);
    /// A redirect (302 by default; 303 after a POST) to `location`.
    static Response redirect(std::string location, int status = 302);

    /// Appends a Set-Cookie header.
    Response& setCookie(const SetCookie& cookie);
    /// Cache-Control: no-store and Pragma: no-cache (token responses, pages with secrets).
    Response& noStore();
    bool isHtml() const;
};

/// The standard reason phrase of `status` ("Not Found"), or "Unknown".
const char* reasonPhrase(int status) noexcept;

} // namespace authd::http
