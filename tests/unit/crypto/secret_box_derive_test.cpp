// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/secret_box.hpp"

using namespace authd::crypto;

namespace {

std::string counterKey() {
    std::string key(32, '\0');
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<char>(i);
    }
    return key;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_box_derive)

// Expected values computed independently (Python hmac.new(bytes(range(32)), label, sha256)).
BOOST_AUTO_TEST_CASE(derive_key_is_hmac_sha256_of_the_master_key_over_the_label) {
    const SecretBox box = SecretBox::fromKey(counterKey()).value();
    BOOST_TEST(hexEncode(box.deriveKey("authd refresh successor v1")) ==
               "c141b7067fd4eabb20a52344fe7733ffaeb9a1a3b00591c05c0de796a6562e1f");
    BOOST_TEST(hexEncode(box.deriveKey("")) ==
               "d38b42096d80f45f826b44a9d5607de72496a415d3f4a1a8c88e3bb9da8dc1cb");
    BOOST_TEST(box.deriveKey("x") == hmacSha256(counterKey(), "x"));
}

BOOST_AUTO_TEST_CASE(derived_keys_are_32_bytes_stable_and_distinct_per_label_and_master_key) {
    const SecretBox box = SecretBox::fromKey(counterKey()).value();
    const SecretBox copy = box;  // another node with the same master key
    const SecretBox other = SecretBox::fromKey(std::string(32, '\x07')).value();
    BOOST_TEST(box.deriveKey("refresh").size() == 32U);
    BOOST_TEST(box.deriveKey("refresh") == copy.deriveKey("refresh"));
    BOOST_TEST(box.deriveKey("refresh") != box.deriveKey("csrf"));
    BOOST_TEST(box.deriveKey("refresh") != other.deriveKey("refresh"));
}

BOOST_AUTO_TEST_SUITE_END()
