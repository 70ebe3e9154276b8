// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "authd/sdk/result.hpp"

namespace authd::config {

/// Reads a secret from exactly one source: the environment variable `env_var` or the file
/// `file` (one trailing newline, "\n" or "\r\n", is removed so `echo secret > file` works).
/// Errors (ErrorCode::invalid_config) say which: both or neither given, variable unset or
/// empty, file missing, unreadable, not a regular file, larger than 1 MiB, or empty.
/// Messages name the variable or file and never contain the secret.
sdk::Result<std::string> readSecret(const std::string& env_var, const std::string& file);

}  // namespace authd::config
