// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "authd/sdk/host.hpp"

namespace authd::obs {

/// "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<sdk::LogLevel> parseLogLevel(std::string_view text);
const char* logLevelName(sdk::LogLevel level) noexcept;

/// True when a field named `key` probably holds a secret (password, secret, token, code, key,
/// authorization, cookie, pin, ...): its value is then logged as "[redacted]". A last word that
/// only describes the secret (`token_type`, `key_id`, `code_challenge_method`, `password_length`)
/// keeps the value. This is a safety net: callers must still never pass secrets.
bool looksSecret(std::string_view key);

/// The host's sdk::Logger: one JSON object per line, `{"ts":..., "level":..., "event":...,
/// "msg":..., "request_id":... (inside a request), <fields>...}`. `ts` is RFC 3339 UTC with
/// milliseconds. Lines below the level are dropped. Lines from concurrent threads never
/// interleave, and they reach the stream in the order log() was called. Writing never throws.
/// By default each line is written and flushed at once. After startBackgroundFlush(), info and
/// debug lines (one per request) are collected and written by a background thread every
/// `interval` or once 64 KiB wait: one write instead of one per request, which cost a system
/// call and a lock every request held. A warning or error line writes everything waiting, itself
/// included, at once; so do flush() and the destructor. A crash loses at most `interval`.
class JsonLogger final : public sdk::Logger {
  public:
    explicit JsonLogger(std::ostream& out, sdk::LogLevel level = sdk::LogLevel::info);
    ~JsonLogger() override;
    JsonLogger(const JsonLogger&) = delete;
    JsonLogger& operator=(const JsonLogger&) = delete;
    /// Starts the background writer (once; later calls do nothing).
    void startBackgroundFlush(std::chrono::milliseconds interval = std::chrono::milliseconds(20));
    /// Writes every waiting line now.
    void flush();

    void log(sdk::LogLevel level, std::string_view event, std::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields = {}) override;

    void setLevel(sdk::LogLevel level) noexcept { level_.store(level, std::memory_order_relaxed); }
    sdk::LogLevel level() const noexcept { return level_.load(std::memory_order_relaxed); }
    bool enabled(sdk::LogLevel level) const noexcept { return level >= this->level(); }

    /// The line log() would write (without the newline), for tests and for callers that
    /// write elsewhere.
    static std::string formatLine(sdk::LogLevel level, std::string_view event,
                                  std::string_view message,
                                  const std::vector<std::pair<std::string, std::string>>& fields,
                                  std::string_view request_id);

  private:
    static constexpr std::size_t kMaxPending = 64 * 1024;
    /// Takes the waiting lines and writes them; `lock` holds mutex_ and is released before
    /// the write, after write_mutex_ is taken, so that batches keep their order.
    void writePending(std::unique_lock<std::mutex>& lock);
    void flusherLoop(std::chrono::milliseconds interval);

    std::ostream& out_;
    std::atomic<sdk::LogLevel> level_;
    std::mutex mutex_;        ///< guards pending_, buffered_, stopping_
    std::mutex write_mutex_;  ///< one write to out_ at a time
    std::condition_variable wake_;
    std::string pending_;
    bool buffered_ = false;
    bool stopping_ = false;
    std::thread flusher_;
};

} // namespace authd::obs
