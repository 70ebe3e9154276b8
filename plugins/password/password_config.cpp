// SPDX-License-Identifier: Apache-2.0
#include "password_config.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace authd::plugins::password {

namespace {

constexpr std::int64_t kMaxAttempts = 1'000'000;
constexpr sdk::Seconds kMaxDelayCeiling = 86'400;        // one day
constexpr sdk::Seconds kMaxPeriod = 30 * 86'400;         // thirty days

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

void describePasswordConfig(sdk::ConfigSchema& schema) {
    schema.add("label", sdk::ConfigType::string, false, "Password",
               "the method's name on the login page");
    auto& min_length = schema.add("min_length", sdk::ConfigType::integer, false, "10",
                                  "fewest characters a new password may have");
    min_length.min = kMinLengthFloor;
    min_length.max = 1024;
    auto& max_length = schema.add("max_length", sdk::ConfigType::integer, false, "1024",
                                  "most characters a password may have");
    max_length.min = kMinLengthFloor;
    max_length.max = kLengthCeiling;

    auto& throttle = schema.add("throttle", sdk::ConfigType::map, false, {},
                                "failed sign-in throttling, per account and per client address");
    sdk::ConfigSchema children;
    auto& free_attempts = children.add("free_attempts", sdk::ConfigType::integer, false, "3",
                                       "failures allowed before any delay");
    free_attempts.min = 0;
    free_attempts.max = kMaxAttempts;
    auto& base_delay = children.add("base_delay", sdk::ConfigType::duration, false, "1s",
                                    "first delay; each further failure doubles it");
    base_delay.min = 0;
    base_delay.max = kMaxDelayCeiling;
    auto& max_delay = children.add("max_delay", sdk::ConfigType::duration, false, "60s",
                                   "longest delay between attempts");
    max_delay.min = 0;
    max_delay.max = kMaxDelayCeiling;
    auto& lock_after = children.add("lock_after", sdk::ConfigType::integer, false, "10",
                                     "failures within `window` that lock an account");
    lock_after.min = 1;
    lock_after.max = kMaxAttempts;
    auto& lock_for = children.add("lock_for", sdk::ConfigType::duration, false, "15m",
                                  "how long a lock lasts; 0 = until an administrator clears it");
    lock_for.min = 0;
    lock_for.max = kMaxPeriod;
    auto& window = children.add("window", sdk::ConfigType::duration, false, "15m",
                                "period over which failures are counted");
    window.min = 1;
    window.max = kMaxPeriod;
    auto& address_lock_after =
        children.add("address_lock_after", sdk::ConfigType::integer, false, "50",
                     "failures within `window` that lock a client address");
    address_lock_after.min = 1;
    address_lock_after.max = kMaxAttempts;
    throttle.children = children.keys();
}

sdk::Result<PasswordConfig> parsePasswordConfig(const sdk::ConfigNode& node) {
    PasswordConfig config;
    std::vector<std::string> errors;

    config.label = node.getString("label", config.label);
    if (config.label.empty()) {
        errors.push_back(node.where("label") + ": must not be empty");
    }
    config.min_length = node.getInt("min_length", config.min_length);
    config.max_length = node.getInt("max_length", config.max_length);
    checkRange(node, "min_length", config.min_length, kMinLengthFloor, 1024, "", errors);
    checkRange(node, "max_length", config.max_length, kMinLengthFloor, kLengthCeiling, "", errors);
    if (config.min_length > config.max_length) {
        errors.push_back(node.where("min_length") + ": min_length (" +
                         std::to_string(config.min_length) + ") must not exceed max_length (" +
                         std::to_string(config.max_length) + ")");
    }

    sdk::ThrottlePolicy policy;  // the SDK's defaults are this plugin's documented defaults
    std::int64_t address_lock_after = 50;
    if (const sdk::ConfigNode* throttle = node.child("throttle")) {
        const std::int64_t free_attempts = throttle->getInt("free_attempts", policy.free_attempts);
        const std::int64_t lock_after = throttle->getInt("lock_after", policy.lock_after);
        policy.base_delay = throttle->getDuration("base_delay", policy.base_delay);
        policy.max_delay = throttle->getDuration("max_delay", policy.max_delay);
        policy.lock_for = throttle->getDuration("lock_for", policy.lock_for);
        policy.window = throttle->getDuration("window", policy.window);
        address_lock_after = throttle->getInt("address_lock_after", address_lock_after);

        checkRange(*throttle, "free_attempts", free_attempts, 0, kMaxAttempts, "", errors);
        checkRange(*throttle, "lock_after", lock_after, 1, kMaxAttempts, "", errors);
        checkRange(*throttle, "address_lock_after", address_lock_after, 1, kMaxAttempts, "",
                   errors);
        checkRange(*throttle, "base_delay", policy.base_delay, 0, kMaxDelayCeiling, "s", errors);
        checkRange(*throttle, "max_delay", policy.max_delay, 0, kMaxDelayCeiling, "s", errors);
        checkRange(*throttle, "lock_for", policy.lock_for, 0, kMaxPeriod, "s", errors);
        checkRange(*throttle, "window", policy.window, 1, kMaxPeriod, "s", errors);
        if (policy.base_delay > policy.max_delay) {
            errors.push_back(throttle->where("base_delay") + ": base_delay (" +
                             std::to_string(policy.base_delay) + "s) must not exceed max_delay (" +
                             std::to_string(policy.max_delay) + "s)");
        }
        // Ranges are checked above, so the narrowing below cannot lose anything when valid.
        policy.free_attempts = static_cast<int>(std::clamp<std::int64_t>(free_attempts, 0, kMaxAttempts));
        policy.lock_after = static_cast<int>(std::clamp<std::int64_t>(lock_after, 1, kMaxAttempts));
    }

    if (!errors.empty()) {
        std::string message;
        for (const std::string& error : errors) {
            message += message.empty() ? error : "\n" + error;
        }
        return sdk::makeError(sdk::ErrorCode::invalid_config, message);
    }
    config.account_throttle = policy;
    config.address_throttle = policy;
    config.address_throttle.lock_after = static_cast<int>(address_lock_after);
    // Nobody can clear an address lock (lockoutKeys names per-user keys only), and an
    // indefinite one would let an attacker lock out a whole shared network: it always ends.
    if (config.address_throttle.lock_for == 0) {
        config.address_throttle.lock_for = config.address_throttle.window;
    }
    return config;
}

}  // namespace authd::plugins::password
