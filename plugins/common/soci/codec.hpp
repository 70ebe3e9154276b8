// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/result.hpp"

namespace authd::plugins::soci_common {

/// Lists that live in one text column are stored as a JSON array of strings, so that a
/// human reading the database sees them as they are.
std::string encodeList(const std::vector<std::string>& items);
/// False on anything encodeList would not have written.
bool decodeList(std::string_view text, std::vector<std::string>& items);

/// Opaque paging cursors: each part hex-encoded, parts joined by '.'.
std::string makeCursor(const std::vector<std::string>& parts);
/// False unless `cursor` holds exactly `count` well-formed parts.
bool parseCursor(std::string_view cursor, std::size_t count, std::vector<std::string>& parts);

/// Splits a migration script into statements at `;`, skipping `--` and `/* */` comments and
/// quoted text. Dollar quoting is not supported (the shipped migrations do not use it).
std::vector<std::string> splitSqlScript(std::string_view script);

/// A database message on one line: whitespace runs become single spaces, ends trimmed
/// (libpq messages carry newlines and tabs that would break one-line logs).
std::string oneLine(std::string_view text);

/// Largest page a listing returns.
inline constexpr int kMaxPageSize = 1000;

/// invalid_argument unless 1 <= limit <= kMaxPageSize.
sdk::Result<void> checkLimit(int limit);

/// The arguments of a listing: checks `limit`, and decodes `cursor` (empty: the first page)
/// into `after`, which is left empty on the first page. invalid_argument naming `what`.
sdk::Result<void> checkPage(std::string_view what, int limit, const std::string& cursor,
                            std::size_t cursor_parts, std::vector<std::string>& after);

}  // namespace authd::plugins::soci_common
