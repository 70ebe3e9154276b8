// SPDX-License-Identifier: Apache-2.0
#include <set>
#include <algorithm>
#include <array>
#include <mutex>
#include <thread>
#include <vector>
#include <string>

#include <boost/test/unit_test.hpp>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

using namespace authd::crypto;

BOOST_AUTO_TEST_SUITE(random_source)

BOOST_AUTO_TEST_CASE(token_has_base64url_length_and_alphabet) {
    for (std::size_t bytes : {1U, 2U, 3U, 16U, 32U, 33U}) {
        const std::string token = randomToken(bytes);
        BOOST_TEST(token.size() == (bytes * 4 + 2) / 3);
        BOOST_TEST(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_") == std::string::npos);
        const auto decoded = base64UrlDecode(token);
        BOOST_REQUIRE(decoded.has_value());
        BOOST_TEST(decoded->size() == bytes);
    }
    BOOST_TEST(randomToken(32).size() == 43U);
    BOOST_TEST(randomToken(0).empty());
}

BOOST_AUTO_TEST_CASE(tokens_are_distinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(randomToken(16));
    }
    BOOST_TEST(seen.size() == 1000U);
}

BOOST_AUTO_TEST_CASE(hex_has_two_lower_case_digits_per_byte) {
    const std::string hex = randomHex(32);
    BOOST_TEST(hex.size() == 64U);
    BOOST_TEST(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    BOOST_TEST(randomHex(32) != hex);
}

BOOST_AUTO_TEST_CASE(random_bytes_fill_the_whole_buffer) {
    // 64 zero bytes staying all-zero has probability 2^-512: a failure here means no fill.
    unsigned char buffer[64] = {};
    BOOST_TEST(randomBytes(buffer, sizeof buffer));
    bool any_non_zero = false;
    for (const unsigned char b : buffer) {
        any_non_zero = any_non_zero || b != 0;
    }
    BOOST_TEST(any_non_zero);
    BOOST_TEST(randomBytes(nullptr, 0));
    BOOST_TEST(!randomBytes(nullptr, 1));
}

BOOST_AUTO_TEST_CASE(uuid_v4_has_version_and_variant_bits) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string uuid = uuidV4();
        BOOST_REQUIRE(uuid.size() == 36U);
        BOOST_TEST(uuid[8] == '-');
        BOOST_TEST(uuid[13] == '-');
        BOOST_TEST(uuid[18] == '-');
        BOOST_TEST(uuid[23] == '-');
        BOOST_TEST(uuid[14] == '4');
        BOOST_TEST(std::string("89ab").find(uuid[19]) != std::string::npos);
        std::string digits = uuid;
        std::erase(digits, '-');
        BOOST_TEST(digits.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(uuid);
    }
    BOOST_TEST(seen.size() == 200U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(pooled_bytes_never_repeat_across_blocks_and_threads) {
    // 16-byte draws spanning several 4 KiB blocks, on two threads: a byte handed out twice, or
    // a block not refilled, would show up as a repeated draw.
    std::set<std::string> seen;
    std::mutex mutex;
    bool all_ok = true;
    const auto draw = [&] {
        for (int i = 0; i < 1000; ++i) {
            std::array<unsigned char, 16> bytes{};
            const bool ok = authd::crypto::pooledRandomBytes(bytes.data(), bytes.size());
            const std::lock_guard<std::mutex> lock(mutex);
            all_ok = all_ok && ok;
            seen.emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
    };
    std::thread other(draw);
    draw();
    other.join();
    BOOST_TEST(all_ok);
    BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(pooled_bytes_serve_requests_larger_than_a_block) {
    std::vector<unsigned char> big(10000, 0);
    BOOST_TEST(authd::crypto::pooledRandomBytes(big.data(), big.size()));
    // 10,000 random bytes with a run of 64 zeros anywhere would mean a part was left unfilled.
    std::size_t run = 0;
    std::size_t longest = 0;
    for (unsigned char b : big) {
        run = b == 0 ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    BOOST_TEST(longest < 64u);
    BOOST_TEST(authd::crypto::pooledRandomBytes(big.data(), 0));
}
