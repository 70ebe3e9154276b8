// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/http.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

namespace authd::sdk {

class Storage;
class Mailer;

/// Wall-clock time. Tests inject their own.
class Clock {
public:
    virtual ~Clock() = default;
    virtual UnixTime now() const = 0;
};

/// The CSPRNG (OpenSSL RAND_bytes). Every token, code and salt comes from here.
class Random {
public:
    virtual ~Random() = default;
    /// `bytes` random bytes, base64url without padding. Empty only if the CSPRNG fails.
    virtual std::string token(std::size_t bytes) = 0;
    /// Fills `out` with `size` random bytes; false if the CSPRNG fails.
    virtual bool fill(unsigned char* out, std::size_t size) = 0;
};

enum class LogLevel : std::uint8_t { debug, info, warning, error };

/// Structured log: one JSON object per line, with the request id added by the host.
/// `event` is a stable dotted id (docs/log-events.md). Never pass a secret.
class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, std::string_view event, std::string_view message,
                     const std::vector<std::pair<std::string, std::string>>& fields = {}) = 0;
};

/// Hashing and comparison primitives, so that plugins need no crypto library of their own.
class Crypto {
public:
    virtual ~Crypto() = default;
    /// Argon2id with the provider's configured cost; PHC string ($argon2id$v=19$...).
    virtual Result<std::string> hashPassword(std::string_view password) = 0;
    /// Constant-time verification of a PHC string; false on mismatch, error if malformed.
    virtual Result<bool> verifyPassword(std::string_view encoded, std::string_view password) = 0;
    /// Lower-case hex SHA-256, for storing opaque tokens.
    virtual std::string sha256Hex(std::string_view data) = 0;
    /// HMAC-SHA256 as lower-case hex.
    virtual std::string hmacSha256Hex(std::string_view key, std::string_view data) = 0;
    /// Comparison whose time depends only on the lengths.
    virtual bool constantTimeEquals(std::string_view a, std::string_view b) = 0;
};

/// How a throttle counter grows: `free_attempts` failures cost nothing, each further one
/// doubles the delay from `base_delay` up to `max_delay`; after `lock_after` failures within
/// `window` the key is locked for `lock_for` (0 = until cleared by an administrator).
struct ThrottlePolicy {
    int free_attempts = 3;
    Seconds base_delay = 1;
    Seconds max_delay = 60;
    int lock_after = 10;
    Seconds lock_for = 900;
    Seconds window = 900;
};

struct ThrottleState {
    std::int64_t failures = 0;
    UnixTime retry_at = 0;  ///< no attempt accepted before this time
    bool locked = false;    ///< locked (retry_at is the unlock time, or 0 when indefinite)
};

/// Throttling backed by the store's counters, so it holds across nodes. A key's whole state
/// is the CounterStore row of the same key (nothing is kept in memory): clear(key) is
/// CounterStore::reset(key), which is how the host lifts Authenticator::lockoutKeys.
class RateLimiter {
public:
    virtual ~RateLimiter() = default;
    /// The key's state now, without counting anything.
    virtual Result<ThrottleState> check(const std::string& key, const ThrottlePolicy& policy) = 0;
    /// Counts one failure and returns the state after it.
    virtual Result<ThrottleState> recordFailure(const std::string& key,
                                                const ThrottlePolicy& policy) = 0;
    virtual Result<void> clear(const std::string& key) = 0;
};

/// Outgoing HTTP(S) with timeouts, for upstream providers.
class HttpClient {
public:
    virtual ~HttpClient() = default;
    virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

/// Facts about the running provider.
struct HostInfo {
    std::string issuer;       ///< e.g. http://127.0.0.1:8080
    std::string version;      ///< authd's version
    std::string data_dir;     ///< writable folder (var/)
    std::string config_file;  ///< path of the YAML file, for relative paths
};

/// Everything a plugin may reach. Owned by the host and valid for the plugin's whole
/// lifetime; every member is thread-safe. Storage factories must not call storage(),
/// rateLimiter() or mailer(): they are not ready while the store is being built.
class HostContext {
public:
    virtual ~HostContext() = default;
    virtual const HostInfo& info() const = 0;
    virtual Clock& clock() = 0;
    virtual Random& random() = 0;
    virtual Logger& logger() = 0;
    virtual Crypto& crypto() = 0;
    virtual RateLimiter& rateLimiter() = 0;
    virtual Storage& storage() = 0;
    /// nullptr when no mailer is configured.
    virtual Mailer* mailer() = 0;
    virtual HttpClient& http() = 0;
};

}  // namespace authd::sdk
