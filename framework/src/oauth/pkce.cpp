// SPDX-License-Identifier: Apache-2.0
#include "oauth/pkce.hpp"

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace authd::oauth {
namespace {

// RFC 7636 section 4.1: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~", 43 to 128 long.
bool isPkceString(std::string_view text) {
    if (text.size() < 43 || text.size() > 128) {
        return false;
    }
    for (char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '.' || c == '_' || c == '~';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<OAuthError> checkPkceRequest(std::string_view challenge, std::string_view method) {
    if (challenge.empty()) {
        if (!method.empty()) {
            return invalidRequest("code_challenge_method was sent without code_challenge");
        }
        return std::nullopt;
    }
    if (method.empty() || method == "plain") {
        return invalidRequest("code_challenge_method must be S256 (plain is not supported)");
    }
    if (method != "S256") {
        return invalidRequest("unsupported code_challenge_method; use S256");
    }
    if (!isPkceString(challenge)) {
        return invalidRequest("code_challenge must be 43-128 characters of [A-Za-z0-9-._~]");
    }
    return std::nullopt;
}

bool verifyPkce(std::string_view verifier, std::string_view challenge) {
    if (!isPkceString(verifier)) {
        return false;
    }
    const std::string computed = crypto::base64UrlEncode(crypto::sha256(verifier));
    return crypto::constantTimeEquals(computed, challenge);
}

}  // namespace authd::oauth
