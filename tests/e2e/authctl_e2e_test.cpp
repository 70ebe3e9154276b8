// SPDX-License-Identifier: Apache-2.0
// authctl, the real binary, in both modes: directly on the configured store while the server
// is down (bootstrap), and against a running server's admin API; tables, --json, exit codes.
// With `-- --pg-dsn-file=FILE` (CTest authctl_e2e_test_postgresql) both modes run against
// PostgreSQL, each in a database of its own on that server.
#define BOOST_TEST_MODULE authctl_e2e_test
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include "crypto/random.hpp"
#include "support/authd_process.hpp"
#include "support/store_argument.hpp"

#ifndef AUTHCTL_BINARY
#error "AUTHCTL_BINARY must name the authctl executable"
#endif

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;

namespace {

const std::string kAdminToken = "authctl-e2e-token-0123456789abcdef0123456789abcdef";
const std::string kRedirect = "http://127.0.0.1:3000/callback";

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

std::string quoted(const std::string& arg) {
    std::string out = "'";
    for (char c : arg) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs authctl with exactly `env` (plus PATH) and `stdin_text` on its standard input.
Run authctl(const TempDir& dir, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env = {},
            const std::string& stdin_text = {}) {
    const std::string in = (dir.path() / "authctl.in").string();
    const std::string out = (dir.path() / "authctl.out").string();
    const std::string err = (dir.path() / "authctl.err").string();
    std::ofstream(in) << stdin_text;
    std::string command = "env -i PATH=/usr/bin:/bin";
    for (const auto& [name, value] : env) {
        command += " " + quoted(name + "=" + value);
    }
    command += " " + quoted(AUTHCTL_BINARY);
    for (const auto& arg : args) {
        command += " " + quoted(arg);
    }
    command += " <" + quoted(in) + " >" + quoted(out) + " 2>" + quoted(err);
    const int status = std::system(command.c_str());
    Run run;
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("not a JSON object (" + e.displayText() + "): " + text);
    }
}

std::string str(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object->has(name) || object->isNull(name)) {
        return "<absent>";
    }
    return object->getValue<std::string>(name);
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// `database`: the PostgreSQL database the config uses when the test runs on PostgreSQL.
std::string configYaml(const TempDir& dir, const std::string& database) {
    std::string yaml =
        authd::test::testConfigYaml(dir.path(), authd::test::storageFromArguments(database));
    yaml += "authenticators:\n  - id: password\n    plugin: password\n    config:\n      "
            "min_length: 10\n";
    return yaml;
}

HttpResult clientCredentials(AuthdProcess& server, const std::string& client_id,
                             const std::string& secret) {
    return server.post("/oauth/token", "grant_type=client_credentials&client_id=" + client_id +
                                           "&client_secret=" + secret);
}

/// A server with its own store, shared by the API-mode cases.
struct Running {
    TempDir dir;
    std::unique_ptr<AuthdProcess> authd;
    std::map<std::string, std::string> env;
};

Running& running() {
    static const std::unique_ptr<Running> made = [] {
        auto r = std::make_unique<Running>();
        const std::string path =
            r->dir.write("authd.yaml", configYaml(r->dir, "authd_authctl_e2e"));
        AuthdProcess::Options options;
        options.env = {{"AUTHD_ADMIN_TOKEN", kAdminToken}};
        r->authd = std::make_unique<AuthdProcess>(path, options);
        r->env = {{"AUTHD_URL", "http://127.0.0.1:" + std::to_string(r->authd->port())},
                  {"AUTHD_ADMIN_TOKEN", kAdminToken}};
        return r;
    }();
    return *made;
}

} // namespace

BOOST_AUTO_TEST_CASE(runs_on_the_requested_store) {
    const std::string plugin = authd::test::onPostgresql() ? "postgresql" : "sqlite";
    BOOST_TEST(contains(running().authd->output(), "\"plugin\":\"" + plugin + "\""));
}

BOOST_AUTO_TEST_CASE(direct_mode_bootstraps_an_admin_and_a_project_before_the_server_starts) {
    TempDir dir;
    const std::string config = dir.write("authd.yaml", configYaml(dir, "authd_authctl_e2e_direct"));
    const Run user = authctl(dir,
                             {"--config", config, "users", "create", "--email", "Root@Example.com",
                              "--role", "admin", "--email-verified", "--password-stdin"},
                             {}, "a long admin passphrase\n");
    BOOST_TEST_REQUIRE(user.code == 0, user.err);
    BOOST_TEST(contains(user.out, "root@example.com"), user.out);
    BOOST_TEST(contains(user.out, "admin"));

    const Run project = authctl(dir, {"--config", config, "--json", "projects", "create", "--name",
                                      "Boot App", "--redirect-uri", kRedirect});
    BOOST_TEST_REQUIRE(project.code == 0, project.err);
    const auto created = json(project.out);
    const std::string client_id = str(created, "client_id");
    const std::string secret = str(created, "client_secret");
    BOOST_TEST(client_id.rfind("proj_boot_app", 0) == 0U, client_id);
    BOOST_TEST(secret.size() == 64U);

    // A provider key rotated on the store directly comes with exactly one audit event naming it.
    const Run rotated =
        authctl(dir, {"--config", config, "--json", "keys", "rotate", "--alg", "ES256"});
    BOOST_TEST_REQUIRE(rotated.code == 0, rotated.err);
    const std::string kid = str(json(rotated.out), "kid");
    const Run rotations =
        authctl(dir, {"--config", config, "--json", "audit", "list", "--type", "key.rotated"});
    BOOST_TEST_REQUIRE(rotations.code == 0, rotations.err);
    const auto rotation_events = json(rotations.out)->getArray("items");
    BOOST_TEST_REQUIRE(rotation_events->size() == 1U, rotations.out);
    BOOST_TEST(str(rotation_events->getObject(0)->getObject("detail"), "kid") == kid);

    // A refused input is the API's own 400, exit 1.
    const Run refused = authctl(dir, {"--config", config, "users", "create", "--email", "nope"});
    BOOST_TEST(refused.code == 1);
    BOOST_TEST(contains(refused.err, "400: email"), refused.err);

    AuthdProcess::Options options;
    options.env = {{"AUTHD_ADMIN_TOKEN", kAdminToken}};
    AuthdProcess server(config, options);
    BOOST_TEST(clientCredentials(server, client_id, secret).status == 200);
    const HttpResult users = server.get("/admin/api/v1/users?email=root%40example.com",
                                        {{"Authorization", "Bearer " + kAdminToken}});
    BOOST_TEST_REQUIRE(users.status == 200, users.body);
    const auto items = json(users.body)->getArray("items");
    BOOST_TEST_REQUIRE(items->size() == 1U);
    BOOST_TEST(str(items->getObject(0), "role") == "admin");
    // The bootstrap is audited with authctl as the actor.
    const HttpResult audit =
        server.get("/admin/api/v1/audit-events?type=project.created&project=" + client_id,
                   {{"Authorization", "Bearer " + kAdminToken}});
    BOOST_TEST(contains(audit.body, "\"actor\":\"authctl\""), audit.body);
    // The server publishes the key rotated before it started.
    BOOST_TEST(contains(server.get("/oauth/jwks").body, "\"" + kid + "\""));
}

BOOST_AUTO_TEST_CASE(api_mode_lists_creates_and_rotates_with_tables_and_json) {
    Running& r = running();
    const Run created = authctl(r.dir,
                                {"projects", "create", "--name", "Api Mode", "--redirect-uri",
                                 kRedirect, "--scope", "openid", "--scope", "email"},
                                r.env);
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    // Key/value lines for one object.
    BOOST_TEST(contains(created.out, "client_secret  "), created.out);
    std::string client_id;
    std::string secret;
    std::istringstream lines(created.out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string key;
        std::string value;
        words >> key >> value;
        if (key == "client_id") {
            client_id = value;
        }
        if (key == "client_secret") {
            secret = value;
        }
    }
    BOOST_TEST_REQUIRE(!client_id.empty());
    BOOST_TEST(clientCredentials(*r.authd, client_id, secret).status == 200);

    const Run table = authctl(r.dir, {"projects", "list"}, r.env);
    BOOST_TEST_REQUIRE(table.code == 0, table.err);
    BOOST_TEST(table.out.rfind("CLIENT ID", 0) == 0U, table.out);
    BOOST_TEST(contains(table.out, client_id));
    BOOST_TEST(contains(table.out, "Api Mode"));

    const Run listed = authctl(r.dir, {"--json", "projects", "list", "--limit", "200"}, r.env);
    BOOST_TEST_REQUIRE(listed.code == 0, listed.err);
    BOOST_TEST(contains(listed.out, "\"client_id\":\"" + client_id + "\""));
    BOOST_TEST(json(listed.out)->getArray("items")->size() >= 1U);

    const Run rotated = authctl(r.dir, {"projects", "rotate-secret", client_id, "--json"}, r.env);
    BOOST_TEST_REQUIRE(rotated.code == 0, rotated.err);
    const std::string fresh = str(json(rotated.out), "client_secret");
    BOOST_TEST(fresh != secret);
    BOOST_TEST(clientCredentials(*r.authd, client_id, secret).status == 401);
    BOOST_TEST(clientCredentials(*r.authd, client_id, fresh).status == 200);

    const std::string email = "api-" + authd::crypto::randomHex(4) + "@example.com";
    const Run user = authctl(r.dir, {"--json", "users", "create", "--email", email}, r.env);
    BOOST_TEST_REQUIRE(user.code == 0, user.err);
    const std::string user_id = str(json(user.out), "id");
    const Run users = authctl(r.dir, {"users", "list", "--email", email}, r.env);
    BOOST_TEST(users.code == 0);
    BOOST_TEST(users.out.rfind("ID", 0) == 0U, users.out);
    BOOST_TEST(contains(users.out, user_id));
    const Run suspended =
        authctl(r.dir, {"users", "update", user_id, "--status", "suspended"}, r.env);
    BOOST_TEST(suspended.code == 0, suspended.err);
    BOOST_TEST(contains(suspended.out, "suspended"));
    const Run audit = authctl(r.dir, {"audit", "list", "--user", user_id}, r.env);
    BOOST_TEST(audit.code == 0, audit.err);
    BOOST_TEST(contains(audit.out, "user.suspended"), audit.out);
    BOOST_TEST(authctl(r.dir, {"sessions", "list", user_id}, r.env).code == 0);
    BOOST_TEST(authctl(r.dir, {"users", "unlock", user_id}, r.env).code == 0);
    BOOST_TEST(authctl(r.dir, {"users", "delete", user_id}, r.env).code == 0);
    const Run gone = authctl(r.dir, {"users", "get", user_id}, r.env);
    BOOST_TEST(gone.code == 1);
    BOOST_TEST(contains(gone.err, "404"), gone.err);
}

BOOST_AUTO_TEST_CASE(keys_rotate_publishes_the_new_and_the_old_key) {
    Running& r = running();
    const HttpResult before = r.authd->get("/oauth/jwks");
    BOOST_TEST_REQUIRE(before.status == 200);
    const auto old_keys = json(before.body)->getArray("keys");
    std::vector<std::string> old_rs256;
    for (std::size_t i = 0; i < old_keys->size(); ++i) {
        const auto key = old_keys->getObject(static_cast<unsigned>(i));
        if (str(key, "alg") == "RS256") {
            old_rs256.push_back(str(key, "kid"));
        }
    }
    BOOST_TEST_REQUIRE(!old_rs256.empty());
    const Run rotated = authctl(r.dir, {"--json", "keys", "rotate", "--alg", "RS256"}, r.env);
    BOOST_TEST_REQUIRE(rotated.code == 0, rotated.err);
    const std::string kid = str(json(rotated.out), "kid");
    const HttpResult after = r.authd->get("/oauth/jwks");
    BOOST_TEST(contains(after.body, "\"" + kid + "\""), after.body);
    for (const auto& old : old_rs256) {
        BOOST_TEST(old != kid);
        BOOST_TEST(contains(after.body, "\"" + old + "\""));
    }
    const Run table = authctl(r.dir, {"keys", "list"}, r.env);
    BOOST_TEST(table.code == 0);
    BOOST_TEST(table.out.rfind("KID", 0) == 0U, table.out);
    BOOST_TEST(contains(table.out, kid));
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_and_failures_exit_1) {
    TempDir dir;
    BOOST_TEST(authctl(dir, {}).code == 2);
    BOOST_TEST(authctl(dir, {"--url", "http://127.0.0.1:1", "planets", "list"}).code == 2);
    BOOST_TEST(authctl(dir, {"--url", "http://127.0.0.1:1", "projects", "explode"}).code == 2);
    BOOST_TEST(authctl(dir, {"--url", "http://127.0.0.1:1", "projects", "get"}).code == 2);
    BOOST_TEST(
        authctl(dir, {"--url", "http://127.0.0.1:1", "projects", "list", "--colour", "red"}).code ==
        2);
    BOOST_TEST(authctl(dir, {"projects", "list"}).code == 2); // neither --url nor --config
    const Run help = authctl(dir, {"--help"});
    BOOST_TEST(help.code == 0);
    BOOST_TEST(contains(help.out, "usage: authctl"));

    const Run no_token = authctl(dir, {"--url", "http://127.0.0.1:1", "projects", "list"});
    BOOST_TEST(no_token.code == 1);
    BOOST_TEST(contains(no_token.err, "AUTHD_ADMIN_TOKEN"), no_token.err);
    const Run unreachable = authctl(dir, {"--url", "http://127.0.0.1:1", "projects", "list"},
                                    {{"AUTHD_ADMIN_TOKEN", "x"}});
    BOOST_TEST(unreachable.code == 1);
    BOOST_TEST(!unreachable.err.empty());
    const Run bad_config =
        authctl(dir, {"--config", (dir.path() / "missing.yaml").string(), "projects", "list"});
    BOOST_TEST(bad_config.code == 1);
    BOOST_TEST(!bad_config.err.empty());

    Running& r = running();
    const Run wrong_token =
        authctl(r.dir, {"projects", "list"},
                {{"AUTHD_URL", r.env.at("AUTHD_URL")}, {"AUTHD_ADMIN_TOKEN", "wrong"}});
    BOOST_TEST(wrong_token.code == 1);
    BOOST_TEST(contains(wrong_token.err, "401"), wrong_token.err);
}

BOOST_AUTO_TEST_CASE(invites_create_list_delete_in_both_modes) {
    Running& r = running();
    const Run made = authctl(r.dir, {"--json", "invites", "create"}, r.env);
    BOOST_TEST_REQUIRE(made.code == 0, made.err);
    const std::string id = str(json(made.out), "id");
    const std::string code = str(json(made.out), "code");
    BOOST_TEST_REQUIRE(id.size() == 16U, made.out);
    BOOST_TEST(!code.empty());
    const Run table = authctl(r.dir, {"invites", "list", "--limit", "200"}, r.env);
    BOOST_TEST_REQUIRE(table.code == 0, table.err);
    BOOST_TEST(table.out.rfind("ID", 0) == 0U, table.out);
    BOOST_TEST(contains(table.out, id));
    BOOST_TEST(!contains(table.out, code));
    BOOST_TEST(authctl(r.dir, {"invites", "delete", id}, r.env).code == 0);
    BOOST_TEST(!contains(authctl(r.dir, {"invites", "list"}, r.env).out, id));
    const Run gone = authctl(r.dir, {"invites", "delete", id}, r.env);
    BOOST_TEST(gone.code == 1);
    BOOST_TEST(contains(gone.err, "404"), gone.err);
    const Run malformed = authctl(r.dir, {"invites", "delete", "xyz"}, r.env);
    BOOST_TEST(malformed.code == 1);
    BOOST_TEST(contains(malformed.err, "400: id"), malformed.err);
    BOOST_TEST(authctl(r.dir, {"invites", "delete"}, r.env).code == 2);
    BOOST_TEST(authctl(r.dir, {"invites", "create", "extra"}, r.env).code == 2);
    BOOST_TEST(authctl(r.dir, {"invites", "list", "--colour", "red"}, r.env).code == 2);

    // Directly on the store, with the server down; the server then sees the same invites.
    TempDir dir;
    const std::string config =
        dir.write("authd.yaml", configYaml(dir, "authd_authctl_e2e_invites"));
    const Run direct = authctl(dir, {"--config", config, "--json", "invites", "create"});
    BOOST_TEST_REQUIRE(direct.code == 0, direct.err);
    const std::string direct_id = str(json(direct.out), "id");
    BOOST_TEST(str(json(direct.out), "actor") == "authctl");
    const Run kept = authctl(dir, {"--config", config, "--json", "invites", "create"});
    BOOST_TEST_REQUIRE(kept.code == 0, kept.err);
    const std::string kept_id = str(json(kept.out), "id");
    const Run direct_list = authctl(dir, {"--config", config, "invites", "list"});
    BOOST_TEST(direct_list.code == 0, direct_list.err);
    BOOST_TEST(contains(direct_list.out, direct_id));
    BOOST_TEST(contains(direct_list.out, "authctl"));
    BOOST_TEST(authctl(dir, {"--config", config, "invites", "delete", direct_id}).code == 0);
    BOOST_TEST(authctl(dir, {"--config", config, "invites", "delete", direct_id}).code == 1);
    AuthdProcess::Options options;
    options.env = {{"AUTHD_ADMIN_TOKEN", kAdminToken}};
    AuthdProcess server(config, options);
    const HttpResult listed =
        server.get("/admin/api/v1/invites", {{"Authorization", "Bearer " + kAdminToken}});
    BOOST_TEST_REQUIRE(listed.status == 200, listed.body);
    BOOST_TEST(contains(listed.body, kept_id));
    BOOST_TEST(!contains(listed.body, direct_id));
    const HttpResult audit = server.get("/admin/api/v1/audit-events?type=invite.withdrawn",
                                        {{"Authorization", "Bearer " + kAdminToken}});
    BOOST_TEST(contains(audit.body, direct_id), audit.body);
}
