// SPDX-License-Identifier: Apache-2.0
#include "crypto/random.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <climits>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/encoding.hpp"

namespace authd::crypto {

namespace {

// Random bytes held in a string that is wiped when it goes out of scope.
class WipedBuffer {
public:
    explicit WipedBuffer(std::size_t n) : bytes_(n) {}
    ~WipedBuffer() {
        if (!bytes_.empty()) {
            OPENSSL_cleanse(bytes_.data(), bytes_.size());
        }
    }
    WipedBuffer(const WipedBuffer&) = delete;
    WipedBuffer& operator=(const WipedBuffer&) = delete;

    unsigned char* data() { return bytes_.data(); }
    std::size_t size() const { return bytes_.size(); }
    std::string_view view() const {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }

private:
    std::vector<unsigned char> bytes_;
};

constexpr std::size_t kPoolBytes = 4096;

class Pool {
public:
    ~Pool() { OPENSSL_cleanse(block_.data(), block_.size()); }

    bool take(unsigned char* out, std::size_t n) {
        if (kPoolBytes - used_ < n) {
            if (!randomBytes(block_.data(), block_.size())) {
                used_ = kPoolBytes;
                return false;
            }
            used_ = 0;
        }
        std::memcpy(out, block_.data() + used_, n);
        OPENSSL_cleanse(block_.data() + used_, n);  // handed out once
        used_ += n;
        return true;
    }

private:
    std::array<unsigned char, kPoolBytes> block_{};
    std::size_t used_ = kPoolBytes;
};

}  // namespace

bool pooledRandomBytes(unsigned char* out, std::size_t n) {
    if (n > kPoolBytes) {
        return randomBytes(out, n);
    }
    // A pointer, not the block itself, is thread-local: a block inside the static TLS segment
    // would be copied into every thread the process starts (workers, checkpointer, loggers).
    thread_local std::unique_ptr<Pool> pool;
    if (!pool) {
        pool = std::make_unique<Pool>();
    }
    return pool->take(out, n);
}

bool randomBytes(unsigned char* out, std::size_t n) {
    if (n == 0) {
        return true;
    }
    if (out == nullptr) {
        return false;
    }
    // RAND_bytes takes an int length.
    while (n > 0) {
        const std::size_t chunk = std::min<std::size_t>(n, static_cast<std::size_t>(INT_MAX));
        if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
            return false;
        }
        out += chunk;
        n -= chunk;
    }
    return true;
}

std::string randomToken(std::size_t bytes) {
    WipedBuffer buffer(bytes);
    if (!randomBytes(buffer.data(), buffer.size())) {
        return {};
    }
    return base64UrlEncode(buffer.view());
}

std::string randomHex(std::size_t bytes) {
    WipedBuffer buffer(bytes);
    if (!randomBytes(buffer.data(), buffer.size())) {
        return {};
    }
    return hexEncode(buffer.view());
}

std::string uuidV4() {
    unsigned char bytes[16];
    if (!randomBytes(bytes, sizeof bytes)) {
        return {};
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC variant
    const std::string hex = hexEncode({reinterpret_cast<const char*>(bytes), sizeof bytes});
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace authd::crypto
