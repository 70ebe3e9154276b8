// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
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
/// milliseconds. Lines below the level are dropped. Each line is written and flushed under a
/// mutex, so lines from concurrent threads never interleave. Writing never throws.
class JsonLogger final : public sdk::Logger {
  public:
    explicit JsonLogger(std::ostream& out, sdk::LogLevel level = sdk::LogLevel::info);

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
    std::ostream& out_;
    std::atomic<sdk::LogLevel> level_;
    std::mutex mutex_;
};

} // namespace authd::obs
