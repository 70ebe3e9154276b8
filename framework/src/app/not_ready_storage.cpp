// SPDX-License-Identifier: Apache-2.0
#include "app/not_ready_storage.hpp"

namespace authd::app {
namespace {

sdk::Error notReady() {
    return sdk::makeError(sdk::ErrorCode::unavailable,
                          "the store is not ready: storage factories must not use "
                          "HostContext::storage(), rateLimiter() or mailer()");
}

class NotReadyUserStore final : public sdk::UserStore {
  public:
    sdk::Result<void> create(const sdk::User& /*user*/) override { return notReady(); }
    sdk::Result<sdk::User> get(const std::string& /*id*/) override { return notReady(); }
    sdk::Result<sdk::User> findByEmail(const std::string& /*email*/) override { return notReady(); }
    sdk::Result<void> update(const sdk::User& /*user*/) override { return notReady(); }
    sdk::Result<void> remove(const std::string& /*id*/) override { return notReady(); }
    sdk::Result<sdk::Slice<sdk::User>> list(const sdk::UserQuery& /*query*/) override {
        return notReady();
    }
};

class NotReadyCredentialStore final : public sdk::CredentialStore {
  public:
    sdk::Result<void> put(const sdk::Credential& /*credential*/) override { return notReady(); }
    sdk::Result<sdk::Credential> get(const std::string& /*user_id*/,
                                     const std::string& /*kind*/) override {
        return notReady();
    }
    sdk::Result<sdk::Credential> findBySubject(const std::string& /*kind*/,
                                               const std::string& /*subject*/) override {
        return notReady();
    }
    sdk::Result<void> remove(const std::string& /*user_id*/, const std::string& /*kind*/) override {
        return notReady();
    }
    sdk::Result<std::vector<sdk::Credential>> listForUser(const std::string& /*user_id*/) override {
        return notReady();
    }
};

class NotReadyProjectStore final : public sdk::ProjectStore {
  public:
    sdk::Result<void> create(const sdk::Project& /*project*/) override { return notReady(); }
    sdk::Result<sdk::Project> get(const std::string& /*client_id*/) override { return notReady(); }
    sdk::Result<void> update(const sdk::Project& /*project*/) override { return notReady(); }
    sdk::Result<void> remove(const std::string& /*client_id*/) override { return notReady(); }
    sdk::Result<sdk::Slice<sdk::Project>>
    list(const std::string& /*owner_id*/, const std::string& /*cursor*/, int /*limit*/) override {
        return notReady();
    }
};

class NotReadySessionStore final : public sdk::SessionStore {
  public:
    sdk::Result<void> create(const sdk::Session& /*session*/) override { return notReady(); }
    sdk::Result<sdk::Session> get(const std::string& /*id*/) override { return notReady(); }
    sdk::Result<sdk::Session> findByTokenHash(const std::string& /*token_hash*/) override {
        return notReady();
    }
    sdk::Result<void> update(const sdk::Session& /*session*/) override { return notReady(); }
    sdk::Result<void> revoke(const std::string& /*id*/, sdk::UnixTime /*now*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> revokeAllForUser(const std::string& /*user_id*/,
                                               sdk::UnixTime /*now*/) override {
        return notReady();
    }
    sdk::Result<std::vector<sdk::Session>> listForUser(const std::string& /*user_id*/,
                                                       sdk::UnixTime /*now*/) override {
        return notReady();
    }
};

class NotReadyPendingStore final : public sdk::PendingStore {
  public:
    sdk::Result<void> create(const sdk::PendingAuthorization& /*pending*/) override {
        return notReady();
    }
    sdk::Result<sdk::PendingAuthorization> get(const std::string& /*id*/) override {
        return notReady();
    }
    sdk::Result<void> update(const sdk::PendingAuthorization& /*pending*/) override {
        return notReady();
    }
    sdk::Result<sdk::PendingAuthorization> take(const std::string& /*id*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime /*now*/) override { return notReady(); }
};

class NotReadyCodeStore final : public sdk::CodeStore {
  public:
    sdk::Result<void> create(const sdk::AuthorizationCode& /*code*/) override { return notReady(); }
    sdk::Result<sdk::AuthorizationCode> consume(const std::string& /*code_hash*/,
                                                sdk::UnixTime /*now*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime /*now*/) override { return notReady(); }
};

class NotReadyRefreshStore final : public sdk::RefreshStore {
  public:
    sdk::Result<void> createFamily(const sdk::RefreshFamily& /*family*/,
                                   const sdk::RefreshToken& /*first*/) override {
        return notReady();
    }
    sdk::Result<sdk::RotateResult> rotate(const std::string& /*old_hash*/,
                                          const std::string& /*client_id*/,
                                          const sdk::RefreshToken& /*successor*/,
                                          sdk::UnixTime /*now*/, sdk::Seconds /*grace*/) override {
        return notReady();
    }
    sdk::Result<std::pair<sdk::RefreshToken, sdk::RefreshFamily>>
    find(const std::string& /*token_hash*/) override {
        return notReady();
    }
    sdk::Result<sdk::RefreshFamily> getFamily(const std::string& /*family_id*/) override {
        return notReady();
    }
    sdk::Result<void> revokeFamily(const std::string& /*family_id*/, sdk::UnixTime /*now*/,
                                   const std::string& /*reason*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> revokeByOrigin(const std::string& /*code_hash*/,
                                             sdk::UnixTime /*now*/,
                                             const std::string& /*reason*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> revokeForUser(const std::string& /*user_id*/, sdk::UnixTime /*now*/,
                                            const std::string& /*reason*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> revokeForClient(const std::string& /*client_id*/,
                                              sdk::UnixTime /*now*/,
                                              const std::string& /*reason*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime /*now*/) override { return notReady(); }
};

class NotReadyConsentStore final : public sdk::ConsentStore {
  public:
    sdk::Result<sdk::Consent> get(const std::string& /*user_id*/,
                                  const std::string& /*client_id*/) override {
        return notReady();
    }
    sdk::Result<void> put(const sdk::Consent& /*consent*/) override { return notReady(); }
    sdk::Result<void> remove(const std::string& /*user_id*/,
                             const std::string& /*client_id*/) override {
        return notReady();
    }
};

class NotReadyCounterStore final : public sdk::CounterStore {
  public:
    sdk::Result<sdk::Counter> get(const std::string& /*key*/) override { return notReady(); }
    sdk::Result<sdk::Counter> increment(const std::string& /*key*/, sdk::UnixTime /*now*/,
                                        sdk::Seconds /*window*/) override {
        return notReady();
    }
    sdk::Result<void> lock(const std::string& /*key*/, sdk::UnixTime /*until*/) override {
        return notReady();
    }
    sdk::Result<void> reset(const std::string& /*key*/) override { return notReady(); }
    sdk::Result<std::int64_t> purgeIdle(sdk::UnixTime /*older_than*/) override {
        return notReady();
    }
};

class NotReadyKeyStore final : public sdk::KeyStore {
  public:
    sdk::Result<void> add(const sdk::SigningKey& /*key*/) override { return notReady(); }
    sdk::Result<std::vector<sdk::SigningKey>> list() override { return notReady(); }
    sdk::Result<void> update(const sdk::SigningKey& /*key*/) override { return notReady(); }
    sdk::Result<void> remove(const std::string& /*kid*/) override { return notReady(); }
};

class NotReadyAuditStore final : public sdk::AuditStore {
  public:
    sdk::Result<void> append(const sdk::AuditEvent& /*event*/) override { return notReady(); }
    sdk::Result<sdk::Slice<sdk::AuditEvent>> list(const sdk::AuditQuery& /*query*/) override {
        return notReady();
    }
};

class NotReadyPluginDataStore final : public sdk::PluginDataStore {
  public:
    sdk::Result<void> put(const sdk::PluginRecord& /*record*/) override { return notReady(); }
    sdk::Result<sdk::PluginRecord> get(const std::string& /*ns*/, const std::string& /*key*/,
                                       sdk::UnixTime /*now*/) override {
        return notReady();
    }
    sdk::Result<sdk::PluginRecord> take(const std::string& /*ns*/, const std::string& /*key*/,
                                        sdk::UnixTime /*now*/) override {
        return notReady();
    }
    sdk::Result<void> remove(const std::string& /*ns*/, const std::string& /*key*/) override {
        return notReady();
    }
    sdk::Result<sdk::Slice<sdk::PluginRecord>> list(const std::string& /*ns*/, sdk::UnixTime /*now*/,
                                                    const std::string& /*cursor*/,
                                                    int /*limit*/) override {
        return notReady();
    }
    sdk::Result<std::int64_t> purgeExpired(sdk::UnixTime /*now*/) override { return notReady(); }
};
} // namespace

struct NotReadyStorage::Parts {
    NotReadyUserStore users;
    NotReadyCredentialStore credentials;
    NotReadyProjectStore projects;
    NotReadySessionStore sessions;
    NotReadyPendingStore pending;
    NotReadyCodeStore codes;
    NotReadyRefreshStore refresh;
    NotReadyConsentStore consents;
    NotReadyCounterStore counters;
    NotReadyKeyStore keys;
    NotReadyAuditStore audit;
    NotReadyPluginDataStore plugin_data;
};

NotReadyStorage::NotReadyStorage() : parts_(std::make_unique<Parts>()) {}
NotReadyStorage::~NotReadyStorage() = default;

sdk::UserStore& NotReadyStorage::users() {
    return parts_->users;
}
sdk::CredentialStore& NotReadyStorage::credentials() {
    return parts_->credentials;
}
sdk::ProjectStore& NotReadyStorage::projects() {
    return parts_->projects;
}
sdk::SessionStore& NotReadyStorage::sessions() {
    return parts_->sessions;
}
sdk::PendingStore& NotReadyStorage::pending() {
    return parts_->pending;
}
sdk::CodeStore& NotReadyStorage::codes() {
    return parts_->codes;
}
sdk::RefreshStore& NotReadyStorage::refresh() {
    return parts_->refresh;
}
sdk::ConsentStore& NotReadyStorage::consents() {
    return parts_->consents;
}
sdk::CounterStore& NotReadyStorage::counters() {
    return parts_->counters;
}
sdk::KeyStore& NotReadyStorage::keys() {
    return parts_->keys;
}
sdk::AuditStore& NotReadyStorage::audit() {
    return parts_->audit;
}
sdk::PluginDataStore& NotReadyStorage::pluginData() {
    return parts_->plugin_data;
}

sdk::Result<void>
NotReadyStorage::transact(const std::function<sdk::Result<void>(sdk::Storage&)>&) {
    return notReady();
}
sdk::Result<int> NotReadyStorage::migrate() {
    return notReady();
}
sdk::Result<int> NotReadyStorage::schemaVersion() {
    return notReady();
}
int NotReadyStorage::latestSchemaVersion() const {
    return 0;
}
sdk::Result<void> NotReadyStorage::ping() {
    return notReady();
}

} // namespace authd::app
