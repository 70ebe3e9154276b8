// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "authd/sdk/storage.hpp"
#include "database.hpp"

// One class per aggregate, each a thin layer of SQL over Scope. The same code serves every
// SOCI backend; what differs lives in Dialect.
namespace authd::plugins::soci_common {

class UserStoreImpl final : public sdk::UserStore {
public:
    explicit UserStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> create(const sdk::User& user) override;
    sdk::Result<sdk::User> get(const std::string& id) override;
    sdk::Result<sdk::User> findByEmail(const std::string& email) override;
    sdk::Result<void> update(const sdk::User& user) override;
    sdk::Result<void> remove(const std::string& id) override;
    sdk::Result<sdk::Slice<sdk::User>> list(const sdk::UserQuery& query) override;

private:
    Scope scope_;
};

class CredentialStoreImpl final : public sdk::CredentialStore {
public:
    explicit CredentialStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> put(const sdk::Credential& credential) override;
    sdk::Result<sdk::Credential> get(const std::string& user_id, const std::string& kind) override;
    sdk::Result<sdk::Credential> findBySubject(const std::string& kind,
                                               const std::string& subject) override;
    sdk::Result<void> remove(const std::string& user_id, const std::string& kind) override;
    sdk::Result<std::vector<sdk::Credential>> listForUser(const std::string& user_id) override;

private:
    Scope scope_;
};

class ProjectStoreImpl final : public sdk::ProjectStore {
public:
    explicit ProjectStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> create(const sdk::Project& project) override;
    sdk::Result<sdk::Project> get(const std::string& client_id) override;
    sdk::Result<void> update(const sdk::Project& project) override;
    sdk::Result<void> remove(const std::string& client_id) override;
    sdk::Result<sdk::Slice<sdk::Project>> list(const std::string& owner_id,
                                               const std::string& cursor, int limit) override;

private:
    Scope scope_;
};

class SessionStoreImpl final : public sdk::SessionStore {
public:
    explicit SessionStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> create(const sdk::Session& session) override;
    sdk::Result<sdk::Session> get(const std::string& id) override;
    sdk::Result<sdk::Session> findByTokenHash(const std::string& token_hash) override;
    sdk::Result<void> update(const sdk::Session& session) override;
    sdk::Result<void> revoke(const std::string& id, sdk::UnixTime now) override;
    sdk::Result<std::int64_t> revokeAllForUser(const std::string& user_id,
                                               sdk::UnixTime now) override;
    sdk::Result<std::vector<sdk::Session>> listForUser(const std::string& user_id,
                                                       sdk::UnixTime now) override;

private:
    Scope scope_;
};

class PendingStoreImpl final : public sdk::PendingStore {
public:
    explicit PendingStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> create(const sdk::PendingAuthorization& pending) override;
    sdk::Result<sdk::PendingAuthorization> get(const std::string& id) override;
    sdk::Result<void> update(const sdk::PendingAuthorization& pending) override;
    sdk::Result<sdk::PendingAuthorization> take(const std::string& id) override;
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime now) override;

private:
    Scope scope_;
};

class CodeStoreImpl final : public sdk::CodeStore {
public:
    explicit CodeStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> create(const sdk::AuthorizationCode& code) override;
    sdk::Result<sdk::AuthorizationCode> consume(const std::string& code_hash,
                                                sdk::UnixTime now) override;
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime now) override;

private:
    Scope scope_;
};

class RefreshStoreImpl final : public sdk::RefreshStore {
public:
    explicit RefreshStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> createFamily(const sdk::RefreshFamily& family,
                                   const sdk::RefreshToken& first) override;
    sdk::Result<sdk::RotateResult> rotate(const std::string& old_hash,
                                          const std::string& client_id,
                                          const sdk::RefreshToken& successor, sdk::UnixTime now,
                                          sdk::Seconds grace) override;
    sdk::Result<std::pair<sdk::RefreshToken, sdk::RefreshFamily>> find(
        const std::string& token_hash) override;
    sdk::Result<sdk::RefreshFamily> getFamily(const std::string& family_id) override;
    sdk::Result<void> revokeFamily(const std::string& family_id, sdk::UnixTime now,
                                   const std::string& reason) override;
    sdk::Result<std::int64_t> revokeByOrigin(const std::string& code_hash, sdk::UnixTime now,
                                             const std::string& reason) override;
    sdk::Result<std::int64_t> revokeForUser(const std::string& user_id, sdk::UnixTime now,
                                            const std::string& reason) override;
    sdk::Result<std::int64_t> revokeForClient(const std::string& client_id, sdk::UnixTime now,
                                              const std::string& reason) override;
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime now) override;

private:
    sdk::Result<std::int64_t> revokeWhere(const char* what, const char* column,
                                          const std::string& value, sdk::UnixTime now,
                                          const std::string& reason);
    Scope scope_;
};

class ConsentStoreImpl final : public sdk::ConsentStore {
public:
    explicit ConsentStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<sdk::Consent> get(const std::string& user_id, const std::string& client_id) override;
    sdk::Result<void> put(const sdk::Consent& consent) override;
    sdk::Result<void> remove(const std::string& user_id, const std::string& client_id) override;

private:
    Scope scope_;
};

class CounterStoreImpl final : public sdk::CounterStore {
public:
    explicit CounterStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<sdk::Counter> get(const std::string& key) override;
    sdk::Result<sdk::Counter> increment(const std::string& key, sdk::UnixTime now,
                                        sdk::Seconds window) override;
    sdk::Result<void> lock(const std::string& key, sdk::UnixTime until) override;
    sdk::Result<void> reset(const std::string& key) override;
    sdk::Result<std::int64_t> purgeIdle(sdk::UnixTime older_than) override;

private:
    Scope scope_;
};

class KeyStoreImpl final : public sdk::KeyStore {
public:
    explicit KeyStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> add(const sdk::SigningKey& key) override;
    sdk::Result<std::vector<sdk::SigningKey>> list() override;
    sdk::Result<void> update(const sdk::SigningKey& key) override;
    sdk::Result<void> remove(const std::string& kid) override;

private:
    Scope scope_;
};

class AuditStoreImpl final : public sdk::AuditStore {
public:
    explicit AuditStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> append(const sdk::AuditEvent& event) override;
    sdk::Result<sdk::Slice<sdk::AuditEvent>> list(const sdk::AuditQuery& query) override;

private:
    Scope scope_;
};

class PluginDataStoreImpl final : public sdk::PluginDataStore {
public:
    explicit PluginDataStoreImpl(Scope scope) : scope_(scope) {}
    sdk::Result<void> put(const sdk::PluginRecord& record) override;
    sdk::Result<sdk::PluginRecord> get(const std::string& ns, const std::string& key,
                                       sdk::UnixTime now) override;
    sdk::Result<sdk::PluginRecord> take(const std::string& ns, const std::string& key,
                                        sdk::UnixTime now) override;
    sdk::Result<void> remove(const std::string& ns, const std::string& key) override;
    sdk::Result<sdk::Slice<sdk::PluginRecord>> list(const std::string& ns, sdk::UnixTime now,
                                                    const std::string& cursor,
                                                    int limit) override;
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime now) override;

private:
    Scope scope_;
};

/// Shared helpers for the store implementations.
sdk::Error notFound(const std::string& what);
sdk::Error required(const std::string& what, const char* field);
/// Decodes a JSON list column; internal error on a corrupt value.
sdk::Result<std::vector<std::string>> readList(const std::string& text, const char* column);

}  // namespace authd::plugins::soci_common
