// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "authd/sdk/host.hpp"
#include "authd/sdk/storage.hpp"

namespace authd::oauth {

/// The audit trail (SPEC section 8) written to the store. Hot events (token.issued at tens
/// of thousands per second) are queued and written in batches, one transaction each, by a
/// background thread, every `interval` or as soon as `batch` events wait; one insert per
/// request would make the store the bottleneck of the token endpoint. Events that must not
/// wait (a replayed code, a reused refresh token) are written at once with `urgent`.
/// Identical events in one batch (same type, user, client, address and detail) are written
/// once, with `"count":N` added to the detail and the first one's time.
/// A batch the store refuses is kept and retried; beyond `max_queue` waiting events the
/// oldest are dropped with an error log line saying how many. The destructor writes what is
/// left. An event's time is filled in when empty, its id (UUID) when it is written.
/// Ownership: `store` and `log` must outlive it. Threading: record() and flush() are
/// thread-safe.
class AuditLog {
public:
    AuditLog(sdk::Storage& store, sdk::Logger& log,
             std::chrono::milliseconds interval = std::chrono::milliseconds(200),
             std::size_t batch = 512, std::size_t max_queue = 100000);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    void record(sdk::AuditEvent event, bool urgent = false);
    /// Writes every queued event now (tests, shutdown).
    void flush();

private:
    void run();
    void writeQueued();
    void complete(sdk::AuditEvent& event);

    sdk::Storage& store_;
    sdk::Logger& log_;
    const std::chrono::milliseconds interval_;
    const std::size_t batch_;
    const std::size_t max_queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<sdk::AuditEvent> queue_;
    bool stopping_ = false;
    std::mutex write_mutex_;  // one batch at a time, in order
    std::thread worker_;
};

/// A flat JSON object of string members for AuditEvent::detail (never pass a secret).
std::string auditDetail(const std::vector<std::pair<std::string_view, std::string_view>>& members);

}  // namespace authd::oauth
