// SPDX-License-Identifier: Apache-2.0
// The storage contract: every behaviour authd/sdk/storage.hpp promises, run against one
// storage plugin loaded by path (see contract_env.hpp for the command line). CTest runs it
// once per shipped backend.
#define BOOST_TEST_MODULE storage_contract
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract_env.hpp"

extern char** environ;

// Printable for Boost.Test messages (found by ADL).
namespace authd::sdk {
std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << errorCodeName(code); }
std::ostream& operator<<(std::ostream& out, RotateStatus status) {
    switch (status) {
    case RotateStatus::rotated: return out << "rotated";
    case RotateStatus::grace_replay: return out << "grace_replay";
    case RotateStatus::reuse_detected: return out << "reuse_detected";
    case RotateStatus::not_found: return out << "not_found";
    case RotateStatus::expired: return out << "expired";
    case RotateStatus::revoked: return out << "revoked";
    case RotateStatus::wrong_client: return out << "wrong_client";
    }
    return out << "unknown";
}
}  // namespace authd::sdk

namespace {

using authd::sdk::ErrorCode;
using authd::test::Config;
using authd::test::ContractEnv;
namespace sdk = authd::sdk;

constexpr sdk::UnixTime kNow = 1'700'000'000;
constexpr int kRacers = 8;

struct GlobalSetup {
    GlobalSetup() {
        auto& suite = boost::unit_test::framework::master_test_suite();
        ContractEnv::get().setUp(suite.argc, suite.argv);
        BOOST_TEST_MESSAGE("storage contract against plugin '"
                           << ContractEnv::get().pluginName() << "' ("
                           << ContractEnv::get().pluginPath() << ")");
    }
    ~GlobalSetup() { ContractEnv::get().tearDown(); }
    GlobalSetup(const GlobalSetup&) = delete;
    GlobalSetup& operator=(const GlobalSetup&) = delete;
};

ContractEnv& env() { return ContractEnv::get(); }
sdk::Storage& store() { return env().store(); }
std::string uid(const std::string& prefix) { return env().uid(prefix); }
std::string hashOf(const std::string& prefix) {
    return env().host().crypto().sha256Hex(uid(prefix));
}

template <typename T>
std::string describe(const sdk::Result<T>& result) {
    if (result.has_value()) {
        return "ok";
    }
    return std::string(sdk::errorCodeName(result.error().code)) + ": " + result.error().message;
}

template <typename T>
bool failsWith(const sdk::Result<T>& result, ErrorCode code) {
    return !result.has_value() && result.error().code == code;
}

#define REQUIRE_OK(expr)                                                                   \
    do {                                                                                   \
        auto require_ok_result = (expr);                                                   \
        BOOST_REQUIRE_MESSAGE(require_ok_result.has_value(),                               \
                              #expr " failed: " << describe(require_ok_result));           \
    } while (false)

#define CHECK_FAILS(expr, code)                                                            \
    do {                                                                                   \
        auto check_fails_result = (expr);                                                  \
        BOOST_CHECK_MESSAGE(failsWith(check_fails_result, code),                           \
                            #expr " should fail with " << sdk::errorCodeName(code)         \
                                                       << ", got " << describe(check_fails_result)); \
    } while (false)

template <typename T>
T value(sdk::Result<T> result, const char* what) {
    BOOST_REQUIRE_MESSAGE(result.has_value(), what << " failed: " << describe(result));
    return std::move(result).value();
}

sdk::User newUser(const std::string& email = {}) {
    sdk::User user;
    user.id = uid("user");
    user.email = email.empty() ? user.id + "@example.test" : email;
    user.name = "Test User";
    user.created_at = kNow;
    user.updated_at = kNow;
    REQUIRE_OK(store().users().create(user));
    return user;
}

sdk::Project sampleProject(const std::string& owner = {}) {
    sdk::Project project;
    project.client_id = uid("proj");
    project.name = "Sample";
    project.owner_id = owner;
    project.redirect_uris = {"https://app.example/cb", "http://127.0.0.1:9000/cb"};
    project.grant_types = {"authorization_code", "refresh_token"};
    project.created_at = kNow;
    project.updated_at = kNow;
    return project;
}

sdk::Project newProject(const std::string& owner = {}) {
    sdk::Project project = sampleProject(owner);
    REQUIRE_OK(store().projects().create(project));
    return project;
}

sdk::Session newSession(const std::string& user_id, sdk::UnixTime created_at = kNow,
                        sdk::UnixTime expires_at = kNow + 3600) {
    sdk::Session session;
    session.id = uid("sess");
    session.token_hash = hashOf("cookie");
    session.user_id = user_id;
    session.created_at = created_at;
    session.auth_time = created_at;
    session.expires_at = expires_at;
    session.amr = {"pwd"};
    session.client_address = "127.0.0.1";
    session.user_agent = "contract-test";
    REQUIRE_OK(store().sessions().create(session));
    return session;
}

sdk::AuthorizationCode newCode(const std::string& client_id, const std::string& user_id,
                               const std::string& session_id, sdk::UnixTime expires_at = kNow + 60) {
    sdk::AuthorizationCode code;
    code.code_hash = hashOf("code");
    code.client_id = client_id;
    code.user_id = user_id;
    code.session_id = session_id;
    code.redirect_uri = "https://app.example/cb";
    code.scope = "openid email";
    code.nonce = "n-0S6_WzA2Mj";
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.code_challenge_method = "S256";
    code.claims = R"({"id_token":{"email":null}})";
    code.amr = {"pwd", "otp"};
    code.auth_time = kNow - 5;
    code.created_at = kNow;
    code.expires_at = expires_at;
    REQUIRE_OK(store().codes().create(code));
    return code;
}

struct FamilyAndToken {
    sdk::RefreshFamily family;
    sdk::RefreshToken token;
};

FamilyAndToken newFamily(const std::string& client_id, const std::string& user_id,
                         const std::string& session_id, const std::string& origin = {},
                         sdk::UnixTime expires_at = kNow + 86400) {
    FamilyAndToken out;
    out.family.id = uid("fam");
    out.family.client_id = client_id;
    out.family.user_id = user_id;
    out.family.session_id = session_id;
    out.family.origin_code_hash = origin;
    out.family.scope = "openid offline_access";
    out.family.amr = {"pwd"};
    out.family.auth_time = kNow - 5;
    out.family.created_at = kNow;
    out.family.expires_at = expires_at;
    out.token.token_hash = hashOf("rt");
    out.token.family_id = out.family.id;
    out.token.created_at = kNow;
    out.token.expires_at = kNow + 3600;
    REQUIRE_OK(store().refresh().createFamily(out.family, out.token));
    return out;
}

sdk::RefreshToken successorOf(const FamilyAndToken& base, sdk::UnixTime created_at = kNow) {
    sdk::RefreshToken next;
    next.token_hash = hashOf("rt");
    next.family_id = base.family.id;
    next.created_at = created_at;
    next.expires_at = created_at + 3600;
    return next;
}

// Boost.Test assertions are not thread-safe: racers record surprises here, and the test
// reports them after joining.
class Notes {
public:
    void add(std::string note) {
        std::lock_guard<std::mutex> lock(mutex_);
        notes_.push_back(std::move(note));
    }
    void report() const {
        for (const std::string& note : notes_) {
            BOOST_TEST_MESSAGE("racer: " << note);
        }
    }

private:
    std::mutex mutex_;
    std::vector<std::string> notes_;
};

// Runs `body(i)` on kRacers threads released together.
template <typename Body>
void race(Body body) {
    std::latch start(kRacers);
    std::vector<std::thread> threads;
    threads.reserve(kRacers);
    for (int i = 0; i < kRacers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            body(i);
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(GlobalSetup);

// ============================================================================ schema

BOOST_AUTO_TEST_SUITE(schema)

BOOST_AUTO_TEST_CASE(migrate_brings_an_empty_database_to_the_latest_version) {
    int latest = store().latestSchemaVersion();
    BOOST_TEST(latest >= 1);
    BOOST_TEST(env().versionBeforeMigrate() == 0);
    BOOST_TEST(env().firstMigrate() == latest);
    BOOST_TEST(value(store().schemaVersion(), "schemaVersion") == latest);
}

BOOST_AUTO_TEST_CASE(migrate_is_idempotent) {
    BOOST_TEST(env().secondMigrate() == store().latestSchemaVersion());
    BOOST_TEST(value(store().migrate(), "third migrate") == store().latestSchemaVersion());
    BOOST_TEST(value(store().schemaVersion(), "schemaVersion") == store().latestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(reopening_a_migrated_database_keeps_its_data) {
    sdk::User user = newUser();
    auto reopened = value(env().plugin().open(env().mainConfig(), env().host()), "reopen");
    BOOST_TEST(value(reopened->schemaVersion(), "schemaVersion") == store().latestSchemaVersion());
    BOOST_TEST(value(reopened->migrate(), "migrate") == store().latestSchemaVersion());
    BOOST_TEST(value(reopened->users().get(user.id), "get").email == user.email);
}

BOOST_AUTO_TEST_CASE(refuses_a_database_newer_than_the_plugin) {
    Config config = env().freshConfig();
    auto fresh = value(env().plugin().open(config, env().host()), "open fresh");
    BOOST_TEST(value(fresh->schemaVersion(), "schemaVersion") == 0);
    int latest = value(fresh->migrate(), "migrate");
    env().rawExec(config, "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                              std::to_string(latest + 7) + ", 0)");
    BOOST_TEST(value(fresh->schemaVersion(), "schemaVersion") == latest + 7);
    auto refused = fresh->migrate();
    BOOST_REQUIRE(!refused.has_value());
    BOOST_TEST(refused.error().code == ErrorCode::unsupported);
    BOOST_TEST_MESSAGE("newer-schema message: " << refused.error().message);
    BOOST_TEST(refused.error().message.find("newer") != std::string::npos);
    BOOST_TEST(refused.error().message.find(std::to_string(latest + 7)) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ping_reaches_the_database) { REQUIRE_OK(store().ping()); }

BOOST_AUTO_TEST_CASE(factory_logs_the_open_without_touching_late_host_services) {
    // TestHost throws from storage()/rateLimiter()/mailer(): opening worked, so none was used.
    BOOST_TEST(env().host().testLogger().saw("storage.opened"));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ config

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(rejects_bad_config_with_invalid_config) {
    std::vector<Config> bad;
    if (env().isSqlite()) {
        std::string dir = env().tempDir() + "/" + uid("cfg");
        bad = {
            {{"path", ""}},
            {{"path", ":memory:"}, {"pool_size", "4"}},
            {{"path", dir + "/a\"b.db"}},
            {{"path", dir + "/x.db"}, {"pool_size", "0"}},
            {{"path", dir + "/x.db"}, {"pool_size", "65"}},
            {{"path", dir + "/x.db"}, {"busy_timeout", "0s"}},
        };
    } else if (env().isPostgresql()) {
        std::string dsn = env().mainConfig().at("dsn");
        bad = {
            {{"dsn", "postgresql://postgres@127.0.0.1:5432/authd"}},
            {{"dsn", "postgres://127.0.0.1/authd"}},
            {{"dsn", ""}},
            {{"dsn", "host=127.0.0.1 port"}},
            {{"dsn", "host='127.0.0.1"}},
            {{"dsn", "host=127.0.0.1 password=a"}, {"password", "b"}},
            {{"dsn", dsn}, {"password", "two  spaces"}},
            {{"dsn", dsn}, {"pool_size", "0"}},
        };
    }
    BOOST_REQUIRE_MESSAGE(!bad.empty(), "no bad-config table for plugin " << env().pluginName());
    for (const Config& config : bad) {
        auto opened = env().plugin().open(config, env().host());
        std::string shown;
        for (const auto& [key, val] : config) {
            shown += key + "=" + (key == "password" ? "***" : val) + " ";
        }
        BOOST_CHECK_MESSAGE(failsWith(opened, ErrorCode::invalid_config),
                            "config {" << shown << "} gave " << describe(opened));
        if (!opened) {
            BOOST_CHECK(!opened.error().message.empty());
            BOOST_CHECK(opened.error().message.find("two  spaces") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(uri_dsn_error_says_to_use_key_value) {
    if (!env().isPostgresql()) {
        // The sqlite plugin has no DSN; its equivalent check is the path table above, so
        // assert the plugin really is the one whose schema has no dsn key.
        sdk::ConfigSchema schema;
        env().plugin().manifest().describe_config(schema);
        for (const sdk::ConfigKey& key : schema.keys()) {
            BOOST_TEST(key.name != "dsn");
        }
        return;
    }
    auto opened = env().plugin().open({{"dsn", "postgresql://u@127.0.0.1:5432/db"}}, env().host());
    BOOST_REQUIRE(failsWith(opened, ErrorCode::invalid_config));
    BOOST_TEST(opened.error().message.find("key=value") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(secrets_reach_the_database_intact) {
    sdk::ConfigSchema schema;
    env().plugin().manifest().describe_config(schema);
    std::vector<std::string> secrets;
    for (const sdk::ConfigKey& key : schema.keys()) {
        if (key.type == sdk::ConfigType::secret) {
            secrets.push_back(key.name);
        }
    }
    if (!env().isPostgresql()) {
        // An embedded file database has no credentials to pass on.
        BOOST_TEST(secrets.empty());
        return;
    }
    BOOST_TEST(secrets == std::vector<std::string>{"password"}, boost::test_tools::per_element());
    // tests/support/pg_start.sh makes the server demand a password from this role only.
    const std::string role = "authd_password_test";
    const std::string method = env().pgQuery(
        "SELECT auth_method FROM pg_hba_file_rules WHERE '" + role +
        "' = ANY(user_name) ORDER BY line_number LIMIT 1");
    BOOST_REQUIRE_MESSAGE(method == "scram-sha-256",
                          "the server does not demand a password from " << role
                              << " (got '" << method
                              << "'): run against the `postgresql` CTest fixture");
    // Spaces, quotes and backslashes: what a connection string must escape.
    const std::string password = "s3cr et'q\\x\"y";
    env().pgQuery("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role +
                  "') THEN CREATE ROLE " + role + " LOGIN; END IF; END$$");
    env().pgQuery("ALTER ROLE " + role + " PASSWORD 's3cr et''q\\x\"y'");
    Config config = {{"dsn", env().pgBaseDsn() + " user=" + role}, {"password", password},
                     {"pool_size", "1"}};
    auto opened = env().plugin().open(config, env().host());
    BOOST_REQUIRE_MESSAGE(opened.has_value(), describe(opened));
    REQUIRE_OK((*opened)->ping());
    config["password"] = "wrong";
    auto refused = env().plugin().open(config, env().host());
    BOOST_CHECK_MESSAGE(failsWith(refused, ErrorCode::invalid_config), describe(refused));
    if (!refused) {
        BOOST_TEST(refused.error().message.find("wrong") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(unreachable_database_is_unavailable) {
    Config config;
    if (env().isSqlite()) {
        // A folder where the file should be: SQLite cannot open it.
        std::string dir = env().tempDir() + "/" + uid("dir");
        std::filesystem::create_directories(dir + "/authd.db");
        config = {{"path", dir + "/authd.db"}};
    } else {
        // Port 1 on loopback: nothing listens there.
        config = {{"dsn", "host=127.0.0.1 port=1 dbname=authd user=authd"},
                  {"connect_timeout", "2s"},
                  {"pool_size", "1"}};
    }
    auto opened = env().plugin().open(config, env().host());
    BOOST_CHECK_MESSAGE(failsWith(opened, ErrorCode::unavailable), describe(opened));
    BOOST_TEST_MESSAGE("unreachable: " << describe(opened));
}

BOOST_AUTO_TEST_CASE(database_outage_is_unavailable_then_recovers) {
    Config config = env().freshConfig();
    config["pool_size"] = "1";
    if (env().isSqlite()) {
        config["busy_timeout"] = "1s";
    } else {
        config["dsn"] += " application_name=" + uid("outage");
    }
    auto opened = value(env().plugin().open(config, env().host()), "open");
    REQUIRE_OK(opened->migrate());
    sdk::User user;
    user.id = uid("user");
    if (env().isSqlite()) {
        // Another process holds the write lock longer than busy_timeout.
        sqlite3* holder = nullptr;
        BOOST_REQUIRE(sqlite3_open(config.at("path").c_str(), &holder) == SQLITE_OK);
        BOOST_REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
        auto blocked = opened->users().create(user);
        BOOST_CHECK_MESSAGE(failsWith(blocked, ErrorCode::unavailable), describe(blocked));
        sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(holder);
    } else {
        // The server drops the store's only connection (waiting until the backend is gone).
        std::string app = config.at("dsn").substr(config.at("dsn").rfind('=') + 1);
        std::string killed = env().pgQuery(
            "SELECT COUNT(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
            "WHERE application_name = '" + app + "'");
        BOOST_REQUIRE_MESSAGE(killed == "1", "terminated " << killed << " connections");
        auto lost = opened->users().create(user);
        BOOST_CHECK_MESSAGE(failsWith(lost, ErrorCode::unavailable), describe(lost));
        BOOST_TEST(env().host().testLogger().saw("storage.reconnected"));
    }
    // The next call works again, on the same store.
    REQUIRE_OK(opened->ping());
    REQUIRE_OK(opened->users().create(user));
    REQUIRE_OK(opened->users().get(user.id));
}

BOOST_AUTO_TEST_CASE(creates_the_database_folder_and_honours_defaults) {
    Config config = env().freshConfig();
    auto opened = value(env().plugin().open(config, env().host()), "open");
    REQUIRE_OK(opened->ping());
    if (env().isSqlite()) {
        BOOST_TEST(std::filesystem::exists(config.at("path")));
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ users

BOOST_AUTO_TEST_SUITE(users)

BOOST_AUTO_TEST_CASE(create_get_find_update_remove) {
    sdk::User user;
    user.id = uid("user");
    user.email = user.id + "@example.test";
    user.email_verified = true;
    user.name = "Zoë O'Brien \"the tester\" \\ 测试";
    user.picture = "https://img.example/p.png";
    user.role = "admin";
    user.status = "suspended";
    user.created_at = kNow;
    user.updated_at = kNow + 1;
    REQUIRE_OK(store().users().create(user));

    sdk::User got = value(store().users().get(user.id), "get");
    BOOST_TEST(got.id == user.id);
    BOOST_TEST(got.email == user.email);
    BOOST_TEST(got.email_verified);
    BOOST_TEST(got.name == user.name);
    BOOST_TEST(got.picture == user.picture);
    BOOST_TEST(got.role == "admin");
    BOOST_TEST(got.status == "suspended");
    BOOST_TEST(got.created_at == kNow);
    BOOST_TEST(got.updated_at == kNow + 1);
    BOOST_TEST(value(store().users().findByEmail(user.email), "findByEmail").id == user.id);

    sdk::User changed = got;
    changed.email = uid("renamed") + "@example.test";
    changed.email_verified = false;
    changed.name = "New Name";
    changed.status = "active";
    changed.created_at = 1;  // ignored: update keeps created_at
    changed.updated_at = kNow + 50;
    REQUIRE_OK(store().users().update(changed));
    sdk::User after = value(store().users().get(user.id), "get after update");
    BOOST_TEST(after.email == changed.email);
    BOOST_TEST(!after.email_verified);
    BOOST_TEST(after.name == "New Name");
    BOOST_TEST(after.status == "active");
    BOOST_TEST(after.created_at == kNow);
    BOOST_TEST(after.updated_at == kNow + 50);
    CHECK_FAILS(store().users().findByEmail(user.email), ErrorCode::not_found);

    REQUIRE_OK(store().users().remove(user.id));
    CHECK_FAILS(store().users().get(user.id), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(missing_users_are_not_found) {
    std::string ghost = uid("ghost");
    CHECK_FAILS(store().users().get(ghost), ErrorCode::not_found);
    CHECK_FAILS(store().users().findByEmail(ghost + "@example.test"), ErrorCode::not_found);
    CHECK_FAILS(store().users().findByEmail(""), ErrorCode::not_found);
    sdk::User user;
    user.id = ghost;
    user.email = ghost + "@example.test";
    CHECK_FAILS(store().users().update(user), ErrorCode::not_found);
    CHECK_FAILS(store().users().remove(ghost), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(taken_id_or_email_conflicts) {
    sdk::User user = newUser();
    sdk::User same_id = user;
    same_id.email = uid("other") + "@example.test";
    CHECK_FAILS(store().users().create(same_id), ErrorCode::conflict);
    sdk::User same_email = user;
    same_email.id = uid("user");
    CHECK_FAILS(store().users().create(same_email), ErrorCode::conflict);
    sdk::User other = newUser();
    other.email = user.email;
    CHECK_FAILS(store().users().update(other), ErrorCode::conflict);
    BOOST_TEST(value(store().users().get(other.id), "get").email != user.email);
}

BOOST_AUTO_TEST_CASE(users_without_email_do_not_conflict) {
    sdk::User a;
    a.id = uid("noemail");
    sdk::User b;
    b.id = uid("noemail");
    REQUIRE_OK(store().users().create(a));
    REQUIRE_OK(store().users().create(b));
    BOOST_TEST(value(store().users().get(a.id), "get").email.empty());
}

BOOST_AUTO_TEST_CASE(empty_id_is_invalid_argument) {
    sdk::User user;
    user.email = uid("x") + "@example.test";
    CHECK_FAILS(store().users().create(user), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(list_orders_by_email_and_pages_with_cursor) {
    std::string tag = uid("lst");
    std::vector<std::string> emails;
    for (const char* local : {"delta", "alpha", "echo", "charlie", "bravo"}) {
        emails.push_back(std::string(local) + "." + tag + "@example.test");
        newUser(emails.back());
    }
    std::sort(emails.begin(), emails.end());

    sdk::UserQuery query;
    query.email_contains = tag;
    query.limit = 2;
    std::vector<std::string> seen;
    int pages = 0;
    while (true) {
        auto page = value(store().users().list(query), "list");
        ++pages;
        BOOST_TEST(page.items.size() <= 2U);
        for (const sdk::User& user : page.items) {
            seen.push_back(user.email);
        }
        if (page.next_cursor.empty()) {
            break;
        }
        query.cursor = page.next_cursor;
        BOOST_REQUIRE(pages < 10);
    }
    BOOST_TEST(pages == 3);
    BOOST_TEST(seen == emails, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_filters_by_exact_email) {
    sdk::User user = newUser();
    newUser();
    sdk::UserQuery query;
    query.email = user.email;
    auto page = value(store().users().list(query), "list");
    BOOST_REQUIRE(page.items.size() == 1U);
    BOOST_TEST(page.items[0].id == user.id);
    BOOST_TEST(page.next_cursor.empty());
}

BOOST_AUTO_TEST_CASE(list_treats_like_wildcards_literally) {
    std::string tag = uid("wild");
    newUser("under_score." + tag + "@example.test");
    newUser("underXscore." + tag + "@example.test");
    sdk::UserQuery query;
    query.email_contains = "under_score." + tag;
    auto page = value(store().users().list(query), "list");
    BOOST_REQUIRE(page.items.size() == 1U);
    BOOST_TEST(page.items[0].email == "under_score." + tag + "@example.test");
    query.email_contains = "%" + tag;
    BOOST_TEST(value(store().users().list(query), "list %").items.empty());
}

BOOST_AUTO_TEST_CASE(list_refuses_bad_limit_and_cursor) {
    sdk::UserQuery query;
    query.limit = 0;
    CHECK_FAILS(store().users().list(query), ErrorCode::invalid_argument);
    query.limit = -3;
    CHECK_FAILS(store().users().list(query), ErrorCode::invalid_argument);
    query.limit = 1'000'000;
    CHECK_FAILS(store().users().list(query), ErrorCode::invalid_argument);
    query.limit = 10;
    query.cursor = "not a cursor!";
    CHECK_FAILS(store().users().list(query), ErrorCode::invalid_argument);
    query.cursor = "abc";
    CHECK_FAILS(store().users().list(query), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(remove_cascades_to_credentials_sessions_families_codes_and_consents) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::Credential credential;
    credential.user_id = user.id;
    credential.kind = "password";
    credential.secret_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
    REQUIRE_OK(store().credentials().put(credential));
    sdk::Session session = newSession(user.id);
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, session.id);
    FamilyAndToken family = newFamily(project.client_id, user.id, session.id);
    REQUIRE_OK(store().consents().put({user.id, project.client_id, "openid", kNow}));
    sdk::AuditEvent event;
    event.id = uid("evt");
    event.time = kNow;
    event.type = "signin.success";
    event.user_id = user.id;
    REQUIRE_OK(store().audit().append(event));

    REQUIRE_OK(store().users().remove(user.id));

    CHECK_FAILS(store().credentials().get(user.id, "password"), ErrorCode::not_found);
    CHECK_FAILS(store().sessions().get(session.id), ErrorCode::not_found);
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().getFamily(family.family.id), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().find(family.token.token_hash), ErrorCode::not_found);
    CHECK_FAILS(store().consents().get(user.id, project.client_id), ErrorCode::not_found);
    // The audit trail and the project outlive the user.
    sdk::AuditQuery query;
    query.user_id = user.id;
    BOOST_TEST(value(store().audit().list(query), "audit").items.size() == 1U);
    REQUIRE_OK(store().projects().get(project.client_id));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ credentials

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_AUTO_TEST_CASE(put_inserts_then_replaces_keeping_created_at) {
    sdk::User user = newUser();
    sdk::Credential credential;
    credential.user_id = user.id;
    credential.kind = "pin";
    credential.secret_hash = "hash-1";
    credential.data = R"({"attempts":0})";
    credential.created_at = kNow;
    credential.updated_at = kNow;
    REQUIRE_OK(store().credentials().put(credential));
    credential.secret_hash = "hash-2";
    credential.data = R"({"attempts":1})";
    credential.created_at = kNow + 100;
    credential.updated_at = kNow + 100;
    REQUIRE_OK(store().credentials().put(credential));
    sdk::Credential got = value(store().credentials().get(user.id, "pin"), "get");
    BOOST_TEST(got.secret_hash == "hash-2");
    BOOST_TEST(got.data == R"({"attempts":1})");
    BOOST_TEST(got.created_at == kNow);
    BOOST_TEST(got.updated_at == kNow + 100);
    BOOST_TEST(got.subject.empty());
}

BOOST_AUTO_TEST_CASE(subject_is_unique_per_kind_and_found_by_lookup) {
    sdk::User a = newUser();
    sdk::User b = newUser();
    std::string subject = uid("sub");
    sdk::Credential first{a.id, "oidc:upstream", subject, "", R"({"iss":"x"})", kNow, kNow};
    REQUIRE_OK(store().credentials().put(first));
    sdk::Credential clash{b.id, "oidc:upstream", subject, "", "", kNow, kNow};
    CHECK_FAILS(store().credentials().put(clash), ErrorCode::conflict);
    sdk::Credential other_kind{b.id, "oidc:other", subject, "", "", kNow, kNow};
    REQUIRE_OK(store().credentials().put(other_kind));
    BOOST_TEST(value(store().credentials().findBySubject("oidc:upstream", subject), "find").user_id ==
               a.id);
    BOOST_TEST(value(store().credentials().findBySubject("oidc:other", subject), "find").user_id ==
               b.id);
    CHECK_FAILS(store().credentials().findBySubject("oidc:upstream", uid("nosub")),
                ErrorCode::not_found);
    CHECK_FAILS(store().credentials().findBySubject("oidc:upstream", ""), ErrorCode::not_found);
    // Credentials without a subject never clash with each other.
    REQUIRE_OK(store().credentials().put({a.id, "password", "", "h", "", kNow, kNow}));
    REQUIRE_OK(store().credentials().put({b.id, "password", "", "h", "", kNow, kNow}));
}

BOOST_AUTO_TEST_CASE(list_for_user_and_remove) {
    sdk::User user = newUser();
    REQUIRE_OK(store().credentials().put({user.id, "pin", "", "p", "", kNow, kNow}));
    REQUIRE_OK(store().credentials().put({user.id, "password", "", "w", "", kNow, kNow}));
    auto listed = value(store().credentials().listForUser(user.id), "list");
    BOOST_REQUIRE(listed.size() == 2U);
    BOOST_TEST(listed[0].kind == "password");
    BOOST_TEST(listed[1].kind == "pin");
    REQUIRE_OK(store().credentials().remove(user.id, "pin"));
    CHECK_FAILS(store().credentials().remove(user.id, "pin"), ErrorCode::not_found);
    CHECK_FAILS(store().credentials().get(user.id, "pin"), ErrorCode::not_found);
    BOOST_TEST(value(store().credentials().listForUser(user.id), "list").size() == 1U);
    BOOST_TEST(value(store().credentials().listForUser(uid("nobody")), "list").empty());
}

BOOST_AUTO_TEST_CASE(credential_for_missing_user_is_refused) {
    sdk::Credential orphan{uid("ghost"), "password", "", "h", "", kNow, kNow};
    CHECK_FAILS(store().credentials().put(orphan), ErrorCode::invalid_argument);
    CHECK_FAILS(store().credentials().put({"", "password", "", "h", "", kNow, kNow}),
                ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ projects

BOOST_AUTO_TEST_SUITE(projects)

BOOST_AUTO_TEST_CASE(every_field_round_trips) {
    sdk::Project project;
    project.client_id = uid("proj");
    project.name = "Full \"Project\"";
    project.description = "line one\nline two, with 'quotes' and \\ backslash";
    project.owner_id = uid("owner");
    project.client_type = "public";
    project.client_secret_enc = "enc:secret";
    project.signing_key_enc = "enc:key";
    project.previous_signing_key_enc = "enc:old";
    project.previous_signing_key_until = kNow + 3600;
    project.redirect_uris = {"https://b.example/cb", "https://a.example/cb?x=1&y=2",
                             "http://127.0.0.1:8000/callback"};
    project.post_logout_redirect_uris = {"https://b.example/bye", "https://a.example/bye"};
    project.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
    project.scopes = {"openid", "email", "with,comma", "with \"quote\"", "tab\there", "ünï"};
    project.authenticators = {"password", "pin"};
    project.access_ttl = 300;
    project.refresh_ttl = 604800;
    project.id_token_ttl = 3600;
    project.id_token_alg = "ES256";
    project.access_token_alg = "RS256";
    project.policy.roles = {"admin", "user"};
    project.policy.email_domains = {"example.test"};
    project.policy.statuses = {"active", "suspended"};
    project.policy.authenticators = {"password"};
    project.policy.require_verified_email = true;
    project.backchannel_logout_uri = "https://b.example/backchannel";
    project.development = true;
    project.skip_consent = true;
    project.created_at = kNow;
    project.updated_at = kNow + 1;
    REQUIRE_OK(store().projects().create(project));

    sdk::Project got = value(store().projects().get(project.client_id), "get");
    BOOST_TEST(got.client_id == project.client_id);
    BOOST_TEST(got.name == project.name);
    BOOST_TEST(got.description == project.description);
    BOOST_TEST(got.owner_id == project.owner_id);
    BOOST_TEST(got.client_type == "public");
    BOOST_TEST(got.client_secret_enc == "enc:secret");
    BOOST_TEST(got.signing_key_enc == "enc:key");
    BOOST_TEST(got.previous_signing_key_enc == "enc:old");
    BOOST_TEST(got.previous_signing_key_until == kNow + 3600);
    BOOST_TEST(got.redirect_uris == project.redirect_uris, boost::test_tools::per_element());
    BOOST_TEST(got.post_logout_redirect_uris == project.post_logout_redirect_uris,
               boost::test_tools::per_element());
    BOOST_TEST(got.grant_types == project.grant_types, boost::test_tools::per_element());
    BOOST_TEST(got.scopes == project.scopes, boost::test_tools::per_element());
    BOOST_TEST(got.authenticators == project.authenticators, boost::test_tools::per_element());
    BOOST_TEST(got.access_ttl == 300);
    BOOST_TEST(got.refresh_ttl == 604800);
    BOOST_TEST(got.id_token_ttl == 3600);
    BOOST_TEST(got.id_token_alg == "ES256");
    BOOST_TEST(got.access_token_alg == "RS256");
    BOOST_TEST(got.policy.roles == project.policy.roles, boost::test_tools::per_element());
    BOOST_TEST(got.policy.email_domains == project.policy.email_domains,
               boost::test_tools::per_element());
    BOOST_TEST(got.policy.statuses == project.policy.statuses, boost::test_tools::per_element());
    BOOST_TEST(got.policy.authenticators == project.policy.authenticators,
               boost::test_tools::per_element());
    BOOST_TEST(got.policy.require_verified_email);
    BOOST_TEST(got.backchannel_logout_uri == project.backchannel_logout_uri);
    BOOST_TEST(got.development);
    BOOST_TEST(got.skip_consent);
    BOOST_TEST(got.created_at == kNow);
    BOOST_TEST(got.updated_at == kNow + 1);
}

BOOST_AUTO_TEST_CASE(update_replaces_fields_and_redirect_uris) {
    sdk::Project project = newProject();
    project.name = "Renamed";
    project.redirect_uris = {"https://new.example/cb"};
    project.post_logout_redirect_uris = {"https://new.example/bye"};
    project.scopes = {};
    project.skip_consent = true;
    project.updated_at = kNow + 10;
    REQUIRE_OK(store().projects().update(project));
    sdk::Project got = value(store().projects().get(project.client_id), "get");
    BOOST_TEST(got.name == "Renamed");
    BOOST_TEST(got.redirect_uris == project.redirect_uris, boost::test_tools::per_element());
    BOOST_TEST(got.post_logout_redirect_uris == project.post_logout_redirect_uris,
               boost::test_tools::per_element());
    BOOST_TEST(got.scopes.empty());
    BOOST_TEST(got.skip_consent);
    BOOST_TEST(got.updated_at == kNow + 10);
    BOOST_TEST(got.created_at == kNow);
}

BOOST_AUTO_TEST_CASE(conflict_and_not_found) {
    sdk::Project project = newProject();
    CHECK_FAILS(store().projects().create(project), ErrorCode::conflict);
    sdk::Project ghost = sampleProject();
    CHECK_FAILS(store().projects().get(ghost.client_id), ErrorCode::not_found);
    CHECK_FAILS(store().projects().update(ghost), ErrorCode::not_found);
    CHECK_FAILS(store().projects().remove(ghost.client_id), ErrorCode::not_found);
    ghost.client_id.clear();
    CHECK_FAILS(store().projects().create(ghost), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(failed_create_leaves_nothing_behind) {
    sdk::Project project = newProject();
    sdk::Project again = project;
    again.redirect_uris = {"https://other.example/cb"};
    CHECK_FAILS(store().projects().create(again), ErrorCode::conflict);
    sdk::Project got = value(store().projects().get(project.client_id), "get");
    BOOST_TEST(got.redirect_uris == project.redirect_uris, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_by_owner_orders_by_client_id_and_pages) {
    std::string owner = uid("owner");
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(newProject(owner).client_id);
    }
    newProject(uid("someone-else"));
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto page = value(store().projects().list(owner, cursor, 2), "list");
        ++pages;
        for (const sdk::Project& project : page.items) {
            BOOST_TEST(project.owner_id == owner);
            BOOST_TEST(project.redirect_uris.size() == 2U);
            seen.push_back(project.client_id);
        }
        cursor = page.next_cursor;
        BOOST_REQUIRE(pages < 10);
    } while (!cursor.empty());
    BOOST_TEST(pages == 3);
    BOOST_TEST(seen == ids, boost::test_tools::per_element());

    auto all = value(store().projects().list("", "", 1000), "list all");
    BOOST_TEST(all.items.size() >= 6U);
    BOOST_TEST(std::is_sorted(all.items.begin(), all.items.end(),
                              [](const sdk::Project& a, const sdk::Project& b) {
                                  return a.client_id < b.client_id;
                              }));
    CHECK_FAILS(store().projects().list(owner, "zz", 2), ErrorCode::invalid_argument);
    CHECK_FAILS(store().projects().list(owner, "", 0), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(remove_cascades_to_codes_families_and_consents) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::Session session = newSession(user.id);
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, session.id);
    FamilyAndToken family = newFamily(project.client_id, user.id, session.id);
    REQUIRE_OK(store().consents().put({user.id, project.client_id, "openid", kNow}));

    REQUIRE_OK(store().projects().remove(project.client_id));

    CHECK_FAILS(store().projects().get(project.client_id), ErrorCode::not_found);
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().getFamily(family.family.id), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().find(family.token.token_hash), ErrorCode::not_found);
    CHECK_FAILS(store().consents().get(user.id, project.client_id), ErrorCode::not_found);
    // The user and the session stay.
    REQUIRE_OK(store().users().get(user.id));
    REQUIRE_OK(store().sessions().get(session.id));
    // The client id can be used again, with no leftover redirect URIs.
    sdk::Project again = sampleProject();
    again.client_id = project.client_id;
    again.redirect_uris = {"https://again.example/cb"};
    REQUIRE_OK(store().projects().create(again));
    BOOST_TEST(value(store().projects().get(again.client_id), "get").redirect_uris ==
                   again.redirect_uris,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ sessions

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(create_get_find_update) {
    sdk::User user = newUser();
    sdk::Session session = newSession(user.id);
    sdk::Session got = value(store().sessions().get(session.id), "get");
    BOOST_TEST(got.token_hash == session.token_hash);
    BOOST_TEST(got.user_id == user.id);
    BOOST_TEST(got.created_at == kNow);
    BOOST_TEST(got.auth_time == kNow);
    BOOST_TEST(got.expires_at == kNow + 3600);
    BOOST_TEST(got.revoked_at == 0);
    BOOST_TEST(got.amr == session.amr, boost::test_tools::per_element());
    BOOST_TEST(got.client_address == "127.0.0.1");
    BOOST_TEST(got.user_agent == "contract-test");
    BOOST_TEST(value(store().sessions().findByTokenHash(session.token_hash), "find").id ==
               session.id);

    sdk::Session fresh = got;
    fresh.auth_time = kNow + 100;
    fresh.amr = {"pwd", "otp"};
    fresh.expires_at = kNow + 7200;
    fresh.user_agent = "ignored";
    fresh.token_hash = "ignored";
    REQUIRE_OK(store().sessions().update(fresh));
    sdk::Session after = value(store().sessions().get(session.id), "get");
    BOOST_TEST(after.auth_time == kNow + 100);
    BOOST_TEST(after.amr == fresh.amr, boost::test_tools::per_element());
    BOOST_TEST(after.expires_at == kNow + 7200);
    BOOST_TEST(after.user_agent == "contract-test");
    BOOST_TEST(after.token_hash == session.token_hash);
}

BOOST_AUTO_TEST_CASE(conflicts_and_not_found) {
    sdk::User user = newUser();
    sdk::Session session = newSession(user.id);
    sdk::Session same_hash = session;
    same_hash.id = uid("sess");
    CHECK_FAILS(store().sessions().create(same_hash), ErrorCode::conflict);
    sdk::Session same_id = session;
    same_id.token_hash = hashOf("cookie");
    CHECK_FAILS(store().sessions().create(same_id), ErrorCode::conflict);
    std::string ghost = uid("ghost");
    CHECK_FAILS(store().sessions().get(ghost), ErrorCode::not_found);
    CHECK_FAILS(store().sessions().findByTokenHash(hashOf("none")), ErrorCode::not_found);
    sdk::Session missing = session;
    missing.id = ghost;
    CHECK_FAILS(store().sessions().update(missing), ErrorCode::not_found);
    CHECK_FAILS(store().sessions().revoke(ghost, kNow), ErrorCode::not_found);
    BOOST_TEST(value(store().sessions().revokeAllForUser(ghost, kNow), "revokeAll") == 0);
}

BOOST_AUTO_TEST_CASE(revoke_revokes_the_families_started_in_it) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::Session session = newSession(user.id);
    sdk::Session other = newSession(user.id);
    FamilyAndToken in_session = newFamily(project.client_id, user.id, session.id);
    FamilyAndToken in_session2 = newFamily(project.client_id, user.id, session.id);
    FamilyAndToken elsewhere = newFamily(project.client_id, user.id, other.id);

    REQUIRE_OK(store().sessions().revoke(session.id, kNow + 5));
    BOOST_TEST(value(store().sessions().get(session.id), "get").revoked_at == kNow + 5);
    for (const FamilyAndToken* f : {&in_session, &in_session2}) {
        sdk::RefreshFamily family = value(store().refresh().getFamily(f->family.id), "family");
        BOOST_TEST(family.revoked_at == kNow + 5);
        BOOST_TEST(!family.revoked_reason.empty());
    }
    BOOST_TEST(value(store().refresh().getFamily(elsewhere.family.id), "family").revoked_at == 0);
    BOOST_TEST(value(store().sessions().get(other.id), "get").revoked_at == 0);

    // Revoking again keeps the first time.
    REQUIRE_OK(store().sessions().revoke(session.id, kNow + 50));
    BOOST_TEST(value(store().sessions().get(session.id), "get").revoked_at == kNow + 5);
    auto rotated = value(store().refresh().rotate(in_session.token.token_hash, in_session.family.client_id,
                                                  successorOf(in_session), kNow + 60, 0),
                         "rotate");
    BOOST_TEST(rotated.status == sdk::RotateStatus::revoked);
}

BOOST_AUTO_TEST_CASE(revoke_all_for_user_counts_sessions_and_revokes_families) {
    sdk::User user = newUser();
    sdk::User bystander = newUser();
    sdk::Project project = newProject();
    sdk::Session s1 = newSession(user.id);
    sdk::Session s2 = newSession(user.id);
    sdk::Session s3 = newSession(user.id);
    sdk::Session kept = newSession(bystander.id);
    REQUIRE_OK(store().sessions().revoke(s3.id, kNow));
    FamilyAndToken f1 = newFamily(project.client_id, user.id, s1.id);
    FamilyAndToken f2 = newFamily(project.client_id, user.id, s2.id);
    FamilyAndToken fk = newFamily(project.client_id, bystander.id, kept.id);

    BOOST_TEST(value(store().sessions().revokeAllForUser(user.id, kNow + 9), "revokeAll") == 2);
    BOOST_TEST(value(store().sessions().get(s1.id), "get").revoked_at == kNow + 9);
    BOOST_TEST(value(store().sessions().get(s3.id), "get").revoked_at == kNow);
    BOOST_TEST(value(store().refresh().getFamily(f1.family.id), "f1").revoked_at == kNow + 9);
    BOOST_TEST(value(store().refresh().getFamily(f2.family.id), "f2").revoked_at == kNow + 9);
    BOOST_TEST(value(store().refresh().getFamily(fk.family.id), "fk").revoked_at == 0);
    BOOST_TEST(value(store().sessions().get(kept.id), "get").revoked_at == 0);
    BOOST_TEST(value(store().sessions().revokeAllForUser(user.id, kNow + 10), "again") == 0);
}

BOOST_AUTO_TEST_CASE(list_for_user_skips_revoked_and_expired_newest_first) {
    sdk::User user = newUser();
    sdk::Session oldest = newSession(user.id, kNow - 300, kNow + 1000);
    sdk::Session newest = newSession(user.id, kNow - 100);
    sdk::Session middle = newSession(user.id, kNow - 200);
    sdk::Session expired = newSession(user.id, kNow - 50, kNow - 1);
    sdk::Session revoked = newSession(user.id, kNow - 40);
    sdk::Session forever = newSession(user.id, kNow - 400, 0);
    REQUIRE_OK(store().sessions().revoke(revoked.id, kNow - 10));
    newSession(newUser().id);

    auto listed = value(store().sessions().listForUser(user.id, kNow), "list");
    std::vector<std::string> ids;
    for (const sdk::Session& session : listed) {
        ids.push_back(session.id);
    }
    std::vector<std::string> expected = {newest.id, middle.id, oldest.id, forever.id};
    BOOST_TEST(ids == expected, boost::test_tools::per_element());
    // At exactly expires_at a session is expired.
    auto later = value(store().sessions().listForUser(user.id, kNow + 1000), "later");
    BOOST_TEST(later.size() == 3U);
    for (const sdk::Session& session : later) {
        BOOST_TEST(session.id != oldest.id);
    }
}

BOOST_AUTO_TEST_CASE(session_of_missing_user_is_refused) {
    sdk::Session session;
    session.id = uid("sess");
    session.token_hash = hashOf("cookie");
    session.user_id = uid("ghost");
    CHECK_FAILS(store().sessions().create(session), ErrorCode::invalid_argument);
    session.id.clear();
    CHECK_FAILS(store().sessions().create(session), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ pending

BOOST_AUTO_TEST_SUITE(pending)

sdk::PendingAuthorization samplePending(sdk::UnixTime expires_at = kNow + 600) {
    sdk::PendingAuthorization pending;
    pending.id = uid("pend");
    pending.browser_hash = hashOf("browser");
    pending.client_id = "proj_any";
    pending.params = R"({"scope":"openid","state":"xyz"})";
    pending.created_at = kNow;
    pending.expires_at = expires_at;
    return pending;
}

BOOST_AUTO_TEST_CASE(create_get_update) {
    sdk::PendingAuthorization pending = samplePending();
    REQUIRE_OK(store().pending().create(pending));
    CHECK_FAILS(store().pending().create(pending), ErrorCode::conflict);
    sdk::PendingAuthorization got = value(store().pending().get(pending.id), "get");
    BOOST_TEST(got.browser_hash == pending.browser_hash);
    BOOST_TEST(got.client_id == "proj_any");
    BOOST_TEST(got.params == pending.params);
    BOOST_TEST(got.user_id.empty());
    BOOST_TEST(got.expires_at == kNow + 600);
    got.user_id = "user-1";
    got.session_id = "sess-1";
    got.params = R"({"scope":"openid email"})";
    REQUIRE_OK(store().pending().update(got));
    sdk::PendingAuthorization after = value(store().pending().get(pending.id), "get");
    BOOST_TEST(after.user_id == "user-1");
    BOOST_TEST(after.session_id == "sess-1");
    BOOST_TEST(after.params == got.params);
    BOOST_TEST(after.created_at == kNow);
    CHECK_FAILS(store().pending().get(uid("ghost")), ErrorCode::not_found);
    sdk::PendingAuthorization ghost = samplePending();
    CHECK_FAILS(store().pending().update(ghost), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(take_returns_it_once) {
    sdk::PendingAuthorization pending = samplePending();
    REQUIRE_OK(store().pending().create(pending));
    sdk::PendingAuthorization taken = value(store().pending().take(pending.id), "take");
    BOOST_TEST(taken.id == pending.id);
    BOOST_TEST(taken.params == pending.params);
    CHECK_FAILS(store().pending().take(pending.id), ErrorCode::already_consumed);
    CHECK_FAILS(store().pending().get(pending.id), ErrorCode::not_found);
    CHECK_FAILS(store().pending().update(pending), ErrorCode::not_found);
    CHECK_FAILS(store().pending().take(uid("ghost")), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(purge_removes_only_expired) {
    sdk::PendingAuthorization old_one = samplePending(kNow - 1);
    sdk::PendingAuthorization live = samplePending(kNow + 600);
    sdk::PendingAuthorization taken_live = samplePending(kNow + 600);
    REQUIRE_OK(store().pending().create(old_one));
    REQUIRE_OK(store().pending().create(live));
    REQUIRE_OK(store().pending().create(taken_live));
    REQUIRE_OK(store().pending().take(taken_live.id));
    BOOST_TEST(value(store().pending().purgeExpired(kNow), "purge") >= 1);
    CHECK_FAILS(store().pending().get(old_one.id), ErrorCode::not_found);
    CHECK_FAILS(store().pending().take(old_one.id), ErrorCode::not_found);
    REQUIRE_OK(store().pending().get(live.id));
    // A taken request still reports the replay until it expires.
    CHECK_FAILS(store().pending().take(taken_live.id), ErrorCode::already_consumed);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ codes

BOOST_AUTO_TEST_SUITE(codes)

BOOST_AUTO_TEST_CASE(consume_returns_the_code_once) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::Session session = newSession(user.id);
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, session.id);
    CHECK_FAILS(store().codes().create(code), ErrorCode::conflict);

    sdk::AuthorizationCode got = value(store().codes().consume(code.code_hash, kNow + 10), "consume");
    BOOST_TEST(got.code_hash == code.code_hash);
    BOOST_TEST(got.client_id == project.client_id);
    BOOST_TEST(got.user_id == user.id);
    BOOST_TEST(got.session_id == session.id);
    BOOST_TEST(got.redirect_uri == code.redirect_uri);
    BOOST_TEST(got.scope == code.scope);
    BOOST_TEST(got.nonce == code.nonce);
    BOOST_TEST(got.code_challenge == code.code_challenge);
    BOOST_TEST(got.code_challenge_method == "S256");
    BOOST_TEST(got.claims == code.claims);
    BOOST_TEST(got.amr == code.amr, boost::test_tools::per_element());
    BOOST_TEST(got.auth_time == code.auth_time);
    BOOST_TEST(got.created_at == kNow);
    BOOST_TEST(got.expires_at == code.expires_at);
    BOOST_TEST(got.consumed_at == kNow + 10);

    CHECK_FAILS(store().codes().consume(code.code_hash, kNow + 11), ErrorCode::already_consumed);
    // Still a replay after expiry, so that the caller revokes what it issued.
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow + 1000), ErrorCode::already_consumed);
}

BOOST_AUTO_TEST_CASE(expired_and_unknown_codes) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, "", kNow + 60);
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow + 60), ErrorCode::expired);
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow + 61), ErrorCode::expired);
    CHECK_FAILS(store().codes().consume(hashOf("none"), kNow), ErrorCode::not_found);
    // An expired attempt does not burn it for a caller whose clock says it is still valid.
    REQUIRE_OK(store().codes().consume(code.code_hash, kNow + 59));
}

BOOST_AUTO_TEST_CASE(code_for_missing_project_or_user_is_refused) {
    sdk::User user = newUser();
    sdk::AuthorizationCode code;
    code.code_hash = hashOf("code");
    code.client_id = uid("ghost");
    code.user_id = user.id;
    code.expires_at = kNow + 60;
    CHECK_FAILS(store().codes().create(code), ErrorCode::invalid_argument);
    code.code_hash.clear();
    CHECK_FAILS(store().codes().create(code), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(purge_removes_only_expired) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::AuthorizationCode old_code = newCode(project.client_id, user.id, "", kNow - 1);
    sdk::AuthorizationCode live = newCode(project.client_id, user.id, "", kNow + 60);
    BOOST_TEST(value(store().codes().purgeExpired(kNow), "purge") >= 1);
    CHECK_FAILS(store().codes().consume(old_code.code_hash, kNow - 10), ErrorCode::not_found);
    REQUIRE_OK(store().codes().consume(live.code_hash, kNow));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ refresh

BOOST_AUTO_TEST_SUITE(refresh)

struct RefreshSetup {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::Session session = newSession(user.id);
};

BOOST_FIXTURE_TEST_CASE(create_find_and_get_family, RefreshSetup) {
    std::string origin = hashOf("code");
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id, origin);
    auto [token, family] = value(store().refresh().find(base.token.token_hash), "find");
    BOOST_TEST(token.token_hash == base.token.token_hash);
    BOOST_TEST(token.family_id == base.family.id);
    BOOST_TEST(token.created_at == kNow);
    BOOST_TEST(token.expires_at == kNow + 3600);
    BOOST_TEST(token.rotated_at == 0);
    BOOST_TEST(token.successor_hash.empty());
    BOOST_TEST(family.id == base.family.id);
    BOOST_TEST(family.client_id == project.client_id);
    BOOST_TEST(family.user_id == user.id);
    BOOST_TEST(family.session_id == session.id);
    BOOST_TEST(family.origin_code_hash == origin);
    BOOST_TEST(family.scope == base.family.scope);
    BOOST_TEST(family.amr == base.family.amr, boost::test_tools::per_element());
    BOOST_TEST(family.auth_time == base.family.auth_time);
    BOOST_TEST(family.expires_at == base.family.expires_at);
    BOOST_TEST(family.revoked_at == 0);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "getFamily").origin_code_hash ==
               origin);
    CHECK_FAILS(store().refresh().find(hashOf("none")), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().getFamily(uid("ghost")), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().createFamily(base.family, successorOf(base)), ErrorCode::conflict);
    // A failed createFamily stores neither the family nor the token.
    FamilyAndToken clash = base;
    clash.family.id = uid("fam");
    clash.token.family_id = clash.family.id;
    CHECK_FAILS(store().refresh().createFamily(clash.family, clash.token), ErrorCode::conflict);
    CHECK_FAILS(store().refresh().getFamily(clash.family.id), ErrorCode::not_found);
}

BOOST_FIXTURE_TEST_CASE(rotate_moves_the_chain_forward, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    sdk::RefreshToken next = successorOf(base, kNow + 10);
    auto result = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow + 10, 30), "rotate");
    BOOST_TEST(result.status == sdk::RotateStatus::rotated);
    BOOST_TEST(result.family.id == base.family.id);
    BOOST_TEST(result.family.revoked_at == 0);
    auto [old_token, f1] = value(store().refresh().find(base.token.token_hash), "find old");
    BOOST_TEST(old_token.rotated_at == kNow + 10);
    BOOST_TEST(old_token.successor_hash == next.token_hash);
    auto [new_token, f2] = value(store().refresh().find(next.token_hash), "find new");
    BOOST_TEST(new_token.family_id == base.family.id);
    BOOST_TEST(new_token.rotated_at == 0);
    BOOST_TEST(new_token.expires_at == kNow + 10 + 3600);

    sdk::RefreshToken third = successorOf(base, kNow + 20);
    auto again = value(store().refresh().rotate(next.token_hash, project.client_id, third, kNow + 20, 30), "rotate 2");
    BOOST_TEST(again.status == sdk::RotateStatus::rotated);
}

BOOST_FIXTURE_TEST_CASE(another_client_changes_nothing, RefreshSetup) {
    sdk::Project other = newProject();
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    // A live token presented by another client: nothing rotates, nothing is told.
    auto wrong = value(store().refresh().rotate(base.token.token_hash, other.client_id,
                                                successorOf(base), kNow, 30),
                       "wrong client");
    BOOST_TEST(wrong.status == sdk::RotateStatus::wrong_client);
    BOOST_TEST(wrong.family.id.empty());
    BOOST_TEST(value(store().refresh().find(base.token.token_hash), "find").first.rotated_at == 0);

    // Its own client rotates it; a successor without expiry gets the family's.
    sdk::RefreshToken next = successorOf(base, kNow + 1);
    next.expires_at = 0;
    auto own = value(store().refresh().rotate(base.token.token_hash, project.client_id, next,
                                              kNow + 1, 30),
                     "own client");
    BOOST_TEST(own.status == sdk::RotateStatus::rotated);
    BOOST_TEST(value(store().refresh().find(next.token_hash), "find next").first.expires_at ==
               base.family.expires_at);

    // A rotated-out token presented by another client is not reuse: the family lives on.
    auto replay = value(store().refresh().rotate(base.token.token_hash, other.client_id,
                                                 successorOf(base), kNow + 100, 30),
                        "replay by another client");
    BOOST_TEST(replay.status == sdk::RotateStatus::wrong_client);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "family").revoked_at == 0);
    auto onward = value(store().refresh().rotate(next.token_hash, project.client_id,
                                                 successorOf(base, kNow + 101), kNow + 101, 30),
                        "successor");
    BOOST_TEST(onward.status == sdk::RotateStatus::rotated);

    CHECK_FAILS(store().refresh().rotate(base.token.token_hash, "", successorOf(base), kNow, 0),
                ErrorCode::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(grace_replay_with_the_same_successor, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    sdk::RefreshToken next = successorOf(base, kNow);
    REQUIRE_OK(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow, 30));
    auto replay = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow + 30, 30), "replay");
    BOOST_TEST(replay.status == sdk::RotateStatus::grace_replay);
    BOOST_TEST(replay.family.id == base.family.id);
    BOOST_TEST(replay.family.revoked_at == 0);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "family").revoked_at == 0);
    // The successor is still the live one.
    auto moved = value(store().refresh().rotate(next.token_hash, project.client_id, successorOf(base), kNow + 31, 30),
                       "rotate successor");
    BOOST_TEST(moved.status == sdk::RotateStatus::rotated);
}

BOOST_FIXTURE_TEST_CASE(zero_grace_makes_a_same_second_replay_reuse, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    sdk::RefreshToken next = successorOf(base, kNow);
    REQUIRE_OK(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow, 0));
    auto replay = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow, 0), "replay");
    BOOST_TEST(replay.status == sdk::RotateStatus::reuse_detected);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "family").revoked_at == kNow);
}

BOOST_FIXTURE_TEST_CASE(replay_after_the_successor_was_used_is_reuse, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    sdk::RefreshToken next = successorOf(base, kNow);
    REQUIRE_OK(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow, 30));
    REQUIRE_OK(store().refresh().rotate(next.token_hash, project.client_id, successorOf(base, kNow + 1), kNow + 1, 30));
    // Inside the grace window, but the successor has moved on: the old token leads nowhere.
    auto replay = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow + 2, 30), "replay");
    BOOST_TEST(replay.status == sdk::RotateStatus::reuse_detected);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "family").revoked_reason == "reuse");
}

BOOST_FIXTURE_TEST_CASE(replay_after_grace_is_reuse_and_revokes_the_family, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    sdk::RefreshToken next = successorOf(base, kNow);
    REQUIRE_OK(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow, 30));
    auto late = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, next, kNow + 31, 30), "late");
    BOOST_TEST(late.status == sdk::RotateStatus::reuse_detected);
    BOOST_TEST(late.family.revoked_at == kNow + 31);
    BOOST_TEST(late.family.revoked_reason == "reuse");
    sdk::RefreshFamily family = value(store().refresh().getFamily(base.family.id), "family");
    BOOST_TEST(family.revoked_at == kNow + 31);
    BOOST_TEST(family.revoked_reason == "reuse");
    auto after = value(store().refresh().rotate(next.token_hash, project.client_id, successorOf(base), kNow + 32, 30),
                       "successor after revoke");
    BOOST_TEST(after.status == sdk::RotateStatus::revoked);
    BOOST_TEST(after.family.revoked_reason == "reuse");
}

BOOST_FIXTURE_TEST_CASE(replay_with_another_successor_is_reuse, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    REQUIRE_OK(store().refresh().rotate(base.token.token_hash, base.family.client_id, successorOf(base), kNow, 30));
    auto stolen = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, successorOf(base), kNow + 1, 30),
                        "reuse");
    BOOST_TEST(stolen.status == sdk::RotateStatus::reuse_detected);
    BOOST_TEST(value(store().refresh().getFamily(base.family.id), "family").revoked_reason == "reuse");
}

BOOST_FIXTURE_TEST_CASE(expired_token_or_family_and_unknown_token, RefreshSetup) {
    FamilyAndToken short_token = newFamily(project.client_id, user.id, session.id);
    auto expired = value(store().refresh().rotate(short_token.token.token_hash, short_token.family.client_id,
                                                  successorOf(short_token), kNow + 3600, 0),
                         "token expired");
    BOOST_TEST(expired.status == sdk::RotateStatus::expired);
    BOOST_TEST(expired.family.id == short_token.family.id);

    FamilyAndToken short_family =
        newFamily(project.client_id, user.id, session.id, "", kNow + 100);
    auto family_over = value(store().refresh().rotate(short_family.token.token_hash, short_family.family.client_id,
                                                      successorOf(short_family), kNow + 100, 0),
                             "family expired");
    BOOST_TEST(family_over.status == sdk::RotateStatus::expired);
    // Nothing was rotated by an expired attempt.
    BOOST_TEST(value(store().refresh().find(short_family.token.token_hash), "find").first.rotated_at ==
               0);

    auto unknown = value(store().refresh().rotate(hashOf("none"), project.client_id, successorOf(short_family), kNow, 0),
                         "unknown");
    BOOST_TEST(unknown.status == sdk::RotateStatus::not_found);
    CHECK_FAILS(store().refresh().rotate(short_family.token.token_hash, short_family.family.client_id, sdk::RefreshToken{}, kNow, 0),
                ErrorCode::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(revoke_family_keeps_the_first_reason, RefreshSetup) {
    FamilyAndToken base = newFamily(project.client_id, user.id, session.id);
    REQUIRE_OK(store().refresh().revokeFamily(base.family.id, kNow + 1, "logout"));
    REQUIRE_OK(store().refresh().revokeFamily(base.family.id, kNow + 2, "admin"));
    sdk::RefreshFamily family = value(store().refresh().getFamily(base.family.id), "family");
    BOOST_TEST(family.revoked_at == kNow + 1);
    BOOST_TEST(family.revoked_reason == "logout");
    auto rotated = value(store().refresh().rotate(base.token.token_hash, base.family.client_id, successorOf(base), kNow + 3, 0),
                         "rotate revoked");
    BOOST_TEST(rotated.status == sdk::RotateStatus::revoked);
    BOOST_TEST(rotated.family.revoked_reason == "logout");
    CHECK_FAILS(store().refresh().revokeFamily(uid("ghost"), kNow, "x"), ErrorCode::not_found);
}

BOOST_FIXTURE_TEST_CASE(revoke_by_origin_user_and_client_count_families, RefreshSetup) {
    std::string origin = hashOf("code");
    FamilyAndToken a = newFamily(project.client_id, user.id, session.id, origin);
    FamilyAndToken b = newFamily(project.client_id, user.id, session.id, origin);
    FamilyAndToken c = newFamily(project.client_id, user.id, session.id);
    BOOST_TEST(value(store().refresh().revokeByOrigin(origin, kNow, "code_replay"), "origin") == 2);
    BOOST_TEST(value(store().refresh().revokeByOrigin(origin, kNow, "code_replay"), "again") == 0);
    BOOST_TEST(value(store().refresh().getFamily(a.family.id), "a").revoked_reason == "code_replay");
    BOOST_TEST(value(store().refresh().getFamily(b.family.id), "b").revoked_at == kNow);
    BOOST_TEST(value(store().refresh().getFamily(c.family.id), "c").revoked_at == 0);
    BOOST_TEST(value(store().refresh().revokeByOrigin(hashOf("none"), kNow, "x"), "none") == 0);

    sdk::User other_user = newUser();
    sdk::Project other_project = newProject();
    FamilyAndToken d = newFamily(other_project.client_id, other_user.id, "");
    FamilyAndToken e = newFamily(other_project.client_id, user.id, "");
    BOOST_TEST(value(store().refresh().revokeForUser(user.id, kNow + 1, "suspended"), "user") == 2);
    BOOST_TEST(value(store().refresh().getFamily(c.family.id), "c").revoked_reason == "suspended");
    BOOST_TEST(value(store().refresh().getFamily(e.family.id), "e").revoked_at == kNow + 1);
    BOOST_TEST(value(store().refresh().getFamily(d.family.id), "d").revoked_at == 0);
    BOOST_TEST(value(store().refresh().revokeForClient(other_project.client_id, kNow + 2, "client"),
                     "client") == 1);
    BOOST_TEST(value(store().refresh().getFamily(d.family.id), "d").revoked_reason == "client");
    BOOST_TEST(value(store().refresh().getFamily(e.family.id), "e").revoked_reason == "suspended");
}

BOOST_FIXTURE_TEST_CASE(purge_removes_expired_families_and_tokens, RefreshSetup) {
    FamilyAndToken ended = newFamily(project.client_id, user.id, session.id, "", kNow + 10);
    FamilyAndToken live = newFamily(project.client_id, user.id, session.id, "", kNow + 86400);
    sdk::RefreshToken next = successorOf(live, kNow + 1);
    REQUIRE_OK(store().refresh().rotate(live.token.token_hash, live.family.client_id, next, kNow + 1, 0));
    // live.token expires at kNow + 3600; the family and its successor live on.
    BOOST_TEST(value(store().refresh().purgeExpired(kNow + 3600), "purge") >= 2);
    CHECK_FAILS(store().refresh().getFamily(ended.family.id), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().find(ended.token.token_hash), ErrorCode::not_found);
    CHECK_FAILS(store().refresh().find(live.token.token_hash), ErrorCode::not_found);
    REQUIRE_OK(store().refresh().find(next.token_hash));
    REQUIRE_OK(store().refresh().getFamily(live.family.id));
}

BOOST_FIXTURE_TEST_CASE(first_token_of_another_family_is_refused, RefreshSetup) {
    FamilyAndToken base;
    base.family.id = uid("fam");
    base.family.client_id = project.client_id;
    base.family.user_id = user.id;
    base.token.token_hash = hashOf("rt");
    base.token.family_id = uid("other-fam");
    CHECK_FAILS(store().refresh().createFamily(base.family, base.token), ErrorCode::invalid_argument);
    base.token.family_id.clear();
    base.family.client_id = uid("ghost");
    CHECK_FAILS(store().refresh().createFamily(base.family, base.token), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ consents

BOOST_AUTO_TEST_SUITE(consents)

BOOST_AUTO_TEST_CASE(put_get_replace_remove) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    CHECK_FAILS(store().consents().get(user.id, project.client_id), ErrorCode::not_found);
    REQUIRE_OK(store().consents().put({user.id, project.client_id, "openid", kNow}));
    sdk::Consent got = value(store().consents().get(user.id, project.client_id), "get");
    BOOST_TEST(got.scope == "openid");
    BOOST_TEST(got.granted_at == kNow);
    REQUIRE_OK(store().consents().put({user.id, project.client_id, "openid email", kNow + 5}));
    got = value(store().consents().get(user.id, project.client_id), "get again");
    BOOST_TEST(got.scope == "openid email");
    BOOST_TEST(got.granted_at == kNow + 5);
    REQUIRE_OK(store().consents().remove(user.id, project.client_id));
    CHECK_FAILS(store().consents().get(user.id, project.client_id), ErrorCode::not_found);
    CHECK_FAILS(store().consents().remove(user.id, project.client_id), ErrorCode::not_found);
    CHECK_FAILS(store().consents().put({uid("ghost"), project.client_id, "openid", kNow}),
                ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ counters

BOOST_AUTO_TEST_SUITE(counters)

BOOST_AUTO_TEST_CASE(increment_counts_within_the_window_then_restarts) {
    std::string key = "password:acct:" + uid("c");
    CHECK_FAILS(store().counters().get(key), ErrorCode::not_found);
    sdk::Counter first = value(store().counters().increment(key, kNow, 60), "1");
    BOOST_TEST(first.key == key);
    BOOST_TEST(first.count == 1);
    BOOST_TEST(first.window_start == kNow);
    BOOST_TEST(first.updated_at == kNow);
    BOOST_TEST(value(store().counters().increment(key, kNow + 30, 60), "2").count == 2);
    sdk::Counter third = value(store().counters().increment(key, kNow + 60, 60), "3");
    BOOST_TEST(third.count == 3);  // window_start == now - window: not older yet
    BOOST_TEST(third.window_start == kNow);
    BOOST_TEST(third.updated_at == kNow + 60);
    sdk::Counter restarted = value(store().counters().increment(key, kNow + 61, 60), "restart");
    BOOST_TEST(restarted.count == 1);
    BOOST_TEST(restarted.window_start == kNow + 61);
    sdk::Counter got = value(store().counters().get(key), "get");
    BOOST_TEST(got.count == 1);
    BOOST_TEST(got.window_start == kNow + 61);
    CHECK_FAILS(store().counters().increment("", kNow, 60), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(lock_survives_increments_and_window_restarts) {
    std::string key = "pin:acct:" + uid("c");
    REQUIRE_OK(store().counters().lock(key, kNow + 900));
    sdk::Counter locked = value(store().counters().get(key), "get");
    BOOST_TEST(locked.locked_until == kNow + 900);
    BOOST_TEST(locked.count == 0);
    sdk::Counter bumped = value(store().counters().increment(key, kNow, 60), "inc");
    BOOST_TEST(bumped.count == 1);
    BOOST_TEST(bumped.locked_until == kNow + 900);
    REQUIRE_OK(store().counters().increment(key, kNow + 10, 60));
    REQUIRE_OK(store().counters().lock(key, kNow + 1800));
    sdk::Counter relocked = value(store().counters().get(key), "get");
    BOOST_TEST(relocked.count == 2);
    BOOST_TEST(relocked.locked_until == kNow + 1800);
    BOOST_TEST(value(store().counters().increment(key, kNow + 500, 60), "restart").locked_until ==
               kNow + 1800);
}

BOOST_AUTO_TEST_CASE(reset_deletes_and_is_fine_when_absent) {
    std::string key = "password:ip:" + uid("c");
    REQUIRE_OK(store().counters().increment(key, kNow, 60));
    REQUIRE_OK(store().counters().reset(key));
    CHECK_FAILS(store().counters().get(key), ErrorCode::not_found);
    REQUIRE_OK(store().counters().reset(key));
    BOOST_TEST(value(store().counters().increment(key, kNow, 60), "after reset").count == 1);
}

BOOST_AUTO_TEST_CASE(purge_idle_keeps_recent_and_locked_counters) {
    std::string idle = "idle:" + uid("c");
    std::string recent = "recent:" + uid("c");
    std::string locked = "locked:" + uid("c");
    REQUIRE_OK(store().counters().increment(idle, kNow - 10'000, 60));
    REQUIRE_OK(store().counters().increment(recent, kNow, 60));
    REQUIRE_OK(store().counters().increment(locked, kNow - 10'000, 60));
    REQUIRE_OK(store().counters().lock(locked, kNow + 600));
    BOOST_TEST(value(store().counters().purgeIdle(kNow - 100), "purge") >= 1);
    CHECK_FAILS(store().counters().get(idle), ErrorCode::not_found);
    REQUIRE_OK(store().counters().get(recent));
    REQUIRE_OK(store().counters().get(locked));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ keys

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(add_list_update_remove) {
    std::string tag = uid("kid");
    sdk::SigningKey newer{tag + "-b", "ES256", "enc:b", R"({"kty":"EC"})", kNow + 10, 0, 0};
    sdk::SigningKey older{tag + "-a", "RS256", "enc:a", R"({"kty":"RSA"})", kNow, 0, 0};
    REQUIRE_OK(store().keys().add(newer));
    REQUIRE_OK(store().keys().add(older));
    CHECK_FAILS(store().keys().add(older), ErrorCode::conflict);
    std::vector<sdk::SigningKey> mine;
    for (const sdk::SigningKey& key : value(store().keys().list(), "list")) {
        if (key.kid.rfind(tag, 0) == 0) {
            mine.push_back(key);
        }
    }
    BOOST_REQUIRE(mine.size() == 2U);
    BOOST_TEST(mine[0].kid == older.kid);
    BOOST_TEST(mine[0].alg == "RS256");
    BOOST_TEST(mine[0].private_key_enc == "enc:a");
    BOOST_TEST(mine[0].public_jwk == older.public_jwk);
    BOOST_TEST(mine[1].kid == newer.kid);

    older.retire_at = kNow + 100;
    older.expires_at = kNow + 200;
    REQUIRE_OK(store().keys().update(older));
    for (const sdk::SigningKey& key : value(store().keys().list(), "list")) {
        if (key.kid == older.kid) {
            BOOST_TEST(key.retire_at == kNow + 100);
            BOOST_TEST(key.expires_at == kNow + 200);
            BOOST_TEST(key.created_at == kNow);
        }
    }
    REQUIRE_OK(store().keys().remove(older.kid));
    CHECK_FAILS(store().keys().remove(older.kid), ErrorCode::not_found);
    CHECK_FAILS(store().keys().update(older), ErrorCode::not_found);
    sdk::SigningKey nameless;
    CHECK_FAILS(store().keys().add(nameless), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ audit

BOOST_AUTO_TEST_SUITE(audit)

BOOST_AUTO_TEST_CASE(list_filters_and_pages_newest_first) {
    std::string user_a = uid("ua");
    std::string user_b = uid("ub");
    std::string client = uid("client");
    std::vector<sdk::AuditEvent> events;
    for (int i = 0; i < 6; ++i) {
        sdk::AuditEvent event;
        event.id = uid("evt");
        event.time = kNow + (i / 2);  // pairs share a second: the id breaks the tie
        event.type = i % 3 == 0 ? "signin.failure" : "signin.success";
        event.user_id = i < 4 ? user_a : user_b;
        event.client_id = i % 2 == 0 ? client : "";
        event.client_address = "10.0.0." + std::to_string(i);
        event.detail = R"({"i":)" + std::to_string(i) + "}";
        REQUIRE_OK(store().audit().append(event));
        events.push_back(event);
    }
    CHECK_FAILS(store().audit().append(events[0]), ErrorCode::conflict);

    sdk::AuditQuery query;
    query.user_id = user_a;
    query.limit = 3;
    auto first = value(store().audit().list(query), "page 1");
    BOOST_REQUIRE(first.items.size() == 3U);
    BOOST_TEST(!first.next_cursor.empty());
    query.cursor = first.next_cursor;
    auto second = value(store().audit().list(query), "page 2");
    BOOST_REQUIRE(second.items.size() == 1U);
    BOOST_TEST(second.next_cursor.empty());
    std::vector<sdk::AuditEvent> all = first.items;
    all.insert(all.end(), second.items.begin(), second.items.end());
    for (std::size_t i = 1; i < all.size(); ++i) {
        bool ordered = all[i - 1].time > all[i].time ||
                       (all[i - 1].time == all[i].time && all[i - 1].id > all[i].id);
        BOOST_TEST(ordered);
    }
    BOOST_TEST(all[0].time == kNow + 1);
    BOOST_TEST(all[3].time == kNow);
    const sdk::AuditEvent& sample = all[0];
    auto original = std::find_if(events.begin(), events.end(),
                                 [&](const sdk::AuditEvent& e) { return e.id == sample.id; });
    BOOST_REQUIRE(original != events.end());
    BOOST_TEST(sample.type == original->type);
    BOOST_TEST(sample.client_id == original->client_id);
    BOOST_TEST(sample.client_address == original->client_address);
    BOOST_TEST(sample.detail == original->detail);

    sdk::AuditQuery by_client;
    by_client.client_id = client;
    BOOST_TEST(value(store().audit().list(by_client), "client").items.size() == 3U);
    sdk::AuditQuery by_type;
    by_type.client_id = client;
    by_type.type = "signin.failure";
    BOOST_TEST(value(store().audit().list(by_type), "type").items.size() == 1U);
    sdk::AuditQuery window;
    window.user_id = user_b;
    window.since = kNow + 2;
    BOOST_TEST(value(store().audit().list(window), "since").items.size() == 2U);
    window.user_id = user_a;
    window.since = kNow;
    window.until = kNow + 1;  // exclusive
    auto bounded = value(store().audit().list(window), "until");
    BOOST_TEST(bounded.items.size() == 2U);
    for (const sdk::AuditEvent& event : bounded.items) {
        BOOST_TEST(event.time == kNow);
    }
    sdk::AuditQuery bad;
    bad.cursor = "zz.zz";
    CHECK_FAILS(store().audit().list(bad), ErrorCode::invalid_argument);
    bad.cursor.clear();
    bad.limit = 0;
    CHECK_FAILS(store().audit().list(bad), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ plugin data

BOOST_AUTO_TEST_SUITE(plugin_data)

BOOST_AUTO_TEST_CASE(put_get_replace_remove) {
    std::string ns = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "k", "v1", 0}));
    sdk::PluginRecord got = value(store().pluginData().get(ns, "k", kNow), "get");
    BOOST_TEST(got.ns == ns);
    BOOST_TEST(got.key == "k");
    BOOST_TEST(got.value == "v1");
    BOOST_TEST(got.expires_at == 0);
    REQUIRE_OK(store().pluginData().put({ns, "k", "v2", kNow + 10}));
    BOOST_TEST(value(store().pluginData().get(ns, "k", kNow), "get").value == "v2");
    CHECK_FAILS(store().pluginData().get(uid("ns"), "k", kNow), ErrorCode::not_found);
    REQUIRE_OK(store().pluginData().remove(ns, "k"));
    CHECK_FAILS(store().pluginData().get(ns, "k", kNow), ErrorCode::not_found);
    CHECK_FAILS(store().pluginData().remove(ns, "k"), ErrorCode::not_found);
    CHECK_FAILS(store().pluginData().put({"", "k", "v", 0}), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_CASE(expired_records_read_as_not_found) {
    std::string ns = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "k", "v", kNow + 10}));
    REQUIRE_OK(store().pluginData().get(ns, "k", kNow + 9));
    CHECK_FAILS(store().pluginData().get(ns, "k", kNow + 10), ErrorCode::not_found);
    CHECK_FAILS(store().pluginData().take(ns, "k", kNow + 10), ErrorCode::not_found);
    REQUIRE_OK(store().pluginData().put({ns, "live", "v", kNow + 1000}));
    REQUIRE_OK(store().pluginData().put({ns, "forever", "v", 0}));
    BOOST_TEST(value(store().pluginData().purgeExpired(kNow + 10), "purge") >= 1);
    CHECK_FAILS(store().pluginData().remove(ns, "k"), ErrorCode::not_found);
    REQUIRE_OK(store().pluginData().get(ns, "live", kNow + 10));
    REQUIRE_OK(store().pluginData().get(ns, "forever", kNow + 10));
}

BOOST_AUTO_TEST_CASE(take_returns_it_once) {
    std::string ns = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "magic", "payload", kNow + 600}));
    sdk::PluginRecord taken = value(store().pluginData().take(ns, "magic", kNow), "take");
    BOOST_TEST(taken.value == "payload");
    BOOST_TEST(taken.expires_at == kNow + 600);
    CHECK_FAILS(store().pluginData().take(ns, "magic", kNow), ErrorCode::not_found);
    CHECK_FAILS(store().pluginData().get(ns, "magic", kNow), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(list_pages_the_live_records_of_one_namespace_by_key) {
    std::string ns = uid("ns");
    std::string other = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "d4", "four", 0}));
    REQUIRE_OK(store().pluginData().put({ns, "b2", "two", kNow + 60}));
    REQUIRE_OK(store().pluginData().put({ns, "a1", "one", kNow + 1}));
    REQUIRE_OK(store().pluginData().put({ns, "c3", "gone", kNow}));  // expired at kNow
    REQUIRE_OK(store().pluginData().put({ns, "e5", "five", kNow + 600}));
    REQUIRE_OK(store().pluginData().put({other, "b2", "elsewhere", 0}));

    std::vector<sdk::PluginRecord> seen;
    std::string cursor;
    int pages = 0;
    while (true) {
        auto page = value(store().pluginData().list(ns, kNow, cursor, 2), "list");
        ++pages;
        BOOST_TEST(page.items.size() <= 2U);
        seen.insert(seen.end(), page.items.begin(), page.items.end());
        if (page.next_cursor.empty()) {
            break;
        }
        cursor = page.next_cursor;
        BOOST_REQUIRE(pages < 10);
    }
    BOOST_TEST(pages == 2);
    BOOST_REQUIRE(seen.size() == 4U);
    std::vector<std::string> keys;
    for (const sdk::PluginRecord& record : seen) {
        keys.push_back(record.key);
        BOOST_TEST(record.ns == ns);
    }
    BOOST_TEST(keys == (std::vector<std::string>{"a1", "b2", "d4", "e5"}),
               boost::test_tools::per_element());
    BOOST_TEST(seen[1].value == "two");
    BOOST_TEST(seen[1].expires_at == kNow + 60);
    BOOST_TEST(seen[2].expires_at == 0);

    // Later, fewer are live; a taken or removed record is gone from the listing.
    auto later = value(store().pluginData().list(ns, kNow + 60, "", 10), "list later");
    BOOST_REQUIRE(later.items.size() == 2U);
    BOOST_TEST(later.items[0].key == "d4");
    BOOST_TEST(later.items[1].key == "e5");
    BOOST_TEST(later.next_cursor.empty());
    REQUIRE_OK(store().pluginData().take(ns, "d4", kNow));
    REQUIRE_OK(store().pluginData().remove(ns, "e5"));
    auto none = value(store().pluginData().list(ns, kNow + 60, "", 10), "list none");
    BOOST_TEST(none.items.empty());
    BOOST_TEST(none.next_cursor.empty());
    BOOST_TEST(value(store().pluginData().list(uid("ns"), kNow, "", 10), "empty").items.empty());
}

BOOST_AUTO_TEST_CASE(list_refuses_bad_namespace_limit_and_cursor) {
    std::string ns = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "k", "v", 0}));
    CHECK_FAILS(store().pluginData().list("", kNow, "", 10), ErrorCode::invalid_argument);
    CHECK_FAILS(store().pluginData().list(ns, kNow, "", 0), ErrorCode::invalid_argument);
    CHECK_FAILS(store().pluginData().list(ns, kNow, "", -1), ErrorCode::invalid_argument);
    CHECK_FAILS(store().pluginData().list(ns, kNow, "", 1001), ErrorCode::invalid_argument);
    CHECK_FAILS(store().pluginData().list(ns, kNow, "not a cursor!", 10),
                ErrorCode::invalid_argument);
    BOOST_TEST(value(store().pluginData().list(ns, kNow, "", 1000), "max").items.size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ transactions

BOOST_AUTO_TEST_SUITE(transactions)

BOOST_AUTO_TEST_CASE(commits_when_the_work_succeeds) {
    sdk::User user;
    user.id = uid("txu");
    user.email = user.id + "@example.test";
    sdk::Project project = sampleProject();
    REQUIRE_OK(store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto created = tx.users().create(user); !created) {
            return created;
        }
        if (auto created = tx.projects().create(project); !created) {
            return created;
        }
        // Reads inside see the transaction's own writes.
        auto read = tx.users().get(user.id);
        if (!read) {
            return std::move(read).error();
        }
        return tx.consents().put({user.id, project.client_id, "openid", kNow});
    }));
    REQUIRE_OK(store().users().get(user.id));
    REQUIRE_OK(store().projects().get(project.client_id));
    REQUIRE_OK(store().consents().get(user.id, project.client_id));
}

BOOST_AUTO_TEST_CASE(rolls_back_when_the_work_fails) {
    sdk::User user;
    user.id = uid("txu");
    user.email = user.id + "@example.test";
    std::string counter = "tx:" + uid("c");
    auto result = store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto created = tx.users().create(user); !created) {
            return created;
        }
        if (auto inc = tx.counters().increment(counter, kNow, 60); !inc) {
            return std::move(inc).error();
        }
        return sdk::makeError(ErrorCode::denied, "changed my mind");
    });
    BOOST_REQUIRE(failsWith(result, ErrorCode::denied));
    BOOST_TEST(result.error().message == "changed my mind");
    CHECK_FAILS(store().users().get(user.id), ErrorCode::not_found);
    CHECK_FAILS(store().counters().get(counter), ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(a_failed_step_does_not_poison_the_transaction) {
    sdk::User existing = newUser();
    sdk::User fresh;
    fresh.id = uid("txu");
    fresh.email = fresh.id + "@example.test";
    REQUIRE_OK(store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        auto clash = tx.users().create(existing);
        if (clash || clash.error().code != ErrorCode::conflict) {
            return sdk::makeError(ErrorCode::internal, "expected a conflict, got " + describe(clash));
        }
        auto missing = tx.users().get(uid("ghost"));
        if (missing || missing.error().code != ErrorCode::not_found) {
            return sdk::makeError(ErrorCode::internal, "expected not_found");
        }
        return tx.users().create(fresh);
    }));
    REQUIRE_OK(store().users().get(fresh.id));
}

BOOST_AUTO_TEST_CASE(single_use_operations_inside_a_transaction_roll_back_too) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, "");
    auto result = store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        auto consumed = tx.codes().consume(code.code_hash, kNow);
        if (!consumed) {
            return std::move(consumed).error();
        }
        auto again = tx.codes().consume(code.code_hash, kNow);
        if (again || again.error().code != ErrorCode::already_consumed) {
            return sdk::makeError(ErrorCode::internal, "second consume in tx: " + describe(again));
        }
        return sdk::makeError(ErrorCode::denied, "roll back");
    });
    BOOST_REQUIRE(failsWith(result, ErrorCode::denied));
    REQUIRE_OK(store().codes().consume(code.code_hash, kNow));
}

BOOST_AUTO_TEST_CASE(exceptions_and_nesting_are_refused) {
    sdk::User user;
    user.id = uid("txu");
    auto thrown = store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto created = tx.users().create(user); !created) {
            return created;
        }
        throw std::runtime_error("boom");
    });
    BOOST_TEST(failsWith(thrown, ErrorCode::internal));
    CHECK_FAILS(store().users().get(user.id), ErrorCode::not_found);

    auto nested = store().transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        auto inner = tx.transact([](sdk::Storage&) { return sdk::ok(); });
        if (inner || inner.error().code != ErrorCode::invalid_argument) {
            return sdk::makeError(ErrorCode::internal, "nested transact: " + describe(inner));
        }
        auto migrate = tx.migrate();
        if (migrate) {
            return sdk::makeError(ErrorCode::internal, "migrate inside a transaction worked");
        }
        return tx.ping();
    });
    REQUIRE_OK(nested);
    CHECK_FAILS(store().transact({}), ErrorCode::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ concurrency

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(racing_code_consumers_have_one_winner) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    for (int round = 0; round < 3; ++round) {
        sdk::AuthorizationCode code = newCode(project.client_id, user.id, "");
        std::atomic<int> wins{0};
        std::atomic<int> replays{0};
        std::atomic<int> other{0};
        Notes notes;
        race([&](int) {
            auto result = store().codes().consume(code.code_hash, kNow);
            if (result) {
                ++wins;
            } else if (result.error().code == ErrorCode::already_consumed) {
                ++replays;
            } else {
                ++other;
                notes.add(describe(result));
            }
        });
        notes.report();
        BOOST_TEST(wins.load() == 1);
        BOOST_TEST(replays.load() == kRacers - 1);
        BOOST_TEST(other.load() == 0);
    }
}

BOOST_AUTO_TEST_CASE(racing_refresh_rotations_have_one_winner_and_revoke_the_family) {
    sdk::User user = newUser();
    sdk::Project project = newProject();
    FamilyAndToken base = newFamily(project.client_id, user.id, "");
    std::vector<sdk::RefreshToken> successors;
    for (int i = 0; i < kRacers; ++i) {
        successors.push_back(successorOf(base));
    }
    std::atomic<int> rotated{0};
    std::atomic<int> reuse{0};
    std::atomic<int> other{0};
    Notes notes;
    race([&](int i) {
        auto result = store().refresh().rotate(base.token.token_hash, base.family.client_id, successors[static_cast<std::size_t>(i)],
                                               kNow, 30);
        if (!result) {
            ++other;
            notes.add(describe(result));
        } else if (result->status == sdk::RotateStatus::rotated) {
            ++rotated;
        } else if (result->status == sdk::RotateStatus::reuse_detected ||
                   result->status == sdk::RotateStatus::revoked) {
            ++reuse;
        } else {
            ++other;
            notes.add("status " + std::to_string(static_cast<int>(result->status)));
        }
    });
    notes.report();
    BOOST_TEST(rotated.load() == 1);
    BOOST_TEST(reuse.load() == kRacers - 1);
    BOOST_TEST(other.load() == 0);
    sdk::RefreshFamily family = value(store().refresh().getFamily(base.family.id), "family");
    BOOST_TEST(family.revoked_at != 0);
    BOOST_TEST(family.revoked_reason == "reuse");
    auto old_token = value(store().refresh().find(base.token.token_hash), "find").first;
    int stored = 0;
    for (const sdk::RefreshToken& next : successors) {
        if (store().refresh().find(next.token_hash)) {
            ++stored;
            BOOST_TEST(old_token.successor_hash == next.token_hash);
        }
    }
    BOOST_TEST(stored == 1);
}

BOOST_AUTO_TEST_CASE(racing_pending_takers_have_one_winner) {
    sdk::PendingAuthorization pending;
    pending.id = uid("pend");
    pending.client_id = "proj_any";
    pending.expires_at = kNow + 600;
    REQUIRE_OK(store().pending().create(pending));
    std::atomic<int> wins{0};
    std::atomic<int> taken{0};
    Notes notes;
    race([&](int) {
        auto result = store().pending().take(pending.id);
        if (result) {
            ++wins;
        } else if (result.error().code == ErrorCode::already_consumed) {
            ++taken;
        } else {
            notes.add(describe(result));
        }
    });
    notes.report();
    BOOST_TEST(wins.load() == 1);
    BOOST_TEST(taken.load() == kRacers - 1);
}

BOOST_AUTO_TEST_CASE(racing_plugin_data_takers_have_one_winner) {
    std::string ns = uid("ns");
    REQUIRE_OK(store().pluginData().put({ns, "token", "v", kNow + 600}));
    std::atomic<int> wins{0};
    std::atomic<int> missing{0};
    Notes notes;
    race([&](int) {
        auto result = store().pluginData().take(ns, "token", kNow);
        if (result) {
            ++wins;
        } else if (result.error().code == ErrorCode::not_found) {
            ++missing;
        } else {
            notes.add(describe(result));
        }
    });
    notes.report();
    BOOST_TEST(wins.load() == 1);
    BOOST_TEST(missing.load() == kRacers - 1);
}

BOOST_AUTO_TEST_CASE(racing_increments_add_up_exactly) {
    std::string key = "race:" + uid("c");
    constexpr int kPerThread = 25;
    std::atomic<int> failures{0};
    std::vector<std::vector<std::int64_t>> seen(kRacers);
    Notes notes;
    race([&](int i) {
        for (int n = 0; n < kPerThread; ++n) {
            auto result = store().counters().increment(key, kNow, 3600);
            if (!result) {
                ++failures;
                notes.add(describe(result));
            } else {
                seen[static_cast<std::size_t>(i)].push_back(result->count);
            }
        }
    });
    notes.report();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(value(store().counters().get(key), "get").count == kRacers * kPerThread);
    // Every caller saw a distinct count: each increment was applied and read atomically.
    std::set<std::int64_t> distinct;
    for (const auto& counts : seen) {
        distinct.insert(counts.begin(), counts.end());
    }
    BOOST_TEST(distinct.size() == static_cast<std::size_t>(kRacers * kPerThread));
}

BOOST_AUTO_TEST_CASE(racing_processes_consume_one_code_once) {
    BOOST_REQUIRE_MESSAGE(!env().childPath().empty(), "pass --child=PATH (the helper executable)");
    constexpr int kProcesses = 4;
    sdk::User user = newUser();
    sdk::Project project = newProject();
    sdk::AuthorizationCode code = newCode(project.client_id, user.id, "");
    std::string dir = env().tempDir() + "/" + uid("mp");
    std::filesystem::create_directories(dir);

    std::vector<std::string> args = {env().childPath(), "--plugin=" + env().pluginPath(),
                                     "--code=" + code.code_hash, "--now=" + std::to_string(kNow),
                                     "--go=" + dir + "/go"};
    for (const auto& [key, val] : env().mainConfig()) {
        args.push_back("--config=" + key + "=" + val);
    }
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; ++i) {
        std::vector<std::string> mine = args;
        mine.push_back("--ready=" + dir + "/ready-" + std::to_string(i));
        std::vector<char*> argv;
        for (std::string& arg : mine) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        pid_t pid = 0;
        int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
        BOOST_REQUIRE_MESSAGE(rc == 0, "posix_spawn failed: " << rc);
        children.push_back(pid);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool all_ready = false;
    while (!all_ready && std::chrono::steady_clock::now() < deadline) {
        all_ready = true;
        for (int i = 0; i < kProcesses; ++i) {
            all_ready = all_ready && std::filesystem::exists(dir + "/ready-" + std::to_string(i));
        }
        if (!all_ready) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    std::ofstream(dir + "/go").put('1');
    int wins = 0;
    int replays = 0;
    for (pid_t pid : children) {
        int status = 0;
        BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
        BOOST_REQUIRE_MESSAGE(WIFEXITED(status), "child " << pid << " did not exit normally");
        int code_seen = WEXITSTATUS(status);
        wins += code_seen == 0 ? 1 : 0;
        replays += code_seen == 10 ? 1 : 0;
        BOOST_TEST_MESSAGE("child " << pid << " exited " << code_seen);
    }
    BOOST_TEST(all_ready);
    BOOST_TEST(wins == 1);
    BOOST_TEST(replays == kProcesses - 1);
    CHECK_FAILS(store().codes().consume(code.code_hash, kNow), ErrorCode::already_consumed);
}

BOOST_AUTO_TEST_SUITE_END()
