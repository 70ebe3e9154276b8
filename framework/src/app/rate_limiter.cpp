// SPDX-License-Identifier: Apache-2.0
#include "app/rate_limiter.hpp"

#include <algorithm>

namespace authd::app {
namespace {

bool lockExpired(const sdk::Counter& counter, sdk::UnixTime now) {
    return counter.locked_until != 0 &&
           counter.locked_until != StoreRateLimiter::kLockedIndefinitely &&
           counter.locked_until <= now;
}

sdk::Seconds delayFor(std::int64_t failures, const sdk::ThrottlePolicy& policy) {
    if (failures <= policy.free_attempts || policy.base_delay <= 0) {
        return 0;
    }
    const std::int64_t doublings = failures - policy.free_attempts - 1;
    const sdk::Seconds cap = std::max<sdk::Seconds>(policy.max_delay, 0);
    sdk::Seconds delay = policy.base_delay;
    for (std::int64_t i = 0; i < doublings && delay < cap; ++i) {
        delay *= 2;
    }
    return std::min(delay, cap);
}

} // namespace

StoreRateLimiter::StoreRateLimiter(std::function<sdk::Storage&()> storage, sdk::Clock& clock)
    : storage_(std::move(storage)), clock_(clock) {}

sdk::ThrottleState StoreRateLimiter::stateOf(const sdk::Counter& counter,
                                             const sdk::ThrottlePolicy& policy, sdk::UnixTime now) {
    sdk::ThrottleState state;
    if (counter.locked_until == kLockedIndefinitely) {
        state.failures = counter.count;
        state.locked = true;
        state.retry_at = 0;
        return state;
    }
    if (counter.locked_until > now) {
        state.failures = counter.count;
        state.locked = true;
        state.retry_at = counter.locked_until;
        return state;
    }
    if (lockExpired(counter, now) || counter.window_start < now - policy.window) {
        return state; // a finished lock or an old window: a fresh start
    }
    state.failures = counter.count;
    const sdk::Seconds delay = delayFor(counter.count, policy);
    if (delay > 0) {
        const sdk::UnixTime last =
            counter.updated_at != 0 ? counter.updated_at : counter.window_start;
        const sdk::UnixTime retry_at = last + delay;
        state.retry_at = retry_at > now ? retry_at : 0;
    }
    return state;
}

sdk::Result<sdk::ThrottleState> StoreRateLimiter::check(const std::string& key,
                                                        const sdk::ThrottlePolicy& policy) {
    auto counter = storage_().counters().get(key);
    if (!counter) {
        if (counter.error().code == sdk::ErrorCode::not_found) {
            return sdk::ThrottleState{};
        }
        return std::move(counter).error();
    }
    return stateOf(*counter, policy, clock_.now());
}

sdk::Result<sdk::ThrottleState> StoreRateLimiter::recordFailure(const std::string& key,
                                                                const sdk::ThrottlePolicy& policy) {
    sdk::CounterStore& counters = storage_().counters();
    const sdk::UnixTime now = clock_.now();
    auto existing = counters.get(key);
    if (existing) {
        if (lockExpired(*existing, now)) {
            // The lock has been served: count from zero again rather than re-locking at once.
            if (auto reset = counters.reset(key); !reset) {
                return std::move(reset).error();
            }
        }
    } else if (existing.error().code != sdk::ErrorCode::not_found) {
        return std::move(existing).error();
    }
    auto counter = counters.increment(key, now, policy.window);
    if (!counter) {
        return std::move(counter).error();
    }
    sdk::Counter updated = *counter;
    if (updated.updated_at == 0) {
        updated.updated_at = now;
    }
    if (policy.lock_after > 0 && updated.count >= policy.lock_after &&
        !(updated.locked_until == kLockedIndefinitely || updated.locked_until > now)) {
        const sdk::UnixTime until =
            policy.lock_for > 0 ? now + policy.lock_for : kLockedIndefinitely;
        if (auto locked = counters.lock(key, until); !locked) {
            return std::move(locked).error();
        }
        updated.locked_until = until;
    }
    return stateOf(updated, policy, now);
}

sdk::Result<void> StoreRateLimiter::clear(const std::string& key) {
    return storage_().counters().reset(key);
}

} // namespace authd::app
