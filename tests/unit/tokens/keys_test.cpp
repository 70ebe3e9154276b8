// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/encoding.hpp"
#include "test_support.hpp"
#include "tokens/json_text.hpp"
#include "tokens/keys.hpp"

using namespace authd;
using namespace authd::tokens;
using authd::tokens::test::claimsJson;

namespace {

// RFC 7638 3.1.
const std::string kRfc7638Jwk =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
const std::string kRfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
// RFC 8037 A.2 / A.3.
const std::string kRfc8037Jwk =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
const std::string kRfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

std::string pemOf(EVP_PKEY* pkey, bool is_private, const EVP_CIPHER* cipher = nullptr) {
    BIO* bio = BIO_new(BIO_s_mem());
    BOOST_REQUIRE(bio != nullptr);
    static char passphrase[] = "secret";
    const int rc = is_private ? (cipher != nullptr
                                     ? PEM_write_bio_PKCS8PrivateKey(bio, pkey, cipher, passphrase,
                                                                     6, nullptr, nullptr)
                                     : PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0,
                                                                nullptr, nullptr))
                              : PEM_write_bio_PUBKEY(bio, pkey);
    BOOST_REQUIRE(rc == 1);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}

json::Object parse(const std::string& json) {
    auto object = parseJsonObject(json, "JWK");
    BOOST_REQUIRE(object);
    return std::move(object).value();
}

const Alg kAsymmetric[] = {Alg::rs256, Alg::es256, Alg::eddsa};

}  // namespace

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(generates_keys_with_thumbprint_kids_and_public_jwks) {
    for (Alg alg : kAsymmetric) {
        BOOST_TEST_CONTEXT("alg " << algName(alg)) {
            auto generated = generateKey(alg);
            BOOST_REQUIRE(generated);
            BOOST_TEST(generated->key.alg() == alg);
            BOOST_TEST(generated->key.canSign());
            BOOST_TEST(generated->key.kid() == *jwkThumbprint(generated->key));
            BOOST_TEST(generated->key.kid().size() == 43U);  // base64url of 32 bytes
            BOOST_TEST(generated->private_pem.find("-----BEGIN PRIVATE KEY-----") == 0U);

            const auto jwk = parse(generated->public_jwk);
            BOOST_TEST(test::str(jwk, "kid") == generated->key.kid());
            BOOST_TEST(test::str(jwk, "use") == "sig");
            BOOST_TEST(test::str(jwk, "alg") == std::string(algName(alg)));
            BOOST_TEST(!jwk.has("d"));
            switch (alg) {
            case Alg::rs256:
                BOOST_TEST(test::str(jwk, "kty") == "RSA");
                BOOST_TEST(test::str(jwk, "e") == "AQAB");
                BOOST_TEST(crypto::base64UrlDecode(test::str(jwk, "n"))->size() == 256U);
                break;
            case Alg::es256:
                BOOST_TEST(test::str(jwk, "kty") == "EC");
                BOOST_TEST(test::str(jwk, "crv") == "P-256");
                BOOST_TEST(crypto::base64UrlDecode(test::str(jwk, "x"))->size() == 32U);
                BOOST_TEST(crypto::base64UrlDecode(test::str(jwk, "y"))->size() == 32U);
                break;
            case Alg::eddsa:
                BOOST_TEST(test::str(jwk, "kty") == "OKP");
                BOOST_TEST(test::str(jwk, "crv") == "Ed25519");
                BOOST_TEST(crypto::base64UrlDecode(test::str(jwk, "x"))->size() == 32U);
                break;
            case Alg::hs256: break;
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(rebuilds_the_public_key_from_the_jwk) {
    for (Alg alg : kAsymmetric) {
        BOOST_TEST_CONTEXT("alg " << algName(alg)) {
            auto generated = generateKey(alg);
            BOOST_REQUIRE(generated);
            // n/e (or x/y, or x) must round-trip: a key rebuilt from the JWK alone verifies.
            auto rebuilt = keyFromJwk(generated->public_jwk);
            test::requireOk(rebuilt, "rebuilt");
            BOOST_TEST(rebuilt->alg() == alg);
            BOOST_TEST(rebuilt->kid() == generated->key.kid());
            BOOST_TEST(!rebuilt->canSign());
            BOOST_TEST(*publicJwk(*rebuilt) == generated->public_jwk);
            auto token = sign(claimsJson(), generated->key);
            BOOST_REQUIRE(token);
            BOOST_TEST(verify(*token, KeySet({*rebuilt}), AlgSet{alg}).has_value());
            auto stranger = generateKey(alg);
            BOOST_REQUIRE(stranger);
            auto other = keyFromJwk(stranger->public_jwk);
            BOOST_REQUIRE(other);
            BOOST_TEST(!verify(*token, KeySet({other->withKid(generated->key.kid())}), AlgSet{alg}));
        }
    }
}

BOOST_AUTO_TEST_CASE(round_trips_private_pem) {
    for (Alg alg : kAsymmetric) {
        auto generated = generateKey(alg);
        BOOST_REQUIRE(generated);
        auto loaded = loadPrivateKeyPem(generated->private_pem, generated->key.kid());
        BOOST_REQUIRE(loaded);
        BOOST_TEST(loaded->alg() == alg);
        BOOST_TEST(loaded->canSign());
        BOOST_TEST(*publicJwk(*loaded) == generated->public_jwk);
        auto token = sign(claimsJson(), *loaded);
        BOOST_REQUIRE(token);
        BOOST_TEST(verify(*token, KeySet({generated->key}), AlgSet{alg}).has_value());

        auto public_only = loadPublicKeyPem(pemOf(generated->key.evp(), false), generated->key.kid());
        BOOST_REQUIRE(public_only);
        BOOST_TEST(!public_only->canSign());
        BOOST_TEST(!privateKeyPem(*public_only));
        BOOST_TEST(verify(*token, KeySet({*public_only}), AlgSet{alg}).has_value());
    }
}

BOOST_AUTO_TEST_CASE(loads_private_pem_of_a_known_alg_and_refuses_other_types) {
    for (Alg alg : kAsymmetric) {
        auto generated = generateKey(alg);
        BOOST_REQUIRE(generated);
        auto loaded = loadPrivateKeyPem(generated->private_pem, generated->key.kid(), alg);
        BOOST_REQUIRE(loaded);
        BOOST_TEST(loaded->alg() == alg);
        BOOST_TEST(loaded->kid() == generated->key.kid());
        BOOST_TEST(loaded->canSign());
        BOOST_TEST(*publicJwk(*loaded) == generated->public_jwk);
        for (Alg other : kAsymmetric) {
            if (other != alg) {
                auto wrong = loadPrivateKeyPem(generated->private_pem, "k", other);
                BOOST_REQUIRE(!wrong);
                BOOST_TEST(wrong.error().code == sdk::ErrorCode::invalid_argument);
            }
        }
    }
    auto es256 = generateKey(Alg::es256);
    BOOST_REQUIRE(es256);
    BOOST_TEST(!loadPrivateKeyPem(pemOf(es256->key.evp(), true, EVP_aes_256_cbc()), "k", Alg::es256));
    BOOST_TEST(!loadPrivateKeyPem(pemOf(es256->key.evp(), false), "k", Alg::es256));
    BOOST_TEST(!loadPrivateKeyPem("", "k", Alg::es256));
    BOOST_TEST(!loadPrivateKeyPem(std::string(70000, 'A'), "k", Alg::rs256));
    BOOST_TEST(!loadPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k",
                                  Alg::eddsa));
    BOOST_TEST(!loadPrivateKeyPem(es256->private_pem, "k", Alg::hs256));

    EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
    BOOST_REQUIRE(rsa1024 != nullptr);
    BOOST_TEST(!loadPrivateKeyPem(pemOf(rsa1024, true), "k", Alg::rs256));
    EVP_PKEY_free(rsa1024);
    EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    BOOST_REQUIRE(p384 != nullptr);
    BOOST_TEST(!loadPrivateKeyPem(pemOf(p384, true), "k", Alg::es256));
    EVP_PKEY_free(p384);
}

BOOST_AUTO_TEST_CASE(matches_rfc_thumbprint_examples) {
    auto rsa = keyFromJwk(kRfc7638Jwk);
    test::requireOk(rsa, "rsa");
    BOOST_TEST(rsa->kid() == "2011-04-29");
    BOOST_TEST(*jwkThumbprint(*rsa) == kRfc7638Thumbprint);
    auto ed = keyFromJwk(kRfc8037Jwk);
    BOOST_REQUIRE(ed);
    BOOST_TEST(*jwkThumbprint(*ed) == kRfc8037Thumbprint);
    BOOST_TEST(*publicJwk(*ed) ==
               R"({"kty":"OKP","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
}

BOOST_AUTO_TEST_CASE(refuses_bad_jwks) {
    const std::string x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const std::string y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    struct Case {
        const char* name;
        std::string jwk;
    };
    const std::vector<Case> cases = {
        {"not json", "nope"},
        {"array", "[]"},
        {"no kty", R"({"x":"a"})"},
        {"symmetric", R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T"})"},
        {"private member", R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + y +
                               R"(","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})"},
        {"unknown kty", R"({"kty":"XYZ"})"},
        {"wrong curve", R"({"kty":"EC","crv":"P-384","x":")" + x + R"(","y":")" + y + "\"}"},
        {"short coordinate", R"({"kty":"EC","crv":"P-256","x":"AAAA","y":")" + y + "\"}"},
        {"point off the curve", R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + x + "\"}"},
        {"bad base64", R"({"kty":"EC","crv":"P-256","x":"f83O+3D2","y":")" + y + "\"}"},
        {"alg mismatch", R"({"kty":"EC","crv":"P-256","alg":"RS256","x":")" + x + R"(","y":")" + y +
                             "\"}"},
        {"use enc", R"({"kty":"EC","crv":"P-256","use":"enc","x":")" + x + R"(","y":")" + y + "\"}"},
        {"numeric kid", R"({"kty":"EC","crv":"P-256","kid":1,"x":")" + x + R"(","y":")" + y + "\"}"},
        {"x25519", R"({"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"})"},
        {"rsa without e", R"({"kty":"RSA","n":"AQAB"})"},
        {"rsa too small", R"({"kty":"RSA","n":"AQAB","e":"AQAB"})"},
        {"huge", std::string(20000, ' ') + "{}"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto key = keyFromJwk(c.jwk);
            BOOST_TEST(!key.has_value());
            if (!key) {
                BOOST_TEST(key.error().code == sdk::ErrorCode::invalid_argument);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_weak_or_unsupported_pem_keys) {
    EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
    BOOST_REQUIRE(rsa1024 != nullptr);
    auto weak = loadPrivateKeyPem(pemOf(rsa1024, true), "k");
    BOOST_REQUIRE(!weak);
    BOOST_TEST(weak.error().message.find("2048") != std::string::npos);
    // A 1024-bit key as a JWK is refused too.
    BIGNUM* n = nullptr;
    BOOST_REQUIRE(EVP_PKEY_get_bn_param(rsa1024, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
    std::string n_bytes(static_cast<std::size_t>(BN_num_bytes(n)), '\0');
    BN_bn2bin(n, reinterpret_cast<unsigned char*>(n_bytes.data()));
    BN_free(n);
    BOOST_TEST(!keyFromJwk(R"({"kty":"RSA","e":"AQAB","n":")" + crypto::base64UrlEncode(n_bytes) +
                           "\"}"));
    EVP_PKEY_free(rsa1024);

    EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    BOOST_REQUIRE(p384 != nullptr);
    BOOST_TEST(!loadPrivateKeyPem(pemOf(p384, true), "k"));
    EVP_PKEY_free(p384);

    EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    BOOST_REQUIRE(x25519 != nullptr);
    BOOST_TEST(!loadPrivateKeyPem(pemOf(x25519, true), "k"));
    EVP_PKEY_free(x25519);
}

BOOST_AUTO_TEST_CASE(refuses_encrypted_and_garbage_pem_without_prompting) {
    auto generated = generateKey(Alg::es256);
    BOOST_REQUIRE(generated);
    const std::string encrypted = pemOf(generated->key.evp(), true, EVP_aes_256_cbc());
    BOOST_REQUIRE(encrypted.find("ENCRYPTED") != std::string::npos);
    BOOST_TEST(!loadPrivateKeyPem(encrypted, "k"));
    BOOST_TEST(!loadPrivateKeyPem("", "k"));
    BOOST_TEST(!loadPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k"));
    BOOST_TEST(!loadPrivateKeyPem(std::string(70000, 'A'), "k"));
    BOOST_TEST(!loadPublicKeyPem(generated->private_pem.substr(0, 40), "k"));
}

BOOST_AUTO_TEST_CASE(refuses_hmac_where_a_key_pair_is_needed) {
    BOOST_TEST(!generateKey(Alg::hs256));
    auto hmac = Key::hmac(std::string(32, 's'));
    BOOST_REQUIRE(hmac);
    BOOST_TEST(!publicJwk(*hmac));
    BOOST_TEST(!jwkThumbprint(*hmac));
    BOOST_TEST(!privateKeyPem(*hmac));
}

BOOST_AUTO_TEST_CASE(builds_jwks_documents) {
    auto a = generateKey(Alg::es256);
    auto b = generateKey(Alg::eddsa);
    BOOST_REQUIRE(a && b);
    auto jwks = jwksJson({a->public_jwk, b->public_jwk});
    BOOST_REQUIRE(jwks);
    const auto document = parse(*jwks);
    const json::Array* keys = document.array("keys");
    BOOST_REQUIRE(keys != nullptr);
    BOOST_REQUIRE_EQUAL(keys->size(), 2U);
    BOOST_TEST(test::str((*keys)[0].asObject(), "kid") == a->key.kid());
    BOOST_TEST(test::str((*keys)[1].asObject(), "kid") == b->key.kid());
    // Every published key rebuilds into a verifier.
    for (const json::Value& key : *keys) {
        BOOST_TEST(keyFromJwk(json::write(key)).has_value());
    }
    BOOST_TEST(*jwksJson({}) == R"({"keys":[]})");
    BOOST_TEST(!jwksJson({"not json"}));
    BOOST_TEST(!jwksJson({R"({"kty":"EC","d":"secret"})"}));
    BOOST_TEST(!jwksJson({R"({"no":"kty"})"}));
}

BOOST_AUTO_TEST_SUITE_END()
