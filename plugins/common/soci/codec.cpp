// SPDX-License-Identifier: Apache-2.0
#include "codec.hpp"

#include <cstdint>

namespace authd::plugins::soci_common {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string hexEncode(std::string_view data) {
    std::string out;
    out.reserve(data.size() * 2);
    for (char c : data) {
        auto byte = static_cast<unsigned char>(c);
        out.push_back(kHex[byte >> 4U]);
        out.push_back(kHex[byte & 0x0FU]);
    }
    return out;
}

bool hexDecode(std::string_view text, std::string& out) {
    if (text.size() % 2 != 0) {
        return false;
    }
    out.clear();
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int high = hexValue(text[i]);
        int low = hexValue(text[i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        out.push_back(static_cast<char>((high << 4) | low));
    }
    return true;
}

void appendUtf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
}

bool readHex4(std::string_view text, std::size_t& pos, std::uint32_t& value) {
    if (pos + 4 > text.size()) {
        return false;
    }
    value = 0;
    for (int i = 0; i < 4; ++i) {
        int digit = hexValue(text[pos++]);
        if (digit < 0) {
            return false;
        }
        value = (value << 4U) | static_cast<std::uint32_t>(digit);
    }
    return true;
}

// One JSON string starting at text[pos] == '"'; leaves pos after the closing quote.
bool readJsonString(std::string_view text, std::size_t& pos, std::string& out) {
    out.clear();
    ++pos;
    while (pos < text.size()) {
        char c = text[pos++];
        if (c == '"') {
            return true;
        }
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (pos >= text.size()) {
            return false;
        }
        char escape = text[pos++];
        switch (escape) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
            std::uint32_t code = 0;
            if (!readHex4(text, pos, code)) {
                return false;
            }
            if (code >= 0xD800 && code < 0xDC00) {
                std::uint32_t low = 0;
                if (pos + 2 > text.size() || text[pos] != '\\' || text[pos + 1] != 'u') {
                    return false;
                }
                pos += 2;
                if (!readHex4(text, pos, low) || low < 0xDC00 || low > 0xDFFF) {
                    return false;
                }
                code = 0x10000 + ((code - 0xD800) << 10U) + (low - 0xDC00);
            }
            appendUtf8(out, code);
            break;
        }
        default: return false;
        }
    }
    return false;
}

void skipSpace(std::string_view text, std::size_t& pos) {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t' || text[pos] == '\r')) {
        ++pos;
    }
}

}  // namespace

std::string encodeList(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) {
            out.push_back(',');
        }
        out.push_back('"');
        for (char c : items[i]) {
            auto byte = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out.push_back('\\');
                out.push_back(c);
            } else if (byte < 0x20) {
                out += "\\u00";
                out.push_back(kHex[byte >> 4U]);
                out.push_back(kHex[byte & 0x0FU]);
            } else {
                out.push_back(c);
            }
        }
        out.push_back('"');
    }
    out.push_back(']');
    return out;
}

bool decodeList(std::string_view text, std::vector<std::string>& items) {
    items.clear();
    std::size_t pos = 0;
    skipSpace(text, pos);
    if (pos >= text.size() || text[pos] != '[') {
        return false;
    }
    ++pos;
    skipSpace(text, pos);
    if (pos < text.size() && text[pos] == ']') {
        ++pos;
        skipSpace(text, pos);
        return pos == text.size();
    }
    while (pos < text.size()) {
        skipSpace(text, pos);
        if (pos >= text.size() || text[pos] != '"') {
            return false;
        }
        std::string item;
        if (!readJsonString(text, pos, item)) {
            return false;
        }
        items.push_back(std::move(item));
        skipSpace(text, pos);
        if (pos >= text.size()) {
            return false;
        }
        if (text[pos] == ',') {
            ++pos;
            continue;
        }
        if (text[pos] == ']') {
            ++pos;
            skipSpace(text, pos);
            return pos == text.size();
        }
        return false;
    }
    return false;
}

std::string makeCursor(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0) {
            out.push_back('.');
        }
        out += hexEncode(parts[i]);
    }
    return out;
}

bool parseCursor(std::string_view cursor, std::size_t count, std::vector<std::string>& parts) {
    parts.clear();
    std::size_t start = 0;
    while (true) {
        std::size_t dot = cursor.find('.', start);
        std::string_view piece =
            cursor.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        std::string decoded;
        if (!hexDecode(piece, decoded)) {
            return false;
        }
        parts.push_back(std::move(decoded));
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    return parts.size() == count;
}

std::vector<std::string> splitSqlScript(std::string_view script) {
    std::vector<std::string> statements;
    std::string current;
    auto flush = [&]() {
        std::size_t first = current.find_first_not_of(" \t\r\n");
        if (first != std::string::npos) {
            std::size_t last = current.find_last_not_of(" \t\r\n");
            statements.push_back(current.substr(first, last - first + 1));
        }
        current.clear();
    };
    std::size_t i = 0;
    while (i < script.size()) {
        char c = script[i];
        if (c == '-' && i + 1 < script.size() && script[i + 1] == '-') {
            while (i < script.size() && script[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '/' && i + 1 < script.size() && script[i + 1] == '*') {
            std::size_t end = script.find("*/", i + 2);
            i = end == std::string_view::npos ? script.size() : end + 2;
            current.push_back(' ');
            continue;
        }
        if (c == '\'' || c == '"') {
            // Copy the quoted text whole; a doubled quote is an escaped one.
            current.push_back(c);
            ++i;
            while (i < script.size()) {
                current.push_back(script[i]);
                if (script[i] == c) {
                    if (i + 1 < script.size() && script[i + 1] == c) {
                        current.push_back(c);
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                ++i;
            }
            continue;
        }
        if (c == ';') {
            flush();
            ++i;
            continue;
        }
        current.push_back(c);
        ++i;
    }
    flush();
    return statements;
}

std::string oneLine(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out.push_back(' ');
            space = false;
        }
        out.push_back(c);
    }
    return out;
}

sdk::Result<void> checkLimit(int limit) {
    if (limit < 1 || limit > kMaxPageSize) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "page limit " + std::to_string(limit) + " is outside 1.." +
                                  std::to_string(kMaxPageSize));
    }
    return sdk::ok();
}

sdk::Result<void> checkPage(std::string_view what, int limit, const std::string& cursor,
                            std::size_t cursor_parts, std::vector<std::string>& after) {
    if (auto limit_ok = checkLimit(limit); !limit_ok) {
        return limit_ok;
    }
    after.clear();
    if (!cursor.empty() && !parseCursor(cursor, cursor_parts, after)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + ": malformed cursor");
    }
    return sdk::ok();
}

}  // namespace authd::plugins::soci_common
