// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"
#include "crypto/encoding.hpp"
#include "json/json.hpp"
#include "tokens/claims.hpp"
#include "tokens/jws.hpp"

namespace authd::sdk {

// Lets Boost.Test print these in failed assertions.
inline std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}

}  // namespace authd::sdk

namespace authd::tokens {

inline std::ostream& operator<<(std::ostream& out, Alg alg) {
    return out << algName(alg);
}

inline std::ostream& operator<<(std::ostream& out, ClaimFailure failure) {
    return out << claimFailureName(failure);
}

}  // namespace authd::tokens

namespace authd::tokens::test {

// Stops the test case with the error's message when `result` failed.
template <typename T>
void requireOk(const sdk::Result<T>& result, const std::string& what) {
    BOOST_REQUIRE_MESSAGE(result.has_value(),
                          what + ": " + (result.has_value() ? std::string() : result.error().message));
}

// The string member `name`, or "<absent>" when it is missing or not a string.
inline std::string str(const json::Object& object, std::string_view name) {
    return object.string(name).value_or("<absent>");
}

inline constexpr sdk::UnixTime kNow = 1'700'000'000;

// A claims object as the token endpoint would build it.
inline std::string claimsJson(sdk::UnixTime now = kNow, sdk::Seconds ttl = 300) {
    return R"({"iss":"https://idp.example","sub":"user-1","aud":"proj_demo","iat":)" +
           std::to_string(now) + R"(,"exp":)" + std::to_string(now + ttl) + "}";
}

inline std::string b64(std::string_view text) {
    return crypto::base64UrlEncode(text);
}

// The three parts of a compact JWS (no validation: tests build broken tokens on purpose).
struct Parts {
    std::string header;
    std::string payload;
    std::string signature;
};

inline Parts splitParts(const std::string& compact) {
    const auto first = compact.find('.');
    const auto second = compact.find('.', first + 1);
    return {compact.substr(0, first), compact.substr(first + 1, second - first - 1),
            compact.substr(second + 1)};
}

inline std::string joinParts(const Parts& parts) {
    return parts.header + "." + parts.payload + "." + parts.signature;
}

}  // namespace authd::tokens::test
