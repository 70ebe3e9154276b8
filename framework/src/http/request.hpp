// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/http.hpp"
#include "authd/sdk/types.hpp"
#include "http/headers.hpp"

namespace authd::obs {
class RouteMetrics;
}

namespace authd::http {

/// One HTTP request as handlers see it: already bounded, decoded and validated by the
/// Pipeline (path percent-decoded, query and form parsed strictly, cookies parsed, body read
/// in full). Owned by the Exchange; valid during the handler call. Threading: one thread.
struct Request {
    std::string method;    ///< upper-case as sent: "GET", "POST", ...
    std::string path;      ///< percent-decoded, without the query string
    std::string raw_query; ///< as sent, without '?'
    sdk::Fields query;
    Headers headers;
    std::string body;
    std::string client_address; ///< the peer's IP address
    std::string request_id;
    bool secure = false; ///< served over TLS
    sdk::Fields cookies;
    /// The parsed body when Content-Type is application/x-www-form-urlencoded.
    sdk::Fields form;
    bool has_form = false;

    /// Set by the router: the matched route's metric label, and for a prefix route the part
    /// of the path after the prefix (`/login/` + "password/verify" → "password/verify").
    std::string route;
    std::string path_rest;
    obs::RouteMetrics* route_metrics = nullptr;

    std::string header(std::string_view name) const { return headers.get(name); }
    /// The media type of Content-Type, lower-cased and without parameters ("" when absent).
    std::string mediaType() const;
    /// The value of a cookie, or "".
    std::string cookie(const std::string& name) const { return cookies.get(name); }
    /// What a plugin may see of this request.
    sdk::RequestView view() const;
};

} // namespace authd::http
