// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

namespace authd::crypto {

/// Fills `out` with `n` bytes from OpenSSL's CSPRNG (RAND_bytes). False if it fails.
/// Thread-safe.
bool randomBytes(unsigned char* out, std::size_t n);

/// randomBytes() for small requests (at most 4096 bytes) on busy paths: each thread draws from
/// a 4 KiB block of the same CSPRNG, refilled when spent, and every byte is handed out once
/// and then erased from the block. OpenSSL 3.0's RAND_bytes takes a process-wide lock (and
/// calls getpid) on every call; this takes it once per block. The block is allocated on a
/// thread's first call, so threads that never ask carry none. Larger requests go to
/// randomBytes() directly. False if the CSPRNG fails.
bool pooledRandomBytes(unsigned char* out, std::size_t n);

/// `bytes` random bytes as base64url without padding; empty string if the CSPRNG fails.
std::string randomToken(std::size_t bytes);

/// `bytes` random bytes as lower-case hex (2 * bytes characters); empty on CSPRNG failure.
std::string randomHex(std::size_t bytes);

/// A random (version 4, RFC 9562) UUID in its 36-character lower-case form; empty on CSPRNG
/// failure.
std::string uuidV4();

}  // namespace authd::crypto
