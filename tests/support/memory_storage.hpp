// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "authd/sdk/storage.hpp"

namespace authd::test {

/// sdk::Storage in process memory, for plugin unit tests. It follows the conventions of
/// sdk/storage.hpp (not_found, conflict, already_consumed, atomic single-use operations,
/// cascading removes) and implements every aggregate. transact() runs `work` under the
/// store's lock on a snapshot it restores when `work` fails.
/// Threading: every method is safe to call concurrently (one recursive lock).
class MemoryStorage final : public sdk::Storage {
public:
    MemoryStorage();
    ~MemoryStorage() override;
    MemoryStorage(const MemoryStorage&) = delete;
    MemoryStorage& operator=(const MemoryStorage&) = delete;

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

    sdk::Result<void> transact(const std::function<sdk::Result<void>(sdk::Storage& tx)>& work) override;
    sdk::Result<int> migrate() override;
    sdk::Result<int> schemaVersion() override;
    int latestSchemaVersion() const override;
    sdk::Result<void> ping() override;

    /// While set, every call of every aggregate (and ping/migrate/transact) returns this
    /// error, as a store whose database went away would.
    void setFailureForTest(std::optional<sdk::ErrorCode> code);

    struct Shared;
    struct Aggregates;

private:
    std::unique_ptr<Shared> shared_;
    std::unique_ptr<Aggregates> aggregates_;  // refer to *shared_: declared after it
};

}  // namespace authd::test
