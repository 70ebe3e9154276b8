// SPDX-License-Identifier: Apache-2.0
#include "oauth/random_ids.hpp"

#include <array>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace authd::oauth {
namespace {

constexpr std::size_t kBlockBytes = 4096;

class Pool {
public:
    bool take(unsigned char* out, std::size_t n) {
        if (n > kBlockBytes) {
            return crypto::randomBytes(out, n);
        }
        if (kBlockBytes - used_ < n) {
            if (!crypto::randomBytes(block_.data(), block_.size())) {
                used_ = kBlockBytes;
                return false;
            }
            used_ = 0;
        }
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = block_[used_ + i];
            block_[used_ + i] = 0;  // handed out once
        }
        used_ += n;
        return true;
    }

private:
    std::array<unsigned char, kBlockBytes> block_{};
    std::size_t used_ = kBlockBytes;
};

bool take(unsigned char* out, std::size_t n) {
    thread_local Pool pool;
    return pool.take(out, n);
}

}  // namespace

std::string randomIdentifier(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (!take(reinterpret_cast<unsigned char*>(raw.data()), raw.size())) {
        return {};
    }
    return crypto::base64UrlEncode(raw);
}

std::string randomUuid() {
    unsigned char b[16];
    if (!take(b, sizeof b)) {
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
