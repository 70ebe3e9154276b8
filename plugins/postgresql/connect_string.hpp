// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::plugins::postgresql {

/// libpq key=value pairs, in order.
using ConnectParams = std::vector<std::pair<std::string, std::string>>;

/// Parses a libpq key=value connection string (values bare or single-quoted, backslash
/// escapes). Refuses URIs (postgresql://...), which SOCI 4.0.3 mangles, and anything SOCI
/// 4.0.3 cannot pass through intact (control characters, runs of spaces in a value).
/// Errors are invalid_config; messages never quote a password.
sdk::Result<ConnectParams> parseConnectString(std::string_view dsn);

/// The string handed to SOCI: every value quoted, `password` added when given (it must not
/// also appear in the DSN), and connect_timeout last. SOCI 4.0.3 re-splits the string on
/// spaces and breaks a quoted value holding a space when it comes last, so the final pair
/// is always the bare connect_timeout number.
sdk::Result<std::string> buildConnectString(const ConnectParams& params,
                                            const std::string& password,
                                            sdk::Seconds connect_timeout);

/// host/port/dbname/user for messages and logs; never the password.
std::string describeTarget(const ConnectParams& params);

}  // namespace authd::plugins::postgresql
