// SPDX-License-Identifier: Apache-2.0
#include "test_host.hpp"

#include <cstdio>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace authd::test {

namespace {

std::string toHex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kDigits[data[i] >> 4U]);
        out.push_back(kDigits[data[i] & 0x0FU]);
    }
    return out;
}

class OpenSslRandom final : public sdk::Random {
public:
    std::string token(std::size_t bytes) override {
        static constexpr char kAlphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        std::vector<unsigned char> raw(bytes);
        if (!fill(raw.data(), raw.size())) {
            return {};
        }
        std::string out;
        std::uint32_t buffer = 0;
        int bits = 0;
        for (unsigned char byte : raw) {
            buffer = (buffer << 8U) | byte;
            bits += 8;
            while (bits >= 6) {
                bits -= 6;
                out.push_back(kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
            }
        }
        if (bits > 0) {
            out.push_back(kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
        }
        return out;
    }
    bool fill(unsigned char* out, std::size_t size) override {
        return RAND_bytes(out, static_cast<int>(size)) == 1;
    }
};

// Hashing is real (storage tests hash tokens the way the host does); password hashing is
// the host's Argon2 code, which storage tests do not need.
class OpenSslCrypto final : public sdk::Crypto {
public:
    sdk::Result<std::string> hashPassword(std::string_view) override {
        return sdk::makeError(sdk::ErrorCode::unsupported,
                              "the storage test host does not hash passwords");
    }
    sdk::Result<bool> verifyPassword(std::string_view, std::string_view) override {
        return sdk::makeError(sdk::ErrorCode::unsupported,
                              "the storage test host does not verify passwords");
    }
    std::string sha256Hex(std::string_view data) override {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
        return toHex(digest, size);
    }
    std::string hmacSha256Hex(std::string_view key, std::string_view data) override {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
        return toHex(digest, size);
    }
    bool constantTimeEquals(std::string_view a, std::string_view b) override {
        return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
    }
};

const char* levelName(sdk::LogLevel level) {
    switch (level) {
    case sdk::LogLevel::debug: return "debug";
    case sdk::LogLevel::info: return "info";
    case sdk::LogLevel::warning: return "warning";
    case sdk::LogLevel::error: return "error";
    }
    return "?";
}

}  // namespace

void TestLogger::log(sdk::LogLevel level, std::string_view event, std::string_view message,
                     const std::vector<std::pair<std::string, std::string>>& fields) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(Line{level, std::string(event), std::string(message)});
    if (level == sdk::LogLevel::warning || level == sdk::LogLevel::error) {
        std::string extra;
        for (const auto& [name, value] : fields) {
            extra += " " + name + "=" + value;
        }
        std::fprintf(stderr, "[%s] %.*s: %.*s%s\n", levelName(level), static_cast<int>(event.size()),
                     event.data(), static_cast<int>(message.size()), message.data(), extra.c_str());
    }
}

bool TestLogger::saw(std::string_view event) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Line& line : lines_) {
        if (line.event == event) {
            return true;
        }
    }
    return false;
}

TestHost::TestHost(std::string data_dir, sdk::UnixTime now) : clock_(now) {
    info_.issuer = "http://127.0.0.1:0";
    info_.version = "test";
    info_.data_dir = std::move(data_dir);
}

sdk::Random& TestHost::random() {
    static OpenSslRandom random;
    return random;
}

sdk::Crypto& TestHost::crypto() {
    static OpenSslCrypto crypto;
    return crypto;
}

sdk::RateLimiter& TestHost::rateLimiter() {
    throw std::logic_error("rateLimiter() called on the storage test host");
}

sdk::Storage& TestHost::storage() {
    throw std::logic_error("storage() called while the store is being built");
}

sdk::Mailer* TestHost::mailer() {
    throw std::logic_error("mailer() called on the storage test host");
}

sdk::HttpClient& TestHost::http() {
    throw std::logic_error("http() called on the storage test host");
}

}  // namespace authd::test
