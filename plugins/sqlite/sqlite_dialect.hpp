// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "authd/sdk/host.hpp"
#include "database.hpp"
#include "wal_checkpointer.hpp"

namespace authd::plugins::sqlite {

/// The embedded schema migrations (generated from migrations/*.sql).
const std::vector<soci_common::Migration>& migrations();

/// SQLite specifics: BEGIN IMMEDIATE for writers (the write lock is taken up front, which
/// serialises single-use operations across threads and processes), per-connection pragmas,
/// and WAL checkpoints off the commit path (a file database only).
class SqliteDialect final : public soci_common::Dialect {
public:
    SqliteDialect(const std::string& path, std::int64_t busy_timeout_ms, bool in_memory,
                  sdk::Logger& logger)
        : busy_timeout_ms_(busy_timeout_ms),
          in_memory_(in_memory),
          logger_(logger),
          checkpointer_(in_memory ? nullptr
                                  : std::make_unique<WalCheckpointer>(path, busy_timeout_ms,
                                                                      logger)) {}

    std::string name() const override { return "sqlite"; }
    std::string beginWrite() const override { return "BEGIN IMMEDIATE"; }
    std::string beginRead() const override { return "BEGIN DEFERRED"; }
    bool serializeWrites() const override { return true; }
    std::string lockRows() const override { return {}; }
    std::string migrationLock() const override { return {}; }
    std::string tableExistsQuery() const override {
        return "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :a";
    }
    std::string containsExpr(const std::string& column, const std::string& param) const override {
        return "instr(" + column + ", " + param + ") > 0";
    }
    soci_common::ErrorClass classify(const ::soci::soci_error& error) const override;
    void onConnect(::soci::session& sql) const override;
    void resetStatement(::soci::statement& statement) const override;
    const std::vector<soci_common::Migration>& migrations() const override {
        return sqlite::migrations();
    }
    /// Null for an in-memory database.
    const WalCheckpointer* checkpointer() const { return checkpointer_.get(); }

private:
    std::int64_t busy_timeout_ms_;
    bool in_memory_;
    sdk::Logger& logger_;
    std::unique_ptr<WalCheckpointer> checkpointer_;  // outlives the pool's connections
};

}  // namespace authd::plugins::sqlite
