// SPDX-License-Identifier: Apache-2.0
#include "oauth/csrf.hpp"

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace authd::oauth {

std::string csrfToken(std::string_view key, std::string_view browser, std::string_view purpose) {
    if (key.empty() || browser.empty()) {
        return {};
    }
    std::string data;
    data.reserve(browser.size() + 1 + purpose.size());
    data.append(browser);
    data += '|';
    data.append(purpose);
    return crypto::base64UrlEncode(crypto::hmacSha256(key, data));
}

bool csrfValid(std::string_view key, std::string_view browser, std::string_view purpose,
               std::string_view presented) {
    if (presented.empty()) {
        return false;
    }
    const std::string expected = csrfToken(key, browser, purpose);
    return !expected.empty() && crypto::constantTimeEquals(expected, presented);
}

}  // namespace authd::oauth
