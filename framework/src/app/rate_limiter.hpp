// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <limits>

#include "authd/sdk/host.hpp"
#include "authd/sdk/storage.hpp"

namespace authd::app {

/// sdk::RateLimiter on the store's counters, so throttling holds across nodes sharing one
/// database. Semantics (sdk::ThrottlePolicy): failures inside `window` are counted; the first
/// `free_attempts` cost nothing; failure n > free_attempts sets
/// retry_at = last failure + min(base_delay * 2^(n - free_attempts - 1), max_delay); at
/// `lock_after` failures the key is locked until now + lock_for (indefinitely when lock_for is
/// 0, stored as kLockedIndefinitely, lifted only by clear()). When a timed lock has run out the
/// key starts afresh. Policies with lock_after <= 0 never lock.
/// Threading: thread-safe (the counter store is atomic per key). Errors: the store's errors.
class StoreRateLimiter final : public sdk::RateLimiter {
  public:
    static constexpr sdk::UnixTime kLockedIndefinitely = std::numeric_limits<sdk::UnixTime>::max();

    /// `storage` is called on each use (the store may be created after the limiter).
    StoreRateLimiter(std::function<sdk::Storage&()> storage, sdk::Clock& clock);

    sdk::Result<sdk::ThrottleState> check(const std::string& key,
                                          const sdk::ThrottlePolicy& policy) override;
    sdk::Result<sdk::ThrottleState> recordFailure(const std::string& key,
                                                  const sdk::ThrottlePolicy& policy) override;
    sdk::Result<void> clear(const std::string& key) override;

    /// The state a counter stands for at `now` (pure, for tests and check()).
    static sdk::ThrottleState stateOf(const sdk::Counter& counter,
                                      const sdk::ThrottlePolicy& policy, sdk::UnixTime now);

  private:
    std::function<sdk::Storage&()> storage_;
    sdk::Clock& clock_;
};

} // namespace authd::app
