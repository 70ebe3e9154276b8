// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace authd::admin {

/// authctl: the admin API's operations from the shell (docs/authctl.md). `args` excludes the
/// program name; `env` supplies AUTHD_URL and AUTHD_ADMIN_TOKEN. Two transports: `--url URL`
/// (or AUTHD_URL) sends HTTP requests to a running server's /admin/api/v1 with the bearer
/// token from AUTHD_ADMIN_TOKEN; `--config FILE` opens the configured store, plugins and
/// master key itself and serves the same requests in process (for bootstrap while the server
/// is down). Output: human-readable tables, or the API's JSON with `--json`.
/// Returns the exit code: 0 success, 1 failure (refused request, unreachable server, bad
/// config), 2 usage error. Never throws.
int runAuthctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::ostream& out, std::ostream& err);

} // namespace authd::admin
