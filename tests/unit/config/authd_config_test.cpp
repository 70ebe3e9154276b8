// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "config/authd_config.hpp"
#include "crypto/random.hpp"

using namespace authd::config;
namespace sdk = authd::sdk;

namespace {

const std::string kMinimal =
    "server:\n"
    "  issuer: \"http://127.0.0.1:8080\"\n"
    "plugins:\n"
    "  paths: [ \"plugins\" ]\n"
    "storage:\n"
    "  plugin: sqlite\n";

AuthdConfig loadOk(const std::string& text) {
    auto config = loadConfigText(text, "test.yaml");
    BOOST_REQUIRE_MESSAGE(config.has_value(), errorText(config));
    return std::move(config).value();
}

// The full error text; fails the test if the config was accepted.
std::string loadError(const std::string& text) {
    auto config = loadConfigText(text, "test.yaml");
    BOOST_REQUIRE_MESSAGE(!config.has_value(), "config was accepted:\n" << text);
    BOOST_TEST(config.error().code == sdk::ErrorCode::invalid_config);
    return config.error().message;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_CONTAINS(haystack, needle)                                                        \
    BOOST_TEST(contains(haystack, needle), "expected \"" << (needle) << "\" in:\n" << (haystack))

}  // namespace

BOOST_AUTO_TEST_SUITE(authd_config)

BOOST_AUTO_TEST_CASE(minimal_config_gets_every_default) {
    const AuthdConfig config = loadOk(kMinimal);
    BOOST_TEST(config.source_file == "test.yaml");
    BOOST_TEST(config.server.listen == "127.0.0.1:8080");
    BOOST_TEST(config.server.listen_host == "127.0.0.1");
    BOOST_TEST(config.server.listen_port == 8080);
    BOOST_TEST(config.server.issuer == "http://127.0.0.1:8080");
    BOOST_TEST(config.server.threads == 64);
    BOOST_TEST(config.server.queue == 256);
    BOOST_TEST(config.server.max_body_bytes == 1048576);
    BOOST_TEST(config.server.max_header_bytes == 16384);
    BOOST_TEST(config.server.shutdown_grace == 10);
    BOOST_TEST(config.server.keep_alive_timeout == 5);
    BOOST_TEST(config.server.receive_timeout == 15);
    BOOST_TEST(!config.server.tls.has_value());
    BOOST_TEST(config.plugins.paths == std::vector<std::string>{"plugins"});
    BOOST_TEST(config.data_dir == "var");
    BOOST_TEST(config.storage.id == "sqlite");
    BOOST_TEST(config.storage.plugin == "sqlite");
    BOOST_TEST(config.storage.yaml_path == "storage");
    BOOST_TEST(config.storage.file == "test.yaml");
    BOOST_TEST(config.storage.line == 6);
    BOOST_TEST(config.storage.column == 3);
    BOOST_TEST(config.storage.config.IsMap());
    BOOST_TEST(config.storage.config.size() == 0U);
    BOOST_TEST(config.authenticators.empty());
    BOOST_TEST(!config.mail.has_value());
    BOOST_TEST(config.tokens.access_ttl == 300);
    BOOST_TEST(config.tokens.refresh_ttl == 7 * 86400);
    BOOST_TEST(config.tokens.pin_refresh_ttl == 30 * 86400);
    BOOST_TEST(config.tokens.id_token_ttl == 3600);
    BOOST_TEST(config.tokens.code_ttl == 60);
    BOOST_TEST(config.tokens.session_ttl == 7 * 86400);
    BOOST_TEST(config.tokens.login_ttl == 900);
    BOOST_TEST(config.tokens.refresh_grace == 10);
    BOOST_TEST(config.tokens.default_id_token_alg == "HS256");
    BOOST_TEST(config.secrets.master_key_env == "AUTHD_MASTER_KEY");
    BOOST_TEST(config.secrets.master_key_file == "var/master.key");
    BOOST_TEST(config.secrets.admin_token_env == "AUTHD_ADMIN_TOKEN");
    BOOST_TEST(config.secrets.admin_token_file == "");
    BOOST_TEST(!config.secrets.dev_master_key);
    BOOST_TEST(config.password_hashing.t_cost == 3U);
    BOOST_TEST(config.password_hashing.m_cost_kib == 65536U);
    BOOST_TEST(config.password_hashing.parallelism == 1U);
    BOOST_TEST((config.logging.level == sdk::LogLevel::info));
    BOOST_TEST((config.registration == RegistrationMode::closed));
}

BOOST_AUTO_TEST_CASE(full_config_reads_every_key) {
    const AuthdConfig config = loadOk(
        "server:\n"
        "  listen: \"[::1]:0\"\n"
        "  issuer: https://id.example.com/tenant\n"
        "  threads: 4\n"
        "  queue: 10\n"
        "  max_body_bytes: 2048\n"
        "  max_header_bytes: 4096\n"
        "  shutdown_grace: 1m\n"
        "  keep_alive_timeout: 30s\n"
        "  receive_timeout: 2m\n"
        "  tls: { cert: c.pem, key: k.pem }\n"
        "plugins: { paths: [a, b] }\n"
        "data_dir: /srv/authd\n"
        "storage: { plugin: postgresql, config: { dsn: \"host=x\" } }\n"
        "authenticators:\n"
        "  - { id: password, plugin: password, config: { min_length: 10 } }\n"
        "  - id: email-link\n"
        "    plugin: magic_link\n"
        "mail: { plugin: smtp, config: { host: 127.0.0.1 } }\n"
        "tokens: { access_ttl: 10m, refresh_ttl: 14d, pin_refresh_ttl: 2w, id_token_ttl: 2h,\n"
        "          code_ttl: 30, session_ttl: 1d, login_ttl: 5m, refresh_grace: 0,\n"
        "          default_id_token_alg: RS256 }\n"
        "secrets: { master_key_env: MK, master_key_file: '', admin_token_file: /run/admin,\n"
        "           dev_master_key: false }\n"
        "password_hashing: { t_cost: 2, m_cost_kib: 19456, parallelism: 2 }\n"
        "logging: { level: debug }\n"
        "registration: invite\n");
    BOOST_TEST(config.server.listen == "[::1]:0");
    BOOST_TEST(config.server.listen_host == "::1");
    BOOST_TEST(config.server.listen_port == 0);
    BOOST_TEST(config.server.issuer == "https://id.example.com/tenant");
    BOOST_TEST(config.server.threads == 4);
    BOOST_TEST(config.server.queue == 10);
    BOOST_TEST(config.server.max_body_bytes == 2048);
    BOOST_TEST(config.server.max_header_bytes == 4096);
    BOOST_TEST(config.server.shutdown_grace == 60);
    BOOST_TEST(config.server.keep_alive_timeout == 30);
    BOOST_TEST(config.server.receive_timeout == 120);
    BOOST_REQUIRE(config.server.tls.has_value());
    BOOST_TEST(config.server.tls->cert == "c.pem");
    BOOST_TEST(config.server.tls->key == "k.pem");
    BOOST_TEST(config.plugins.paths == (std::vector<std::string>{"a", "b"}));
    BOOST_TEST(config.data_dir == "/srv/authd");
    BOOST_TEST(config.storage.plugin == "postgresql");
    BOOST_TEST(config.storage.config["dsn"].Scalar() == "host=x");
    BOOST_REQUIRE(config.authenticators.size() == 2U);
    BOOST_TEST(config.authenticators[0].id == "password");
    BOOST_TEST(config.authenticators[0].plugin == "password");
    BOOST_TEST(config.authenticators[0].yaml_path == "authenticators[0]");
    BOOST_TEST(config.authenticators[0].line == 16);
    BOOST_TEST(config.authenticators[0].column == 5);
    BOOST_TEST(config.authenticators[0].config["min_length"].Scalar() == "10");
    BOOST_TEST(config.authenticators[1].id == "email-link");
    BOOST_TEST(config.authenticators[1].plugin == "magic_link");
    BOOST_TEST(config.authenticators[1].yaml_path == "authenticators[1]");
    BOOST_TEST(config.authenticators[1].line == 17);
    BOOST_TEST(config.authenticators[1].config.IsMap());
    BOOST_REQUIRE(config.mail.has_value());
    BOOST_TEST(config.mail->id == "smtp");
    BOOST_TEST(config.mail->yaml_path == "mail");
    BOOST_TEST(config.tokens.access_ttl == 600);
    BOOST_TEST(config.tokens.refresh_ttl == 14 * 86400);
    BOOST_TEST(config.tokens.pin_refresh_ttl == 14 * 86400);
    BOOST_TEST(config.tokens.id_token_ttl == 7200);
    BOOST_TEST(config.tokens.code_ttl == 30);
    BOOST_TEST(config.tokens.session_ttl == 86400);
    BOOST_TEST(config.tokens.login_ttl == 300);
    BOOST_TEST(config.tokens.refresh_grace == 0);
    BOOST_TEST(config.tokens.default_id_token_alg == "RS256");
    BOOST_TEST(config.secrets.master_key_env == "MK");
    BOOST_TEST(config.secrets.master_key_file == "");
    BOOST_TEST(config.secrets.admin_token_file == "/run/admin");
    BOOST_TEST(config.secrets.admin_token_env == "");  // the file replaces the default variable
    BOOST_TEST(config.password_hashing.t_cost == 2U);
    BOOST_TEST(config.password_hashing.m_cost_kib == 19456U);
    BOOST_TEST(config.password_hashing.parallelism == 2U);
    BOOST_TEST(config.password_hashing.params().parallelism == 2U);
    BOOST_TEST((config.logging.level == sdk::LogLevel::debug));
    BOOST_TEST((config.registration == RegistrationMode::invite));
    BOOST_TEST(std::string(registrationModeName(config.registration)) == "invite");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_reports_yaml_cpp_mark) {
    const std::string error = loadError("server:\n  issuer: [unclosed\nplugins: {}\n");
    CHECK_CONTAINS(error, "test.yaml:");
    CHECK_CONTAINS(error, "YAML syntax error");
    const std::string mapping = loadError("server:\n  a: b: c\n");
    BOOST_TEST(mapping.rfind("test.yaml:2:", 0) == 0U, mapping);
}

BOOST_AUTO_TEST_CASE(empty_and_non_map_documents_are_refused) {
    CHECK_CONTAINS(loadError(""), "the config is empty");
    CHECK_CONTAINS(loadError("# only a comment\n"), "the config is empty");
    CHECK_CONTAINS(loadError("- a\n- b\n"), "expected a map of sections");
    CHECK_CONTAINS(loadError("just text\n"), "expected a map of sections");
    CHECK_CONTAINS(loadError(kMinimal + "---\nserver: {}\n"), "only one YAML document");
}

BOOST_AUTO_TEST_CASE(unknown_key_at_top_level_lists_allowed_keys) {
    const std::string error = loadError(kMinimal + "sever: {}\n");
    BOOST_TEST(error ==
               "test.yaml:7:1: sever: unknown key (did you mean \"server\"?); allowed keys: "
               "server, plugins, data_dir, storage, authenticators, mail, tokens, secrets, "
               "password_hashing, logging, registration");
}

BOOST_AUTO_TEST_CASE(unknown_key_in_each_section_is_reported) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"server:\n  issuer: \"http://a\"\n  lisen: x\nplugins: { paths: [p] }\nstorage: { plugin: s }\n",
         "test.yaml:3:3: server.lisen: unknown key (did you mean \"listen\"?)"},
        {"server:\n  issuer: \"http://a\"\n  tls: { cert: a, key: b, ca: c }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n",
         "server.tls.ca: unknown key; allowed keys: cert, key"},
        {kMinimal + "tokens: { acess_ttl: 5m }\n", "tokens.acess_ttl: unknown key (did you mean \"access_ttl\"?)"},
        {kMinimal + "secrets: { foo: 1 }\n", "secrets.foo: unknown key"},
        {kMinimal + "password_hashing: { memory: 1 }\n", "password_hashing.memory: unknown key"},
        {kMinimal + "logging: { format: json }\n", "logging.format: unknown key; allowed keys: level"},
        {kMinimal + "mail: { plugin: outbox, settings: {} }\n", "mail.settings: unknown key; allowed keys: plugin, config"},
        {kMinimal + "authenticators: [ { id: a, plugin: b, name: c } ]\n",
         "authenticators[0].name: unknown key; allowed keys: id, plugin, config"},
        {"server: { issuer: \"http://a\" }\nplugins: { paths: [p], extra: 1 }\nstorage: { plugin: s }\n",
         "plugins.extra: unknown key; allowed keys: paths"},
        {"server: { issuer: \"http://a\" }\nplugins: { paths: [p] }\nstorage: { plugin: s, id: x }\n",
         "storage.id: unknown key; allowed keys: plugin, config"},
    };
    for (const auto& [text, expected] : cases) {
        CHECK_CONTAINS(loadError(text), expected);
    }
}

BOOST_AUTO_TEST_CASE(wrong_type_for_each_type_class_says_what_was_expected) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {kMinimal + "data_dir: { a: 1 }\n", "data_dir: expected a string, got a map"},
        {kMinimal + "data_dir: [a]\n", "data_dir: expected a string, got a list"},
        {kMinimal + "data_dir:\n", "data_dir: expected a string, got nothing"},
        {"server: { issuer: \"http://a\", threads: many }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n",
         "server.threads: expected an integer, got \"many\""},
        {"server: { issuer: \"http://a\", threads: 1.5 }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n",
         "server.threads: expected an integer, got \"1.5\""},
        {"server: { issuer: \"http://a\", threads: 010 }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n",
         "server.threads: expected an integer, got \"010\""},
        {kMinimal + "secrets: { dev_master_key: yes }\n", "secrets.dev_master_key: expected true or false, got \"yes\""},
        {kMinimal + "tokens: { access_ttl: { a: 1 } }\n", "tokens.access_ttl: expected a duration like 15m, got a map"},
        {kMinimal + "tokens: { access_ttl: 1.5h }\n",
         "tokens.access_ttl: expected a duration like 15m (a whole number with unit s, m, h, d or w), got \"1.5h\""},
        {"server: { issuer: \"http://a\" }\nplugins: { paths: p }\nstorage: { plugin: s }\n",
         "plugins.paths: expected a list of strings, got \"p\""},
        {"server: { issuer: \"http://a\" }\nplugins: { paths: [ [x] ] }\nstorage: { plugin: s }\n",
         "plugins.paths[0]: expected a string, got a list"},
        {"server: 5\nplugins: { paths: [p] }\nstorage: { plugin: s }\n", "server: expected a map, got \"5\""},
        {kMinimal + "tokens: [1]\n", "tokens: expected a map, got a list"},
        {kMinimal + "logging: { level: verbose }\n",
         "logging.level: expected one of debug, info, warning, error, got \"verbose\""},
        {kMinimal + "tokens: { default_id_token_alg: none }\n",
         "tokens.default_id_token_alg: expected one of HS256, RS256, ES256, EdDSA, got \"none\""},
        {kMinimal + "registration: maybe\n", "registration: expected one of open, invite, closed"},
        {kMinimal + "authenticators: { id: a }\n", "authenticators: expected a list of authenticators"},
        {kMinimal + "authenticators: [ 5 ]\n", "authenticators[0]: expected a map, got \"5\""},
        {kMinimal + "mail: { plugin: outbox, config: [a] }\n",
         "mail.config: expected a map of the plugin's settings, got a list"},
    };
    for (const auto& [text, expected] : cases) {
        CHECK_CONTAINS(loadError(text), expected);
    }
}

BOOST_AUTO_TEST_CASE(missing_required_keys_are_reported_at_their_map) {
    const std::string error = loadError("data_dir: var\n");
    CHECK_CONTAINS(error, "test.yaml:1:1: missing required key \"server\"");
    CHECK_CONTAINS(error, "test.yaml:1:1: missing required key \"plugins\"");
    CHECK_CONTAINS(error, "test.yaml:1:1: missing required key \"storage\"");

    const std::string issuer = loadError(
        "server:\n  listen: \"127.0.0.1:1\"\nplugins: { paths: [p] }\nstorage: { plugin: s }\n");
    CHECK_CONTAINS(issuer, "test.yaml:2:3: server: missing required key \"issuer\"");

    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\" }\nplugins: {}\nstorage: { plugin: s }\n"),
                   "plugins: missing required key \"paths\"");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\" }\nplugins: { paths: [p] }\nstorage: { config: {} }\n"),
                   "storage: missing required key \"plugin\"");
    CHECK_CONTAINS(loadError(kMinimal + "authenticators: [ { plugin: password } ]\n"),
                   "authenticators[0]: missing required key \"id\"");
    CHECK_CONTAINS(loadError("server:\nplugins: { paths: [p] }\nstorage: { plugin: s }\n"),
                   "test.yaml:1:1: server: missing required key \"issuer\"");
    CHECK_CONTAINS(loadError(kMinimal + "authenticators: [ ~ ]\n"),
                   "authenticators[0]: expected a map with plugin and config, got nothing");
}

BOOST_AUTO_TEST_CASE(out_of_range_values_give_the_range) {
    const std::string base = "plugins: { paths: [p] }\nstorage: { plugin: s }\n";
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", threads: 0 }\n" + base),
                   "server.threads: must be between 1 and 512, got 0");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", threads: 513 }\n" + base),
                   "server.threads: must be between 1 and 512, got 513");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", threads: -1 }\n" + base),
                   "must be between 1 and 512, got -1");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", threads: 99999999999999999999 }\n" + base),
                   "server.threads: expected an integer");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", max_body_bytes: 10 }\n" + base),
                   "server.max_body_bytes: must be between 1024 and 1073741824, got 10");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", shutdown_grace: 2h }\n" + base),
                   "server.shutdown_grace: must be between 0s and 1h, got 2h");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\", receive_timeout: 0 }\n" + base),
                   "server.receive_timeout: must be between 1s and 1h, got 0");
    CHECK_CONTAINS(loadError(kMinimal + "tokens: { code_ttl: 11m }\n"),
                   "tokens.code_ttl: must be between 1s and 10m, got 11m");
    CHECK_CONTAINS(loadError(kMinimal + "tokens: { access_ttl: 0 }\n"),
                   "tokens.access_ttl: must be between 1s and 3650d, got 0");
    CHECK_CONTAINS(loadError(kMinimal + "password_hashing: { m_cost_kib: 16, parallelism: 4 }\n"),
                   "password_hashing: argon2 m_cost_kib must be at least 8 * parallelism (32), got 16");
    CHECK_CONTAINS(loadError(kMinimal + "password_hashing: { t_cost: 0 }\n"),
                   "password_hashing.t_cost: must be between 1 and 100, got 0");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\" }\nplugins: { paths: [] }\nstorage: { plugin: s }\n"),
                   "plugins.paths: must list at least one entry");
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\" }\nplugins: { paths: [\"\"] }\nstorage: { plugin: s }\n"),
                   "plugins.paths[0]: must not be empty");
}

BOOST_AUTO_TEST_CASE(duplicate_authenticator_ids_are_refused) {
    const std::string error = loadError(kMinimal +
                                        "authenticators:\n"
                                        "  - { id: password, plugin: password }\n"
                                        "  - { id: pin, plugin: pin }\n"
                                        "  - { id: password, plugin: password }\n");
    BOOST_TEST(error == "test.yaml:10:11: authenticators[2].id: duplicate authenticator id "
                        "\"password\" (first used at line 8); ids must be unique");
}

BOOST_AUTO_TEST_CASE(duplicate_yaml_keys_are_refused) {
    CHECK_CONTAINS(loadError(kMinimal + "data_dir: a\ndata_dir: b\n"),
                   "test.yaml:8:1: data_dir: duplicate key (first given at line 7)");
}

BOOST_AUTO_TEST_CASE(bad_listen_addresses_are_refused) {
    for (const std::string bad : {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                                  "127.0.0.1:-1", "127.0.0.1:http", ":8080", "::1:8080",
                                  "[::1]8080", "[nothost]:80", "[::1", "a b:80", "h/x:80"}) {
        const std::string error = loadError("server: { issuer: \"http://a\", listen: \"" + bad +
                                            "\" }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n");
        BOOST_TEST_CONTEXT(bad) {
            CHECK_CONTAINS(error, "server.listen: expected host:port like 127.0.0.1:8080");
        }
    }
    const AuthdConfig config =
        loadOk("server: { issuer: \"http://a\", listen: \"localhost:65535\" }\nplugins: { paths: [p] }\n"
               "storage: { plugin: s }\n");
    BOOST_TEST(config.server.listen_host == "localhost");
    BOOST_TEST(config.server.listen_port == 65535);
}

BOOST_AUTO_TEST_CASE(bad_issuers_are_refused) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"ftp://a", "expected an http:// or https:// URL"},
        {"127.0.0.1:8080", "expected an http:// or https:// URL"},
        {"HTTP://a", "expected an http:// or https:// URL"},
        {"http://", "has no host"},
        {"https:///path", "has no host"},
        {"http://a/", "must not end with a slash"},
        {"https://id.example.com/realm/", "must not end with a slash"},
        {"http://a?x=1", "a query (?)"},
        {"http://a#f", "a fragment (#)"},
        {"http://a b", "spaces"},
        {"http://user@a", "user information"},
    };
    for (const auto& [issuer, reason] : cases) {
        const std::string error = loadError("server: { issuer: \"" + issuer +
                                            "\" }\nplugins: { paths: [p] }\nstorage: { plugin: s }\n");
        BOOST_TEST_CONTEXT(issuer) {
            CHECK_CONTAINS(error, "server.issuer: ");
            CHECK_CONTAINS(error, reason);
        }
    }
}

BOOST_AUTO_TEST_CASE(literal_secrets_are_refused) {
    const std::string error =
        loadError(kMinimal + "secrets:\n  master_key: 00112233\n  admin_token: hunter2\n");
    CHECK_CONTAINS(error, "test.yaml:8:3: secrets.master_key: secrets must not be written in the "
                          "config file; use master_key_env: VARIABLE or master_key_file: PATH instead");
    CHECK_CONTAINS(error, "test.yaml:9:3: secrets.admin_token: secrets must not be written");
    BOOST_TEST(!contains(error, "hunter2"));
    BOOST_TEST(!contains(error, "00112233"));
}

BOOST_AUTO_TEST_CASE(secrets_section_rules) {
    CHECK_CONTAINS(loadError(kMinimal + "secrets: { master_key_env: \"1BAD\" }\n"),
                   "secrets.master_key_env: expected an environment variable name");
    CHECK_CONTAINS(loadError(kMinimal + "secrets: { admin_token_env: X, admin_token_file: /f }\n"),
                   "secrets: give admin_token_env or admin_token_file, not both");
    CHECK_CONTAINS(loadError(kMinimal + "secrets: { master_key_env: '', master_key_file: '' }\n"),
                   "master_key_env and master_key_file are both empty");
    CHECK_CONTAINS(loadError(kMinimal + "secrets: { master_key_file: '', dev_master_key: true }\n"),
                   "dev_master_key needs master_key_file");
}

BOOST_AUTO_TEST_CASE(incomplete_tls_is_refused) {
    const std::string base = "plugins: { paths: [p] }\nstorage: { plugin: s }\n";
    CHECK_CONTAINS(loadError("server: { issuer: \"https://a\", tls: { cert: c.pem } }\n" + base),
                   "server.tls: missing required key \"key\" (tls needs both cert and key)");
    CHECK_CONTAINS(loadError("server: { issuer: \"https://a\", tls: { key: k.pem } }\n" + base),
                   "server.tls: missing required key \"cert\"");
    CHECK_CONTAINS(loadError("server: { issuer: \"https://a\", tls: { cert: \"\", key: k } }\n" + base),
                   "server.tls.cert: must not be empty");
    CHECK_CONTAINS(loadError("server: { issuer: \"https://a\", tls: on }\n" + base),
                   "server.tls: expected a map, got \"on\"");
    // `tls:` with nothing under it means no TLS.
    BOOST_TEST(!loadOk("server: { issuer: \"https://a\", tls: }\n" + base).server.tls.has_value());
}

BOOST_AUTO_TEST_CASE(plugin_names_and_ids_are_checked) {
    CHECK_CONTAINS(loadError("server: { issuer: \"http://a\" }\nplugins: { paths: [p] }\nstorage: { plugin: ../evil }\n"),
                   "storage.plugin: expected a plugin name (lower-case letters, digits and _)");
    CHECK_CONTAINS(loadError(kMinimal + "authenticators: [ { id: \"a b\", plugin: p } ]\n"),
                   "authenticators[0].id: expected an id of letters, digits, - and _");
    CHECK_CONTAINS(loadError(kMinimal + "authenticators: [ { id: -a, plugin: p } ]\n"),
                   "authenticators[0].id: expected an id");
}

BOOST_AUTO_TEST_CASE(empty_optional_sections_mean_defaults) {
    const AuthdConfig config = loadOk(kMinimal + "authenticators:\nmail:\ntokens:\nlogging:\n");
    BOOST_TEST(config.authenticators.empty());
    BOOST_TEST(!config.mail.has_value());
    BOOST_TEST(config.tokens.access_ttl == 300);
    const AuthdConfig no_config = loadOk(
        "server: { issuer: \"http://a\" }\nplugins: { paths: [p] }\nstorage: { plugin: s, config: }\n");
    BOOST_TEST(no_config.storage.config.IsMap());
}

BOOST_AUTO_TEST_CASE(all_errors_are_collected_in_one_message_with_line_and_column) {
    const std::string error = loadError(
        "server:\n"                              // 1
        "  listen: \"nohost\"\n"                 // 2
        "  issuer: \"http://x/\"\n"              // 3
        "  threads: 0\n"                         // 4
        "plugins:\n"                             // 5
        "  paths: []\n"                          // 6
        "storage: { plugin: sqlite }\n"          // 7
        "tokens:\n"                              // 8
        "  access_ttl: 1.5h\n"                   // 9
        "  bogus: 1\n"                           // 10
        "authenticators:\n"                      // 11
        "  - { id: a, plugin: password }\n"      // 12
        "  - { id: a, plugin: pin }\n"           // 13
        "secrets: { admin_token: x }\n"          // 14
        "logging: { level: loud }\n");           // 15
    const std::vector<std::string> expected = {
        "test.yaml:2:11: server.listen: expected host:port like 127.0.0.1:8080 or [::1]:8080, "
        "got \"nohost\" (the port is missing)",
        "test.yaml:3:11: server.issuer: the issuer must not end with a slash (clients compare it "
        "character by character), got \"http://x/\"",
        "test.yaml:4:12: server.threads: must be between 1 and 512, got 0",
        "test.yaml:6:10: plugins.paths: must list at least one entry",
        "test.yaml:9:15: tokens.access_ttl: expected a duration like 15m (a whole number with unit "
        "s, m, h, d or w), got \"1.5h\"",
        "test.yaml:10:3: tokens.bogus: unknown key; allowed keys: access_ttl, refresh_ttl, "
        "pin_refresh_ttl, id_token_ttl, code_ttl, session_ttl, login_ttl, refresh_grace, "
        "default_id_token_alg",
        "test.yaml:13:11: authenticators[1].id: duplicate authenticator id \"a\" (first used at line "
        "12); ids must be unique",
        "test.yaml:14:12: secrets.admin_token: secrets must not be written in the config file; use "
        "admin_token_env: VARIABLE or admin_token_file: PATH instead",
        "test.yaml:15:19: logging.level: expected one of debug, info, warning, error, got \"loud\"",
    };
    std::string joined;
    for (const std::string& line : expected) {
        joined += (joined.empty() ? "" : "\n") + line;
    }
    BOOST_TEST(error == joined);
}

BOOST_AUTO_TEST_CASE(config_file_is_read_from_disk_and_named_in_errors) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("authd_config_test_" + authd::crypto::randomHex(8));
    std::filesystem::create_directories(dir);
    const std::string good = (dir / "good.yaml").string();
    std::ofstream(good) << kMinimal;
    const auto loaded = loadConfigFile(good);
    BOOST_REQUIRE_MESSAGE(loaded.has_value(), errorText(loaded));
    BOOST_TEST(loaded->source_file == good);
    BOOST_TEST(loaded->storage.file == good);

    const std::string bad = (dir / "bad.yaml").string();
    std::ofstream(bad) << kMinimal << "oops: 1\n";
    const auto refused = loadConfigFile(bad);
    BOOST_REQUIRE(!refused.has_value());
    BOOST_TEST(refused.error().message.rfind(bad + ":7:1: oops: unknown key", 0) == 0U);

    const std::string empty = (dir / "empty.yaml").string();
    std::ofstream(empty) << "";
    CHECK_CONTAINS(loadConfigFile(empty).error().message, empty + ": the config is empty");

    const std::string missing = (dir / "missing.yaml").string();
    const auto absent = loadConfigFile(missing);
    BOOST_REQUIRE(!absent.has_value());
    BOOST_TEST(absent.error().message ==
               missing + ": cannot read the config file: No such file or directory");
    CHECK_CONTAINS(loadConfigFile(dir.string()).error().message, "not a regular file");
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(hostile_yaml_never_crashes) {
    const std::vector<std::string> inputs = {
        std::string(5000, '['),
        [] {
            std::string deep;
            for (int i = 0; i < 5000; ++i) {
                deep += "{a: ";
            }
            return deep;
        }(),
        "a: &x [*x]\n",
        "a: *undefined\n",
        "? [a, b]\n: c\n",
        "server: !!binary aGVsbG8=\n",
        std::string("server:\0\n", 9),
        "\xff\xfe\x00\x00",
        "\t\t\t",
        "key: 'unterminated\n",
        "%YAML 9.9\n---\na: 1\n",
        "a: b\n  c: d\n",
    };
    for (const std::string& input : inputs) {
        const auto config = loadConfigText(input, "hostile.yaml");
        BOOST_TEST(!config.has_value());
        if (!config) {
            BOOST_TEST(!config.error().message.empty());
            // One issue per line, no raw control characters.
            BOOST_TEST(std::none_of(config.error().message.begin(), config.error().message.end(),
                                    [](char c) { return c != '\n' && static_cast<unsigned char>(c) < 0x20; }));
        }
    }
    CHECK_CONTAINS(loadConfigText(inputs[0], "hostile.yaml").error().message,
                   "hostile.yaml:1:1: YAML syntax error: nesting is too deep");
    CHECK_CONTAINS(loadConfigText(inputs[1], "hostile.yaml").error().message,
                   "YAML syntax error: nesting is too deep");
}

BOOST_AUTO_TEST_SUITE_END()
