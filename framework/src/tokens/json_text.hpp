// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include "authd/sdk/result.hpp"
#include "json/json.hpp"

/// @file
/// Parsing one JSON object in the tokens area (JWS headers and payloads, JWKs) with the error
/// messages token verification has always reported.

namespace authd::tokens {

/// Parses `text` (nesting depth at most 32) and returns it if it is an object. Error
/// (invalid_argument) "<what> is not valid JSON" or "<what> is not a JSON object", without the
/// parser's reason: these messages end up in token errors, which stay as they were.
sdk::Result<json::Object> parseJsonObject(std::string_view text, std::string_view what);

}  // namespace authd::tokens
