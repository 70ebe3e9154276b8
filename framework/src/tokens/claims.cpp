// SPDX-License-Identifier: Apache-2.0
#include "tokens/claims.hpp"

#include <limits>

namespace authd::tokens {

namespace {

ClaimVerdict fail(ClaimFailure failure, std::string message) {
    return ClaimVerdict{failure, std::move(message)};
}

// Saturating, so that a huge exp or leeway cannot wrap around.
std::int64_t addSaturating(std::int64_t a, std::int64_t b) noexcept {
    if (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b) {
        return std::numeric_limits<std::int64_t>::max();
    }
    if (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return a + b;
}

enum class AudienceState : std::uint8_t { absent, malformed, missing_audience, contains };

AudienceState audienceState(const json::Object& claims, std::string_view audience) {
    const json::Value* aud = claims.find("aud");
    if (aud == nullptr) {
        return AudienceState::absent;
    }
    if (aud->isString()) {
        return aud->asString() == audience ? AudienceState::contains
                                           : AudienceState::missing_audience;
    }
    if (!aud->isArray()) {
        return AudienceState::malformed;
    }
    bool found = false;
    for (const json::Value& entry : aud->asArray()) {
        if (!entry.isString()) {
            return AudienceState::malformed;
        }
        if (entry.asString() == audience) {
            found = true;
        }
    }
    return found ? AudienceState::contains : AudienceState::missing_audience;
}

// A time claim: absent, a proper integer, or malformed.
struct TimeClaim {
    bool present = false;
    bool valid = false;
    std::int64_t value = 0;
};

TimeClaim timeClaim(const json::Object& claims, std::string_view name) {
    TimeClaim claim;
    const json::Value* value = claims.find(name);
    claim.present = value != nullptr;
    // An integer fitting int64: never a boolean, a fraction, a string or a larger number.
    claim.valid = claim.present && value->isInteger();
    claim.value = claim.valid ? value->asInteger() : 0;
    return claim;
}

}  // namespace

std::string_view claimFailureName(ClaimFailure failure) noexcept {
    switch (failure) {
    case ClaimFailure::malformed: return "malformed";
    case ClaimFailure::missing: return "missing";
    case ClaimFailure::expired: return "expired";
    case ClaimFailure::not_yet_valid: return "not_yet_valid";
    case ClaimFailure::issued_in_future: return "issued_in_future";
    case ClaimFailure::too_old: return "too_old";
    case ClaimFailure::wrong_issuer: return "wrong_issuer";
    case ClaimFailure::wrong_audience: return "wrong_audience";
    }
    return "unknown";
}

sdk::Error ClaimVerdict::toError() const {
    if (!failure) {
        return sdk::makeError(sdk::ErrorCode::internal, "claims passed; no error to report");
    }
    switch (*failure) {
    case ClaimFailure::expired: return sdk::makeError(sdk::ErrorCode::expired, message);
    case ClaimFailure::malformed: return sdk::makeError(sdk::ErrorCode::invalid_argument, message);
    default: return sdk::makeError(sdk::ErrorCode::denied, message);
    }
}

ClaimVerdict checkClaims(const json::Object& claims, const ClaimRules& rules) {
    const sdk::Seconds leeway = rules.leeway < 0 ? 0 : rules.leeway;

    const TimeClaim exp = timeClaim(claims, "exp");
    const TimeClaim nbf = timeClaim(claims, "nbf");
    const TimeClaim iat = timeClaim(claims, "iat");
    // Shape first, so a malformed token is reported as such whatever the clock says.
    if (exp.present && !exp.valid) {
        return fail(ClaimFailure::malformed, "exp is not an integer timestamp");
    }
    if (nbf.present && !nbf.valid) {
        return fail(ClaimFailure::malformed, "nbf is not an integer timestamp");
    }
    if (iat.present && !iat.valid) {
        return fail(ClaimFailure::malformed, "iat is not an integer timestamp");
    }
    const json::Value* iss = claims.find("iss");
    if (iss != nullptr && !iss->isString()) {
        return fail(ClaimFailure::malformed, "iss is not a string");
    }
    if (const json::Value* sub = claims.find("sub"); sub != nullptr && !sub->isString()) {
        return fail(ClaimFailure::malformed, "sub is not a string");
    }

    if (rules.require_exp && !exp.present) {
        return fail(ClaimFailure::missing, "exp is missing");
    }
    if (rules.require_iat && !iat.present) {
        return fail(ClaimFailure::missing, "iat is missing");
    }
    for (const auto& name : rules.required) {
        if (!claims.has(name)) {
            return fail(ClaimFailure::missing, name + " is missing");
        }
    }

    if (exp.present && rules.now >= addSaturating(exp.value, leeway)) {
        return fail(ClaimFailure::expired, "token has expired");
    }
    if (nbf.present && addSaturating(rules.now, leeway) < nbf.value) {
        return fail(ClaimFailure::not_yet_valid, "token is not valid yet (nbf)");
    }
    if (iat.present && iat.value > addSaturating(rules.now, leeway)) {
        return fail(ClaimFailure::issued_in_future, "token was issued in the future (iat)");
    }
    if (rules.max_age > 0) {
        if (!iat.present) {
            return fail(ClaimFailure::missing, "iat is missing");
        }
        if (addSaturating(addSaturating(iat.value, rules.max_age), leeway) < rules.now) {
            return fail(ClaimFailure::too_old, "token is too old (iat)");
        }
    }

    if (!rules.issuer.empty()) {
        if (iss == nullptr) {
            return fail(ClaimFailure::missing, "iss is missing");
        }
        if (iss->asString() != rules.issuer) {
            return fail(ClaimFailure::wrong_issuer, "wrong issuer");
        }
    }
    if (!rules.audience.empty()) {
        switch (audienceState(claims, rules.audience)) {
        case AudienceState::absent: return fail(ClaimFailure::missing, "aud is missing");
        case AudienceState::malformed:
            return fail(ClaimFailure::malformed, "aud is neither a string nor an array of strings");
        case AudienceState::missing_audience:
            return fail(ClaimFailure::wrong_audience, "wrong audience");
        case AudienceState::contains: break;
        }
    } else if (claims.has("aud") && audienceState(claims, "") == AudienceState::malformed) {
        return fail(ClaimFailure::malformed, "aud is neither a string nor an array of strings");
    }
    return ClaimVerdict{};
}

bool audienceContains(const json::Object& claims, std::string_view audience) {
    return audienceState(claims, audience) == AudienceState::contains;
}

}  // namespace authd::tokens
