// SPDX-License-Identifier: Apache-2.0
#include "oauth/random_ids.hpp"

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace authd::oauth {
std::string randomIdentifier(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (!crypto::pooledRandomBytes(reinterpret_cast<unsigned char*>(raw.data()), raw.size())) {
        return {};
    }
    return crypto::base64UrlEncode(raw);
}

std::string randomUuid() {
    unsigned char b[16];
    if (!crypto::pooledRandomBytes(b, sizeof b)) {
        return {};
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0FU) | 0x40U);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3FU) | 0x80U);  // RFC 9562 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < sizeof b; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 0x0FU];
    }
    return out;
}

}  // namespace authd::oauth
