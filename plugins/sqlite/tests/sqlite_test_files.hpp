// SPDX-License-Identifier: Apache-2.0
// For the SQLite tests that build the dialect into the test binary (include in one source file
// per binary): the dialect names the plugin's embedded migrations, and these tests make their
// own tables; and a fresh database file per test.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "sqlite_dialect.hpp"

namespace authd::plugins::sqlite {
const std::vector<soci_common::Migration>& migrations() {
    static const std::vector<soci_common::Migration> none;
    return none;
}
}  // namespace authd::plugins::sqlite

namespace authd::test {

/// `<tmp>/authd-<tag>-<pid>-<n>/<file>` in a new, empty folder.
inline std::filesystem::path freshDatabase(const std::string& tag, const std::string& file) {
    static std::atomic<int> counter{0};
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("authd-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir / file;
}

}  // namespace authd::test
