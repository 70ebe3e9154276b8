// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"
#include "http/router.hpp"
#include "oauth/provider.hpp"

namespace authd::dash {

/// The first-party project the dashboard and My Apps sign users in through.
inline constexpr std::string_view kDashClientId = "proj_authdash";
/// The dashboard session: "<user_id>.<session_id>.<expires>.<mac>", HMAC-signed, bound to
/// the IdP session it was issued in (ending that session ends the dashboard's).
inline constexpr std::string_view kDashCookie = "authd_dash";
/// The sign-in in progress: "<state>.<code_verifier>.<next>", path /admin/callback.
inline constexpr std::string_view kFlowCookie = "authd_dash_flow";
/// The dashboard's additions to the shared /static/authd.css.
inline constexpr std::string_view kDashStylesheetPath = "/static/dash.css";
/// Lifetime of a dashboard session.
inline constexpr sdk::Seconds kDashSessionTtl = 8 * 3600;

/// Creates proj_authdash when it is missing (public client, PKCE, skip_consent, redirect URI
/// {issuer}/admin/callback), or brings its redirect URI in line with the issuer.
sdk::Result<void> ensureDashboardProject(oauth::ProviderContext& ctx);

/// /admin (authdash) and /apps (My Apps). Call once, before the server starts, after
/// ensureDashboardProject.
void addDashRoutes(http::Router& router, oauth::ProviderContext& ctx);

/// The sheet served at kDashStylesheetPath.
std::string_view dashStylesheet() noexcept;

/// The dashboard cookie's content.
struct DashIdentity {
    std::string user_id;
    std::string session_id;
    sdk::UnixTime expires_at = 0;
};

/// Signs and checks dashboard cookies (exposed for tests). decode gives nullopt for a
/// malformed, forged or expired value.
std::string encodeDashCookie(std::string_view key, const DashIdentity& identity);
std::optional<DashIdentity> decodeDashCookie(std::string_view key, std::string_view value,
                                             sdk::UnixTime now);

} // namespace authd::dash
