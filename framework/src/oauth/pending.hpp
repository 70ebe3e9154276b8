// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "oauth/authorize_request.hpp"

namespace authd::oauth {

/// Version tag of the serialized form; a record with another version is refused rather than
/// half-read (a node running older code during a rolling upgrade shows "start again").
inline constexpr int kPendingFormatVersion = 1;

/// The request as the JSON object kept in sdk::PendingAuthorization::params. Everything but
/// `id_token_hint` (checked before the request is stored, and not needed afterwards).
std::string encodeAuthorizeRequest(const AuthorizeRequest& request);

/// The inverse of encodeAuthorizeRequest. invalid_argument when `params` is not a JSON object
/// of that shape (wrong version, a member of the wrong type, an unknown prompt bit).
sdk::Result<AuthorizeRequest> decodeAuthorizeRequest(std::string_view params);

}  // namespace authd::oauth
