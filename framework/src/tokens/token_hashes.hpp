// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "tokens/jws.hpp"

/// @file
/// ID token hash claims: `at_hash`, `c_hash` (OpenID Connect Core 1.0, 3.1.3.6 and 3.3.2.11)
/// and anything built the same way (FAPI `s_hash`): base64url of the left half of a hash of
/// the ASCII value. The hash follows the ID token's alg:
/// - HS256, RS256, ES256: SHA-256, left 16 bytes.
/// - EdDSA (Ed25519 is the only curve authd signs with): SHA-512, left 32 bytes. JWA names no
///   hash for EdDSA; the OpenID Connect working group settled on the hash Ed25519 uses
///   internally, SHA-512 (openid/connect issue 1125, 25 Nov 2019), which is what other
///   providers and RP libraries (panva's oidc-token-hash, for one) implement.
/// Threading: pure functions.

namespace authd::tokens {

/// The `*_hash` claim value of `value` for an ID token signed with `alg`.
std::string tokenHash(std::string_view value, Alg alg);

/// Whether `claimed` is tokenHash(value, alg) (for checking a received ID token).
bool tokenHashMatches(std::string_view claimed, std::string_view value, Alg alg);

}  // namespace authd::tokens
