// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Poco/JSON/Object.h>

#include "support/authd_process.hpp"

/// @file
/// The HTTP side of the end-to-end tests: one request to a URL, a browser with a cookie jar,
/// form and query encoding, and the few reads of HTML and JSON the tests make. Nothing here
/// uses Boost.Test: a failure is a std::runtime_error, which fails the test case that made the
/// call.

namespace authd::test {

using Params = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A port nobody listens on at the moment, on `host` (any 127.x.y.z address). Another process
/// may take it before the caller binds it: retry once on "in use".
std::uint16_t freePort(const std::string& host = "127.0.0.1");

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string urlEncode(const std::string& text);
/// application/x-www-form-urlencoded, in the order given.
std::string formBody(const Params& params);
/// The query parameters of `url`, decoded; the first of a repeated name wins.
std::map<std::string, std::string> queryOf(const std::string& url);
/// `location` made absolute against `base` ("http://host:port/path").
std::string resolveUrl(const std::string& base, const std::string& location);

/// One HTTP/1.1 request to `host`:`port` for `target` as given (not parsed, so tests can send
/// odd paths); no redirect followed. Content-Length is sent with any body and on POST, PUT and
/// PATCH.
HttpResult sendHttp(const std::string& host, std::uint16_t port, const std::string& method,
                    const std::string& target, const std::string& body = {},
                    const std::string& content_type = {}, const Headers& headers = {},
                    std::chrono::seconds timeout = std::chrono::seconds(30));
/// sendHttp to an absolute http:// URL.
HttpResult httpRequest(const std::string& method, const std::string& url,
                       const std::string& body = {}, const std::string& content_type = {},
                       const Headers& headers = {});

/// A browser: one cookie jar per host name (ports share cookies, as in real browsers: RFC
/// 6265 8.5), redirects followed only when asked. With a `home`, it opens only paths and URLs
/// there (anything else is a test mistake and throws); without, any absolute http:// URL.
class Browser {
  public:
    /// `home`: "http://host:port", the one server this browser talks to.
    explicit Browser(std::string home = {});

    HttpResult get(const std::string& target);
    HttpResult postForm(const std::string& target, const Params& params);
    /// GET of a redirect's Location, resolved against `base`, or the URL that answered.
    HttpResult follow(const HttpResult& redirect);
    HttpResult follow(const HttpResult& redirect, const std::string& base);
    /// The URL the last request went to.
    const std::string& lastUrl() const { return last_url_; }
    /// A cookie of `home`'s host, or of `host`; "" when there is none.
    std::string cookie(const std::string& name) const;
    std::string cookie(const std::string& host, const std::string& name) const;
    /// Puts a cookie in `home`'s jar, as a script or another site could.
    void setCookie(const std::string& name, const std::string& value);

    static bool isRedirect(int status) { return status == 302 || status == 303; }

  private:
    std::string absolute(const std::string& target) const;
    HttpResult send(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& content_type);

    std::string home_;
    std::map<std::string, std::map<std::string, std::string>> jars_;
    std::string last_url_;
};

/// `&amp;` and the other four entities escapeHtml writes back to text.
std::string unescapeHtml(const std::string& text);
/// The value of the hidden input `name` in `html` (HTML-unescaped), or "".
std::string hiddenValue(const std::string& html, const std::string& name);
/// The action of the first form in `html` (HTML-unescaped), or "".
std::string formAction(const std::string& html);
bool contains(const std::string& text, const std::string& needle);

std::string toJson(const Poco::JSON::Object& object);
/// Throws std::runtime_error, quoting `text`, when it is not a JSON object.
Poco::JSON::Object::Ptr parseObject(const std::string& text);
/// The payload of a compact JWS, unverified; throws std::runtime_error when there is none.
Poco::JSON::Object::Ptr jwtClaims(const std::string& jwt);

}  // namespace authd::test
