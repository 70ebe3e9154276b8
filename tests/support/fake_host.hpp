// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/mailer.hpp"
#include "authd/sdk/storage.hpp"

#include "support/memory_storage.hpp"

/// @file
/// An in-memory sdk::HostContext for plugin unit tests: a settable clock, the real CSPRNG,
/// a logger that records every line, Argon2id with cheap parameters, a rate limiter with the
/// ThrottlePolicy semantics of sdk/host.hpp over the fake store's counters, an in-memory
/// store, a mailer that records messages and an HTTP client answered by a test handler.
/// Every part is thread-safe, like the host's.

namespace authd::test {

/// A clock that only moves when the test says so.
class FakeClock final : public sdk::Clock {
public:
    static constexpr sdk::UnixTime kDefaultStart = 1'700'000'000;

    explicit FakeClock(sdk::UnixTime start = kDefaultStart) : now_(start) {}
    sdk::UnixTime now() const override { return now_.load(); }
    void set(sdk::UnixTime time) { now_.store(time); }
    void advance(sdk::Seconds seconds) { now_.fetch_add(seconds); }

private:
    std::atomic<sdk::UnixTime> now_;
};

/// OpenSSL RAND_bytes, as in the host.
class OpenSslRandom final : public sdk::Random {
public:
    std::string token(std::size_t bytes) override;
    bool fill(unsigned char* out, std::size_t size) override;
};

struct LogLine {
    sdk::LogLevel level = sdk::LogLevel::info;
    std::string event;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;
};

/// Keeps every line so that tests can assert what was (and was not) logged.
class RecordingLogger final : public sdk::Logger {
public:
    void log(sdk::LogLevel level, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields) override;

    std::vector<LogLine> lines() const;
    bool hasEvent(std::string_view event) const;
    /// True when `text` occurs in any event, message, field name or field value.
    bool mentions(std::string_view text) const;
    void clear();

private:
    mutable std::mutex mutex_;
    std::vector<LogLine> lines_;
};

/// sdk::Crypto over OpenSSL and libargon2, with an Argon2id cost cheap enough for tests.
class TestCrypto final : public sdk::Crypto {
public:
    struct Argon2Cost {
        std::uint32_t t_cost = 1;
        std::uint32_t m_cost_kib = 1024;
        std::uint32_t parallelism = 1;
    };

    TestCrypto() = default;
    explicit TestCrypto(Argon2Cost cost) : cost_(cost) {}

    sdk::Result<std::string> hashPassword(std::string_view password) override;
    sdk::Result<bool> verifyPassword(std::string_view encoded, std::string_view password) override;
    std::string sha256Hex(std::string_view data) override;
    std::string hmacSha256Hex(std::string_view key, std::string_view data) override;
    bool constantTimeEquals(std::string_view a, std::string_view b) override;

    /// How many hashPassword / verifyPassword calls ran: lets tests check that work was done
    /// (e.g. a dummy verification for an unknown account) without measuring time.
    std::int64_t hashCount() const { return hash_count_.load(); }
    std::int64_t verifyCount() const { return verify_count_.load(); }

private:
    Argon2Cost cost_;
    std::atomic<std::int64_t> hash_count_{0};
    std::atomic<std::int64_t> verify_count_{0};
};

/// sdk::RateLimiter with the ThrottlePolicy semantics of sdk/host.hpp, kept in the store's
/// CounterStore like the host's: `free_attempts` failures cost nothing, each further one
/// doubles the delay from `base_delay` up to `max_delay` (counted from the last failure);
/// the `lock_after`-th failure within `window` locks the key for `lock_for` (0: until
/// cleared). A lock that has run out no longer counts; failures then restart with the window.
class FakeRateLimiter final : public sdk::RateLimiter {
public:
    FakeRateLimiter(sdk::Storage& storage, sdk::Clock& clock) : storage_(storage), clock_(clock) {}

    sdk::Result<sdk::ThrottleState> check(const std::string& key,
                                          const sdk::ThrottlePolicy& policy) override;
    sdk::Result<sdk::ThrottleState> recordFailure(const std::string& key,
                                                  const sdk::ThrottlePolicy& policy) override;
    sdk::Result<void> clear(const std::string& key) override;

    /// The delay owed after `failures` failures under `policy` (0 within the free attempts).
    static sdk::Seconds delayFor(std::int64_t failures, const sdk::ThrottlePolicy& policy);

private:
    sdk::ThrottleState stateOf(const sdk::Counter& counter, const sdk::ThrottlePolicy& policy,
                               sdk::UnixTime now) const;

    sdk::Storage& storage_;
    sdk::Clock& clock_;
    std::mutex mutex_;  // makes increment-then-lock one step, as the host's transaction does
};

/// Records every message; can be told to fail.
class RecordingMailer final : public sdk::Mailer {
public:
    sdk::Result<void> send(const sdk::MailMessage& message) override;

    std::vector<sdk::MailMessage> messages() const;
    /// While set, send() returns this error and records nothing.
    void setFailureForTest(std::optional<sdk::ErrorCode> code);

private:
    mutable std::mutex mutex_;
    std::vector<sdk::MailMessage> messages_;
    std::optional<sdk::ErrorCode> failure_;
};

/// Answers outgoing requests with a test-supplied handler; without one, every request fails
/// with `unavailable` (tests never reach the network).
class FakeHttpClient final : public sdk::HttpClient {
public:
    using Handler = std::function<sdk::Result<sdk::HttpResponse>(const sdk::HttpRequest&)>;

    sdk::Result<sdk::HttpResponse> send(const sdk::HttpRequest& request) override;

    void setHandler(Handler handler);
    std::vector<sdk::HttpRequest> requests() const;

private:
    mutable std::mutex mutex_;
    Handler handler_;
    std::vector<sdk::HttpRequest> requests_;
};

/// The whole fake context. Accessors with concrete types let tests drive each part.
class FakeHost final : public sdk::HostContext {
public:
    FakeHost();
    explicit FakeHost(TestCrypto::Argon2Cost cost);

    const sdk::HostInfo& info() const override { return info_; }
    sdk::Clock& clock() override { return clock_; }
    sdk::Random& random() override { return random_; }
    sdk::Logger& logger() override { return logger_; }
    sdk::Crypto& crypto() override { return crypto_; }
    sdk::RateLimiter& rateLimiter() override { return rate_limiter_; }
    sdk::Storage& storage() override { return storage_; }
    sdk::Mailer* mailer() override { return mailer_configured_ ? &mailer_ : nullptr; }
    sdk::HttpClient& http() override { return http_; }

    FakeClock& fakeClock() { return clock_; }
    RecordingLogger& recordingLogger() { return logger_; }
    TestCrypto& testCrypto() { return crypto_; }
    MemoryStorage& memoryStorage() { return storage_; }
    RecordingMailer& recordingMailer() { return mailer_; }
    FakeHttpClient& fakeHttp() { return http_; }
    sdk::HostInfo& mutableInfo() { return info_; }
    /// mailer() returns nullptr while false (no `mail:` section configured).
    void setMailerConfigured(bool configured) { mailer_configured_ = configured; }

    /// Creates an active user with a random id and the (lower-cased) email.
    sdk::Result<sdk::User> addUser(const std::string& email, const std::string& status = "active");

    /// What the host does with Authenticator::makeCredential (admin API, registration): the
    /// credential `authenticator` makes for user `user_id`, stored (keeping the created_at of
    /// the one it replaces) with its counters reset, in one transaction. Errors: the
    /// authenticator's, not_found for an unknown user, the store's.
    sdk::Result<void> setCredential(sdk::Authenticator& authenticator, const std::string& user_id,
                                    const std::string& secret);
    /// What the host does to lift a lockout: resets every key `authenticator.lockoutKeys`
    /// names for user `user_id`. Errors: not_found for an unknown user, the store's.
    sdk::Result<void> clearLockout(sdk::Authenticator& authenticator, const std::string& user_id);

private:
    sdk::HostInfo info_;
    FakeClock clock_;
    OpenSslRandom random_;
    RecordingLogger logger_;
    TestCrypto crypto_;
    MemoryStorage storage_;
    FakeRateLimiter rate_limiter_;
    RecordingMailer mailer_;
    FakeHttpClient http_;
    std::atomic<bool> mailer_configured_{true};
};

}  // namespace authd::test
