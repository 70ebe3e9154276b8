// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"
#include "json/json.hpp"

/// @file
/// JWT claim checks (RFC 7519 4.1), run after the signature verified. Timestamps are integer
/// seconds: a fractional or string `exp`/`nbf`/`iat` is refused as malformed.
/// Threading: pure functions. Errors: never throws.

namespace authd::tokens {

/// What a token must satisfy. Empty strings and zero durations switch a check off.
struct ClaimRules {
    sdk::UnixTime now = 0;
    sdk::Seconds leeway = 0;           ///< clock skew allowed on exp, nbf and iat
    std::string issuer;                ///< `iss` must equal it exactly
    std::string audience;              ///< `aud` (a string or an array of strings) must hold it
    bool require_exp = true;           ///< a token without `exp` is refused
    bool require_iat = false;          ///< a token without `iat` is refused
    sdk::Seconds max_age = 0;          ///< `iat` older than now - max_age - leeway is refused
    std::vector<std::string> required; ///< further claims that must be present (any type)
};

enum class ClaimFailure : std::uint8_t {
    malformed,         ///< a registered claim has the wrong type (fractional time, numeric iss)
    missing,           ///< a required claim is absent
    expired,           ///< now >= exp + leeway
    not_yet_valid,     ///< now + leeway < nbf
    issued_in_future,  ///< iat > now + leeway
    too_old,           ///< iat < now - max_age - leeway
    wrong_issuer,
    wrong_audience,
};

/// lower_snake name of a failure ("expired", "wrong_audience", ...).
std::string_view claimFailureName(ClaimFailure failure) noexcept;

/// The outcome of checkClaims: true when every check passed; otherwise `failure` says which
/// one broke and `message` says it for logs (it names the claim, never its value).
struct ClaimVerdict {
    std::optional<ClaimFailure> failure;
    std::string message;

    explicit operator bool() const noexcept { return !failure.has_value(); }
    /// expired -> ErrorCode::expired, malformed -> invalid_argument, the rest -> denied.
    sdk::Error toError() const;
};

ClaimVerdict checkClaims(const json::Object& claims, const ClaimRules& rules);

/// Whether `aud` (a string or an array of strings) names `audience`; false when absent or
/// malformed.
bool audienceContains(const json::Object& claims, std::string_view audience);

}  // namespace authd::tokens
