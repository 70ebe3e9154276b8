// SPDX-License-Identifier: Apache-2.0
#include "crypto/warm_up.hpp"

#include <system_error>

#include <openssl/crypto.h>
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
    // Before anything else asks OpenSSL for its error state, which would load every error
    // string. authd never shows OpenSSL's text (its errors say what failed in its own words);
    // Poco NetSSL's initialisation, run by the first TLS use, loads the strings after all, so
    // the TLS listener's and the HTTPS client's messages keep OpenSSL's reason text.
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, nullptr);
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
