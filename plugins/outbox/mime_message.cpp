// SPDX-License-Identifier: Apache-2.0
#include "mime_message.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace authd::plugins::outbox {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxLine = 998;      // RFC 5322 2.1.1, without the CRLF
constexpr std::size_t kFoldAt = 78;        // RFC 5322 recommended line length
constexpr std::size_t kEncodedChunk = 42;  // bytes per encoded word: 56 base64 + 12 = 68
constexpr std::size_t kQpLine = 76;        // RFC 2045 6.7 (5)

unsigned byteAt(std::string_view bytes, std::size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[i]));
}

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned n =
            (byteAt(bytes, i) << 16U) | (byteAt(bytes, i + 1) << 8U) | byteAt(bytes, i + 2);
        out += kAlphabet[(n >> 18U) & 0x3FU];
        out += kAlphabet[(n >> 12U) & 0x3FU];
        out += kAlphabet[(n >> 6U) & 0x3FU];
        out += kAlphabet[n & 0x3FU];
    }
    if (i < bytes.size()) {
        unsigned n = byteAt(bytes, i) << 16U;
        const bool two = i + 1 < bytes.size();
        if (two) {
            n |= byteAt(bytes, i + 1) << 8U;
        }
        out += kAlphabet[(n >> 18U) & 0x3FU];
        out += kAlphabet[(n >> 12U) & 0x3FU];
        out += two ? kAlphabet[(n >> 6U) & 0x3FU] : '=';
        out += '=';
    }
    return out;
}

// Length in bytes of the UTF-8 sequence starting with `lead` (valid input assumed).
std::size_t sequenceLength(unsigned char lead) {
    if (lead < 0x80U) {
        return 1;
    }
    if ((lead & 0xE0U) == 0xC0U) {
        return 2;
    }
    if ((lead & 0xF0U) == 0xE0U) {
        return 3;
    }
    return 4;
}

bool isPrintableAscii(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20U || byte > 0x7EU) {
            return false;
        }
    }
    return true;
}

std::string foldAscii(std::string_view name, std::string_view text) {
    std::string out;
    std::size_t line = name.size() + 2;  // "Name: "
    std::size_t start = 0;
    while (start < text.size()) {
        // A segment runs from one space (kept, it becomes the fold's whitespace) to the next.
        std::size_t end = text.find(' ', start + 1);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view segment = text.substr(start, end - start);
        if (line + segment.size() > kFoldAt && line > 1 && segment.front() == ' ') {
            out += kCrlf;
            line = 0;
        }
        out += segment;
        line += segment.size();
        start = end;
    }
    return out;
}

std::string encodeWords(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = start;
        while (end < text.size()) {
            const std::size_t next = end + sequenceLength(static_cast<unsigned char>(text[end]));
            if (next - start > kEncodedChunk) {
                break;
            }
            end = next;
        }
        if (!out.empty()) {
            out += "\r\n ";
        }
        out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
        start = end;
    }
    return out;
}

struct BodyEncoding {
    std::string name;
    std::string content;
};

BodyEncoding encodeBody(std::string_view text) {
    std::string crlf = toCrlf(text);
    bool ascii = true;
    bool fits = true;
    std::size_t line = 0;
    for (std::size_t i = 0; i < crlf.size(); ++i) {
        const auto byte = static_cast<unsigned char>(crlf[i]);
        if (byte == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n') {
            line = 0;
            ++i;
            continue;
        }
        if (byte == 0) {
            fits = false;  // NUL is not allowed in 7bit or 8bit data
        }
        ascii = ascii && byte < 0x80U;
        if (++line > kMaxLine) {
            fits = false;
        }
    }
    if (!fits) {
        return {"quoted-printable", quotedPrintable(crlf)};
    }
    return {ascii ? "7bit" : "8bit", std::move(crlf)};
}

void appendPart(std::string& out, std::string_view content_type, std::string_view body) {
    const BodyEncoding encoded = encodeBody(body);
    out += "Content-Type: ";
    out += content_type;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: ";
    out += encoded.name;
    out += "\r\n\r\n";
    out += encoded.content;
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

bool isPlainAddress(std::string_view address) {
    if (address.empty() || address.size() > 320) {
        return false;
    }
    const std::size_t at = address.rfind('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) {
        return false;
    }
    for (const char c : address) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20U || byte == 0x7FU) {
            return false;
        }
        switch (c) {
        case '<':
        case '>':
        case ',':
        case ';':
        case ':':
        case '"':
        case '(':
        case ')':
        case '[':
        case ']':
        case '\\': return false;
        default: break;
        }
    }
    return isValidUtf8(address);
}

bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        unsigned code = 0;
        if (lead < 0x80U) {
            ++i;
            continue;
        }
        if (lead >= 0xC2U && lead <= 0xDFU) {
            length = 2;
            code = lead & 0x1FU;
        } else if (lead >= 0xE0U && lead <= 0xEFU) {
            length = 3;
            code = lead & 0x0FU;
        } else if (lead >= 0xF0U && lead <= 0xF4U) {
            length = 4;
            code = lead & 0x07U;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0U) != 0x80U) {
                return false;
            }
            code = (code << 6U) | (next & 0x3FU);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        if ((length == 3 && code < 0x800U) || (length == 4 && code < 0x10000U) ||
            (code >= 0xD800U && code <= 0xDFFFU) || code > 0x10FFFFU) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string rfc5322Date(sdk::UnixTime time) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = static_cast<std::time_t>(time);
    std::tm parts{};
    if (gmtime_r(&seconds, &parts) == nullptr) {
        return "Thu, 01 Jan 1970 00:00:00 +0000";
    }
    std::array<char, 64> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays[static_cast<std::size_t>(parts.tm_wday % 7)], parts.tm_mday,
                  kMonths[static_cast<std::size_t>(parts.tm_mon % 12)], parts.tm_year + 1900,
                  parts.tm_hour, parts.tm_min, parts.tm_sec);
    return buffer.data();
}

std::string encodeHeaderText(std::string_view name, std::string_view text) {
    bool plain = isPrintableAscii(text) && text.find("=?") == std::string_view::npos;
    if (plain) {
        // A word longer than a line cannot be folded; encoded words can be split anywhere.
        std::size_t word = 0;
        for (const char c : text) {
            word = c == ' ' ? 0 : word + 1;
            if (word + name.size() + 2 > kMaxLine) {
                plain = false;
                break;
            }
        }
    }
    return plain ? foldAscii(name, text) : encodeWords(text);
}

std::string quotedPrintable(std::string_view crlf_text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        std::size_t end = crlf_text.find(kCrlf, start);
        const bool has_break = end != std::string_view::npos;
        if (!has_break) {
            end = crlf_text.size();
        }
        const std::string_view line = crlf_text.substr(start, end - start);
        std::size_t width = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto byte = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            std::string token;
            if ((byte >= 33U && byte <= 126U && byte != '=') ||
                ((byte == ' ' || byte == '\t') && !last)) {
                token = static_cast<char>(byte);
            } else {
                token = {'=', kHex[byte >> 4U], kHex[byte & 0x0FU]};
            }
            // Leave room for the soft break's "=" within the 76-octet limit.
            if (width + token.size() > kQpLine - 1) {
                out += "=\r\n";
                width = 0;
            }
            out += token;
            width += token.size();
        }
        if (has_break) {
            out += kCrlf;
        }
        start = has_break ? end + 2 : end;
    }
    return out;
}

std::string toCrlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            out += kCrlf;
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else if (c == '\n') {
            out += kCrlf;
        } else {
            out += c;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, kCrlf) != 0) {
        out += kCrlf;
    }
    return out;
}

sdk::Result<std::string> formatMessage(const MimeParts& parts) {
    if (parts.to.find_first_of("\r\n") != std::string::npos ||
        parts.from.find_first_of("\r\n") != std::string::npos ||
        parts.subject.find_first_of("\r\n") != std::string::npos) {
        return refuse("a header value contains CR or LF (header injection refused)");
    }
    if (!isPlainAddress(parts.to)) {
        return refuse("recipient is not a plain address (local@domain)");
    }
    if (!isPlainAddress(parts.from)) {
        return refuse("sender is not a plain address (local@domain)");
    }
    if (hasControl(parts.subject)) {
        return refuse("subject contains control characters");
    }
    if (!isValidUtf8(parts.subject) || !isValidUtf8(parts.text_body) ||
        !isValidUtf8(parts.html_body)) {
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
    out += "Date: " + rfc5322Date(parts.date) + "\r\n";
    out += "From: " + parts.from + "\r\n";
    out += "To: " + parts.to + "\r\n";
    out += "Subject: " + encodeHeaderText("Subject", parts.subject) + "\r\n";
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

}  // namespace authd::plugins::outbox
