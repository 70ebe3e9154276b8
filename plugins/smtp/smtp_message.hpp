// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::plugins::smtp {

/// One message as it goes after DATA (before dot-stuffing, which the transport does).
struct SmtpParts {
    std::string from;
    std::string to;
    std::string subject;
    std::string text_body;
    std::string html_body;  ///< empty: a single text/plain part
    sdk::UnixTime date = 0;
    std::string message_id;  ///< with angle brackets
    std::string boundary;    ///< for multipart/alternative; must not occur in the bodies
};

/// RFC 5322 + MIME text with CRLF line endings. Unlike the outbox's files, a body part is
/// 7bit only when it is ASCII with lines of at most 998 octets, and quoted-printable
/// otherwise: a server without 8BITMIME must be able to relay it. Refuses (invalid_argument)
/// CR or LF in To, From or Subject (header injection), addresses that are not plain ASCII
/// `local@domain` (no SMTPUTF8), control characters in the subject, invalid UTF-8, and a
/// message without a body.
sdk::Result<std::string> formatSmtpMessage(const SmtpParts& parts);

/// The checks formatSmtpMessage applies to an address, for the envelope.
bool isSendableAddress(const std::string& address);

}  // namespace authd::plugins::smtp
