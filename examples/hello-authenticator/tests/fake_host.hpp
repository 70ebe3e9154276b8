// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/storage.hpp"

/// @file
/// Just enough of authd's HostContext to drive the hello plugin: a settable clock, an
/// in-memory user store, a rate limiter with ThrottlePolicy semantics, SHA-256 and a
/// constant-time comparison, and a log that records lines. Reaching any other service is a
/// test bug: it prints which one and aborts, so the test fails loudly.

namespace hello_test {

[[noreturn]] inline void notProvided(const char* what) {
    std::fprintf(stderr, "fake host: the plugin called %s, which this test does not provide\n",
                 what);
    std::abort();
}

class FakeClock final : public authd::sdk::Clock {
public:
    authd::sdk::UnixTime now() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void advance(authd::sdk::Seconds seconds) {
        std::lock_guard lock(mutex_);
        now_ += seconds;
    }

private:
    mutable std::mutex mutex_;
    authd::sdk::UnixTime now_ = 1'700'000'000;
};

class FakeRandom final : public authd::sdk::Random {
public:
    std::string token(std::size_t bytes) override {
        std::string out;
        for (std::size_t i = 0; i < bytes; ++i) {
            out += "0123456789abcdef"[engine_() % 16];
        }
        return out;
    }
    bool fill(unsigned char* out, std::size_t size) override {
        for (std::size_t i = 0; i < size; ++i) {
            out[i] = static_cast<unsigned char>(engine_() & 0xFFU);
        }
        return true;
    }

private:
    std::mt19937 engine_{42};  // tests want repeatable values, not secrecy
};

struct Line {
    std::string event;
    std::vector<std::pair<std::string, std::string>> fields;
};

class RecordingLogger final : public authd::sdk::Logger {
public:
    void log(authd::sdk::LogLevel, std::string_view event, std::string_view,
             const std::vector<std::pair<std::string, std::string>>& fields) override {
        std::lock_guard lock(mutex_);
        lines_.push_back({std::string(event), fields});
    }
    std::size_t count(std::string_view event) const {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& line : lines_) {
            n += line.event == event ? 1U : 0U;
        }
        return n;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Line> lines_;
};

/// SHA-256 (FIPS 180-4), so that hashed throttle keys behave as in authd.
inline std::string sha256Hex(std::string_view data) {
    static constexpr std::array<std::uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::string msg(data);
    const std::uint64_t bit_length = static_cast<std::uint64_t>(data.size()) * 8U;
    msg += static_cast<char>(0x80);
    while (msg.size() % 64 != 56) {
        msg += '\0';
    }
    for (int i = 7; i >= 0; --i) {
        msg += static_cast<char>((bit_length >> (static_cast<unsigned>(i) * 8U)) & 0xFFU);
    }
    auto rotr = [](std::uint32_t x, unsigned n) { return (x >> n) | (x << (32U - n)); };
    for (std::size_t chunk = 0; chunk < msg.size(); chunk += 64) {
        std::array<std::uint32_t, 64> w{};
        for (std::size_t i = 0; i < 16; ++i) {
            w[i] = 0;
            for (std::size_t b = 0; b < 4; ++b) {
                w[i] = (w[i] << 8U) | static_cast<unsigned char>(msg[chunk + i * 4 + b]);
            }
        }
        for (std::size_t i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3U);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10U);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        auto v = h;
        for (std::size_t i = 0; i < 64; ++i) {
            const std::uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
            const std::uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
            const std::uint32_t t1 = v[7] + s1 + ch + k[i] + w[i];
            const std::uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
            const std::uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            const std::uint32_t t2 = s0 + maj;
            v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
        }
        for (std::size_t i = 0; i < 8; ++i) {
            h[i] += v[i];
        }
    }
    std::string hex;
    for (const std::uint32_t word : h) {
        char part[9];
        std::snprintf(part, sizeof part, "%08x", word);
        hex += part;
    }
    return hex;
}

class FakeCrypto final : public authd::sdk::Crypto {
public:
    authd::sdk::Result<std::string> hashPassword(std::string_view) override {
        notProvided("hashPassword");
    }
    authd::sdk::Result<bool> verifyPassword(std::string_view, std::string_view) override {
        notProvided("verifyPassword");
    }
    std::string sha256Hex(std::string_view data) override { return hello_test::sha256Hex(data); }
    std::string hmacSha256Hex(std::string_view, std::string_view) override {
        notProvided("hmacSha256Hex");
    }
    bool constantTimeEquals(std::string_view a, std::string_view b) override {
        ++comparisons;
        unsigned char diff = a.size() == b.size() ? 0 : 1;
        const std::size_t n = std::max(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i) {
            const char x = i < a.size() ? a[i] : '\0';
            const char y = i < b.size() ? b[i] : '\0';
            diff = static_cast<unsigned char>(diff | (x ^ y));
        }
        return diff == 0;
    }
    int comparisons = 0;
};

/// ThrottlePolicy semantics of authd/sdk/host.hpp, in memory.
class FakeRateLimiter final : public authd::sdk::RateLimiter {
public:
    explicit FakeRateLimiter(authd::sdk::Clock& clock) : clock_(clock) {}

    authd::sdk::Result<authd::sdk::ThrottleState>
    check(const std::string& key, const authd::sdk::ThrottlePolicy& policy) override {
        std::lock_guard lock(mutex_);
        return stateOf(counters_[key], policy);
    }
    authd::sdk::Result<authd::sdk::ThrottleState>
    recordFailure(const std::string& key, const authd::sdk::ThrottlePolicy& policy) override {
        std::lock_guard lock(mutex_);
        Counter& counter = counters_[key];
        const auto now = clock_.now();
        if (counter.failures == 0 || now - counter.window_start > policy.window) {
            counter = Counter{0, now, now, 0};
        }
        ++counter.failures;
        counter.last_failure = now;
        if (counter.failures >= policy.lock_after) {
            counter.locked_until = policy.lock_for == 0 ? -1 : now + policy.lock_for;
        }
        return stateOf(counter, policy);
    }
    authd::sdk::Result<void> clear(const std::string& key) override {
        std::lock_guard lock(mutex_);
        counters_.erase(key);
        return authd::sdk::ok();
    }
    std::size_t keys() const {
        std::lock_guard lock(mutex_);
        return counters_.size();
    }

private:
    struct Counter {
        std::int64_t failures = 0;
        authd::sdk::UnixTime window_start = 0;
        authd::sdk::UnixTime last_failure = 0;
        authd::sdk::UnixTime locked_until = 0;  // -1: until cleared
    };

    authd::sdk::ThrottleState stateOf(const Counter& counter,
                                      const authd::sdk::ThrottlePolicy& policy) const {
        authd::sdk::ThrottleState state;
        state.failures = counter.failures;
        const auto now = clock_.now();
        if (counter.locked_until == -1 || counter.locked_until > now) {
            state.locked = true;
            state.retry_at = counter.locked_until == -1 ? 0 : counter.locked_until;
            return state;
        }
        if (counter.failures > policy.free_attempts) {
            authd::sdk::Seconds delay = policy.base_delay;
            for (std::int64_t i = policy.free_attempts + 1;
                 i < counter.failures && delay < policy.max_delay; ++i) {
                delay *= 2;
            }
            state.retry_at = counter.last_failure + std::min(delay, policy.max_delay);
        }
        return state;
    }

    authd::sdk::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Counter> counters_;
};

class FakeUserStore final : public authd::sdk::UserStore {
public:
    authd::sdk::Result<void> create(const authd::sdk::User& user) override {
        std::lock_guard lock(mutex_);
        if (down) {
            return unavailable();
        }
        for (const auto& [id, existing] : users_) {
            if (existing.email == user.email || id == user.id) {
                return authd::sdk::makeError(authd::sdk::ErrorCode::conflict, "taken");
            }
        }
        users_[user.id] = user;
        return authd::sdk::ok();
    }
    authd::sdk::Result<authd::sdk::User> get(const std::string& id) override {
        std::lock_guard lock(mutex_);
        if (down) {
            return unavailable();
        }
        auto it = users_.find(id);
        if (it == users_.end()) {
            return authd::sdk::makeError(authd::sdk::ErrorCode::not_found, "no such user");
        }
        return it->second;
    }
    authd::sdk::Result<authd::sdk::User> findByEmail(const std::string& email) override {
        std::lock_guard lock(mutex_);
        if (down) {
            return unavailable();
        }
        for (const auto& [id, user] : users_) {
            if (user.email == email) {
                return user;
            }
        }
        return authd::sdk::makeError(authd::sdk::ErrorCode::not_found, "no such user");
    }
    authd::sdk::Result<void> update(const authd::sdk::User& user) override {
        std::lock_guard lock(mutex_);
        if (users_.count(user.id) == 0) {
            return authd::sdk::makeError(authd::sdk::ErrorCode::not_found, "no such user");
        }
        users_[user.id] = user;
        return authd::sdk::ok();
    }
    authd::sdk::Result<void> remove(const std::string& id) override {
        std::lock_guard lock(mutex_);
        return users_.erase(id) == 1 ? authd::sdk::ok()
                                     : authd::sdk::Result<void>(authd::sdk::makeError(
                                           authd::sdk::ErrorCode::not_found, "no such user"));
    }
    authd::sdk::Result<authd::sdk::Slice<authd::sdk::User>>
    list(const authd::sdk::UserQuery&) override {
        std::lock_guard lock(mutex_);
        authd::sdk::Slice<authd::sdk::User> slice;
        for (const auto& [id, user] : users_) {
            slice.items.push_back(user);
        }
        return slice;
    }

    bool down = false;  ///< every call fails with unavailable, as a lost database would

private:
    static authd::sdk::Error unavailable() {
        return authd::sdk::makeError(authd::sdk::ErrorCode::unavailable, "database unreachable");
    }
    std::mutex mutex_;
    std::map<std::string, authd::sdk::User> users_;
};

/// Storage whose only aggregate is the user store.
class FakeStorage final : public authd::sdk::Storage {
public:
    authd::sdk::UserStore& users() override { return users_; }
    authd::sdk::CredentialStore& credentials() override { notProvided("credentials()"); }
    authd::sdk::ProjectStore& projects() override { notProvided("projects()"); }
    authd::sdk::SessionStore& sessions() override { notProvided("sessions()"); }
    authd::sdk::PendingStore& pending() override { notProvided("pending()"); }
    authd::sdk::CodeStore& codes() override { notProvided("codes()"); }
    authd::sdk::RefreshStore& refresh() override { notProvided("refresh()"); }
    authd::sdk::ConsentStore& consents() override { notProvided("consents()"); }
    authd::sdk::CounterStore& counters() override { notProvided("counters()"); }
    authd::sdk::KeyStore& keys() override { notProvided("keys()"); }
    authd::sdk::AuditStore& audit() override { notProvided("audit()"); }
    authd::sdk::PluginDataStore& pluginData() override { notProvided("pluginData()"); }
    authd::sdk::Result<void>
    transact(const std::function<authd::sdk::Result<void>(Storage&)>&) override {
        notProvided("transact()");
    }
    authd::sdk::Result<int> migrate() override { notProvided("migrate()"); }
    authd::sdk::Result<int> schemaVersion() override { notProvided("schemaVersion()"); }
    int latestSchemaVersion() const override { notProvided("latestSchemaVersion()"); }
    authd::sdk::Result<void> ping() override { return authd::sdk::ok(); }

    FakeUserStore& userStore() { return users_; }

private:
    FakeUserStore users_;
};

class FakeHost final : public authd::sdk::HostContext {
public:
    const authd::sdk::HostInfo& info() const override { return info_; }
    authd::sdk::Clock& clock() override { return clock_; }
    authd::sdk::Random& random() override { return random_; }
    authd::sdk::Logger& logger() override { return logger_; }
    authd::sdk::Crypto& crypto() override { return crypto_; }
    authd::sdk::RateLimiter& rateLimiter() override { return limiter_; }
    authd::sdk::Storage& storage() override { return storage_; }
    authd::sdk::Mailer* mailer() override { return nullptr; }
    authd::sdk::HttpClient& http() override { notProvided("http()"); }

    authd::sdk::HostInfo info_;
    FakeClock clock_;
    FakeRandom random_;
    RecordingLogger logger_;
    FakeCrypto crypto_;
    FakeRateLimiter limiter_{clock_};
    FakeStorage storage_;
};

/// A validated config as authd would hand it over: the values by key (secrets resolved).
class FakeConfig final : public authd::sdk::ConfigNode {
public:
    explicit FakeConfig(std::map<std::string, std::string> values) : values_(std::move(values)) {}
    bool has(const std::string& key) const override { return values_.count(key) != 0; }
    std::string getString(const std::string& key, const std::string& fallback) const override {
        auto it = values_.find(key);
        return it == values_.end() ? fallback : it->second;
    }
    std::int64_t getInt(const std::string&, std::int64_t fallback) const override {
        return fallback;
    }
    bool getBool(const std::string&, bool fallback) const override { return fallback; }
    authd::sdk::Seconds getDuration(const std::string&,
                                    authd::sdk::Seconds fallback) const override {
        return fallback;
    }
    std::vector<std::string> getStringList(const std::string&) const override { return {}; }
    std::string getSecret(const std::string& key) const override { return getString(key, {}); }
    const authd::sdk::ConfigNode* child(const std::string&) const override { return nullptr; }
    std::string where(const std::string& key) const override {
        return "authd.yaml:12:7: authenticators[0].config." + key;
    }

private:
    std::map<std::string, std::string> values_;
};

}  // namespace hello_test
