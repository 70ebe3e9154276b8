// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/authd_config.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin_loader/loader_test_support.hpp"
#include "plugin_loader/test_host.hpp"

namespace {

using authd::plugin::PluginRegistry;
using authd::sdk::ErrorCode;
using authd::sdk::PluginKind;
using authd::test::fixtureDir;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_MENTIONS(text, needle)                                                               \
    BOOST_CHECK_MESSAGE(contains((text), (needle)),                                                \
                        "expected \"" << (needle) << "\" in: " << (text))

// A whole config file around the given sections, parsed by the real config loader so that
// instances carry real file:line:column.
authd::config::AuthdConfig parseConfig(const std::string& sections) {
    const std::string text = "server: { issuer: \"http://127.0.0.1:8080\" }\n"
                             "plugins: { paths: [\"" +
                             fixtureDir() + "\"] }\n" + sections;
    auto config = authd::config::loadConfigText(text, "authd.yaml");
    BOOST_REQUIRE_MESSAGE(config, (config ? "" : config.error().message));
    return std::move(*config);
}

const char* const kStorage = "storage: { plugin: schema_storage, config: { path: var/x.db } }\n";

struct RegistryFixture {
    authd::test::MinimalHost host;
    authd::test::RecordingTestLogger log;
    PluginRegistry registry{{fixtureDir()}, log};

    authd::config::PluginInstanceConfig mailInstance(const std::string& mail_yaml) {
        auto config = parseConfig(std::string(kStorage) + "mail: " + mail_yaml + "\n");
        BOOST_REQUIRE(config.mail.has_value());
        return *config.mail;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_registry, RegistryFixture)

BOOST_AUTO_TEST_CASE(creates_a_configured_mailer_that_sends) {
    auto instance = mailInstance("{ plugin: good_mailer, config: { label: primary } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE_MESSAGE(mailer, (mailer ? "" : mailer.error().message));

    authd::sdk::MailMessage message;
    message.to = "ada@example.test";
    message.subject = "hello";
    BOOST_TEST((*mailer)->send(message).has_value());
    const auto sent = host.recorder().withEvent("fixture.mail_sent");
    BOOST_REQUIRE_EQUAL(sent.size(), 1U);
    BOOST_TEST(sent[0].field("label") == "primary");

    const auto loaded = log.withEvent("plugin.loaded");
    BOOST_REQUIRE_EQUAL(loaded.size(), 1U);
    BOOST_TEST(loaded[0].field("plugin") == "good_mailer");
    BOOST_TEST(loaded[0].field("version") == "1.0.0");
    BOOST_TEST(loaded[0].field("kind") == "mailer");
    BOOST_TEST(loaded[0].field("path") == authd::test::fixturePath("good_mailer").string());
    const auto created = log.withEvent("plugin.instance_created");
    BOOST_REQUIRE_EQUAL(created.size(), 1U);
    BOOST_TEST(created[0].field("instance") == "good_mailer");
}

BOOST_AUTO_TEST_CASE(applies_schema_defaults_before_the_factory_runs) {
    // limit defaults to 100 in the schema: the 101st message is refused by the plugin.
    auto instance = mailInstance("{ plugin: good_mailer, config: { label: counted } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(mailer);
    authd::sdk::MailMessage message;
    message.to = "a@b.test";
    for (int i = 0; i < 100; ++i) {
        BOOST_REQUIRE((*mailer)->send(message).has_value());
    }
    auto refused = (*mailer)->send(message);
    BOOST_REQUIRE(!refused);
    BOOST_TEST(static_cast<int>(refused.error().code) == static_cast<int>(ErrorCode::rate_limited));
}

BOOST_AUTO_TEST_CASE(schema_for_loads_once_and_runs_no_factory) {
    auto schema = registry.schemaFor("schema_storage", PluginKind::storage);
    BOOST_REQUIRE_MESSAGE(schema, (schema ? "" : schema.error().message));
    BOOST_REQUIRE_EQUAL(schema->keys().size(), 2U);
    BOOST_TEST(schema->keys()[0].name == "path");
    BOOST_TEST(schema->keys()[1].max == 64);
    BOOST_REQUIRE(registry.schemaFor("schema_storage", PluginKind::storage));
    BOOST_TEST(log.withEvent("plugin.loaded").size() == 1U);
    BOOST_TEST(log.withEvent("fixture.storage_factory_ran").empty());
    BOOST_TEST(host.recorder().withEvent("fixture.storage_factory_ran").empty());
    const auto loaded = registry.loaded();
    BOOST_REQUIRE_EQUAL(loaded.size(), 1U);
    BOOST_TEST(std::string(loaded[0].manifest->name) == "schema_storage");
}

BOOST_AUTO_TEST_CASE(a_cached_plugin_is_still_refused_in_the_slot_of_another_kind) {
    BOOST_REQUIRE(registry.schemaFor("good_mailer", PluginKind::mailer));
    auto wrong = registry.schemaFor("good_mailer", PluginKind::storage);
    BOOST_REQUIRE(!wrong);
    CHECK_MENTIONS(wrong.error().message,
                   "is a mailer plugin, but the config uses it as a storage plugin");
    BOOST_TEST(log.withEvent("plugin.kind_mismatch").size() == 1U);
}

BOOST_AUTO_TEST_CASE(refuses_bad_instance_config_with_every_problem_and_location) {
    auto instance =
        mailInstance("\n  plugin: good_mailer\n  config:\n    colour: red\n    limit: 0\n");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(!mailer);
    BOOST_TEST(static_cast<int>(mailer.error().code) ==
               static_cast<int>(ErrorCode::invalid_config));
    const std::string& text = mailer.error().message;
    BOOST_TEST_MESSAGE(text);
    CHECK_MENTIONS(text, "authd.yaml:");
    CHECK_MENTIONS(text, "mail.config.colour");
    CHECK_MENTIONS(text, "mail.config.limit");
    CHECK_MENTIONS(text, "label");
    BOOST_TEST(log.withEvent("plugin.config_invalid").size() == 1U);
    BOOST_TEST(log.withEvent("plugin.instance_created").empty());
}

BOOST_AUTO_TEST_CASE(a_load_failure_names_the_config_location_and_is_logged) {
    auto instance = mailInstance("{ plugin: wrong_abi, config: { label: x } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(!mailer);
    const std::string& text = mailer.error().message;
    BOOST_TEST(text.rfind("authd.yaml:4:", 0) == 0, "location first: " << text);
    CHECK_MENTIONS(text, "mail.plugin: plugin " + authd::test::fixturePath("wrong_abi").string() +
                             " was built for authd SDK ABI");
    const auto logged = log.withEvent("plugin.abi_mismatch");
    BOOST_REQUIRE_EQUAL(logged.size(), 1U);
    BOOST_TEST(logged[0].field("plugin") == "wrong_abi");
    BOOST_TEST((logged[0].level == authd::sdk::LogLevel::error));
}

BOOST_AUTO_TEST_CASE(a_throwing_factory_becomes_an_internal_error_not_a_crash) {
    auto instance = mailInstance("{ plugin: factory_throws, config: { label: x } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(!mailer);
    BOOST_TEST(static_cast<int>(mailer.error().code) == static_cast<int>(ErrorCode::internal));
    CHECK_MENTIONS(
        mailer.error().message,
        "mail: plugin factory_throws (instance \"factory_throws\") could not be created");
    CHECK_MENTIONS(mailer.error().message, "fixture factory exploded");
    const auto thrown = log.withEvent("plugin.exception");
    BOOST_REQUIRE_EQUAL(thrown.size(), 1U);
    BOOST_TEST(thrown[0].field("operation") == "make_mailer");
    BOOST_TEST(log.withEvent("plugin.factory_failed").size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_factory_error_reaches_the_operator_with_its_code) {
    auto instance = mailInstance("{ plugin: factory_fails, config: { label: x } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(!mailer);
    BOOST_TEST(static_cast<int>(mailer.error().code) == static_cast<int>(ErrorCode::unavailable));
    CHECK_MENTIONS(mailer.error().message, "authd.yaml:");
    CHECK_MENTIONS(mailer.error().message,
                   "relay for factory_fails refused the connection (fixture)");
    const auto failed = log.withEvent("plugin.factory_failed");
    BOOST_REQUIRE_EQUAL(failed.size(), 1U);
    BOOST_TEST(failed[0].field("code") == "unavailable");
}

BOOST_AUTO_TEST_CASE(refuses_a_factory_that_returns_no_object) {
    auto instance = mailInstance("{ plugin: factory_null, config: { label: x } }");
    auto mailer = registry.createMailer(instance, host);
    BOOST_REQUIRE(!mailer);
    BOOST_TEST(static_cast<int>(mailer.error().code) == static_cast<int>(ErrorCode::internal));
    CHECK_MENTIONS(mailer.error().message, "returned no object from make_mailer");
    BOOST_TEST(log.withEvent("plugin.factory_null").size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_throwing_describe_config_is_an_error_value) {
    auto schema = registry.schemaFor("describe_throws", PluginKind::mailer);
    BOOST_REQUIRE(!schema);
    BOOST_TEST(static_cast<int>(schema.error().code) == static_cast<int>(ErrorCode::internal));
    CHECK_MENTIONS(schema.error().message, "threw from describe_config (fixture schema exploded)");
    BOOST_TEST(log.withEvent("plugin.exception").size() == 1U);
    BOOST_TEST(registry.loaded().empty());
}

BOOST_AUTO_TEST_CASE(refuses_a_schema_that_declares_a_key_twice) {
    auto schema = registry.schemaFor("duplicate_key", PluginKind::mailer);
    BOOST_REQUIRE(!schema);
    CHECK_MENTIONS(schema.error().message, "declares the config key \"label\" twice");
    CHECK_MENTIONS(schema.error().message, "fix its describe_config");
    BOOST_TEST(log.withEvent("plugin.bad_schema").size() == 1U);
}

BOOST_AUTO_TEST_CASE(validate_instances_accepts_a_correct_config_without_running_factories) {
    auto config = parseConfig(std::string(kStorage) +
                              "authenticators:\n"
                              "  - { id: fixture, plugin: wrong_kind }\n"
                              "mail: { plugin: good_mailer, config: { label: x, limit: 5 } }\n");
    auto validated = registry.validateInstances(config);
    BOOST_TEST(validated.has_value(), (validated ? "" : validated.error().message));
    BOOST_TEST(log.withEvent("plugin.loaded").size() == 3U);
    BOOST_TEST(log.withEvent("plugin.instance_created").empty());
    BOOST_TEST(log.withEvent("fixture.storage_factory_ran").empty());
}

BOOST_AUTO_TEST_CASE(validate_instances_reports_every_problem_in_one_message) {
    auto config = parseConfig("storage: { plugin: schema_storage, config: { pool: 99 } }\n"
                              "authenticators:\n"
                              "  - { id: one, plugin: wrong_abi }\n"
                              "  - { id: two, plugin: absent }\n"
                              "mail: { plugin: good_mailer, config: { label: x, extra: 1 } }\n");
    auto validated = registry.validateInstances(config);
    BOOST_REQUIRE(!validated);
    BOOST_TEST(static_cast<int>(validated.error().code) ==
               static_cast<int>(ErrorCode::invalid_config));
    const std::string& text = validated.error().message;
    BOOST_TEST_MESSAGE(text);
    CHECK_MENTIONS(text, "storage.config");       // missing path
    CHECK_MENTIONS(text, "storage.config.pool");  // 99 > 64
    CHECK_MENTIONS(text, "authenticators[0].plugin: plugin");
    CHECK_MENTIONS(text, "ABI");
    CHECK_MENTIONS(text, "authenticators[1].plugin: plugin file authd_absent.so was not found");
    CHECK_MENTIONS(text, "mail.config.extra");
    // Sorted by line: storage (3) before the authenticators (5, 6) before mail (7).
    BOOST_TEST(text.find("storage.config") < text.find("authenticators[0]"));
    BOOST_TEST(text.find("authenticators[1]") < text.find("mail.config.extra"));
}

BOOST_AUTO_TEST_CASE(instances_keep_working_after_the_registry_is_gone) {
    auto instance = mailInstance("{ plugin: good_mailer, config: { label: survivor } }");
    authd::sdk::MailerPtr mailer;
    {
        authd::test::RecordingTestLogger local_log;
        PluginRegistry local{{fixtureDir()}, local_log};
        auto made = local.createMailer(instance, host);
        BOOST_REQUIRE(made);
        mailer = std::move(*made);
    }
    authd::sdk::MailMessage message;
    message.to = "late@example.test";
    BOOST_TEST(mailer->send(message).has_value());
    BOOST_TEST(host.recorder().withEvent("fixture.mail_sent").size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
