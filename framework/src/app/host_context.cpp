// SPDX-License-Identifier: Apache-2.0
#include "app/host_context.hpp"

#include <chrono>

namespace authd::app {

sdk::UnixTime SystemClock::now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

HostContext::HostContext(sdk::HostInfo info, sdk::Logger& logger,
                         crypto::Argon2Params password_hashing)
    : info_(std::move(info)), logger_(logger), crypto_(password_hashing),
      rate_limiter_([this]() -> sdk::Storage& { return storage(); }, clock_) {}

sdk::Storage& HostContext::storage() {
    sdk::Storage* storage = storage_.load(std::memory_order_acquire);
    return storage != nullptr ? *storage : not_ready_;
}

} // namespace authd::app
