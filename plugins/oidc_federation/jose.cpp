// SPDX-License-Identifier: Apache-2.0
#include "jose.hpp"

#include <array>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

namespace authd::plugins::oidc_federation {

namespace {

constexpr std::size_t kEcCoordinate = 32;  // P-256
constexpr int kMinRsaBits = 2048;

struct BnFree {
    void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct BldFree {
    void operator()(OSSL_PARAM_BLD* bld) const noexcept { OSSL_PARAM_BLD_free(bld); }
};
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, BldFree>;
struct ParamFree {
    void operator()(OSSL_PARAM* params) const noexcept { OSSL_PARAM_free(params); }
};
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
struct CtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct SigFree {
    void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;

int decodeChar(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

sdk::Error malformed(const std::string& what) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, "token is malformed: " + what);
}

std::optional<Poco::JSON::Object::Ptr> parseObject(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var parsed = parser.parse(text);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            return std::nullopt;
        }
        auto object = parsed.extract<Poco::JSON::Object::Ptr>();
        if (object.isNull()) {
            return std::nullopt;
        }
        return object;
    } catch (const Poco::Exception&) {
        return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string stringMember(const Poco::JSON::Object& object, const std::string& name) {
    if (!object.has(name)) {
        return {};
    }
    const Poco::Dynamic::Var value = object.get(name);
    return value.isString() ? value.extract<std::string>() : std::string();
}

std::shared_ptr<EVP_PKEY> fromParams(const char* type, OSSL_PARAM_BLD* bld) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free);
}

std::shared_ptr<EVP_PKEY> rsaKey(const Poco::JSON::Object& jwk) {
    const auto n = base64UrlDecode(stringMember(jwk, "n"));
    const auto e = base64UrlDecode(stringMember(jwk, "e"));
    if (!n || !e || n->empty() || e->empty() || e->size() > 8) {
        return nullptr;
    }
    BnPtr n_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                         static_cast<int>(n->size()), nullptr));
    BnPtr e_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                         static_cast<int>(e->size()), nullptr));
    BldPtr bld(OSSL_PARAM_BLD_new());
    if (!n_bn || !e_bn || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
        return nullptr;
    }
    auto key = fromParams("RSA", bld.get());
    if (!key || EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
        return nullptr;
    }
    return key;
}

std::shared_ptr<EVP_PKEY> ecKey(const Poco::JSON::Object& jwk) {
    if (stringMember(jwk, "crv") != "P-256") {
        return nullptr;
    }
    const auto x = base64UrlDecode(stringMember(jwk, "x"));
    const auto y = base64UrlDecode(stringMember(jwk, "y"));
    if (!x || !y || x->size() != kEcCoordinate || y->size() != kEcCoordinate) {
        return nullptr;
    }
    std::string point = "\x04" + *x + *y;
    static char group[] = "prime256v1";
    BldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return nullptr;
    }
    // fromdata decodes the point, which refuses one that is not on the curve.
    return fromParams("EC", bld.get());
}

// R||S (JOSE) to the DER form OpenSSL verifies.
std::optional<std::string> joseToDer(std::string_view signature) {
    if (signature.size() != 2 * kEcCoordinate) {
        return std::nullopt;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
    BnPtr r(BN_bin2bn(bytes, static_cast<int>(kEcCoordinate), nullptr));
    BnPtr s(BN_bin2bn(bytes + kEcCoordinate, static_cast<int>(kEcCoordinate), nullptr));
    SigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    (void)r.release();  // owned by sig now
    (void)s.release();
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0) {
        return std::nullopt;
    }
    std::string der(static_cast<std::size_t>(length), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != length) {
        return std::nullopt;
    }
    return der;
}

sdk::Error mismatch() {
    return sdk::makeError(sdk::ErrorCode::denied, "signature mismatch");
}

}  // namespace

std::optional<std::string> base64UrlDecode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int value = decodeChar(c);
        if (value < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6U) | static_cast<unsigned>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
        }
    }
    // Leftover bits must be zero, so that each byte string has exactly one encoding.
    if (bits > 0 && (buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) {
        return std::nullopt;
    }
    return out;
}

std::string base64UrlEncode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8U) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU];
        }
    }
    if (bits > 0) {
        out += kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU];
    }
    return out;
}

std::string sha256(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

sdk::Result<std::vector<PublicKey>> parseJwks(const std::string& json) {
    auto document = parseObject(json);
    if (!document) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "the JWKS is not a JSON object");
    }
    if (!(*document)->has("keys") || !(*document)->isArray("keys")) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "the JWKS has no \"keys\" array");
    }
    std::vector<PublicKey> keys;
    try {
        const auto array = (*document)->getArray("keys");
        for (std::size_t i = 0; i < array->size(); ++i) {
            const auto jwk = array->getObject(static_cast<unsigned>(i));
            if (jwk.isNull()) {
                continue;
            }
            PublicKey key;
            key.kid = stringMember(*jwk, "kid");
            key.kty = stringMember(*jwk, "kty");
            key.alg = stringMember(*jwk, "alg");
            key.use = stringMember(*jwk, "use");
            if (!key.use.empty() && key.use != "sig") {
                continue;
            }
            if (key.kty == "RSA") {
                key.pkey = rsaKey(*jwk);
            } else if (key.kty == "EC") {
                key.pkey = ecKey(*jwk);
            }
            if (key.pkey) {
                keys.push_back(std::move(key));
            }
        }
    } catch (const Poco::Exception&) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "the JWKS is malformed");
    }
    return keys;
}

sdk::Result<Jws> decodeJws(std::string_view compact) {
    if (compact.size() > kMaxJwsBytes) {
        return malformed("longer than " + std::to_string(kMaxJwsBytes) + " bytes");
    }
    const std::size_t first = compact.find('.');
    const std::size_t second =
        first == std::string_view::npos ? first : compact.find('.', first + 1);
    if (second == std::string_view::npos ||
        compact.find('.', second + 1) != std::string_view::npos) {
        return malformed("not three parts");
    }
    const auto header_text = base64UrlDecode(compact.substr(0, first));
    const auto payload_text = base64UrlDecode(compact.substr(first + 1, second - first - 1));
    const auto signature = base64UrlDecode(compact.substr(second + 1));
    if (!header_text || !payload_text || !signature || header_text->empty() ||
        payload_text->empty()) {
        return malformed("a part is not base64url");
    }
    auto header = parseObject(*header_text);
    auto claims = parseObject(*payload_text);
    if (!header || !claims) {
        return malformed("the header or payload is not a JSON object");
    }
    Jws jws;
    jws.header = *header;
    jws.claims = *claims;
    if (!jws.header->has("alg") || !jws.header->get("alg").isString()) {
        return malformed("no alg");
    }
    jws.alg = jws.header->getValue<std::string>("alg");
    if (jws.header->has("kid")) {
        if (!jws.header->get("kid").isString()) {
            return malformed("kid is not a string");
        }
        jws.kid = jws.header->getValue<std::string>("kid");
    }
    if (jws.header->has("crit")) {
        return sdk::makeError(sdk::ErrorCode::unsupported, "the token has a crit header");
    }
    jws.signing_input = std::string(compact.substr(0, second));
    jws.signature = *signature;
    return jws;
}

sdk::Result<void> verifyAsymmetric(const Jws& jws, const PublicKey& key) {
    if (!key.pkey) {
        return mismatch();
    }
    const int type = EVP_PKEY_get_base_id(key.pkey.get());
    std::string signature = jws.signature;
    if (jws.alg == "RS256") {
        if (type != EVP_PKEY_RSA) {
            return mismatch();
        }
    } else if (jws.alg == "ES256") {
        if (type != EVP_PKEY_EC) {
            return mismatch();
        }
        auto der = joseToDer(jws.signature);
        if (!der) {
            return mismatch();
        }
        signature = std::move(*der);
    } else {
        return sdk::makeError(sdk::ErrorCode::unsupported, "unsupported alg");
    }
    if (!key.alg.empty() && key.alg != jws.alg) {
        return mismatch();
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey.get()) != 1) {
        return sdk::makeError(sdk::ErrorCode::internal, "cannot set up signature verification");
    }
    if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(),
                         reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                         jws.signing_input.size()) != 1) {
        return mismatch();
    }
    return sdk::ok();
}

sdk::Result<void> verifyHs256(const Jws& jws, std::string_view secret) {
    if (jws.alg != "HS256" || secret.empty()) {
        return mismatch();
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
             jws.signing_input.size(), mac.data(), &length) == nullptr) {
        return sdk::makeError(sdk::ErrorCode::internal, "cannot compute HMAC");
    }
    if (jws.signature.size() != length ||
        CRYPTO_memcmp(mac.data(), jws.signature.data(), length) != 0) {
        return mismatch();
    }
    return sdk::ok();
}

}  // namespace authd::plugins::oidc_federation
