// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace authd::oauth {

/// An OAuth 2.0 / OIDC protocol error as data. `code` is the RFC 6749 / OIDC error string;
/// the HTTP status and headers it maps to are decided in one place (tokenErrorStatus).
struct OAuthError {
    std::string code;
    std::string description;
};

inline OAuthError invalidRequest(std::string description) {
    return {"invalid_request", std::move(description)};
}
inline OAuthError invalidClient(std::string description) {
    return {"invalid_client", std::move(description)};
}
inline OAuthError invalidGrant(std::string description) {
    return {"invalid_grant", std::move(description)};
}
inline OAuthError unauthorizedClient(std::string description) {
    return {"unauthorized_client", std::move(description)};
}
inline OAuthError invalidScope(std::string description) {
    return {"invalid_scope", std::move(description)};
}
inline OAuthError accessDenied(std::string description) {
    return {"access_denied", std::move(description)};
}
inline OAuthError serverError(std::string description) {
    return {"server_error", std::move(description)};
}

/// RFC 6749 section 5.2 status for a token-endpoint error: invalid_client is 401 (the caller
/// adds WWW-Authenticate), server_error 500, temporarily_unavailable 503, the rest 400.
int tokenErrorStatus(const std::string& code);

/// `{"error": ..., "error_description": ...}`, JSON-escaped.
std::string errorJson(const OAuthError& error);

}  // namespace authd::oauth
