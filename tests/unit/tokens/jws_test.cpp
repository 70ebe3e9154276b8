// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "test_support.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

using namespace authd;
using namespace authd::tokens;
using authd::tokens::test::b64;
using authd::tokens::test::claimsJson;

namespace {

// RFC 7515 appendix A: shared payload, and the HS256 (A.1), RS256 (A.2) and ES256 (A.3)
// examples, verbatim.
const std::string kRfcPayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ";
const std::string kA1HeaderJson = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
const std::string kA1PayloadJson =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
const std::string kA1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const std::string kA1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + kRfcPayloadB64 +
                             ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

const std::string kA2Jwk =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"})";
const std::string kA2Token =
    "eyJhbGciOiJSUzI1NiJ9." + kRfcPayloadB64 +
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujG"
    "bds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

const std::string kA3Jwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
const std::string kA3Token =
    "eyJhbGciOiJFUzI1NiJ9." + kRfcPayloadB64 +
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 appendix A.1 (key) and A.4 (signature).
const std::string kEdPrivateD = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const std::string kEdPublicX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const std::string kEdSigningInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const std::string kEdSignature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

const std::string kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Key hmacKey(const std::string& secret = kSecret) {
    auto key = Key::hmac(secret);
    BOOST_REQUIRE(key);
    return *key;
}

Key generated(Alg alg) {
    auto key = generateKey(alg);
    test::requireOk(key, "generateKey");
    return key->key;
}

// One key per alg, generated once (RSA generation is slow).
const Key& keyFor(Alg alg) {
    static const Key rs = generated(Alg::rs256);
    static const Key es = generated(Alg::es256);
    static const Key ed = generated(Alg::eddsa);
    static const Key hs = hmacKey();
    switch (alg) {
    case Alg::rs256: return rs;
    case Alg::es256: return es;
    case Alg::eddsa: return ed;
    case Alg::hs256: return hs;
    }
    return hs;
}

std::string signOrFail(const std::string& claims, const Key& key, std::string_view typ = "JWT") {
    auto token = sign(claims, key, typ);
    test::requireOk(token, "sign");
    return *token;
}

void requireError(const sdk::Result<VerifiedJws>& result, sdk::ErrorCode code,
                  const std::string& fragment) {
    BOOST_REQUIRE(!result);
    BOOST_CHECK_MESSAGE(result.error().code == code,
                        "code " << sdk::errorCodeName(result.error().code) << ", message "
                                << result.error().message);
    BOOST_CHECK_MESSAGE(result.error().message.find(fragment) != std::string::npos,
                        "message \"" << result.error().message << "\" lacks \"" << fragment << "\"");
}

// A token whose header and payload are exactly these bytes, validly signed by `key`.
std::string signedWith(const std::string& header_json, const std::string& payload, const Key& key) {
    const std::string input = b64(header_json) + "." + b64(payload);
    auto signature = signRaw(key, input);
    BOOST_REQUIRE(signature);
    return input + "." + b64(*signature);
}

const Alg kAllAlgs[] = {Alg::hs256, Alg::rs256, Alg::es256, Alg::eddsa};

}  // namespace

BOOST_AUTO_TEST_SUITE(jws)

BOOST_AUTO_TEST_CASE(alg_names_round_trip_and_are_case_sensitive) {
    for (Alg alg : kAllAlgs) {
        BOOST_TEST((parseAlg(algName(alg)) == std::optional<Alg>(alg)));
    }
    BOOST_TEST(algName(Alg::eddsa) == "EdDSA");
    BOOST_TEST(!parseAlg("none"));
    BOOST_TEST(!parseAlg("hs256"));
    BOOST_TEST(!parseAlg("HS384"));
    BOOST_TEST(!parseAlg(""));
    BOOST_TEST(!isAsymmetric(Alg::hs256));
    BOOST_TEST(isAsymmetric(Alg::eddsa));
}

BOOST_AUTO_TEST_CASE(refuses_short_hmac_secrets) {
    auto key = Key::hmac(std::string(31, 'x'));
    BOOST_REQUIRE(!key);
    BOOST_TEST(key.error().message.find("32 bytes") != std::string::npos);
    BOOST_TEST(Key::hmac(std::string(32, 'x')).has_value());
}

BOOST_AUTO_TEST_CASE(hmac_matches_the_reference_implementation) {
    // The precomputed-pad HMAC must equal crypto::hmacSha256, around the 64-byte block size
    // too (longer keys are hashed first).
    for (std::size_t key_length : {32U, 63U, 64U, 65U, 100U, 300U}) {
        std::string secret;
        for (std::size_t i = 0; i < key_length; ++i) {
            secret.push_back(static_cast<char>((i * 7 + key_length) & 0xFF));
        }
        const Key key = hmacKey(secret);
        for (std::size_t data_length : {0U, 1U, 55U, 56U, 64U, 1000U}) {
            const std::string data(data_length, static_cast<char>('a' + data_length % 26));
            auto mac = signRaw(key, data);
            BOOST_REQUIRE(mac);
            BOOST_TEST(*mac == crypto::hmacSha256(secret, data),
                       "key " << key_length << " data " << data_length);
            BOOST_TEST(verifyRaw(key, data, *mac).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(round_trips_every_alg) {
    for (Alg alg : kAllAlgs) {
        BOOST_TEST_CONTEXT("alg " << algName(alg)) {
            const Key& key = keyFor(alg);
            const std::string token = signOrFail(claimsJson(), key);
            auto verified = verify(token, KeySet({key}), AlgSet{alg});
            test::requireOk(verified, "verified");
            BOOST_TEST(verified->alg == alg);
            BOOST_TEST(verified->typ == "JWT");
            BOOST_TEST(test::str(verified->claims, "sub") == "user-1");
            BOOST_TEST(verified->claims.integer("exp").value_or(-1) == test::kNow + 300);
            if (isAsymmetric(alg)) {
                BOOST_TEST(!key.kid().empty());
                BOOST_TEST(verified->kid == key.kid());
            } else {
                // HMAC tokens carry no kid.
                BOOST_TEST(!verified->header.has("kid"));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(writes_the_header_in_a_fixed_form) {
    const Key& rs = keyFor(Alg::rs256);
    const auto parts = test::splitParts(signOrFail(claimsJson(), rs));
    BOOST_TEST(*crypto::base64UrlDecode(parts.header) ==
               R"({"alg":"RS256","typ":"JWT","kid":")" + rs.kid() + R"("})");
    const auto hs_parts = test::splitParts(signOrFail(claimsJson(), keyFor(Alg::hs256)));
    BOOST_TEST(*crypto::base64UrlDecode(hs_parts.header) == R"({"alg":"HS256","typ":"JWT"})");
    BOOST_TEST(*crypto::base64UrlDecode(hs_parts.payload) == claimsJson());
}

BOOST_AUTO_TEST_CASE(signs_with_a_caller_chosen_typ) {
    const Key& es = keyFor(Alg::es256);
    auto verified = verify(signOrFail(claimsJson(), es, "logout+jwt"), KeySet({es}),
                           AlgSet{Alg::es256});
    BOOST_REQUIRE(verified);
    BOOST_TEST(verified->typ == "logout+jwt");
    auto untyped = verify(signOrFail(claimsJson(), es, ""), KeySet({es}), AlgSet{Alg::es256});
    BOOST_REQUIRE(untyped);
    BOOST_TEST(!untyped->header.has("typ"));
}

BOOST_AUTO_TEST_CASE(signs_a_json_object_in_its_member_order) {
    json::Object claims;
    claims.set("sub", "user-2");
    claims.set("exp", test::kNow + 60);
    auto token = sign(claims, keyFor(Alg::eddsa));
    BOOST_REQUIRE(token);
    auto verified = verify(*token, KeySet({keyFor(Alg::eddsa)}), AlgSet{Alg::eddsa});
    BOOST_REQUIRE(verified);
    BOOST_TEST(test::str(verified->claims, "sub") == "user-2");
    BOOST_TEST(*crypto::base64UrlDecode(test::splitParts(*token).payload) ==
               R"({"sub":"user-2","exp":)" + std::to_string(test::kNow + 60) + "}");
}

BOOST_AUTO_TEST_CASE(refuses_to_sign_non_object_claims_or_with_a_public_key) {
    BOOST_TEST(!sign("[1,2]", keyFor(Alg::hs256)));
    BOOST_TEST(!sign("", keyFor(Alg::hs256)));
    auto jwk = publicJwk(keyFor(Alg::rs256));
    BOOST_REQUIRE(jwk);
    auto public_only = keyFromJwk(*jwk);
    BOOST_REQUIRE(public_only);
    BOOST_TEST(!public_only->canSign());
    auto token = sign(claimsJson(), *public_only);
    BOOST_REQUIRE(!token);
    BOOST_TEST(token.error().message.find("cannot sign") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verifies_rfc7515_a1_hs256_example_exactly) {
    const auto secret = crypto::base64UrlDecode(kA1Key);
    BOOST_REQUIRE(secret);
    const Key key = hmacKey(*secret);
    // Signing the example's exact header and payload bytes reproduces the example.
    auto token = signCompact(kA1HeaderJson, kA1PayloadJson, key);
    BOOST_REQUIRE(token);
    BOOST_TEST(*token == kA1Token);
    auto verified = verify(kA1Token, KeySet({key}), AlgSet{Alg::hs256});
    test::requireOk(verified, "verified");
    BOOST_TEST(test::str(verified->claims, "iss") == "joe");
    BOOST_TEST(verified->claims.boolean("http://example.com/is_root").value_or(false));
}

BOOST_AUTO_TEST_CASE(verifies_rfc7515_a2_rs256_and_a3_es256_examples) {
    auto rsa = keyFromJwk(kA2Jwk);
    test::requireOk(rsa, "rsa");
    auto rs_verified = verify(kA2Token, KeySet({*rsa}), AlgSet{Alg::rs256});
    test::requireOk(rs_verified, "rs_verified");
    BOOST_TEST(test::str(rs_verified->claims, "iss") == "joe");

    auto ec = keyFromJwk(kA3Jwk);
    test::requireOk(ec, "ec");
    auto es_verified = verify(kA3Token, KeySet({*ec}), AlgSet{Alg::es256});
    test::requireOk(es_verified, "es_verified");

    // Swapped keys do not verify.
    requireError(verify(kA3Token, KeySet({*rsa}), AlgSet{Alg::es256}), sdk::ErrorCode::not_found,
                 "no key for alg ES256");
}

BOOST_AUTO_TEST_CASE(reproduces_rfc8037_a4_ed25519_signature) {
    const auto d = crypto::base64UrlDecode(kEdPrivateD);
    BOOST_REQUIRE(d);
    EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(d->data()), d->size());
    BOOST_REQUIRE(raw != nullptr);
    auto key = Key::adopt(raw, "", true);
    BOOST_REQUIRE(key);
    BOOST_TEST(key->alg() == Alg::eddsa);

    // Ed25519 is deterministic: the signature must be the RFC's, byte for byte.
    auto signature = signRaw(*key, kEdSigningInput);
    BOOST_REQUIRE(signature);
    BOOST_TEST(b64(*signature) == kEdSignature);

    auto from_jwk = keyFromJwk(R"({"kty":"OKP","crv":"Ed25519","x":")" + kEdPublicX + "\"}");
    BOOST_REQUIRE(from_jwk);
    BOOST_TEST(verifyRaw(*from_jwk, kEdSigningInput, *crypto::base64UrlDecode(kEdSignature))
                   .has_value());
    BOOST_TEST(!verifyRaw(*from_jwk, kEdSigningInput + "x", *crypto::base64UrlDecode(kEdSignature))
                    .has_value());
}

BOOST_AUTO_TEST_CASE(es256_signature_is_jose_rs_and_verifies_through_openssl_der) {
    const Key& key = keyFor(Alg::es256);
    const std::string input = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0";
    auto signature = signRaw(key, input);
    BOOST_REQUIRE(signature);
    BOOST_REQUIRE_EQUAL(signature->size(), 64U);

    // Independent path: rebuild DER from R||S here and verify with plain OpenSSL calls.
    const auto* rs = reinterpret_cast<const unsigned char*>(signature->data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BOOST_REQUIRE(sig != nullptr);
    BOOST_REQUIRE(ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, nullptr), BN_bin2bn(rs + 32, 32, nullptr)) == 1);
    unsigned char* der = nullptr;
    const int der_length = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    BOOST_REQUIRE(der_length > 0);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    BOOST_REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.evp()) == 1);
    const int rc = EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                                    reinterpret_cast<const unsigned char*>(input.data()),
                                    input.size());
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    BOOST_TEST(rc == 1);
}

BOOST_AUTO_TEST_CASE(refuses_tampered_payload_header_and_signature) {
    for (Alg alg : kAllAlgs) {
        BOOST_TEST_CONTEXT("alg " << algName(alg)) {
            const Key& key = keyFor(alg);
            const auto token = signOrFail(claimsJson(), key);
            const auto parts = test::splitParts(token);
            const KeySet keys({key});

            auto payload = parts;
            payload.payload = b64(R"({"iss":"https://idp.example","sub":"admin","aud":"proj_demo","exp":9999999999})");
            requireError(verify(test::joinParts(payload), keys, AlgSet{alg}),
                         sdk::ErrorCode::denied, "signature mismatch");

            auto header = parts;
            header.header = b64(std::string(R"({"alg":")") + std::string(algName(alg)) +
                                R"(","typ":"at+jwt"})");
            requireError(verify(test::joinParts(header), keys, AlgSet{alg}),
                         sdk::ErrorCode::denied, "signature mismatch");

            // Flip one bit in the middle of the signature (not in the padding bits).
            auto raw = *crypto::base64UrlDecode(parts.signature);
            raw[raw.size() / 2] = static_cast<char>(raw[raw.size() / 2] ^ 0x01);
            auto signature = parts;
            signature.signature = b64(raw);
            requireError(verify(test::joinParts(signature), keys, AlgSet{alg}),
                         sdk::ErrorCode::denied, "signature mismatch");

            // A truncated signature is a mismatch, never an out-of-bounds read.
            signature.signature = b64(raw.substr(0, raw.size() - 1));
            requireError(verify(test::joinParts(signature), keys, AlgSet{alg}),
                         sdk::ErrorCode::denied, "signature mismatch");
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_alg_none) {
    const std::string payload = b64(claimsJson());
    const AlgSet everything{Alg::hs256, Alg::rs256, Alg::es256, Alg::eddsa};
    const KeySet keys({keyFor(Alg::hs256), keyFor(Alg::rs256)});
    for (const char* header : {R"({"alg":"none"})", R"({"alg":"none","typ":"JWT"})",
                               R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
        BOOST_TEST_CONTEXT(header) {
            requireError(verify(b64(header) + "." + payload + ".", keys, everything),
                         sdk::ErrorCode::unsupported, "unsupported alg");
            requireError(verify(b64(header) + "." + payload + "." + b64("sig"), keys, everything),
                         sdk::ErrorCode::unsupported, "unsupported alg");
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_algs_outside_the_allowed_set) {
    const std::string hs_token = signOrFail(claimsJson(), keyFor(Alg::hs256));
    const std::string rs_token = signOrFail(claimsJson(), keyFor(Alg::rs256));
    const KeySet both({keyFor(Alg::hs256), keyFor(Alg::rs256)});
    requireError(verify(hs_token, both, AlgSet{Alg::rs256}), sdk::ErrorCode::unsupported,
                 "unsupported alg HS256");
    requireError(verify(rs_token, both, AlgSet{Alg::hs256}), sdk::ErrorCode::unsupported,
                 "unsupported alg RS256");
    requireError(verify(rs_token, both, AlgSet{}), sdk::ErrorCode::unsupported, "unsupported alg");
}

BOOST_AUTO_TEST_CASE(refuses_hs256_keyed_with_the_rsa_public_key) {
    // The classic confusion attack: HMAC the token with the verifier's public key as secret.
    const Key& rsa = keyFor(Alg::rs256);
    auto jwk = publicJwk(rsa);
    BOOST_REQUIRE(jwk);
    BIO* bio = BIO_new(BIO_s_mem());
    BOOST_REQUIRE(PEM_write_bio_PUBKEY(bio, rsa.evp()) == 1);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    const std::string public_pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);

    for (const std::string& secret : {public_pem, *jwk}) {
        const std::string forged = signOrFail(claimsJson(), hmacKey(secret));
        // An RS256 verifier refuses the alg outright.
        requireError(verify(forged, KeySet({rsa}), AlgSet{Alg::rs256}), sdk::ErrorCode::unsupported,
                     "unsupported alg HS256");
        // Even a verifier that also allows HS256 never turns the RSA key into an HMAC secret.
        requireError(verify(forged, KeySet({rsa}), AlgSet{Alg::rs256, Alg::hs256}),
                     sdk::ErrorCode::not_found, "no key for alg HS256");
    }
}

BOOST_AUTO_TEST_CASE(picks_the_key_by_kid) {
    auto other = generateKey(Alg::es256);
    BOOST_REQUIRE(other);
    const Key& es = keyFor(Alg::es256);
    const std::string token = signOrFail(claimsJson(), es);

    requireError(verify(token, KeySet({other->key}), AlgSet{Alg::es256}), sdk::ErrorCode::not_found,
                 "unknown kid");
    // Both keys present: the kid selects the right one whatever the order.
    BOOST_TEST(verify(token, KeySet({other->key, es}), AlgSet{Alg::es256}).has_value());
    // Same kid, different key material: a mismatch, not a pass.
    requireError(verify(token, KeySet({other->key.withKid(es.kid())}), AlgSet{Alg::es256}),
                 sdk::ErrorCode::denied, "signature mismatch");
    // A token without kid is tried against every key of its alg.
    const std::string no_kid =
        signedWith(R"({"alg":"ES256","typ":"JWT"})", claimsJson(), es);
    BOOST_TEST(verify(no_kid, KeySet({other->key, es}), AlgSet{Alg::es256}).has_value());
    requireError(verify(no_kid, KeySet(), AlgSet{Alg::es256}), sdk::ErrorCode::not_found,
                 "no key for alg ES256");
}

BOOST_AUTO_TEST_CASE(hmac_tokens_verify_across_a_secret_rotation) {
    const Key old_key = hmacKey(std::string(64, 'a'));
    const Key new_key = hmacKey(std::string(64, 'b'));
    const KeySet both({new_key, old_key});
    BOOST_TEST(verify(signOrFail(claimsJson(), old_key), both, AlgSet{Alg::hs256}).has_value());
    BOOST_TEST(verify(signOrFail(claimsJson(), new_key), both, AlgSet{Alg::hs256}).has_value());
    requireError(verify(signOrFail(claimsJson(), hmacKey(std::string(64, 'c'))), both,
                        AlgSet{Alg::hs256}),
                 sdk::ErrorCode::denied, "signature mismatch");
}

BOOST_AUTO_TEST_CASE(reports_malformed_tokens_as_errors) {
    const Key& key = keyFor(Alg::hs256);
    const KeySet keys({key});
    const AlgSet hs{Alg::hs256};
    const auto good = test::splitParts(signOrFail(claimsJson(), key));
    const std::string header = good.header;
    const std::string payload = good.payload;
    const std::string signature = good.signature;

    struct Case {
        const char* name;
        std::string token;
        const char* fragment;
    };
    const std::vector<Case> cases = {
        {"empty", "", "malformed"},
        {"one part", header, "3 parts"},
        {"two parts", header + "." + payload, "3 parts"},
        {"four parts", header + "." + payload + "." + signature + ".x", "3 parts"},
        {"five dots", "....", "3 parts"},
        {"empty header", "." + payload + "." + signature, "empty header"},
        {"empty payload", header + ".." + signature, "empty header or payload"},
        {"empty signature", header + "." + payload + ".", "signature is not base64url"},
        {"header not base64url", "!!!." + payload + "." + signature, "header is not base64url"},
        {"padded header", header + "=." + payload + "." + signature, "header is not base64url"},
        {"standard base64 alphabet", header + "." + payload + "." + signature + "+/",
         "signature is not base64url"},
        {"whitespace", header + " ." + payload + "." + signature, "header is not base64url"},
        {"header not json", b64("not json") + "." + payload + "." + signature, "not valid JSON"},
        {"header array", b64(R"(["HS256"])") + "." + payload + "." + signature,
         "not a JSON object"},
        {"header string", b64(R"("HS256")") + "." + payload + "." + signature, "JSON"},
        {"header without alg", b64(R"({"typ":"JWT"})") + "." + payload + "." + signature,
         "no string alg"},
        {"numeric alg", b64(R"({"alg":256})") + "." + payload + "." + signature, "no string alg"},
        {"numeric kid", b64(R"({"alg":"HS256","kid":7})") + "." + payload + "." + signature,
         "kid is not a string"},
        {"deep header", b64(std::string(5000, '[')) + "." + payload + "." + signature,
         "not valid JSON"},
        {"trailing garbage in header", b64(R"({"alg":"HS256"} x)") + "." + payload + "." + signature,
         "not valid JSON"},
        {"payload array", signedWith(R"({"alg":"HS256"})", "[1,2,3]", key), "not a JSON object"},
        {"payload not json", signedWith(R"({"alg":"HS256"})", "hello", key), "not valid JSON"},
        {"payload not base64url", header + ".%%%." + signature, "signature mismatch"},
        {"huge", std::string(kMaxTokenBytes + 1, 'a'), "longer than"},
        {"binary", std::string("\x00\xff.\x01.\x02", 7), "not base64url"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto result = verify(c.token, keys, hs);
            BOOST_REQUIRE(!result);
            BOOST_CHECK_MESSAGE(result.error().message.find(c.fragment) != std::string::npos,
                                "message \"" << result.error().message << "\"");
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_crit_headers) {
    const Key& key = keyFor(Alg::hs256);
    const std::string token =
        signedWith(R"({"alg":"HS256","crit":["exp"],"exp":1})", claimsJson(), key);
    requireError(verify(token, KeySet({key}), AlgSet{Alg::hs256}), sdk::ErrorCode::unsupported,
                 "crit");
    const std::string b64_false =
        signedWith(R"({"alg":"HS256","b64":false,"crit":["b64"]})", claimsJson(), key);
    requireError(verify(b64_false, KeySet({key}), AlgSet{Alg::hs256}), sdk::ErrorCode::unsupported,
                 "crit");
}

BOOST_AUTO_TEST_CASE(never_trusts_an_embedded_jwk) {
    // An attacker's own key in the header must not be used: only the verifier's keys count.
    auto attacker = generateKey(Alg::es256);
    BOOST_REQUIRE(attacker);
    const std::string header = R"({"alg":"ES256","kid":")" + keyFor(Alg::es256).kid() +
                               R"(","jwk":)" + attacker->public_jwk + "}";
    const std::string token = signedWith(header, claimsJson(), attacker->key);
    requireError(verify(token, KeySet({keyFor(Alg::es256)}), AlgSet{Alg::es256}),
                 sdk::ErrorCode::denied, "signature mismatch");
}

BOOST_AUTO_TEST_CASE(sign_compact_checks_the_header_alg) {
    BOOST_TEST(!signCompact(R"({"alg":"RS256"})", "{}", keyFor(Alg::hs256)));
    BOOST_TEST(!signCompact("not json", "{}", keyFor(Alg::hs256)));
    BOOST_TEST(signCompact(R"({"alg":"HS256"})", "{}", keyFor(Alg::hs256)).has_value());
}

BOOST_AUTO_TEST_CASE(decodes_unverified_tokens_for_key_lookup) {
    const std::string token = signOrFail(claimsJson(), keyFor(Alg::rs256));
    auto decoded = decodeUnverified(token);
    BOOST_REQUIRE(decoded);
    BOOST_TEST(decoded->alg == "RS256");
    BOOST_TEST(decoded->kid == keyFor(Alg::rs256).kid());
    BOOST_TEST(test::str(decoded->claims, "aud") == "proj_demo");
    // alg none decodes (it is only a peek) but never verifies.
    auto none = decodeUnverified(b64(R"({"alg":"none"})") + "." + b64(claimsJson()) + ".");
    BOOST_REQUIRE(none);
    BOOST_TEST(none->alg == "none");
    BOOST_TEST(!decodeUnverified("a.b").has_value());
    BOOST_TEST(!decodeUnverified(b64("[]") + "." + b64("{}") + ".x").has_value());
}

BOOST_AUTO_TEST_CASE(verifies_concurrently_with_shared_keys) {
    // Keys are shared by every request thread; OpenSSL 3 keys are safe for concurrent use.
    std::vector<std::string> tokens;
    for (Alg alg : kAllAlgs) {
        tokens.push_back(signOrFail(claimsJson(), keyFor(alg)));
    }
    const KeySet keys({keyFor(Alg::hs256), keyFor(Alg::rs256), keyFor(Alg::es256),
                       keyFor(Alg::eddsa)});
    const AlgSet all{Alg::hs256, Alg::rs256, Alg::es256, Alg::eddsa};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                const auto& token = tokens[static_cast<std::size_t>((t + i) % 4)];
                if (!verify(token, keys, all)) {
                    ++failures;
                }
                if (verify(token + "x", keys, all)) {
                    ++failures;
                }
                if (!sign(claimsJson(), keyFor(kAllAlgs[(t + i) % 4]))) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    BOOST_TEST(failures.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
