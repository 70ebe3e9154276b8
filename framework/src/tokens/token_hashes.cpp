// SPDX-License-Identifier: Apache-2.0
#include "tokens/token_hashes.hpp"

#include <openssl/sha.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"

namespace authd::tokens {

std::string tokenHash(std::string_view value, Alg alg) {
    if (alg == Alg::eddsa) {
        unsigned char digest[SHA512_DIGEST_LENGTH];
        SHA512(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
        return crypto::base64UrlEncode(
            std::string_view(reinterpret_cast<const char*>(digest), SHA512_DIGEST_LENGTH / 2));
    }
    const std::string digest = crypto::sha256(value);
    return crypto::base64UrlEncode(std::string_view(digest).substr(0, digest.size() / 2));
}

bool tokenHashMatches(std::string_view claimed, std::string_view value, Alg alg) {
    return crypto::constantTimeEquals(tokenHash(value, alg), claimed);
}

}  // namespace authd::tokens
