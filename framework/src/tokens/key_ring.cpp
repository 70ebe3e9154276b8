// SPDX-License-Identifier: Apache-2.0
#include "tokens/key_ring.hpp"

#include <algorithm>
#include <future>
#include <optional>
#include <system_error>
#include <vector>
#include <limits>

#include <openssl/crypto.h>

#include "tokens/keys.hpp"

namespace authd::tokens {

namespace {

constexpr sdk::UnixTime kForever = std::numeric_limits<sdk::UnixTime>::max();

std::string sealingContext(std::string_view kid) {
    return "authd/signing-key/" + std::string(kid);
}

bool isExpired(const sdk::SigningKey& record, sdk::UnixTime now) noexcept {
    return record.expires_at != 0 && now >= record.expires_at;
}

bool isActive(const sdk::SigningKey& record, sdk::UnixTime now) noexcept {
    return (record.retire_at == 0 || now < record.retire_at) && !isExpired(record, now);
}

sdk::UnixTime addSaturating(sdk::UnixTime a, sdk::Seconds b) noexcept {
    return a > kForever - b ? kForever : a + b;
}

// Wipes a decrypted PEM when the load is done with it.
struct WipeOnExit {
    std::string& text;
    ~WipeOnExit() { OPENSSL_cleanse(text.data(), text.size()); }
};

// A stored key with its decoded private key and the public JWK derived from it.
struct DecodedKey {
    sdk::SigningKey record;
    Alg alg = Alg::rs256;
    Key key;
    std::string public_jwk;
};

// One stored key, opened and decoded. Thread-safe.
sdk::Result<DecodedKey> decodeKey(const crypto::SecretBox& box, const sdk::SigningKey& record) {
    const auto alg = parseAlg(record.alg);
    if (!alg || !isAsymmetric(*alg)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "signing key " + record.kid + " has an unsupported alg");
    }
    auto pem = box.open(record.private_key_enc, sealingContext(record.kid));
    if (!pem) {
        return sdk::makeError(pem.error().code, "signing key " + record.kid +
                                                    " does not open with this master key: " +
                                                    pem.error().message);
    }
    WipeOnExit wipe{*pem};
    auto key = loadPrivateKeyPem(*pem, record.kid, *alg);
    if (!key) {
        return sdk::makeError(key.error().code,
                              "signing key " + record.kid + ": " + key.error().message);
    }
    if (key->alg() != *alg) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "signing key " + record.kid + " is not an " + record.alg + " key");
    }
    // The JWK is derived from the private key, so what is published always matches it.
    auto jwk = publicJwk(*key);
    if (!jwk) {
        return sdk::makeError(jwk.error().code,
                              "signing key " + record.kid + ": " + jwk.error().message);
    }
    return DecodedKey{record, *alg, std::move(key).value(), std::move(jwk).value()};
}

}  // namespace

struct KeyRing::Snapshot {
    using Item = DecodedKey;
    std::vector<Item> items;  // oldest first
};

// What is published for a window of time in which no key expires.
struct KeyRing::Published {
    std::shared_ptr<const Snapshot> source;
    sdk::UnixTime valid_from = 0;  // inclusive
    sdk::UnixTime valid_until = 0;  // exclusive
    std::shared_ptr<const KeySet> keys;
    std::string jwks;
};

KeyRing::KeyRing(sdk::KeyStore& store, crypto::SecretBox box)
    : store_(store), box_(std::move(box)), snapshot_(std::make_shared<const Snapshot>()) {}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::snapshot() const {
    std::shared_lock lock(snapshot_mutex_);
    return snapshot_;
}

sdk::Result<void> KeyRing::reload() {
    std::lock_guard write(write_mutex_);
    return reloadLocked();
}

sdk::Result<void> KeyRing::reloadLocked() {
    auto records = store_.list();
    if (!records) {
        return sdk::makeError(records.error().code,
                              "cannot list signing keys: " + records.error().message);
    }
    // Decoding a private key is most of a reload (a third of a millisecond for RSA-2048):
    // with several keys, all but the first are decoded on threads of their own, which at
    // start-up (three keys, before the server listens) uses the otherwise idle second core.
    std::vector<std::future<sdk::Result<DecodedKey>>> others;
    for (std::size_t i = 1; i < records->size(); ++i) {
        try {
            others.push_back(std::async(std::launch::async, [this, &records, i] {
                return decodeKey(box_, (*records)[i]);
            }));
        } catch (const std::system_error&) {
            break;  // no thread to be had: the rest is decoded here
        }
    }
    auto next = std::make_shared<Snapshot>();
    next->items.reserve(records->size());
    std::optional<sdk::Error> failed;
    for (std::size_t i = 0; i < records->size(); ++i) {
        auto decoded = i >= 1 && i - 1 < others.size() ? others[i - 1].get()
                                                       : decodeKey(box_, (*records)[i]);
        if (!decoded) {
            if (!failed) {
                failed = std::move(decoded).error();
            }
            continue;
        }
        next->items.push_back(std::move(decoded).value());
    }
    if (failed) {
        return std::move(*failed);
    }
    std::stable_sort(next->items.begin(), next->items.end(),
                     [](const Snapshot::Item& a, const Snapshot::Item& b) {
                         return a.record.created_at < b.record.created_at;
                     });
    std::unique_lock lock(snapshot_mutex_);
    snapshot_ = std::move(next);
    published_.reset();
    return sdk::ok();
}

KeyInfo KeyRing::PreparedKey::info() const {
    return KeyInfo{record.kid, key.alg(), record.public_jwk, record.created_at, record.retire_at,
                   record.expires_at};
}

sdk::Result<KeyRing::PreparedKey> KeyRing::prepareKey(Alg alg, sdk::UnixTime now) const {
    if (!isAsymmetric(alg)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "the key ring holds asymmetric keys only, not HS256");
    }
    auto generated = generateKey(alg);
    if (!generated) {
        return std::move(generated).error();
    }
    WipeOnExit wipe{generated->private_pem};
    const std::string kid = generated->key.kid();
    auto sealed = box_.seal(generated->private_pem, sealingContext(kid));
    if (!sealed) {
        return std::move(sealed).error();
    }
    PreparedKey prepared{sdk::SigningKey{}, generated->key};
    prepared.record.kid = kid;
    prepared.record.alg = std::string(algName(alg));
    prepared.record.private_key_enc = std::move(sealed).value();
    prepared.record.public_jwk = generated->public_jwk;
    prepared.record.created_at = now;
    return prepared;
}

sdk::Result<Key> KeyRing::createKey(Alg alg, sdk::UnixTime now) {
    auto prepared = prepareKey(alg, now);
    if (!prepared) {
        return std::move(prepared).error();
    }
    if (auto added = store_.add(prepared->record); !added) {
        return sdk::makeError(added.error().code, "cannot store signing key " +
                                                      prepared->record.kid + ": " +
                                                      added.error().message);
    }
    return prepared->key;
}

sdk::Result<Key> KeyRing::ensureKey(Alg alg, sdk::UnixTime now) {
    if (!isAsymmetric(alg)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "the key ring holds asymmetric keys only, not HS256");
    }
    if (auto active = activeKey(alg, now)) {
        return active;
    }
    std::lock_guard write(write_mutex_);
    // Another node may have created one since the last reload.
    if (auto reloaded = reloadLocked(); !reloaded) {
        return std::move(reloaded).error();
    }
    if (auto active = activeKey(alg, now)) {
        return active;
    }
    auto created = createKey(alg, now);
    if (!created) {
        return created;
    }
    if (auto reloaded = reloadLocked(); !reloaded) {
        return std::move(reloaded).error();
    }
    return activeKey(alg, now);
}

sdk::Result<void> KeyRing::writeRotation(sdk::KeyStore& keys, const PreparedKey& prepared,
                                         sdk::UnixTime now, sdk::Seconds keep_for) {
    if (keep_for < 0) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "keep_for must not be negative");
    }
    auto records = keys.list();
    if (!records) {
        return sdk::makeError(records.error().code,
                              "cannot list signing keys: " + records.error().message);
    }
    // The new key goes in first, so there is always an active key to sign with. Only the keys
    // active before it retire: the alg never ends up without one.
    if (auto added = keys.add(prepared.record); !added) {
        return sdk::makeError(added.error().code, "cannot store signing key " +
                                                      prepared.record.kid + ": " +
                                                      added.error().message);
    }
    for (auto& record : *records) {
        if (record.alg != prepared.record.alg || !isActive(record, now)) {
            continue;
        }
        record.retire_at = now;
        record.expires_at = addSaturating(now, keep_for);
        if (auto updated = keys.update(record); !updated) {
            return sdk::makeError(updated.error().code, "cannot retire signing key " + record.kid +
                                                            ": " + updated.error().message);
        }
    }
    return sdk::ok();
}

sdk::Result<Key> KeyRing::rotate(Alg alg, sdk::UnixTime now, sdk::Seconds keep_for) {
    if (keep_for < 0) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "keep_for must not be negative");
    }
    auto prepared = prepareKey(alg, now);
    if (!prepared) {
        return std::move(prepared).error();
    }
    std::lock_guard write(write_mutex_);
    if (auto written = writeRotation(store_, *prepared, now, keep_for); !written) {
        return std::move(written).error();
    }
    if (auto reloaded = reloadLocked(); !reloaded) {
        return std::move(reloaded).error();
    }
    return prepared->key;
}

sdk::Result<Key> KeyRing::activeKey(Alg alg, sdk::UnixTime now) const {
    const auto current = snapshot();
    const Snapshot::Item* best = nullptr;
    for (const auto& item : current->items) {
        if (item.alg != alg || !isActive(item.record, now)) {
            continue;
        }
        // Newest wins, ties broken by kid: every node picks the same key.
        if (best == nullptr || item.record.created_at > best->record.created_at ||
            (item.record.created_at == best->record.created_at && item.record.kid > best->record.kid)) {
            best = &item;
        }
    }
    if (best == nullptr) {
        return sdk::makeError(sdk::ErrorCode::not_found,
                              "no active " + std::string(algName(alg)) + " signing key");
    }
    return best->key;
}

sdk::Result<Key> KeyRing::findByKid(std::string_view kid, sdk::UnixTime now) const {
    const auto current = snapshot();
    for (const auto& item : current->items) {
        if (item.record.kid == kid && !isExpired(item.record, now)) {
            return item.key;
        }
    }
    return sdk::makeError(sdk::ErrorCode::not_found, "unknown kid");
}

std::shared_ptr<const KeyRing::Published> KeyRing::published(sdk::UnixTime now) const {
    {
        std::shared_lock lock(snapshot_mutex_);
        if (published_ && published_->source == snapshot_ && now >= published_->valid_from &&
            now < published_->valid_until) {
            return published_;
        }
    }
    std::unique_lock lock(snapshot_mutex_);
    auto next = std::make_shared<Published>();
    next->source = snapshot_;
    next->valid_from = std::numeric_limits<sdk::UnixTime>::min();
    next->valid_until = kForever;
    std::vector<Key> keys;
    std::vector<std::string> jwks;
    for (const auto& item : snapshot_->items) {
        const auto expires_at = item.record.expires_at;
        if (isExpired(item.record, now)) {
            next->valid_from = std::max(next->valid_from, expires_at);
            continue;
        }
        if (expires_at != 0) {
            next->valid_until = std::min(next->valid_until, expires_at);
        }
        keys.push_back(item.key);
        jwks.push_back(item.public_jwk);
    }
    next->keys = std::make_shared<const KeySet>(std::move(keys));
    // These JWKs were built by publicJwk(), so jwksJson() cannot refuse them.
    auto document = tokens::jwksJson(jwks);
    next->jwks = document ? std::move(document).value() : std::string("{\"keys\":[]}");
    published_ = next;
    return next;
}

std::shared_ptr<const KeySet> KeyRing::verificationKeys(sdk::UnixTime now) const {
    return published(now)->keys;
}

std::string KeyRing::jwksJson(sdk::UnixTime now) const {
    return published(now)->jwks;
}

std::vector<KeyInfo> KeyRing::list() const {
    const auto current = snapshot();
    std::vector<KeyInfo> out;
    out.reserve(current->items.size());
    for (const auto& item : current->items) {
        out.push_back(KeyInfo{item.record.kid, item.alg, item.public_jwk, item.record.created_at,
                              item.record.retire_at, item.record.expires_at});
    }
    return out;
}

sdk::Result<std::int64_t> KeyRing::purgeExpired(sdk::UnixTime now) {
    std::lock_guard write(write_mutex_);
    if (auto reloaded = reloadLocked(); !reloaded) {
        return std::move(reloaded).error();
    }
    std::int64_t removed = 0;
    for (const auto& item : snapshot()->items) {
        if (!isExpired(item.record, now)) {
            continue;
        }
        auto gone = store_.remove(item.record.kid);
        if (!gone && gone.error().code != sdk::ErrorCode::not_found) {
            return sdk::makeError(gone.error().code, "cannot delete signing key " +
                                                         item.record.kid + ": " +
                                                         gone.error().message);
        }
        ++removed;
    }
    if (auto reloaded = reloadLocked(); !reloaded) {
        return std::move(reloaded).error();
    }
    return removed;
}

}  // namespace authd::tokens
