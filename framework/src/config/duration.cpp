// SPDX-License-Identifier: Apache-2.0
#include "config/duration.hpp"

#include <cstdint>
#include <limits>

namespace authd::config {

namespace {

sdk::Error durationError(std::string_view text, const std::string& why) {
    return sdk::makeError(sdk::ErrorCode::invalid_config,
                          "invalid duration \"" + std::string(text) + "\": " + why);
}

}  // namespace

sdk::Result<sdk::Seconds> parseDuration(std::string_view text) {
    if (text.empty()) {
        return sdk::makeError(sdk::ErrorCode::invalid_config,
                              "invalid duration: empty; expected a number with an optional unit "
                              "s, m, h, d or w, like 15m");
    }
    std::size_t i = 0;
    std::int64_t value = 0;
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const int digit = text[i] - '0';
        if (value > (kMax - digit) / 10) {
            return durationError(text, "too large");
        }
        value = value * 10 + digit;
        ++i;
    }
    if (i == 0) {
        if (text[0] == '-') {
            return durationError(text, "must not be negative");
        }
        return durationError(text, "expected a whole number with an optional unit s, m, h, d "
                                   "or w, like 15m");
    }
    std::int64_t scale = 1;
    if (i < text.size()) {
        switch (text[i]) {
        case 's': scale = 1; break;
        case 'm': scale = 60; break;
        case 'h': scale = 3600; break;
        case 'd': scale = 86400; break;
        case 'w': scale = 604800; break;
        case '.':
        case ',':
            return durationError(text, "fractions are not allowed; use a smaller unit (90m "
                                       "rather than 1.5h)");
        default:
            return durationError(text, "unknown unit; use s, m, h, d or w");
        }
        ++i;
        if (i != text.size()) {
            return durationError(text, "expected one number and one unit, like 15m");
        }
    }
    if (value > kMax / scale) {
        return durationError(text, "too large");
    }
    return value * scale;
}

std::string formatDuration(sdk::Seconds seconds) {
    if (seconds < 0) {
        // Only reachable from code, never from parseDuration: print it plainly.
        return std::to_string(seconds) + "s";
    }
    if (seconds == 0) {
        return "0s";
    }
    if (seconds % 86400 == 0) {
        return std::to_string(seconds / 86400) + "d";
    }
    if (seconds % 3600 == 0) {
        return std::to_string(seconds / 3600) + "h";
    }
    if (seconds % 60 == 0) {
        return std::to_string(seconds / 60) + "m";
    }
    return std::to_string(seconds) + "s";
}

}  // namespace authd::config
