// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE pin_plugin
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
static std::ostream& operator<<(std::ostream& out, ConfigType type) {
    return out << "ConfigType(" << static_cast<int>(type) << ")";
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;

namespace {

const std::string kIncorrect = "Email or PIN is incorrect.";
const std::string kEnterBoth = "Enter your email and PIN.";
const std::string kDigitsOnly = "Enter your PIN with the digits 0 to 9 only.";
const std::string kPin = "402917";

/// The plugin's manifest, loaded once from the real .so; the import handle keeps the library
/// loaded for the whole run, as the host's registry does.
const sdk::PluginManifest& manifest() {
    static const std::function<sdk::ManifestFunction> entry =
        boost::dll::import_alias<sdk::ManifestFunction>(AUTHD_PIN_PLUGIN_PATH, AUTHD_PLUGIN_SYMBOL);
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

std::string attemptsLeft(int left) {
    return kIncorrect + " " + std::to_string(left) + (left == 1 ? " attempt" : " attempts") +
           " left before PIN sign-in to this account is locked.";
}

struct Fixture {
    FakeHost host;
    FakeConfigNode config{schemaKeys(), "authenticators[1].config"};
    std::string instance_id = "pin";
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

    /// A user with a PIN set through the plugin itself.
    sdk::User addUser(const std::string& email, const std::string& pin = kPin) {
        auto user = host.addUser(email);
        BOOST_TEST_REQUIRE(user.has_value());
        auto set = host.setCredential(auth(), user->id, pin);
        BOOST_TEST_REQUIRE(set.has_value(), (set ? "" : set.error().message));
        return *user;
    }

    sdk::LoginStep step(const std::string& address = "192.0.2.10") const {
        sdk::LoginStep s;
        s.instance_id = instance_id;
        s.pending_id = "pending-1";
        s.action_url = "/login/" + instance_id;
        s.hidden_fields_html = "<input type=\"hidden\" name=\"csrf\" value=\"tok123\">";
        s.client_id = "proj_demo";
        s.project_name = "Demo";
        s.request.method = "POST";
        s.request.path = "/login/" + instance_id;
        s.request.client_address = address;
        return s;
    }

    sdk::Verdict submit(const std::string& email, const std::string& pin,
                        const std::string& address = "192.0.2.10") {
        sdk::Fields form;
        form.add("email", email);
        form.add("pin", pin);
        auto verdict = auth().submit(step(address), form);
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }

    std::vector<sdk::AuditEvent> audit(const std::string& type = {}) {
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

bool isSuccess(const sdk::Verdict& v) {
    return v.kind == sdk::Verdict::Kind::success;
}
bool isFailure(const sdk::Verdict& v) {
    return v.kind == sdk::Verdict::Kind::failure;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_and_config)

BOOST_AUTO_TEST_CASE(manifest_declares_a_pin_authenticator) {
    const sdk::PluginManifest& m = manifest();
    BOOST_TEST(m.abi_version == static_cast<std::uint32_t>(AUTHD_SDK_ABI_VERSION));
    BOOST_TEST(std::string(m.toolchain) == AUTHD_SDK_TOOLCHAIN);
    BOOST_TEST(std::string(m.name) == "pin");
    BOOST_TEST(m.kind == sdk::PluginKind::authenticator);
    BOOST_TEST(std::string(m.version).size() > 0U);
    BOOST_TEST(m.describe_config != nullptr);
    BOOST_TEST(m.make_authenticator != nullptr);
    BOOST_TEST(m.make_storage == nullptr);
    BOOST_TEST(m.make_mailer == nullptr);
}

BOOST_AUTO_TEST_CASE(schema_declares_documented_keys_defaults_and_ranges) {
    const auto keys = schemaKeys();
    struct Expected {
        const char* name;
        sdk::ConfigType type;
        const char* default_value;
        std::int64_t min;
        std::int64_t max;
    };
    const std::vector<Expected> expected = {
        {"digits", sdk::ConfigType::integer, "6", 4, 12},
        {"max_attempts", sdk::ConfigType::integer, "5", 1, 100},
        {"lockout", sdk::ConfigType::duration, "15m", 0, 365 * 86400},
        {"address_max_attempts", sdk::ConfigType::integer, "50", 1, 1000000},
        {"address_window", sdk::ConfigType::duration, "1h", 60, 86400},
    };
    for (const Expected& e : expected) {
        const sdk::ConfigKey* key = findKey(keys, e.name);
        BOOST_TEST_REQUIRE(key != nullptr, e.name);
        BOOST_TEST(key->type == e.type, e.name);
        BOOST_TEST(key->default_value == e.default_value, e.name);
        BOOST_TEST(key->min == e.min, e.name);
        BOOST_TEST(key->max == e.max, e.name);
        BOOST_TEST(!key->required, e.name);
    }
    const sdk::ConfigKey* label = findKey(keys, "label");
    BOOST_TEST_REQUIRE(label != nullptr);
    BOOST_TEST(label->default_value == "PIN");
    BOOST_TEST(keys.size() == expected.size() + 1U);
}

BOOST_AUTO_TEST_CASE(schema_refuses_out_of_range_values) {
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, std::string>>{{"digits", "3"},
                                                          {"digits", "13"},
                                                          {"max_attempts", "0"},
                                                          {"max_attempts", "101"},
                                                          {"address_window", "30s"}}) {
        FakeConfigNode config(schemaKeys(), "authenticators[1].config");
        config.set(key, value);
        const auto errors = config.validate();
        BOOST_TEST_REQUIRE(errors.size() == 1U, key << "=" << value);
        BOOST_TEST(contains(errors[0], "authenticators[1].config." + key), errors[0]);
    }
}

BOOST_FIXTURE_TEST_CASE(factory_rechecks_ranges_and_reports_them_all, Fixture) {
    // A host that skipped validation must still not get a broken policy.
    config.set("digits", "2").set("max_attempts", "0").set("label", "");
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, config.where("digits")), made.error().message);
    BOOST_TEST(contains(made.error().message, config.where("max_attempts")));
    BOOST_TEST(contains(made.error().message, config.where("label")));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_missing_config_node_or_id, Fixture) {
    sdk::InstanceSpec no_config{"pin", nullptr};
    auto made = manifest().make_authenticator(no_config, host);
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    instance_id.clear();
    auto unnamed = tryMake();
    BOOST_TEST_REQUIRE(!unnamed.has_value());
    BOOST_TEST(unnamed.error().code == sdk::ErrorCode::invalid_config);
}

BOOST_FIXTURE_TEST_CASE(display_name_defaults_to_pin_and_follows_label, Fixture) {
    BOOST_TEST(make().displayName() == "PIN");
    config.set("label", "Kiosk PIN");
    BOOST_TEST(make().displayName() == "Kiosk PIN");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render)

BOOST_FIXTURE_TEST_CASE(renders_labelled_email_and_numeric_pin_fields, Fixture) {
    auto page = auth().render(step());
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(page->status == 200);
    BOOST_TEST(contains(html, "<form class=\"login-form\" method=\"post\" action=\"/login/pin\">"));
    BOOST_TEST(contains(html, step().hidden_fields_html));
    BOOST_TEST(contains(html, "<label for=\"authd-pin-email\">Email</label>"));
    BOOST_TEST(contains(html, "id=\"authd-pin-email\" name=\"email\" type=\"email\" "
                              "autocomplete=\"username\""));
    BOOST_TEST(contains(html, "<label for=\"authd-pin-pin\">PIN</label>"));
    BOOST_TEST(contains(html, "id=\"authd-pin-pin\" name=\"pin\" type=\"password\" "
                              "inputmode=\"numeric\" pattern=\"[0-9]*\" maxlength=\"12\" "
                              "autocomplete=\"current-password\" "
                              "aria-describedby=\"authd-pin-pin-hint\" required>"));
    BOOST_TEST(
        contains(html, "<p class=\"muted\" id=\"authd-pin-pin-hint\">Your 6-digit PIN.</p>"));
    BOOST_TEST(contains(html, "<div class=\"field\">"));
    BOOST_TEST(contains(html, "<div class=\"actions\">"));
    BOOST_TEST(contains(html, "<button type=\"submit\" class=\"button primary\">Sign in</button>"));
    BOOST_TEST(contains(html, "spellcheck=\"false\" required autofocus>"));
    BOOST_TEST(!contains(html, "role=\"alert\""));
    BOOST_TEST(!contains(html, "<script"));
    BOOST_TEST(!contains(html, "style="));
    BOOST_TEST(!contains(html, " on"));
}

BOOST_FIXTURE_TEST_CASE(hint_follows_digits_and_login_hint_moves_focus, Fixture) {
    config.set("digits", "8");
    sdk::LoginStep s = step();
    s.login_hint = "alice@example.com";
    auto page = make().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(contains(page->body_html, "Your 8-digit PIN."));
    BOOST_TEST(contains(page->body_html, "value=\"alice@example.com\">"));
    BOOST_TEST(
        contains(page->body_html, "aria-describedby=\"authd-pin-pin-hint\" required autofocus>"));
}

BOOST_FIXTURE_TEST_CASE(escapes_hint_error_action_and_instance_id, Fixture) {
    instance_id = "pin\"x";
    sdk::LoginStep s = step();
    s.login_hint = "\"><script>alert(1)</script>";
    s.error = "<b>bad</b> & 'worse'";
    s.action_url = "/login/pin?x=\"y\"";
    auto page = auth().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(!contains(html, "<script>"));
    BOOST_TEST(!contains(html, "<b>"));
    BOOST_TEST(!contains(html, "pin\"x"));
    BOOST_TEST(contains(html, "id=\"authd-pin&quot;x-pin\""));
    BOOST_TEST(contains(html, "<p class=\"alert\" role=\"alert\">&lt;b&gt;bad&lt;/b&gt; &amp; "
                              "&#39;worse&#39;</p>"));
    BOOST_TEST(contains(html, "action=\"/login/pin?x=&quot;y&quot;\""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sign_in)

BOOST_FIXTURE_TEST_CASE(accepts_the_right_pin_with_amr_pin_and_the_host_refresh_lifetime, Fixture) {
    const sdk::User alice = addUser("alice@example.com");
    const sdk::Verdict v = submit(" Alice@Example.com ", kPin);
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.user_id == alice.id);
    BOOST_TEST(v.amr == std::vector<std::string>{"pin"});
    // 0 = the host decides: it applies tokens.pin_refresh_ttl to sessions whose amr has "pin".
    BOOST_TEST(v.refresh_ttl == 0);
    BOOST_TEST(v.pending_id.empty());
    BOOST_TEST(contains(v.audit_detail, "\"authenticator\":\"pin\""));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_wrong_pin_and_audits_it, Fixture) {
    const sdk::User alice = addUser("alice@example.com");
    const sdk::Verdict v = submit("alice@example.com", "402918");
    BOOST_TEST(isFailure(v));
    BOOST_TEST(v.message == attemptsLeft(4));
    const auto events = audit("signin.failure");
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(events[0].user_id == alice.id);
    BOOST_TEST(events[0].client_id == "proj_demo");
    BOOST_TEST(events[0].client_address == "192.0.2.10");
    BOOST_TEST(contains(events[0].detail, "\"reason\":\"wrong_pin\""));
    BOOST_TEST(contains(events[0].detail, "\"account_failures\":1"));
    BOOST_TEST(host.recordingLogger().hasEvent("pin.signin_failed"));
}

BOOST_FIXTURE_TEST_CASE(unknown_email_and_missing_pin_get_the_same_answers_and_work, Fixture) {
    addUser("alice@example.com");
    auto bob = host.addUser("bob@example.com");  // an account without a PIN
    BOOST_TEST_REQUIRE(bob.has_value());
    std::vector<std::string> wrong;
    std::vector<std::string> unknown;
    std::vector<std::string> no_pin;
    for (int i = 0; i < 6; ++i) {
        const std::string n = std::to_string(i);
        const auto v0 = host.testCrypto().verifyCount();
        wrong.push_back(submit("alice@example.com", "111112", "198.51.100." + n).message);
        const auto v1 = host.testCrypto().verifyCount();
        unknown.push_back(submit("ghost@example.com", "111112", "203.0.113." + n).message);
        const auto v2 = host.testCrypto().verifyCount();
        no_pin.push_back(submit("bob@example.com", "111112", "192.0.2." + n).message);
        const auto v3 = host.testCrypto().verifyCount();
        // One Argon2id verification each, real or dummy; none once the key is locked.
        const std::int64_t expected = i < 5 ? 1 : 0;
        BOOST_TEST(v1 - v0 == expected);
        BOOST_TEST(v2 - v1 == expected);
        BOOST_TEST(v3 - v2 == expected);
    }
    BOOST_TEST(wrong == unknown);
    BOOST_TEST(wrong == no_pin);
    BOOST_TEST(contains(wrong.back(), "locked"));
    const auto events = audit("signin.failure");
    BOOST_TEST(std::count_if(events.begin(), events.end(), [](const sdk::AuditEvent& e) {
                   return contains(e.detail, "\"reason\":\"unknown_email\"");
               }) == 5);
    BOOST_TEST(std::count_if(events.begin(), events.end(), [](const sdk::AuditEvent& e) {
                   return contains(e.detail, "\"reason\":\"no_credential\"");
               }) == 5);
}

BOOST_FIXTURE_TEST_CASE(refuses_empty_and_impossible_input_without_counting_it, Fixture) {
    addUser("alice@example.com");
    const auto before = host.testCrypto().verifyCount();
    BOOST_TEST(submit("", kPin).message == kEnterBoth);
    BOOST_TEST(submit("alice@example.com", "  ").message == kEnterBoth);
    auto empty = auth().submit(step(), sdk::Fields{});
    BOOST_TEST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->message == kEnterBoth);
    BOOST_TEST(submit("alice@example.com", "40291a").message == kDigitsOnly);
    BOOST_TEST(submit("alice@example.com", "4029-17").message == kDigitsOnly);
    BOOST_TEST(submit("alice@example.com", "\xD9\xA4\xD9\xA0").message ==
               kDigitsOnly);  // Arabic-Indic
    BOOST_TEST(submit("alice@example.com", "123").message == kIncorrect);
    BOOST_TEST(submit("alice@example.com", std::string(13, '7')).message == kIncorrect);
    BOOST_TEST(submit(std::string(400, 'a') + "@example.com", kPin).message == kIncorrect);
    BOOST_TEST(host.testCrypto().verifyCount() == before);
    BOOST_TEST(throttle(accountKey("alice@example.com")).failures == 0);
    BOOST_TEST(audit("signin.failure").empty());
    // Surrounding blanks are typing noise.
    BOOST_TEST(isSuccess(submit("alice@example.com", " " + kPin + "\t")));
}

BOOST_FIXTURE_TEST_CASE(malformed_stored_hash_fails_closed, Fixture) {
    auto carol = host.addUser("carol@example.com");
    BOOST_TEST_REQUIRE(carol.has_value());
    sdk::Credential broken;
    broken.user_id = carol->id;
    broken.kind = "pin";
    broken.secret_hash = "402917";
    BOOST_TEST_REQUIRE(host.storage().credentials().put(broken).has_value());
    const sdk::Verdict v = submit("carol@example.com", "402917");
    BOOST_TEST(isFailure(v));
    BOOST_TEST(v.message == attemptsLeft(4));
    BOOST_TEST(host.recordingLogger().hasEvent("pin.hash_invalid"));
}

BOOST_FIXTURE_TEST_CASE(uses_the_instance_id_as_credential_kind, Fixture) {
    instance_id = "kiosk";
    const sdk::User alice = addUser("alice@example.com");
    BOOST_TEST(host.storage().credentials().get(alice.id, "kiosk").has_value());
    BOOST_TEST(!host.storage().credentials().get(alice.id, "pin").has_value());
    // Another instance's (or the password plugin's) credential is not this one's.
    sdk::Credential other;
    other.user_id = alice.id;
    other.kind = "pin";
    auto hash = host.crypto().hashPassword("135790");
    BOOST_TEST_REQUIRE(hash.has_value());
    other.secret_hash = *hash;
    BOOST_TEST_REQUIRE(host.storage().credentials().put(other).has_value());
    BOOST_TEST(isFailure(submit("alice@example.com", "135790")));
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin)));
}

BOOST_FIXTURE_TEST_CASE(storage_failures_become_errors, Fixture) {
    const sdk::User alice = addUser("alice@example.com");
    host.memoryStorage().setFailureForTest(sdk::ErrorCode::unavailable);
    sdk::Fields form;
    form.add("email", "alice@example.com");
    form.add("pin", kPin);
    auto v = auth().submit(step(), form);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::unavailable);
    // Making a credential and naming lockout keys need no storage: the host does the writing.
    BOOST_TEST(auth().makeCredential(alice, "135790").has_value());
    BOOST_TEST(auth().lockoutKeys(alice).has_value());
    BOOST_TEST(auth().render(step()).has_value());  // rendering needs no storage
    host.memoryStorage().setFailureForTest(std::nullopt);
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lockout)

BOOST_FIXTURE_TEST_CASE(counts_down_then_locks_after_max_attempts_even_for_the_right_pin, Fixture) {
    config.set("max_attempts", "3").set("lockout", "10m");
    const sdk::User alice = addUser("alice@example.com");
    // No delay between attempts: a PIN is protected by the hard lock.
    BOOST_TEST(submit("alice@example.com", "111112", "192.0.2.1").message == attemptsLeft(2));
    BOOST_TEST(submit("alice@example.com", "111113", "192.0.2.2").message == attemptsLeft(1));
    const sdk::Verdict locking = submit("alice@example.com", "111114", "192.0.2.3");
    BOOST_TEST(locking.message ==
               "Too many failed attempts: PIN sign-in to this account is locked. Try again in "
               "10 minutes.");
    const auto lockouts = audit("signin.lockout");
    BOOST_TEST_REQUIRE(lockouts.size() == 1U);
    BOOST_TEST(lockouts[0].user_id == alice.id);
    BOOST_TEST(contains(lockouts[0].detail, "\"scope\":\"account\""));
    BOOST_TEST(contains(lockouts[0].detail, "\"failures\":3"));
    BOOST_TEST(host.recordingLogger().hasEvent("pin.lockout"));

    // The right PIN from a fresh address is refused while locked, and costs no hashing.
    const auto before = host.testCrypto().verifyCount();
    const sdk::Verdict held = submit("alice@example.com", kPin, "192.0.2.4");
    BOOST_TEST(isFailure(held));
    BOOST_TEST(contains(held.message, "is locked. Try again in 10 minutes."), held.message);
    BOOST_TEST(host.testCrypto().verifyCount() == before);
    BOOST_TEST(host.recordingLogger().hasEvent("pin.locked_attempt"));
}

BOOST_FIXTURE_TEST_CASE(unlocks_when_the_lockout_has_passed_with_a_fresh_count, Fixture) {
    config.set("max_attempts", "2").set("lockout", "10m");
    const sdk::User alice = addUser("alice@example.com");
    submit("alice@example.com", "111112");
    submit("alice@example.com", "111113");
    host.fakeClock().advance(9 * 60 + 59);
    BOOST_TEST(isFailure(submit("alice@example.com", kPin)));
    host.fakeClock().advance(1);
    // After the lock, the count starts again: one wrong PIN does not lock at once.
    BOOST_TEST(submit("alice@example.com", "111112").message == attemptsLeft(1));
    const sdk::Verdict ok = submit("alice@example.com", kPin);
    BOOST_TEST_REQUIRE(isSuccess(ok));
    BOOST_TEST(ok.user_id == alice.id);
}

BOOST_FIXTURE_TEST_CASE(failures_need_not_be_close_together_but_must_be_consecutive, Fixture) {
    config.set("max_attempts", "3");
    addUser("alice@example.com");
    submit("alice@example.com", "111112");
    host.fakeClock().advance(30 * 86400);
    submit("alice@example.com", "111113");
    host.fakeClock().advance(30 * 86400);
    BOOST_TEST(contains(submit("alice@example.com", "111114").message, "locked"));

    // A success in between starts the count again.
    sdk::User bob = addUser("bob@example.com");
    submit("bob@example.com", "111112");
    submit("bob@example.com", "111113");
    BOOST_TEST(isSuccess(submit("bob@example.com", kPin)));
    BOOST_TEST(submit("bob@example.com", "111112").message == attemptsLeft(2));
    (void)bob;
}

BOOST_FIXTURE_TEST_CASE(lockout_zero_holds_until_clear_lockout, Fixture) {
    config.set("max_attempts", "2").set("lockout", "0");
    const sdk::User alice = addUser("alice@example.com");
    submit("alice@example.com", "111112");
    const sdk::Verdict locked = submit("alice@example.com", "111113");
    BOOST_TEST(locked.message == "Too many failed attempts: PIN sign-in to this account is "
                                 "locked. Ask an administrator to unlock it.");
    const auto lockouts = audit("signin.lockout");
    BOOST_TEST_REQUIRE(lockouts.size() == 1U);
    BOOST_TEST(contains(lockouts[0].detail, "\"until\":0"));
    host.fakeClock().advance(400 * 86400);
    BOOST_TEST(isFailure(submit("alice@example.com", kPin)));
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin)));
}

BOOST_FIXTURE_TEST_CASE(lockout_keys_name_the_account_key_and_resetting_it_lifts_a_lock, Fixture) {
    config.set("max_attempts", "2").set("lockout", "1h");
    const sdk::User alice = addUser("Alice@Example.com");
    submit("alice@example.com", "111112");
    submit("alice@example.com", "111113");
    BOOST_TEST(throttle(accountKey("alice@example.com")).locked);
    auto keys = auth().lockoutKeys(alice);
    BOOST_TEST_REQUIRE(keys.has_value());
    // The account key only: address keys are nobody's to lift.
    BOOST_TEST((*keys == std::vector<std::string>{accountKey("alice@example.com")}));
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());
    BOOST_TEST(!throttle(accountKey("alice@example.com")).locked);
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin)));
}

BOOST_FIXTURE_TEST_CASE(lockout_holds_for_another_instance_sharing_the_store, Fixture) {
    // Two nodes: two plugin instances over one store (and one rate limiter over its counters).
    config.set("max_attempts", "2").set("lockout", "0");
    addUser("alice@example.com");
    submit("alice@example.com", "111112");
    submit("alice@example.com", "111113");
    auto other = tryMake();
    BOOST_TEST_REQUIRE(other.has_value());
    sdk::Fields form;
    form.add("email", "alice@example.com");
    form.add("pin", kPin);
    auto v = (*other)->submit(step("198.51.100.7"), form);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(isFailure(*v));
    BOOST_TEST(contains(v->message, "Ask an administrator"));
}

BOOST_FIXTURE_TEST_CASE(locks_an_address_after_address_max_attempts_and_it_always_ends, Fixture) {
    config.set("address_max_attempts", "3").set("address_window", "10m").set("lockout", "0");
    addUser("alice@example.com");
    BOOST_TEST(submit("a@example.com", "111112", "203.0.113.9").message == attemptsLeft(4));
    BOOST_TEST(submit("b@example.com", "111112", "203.0.113.9").message == attemptsLeft(4));
    const sdk::Verdict locking = submit("c@example.com", "111112", "203.0.113.9");
    BOOST_TEST(locking.message == "Too many failed attempts from your network: PIN sign-in is "
                                  "temporarily locked. Try again in 10 minutes.");
    const auto lockouts = audit("signin.lockout");
    BOOST_TEST_REQUIRE(lockouts.size() == 1U);
    BOOST_TEST(contains(lockouts[0].detail, "\"scope\":\"address\""));
    BOOST_TEST(lockouts[0].client_address == "203.0.113.9");
    BOOST_TEST(lockouts[0].user_id.empty());
    BOOST_TEST(isFailure(submit("alice@example.com", kPin, "203.0.113.9")));
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin, "203.0.113.10")));
    host.fakeClock().advance(10 * 60);
    BOOST_TEST(isSuccess(submit("alice@example.com", kPin, "203.0.113.9")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_FIXTURE_TEST_CASE(make_credential_requires_exactly_digits_ascii_digits, Fixture) {
    auto user = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto& a = auth();
    auto short_pin = a.makeCredential(*user, "40291");
    BOOST_TEST_REQUIRE(!short_pin.has_value());
    BOOST_TEST(short_pin.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(short_pin.error().message == "the PIN must have exactly 6 digits");
    auto long_pin = a.makeCredential(*user, "4029170");
    BOOST_TEST_REQUIRE(!long_pin.has_value());
    BOOST_TEST(long_pin.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(long_pin.error().message == "the PIN must have exactly 6 digits");
    BOOST_TEST(!a.makeCredential(*user, "").has_value());
    auto letters = a.makeCredential(*user, "40291a");
    BOOST_TEST_REQUIRE(!letters.has_value());
    BOOST_TEST(letters.error().message == "the PIN must contain only the digits 0-9");
    BOOST_TEST(!a.makeCredential(*user, " 402917").has_value());
    BOOST_TEST(!a.makeCredential(*user, "\xEF\xBC\x94\xEF\xBC\x90\xEF\xBC\x92").has_value());
    BOOST_TEST(a.makeCredential(*user, "402917").has_value());
}

BOOST_FIXTURE_TEST_CASE(make_credential_hashes_and_resets_the_account_key_unwritten, Fixture) {
    auto user = host.addUser("Alice@Example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto made = auth().makeCredential(*user, kPin);
    BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
    BOOST_TEST(made->credential.kind == "pin");
    BOOST_TEST(made->credential.secret_hash.rfind("$argon2id$", 0) == 0U);
    BOOST_TEST(!contains(made->credential.secret_hash, kPin));
    auto verified = host.crypto().verifyPassword(made->credential.secret_hash, kPin);
    BOOST_TEST_REQUIRE(verified.has_value());
    BOOST_TEST(*verified);
    auto wrong = host.crypto().verifyPassword(made->credential.secret_hash, "135790");
    BOOST_TEST_REQUIRE(wrong.has_value());
    BOOST_TEST(!*wrong);
    // The lockout counted guesses at the old PIN: the host resets it with the new one.
    BOOST_TEST((made->reset_counters == std::vector<std::string>{accountKey("alice@example.com")}));
    BOOST_TEST(host.storage().credentials().get(user->id, "pin").error().code ==
               sdk::ErrorCode::not_found);
    BOOST_TEST(!host.recordingLogger().mentions(kPin));
}

BOOST_FIXTURE_TEST_CASE(make_credential_refuses_repeated_digits_and_runs, Fixture) {
    auto user = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto& a = auth();
    for (const std::string trivial : {"000000", "777777", "123456", "456789", "654321", "987654"}) {
        auto set = a.makeCredential(*user, trivial);
        BOOST_TEST_REQUIRE(!set.has_value(), trivial);
        BOOST_TEST(set.error().code == sdk::ErrorCode::invalid_argument);
        BOOST_TEST((contains(set.error().message, "repeat") ||
                    contains(set.error().message, "consecutive")),
                   set.error().message);
    }
    // Near misses are allowed: the rule is about the most guessed PINs only.
    for (const std::string fine : {"123457", "890123", "000001", "121212", "135790"}) {
        BOOST_TEST(a.makeCredential(*user, fine).has_value(), fine);
    }
}

BOOST_FIXTURE_TEST_CASE(set_credential_follows_the_configured_digits, Fixture) {
    config.set("digits", "4");
    auto user = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto& a = make();
    BOOST_TEST(!host.setCredential(a, user->id, "402917").has_value());
    BOOST_TEST(!host.setCredential(a, user->id, "1234").has_value());
    BOOST_TEST(host.setCredential(a, user->id, "4029").has_value());
    BOOST_TEST(isSuccess(submit("alice@example.com", "4029")));
    // A PIN set before `digits` changed keeps working.
    config.set("digits", "8");
    make();
    BOOST_TEST(isSuccess(submit("alice@example.com", "4029")));
}

BOOST_FIXTURE_TEST_CASE(set_credential_stores_an_argon2id_hash_and_replaces_the_old_pin, Fixture) {
    const sdk::User alice = addUser("alice@example.com");
    const sdk::UnixTime created = host.fakeClock().now();
    auto stored = host.storage().credentials().get(alice.id, "pin");
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->kind == "pin");
    BOOST_TEST(stored->secret_hash.rfind("$argon2id$", 0) == 0U);
    BOOST_TEST(!contains(stored->secret_hash, kPin));
    host.fakeClock().advance(100);
    BOOST_TEST_REQUIRE(host.setCredential(auth(), alice.id, "135790").has_value());
    BOOST_TEST(isFailure(submit("alice@example.com", kPin)));
    BOOST_TEST(isSuccess(submit("alice@example.com", "135790")));
    auto replaced = host.storage().credentials().get(alice.id, "pin");
    BOOST_TEST_REQUIRE(replaced.has_value());
    BOOST_TEST(replaced->created_at == created);
    BOOST_TEST(replaced->updated_at == created + 100);
}

BOOST_FIXTURE_TEST_CASE(set_credential_lifts_the_lockout_of_the_old_pin, Fixture) {
    config.set("max_attempts", "2").set("lockout", "0");
    const sdk::User alice = addUser("alice@example.com");
    submit("alice@example.com", "111112");
    submit("alice@example.com", "111113");
    BOOST_TEST(throttle(accountKey("alice@example.com")).locked);
    BOOST_TEST_REQUIRE(host.setCredential(auth(), alice.id, "135790").has_value());
    BOOST_TEST(isSuccess(submit("alice@example.com", "135790")));
}

BOOST_FIXTURE_TEST_CASE(pins_never_reach_logs_or_audit, Fixture) {
    config.set("max_attempts", "3");
    const std::string right = "582046";
    const std::string wrong = "739184";
    const std::string typed_in_email = "582046@pin-in-email-field";
    const sdk::User alice = addUser("alice@example.com", right);
    submit("alice@example.com", wrong);
    submit("ghost@example.com", wrong);
    submit(typed_in_email, wrong, "192.0.2.77");
    submit("alice@example.com", wrong, "192.0.2.78");
    submit("alice@example.com", wrong, "192.0.2.79");  // locks the account
    BOOST_TEST(!audit("signin.lockout").empty());
    host.fakeClock().advance(3600);
    BOOST_TEST(isSuccess(submit("alice@example.com", right, "192.0.2.80")));
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice.id).has_value());
    BOOST_TEST_REQUIRE(host.setCredential(auth(), alice.id, "918273").has_value());
    BOOST_TEST(!host.setCredential(auth(), alice.id, "111111").has_value());

    BOOST_TEST(!host.recordingLogger().lines().empty());
    const auto events = audit();
    BOOST_TEST(events.size() >= 5U);
    for (const std::string& secret : {right, wrong, std::string("918273"), typed_in_email}) {
        BOOST_TEST(!host.recordingLogger().mentions(secret), secret);
        for (const sdk::AuditEvent& e : events) {
            BOOST_TEST(!contains(e.detail, secret));
            BOOST_TEST(!contains(e.user_id, secret));
            BOOST_TEST(!contains(e.client_address, secret));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
