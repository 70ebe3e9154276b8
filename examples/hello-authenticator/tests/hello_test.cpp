// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE hello_authenticator
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "authd/sdk/abi.hpp"
#include "fake_host.hpp"

namespace {

using authd::sdk::Verdict;

// Loaded once, like authd does: by path, RTLD_NOW | RTLD_LOCAL, through the manifest alias.
struct Plugin {
    boost::dll::shared_library library{HELLO_PLUGIN_PATH, boost::dll::load_mode::rtld_now |
                                                              boost::dll::load_mode::rtld_local};
    const authd::sdk::PluginManifest& manifest =
        *library.get_alias<authd::sdk::ManifestFunction>(AUTHD_PLUGIN_SYMBOL)();
};

Plugin& plugin() {
    static Plugin loaded;  // outlives every authenticator the tests create
    return loaded;
}

constexpr const char* kCode = "open-sesame-42";

struct Fixture {
    hello_test::FakeHost host;
    authd::sdk::AuthenticatorPtr authenticator;

    Fixture() {
        BOOST_REQUIRE(host.storage_.userStore().create(user("u-1", "ada@example.test", "active")));
        BOOST_REQUIRE(
            host.storage_.userStore().create(user("u-2", "sus@example.test", "suspended")));
        hello_test::FakeConfig config(
            std::map<std::string, std::string>{{"code", kCode}, {"display_name", "Invite code"}});
        auto made = plugin().manifest.make_authenticator({"hello", &config}, host);
        BOOST_REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
        authenticator = std::move(*made);
    }

    static authd::sdk::User user(std::string id, std::string email, std::string status) {
        authd::sdk::User u;
        u.id = std::move(id);
        u.email = std::move(email);
        u.status = std::move(status);
        return u;
    }

    static authd::sdk::LoginStep step() {
        authd::sdk::LoginStep s;
        s.instance_id = "hello";
        s.action_url = "/login/hello";
        s.hidden_fields_html = "<input type=\"hidden\" name=\"csrf\" value=\"t0k\">";
        s.request.client_address = "192.0.2.7";
        s.request.method = "POST";
        return s;
    }

    Verdict submit(const std::string& email, const std::string& code) {
        authd::sdk::Fields form;
        form.add("email", email);
        form.add("invite_code", code);
        auto verdict = authenticator->submit(step(), form);
        BOOST_REQUIRE_MESSAGE(verdict, (verdict ? "" : verdict.error().message));
        return *verdict;
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hello_manifest)

BOOST_AUTO_TEST_CASE(manifest_matches_this_sdk) {
    const auto& manifest = plugin().manifest;
    BOOST_TEST(manifest.abi_version == AUTHD_SDK_ABI_VERSION);
    BOOST_TEST(std::string(manifest.toolchain) == AUTHD_SDK_TOOLCHAIN);
    BOOST_TEST(std::string(manifest.name) == "hello");
    BOOST_TEST(std::string(manifest.version) == "0.1.0");
    BOOST_TEST((manifest.kind == authd::sdk::PluginKind::authenticator));
    BOOST_TEST(manifest.make_authenticator != nullptr);
    BOOST_TEST(manifest.make_storage == nullptr);
    BOOST_TEST(manifest.make_mailer == nullptr);
}

BOOST_AUTO_TEST_CASE(schema_declares_a_required_secret_code) {
    authd::sdk::ConfigSchema schema;
    plugin().manifest.describe_config(schema);
    BOOST_REQUIRE_EQUAL(schema.keys().size(), 2U);
    BOOST_TEST(schema.keys()[0].name == "code");
    BOOST_TEST((schema.keys()[0].type == authd::sdk::ConfigType::secret));
    BOOST_TEST(schema.keys()[0].required);
    BOOST_TEST(schema.keys()[1].name == "display_name");
    BOOST_TEST(schema.keys()[1].default_value == "Invite code");
}

BOOST_AUTO_TEST_CASE(factory_refuses_a_short_code_naming_the_key) {
    hello_test::FakeHost host;
    hello_test::FakeConfig config(std::map<std::string, std::string>{{"code", "short"}});
    auto made = plugin().manifest.make_authenticator({"hello", &config}, host);
    BOOST_REQUIRE(!made);
    BOOST_TEST((made.error().code == authd::sdk::ErrorCode::invalid_config));
    BOOST_TEST(made.error().message == "authd.yaml:12:7: authenticators[0].config.code: the invite "
                                       "code must have at least 8 characters");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(hello_signin, Fixture)

BOOST_AUTO_TEST_CASE(renders_the_form_with_hidden_fields_and_escaped_values) {
    auto s = step();
    s.login_hint = "\"><script>alert(1)</script>";
    s.error = "<b>previous</b>";
    auto page = authenticator->render(s);
    BOOST_REQUIRE(page);
    BOOST_TEST(page->title == "Invite code");
    BOOST_TEST(authenticator->displayName() == "Invite code");
    const std::string& html = page->body_html;
    BOOST_TEST(contains(html, "action=\"/login/hello\""));
    BOOST_TEST(contains(html, s.hidden_fields_html));
    BOOST_TEST(contains(html, "name=\"email\""));
    BOOST_TEST(contains(html, "name=\"invite_code\""));
    BOOST_TEST(!contains(html, "<script>"));
    BOOST_TEST(contains(html, "&quot;&gt;&lt;script&gt;"));
    BOOST_TEST(contains(html, "&lt;b&gt;previous&lt;/b&gt;"));
}

BOOST_AUTO_TEST_CASE(right_code_and_active_user_signs_in) {
    const Verdict verdict = submit("  Ada@Example.TEST ", kCode);
    BOOST_TEST((verdict.kind == Verdict::Kind::success));
    BOOST_TEST(verdict.user_id == "u-1");
    BOOST_REQUIRE_EQUAL(verdict.amr.size(), 1U);
    BOOST_TEST(verdict.amr[0] == "hello");
    BOOST_TEST(host.crypto_.comparisons == 1);
}

BOOST_AUTO_TEST_CASE(wrong_code_unknown_and_suspended_users_get_one_message) {
    const Verdict wrong = submit("ada@example.test", "open-sesame-43");
    const Verdict unknown = submit("nobody@example.test", kCode);
    const Verdict suspended = submit("sus@example.test", kCode);
    for (const Verdict* v : {&wrong, &unknown, &suspended}) {
        BOOST_TEST((v->kind == Verdict::Kind::failure));
        BOOST_TEST(v->message == "That email address and invite code do not match.");
        BOOST_TEST(v->user_id.empty());
    }
    // The code was compared every time, whether or not the account exists.
    BOOST_TEST(host.crypto_.comparisons == 3);
    BOOST_TEST(host.logger_.count("hello.signin_failed") == 3U);
}

BOOST_AUTO_TEST_CASE(missing_fields_ask_for_both) {
    const Verdict verdict = submit("", "");
    BOOST_TEST((verdict.kind == Verdict::Kind::failure));
    BOOST_TEST(verdict.message == "Enter your email address and your invite code.");
    BOOST_TEST(host.crypto_.comparisons == 0);
}

BOOST_AUTO_TEST_CASE(throttles_after_repeated_failures_and_recovers) {
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST((submit("ada@example.test", "wrong-code-000").kind == Verdict::Kind::failure));
    }
    // Past the free attempts: even the right code waits for the delay.
    const Verdict throttled = submit("ada@example.test", kCode);
    BOOST_TEST((throttled.kind == Verdict::Kind::failure));
    BOOST_TEST(throttled.message == "Too many attempts. Wait a little, then try again.");
    host.clock_.advance(3);
    const Verdict later = submit("ada@example.test", kCode);
    BOOST_TEST((later.kind == Verdict::Kind::success));
}

BOOST_AUTO_TEST_CASE(locks_after_many_failures_until_an_admin_clears_it) {
    for (int i = 0; i < 10; ++i) {
        submit("ada@example.test", "wrong-code-000");
        host.clock_.advance(61);  // wait out each delay; the window (900 s) still holds them
    }
    BOOST_TEST(submit("ada@example.test", kCode).message ==
               "Too many attempts. Wait a little, then try again.");
    // What the host does for an administrator: reset every key lockoutKeys() names.
    auto ada = host.storage().users().get("u-1");
    BOOST_REQUIRE(ada);
    auto keys = authenticator->lockoutKeys(*ada);
    BOOST_REQUIRE(keys);
    BOOST_TEST(keys->size() == 1U);
    for (const auto& key : *keys) {
        BOOST_REQUIRE(host.rateLimiter().clear(key));
    }
    // The address key still counts its own failures; a different address is unaffected.
    authd::sdk::Fields form;
    form.add("email", "ada@example.test");
    form.add("invite_code", kCode);
    auto other = step();
    other.request.client_address = "198.51.100.9";
    auto verdict = authenticator->submit(other, form);
    BOOST_REQUIRE(verdict);
    BOOST_TEST((verdict->kind == Verdict::Kind::success));
}

BOOST_AUTO_TEST_CASE(a_store_outage_is_an_error_not_a_verdict) {
    host.storage_.userStore().down = true;
    authd::sdk::Fields form;
    form.add("email", "ada@example.test");
    form.add("invite_code", kCode);
    auto verdict = authenticator->submit(step(), form);
    BOOST_REQUIRE(!verdict);
    BOOST_TEST((verdict.error().code == authd::sdk::ErrorCode::unavailable));
}

BOOST_AUTO_TEST_CASE(hashes_emails_in_throttle_keys) {
    submit("ada@example.test", "wrong-code-000");
    BOOST_TEST(host.limiter_.keys() == 2U);  // account and address
    BOOST_TEST(hello_test::sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_SUITE_END()
