// SPDX-License-Identifier: Apache-2.0
#include "crypto/warm_up.hpp"

#include <system_error>

#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace authd::crypto {
namespace {

void warmUp() {
    unsigned char byte = 0;
    (void)RAND_bytes(&byte, 1);
    EVP_CIPHER_free(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
    EVP_MD_free(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    EVP_MAC_free(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    EVP_PKEY* pkey = nullptr;
    OSSL_DECODER_CTX_free(OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr,
                                                        EVP_PKEY_KEYPAIR, nullptr, nullptr));
    EVP_PKEY_free(pkey);
}

} // namespace

OpenSslWarmUp::OpenSslWarmUp() {
    try {
        thread_ = std::thread(warmUp);
    } catch (const std::system_error&) {
        // No thread: everything is made on first use, as without this class.
    }
}

OpenSslWarmUp::~OpenSslWarmUp() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

} // namespace authd::crypto
