// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::obs {

/// Marks the current thread as serving one request, so that every log line written on it
/// (by the host or by a plugin through sdk::Logger) carries the request id. Scopes nest: the
/// previous id comes back when a scope ends. Threading: thread-local, no synchronisation.
class RequestScope {
  public:
    explicit RequestScope(std::string request_id);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;

    /// The id of the request this thread is serving, empty outside any request.
    static const std::string& current() noexcept;

  private:
    std::string previous_;
};

} // namespace authd::obs
