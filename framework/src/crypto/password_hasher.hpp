// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"

namespace authd::crypto {

/// Argon2id cost. The defaults are RFC 9106's second recommended option (64 MiB, t=3, p=1).
struct Argon2Params {
    std::uint32_t t_cost = 3;           ///< passes over memory
    std::uint32_t m_cost_kib = 65536;   ///< memory in KiB
    std::uint32_t parallelism = 1;      ///< lanes (and threads)
};

/// Argon2id password hashing with PHC strings (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`),
/// a 16-byte random salt and a 32-byte tag.
/// Threading: const methods are safe to call concurrently (each call allocates its own memory).
class PasswordHasher {
public:
    static constexpr std::uint32_t kMaxTimeCost = 100;
    static constexpr std::uint32_t kMaxMemoryKib = 4U * 1024U * 1024U;  // 4 GiB
    static constexpr std::uint32_t kMaxParallelism = 64;
    static constexpr std::size_t kSaltSize = 16;
    static constexpr std::size_t kTagSize = 32;

    /// Refuses absurd parameters (zero passes, m_cost_kib < 8 * parallelism, more than
    /// kMaxTimeCost passes, kMaxMemoryKib or kMaxParallelism) with ErrorCode::invalid_config.
    static sdk::Result<void> validate(const Argon2Params& params);
    /// validate(), then the hasher.
    static sdk::Result<PasswordHasher> create(const Argon2Params& params);

    /// Prefer create(); a hasher built here from parameters that fail validate() refuses every
    /// hash() with that error (verify() still works: it reads the cost from the string).
    explicit PasswordHasher(Argon2Params params);

    /// A new PHC string with a fresh random salt.
    sdk::Result<std::string> hash(std::string_view password) const;
    /// true on match, false on mismatch (compared in constant time by libargon2), and an error
    /// (ErrorCode::invalid_argument) if `encoded` is not a well-formed argon2id PHC string or
    /// names a cost beyond the limits above. Only argon2id is accepted.
    sdk::Result<bool> verify(std::string_view encoded, std::string_view password) const;
    /// True when `encoded` was not made with exactly this hasher's parameters (or is not a
    /// well-formed argon2id v19 string): the caller re-hashes after a successful login.
    bool needsRehash(std::string_view encoded) const;

    const Argon2Params& params() const { return params_; }

    /// hash() with a caller-chosen salt, for known-answer tests only.
    sdk::Result<std::string> hashWithSaltForTest(std::string_view password,
                                                 std::string_view salt) const;
    /// Raw Argon2id (version 0x13) with optional secret and associated data, to check the
    /// RFC 9106 section 5.3 vector.
    static sdk::Result<std::string> rawForTest(std::string_view password, std::string_view salt,
                                               std::string_view secret, std::string_view ad,
                                               const Argon2Params& params,
                                               std::uint32_t tag_length);

private:
    sdk::Result<std::string> hashWithSalt(std::string_view password, std::string_view salt) const;

    Argon2Params params_;
};

}  // namespace authd::crypto
