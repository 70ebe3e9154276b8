// SPDX-License-Identifier: Apache-2.0
#include "tokens/keys.hpp"

#include <array>
#include <climits>
#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tokens/json_text.hpp"

namespace authd::tokens {

namespace {

constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr std::size_t kMaxJwkBytes = 16 * 1024;
constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;
constexpr unsigned kRsaBits = 2048;

struct BioDeleter {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct BignumDeleter {
    void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

struct ParamBldDeleter {
    void operator()(OSSL_PARAM_BLD* bld) const noexcept { OSSL_PARAM_BLD_free(bld); }
};
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;

struct ParamDeleter {
    void operator()(OSSL_PARAM* params) const noexcept { OSSL_PARAM_free(params); }
};
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamDeleter>;

struct PkeyDeleter {
    void operator()(EVP_PKEY* pkey) const noexcept { EVP_PKEY_free(pkey); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

sdk::Error invalid(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, std::move(message));
}

// Never prompt on a terminal for the passphrase of an encrypted PEM: refuse it instead.
int noPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
    return 0;
}

std::optional<std::string> bignumBytes(EVP_PKEY* pkey, const char* param, std::size_t pad) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    BignumPtr bn(raw);
    const int needed = BN_num_bytes(bn.get());
    const std::size_t size = pad > 0 ? pad : static_cast<std::size_t>(needed);
    if (needed < 0 || static_cast<std::size_t>(needed) > size) {
        return std::nullopt;
    }
    std::string out(size, '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()),
                     static_cast<int>(size)) < 0) {
        return std::nullopt;
    }
    return out;
}

// The public members of a key, base64url, as the JWK and its thumbprint need them.
struct PublicMembers {
    std::string kty;
    std::string crv;
    std::string n;
    std::string e;
    std::string x;
    std::string y;
};

sdk::Result<PublicMembers> publicMembers(const Key& key) {
    EVP_PKEY* pkey = key.evp();
    if (pkey == nullptr) {
        return invalid("HMAC keys have no public JWK");
    }
    PublicMembers members;
    switch (key.alg()) {
    case Alg::rs256: {
        const auto n = bignumBytes(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        const auto e = bignumBytes(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        if (!n || !e) {
            return sdk::makeError(sdk::ErrorCode::internal, "cannot read the RSA public key");
        }
        members.kty = "RSA";
        members.n = crypto::base64UrlEncode(*n);
        members.e = crypto::base64UrlEncode(*e);
        break;
    }
    case Alg::es256: {
        const auto x = bignumBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
        const auto y = bignumBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
        if (!x || !y) {
            return sdk::makeError(sdk::ErrorCode::internal, "cannot read the EC public key");
        }
        members.kty = "EC";
        members.crv = "P-256";
        members.x = crypto::base64UrlEncode(*x);
        members.y = crypto::base64UrlEncode(*y);
        break;
    }
    case Alg::eddsa: {
        std::array<unsigned char, kEd25519KeyBytes> raw{};
        std::size_t length = raw.size();
        if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &length) != 1 ||
            length != kEd25519KeyBytes) {
            ERR_clear_error();
            return sdk::makeError(sdk::ErrorCode::internal, "cannot read the Ed25519 public key");
        }
        members.kty = "OKP";
        members.crv = "Ed25519";
        members.x = crypto::base64UrlEncode(
            std::string_view(reinterpret_cast<const char*>(raw.data()), length));
        break;
    }
    case Alg::hs256: return invalid("HMAC keys have no public JWK");
    }
    return members;
}

void appendMember(std::string& out, std::string_view name, std::string_view value) {
    if (out.size() > 1) {
        out.push_back(',');
    }
    json::appendString(out, name);
    out.push_back(':');
    json::appendString(out, value);
}

sdk::Result<Key> fromParams(const char* type, OSSL_PARAM_BLD* bld, std::string kid) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        return invalid("JWK does not hold a valid public key");
    }
    PkeyPtr pkey(raw);
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        ERR_clear_error();
        return invalid("JWK does not hold a valid public key");
    }
    return Key::adopt(pkey.release(), std::move(kid), false);
}

std::optional<std::string> decodedMember(const json::Object& jwk, std::string_view name) {
    const std::string* text = jwk.stringPtr(name);
    if (text == nullptr) {
        return std::nullopt;
    }
    return crypto::base64UrlDecode(*text);
}

// Whether the member `name` is the string `expected`.
bool memberEquals(const json::Object& jwk, std::string_view name, std::string_view expected) {
    const std::string* text = jwk.stringPtr(name);
    return text != nullptr && *text == expected;
}

bool hasPrivateMembers(const json::Object& jwk) {
    for (const char* name : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
        if (jwk.has(name)) {
            return true;
        }
    }
    return false;
}

bool pemSizeAcceptable(std::string_view pem) {
    return !pem.empty() && pem.size() <= kMaxPemBytes;
}

sdk::Result<Key> loadPem(std::string_view pem, std::string kid, bool is_private) {
    if (!pemSizeAcceptable(pem)) {
        return invalid("PEM is empty or too large");
    }
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return sdk::makeError(sdk::ErrorCode::internal, "out of memory reading PEM");
    }
    EVP_PKEY* pkey = is_private
                         ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr);
    if (pkey == nullptr) {
        ERR_clear_error();
        return invalid(is_private ? "not a readable unencrypted private key PEM"
                                  : "not a readable public key PEM");
    }
    return Key::adopt(pkey, std::move(kid), is_private);
}

const char* opensslKeyType(Alg alg) noexcept {
    switch (alg) {
    case Alg::rs256: return "RSA";
    case Alg::es256: return "EC";
    case Alg::eddsa: return "ED25519";
    case Alg::hs256: break;
    }
    return nullptr;
}

struct DecoderCtxFree {
    void operator()(OSSL_DECODER_CTX* ctx) const noexcept { OSSL_DECODER_CTX_free(ctx); }
};

}  // namespace

sdk::Result<Key> loadPrivateKeyPem(std::string_view pem, std::string kid, Alg alg) {
    const char* key_type = opensslKeyType(alg);
    if (key_type == nullptr) {
        return invalid("HS256 keys are project secrets, not PEM key pairs");
    }
    if (!pemSizeAcceptable(pem)) {
        return invalid("PEM is empty or too large");
    }
    EVP_PKEY* pkey = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> decoder(OSSL_DECODER_CTX_new_for_pkey(
        &pkey, "PEM", nullptr, key_type, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    if (!decoder ||
        OSSL_DECODER_CTX_set_pem_password_cb(decoder.get(), noPassphrase, nullptr) != 1) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal, "cannot set up the PEM decoder");
    }
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    std::size_t length = pem.size();
    if (OSSL_DECODER_from_data(decoder.get(), &data, &length) != 1 || pkey == nullptr) {
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        return invalid("not a readable unencrypted " + std::string(algName(alg)) +
                       " private key PEM");
    }
    return Key::adopt(pkey, std::move(kid), true);
}

sdk::Result<GeneratedKey> generateKey(Alg alg) {
    EVP_PKEY* raw = nullptr;
    switch (alg) {
    case Alg::rs256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kRsaBits)); break;
    case Alg::es256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case Alg::eddsa: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case Alg::hs256: return invalid("HS256 keys are project secrets, not generated key pairs");
    }
    if (raw == nullptr) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal,
                              "key generation failed for " + std::string(algName(alg)));
    }
    auto key = Key::adopt(raw, {}, true);
    if (!key) {
        return std::move(key).error();
    }
    auto kid = jwkThumbprint(*key);
    if (!kid) {
        return std::move(kid).error();
    }
    GeneratedKey generated{key->withKid(std::move(kid).value()), {}, {}};
    auto pem = privateKeyPem(generated.key);
    if (!pem) {
        return std::move(pem).error();
    }
    auto jwk = publicJwk(generated.key);
    if (!jwk) {
        return std::move(jwk).error();
    }
    generated.private_pem = std::move(pem).value();
    generated.public_jwk = std::move(jwk).value();
    return generated;
}

sdk::Result<Key> loadPrivateKeyPem(std::string_view pem, std::string kid) {
    return loadPem(pem, std::move(kid), true);
}

sdk::Result<Key> loadPublicKeyPem(std::string_view pem, std::string kid) {
    return loadPem(pem, std::move(kid), false);
}

sdk::Result<std::string> privateKeyPem(const Key& key) {
    if (key.evp() == nullptr || !key.canSign()) {
        return invalid("only an asymmetric private key has a private PEM");
    }
    // Secure heap memory is wiped when freed.
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.evp(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal, "cannot write the private key PEM");
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    if (length <= 0 || data == nullptr) {
        return sdk::makeError(sdk::ErrorCode::internal, "cannot write the private key PEM");
    }
    return std::string(data, static_cast<std::size_t>(length));
}

sdk::Result<std::string> publicJwk(const Key& key) {
    auto members = publicMembers(key);
    if (!members) {
        return std::move(members).error();
    }
    std::string out = "{";
    appendMember(out, "kty", members->kty);
    if (!key.kid().empty()) {
        appendMember(out, "kid", key.kid());
    }
    appendMember(out, "use", "sig");
    appendMember(out, "alg", algName(key.alg()));
    if (members->kty == "RSA") {
        appendMember(out, "n", members->n);
        appendMember(out, "e", members->e);
    } else {
        appendMember(out, "crv", members->crv);
        appendMember(out, "x", members->x);
        if (members->kty == "EC") {
            appendMember(out, "y", members->y);
        }
    }
    out.push_back('}');
    return out;
}

sdk::Result<std::string> jwkThumbprint(const Key& key) {
    auto members = publicMembers(key);
    if (!members) {
        return std::move(members).error();
    }
    // RFC 7638 3.2: the required members only, in lexicographic order, no whitespace.
    std::string canonical = "{";
    if (members->kty == "RSA") {
        appendMember(canonical, "e", members->e);
        appendMember(canonical, "kty", members->kty);
        appendMember(canonical, "n", members->n);
    } else if (members->kty == "EC") {
        appendMember(canonical, "crv", members->crv);
        appendMember(canonical, "kty", members->kty);
        appendMember(canonical, "x", members->x);
        appendMember(canonical, "y", members->y);
    } else {
        appendMember(canonical, "crv", members->crv);
        appendMember(canonical, "kty", members->kty);
        appendMember(canonical, "x", members->x);
    }
    canonical.push_back('}');
    return crypto::base64UrlEncode(crypto::sha256(canonical));
}

sdk::Result<Key> keyFromJwk(std::string_view jwk_json) {
    if (jwk_json.size() > kMaxJwkBytes) {
        return invalid("JWK is too large");
    }
    auto parsed = parseJsonObject(jwk_json, "JWK");
    if (!parsed) {
        return std::move(parsed).error();
    }
    const json::Object& jwk = *parsed;
    if (hasPrivateMembers(jwk)) {
        return invalid("JWK holds private or symmetric key material");
    }
    const std::string* kty = jwk.stringPtr("kty");
    if (kty == nullptr) {
        return invalid("JWK has no kty");
    }
    std::string kid;
    if (const json::Value* text = jwk.find("kid")) {
        if (!text->isString()) {
            return invalid("JWK kid is not a string");
        }
        kid = text->asString();
    }
    if (jwk.has("use") && !memberEquals(jwk, "use", "sig")) {
        return invalid("JWK use is not sig");
    }

    sdk::Result<Key> key = invalid("unsupported kty (RSA, EC or OKP expected)");
    if (*kty == "RSA") {
        const auto n = decodedMember(jwk, "n");
        const auto e = decodedMember(jwk, "e");
        if (!n || !e || n->empty() || e->empty() || n->size() > static_cast<std::size_t>(INT_MAX) ||
            e->size() > 8) {
            return invalid("RSA JWK needs base64url n and e");
        }
        BignumPtr n_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                 static_cast<int>(n->size()), nullptr));
        BignumPtr e_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                 static_cast<int>(e->size()), nullptr));
        ParamBldPtr bld(OSSL_PARAM_BLD_new());
        if (!n_bn || !e_bn || !bld ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
            return sdk::makeError(sdk::ErrorCode::internal, "cannot build the RSA key");
        }
        key = fromParams("RSA", bld.get(), kid);
    } else if (*kty == "EC") {
        if (!memberEquals(jwk, "crv", "P-256")) {
            return invalid("EC JWK must be on crv P-256");
        }
        const auto x = decodedMember(jwk, "x");
        const auto y = decodedMember(jwk, "y");
        if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
            return invalid("EC JWK needs 32-byte base64url x and y");
        }
        std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
        ParamBldPtr bld(OSSL_PARAM_BLD_new());
        if (!bld ||
            OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                            0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) != 1) {
            return sdk::makeError(sdk::ErrorCode::internal, "cannot build the EC key");
        }
        key = fromParams("EC", bld.get(), kid);
    } else if (*kty == "OKP") {
        if (!memberEquals(jwk, "crv", "Ed25519")) {
            return invalid("OKP JWK must be on crv Ed25519");
        }
        const auto x = decodedMember(jwk, "x");
        if (!x || x->size() != kEd25519KeyBytes) {
            return invalid("OKP JWK needs a 32-byte base64url x");
        }
        EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
        if (raw == nullptr) {
            ERR_clear_error();
            return invalid("JWK does not hold a valid public key");
        }
        key = Key::adopt(raw, kid, false);
    }
    if (!key) {
        return key;
    }
    if (jwk.has("alg") && !memberEquals(jwk, "alg", algName(key->alg()))) {
        return invalid("JWK alg does not match its key type");
    }
    return key;
}

sdk::Result<std::string> jwksJson(const std::vector<std::string>& public_jwks) {
    std::string out = "{\"keys\":[";
    bool first = true;
    for (const auto& jwk : public_jwks) {
        auto parsed = parseJsonObject(jwk, "JWK");
        if (!parsed) {
            return std::move(parsed).error();
        }
        if (parsed->stringPtr("kty") == nullptr) {
            return invalid("JWK has no kty");
        }
        if (hasPrivateMembers(*parsed)) {
            return invalid("JWK holds private or symmetric key material");
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out.append(jwk);
    }
    out.append("]}");
    return out;
}

}  // namespace authd::tokens
