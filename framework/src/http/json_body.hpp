// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "json/json.hpp"

namespace authd::http {

/// Parses a request body that must be one JSON object. Never throws: malformed JSON, invalid
/// UTF-8, an empty body, another JSON type and anything nested deeper than `max_depth` become
/// invalid_argument with a message fit for a 400 response.
sdk::Result<json::Object> parseJsonBody(std::string_view body, std::size_t max_depth = 32);

} // namespace authd::http
