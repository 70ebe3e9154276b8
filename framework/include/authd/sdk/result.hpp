// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace authd::sdk {

/// Error classes shared by the host and every plugin. They print as their lower_snake names.
enum class ErrorCode : std::uint16_t {
    invalid_config = 1,  ///< configuration refused
    invalid_argument,    ///< a caller passed something malformed
    not_found,           ///< the object does not exist
    conflict,            ///< a uniqueness rule would break (duplicate email, client_id, ...)
    already_consumed,    ///< a single-use object was used before
    expired,             ///< the object exists but its lifetime is over
    denied,              ///< the caller is not allowed to do this
    rate_limited,        ///< too many attempts; retry later
    unsupported,         ///< the plugin does not offer this operation
    unavailable,         ///< a dependency (database, SMTP, upstream) cannot be reached
    internal,            ///< a bug or an unexpected failure
};

inline const char* errorCodeName(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::invalid_config: return "invalid_config";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::already_consumed: return "already_consumed";
    case ErrorCode::expired: return "expired";
    case ErrorCode::denied: return "denied";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
    }
    return "unknown";
}

/// An error as a value. `message` is for operators and logs: it never holds a secret.
struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
};

inline Error makeError(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

/// A value or an Error, with std::expected's member names so that moving to C++23 is an alias.
/// Threading: a plain value type; not synchronised.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

    T value_or(T fallback) const& { return has_value() ? value() : std::move(fallback); }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const noexcept {}
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

/// The success value of a Result<void>.
inline Result<void> ok() { return {}; }

}  // namespace authd::sdk
