// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "authd/sdk/result.hpp"

namespace authd::crypto {

/// Authenticated encryption at rest (AES-256-GCM), used for signing keys and other secrets the
/// store keeps. Sealed format: `v1.` + base64url(12-byte random nonce || ciphertext || 16-byte
/// tag). The `aad` binds a sealed value to its context (for example a key id), so a value copied
/// to another row fails to open.
/// Ownership: holds a copy of the key, wiped on destruction. Threading: const methods are safe
/// to call concurrently.
class SecretBox {
public:
    static constexpr std::size_t kKeySize = 32;
    static constexpr std::size_t kNonceSize = 12;
    static constexpr std::size_t kTagSize = 16;

    /// @param raw32 exactly 32 raw key bytes.
    static sdk::Result<SecretBox> fromKey(std::string raw32);
    /// @param hex64 the key as 64 hex characters.
    static sdk::Result<SecretBox> fromHex(std::string_view hex64);

    SecretBox(const SecretBox& other) = default;
    SecretBox(SecretBox&& other) noexcept = default;
    SecretBox& operator=(const SecretBox& other);
    SecretBox& operator=(SecretBox&& other) noexcept;
    ~SecretBox();

    /// Encrypts with a fresh random nonce. Error only if the CSPRNG or OpenSSL fails.
    sdk::Result<std::string> seal(std::string_view plaintext, std::string_view aad = {}) const;
    /// Decrypts a value made by seal(). Any tampering, wrong key, wrong `aad`, truncation or
    /// malformed input is an error (ErrorCode::invalid_argument); the message never holds
    /// plaintext or key material.
    sdk::Result<std::string> open(std::string_view sealed, std::string_view aad = {}) const;

    /// A 32-byte key for another purpose (HMAC keys of refresh-token successors, CSRF tokens),
    /// derived as HMAC-SHA256(master key, label), so that no further secret has to be stored
    /// and every node sharing the master key derives the same one. Distinct labels give
    /// independent keys; the master key cannot be recovered from a derived one.
    std::string deriveKey(std::string_view label) const;

    /// seal() with a caller-chosen nonce, so that known-answer vectors can be checked. Never use
    /// outside tests: reusing a nonce under one key breaks GCM.
    sdk::Result<std::string> sealWithNonceForTest(std::string_view nonce,
                                                  std::string_view plaintext,
                                                  std::string_view aad = {}) const;

private:
    explicit SecretBox(std::string key) : key_(std::move(key)) {}
    sdk::Result<std::string> sealWithNonce(std::string_view nonce, std::string_view plaintext,
                                           std::string_view aad) const;
    void wipe() noexcept;

    std::string key_;
};

}  // namespace authd::crypto
