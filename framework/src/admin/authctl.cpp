// SPDX-License-Identifier: Apache-2.0
// authctl: every command becomes one admin API request (method, path, JSON body), sent over
// HTTP or dispatched in process; so both modes validate and answer exactly alike.
#include "admin/authctl.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include "admin/api.hpp"
#include "app/http_client.hpp"
#include "app/server.hpp"
#include "config/authd_config.hpp"
#include "crypto/random.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "oauth/provider.hpp"

namespace authd::admin {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: authctl (--url URL | --config FILE) [--json] <group> <command> [args]\n"
    "\n"
    "  --url URL        a running server (default: $AUTHD_URL); token from $AUTHD_ADMIN_TOKEN\n"
    "  --config FILE    work directly on the configured store (server may be down)\n"
    "  --json           print the API's JSON instead of a table\n"
    "\n"
    "  projects list [--limit N] [--cursor C] [--owner USER_ID]\n"
    "  projects get CLIENT_ID\n"
    "  projects create --name NAME [--redirect-uri URI]... [--client-type confidential|public]\n"
    "                  [--description TEXT] [--scope S]... [--grant G]... [--skip-consent]\n"
    "                  [--data JSON]\n"
    "  projects update CLIENT_ID [--name NAME] [--description TEXT] [--redirect-uri URI]...\n"
    "                  [--data JSON]\n"
    "  projects delete CLIENT_ID\n"
    "  projects rotate-secret CLIENT_ID\n"
    "  projects rotate-signing-key CLIENT_ID [--grace DURATION]\n"
    "  users list [--email TEXT] [--limit N] [--cursor C]\n"
    "  users get USER_ID\n"
    "  users create --email EMAIL [--name NAME] [--role ROLE] [--status STATUS]\n"
    "               [--password PW | --password-stdin] [--pin PIN] [--email-verified]\n"
    "  users update USER_ID [--email E] [--name N] [--role R] [--status S] [--data JSON]\n"
    "  users delete USER_ID\n"
    "  users set-password USER_ID (--password PW | --password-stdin)\n"
    "  users set-pin USER_ID --pin PIN\n"
    "  users unlock USER_ID\n"
    "  sessions list USER_ID\n"
    "  sessions revoke (SESSION_ID | --user USER_ID)\n"
    "  audit list [--user ID] [--project ID] [--type T] [--since UNIX] [--until UNIX]\n"
    "             [--limit N] [--cursor C]\n"
    "  keys list\n"
    "  keys rotate [--alg RS256|ES256|EdDSA] [--keep-for DURATION]\n"
    "  invites list [--limit N] [--cursor C]\n"
    "  invites create\n"
    "  invites delete INVITE_ID\n";

struct UsageError {
    std::string message;
};

/// One admin API request.
struct Call {
    std::string method;
    std::string path; ///< under /admin/api/v1, with its query
    std::string body; ///< JSON, empty for none
};

struct Reply {
    int status = 0;
    std::string body;
};

/// The arguments after the subcommand: positionals and --options (repeatable).
class Args {
  public:
    Args(const std::vector<std::string>& args, const std::vector<std::string>& flags,
         const std::vector<std::string>& valued) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (arg.rfind("--", 0) != 0) {
                positional_.push_back(arg);
                continue;
            }
            std::string name = arg.substr(2);
            std::optional<std::string> inline_value;
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inline_value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            if (std::find(flags.begin(), flags.end(), name) != flags.end() && !inline_value) {
                values_[name].push_back("true");
            } else if (std::find(valued.begin(), valued.end(), name) != valued.end()) {
                if (inline_value) {
                    values_[name].push_back(*inline_value);
                } else if (i + 1 < args.size()) {
                    values_[name].push_back(args[++i]);
                } else {
                    throw UsageError{"--" + name + " needs a value"};
                }
            } else {
                throw UsageError{"unknown option: " + arg};
            }
        }
    }

    const std::vector<std::string>& positional() const { return positional_; }
    std::string one(std::size_t count_expected, const std::string& what) const {
        if (positional_.size() != count_expected) {
            throw UsageError{"expected " + what};
        }
        return positional_.empty() ? std::string() : positional_.back();
    }
    std::optional<std::string> value(const std::string& name) const {
        auto found = values_.find(name);
        if (found == values_.end()) {
            return std::nullopt;
        }
        return found->second.back();
    }
    std::vector<std::string> values(const std::string& name) const {
        auto found = values_.find(name);
        return found == values_.end() ? std::vector<std::string>() : found->second;
    }
    bool flag(const std::string& name) const { return values_.count(name) != 0; }

  private:
    std::vector<std::string> positional_;
    std::map<std::string, std::vector<std::string>> values_;
};

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

Poco::JSON::Object::Ptr dataObject(const Args& args) {
    const auto data = args.value("data");
    if (!data) {
        return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    }
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(*data).extract<Poco::JSON::Object::Ptr>();
        if (parsed) {
            return parsed;
        }
    } catch (const std::exception&) {
    }
    throw UsageError{"--data must be a JSON object"};
}

Poco::JSON::Array::Ptr array(const std::vector<std::string>& items) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array();
    for (const auto& item : items) {
        out->add(item);
    }
    return out;
}

std::string queryOf(const std::vector<std::pair<std::string, std::optional<std::string>>>& params) {
    std::string query;
    for (const auto& [name, value] : params) {
        if (!value) {
            continue;
        }
        std::string encoded;
        Poco::URI::encode(*value, "!#$&'()*+,/:;=?@[]%\" <>", encoded);
        query += (query.empty() ? "?" : "&") + name + "=" + encoded;
    }
    return query;
}

std::string pathSegment(const std::string& id) {
    std::string encoded;
    Poco::URI::encode(id, "!#$&'()*+,/:;=?@[]%\" <>", encoded);
    return encoded;
}

std::string readSecretLine(std::istream& in) {
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

/// What to print: the columns of a list, or nothing for key/value output.
struct Shape {
    std::vector<std::string> columns;
    bool list = false;
};

Call buildCall(const std::string& group, const std::string& command,
               const std::vector<std::string>& rest, Shape& shape) {
    if (group == "projects") {
        shape.columns = {"client_id", "name", "client_type", "redirect_uris", "owner_id"};
        if (command == "list") {
            const Args a(rest, {}, {"limit", "cursor", "owner"});
            a.one(0, "no arguments");
            shape.list = true;
            return {"GET",
                    "/projects" + queryOf({{"limit", a.value("limit")},
                                           {"cursor", a.value("cursor")},
                                           {"owner", a.value("owner")}}),
                    {}};
        }
        if (command == "get" || command == "delete" || command == "rotate-secret") {
            const Args a(rest, {}, {});
            const std::string id = pathSegment(a.one(1, "CLIENT_ID"));
            if (command == "get") {
                return {"GET", "/projects/" + id, {}};
            }
            if (command == "delete") {
                return {"DELETE", "/projects/" + id, {}};
            }
            return {"POST", "/projects/" + id + "/rotate-secret", {}};
        }
        if (command == "rotate-signing-key") {
            const Args a(rest, {}, {"grace"});
            const std::string id = pathSegment(a.one(1, "CLIENT_ID"));
            Poco::JSON::Object body;
            if (auto grace = a.value("grace")) {
                body.set("grace", *grace);
            }
            return {"POST", "/projects/" + id + "/rotate-signing-key", stringify(body)};
        }
        if (command == "create" || command == "update") {
            const Args a(
                rest, {"skip-consent"},
                {"name", "description", "redirect-uri", "client-type", "scope", "grant", "data"});
            auto body = dataObject(a);
            if (auto v = a.value("name")) {
                body->set("name", *v);
            }
            if (auto v = a.value("description")) {
                body->set("description", *v);
            }
            if (a.flag("redirect-uri")) {
                body->set("redirect_uris", array(a.values("redirect-uri")));
            }
            if (a.flag("scope")) {
                body->set("scopes", array(a.values("scope")));
            }
            if (a.flag("grant")) {
                body->set("grant_types", array(a.values("grant")));
            }
            if (a.flag("skip-consent")) {
                body->set("skip_consent", true);
            }
            if (command == "create") {
                a.one(0, "no positional arguments (use --name)");
                if (auto v = a.value("client-type")) {
                    body->set("client_type", *v);
                }
                if (!body->has("redirect_uris")) {
                    body->set("redirect_uris", array({}));
                }
                return {"POST", "/projects", stringify(*body)};
            }
            if (a.flag("client-type")) {
                throw UsageError{"a project's client type cannot change"};
            }
            const std::string id = pathSegment(a.one(1, "CLIENT_ID"));
            return {"PATCH", "/projects/" + id, stringify(*body)};
        }
    } else if (group == "users") {
        shape.columns = {"id", "email", "name", "role", "status", "email_verified"};
        if (command == "list") {
            const Args a(rest, {}, {"limit", "cursor", "email"});
            a.one(0, "no arguments");
            shape.list = true;
            return {"GET",
                    "/users" + queryOf({{"email", a.value("email")},
                                        {"limit", a.value("limit")},
                                        {"cursor", a.value("cursor")}}),
                    {}};
        }
        if (command == "get" || command == "delete" || command == "unlock") {
            const Args a(rest, {}, {});
            const std::string id = pathSegment(a.one(1, "USER_ID"));
            if (command == "get") {
                return {"GET", "/users/" + id, {}};
            }
            if (command == "delete") {
                return {"DELETE", "/users/" + id, {}};
            }
            return {"DELETE", "/users/" + id + "/lockout", {}};
        }
        if (command == "create" || command == "update") {
            const Args a(rest, {"email-verified", "password-stdin"},
                         {"email", "name", "role", "status", "password", "pin", "data"});
            auto body = dataObject(a);
            if (auto v = a.value("email")) {
                body->set("email", *v);
            }
            if (auto v = a.value("name")) {
                body->set("name", *v);
            }
            if (auto v = a.value("role")) {
                body->set("role", *v);
            }
            if (auto v = a.value("status")) {
                body->set("status", *v);
            }
            if (a.flag("email-verified")) {
                body->set("email_verified", true);
            }
            if (command == "create") {
                a.one(0, "no positional arguments (use --email)");
                if (auto v = a.value("password")) {
                    body->set("password", *v);
                }
                if (a.flag("password-stdin")) {
                    body->set("password", readSecretLine(std::cin));
                }
                if (auto v = a.value("pin")) {
                    body->set("pin", *v);
                }
                return {"POST", "/users", stringify(*body)};
            }
            if (a.flag("password") || a.flag("pin") || a.flag("password-stdin")) {
                throw UsageError{"use users set-password / set-pin to change a credential"};
            }
            const std::string id = pathSegment(a.one(1, "USER_ID"));
            return {"PATCH", "/users/" + id, stringify(*body)};
        }
        if (command == "set-password" || command == "set-pin") {
            const Args a(rest, {"password-stdin"}, {"password", "pin"});
            const std::string id = pathSegment(a.one(1, "USER_ID"));
            Poco::JSON::Object body;
            if (command == "set-password") {
                std::optional<std::string> secret = a.value("password");
                if (a.flag("password-stdin")) {
                    secret = readSecretLine(std::cin);
                }
                if (!secret) {
                    throw UsageError{"--password PW or --password-stdin is required"};
                }
                body.set("password", *secret);
                return {"PUT", "/users/" + id + "/password", stringify(body)};
            }
            const auto pin = a.value("pin");
            if (!pin) {
                throw UsageError{"--pin PIN is required"};
            }
            body.set("pin", *pin);
            return {"PUT", "/users/" + id + "/pin", stringify(body)};
        }
    } else if (group == "sessions") {
        shape.columns = {"id", "user_id", "auth_time", "expires_at", "amr", "client_address"};
        if (command == "list") {
            const Args a(rest, {}, {});
            shape.list = true;
            return {"GET", "/users/" + pathSegment(a.one(1, "USER_ID")) + "/sessions", {}};
        }
        if (command == "revoke") {
            const Args a(rest, {}, {"user"});
            if (auto user = a.value("user")) {
                a.one(0, "either SESSION_ID or --user USER_ID");
                return {"DELETE", "/users/" + pathSegment(*user) + "/sessions", {}};
            }
            return {"DELETE", "/sessions/" + pathSegment(a.one(1, "SESSION_ID")), {}};
        }
    } else if (group == "audit") {
        shape.columns = {"time", "type", "user_id", "client_id", "client_address"};
        if (command == "list") {
            const Args a(rest, {},
                         {"user", "project", "type", "since", "until", "limit", "cursor"});
            a.one(0, "no arguments");
            shape.list = true;
            return {"GET",
                    "/audit-events" + queryOf({{"user", a.value("user")},
                                               {"project", a.value("project")},
                                               {"type", a.value("type")},
                                               {"since", a.value("since")},
                                               {"until", a.value("until")},
                                               {"limit", a.value("limit")},
                                               {"cursor", a.value("cursor")}}),
                    {}};
        }
    } else if (group == "keys") {
        shape.columns = {"kid", "alg", "created_at", "retire_at", "expires_at"};
        if (command == "list") {
            const Args a(rest, {}, {});
            a.one(0, "no arguments");
            shape.list = true;
            return {"GET", "/keys", {}};
        }
        if (command == "rotate") {
            const Args a(rest, {}, {"alg", "keep-for"});
            a.one(0, "no positional arguments");
            Poco::JSON::Object body;
            body.set("alg", a.value("alg").value_or("RS256"));
            if (auto keep = a.value("keep-for")) {
                body.set("keep_for", *keep);
            }
            return {"POST", "/keys/rotate", stringify(body)};
        }
    } else if (group == "invites") {
        shape.columns = {"id", "created_by", "actor", "created_at", "expires_at"};
        if (command == "list") {
            const Args a(rest, {}, {"limit", "cursor"});
            a.one(0, "no arguments");
            shape.list = true;
            return {"GET",
                    "/invites" + queryOf({{"limit", a.value("limit")}, {"cursor", a.value("cursor")}}),
                    {}};
        }
        if (command == "create") {
            const Args a(rest, {}, {});
            a.one(0, "no arguments");
            return {"POST", "/invites", "{}"};
        }
        if (command == "delete") {
            const Args a(rest, {}, {});
            return {"DELETE", "/invites/" + pathSegment(a.one(1, "INVITE_ID")), {}};
        }
    } else {
        throw UsageError{"unknown group: " + group};
    }
    throw UsageError{"unknown command: " + group + " " + command};
}

std::string cell(const Poco::Dynamic::Var& value) {
    if (value.isEmpty()) {
        return "-";
    }
    try {
        if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
            const auto items = value.extract<Poco::JSON::Array::Ptr>();
            std::string out;
            for (std::size_t i = 0; i < items->size(); ++i) {
                out += (i == 0 ? "" : ",") + items->get(static_cast<unsigned>(i)).toString();
            }
            return out.empty() ? "-" : out;
        }
        if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
            std::ostringstream out;
            value.extract<Poco::JSON::Object::Ptr>()->stringify(out);
            return out.str();
        }
        return value.toString();
    } catch (const std::exception&) {
        return "?";
    }
}

void printTable(const Poco::JSON::Array::Ptr& items, const std::vector<std::string>& columns,
                std::ostream& out) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::size_t> widths;
    std::vector<std::string> header;
    for (const auto& column : columns) {
        std::string name = column;
        std::transform(name.begin(), name.end(), name.begin(), [](char c) {
            return c == '_' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        });
        header.push_back(name);
        widths.push_back(name.size());
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
        const auto object = items->getObject(static_cast<unsigned>(i));
        std::vector<std::string> row;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            row.push_back(object ? cell(object->get(columns[c])) : "?");
            widths[c] = std::max(widths[c], row.back().size());
        }
        rows.push_back(std::move(row));
    }
    const auto line = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            out << row[c];
            if (c + 1 < row.size()) {
                out << std::string(widths[c] - row[c].size() + 2, ' ');
            }
        }
        out << '\n';
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
}

void printObject(const Poco::JSON::Object::Ptr& object, std::ostream& out) {
    std::size_t width = 0;
    for (const auto& [name, value] : *object) {
        width = std::max(width, name.size());
    }
    for (const auto& [name, value] : *object) {
        out << name << std::string(width - name.size() + 2, ' ') << cell(value) << '\n';
    }
}

int present(const Reply& reply, const Shape& shape, bool as_json, std::ostream& out,
            std::ostream& err) {
    Poco::JSON::Object::Ptr object;
    if (!reply.body.empty()) {
        try {
            Poco::JSON::Parser parser;
            object = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
        } catch (const std::exception&) {
            object = nullptr;
        }
    }
    if (reply.status >= 400) {
        std::string description = reply.body;
        if (object && object->has("error_description")) {
            description = object->optValue<std::string>("error_description", reply.body);
        }
        err << "authctl: " << reply.status << ": " << description << '\n';
        return kExitFailure;
    }
    if (as_json) {
        out << (reply.body.empty() ? std::string("{}") : reply.body) << '\n';
        return kExitOk;
    }
    if (!object) {
        out << "ok\n";
        return kExitOk;
    }
    if (shape.list && object->has("items")) {
        printTable(object->getArray("items"), shape.columns, out);
        if (!object->isNull("next_cursor")) {
            out << "next cursor: " << object->optValue<std::string>("next_cursor", "") << '\n';
        }
        return kExitOk;
    }
    printObject(object, out);
    return kExitOk;
}

/// Sends calls to a running server.
std::optional<Reply> sendHttp(const std::string& url, const std::string& token, const Call& call,
                              std::ostream& err) {
    app::NetHttpClient client;
    sdk::HttpRequest request;
    request.method = call.method;
    std::string base = url;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    request.url = base + "/admin/api/v1" + call.path;
    request.headers.emplace_back("Authorization", "Bearer " + token);
    request.headers.emplace_back("Accept", "application/json");
    if (!call.body.empty()) {
        request.body = call.body;
        request.content_type = "application/json";
    }
    request.timeout = 30;
    auto response = client.send(request);
    if (!response) {
        err << "authctl: " << request.url << ": " << response.error().message << '\n';
        return std::nullopt;
    }
    return Reply{response->status, response->body};
}

/// The server's pieces opened in this process (no listening socket), for --config.
class DirectStore {
  public:
    static std::unique_ptr<DirectStore> open(const std::string& path, std::ostream& err) {
        auto config = config::loadConfigFile(path);
        if (!config) {
            err << "authctl: " << config.error().message << '\n';
            return nullptr;
        }
        auto direct = std::unique_ptr<DirectStore>(new DirectStore());
        auto server = app::Server::create(std::move(*config), direct->log_);
        if (!server) {
            err << "authctl: " << server.error().message << '\n';
            return nullptr;
        }
        direct->server_ = std::move(*server);
        auto provider = oauth::Provider::create(*direct->server_);
        if (!provider) {
            err << "authctl: " << provider.error().message << '\n';
            return nullptr;
        }
        direct->provider_ = std::move(*provider);
        direct->token_ = crypto::randomHex(32);
        direct->handler_ = adminApiHandler(direct->provider_->context(), direct->token_, "authctl");
        return direct;
    }

    ~DirectStore() {
        // Queued audit events reach the store before the process ends.
        provider_.reset();
        server_.reset();
    }

    Reply send(const Call& call) {
        http::Request request;
        request.method = call.method;
        const auto question = call.path.find('?');
        const std::string path = call.path.substr(0, question);
        std::string decoded;
        Poco::URI::decode("/admin/api/v1" + path, decoded);
        request.path = decoded;
        if (question != std::string::npos) {
            request.raw_query = call.path.substr(question + 1);
            Poco::URI uri("/?" + request.raw_query);
            for (auto& [name, value] : uri.getQueryParameters()) {
                request.query.add(name, value);
            }
        }
        request.headers.set("Authorization", "Bearer " + token_);
        if (!call.body.empty()) {
            request.headers.set("Content-Type", "application/json");
            request.body = call.body;
        }
        request.client_address = "local";
        const http::Response response = handler_(request);
        return Reply{response.status, response.body};
    }

  private:
    DirectStore() = default;
    std::ostringstream log_; // the server's JSON log lines: not for authctl's reader
    std::unique_ptr<app::Server> server_;
    std::unique_ptr<oauth::Provider> provider_;
    std::string token_;
    http::Handler handler_;
};

int run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
        std::ostream& out, std::ostream& err) {
    std::string url;
    std::string config;
    bool as_json = false;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h" || arg == "help") {
            out << kUsage;
            return kExitOk;
        }
        if (arg == "--version") {
            out << "authctl " AUTHD_VERSION "\n";
            return kExitOk;
        }
        if (arg == "--json") {
            as_json = true;
        } else if (arg == "--url" || arg == "--config") {
            if (i + 1 >= args.size()) {
                throw UsageError{arg + " needs a value"};
            }
            (arg == "--url" ? url : config) = args[++i];
        } else if (arg.rfind("--url=", 0) == 0) {
            url = arg.substr(6);
        } else if (arg.rfind("--config=", 0) == 0) {
            config = arg.substr(9);
        } else if (arg.rfind("--", 0) == 0) {
            throw UsageError{"unknown option: " + arg};
        } else {
            break;
        }
    }
    if (args.size() < i + 2) {
        throw UsageError{"a group and a command are required"};
    }
    const std::string group = args[i];
    const std::string command = args[i + 1];
    std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i + 2), args.end());
    // Global flags may also follow the command.
    if (auto json_flag = std::find(rest.begin(), rest.end(), "--json"); json_flag != rest.end()) {
        as_json = true;
        rest.erase(json_flag);
    }
    Shape shape;
    const Call call = buildCall(group, command, rest, shape);

    if (!url.empty() && !config.empty()) {
        throw UsageError{"give either --url or --config, not both"};
    }
    if (url.empty() && config.empty()) {
        if (auto found = env.find("AUTHD_URL"); found != env.end()) {
            url = found->second;
        }
    }
    if (!config.empty()) {
        auto direct = DirectStore::open(config, err);
        if (!direct) {
            return kExitFailure;
        }
        return present(direct->send(call), shape, as_json, out, err);
    }
    if (url.empty()) {
        throw UsageError{"--url URL (or AUTHD_URL) or --config FILE is required"};
    }
    const auto token = env.find("AUTHD_ADMIN_TOKEN");
    if (token == env.end() || token->second.empty()) {
        err << "authctl: AUTHD_ADMIN_TOKEN is not set (the server's admin bearer token)\n";
        return kExitFailure;
    }
    auto reply = sendHttp(url, token->second, call, err);
    if (!reply) {
        return kExitFailure;
    }
    return present(*reply, shape, as_json, out, err);
}

} // namespace

int runAuthctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::ostream& out, std::ostream& err) {
    try {
        return run(args, env, out, err);
    } catch (const UsageError& usage) {
        err << "authctl: " << usage.message << "\n\n" << kUsage;
        return kExitUsage;
    } catch (const std::exception& e) {
        err << "authctl: internal error: " << e.what() << '\n';
        return kExitFailure;
    }
}

} // namespace authd::admin
