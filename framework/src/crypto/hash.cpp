// SPDX-License-Identifier: Apache-2.0
#include "crypto/hash.hpp"

#include <climits>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "crypto/encoding.hpp"

namespace authd::crypto {

std::string sha256(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    // SHA256() cannot fail for in-memory input; it only returns NULL for a NULL output buffer.
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return {reinterpret_cast<const char*>(digest), sizeof digest};
}

std::string sha256Hex(std::string_view data) {
    return hexEncode(sha256(data));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    // HMAC() wants a non-null key pointer even for an empty key.
    static const unsigned char kEmpty = 0;
    const unsigned char* key_bytes =
        key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    if (key.size() > static_cast<std::size_t>(INT_MAX) ||
        HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
             &mac_length) == nullptr) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(mac), mac_length);
    OPENSSL_cleanse(mac, sizeof mac);
    return out;
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
    return hexEncode(hmacSha256(key, data));
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        // Still touch every byte of `a` so the time depends on the lengths alone.
        volatile int sink = CRYPTO_memcmp(a.data(), a.data(), a.size());
        (void)sink;
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace authd::crypto
