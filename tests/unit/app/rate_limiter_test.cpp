// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "app/rate_limiter.hpp"
#include "sqlite_store.hpp"

using authd::app::StoreRateLimiter;
using authd::sdk::ThrottlePolicy;

namespace {

struct LimiterFixture {
    authd::test::SqliteStore store;
    authd::test::ManualClock clock;
    StoreRateLimiter limiter{[this]() -> authd::sdk::Storage& { return *store.storage; }, clock};

    static ThrottlePolicy policy() {
        ThrottlePolicy p;
        p.free_attempts = 3;
        p.base_delay = 1;
        p.max_delay = 8;
        p.lock_after = 10;
        p.lock_for = 900;
        p.window = 900;
        return p;
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(rate_limiter, LimiterFixture)

BOOST_AUTO_TEST_CASE(unknown_key_is_clean) {
    auto state = limiter.check("password:acct:nobody", policy());
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(state->failures == 0);
    BOOST_TEST(state->retry_at == 0);
    BOOST_TEST(!state->locked);
}

BOOST_AUTO_TEST_CASE(free_attempts_cost_nothing_then_delays_double_up_to_the_cap) {
    const auto now = clock.now();
    for (int i = 1; i <= 3; ++i) {
        auto state = limiter.recordFailure("k", policy());
        BOOST_REQUIRE(state.has_value());
        BOOST_TEST(state->failures == i);
        BOOST_TEST(state->retry_at == 0);
    }
    const std::vector<authd::sdk::Seconds> expected = {1, 2, 4, 8, 8, 8}; // failures 4..9
    for (std::size_t i = 0; i < expected.size(); ++i) {
        auto state = limiter.recordFailure("k", policy());
        BOOST_REQUIRE(state.has_value());
        BOOST_TEST(state->failures == static_cast<std::int64_t>(4 + i));
        BOOST_TEST(state->retry_at == now + expected[i], "failure " << 4 + i);
        BOOST_TEST(!state->locked);
    }
    // check() reports the same without counting.
    auto checked = limiter.check("k", policy());
    BOOST_TEST(checked->failures == 9);
    BOOST_TEST(checked->retry_at == now + 8);
    BOOST_TEST(limiter.check("k", policy())->failures == 9);
    // Once the delay has passed, retry_at is no longer in the future.
    clock.advance(8);
    BOOST_TEST(limiter.check("k", policy())->retry_at == 0);
}

BOOST_AUTO_TEST_CASE(locks_after_lock_after_failures_then_starts_afresh) {
    for (int i = 0; i < 9; ++i) {
        BOOST_REQUIRE(limiter.recordFailure("k", policy()).has_value());
    }
    auto locked = limiter.recordFailure("k", policy());
    BOOST_REQUIRE(locked.has_value());
    BOOST_TEST(locked->locked);
    BOOST_TEST(locked->failures == 10);
    BOOST_TEST(locked->retry_at == clock.now() + 900);
    clock.advance(899);
    BOOST_TEST(limiter.check("k", policy())->locked);
    clock.advance(1);
    auto after = limiter.check("k", policy());
    BOOST_TEST(!after->locked);
    BOOST_TEST(after->failures == 0);
    // The next failure counts from one, not straight back into the lock.
    auto next = limiter.recordFailure("k", policy());
    BOOST_TEST(next->failures == 1);
    BOOST_TEST(!next->locked);
}

BOOST_AUTO_TEST_CASE(lock_for_zero_locks_until_cleared) {
    ThrottlePolicy p = policy();
    p.lock_after = 2;
    p.lock_for = 0;
    (void)limiter.recordFailure("pin:acct:u1", p);
    auto locked = limiter.recordFailure("pin:acct:u1", p);
    BOOST_REQUIRE(locked.has_value());
    BOOST_TEST(locked->locked);
    BOOST_TEST(locked->retry_at == 0);
    clock.advance(365 * 86400);
    BOOST_TEST(limiter.check("pin:acct:u1", p)->locked);
    BOOST_TEST(limiter.recordFailure("pin:acct:u1", p)->locked);
    BOOST_REQUIRE(limiter.clear("pin:acct:u1").has_value());
    auto cleared = limiter.check("pin:acct:u1", p);
    BOOST_TEST(!cleared->locked);
    BOOST_TEST(cleared->failures == 0);
}

BOOST_AUTO_TEST_CASE(failures_outside_the_window_are_forgotten) {
    for (int i = 0; i < 5; ++i) {
        (void)limiter.recordFailure("k", policy());
    }
    BOOST_TEST(limiter.check("k", policy())->failures == 5);
    clock.advance(901);
    BOOST_TEST(limiter.check("k", policy())->failures == 0);
    BOOST_TEST(limiter.recordFailure("k", policy())->failures == 1);
}

BOOST_AUTO_TEST_CASE(keys_are_independent_and_clear_is_idempotent) {
    (void)limiter.recordFailure("a", policy());
    (void)limiter.recordFailure("a", policy());
    (void)limiter.recordFailure("b", policy());
    BOOST_TEST(limiter.check("a", policy())->failures == 2);
    BOOST_TEST(limiter.check("b", policy())->failures == 1);
    BOOST_TEST(limiter.clear("a").has_value());
    BOOST_TEST(limiter.clear("a").has_value());
    BOOST_TEST(limiter.check("a", policy())->failures == 0);
    BOOST_TEST(limiter.check("b", policy())->failures == 1);
}

BOOST_AUTO_TEST_CASE(lock_after_zero_never_locks) {
    ThrottlePolicy p = policy();
    p.lock_after = 0;
    for (int i = 0; i < 20; ++i) {
        BOOST_TEST(!limiter.recordFailure("k", p)->locked);
    }
}

BOOST_AUTO_TEST_SUITE_END()
