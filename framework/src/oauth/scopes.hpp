// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authd::oauth {

/// The scope sent when an authorization request has none (the first seed sends none): what
/// an app needs to read the signed-in user, intersected with what the project allows.
inline constexpr std::string_view kDefaultScope = "openid profile email";

/// Splits a space-delimited scope string (RFC 6749 section 3.3), dropping duplicates and
/// keeping the first-seen order. nullopt when a token has a character outside %x21 / %x23-5B
/// / %x5D-7E.
std::optional<std::vector<std::string>> parseScope(std::string_view scope);

std::string joinScope(const std::vector<std::string>& scopes);

bool hasScope(const std::vector<std::string>& scopes, std::string_view scope);
bool hasScope(std::string_view scope_string, std::string_view scope);

/// Scopes of `requested` that are not in `allowed`, in order.
std::vector<std::string> scopesOutside(const std::vector<std::string>& requested,
                                       const std::vector<std::string>& allowed);

/// Scopes of `requested` that are in `allowed`, in order.
std::vector<std::string> scopesWithin(const std::vector<std::string>& requested,
                                      const std::vector<std::string>& allowed);

}  // namespace authd::oauth
