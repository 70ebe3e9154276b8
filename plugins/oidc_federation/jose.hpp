// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>
#include <openssl/types.h>

#include "authd/sdk/result.hpp"

/// @file
/// The small part of JOSE an OpenID relying party needs, on OpenSSL 3 directly: strict
/// base64url, public JWKs (RSA and EC P-256) to EVP keys, and JWS compact verification for
/// RS256, ES256 and HS256. Threading: functions are reentrant; a PublicKey is immutable and
/// may be shared. Errors: values, never exceptions; messages never hold key or token bytes.

namespace authd::plugins::oidc_federation {

/// RFC 4648 section 5 without padding; strict (no padding, whitespace or non-zero trailing
/// bits). nullopt when malformed.
std::optional<std::string> base64UrlDecode(std::string_view text);
std::string base64UrlEncode(std::string_view bytes);

/// Raw SHA-256 of `data` (32 bytes).
std::string sha256(std::string_view data);

/// One verification key from a JWKS. `kty` is "RSA" or "EC" (P-256 only); `alg` and `use`
/// are the JWK's own members (empty when absent).
struct PublicKey {
    std::string kid;
    std::string kty;
    std::string alg;
    std::string use;
    std::shared_ptr<EVP_PKEY> pkey;
};

/// Parses a JWK Set document. Keys that are not RSA (>= 2048 bits) or EC P-256 public keys,
/// or whose `use` is not "sig", are skipped (a JWKS may carry encryption keys); a document
/// that is not a JWK Set is an error (invalid_argument).
sdk::Result<std::vector<PublicKey>> parseJwks(const std::string& json);

/// A compact JWS split and decoded, its signature NOT checked yet.
struct Jws {
    std::string alg;
    std::string kid;
    Poco::JSON::Object::Ptr header;
    Poco::JSON::Object::Ptr claims;
    std::string signing_input;  ///< "header.payload" as received
    std::string signature;      ///< raw bytes
};

/// Longest ID token accepted.
inline constexpr std::size_t kMaxJwsBytes = 16 * 1024;

/// Structural checks: size, three strict base64url parts, header and payload JSON objects,
/// a string `alg`, no `crit`. Errors: invalid_argument.
sdk::Result<Jws> decodeJws(std::string_view compact);

/// RS256 (RSA PKCS#1 v1.5 / SHA-256) or ES256 (ECDSA P-256 / SHA-256, R||S) with `key`; the
/// alg must fit the key type (an RSA key never checks an ES256 signature and the reverse).
/// Errors: denied on a mismatch.
sdk::Result<void> verifyAsymmetric(const Jws& jws, const PublicKey& key);

/// HS256 keyed with the octets of `secret`, compared in constant time. Errors: denied.
sdk::Result<void> verifyHs256(const Jws& jws, std::string_view secret);

}  // namespace authd::plugins::oidc_federation
