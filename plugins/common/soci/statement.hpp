// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <soci/soci.h>

namespace authd::plugins::soci_common {

class Dialect;

/// A SOCI statement with the buffers its parameters and columns are bound to. Later uses put
/// their values into the same buffers, so a statement is bound once and executed many times.
struct Prepared {
    struct Slot {
        bool is_text = false;
        std::string text;
        long long integer = 0;
        ::soci::indicator indicator = ::soci::i_ok;
    };

    Prepared(::soci::session& sql, std::string sql_text, bool cached)
        : text(std::move(sql_text)), repeatable(cached), st(sql) {}

    std::string text;
    bool repeatable;        ///< cached: a named server-side statement on PostgreSQL
    bool prepared = false;
    bool in_use = false;
    bool orphaned = false;  ///< its cache was cleared while it was in use
    // The buffers are declared before the statement, so that they outlive it.
    std::deque<Slot> params;
    std::deque<Slot> columns;
    ::soci::statement st;
};

/// The prepared statements of one pooled connection, keyed by SQL text, least recently used
/// first out. A statement is prepared once (SQLite: sqlite3_prepare_v2; PostgreSQL: a named
/// server-side statement) and reused by later Stmts with the same text on the same
/// connection; after each use it is reset and its bindings cleared (Dialect::resetStatement),
/// so it holds no read snapshot, lock or value into the next use. A statement whose use
/// failed (an exception while executing or fetching) is never reused.
///
/// Threading: one per connection, used only by the thread that leases the connection. The
/// Database makes a connection's cache current for the thread while work runs on it
/// (`Use`); a Stmt on any other session runs uncached.
class StatementCache {
public:
    StatementCache(::soci::session& sql, const Dialect& dialect, std::size_t capacity);
    ~StatementCache();
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    /// The statement for `text`, marked in use; nullptr when that statement is already in use
    /// (the caller then prepares a private one).
    Prepared* acquire(const std::string& text);
    /// Ends a use: resets the statement, or drops it when `reusable` is false.
    void release(Prepared* statement, bool reusable) noexcept;
    /// Finalizes every statement. Required before the connection is closed or reconnected:
    /// a statement outliving its connection refers to a dead backend.
    void clear() noexcept;

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }
    ::soci::session& session() const { return sql_; }

    /// The cache current on this thread when it belongs to `sql`, else nullptr.
    static StatementCache* current(const ::soci::session& sql) noexcept;

    /// Makes `cache` current on this thread for its lifetime (restores the previous one).
    class Use {
    public:
        explicit Use(StatementCache* cache) noexcept;
        ~Use();
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

    private:
        StatementCache* previous_;
    };

private:
    using Entries = std::list<std::unique_ptr<Prepared>>;  // front: most recently used

    void collectRetired() noexcept;

    ::soci::session& sql_;
    const Dialect& dialect_;
    std::size_t capacity_;
    Entries entries_;
    std::unordered_map<std::string, Entries::iterator> index_;
    // Failed statements, finalized at the next acquire: on PostgreSQL, finalizing sends
    // DEALLOCATE, which fails (and would leak the statement) inside an aborted transaction.
    std::vector<std::unique_ptr<Prepared>> retired_;
};

/// One SQL statement with positional parameters (`:a`, `:b`, ... in order of appearance)
/// and output columns bound to caller variables. Inputs are copied, so temporaries are fine.
/// NULL columns read as "" or 0, so callers never see SOCI indicators. Uses the statement
/// cache of its connection when one is current (see StatementCache); a given SQL text must
/// always be bound with the same kinds of parameters and columns in the same order.
/// Throws soci::soci_error; only used inside Database::run, which catches.
class Stmt {
public:
    Stmt(::soci::session& sql, std::string text);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& use(std::string value);
    /// Binds NULL for an empty string (optional unique columns such as users.email).
    Stmt& useNullable(std::string value);
    Stmt& use(std::int64_t value);
    Stmt& use(bool value) { return use(static_cast<std::int64_t>(value ? 1 : 0)); }
    Stmt& use(int value) { return use(static_cast<std::int64_t>(value)); }
    Stmt& use(const char* value) { return use(std::string(value)); }

    Stmt& into(std::string& out);
    Stmt& into(std::int64_t& out);
    Stmt& into(bool& out);

    /// Runs it; true when a first row was fetched into the outputs.
    bool execute();
    /// The next row; false after the last.
    bool fetch();
    /// Rows changed by an INSERT, UPDATE or DELETE.
    std::int64_t affected();

private:
    struct Target {
        std::string* text = nullptr;
        std::int64_t* integer = nullptr;
        bool* flag = nullptr;
    };
    Prepared::Slot& bindParam(bool is_text);  // the slot of the next parameter
    void bindColumn(bool is_text);
    void copyOut();

    StatementCache* cache_ = nullptr;
    Prepared* statement_ = nullptr;      // cached (owned by cache_) or owned_
    std::unique_ptr<Prepared> owned_;
    std::size_t next_param_ = 0;
    std::vector<Target> targets_;
    bool failed_ = false;                // an execute or fetch threw
};

}  // namespace authd::plugins::soci_common
