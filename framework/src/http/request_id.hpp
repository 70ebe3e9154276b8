// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::http {

/// The header carrying the request id both ways.
inline constexpr std::string_view kRequestIdHeader = "X-Request-Id";

/// True for 1 to 64 characters of [A-Za-z0-9._-]: an id safe to log and echo.
bool isValidRequestId(std::string_view id) noexcept;

/// A fresh id: 24 lower-case hex characters from the CSPRNG (a time-based fallback only if the
/// CSPRNG fails, since an id is not a secret).
std::string generateRequestId();

/// The incoming id when it is valid, otherwise a fresh one.
std::string acceptOrGenerateRequestId(std::string_view incoming);

} // namespace authd::http
