// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "authd/sdk/result.hpp"

/// @file
/// Small JSON helpers shared by the tokens area: writing JSON strings by hand (headers and
/// JWKs are built as text, which is faster than a Poco object and gives a fixed member order)
/// and parsing one object without letting a Poco exception out.

namespace authd::tokens {

/// Appends `text` as a quoted JSON string (escapes ", \ and control characters; other bytes,
/// UTF-8 included, pass through).
void appendJsonString(std::string& out, std::string_view text);

/// Parses `json` (nesting depth at most 32) and returns it if it is an object. Error
/// (invalid_argument) "<what> is not valid JSON" or "<what> is not a JSON object".
sdk::Result<Poco::JSON::Object::Ptr> parseJsonObject(std::string_view json, std::string_view what);

/// The member `name` when it is a JSON string; std::nullopt when absent or of another type.
std::optional<std::string> stringMember(const Poco::JSON::Object& object, const std::string& name);

/// The member `name` when it is an integer (not a boolean, not a fraction) fitting int64.
std::optional<std::int64_t> integerMember(const Poco::JSON::Object& object,
                                          const std::string& name);

}  // namespace authd::tokens
