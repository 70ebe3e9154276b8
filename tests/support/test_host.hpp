// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/host.hpp"

namespace authd::test {

/// A settable clock.
class TestClock final : public sdk::Clock {
public:
    explicit TestClock(sdk::UnixTime now) : now_(now) {}
    sdk::UnixTime now() const override { return now_.load(); }
    void set(sdk::UnixTime now) { now_.store(now); }

private:
    std::atomic<sdk::UnixTime> now_;
};

/// Keeps every line (and echoes warnings and errors to stderr) so that tests can assert on
/// events.
class TestLogger final : public sdk::Logger {
public:
    struct Line {
        sdk::LogLevel level;
        std::string event;
        std::string message;
    };
    void log(sdk::LogLevel level, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields) override;
    bool saw(std::string_view event) const;

private:
    mutable std::mutex mutex_;
    std::vector<Line> lines_;
};

/// The smallest HostContext a storage factory can run against. Storage factories must not
/// call storage(), rateLimiter(), mailer() or http() (host.hpp): those throw
/// std::logic_error here, which the plugin's factory turns into an error the test sees.
class TestHost final : public sdk::HostContext {
public:
    explicit TestHost(std::string data_dir = {}, sdk::UnixTime now = 1'700'000'000);

    const sdk::HostInfo& info() const override { return info_; }
    sdk::Clock& clock() override { return clock_; }
    sdk::Random& random() override;
    sdk::Logger& logger() override { return logger_; }
    sdk::Crypto& crypto() override;
    sdk::RateLimiter& rateLimiter() override;
    sdk::Storage& storage() override;
    sdk::Mailer* mailer() override;
    sdk::HttpClient& http() override;

    TestClock& testClock() { return clock_; }
    TestLogger& testLogger() { return logger_; }

private:
    sdk::HostInfo info_;
    TestClock clock_;
    TestLogger logger_;
};

}  // namespace authd::test
