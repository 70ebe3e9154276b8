// SPDX-License-Identifier: Apache-2.0
// Independent clients against the real authd binary: the two seeds' integration guides as
// written (Node), a certified relying-party library (openid-client), negative cases, Python's
// Authlib, headless Chromium clicking through the pages, and the examples/seed-app app.
// Each case starts its own authd (SQLite, password authenticator, cheap Argon2id), creates
// projects and users through the bootstrap admin API, runs one script and expects exit 0.
#define BOOST_TEST_MODULE clients_e2e_test
#include <boost/test/unit_test.hpp>

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

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include "support/authd_process.hpp"
#include "support/web_client.hpp"

#ifndef AUTHD_SOURCE_DIR
#error "AUTHD_SOURCE_DIR must name the source tree"
#endif

using authd::test::AuthdProcess;
using authd::test::freePort;
using authd::test::HttpResult;
using authd::test::parseObject;
using authd::test::TempDir;
using authd::test::toJson;

namespace {

const std::string kSourceDir = AUTHD_SOURCE_DIR;
const std::string kClientsDir = kSourceDir + "/tests/e2e/clients";

// Screenshots go to the build tree, so a test run leaves the sources as they were; to refresh
// the README's images, run the test with AUTHD_SCREENSHOT_DIR=$PWD/docs/screenshots.
std::string screenshotDir() {
    const char* chosen = std::getenv("AUTHD_SCREENSHOT_DIR");
    return chosen != nullptr && *chosen != '\0' ? std::string(chosen)
                                                  : std::string(AUTHD_DEFAULT_SCREENSHOT_DIR);
}

const std::string kAdminToken = "e2e-admin-token-0123456789abcdef0123456789abcdef";
const std::string kPassword = "correct horse battery staple";

std::string configYaml(const std::filesystem::path& dir, std::uint16_t port,
                       const std::string& tokens_extra) {
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
    y += "authenticators:\n  - id: password\n    plugin: password\n    config:\n      min_length: 10\n";
    y += "tokens:\n  access_ttl: 5m\n  refresh_ttl: 7d\n  code_ttl: 60s\n" + tokens_extra;
    y += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
    y += "secrets:\n";
    y += "  master_key_env: \"\"\n";
    y += "  master_key_file: \"" + d + "/var/master.key\"\n";
    y += "  admin_token_env: AUTHD_ADMIN_TOKEN\n";
    y += "  dev_master_key: true\n";
    y += "logging:\n  level: info\n";
    return y;
}

Poco::JSON::Array uriList(const std::vector<std::string>& uris) {
    Poco::JSON::Array list;
    for (const auto& uri : uris) {
        list.add(uri);
    }
    return list;
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
            result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
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

struct Project {
    std::string client_id;
    std::string client_secret;
    std::string signing_key;
};

struct User {
    std::string id;
    std::string email;
    std::string name;
    std::string role;
};

// One authd on its own port and data folder, plus helpers for the bootstrap admin API.
class Server {
public:
    explicit Server(const std::string& tokens_extra = "refresh_grace: 0s\n") {
        const std::string tokens = tokens_extra.empty() ? std::string{} : "  " + tokens_extra;
        for (int attempt = 0;; ++attempt) {
            port_ = freePort();
            config_path_ = dir_.write("authd.yaml", configYaml(dir_.path(), port_, tokens));
            AuthdProcess::Options options;
            options.env["AUTHD_ADMIN_TOKEN"] = kAdminToken;
            try {
                process_ = std::make_unique<AuthdProcess>(config_path_, options);
                return;
            } catch (const std::exception& e) {
                // Another process may have taken the port between freePort() and the bind.
                if (attempt >= 2 || std::string(e.what()).find("in use") == std::string::npos) {
                    throw;
                }
            }
        }
    }

    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
    AuthdProcess& process() { return *process_; }

    Poco::JSON::Object::Ptr adminPost(const std::string& path, const Poco::JSON::Object& body) {
        const HttpResult r = process_->post("/admin/api/v1" + path, toJson(body), "application/json",
                                            {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != 201) {
            throw std::runtime_error("POST /admin/api/v1" + path + " " + toJson(body) + " -> HTTP " +
                                     std::to_string(r.status) + ": " + r.body);
        }
        return parseObject(r.body);
    }

    // `extra` adds or overrides fields of the request (any JSON value).
    Project createProject(const std::string& name, const std::vector<std::string>& redirect_uris,
                          const std::map<std::string, Poco::Dynamic::Var>& extra = {}) {
        Poco::JSON::Object body;
        body.set("name", name);
        body.set("redirect_uris", uriList(redirect_uris));
        body.set("client_type", "confidential");
        for (const auto& [key, value] : extra) {
            body.set(key, value);
        }
        const auto created = adminPost("/projects", body);
        return {created->optValue<std::string>("client_id", ""),
                created->optValue<std::string>("client_secret", ""),
                created->optValue<std::string>("signing_key", "")};
    }

    User createUser(const std::string& email, const std::string& name,
                    const std::string& role = "user") {
        Poco::JSON::Object body;
        body.set("email", email);
        body.set("name", name);
        body.set("role", role);
        body.set("status", "active");
        body.set("password", kPassword);
        const auto created = adminPost("/users", body);
        return {created->optValue<std::string>("id", ""), email, name, role};
    }

    // The usual environment of a script: issuer, one project, one user.
    std::map<std::string, std::string> scriptEnv(const Project& project, const User& user,
                                                 const std::string& redirect_uri) const {
        return {{"ISSUER", issuer()},
                {"ADMIN_TOKEN", kAdminToken},
                {"CLIENT_ID", project.client_id},
                {"CLIENT_SECRET", project.client_secret},
                {"SIGNING_KEY", project.signing_key},
                {"REDIRECT_URI", redirect_uri},
                {"USER_EMAIL", user.email},
                {"USER_PASSWORD", kPassword},
                {"USER_ID", user.id},
                {"USER_NAME", user.name},
                {"USER_ROLE", user.role}};
    }

private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::string config_path_;
    std::unique_ptr<AuthdProcess> process_;
};

std::string callbackUri() { return "http://127.0.0.1:" + std::to_string(freePort()) + "/callback"; }

void expectScriptPasses(Server& server, const std::string& program, const std::string& script,
                        const std::map<std::string, std::string>& env,
                        std::chrono::seconds timeout = std::chrono::seconds(120)) {
    BOOST_TEST_MESSAGE("running " << program << " " << script);
    const ScriptResult result = runProgram(program, {script}, kClientsDir, env, timeout);
    BOOST_TEST_MESSAGE(result.output);
    BOOST_TEST(result.exit_code == 0, script << " exited " << result.exit_code << "\n--- script output ---\n"
                                             << result.output << "\n--- authd stderr (tail) ---\n"
                                             << server.process().errors().substr(
                                                    server.process().errors().size() > 4000
                                                        ? server.process().errors().size() - 4000
                                                        : 0));
}

// `name` looked up on PATH (node may live outside /usr/bin on a developer machine).
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

std::string node() { return onPath("node"); }

}  // namespace

BOOST_AUTO_TEST_CASE(first_seed_quick_start_works_verbatim) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject("Seed one app", {redirect});
    const User user = server.createUser("ada@example.com", "Ada Lovelace", "admin");
    auto env = server.scriptEnv(project, user, redirect);
    expectScriptPasses(server, node(), kClientsDir + "/seed1_quickstart.mjs", env);
}

BOOST_AUTO_TEST_CASE(second_seed_integration_guide_works_verbatim) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject("Seed two app", {redirect});
    const User user = server.createUser("jane@example.com", "Jane Doe");
    expectScriptPasses(server, node(), kClientsDir + "/seed2_flow.mjs",
                       server.scriptEnv(project, user, redirect));
}

BOOST_AUTO_TEST_CASE(openid_client_accepts_rs256_id_tokens) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject(
        "openid-client RS256", {redirect},
        {{"id_token_signed_response_alg", std::string("RS256")},
         {"post_logout_redirect_uris", uriList({redirect + "/signed-out"})}});
    const User user = server.createUser("grace@example.com", "Grace Hopper");
    auto env = server.scriptEnv(project, user, redirect);
    env["ID_TOKEN_ALG"] = "RS256";
    env["POST_LOGOUT_REDIRECT_URI"] = redirect + "/signed-out";
    expectScriptPasses(server, node(), kClientsDir + "/openid_client.mjs", env);
}

BOOST_AUTO_TEST_CASE(openid_client_accepts_hs256_id_tokens) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject(
        "openid-client HS256", {redirect},
        {{"id_token_signed_response_alg", std::string("HS256")},
         {"post_logout_redirect_uris", uriList({redirect + "/signed-out"})}});
    const User user = server.createUser("grace@example.com", "Grace Hopper");
    auto env = server.scriptEnv(project, user, redirect);
    env["ID_TOKEN_ALG"] = "HS256";
    env["POST_LOGOUT_REDIRECT_URI"] = redirect + "/signed-out";
    expectScriptPasses(server, node(), kClientsDir + "/openid_client.mjs", env);
}

BOOST_AUTO_TEST_CASE(openid_client_public_client_uses_pkce_without_a_secret) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject(
        "Public SPA", {redirect},
        {{"client_type", std::string("public")},
         {"post_logout_redirect_uris", uriList({redirect + "/signed-out"})}});
    BOOST_TEST(project.client_secret.empty());
    const User user = server.createUser("grace@example.com", "Grace Hopper");
    auto env = server.scriptEnv(project, user, redirect);
    env.erase("CLIENT_SECRET");
    env["ID_TOKEN_ALG"] = "RS256";  // public clients have no secret to key HS256 with
    env["CLIENT_AUTH"] = "none";
    env["POST_LOGOUT_REDIRECT_URI"] = redirect + "/signed-out";
    expectScriptPasses(server, node(), kClientsDir + "/openid_client.mjs", env);
}

BOOST_AUTO_TEST_CASE(bad_tokens_and_token_endpoint_errors_are_refused) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject("Negative app", {redirect});
    const Project other = server.createProject("Other app", {redirect});
    const Project public_client =
        server.createProject("Public app", {redirect}, {{"client_type", std::string("public")}});
    Poco::JSON::Array code_only;
    code_only.add("authorization_code");
    const Project limited =
        server.createProject("Code-only app", {redirect}, {{"grant_types", code_only}});
    const User user = server.createUser("mallory@example.com", "Mallory Example");
    auto env = server.scriptEnv(project, user, redirect);
    env["PUBLIC_CLIENT_ID"] = public_client.client_id;
    env["LIMITED_CLIENT_ID"] = limited.client_id;
    env["LIMITED_CLIENT_SECRET"] = limited.client_secret;
    env["OTHER_CLIENT_ID"] = other.client_id;
    env["OTHER_CLIENT_SECRET"] = other.client_secret;
    env["OTHER_SIGNING_KEY"] = other.signing_key;
    expectScriptPasses(server, node(), kClientsDir + "/negative.mjs", env);
}

BOOST_AUTO_TEST_CASE(python_authlib_client_works) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject("Authlib app", {redirect});
    const User user = server.createUser("guido@example.com", "Guido Example");
    expectScriptPasses(server, "/usr/bin/python3", kSourceDir + "/tests/e2e/python/authlib_flow.py",
                       server.scriptEnv(project, user, redirect));
}

BOOST_AUTO_TEST_CASE(chromium_signs_in_by_clicking) {
    Server server;
    const std::string redirect = callbackUri();
    const Project project = server.createProject("Example app", {redirect});
    const User user = server.createUser("tim@example.com", "Tim Example");
    auto env = server.scriptEnv(project, user, redirect);
    env["SCREENSHOT_DIR"] = screenshotDir();
    expectScriptPasses(server, node(), kSourceDir + "/tests/e2e/browser/signin.mjs", env,
                       std::chrono::seconds(240));
}

BOOST_AUTO_TEST_CASE(seed_app_example_signs_a_user_in) {
    Server server;
    const std::uint16_t app_port = freePort();
    const std::string app_url = "http://127.0.0.1:" + std::to_string(app_port);
    const std::string redirect = app_url + "/api/auth/callback";
    const Project project = server.createProject("Seed app example", {redirect});
    const User user = server.createUser("linus@example.com", "Linus Example");
    auto env = server.scriptEnv(project, user, redirect);
    env["APP_URL"] = app_url;
    env["APP_PORT"] = std::to_string(app_port);
    env["APP_DIR"] = kSourceDir + "/examples/seed-app";
    expectScriptPasses(server, node(), kClientsDir + "/seed_app.mjs", env, std::chrono::seconds(180));
}
