// SPDX-License-Identifier: Apache-2.0
#include "http/cookies.hpp"

namespace authd::http {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

} // namespace

sdk::Fields parseCookies(std::string_view header, std::size_t max_cookies) {
    sdk::Fields cookies;
    std::size_t kept = 0;
    std::size_t start = 0;
    while (start <= header.size() && kept < max_cookies) {
        std::size_t end = header.find(';', start);
        if (end == std::string_view::npos) {
            end = header.size();
        }
        const std::string_view piece = trim(header.substr(start, end - start));
        start = end + 1;
        const std::size_t equals = piece.find('=');
        if (equals == std::string_view::npos) {
            continue;
        }
        const std::string_view name = trim(piece.substr(0, equals));
        std::string_view value = trim(piece.substr(equals + 1));
        if (name.empty()) {
            continue;
        }
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        cookies.add(std::string(name), std::string(value));
        ++kept;
    }
    return cookies;
}

std::string SetCookie::headerValue() const {
    std::string out = name + "=" + value;
    if (!path.empty()) {
        out += "; Path=" + path;
    }
    if (max_age >= 0) {
        out += "; Max-Age=" + std::to_string(max_age);
    }
    if (http_only) {
        out += "; HttpOnly";
    }
    if (secure) {
        out += "; Secure";
    }
    if (!same_site.empty()) {
        out += "; SameSite=" + same_site;
    }
    return out;
}

} // namespace authd::http
