// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/rand.h>

#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"

/// @file
/// A small sdk::HostContext for plugins that need only the clock, the CSPRNG and the log
/// (mailers, the loader's fixtures). Reaching a service it does not provide (storage, rate
/// limiter, crypto, HTTP) is a test bug: it prints which one and aborts, so the test fails
/// loudly instead of passing on a fake answer.

namespace authd::test {

class SettableClock final : public sdk::Clock {
public:
    sdk::UnixTime now() const override { return now_.load(); }
    void set(sdk::UnixTime time) { now_.store(time); }

private:
    std::atomic<sdk::UnixTime> now_{1'700'000'000};
};

class OpenSslTestRandom final : public sdk::Random {
public:
    std::string token(std::size_t bytes) override {
        std::string raw(bytes, '\0');
        if (!fill(reinterpret_cast<unsigned char*>(raw.data()), raw.size())) {
            return {};
        }
        static constexpr char kAlphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        std::string out;
        unsigned bits = 0;
        int count = 0;
        for (const char c : raw) {
            bits = (bits << 8U) | static_cast<unsigned char>(c);
            count += 8;
            while (count >= 6) {
                count -= 6;
                out += kAlphabet[(bits >> static_cast<unsigned>(count)) & 0x3FU];
            }
        }
        if (count > 0) {
            out += kAlphabet[(bits << static_cast<unsigned>(6 - count)) & 0x3FU];
        }
        return out;
    }
    bool fill(unsigned char* out, std::size_t size) override {
        return size == 0 || RAND_bytes(out, static_cast<int>(size)) == 1;
    }
};

struct RecordedLine {
    sdk::LogLevel level;
    std::string event;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;

    std::string field(const std::string& name) const {
        for (const auto& [key, value] : fields) {
            if (key == name) {
                return value;
            }
        }
        return {};
    }
};

class RecordingTestLogger final : public sdk::Logger {
public:
    void log(sdk::LogLevel level, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields) override {
        std::lock_guard lock(mutex_);
        lines_.push_back({level, std::string(event), std::string(message), fields});
    }
    std::vector<RecordedLine> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    std::vector<RecordedLine> withEvent(std::string_view event) const {
        std::vector<RecordedLine> out;
        for (auto& line : lines()) {
            if (line.event == event) {
                out.push_back(line);
            }
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<RecordedLine> lines_;
};

class MinimalHost final : public sdk::HostContext {
public:
    MinimalHost() { info_.version = "test"; }

    const sdk::HostInfo& info() const override { return info_; }
    sdk::Clock& clock() override { return clock_; }
    sdk::Random& random() override { return random_; }
    sdk::Logger& logger() override { return logger_; }
    sdk::Crypto& crypto() override { missing("crypto()"); }
    sdk::RateLimiter& rateLimiter() override { missing("rateLimiter()"); }
    sdk::Storage& storage() override { missing("storage()"); }
    sdk::Mailer* mailer() override { return nullptr; }
    sdk::HttpClient& http() override { missing("http()"); }

    SettableClock& settableClock() { return clock_; }
    RecordingTestLogger& recorder() { return logger_; }
    sdk::HostInfo& mutableInfo() { return info_; }

private:
    [[noreturn]] static void missing(const char* what) {
        std::fprintf(stderr,
                     "MinimalHost: the code under test called HostContext::%s, which "
                     "this test host does not provide\n",
                     what);
        std::abort();
    }

    sdk::HostInfo info_;
    SettableClock clock_;
    OpenSslTestRandom random_;
    RecordingTestLogger logger_;
};

/// A ConfigNode over plain strings, for calling a factory directly (without the host's YAML
/// validation). Keys absent from `values` read as the schema default passed in `defaults`.
class StringConfigNode final : public sdk::ConfigNode {
public:
    explicit StringConfigNode(std::map<std::string, std::string> values,
                              std::map<std::string, std::string> defaults = {})
        : values_(std::move(values)), defaults_(std::move(defaults)) {}

    bool has(const std::string& key) const override { return values_.count(key) != 0; }
    std::string getString(const std::string& key, const std::string& fallback) const override {
        const std::string* text = lookup(key);
        return text ? *text : fallback;
    }
    std::int64_t getInt(const std::string& key, std::int64_t fallback) const override {
        const std::string* text = lookup(key);
        return text ? std::stoll(*text) : fallback;
    }
    bool getBool(const std::string& key, bool fallback) const override {
        const std::string* text = lookup(key);
        return text ? *text == "true" : fallback;
    }
    sdk::Seconds getDuration(const std::string& key, sdk::Seconds fallback) const override {
        const std::string* text = lookup(key);
        return text ? std::stoll(*text) : fallback;
    }
    std::vector<std::string> getStringList(const std::string& key) const override {
        const std::string* text = lookup(key);
        return text ? std::vector<std::string>{*text} : std::vector<std::string>{};
    }
    std::string getSecret(const std::string& key) const override { return getString(key, {}); }
    const sdk::ConfigNode* child(const std::string&) const override { return nullptr; }
    std::string where(const std::string& key) const override { return "test:1:1: " + key; }

private:
    const std::string* lookup(const std::string& key) const {
        if (auto it = values_.find(key); it != values_.end()) {
            return &it->second;
        }
        if (auto it = defaults_.find(key); it != defaults_.end()) {
            return &it->second;
        }
        return nullptr;
    }

    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> defaults_;
};

}  // namespace authd::test
