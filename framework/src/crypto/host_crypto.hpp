// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "authd/sdk/host.hpp"
#include "crypto/password_hasher.hpp"

namespace authd::crypto {

/// The host's sdk::Crypto: Argon2id with the configured cost, SHA-256, HMAC, constant-time
/// comparison. Threading: every method is safe to call concurrently.
class HostCrypto final : public sdk::Crypto {
public:
    /// `params` should have passed PasswordHasher::validate(); otherwise hashPassword() returns
    /// that validation error.
    explicit HostCrypto(Argon2Params params);

    sdk::Result<std::string> hashPassword(std::string_view password) override;
    sdk::Result<bool> verifyPassword(std::string_view encoded, std::string_view password) override;
    std::string sha256Hex(std::string_view data) override;
    std::string hmacSha256Hex(std::string_view key, std::string_view data) override;
    bool constantTimeEquals(std::string_view a, std::string_view b) override;

    /// For callers that re-hash after login when the configured cost changed.
    bool needsRehash(std::string_view encoded) const { return hasher_.needsRehash(encoded); }
    const PasswordHasher& hasher() const { return hasher_; }

private:
    PasswordHasher hasher_;
};

/// The host's sdk::Random over OpenSSL RAND_bytes. Thread-safe.
class HostRandom final : public sdk::Random {
public:
    std::string token(std::size_t bytes) override;
    bool fill(unsigned char* out, std::size_t size) override;
};

}  // namespace authd::crypto
