// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oauth/errors.hpp"

namespace authd::oauth {

/// Checks an authorization request's PKCE parameters (RFC 7636 section 4.2-4.3). Only S256
/// is accepted: `plain` gives no protection against a leaked authorization request.
/// A method without a challenge, or a challenge that is not 43-128 unreserved characters, is
/// an error. Returns nothing when the pair is acceptable (including both absent).
std::optional<OAuthError> checkPkceRequest(std::string_view challenge, std::string_view method);

/// RFC 7636 section 4.6: BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
/// The verifier must be 43-128 unreserved characters.
bool verifyPkce(std::string_view verifier, std::string_view challenge);

}  // namespace authd::oauth
