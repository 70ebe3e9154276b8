// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "http/router.hpp"
#include "oauth/provider.hpp"

namespace authd::dash {

/// Plugin-data namespaces (no authenticator instance id contains a dot): the pending email
/// verifications and the invite codes, each keyed by the SHA-256 of the token, single use.
inline constexpr std::string_view kVerifyNamespace = "authd.verify";
inline constexpr std::string_view kInviteNamespace = "authd.invite";
/// Lifetimes of a verification link and of an invite code.
inline constexpr sdk::Seconds kVerifyTtl = 24 * 3600;
inline constexpr sdk::Seconds kInviteTtl = 7 * 86400;

/// /register and /register/verify (config.registration: open, invite; closed answers 404).
void addRegistrationRoutes(http::Router& router, oauth::ProviderContext& ctx);

/// A new invite code (shown once; the store keeps its hash). Records who made it.
sdk::Result<std::string> createInviteCode(oauth::ProviderContext& ctx, const std::string& admin_id);

} // namespace authd::dash
