// SPDX-License-Identifier: Apache-2.0
#pragma once

// The store an e2e executable runs on: SQLite in its temp folder by default; with
// `-- --pg-dsn-file=FILE` (the CTest `*_postgresql` entries, which need the `postgresql`
// fixture) a database of its own on the fixture's PostgreSQL server. Include after
// <boost/test/unit_test.hpp>.

#include <string>

#include "support/authd_process.hpp"

namespace authd::test {

/// The value of the first test argument starting with `prefix`, or "".
inline std::string testArgument(const std::string& prefix) {
    const auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        const std::string arg = suite.argv[i];
        if (arg.rfind(prefix, 0) == 0) {
            return arg.substr(prefix.size());
        }
    }
    return {};
}

/// True when the executable was asked to run on PostgreSQL.
inline bool onPostgresql() {
    return !testArgument("--pg-dsn-file=").empty();
}

/// `storage:` for testConfigYaml: "" (SQLite) or a fresh PostgreSQL database `database`.
inline std::string storageFromArguments(const std::string& database) {
    const std::string dsn_file = testArgument("--pg-dsn-file=");
    return dsn_file.empty() ? std::string() : freshPostgresqlStorageYaml(dsn_file, database);
}

} // namespace authd::test
