// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

namespace authd::oauth {

/// `bytes` CSPRNG bytes as base64url, for identifiers that must be unique and unguessable but
/// are not secrets (a token's `jti`, an audit event's id). Each thread draws from OpenSSL in
/// 4 KiB blocks: OpenSSL 3.0's RAND_bytes takes a process-wide write lock on every call, which
/// showed up as the largest single cost of the token endpoint. Never use it for secrets
/// (codes, refresh tokens, keys): those bytes should not wait in memory before use.
/// Returns an empty string if the CSPRNG fails. Thread-safe.
std::string randomIdentifier(std::size_t bytes);

/// A version 4 UUID (RFC 9562) from the same source; empty on CSPRNG failure.
std::string randomUuid();

}  // namespace authd::oauth
