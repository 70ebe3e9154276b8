// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "authd/sdk/storage.hpp"

namespace authd::app {

/// What HostContext::storage() returns before the store exists (while the storage plugin's
/// own factory runs, which the SDK forbids to use it): every call fails with
/// ErrorCode::unavailable and a message saying why, instead of undefined behaviour.
class NotReadyStorage final : public sdk::Storage {
  public:
    NotReadyStorage();
    ~NotReadyStorage() override;

    sdk::UserStore& users() override;
    sdk::CredentialStore& credentials() override;
    sdk::ProjectStore& projects() override;
    sdk::SessionStore& sessions() override;
    sdk::PendingStore& pending() override;
    sdk::CodeStore& codes() override;
    sdk::RefreshStore& refresh() override;
    sdk::ConsentStore& consents() override;
    sdk::CounterStore& counters() override;
    sdk::KeyStore& keys() override;
    sdk::AuditStore& audit() override;
    sdk::PluginDataStore& pluginData() override;
    sdk::Result<void>
    transact(const std::function<sdk::Result<void>(sdk::Storage&)>& work) override;
    sdk::Result<int> migrate() override;
    sdk::Result<int> schemaVersion() override;
    int latestSchemaVersion() const override;
    sdk::Result<void> ping() override;

  private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

} // namespace authd::app
