// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::plugins::outbox {

/// Everything one .eml file holds. Bodies use any line ending; the file gets CRLF.
struct MimeParts {
    std::string from;
    std::string to;
    std::string subject;
    std::string text_body;
    std::string html_body;  ///< empty: a single text/plain message
    sdk::UnixTime date = 0;
    std::string message_id;  ///< with angle brackets
    std::string boundary;    ///< for multipart/alternative; must not occur in the bodies
};

/// A plain `local@domain` address: no whitespace, control characters, or `<>,;:"()[]\`.
/// Refusing these keeps header injection and address lists out of To/From.
bool isPlainAddress(std::string_view address);

bool isValidUtf8(std::string_view text);

/// RFC 5322 date-time in UTC: `Tue, 14 Nov 2023 22:13:20 +0000`.
std::string rfc5322Date(sdk::UnixTime time);

/// An unstructured header value ready to follow `Name: `: printable ASCII is folded at spaces
/// to keep lines near 78 octets; anything else becomes RFC 2047 `=?UTF-8?B?...?=` words (each at
/// most 75 octets, split on character boundaries) on folded lines. `name` counts toward the
/// first line. Requires valid UTF-8 without CR or LF.
std::string encodeHeaderText(std::string_view name, std::string_view text);

/// Quoted-printable (RFC 2045 6.7) of a body whose lines end in CRLF; lines stay <= 76 octets.
std::string quotedPrintable(std::string_view crlf_text);

/// Every line ending (LF, CR, CRLF) as CRLF, ending with one.
std::string toCrlf(std::string_view text);

/// The whole message with CRLF line endings. Each body part is 7bit or 8bit when every line
/// fits in 998 octets, quoted-printable otherwise. Refuses (invalid_argument) CR or LF in a
/// header value, addresses that are not plain, invalid UTF-8, and an empty text body.
sdk::Result<std::string> formatMessage(const MimeParts& parts);

}  // namespace authd::plugins::outbox
