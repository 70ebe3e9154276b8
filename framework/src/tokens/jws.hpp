// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "authd/sdk/result.hpp"
#include "json/json.hpp"

/// @file
/// JWS compact serialization (RFC 7515) for JWTs, on OpenSSL 3 EVP directly: HS256, RS256,
/// ES256 and EdDSA (Ed25519, RFC 8037). This is the hot path of the userinfo, introspection
/// and token endpoints, so verification parses each JSON part once and allocates little.
/// Threading: every function here may be called concurrently; Key and KeySet are immutable
/// values once built and safe to share between threads.
/// Errors: never throws; every failure is an sdk::Error whose message names the reason and
/// never holds key material or a token.

namespace authd::tokens {

enum class Alg : std::uint8_t { hs256, rs256, es256, eddsa };

/// The JOSE name: "HS256", "RS256", "ES256", "EdDSA".
std::string_view algName(Alg alg) noexcept;
/// Exact, case-sensitive match of a JOSE name; std::nullopt for anything else ("none" too).
std::optional<Alg> parseAlg(std::string_view name) noexcept;
/// True for RS256, ES256 and EdDSA.
bool isAsymmetric(Alg alg) noexcept;

/// A set of algorithms a verifier accepts. Verification refuses every other alg, so a token
/// can never choose how it is checked (algorithm confusion, `alg: none`).
class AlgSet {
public:
    constexpr AlgSet() noexcept = default;
    constexpr AlgSet(std::initializer_list<Alg> algs) noexcept {
        for (Alg alg : algs) {
            bits_ = static_cast<std::uint8_t>(bits_ | bit(alg));
        }
    }
    constexpr bool contains(Alg alg) const noexcept { return (bits_ & bit(alg)) != 0; }
    constexpr bool empty() const noexcept { return bits_ == 0; }
    constexpr AlgSet& add(Alg alg) noexcept {
        bits_ = static_cast<std::uint8_t>(bits_ | bit(alg));
        return *this;
    }

private:
    static constexpr std::uint8_t bit(Alg alg) noexcept {
        return static_cast<std::uint8_t>(1U << static_cast<unsigned>(alg));
    }
    std::uint8_t bits_ = 0;
};

/// A signing or verification key bound to exactly one alg: an HMAC secret (HS256) or an
/// OpenSSL key (RS256: RSA >= 2048 bits, ES256: P-256, EdDSA: Ed25519). Binding the alg to
/// the key type is what makes algorithm confusion impossible: an RSA key never becomes an
/// HMAC secret. Copies share the underlying key (cheap). An HMAC key keeps only the two
/// SHA-256 states keyed with the padded secret (RFC 2104), computed once, so each MAC costs
/// two digest copies instead of a full HMAC setup; they are wiped when the last copy goes.
class Key {
public:
    /// HS256 keyed with the raw bytes of `secret`. RFC 7518 3.2 requires at least 32 bytes.
    /// `kid` is optional for HMAC keys and then never written into headers.
    static sdk::Result<Key> hmac(std::string_view secret, std::string kid = {});

    /// Takes ownership of one reference to `pkey` (freed on error too). The alg follows the key
    /// type. `has_private` says whether it may sign.
    static sdk::Result<Key> adopt(EVP_PKEY* pkey, std::string kid, bool has_private);

    Alg alg() const noexcept { return alg_; }
    const std::string& kid() const noexcept { return kid_; }
    bool canSign() const noexcept { return can_sign_; }
    /// The OpenSSL key; null for HMAC keys. Owned by the Key.
    EVP_PKEY* evp() const noexcept { return pkey_.get(); }
    /// The same key under another kid.
    Key withKid(std::string kid) const {
        Key copy = *this;
        copy.kid_ = std::move(kid);
        return copy;
    }

private:
    friend sdk::Result<std::string> signRaw(const Key& key, std::string_view signing_input);
    friend sdk::Result<void> verifyRaw(const Key& key, std::string_view signing_input,
                                       std::string_view signature);

    struct HmacState;  // SHA-256 states after absorbing key^ipad and key^opad

    Key() = default;

    Alg alg_ = Alg::hs256;
    std::string kid_;
    bool can_sign_ = false;
    std::shared_ptr<EVP_PKEY> pkey_;
    std::shared_ptr<const HmacState> hmac_;
};

/// The keys a verifier trusts. A token picks its key by alg and kid: with a kid, only keys of
/// that alg whose kid is equal (or which have no kid) are tried; without one, every key of
/// that alg is tried (how an HS256 token verifies across a project's signing-key rotation).
class KeySet {
public:
    KeySet() = default;
    explicit KeySet(std::vector<Key> keys) : keys_(std::move(keys)) {}

    void add(Key key) { keys_.push_back(std::move(key)); }
    const std::vector<Key>& keys() const noexcept { return keys_; }
    bool empty() const noexcept { return keys_.empty(); }

private:
    std::vector<Key> keys_;
};

/// Longest compact token verify() accepts; anything longer is refused before decoding.
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

/// A token whose signature verified. `claims` is the parsed payload object.
struct VerifiedJws {
    Alg alg = Alg::hs256;
    std::string kid;  ///< the header's kid, empty when absent
    std::string typ;  ///< the header's typ, empty when absent
    json::Object header;
    json::Object claims;
};

/// The JWS signature of `signing_input` (ASCII "header.payload") in JOSE form: HMAC output,
/// RSA PKCS#1 v1.5 signature, ECDSA R||S (64 bytes), or Ed25519 (64 bytes). Raw bytes.
sdk::Result<std::string> signRaw(const Key& key, std::string_view signing_input);

/// Checks a JOSE-form signature. Error messages: "signature mismatch" when it does not verify
/// (ErrorCode::denied); a wrong length is a mismatch too.
sdk::Result<void> verifyRaw(const Key& key, std::string_view signing_input,
                            std::string_view signature);

/// A compact JWS over exactly these header and payload bytes (known-answer tests, and
/// headers that need more than sign() writes). The header must be a JSON object whose alg is
/// the key's.
sdk::Result<std::string> signCompact(std::string_view header_json, std::string_view payload,
                                     const Key& key);

/// A compact JWT: header {"alg":..,"typ":<typ>,"kid":..} (kid only for asymmetric keys, typ
/// omitted when empty; "logout+jwt" for back-channel logout tokens), payload `claims_json`
/// as given (the caller passes a serialized JSON object).
sdk::Result<std::string> sign(std::string_view claims_json, const Key& key,
                              std::string_view typ = "JWT");
/// The same with an object as the payload, written compactly in its member order.
sdk::Result<std::string> sign(const json::Object& claims, const Key& key,
                              std::string_view typ = "JWT");

/// Verifies a compact JWT: exactly three strict base64url parts, a JSON object header without
/// `crit`, an alg in `allowed` (never "none"), a key from `keys` (see KeySet), a valid
/// signature, and a JSON object payload. Claims (exp, aud, ...) are NOT checked here: see
/// claims.hpp. Errors: "token is malformed: ..." (invalid_argument), "unsupported alg ..."
/// (unsupported), "unknown kid" / "no key for alg ..." (not_found), "signature mismatch"
/// (denied).
sdk::Result<VerifiedJws> verify(std::string_view compact, const KeySet& keys, AlgSet allowed,
                                std::size_t max_bytes = kMaxTokenBytes);

/// A token decoded WITHOUT checking its signature, to find which key should verify it (the
/// client of an HS256 `id_token_hint` is its `aud`). Never trust anything in it.
struct UnverifiedJws {
    std::string alg;  ///< as written in the header, possibly "none" or garbage
    std::string kid;
    std::string typ;
    json::Object header;
    json::Object claims;
};
/// Structural checks only (three parts, base64url, two JSON objects, a string alg).
sdk::Result<UnverifiedJws> decodeUnverified(std::string_view compact,
                                            std::size_t max_bytes = kMaxTokenBytes);

}  // namespace authd::tokens
