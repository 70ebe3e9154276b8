// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "authd/sdk/host.hpp"
#include "database.hpp"

namespace authd::plugins::postgresql {

/// The embedded schema migrations (generated from migrations/*.sql).
const std::vector<soci_common::Migration>& migrations();

/// PostgreSQL specifics: SELECT ... FOR UPDATE row locks for single-use operations, an
/// advisory lock around migrations, SQLSTATE-based error classes.
class PostgresqlDialect final : public soci_common::Dialect {
public:
    explicit PostgresqlDialect(sdk::Logger& logger) : logger_(logger) {}

    std::string name() const override { return "postgresql"; }
    std::string beginWrite() const override { return "BEGIN"; }
    std::string beginRead() const override {
        return "START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY";
    }
    std::string lockRows() const override { return " FOR UPDATE"; }
    std::string migrationLock() const override;
    std::string tableExistsQuery() const override {
        return "SELECT COUNT(*) FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_name = :a";
    }
    std::string containsExpr(const std::string& column, const std::string& param) const override {
        return "strpos(" + column + ", " + param + ") > 0";
    }
    soci_common::ErrorClass classify(const ::soci::soci_error& error) const override;
    void onConnect(::soci::session& sql) const override;
    const std::vector<soci_common::Migration>& migrations() const override {
        return postgresql::migrations();
    }

private:
    sdk::Logger& logger_;
};

}  // namespace authd::plugins::postgresql
