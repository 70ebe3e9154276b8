// SPDX-License-Identifier: Apache-2.0
#include "pin_config.hpp"

#include <string>
#include <vector>

namespace authd::plugins::pin {

namespace {

constexpr std::int64_t kMaxAttemptsCeiling = 100;
constexpr std::int64_t kAddressAttemptsCeiling = 1'000'000;
constexpr sdk::Seconds kMaxLockout = 365 * 86'400;
constexpr sdk::Seconds kMinAddressWindow = 60;
constexpr sdk::Seconds kMaxAddressWindow = 86'400;
// "Consecutive" failures: the account counter only restarts on success, on an ended lock or
// when an administrator clears it, so its window is longer than any deployment lives.
constexpr sdk::Seconds kForever = 100LL * 365 * 86'400;

void checkRange(const sdk::ConfigNode& node, const std::string& key, std::int64_t value,
                std::int64_t min, std::int64_t max, const char* unit,
                std::vector<std::string>& errors) {
    if (value < min || value > max) {
        errors.push_back(node.where(key) + ": must be between " + std::to_string(min) + unit +
                         " and " + std::to_string(max) + unit + ", got " + std::to_string(value) +
                         unit);
    }
}

}  // namespace

void describePinConfig(sdk::ConfigSchema& schema) {
    schema.add("label", sdk::ConfigType::string, false, "PIN",
               "the method's name on the login page");
    auto& digits =
        schema.add("digits", sdk::ConfigType::integer, false, "6", "how many digits a new PIN has");
    digits.min = kMinDigits;
    digits.max = kMaxDigits;
    auto& max_attempts = schema.add("max_attempts", sdk::ConfigType::integer, false, "5",
                                    "consecutive failed sign-ins that lock an account");
    max_attempts.min = 1;
    max_attempts.max = kMaxAttemptsCeiling;
    auto& lockout = schema.add("lockout", sdk::ConfigType::duration, false, "15m",
                               "how long a locked account stays locked; 0 = until an "
                               "administrator lifts it");
    lockout.min = 0;
    lockout.max = kMaxLockout;
    auto& address_max_attempts =
        schema.add("address_max_attempts", sdk::ConfigType::integer, false, "50",
                   "failed sign-ins within address_window that lock a client address");
    address_max_attempts.min = 1;
    address_max_attempts.max = kAddressAttemptsCeiling;
    auto& address_window = schema.add("address_window", sdk::ConfigType::duration, false, "1h",
                                      "period over which a client address's failures count, "
                                      "and how long its lock lasts");
    address_window.min = kMinAddressWindow;
    address_window.max = kMaxAddressWindow;
}

sdk::Result<PinConfig> parsePinConfig(const sdk::ConfigNode& node) {
    PinConfig config;
    std::vector<std::string> errors;

    config.label = node.getString("label", config.label);
    if (config.label.empty()) {
        errors.push_back(node.where("label") + ": must not be empty");
    }
    config.digits = node.getInt("digits", config.digits);
    config.max_attempts = node.getInt("max_attempts", config.max_attempts);
    config.lockout = node.getDuration("lockout", config.lockout);
    config.address_max_attempts = node.getInt("address_max_attempts", config.address_max_attempts);
    config.address_window = node.getDuration("address_window", config.address_window);
    checkRange(node, "digits", config.digits, kMinDigits, kMaxDigits, "", errors);
    checkRange(node, "max_attempts", config.max_attempts, 1, kMaxAttemptsCeiling, "", errors);
    checkRange(node, "lockout", config.lockout, 0, kMaxLockout, "s", errors);
    checkRange(node, "address_max_attempts", config.address_max_attempts, 1,
               kAddressAttemptsCeiling, "", errors);
    checkRange(node, "address_window", config.address_window, kMinAddressWindow, kMaxAddressWindow,
               "s", errors);
    if (!errors.empty()) {
        std::string message;
        for (const std::string& error : errors) {
            message += message.empty() ? error : "\n" + error;
        }
        return sdk::makeError(sdk::ErrorCode::invalid_config, message);
    }

    // No delays: a PIN is short, so it is protected by the hard lock, not by slowing down.
    sdk::ThrottlePolicy account;
    account.free_attempts = static_cast<int>(config.max_attempts);
    account.base_delay = 0;
    account.max_delay = 0;
    account.lock_after = static_cast<int>(config.max_attempts);
    account.lock_for = config.lockout;
    account.window = kForever;
    config.account_throttle = account;

    // Nobody can lift an address lock (lockoutKeys names per-user keys only), so it always ends.
    sdk::ThrottlePolicy address;
    address.free_attempts = static_cast<int>(config.address_max_attempts);
    address.base_delay = 0;
    address.max_delay = 0;
    address.lock_after = static_cast<int>(config.address_max_attempts);
    address.lock_for = config.address_window;
    address.window = config.address_window;
    config.address_throttle = address;
    return config;
}

}  // namespace authd::plugins::pin
