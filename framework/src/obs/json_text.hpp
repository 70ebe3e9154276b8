// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::obs {

/// Appends `text` to `out` as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, invalid UTF-8 replaced by U+FFFD so that every log line stays valid JSON
/// whatever a client sent.
void appendJsonEscaped(std::string& out, std::string_view text);

/// `text` as a complete JSON string literal, quotes included.
std::string jsonQuote(std::string_view text);

} // namespace authd::obs
