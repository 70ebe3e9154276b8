// SPDX-License-Identifier: Apache-2.0
#include "crypto/secret_box.hpp"

#include <climits>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace authd::crypto {

namespace {

constexpr std::string_view kPrefix = "v1.";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx newCipherCtx() {
    return CipherCtx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

sdk::Error openError(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, std::move(message));
}

// OpenSSL lengths are ints; anything larger is refused rather than truncated.
bool fitsInt(std::size_t n) {
    return n <= static_cast<std::size_t>(INT_MAX) - 64;
}

}  // namespace

sdk::Result<SecretBox> SecretBox::fromKey(std::string raw32) {
    if (raw32.size() != kKeySize) {
        const std::size_t got = raw32.size();
        OPENSSL_cleanse(raw32.data(), raw32.size());
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "secret box key must be 32 bytes, got " + std::to_string(got));
    }
    return SecretBox(std::move(raw32));
}

sdk::Result<SecretBox> SecretBox::fromHex(std::string_view hex64) {
    if (hex64.size() != kKeySize * 2) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "secret box key must be 64 hex characters, got " +
                                  std::to_string(hex64.size()) + " characters");
    }
    std::optional<std::string> raw = hexDecode(hex64);
    if (!raw) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "secret box key must be 64 hex characters (0-9, a-f)");
    }
    return fromKey(std::move(*raw));
}

SecretBox& SecretBox::operator=(const SecretBox& other) {
    if (this != &other) {
        wipe();
        key_ = other.key_;
    }
    return *this;
}

SecretBox& SecretBox::operator=(SecretBox&& other) noexcept {
    if (this != &other) {
        wipe();
        key_ = std::move(other.key_);
        other.wipe();
    }
    return *this;
}

SecretBox::~SecretBox() {
    wipe();
}

void SecretBox::wipe() noexcept {
    if (!key_.empty()) {
        OPENSSL_cleanse(key_.data(), key_.size());
    }
    key_.clear();
}

std::string SecretBox::deriveKey(std::string_view label) const {
    return hmacSha256(key_, label);
}

sdk::Result<std::string> SecretBox::seal(std::string_view plaintext, std::string_view aad) const {
    unsigned char nonce[kNonceSize];
    if (!randomBytes(nonce, sizeof nonce)) {
        return sdk::makeError(sdk::ErrorCode::internal, "CSPRNG failure while sealing a secret");
    }
    return sealWithNonce({reinterpret_cast<const char*>(nonce), sizeof nonce}, plaintext, aad);
}

sdk::Result<std::string> SecretBox::sealWithNonceForTest(std::string_view nonce,
                                                         std::string_view plaintext,
                                                         std::string_view aad) const {
    if (nonce.size() != kNonceSize) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "nonce must be 12 bytes");
    }
    return sealWithNonce(nonce, plaintext, aad);
}

sdk::Result<std::string> SecretBox::sealWithNonce(std::string_view nonce,
                                                  std::string_view plaintext,
                                                  std::string_view aad) const {
    if (key_.size() != kKeySize) {
        return sdk::makeError(sdk::ErrorCode::internal, "secret box used after being moved from");
    }
    if (!fitsInt(plaintext.size()) || !fitsInt(aad.size())) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "value too large to seal");
    }
    CipherCtx ctx = newCipherCtx();
    std::string raw(kNonceSize + plaintext.size() + kTagSize, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    int length = 0;
    bool ok = ctx != nullptr &&
              EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                                  nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(nonce)) == 1;
    if (ok && !aad.empty()) {
        ok = EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                               static_cast<int>(aad.size())) == 1;
    }
    int written = 0;
    if (ok && !plaintext.empty()) {
        ok = EVP_EncryptUpdate(ctx.get(), out + kNonceSize, &length, bytes(plaintext),
                               static_cast<int>(plaintext.size())) == 1;
        written = length;
    }
    if (ok) {
        ok = EVP_EncryptFinal_ex(ctx.get(), out + kNonceSize + written, &length) == 1;
        written += length;
    }
    if (ok) {
        ok = static_cast<std::size_t>(written) == plaintext.size() &&
             EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                                 out + kNonceSize + plaintext.size()) == 1;
    }
    if (!ok) {
        OPENSSL_cleanse(raw.data(), raw.size());
        return sdk::makeError(sdk::ErrorCode::internal, "AES-256-GCM encryption failed");
    }
    raw.replace(0, kNonceSize, nonce);
    return std::string(kPrefix) + base64UrlEncode(raw);
}

sdk::Result<std::string> SecretBox::open(std::string_view sealed, std::string_view aad) const {
    if (key_.size() != kKeySize) {
        return sdk::makeError(sdk::ErrorCode::internal, "secret box used after being moved from");
    }
    if (sealed.substr(0, kPrefix.size()) != kPrefix) {
        return openError("sealed value does not start with the v1. format prefix");
    }
    std::optional<std::string> raw = base64UrlDecode(sealed.substr(kPrefix.size()));
    if (!raw) {
        return openError("sealed value is not valid base64url");
    }
    if (raw->size() < kNonceSize + kTagSize) {
        return openError("sealed value is too short to hold a nonce and a tag");
    }
    if (!fitsInt(raw->size()) || !fitsInt(aad.size())) {
        return openError("sealed value too large");
    }
    const std::string_view all(*raw);
    const std::string_view nonce = all.substr(0, kNonceSize);
    const std::string_view ciphertext =
        all.substr(kNonceSize, all.size() - kNonceSize - kTagSize);
    std::string tag(all.substr(all.size() - kTagSize));

    CipherCtx ctx = newCipherCtx();
    std::string plaintext(ciphertext.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
    int length = 0;
    bool ok = ctx != nullptr &&
              EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                                  nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(nonce)) == 1;
    if (ok && !aad.empty()) {
        ok = EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                               static_cast<int>(aad.size())) == 1;
    }
    int written = 0;
    if (ok && !ciphertext.empty()) {
        ok = EVP_DecryptUpdate(ctx.get(), out, &length, bytes(ciphertext),
                               static_cast<int>(ciphertext.size())) == 1;
        written = length;
    }
    if (!ok) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return sdk::makeError(sdk::ErrorCode::internal, "AES-256-GCM decryption setup failed");
    }
    // The tag check happens in Final: nothing decrypted is returned unless it passes.
    const bool authentic =
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                            tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), out + written, &length) == 1;
    if (!authentic) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return openError(
            "sealed value failed authentication (wrong key, wrong context, or tampered)");
    }
    return plaintext;
}

}  // namespace authd::crypto
