// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "authd/sdk/host.hpp"

namespace authd::plugins::sqlite {

/// Moves WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the
/// commit that crosses its threshold, copying pages and syncing the database file while the
/// write lock is held, so every writer queued behind that commit waits for it (the refresh
/// benchmark's p99). Pooled connections report their WAL size after each commit (install());
/// past `kCheckpointPages` this object's own thread and connection run a PASSIVE checkpoint,
/// which never blocks writers or readers. If the WAL still grows past `kInlinePages` (the
/// thread cannot keep up, or cannot open the file), the committing connection checkpoints
/// itself, as SQLite would have, so the WAL stays bounded.
class WalCheckpointer {
public:
    static constexpr int kCheckpointPages = 1000;  // SQLite's default autocheckpoint
    static constexpr int kInlinePages = 16 * kCheckpointPages;

    WalCheckpointer(std::string path, std::int64_t busy_timeout_ms, sdk::Logger& logger);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    /// Replaces the connection's automatic checkpoint with this object. `db` is a sqlite3*;
    /// the connection must close before this object is destroyed.
    void install(void* db);

    /// Checkpoints run by the thread so far (tests).
    std::int64_t checkpointsRun() const;

private:
    static int onCommit(void* self, void* db, const char* schema, int pages);
    void requestCheckpoint();
    void run();

    const std::string path_;
    const std::int64_t busy_timeout_ms_;
    sdk::Logger& logger_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool stopping_ = false;
    std::int64_t runs_ = 0;
    std::thread thread_;  // started by the first request: an idle store has no extra thread
};

}  // namespace authd::plugins::sqlite
