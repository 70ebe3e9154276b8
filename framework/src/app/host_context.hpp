// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <memory>

#include "app/http_client.hpp"
#include "app/not_ready_storage.hpp"
#include "app/rate_limiter.hpp"
#include "authd/sdk/host.hpp"
#include "crypto/host_crypto.hpp"

namespace authd::app {

/// The system's wall clock.
class SystemClock final : public sdk::Clock {
  public:
    sdk::UnixTime now() const override;
};

/// The host's sdk::HostContext: what every plugin instance reaches. Owned by the Server and
/// alive longer than every plugin object. Before setStorage() the store is a NotReadyStorage
/// (the SDK forbids storage factories to use it); mailer() is nullptr until setMailer().
/// Threading: every accessor is thread-safe; setStorage()/setMailer() run at start-up only,
/// before any request is served.
class HostContext final : public sdk::HostContext {
  public:
    HostContext(sdk::HostInfo info, sdk::Logger& logger, crypto::Argon2Params password_hashing);

    const sdk::HostInfo& info() const override { return info_; }
    sdk::Clock& clock() override { return clock_; }
    sdk::Random& random() override { return random_; }
    sdk::Logger& logger() override { return logger_; }
    sdk::Crypto& crypto() override { return crypto_; }
    sdk::RateLimiter& rateLimiter() override { return rate_limiter_; }
    sdk::Storage& storage() override;
    sdk::Mailer* mailer() override { return mailer_.load(std::memory_order_acquire); }
    sdk::HttpClient& http() override { return http_; }

    void setStorage(sdk::Storage* storage) noexcept {
        storage_.store(storage, std::memory_order_release);
    }
    void setMailer(sdk::Mailer* mailer) noexcept {
        mailer_.store(mailer, std::memory_order_release);
    }
    crypto::HostCrypto& hostCrypto() noexcept { return crypto_; }

  private:
    sdk::HostInfo info_;
    sdk::Logger& logger_;
    SystemClock clock_;
    crypto::HostRandom random_;
    crypto::HostCrypto crypto_;
    NetHttpClient http_;
    NotReadyStorage not_ready_;
    std::atomic<sdk::Storage*> storage_{nullptr};
    std::atomic<sdk::Mailer*> mailer_{nullptr};
    StoreRateLimiter rate_limiter_;
};

} // namespace authd::app
