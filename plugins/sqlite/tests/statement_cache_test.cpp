// SPDX-License-Identifier: Apache-2.0
// The per-connection prepared-statement cache of plugins/common/soci, on real SQLite files:
// statements are reused, bounded, reset after every use (no read snapshot survives a use), and
// never reused after a failed use.
#define BOOST_TEST_MODULE sqlite_statement_cache
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "sqlite_dialect.hpp"
#include "sqlite_test_files.hpp"
#include "statement.hpp"
#include "support/fake_host.hpp"

namespace {

namespace fs = std::filesystem;
using authd::plugins::soci_common::Stmt;
using authd::plugins::soci_common::StatementCache;

fs::path tempDatabase() {
    return authd::test::freshDatabase("stmt-cache", "cache.db");
}

/// Statements of `sql` that are still stepping (holding a read transaction).
int busyStatements(::soci::session& sql) {
    auto* backend = static_cast<::soci::sqlite3_session_backend*>(sql.get_backend());
    int busy = 0;
    for (sqlite_api::sqlite3_stmt* st = sqlite_api::sqlite3_next_stmt(backend->conn_, nullptr);
         st != nullptr; st = sqlite_api::sqlite3_next_stmt(backend->conn_, st)) {
        busy += sqlite_api::sqlite3_stmt_busy(st) != 0 ? 1 : 0;
    }
    return busy;
}

int openStatements(::soci::session& sql) {
    auto* backend = static_cast<::soci::sqlite3_session_backend*>(sql.get_backend());
    int open = 0;
    for (sqlite_api::sqlite3_stmt* st = sqlite_api::sqlite3_next_stmt(backend->conn_, nullptr);
         st != nullptr; st = sqlite_api::sqlite3_next_stmt(backend->conn_, st)) {
        ++open;
    }
    return open;
}

struct Fixture {
    Fixture()
        : path(tempDatabase()),
          dialect(path.string(), 5000, false, logger),
          reader(::soci::sqlite3, "db=\"" + path.string() + "\""),
          writer(::soci::sqlite3, "db=\"" + path.string() + "\"") {
        dialect.onConnect(reader);
        dialect.onConnect(writer);
        writer << "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                  "note TEXT)";
        writer << "INSERT INTO items (id, name, note) VALUES (1, 'one', 'first'), "
                  "(2, 'two', NULL), (3, 'three', 'third')";
    }
    ~Fixture() {
        std::error_code ignored;
        fs::remove_all(path.parent_path(), ignored);
    }

    std::string nameOf(::soci::session& sql, std::int64_t id) {
        std::string name;
        Stmt st(sql, "SELECT name FROM items WHERE id = :a");
        st.into(name).use(id);
        BOOST_REQUIRE(st.execute());
        return name;
    }

    fs::path path;
    authd::test::RecordingLogger logger;
    authd::plugins::sqlite::SqliteDialect dialect;
    ::soci::session reader;
    ::soci::session writer;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(statement_cache, Fixture)

BOOST_AUTO_TEST_CASE(one_statement_per_text_reused_with_new_values) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    BOOST_TEST(nameOf(reader, 1) == "one");
    BOOST_TEST(nameOf(reader, 3) == "three");
    BOOST_TEST(nameOf(reader, 2) == "two");
    BOOST_TEST(cache.size() == 1U);
    BOOST_TEST(openStatements(reader) == 1);

    // NULL columns read as "" and 0 also when reused; a missing row is false.
    for (int round = 0; round < 2; ++round) {
        std::string note = "stale";
        std::int64_t id = 0;
        Stmt st(reader, "SELECT note, id FROM items WHERE name = :a");
        st.into(note).into(id).use(round == 0 ? "two" : "one");
        BOOST_REQUIRE(st.execute());
        BOOST_TEST(note == (round == 0 ? "" : "first"));
        BOOST_TEST(id == (round == 0 ? 2 : 1));
    }
    std::string missing;
    Stmt none(reader, "SELECT name FROM items WHERE id = :a");
    none.into(missing).use(std::int64_t{42});
    BOOST_TEST(!none.execute());
}

BOOST_AUTO_TEST_CASE(no_read_snapshot_survives_a_use) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    {
        // Reads the first of three rows only: the statement is left mid-way by the caller.
        std::string name;
        Stmt st(reader, "SELECT name FROM items ORDER BY id");
        st.into(name);
        BOOST_REQUIRE(st.execute());
        BOOST_TEST(name == "one");
        BOOST_TEST(busyStatements(reader) == 1);
    }
    BOOST_TEST(busyStatements(reader) == 0);
    // Another connection commits a change; this connection's next read must see it.
    writer << "UPDATE items SET name = 'uno' WHERE id = 1";
    BOOST_TEST(nameOf(reader, 1) == "uno");
    BOOST_TEST(busyStatements(reader) == 0);
}

BOOST_AUTO_TEST_CASE(bounded_least_recently_used_first_out) {
    StatementCache cache(reader, dialect, 3);
    StatementCache::Use use(&cache);
    for (int i = 0; i < 10; ++i) {
        std::int64_t value = 0;
        Stmt st(reader, "SELECT " + std::to_string(i) + " + :a");
        st.into(value).use(std::int64_t{1});
        BOOST_REQUIRE(st.execute());
        BOOST_TEST(value == i + 1);
    }
    BOOST_TEST(cache.size() == 3U);
    BOOST_TEST(openStatements(reader) == 3);
}

BOOST_AUTO_TEST_CASE(a_failed_use_is_not_reused_and_the_next_use_works) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    const std::string insert = "INSERT INTO items (id, name, note) VALUES (:a, :b, :c)";
    {
        Stmt st(reader, insert);
        st.use(std::int64_t{10}).use("ten").use("x");
        st.execute();
    }
    BOOST_TEST(cache.size() == 1U);
    {
        Stmt st(reader, insert);
        st.use(std::int64_t{11}).use("ten").use("taken");  // UNIQUE(name)
        BOOST_CHECK_THROW(st.execute(), ::soci::soci_error);
    }
    BOOST_TEST(cache.size() == 0U);
    {
        Stmt st(reader, insert);
        st.use(std::int64_t{11}).use("eleven").useNullable("");
        st.execute();
        BOOST_TEST(st.affected() == 1);
    }
    BOOST_TEST(cache.size() == 1U);
    BOOST_TEST(busyStatements(reader) == 0);
    std::string note = "stale";
    Stmt check(reader, "SELECT note FROM items WHERE id = :a");
    check.into(note).use(std::int64_t{11});
    BOOST_REQUIRE(check.execute());
    BOOST_TEST(note.empty());  // bound as NULL
}

BOOST_AUTO_TEST_CASE(an_exception_mid_use_leaves_no_busy_statement) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    try {
        std::string name;
        Stmt st(reader, "SELECT name FROM items ORDER BY id");
        st.into(name);
        BOOST_REQUIRE(st.execute());
        throw std::runtime_error("the caller gave up mid-way");
    } catch (const std::runtime_error&) {
    }
    BOOST_TEST(busyStatements(reader) == 0);
    writer << "UPDATE items SET name = 'deux' WHERE id = 2";
    BOOST_TEST(nameOf(reader, 2) == "deux");
}

BOOST_AUTO_TEST_CASE(binding_a_text_differently_is_refused) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    BOOST_TEST(nameOf(reader, 1) == "one");
    std::string name;
    Stmt st(reader, "SELECT name FROM items WHERE id = :a");
    st.into(name);
    BOOST_CHECK_THROW(st.use("1"), std::logic_error);
}

BOOST_AUTO_TEST_CASE(the_same_text_twice_at_once_runs_the_second_uncached) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    std::string outer;
    Stmt first(reader, "SELECT name FROM items WHERE id = :a");
    first.into(outer).use(std::int64_t{1});
    BOOST_REQUIRE(first.execute());
    BOOST_TEST(nameOf(reader, 3) == "three");
    BOOST_TEST(outer == "one");
    BOOST_TEST(cache.size() == 1U);
}

BOOST_AUTO_TEST_CASE(only_the_current_connection_uses_the_cache) {
    StatementCache cache(reader, dialect, 8);
    {
        StatementCache::Use use(&cache);
        BOOST_TEST(StatementCache::current(reader) == &cache);
        BOOST_TEST(StatementCache::current(writer) == nullptr);
        BOOST_TEST(nameOf(writer, 1) == "one");  // another connection: uncached
        BOOST_TEST(cache.size() == 0U);
    }
    BOOST_TEST(StatementCache::current(reader) == nullptr);
    BOOST_TEST(nameOf(reader, 1) == "one");  // no cache current: uncached
    BOOST_TEST(cache.size() == 0U);
    BOOST_TEST(openStatements(reader) == 0);
}

BOOST_AUTO_TEST_CASE(clear_finalizes_every_statement) {
    StatementCache cache(reader, dialect, 8);
    StatementCache::Use use(&cache);
    BOOST_TEST(nameOf(reader, 1) == "one");
    BOOST_TEST(openStatements(reader) == 1);
    cache.clear();
    BOOST_TEST(cache.size() == 0U);
    BOOST_TEST(openStatements(reader) == 0);
    BOOST_TEST(nameOf(reader, 1) == "one");
}

BOOST_AUTO_TEST_SUITE_END()
