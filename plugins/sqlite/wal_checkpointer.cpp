// SPDX-License-Identifier: Apache-2.0
#include "wal_checkpointer.hpp"

#include <exception>
#include <utility>

#include <soci/sqlite3/soci-sqlite3.h>

namespace authd::plugins::sqlite {

using sqlite_api::sqlite3;

WalCheckpointer::WalCheckpointer(std::string path, std::int64_t busy_timeout_ms,
                                 sdk::Logger& logger)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms), logger_(logger) {}

WalCheckpointer::~WalCheckpointer() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void WalCheckpointer::install(void* db) {
    // The C API takes the hook with sqlite3* parameters; the trampoline adapts the types.
    sqlite_api::sqlite3_wal_hook(
        static_cast<sqlite3*>(db),
        [](void* self, sqlite3* connection, const char* schema, int pages) {
            return onCommit(self, connection, schema, pages);
        },
        this);
}

int WalCheckpointer::onCommit(void* self, void* db, const char* schema, int pages) {
    if (pages >= kInlinePages) {
        // Behind by far: bound the WAL here, as SQLite's own autocheckpoint would.
        (void)sqlite_api::sqlite3_wal_checkpoint_v2(static_cast<sqlite3*>(db), schema,
                                                    SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kCheckpointPages) {
        static_cast<WalCheckpointer*>(self)->requestCheckpoint();
    }
    return SQLITE_OK;  // a hook error would fail the commit that has already happened
}

void WalCheckpointer::requestCheckpoint() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_ || requested_) {
        return;
    }
    requested_ = true;
    if (!thread_.joinable()) {
        try {
            thread_ = std::thread([this] { run(); });
        } catch (const std::exception& error) {
            requested_ = false;  // the inline checkpoint bounds the WAL instead
            lock.unlock();
            logger_.log(sdk::LogLevel::warning, "storage.sqlite.checkpointer_failed",
                        std::string("cannot start the checkpoint thread: ") + error.what());
            return;
        }
    }
    lock.unlock();
    wake_.notify_one();
}

void WalCheckpointer::run() {
    sqlite3* db = nullptr;
    int opened = sqlite_api::sqlite3_open_v2(path_.c_str(), &db,
                                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (opened == SQLITE_OK) {
        // A connection learns that the file is in WAL mode when it first reads it; until then
        // a checkpoint does nothing.
        sqlite_api::sqlite3_busy_timeout(db, static_cast<int>(busy_timeout_ms_));
        opened = sqlite_api::sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
    }
    if (opened != SQLITE_OK) {
        logger_.log(sdk::LogLevel::warning, "storage.sqlite.checkpointer_failed",
                    std::string("cannot open the database for checkpoints: ") +
                        (db != nullptr ? sqlite_api::sqlite3_errmsg(db)
                                       : sqlite_api::sqlite3_errstr(opened)),
                    {{"path", path_}});
        sqlite_api::sqlite3_close(db);
        std::lock_guard<std::mutex> lock(mutex_);
        requested_ = false;  // commits keep asking; the inline checkpoint bounds the WAL
        return;
    }
    std::string last_error;
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return requested_ || stopping_; });
        if (stopping_) {
            break;
        }
        requested_ = false;
        lock.unlock();
        const int result = sqlite_api::sqlite3_wal_checkpoint_v2(
            db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        // BUSY: another checkpoint is running; the next commit asks again.
        if (result != SQLITE_OK && result != SQLITE_BUSY) {
            const std::string message = sqlite_api::sqlite3_errmsg(db);
            if (message != last_error) {  // once per kind of failure, not once per commit
                logger_.log(sdk::LogLevel::warning, "storage.sqlite.checkpoint_failed", message,
                            {{"path", path_}});
                last_error = message;
            }
        } else {
            last_error.clear();
        }
        lock.lock();
        ++runs_;
    }
    lock.unlock();
    sqlite_api::sqlite3_close(db);
}

std::int64_t WalCheckpointer::checkpointsRun() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return runs_;
}

}  // namespace authd::plugins::sqlite
