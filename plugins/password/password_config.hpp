// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugins::password {

/// The password authenticator's settings, parsed from its validated `config:` map.
struct PasswordConfig {
    std::string label = "Password";
    std::int64_t min_length = 10;   ///< in characters (UTF-8 code points), for new passwords
    std::int64_t max_length = 1024; ///< in characters; longer input is never hashed
    /// Per-account throttling (key: the authenticator id, "acct", SHA-256 of the email).
    sdk::ThrottlePolicy account_throttle;
    /// Per-address throttling (key: the authenticator id, "addr", the client address): the
    /// same policy, but it may allow more failures before locking (shared NATs), and its
    /// lock always ends: when `lock_for` is 0 (until cleared) it lasts `window` instead.
    sdk::ThrottlePolicy address_throttle;
};

// Bounds shared by the schema and the semantic checks.
inline constexpr std::int64_t kMinLengthFloor = 8;
inline constexpr std::int64_t kLengthCeiling = 4096;

/// Declares the `config:` keys (the manifest's describe_config).
void describePasswordConfig(sdk::ConfigSchema& schema);

/// Reads the host-validated node into a PasswordConfig and applies the semantic checks the
/// schema cannot express (min_length <= max_length, base_delay <= max_delay, ...). Every
/// problem is reported in one invalid_config error, each line starting with `where(key)`.
sdk::Result<PasswordConfig> parsePasswordConfig(const sdk::ConfigNode& node);

}  // namespace authd::plugins::password
