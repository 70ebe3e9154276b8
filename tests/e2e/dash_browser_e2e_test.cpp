// SPDX-License-Identifier: Apache-2.0
// authdash and My Apps in headless Chromium (tests/e2e/browser/admin.mjs, playwright-core with
// Debian's chromium): an admin signs in through the provider, creates a project, adds a
// redirect URI, edits its access policy (a plain user is then refused with access_denied) and
// its access-token lifetime (seen in expires_in), rotates its secret and registers an app;
// screenshots go to docs/screenshots.
#define BOOST_TEST_MODULE dash_browser_e2e_test
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/URI.h>
#include <boost/test/unit_test.hpp>

#include "support/authd_process.hpp"
#include "support/web_client.hpp"

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;

namespace {

const std::string kAdminToken = "dash-e2e-admin-token-0123456789abcdef0123456789";
const std::string kPassword = "correct horse battery staple";
const std::string kRedirect = "http://127.0.0.1:3000/api/auth/callback";

using authd::test::freePort;
using authd::test::parseObject;
using authd::test::toJson;

const std::string kOneMethod =
    "authenticators:\n  - id: password\n    plugin: password\n    config:\n      min_length: 10\n";

std::string configYaml(const std::filesystem::path& dir, std::uint16_t port,
                       const std::string& registration) {
    const std::string d = dir.string();
    const std::string base = "127.0.0.1:" + std::to_string(port);
    std::string y;
    y += "server:\n";
    y += "  listen: \"" + base + "\"\n";
    y += "  issuer: \"http://" + base + "\"\n";
    y += "  threads: 8\n";
    y += "plugins:\n  paths: [ \"" + authd::test::pluginDir() + "\" ]\n";
    y += "data_dir: \"" + d + "/var\"\n";
    y += "storage:\n  plugin: sqlite\n  config:\n    path: \"" + d + "/var/authd.db\"\n";
    y += kOneMethod;
    if (!registration.empty()) {
        y += "registration: " + registration + "\n";
        y += "mail:\n  plugin: outbox\n  config:\n    dir: \"" + d + "/outbox\"\n";
    }
    y += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
    y += "secrets:\n";
    y += "  master_key_env: \"\"\n";
    y += "  master_key_file: \"" + d + "/var/master.key\"\n";
    y += "  admin_token_env: AUTHD_ADMIN_TOKEN\n";
    y += "  dev_master_key: true\n";
    return y;
}

struct Project {
    std::string client_id;
    std::string client_secret;
    std::string name;
};

struct User {
    std::string id;
    std::string email;
};

class Server {
  public:
    explicit Server(const std::string& registration = {}) {
        for (int attempt = 0;; ++attempt) {
            port_ = freePort();
            config_path_ = dir_.write("authd.yaml", configYaml(dir_.path(), port_, registration));
            AuthdProcess::Options options;
            options.env["AUTHD_ADMIN_TOKEN"] = kAdminToken;
            try {
                process_ = std::make_unique<AuthdProcess>(config_path_, options);
                return;
            } catch (const std::exception& e) {
                if (attempt >= 2 || std::string(e.what()).find("in use") == std::string::npos) {
                    throw;
                }
            }
        }
    }

    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
    AuthdProcess& process() { return *process_; }
    std::filesystem::path outbox() const { return dir_.path() / "outbox"; }

    Poco::JSON::Object::Ptr adminPost(const std::string& path, const Poco::JSON::Object& body) {
        const HttpResult r =
            process_->post("/admin/api/v1" + path, toJson(body), "application/json",
                           {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != 201) {
            throw std::runtime_error("POST /admin/api/v1" + path + " " + toJson(body) +
                                     " -> HTTP " + std::to_string(r.status) + ": " + r.body);
        }
        return parseObject(r.body);
    }

    // A confidential project on kRedirect; `extra` members are added to the request body.
    Project createProject(const std::string& name) {
        return createProject(name, Poco::JSON::Object());
    }
    Project createProject(const std::string& name, const Poco::JSON::Object& extra) {
        Poco::JSON::Object body(extra);
        body.set("name", name + " " + std::to_string(++serial_));
        if (!body.has("redirect_uris")) {
            Poco::JSON::Array uris;
            uris.add(kRedirect);
            body.set("redirect_uris", uris);
        }
        if (!body.has("client_type")) {
            body.set("client_type", "confidential");
        }
        const auto created = adminPost("/projects", body);
        return {created->optValue<std::string>("client_id", ""),
                created->optValue<std::string>("client_secret", ""),
                created->optValue<std::string>("name", "")};
    }

    User createUser(const std::string& role = "user", const std::string& status = "active") {
        const std::string email = "user" + std::to_string(++serial_) + "@example.com";
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", "Test User");
        body.set("role", role);
        body.set("status", status);
        body.set("password", kPassword);
        const auto created = adminPost("/users", body);
        return {created->optValue<std::string>("id", ""), email};
    }

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::string config_path_;
    std::unique_ptr<AuthdProcess> process_;
    int serial_ = 0;
};

Server& server() {
    static Server instance("open");
    return instance;
}

struct ScriptResult {
    int exit_code = -1;
    std::string output;
};

// Runs `program args...` in `directory` with the environment plus `env`, both streams
// captured; killed after `timeout`.
ScriptResult runProgram(const std::string& program, const std::vector<std::string>& args,
                        const std::string& directory, const std::map<std::string, std::string>& env,
                        std::chrono::seconds timeout) {
    Poco::Pipe out_pipe;
    Poco::Pipe err_pipe;
    Poco::Process::Env environment(env.begin(), env.end());
    Poco::ProcessHandle handle =
        Poco::Process::launch(program, args, directory, nullptr, &out_pipe, &err_pipe, environment);
    const int pid = handle.id();
    std::mutex mutex;
    std::string combined;
    auto reader = [&mutex, &combined](Poco::Pipe pipe) {
        char buffer[4096];
        for (;;) {
            int n = 0;
            try {
                n = pipe.readBytes(buffer, sizeof buffer);
            } catch (const Poco::Exception&) {
                n = 0;
            }
            if (n <= 0) {
                return;
            }
            const std::lock_guard<std::mutex> lock(mutex);
            combined.append(buffer, static_cast<std::size_t>(n));
        }
    };
    std::thread out_reader(reader, out_pipe);
    std::thread err_reader(reader, err_pipe);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ScriptResult result;
    bool timed_out = false;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                               : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                     : -1;
            break;
        }
        if (done < 0) {
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline && !timed_out) {
            timed_out = true;
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    out_reader.join();
    err_reader.join();
    result.output = combined;
    if (timed_out) {
        result.output += "\n[killed after " + std::to_string(timeout.count()) + " s]\n";
    }
    return result;
}

std::string onPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream folders(path == nullptr ? "/usr/local/bin:/usr/bin:/bin" : path);
    std::string folder;
    while (std::getline(folders, folder, ':')) {
        const std::filesystem::path candidate = std::filesystem::path(folder) / name;
        if (!folder.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    throw std::runtime_error(name + " is not on PATH (scripts/install-deps.sh --test installs it)");
}

// Screenshots go to the build tree, so a test run leaves the sources as they were; to refresh
// the README's images, run the test with AUTHD_SCREENSHOT_DIR=$PWD/docs/screenshots.
std::string screenshotDir() {
    const char* chosen = std::getenv("AUTHD_SCREENSHOT_DIR");
    return chosen != nullptr && *chosen != '\0' ? std::string(chosen)
                                                  : std::string(AUTHD_DEFAULT_SCREENSHOT_DIR);
}

} // namespace

BOOST_AUTO_TEST_CASE(chromium_admin_creates_and_configures_a_project_and_registers_an_app) {
    Server& target = server();
    const User admin = target.createUser("admin");
    // Refused by the access policy the script sets on its project (admins only).
    const User plain = target.createUser("user");
    const std::string source = AUTHD_SOURCE_DIR;
    const std::map<std::string, std::string> env = {
        {"ISSUER", target.issuer()},
        {"ADMIN_EMAIL", admin.email},
        {"ADMIN_PASSWORD", kPassword},
        {"USER_EMAIL", plain.email},
        {"USER_PASSWORD", kPassword},
        {"SCREENSHOT_DIR", screenshotDir()},
        {"PATH", std::getenv("PATH") == nullptr ? "/usr/bin:/bin" : std::getenv("PATH")},
        {"HOME", std::getenv("HOME") == nullptr ? "/tmp" : std::getenv("HOME")}};
    const ScriptResult result =
        runProgram(onPath("node"), {source + "/tests/e2e/browser/admin.mjs"},
                   source + "/tests/e2e/clients", env, std::chrono::seconds(240));
    BOOST_TEST_MESSAGE(result.output);
    BOOST_TEST(result.exit_code == 0, "admin.mjs exited " << result.exit_code << "\n"
                                                          << result.output << "\n--- authd ---\n"
                                                          << target.process().errors());
}
