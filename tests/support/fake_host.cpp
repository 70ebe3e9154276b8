// SPDX-License-Identifier: Apache-2.0
#include "support/fake_host.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace authd::test {

namespace {

std::string toHex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0f];
    }
    return out;
}

std::string base64Url(const unsigned char* data, std::size_t size) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((size * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                                std::uint32_t{data[i + 2]};
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (size - i == 1) {
        const std::uint32_t n = std::uint32_t{data[i]} << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
    } else if (size - i == 2) {
        const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
    }
    return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Random

std::string OpenSslRandom::token(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    if (!fill(buffer.data(), buffer.size())) {
        return {};
    }
    return base64Url(buffer.data(), buffer.size());
}

bool OpenSslRandom::fill(unsigned char* out, std::size_t size) {
    // RAND_bytes takes an int: fill in chunks so that any size_t works.
    constexpr std::size_t kChunk = 1U << 20;
    while (size > 0) {
        const std::size_t n = std::min(size, kChunk);
        if (RAND_bytes(out, static_cast<int>(n)) != 1) {
            return false;
        }
        out += n;
        size -= n;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Logger

void RecordingLogger::log(sdk::LogLevel level, std::string_view event, std::string_view message,
                          const std::vector<std::pair<std::string, std::string>>& fields) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(LogLine{level, std::string(event), std::string(message), fields});
}

std::vector<LogLine> RecordingLogger::lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
}

bool RecordingLogger::hasEvent(std::string_view event) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const LogLine& line) { return line.event == event; });
}

bool RecordingLogger::mentions(std::string_view text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const LogLine& line : lines_) {
        if (contains(line.event, text) || contains(line.message, text)) {
            return true;
        }
        for (const auto& [name, value] : line.fields) {
            if (contains(name, text) || contains(value, text)) {
                return true;
            }
        }
    }
    return false;
}

void RecordingLogger::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
}

// ---------------------------------------------------------------------------------------------
// Crypto

sdk::Result<std::string> TestCrypto::hashPassword(std::string_view password) {
    ++hash_count_;
    if (password.size() > std::numeric_limits<std::uint32_t>::max()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "password too long to hash");
    }
    std::array<unsigned char, 16> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        return sdk::makeError(sdk::ErrorCode::internal, "CSPRNG failure while salting a hash");
    }
    constexpr std::uint32_t kHashLength = 32;
    const std::size_t encoded_length =
        argon2_encodedlen(cost_.t_cost, cost_.m_cost_kib, cost_.parallelism,
                          static_cast<std::uint32_t>(salt.size()), kHashLength, Argon2_id);
    std::string encoded(encoded_length, '\0');
    const int rc = argon2id_hash_encoded(cost_.t_cost, cost_.m_cost_kib, cost_.parallelism,
                                         password.data(), password.size(), salt.data(),
                                         salt.size(), kHashLength, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("argon2id hashing failed: ") + argon2_error_message(rc));
    }
    encoded.resize(encoded.find('\0'));
    return encoded;
}

sdk::Result<bool> TestCrypto::verifyPassword(std::string_view encoded, std::string_view password) {
    ++verify_count_;
    if (encoded.rfind("$argon2id$", 0) != 0) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "not an argon2id PHC string");
    }
    // argon2id_verify needs a NUL-terminated string.
    const std::string encoded_z(encoded);
    if (encoded_z.find('\0') != std::string::npos) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "PHC string contains NUL");
    }
    const int rc = argon2id_verify(encoded_z.c_str(), password.data(), password.size());
    if (rc == ARGON2_OK) {
        return true;
    }
    if (rc == ARGON2_VERIFY_MISMATCH) {
        return false;
    }
    return sdk::makeError(sdk::ErrorCode::invalid_argument,
                          std::string("malformed argon2id PHC string: ") + argon2_error_message(rc));
}

std::string TestCrypto::sha256Hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    return toHex(digest.data(), length);
}

std::string TestCrypto::hmacSha256Hex(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return {};
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
             &length) == nullptr) {
        return {};
    }
    return toHex(mac.data(), length);
}

bool TestCrypto::constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------------------------------------------
// Rate limiter

sdk::Seconds FakeRateLimiter::delayFor(std::int64_t failures, const sdk::ThrottlePolicy& policy) {
    if (failures <= policy.free_attempts || policy.base_delay <= 0) {
        return 0;
    }
    sdk::Seconds delay = policy.base_delay;
    for (std::int64_t i = policy.free_attempts + 1; i < failures && delay < policy.max_delay; ++i) {
        delay *= 2;
    }
    return std::min(delay, policy.max_delay);
}

sdk::ThrottleState FakeRateLimiter::stateOf(const sdk::Counter& counter,
                                            const sdk::ThrottlePolicy& policy,
                                            sdk::UnixTime now) const {
    sdk::ThrottleState state;
    if (counter.locked_until > now) {
        state.locked = true;
        state.failures = counter.count;
        state.retry_at = counter.locked_until == std::numeric_limits<sdk::UnixTime>::max()
                             ? 0
                             : counter.locked_until;
        return state;
    }
    const bool window_over = counter.window_start < now - policy.window;
    const bool lock_over = counter.locked_until != 0;
    if (window_over || lock_over) {
        return state;  // nothing counts any more
    }
    state.failures = counter.count;
    const sdk::Seconds delay = delayFor(counter.count, policy);
    state.retry_at = delay > 0 ? counter.updated_at + delay : 0;
    return state;
}

sdk::Result<sdk::ThrottleState> FakeRateLimiter::check(const std::string& key,
                                                       const sdk::ThrottlePolicy& policy) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto counter = storage_.counters().get(key);
    if (!counter) {
        if (counter.error().code == sdk::ErrorCode::not_found) {
            return sdk::ThrottleState{};
        }
        return counter.error();
    }
    return stateOf(*counter, policy, clock_.now());
}

sdk::Result<sdk::ThrottleState> FakeRateLimiter::recordFailure(const std::string& key,
                                                               const sdk::ThrottlePolicy& policy) {
    std::lock_guard<std::mutex> lock(mutex_);
    const sdk::UnixTime now = clock_.now();
    auto previous = storage_.counters().get(key);
    if (!previous && previous.error().code != sdk::ErrorCode::not_found) {
        return previous.error();
    }
    if (previous && previous->locked_until != 0 && previous->locked_until <= now) {
        // A finished lock starts a fresh count.
        if (auto reset = storage_.counters().reset(key); !reset) {
            return reset.error();
        }
    }
    auto counter = storage_.counters().increment(key, now, policy.window);
    if (!counter) {
        return counter.error();
    }
    if (counter->locked_until <= now && policy.lock_after > 0 &&
        counter->count >= policy.lock_after) {
        const sdk::UnixTime until = policy.lock_for > 0
                                        ? now + policy.lock_for
                                        : std::numeric_limits<sdk::UnixTime>::max();
        if (auto locked = storage_.counters().lock(key, until); !locked) {
            return locked.error();
        }
        counter->locked_until = until;
    }
    return stateOf(*counter, policy, now);
}

sdk::Result<void> FakeRateLimiter::clear(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return storage_.counters().reset(key);
}

// ---------------------------------------------------------------------------------------------
// Mailer and HTTP

sdk::Result<void> RecordingMailer::send(const sdk::MailMessage& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_) {
        return sdk::makeError(*failure_, "mailer failure injected by the test");
    }
    messages_.push_back(message);
    return sdk::ok();
}

std::vector<sdk::MailMessage> RecordingMailer::messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
}

void RecordingMailer::setFailureForTest(std::optional<sdk::ErrorCode> code) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = code;
}

sdk::Result<sdk::HttpResponse> FakeHttpClient::send(const sdk::HttpRequest& request) {
    Handler handler;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
        handler = handler_;
    }
    if (!handler) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "no HTTP handler set in this test for " + request.url);
    }
    return handler(request);
}

void FakeHttpClient::setHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    handler_ = std::move(handler);
}

std::vector<sdk::HttpRequest> FakeHttpClient::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

// ---------------------------------------------------------------------------------------------
// Host

FakeHost::FakeHost() : FakeHost(TestCrypto::Argon2Cost{}) {}

FakeHost::FakeHost(TestCrypto::Argon2Cost cost)
    : crypto_(cost), rate_limiter_(storage_, clock_) {
    info_.issuer = "http://127.0.0.1:8080";
    info_.version = "test";
    info_.data_dir = "var";
    info_.config_file = "test.yaml";
}

sdk::Result<sdk::User> FakeHost::addUser(const std::string& email, const std::string& status) {
    std::array<unsigned char, 16> bytes{};
    if (!random_.fill(bytes.data(), bytes.size())) {
        return sdk::makeError(sdk::ErrorCode::internal, "CSPRNG failure");
    }
    // A version-4 UUID, as the host chooses user ids.
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    const std::string hex = toHex(bytes.data(), bytes.size());
    sdk::User user;
    user.id = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
              hex.substr(16, 4) + "-" + hex.substr(20);
    user.email = email;
    std::transform(user.email.begin(), user.email.end(), user.email.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    user.email_verified = true;
    user.status = status;
    user.created_at = clock_.now();
    user.updated_at = user.created_at;
    if (auto created = storage_.users().create(user); !created) {
        return created.error();
    }
    return user;
}

sdk::Result<void> FakeHost::setCredential(sdk::Authenticator& authenticator,
                                          const std::string& user_id, const std::string& secret) {
    auto user = storage_.users().get(user_id);
    if (!user) {
        return user.error();
    }
    auto made = authenticator.makeCredential(*user, secret);
    if (!made) {
        return made.error();
    }
    return storage_.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        sdk::Credential credential = made->credential;
        credential.user_id = user_id;
        credential.created_at = clock_.now();
        credential.updated_at = credential.created_at;
        if (auto existing = tx.credentials().get(user_id, credential.kind)) {
            credential.created_at = existing->created_at;
        }
        if (auto put = tx.credentials().put(credential); !put) {
            return put;
        }
        for (const auto& key : made->reset_counters) {
            if (auto reset = tx.counters().reset(key); !reset) {
                return reset;
            }
        }
        return sdk::ok();
    });
}

sdk::Result<void> FakeHost::clearLockout(sdk::Authenticator& authenticator,
                                         const std::string& user_id) {
    auto user = storage_.users().get(user_id);
    if (!user) {
        return user.error();
    }
    auto keys = authenticator.lockoutKeys(*user);
    if (!keys) {
        return keys.error();
    }
    return storage_.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        for (const auto& key : *keys) {
            if (auto reset = tx.counters().reset(key); !reset) {
                return reset;
            }
        }
        return sdk::ok();
    });
}

}  // namespace authd::test
