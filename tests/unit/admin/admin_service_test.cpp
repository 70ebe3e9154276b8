// SPDX-License-Identifier: Apache-2.0
// The admin service over the real composition (the SQLite plugin, the password and pin
// plugins, the provider's key ring): a credential reset, a lockout lift and a provider key
// rotation each write their change and their audit event in one store transaction. A trigger
// on the database file makes one of the writes fail, and then neither is kept.
#define BOOST_TEST_MODULE admin_test
#include <boost/test/unit_test.hpp>

#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "admin/service.hpp"
#include "app/server.hpp"
#include "config/authd_config.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/provider.hpp"
#include "support/authd_process.hpp"

namespace authd::sdk {
// Printers so that BOOST_TEST can show the SDK's enums when a comparison fails.
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, Verdict::Kind kind) {
    return out << "Verdict::Kind(" << static_cast<int>(kind) << ")";
}
} // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::admin::Actor;
using authd::admin::AdminService;

namespace {

const std::string kPassword = "correct horse battery";
const std::string kNewPassword = "an entirely new passphrase";
const std::string kPin = "402917";
const Actor kActor{"authctl", "", "local"};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

/// authd as `authd serve` builds it, without a listening socket (as authctl --config does).
struct Composition {
    authd::test::TempDir dir;
    std::ostringstream log;
    std::unique_ptr<authd::app::Server> server;
    std::unique_ptr<authd::oauth::Provider> provider;
    std::unique_ptr<AdminService> service;

    Composition() {
        const std::string yaml =
            authd::test::testConfigYaml(dir.path()) +
            "authenticators:\n"
            "  - id: password\n    plugin: password\n    config: { min_length: 10 }\n"
            "  - id: pin\n    plugin: pin\n    config: { digits: 6, max_attempts: 2, lockout: 0 }\n";
        auto config = authd::config::loadConfigText(yaml, "admin_test.yaml");
        BOOST_TEST_REQUIRE(config.has_value(), (config ? "" : config.error().message));
        auto made = authd::app::Server::create(std::move(*config), log);
        BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
        server = std::move(*made);
        auto built = authd::oauth::Provider::create(*server);
        BOOST_TEST_REQUIRE(built.has_value(), (built ? "" : built.error().message));
        provider = std::move(*built);
        service = std::make_unique<AdminService>(provider->context());
    }
    ~Composition() {
        service.reset();
        provider.reset();
        server.reset();
    }

    authd::oauth::ProviderContext& ctx() { return provider->context(); }
    sdk::Storage& store() { return ctx().store; }

    /// Runs SQL on the database file through a connection of its own.
    void sql(const std::string& statements) {
        const std::string path = (dir.path() / "var" / "authd.db").string();
        sqlite3* db = nullptr;
        if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
            sqlite3_close(db);
            throw std::runtime_error("cannot open " + path);
        }
        sqlite3_busy_timeout(db, 5000);
        char* error = nullptr;
        const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
        const std::string message = error != nullptr ? error : "";
        sqlite3_free(error);
        sqlite3_close(db);
        BOOST_TEST_REQUIRE(rc == SQLITE_OK, message);
    }
    /// Makes every insert into `table` fail while `when` holds for the new row.
    void refuseInserts(const std::string& name, const std::string& table, const std::string& when) {
        sql("CREATE TRIGGER " + name + " BEFORE INSERT ON " + table + " WHEN " + when +
            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    }
    void dropTrigger(const std::string& name) { sql("DROP TRIGGER " + name + ";"); }

    std::vector<sdk::AuditEvent> events(const std::string& type, const std::string& user_id = {}) {
        ctx().audit->flush();
        sdk::AuditQuery query;
        query.type = type;
        query.user_id = user_id;
        query.limit = 200;
        auto listed = store().audit().list(query);
        BOOST_TEST_REQUIRE(listed.has_value());
        return listed->items;
    }

    sdk::User createUser(const std::string& email) {
        authd::admin::UserInput input;
        input.email = email;
        input.password = kPassword;
        input.pin = kPin;
        auto user = service->createUser(input, kActor);
        BOOST_TEST_REQUIRE(user.has_value(), (user ? "" : user.error().message));
        return *user;
    }

    /// Whether the stored credential of `kind` verifies `secret`.
    bool credentialVerifies(const std::string& user_id, const std::string& kind,
                            const std::string& secret) {
        auto credential = store().credentials().get(user_id, kind);
        BOOST_TEST_REQUIRE(credential.has_value());
        auto verified = ctx().host.crypto().verifyPassword(credential->secret_hash, secret);
        BOOST_TEST_REQUIRE(verified.has_value());
        return *verified;
    }

    /// One PIN sign-in attempt from its own address, as the login route makes it.
    sdk::Verdict pinSignIn(const std::string& email, const std::string& pin) {
        static int attempt = 0;
        sdk::LoginStep step;
        step.instance_id = "pin";
        step.pending_id = "pending-1";
        step.action_url = "/login/pin";
        step.request.method = "POST";
        step.request.path = "/login/pin";
        step.request.client_address = "192.0.2." + std::to_string(++attempt % 250);
        sdk::Fields form;
        form.add("email", email);
        form.add("pin", pin);
        sdk::Authenticator* pin_authenticator = nullptr;
        for (const auto& instance : ctx().authenticators) {
            if (instance.id == "pin") {
                pin_authenticator = instance.authenticator.get();
            }
        }
        BOOST_TEST_REQUIRE(pin_authenticator != nullptr);
        auto verdict = pin_authenticator->submit(step, form);
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }
    void lockPin(const std::string& email) {
        (void)pinSignIn(email, "111112");
        const sdk::Verdict locked = pinSignIn(email, "111113");
        BOOST_TEST_REQUIRE(contains(locked.message, "locked"), locked.message);
        BOOST_TEST_REQUIRE(pinSignIn(email, kPin).kind == sdk::Verdict::Kind::failure);
    }

    std::vector<sdk::SigningKey> storedKeys() {
        auto keys = store().keys().list();
        BOOST_TEST_REQUIRE(keys.has_value());
        return *keys;
    }
};

std::vector<std::string> kidsOf(const std::vector<sdk::SigningKey>& keys) {
    std::vector<std::string> kids;
    for (const auto& key : keys) {
        kids.push_back(key.kid + "/" + std::to_string(key.retire_at));
    }
    return kids;
}

} // namespace

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_AUTO_TEST_CASE(a_reset_writes_the_credential_and_exactly_one_event) {
    Composition c;
    const sdk::User user = c.createUser("reset@example.com");
    BOOST_TEST(c.events("user.credential_set", user.id).empty());
    BOOST_TEST_REQUIRE(c.service->setPassword(user.id, kNewPassword, kActor).has_value());
    BOOST_TEST(c.credentialVerifies(user.id, "password", kNewPassword));
    BOOST_TEST(!c.credentialVerifies(user.id, "password", kPassword));
    const auto events = c.events("user.credential_set", user.id);
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(contains(events[0].detail, "\"authenticator\":\"password\""), events[0].detail);
    BOOST_TEST(contains(events[0].detail, "\"actor\":\"authctl\""), events[0].detail);
    BOOST_TEST(!contains(events[0].detail, kNewPassword));
    BOOST_TEST(contains(c.log.str(), "admin.credential_set"));
    BOOST_TEST(!contains(c.log.str(), kNewPassword));
}

BOOST_AUTO_TEST_CASE(a_refused_audit_event_keeps_the_old_credential) {
    Composition c;
    const sdk::User user = c.createUser("audit-refused@example.com");
    c.refuseInserts("refuse_event", "audit_events", "NEW.event_type = 'user.credential_set'");
    auto set = c.service->setPassword(user.id, kNewPassword, kActor);
    BOOST_TEST_REQUIRE(!set.has_value());
    BOOST_TEST(c.credentialVerifies(user.id, "password", kPassword));
    BOOST_TEST(!c.credentialVerifies(user.id, "password", kNewPassword));
    BOOST_TEST(c.events("user.credential_set", user.id).empty());

    c.dropTrigger("refuse_event");
    BOOST_TEST_REQUIRE(c.service->setPassword(user.id, kNewPassword, kActor).has_value());
    BOOST_TEST(c.credentialVerifies(user.id, "password", kNewPassword));
    BOOST_TEST(c.events("user.credential_set", user.id).size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_refused_credential_write_leaves_no_event) {
    Composition c;
    const sdk::User user = c.createUser("put-refused@example.com");
    c.refuseInserts("refuse_put", "credentials", "NEW.kind = 'pin'");
    auto set = c.service->setPin(user.id, "135790", kActor);
    BOOST_TEST_REQUIRE(!set.has_value());
    BOOST_TEST(c.credentialVerifies(user.id, "pin", kPin));
    BOOST_TEST(c.events("user.credential_set", user.id).empty());
}

BOOST_AUTO_TEST_CASE(a_refused_secret_writes_nothing) {
    Composition c;
    const sdk::User user = c.createUser("short@example.com");
    auto set = c.service->setPassword(user.id, "too short", kActor);
    BOOST_TEST_REQUIRE(!set.has_value());
    BOOST_TEST(set.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(set.error().message.rfind("password: ", 0) == 0U, set.error().message);
    BOOST_TEST(c.credentialVerifies(user.id, "password", kPassword));
    BOOST_TEST(c.events("user.credential_set", user.id).empty());
    BOOST_TEST(c.service->setPassword("no-such-user", kNewPassword, kActor).error().code ==
               sdk::ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(a_user_is_created_with_its_credentials_or_not_at_all) {
    Composition c;
    c.refuseInserts("refuse_pin", "credentials", "NEW.kind = 'pin'");
    authd::admin::UserInput input;
    input.email = "all-or-nothing@example.com";
    input.password = kPassword;
    input.pin = kPin;
    BOOST_TEST(!c.service->createUser(input, kActor).has_value());
    BOOST_TEST(c.store().users().findByEmail(input.email).error().code ==
               sdk::ErrorCode::not_found);
    c.dropTrigger("refuse_pin");
    const sdk::User user = c.createUser(input.email);
    BOOST_TEST(c.credentialVerifies(user.id, "password", kPassword));
    BOOST_TEST(c.credentialVerifies(user.id, "pin", kPin));
    BOOST_TEST(c.events("user.created", user.id).size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_new_pin_lifts_the_pin_lockout_with_it) {
    Composition c;
    const sdk::User user = c.createUser("new-pin@example.com");
    c.lockPin(user.email);
    BOOST_TEST_REQUIRE(c.service->setPin(user.id, "135790", kActor).has_value());
    BOOST_TEST((c.pinSignIn(user.email, "135790").kind == sdk::Verdict::Kind::success));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lockouts)

BOOST_AUTO_TEST_CASE(a_lift_resets_the_lock_and_writes_exactly_one_event) {
    Composition c;
    const sdk::User user = c.createUser("lift@example.com");
    c.lockPin(user.email);
    BOOST_TEST_REQUIRE(c.service->clearLockout(user.id, kActor).has_value());
    BOOST_TEST((c.pinSignIn(user.email, kPin).kind == sdk::Verdict::Kind::success));
    const auto events = c.events("user.lockout_cleared", user.id);
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(contains(events[0].detail, "\"authenticators\":\"password,pin\""),
               events[0].detail);
    BOOST_TEST(contains(c.log.str(), "admin.lockout_cleared"));
    BOOST_TEST(c.service->clearLockout("no-such-user", kActor).error().code ==
               sdk::ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(a_refused_audit_event_keeps_the_lock) {
    Composition c;
    const sdk::User user = c.createUser("lift-refused@example.com");
    c.lockPin(user.email);
    c.refuseInserts("refuse_event", "audit_events", "NEW.event_type = 'user.lockout_cleared'");
    BOOST_TEST(!c.service->clearLockout(user.id, kActor).has_value());
    BOOST_TEST(contains(c.pinSignIn(user.email, kPin).message, "locked"));
    BOOST_TEST(c.events("user.lockout_cleared", user.id).empty());

    c.dropTrigger("refuse_event");
    BOOST_TEST_REQUIRE(c.service->clearLockout(user.id, kActor).has_value());
    BOOST_TEST((c.pinSignIn(user.email, kPin).kind == sdk::Verdict::Kind::success));
    BOOST_TEST(c.events("user.lockout_cleared", user.id).size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_refused_counter_reset_leaves_no_event) {
    Composition c;
    const sdk::User user = c.createUser("reset-refused@example.com");
    c.lockPin(user.email);
    c.sql("CREATE TRIGGER refuse_reset BEFORE DELETE ON counters "
          "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    BOOST_TEST(!c.service->clearLockout(user.id, kActor).has_value());
    BOOST_TEST(c.events("user.lockout_cleared", user.id).empty());
    c.dropTrigger("refuse_reset");
    BOOST_TEST(contains(c.pinSignIn(user.email, kPin).message, "locked"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(provider_keys)

BOOST_AUTO_TEST_CASE(a_rotation_publishes_the_key_and_writes_exactly_one_event) {
    Composition c;
    const auto before = c.storedKeys();
    auto rotated = c.service->rotateProviderKey(authd::tokens::Alg::es256, 0, kActor);
    BOOST_TEST_REQUIRE(rotated.has_value(), (rotated ? "" : rotated.error().message));
    const std::string kid = rotated->kid;
    BOOST_TEST(contains(c.ctx().keys.jwksJson(c.ctx().now()), kid));
    auto active = c.ctx().keys.activeKey(authd::tokens::Alg::es256, c.ctx().now());
    BOOST_TEST_REQUIRE(active.has_value());
    BOOST_TEST(active->kid() == kid);
    BOOST_TEST(c.storedKeys().size() == before.size() + 1);
    for (const auto& key : c.storedKeys()) {
        if (key.alg == "ES256" && key.kid != kid) {
            BOOST_TEST(key.retire_at != 0);  // the old one stops signing
        }
    }
    const auto events = c.events("key.rotated");
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(contains(events[0].detail, "\"kid\":\"" + kid + "\""), events[0].detail);
    BOOST_TEST(contains(events[0].detail, "\"alg\":\"ES256\""), events[0].detail);
}

BOOST_AUTO_TEST_CASE(a_refused_audit_event_keeps_the_old_keys_in_the_store_and_the_ring) {
    Composition c;
    const auto before = kidsOf(c.storedKeys());
    const std::string jwks = c.ctx().keys.jwksJson(c.ctx().now());
    c.refuseInserts("refuse_event", "audit_events", "NEW.event_type = 'key.rotated'");
    BOOST_TEST(!c.service->rotateProviderKey(authd::tokens::Alg::es256, 0, kActor).has_value());
    BOOST_TEST(kidsOf(c.storedKeys()) == before);
    BOOST_TEST(c.ctx().keys.jwksJson(c.ctx().now()) == jwks);
    BOOST_TEST(c.ctx().keys.list().size() == before.size());
    BOOST_TEST(c.events("key.rotated").empty());

    c.dropTrigger("refuse_event");
    auto rotated = c.service->rotateProviderKey(authd::tokens::Alg::es256, 0, kActor);
    BOOST_TEST_REQUIRE(rotated.has_value());
    BOOST_TEST(contains(c.ctx().keys.jwksJson(c.ctx().now()), rotated->kid));
    BOOST_TEST(c.events("key.rotated").size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_refused_key_write_leaves_no_event_and_no_retired_key) {
    Composition c;
    const auto before = kidsOf(c.storedKeys());
    c.refuseInserts("refuse_key", "signing_keys", "1");
    BOOST_TEST(!c.service->rotateProviderKey(authd::tokens::Alg::rs256, 0, kActor).has_value());
    BOOST_TEST(kidsOf(c.storedKeys()) == before);
    BOOST_TEST(c.events("key.rotated").empty());
}

BOOST_AUTO_TEST_SUITE_END()
