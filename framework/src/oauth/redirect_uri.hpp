// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authd::oauth {

/// Why a redirect URI cannot be registered, or nothing when it can. Rules (SPEC section 6,
/// RFC 8252 for native apps): an absolute URI without a fragment or user-info; https; http
/// only for loopback hosts (127.0.0.1, [::1], localhost) unless the project is marked as
/// development; a private-use scheme with a dot (com.example.app:/cb) for native apps.
std::optional<std::string> redirectUriProblem(std::string_view uri, bool development);

/// Exact, byte-for-byte comparison against the allowlist: scheme, host, port, path and
/// trailing slash must all match; no wildcards, no normalisation.
bool redirectUriAllowed(std::string_view uri, const std::vector<std::string>& allowlist);

/// Appends `name=value` pairs to `base` as a query string (after `?` or `&`), percent-encoding
/// each value, keeping any query `base` already has.
std::string appendQuery(std::string base,
                        const std::vector<std::pair<std::string, std::string>>& params);

/// application/x-www-form-urlencoded encoding of one component (RFC 3986 unreserved kept).
std::string urlEncode(std::string_view text);

}  // namespace authd::oauth
