// SPDX-License-Identifier: Apache-2.0
#include "postgresql_dialect.hpp"

#include <string>

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

namespace authd::plugins::postgresql {

namespace {

// Any constant works as long as every authd node uses the same one.
constexpr const char* kMigrationLockKey = "7335211024";

void forwardNotice(void* arg, const char* message) {
    // libpq prints NOTICEs (e.g. "relation ... already exists, skipping") to stderr by
    // default; route them to the structured log instead.
    auto* logger = static_cast<sdk::Logger*>(arg);
    std::string text = message == nullptr ? std::string() : std::string(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    logger->log(sdk::LogLevel::debug, "storage.postgresql.notice", text);
}

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::string PostgresqlDialect::migrationLock() const {
    return std::string("SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")";
}

soci_common::ErrorClass PostgresqlDialect::classify(const ::soci::soci_error& error) const {
    using sdk::ErrorCode;
    if (const auto* pg_error = dynamic_cast<const ::soci::postgresql_soci_error*>(&error)) {
        const std::string state = pg_error->sqlstate();
        if (state == "23505") {
            return {ErrorCode::conflict, false};
        }
        if (startsWith(state, "23")) {
            return {ErrorCode::invalid_argument, false};  // foreign key, not null, check
        }
        if (state == "40001" || state == "40P01") {
            return {ErrorCode::unavailable, true};  // serialization failure, deadlock
        }
        if (startsWith(state, "08") || startsWith(state, "53") || startsWith(state, "57P")) {
            return {ErrorCode::unavailable, false};  // connection, resources, shutdown
        }
        if (state == "22P02" || state == "22003" || state == "22021") {
            return {ErrorCode::invalid_argument, false};  // bad text, out of range, bad UTF-8
        }
        return {ErrorCode::internal, false};
    }
    const std::string message = error.get_error_message();
    if (message.find("authentication failed") != std::string::npos) {
        return {ErrorCode::invalid_config, false};  // the configured credentials were refused
    }
    for (const char* lost : {"Cannot establish connection", "no connection to the server",
                             "server closed the connection", "could not connect",
                             "connection to server"}) {
        if (message.find(lost) != std::string::npos) {
            return {ErrorCode::unavailable, false};
        }
    }
    return {ErrorCode::internal, false};
}

void PostgresqlDialect::onConnect(::soci::session& sql) const {
    if (sql.get_backend_name() != "postgresql" || sql.get_backend() == nullptr) {
        return;
    }
    // SOCI exposes no typeinfo-safe cast here; the backend name says what it is.
    auto* backend = static_cast<::soci::postgresql_session_backend*>(sql.get_backend());
    if (backend->conn_ != nullptr) {
        PQsetNoticeProcessor(backend->conn_, &forwardNotice, &logger_);
    }
}

}  // namespace authd::plugins::postgresql
