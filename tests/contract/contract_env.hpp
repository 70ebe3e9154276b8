// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <string>

#include "authd/sdk/storage.hpp"
#include "storage_plugin.hpp"
#include "test_host.hpp"

namespace authd::test {

using Config = std::map<std::string, std::string>;

/// The storage contract suite's environment: the plugin under test, a fresh database for
/// this run, and the migrated store every case uses. Built once from the command line
/// (after `--`):
///   --plugin=PATH          the storage plugin .so (required)
///   --config=KEY=VALUE     extra plugin config (repeatable)
///   --pg-dsn-file=PATH     file holding the base PostgreSQL DSN (else env AUTHD_TEST_PG)
///   --child=PATH           the multi-process helper executable
/// SQLite databases go to a temp folder; PostgreSQL ones to uniquely named schemas. Both
/// are removed at the end.
class ContractEnv {
public:
    static ContractEnv& get();

    void setUp(int argc, char** argv);
    void tearDown();

    StoragePlugin& plugin() { return *plugin_; }
    TestHost& host() { return *host_; }
    sdk::Storage& store() { return *store_; }
    bool isSqlite() const { return plugin_name_ == "sqlite"; }
    bool isPostgresql() const { return plugin_name_ == "postgresql"; }
    const std::string& pluginName() const { return plugin_name_; }
    const std::string& pluginPath() const { return plugin_path_; }
    const std::string& childPath() const { return child_path_; }
    const std::string& tempDir() const { return temp_dir_; }
    /// Schema version the main store had before its first migrate() (0: it was empty).
    int versionBeforeMigrate() const { return version_before_; }
    /// What migrate() returned the first and the second time.
    int firstMigrate() const { return first_migrate_; }
    int secondMigrate() const { return second_migrate_; }

    /// The config of the main store (the one store() uses).
    const Config& mainConfig() const { return main_config_; }
    /// A config for a brand-new empty database.
    Config freshConfig();
    /// Runs raw SQL on the database `config` points at, bypassing the plugin.
    void rawExec(const Config& config, const std::string& sql);

    /// The PostgreSQL server's base DSN (empty for other plugins).
    const std::string& pgBaseDsn() const { return pg_base_dsn_; }
    /// Runs `sql` on the base DSN and returns the first column of the first row ("" if none).
    std::string pgQuery(const std::string& sql);

    /// A run-unique id with a readable prefix.
    std::string uid(const std::string& prefix);

private:
    std::string plugin_name_;
    std::string plugin_path_;
    std::string child_path_;
    std::string temp_dir_;
    std::string pg_base_dsn_;
    Config extra_;
    Config main_config_;
    std::vector<std::string> pg_schemas_;
    std::unique_ptr<StoragePlugin> plugin_;
    std::unique_ptr<TestHost> host_;
    sdk::StoragePtr store_;
    int version_before_ = -1;
    int first_migrate_ = -1;
    int second_migrate_ = -1;
    int counter_ = 0;
};

}  // namespace authd::test
