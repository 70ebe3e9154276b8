// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "authd/sdk/types.hpp"
#include "crypto/secret_box.hpp"
#include "tokens/jws.hpp"

/// @file
/// The provider's asymmetric signing keys (RS256, ES256, EdDSA), kept in the store
/// (sdk::KeyStore) with their private PEM sealed by a SecretBox, and cached in memory.
///
/// Lifecycle of a key: active (retire_at 0, or in the future) -> retired at `retire_at` (no
/// longer signs, still verifies and is still published) -> expired at `expires_at` (gone from
/// the JWKS and from verification; purgeExpired() deletes it from the store).
///
/// Several nodes share one store: each reads it with reload() (at start and then
/// periodically), so they converge. Two nodes creating or rotating at the same moment can
/// leave two active keys for one alg; every node then signs with the newest one (created_at,
/// then kid), and both verify. Rotation never leaves an alg without an active key.
///
/// Threading: every method is thread-safe. Reads (activeKey, findByKid, verificationKeys,
/// jwksJson) take a shared lock on an immutable snapshot; writers are serialized.
/// Errors: never throws.

namespace authd::tokens {

/// What the admin API lists about a key (never the private part).
struct KeyInfo {
    std::string kid;
    Alg alg = Alg::rs256;
    std::string public_jwk;
    sdk::UnixTime created_at = 0;
    sdk::UnixTime retire_at = 0;
    sdk::UnixTime expires_at = 0;
};

class KeyRing {
public:
    /// `store` must outlive the ring. `box` seals private keys; the sealed value is bound to
    /// the kid (AAD), so a ciphertext moved to another row does not open.
    KeyRing(sdk::KeyStore& store, crypto::SecretBox box);

    KeyRing(const KeyRing&) = delete;
    KeyRing& operator=(const KeyRing&) = delete;

    /// Re-reads every key from the store. On error (store down, a key that does not open with
    /// this master key) the previous snapshot stays and the error names the kid.
    sdk::Result<void> reload();

    /// The active key for `alg`, creating one when the store has none. HS256 is refused.
    sdk::Result<Key> ensureKey(Alg alg, sdk::UnixTime now);

    /// A new key for `alg`, generated and sealed but not stored: the slow part of a rotation
    /// (an RSA key takes about 100 ms), done before any store transaction begins.
    struct PreparedKey {
        sdk::SigningKey record;  ///< what the store receives (private PEM sealed)
        Key key;
        KeyInfo info() const;
    };
    sdk::Result<PreparedKey> prepareKey(Alg alg, sdk::UnixTime now) const;

    /// The store writes of a rotation, through `keys`: the KeyStore of the caller's
    /// transaction, so that what else the caller writes there (the audit event) commits or
    /// rolls back with them. Adds `prepared` as the new active key; the keys of its alg that
    /// `keys` holds as active get retire_at = now and expires_at = now + keep_for, so tokens
    /// they signed keep verifying and the JWKS lists them until then. `keep_for` must cover
    /// the longest lifetime of a token they signed plus the reload interval of the other
    /// nodes (which may sign with the old key until they reload). The ring does not change:
    /// call reload() once the transaction has committed.
    static sdk::Result<void> writeRotation(sdk::KeyStore& keys, const PreparedKey& prepared,
                                           sdk::UnixTime now, sdk::Seconds keep_for);

    /// prepareKey, writeRotation on the ring's own store (no transaction around it), reload:
    /// for callers that write nothing else with the rotation. Returns the new key.
    sdk::Result<Key> rotate(Alg alg, sdk::UnixTime now, sdk::Seconds keep_for);

    /// The key to sign `alg` tokens with at `now` (not_found when there is none: call
    /// ensureKey at start-up).
    sdk::Result<Key> activeKey(Alg alg, sdk::UnixTime now) const;

    /// A key by kid, while it is not expired at `now` (retired keys included).
    sdk::Result<Key> findByKid(std::string_view kid, sdk::UnixTime now) const;

    /// Every key not expired at `now`, for verify(). Cheap: shared until a key expires or the
    /// ring reloads.
    std::shared_ptr<const KeySet> verificationKeys(sdk::UnixTime now) const;

    /// The JWKS document ({"keys":[...]}) of every key not expired at `now`, oldest first.
    std::string jwksJson(sdk::UnixTime now) const;

    /// Every key the ring holds, expired ones included, oldest first.
    std::vector<KeyInfo> list() const;

    /// Deletes keys expired at `now` from the store, then reloads; returns how many went.
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime now);

private:
    struct Snapshot;
    struct Published;

    std::shared_ptr<const Snapshot> snapshot() const;
    std::shared_ptr<const Published> published(sdk::UnixTime now) const;
    sdk::Result<Key> createKey(Alg alg, sdk::UnixTime now);
    sdk::Result<void> reloadLocked();

    sdk::KeyStore& store_;
    const crypto::SecretBox box_;
    std::mutex write_mutex_;  // serializes ensureKey / rotate / reload / purge
    mutable std::shared_mutex snapshot_mutex_;
    std::shared_ptr<const Snapshot> snapshot_;
    mutable std::shared_ptr<const Published> published_;  // guarded by snapshot_mutex_
};

}  // namespace authd::tokens
