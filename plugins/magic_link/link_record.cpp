// SPDX-License-Identifier: Apache-2.0
#include "link_record.hpp"

#include <cstdint>
#include <map>

#include "authenticator_kit.hpp"

namespace authd::plugins::magic_link {

namespace {

using authd::plugins::kit::appendJsonString;

/// A cursor over the text for the small recursive-descent parse below.
class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    void skipSpace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    bool take(char c) {
        skipSpace();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool atEnd() {
        skipSpace();
        return pos_ == text_.size();
    }

    std::optional<std::string> string() {
        if (!take('"')) {
            return std::nullopt;
        }
        std::string out;
        while (pos_ < text_.size()) {
            const char c = text_[pos_++];
            if (c == '"') {
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20U) {
                return std::nullopt;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                return std::nullopt;
            }
            const char escape = text_[pos_++];
            switch (escape) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                auto unit = hex4();
                if (!unit) {
                    return std::nullopt;
                }
                std::uint32_t code = *unit;
                if (code >= 0xD800U && code <= 0xDBFFU) {
                    if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
                        return std::nullopt;
                    }
                    pos_ += 2;
                    auto low = hex4();
                    if (!low || *low < 0xDC00U || *low > 0xDFFFU) {
                        return std::nullopt;
                    }
                    code = 0x10000U + ((code - 0xD800U) << 10) + (*low - 0xDC00U);
                } else if (code >= 0xDC00U && code <= 0xDFFFU) {
                    return std::nullopt;
                }
                appendUtf8(out, code);
                break;
            }
            default:
                return std::nullopt;
            }
        }
        return std::nullopt;  // unterminated
    }

private:
    std::optional<std::uint32_t> hex4() {
        if (pos_ + 4 > text_.size()) {
            return std::nullopt;
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
        }
        return value;
    }

    static void appendUtf8(std::string& out, std::uint32_t code) {
        if (code < 0x80U) {
            out += static_cast<char>(code);
        } else if (code < 0x800U) {
            out += static_cast<char>(0xC0U | (code >> 6));
            out += static_cast<char>(0x80U | (code & 0x3FU));
        } else if (code < 0x10000U) {
            out += static_cast<char>(0xE0U | (code >> 12));
            out += static_cast<char>(0x80U | ((code >> 6) & 0x3FU));
            out += static_cast<char>(0x80U | (code & 0x3FU));
        } else {
            out += static_cast<char>(0xF0U | (code >> 18));
            out += static_cast<char>(0x80U | ((code >> 12) & 0x3FU));
            out += static_cast<char>(0x80U | ((code >> 6) & 0x3FU));
            out += static_cast<char>(0x80U | (code & 0x3FU));
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string encodeLinkRecord(const LinkRecord& record) {
    std::string out = "{\"pending_id\":";
    appendJsonString(out, record.pending_id);
    out += ",\"email\":";
    appendJsonString(out, record.email);
    out += ",\"user_id\":";
    appendJsonString(out, record.user_id);
    out += '}';
    return out;
}

std::optional<LinkRecord> decodeLinkRecord(std::string_view json) {
    Reader reader(json);
    if (!reader.take('{')) {
        return std::nullopt;
    }
    std::map<std::string, std::string> members;
    if (!reader.take('}')) {
        do {
            auto name = reader.string();
            if (!name || !reader.take(':')) {
                return std::nullopt;
            }
            auto value = reader.string();
            if (!value) {
                return std::nullopt;
            }
            members[*name] = std::move(*value);
        } while (reader.take(','));
        if (!reader.take('}')) {
            return std::nullopt;
        }
    }
    if (!reader.atEnd()) {
        return std::nullopt;
    }
    const auto pending = members.find("pending_id");
    const auto email = members.find("email");
    if (pending == members.end() || pending->second.empty() || email == members.end() ||
        email->second.empty()) {
        return std::nullopt;
    }
    LinkRecord record;
    record.pending_id = pending->second;
    record.email = email->second;
    if (const auto user = members.find("user_id"); user != members.end()) {
        record.user_id = user->second;
    }
    return record;
}

}  // namespace authd::plugins::magic_link
