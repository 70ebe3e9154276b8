// SPDX-License-Identifier: Apache-2.0
#include "obs/json_logger.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "obs/json_text.hpp"
#include "obs/request_scope.hpp"

namespace authd::obs {
namespace {

constexpr std::array<std::string_view, 14> kSecretWords = {
    "password",      "passwd", "passphrase", "secret", "token",      "code",        "key",
    "authorization", "cookie", "pin",        "otp",    "credential", "credentials", "dsn"};

// Last words that name a property of a secret rather than the secret itself.
constexpr std::array<std::string_view, 14> kDescriptiveWords = {
    "type",  "method", "id",   "kid",    "alg",    "ttl", "length",
    "count", "kind",   "name", "status", "source", "env", "file"};

constexpr std::array<std::string_view, 5> kReservedKeys = {"ts", "level", "event", "msg",
                                                           "request_id"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
    for (std::string_view candidate : words) {
        if (candidate == word) {
            return true;
        }
    }
    return false;
}

void appendTimestamp(std::string& out) {
    const auto now = std::chrono::system_clock::now();
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[40];
    const int written =
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                      parts.tm_min, parts.tm_sec, static_cast<int>(millis % 1000));
    if (written > 0) {
        out.append(buffer, static_cast<std::size_t>(written));
    }
}

void appendField(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    appendJsonEscaped(out, key);
    out += "\":\"";
    appendJsonEscaped(out, value);
    out += '"';
}

} // namespace

std::optional<sdk::LogLevel> parseLogLevel(std::string_view text) {
    if (text == "debug") {
        return sdk::LogLevel::debug;
    }
    if (text == "info") {
        return sdk::LogLevel::info;
    }
    if (text == "warning" || text == "warn") {
        return sdk::LogLevel::warning;
    }
    if (text == "error") {
        return sdk::LogLevel::error;
    }
    return std::nullopt;
}

const char* logLevelName(sdk::LogLevel level) noexcept {
    switch (level) {
    case sdk::LogLevel::debug:
        return "debug";
    case sdk::LogLevel::info:
        return "info";
    case sdk::LogLevel::warning:
        return "warning";
    case sdk::LogLevel::error:
        return "error";
    }
    return "info";
}

bool looksSecret(std::string_view key) {
    std::vector<std::string> words;
    std::string word;
    for (char c : key) {
        const auto uc = static_cast<unsigned char>(c);
        if (std::isalnum(uc) != 0) {
            word += static_cast<char>(std::tolower(uc));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    bool secret = false;
    for (const std::string& w : words) {
        if (contains(kSecretWords, w)) {
            secret = true;
        }
    }
    if (!secret) {
        return false;
    }
    // "token_type", "key_id": the last word describes the secret; but a key made only of
    // secret words ("token", "api_key") is always redacted.
    return !(words.size() > 1 && contains(kDescriptiveWords, words.back()));
}

JsonLogger::JsonLogger(std::ostream& out, sdk::LogLevel level) : out_(out), level_(level) {}

JsonLogger::~JsonLogger() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) {
        flusher_.join();
    }
    flush();
}

void JsonLogger::startBackgroundFlush(std::chrono::milliseconds interval) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (buffered_ || stopping_) {
        return;
    }
    try {
        flusher_ = std::thread([this, interval] { flusherLoop(interval); });
        buffered_ = true;
    } catch (...) {
        // No thread: stay unbuffered.
    }
}

void JsonLogger::flusherLoop(std::chrono::milliseconds interval) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, interval);
        if (!pending_.empty()) {
            writePending(lock);
            lock.lock();
        }
    }
}

void JsonLogger::writePending(std::unique_lock<std::mutex>& lock) {
    std::string batch;
    batch.swap(pending_);
    const std::lock_guard<std::mutex> writing(write_mutex_);
    lock.unlock();
    try {
        out_.write(batch.data(), static_cast<std::streamsize>(batch.size()));
        out_.flush();
    } catch (...) {
        // Logging is never allowed to take anything down (a closed stream).
    }
}

void JsonLogger::flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    writePending(lock);
}

std::string JsonLogger::formatLine(sdk::LogLevel level, std::string_view event,
                                   std::string_view message,
                                   const std::vector<std::pair<std::string, std::string>>& fields,
                                   std::string_view request_id) {
    std::string line;
    line.reserve(128 + message.size() + fields.size() * 24);
    line += "{\"ts\":\"";
    appendTimestamp(line);
    line += "\",\"level\":\"";
    line += logLevelName(level);
    line += '"';
    appendField(line, "event", event);
    appendField(line, "msg", message);
    if (!request_id.empty()) {
        appendField(line, "request_id", request_id);
    }
    for (const auto& [key, value] : fields) {
        // A field may not shadow the envelope: the reader would see two values for one key.
        const std::string name = contains(kReservedKeys, key) ? "field_" + key : key;
        appendField(line, name, looksSecret(key) ? std::string_view("[redacted]") : value);
    }
    line += '}';
    return line;
}

void JsonLogger::log(sdk::LogLevel level, std::string_view event, std::string_view message,
                     const std::vector<std::pair<std::string, std::string>>& fields) {
    if (!enabled(level)) {
        return;
    }
    try {
        std::string line = formatLine(level, event, message, fields, RequestScope::current());
        line += '\n';
        std::unique_lock<std::mutex> lock(mutex_);
        if (pending_.empty()) {
            pending_.swap(line);
        } else {
            pending_ += line;
        }
        if (!buffered_ || level >= sdk::LogLevel::warning || pending_.size() >= kMaxPending) {
            writePending(lock);
        }
    } catch (...) {
        // Logging is never allowed to take a request down (bad_alloc, a closed stream).
    }
}

} // namespace authd::obs
