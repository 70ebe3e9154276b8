// SPDX-License-Identifier: Apache-2.0
#include "database.hpp"

#include <exception>
#include <mutex>
#include <string>
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"

namespace authd::plugins::soci_common {

namespace {

constexpr const char* kSavepoint = "authd_step";

std::string describe(std::string_view what, const ErrorClass& cls, const ::soci::soci_error& error) {
    std::string message(what);
    switch (cls.code) {
    case sdk::ErrorCode::conflict:
        // The database's own text can quote the clashing value (a token hash, an email):
        // keep it out of messages that end up in logs.
        message += ": already exists (a unique value is taken)";
        break;
    case sdk::ErrorCode::invalid_argument:
        message += ": refused by a database constraint (a referenced object may not exist)";
        break;
    default:
        message += ": ";
        message += oneLine(error.get_error_message());
        break;
    }
    return message;
}

// Transaction control on the hot path goes through the statement cache too: on SQLite,
// compiling BEGIN and COMMIT costs as much as compiling a lookup. (ROLLBACK stays uncached:
// it is rare, and runs when the connection may be in a failed state.)
void control(::soci::session& sql, const std::string& text) { Stmt(sql, text).execute(); }

// Runs `work` between `begin` and COMMIT, or ROLLBACK when it fails. `open` is left true when
// an exception escaped with the transaction still open.
sdk::Result<void> inTransaction(::soci::session& sql, const std::string& begin,
                                const Database::Work& work, bool& open) {
    control(sql, begin);
    open = true;
    sdk::Result<void> inner = work(sql);
    if (inner) {
        control(sql, "COMMIT");
    } else {
        sql << "ROLLBACK";
    }
    open = false;
    return inner;
}

// A session that opened but failed its set-up goes back to closed, so that it is opened
// afresh (and set up completely) by the next lease.
void closeQuietly(::soci::session& sql) noexcept {
    try {
        sql.close();
    } catch (...) {
        // Already closed, or the backend failed closing: either way it is not used as is.
    }
}

void rollbackQuietly(::soci::session& sql) {
    try {
        sql << "ROLLBACK";
    } catch (...) {
        // Nothing to undo (the failure ended the transaction, or the connection is gone).
    }
}

}  // namespace

sdk::Result<void> openConnection(::soci::session& sql, const Connector& connector,
                                 const Dialect& dialect) {
    const std::string target = "cannot open " + dialect.name() + " database " + connector.redacted;
    try {
        sql.open(*connector.factory, connector.connect_string);
        dialect.onConnect(sql);
        return sdk::ok();
    } catch (const ::soci::soci_error& error) {
        ErrorClass cls = dialect.classify(error);
        std::string message = target + ": " + oneLine(error.get_error_message());
        closeQuietly(sql);
        return sdk::makeError(cls.code, std::move(message));
    } catch (const std::exception& error) {
        closeQuietly(sql);
        return sdk::makeError(sdk::ErrorCode::internal, target + ": " + error.what());
    } catch (...) {
        closeQuietly(sql);
        return sdk::makeError(sdk::ErrorCode::internal, target);
    }
}

class Database::Lease {
public:
    Lease(::soci::connection_pool& pool, std::chrono::milliseconds timeout) : pool_(pool) {
        try {
            leased_ = pool_.try_lease(pos_, static_cast<int>(timeout.count()));
        } catch (...) {
            leased_ = false;
        }
    }
    ~Lease() {
        if (leased_) {
            pool_.give_back(pos_);
        }
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    bool leased() const { return leased_; }
    std::size_t position() const { return pos_; }
    ::soci::session& session() { return pool_.at(pos_); }

private:
    ::soci::connection_pool& pool_;
    std::size_t pos_ = 0;
    bool leased_ = false;
};

Database::Database(std::unique_ptr<Dialect> dialect, std::unique_ptr<::soci::connection_pool> pool,
                   std::size_t pool_size, Connector connector, DatabaseOptions options,
                   sdk::Clock& clock, sdk::Logger& logger)
    : dialect_(std::move(dialect)),
      pool_(std::move(pool)),
      pool_size_(pool_size),
      connector_(std::move(connector)),
      options_(options),
      clock_(clock),
      logger_(logger) {
    for (std::size_t i = 0; i < pool_size_; ++i) {
        ::soci::session& sql = pool_->at(i);
        caches_.push_back(
            std::make_unique<StatementCache>(sql, *dialect_, options_.statement_cache_size));
        cache_of_.emplace(&sql, caches_.back().get());
    }
}

Database::~Database() = default;

StatementCache* Database::cacheOf(const ::soci::session& sql) const {
    auto found = cache_of_.find(&sql);
    return found == cache_of_.end() ? nullptr : found->second;
}

sdk::Result<void> Database::acquire(Lease& lease, std::string_view what) {
    if (!lease.leased()) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string(what) + ": no free " + dialect_->name() +
                                  " connection within " +
                                  std::to_string(options_.lease_timeout.count()) +
                                  " ms (pool_size " + std::to_string(pool_size_) + ")");
    }
    ::soci::session& sql = lease.session();
    if (sql.get_backend() != nullptr) {
        return sdk::ok();
    }
    // Never opened (or its opening failed before). The lease makes this thread the only one
    // using the slot, so no lock is needed; the slot's statement cache is empty.
    sdk::Result<void> opened = openConnection(sql, connector_, *dialect_);
    if (!opened) {
        const std::string slot = "connection " + std::to_string(lease.position() + 1) + " of " +
                                 std::to_string(pool_size_);
        logger_.log(sdk::LogLevel::error, "storage.connect_failed",
                    "a pooled " + dialect_->name() + " connection could not be opened on first use",
                    {{"connection", slot}, {"error", opened.error().message}});
        return sdk::makeError(opened.error().code, std::string(what) + ": " +
                                                       opened.error().message + " (" + slot +
                                                       ", opened on first use)");
    }
    return sdk::ok();
}

void Database::recoverConnection(::soci::session& sql) {
    // Prepared statements belong to the old connection: finalize them before it goes.
    if (StatementCache* cache = cacheOf(sql)) {
        cache->clear();
    }
    try {
        sql.reconnect();
        dialect_->onConnect(sql);
        logger_.log(sdk::LogLevel::warning, "storage.reconnected",
                    "a " + dialect_->name() + " connection was lost and has been reopened");
    } catch (const std::exception& error) {
        logger_.log(sdk::LogLevel::error, "storage.reconnect_failed",
                    "a " + dialect_->name() + " connection was lost and could not be reopened",
                    {{"error", error.what()}});
    } catch (...) {
        logger_.log(sdk::LogLevel::error, "storage.reconnect_failed",
                    "a " + dialect_->name() + " connection was lost and could not be reopened");
    }
}

sdk::Result<void> Database::guarded(::soci::session& sql, std::string_view what, const Work& work,
                                    bool* retryable) {
    StatementCache::Use statements(cacheOf(sql));
    try {
        return work(sql);
    } catch (const ::soci::soci_error& error) {
        ErrorClass cls = dialect_->classify(error);
        if (retryable != nullptr) {
            *retryable = cls.retryable;
        }
        std::string message = describe(what, cls, error);
        bool check_link =
            cls.code == sdk::ErrorCode::internal || cls.code == sdk::ErrorCode::unavailable;
        if (check_link && !sql.is_connected()) {
            recoverConnection(sql);
            cls.code = sdk::ErrorCode::unavailable;
        }
        return sdk::makeError(cls.code, std::move(message));
    } catch (const std::exception& error) {
        return sdk::makeError(sdk::ErrorCode::internal, std::string(what) + ": " + error.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string(what) + ": unknown exception in the storage plugin");
    }
}

sdk::Result<void> Database::run(::soci::session* tx, Mode mode, std::string_view what,
                                const Work& work) {
    if (tx == nullptr) {
        return runPooled(mode, what, work);
    }
    // Inside Storage::transact every step gets a savepoint: on PostgreSQL a failed statement
    // would otherwise poison the whole transaction, and on both backends a failed multi-statement
    // step must leave no half-applied changes behind.
    sdk::Result<void> opened = guarded(*tx, what, [](::soci::session& sql) {
        control(sql, std::string("SAVEPOINT ") + kSavepoint);
        return sdk::ok();
    }, nullptr);
    if (!opened) {
        return opened;
    }
    sdk::Result<void> result = guarded(*tx, what, work, nullptr);
    sdk::Result<void> closed = guarded(*tx, what, [&](::soci::session& sql) {
        if (!result) {
            sql << "ROLLBACK TO SAVEPOINT " << kSavepoint;
        }
        control(sql, std::string("RELEASE SAVEPOINT ") + kSavepoint);
        return sdk::ok();
    }, nullptr);
    if (!result) {
        return result;
    }
    return closed;
}

sdk::Result<void> Database::runPooled(Mode mode, std::string_view what, const Work& work) {
    std::unique_lock<std::timed_mutex> writer(write_mutex_, std::defer_lock);
    if (mode == Mode::atomic && dialect_->serializeWrites() &&
        !writer.try_lock_for(options_.lease_timeout)) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string(what) + ": another write did not finish within " +
                                  std::to_string(options_.lease_timeout.count()) + " ms");
    }
    Lease lease(*pool_, options_.lease_timeout);
    if (auto ready = acquire(lease, what); !ready) {
        return ready;
    }
    ::soci::session& sql = lease.session();
    for (int attempt = 1;; ++attempt) {
        bool retryable = false;
        sdk::Result<void> result;
        if (mode == Mode::single) {
            result = guarded(sql, what, work, &retryable);
        } else {
            bool open = false;
            const std::string begin =
                mode == Mode::atomic ? dialect_->beginWrite() : dialect_->beginRead();
            result = guarded(sql, what, [&](::soci::session& s) {
                return inTransaction(s, begin, work, open);
            }, &retryable);
            if (open) {
                rollbackQuietly(sql);
            }
        }
        if (result || !retryable || attempt >= options_.max_attempts) {
            return result;
        }
    }
}

sdk::Result<void> Database::transact(
    const std::function<sdk::Result<void>(::soci::session&)>& work) {
    std::unique_lock<std::timed_mutex> writer(write_mutex_, std::defer_lock);
    if (dialect_->serializeWrites() && !writer.try_lock_for(options_.lease_timeout)) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "transaction: another write did not finish within " +
                                  std::to_string(options_.lease_timeout.count()) + " ms");
    }
    Lease lease(*pool_, options_.lease_timeout);
    if (auto ready = acquire(lease, "transaction"); !ready) {
        return ready;
    }
    ::soci::session& sql = lease.session();
    bool open = false;
    sdk::Result<void> result = guarded(sql, "transaction", [&](::soci::session& s) {
        return inTransaction(s, dialect_->beginWrite(), work, open);
    }, nullptr);
    if (open) {
        rollbackQuietly(sql);
    }
    return result;
}

sdk::Result<int> Database::currentVersion(::soci::session& sql) {
    std::int64_t tables = 0;
    Stmt exists(sql, dialect_->tableExistsQuery());
    exists.use("schema_migrations").into(tables);
    exists.execute();
    if (tables == 0) {
        return 0;
    }
    std::int64_t version = 0;
    Stmt current(sql, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    current.into(version);
    current.execute();
    return static_cast<int>(version);
}

int Database::latestSchemaVersion() const {
    const auto& all = dialect_->migrations();
    return all.empty() ? 0 : all.back().version;
}

sdk::Result<int> Database::migrate() {
    Lease lease(*pool_, options_.lease_timeout);
    if (auto ready = acquire(lease, "migrate"); !ready) {
        return std::move(ready).error();
    }
    ::soci::session& sql = lease.session();
    const int latest = latestSchemaVersion();
    auto tooNew = [&](int found) {
        return sdk::makeError(
            sdk::ErrorCode::unsupported,
            "the database schema is at version " + std::to_string(found) + ", newer than the " +
                std::to_string(latest) + " this " + dialect_->name() +
                " plugin knows: upgrade authd before using this database (nothing was changed)");
    };

    bool open = false;
    sdk::Result<void> prepared = guarded(sql, "migrate", [&](::soci::session& s) {
        s << dialect_->beginWrite();
        open = true;
        std::string lock = dialect_->migrationLock();
        if (!lock.empty()) {
            s << lock;
        }
        s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
             "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";
        s << "COMMIT";
        open = false;
        return sdk::ok();
    }, nullptr);
    if (open) {
        rollbackQuietly(sql);
    }
    if (!prepared) {
        return std::move(prepared).error();
    }

    for (const Migration& step : dialect_->migrations()) {
        std::string what = "migration " + std::to_string(step.version) + " (" + step.name + ")";
        open = false;
        int found = 0;
        sdk::Result<void> applied = guarded(sql, what, [&](::soci::session& s) -> sdk::Result<void> {
            s << dialect_->beginWrite();
            open = true;
            std::string lock = dialect_->migrationLock();
            if (!lock.empty()) {
                s << lock;
            }
            sdk::Result<int> current = currentVersion(s);
            if (!current) {
                return std::move(current).error();
            }
            found = *current;
            if (found >= step.version) {
                s << "ROLLBACK";
                open = false;
                return sdk::ok();
            }
            if (found != step.version - 1) {
                return sdk::makeError(sdk::ErrorCode::internal,
                                      "schema is at version " + std::to_string(found) +
                                          ", expected " + std::to_string(step.version - 1));
            }
            for (const std::string& statement : splitSqlScript(step.sql)) {
                s << statement;
            }
            Stmt record(s, "INSERT INTO schema_migrations (version, applied_at) VALUES (:a, :b)");
            record.use(step.version).use(clock_.now());
            record.execute();
            s << "COMMIT";
            open = false;
            logger_.log(sdk::LogLevel::info, "storage.migrated",
                        "applied " + dialect_->name() + " schema migration",
                        {{"version", std::to_string(step.version)}, {"name", step.name}});
            return sdk::ok();
        }, nullptr);
        if (open) {
            rollbackQuietly(sql);
        }
        if (!applied) {
            return std::move(applied).error();
        }
        if (found > latest) {
            return tooNew(found);
        }
    }

    // On the connection already held: a pool of one has no other to lease.
    int reached = 0;
    sdk::Result<void> read = guarded(sql, "migrate", [&](::soci::session& s) -> sdk::Result<void> {
        sdk::Result<int> current = currentVersion(s);
        if (!current) {
            return std::move(current).error();
        }
        reached = *current;
        return sdk::ok();
    }, nullptr);
    if (!read) {
        return std::move(read).error();
    }
    if (reached > latest) {
        return tooNew(reached);
    }
    return reached;
}

sdk::Result<int> Database::schemaVersion() {
    Lease lease(*pool_, options_.lease_timeout);
    if (auto ready = acquire(lease, "schema version"); !ready) {
        return std::move(ready).error();
    }
    int version = 0;
    sdk::Result<void> read = guarded(lease.session(), "schema version",
                                     [&](::soci::session& s) -> sdk::Result<void> {
        sdk::Result<int> current = currentVersion(s);
        if (!current) {
            return std::move(current).error();
        }
        version = *current;
        return sdk::ok();
    }, nullptr);
    if (!read) {
        return std::move(read).error();
    }
    return version;
}

sdk::Result<void> Database::ping() {
    return runPooled(Mode::single, "ping", [](::soci::session& s) {
        int one = 0;
        s << "SELECT 1", ::soci::into(one);
        if (one != 1) {
            return sdk::Result<void>(
                sdk::makeError(sdk::ErrorCode::internal, "ping: unexpected answer"));
        }
        return sdk::ok();
    });
}

}  // namespace authd::plugins::soci_common
