// SPDX-License-Identifier: Apache-2.0
#include "crypto/host_crypto.hpp"

#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace authd::crypto {

HostCrypto::HostCrypto(Argon2Params params) : hasher_(params) {}

sdk::Result<std::string> HostCrypto::hashPassword(std::string_view password) {
    return hasher_.hash(password);
}

sdk::Result<bool> HostCrypto::verifyPassword(std::string_view encoded,
                                             std::string_view password) {
    return hasher_.verify(encoded, password);
}

std::string HostCrypto::sha256Hex(std::string_view data) {
    return crypto::sha256Hex(data);
}

std::string HostCrypto::hmacSha256Hex(std::string_view key, std::string_view data) {
    return crypto::hmacSha256Hex(key, data);
}

bool HostCrypto::constantTimeEquals(std::string_view a, std::string_view b) {
    return crypto::constantTimeEquals(a, b);
}

std::string HostRandom::token(std::size_t bytes) {
    return randomToken(bytes);
}

bool HostRandom::fill(unsigned char* out, std::size_t size) {
    return randomBytes(out, size);
}

}  // namespace authd::crypto
