// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::http {

/// Bounds on an `application/x-www-form-urlencoded` body or a query string.
struct FormLimits {
    std::size_t max_fields = 100;
    std::size_t max_name_bytes = 256;    ///< decoded
    std::size_t max_value_bytes = 65536; ///< decoded
};

/// Strict percent-decoding: `%` must be followed by two hex digits. With `plus_as_space`
/// (forms and query strings) `+` becomes a space. Errors (invalid_argument) name the byte
/// offset of the bad escape.
sdk::Result<std::string> percentDecode(std::string_view text, bool plus_as_space);

/// Percent-encodes everything but unreserved characters (RFC 3986 2.3), for building URLs.
std::string percentEncode(std::string_view text);

/// Parses `name=value&name=value` (a form body or a query string) into ordered fields;
/// repeated names are kept in order. Empty segments (`a=1&&b=2`) are skipped; a segment
/// without `=` is a name with an empty value. Rejects (invalid_argument, with a message fit
/// for a 400 response): malformed percent escapes, decoded NUL bytes or invalid UTF-8, an empty
/// name, and anything over `limits`.
sdk::Result<sdk::Fields> parseForm(std::string_view body, const FormLimits& limits = {});

/// The first name that occurs more than once, if any (RFC 6749 3.1: OAuth parameters must not
/// repeat).
std::optional<std::string> findDuplicate(const sdk::Fields& fields);

/// True when `text` is valid UTF-8 (no overlong forms, no surrogates).
bool isValidUtf8(std::string_view text) noexcept;

/// The value of a hex digit (either case), or -1.
int hexValue(char c) noexcept;

} // namespace authd::http
