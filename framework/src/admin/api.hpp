// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "admin/service.hpp"
#include "http/router.hpp"
#include "oauth/provider.hpp"

namespace authd::admin {

/// Registers every route of the admin API (SPEC section 8) under /admin/api/v1 on `router`,
/// over an AdminService on `ctx`. Authentication: `Authorization: Bearer <AUTHD_ADMIN_TOKEN>`
/// (compared in constant time; absent config disables it), or the IdP session cookie of a
/// user whose role is `admin`. A session-authenticated write (any method but GET/HEAD) must
/// also carry `Content-Type: application/json` and come from the issuer's own origin
/// (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the issuer's): a cross-site form or
/// fetch can do neither without a CORS preflight, which this API never grants.
/// Call once, before the server starts; `ctx` must outlive the router.
void addAdminApiRoutes(http::Router& router, oauth::ProviderContext& ctx);

/// The admin API as one handler accepting `Authorization: Bearer <token>` only, its changes
/// audited with actor `actor_kind`: authctl's direct mode dispatches its requests to it in
/// process. The handler expects request.path under /admin/api/v1.
http::Handler adminApiHandler(oauth::ProviderContext& ctx, std::string token,
                              std::string actor_kind);

} // namespace authd::admin
