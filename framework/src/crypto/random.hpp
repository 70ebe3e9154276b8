// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

namespace authd::crypto {

/// Fills `out` with `n` bytes from OpenSSL's CSPRNG (RAND_bytes). False if it fails.
/// Thread-safe.
bool randomBytes(unsigned char* out, std::size_t n);

/// `bytes` random bytes as base64url without padding; empty string if the CSPRNG fails.
std::string randomToken(std::size_t bytes);

/// `bytes` random bytes as lower-case hex (2 * bytes characters); empty on CSPRNG failure.
std::string randomHex(std::size_t bytes);

/// A random (version 4, RFC 9562) UUID in its 36-character lower-case form; empty on CSPRNG
/// failure.
std::string uuidV4();

}  // namespace authd::crypto
