// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::config {

/// Parses a config duration: a non-negative whole number followed by an optional unit,
/// `s` (seconds, the default), `m`, `h`, `d` or `w`: `90`, `90s`, `15m`, `12h`, `7d`, `2w`.
/// Refused (ErrorCode::invalid_config, message saying why): empty text, signs, fractions
/// (`1.5h`), spaces, unknown or repeated units (`5y`, `1h30m`), values that overflow.
sdk::Result<sdk::Seconds> parseDuration(std::string_view text);

/// The shortest exact spelling with the largest unit among s, m, h, d: 604800 → `7d`,
/// 90 → `90s`, 0 → `0s`. parseDuration(formatDuration(x)) == x for every x >= 0.
std::string formatDuration(sdk::Seconds seconds);

}  // namespace authd::config
