// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/result.hpp"
#include "tokens/jws.hpp"

/// @file
/// Provider signing keys: generation (RSA-2048, P-256, Ed25519), PEM in and out, public JWKs
/// (RFC 7517/7518, RFC 8037 for OKP), RFC 7638 thumbprints (used as kids) and JWKS documents.
/// Threading: pure functions. Errors: never throws; messages never hold key material.

namespace authd::tokens {

/// A new key pair. `key.kid()` is the RFC 7638 thumbprint of its public key.
struct GeneratedKey {
    Key key;
    std::string private_pem;  ///< PKCS#8, unencrypted: seal it before it leaves memory
    std::string public_jwk;   ///< see publicJwk()
};

/// A fresh key for RS256 (RSA-2048, e = 65537), ES256 (P-256) or EdDSA (Ed25519).
/// HS256 is refused (ErrorCode::invalid_argument): HMAC keys are project secrets.
sdk::Result<GeneratedKey> generateKey(Alg alg);

/// A private key from PEM (PKCS#8 or traditional; encrypted PEM is refused, never prompted
/// for). The alg follows the key type; unsupported types and sizes are refused.
sdk::Result<Key> loadPrivateKeyPem(std::string_view pem, std::string kid);
/// The same for a key whose alg is known (the key ring's stored keys): OpenSSL then builds the
/// decoder chain of that one key type instead of every type it knows, about 3x less work per
/// key at start-up. A key of another type is refused.
sdk::Result<Key> loadPrivateKeyPem(std::string_view pem, std::string kid, Alg alg);
/// A public key from PEM (SubjectPublicKeyInfo). It verifies but cannot sign.
sdk::Result<Key> loadPublicKeyPem(std::string_view pem, std::string kid);

/// The PKCS#8 PEM of a private key. Error for HMAC and public-only keys.
sdk::Result<std::string> privateKeyPem(const Key& key);

/// The public JWK as JSON text, members in this order: kty, kid (when set), use "sig", alg,
/// then n, e (RSA) / crv, x, y (EC P-256) / crv "Ed25519", x (OKP). Never private members.
/// Error for HMAC keys.
sdk::Result<std::string> publicJwk(const Key& key);

/// The RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
sdk::Result<std::string> jwkThumbprint(const Key& key);

/// A verification key from a public JWK (RSA, EC P-256, OKP Ed25519). The kid comes from the
/// JWK; a present `alg` must agree with the key type and a present `use` must be "sig".
/// JWKs carrying private members (`d`, ...) and symmetric JWKs are refused.
sdk::Result<Key> keyFromJwk(std::string_view jwk_json);

/// {"keys":[...]} from public JWK texts, in the given order. Each must be a JSON object
/// without private members.
sdk::Result<std::string> jwksJson(const std::vector<std::string>& public_jwks);

}  // namespace authd::tokens
