// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"

namespace soci {
class backend_factory;
class connection_pool;
class session;
class soci_error;
class statement;
}  // namespace soci

namespace authd::plugins::soci_common {

/// One schema step, embedded in the plugin from `migrations/NNNN_<what>.sql`.
struct Migration {
    int version = 0;
    std::string name;
    std::string sql;
};

/// How a database error should be reported.
struct ErrorClass {
    sdk::ErrorCode code = sdk::ErrorCode::internal;
    bool retryable = false;  ///< a serialization failure or deadlock: the whole step may rerun
};

/// The few things that differ between SQL backends. Implemented once per plugin.
/// Threading: const methods only, called from any thread.
class Dialect {
public:
    virtual ~Dialect() = default;
    /// Short name used in error messages ("sqlite", "postgresql").
    virtual std::string name() const = 0;
    /// Opens a write transaction. SQLite needs BEGIN IMMEDIATE so that the write lock is
    /// taken up front (a deferred transaction that reads, then writes, can fail with BUSY).
    virtual std::string beginWrite() const = 0;
    /// Opens a read-only transaction whose statements all see one snapshot.
    virtual std::string beginRead() const = 0;
    /// True when the backend admits one writer at a time (SQLite): write transactions of this
    /// process then queue on a mutex instead of in the backend's busy handler, which polls
    /// with sleeps of up to 100 ms and so turns contention into idle time and long tails.
    virtual bool serializeWrites() const { return false; }
    /// Appended to SELECTs that read a row the same transaction will change.
    virtual std::string lockRows() const = 0;
    /// Run first in each migration transaction, to serialise concurrent migrators ("" = none).
    virtual std::string migrationLock() const = 0;
    /// A query with one parameter (a table name) returning how many such tables exist in the
    /// schema the connection uses.
    virtual std::string tableExistsQuery() const = 0;
    /// A boolean SQL expression: `column` contains the string bound to `param`.
    virtual std::string containsExpr(const std::string& column, const std::string& param) const = 0;
    /// Maps a SOCI error raised by this backend.
    virtual ErrorClass classify(const ::soci::soci_error& error) const = 0;
    /// Per-connection set-up (pragmas); also re-run after a reconnect. May throw soci_error.
    virtual void onConnect(::soci::session& sql) const = 0;
    /// Ends one use of a cached prepared statement (see StatementCache): releases whatever the
    /// backend keeps between executions and clears the bound values. SQLite: sqlite3_reset
    /// (an unfinished SELECT otherwise holds its read snapshot) and sqlite3_clear_bindings.
    /// PostgreSQL keeps nothing on the server between executions. May throw.
    virtual void resetStatement(::soci::statement& statement) const { (void)statement; }
    /// Every migration, in ascending version order starting at 1.
    virtual const std::vector<Migration>& migrations() const = 0;
};

/// How to open a pooled connection that was not opened with the pool (see openPool): the
/// backend, its connect string, and how messages name the target (never with a password).
struct Connector {
    const ::soci::backend_factory* factory = nullptr;
    std::string connect_string;
    std::string redacted;
};

/// Opens `sql` (a closed session) with `connector` and sets it up with `dialect.onConnect`.
/// Never throws: a session that opened but could not be set up is closed again, so a later
/// call can retry. Errors read "cannot open <dialect> database <redacted>: <why>" and are
/// unavailable when the database cannot be reached or opened.
sdk::Result<void> openConnection(::soci::session& sql, const Connector& connector,
                                 const Dialect& dialect);

struct DatabaseOptions {
    std::chrono::milliseconds lease_timeout{30000};  ///< wait for a free pooled connection
    int max_attempts = 3;  ///< for retryable errors outside Storage::transact
    std::size_t statement_cache_size = 64;  ///< prepared statements kept per connection
};

class StatementCache;

/// Whether a step needs its own transaction when it runs outside Storage::transact.
enum class Mode : std::uint8_t {
    single,    ///< one statement: autocommit is enough
    snapshot,  ///< several reads that must agree with each other
    atomic,    ///< several statements that must apply together (and see a stable row)
};

/// The connection pool plus the error boundary every store method goes through.
/// Ownership: owns the pool and the dialect. Threading: every method is thread-safe.
class Database {
public:
    using Work = std::function<sdk::Result<void>(::soci::session& sql)>;

    /// `pool` holds `pool_size` sessions, of which the first ones are opened (and set up with
    /// the dialect); the others are opened with `connector` by the first call that leases
    /// them, so a store starts with one connection and grows to `pool_size` only as far as
    /// concurrent calls need.
    Database(std::unique_ptr<Dialect> dialect, std::unique_ptr<::soci::connection_pool> pool,
             std::size_t pool_size, Connector connector, DatabaseOptions options,
             sdk::Clock& clock, sdk::Logger& logger);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const Dialect& dialect() const { return *dialect_; }
    sdk::Clock& clock() { return clock_; }

    /// Runs `work` on `tx` when given (inside Storage::transact, under a savepoint so that a
    /// failed step leaves the transaction usable), else on a pooled connection, in its own
    /// transaction when `mode` is atomic. Converts every exception into an error whose
    /// message starts with `what`.
    sdk::Result<void> run(::soci::session* tx, Mode mode, std::string_view what,
                          const Work& work);

    /// Storage::transact: `work` receives the leased session, inside BEGIN .. COMMIT.
    sdk::Result<void> transact(const std::function<sdk::Result<void>(::soci::session&)>& work);

    sdk::Result<int> migrate();
    sdk::Result<int> schemaVersion();
    int latestSchemaVersion() const;
    sdk::Result<void> ping();

private:
    class Lease;
    /// Leases a connection for `what`, opening it first when it never was (or its opening
    /// failed before): unavailable when none is free within the lease timeout or it cannot
    /// be opened.
    sdk::Result<void> acquire(Lease& lease, std::string_view what);
    sdk::Result<void> guarded(::soci::session& sql, std::string_view what, const Work& work,
                              bool* retryable);
    sdk::Result<void> runPooled(Mode mode, std::string_view what, const Work& work);
    sdk::Result<int> currentVersion(::soci::session& sql);
    void recoverConnection(::soci::session& sql);
    StatementCache* cacheOf(const ::soci::session& sql) const;

    std::unique_ptr<Dialect> dialect_;
    std::unique_ptr<::soci::connection_pool> pool_;
    // After the pool: the statements are finalized before their connections close.
    std::vector<std::unique_ptr<StatementCache>> caches_;  ///< one per pooled connection
    std::unordered_map<const ::soci::session*, StatementCache*> cache_of_;
    std::timed_mutex write_mutex_;  ///< held around write transactions when serializeWrites()
    std::size_t pool_size_;
    Connector connector_;
    DatabaseOptions options_;
    sdk::Clock& clock_;
    sdk::Logger& logger_;
};

/// Where a store runs its statements: the database, and the session of an enclosing
/// Storage::transact (nullptr outside one).
struct Scope {
    Database* db = nullptr;
    ::soci::session* tx = nullptr;

    sdk::Result<void> run(Mode mode, std::string_view what, const Database::Work& work) const {
        return db->run(tx, mode, what, work);
    }

    /// The same for steps that produce a value.
    template <typename T, typename Fn>
    sdk::Result<T> get(Mode mode, std::string_view what, Fn&& fn) const {
        std::optional<T> out;
        sdk::Result<void> status = db->run(tx, mode, what, [&](::soci::session& sql) {
            sdk::Result<T> value = fn(sql);
            if (!value) {
                return sdk::Result<void>(std::move(value).error());
            }
            out.emplace(std::move(value).value());
            return sdk::ok();
        });
        if (!status) {
            return std::move(status).error();
        }
        return std::move(*out);
    }
};

}  // namespace authd::plugins::soci_common
