// SPDX-License-Identifier: Apache-2.0
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "app/demo.hpp"
#include "app/project_secrets.hpp"
#include "crypto/random.hpp"
#include "sqlite_store.hpp"

BOOST_AUTO_TEST_SUITE(demo)

BOOST_AUTO_TEST_CASE(creates_the_project_and_user_with_sealed_secrets) {
    authd::test::SqliteStore store;
    auto box = authd::crypto::SecretBox::fromHex(authd::crypto::randomHex(32));
    BOOST_REQUIRE(box.has_value());
    const authd::crypto::PasswordHasher hasher({1, 8192, 1});
    auto demo = authd::app::ensureDemo(*store.storage, *box, hasher, 1'700'000'000);
    BOOST_REQUIRE_MESSAGE(demo.has_value(), (demo ? "" : demo.error().message));
    BOOST_TEST(demo->project_created);
    BOOST_TEST(demo->client_secret.size() == 64u);
    BOOST_TEST(demo->signing_key.size() == 64u);

    auto project = store.storage->projects().get("proj_demo");
    BOOST_REQUIRE(project.has_value());
    BOOST_TEST(project->name == "Demo app");
    BOOST_TEST(project->client_type == "confidential");
    BOOST_TEST(project->redirect_uris.size() == 2u);
    BOOST_TEST(project->redirect_uris[0] == "http://127.0.0.1:3000/api/auth/callback");
    BOOST_TEST(project->grant_types.size() == 3u);
    BOOST_TEST(project->scopes.size() == 4u);
    BOOST_TEST(project->client_secret_enc.find(demo->client_secret) == std::string::npos);
    BOOST_TEST(
        box->open(project->client_secret_enc, authd::app::clientSecretAad("proj_demo")).value() ==
        demo->client_secret);
    BOOST_TEST(
        box->open(project->signing_key_enc, authd::app::signingKeyAad("proj_demo")).value() ==
        demo->signing_key);
    // The AAD binds each value to its field.
    BOOST_TEST(!box->open(project->client_secret_enc, authd::app::signingKeyAad("proj_demo")));

    auto user = store.storage->users().findByEmail("demo@example.com");
    BOOST_REQUIRE(user.has_value());
    BOOST_TEST(user->email_verified);
    BOOST_TEST(user->status == "active");
    BOOST_TEST(user->role == "user");
    auto credential = store.storage->credentials().get(user->id, "password");
    BOOST_REQUIRE(credential.has_value());
    BOOST_TEST(hasher.verify(credential->secret_hash, demo->password).value());
}

BOOST_AUTO_TEST_CASE(a_second_run_keeps_project_secrets_and_renews_the_password) {
    authd::test::SqliteStore store;
    auto box = authd::crypto::SecretBox::fromHex(authd::crypto::randomHex(32));
    const authd::crypto::PasswordHasher hasher({1, 8192, 1});
    auto first = authd::app::ensureDemo(*store.storage, *box, hasher, 1'700'000'000);
    auto second = authd::app::ensureDemo(*store.storage, *box, hasher, 1'700'000'100);
    BOOST_REQUIRE(first.has_value());
    BOOST_REQUIRE(second.has_value());
    BOOST_TEST(!second->project_created);
    BOOST_TEST(second->client_secret == first->client_secret);
    BOOST_TEST(second->signing_key == first->signing_key);
    BOOST_TEST(second->password != first->password);
    auto user = store.storage->users().findByEmail("demo@example.com");
    auto credential = store.storage->credentials().get(user->id, "password");
    BOOST_TEST(!hasher.verify(credential->secret_hash, first->password).value());
    BOOST_TEST(hasher.verify(credential->secret_hash, second->password).value());
}

BOOST_AUTO_TEST_CASE(secrets_sealed_under_another_master_key_are_replaced) {
    authd::test::SqliteStore store;
    auto old_box = authd::crypto::SecretBox::fromHex(authd::crypto::randomHex(32));
    auto new_box = authd::crypto::SecretBox::fromHex(authd::crypto::randomHex(32));
    const authd::crypto::PasswordHasher hasher({1, 8192, 1});
    auto first = authd::app::ensureDemo(*store.storage, *old_box, hasher, 1'700'000'000);
    auto second = authd::app::ensureDemo(*store.storage, *new_box, hasher, 1'700'000'100);
    BOOST_REQUIRE(second.has_value());
    BOOST_TEST(second->client_secret != first->client_secret);
    auto project = store.storage->projects().get("proj_demo");
    BOOST_TEST(new_box->open(project->client_secret_enc, authd::app::clientSecretAad("proj_demo"))
                   .value() == second->client_secret);
}

BOOST_AUTO_TEST_CASE(prints_a_block_with_every_value) {
    authd::app::DemoCredentials demo{"proj_demo", "s", "k", "demo@example.com", "pw", true};
    std::ostringstream out;
    authd::app::printDemo(out, demo, "http://127.0.0.1:8080");
    const std::string text = out.str();
    for (const char* needle : {"client_id      proj_demo", "client_secret  s", "signing_key    k",
                               "user           demo@example.com", "password       pw"}) {
        BOOST_TEST(text.find(needle) != std::string::npos, needle);
    }
}

BOOST_AUTO_TEST_SUITE_END()
