// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "authd/sdk/result.hpp"
#include "authd/sdk/types.hpp"

/// @file
/// Every piece of provider state, behind one interface per aggregate. A storage plugin
/// implements all of them. Conventions that hold for every method:
/// - Secrets never reach the store in clear: opaque tokens arrive as SHA-256 hex
///   (`*_hash`), keys and client secrets arrive already encrypted by the host (`*_enc`).
/// - Emails are stored and compared lower-cased; the host lower-cases before calling.
/// - Lists (`std::vector<std::string>`) round-trip in order.
/// - A missing object is ErrorCode::not_found; a uniqueness violation ErrorCode::conflict;
///   a database that cannot be reached ErrorCode::unavailable.
/// - Single-use operations (CodeStore::consume, RefreshStore::rotate, PluginDataStore::take,
///   CounterStore::increment) are atomic across threads and across processes sharing one
///   database: of N concurrent callers exactly one wins.
/// Threading: every method may be called concurrently from many threads.
/// Errors: never throws; every failure is a Result error.

namespace authd::sdk {

struct User {
    std::string id;  ///< UUID, chosen by the host
    std::string email;
    bool email_verified = false;
    std::string name;
    std::string picture;
    std::string role = "user";
    std::string status = "active";  ///< active, suspended, disabled, ...
    UnixTime created_at = 0;
    UnixTime updated_at = 0;
};

struct UserQuery {
    std::string email;           ///< exact match (lower-cased) when set
    std::string email_contains;  ///< substring match when set
    std::string cursor;          ///< from a previous Slice::next_cursor
    int limit = 50;
};

class UserStore {
public:
    virtual ~UserStore() = default;
    virtual Result<void> create(const User& user) = 0;  ///< conflict on a taken id or email
    virtual Result<User> get(const std::string& id) = 0;
    virtual Result<User> findByEmail(const std::string& email) = 0;
    virtual Result<void> update(const User& user) = 0;  ///< replaces every field but created_at
    /// Deletes the user with their credentials, sessions, refresh families and consents.
    virtual Result<void> remove(const std::string& id) = 0;
    virtual Result<Slice<User>> list(const UserQuery& query) = 0;  ///< ordered by email
};

/// A user's credential for one authenticator (`kind` = the authenticator instance id or a
/// namespaced name such as `oidc:upstream`). `subject` is an optional lookup key unique per
/// kind (an upstream subject); `secret_hash` a password/PIN hash; `data` free-form JSON.
struct Credential {
    std::string user_id;
    std::string kind;
    std::string subject;
    std::string secret_hash;
    std::string data;
    UnixTime created_at = 0;
    UnixTime updated_at = 0;
};

class CredentialStore {
public:
    virtual ~CredentialStore() = default;
    /// Inserts or replaces the (user_id, kind) credential; conflict when `subject` is taken.
    virtual Result<void> put(const Credential& credential) = 0;
    virtual Result<Credential> get(const std::string& user_id, const std::string& kind) = 0;
    virtual Result<Credential> findBySubject(const std::string& kind, const std::string& subject) = 0;
    virtual Result<void> remove(const std::string& user_id, const std::string& kind) = 0;
    virtual Result<std::vector<Credential>> listForUser(const std::string& user_id) = 0;
};

struct AccessPolicy {
    std::vector<std::string> roles;           ///< empty: any role
    std::vector<std::string> email_domains;   ///< empty: any domain
    std::vector<std::string> statuses;        ///< empty: only "active"
    std::vector<std::string> authenticators;  ///< empty: any the project allows
    bool require_verified_email = false;
};

/// An OAuth client. Zero lifetimes mean "the provider's default".
struct Project {
    std::string client_id;  ///< proj_<slug>
    std::string name;
    std::string description;
    std::string owner_id;  ///< user id of the owner, empty for admin-created projects
    std::string client_type = "confidential";  ///< confidential | public
    std::string client_secret_enc;             ///< AES-256-GCM ciphertext, host-encoded
    std::string signing_key_enc;               ///< AES-256-GCM ciphertext, host-encoded
    std::string previous_signing_key_enc;      ///< kept valid until previous_signing_key_until
    UnixTime previous_signing_key_until = 0;
    std::vector<std::string> redirect_uris;
    std::vector<std::string> post_logout_redirect_uris;
    std::vector<std::string> grant_types;
    std::vector<std::string> scopes;
    std::vector<std::string> authenticators;
    Seconds access_ttl = 0;
    Seconds refresh_ttl = 0;
    Seconds id_token_ttl = 0;
    std::string id_token_alg;               ///< HS256, RS256, ES256, EdDSA; empty: default
    std::string access_token_alg = "HS256";
    AccessPolicy policy;
    std::string backchannel_logout_uri;
    bool development = false;  ///< allows plain http redirect URIs on non-loopback hosts
    bool skip_consent = false;  ///< first-party apps
    UnixTime created_at = 0;
    UnixTime updated_at = 0;
};

class ProjectStore {
public:
    virtual ~ProjectStore() = default;
    virtual Result<void> create(const Project& project) = 0;  ///< conflict on a taken client_id
    virtual Result<Project> get(const std::string& client_id) = 0;
    virtual Result<void> update(const Project& project) = 0;
    /// Deletes the project with its codes, refresh families and consents.
    virtual Result<void> remove(const std::string& client_id) = 0;
    /// Ordered by client_id; `owner_id` filters when set.
    virtual Result<Slice<Project>> list(const std::string& owner_id, const std::string& cursor,
                                        int limit) = 0;
};

/// A signed-in browser (the IdP session). `token_hash` is the SHA-256 of the cookie value;
/// `id` is a public identifier safe to show in admin listings.
struct Session {
    std::string id;
    std::string token_hash;
    std::string user_id;
    UnixTime created_at = 0;
    UnixTime auth_time = 0;  ///< last interactive sign-in
    UnixTime expires_at = 0;
    UnixTime revoked_at = 0;
    std::vector<std::string> amr;
    std::string client_address;
    std::string user_agent;
};

class SessionStore {
public:
    virtual ~SessionStore() = default;
    virtual Result<void> create(const Session& session) = 0;
    virtual Result<Session> get(const std::string& id) = 0;
    virtual Result<Session> findByTokenHash(const std::string& token_hash) = 0;
    /// Replaces auth_time, amr and expires_at (a fresh sign-in on an existing session).
    virtual Result<void> update(const Session& session) = 0;
    /// Marks the session revoked and revokes every refresh family started in it.
    virtual Result<void> revoke(const std::string& id, UnixTime now) = 0;
    /// The same for every session of the user; returns how many sessions were revoked.
    virtual Result<std::int64_t> revokeAllForUser(const std::string& user_id, UnixTime now) = 0;
    /// Sessions neither revoked nor expired at `now`, newest first.
    virtual Result<std::vector<Session>> listForUser(const std::string& user_id, UnixTime now) = 0;
};

/// An authorization request waiting for sign-in or consent. `params` is host-defined JSON;
/// `browser_hash` binds it to the browser that started it.
struct PendingAuthorization {
    std::string id;
    std::string browser_hash;
    std::string client_id;
    std::string params;
    std::string user_id;     ///< set once a sign-in succeeds
    std::string session_id;  ///< set once a sign-in succeeds
    UnixTime created_at = 0;
    UnixTime expires_at = 0;
};

class PendingStore {
public:
    virtual ~PendingStore() = default;
    virtual Result<void> create(const PendingAuthorization& pending) = 0;
    virtual Result<PendingAuthorization> get(const std::string& id) = 0;
    virtual Result<void> update(const PendingAuthorization& pending) = 0;
    /// Atomically deletes and returns it; already_consumed when another caller took it.
    virtual Result<PendingAuthorization> take(const std::string& id) = 0;
    virtual Result<std::int64_t> purgeExpired(UnixTime now) = 0;
};

struct AuthorizationCode {
    std::string code_hash;
    std::string client_id;
    std::string user_id;
    std::string session_id;
    std::string redirect_uri;
    std::string scope;
    std::string nonce;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string claims;  ///< the `claims` request parameter, JSON, may be empty
    std::vector<std::string> amr;
    UnixTime auth_time = 0;
    UnixTime created_at = 0;
    UnixTime expires_at = 0;
    UnixTime consumed_at = 0;
};

class CodeStore {
public:
    virtual ~CodeStore() = default;
    virtual Result<void> create(const AuthorizationCode& code) = 0;
    /// Marks the code consumed and returns it, in one atomic step. Errors: not_found;
    /// already_consumed (a replay: the caller revokes what the code issued); expired.
    virtual Result<AuthorizationCode> consume(const std::string& code_hash, UnixTime now) = 0;
    virtual Result<std::int64_t> purgeExpired(UnixTime now) = 0;
};

/// A chain of refresh tokens descending from one grant.
struct RefreshFamily {
    std::string id;
    std::string client_id;
    std::string user_id;
    std::string session_id;
    std::string origin_code_hash;  ///< the code that started it; empty otherwise
    std::string scope;
    std::vector<std::string> amr;
    UnixTime auth_time = 0;
    UnixTime created_at = 0;
    UnixTime expires_at = 0;  ///< absolute end of the family
    UnixTime revoked_at = 0;
    std::string revoked_reason;
};

struct RefreshToken {
    std::string token_hash;
    std::string family_id;
    UnixTime created_at = 0;
    UnixTime expires_at = 0;
    UnixTime rotated_at = 0;
    std::string successor_hash;
};

enum class RotateStatus : std::uint8_t {
    rotated,          ///< the old token is now rotated out; the successor was stored
    grace_replay,     ///< old token rotated within `grace` into the same successor: accepted
    reuse_detected,   ///< a rotated-out token came back: the family is now revoked
    not_found,        ///< no such token
    expired,          ///< the token or its family has expired
    revoked,          ///< the family was revoked earlier
    wrong_client,     ///< the token belongs to another client: nothing changed
};

struct RotateResult {
    RotateStatus status = RotateStatus::not_found;
    RefreshFamily family;  ///< filled for every status but not_found and wrong_client
};

class RefreshStore {
public:
    virtual ~RefreshStore() = default;
    virtual Result<void> createFamily(const RefreshFamily& family, const RefreshToken& first) = 0;
    /// In one transaction: when the token's family belongs to another client than
    /// `client_id` (the client presenting it), nothing changes, whatever the token's state
    /// (wrong_client). Otherwise, if `old_hash` is live, mark it rotated into `successor` and
    /// store `successor` (rotated) in the old token's family, with the family's expires_at when
    /// `successor.expires_at` is 0. If it was rotated at most `grace` seconds ago into a token
    /// with the same hash as `successor`, and that successor has not been rotated itself,
    /// nothing changes (grace_replay); `grace` 0 turns this off. Any other use of a rotated-out
    /// token revokes the family with reason "reuse" (reuse_detected). invalid_argument for an
    /// empty `client_id` or successor hash, or a successor equal to the old token.
    virtual Result<RotateResult> rotate(const std::string& old_hash, const std::string& client_id,
                                        const RefreshToken& successor, UnixTime now,
                                        Seconds grace) = 0;
    virtual Result<std::pair<RefreshToken, RefreshFamily>> find(const std::string& token_hash) = 0;
    virtual Result<RefreshFamily> getFamily(const std::string& family_id) = 0;
    virtual Result<void> revokeFamily(const std::string& family_id, UnixTime now,
                                      const std::string& reason) = 0;
    /// Revokes every family started from the code; returns how many.
    virtual Result<std::int64_t> revokeByOrigin(const std::string& code_hash, UnixTime now,
                                                const std::string& reason) = 0;
    virtual Result<std::int64_t> revokeForUser(const std::string& user_id, UnixTime now,
                                               const std::string& reason) = 0;
    virtual Result<std::int64_t> revokeForClient(const std::string& client_id, UnixTime now,
                                                 const std::string& reason) = 0;
    virtual Result<std::int64_t> purgeExpired(UnixTime now) = 0;
};

struct Consent {
    std::string user_id;
    std::string client_id;
    std::string scope;  ///< space-separated scopes granted
    UnixTime granted_at = 0;
};

class ConsentStore {
public:
    virtual ~ConsentStore() = default;
    virtual Result<Consent> get(const std::string& user_id, const std::string& client_id) = 0;
    virtual Result<void> put(const Consent& consent) = 0;  ///< insert or replace
    virtual Result<void> remove(const std::string& user_id, const std::string& client_id) = 0;
};

/// A throttling counter (`key` such as `password:acct:<user>` or `password:ip:<addr>`).
struct Counter {
    std::string key;
    std::int64_t count = 0;
    UnixTime window_start = 0;
    UnixTime locked_until = 0;
    UnixTime updated_at = 0;
};

class CounterStore {
public:
    virtual ~CounterStore() = default;
    /// not_found when the key has no counter.
    virtual Result<Counter> get(const std::string& key) = 0;
    /// Atomically adds one and returns the new state. When `window_start` is older than
    /// `now - window`, the count restarts at 1 with window_start = now (locked_until kept).
    virtual Result<Counter> increment(const std::string& key, UnixTime now, Seconds window) = 0;
    /// Sets locked_until (creating the counter when needed).
    virtual Result<void> lock(const std::string& key, UnixTime until) = 0;
    virtual Result<void> reset(const std::string& key) = 0;  ///< deletes it; ok when absent
    virtual Result<std::int64_t> purgeIdle(UnixTime older_than) = 0;
};

/// An asymmetric provider signing key. `retire_at`: no longer used to sign after it (0 =
/// active); `expires_at`: dropped from the JWKS after it (0 = never).
struct SigningKey {
    std::string kid;
    std::string alg;              ///< RS256, ES256, EdDSA
    std::string private_key_enc;  ///< AES-256-GCM ciphertext of the PEM, host-encoded
    std::string public_jwk;       ///< JSON
    UnixTime created_at = 0;
    UnixTime retire_at = 0;
    UnixTime expires_at = 0;
};

class KeyStore {
public:
    virtual ~KeyStore() = default;
    virtual Result<void> add(const SigningKey& key) = 0;
    virtual Result<std::vector<SigningKey>> list() = 0;  ///< oldest first
    virtual Result<void> update(const SigningKey& key) = 0;
    virtual Result<void> remove(const std::string& kid) = 0;
};

struct AuditEvent {
    std::string id;  ///< chosen by the host
    UnixTime time = 0;
    std::string type;  ///< e.g. signin.success, token.refresh_reuse, project.updated
    std::string user_id;
    std::string client_id;
    std::string client_address;
    std::string detail;  ///< JSON object, never a secret
};

struct AuditQuery {
    std::string user_id;
    std::string client_id;
    std::string type;
    UnixTime since = 0;  ///< inclusive, 0 = unbounded
    UnixTime until = 0;  ///< exclusive, 0 = unbounded
    std::string cursor;
    int limit = 50;
};

class AuditStore {
public:
    virtual ~AuditStore() = default;
    virtual Result<void> append(const AuditEvent& event) = 0;
    virtual Result<Slice<AuditEvent>> list(const AuditQuery& query) = 0;  ///< newest first
};

/// A plugin's own records, namespaced by `ns` (use the plugin instance id).
struct PluginRecord {
    std::string ns;
    std::string key;
    std::string value;
    UnixTime expires_at = 0;  ///< 0 = never; expired records read as not_found
};

class PluginDataStore {
public:
    virtual ~PluginDataStore() = default;
    virtual Result<void> put(const PluginRecord& record) = 0;  ///< insert or replace
    virtual Result<PluginRecord> get(const std::string& ns, const std::string& key, UnixTime now) = 0;
    /// Deletes and returns the record atomically: for single-use tokens. not_found when it is
    /// absent, already taken, or expired.
    virtual Result<PluginRecord> take(const std::string& ns, const std::string& key, UnixTime now) = 0;
    /// Deletes the record (expired or not); not_found when there is none.
    virtual Result<void> remove(const std::string& ns, const std::string& key) = 0;
    /// The live records of `ns` (expires_at 0 or after `now`), ordered by key, at most `limit`
    /// per page (1..1000); `cursor` is empty or a previous page's next_cursor. invalid_argument
    /// for an empty `ns`, a limit out of range or a malformed cursor.
    virtual Result<Slice<PluginRecord>> list(const std::string& ns, UnixTime now,
                                             const std::string& cursor, int limit) = 0;
    virtual Result<std::int64_t> purgeExpired(UnixTime now) = 0;
};

/// The whole store. Ownership: created by a storage plugin's factory and owned by the host.
class Storage {
public:
    virtual ~Storage() = default;

    virtual UserStore& users() = 0;
    virtual CredentialStore& credentials() = 0;
    virtual ProjectStore& projects() = 0;
    virtual SessionStore& sessions() = 0;
    virtual PendingStore& pending() = 0;
    virtual CodeStore& codes() = 0;
    virtual RefreshStore& refresh() = 0;
    virtual ConsentStore& consents() = 0;
    virtual CounterStore& counters() = 0;
    virtual KeyStore& keys() = 0;
    virtual AuditStore& audit() = 0;
    virtual PluginDataStore& pluginData() = 0;

    /// Runs `work` in one transaction: committed when it returns success, rolled back when it
    /// returns an error. `tx` is only valid inside `work`; do not nest transactions.
    virtual Result<void> transact(const std::function<Result<void>(Storage& tx)>& work) = 0;

    /// Applies pending schema migrations; returns the schema version reached.
    virtual Result<int> migrate() = 0;
    /// The schema version in the database (0 when empty).
    virtual Result<int> schemaVersion() = 0;
    /// The schema version this plugin's migrations reach.
    virtual int latestSchemaVersion() const = 0;
    /// Cheap round-trip to the database, for /readyz.
    virtual Result<void> ping() = 0;
};

using StoragePtr = std::unique_ptr<Storage>;

}  // namespace authd::sdk
