// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/types.hpp"

namespace authd::sdk {

/// What a plugin may see of an HTTP request. Owned by the host; valid during the call only.
struct RequestView {
    std::string method;          ///< "GET", "POST"
    std::string path;            ///< without the query string
    std::string client_address;  ///< the peer's IP address, for throttling and audit
    std::string user_agent;
    bool secure = false;         ///< served over TLS
    Fields query;
};

/// An HTML fragment a plugin renders inside the host's page layout (head, styles, header and
/// footer are the host's). `body_html` must be escaped by the plugin: use escapeHtml().
struct Page {
    int status = 200;
    std::string title;
    std::string body_html;
};

/// Escapes `&`, `<`, `>`, `"` and `'` for use in HTML text and attribute values.
inline std::string escapeHtml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

/// An outgoing HTTP request made through HostContext::http().
struct HttpRequest {
    std::string method = "GET";
    std::string url;  ///< absolute http:// or https:// URL
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type;
    Seconds timeout = 10;
};

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

}  // namespace authd::sdk
