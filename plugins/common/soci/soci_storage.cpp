// SPDX-License-Identifier: Apache-2.0
#include "soci_storage.hpp"

#include <exception>
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

namespace {

// One class for the store itself and for the view handed to Storage::transact: the only
// difference is the session the stores run on (a pooled one per call, or the transaction's).
class SociStorage final : public sdk::Storage {
public:
    explicit SociStorage(std::unique_ptr<Database> db)
        : owned_(std::move(db)), db_(*owned_), tx_(nullptr), stores_(Scope{&db_, nullptr}) {}
    SociStorage(Database& db, ::soci::session& tx)
        : db_(db), tx_(&tx), stores_(Scope{&db_, &tx}) {}

    sdk::UserStore& users() override { return stores_.users; }
    sdk::CredentialStore& credentials() override { return stores_.credentials; }
    sdk::ProjectStore& projects() override { return stores_.projects; }
    sdk::SessionStore& sessions() override { return stores_.sessions; }
    sdk::PendingStore& pending() override { return stores_.pending; }
    sdk::CodeStore& codes() override { return stores_.codes; }
    sdk::RefreshStore& refresh() override { return stores_.refresh; }
    sdk::ConsentStore& consents() override { return stores_.consents; }
    sdk::CounterStore& counters() override { return stores_.counters; }
    sdk::KeyStore& keys() override { return stores_.keys; }
    sdk::AuditStore& audit() override { return stores_.audit; }
    sdk::PluginDataStore& pluginData() override { return stores_.plugin_data; }

    sdk::Result<void> transact(const std::function<sdk::Result<void>(sdk::Storage& tx)>& work) override {
        if (tx_ != nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument,
                                  "transact: transactions do not nest (called on a transaction)");
        }
        if (!work) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument, "transact: no work given");
        }
        return db_.transact([&](::soci::session& sql) -> sdk::Result<void> {
            SociStorage view(db_, sql);
            try {
                return work(view);
            } catch (const std::exception& error) {
                return sdk::makeError(sdk::ErrorCode::internal,
                                      std::string("transact: the work threw: ") + error.what());
            } catch (...) {
                return sdk::makeError(sdk::ErrorCode::internal,
                                      "transact: the work threw an unknown exception");
            }
        });
    }

    sdk::Result<int> migrate() override {
        if (tx_ != nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument,
                                  "migrate: not allowed inside a transaction");
        }
        return db_.migrate();
    }
    sdk::Result<int> schemaVersion() override {
        if (tx_ != nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument,
                                  "schemaVersion: not allowed inside a transaction");
        }
        return db_.schemaVersion();
    }
    int latestSchemaVersion() const override { return db_.latestSchemaVersion(); }
    sdk::Result<void> ping() override {
        if (tx_ != nullptr) {
            return db_.run(tx_, Mode::single, "ping", [](::soci::session& sql) {
                int one = 0;
                sql << "SELECT 1", ::soci::into(one);
                return sdk::ok();
            });
        }
        return db_.ping();
    }

private:
    struct Stores {
        explicit Stores(Scope scope)
            : users(scope),
              credentials(scope),
              projects(scope),
              sessions(scope),
              pending(scope),
              codes(scope),
              refresh(scope),
              consents(scope),
              counters(scope),
              keys(scope),
              audit(scope),
              plugin_data(scope) {}
        UserStoreImpl users;
        CredentialStoreImpl credentials;
        ProjectStoreImpl projects;
        SessionStoreImpl sessions;
        PendingStoreImpl pending;
        CodeStoreImpl codes;
        RefreshStoreImpl refresh;
        ConsentStoreImpl consents;
        CounterStoreImpl counters;
        KeyStoreImpl keys;
        AuditStoreImpl audit;
        PluginDataStoreImpl plugin_data;
    };

    std::unique_ptr<Database> owned_;
    Database& db_;
    ::soci::session* tx_;
    Stores stores_;
};

}  // namespace

sdk::Result<std::unique_ptr<::soci::connection_pool>> openPool(const Connector& connector,
                                                               std::size_t size,
                                                               std::size_t open_now,
                                                               const Dialect& dialect) {
    if (connector.factory == nullptr || size == 0 || open_now == 0 || open_now > size) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "cannot open " + dialect.name() + " database " +
                                  connector.redacted + ": bad pool parameters");
    }
    try {
        auto pool = std::make_unique<::soci::connection_pool>(size);
        for (std::size_t i = 0; i < open_now; ++i) {
            if (auto opened = openConnection(pool->at(i), connector, dialect); !opened) {
                return std::move(opened).error();
            }
        }
        return pool;
    } catch (const std::exception& error) {
        return sdk::makeError(sdk::ErrorCode::internal, "cannot open " + dialect.name() +
                                                            " database " + connector.redacted +
                                                            ": " + error.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "cannot open " + dialect.name() + " database " + connector.redacted);
    }
}

sdk::Result<sdk::StoragePtr> makeStorage(std::unique_ptr<Dialect> dialect,
                                         std::unique_ptr<::soci::connection_pool> pool,
                                         std::size_t pool_size, Connector connector,
                                         DatabaseOptions options, sdk::HostContext& host) {
    try {
        auto db = std::make_unique<Database>(std::move(dialect), std::move(pool), pool_size,
                                             std::move(connector), options, host.clock(),
                                             host.logger());
        return sdk::StoragePtr(std::make_unique<SociStorage>(std::move(db)));
    } catch (const std::exception& error) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("cannot create the store: ") + error.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal, "cannot create the store");
    }
}

}  // namespace authd::plugins::soci_common
