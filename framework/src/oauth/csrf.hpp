// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::oauth {

/// Name of the hidden form field that carries the CSRF token.
inline constexpr std::string_view kCsrfField = "csrf_token";

/// The CSRF token of a form shown to one browser for one purpose (a pending authorization id,
/// or a fixed purpose such as "logout"): base64url(HMAC-SHA256(key, browser + "|" + purpose)).
/// Stateless, so any node can check it; it changes with the browser cookie, so a token lifted
/// from another browser's page is worthless. Empty when `key` or `browser` is empty.
std::string csrfToken(std::string_view key, std::string_view browser, std::string_view purpose);

/// Whether `presented` is the token for (browser, purpose), compared in constant time. False
/// for an empty key, browser or token.
bool csrfValid(std::string_view key, std::string_view browser, std::string_view purpose,
               std::string_view presented);

}  // namespace authd::oauth
