// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "config/authd_config.hpp"
#include "config/plugin_config.hpp"
#include "crypto/random.hpp"

using namespace authd::config;
namespace sdk = authd::sdk;
namespace fs = std::filesystem;

namespace {

// Every ConfigType, a nested map, defaults, a range and a required secret.
sdk::ConfigSchema fullSchema() {
    sdk::ConfigSchema schema;
    schema.add("name", sdk::ConfigType::string, true, {}, "display name");
    {
        sdk::ConfigKey& digits = schema.add("digits", sdk::ConfigType::integer, false, "6");
        digits.min = 4;
        digits.max = 10;
    }
    schema.add("enabled", sdk::ConfigType::boolean, false, "true");
    {
        sdk::ConfigKey& ttl = schema.add("ttl", sdk::ConfigType::duration, false, "15m");
        ttl.min = 60;
        ttl.max = 86400;
    }
    schema.add("scopes", sdk::ConfigType::string_list, false, "[openid, email]");
    schema.add("client_secret", sdk::ConfigType::secret, true, {}, "the upstream client secret");
    schema.add("api_key", sdk::ConfigType::secret, false);
    schema.add("label", sdk::ConfigType::string, false, "Sign in");
    schema.add("note", sdk::ConfigType::string, false);
    {
        sdk::ConfigKey& smtp = schema.add("smtp", sdk::ConfigType::map, false);
        sdk::ConfigKey host;
        host.name = "host";
        host.type = sdk::ConfigType::string;
        host.required = true;
        sdk::ConfigKey port;
        port.name = "port";
        port.type = sdk::ConfigType::integer;
        port.default_value = "25";
        port.min = 1;
        port.max = 65535;
        smtp.children = {host, port};
    }
    return schema;
}

struct PluginConfigFixture {
    PluginConfigFixture()
        : env_var("AUTHD_TEST_PLUGIN_SECRET_" + authd::crypto::randomHex(4)),
          dir(fs::temp_directory_path() / ("authd_plugin_config_test_" + authd::crypto::randomHex(8))) {
        ::setenv(env_var.c_str(), "upstream-secret", 1);
        fs::create_directories(dir);
    }
    ~PluginConfigFixture() {
        ::unsetenv(env_var.c_str());
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    PluginConfigFixture(const PluginConfigFixture&) = delete;
    PluginConfigFixture& operator=(const PluginConfigFixture&) = delete;

    // Loads a whole authd config whose authenticators[0] has the given `config:` body (lines
    // indented by six spaces, starting on line 9), so that marks are real.
    PluginInstanceConfig instance(const std::string& config_lines) {
        yaml_text = "server: { issuer: \"http://a\" }\n"     // 1
               "plugins: { paths: [p] }\n"              // 2
               "storage: { plugin: sqlite }\n"          // 3
               "authenticators:\n"                      // 4
               "  - id: upstream\n"                     // 5
               "    plugin: oidc_federation\n"          // 6
               "    config:\n"                          // 7
               "      # settings\n" +                   // 8
               config_lines;                            // 9...
        auto config = loadConfigText(yaml_text, "p.yaml");
        BOOST_REQUIRE_MESSAGE(config.has_value(), errorText(config));
        BOOST_REQUIRE(config->authenticators.size() == 1U);
        return config->authenticators[0];
    }

    std::string envLine() const { return "      client_secret_env: " + env_var + "\n"; }

    std::string env_var;
    fs::path dir;
    std::string yaml_text;
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_CONTAINS(haystack, needle)                                                        \
    BOOST_TEST(contains(haystack, needle), "expected \"" << (needle) << "\" in:\n" << (haystack))

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_config, PluginConfigFixture)

BOOST_AUTO_TEST_CASE(reads_every_type_and_applies_defaults) {
    const PluginInstanceConfig inst = instance(
        "      name: Upstream\n"                 // 9
        "      digits: 8\n"                      // 10
        "      enabled: false\n"                 // 11
        "      ttl: 2h\n"                        // 12
        "      scopes: [openid, profile]\n" +    // 13
        envLine() +                              // 14
        "      smtp: { host: mail.local }\n");   // 15
    ConfigErrors errors;
    const auto node = validatePluginConfig(inst, fullSchema(), errors);
    BOOST_REQUIRE_MESSAGE(node != nullptr, errors.str());
    BOOST_TEST(errors.empty());
    BOOST_TEST(node->getString("name") == "Upstream");
    BOOST_TEST(node->getInt("digits") == 8);
    BOOST_TEST(!node->getBool("enabled", true));
    BOOST_TEST(node->getDuration("ttl") == 7200);
    BOOST_TEST(node->getStringList("scopes") == (std::vector<std::string>{"openid", "profile"}));
    BOOST_TEST(node->getSecret("client_secret") == "upstream-secret");
    BOOST_TEST(node->has("client_secret"));
    BOOST_TEST(!node->has("api_key"));
    BOOST_TEST(node->getSecret("api_key") == "");
    // Defaults: present in values, absent in has().
    BOOST_TEST(!node->has("label"));
    BOOST_TEST(node->getString("label") == "Sign in");
    BOOST_TEST(node->getString("note", "fallback") == "");
    const sdk::ConfigNode* smtp = node->child("smtp");
    BOOST_REQUIRE(smtp != nullptr);
    BOOST_TEST(smtp->getString("host") == "mail.local");
    BOOST_TEST(smtp->getInt("port") == 25);
    BOOST_TEST(!smtp->has("port"));
}

BOOST_AUTO_TEST_CASE(defaults_fill_absent_keys) {
    const PluginInstanceConfig inst = instance("      name: x\n" + envLine());
    ConfigErrors errors;
    const auto node = validatePluginConfig(inst, fullSchema(), errors);
    BOOST_REQUIRE_MESSAGE(node != nullptr, errors.str());
    BOOST_TEST(node->getInt("digits") == 6);
    BOOST_TEST(node->getBool("enabled"));
    BOOST_TEST(node->getDuration("ttl") == 900);
    BOOST_TEST(node->getStringList("scopes") == (std::vector<std::string>{"openid", "email"}));
    BOOST_TEST(!node->has("digits"));
    BOOST_TEST(node->child("smtp") == nullptr);
}

BOOST_AUTO_TEST_CASE(wrong_getter_or_undeclared_key_returns_fallback) {
    const PluginInstanceConfig inst = instance("      name: x\n      digits: 7\n" + envLine());
    ConfigErrors errors;
    const auto node = validatePluginConfig(inst, fullSchema(), errors);
    BOOST_REQUIRE(node != nullptr);
    BOOST_TEST(node->getString("digits", "fb") == "fb");
    BOOST_TEST(node->getInt("name", -1) == -1);
    BOOST_TEST(node->getDuration("digits", 5) == 5);
    BOOST_TEST(node->getBool("digits", true));
    BOOST_TEST(node->getInt("undeclared", 42) == 42);
    BOOST_TEST(node->getSecret("name") == "");
    BOOST_TEST(node->getStringList("name").empty());
    BOOST_TEST(node->child("name") == nullptr);
    BOOST_TEST(!node->has("undeclared"));
}

BOOST_AUTO_TEST_CASE(where_points_at_the_key_in_the_file) {
    const PluginInstanceConfig inst = instance("      name: x\n      digits: 7\n" + envLine() +
                                               "      smtp:\n        host: h\n");
    ConfigErrors errors;
    const auto node = validatePluginConfig(inst, fullSchema(), errors);
    BOOST_REQUIRE_MESSAGE(node != nullptr, errors.str());
    BOOST_TEST(node->where("digits") == "p.yaml:10:15: authenticators[0].config.digits");
    BOOST_TEST(node->where("client_secret") ==
               "p.yaml:11:26: authenticators[0].config.client_secret_env");
    // Absent keys point at the config map itself.
    BOOST_TEST(node->where("ttl") == "p.yaml:9:7: authenticators[0].config.ttl");
    BOOST_TEST(node->where("whatever") == "p.yaml:9:7: authenticators[0].config.whatever");
    BOOST_TEST(node->child("smtp")->where("host") == "p.yaml:13:15: authenticators[0].config.smtp.host");
}

BOOST_AUTO_TEST_CASE(every_type_class_reports_wrong_types) {
    const PluginInstanceConfig inst = instance(
        "      name: [a]\n"                        // 9
        "      digits: six\n"                      // 10
        "      enabled: maybe\n"                   // 11
        "      ttl: soon\n"                        // 12
        "      scopes: openid\n" +                 // 13
        envLine() +                                // 14
        "      smtp: mail.local\n");               // 15
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(inst, fullSchema(), errors) == nullptr);
    BOOST_TEST(errors.str() ==
               "p.yaml:9:13: authenticators[0].config.name: expected a string, got a list\n"
               "p.yaml:10:15: authenticators[0].config.digits: expected an integer, got \"six\"\n"
               "p.yaml:11:16: authenticators[0].config.enabled: expected true or false, got \"maybe\"\n"
               "p.yaml:12:12: authenticators[0].config.ttl: expected a duration like 15m (a whole "
               "number with unit s, m, h, d or w), got \"soon\"\n"
               "p.yaml:13:15: authenticators[0].config.scopes: expected a list of strings, got \"openid\"\n"
               "p.yaml:15:13: authenticators[0].config.smtp: expected a map, got \"mail.local\"");
}

BOOST_AUTO_TEST_CASE(ranges_are_checked_for_integers_and_durations) {
    const PluginInstanceConfig inst = instance("      name: x\n      digits: 3\n      ttl: 30s\n" +
                                               envLine() + "      smtp: { host: h, port: 0 }\n");
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(inst, fullSchema(), errors) == nullptr);
    const std::string text = errors.str();
    CHECK_CONTAINS(text, "p.yaml:10:15: authenticators[0].config.digits: must be between 4 and 10, got 3");
    CHECK_CONTAINS(text, "p.yaml:11:12: authenticators[0].config.ttl: must be between 1m and 1d, got 30s");
    CHECK_CONTAINS(text, "authenticators[0].config.smtp.port: must be between 1 and 65535, got 0");
}

BOOST_AUTO_TEST_CASE(unknown_and_missing_keys_are_reported) {
    const PluginInstanceConfig inst = instance("      nmae: x\n      smtp: { port: 2525 }\n");
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(inst, fullSchema(), errors) == nullptr);
    const std::string text = errors.str();
    CHECK_CONTAINS(text, "p.yaml:9:7: authenticators[0].config.nmae: unknown key; allowed keys: name, "
                         "digits, enabled, ttl, scopes, client_secret_env, client_secret_file, "
                         "api_key_env, api_key_file, label, note, smtp");
    CHECK_CONTAINS(text, "p.yaml:9:7: authenticators[0].config: missing required key \"name\" (display name)");
    CHECK_CONTAINS(text, "p.yaml:9:7: authenticators[0].config: missing required secret \"client_secret\": "
                         "give client_secret_env: VARIABLE or client_secret_file: PATH (the upstream client secret)");
    CHECK_CONTAINS(text, "authenticators[0].config.smtp: missing required key \"host\"");
}

BOOST_AUTO_TEST_CASE(absent_config_map_reports_at_the_instance) {
    std::string config_text = "server: { issuer: \"http://a\" }\nplugins: { paths: [p] }\n"
                              "storage: { plugin: sqlite }\n"
                              "authenticators:\n  - { id: up, plugin: oidc_federation }\n";
    const auto config = loadConfigText(config_text, "p.yaml");
    BOOST_REQUIRE(config.has_value());
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(config->authenticators[0], fullSchema(), errors) == nullptr);
    CHECK_CONTAINS(errors.str(), "p.yaml:5:5: authenticators[0].config: missing required key \"name\"");
}

BOOST_AUTO_TEST_CASE(literal_secret_is_refused_with_the_fix) {
    const PluginInstanceConfig inst = instance("      name: x\n      client_secret: hunter2\n");
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(inst, fullSchema(), errors) == nullptr);
    const std::string text = errors.str();
    CHECK_CONTAINS(text, "p.yaml:10:7: authenticators[0].config.client_secret: secrets must not be "
                         "written in the config file; use client_secret_env: VARIABLE or "
                         "client_secret_file: PATH instead");
    BOOST_TEST(!contains(text, "hunter2"));
}

BOOST_AUTO_TEST_CASE(missing_environment_variable_is_an_error) {
    const PluginInstanceConfig inst =
        instance("      name: x\n      client_secret_env: AUTHD_TEST_SURELY_UNSET_VARIABLE_42\n");
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(inst, fullSchema(), errors) == nullptr);
    BOOST_TEST(errors.str() ==
               "p.yaml:10:26: authenticators[0].config.client_secret_env: environment variable "
               "AUTHD_TEST_SURELY_UNSET_VARIABLE_42 is not set");
}

BOOST_AUTO_TEST_CASE(secret_from_file_missing_file_and_empty_file) {
    const std::string good = (dir / "secret").string();
    std::ofstream(good) << "from-file\n";
    const std::string empty = (dir / "empty").string();
    std::ofstream(empty) << "";
    const std::string missing = (dir / "missing").string();

    ConfigErrors ok_errors;
    const auto node = validatePluginConfig(
        instance("      name: x\n      client_secret_file: " + good + "\n"), fullSchema(), ok_errors);
    BOOST_REQUIRE_MESSAGE(node != nullptr, ok_errors.str());
    BOOST_TEST(node->getSecret("client_secret") == "from-file");

    ConfigErrors missing_errors;
    BOOST_TEST(validatePluginConfig(instance("      name: x\n      client_secret_file: " + missing + "\n"),
                                    fullSchema(), missing_errors) == nullptr);
    CHECK_CONTAINS(missing_errors.str(), "p.yaml:10:27: authenticators[0].config.client_secret_file: "
                                         "cannot read secret file " + missing);

    ConfigErrors empty_errors;
    BOOST_TEST(validatePluginConfig(instance("      name: x\n      client_secret_file: " + empty + "\n"),
                                    fullSchema(), empty_errors) == nullptr);
    CHECK_CONTAINS(empty_errors.str(), "secret file " + empty + " is empty");
}

BOOST_AUTO_TEST_CASE(secret_given_twice_or_with_bad_variable_name) {
    ConfigErrors both;
    BOOST_TEST(validatePluginConfig(instance("      name: x\n" + envLine() +
                                             "      client_secret_file: /f\n"),
                                    fullSchema(), both) == nullptr);
    CHECK_CONTAINS(both.str(), "p.yaml:11:7: authenticators[0].config.client_secret_file: give "
                               "client_secret_env or client_secret_file, not both");
    ConfigErrors bad_name;
    BOOST_TEST(validatePluginConfig(instance("      name: x\n      client_secret_env: \"A-B\"\n"),
                                    fullSchema(), bad_name) == nullptr);
    CHECK_CONTAINS(bad_name.str(), "client_secret_env: expected an environment variable name");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_in_plugin_config_are_refused) {
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(instance("      name: x\n      name: y\n" + envLine()),
                                    fullSchema(), errors) == nullptr);
    CHECK_CONTAINS(errors.str(), "p.yaml:10:7: authenticators[0].config.name: duplicate key (first given at line 9)");
}

BOOST_AUTO_TEST_CASE(invalid_plugin_default_is_reported_as_plugin_bug) {
    sdk::ConfigSchema schema;
    schema.add("digits", sdk::ConfigType::integer, false, "six");
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(instance("      {}\n"), schema, errors) == nullptr);
    CHECK_CONTAINS(errors.str(), "authenticators[0].config.digits: the plugin's default value \"six\" is "
                                 "not a valid integer; this is a bug in the plugin");
}

BOOST_AUTO_TEST_CASE(empty_schema_refuses_any_key) {
    sdk::ConfigSchema schema;
    ConfigErrors errors;
    BOOST_TEST(validatePluginConfig(instance("      x: 1\n"), schema, errors) == nullptr);
    CHECK_CONTAINS(errors.str(), "authenticators[0].config.x: unknown key; this plugin takes no settings");
    ConfigErrors none;
    BOOST_TEST(validatePluginConfig(instance("      {}\n"), schema, none) != nullptr);
}

BOOST_AUTO_TEST_CASE(instance_built_in_code_without_config_uses_defaults) {
    sdk::ConfigSchema schema;
    schema.add("digits", sdk::ConfigType::integer, false, "6");
    schema.add("greeting", sdk::ConfigType::string, false, "Hello: {name}");
    schema.add("quoted", sdk::ConfigType::string, false, "\"x y\"");
    PluginInstanceConfig inst;
    inst.id = "pin";
    inst.plugin = "pin";
    inst.yaml_path = "authenticators[0]";
    inst.file = "code";
    ConfigErrors errors;
    const auto node = validatePluginConfig(inst, schema, errors);
    BOOST_REQUIRE_MESSAGE(node != nullptr, errors.str());
    BOOST_TEST(node->getInt("digits") == 6);
    BOOST_TEST(node->getString("greeting") == "Hello: {name}");  // not YAML: taken literally
    BOOST_TEST(node->getString("quoted") == "x y");              // a YAML scalar
    BOOST_TEST(node->where("digits") == "code: authenticators[0].config.digits");

    schema.add("name", sdk::ConfigType::string, true);
    ConfigErrors missing;
    BOOST_TEST(validatePluginConfig(inst, schema, missing) == nullptr);
    BOOST_TEST(missing.str() == "code: authenticators[0].config: missing required key \"name\"");
}

BOOST_AUTO_TEST_CASE(earlier_errors_do_not_make_a_valid_instance_fail) {
    ConfigErrors errors;
    errors.add({"other.yaml", 1, 1, "x", "earlier problem"});
    const auto node = validatePluginConfig(instance("      name: x\n" + envLine()), fullSchema(), errors);
    BOOST_TEST(node != nullptr);
    BOOST_TEST(errors.size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()
