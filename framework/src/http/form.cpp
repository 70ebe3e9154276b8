// SPDX-License-Identifier: Apache-2.0
#include "http/form.hpp"

#include <cstdint>
#include <set>

namespace authd::http {
int hexValue(char c) noexcept {
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

namespace {

sdk::Error invalid(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, std::move(message));
}

} // namespace

bool isValidUtf8(std::string_view text) noexcept {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            code_point = lead & 0x1Fu;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            code_point = lead & 0x0Fu;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            code_point = lead & 0x07u;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0u) != 0x80u) {
                return false;
            }
            code_point = (code_point << 6) | (next & 0x3Fu);
        }
        if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
            (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
            return false;
        }
        i += length;
    }
    return true;
}

sdk::Result<std::string> percentDecode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return invalid("malformed percent escape at byte " + std::to_string(i) +
                               ": '%' must be followed by two hex digits");
            }
            const int high = hexValue(text[i + 1]);
            const int low = hexValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return invalid("malformed percent escape at byte " + std::to_string(i) +
                               ": '%' must be followed by two hex digits");
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string percentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto uc = static_cast<unsigned char>(c);
        if ((uc >= 'A' && uc <= 'Z') || (uc >= 'a' && uc <= 'z') || (uc >= '0' && uc <= '9') ||
            uc == '-' || uc == '.' || uc == '_' || uc == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[uc >> 4];
            out += kHex[uc & 0x0F];
        }
    }
    return out;
}

sdk::Result<sdk::Fields> parseForm(std::string_view body, const FormLimits& limits) {
    sdk::Fields fields;
    std::size_t count = 0;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        const std::string_view segment = body.substr(start, end - start);
        const std::size_t offset = start;
        start = end + 1;
        if (segment.empty()) {
            continue;
        }
        if (++count > limits.max_fields) {
            return invalid("too many form fields (the limit is " +
                           std::to_string(limits.max_fields) + ")");
        }
        const std::size_t equals = segment.find('=');
        const std::string_view raw_name = segment.substr(0, equals);
        const std::string_view raw_value =
            equals == std::string_view::npos ? std::string_view() : segment.substr(equals + 1);
        auto name = percentDecode(raw_name, true);
        if (!name) {
            return invalid("form field at byte " + std::to_string(offset) + ": " +
                           name.error().message);
        }
        auto value = percentDecode(raw_value, true);
        if (!value) {
            return invalid("form field '" + (isValidUtf8(*name) ? *name : std::string("?")) +
                           "': " + value.error().message);
        }
        if (name->empty()) {
            return invalid("form field at byte " + std::to_string(offset) + " has an empty name");
        }
        if (name->size() > limits.max_name_bytes) {
            return invalid("form field name at byte " + std::to_string(offset) +
                           " is longer than " + std::to_string(limits.max_name_bytes) + " bytes");
        }
        if (!isValidUtf8(*name) || name->find('\0') != std::string::npos) {
            return invalid("form field name at byte " + std::to_string(offset) +
                           " is not valid UTF-8 text");
        }
        if (value->size() > limits.max_value_bytes) {
            return invalid("form field '" + *name + "' is longer than " +
                           std::to_string(limits.max_value_bytes) + " bytes");
        }
        if (!isValidUtf8(*value) || value->find('\0') != std::string::npos) {
            return invalid("form field '" + *name + "' is not valid UTF-8 text");
        }
        fields.add(std::move(*name), std::move(*value));
    }
    return fields;
}

std::optional<std::string> findDuplicate(const sdk::Fields& fields) {
    std::set<std::string_view> seen;
    for (const auto& [name, value] : fields.pairs()) {
        if (!seen.insert(name).second) {
            return name;
        }
    }
    return std::nullopt;
}

} // namespace authd::http
