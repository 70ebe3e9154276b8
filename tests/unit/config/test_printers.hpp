// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ostream>
#include <string>

#include "authd/sdk/result.hpp"

namespace authd::sdk {

// Lets BOOST_TEST print an ErrorCode when a comparison fails (found by ADL).
inline std::ostream& boost_test_print_type(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}

}  // namespace authd::sdk

// The error text of a failed Result, or "" on success (safe inside BOOST_REQUIRE_MESSAGE).
template <typename R>
std::string errorText(const R& result) {
    return result.has_value() ? std::string() : result.error().message;
}
