// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "authd/sdk/storage.hpp"
#include "crypto/secret_box.hpp"
#include "test_support.hpp"
#include "tokens/json_text.hpp"
#include "tokens/key_ring.hpp"

using namespace authd;
using namespace authd::tokens;
using authd::tokens::test::claimsJson;
using authd::tokens::test::kNow;

namespace {

// The real stores are plugins; this fake keeps the KeyStore contract (oldest first,
// conflict on a taken kid, not_found on a missing one) in memory.
class MemoryKeyStore final : public sdk::KeyStore {
public:
    sdk::Result<void> add(const sdk::SigningKey& key) override {
        std::lock_guard lock(mutex_);
        if (fail_add_) {
            return sdk::makeError(sdk::ErrorCode::unavailable, "database is down");
        }
        for (const auto& existing : keys_) {
            if (existing.kid == key.kid) {
                return sdk::makeError(sdk::ErrorCode::conflict, "kid taken");
            }
        }
        keys_.push_back(key);
        return sdk::ok();
    }
    sdk::Result<std::vector<sdk::SigningKey>> list() override {
        std::lock_guard lock(mutex_);
        if (fail_list_) {
            return sdk::makeError(sdk::ErrorCode::unavailable, "database is down");
        }
        return keys_;
    }
    sdk::Result<void> update(const sdk::SigningKey& key) override {
        std::lock_guard lock(mutex_);
        for (auto& existing : keys_) {
            if (existing.kid == key.kid) {
                existing = key;
                return sdk::ok();
            }
        }
        return sdk::makeError(sdk::ErrorCode::not_found, "no such key");
    }
    sdk::Result<void> remove(const std::string& kid) override {
        std::lock_guard lock(mutex_);
        const auto before = keys_.size();
        keys_.erase(std::remove_if(keys_.begin(), keys_.end(),
                                   [&](const sdk::SigningKey& k) { return k.kid == kid; }),
                    keys_.end());
        if (keys_.size() == before) {
            return sdk::makeError(sdk::ErrorCode::not_found, "no such key");
        }
        return sdk::ok();
    }

    std::vector<sdk::SigningKey> raw() {
        std::lock_guard lock(mutex_);
        return keys_;
    }
    void replace(std::vector<sdk::SigningKey> keys) {
        std::lock_guard lock(mutex_);
        keys_ = std::move(keys);
    }
    void failAdd(bool fail) {
        std::lock_guard lock(mutex_);
        fail_add_ = fail;
    }
    void failList(bool fail) {
        std::lock_guard lock(mutex_);
        fail_list_ = fail;
    }

private:
    std::mutex mutex_;
    std::vector<sdk::SigningKey> keys_;
    bool fail_add_ = false;
    bool fail_list_ = false;
};

crypto::SecretBox box(char fill = 'k') {
    auto made = crypto::SecretBox::fromKey(std::string(crypto::SecretBox::kKeySize, fill));
    BOOST_REQUIRE(made);
    return *made;
}

std::vector<std::string> jwksKids(const std::string& jwks) {
    auto document = parseJsonObject(jwks, "JWKS");
    BOOST_REQUIRE(document);
    std::vector<std::string> kids;
    const json::Array* keys = document->array("keys");
    BOOST_REQUIRE(keys != nullptr);
    for (const json::Value& key : *keys) {
        kids.push_back(test::str(key.asObject(), "kid"));
    }
    return kids;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string signWith(const Key& key) {
    auto token = sign(claimsJson(), key);
    BOOST_REQUIRE(token);
    return *token;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(key_ring)

BOOST_AUTO_TEST_CASE(ensure_key_creates_one_sealed_key_per_alg) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    BOOST_TEST(!ring.activeKey(Alg::rs256, kNow));
    for (Alg alg : {Alg::rs256, Alg::es256, Alg::eddsa}) {
        auto key = ring.ensureKey(alg, kNow);
        test::requireOk(key, "key");
        BOOST_TEST(key->alg() == alg);
        // A second call reuses it.
        auto again = ring.ensureKey(alg, kNow + 10);
        BOOST_REQUIRE(again);
        BOOST_TEST(again->kid() == key->kid());
        BOOST_TEST(ring.activeKey(alg, kNow)->kid() == key->kid());
    }
    const auto records = store.raw();
    BOOST_REQUIRE_EQUAL(records.size(), 3U);
    for (const auto& record : records) {
        // Private keys are sealed at rest, never PEM in clear.
        BOOST_TEST(record.private_key_enc.find("PRIVATE") == std::string::npos);
        BOOST_TEST(record.private_key_enc.rfind("v1.", 0) == 0U);
        BOOST_TEST(record.public_jwk.find("\"d\"") == std::string::npos);
        BOOST_TEST(record.created_at == kNow);
        BOOST_TEST(record.retire_at == 0);
        BOOST_TEST(record.expires_at == 0);
    }
    const auto kids = jwksKids(ring.jwksJson(kNow));
    BOOST_TEST(kids.size() == 3U);
    BOOST_TEST(ring.list().size() == 3U);
}

BOOST_AUTO_TEST_CASE(refuses_hs256_and_negative_keep_for) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    BOOST_TEST(!ring.ensureKey(Alg::hs256, kNow));
    BOOST_TEST(!ring.rotate(Alg::hs256, kNow, 60));
    BOOST_TEST(!ring.rotate(Alg::es256, kNow, -1));
    BOOST_TEST(store.raw().empty());
}

BOOST_AUTO_TEST_CASE(rotation_keeps_the_old_key_published_until_it_expires) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    auto old_key = ring.ensureKey(Alg::es256, kNow);
    BOOST_REQUIRE(old_key);
    const std::string old_token = signWith(*old_key);

    const sdk::UnixTime rotated_at = kNow + 100;
    const sdk::Seconds keep_for = 3600;
    auto new_key = ring.rotate(Alg::es256, rotated_at, keep_for);
    test::requireOk(new_key, "new_key");
    BOOST_TEST(new_key->kid() != old_key->kid());
    BOOST_TEST(ring.activeKey(Alg::es256, rotated_at)->kid() == new_key->kid());

    // The retired key is stamped in the store.
    for (const auto& record : store.raw()) {
        if (record.kid == old_key->kid()) {
            BOOST_TEST(record.retire_at == rotated_at);
            BOOST_TEST(record.expires_at == rotated_at + keep_for);
        } else {
            BOOST_TEST(record.retire_at == 0);
        }
    }

    // Until expiry: both published, both verify, only the new one signs.
    const sdk::UnixTime before_expiry = rotated_at + keep_for - 1;
    auto kids = jwksKids(ring.jwksJson(before_expiry));
    BOOST_TEST(contains(kids, old_key->kid()));
    BOOST_TEST(contains(kids, new_key->kid()));
    BOOST_TEST(verify(old_token, *ring.verificationKeys(before_expiry), AlgSet{Alg::es256})
                   .has_value());
    BOOST_TEST(verify(signWith(*new_key), *ring.verificationKeys(before_expiry),
                      AlgSet{Alg::es256})
                   .has_value());
    BOOST_TEST(ring.findByKid(old_key->kid(), before_expiry).has_value());

    // From expiry on: the old key is gone from the JWKS and from verification.
    const sdk::UnixTime after_expiry = rotated_at + keep_for;
    kids = jwksKids(ring.jwksJson(after_expiry));
    BOOST_TEST(!contains(kids, old_key->kid()));
    BOOST_TEST(contains(kids, new_key->kid()));
    auto refused = verify(old_token, *ring.verificationKeys(after_expiry), AlgSet{Alg::es256});
    BOOST_REQUIRE(!refused);
    BOOST_TEST(refused.error().message == "unknown kid");
    BOOST_TEST(!ring.findByKid(old_key->kid(), after_expiry));
    // Asking about an earlier moment again still answers for that moment.
    BOOST_TEST(contains(jwksKids(ring.jwksJson(before_expiry)), old_key->kid()));

    // purgeExpired deletes it from the store.
    auto purged = ring.purgeExpired(after_expiry);
    BOOST_REQUIRE(purged);
    BOOST_TEST(*purged == 1);
    BOOST_TEST(store.raw().size() == 1U);
    BOOST_TEST(ring.list().size() == 1U);
}

BOOST_AUTO_TEST_CASE(rotation_touches_only_the_rotated_alg) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    auto rs = ring.ensureKey(Alg::rs256, kNow);
    auto ed = ring.ensureKey(Alg::eddsa, kNow);
    BOOST_REQUIRE(rs && ed);
    BOOST_REQUIRE(ring.rotate(Alg::eddsa, kNow + 1, 60));
    BOOST_TEST(ring.activeKey(Alg::rs256, kNow + 1)->kid() == rs->kid());
    BOOST_TEST(ring.activeKey(Alg::eddsa, kNow + 1)->kid() != ed->kid());
}

BOOST_AUTO_TEST_CASE(nodes_sharing_a_store_converge) {
    MemoryKeyStore store;
    KeyRing node_a(store, box());
    KeyRing node_b(store, box());
    auto key_a = node_a.ensureKey(Alg::rs256, kNow);
    BOOST_REQUIRE(key_a);
    // Node B re-reads the store instead of creating a second key.
    auto key_b = node_b.ensureKey(Alg::rs256, kNow + 1);
    BOOST_REQUIRE(key_b);
    BOOST_TEST(key_b->kid() == key_a->kid());
    BOOST_TEST(store.raw().size() == 1U);

    // A rotates; B sees it after reload and picks the same active key.
    auto rotated = node_a.rotate(Alg::rs256, kNow + 10, 600);
    BOOST_REQUIRE(rotated);
    BOOST_TEST(node_b.activeKey(Alg::rs256, kNow + 10)->kid() == key_a->kid());  // stale cache
    BOOST_REQUIRE(node_b.reload());
    BOOST_TEST(node_b.activeKey(Alg::rs256, kNow + 10)->kid() == rotated->kid());
    BOOST_TEST(node_b.jwksJson(kNow + 10) == node_a.jwksJson(kNow + 10));
}

BOOST_AUTO_TEST_CASE(two_concurrent_active_keys_resolve_to_the_newest) {
    MemoryKeyStore store;
    KeyRing node_a(store, box());
    KeyRing node_b(store, box());
    // Both nodes create a key before seeing each other's (a start-up race).
    auto first = node_a.ensureKey(Alg::es256, kNow);
    BOOST_REQUIRE(first);
    auto records = store.raw();
    store.replace({});
    auto second = node_b.ensureKey(Alg::es256, kNow + 5);
    BOOST_REQUIRE(second);
    auto both = store.raw();
    both.insert(both.begin(), records.begin(), records.end());
    store.replace(both);
    BOOST_REQUIRE(node_a.reload());
    BOOST_REQUIRE(node_b.reload());
    BOOST_TEST(node_a.activeKey(Alg::es256, kNow + 5)->kid() == second->kid());
    BOOST_TEST(node_b.activeKey(Alg::es256, kNow + 5)->kid() == second->kid());
    // Either key's tokens verify on either node.
    BOOST_TEST(verify(signWith(*first), *node_b.verificationKeys(kNow + 5), AlgSet{Alg::es256})
                   .has_value());
}

BOOST_AUTO_TEST_CASE(reload_fails_cleanly_with_the_wrong_master_key) {
    MemoryKeyStore store;
    KeyRing writer(store, box('k'));
    auto key = writer.ensureKey(Alg::eddsa, kNow);
    BOOST_REQUIRE(key);
    KeyRing reader(store, box('x'));
    auto reloaded = reader.reload();
    BOOST_REQUIRE(!reloaded);
    BOOST_TEST(reloaded.error().message.find(key->kid()) != std::string::npos);
    BOOST_TEST(reloaded.error().message.find("master key") != std::string::npos);
    BOOST_TEST(!reader.activeKey(Alg::eddsa, kNow));
}

BOOST_AUTO_TEST_CASE(reload_refuses_swapped_or_mislabelled_rows) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    BOOST_REQUIRE(ring.ensureKey(Alg::es256, kNow));
    BOOST_REQUIRE(ring.ensureKey(Alg::eddsa, kNow));
    const auto original = store.raw();

    // A ciphertext copied to another row does not open there (it is bound to its kid).
    auto swapped = original;
    std::swap(swapped[0].private_key_enc, swapped[1].private_key_enc);
    store.replace(swapped);
    BOOST_TEST(!ring.reload());
    // The previous snapshot keeps serving.
    BOOST_TEST(ring.activeKey(Alg::es256, kNow).has_value());

    // A row claiming another alg than its key is refused.
    auto mislabelled = original;
    mislabelled[0].alg = "RS256";
    store.replace(mislabelled);
    BOOST_TEST(!ring.reload());
    mislabelled[0].alg = "HS256";
    store.replace(mislabelled);
    BOOST_TEST(!ring.reload());
    mislabelled[0].alg = "none";
    store.replace(mislabelled);
    BOOST_TEST(!ring.reload());

    store.replace(original);
    BOOST_TEST(ring.reload().has_value());
}

BOOST_AUTO_TEST_CASE(store_failures_are_errors_not_crashes) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    store.failAdd(true);
    auto key = ring.ensureKey(Alg::es256, kNow);
    BOOST_REQUIRE(!key);
    BOOST_TEST(key.error().code == sdk::ErrorCode::unavailable);
    store.failAdd(false);
    BOOST_REQUIRE(ring.ensureKey(Alg::es256, kNow));
    store.failList(true);
    BOOST_TEST(!ring.reload());
    BOOST_TEST(!ring.rotate(Alg::es256, kNow, 60));
    // The cached snapshot still signs.
    BOOST_TEST(ring.activeKey(Alg::es256, kNow).has_value());
}

BOOST_AUTO_TEST_CASE(serves_reads_while_rotating) {
    MemoryKeyStore store;
    KeyRing ring(store, box());
    BOOST_REQUIRE(ring.ensureKey(Alg::eddsa, kNow));
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                auto key = ring.activeKey(Alg::eddsa, kNow + 50);
                if (!key) {
                    ++failures;
                    continue;
                }
                auto token = sign(claimsJson(), *key);
                // Every key ever active stays verifiable here (keep_for is long).
                if (!token ||
                    !verify(*token, *ring.verificationKeys(kNow + 50), AlgSet{Alg::eddsa})) {
                    ++failures;
                }
                if (ring.jwksJson(kNow + 50).find(key->kid()) == std::string::npos) {
                    ++failures;
                }
            }
        });
    }
    for (int i = 0; i < 5; ++i) {
        BOOST_REQUIRE(ring.rotate(Alg::eddsa, kNow + i, 3600));
    }
    stop = true;
    for (auto& reader : readers) {
        reader.join();
    }
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(jwksKids(ring.jwksJson(kNow + 50)).size() == 6U);
}

BOOST_AUTO_TEST_SUITE_END()
