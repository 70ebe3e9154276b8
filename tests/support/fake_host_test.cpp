// SPDX-License-Identifier: Apache-2.0
// The fake host is what plugin tests trust: its semantics are tested here, once.
#define BOOST_TEST_MODULE fake_host
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>

#include "support/fake_config.hpp"
#include "support/fake_host.hpp"

namespace authd::sdk {
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, RotateStatus status) {
    return out << "RotateStatus(" << static_cast<int>(status) << ")";
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;
using authd::test::FakeRateLimiter;

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(free_attempts_then_doubling_delay_capped_at_max_delay) {
    sdk::ThrottlePolicy policy;
    policy.free_attempts = 2;
    policy.base_delay = 5;
    policy.max_delay = 30;
    BOOST_TEST(FakeRateLimiter::delayFor(2, policy) == 0);
    BOOST_TEST(FakeRateLimiter::delayFor(3, policy) == 5);
    BOOST_TEST(FakeRateLimiter::delayFor(4, policy) == 10);
    BOOST_TEST(FakeRateLimiter::delayFor(5, policy) == 20);
    BOOST_TEST(FakeRateLimiter::delayFor(6, policy) == 30);
    BOOST_TEST(FakeRateLimiter::delayFor(1000, policy) == 30);
}

BOOST_AUTO_TEST_CASE(records_delays_from_the_last_failure) {
    FakeHost host;
    sdk::ThrottlePolicy policy;  // 3 free, 1s base
    const sdk::UnixTime t0 = host.fakeClock().now();
    for (int i = 0; i < 3; ++i) {
        auto state = host.rateLimiter().recordFailure("k", policy);
        BOOST_TEST_REQUIRE(state.has_value());
        BOOST_TEST(state->retry_at == 0);
    }
    auto fourth = host.rateLimiter().recordFailure("k", policy);
    BOOST_TEST_REQUIRE(fourth.has_value());
    BOOST_TEST(fourth->failures == 4);
    BOOST_TEST(fourth->retry_at == t0 + 1);
    BOOST_TEST(!fourth->locked);
    auto checked = host.rateLimiter().check("k", policy);
    BOOST_TEST_REQUIRE(checked.has_value());
    BOOST_TEST(checked->retry_at == t0 + 1);
    BOOST_TEST(checked->failures == 4);
}

BOOST_AUTO_TEST_CASE(locks_after_lock_after_and_unlocks_after_lock_for) {
    FakeHost host;
    sdk::ThrottlePolicy policy;
    policy.free_attempts = 10;
    policy.lock_after = 3;
    policy.lock_for = 60;
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST(!host.rateLimiter().recordFailure("k", policy)->locked);
    }
    auto third = host.rateLimiter().recordFailure("k", policy);
    BOOST_TEST_REQUIRE(third.has_value());
    BOOST_TEST(third->locked);
    BOOST_TEST(third->retry_at == host.fakeClock().now() + 60);
    host.fakeClock().advance(59);
    BOOST_TEST(host.rateLimiter().check("k", policy)->locked);
    host.fakeClock().advance(1);
    auto after = host.rateLimiter().check("k", policy);
    BOOST_TEST(!after->locked);
    BOOST_TEST(after->failures == 0);
    // A finished lock starts a fresh count.
    BOOST_TEST(host.rateLimiter().recordFailure("k", policy)->failures == 1);
}

BOOST_AUTO_TEST_CASE(lock_for_zero_locks_until_cleared) {
    FakeHost host;
    sdk::ThrottlePolicy policy;
    policy.lock_after = 1;
    policy.lock_for = 0;
    auto state = host.rateLimiter().recordFailure("k", policy);
    BOOST_TEST(state->locked);
    BOOST_TEST(state->retry_at == 0);
    host.fakeClock().advance(365 * 86400);
    BOOST_TEST(host.rateLimiter().check("k", policy)->locked);
    BOOST_TEST_REQUIRE(host.rateLimiter().clear("k").has_value());
    BOOST_TEST(!host.rateLimiter().check("k", policy)->locked);
}

BOOST_AUTO_TEST_CASE(failures_older_than_the_window_stop_counting) {
    FakeHost host;
    sdk::ThrottlePolicy policy;
    policy.window = 100;
    for (int i = 0; i < 5; ++i) {
        (void)host.rateLimiter().recordFailure("k", policy);
    }
    host.fakeClock().advance(101);
    BOOST_TEST(host.rateLimiter().check("k", policy)->failures == 0);
    BOOST_TEST(host.rateLimiter().recordFailure("k", policy)->failures == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(memory_storage)

BOOST_AUTO_TEST_CASE(users_are_unique_by_id_and_email) {
    FakeHost host;
    auto alice = host.addUser("Alice@Example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    BOOST_TEST(alice->email == "alice@example.com");
    auto again = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(!again.has_value());
    BOOST_TEST(again.error().code == sdk::ErrorCode::conflict);
    BOOST_TEST(host.storage().users().findByEmail("alice@example.com")->id == alice->id);
    BOOST_TEST(host.storage().users().get("nope").error().code == sdk::ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(removing_a_user_removes_their_credentials) {
    FakeHost host;
    auto alice = host.addUser("alice@example.com");
    sdk::Credential credential{alice->id, "password", "", "$argon2id$x", "", 0, 0};
    BOOST_TEST_REQUIRE(host.storage().credentials().put(credential).has_value());
    BOOST_TEST_REQUIRE(host.storage().users().remove(alice->id).has_value());
    BOOST_TEST(host.storage().credentials().get(alice->id, "password").error().code ==
               sdk::ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(transact_rolls_back_on_error) {
    FakeHost host;
    auto result = host.storage().transact([](sdk::Storage& tx) -> sdk::Result<void> {
        sdk::User user;
        user.id = "u1";
        user.email = "u1@example.com";
        if (auto created = tx.users().create(user); !created) {
            return created.error();
        }
        return sdk::makeError(sdk::ErrorCode::conflict, "abort");
    });
    BOOST_TEST(!result.has_value());
    BOOST_TEST(host.storage().users().get("u1").error().code == sdk::ErrorCode::not_found);
    auto committed = host.storage().transact([](sdk::Storage& tx) -> sdk::Result<void> {
        sdk::User user;
        user.id = "u2";
        user.email = "u2@example.com";
        return tx.users().create(user);
    });
    BOOST_TEST(committed.has_value());
    BOOST_TEST(host.storage().users().get("u2").has_value());
}

BOOST_AUTO_TEST_CASE(single_use_objects_are_single_use) {
    FakeHost host;
    sdk::Storage& store = host.storage();
    sdk::PendingAuthorization pending;
    pending.id = "p1";
    pending.expires_at = 2'000'000'000;
    BOOST_TEST_REQUIRE(store.pending().create(pending).has_value());
    BOOST_TEST(store.pending().take("p1").has_value());
    BOOST_TEST(store.pending().take("p1").error().code == sdk::ErrorCode::already_consumed);
    BOOST_TEST(store.pending().take("p2").error().code == sdk::ErrorCode::not_found);

    sdk::AuthorizationCode code;
    code.code_hash = "c1";
    code.expires_at = 100;
    BOOST_TEST_REQUIRE(store.codes().create(code).has_value());
    BOOST_TEST(store.codes().consume("c1", 50).has_value());
    BOOST_TEST(store.codes().consume("c1", 60).error().code == sdk::ErrorCode::already_consumed);
    code.code_hash = "c2";
    BOOST_TEST_REQUIRE(store.codes().create(code).has_value());
    BOOST_TEST(store.codes().consume("c2", 100).error().code == sdk::ErrorCode::expired);

    sdk::PluginRecord record{"magic", "k", "v", 100};
    BOOST_TEST_REQUIRE(store.pluginData().put(record).has_value());
    BOOST_TEST(store.pluginData().get("magic", "k", 99)->value == "v");
    BOOST_TEST(store.pluginData().get("magic", "k", 100).error().code == sdk::ErrorCode::not_found);
    BOOST_TEST(store.pluginData().take("magic", "k", 50).has_value());
    BOOST_TEST(store.pluginData().take("magic", "k", 50).error().code == sdk::ErrorCode::not_found);
}

BOOST_AUTO_TEST_CASE(refresh_rotation_detects_reuse_and_allows_grace) {
    FakeHost host;
    sdk::RefreshStore& refresh = host.storage().refresh();
    sdk::RefreshFamily family;
    family.id = "f1";
    family.client_id = "c1";
    family.expires_at = 10'000;
    sdk::RefreshToken first{"t1", "f1", 0, 5'000, 0, ""};
    BOOST_TEST_REQUIRE(refresh.createFamily(family, first).has_value());
    sdk::RefreshToken second{"t2", "f1", 10, 5'000, 0, ""};
    BOOST_TEST(refresh.rotate("t1", "c1", second, 10, 5)->status == sdk::RotateStatus::rotated);
    BOOST_TEST(refresh.rotate("t1", "c1", second, 12, 5)->status == sdk::RotateStatus::grace_replay);
    sdk::RefreshToken other{"t3", "f1", 20, 5'000, 0, ""};
    auto reuse = refresh.rotate("t1", "c1", other, 20, 5);
    BOOST_TEST(reuse->status == sdk::RotateStatus::reuse_detected);
    BOOST_TEST(reuse->family.revoked_reason == "reuse");
    BOOST_TEST(refresh.rotate("t2", "c1", other, 21, 5)->status == sdk::RotateStatus::revoked);
    BOOST_TEST(refresh.rotate("zz", "c1", other, 21, 5)->status == sdk::RotateStatus::not_found);
    BOOST_TEST(refresh.rotate("t2", "c2", other, 21, 5)->status == sdk::RotateStatus::wrong_client);
}

BOOST_AUTO_TEST_CASE(injected_failures_reach_every_aggregate) {
    FakeHost host;
    host.memoryStorage().setFailureForTest(sdk::ErrorCode::unavailable);
    BOOST_TEST(host.storage().users().get("x").error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(host.storage().counters().reset("x").error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(host.storage().ping().error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(host.rateLimiter().check("x", {}).error().code == sdk::ErrorCode::unavailable);
    host.memoryStorage().setFailureForTest(std::nullopt);
    BOOST_TEST(host.storage().ping().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypto_and_random)

BOOST_AUTO_TEST_CASE(argon2id_round_trip_and_malformed_hashes) {
    FakeHost host;
    auto hash = host.crypto().hashPassword("secret words");
    BOOST_TEST_REQUIRE(hash.has_value());
    BOOST_TEST(hash->rfind("$argon2id$v=19$", 0) == 0U);
    BOOST_TEST(*host.crypto().verifyPassword(*hash, "secret words"));
    BOOST_TEST(!*host.crypto().verifyPassword(*hash, "secret word"));
    BOOST_TEST(!host.crypto().verifyPassword("$2b$10$bcrypt", "x").has_value());
    BOOST_TEST(!host.crypto().verifyPassword("$argon2id$garbage", "x").has_value());
    BOOST_TEST(host.testCrypto().hashCount() == 1);
    BOOST_TEST(host.testCrypto().verifyCount() == 4);
}

BOOST_AUTO_TEST_CASE(digests_match_known_vectors) {
    FakeHost host;
    BOOST_TEST(host.crypto().sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    BOOST_TEST(host.crypto().hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(host.crypto().constantTimeEquals("abc", "abc"));
    BOOST_TEST(!host.crypto().constantTimeEquals("abc", "abd"));
    BOOST_TEST(!host.crypto().constantTimeEquals("abc", "abcd"));
}

BOOST_AUTO_TEST_CASE(tokens_are_base64url_of_the_requested_size) {
    FakeHost host;
    const std::string a = host.random().token(32);
    const std::string b = host.random().token(32);
    BOOST_TEST(a.size() == 43U);
    BOOST_TEST(a != b);
    BOOST_TEST(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(mailer_and_logger_record) {
    FakeHost host;
    BOOST_TEST_REQUIRE(host.mailer() != nullptr);
    BOOST_TEST(host.mailer()->send({"a@example.com", "", "Hi", "text", ""}).has_value());
    BOOST_TEST(host.recordingMailer().messages().size() == 1U);
    host.setMailerConfigured(false);
    BOOST_TEST(host.mailer() == nullptr);
    host.logger().log(sdk::LogLevel::info, "x.event", "message", {{"field", "value"}});
    BOOST_TEST(host.recordingLogger().hasEvent("x.event"));
    BOOST_TEST(host.recordingLogger().mentions("value"));
    BOOST_TEST(!host.recordingLogger().mentions("absent"));
    BOOST_TEST(host.http().send({}).error().code == sdk::ErrorCode::unavailable);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_config)

BOOST_AUTO_TEST_CASE(reads_values_defaults_and_children) {
    sdk::ConfigSchema schema;
    schema.add("name", sdk::ConfigType::string, false, "dflt");
    auto& count = schema.add("count", sdk::ConfigType::integer, false, "3");
    count.min = 1;
    count.max = 5;
    schema.add("ttl", sdk::ConfigType::duration, false, "15m");
    auto& nested = schema.add("nested", sdk::ConfigType::map);
    nested.children.push_back(sdk::ConfigKey{"flag", sdk::ConfigType::boolean, false, "false", "",
                                             INT64_MIN, INT64_MAX, {}});
    FakeConfigNode node(schema.keys(), "plugin.config");
    BOOST_TEST(node.getString("name") == "dflt");
    BOOST_TEST(node.getInt("count") == 3);
    BOOST_TEST(node.getDuration("ttl") == 900);
    BOOST_TEST(node.child("nested") == nullptr);
    BOOST_TEST(node.getInt("name", 42) == 42);  // wrong getter: fallback
    node.set("count", "4").set("ttl", "2h");
    node.map("nested").set("flag", "true");
    BOOST_TEST(node.getInt("count") == 4);
    BOOST_TEST(node.getDuration("ttl") == 7200);
    BOOST_TEST_REQUIRE(node.child("nested") != nullptr);
    BOOST_TEST(node.child("nested")->getBool("flag"));
    BOOST_TEST(node.validate().empty());
    BOOST_TEST(node.where("count") == "test.yaml:2:5: plugin.config.count");
}

BOOST_AUTO_TEST_CASE(validate_reports_unknown_keys_types_and_ranges) {
    sdk::ConfigSchema schema;
    auto& count = schema.add("count", sdk::ConfigType::integer, false, "3");
    count.min = 1;
    count.max = 5;
    schema.add("ttl", sdk::ConfigType::duration);
    schema.add("key", sdk::ConfigType::secret, true);
    FakeConfigNode node(schema.keys());
    node.set("count", "9").set("ttl", "soon").set("extra", "1").set("key", "literal");
    const auto errors = node.validate();
    BOOST_TEST(errors.size() == 4U);
    BOOST_TEST(FakeConfigNode::parseDuration("90s").value() == 90);
    BOOST_TEST(FakeConfigNode::parseDuration("7d").value() == 604800);
    BOOST_TEST(FakeConfigNode::parseDuration("2w").value() == 1209600);
    BOOST_TEST(FakeConfigNode::parseDuration("12").value() == 12);
    BOOST_TEST(!FakeConfigNode::parseDuration("-5s").has_value());
    BOOST_TEST(!FakeConfigNode::parseDuration("m").has_value());
    BOOST_TEST(!FakeConfigNode::parseDuration("99999999999999999999d").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
