// SPDX-License-Identifier: Apache-2.0
#include "contract_env.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

namespace authd::test {

namespace {

std::mutex g_counter_mutex;

std::string readFirstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return {};
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
    }
    return line;
}

std::string pgRun(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot reach PostgreSQL (" + dsn + "): " + message);
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    std::string message = PQresultErrorMessage(result);
    std::string first;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0 && PQnfields(result) > 0) {
        first = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
    PQfinish(conn);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error("PostgreSQL refused \"" + sql + "\": " + message);
    }
    return first;
}

void pgExec(const std::string& dsn, const std::string& sql) { pgRun(dsn, sql); }

}  // namespace

ContractEnv& ContractEnv::get() {
    static ContractEnv env;
    return env;
}

std::string ContractEnv::uid(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(g_counter_mutex);
    return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter_);
}

void ContractEnv::setUp(int argc, char** argv) {
    std::string pg_dsn_file;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&](const char* prefix) -> const char* {
            std::size_t n = std::char_traits<char>::length(prefix);
            return arg.compare(0, n, prefix) == 0 ? argv[i] + n : nullptr;
        };
        if (const char* v = value("--plugin=")) {
            plugin_path_ = v;
        } else if (const char* v2 = value("--config=")) {
            std::string pair = v2;
            std::size_t eq = pair.find('=');
            if (eq == std::string::npos) {
                throw std::runtime_error("--config expects KEY=VALUE, got " + pair);
            }
            extra_[pair.substr(0, eq)] = pair.substr(eq + 1);
        } else if (const char* v3 = value("--pg-dsn-file=")) {
            pg_dsn_file = v3;
        } else if (const char* v4 = value("--child=")) {
            child_path_ = v4;
        } else {
            throw std::runtime_error("unknown argument " + arg +
                                     " (expected --plugin=, --config=, --pg-dsn-file=, --child=)");
        }
    }
    if (plugin_path_.empty()) {
        throw std::runtime_error("no plugin given: pass -- --plugin=PATH/authd_<name>.so");
    }
    plugin_ = std::make_unique<StoragePlugin>(plugin_path_);
    plugin_name_ = plugin_->name();

    std::string templ = (std::filesystem::temp_directory_path() / "authd-contract.XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
        throw std::runtime_error("cannot create a temp folder");
    }
    temp_dir_ = templ;
    host_ = std::make_unique<TestHost>(temp_dir_);

    if (isPostgresql()) {
        if (!pg_dsn_file.empty()) {
            pg_base_dsn_ = readFirstLine(pg_dsn_file);
            if (pg_base_dsn_.empty()) {
                throw std::runtime_error(
                    "no PostgreSQL DSN in " + pg_dsn_file +
                    ": the `postgresql` test fixture (tests/support/pg_start.sh) did not start a "
                    "server; see its output");
            }
        } else if (const char* env = std::getenv("AUTHD_TEST_PG"); env != nullptr && *env != 0) {
            pg_base_dsn_ = env;
        } else {
            throw std::runtime_error(
                "the postgresql plugin needs a server: pass --pg-dsn-file=PATH or set AUTHD_TEST_PG");
        }
    }

    main_config_ = freshConfig();
    auto opened = plugin_->open(main_config_, *host_);
    if (!opened) {
        throw std::runtime_error("cannot open the store under test: " + opened.error().message);
    }
    store_ = std::move(opened).value();
    auto before = store_->schemaVersion();
    if (!before) {
        throw std::runtime_error("schemaVersion failed: " + before.error().message);
    }
    version_before_ = *before;
    auto first = store_->migrate();
    if (!first) {
        throw std::runtime_error("migrate failed: " + first.error().message);
    }
    first_migrate_ = *first;
    auto second = store_->migrate();
    if (!second) {
        throw std::runtime_error("second migrate failed: " + second.error().message);
    }
    second_migrate_ = *second;
}

void ContractEnv::tearDown() {
    store_.reset();
    if (!pg_base_dsn_.empty()) {
        for (const std::string& schema : pg_schemas_) {
            try {
                pgExec(pg_base_dsn_, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (const std::exception&) {
                // The throwaway cluster goes away with the fixture anyway.
            }
        }
    }
    if (!temp_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(temp_dir_, ec);
    }
}

Config ContractEnv::freshConfig() {
    Config config = extra_;
    if (isSqlite()) {
        if (config.count("path") == 0 || !main_config_.empty()) {
            config["path"] = temp_dir_ + "/" + uid("db") + "/authd.db";
        }
    } else if (isPostgresql()) {
        std::string schema = uid("authd_ct");
        for (char& c : schema) {
            if (c == '-') {
                c = '_';
            }
        }
        pgExec(pg_base_dsn_, "CREATE SCHEMA " + schema);
        pg_schemas_.push_back(schema);
        config["dsn"] = pg_base_dsn_ + " options='-c search_path=" + schema + "'";
    }
    return config;
}

std::string ContractEnv::pgQuery(const std::string& sql) { return pgRun(pg_base_dsn_, sql); }

void ContractEnv::rawExec(const Config& config, const std::string& sql) {
    if (isSqlite()) {
        sqlite3* db = nullptr;
        if (sqlite3_open(config.at("path").c_str(), &db) != SQLITE_OK) {
            std::string message = db ? sqlite3_errmsg(db) : "out of memory";
            sqlite3_close(db);
            throw std::runtime_error("cannot open " + config.at("path") + ": " + message);
        }
        sqlite3_busy_timeout(db, 5000);
        char* error = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        std::string message = error ? error : "";
        sqlite3_free(error);
        sqlite3_close(db);
        if (rc != SQLITE_OK) {
            throw std::runtime_error("SQLite refused \"" + sql + "\": " + message);
        }
        return;
    }
    if (isPostgresql()) {
        const std::string& dsn = config.at("dsn");
        std::size_t at = dsn.find("search_path=");
        std::string schema = dsn.substr(at + 12, dsn.find('\'', at) - at - 12);
        pgExec(pg_base_dsn_, "SET search_path TO " + schema + "; " + sql);
        return;
    }
    throw std::runtime_error("rawExec: no raw access for plugin " + plugin_name_);
}

}  // namespace authd::test
