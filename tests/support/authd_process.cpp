// SPDX-License-Identifier: Apache-2.0
#include "support/authd_process.hpp"

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/web_client.hpp"

#ifndef AUTHD_BINARY
#error "AUTHD_BINARY must name the authd executable"
#endif
#ifndef AUTHD_PLUGIN_DIR
#error "AUTHD_PLUGIN_DIR must name the build tree's plugin folder"
#endif

namespace authd::test {
namespace {

using Clock = std::chrono::steady_clock;

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// Reads a pipe to its end into `sink`, waking waiters on every chunk.
void drain(Poco::Pipe pipe, std::string& sink, std::mutex& mutex,
           std::condition_variable& changed) {
    char buffer[4096];
    for (;;) {
        int n = 0;
        try {
            n = pipe.readBytes(buffer, sizeof buffer);
        } catch (const Poco::Exception&) {
            n = 0;
        }
        const std::lock_guard<std::mutex> lock(mutex);
        if (n <= 0) {
            changed.notify_all();
            return;
        }
        sink.append(buffer, static_cast<std::size_t>(n));
        changed.notify_all();
    }
}

int decodeStatus(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

// waitpid with a deadline; the exit code or nullopt.
std::optional<int> waitFor(int pid, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            return decodeStatus(status);
        }
        if (done < 0) {
            return -1;
        }
        if (Clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

struct Launched {
    int pid = -1;
    Poco::Pipe out;
    Poco::Pipe err;
};

Launched launch(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                const std::string& directory) {
    Launched launched;
    Poco::Process::Env environment(env.begin(), env.end());
    Poco::ProcessHandle handle = Poco::Process::launch(authdBinary(), args, directory, nullptr,
                                                       &launched.out, &launched.err, environment);
    launched.pid = handle.id();
    return launched;
}

} // namespace

std::string authdBinary() {
    return AUTHD_BINARY;
}
std::string pluginDir() {
    return AUTHD_PLUGIN_DIR;
}

TempDir::TempDir() {
    std::random_device device;
    const auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto candidate = base / ("authd-e2e-" + std::to_string(device()));
        std::error_code ec;
        if (std::filesystem::create_directory(candidate, ec)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary folder under " + base.string());
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
    return file.string();
}

std::string testConfigYaml(const std::filesystem::path& dir, const std::string& storage_yaml,
                           const std::string& server_extra) {
    const std::string d = dir.string();
    std::string yaml;
    yaml += "server:\n";
    yaml += "  listen: \"127.0.0.1:0\"\n";
    yaml += "  issuer: \"http://127.0.0.1:8080\"\n";
    yaml += "  threads: 8\n";
    yaml += "  shutdown_grace: 20s\n";
    yaml += server_extra.empty() ? "" : server_extra + "\n";
    yaml += "plugins:\n";
    yaml += "  paths: [ \"" + pluginDir() + "\" ]\n";
    yaml += "data_dir: \"" + d + "/var\"\n";
    yaml += storage_yaml.empty()
                ? "storage:\n  plugin: sqlite\n  config:\n    path: \"" + d + "/var/authd.db\"\n"
                : storage_yaml;
    yaml += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
    yaml += "secrets:\n";
    yaml += "  master_key_env: \"\"\n";
    yaml += "  master_key_file: \"" + d + "/var/master.key\"\n";
    yaml += "  dev_master_key: true\n";
    return yaml;
}

std::string postgresqlStorageYaml(const std::string& dsn) {
    return "storage:\n  plugin: postgresql\n  config:\n    dsn: \"" + dsn + "\"\n";
}

std::string freshPostgresqlStorageYaml(const std::string& dsn_file, const std::string& database) {
    std::ifstream in(dsn_file);
    std::string dsn;
    std::getline(in, dsn);
    if (dsn.empty()) {
        throw std::runtime_error("no DSN in " + dsn_file + ": did the postgresql fixture run?");
    }
    const char* bin = std::getenv("AUTHD_PG_BIN");
    const std::string psql =
        std::string(bin != nullptr ? bin : "/usr/lib/postgresql/15/bin") + "/psql";
    const std::string command = "PGOPTIONS='-c client_min_messages=warning' " + psql + " \"" +
                                dsn + "\" -v ON_ERROR_STOP=1 -q -c \"DROP DATABASE IF EXISTS " +
                                database + "\" -c \"CREATE DATABASE " + database +
                                "\" >/dev/null";
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error("could not create database " + database + " with " + psql);
    }
    const std::string own =
        std::regex_replace(dsn, std::regex(R"(dbname=\S+)"), "dbname=" + database);
    return postgresqlStorageYaml(own);
}

std::string HttpResult::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (equalsIgnoreCase(key, name)) {
            return value;
        }
    }
    return {};
}

HttpResult parseRawResponse(const std::string& raw) {
    HttpResult result;
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || raw.size() < 12) {
        throw std::runtime_error("not an HTTP response: [" + raw.substr(0, 200) + "]");
    }
    result.status = std::stoi(raw.substr(9, 3));
    std::istringstream lines(raw.substr(0, head_end));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            result.headers.emplace_back(line.substr(0, colon), value);
        }
    }
    result.body = raw.substr(head_end + 4);
    return result;
}

struct RawConnection::Impl {
    Poco::Net::StreamSocket socket;
};

RawConnection::RawConnection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
    impl_->socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0));
}

RawConnection::~RawConnection() {
    try {
        impl_->socket.close();
    } catch (const Poco::Exception&) {
        // already gone
    }
}

void RawConnection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const int n =
            impl_->socket.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
        if (n <= 0) {
            throw std::runtime_error("connection closed while sending");
        }
        sent += static_cast<std::size_t>(n);
    }
}

void RawConnection::shutdownSend() {
    impl_->socket.shutdownSend();
}

std::string RawConnection::readAll(std::chrono::milliseconds timeout) {
    impl_->socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeout.count()) * 1000));
    std::string data;
    char buffer[4096];
    for (;;) {
        int n = 0;
        try {
            n = impl_->socket.receiveBytes(buffer, sizeof buffer);
        } catch (const Poco::Exception&) {
            break; // timeout or reset: return what arrived
        }
        if (n <= 0) {
            break;
        }
        data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
}

CommandResult runAuthd(const std::vector<std::string>& args, std::chrono::seconds timeout,
                       const std::map<std::string, std::string>& env) {
    Launched launched = launch(args, env, std::filesystem::current_path().string());
    std::mutex mutex;
    std::condition_variable changed;
    CommandResult result;
    std::thread out_reader(drain, launched.out, std::ref(result.out), std::ref(mutex),
                           std::ref(changed));
    std::thread err_reader(drain, launched.err, std::ref(result.err), std::ref(mutex),
                           std::ref(changed));
    auto code = waitFor(launched.pid, timeout);
    if (!code) {
        ::kill(launched.pid, SIGKILL);
        code = waitFor(launched.pid, std::chrono::seconds(10));
    }
    out_reader.join();
    err_reader.join();
    result.exit_code = code.value_or(-1);
    return result;
}

AuthdProcess::AuthdProcess() : AuthdProcess(Options{}) {}

AuthdProcess::AuthdProcess(Options options) : dir_(std::make_unique<TempDir>()) {
    config_path_ = dir_->write(
        "authd.yaml", testConfigYaml(dir_->path(), options.storage_yaml, options.server_extra));
    start(std::move(options));
}

AuthdProcess::AuthdProcess(const std::string& config_path, Options options)
    : config_path_(config_path) {
    start(std::move(options));
}

void AuthdProcess::start(Options options) {
    std::vector<std::string> args = {"serve", "--config", config_path_};
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    Launched launched = launch(args, options.env, std::filesystem::current_path().string());
    pid_ = launched.pid;
    out_reader_ =
        std::thread(drain, launched.out, std::ref(out_), std::ref(mutex_), std::ref(changed_));
    err_reader_ =
        std::thread(drain, launched.err, std::ref(err_), std::ref(mutex_), std::ref(changed_));

    const auto deadline = Clock::now() + options.start_timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        const auto at = out_.find("\"event\":\"server.listening\"");
        if (at != std::string::npos && out_.find('\n', at) != std::string::npos) {
            const auto start_of_line = out_.rfind('\n', at);
            const auto begin = start_of_line == std::string::npos ? 0 : start_of_line + 1;
            const std::string line = out_.substr(begin, out_.find('\n', at) - begin);
            Poco::JSON::Parser parser;
            const auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
            port_ = static_cast<std::uint16_t>(std::stoi(object->getValue<std::string>("port")));
            return;
        }
        lock.unlock();
        const auto code = waitFor(pid_, std::chrono::milliseconds(0));
        lock.lock();
        if (code || Clock::now() >= deadline) {
            if (code) {
                exited_ = true;
                exit_code_ = *code;
            }
            lock.unlock();
            const std::string what =
                std::string(code ? "authd exited with code " + std::to_string(*code)
                                 : "authd did not log server.listening in time") +
                " before listening.\n--- stdout ---\n" + output() + "\n--- stderr ---\n" + errors();
            if (!code) {
                ::kill(pid_, SIGKILL);
                (void)waitFor(pid_, std::chrono::seconds(10));
                exited_ = true;
            }
            out_reader_.join();
            err_reader_.join();
            throw std::runtime_error(what);
        }
        changed_.wait_for(lock, std::chrono::milliseconds(20));
    }
}

AuthdProcess::~AuthdProcess() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        (void)waitFor(pid_, std::chrono::seconds(10));
    }
    if (out_reader_.joinable()) {
        out_reader_.join();
    }
    if (err_reader_.joinable()) {
        err_reader_.join();
    }
}

HttpResult AuthdProcess::request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& content_type) {
    return sendHttp("127.0.0.1", port_, method, target, body, content_type, headers,
                    std::chrono::seconds(15));
}

HttpResult AuthdProcess::get(const std::string& target,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
    return request("GET", target, {}, headers);
}

HttpResult AuthdProcess::post(const std::string& target, const std::string& body,
                              const std::string& content_type,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
    return request("POST", target, body, headers, content_type);
}

std::string AuthdProcess::output() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return out_;
}

std::string AuthdProcess::errors() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return err_;
}

bool AuthdProcess::waitForOutput(const std::string& needle,
                                 std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return out_.find(needle) != std::string::npos; });
}

void AuthdProcess::signal(int signal_number) const {
    if (pid_ > 0 && !exited_) {
        ::kill(pid_, signal_number);
    }
}

int AuthdProcess::wait(std::chrono::milliseconds timeout) {
    if (exited_) {
        return exit_code_;
    }
    const auto code = waitFor(pid_, timeout);
    if (!code) {
        return -1;
    }
    exited_ = true;
    exit_code_ = *code;
    out_reader_.join();
    err_reader_.join();
    return exit_code_;
}

int AuthdProcess::stop(std::chrono::seconds timeout) {
    if (exited_) {
        return exit_code_;
    }
    signal(SIGTERM);
    const int code = wait(timeout);
    if (code == -1 && !exited_) {
        ::kill(pid_, SIGKILL);
        (void)wait(std::chrono::seconds(10));
        return -1;
    }
    return code;
}

} // namespace authd::test
