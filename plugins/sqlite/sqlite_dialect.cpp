// SPDX-License-Identifier: Apache-2.0
#include "sqlite_dialect.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace authd::plugins::sqlite {

namespace {

bool contains(const std::string& text, const char* needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace

soci_common::ErrorClass SqliteDialect::classify(const ::soci::soci_error& error) const {
    using sdk::ErrorCode;
    const std::string message = error.get_error_message();
    if (const auto* sqlite_error = dynamic_cast<const ::soci::sqlite3_soci_error*>(&error)) {
        // Extended result codes are off, but mask anyway in case they get enabled.
        switch (sqlite_error->result() & 0xFF) {
        case SQLITE_CONSTRAINT:
            if (contains(message, "UNIQUE") || contains(message, "PRIMARY KEY")) {
                return {ErrorCode::conflict, false};
            }
            return {ErrorCode::invalid_argument, false};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_NOLFS:
        case SQLITE_PROTOCOL:
            return {ErrorCode::unavailable, false};
        default:
            return {ErrorCode::internal, false};
        }
    }
    if (contains(message, "database is locked") || contains(message, "unable to open")) {
        return {ErrorCode::unavailable, false};
    }
    return {ErrorCode::internal, false};
}

void SqliteDialect::onConnect(::soci::session& sql) const {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    sql << "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms_);
    sql << "PRAGMA foreign_keys = ON";
    if (!in_memory_) {
        std::string mode;
        sql << "PRAGMA journal_mode = WAL", ::soci::into(mode);
        std::transform(mode.begin(), mode.end(), mode.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (mode != "wal") {
            logger_.log(sdk::LogLevel::warning, "storage.sqlite.no_wal",
                        "SQLite refused WAL journaling; readers will block writers",
                        {{"journal_mode", mode}});
        } else if (checkpointer_) {
            auto* backend = static_cast<::soci::sqlite3_session_backend*>(sql.get_backend());
            checkpointer_->install(backend->conn_);
        }
    }
    sql << "PRAGMA synchronous = NORMAL";
}

void SqliteDialect::resetStatement(::soci::statement& statement) const {
    auto* backend = static_cast<::soci::sqlite3_statement_backend*>(statement.get_backend());
    if (backend == nullptr || backend->stmt_ == nullptr) {
        return;
    }
    // The result of the last step is reported by sqlite3_reset again; the use that saw it has
    // already thrown, so it is of no interest here.
    (void)sqlite_api::sqlite3_reset(backend->stmt_);
    (void)sqlite_api::sqlite3_clear_bindings(backend->stmt_);
}

}  // namespace authd::plugins::sqlite
