// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "authd/sdk/config.hpp"
#include "config/authd_config.hpp"
#include "config/config_error.hpp"

namespace authd::config {

/// Validates one plugin instance's `config:` map against the plugin's schema and builds the
/// read-only view its factory receives.
///
/// Checks: types per sdk::ConfigType, required keys, unknown keys (listing the allowed ones),
/// integer and duration ranges (ConfigKey::min/max; durations in seconds), nested maps through
/// `children`, and secrets: a secret key `name` is given as `name_env: VARIABLE` or
/// `name_file: PATH` (exactly one); a literal `name:` is refused. Secrets are resolved here with
/// readSecret(), so an unset variable or a missing file is reported like any other problem
/// (also by `authd check-config`, which is what a deployer wants to learn before starting).
///
/// Every problem is appended to `errors` with file:line:column and a path such as
/// `authenticators[0].config.digits`. Returns nullptr if this instance had any problem;
/// otherwise a view with defaults applied and durations parsed, whose where(key) reads
/// `file:line:col: authenticators[0].config.key`.
/// Never throws. The returned node holds secret values and wipes them when destroyed.
std::unique_ptr<sdk::ConfigNode> validatePluginConfig(const PluginInstanceConfig& instance,
                                                      const sdk::ConfigSchema& schema,
                                                      ConfigErrors& errors);

}  // namespace authd::config
