// SPDX-License-Identifier: Apache-2.0
#include "crypto/encoding.hpp"

#include <array>
#include <cstdint>

namespace authd::crypto {

namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHexDigits = "0123456789abcdef";

constexpr std::array<std::int8_t, 256> makeBase64UrlTable() {
    std::array<std::int8_t, 256> table{};
    for (auto& entry : table) {
        entry = -1;
    }
    for (std::size_t i = 0; i < kBase64UrlAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kBase64UrlAlphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}

constexpr std::array<std::int8_t, 256> kBase64UrlTable = makeBase64UrlTable();

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

}  // namespace

std::string base64UrlEncode(std::string_view data) {
    std::string out;
    out.reserve((data.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const std::uint32_t chunk = (std::uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                                    (std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8) |
                                    std::uint32_t{static_cast<unsigned char>(data[i + 2])};
        out.push_back(kBase64UrlAlphabet[(chunk >> 18) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[(chunk >> 12) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[(chunk >> 6) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[chunk & 0x3f]);
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        const std::uint32_t chunk = std::uint32_t{static_cast<unsigned char>(data[i])} << 16;
        out.push_back(kBase64UrlAlphabet[(chunk >> 18) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[(chunk >> 12) & 0x3f]);
    } else if (rest == 2) {
        const std::uint32_t chunk = (std::uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                                    (std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8);
        out.push_back(kBase64UrlAlphabet[(chunk >> 18) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[(chunk >> 12) & 0x3f]);
        out.push_back(kBase64UrlAlphabet[(chunk >> 6) & 0x3f]);
    }
    return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
    // A single leftover character carries only 6 bits: not a whole byte, so never valid.
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const std::int8_t value = kBase64UrlTable[static_cast<unsigned char>(c)];
        if (value < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    // Leftover bits must be zero, otherwise two different strings would decode to one value.
    if (bits > 0 && (buffer & ((1U << bits) - 1U)) != 0) {
        return std::nullopt;
    }
    return out;
}

std::string hexEncode(std::string_view data) {
    std::string out;
    out.reserve(data.size() * 2);
    for (const char c : data) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(kHexDigits[byte >> 4]);
        out.push_back(kHexDigits[byte & 0x0f]);
    }
    return out;
}

std::optional<std::string> hexDecode(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = hexValue(text[i]);
        const int low = hexValue(text[i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>((high << 4) | low));
    }
    return out;
}

}  // namespace authd::crypto
