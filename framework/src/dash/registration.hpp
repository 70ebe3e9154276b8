// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "http/router.hpp"
#include "oauth/provider.hpp"

namespace authd::dash {

/// Plugin-data namespace of the pending email verifications (no authenticator instance id
/// contains a dot), keyed by the SHA-256 of the token, single use. Invite codes are the admin
/// service's (admin::kInviteNamespace).
inline constexpr std::string_view kVerifyNamespace = "authd.verify";
/// Lifetime of a verification link.
inline constexpr sdk::Seconds kVerifyTtl = 24 * 3600;

/// /register and /register/verify (config.registration: open, invite; closed answers 404).
void addRegistrationRoutes(http::Router& router, oauth::ProviderContext& ctx);

} // namespace authd::dash
