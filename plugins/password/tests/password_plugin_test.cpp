// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE password_plugin
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/dll/import.hpp>

#include "authd/sdk/abi.hpp"

#include "support/fake_config.hpp"
#include "support/fake_host.hpp"

namespace authd::sdk {
// Printers so that BOOST_TEST can show the SDK's enums when a comparison fails.
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, PluginKind kind) {
    return out << pluginKindName(kind);
}
static std::ostream& operator<<(std::ostream& out, Verdict::Kind kind) {
    return out << "Verdict::Kind(" << static_cast<int>(kind) << ")";
}
static std::ostream& operator<<(std::ostream& out, ConfigType type) {
    return out << "ConfigType(" << static_cast<int>(type) << ")";
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;

namespace {

const std::string kIncorrect = "Email or password is incorrect.";
const std::string kEnterBoth = "Enter your email and password.";

/// The plugin's manifest, loaded once from the real .so; the import handle keeps the library
/// loaded for the whole run, as the host's registry does.
const sdk::PluginManifest& manifest() {
    static const std::function<sdk::ManifestFunction> entry =
        boost::dll::import_alias<sdk::ManifestFunction>(AUTHD_PASSWORD_PLUGIN_PATH,
                                                        AUTHD_PLUGIN_SYMBOL);
    static const sdk::PluginManifest* loaded = entry();
    BOOST_TEST_REQUIRE(loaded != nullptr);
    return *loaded;
}

std::vector<sdk::ConfigKey> schemaKeys() {
    sdk::ConfigSchema schema;
    manifest().describe_config(schema);
    return schema.keys();
}

const sdk::ConfigKey* findKey(const std::vector<sdk::ConfigKey>& keys, const std::string& name) {
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const sdk::ConfigKey& k) { return k.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct Fixture {
    FakeHost host;
    FakeConfigNode config{schemaKeys(), "authenticators[0].config"};
    std::string instance_id = "password";
    sdk::AuthenticatorPtr authenticator;

    sdk::Result<sdk::AuthenticatorPtr> tryMake() {
        sdk::InstanceSpec spec{instance_id, &config};
        return manifest().make_authenticator(spec, host);
    }

    sdk::Authenticator& make() {
        BOOST_TEST_REQUIRE(config.validate().empty());
        auto made = tryMake();
        BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
        authenticator = std::move(made).value();
        return *authenticator;
    }

    sdk::Authenticator& auth() {
        if (!authenticator) {
            make();
        }
        return *authenticator;
    }

    /// A user with a password credential set through the plugin itself.
    sdk::User addUser(const std::string& email, const std::string& password) {
        auto user = host.addUser(email);
        BOOST_TEST_REQUIRE(user.has_value());
        auto set = host.setCredential(auth(), user->id, password);
        BOOST_TEST_REQUIRE(set.has_value(), (set ? "" : set.error().message));
        return *user;
    }

    static sdk::LoginStep step(const std::string& address = "192.0.2.10") {
        sdk::LoginStep s;
        s.instance_id = "password";
        s.pending_id = "pending-1";
        s.action_url = "/login/password";
        s.hidden_fields_html = "<input type=\"hidden\" name=\"csrf\" value=\"tok123\">";
        s.client_id = "proj_demo";
        s.project_name = "Demo";
        s.request.method = "POST";
        s.request.path = "/login/password";
        s.request.client_address = address;
        return s;
    }

    sdk::Verdict submit(const std::string& email, const std::string& password,
                        const std::string& address = "192.0.2.10") {
        sdk::Fields form;
        form.add("email", email);
        form.add("password", password);
        auto verdict = auth().submit(step(address), form);
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }

    std::vector<sdk::AuditEvent> audit(const std::string& type) {
        sdk::AuditQuery query;
        query.type = type;
        query.limit = 1000;
        auto listed = host.storage().audit().list(query);
        BOOST_TEST_REQUIRE(listed.has_value());
        return listed->items;
    }

    sdk::ThrottleState throttle(const std::string& key) {
        auto state = host.rateLimiter().check(key, sdk::ThrottlePolicy{});
        BOOST_TEST_REQUIRE(state.has_value());
        return *state;
    }

    std::string accountKey(const std::string& email) {
        return instance_id + ":acct:" + host.crypto().sha256Hex(email);
    }
};

bool isSuccess(const sdk::Verdict& v) { return v.kind == sdk::Verdict::Kind::success; }
bool isFailure(const sdk::Verdict& v) { return v.kind == sdk::Verdict::Kind::failure; }

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_and_config)

BOOST_AUTO_TEST_CASE(manifest_declares_a_password_authenticator) {
    const sdk::PluginManifest& m = manifest();
    BOOST_TEST(m.abi_version == static_cast<std::uint32_t>(AUTHD_SDK_ABI_VERSION));
    BOOST_TEST(std::string(m.toolchain) == AUTHD_SDK_TOOLCHAIN);
    BOOST_TEST(std::string(m.name) == "password");
    BOOST_TEST(m.kind == sdk::PluginKind::authenticator);
    BOOST_TEST(std::string(m.version).size() > 0U);
    BOOST_TEST(m.describe_config != nullptr);
    BOOST_TEST(m.make_authenticator != nullptr);
    BOOST_TEST(m.make_storage == nullptr);
    BOOST_TEST(m.make_mailer == nullptr);
}

BOOST_AUTO_TEST_CASE(schema_declares_documented_keys_and_defaults) {
    const auto keys = schemaKeys();
    const sdk::ConfigKey* min_length = findKey(keys, "min_length");
    BOOST_TEST_REQUIRE(min_length != nullptr);
    BOOST_TEST(min_length->type == sdk::ConfigType::integer);
    BOOST_TEST(min_length->default_value == "10");
    BOOST_TEST(min_length->min == 8);
    BOOST_TEST(min_length->max == 1024);
    const sdk::ConfigKey* max_length = findKey(keys, "max_length");
    BOOST_TEST_REQUIRE(max_length != nullptr);
    BOOST_TEST(max_length->default_value == "1024");
    BOOST_TEST_REQUIRE(findKey(keys, "label") != nullptr);
    const sdk::ConfigKey* throttle = findKey(keys, "throttle");
    BOOST_TEST_REQUIRE(throttle != nullptr);
    BOOST_TEST(throttle->type == sdk::ConfigType::map);
    BOOST_TEST(!throttle->required);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"free_attempts", "3"}, {"base_delay", "1s"}, {"max_delay", "60s"}, {"lock_after", "10"},
        {"lock_for", "15m"},    {"window", "15m"},    {"address_lock_after", "50"}};
    for (const auto& [name, default_value] : expected) {
        const sdk::ConfigKey* child = findKey(throttle->children, name);
        BOOST_TEST_REQUIRE(child != nullptr, name);
        BOOST_TEST(child->default_value == default_value, name);
    }
}

BOOST_AUTO_TEST_CASE(schema_refuses_min_length_below_eight) {
    FakeConfigNode config(schemaKeys(), "authenticators[0].config");
    config.set("min_length", "7");
    const auto errors = config.validate();
    BOOST_TEST_REQUIRE(errors.size() == 1U);
    BOOST_TEST(contains(errors[0], "authenticators[0].config.min_length"));
}

BOOST_FIXTURE_TEST_CASE(refuses_min_length_above_max_length, Fixture) {
    config.set("min_length", "20").set("max_length", "12");
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, config.where("min_length")), made.error().message);
    BOOST_TEST(contains(made.error().message, "max_length"));
}

BOOST_FIXTURE_TEST_CASE(refuses_base_delay_above_max_delay, Fixture) {
    config.map("throttle").set("base_delay", "2m").set("max_delay", "30s");
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, "authenticators[0].config.throttle.base_delay"),
               made.error().message);
}

BOOST_FIXTURE_TEST_CASE(reports_every_semantic_error_at_once, Fixture) {
    config.set("min_length", "30").set("max_length", "20");
    config.map("throttle").set("base_delay", "5m").set("max_delay", "1m");
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(contains(made.error().message, "min_length"));
    BOOST_TEST(contains(made.error().message, "base_delay"));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_missing_config_node, Fixture) {
    sdk::InstanceSpec spec{"password", nullptr};
    auto made = manifest().make_authenticator(spec, host);
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
}

BOOST_FIXTURE_TEST_CASE(display_name_defaults_to_password_and_follows_label, Fixture) {
    BOOST_TEST(make().displayName() == "Password");
    config.set("label", "Staff password");
    BOOST_TEST(make().displayName() == "Staff password");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render)

BOOST_FIXTURE_TEST_CASE(renders_labelled_fields_inside_a_post_form, Fixture) {
    auto page = auth().render(step());
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(page->status == 200);
    BOOST_TEST(contains(html, "<form class=\"login-form\" method=\"post\" action=\"/login/password\">"));
    BOOST_TEST(contains(html, step().hidden_fields_html));
    BOOST_TEST(contains(html, "<label for=\"authd-password-email\">Email</label>"));
    BOOST_TEST(contains(html, "id=\"authd-password-email\" name=\"email\" type=\"email\" "
                              "autocomplete=\"username\""));
    BOOST_TEST(contains(html, "<label for=\"authd-password-password\">Password</label>"));
    BOOST_TEST(contains(html, "id=\"authd-password-password\" name=\"password\" "
                              "type=\"password\" autocomplete=\"current-password\" required"));
    BOOST_TEST(contains(html, "<button type=\"submit\" class=\"button primary\">Sign in</button>"));
    // Without a hint the email field takes focus; no error means no alert.
    BOOST_TEST(contains(html, "spellcheck=\"false\" required autofocus>"));
    BOOST_TEST(!contains(html, "role=\"alert\""));
    // CSP: no inline script or style.
    BOOST_TEST(!contains(html, "<script"));
    BOOST_TEST(!contains(html, "style="));
    BOOST_TEST(!contains(html, " on"));  // no onclick= / onsubmit= handlers
}

BOOST_FIXTURE_TEST_CASE(prefills_login_hint_and_focuses_the_password, Fixture) {
    sdk::LoginStep s = step();
    s.login_hint = "alice@example.com";
    auto page = auth().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(contains(page->body_html, "value=\"alice@example.com\">"));
    BOOST_TEST(contains(page->body_html, "autocomplete=\"current-password\" required autofocus>"));
}

BOOST_FIXTURE_TEST_CASE(escapes_a_hostile_login_hint_error_and_action, Fixture) {
    sdk::LoginStep s = step();
    s.login_hint = "\"><script>alert(1)</script>";
    s.error = "<b>bad</b> & 'worse'";
    s.action_url = "/login/password?x=\"y\"";
    auto page = auth().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(!contains(html, "<script>"));
    BOOST_TEST(!contains(html, "<b>"));
    BOOST_TEST(contains(html, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
    BOOST_TEST(contains(html, "<p class=\"alert\" role=\"alert\">&lt;b&gt;bad&lt;/b&gt; &amp; "
                              "&#39;worse&#39;</p>"));
    BOOST_TEST(contains(html, "action=\"/login/password?x=&quot;y&quot;\""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sign_in)

BOOST_FIXTURE_TEST_CASE(accepts_the_correct_password, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    const sdk::Verdict v = submit("alice@example.com", "correct horse battery");
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.user_id == alice.id);
    BOOST_TEST(v.amr == std::vector<std::string>{"pwd"});
    BOOST_TEST(contains(v.audit_detail, "\"authenticator\":\"password\""));
}

BOOST_FIXTURE_TEST_CASE(trims_and_lower_cases_the_email, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    const sdk::Verdict v = submit("  Alice@Example.COM \t", "correct horse battery");
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.user_id == alice.id);
}

BOOST_FIXTURE_TEST_CASE(never_trims_the_password, Fixture) {
    addUser("alice@example.com", "correct horse battery");
    BOOST_TEST(isFailure(submit("alice@example.com", " correct horse battery")));
    BOOST_TEST(isFailure(submit("alice@example.com", "Correct horse battery")));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_wrong_password_and_audits_it, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    const sdk::Verdict v = submit("alice@example.com", "wrong horse battery");
    BOOST_TEST(isFailure(v));
    BOOST_TEST(v.message == kIncorrect);
    const auto events = audit("signin.failure");
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(events[0].user_id == alice.id);
    BOOST_TEST(events[0].client_id == "proj_demo");
    BOOST_TEST(events[0].client_address == "192.0.2.10");
    BOOST_TEST(!events[0].id.empty());
    BOOST_TEST(contains(events[0].detail, "\"reason\":\"wrong_password\""));
    BOOST_TEST(host.recordingLogger().hasEvent("password.signin_failed"));
}

BOOST_FIXTURE_TEST_CASE(unknown_email_gets_the_same_answer_and_the_same_work, Fixture) {
    addUser("alice@example.com", "correct horse battery");
    const auto before_wrong = host.testCrypto().verifyCount();
    const sdk::Verdict wrong = submit("alice@example.com", "wrong horse battery", "192.0.2.1");
    const auto before_unknown = host.testCrypto().verifyCount();
    const sdk::Verdict unknown = submit("nobody@example.com", "wrong horse battery", "192.0.2.2");
    const auto after = host.testCrypto().verifyCount();
    BOOST_TEST(wrong.kind == unknown.kind);
    BOOST_TEST(wrong.message == unknown.message);
    // Exactly one Argon2id verification in both cases (a dummy one for the unknown email).
    BOOST_TEST(before_unknown - before_wrong == 1);
    BOOST_TEST(after - before_unknown == 1);
    const auto events = audit("signin.failure");
    BOOST_TEST_REQUIRE(events.size() == 2U);
    BOOST_TEST(events[0].user_id.empty());  // newest first: the unknown email
    BOOST_TEST(contains(events[0].detail, "\"reason\":\"unknown_email\""));
}

BOOST_FIXTURE_TEST_CASE(user_without_a_password_gets_the_same_answer, Fixture) {
    auto bob = host.addUser("bob@example.com");
    BOOST_TEST_REQUIRE(bob.has_value());
    const auto before = host.testCrypto().verifyCount();
    const sdk::Verdict v = submit("bob@example.com", "anything at all");
    BOOST_TEST(isFailure(v));
    BOOST_TEST(v.message == kIncorrect);
    BOOST_TEST(host.testCrypto().verifyCount() - before == 1);
    const auto events = audit("signin.failure");
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(contains(events[0].detail, "\"reason\":\"no_credential\""));
}

BOOST_FIXTURE_TEST_CASE(refuses_empty_fields_without_counting_them, Fixture) {
    addUser("alice@example.com", "correct horse battery");
    const auto before = host.testCrypto().verifyCount();
    BOOST_TEST(submit("", "correct horse battery").message == kEnterBoth);
    BOOST_TEST(submit("   ", "correct horse battery").message == kEnterBoth);
    BOOST_TEST(submit("alice@example.com", "").message == kEnterBoth);
    sdk::Fields no_password;
    no_password.add("email", "alice@example.com");
    auto v = auth().submit(step(), no_password);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(isFailure(*v));
    BOOST_TEST(v->message == kEnterBoth);
    auto empty = auth().submit(step(), sdk::Fields{});
    BOOST_TEST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->message == kEnterBoth);
    BOOST_TEST(host.testCrypto().verifyCount() == before);
    BOOST_TEST(throttle(accountKey("alice@example.com")).failures == 0);
    BOOST_TEST(audit("signin.failure").empty());
}

BOOST_FIXTURE_TEST_CASE(refuses_over_long_input_without_hashing_it, Fixture) {
    config.set("max_length", "64");
    make();
    addUser("alice@example.com", "correct horse battery");
    const auto before = host.testCrypto().verifyCount();
    BOOST_TEST(submit("alice@example.com", std::string(65, 'x')).message == kIncorrect);
    BOOST_TEST(submit(std::string(400, 'a') + "@example.com", "correct horse battery").message ==
               kIncorrect);
    BOOST_TEST(host.testCrypto().verifyCount() == before);
    // 64 characters is still a candidate (and simply wrong here).
    BOOST_TEST(submit("alice@example.com", std::string(64, 'x')).message == kIncorrect);
    BOOST_TEST(host.testCrypto().verifyCount() == before + 1);
}

BOOST_FIXTURE_TEST_CASE(malformed_stored_hash_fails_closed, Fixture) {
    auto carol = host.addUser("carol@example.com");
    BOOST_TEST_REQUIRE(carol.has_value());
    sdk::Credential broken;
    broken.user_id = carol->id;
    broken.kind = "password";
    broken.secret_hash = "not-a-phc-string";
    BOOST_TEST_REQUIRE(host.storage().credentials().put(broken).has_value());
    const sdk::Verdict v = submit("carol@example.com", "not-a-phc-string");
    BOOST_TEST(isFailure(v));
    BOOST_TEST(v.message == kIncorrect);
    BOOST_TEST(host.recordingLogger().hasEvent("password.hash_invalid"));
    BOOST_TEST(throttle(accountKey("carol@example.com")).failures == 1);
}

BOOST_FIXTURE_TEST_CASE(uses_the_instance_id_as_credential_kind, Fixture) {
    instance_id = "staff-password";
    const sdk::User alice = addUser("alice@example.com", "staff password 123");
    auto stored = host.storage().credentials().get(alice.id, "staff-password");
    BOOST_TEST_REQUIRE(stored.has_value());
    // A credential of another instance is not this one's.
    sdk::Credential other;
    other.user_id = alice.id;
    other.kind = "password";
    auto hash = host.crypto().hashPassword("other password 123");
    BOOST_TEST_REQUIRE(hash.has_value());
    other.secret_hash = *hash;
    BOOST_TEST_REQUIRE(host.storage().credentials().put(other).has_value());
    BOOST_TEST(isFailure(submit("alice@example.com", "other password 123")));
    BOOST_TEST(isSuccess(submit("alice@example.com", "staff password 123")));
}

BOOST_FIXTURE_TEST_CASE(storage_failures_become_errors, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    host.memoryStorage().setFailureForTest(sdk::ErrorCode::unavailable);
    sdk::Fields form;
    form.add("email", "alice@example.com");
    form.add("password", "correct horse battery");
    auto v = auth().submit(step(), form);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::unavailable);
    // Making a credential and naming lockout keys need no storage: the host does the writing.
    BOOST_TEST(auth().makeCredential(alice, "another password").has_value());
    BOOST_TEST(auth().lockoutKeys(alice).has_value());
    BOOST_TEST(auth().render(step()).has_value());  // rendering needs no storage
    host.memoryStorage().setFailureForTest(std::nullopt);
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(throttling)

BOOST_FIXTURE_TEST_CASE(delays_after_the_free_attempts_and_accepts_after_the_delay, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(submit("alice@example.com", "wrong").message == kIncorrect);
    }
    // The fourth failure costs one second, the fifth two.
    BOOST_TEST(submit("alice@example.com", "wrong").message ==
               kIncorrect + " Wait 1 second before trying again.");
    const sdk::Verdict held = submit("alice@example.com", "correct horse battery");
    BOOST_TEST(isFailure(held));
    BOOST_TEST(held.message == "Too many attempts. Wait 1 second and try again.");
    host.fakeClock().advance(1);
    BOOST_TEST(submit("alice@example.com", "wrong").message ==
               kIncorrect + " Wait 2 seconds before trying again.");
    host.fakeClock().advance(1);
    BOOST_TEST(isFailure(submit("alice@example.com", "correct horse battery")));
    host.fakeClock().advance(1);
    const sdk::Verdict ok = submit("alice@example.com", "correct horse battery");
    BOOST_TEST_REQUIRE(isSuccess(ok));
    BOOST_TEST(ok.user_id == alice.id);
    // Success clears the account's counter but not the address's.
    BOOST_TEST(throttle(accountKey("alice@example.com")).failures == 0);
    BOOST_TEST(throttle("password:addr:192.0.2.10").failures == 5);
}

BOOST_FIXTURE_TEST_CASE(locks_the_account_and_unlocks_after_lock_for, Fixture) {
    config.map("throttle").set("free_attempts", "5").set("lock_after", "3").set("lock_for", "10m");
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    BOOST_TEST(submit("alice@example.com", "wrong", "192.0.2.1").message == kIncorrect);
    BOOST_TEST(submit("alice@example.com", "wrong", "192.0.2.2").message == kIncorrect);
    const sdk::Verdict locking = submit("alice@example.com", "wrong", "192.0.2.3");
    BOOST_TEST(contains(locking.message, "this account is temporarily locked"), locking.message);
    BOOST_TEST(contains(locking.message, "10 minutes"), locking.message);
    const auto lockouts = audit("signin.lockout");
    BOOST_TEST_REQUIRE(lockouts.size() == 1U);
    BOOST_TEST(lockouts[0].user_id == alice.id);
    BOOST_TEST(contains(lockouts[0].detail, "\"scope\":\"account\""));
    BOOST_TEST(host.recordingLogger().hasEvent("password.lockout"));

    // The right password from a fresh address is refused while locked.
    const sdk::Verdict held = submit("alice@example.com", "correct horse battery", "192.0.2.4");
    BOOST_TEST(isFailure(held));
    BOOST_TEST(contains(held.message, "temporarily locked"));
    host.fakeClock().advance(9 * 60);
    BOOST_TEST(isFailure(submit("alice@example.com", "correct horse battery", "192.0.2.4")));
    host.fakeClock().advance(60);
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "192.0.2.4")));
}

BOOST_FIXTURE_TEST_CASE(lockout_answers_are_identical_for_unknown_emails, Fixture) {
    config.map("throttle").set("free_attempts", "5").set("lock_after", "3").set("lock_for", "10m");
    addUser("alice@example.com", "correct horse battery");
    std::vector<std::string> known;
    std::vector<std::string> unknown;
    for (int i = 0; i < 4; ++i) {
        const std::string address = "198.51.100." + std::to_string(i);
        known.push_back(submit("alice@example.com", "wrong", address).message);
        unknown.push_back(submit("ghost@example.com", "wrong", "203.0.113." + std::to_string(i)).message);
    }
    BOOST_TEST(known == unknown);
    BOOST_TEST(contains(known.back(), "locked"));
}

BOOST_FIXTURE_TEST_CASE(lock_for_zero_locks_until_an_administrator_clears_it, Fixture) {
    config.map("throttle").set("free_attempts", "5").set("lock_after", "2").set("lock_for", "0");
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    submit("alice@example.com", "wrong", "192.0.2.1");
    const sdk::Verdict locked = submit("alice@example.com", "wrong", "192.0.2.2");
    BOOST_TEST(contains(locked.message, "Ask an administrator"), locked.message);
    host.fakeClock().advance(30 * 86400);
    BOOST_TEST(isFailure(submit("alice@example.com", "correct horse battery", "192.0.2.3")));
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "192.0.2.3")));
}

BOOST_FIXTURE_TEST_CASE(address_locks_always_end_even_with_lock_for_zero, Fixture) {
    config.map("throttle")
        .set("free_attempts", "100")
        .set("lock_after", "100")
        .set("address_lock_after", "2")
        .set("lock_for", "0")
        .set("window", "10m");
    addUser("alice@example.com", "correct horse battery");
    submit("a@example.com", "wrong", "203.0.113.5");
    const sdk::Verdict locking = submit("b@example.com", "wrong", "203.0.113.5");
    BOOST_TEST(contains(locking.message, "from your network: sign-in is temporarily locked"),
               locking.message);
    BOOST_TEST(contains(locking.message, "10 minutes"), locking.message);
    host.fakeClock().advance(10 * 60);
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "203.0.113.5")));
}

BOOST_FIXTURE_TEST_CASE(lockout_keys_name_the_account_key_and_resetting_it_lifts_a_lock, Fixture) {
    config.map("throttle").set("free_attempts", "5").set("lock_after", "2");
    const sdk::User alice = addUser("Alice@Example.com", "correct horse battery");
    submit("alice@example.com", "wrong", "192.0.2.1");
    submit("alice@example.com", "wrong", "192.0.2.2");
    BOOST_TEST(throttle(accountKey("alice@example.com")).locked);
    auto keys = auth().lockoutKeys(alice);
    BOOST_TEST_REQUIRE(keys.has_value());
    // The account key only: address keys are nobody's to lift.
    BOOST_TEST((*keys == std::vector<std::string>{accountKey("alice@example.com")}));
    BOOST_TEST(throttle(keys->front()).locked);  // the counter the rate limiter keeps
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());
    BOOST_TEST(!throttle(accountKey("alice@example.com")).locked);
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "192.0.2.3")));
}

BOOST_FIXTURE_TEST_CASE(locks_an_address_after_address_lock_after_failures, Fixture) {
    config.map("throttle")
        .set("free_attempts", "100")
        .set("lock_after", "100")
        .set("address_lock_after", "3")
        .set("lock_for", "5m");
    const sdk::User alice = addUser("alice@example.com", "correct horse battery");
    BOOST_TEST(submit("a@example.com", "wrong", "203.0.113.9").message == kIncorrect);
    BOOST_TEST(submit("b@example.com", "wrong", "203.0.113.9").message == kIncorrect);
    const sdk::Verdict locking = submit("c@example.com", "wrong", "203.0.113.9");
    BOOST_TEST(contains(locking.message, "from your network"), locking.message);
    const auto lockouts = audit("signin.lockout");
    BOOST_TEST_REQUIRE(lockouts.size() == 1U);
    BOOST_TEST(contains(lockouts[0].detail, "\"scope\":\"address\""));
    BOOST_TEST(lockouts[0].client_address == "203.0.113.9");

    // Even the right password is refused from that address, but not from another one.
    const sdk::Verdict held = submit("alice@example.com", "correct horse battery", "203.0.113.9");
    BOOST_TEST(isFailure(held));
    BOOST_TEST(contains(held.message, "from your network"));
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "203.0.113.10")));
    host.fakeClock().advance(5 * 60);
    BOOST_TEST(isSuccess(submit("alice@example.com", "correct horse battery", "203.0.113.9")));
    (void)alice;
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_FIXTURE_TEST_CASE(make_credential_enforces_length_rules, Fixture) {
    config.set("min_length", "10").set("max_length", "20");
    make();
    auto user = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto& a = auth();
    auto too_short = a.makeCredential(*user, "123456789");
    BOOST_TEST_REQUIRE(!too_short.has_value());
    BOOST_TEST(too_short.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(contains(too_short.error().message, "at least 10"));
    auto too_long = a.makeCredential(*user, std::string(21, 'x'));
    BOOST_TEST_REQUIRE(!too_long.has_value());
    BOOST_TEST(too_long.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(contains(too_long.error().message, "at most 20"));
    BOOST_TEST(a.makeCredential(*user, "1234567890").has_value());
    BOOST_TEST(a.makeCredential(*user, std::string(20, 'x')).has_value());
    // Characters, not bytes: ten "é" (20 bytes) are long enough, five (10 bytes) are not.
    std::string ten_e;
    for (int i = 0; i < 10; ++i) {
        ten_e += "\xC3\xA9";
    }
    BOOST_TEST(a.makeCredential(*user, ten_e).has_value());
    BOOST_TEST(!a.makeCredential(*user, ten_e.substr(0, 10)).has_value());
    auto bad_utf8 = a.makeCredential(*user, "abcdefghij\xC3");
    BOOST_TEST_REQUIRE(!bad_utf8.has_value());
    BOOST_TEST(contains(bad_utf8.error().message, "UTF-8"));
    BOOST_TEST(!a.makeCredential(*user, "abcdefghij\xC0\xAF").has_value());  // overlong
}

BOOST_FIXTURE_TEST_CASE(make_credential_hashes_without_writing_anything, Fixture) {
    const std::string password = "correct horse battery";
    auto user = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto made = auth().makeCredential(*user, password);
    BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
    BOOST_TEST(made->credential.kind == "password");
    BOOST_TEST(made->credential.secret_hash.rfind("$argon2id$", 0) == 0U);
    BOOST_TEST(!contains(made->credential.secret_hash, password));
    auto verified = host.crypto().verifyPassword(made->credential.secret_hash, password);
    BOOST_TEST_REQUIRE(verified.has_value());
    BOOST_TEST(*verified);
    auto wrong = host.crypto().verifyPassword(made->credential.secret_hash, "another password");
    BOOST_TEST_REQUIRE(wrong.has_value());
    BOOST_TEST(!*wrong);
    // A password reset leaves an account lock alone; the host stores what was made.
    BOOST_TEST(made->reset_counters.empty());
    BOOST_TEST(host.storage().credentials().get(user->id, "password").error().code ==
               sdk::ErrorCode::not_found);
    BOOST_TEST(!host.recordingLogger().mentions(password));
}

BOOST_FIXTURE_TEST_CASE(set_credential_stores_an_argon2id_hash_that_verifies, Fixture) {
    const std::string password = "correct horse battery";
    const sdk::User alice = addUser("alice@example.com", password);
    auto stored = host.storage().credentials().get(alice.id, "password");
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->kind == "password");
    BOOST_TEST(stored->secret_hash.rfind("$argon2id$", 0) == 0U);
    BOOST_TEST(!contains(stored->secret_hash, password));
    auto verified = host.crypto().verifyPassword(stored->secret_hash, password);
    BOOST_TEST_REQUIRE(verified.has_value());
    BOOST_TEST(*verified);
    BOOST_TEST(stored->created_at == host.fakeClock().now());
}

BOOST_FIXTURE_TEST_CASE(set_credential_replaces_the_previous_password, Fixture) {
    const sdk::User alice = addUser("alice@example.com", "first password!");
    const sdk::UnixTime created = host.fakeClock().now();
    host.fakeClock().advance(100);
    BOOST_TEST_REQUIRE(host.setCredential(auth(), alice.id, "second password!").has_value());
    BOOST_TEST(isFailure(submit("alice@example.com", "first password!")));
    BOOST_TEST(isSuccess(submit("alice@example.com", "second password!")));
    auto stored = host.storage().credentials().get(alice.id, "password");
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->created_at == created);
    BOOST_TEST(stored->updated_at == created + 100);
}

BOOST_FIXTURE_TEST_CASE(passwords_never_reach_logs_or_audit, Fixture) {
    config.map("throttle").set("free_attempts", "1").set("lock_after", "3");
    const std::string right = "Right-Pa55word-7f3a";
    const std::string wrong = "Wrong-Pa55word-91c2";
    const std::string typed_in_email = "pa55word-in-email-field-44b1";
    const sdk::User alice = addUser("alice@example.com", right);
    BOOST_TEST_REQUIRE(host.setCredential(auth(), alice.id, right).has_value());
    submit("alice@example.com", wrong);
    submit("ghost@example.com", wrong);
    submit(typed_in_email, wrong, "192.0.2.77");
    host.fakeClock().advance(120);
    submit("alice@example.com", wrong, "192.0.2.78");
    host.fakeClock().advance(120);
    submit("alice@example.com", wrong, "192.0.2.79");  // locks the account
    BOOST_TEST(!audit("signin.lockout").empty());
    host.fakeClock().advance(3600);
    BOOST_TEST(isSuccess(submit("alice@example.com", right, "192.0.2.80")));
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());

    BOOST_TEST(!host.recordingLogger().lines().empty());
    for (const std::string& secret : {right, wrong, typed_in_email}) {
        BOOST_TEST(!host.recordingLogger().mentions(secret), secret);
        sdk::AuditQuery all;
        all.limit = 1000;
        auto events = host.storage().audit().list(all);
        BOOST_TEST_REQUIRE(events.has_value());
        BOOST_TEST(events->items.size() >= 5U);
        for (const sdk::AuditEvent& e : events->items) {
            BOOST_TEST(!contains(e.detail, secret));
            BOOST_TEST(!contains(e.user_id, secret));
            BOOST_TEST(!contains(e.client_address, secret));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
