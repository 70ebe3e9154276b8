// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "authd/sdk/types.hpp"

namespace authd::http {

/// Parses a `Cookie` request header (`a=1; b="2"`) into ordered fields. Pieces without `=` or
/// with an empty name are ignored, as user agents do (RFC 6265 5.2); quotes around a value are
/// removed; at most `max_cookies` cookies are kept. Never fails.
sdk::Fields parseCookies(std::string_view header, std::size_t max_cookies = 64);

/// One `Set-Cookie` response header.
struct SetCookie {
    std::string name;
    std::string value;
    std::string path = "/";
    std::int64_t max_age = -1; ///< seconds; -1: a session cookie; 0: delete it now
    bool http_only = true;
    bool secure = false;
    std::string same_site = "Lax"; ///< Strict, Lax, None or empty for none

    std::string headerValue() const;
};

} // namespace authd::http
