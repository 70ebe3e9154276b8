// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugins::pin {

/// The PIN authenticator's settings, parsed from its validated `config:` map.
struct PinConfig {
    std::string label = "PIN";
    std::int64_t digits = 6;                 ///< length of a new PIN
    std::int64_t max_attempts = 5;           ///< consecutive failures that lock an account
    sdk::Seconds lockout = 15 * 60;          ///< 0 = until an administrator lifts it
    std::int64_t address_max_attempts = 50;  ///< failures per `address_window` that lock an address
    sdk::Seconds address_window = 60 * 60;
    /// Per-account policy (key: instance id, "acct", SHA-256 of the email): no delays, a hard
    /// lock after `max_attempts` consecutive failures (the window never runs out).
    sdk::ThrottlePolicy account_throttle;
    /// Per-address policy (key: instance id, "addr", client address): a lock after
    /// `address_max_attempts` failures within `address_window`, lasting `address_window`.
    sdk::ThrottlePolicy address_throttle;
};

// Bounds shared by the schema, the semantic checks and sign-in.
inline constexpr std::int64_t kMinDigits = 4;
inline constexpr std::int64_t kMaxDigits = 12;

/// Declares the `config:` keys (the manifest's describe_config).
void describePinConfig(sdk::ConfigSchema& schema);

/// Reads the host-validated node into a PinConfig, checking ranges again (a host that skipped
/// validation must not produce a broken policy). Every problem is reported in one
/// invalid_config error, each line starting with `where(key)`.
sdk::Result<PinConfig> parsePinConfig(const sdk::ConfigNode& node);

}  // namespace authd::plugins::pin
