// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <variant>

#include "authd/sdk/types.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "oauth/errors.hpp"

namespace authd::oauth {

/// The parameters of a POST to the token, revocation or introspection endpoint: an
/// application/x-www-form-urlencoded body (RFC 6749) or an application/json object whose
/// members are strings (the seeds; a null member counts as absent). Errors (invalid_request):
/// another content type with a body, malformed JSON, a JSON body that is not an object, a
/// member that is not a string, a parameter sent twice (RFC 6749 3.2).
std::variant<sdk::Fields, OAuthError> bodyParams(const http::Request& request);

/// A JSON response with `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 5.1).
http::Response noStoreJson(int status, std::string body);

/// A token, revocation or introspection error (RFC 6749 5.2): the status of
/// tokenErrorStatus(), no-store, and for invalid_client `WWW-Authenticate: Basic realm="authd"`.
http::Response oauthErrorResponse(const OAuthError& error);

/// A protected-resource error (RFC 6750 3): 401 invalid_token / 400 invalid_request /
/// 403 insufficient_scope with the matching `WWW-Authenticate: Bearer ...` header. Without
/// `token_sent` the challenge carries no error code (RFC 6750 3.1), the body still does.
http::Response bearerErrorResponse(const OAuthError& error, bool token_sent = true);

}  // namespace authd::oauth
