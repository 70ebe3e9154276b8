// SPDX-License-Identifier: Apache-2.0
// The SQLite plugin's connection pool, through the real authd_sqlite.so on real files: the
// factory opens one connection (which reports a bad path at start-up and runs the
// migrations); the others are opened by the first calls that need them, from any thread,
// and a connection that cannot be opened then is a clear `unavailable` error, not a crash,
// and is retried by the next call.
//
//   sqlite_pool_test -- --plugin=PATH/authd_sqlite.so
#define BOOST_TEST_MODULE sqlite_pool
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <latch>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "storage_plugin.hpp"
#include "test_host.hpp"

namespace authd::sdk {
std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << errorCodeName(code); }
}  // namespace authd::sdk

namespace {

namespace fs = std::filesystem;
namespace sdk = authd::sdk;
using authd::test::StoragePlugin;
using authd::test::TestHost;

constexpr sdk::UnixTime kNow = 1'700'000'000;

std::string pluginPath() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        const std::string arg = suite.argv[i];
        if (arg.rfind("--plugin=", 0) == 0) {
            return arg.substr(9);
        }
    }
    throw std::runtime_error("sqlite_pool_test needs --plugin=PATH/authd_sqlite.so after --");
}

fs::path freshFolder(const std::string& name) {
    static std::atomic<int> counter{0};
    fs::path dir = fs::temp_directory_path() /
                   ("authd-sqlite-pool-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter++) + "-" + name);
    fs::remove_all(dir);
    return dir;
}

/// How many descriptors this process has open on `file` (SQLite opens the database file once
/// per connection).
int descriptorsOn(const fs::path& file) {
    const fs::path target = fs::canonical(file);
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const fs::path points_to = fs::read_symlink(entry.path(), ec);
        if (!ec && points_to == target) {
            ++count;
        }
    }
    return count;
}

struct Fixture {
    Fixture() : plugin(pluginPath()) {}

    sdk::StoragePtr open(const fs::path& db, int pool_size) {
        auto opened = plugin.open(
            {{"path", db.string()}, {"pool_size", std::to_string(pool_size)}}, host);
        BOOST_REQUIRE_MESSAGE(opened, "open: " << (opened ? "" : opened.error().message));
        sdk::StoragePtr store = std::move(opened).value();
        auto migrated = store->migrate();
        BOOST_REQUIRE_MESSAGE(migrated, "migrate: " << (migrated ? "" : migrated.error().message));
        return store;
    }

    StoragePlugin plugin;
    TestHost host{"", kNow};
};

sdk::User userNumbered(int thread, int i) {
    sdk::User user;
    user.id = "user-" + std::to_string(thread) + "-" + std::to_string(i);
    user.email = user.id + "@example.test";
    user.created_at = kNow;
    user.updated_at = kNow;
    return user;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pool, Fixture)

BOOST_AUTO_TEST_CASE(opens_one_connection_at_start_and_more_as_calls_overlap) {
    const fs::path db = freshFolder("grow") / "authd.db";
    sdk::StoragePtr store = open(db, 4);
    BOOST_TEST(descriptorsOn(db) == 1);

    // A call made while a transaction holds the only open connection needs a second one.
    auto nested = store->transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto created = tx.users().create(userNumbered(0, 0)); !created) {
            return created;
        }
        return store->ping();
    });
    BOOST_REQUIRE_MESSAGE(nested, "nested: " << (nested ? "" : nested.error().message));
    BOOST_TEST(descriptorsOn(db) == 2);

    // Many threads at once on the fresh connections: writers, readers and transactions.
    constexpr int kThreads = 8;
    constexpr int kRounds = 40;
    std::latch start(kThreads);
    std::atomic<int> failures{0};
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 1; t <= kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kRounds; ++i) {
                const sdk::User user = userNumbered(t, i);
                sdk::Result<void> step = (i % 3 == 0)
                    ? store->transact([&](sdk::Storage& tx) { return tx.users().create(user); })
                    : store->users().create(user);
                if (step) {
                    auto read = store->users().get(user.id);
                    step = read ? sdk::ok() : sdk::Result<void>(std::move(read).error());
                }
                if (!step) {
                    ++failures;
                    errors[static_cast<std::size_t>(t - 1)] = step.error().message;
                    return;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const auto& error : errors) {
        BOOST_CHECK_MESSAGE(error.empty(), error);
    }
    BOOST_TEST(failures.load() == 0);
    const int open_now = descriptorsOn(db);
    BOOST_TEST(open_now >= 2);
    // At most the pool, plus the WAL checkpointer's own connection once the writes have
    // filled 1,000 WAL pages (see wal_checkpointer.hpp).
    BOOST_TEST(open_now <= 4 + 1);
    for (int t = 1; t <= kThreads; ++t) {
        for (int i = 0; i < kRounds; ++i) {
            BOOST_TEST(static_cast<bool>(store->users().get(userNumbered(t, i).id)));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_connection_that_cannot_be_opened_later_is_a_clear_error_and_is_retried) {
    const fs::path folder = freshFolder("moved");
    const fs::path db = folder / "authd.db";
    sdk::StoragePtr store = open(db, 2);

    // The folder goes away while the server runs: the open connection keeps working, a new
    // one cannot be opened.
    const fs::path moved = folder.string() + "-elsewhere";
    fs::rename(folder, moved);
    sdk::Result<void> second = sdk::ok();
    auto outer = store->transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        second = store->ping();
        return tx.users().create(userNumbered(0, 1));
    });
    BOOST_REQUIRE_MESSAGE(outer, "the open connection: " << (outer ? "" : outer.error().message));
    BOOST_REQUIRE(!second);
    BOOST_TEST(second.error().code == sdk::ErrorCode::unavailable);
    const std::string& message = second.error().message;
    BOOST_TEST_MESSAGE("lazy open failure: " << message);
    BOOST_TEST(message.find("cannot open sqlite database '" + db.string() + "'") !=
               std::string::npos);
    BOOST_TEST(message.find("connection 2 of 2") != std::string::npos);
    BOOST_TEST(host.testLogger().saw("storage.connect_failed"));

    // Once the file is reachable again, the next call that needs the connection opens it.
    fs::rename(moved, folder);
    auto retried = store->transact([&](sdk::Storage&) { return store->ping(); });
    BOOST_CHECK_MESSAGE(retried, "retried: " << (retried ? "" : retried.error().message));
    BOOST_TEST(descriptorsOn(db) == 2);
    BOOST_TEST(static_cast<bool>(store->users().get(userNumbered(0, 1).id)));
}

BOOST_AUTO_TEST_CASE(a_path_that_cannot_be_opened_is_refused_at_start) {
    // A folder where the database file should be.
    const fs::path db = freshFolder("folder") / "authd.db";
    fs::create_directories(db);
    auto opened = plugin.open({{"path", db.string()}, {"pool_size", "4"}}, host);
    BOOST_REQUIRE(!opened);
    BOOST_TEST(opened.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(opened.error().message.find("cannot open sqlite database") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
