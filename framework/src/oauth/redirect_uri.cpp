// SPDX-License-Identifier: Apache-2.0
#include "oauth/redirect_uri.hpp"

#include <algorithm>
#include <cctype>

namespace authd::oauth {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool isLoopbackHost(std::string_view host) {
    return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

// Host part of an http(s) URI (between "//" and the first '/', '?' or end), without the port.
std::string_view hostOf(std::string_view rest) {
    const auto end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
    }
    return authority.substr(0, authority.find(':'));
}

}  // namespace

std::optional<std::string> redirectUriProblem(std::string_view uri, bool development) {
    if (uri.empty()) {
        return "redirect URI is empty";
    }
    if (uri.size() > 2000) {
        return "redirect URI is longer than 2000 characters";
    }
    for (char c : uri) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7F) {
            return "redirect URI contains a space, a control or a non-ASCII character";
        }
    }
    if (uri.find('#') != std::string_view::npos) {
        return "redirect URI must not contain a fragment (#)";
    }
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return "redirect URI must be absolute (scheme://host/path)";
    }
    std::string scheme(uri.substr(0, colon));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme == "http" || scheme == "https") {
        if (!startsWith(uri.substr(colon), "://")) {
            return "redirect URI must be absolute (scheme://host/path)";
        }
        const std::string_view rest = uri.substr(colon + 3);
        const auto at = rest.find('@');
        if (at != std::string_view::npos && at < rest.find_first_of("/?")) {
            return "redirect URI must not contain user information (user@host)";
        }
        const std::string_view host = hostOf(rest);
        if (host.empty()) {
            return "redirect URI has no host";
        }
        if (scheme == "http" && !development && !isLoopbackHost(host)) {
            return "plain http redirect URIs are allowed only for loopback hosts (127.0.0.1, "
                   "[::1], localhost) unless the project is marked as development; use https";
        }
        return std::nullopt;
    }
    // RFC 8252 section 7.1: private-use URI schemes are reverse domain names.
    if (scheme.find('.') == std::string::npos) {
        return "redirect URI scheme must be https, http (loopback) or a private-use scheme "
               "such as com.example.app";
    }
    for (char c : scheme) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-')) {
            return "redirect URI scheme contains an invalid character";
        }
    }
    return std::nullopt;
}

bool redirectUriAllowed(std::string_view uri, const std::vector<std::string>& allowlist) {
    return std::any_of(allowlist.begin(), allowlist.end(),
                       [&](const std::string& allowed) { return allowed == uri; });
}

std::string urlEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

std::string appendQuery(std::string base,
                        const std::vector<std::pair<std::string, std::string>>& params) {
    bool has_query = base.find('?') != std::string::npos;
    for (const auto& [name, value] : params) {
        base += has_query ? '&' : '?';
        has_query = true;
        base += urlEncode(name);
        base += '=';
        base += urlEncode(value);
    }
    return base;
}

}  // namespace authd::oauth
