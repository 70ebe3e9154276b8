// SPDX-License-Identifier: Apache-2.0
// WAL checkpoints off the commit path, on real SQLite files: connections set up by the dialect
// hand their checkpoints to the checkpointer's thread, which copies the WAL into the database
// file; when that thread cannot work, the committing connection bounds the WAL itself.
#define BOOST_TEST_MODULE sqlite_wal_checkpoint
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "sqlite_dialect.hpp"
#include "sqlite_test_files.hpp"
#include "support/fake_host.hpp"
#include "wal_checkpointer.hpp"

namespace {

namespace fs = std::filesystem;
using authd::plugins::sqlite::SqliteDialect;
using authd::plugins::sqlite::WalCheckpointer;

fs::path tempDatabase() {
    return authd::test::freshDatabase("wal", "wal.db");
}

/// Commits `commits` transactions of one `bytes`-long row each.
void write(::soci::session& sql, int commits, int bytes) {
    for (int i = 0; i < commits; ++i) {
        sql << "INSERT INTO blobs (data) VALUES (randomblob(" + std::to_string(bytes) + "))";
    }
}

std::uintmax_t sizeOf(const fs::path& file) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(file, ec);
    return ec ? 0 : size;
}

template <typename Condition>
bool eventually(Condition condition) {
    for (int i = 0; i < 1000; ++i) {  // 10 s
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

struct Folder {
    fs::path path = tempDatabase();
    ~Folder() {
        std::error_code ignored;
        fs::remove_all(path.parent_path(), ignored);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_dialects_connections_checkpoint_on_the_checkpointer_thread) {
    Folder folder;
    authd::test::RecordingLogger logger;
    SqliteDialect dialect(folder.path.string(), 5000, false, logger);
    BOOST_TEST_REQUIRE(dialect.checkpointer() != nullptr);
    {
        ::soci::session sql(::soci::sqlite3, "db=\"" + folder.path.string() + "\"");
        dialect.onConnect(sql);
        sql << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)";
        const std::uintmax_t before = sizeOf(folder.path);
        // About 1,300 WAL pages: past the checkpoint threshold, far below the inline one.
        write(sql, 600, 8000);
        BOOST_TEST(eventually([&] { return dialect.checkpointer()->checkpointsRun() >= 1; }));
        // Rows reached the database file: the checkpoint copied the first 1,000 pages (some
        // 300 rows) out of the WAL; the rest wait in it for the next one.
        BOOST_TEST(eventually([&] { return sizeOf(folder.path) > before + 250U * 8000U; }));
        int rows = 0;
        sql << "SELECT COUNT(*) FROM blobs", ::soci::into(rows);
        BOOST_TEST(rows == 600);
    }
    BOOST_TEST(!logger.hasEvent("storage.sqlite.checkpoint_failed"));
    BOOST_TEST(!logger.hasEvent("storage.sqlite.checkpointer_failed"));
}

BOOST_AUTO_TEST_CASE(an_in_memory_database_has_no_checkpointer) {
    authd::test::RecordingLogger logger;
    SqliteDialect dialect(":memory:", 5000, true, logger);
    BOOST_TEST(dialect.checkpointer() == nullptr);
}

BOOST_AUTO_TEST_CASE(below_the_threshold_no_thread_is_started_and_nothing_is_checkpointed) {
    Folder folder;
    authd::test::RecordingLogger logger;
    WalCheckpointer checkpointer(folder.path.string(), 5000, logger);
    ::soci::session sql(::soci::sqlite3, "db=\"" + folder.path.string() + "\"");
    sql << "PRAGMA journal_mode = WAL";
    checkpointer.install(static_cast<::soci::sqlite3_session_backend*>(sql.get_backend())->conn_);
    sql << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)";
    const std::uintmax_t before = sizeOf(folder.path);
    write(sql, 100, 8000);  // about 200 pages
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    BOOST_TEST(checkpointer.checkpointsRun() == 0);
    BOOST_TEST(sizeOf(folder.path) == before);  // SQLite's own autocheckpoint is off too
}

BOOST_AUTO_TEST_CASE(when_the_thread_cannot_open_the_file_commits_bound_the_wal) {
    Folder folder;
    authd::test::RecordingLogger logger;
    // The checkpointer's own connection fails (no such folder); the sessions work.
    WalCheckpointer checkpointer((folder.path.parent_path() / "missing" / "wal.db").string(), 5000,
                                 logger);
    ::soci::session sql(::soci::sqlite3, "db=\"" + folder.path.string() + "\"");
    sql << "PRAGMA journal_mode = WAL";
    checkpointer.install(static_cast<::soci::sqlite3_session_backend*>(sql.get_backend())->conn_);
    sql << "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)";
    // Past the inline threshold (16,000 pages of 4 KiB): 80 commits of 1 MB.
    write(sql, 80, 1000 * 1000);
    BOOST_TEST(eventually([&] { return logger.hasEvent("storage.sqlite.checkpointer_failed"); }));
    BOOST_TEST(checkpointer.checkpointsRun() == 0);
    // The inline checkpoint copied the rows into the database file and the WAL restarted.
    BOOST_TEST(sizeOf(folder.path) > 64U * 1000U * 1000U);
    write(sql, 1, 1000);
    BOOST_TEST(sizeOf(fs::path(folder.path.string() + "-wal")) < 80U * 1000U * 1000U);
    int rows = 0;
    sql << "SELECT COUNT(*) FROM blobs", ::soci::into(rows);
    BOOST_TEST(rows == 81);
}
