// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "authd/sdk/config.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::plugins::magic_link {

/// The magic-link authenticator's settings, parsed from its validated `config:` map.
struct MagicLinkConfig {
    std::string label = "Email link";
    std::string subject = "Your sign-in link";
    sdk::Seconds ttl = 15 * 60;           ///< how long a link works
    bool create_accounts = false;         ///< an unknown email gets an account on first use
    std::int64_t per_email_limit = 5;     ///< links per email address per limit_window
    std::int64_t per_address_limit = 20;  ///< link requests per client address per limit_window
    sdk::Seconds limit_window = 15 * 60;
};

/// Declares the `config:` keys (the manifest's describe_config).
void describeMagicLinkConfig(sdk::ConfigSchema& schema);

/// Reads the host-validated node into a MagicLinkConfig, checking ranges again and what the
/// schema cannot express (a subject without line breaks). Every problem is reported in one
/// invalid_config error, each line starting with `where(key)`.
sdk::Result<MagicLinkConfig> parseMagicLinkConfig(const sdk::ConfigNode& node);

}  // namespace authd::plugins::magic_link
