// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::crypto {

/// SHA-256 of `data`: 32 raw bytes.
std::string sha256(std::string_view data);

/// SHA-256 of `data` as 64 lower-case hex characters.
std::string sha256Hex(std::string_view data);

/// HMAC-SHA256 (RFC 2104): 32 raw bytes. Empty only for a key longer than INT_MAX bytes,
/// which OpenSSL cannot take.
std::string hmacSha256(std::string_view key, std::string_view data);

/// HMAC-SHA256 as 64 lower-case hex characters.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

/// Equality whose running time depends only on the lengths, never on the content (so a secret
/// cannot be guessed byte by byte from timings). Different lengths compare false.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace authd::crypto
