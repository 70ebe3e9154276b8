// SPDX-License-Identifier: Apache-2.0
#include "tokens/jws.hpp"

#include <algorithm>
#include <array>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tokens/json_text.hpp"

namespace authd::tokens {

namespace {

constexpr std::size_t kMinHmacKeyBytes = 32;  // RFC 7518 3.2: at least the hash size
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // bounds the cost of one verification
constexpr std::size_t kEcCoordinateBytes = 32;
constexpr std::size_t kJoseEcSignatureBytes = 2 * kEcCoordinateBytes;
constexpr std::size_t kEd25519SignatureBytes = 64;

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct EcdsaSigDeleter {
    void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

struct BignumDeleter {
    void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

const unsigned char* bytes(std::string_view text) noexcept {
    return reinterpret_cast<const unsigned char*>(text.data());
}

constexpr std::size_t kSha256BlockBytes = 64;
constexpr std::size_t kSha256Bytes = 32;

// HMAC-SHA256 over precomputed pad states (RFC 2104 section 4 suggests exactly this).
sdk::Result<std::string> hmacFromState(const EVP_MD_CTX* inner, const EVP_MD_CTX* outer,
                                       std::string_view data) {
    // One scratch context per thread: the states are shared read-only between threads.
    thread_local MdCtxPtr scratch(EVP_MD_CTX_new());
    unsigned char inner_digest[kSha256Bytes];
    unsigned char mac[kSha256Bytes];
    unsigned int length = 0;
    EVP_MD_CTX* ctx = scratch.get();
    const bool ok = ctx != nullptr && EVP_MD_CTX_copy_ex(ctx, inner) == 1 &&
                    EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, inner_digest, &length) == 1 &&
                    EVP_MD_CTX_copy_ex(ctx, outer) == 1 &&
                    EVP_DigestUpdate(ctx, inner_digest, sizeof inner_digest) == 1 &&
                    EVP_DigestFinal_ex(ctx, mac, &length) == 1 && length == kSha256Bytes;
    OPENSSL_cleanse(inner_digest, sizeof inner_digest);
    if (!ok) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal, "HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

sdk::Error malformed(std::string_view why) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument,
                          "token is malformed: " + std::string(why));
}

sdk::Error mismatch() {
    return sdk::makeError(sdk::ErrorCode::denied, "signature mismatch");
}

// The digest JWS pairs with the alg; EdDSA hashes internally (PureEdDSA), hence null.
const EVP_MD* digestFor(Alg alg) noexcept {
    return alg == Alg::eddsa ? nullptr : EVP_sha256();
}

bool isP256(EVP_PKEY* pkey) {
    std::array<char, 64> name{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(pkey, name.data(), name.size(), &length) != 1) {
        return false;
    }
    const std::string group(name.data(), length);
    return OBJ_sn2nid(group.c_str()) == NID_X9_62_prime256v1 ||
           EC_curve_nist2nid(group.c_str()) == NID_X9_62_prime256v1;
}

// ECDSA signatures leave OpenSSL as DER; JWS wants the fixed-width R||S (RFC 7518 3.4).
sdk::Result<std::string> derToJose(const std::string& der) {
    const auto* cursor = bytes(der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
    if (!sig) {
        return sdk::makeError(sdk::ErrorCode::internal, "ECDSA signature could not be decoded");
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(kJoseEcSignatureBytes, '\0');
    auto* target = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(r, target, static_cast<int>(kEcCoordinateBytes)) < 0 ||
        BN_bn2binpad(s, target + kEcCoordinateBytes, static_cast<int>(kEcCoordinateBytes)) < 0) {
        return sdk::makeError(sdk::ErrorCode::internal, "ECDSA signature does not fit P-256");
    }
    return out;
}

std::optional<std::string> joseToDer(std::string_view jose) {
    BignumPtr r(BN_bin2bn(bytes(jose), static_cast<int>(kEcCoordinateBytes), nullptr));
    BignumPtr s(BN_bin2bn(bytes(jose) + kEcCoordinateBytes, static_cast<int>(kEcCoordinateBytes),
                          nullptr));
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    // ECDSA_SIG_set0 took ownership.
    (void)r.release();
    (void)s.release();
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0) {
        return std::nullopt;
    }
    std::string der(static_cast<std::size_t>(length), '\0');
    auto* cursor = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &cursor) != length) {
        return std::nullopt;
    }
    return der;
}

struct CompactParts {
    std::string_view header_b64;
    std::string_view payload_b64;
    std::string_view signature_b64;
    std::string_view signing_input;
};

sdk::Result<CompactParts> splitCompact(std::string_view compact, std::size_t max_bytes) {
    if (compact.empty()) {
        return malformed("empty");
    }
    if (compact.size() > max_bytes) {
        return malformed("longer than " + std::to_string(max_bytes) + " bytes");
    }
    const auto first = compact.find('.');
    if (first == std::string_view::npos) {
        return malformed("expected 3 parts separated by '.'");
    }
    const auto second = compact.find('.', first + 1);
    if (second == std::string_view::npos) {
        return malformed("expected 3 parts separated by '.'");
    }
    if (compact.find('.', second + 1) != std::string_view::npos) {
        return malformed("expected 3 parts separated by '.'");
    }
    CompactParts parts;
    parts.header_b64 = compact.substr(0, first);
    parts.payload_b64 = compact.substr(first + 1, second - first - 1);
    parts.signature_b64 = compact.substr(second + 1);
    parts.signing_input = compact.substr(0, second);
    if (parts.header_b64.empty() || parts.payload_b64.empty()) {
        return malformed("empty header or payload");
    }
    return parts;
}

struct DecodedHeader {
    std::string alg;
    std::string kid;
    std::string typ;
    json::Object object;
};

sdk::Result<DecodedHeader> decodeHeader(std::string_view header_b64) {
    const auto text = crypto::base64UrlDecode(header_b64);
    if (!text) {
        return malformed("header is not base64url");
    }
    auto object = parseJsonObject(*text, "header");
    if (!object) {
        return malformed(object.error().message);
    }
    DecodedHeader header;
    header.object = std::move(object).value();
    const std::string* alg = header.object.stringPtr("alg");
    if (alg == nullptr) {
        return malformed("header has no string alg");
    }
    header.alg = *alg;
    if (const json::Value* kid = header.object.find("kid")) {
        if (!kid->isString()) {
            return malformed("header kid is not a string");
        }
        header.kid = kid->asString();
    }
    if (const json::Value* typ = header.object.find("typ")) {
        if (!typ->isString()) {
            return malformed("header typ is not a string");
        }
        header.typ = typ->asString();
    }
    return header;
}

sdk::Result<json::Object> decodeClaims(std::string_view payload_b64) {
    const auto text = crypto::base64UrlDecode(payload_b64);
    if (!text) {
        return malformed("payload is not base64url");
    }
    auto object = parseJsonObject(*text, "payload");
    if (!object) {
        return malformed(object.error().message);
    }
    return object;
}

// A key may verify a token when the algs agree and the kids do not contradict each other.
bool keyMatches(const Key& key, Alg alg, std::string_view kid) noexcept {
    return key.alg() == alg && (kid.empty() || key.kid().empty() || key.kid() == kid);
}

std::string buildHeader(const Key& key, std::string_view typ) {
    std::string header;
    header.reserve(64 + key.kid().size() + typ.size());
    header.append("{\"alg\":\"");
    header.append(algName(key.alg()));
    header.push_back('"');
    if (!typ.empty()) {
        header.append(",\"typ\":");
        json::appendString(header, typ);
    }
    if (isAsymmetric(key.alg()) && !key.kid().empty()) {
        header.append(",\"kid\":");
        json::appendString(header, key.kid());
    }
    header.push_back('}');
    return header;
}

sdk::Result<std::string> assemble(std::string_view header_json, std::string_view payload,
                                  const Key& key) {
    std::string compact = crypto::base64UrlEncode(header_json);
    compact.push_back('.');
    compact.append(crypto::base64UrlEncode(payload));
    auto signature = signRaw(key, compact);
    if (!signature) {
        return std::move(signature).error();
    }
    compact.push_back('.');
    compact.append(crypto::base64UrlEncode(*signature));
    return compact;
}

}  // namespace

std::string_view algName(Alg alg) noexcept {
    switch (alg) {
    case Alg::hs256: return "HS256";
    case Alg::rs256: return "RS256";
    case Alg::es256: return "ES256";
    case Alg::eddsa: return "EdDSA";
    }
    return "unknown";
}

std::optional<Alg> parseAlg(std::string_view name) noexcept {
    if (name == "HS256") {
        return Alg::hs256;
    }
    if (name == "RS256") {
        return Alg::rs256;
    }
    if (name == "ES256") {
        return Alg::es256;
    }
    if (name == "EdDSA") {
        return Alg::eddsa;
    }
    return std::nullopt;
}

bool isAsymmetric(Alg alg) noexcept {
    return alg != Alg::hs256;
}

// EVP_MD_CTX_free wipes the digest state, which here is key-equivalent.
struct Key::HmacState {
    MdCtxPtr inner;
    MdCtxPtr outer;
};

sdk::Result<Key> Key::hmac(std::string_view secret, std::string kid) {
    if (secret.size() < kMinHmacKeyBytes) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "HS256 key must be at least 32 bytes");
    }
    // RFC 2104: a key longer than the block is hashed first; then both pads are absorbed.
    unsigned char block[kSha256BlockBytes] = {};
    if (secret.size() > kSha256BlockBytes) {
        const std::string digest = crypto::sha256(secret);
        std::copy(digest.begin(), digest.end(), block);
    } else {
        std::copy(secret.begin(), secret.end(), block);
    }
    unsigned char ipad[kSha256BlockBytes];
    unsigned char opad[kSha256BlockBytes];
    for (std::size_t i = 0; i < kSha256BlockBytes; ++i) {
        ipad[i] = static_cast<unsigned char>(block[i] ^ 0x36U);
        opad[i] = static_cast<unsigned char>(block[i] ^ 0x5cU);
    }
    auto state = std::make_shared<HmacState>();
    state->inner.reset(EVP_MD_CTX_new());
    state->outer.reset(EVP_MD_CTX_new());
    const bool ok = state->inner && state->outer &&
                    EVP_DigestInit_ex(state->inner.get(), EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(state->inner.get(), ipad, sizeof ipad) == 1 &&
                    EVP_DigestInit_ex(state->outer.get(), EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(state->outer.get(), opad, sizeof opad) == 1;
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    if (!ok) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal, "cannot set up HMAC-SHA256");
    }
    Key key;
    key.alg_ = Alg::hs256;
    key.kid_ = std::move(kid);
    key.can_sign_ = true;
    key.hmac_ = std::move(state);
    return key;
}

sdk::Result<Key> Key::adopt(EVP_PKEY* pkey, std::string kid, bool has_private) {
    std::shared_ptr<EVP_PKEY> owned(pkey, EVP_PKEY_free);
    if (!owned) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "no key");
    }
    Key key;
    if (EVP_PKEY_is_a(pkey, "RSA") == 1) {
        const int bits = EVP_PKEY_get_bits(pkey);
        if (bits < kMinRsaBits || bits > kMaxRsaBits) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument,
                                  "RSA key must have 2048 to 8192 bits, this one has " +
                                      std::to_string(bits));
        }
        key.alg_ = Alg::rs256;
    } else if (EVP_PKEY_is_a(pkey, "EC") == 1) {
        if (!isP256(pkey)) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument,
                                  "EC key must be on P-256 for ES256");
        }
        key.alg_ = Alg::es256;
    } else if (EVP_PKEY_is_a(pkey, "ED25519") == 1) {
        key.alg_ = Alg::eddsa;
    } else {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "unsupported key type (RSA, EC P-256 or Ed25519 expected)");
    }
    key.kid_ = std::move(kid);
    key.can_sign_ = has_private;
    key.pkey_ = std::move(owned);
    return key;
}

sdk::Result<std::string> signRaw(const Key& key, std::string_view signing_input) {
    if (!key.can_sign_) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "key " + key.kid_ + " is a public key and cannot sign");
    }
    if (key.alg_ == Alg::hs256) {
        return hmacFromState(key.hmac_->inner.get(), key.hmac_->outer.get(), signing_input);
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, digestFor(key.alg_), nullptr, key.pkey_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, bytes(signing_input), signing_input.size()) != 1) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("signing with ") + std::string(algName(key.alg_)) +
                                  " failed");
    }
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       bytes(signing_input), signing_input.size()) != 1) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("signing with ") + std::string(algName(key.alg_)) +
                                  " failed");
    }
    signature.resize(length);
    if (key.alg_ == Alg::es256) {
        return derToJose(signature);
    }
    return signature;
}

sdk::Result<void> verifyRaw(const Key& key, std::string_view signing_input,
                            std::string_view signature) {
    if (key.alg_ == Alg::hs256) {
        auto expected = hmacFromState(key.hmac_->inner.get(), key.hmac_->outer.get(), signing_input);
        if (!expected) {
            return std::move(expected).error();
        }
        if (!crypto::constantTimeEquals(*expected, signature)) {
            return mismatch();
        }
        return sdk::ok();
    }
    std::string der;
    std::string_view to_check = signature;
    switch (key.alg_) {
    case Alg::rs256:
        if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.pkey_.get()))) {
            return mismatch();
        }
        break;
    case Alg::es256: {
        if (signature.size() != kJoseEcSignatureBytes) {
            return mismatch();
        }
        auto converted = joseToDer(signature);
        if (!converted) {
            return sdk::makeError(sdk::ErrorCode::internal, "ECDSA signature conversion failed");
        }
        der = std::move(*converted);
        to_check = der;
        break;
    }
    case Alg::eddsa:
        if (signature.size() != kEd25519SignatureBytes) {
            return mismatch();
        }
        break;
    case Alg::hs256:
        break;
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, digestFor(key.alg_), nullptr, key.pkey_.get()) != 1) {
        ERR_clear_error();
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("cannot verify ") + std::string(algName(key.alg_)));
    }
    const int rc = EVP_DigestVerify(ctx.get(), bytes(to_check), to_check.size(),
                                    bytes(signing_input), signing_input.size());
    if (rc != 1) {
        // A bad signature leaves entries on this thread's OpenSSL error queue.
        ERR_clear_error();
        return mismatch();
    }
    return sdk::ok();
}

sdk::Result<std::string> signCompact(std::string_view header_json, std::string_view payload,
                                     const Key& key) {
    auto header = parseJsonObject(header_json, "header");
    if (!header) {
        return std::move(header).error();
    }
    const std::string* alg = header->stringPtr("alg");
    if (alg == nullptr || *alg != algName(key.alg())) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "header alg must be " + std::string(algName(key.alg())) +
                                  " for this key");
    }
    return assemble(header_json, payload, key);
}

sdk::Result<std::string> sign(std::string_view claims_json, const Key& key, std::string_view typ) {
    // A cheap shape check: the caller serialized the claims itself.
    const auto first = claims_json.find_first_not_of(" \t\r\n");
    const auto last = claims_json.find_last_not_of(" \t\r\n");
    if (first == std::string_view::npos || claims_json[first] != '{' || claims_json[last] != '}') {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "claims must be a JSON object");
    }
    return assemble(buildHeader(key, typ), claims_json, key);
}

sdk::Result<std::string> sign(const json::Object& claims, const Key& key, std::string_view typ) {
    return assemble(buildHeader(key, typ), json::write(claims), key);
}

sdk::Result<VerifiedJws> verify(std::string_view compact, const KeySet& keys, AlgSet allowed,
                                std::size_t max_bytes) {
    auto parts = splitCompact(compact, max_bytes);
    if (!parts) {
        return std::move(parts).error();
    }
    auto header = decodeHeader(parts->header_b64);
    if (!header) {
        return std::move(header).error();
    }
    const auto alg = parseAlg(header->alg);
    if (!alg || !allowed.contains(*alg)) {
        // The header's own text is not echoed: it is attacker-chosen and ends up in logs.
        return sdk::makeError(sdk::ErrorCode::unsupported,
                              alg ? "unsupported alg " + std::string(algName(*alg)) + " here"
                                  : std::string("unsupported alg"));
    }
    // No extension is understood, so RFC 7515 4.1.11 says refuse any crit (b64 included).
    if (header->object.has("crit")) {
        return sdk::makeError(sdk::ErrorCode::unsupported, "unsupported crit header");
    }
    const auto signature = crypto::base64UrlDecode(parts->signature_b64);
    if (!signature || signature->empty()) {
        return malformed("signature is not base64url");
    }
    bool any_key = false;
    bool verified = false;
    for (const Key& key : keys.keys()) {
        if (!keyMatches(key, *alg, header->kid)) {
            continue;
        }
        any_key = true;
        auto checked = verifyRaw(key, parts->signing_input, *signature);
        if (checked) {
            verified = true;
            break;
        }
        if (checked.error().code != sdk::ErrorCode::denied) {
            return std::move(checked).error();
        }
    }
    if (!any_key) {
        if (!header->kid.empty()) {
            return sdk::makeError(sdk::ErrorCode::not_found, "unknown kid");
        }
        return sdk::makeError(sdk::ErrorCode::not_found,
                              "no key for alg " + std::string(algName(*alg)));
    }
    if (!verified) {
        return mismatch();
    }
    auto claims = decodeClaims(parts->payload_b64);
    if (!claims) {
        return std::move(claims).error();
    }
    VerifiedJws result;
    result.alg = *alg;
    result.kid = std::move(header->kid);
    result.typ = std::move(header->typ);
    result.header = std::move(header->object);
    result.claims = std::move(claims).value();
    return result;
}

sdk::Result<UnverifiedJws> decodeUnverified(std::string_view compact, std::size_t max_bytes) {
    auto parts = splitCompact(compact, max_bytes);
    if (!parts) {
        return std::move(parts).error();
    }
    auto header = decodeHeader(parts->header_b64);
    if (!header) {
        return std::move(header).error();
    }
    auto claims = decodeClaims(parts->payload_b64);
    if (!claims) {
        return std::move(claims).error();
    }
    UnverifiedJws result;
    result.alg = std::move(header->alg);
    result.kid = std::move(header->kid);
    result.typ = std::move(header->typ);
    result.header = std::move(header->object);
    result.claims = std::move(claims).value();
    return result;
}

}  // namespace authd::tokens
