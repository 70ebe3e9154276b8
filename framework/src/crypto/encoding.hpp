// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authd::crypto {

/// Base64url (RFC 4648 section 5) without padding.
std::string base64UrlEncode(std::string_view data);

/// Strict base64url decoding: only A-Z a-z 0-9 - _, no padding, no whitespace, and the unused
/// low bits of the last character must be zero (so every value has exactly one encoding).
/// std::nullopt on any violation.
std::optional<std::string> base64UrlDecode(std::string_view text);

/// Lower-case hex.
std::string hexEncode(std::string_view data);

/// Hex in either case; std::nullopt on odd length or a non-hex character.
std::optional<std::string> hexDecode(std::string_view text);

}  // namespace authd::crypto
