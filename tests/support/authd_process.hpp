// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authd::test {

/// A folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    /// Writes `content` to `name` inside the folder; returns the full path.
    std::string write(const std::string& name, const std::string& content) const;

  private:
    std::filesystem::path path_;
};

/// The `authd` binary and the build tree's plugin folder (compile definitions).
std::string authdBinary();
std::string pluginDir();

/// A complete test config: listen 127.0.0.1:0, data under `dir`, cheap Argon2id, a generated
/// development master key in `dir`, and `storage_yaml` (default: SQLite in `dir`). `server_extra`
/// lines are added under `server:` (two-space indented keys, e.g. "  max_body_bytes: 4096").
std::string testConfigYaml(const std::filesystem::path& dir, const std::string& storage_yaml = {},
                           const std::string& server_extra = {});
/// `storage:` for the PostgreSQL plugin with this DSN.
std::string postgresqlStorageYaml(const std::string& dsn);
/// `storage:` for a database named `database` of its own on the `postgresql` CTest fixture's
/// server (its DSN is the first line of `dsn_file`), dropped and created afresh, so that other
/// PostgreSQL tests running at the same time never see (or truncate) its rows. Throws
/// std::runtime_error when the file has no DSN or psql fails.
std::string freshPostgresqlStorageYaml(const std::string& dsn_file, const std::string& database);

struct HttpResult {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// First value of a header (case-insensitive), or "".
    std::string header(const std::string& name) const;
};

/// Parses a raw HTTP/1.1 response (status line, headers, rest as body).
HttpResult parseRawResponse(const std::string& raw);

/// A TCP connection for requests the HTTP client cannot send (partial bodies, huge headers).
class RawConnection {
  public:
    explicit RawConnection(std::uint16_t port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    void send(const std::string& bytes);
    void shutdownSend();
    /// Reads until the peer closes or `timeout` passes; everything received.
    std::string readAll(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// What a finished command printed, and its exit code (128 + signal when killed).
struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs `authd args...` to completion (killed after `timeout`).
CommandResult runAuthd(const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(60),
                       const std::map<std::string, std::string>& env = {});

/// A running `authd serve`: started on construction, its stdout and stderr captured, its
/// port read from the `server.listening` log line. Killed (SIGKILL) on destruction if still
/// running. Construction throws std::runtime_error, with everything the process printed, when
/// authd exits or does not listen within the timeout.
class AuthdProcess {
  public:
    struct Options {
        std::string storage_yaml;            ///< default SQLite in the temp dir
        std::string server_extra;            ///< extra `server:` keys
        std::vector<std::string> extra_args; ///< e.g. "--demo"
        std::map<std::string, std::string> env;
        std::chrono::seconds start_timeout{30};
    };

    AuthdProcess();
    explicit AuthdProcess(Options options);
    /// Starts with an existing config file (and temp dir, e.g. to restart on the same data).
    AuthdProcess(const std::string& config_path, Options options);
    ~AuthdProcess();
    AuthdProcess(const AuthdProcess&) = delete;
    AuthdProcess& operator=(const AuthdProcess&) = delete;

    std::uint16_t port() const { return port_; }
    int pid() const { return pid_; }
    const std::string& configPath() const { return config_path_; }

    HttpResult request(const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& content_type = {});
    HttpResult get(const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers = {});
    HttpResult post(const std::string& target, const std::string& body,
                    const std::string& content_type = "application/x-www-form-urlencoded",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

    /// Everything printed so far.
    std::string output() const;
    std::string errors() const;
    /// Waits until stdout contains `needle`.
    bool waitForOutput(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    void signal(int signal_number) const;
    /// SIGTERM, then waits for the exit; returns the exit code (128 + signal if killed, -1 if
    /// it did not exit in time, in which case it is killed).
    int stop(std::chrono::seconds timeout = std::chrono::seconds(20));
    /// Waits for the process to end by itself; the exit code, or -1 on timeout.
    int wait(std::chrono::milliseconds timeout);

  private:
    void start(Options options);

    std::unique_ptr<TempDir> dir_;
    std::string config_path_;
    int pid_ = -1;
    int exit_code_ = -1;
    bool exited_ = false;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::string out_;
    std::string err_;
    std::thread out_reader_;
    std::thread err_reader_;
};

} // namespace authd::test
