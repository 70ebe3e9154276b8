// SPDX-License-Identifier: Apache-2.0
#include "smtp_message.hpp"

#include <string_view>

#include "mime_message.hpp"

namespace authd::plugins::smtp {

namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without the CRLF

bool isAscii(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80U) {
            return false;
        }
    }
    return true;
}

// 7bit needs ASCII, no NUL and short lines (RFC 2045 2.7); anything else is sent as
// quoted-printable, which every server relays and every client decodes.
bool fits7bit(std::string_view crlf_text) {
    std::size_t line = 0;
    for (std::size_t i = 0; i < crlf_text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(crlf_text[i]);
        if (byte == '\r' && i + 1 < crlf_text.size() && crlf_text[i + 1] == '\n') {
            line = 0;
            ++i;
            continue;
        }
        if (byte == 0 || byte >= 0x80U || byte == '\r' || byte == '\n' || ++line > kMaxLine) {
            return false;
        }
    }
    return true;
}

void appendPart(std::string& out, std::string_view content_type, std::string_view body) {
    const std::string crlf = outbox::toCrlf(body);
    const bool plain = fits7bit(crlf);
    out += "Content-Type: ";
    out += content_type;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: ";
    out += plain ? "7bit" : "quoted-printable";
    out += "\r\n\r\n";
    out += plain ? crlf : outbox::quotedPrintable(crlf);
}

bool hasControl(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20U && byte != '\t') || byte == 0x7FU) {
            return true;
        }
    }
    return false;
}

sdk::Error refuse(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, std::move(message));
}

}  // namespace

bool isSendableAddress(const std::string& address) {
    return isAscii(address) && outbox::isPlainAddress(address);
}

sdk::Result<std::string> formatSmtpMessage(const SmtpParts& parts) {
    if (parts.to.find_first_of("\r\n") != std::string::npos ||
        parts.from.find_first_of("\r\n") != std::string::npos ||
        parts.subject.find_first_of("\r\n") != std::string::npos) {
        return refuse("a header value contains CR or LF (header injection refused)");
    }
    if (!isSendableAddress(parts.to)) {
        return refuse("recipient is not a plain ASCII address (local@domain)");
    }
    if (!isSendableAddress(parts.from)) {
        return refuse("sender is not a plain ASCII address (local@domain)");
    }
    if (hasControl(parts.subject)) {
        return refuse("subject contains control characters");
    }
    if (!outbox::isValidUtf8(parts.subject) || !outbox::isValidUtf8(parts.text_body) ||
        !outbox::isValidUtf8(parts.html_body)) {
        return refuse("subject or body is not valid UTF-8");
    }
    if (parts.text_body.empty() && parts.html_body.empty()) {
        return refuse("message has neither a text nor an HTML body");
    }
    if (!parts.html_body.empty() &&
        (parts.boundary.empty() || parts.text_body.find(parts.boundary) != std::string::npos ||
         parts.html_body.find(parts.boundary) != std::string::npos)) {
        return sdk::makeError(sdk::ErrorCode::internal, "MIME boundary occurs in the body");
    }

    std::string out;
    out += "Date: " + outbox::rfc5322Date(parts.date) + "\r\n";
    out += "From: " + parts.from + "\r\n";
    out += "To: " + parts.to + "\r\n";
    out += "Subject: " + outbox::encodeHeaderText("Subject", parts.subject) + "\r\n";
    out += "Message-ID: " + parts.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    if (parts.html_body.empty()) {
        appendPart(out, "text/plain", parts.text_body);
        return out;
    }
    out += "Content-Type: multipart/alternative; boundary=\"" + parts.boundary + "\"\r\n\r\n";
    out += "--" + parts.boundary + "\r\n";
    appendPart(out, "text/plain", parts.text_body);
    out += "--" + parts.boundary + "\r\n";
    appendPart(out, "text/html", parts.html_body);
    out += "--" + parts.boundary + "--\r\n";
    return out;
}

}  // namespace authd::plugins::smtp
