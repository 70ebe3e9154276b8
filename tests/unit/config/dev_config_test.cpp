// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "config/authd_config.hpp"

using namespace authd::config;

BOOST_AUTO_TEST_SUITE(shipped_configs)

BOOST_AUTO_TEST_CASE(dev_config_parses_with_the_documented_values) {
    const auto config = loadConfigFile(std::string(AUTHD_SOURCE_DIR) + "/config/authd.dev.yaml");
    BOOST_REQUIRE_MESSAGE(config.has_value(), errorText(config));
    BOOST_TEST(config->server.listen == "127.0.0.1:8080");
    BOOST_TEST(config->server.issuer == "http://127.0.0.1:8080");
    BOOST_TEST(config->plugins.paths == std::vector<std::string>{"build/release/plugins"});
    BOOST_TEST(config->data_dir == "var");
    BOOST_TEST(config->storage.plugin == "sqlite");
    BOOST_TEST(config->storage.config["path"].Scalar() == "var/authd.db");
    BOOST_REQUIRE(config->authenticators.size() == 3U);
    BOOST_TEST(config->authenticators[0].id == "password");
    BOOST_TEST(config->authenticators[0].plugin == "password");
    BOOST_TEST(config->authenticators[0].config["min_length"].Scalar() == "10");
    BOOST_TEST(config->authenticators[1].id == "pin");
    BOOST_TEST(config->authenticators[1].plugin == "pin");
    BOOST_TEST(config->authenticators[2].id == "email-link");
    BOOST_TEST(config->authenticators[2].plugin == "magic_link");
    BOOST_REQUIRE(config->mail.has_value());
    BOOST_TEST(config->mail->plugin == "outbox");
    BOOST_TEST(config->mail->config["dir"].Scalar() == "var/outbox");
    BOOST_TEST(config->secrets.dev_master_key);
    BOOST_TEST(config->secrets.master_key_file == "var/master.key");
    BOOST_TEST(config->password_hashing.t_cost == 3U);
    BOOST_TEST(config->password_hashing.m_cost_kib == 65536U);
    BOOST_TEST(config->tokens.default_id_token_alg == "HS256");
}

BOOST_AUTO_TEST_CASE(certification_profile_defaults_id_tokens_to_rs256) {
    const auto config =
        loadConfigFile(std::string(AUTHD_SOURCE_DIR) + "/config/certification.yaml");
    BOOST_REQUIRE_MESSAGE(config.has_value(), errorText(config));
    BOOST_TEST(config->tokens.default_id_token_alg == "RS256");
    BOOST_TEST(config->server.tls.has_value());
}

BOOST_AUTO_TEST_CASE(postgresql_and_federation_examples_parse) {
    for (const char* name : {"/config/authd.postgresql.yaml", "/config/authd.federation.yaml"}) {
        const auto config = loadConfigFile(std::string(AUTHD_SOURCE_DIR) + name);
        BOOST_REQUIRE_MESSAGE(config.has_value(), name << ": " << errorText(config));
    }
}

BOOST_AUTO_TEST_SUITE_END()
