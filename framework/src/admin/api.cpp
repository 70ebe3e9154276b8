// SPDX-License-Identifier: Apache-2.0
// The admin API (SPEC section 8): JSON over the AdminService.
#include "admin/api.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "config/duration.hpp"
#include "config/secret_source.hpp"
#include "crypto/hash.hpp"
#include "http/headers.hpp"
#include "http/json_body.hpp"
#include "json/json.hpp"
#include "oauth/session.hpp"

namespace authd::admin {
namespace {

constexpr std::string_view kBase = "/admin/api/v1";
constexpr std::size_t kMaxListItems = 100;

const std::set<std::string> kProjectCreateFields = {"name",
                                                    "description",
                                                    "redirect_uris",
                                                    "client_type",
                                                    "grant_types",
                                                    "scopes",
                                                    "id_token_signed_response_alg",
                                                    "access_token_alg",
                                                    "access_ttl",
                                                    "refresh_ttl",
                                                    "id_token_ttl",
                                                    "post_logout_redirect_uris",
                                                    "backchannel_logout_uri",
                                                    "skip_consent",
                                                    "development",
                                                    "authenticators",
                                                    "access_policy",
                                                    "owner_id"};
const std::set<std::string> kProjectPatchFields = {"name",
                                                   "description",
                                                   "redirect_uris",
                                                   "grant_types",
                                                   "scopes",
                                                   "id_token_signed_response_alg",
                                                   "access_token_alg",
                                                   "access_ttl",
                                                   "refresh_ttl",
                                                   "id_token_ttl",
                                                   "post_logout_redirect_uris",
                                                   "backchannel_logout_uri",
                                                   "skip_consent",
                                                   "development",
                                                   "authenticators",
                                                   "access_policy"};
const std::set<std::string> kPolicyFields = {"roles", "email_domains", "statuses", "authenticators",
                                             "require_verified_email"};
const std::set<std::string> kUserCreateFields = {"email",    "name", "role",           "status",
                                                 "password", "pin",  "email_verified", "picture"};
const std::set<std::string> kUserPatchFields = {"email",  "name",           "role",
                                                "status", "email_verified", "picture"};

/// A 400 naming the field, carried out of the parsing helpers.
struct FieldError {
    std::string description;
};

http::Response reply(int status, const json::Object& object) {
    http::Response response = http::Response::json(status, object);
    response.noStore();
    return response;
}

http::Response apiError(int status, std::string_view code, std::string_view description) {
    http::Response response = http::Response::error(status, code, description);
    response.noStore();
    return response;
}

http::Response noContent() {
    http::Response response;
    response.status = 204;
    response.noStore();
    return response;
}

http::Response fromError(const sdk::Error& error) {
    switch (error.code) {
    case sdk::ErrorCode::invalid_argument:
        return apiError(400, "invalid_request", error.message);
    case sdk::ErrorCode::not_found:
        return apiError(404, "not_found", error.message);
    case sdk::ErrorCode::conflict:
        return apiError(409, "conflict", error.message);
    case sdk::ErrorCode::unavailable:
        return apiError(503, "temporarily_unavailable", error.message);
    default:
        return apiError(500, "server_error", error.message);
    }
}

// The members of a JSON request body, each checked for its type; a wrong one is a FieldError
// naming the member (with its path inside nested objects).
class Body {
  public:
    explicit Body(json::Object object, std::string prefix = {})
        : object_(std::move(object)), prefix_(std::move(prefix)) {}

    std::optional<std::string> unknownField(const std::set<std::string>& known) const {
        for (const auto& [name, value] : object_) {
            if (known.count(name) == 0) {
                return prefix_ + name;
            }
        }
        return std::nullopt;
    }

    /// Present, even as null.
    bool present(const std::string& name) const { return object_.has(name); }
    /// Present and not null.
    bool has(const std::string& name) const {
        const json::Value* value = object_.find(name);
        return value != nullptr && !value->isNull();
    }

    std::optional<std::string> string(const std::string& name, std::size_t max_chars) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const std::string* text = object_.stringPtr(name);
        if (text == nullptr) {
            throw FieldError{prefix_ + name + " must be a string"};
        }
        if (text->size() > max_chars) {
            throw FieldError{prefix_ + name + " is longer than " + std::to_string(max_chars) +
                             " characters"};
        }
        for (char c : *text) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                throw FieldError{prefix_ + name + " contains a control character"};
            }
        }
        return *text;
    }

    std::optional<bool> boolean(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const auto value = object_.boolean(name);
        if (!value) {
            throw FieldError{prefix_ + name + " must be true or false"};
        }
        return value;
    }

    std::optional<std::vector<std::string>> strings(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const json::Array* array = object_.array(name);
        if (array == nullptr) {
            throw FieldError{prefix_ + name + " must be an array of strings"};
        }
        if (array->size() > kMaxListItems) {
            throw FieldError{prefix_ + name + " has more than " + std::to_string(kMaxListItems) +
                             " items"};
        }
        std::vector<std::string> out;
        for (const json::Value& item : *array) {
            if (!item.isString()) {
                throw FieldError{prefix_ + name + " must be an array of strings"};
            }
            const std::string& text = item.asString();
            if (std::find(out.begin(), out.end(), text) != out.end()) {
                throw FieldError{prefix_ + name + " lists \"" + text + "\" twice"};
            }
            out.push_back(text);
        }
        return out;
    }

    /// A lifetime as a duration string ("5m", "7d") or whole seconds; null resets to 0.
    std::optional<sdk::Seconds> duration(const std::string& name, bool allow_zero) const {
        const json::Value* value = object_.find(name);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (value->isNull()) {
            return sdk::Seconds{0};
        }
        sdk::Seconds seconds = 0;
        if (value->isString()) {
            auto parsed = config::parseDuration(value->asString());
            if (!parsed) {
                throw FieldError{prefix_ + name + ": " + parsed.error().message};
            }
            seconds = *parsed;
        } else if (value->isInteger()) {
            seconds = value->asInteger();
        } else if (value->isNumber() && std::fabs(value->asNumber()) >= kInt64Limit) {
            // A whole number past int64 (the parser keeps those as doubles).
            throw FieldError{prefix_ + name + " is out of range"};
        } else {
            throw FieldError{prefix_ + name + " must be a duration such as \"5m\" or \"7d\""};
        }
        if (seconds < 0 || (seconds == 0 && !allow_zero)) {
            throw FieldError{prefix_ + name + " must be a positive duration"};
        }
        return seconds;
    }

    std::optional<Body> object(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const json::Object* inner = object_.object(name);
        if (inner == nullptr) {
            throw FieldError{prefix_ + name + " must be an object"};
        }
        return Body(*inner, prefix_ + name + ".");
    }

  private:
    // 2^63: the first magnitude an int64 cannot hold.
    static constexpr double kInt64Limit = 9223372036854775808.0;

    json::Object object_;
    std::string prefix_;
};

json::Array jsonArray(const std::vector<std::string>& items) {
    return json::Array(items.begin(), items.end());
}

json::Value lifetime(sdk::Seconds seconds) {
    return seconds == 0 ? json::Value() : json::Value(config::formatDuration(seconds));
}

json::Value optionalText(const std::string& text) {
    return text.empty() ? json::Value() : json::Value(text);
}

// A JSON text the host stored (an audit event's detail, a public JWK) as its value; text that
// does not parse is shown as the string it is.
json::Value storedJson(const std::string& text) {
    auto parsed = json::parse(text, "a stored value");
    return parsed ? std::move(*parsed) : json::Value(text);
}

json::Object policyJson(const sdk::AccessPolicy& policy) {
    json::Object out;
    out.set("roles", jsonArray(policy.roles));
    out.set("email_domains", jsonArray(policy.email_domains));
    out.set("statuses", jsonArray(policy.statuses));
    out.set("authenticators", jsonArray(policy.authenticators));
    out.set("require_verified_email", policy.require_verified_email);
    return out;
}

void addProjectFields(json::Object& out, const oauth::ProviderContext& ctx,
                      const sdk::Project& project) {
    out.set("name", project.name);
    out.set("description", project.description);
    out.set("client_type", project.client_type);
    out.set("redirect_uris", jsonArray(project.redirect_uris));
    out.set("post_logout_redirect_uris", jsonArray(project.post_logout_redirect_uris));
    out.set("grant_types", jsonArray(project.grant_types));
    out.set("scopes", jsonArray(project.scopes));
    out.set("id_token_signed_response_alg", effectiveIdTokenAlg(ctx, project));
    out.set("access_token_alg", project.access_token_alg);
    out.set("access_ttl", lifetime(project.access_ttl));
    out.set("refresh_ttl", lifetime(project.refresh_ttl));
    out.set("id_token_ttl", lifetime(project.id_token_ttl));
    out.set("backchannel_logout_uri", optionalText(project.backchannel_logout_uri));
    out.set("skip_consent", project.skip_consent);
    out.set("development", project.development);
    out.set("created_at", project.created_at);
    out.set("updated_at", project.updated_at);
    out.set("owner_id", optionalText(project.owner_id));
    out.set("authenticators", jsonArray(project.authenticators));
    out.set("access_policy", policyJson(project.policy));
    out.set("signing_key_grace_until", project.previous_signing_key_until);
}

json::Object projectJson(const oauth::ProviderContext& ctx, const sdk::Project& project) {
    json::Object out;
    out.set("client_id", project.client_id);
    addProjectFields(out, ctx, project);
    return out;
}

json::Object userJson(const sdk::User& user) {
    json::Object out;
    out.set("id", user.id);
    out.set("email", user.email);
    out.set("name", user.name);
    out.set("role", user.role);
    out.set("status", user.status);
    out.set("email_verified", user.email_verified);
    out.set("picture", optionalText(user.picture));
    out.set("created_at", user.created_at);
    out.set("updated_at", user.updated_at);
    return out;
}

json::Object sessionJson(const sdk::Session& session) {
    json::Object out;
    out.set("id", session.id);
    out.set("user_id", session.user_id);
    out.set("created_at", session.created_at);
    out.set("auth_time", session.auth_time);
    out.set("expires_at", session.expires_at);
    out.set("amr", jsonArray(session.amr));
    out.set("client_address", session.client_address);
    out.set("user_agent", session.user_agent);
    return out;
}

json::Object eventJson(const sdk::AuditEvent& event) {
    json::Object out;
    out.set("id", event.id);
    out.set("time", event.time);
    out.set("type", event.type);
    out.set("user_id", optionalText(event.user_id));
    out.set("client_id", optionalText(event.client_id));
    out.set("client_address", optionalText(event.client_address));
    out.set("detail", storedJson(event.detail.empty() ? std::string("{}") : event.detail));
    return out;
}

json::Object keyJson(const tokens::KeyInfo& key) {
    json::Object out;
    out.set("kid", key.kid);
    out.set("alg", tokens::algName(key.alg));
    out.set("created_at", key.created_at);
    out.set("retire_at", key.retire_at);
    out.set("expires_at", key.expires_at);
    out.set("public_jwk", storedJson(key.public_jwk));
    return out;
}

json::Object inviteJson(const Invite& invite) {
    json::Object out;
    out.set("id", invite.id);
    out.set("created_by", optionalText(invite.created_by));
    out.set("actor", invite.actor);
    out.set("created_at", invite.created_at);
    out.set("expires_at", invite.expires_at);
    return out;
}

template <typename T, typename F>
http::Response listReply(const sdk::Slice<T>& slice, F&& toJson) {
    json::Array items;
    items.reserve(slice.items.size());
    for (const auto& item : slice.items) {
        items.emplace_back(toJson(item));
    }
    json::Object out;
    out.set("items", std::move(items));
    out.set("next_cursor", optionalText(slice.next_cursor));
    return reply(200, out);
}

sdk::AccessPolicy parsePolicy(const Body& body) {
    if (auto unknown = body.unknownField(kPolicyFields)) {
        throw FieldError{"unknown field: " + *unknown};
    }
    sdk::AccessPolicy policy;
    policy.roles = body.strings("roles").value_or(std::vector<std::string>());
    policy.email_domains = body.strings("email_domains").value_or(std::vector<std::string>());
    policy.statuses = body.strings("statuses").value_or(std::vector<std::string>());
    policy.authenticators = body.strings("authenticators").value_or(std::vector<std::string>());
    policy.require_verified_email = body.boolean("require_verified_email").value_or(false);
    return policy;
}

std::string algField(const Body& body, const std::string& field) {
    return body.string(field, 16).value_or("");
}

std::string issuerOrigin(const std::string& issuer) {
    const auto scheme_end = issuer.find("://");
    if (scheme_end == std::string::npos) {
        return issuer;
    }
    const auto path = issuer.find('/', scheme_end + 3);
    return path == std::string::npos ? issuer : issuer.substr(0, path);
}

/// The outcome of authenticating a request: the actor, or the refusal to send.
using Authenticated = std::variant<Actor, http::Response>;

class AdminApi {
  public:
    AdminApi(oauth::ProviderContext& ctx, std::string token,
             std::string token_actor = "bootstrap_admin_token", bool sessions = true)
        : ctx_(ctx), service_(ctx), token_(std::move(token)), origin_(issuerOrigin(ctx.issuer_url)),
          token_actor_(std::move(token_actor)), sessions_(sessions) {}

    http::Response handle(http::Request& request) {
        try {
            auto who = authenticate(request);
            if (auto* refused = std::get_if<http::Response>(&who)) {
                return std::move(*refused);
            }
            return route(request, std::get<Actor>(who));
        } catch (const FieldError& error) {
            return apiError(400, "invalid_request", error.description);
        } catch (const std::exception&) {
            return apiError(500, "server_error", "the request could not be handled");
        }
    }

  private:
    static http::Response unauthorized(std::string_view description) {
        http::Response response = apiError(401, "unauthorized", description);
        response.headers.set("WWW-Authenticate", "Bearer realm=\"authd admin\"");
        return response;
    }

    Authenticated authenticate(const http::Request& request) {
        const std::string* authorization = request.headers.find("Authorization");
        if (authorization != nullptr) {
            if (token_.empty()) {
                return unauthorized("the admin token is disabled: none is configured");
            }
            if (authorization->size() < 7 ||
                !http::equalsIgnoreCase(std::string_view(*authorization).substr(0, 7), "Bearer ")) {
                return unauthorized("an admin bearer token is required");
            }
            if (!crypto::constantTimeEquals(std::string_view(*authorization).substr(7), token_)) {
                return unauthorized("the admin token is not valid");
            }
            return Actor{token_actor_, "", request.client_address};
        }
        if (!sessions_) {
            return unauthorized("an admin bearer token is required");
        }
        auto session = oauth::currentSession(ctx_, request);
        if (!session) {
            return apiError(503, "temporarily_unavailable", "the session store cannot be read");
        }
        if (!*session) {
            return unauthorized("an admin bearer token or an admin's session is required");
        }
        const sdk::User& user = (*session)->user;
        if (user.role != "admin" || user.status != "active") {
            return apiError(403, "forbidden", "the signed-in user is not an administrator");
        }
        if (request.method != "GET" && request.method != "HEAD") {
            if (request.mediaType() != "application/json") {
                return apiError(403, "forbidden",
                                "a session-authenticated write must be sent as application/json");
            }
            const std::string* fetch_site = request.headers.find("Sec-Fetch-Site");
            const std::string* origin = request.headers.find("Origin");
            const bool same_origin = fetch_site != nullptr
                                         ? *fetch_site == "same-origin"
                                         : origin != nullptr && *origin == origin_;
            if (!same_origin) {
                return apiError(403, "forbidden",
                                "a session-authenticated write must come from " + origin_);
            }
        }
        return Actor{"admin_session", user.id, request.client_address};
    }

    static Body parseBody(const http::Request& request, const std::set<std::string>& fields) {
        auto object = http::parseJsonBody(request.body.empty() ? std::string_view("{}")
                                                               : std::string_view(request.body));
        if (!object) {
            throw FieldError{object.error().message};
        }
        Body body(std::move(*object));
        if (auto unknown = body.unknownField(fields)) {
            throw FieldError{"unknown field: " + *unknown};
        }
        return body;
    }

    static int limitOf(const http::Request& request) {
        const std::string* text = request.query.find("limit");
        if (text == nullptr) {
            return 50;
        }
        int limit = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 200) {
            throw FieldError{"limit must be a whole number from 1 to 200"};
        }
        return limit;
    }

    static sdk::UnixTime timeOf(const http::Request& request, const std::string& name) {
        const std::string* text = request.query.find(name);
        if (text == nullptr || text->empty()) {
            return 0;
        }
        sdk::UnixTime value = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
            throw FieldError{name + " must be a Unix time in seconds"};
        }
        return value;
    }

    static std::vector<std::string> segments(std::string_view rest) {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (start <= rest.size()) {
            const auto slash = rest.find('/', start);
            const auto end = slash == std::string_view::npos ? rest.size() : slash;
            out.emplace_back(rest.substr(start, end - start));
            if (slash == std::string_view::npos) {
                break;
            }
            start = slash + 1;
        }
        return out;
    }

    static http::Response methodNotAllowed(std::string allow) {
        http::Response response = apiError(405, "invalid_request", "method not allowed");
        response.headers.set("Allow", std::move(allow));
        return response;
    }

    http::Response route(http::Request& request, const Actor& actor) {
        const std::string& method = request.method;
        const bool get = method == "GET" || method == "HEAD";
        std::string_view path(request.path);
        path.remove_prefix(kBase.size());
        if (path == "/projects") {
            if (get) {
                return listProjects(request);
            }
            if (method == "POST") {
                return createProject(request, actor);
            }
            return methodNotAllowed("GET, HEAD, POST");
        }
        if (path == "/users") {
            if (get) {
                return listUsers(request);
            }
            if (method == "POST") {
                return createUser(request, actor);
            }
            return methodNotAllowed("GET, HEAD, POST");
        }
        if (path == "/audit-events") {
            if (get) {
                return listAudit(request);
            }
            return methodNotAllowed("GET, HEAD");
        }
        if (path == "/keys") {
            if (get) {
                return listKeys();
            }
            return methodNotAllowed("GET, HEAD");
        }
        if (path == "/keys/rotate") {
            if (method == "POST") {
                return rotateKey(request, actor);
            }
            return methodNotAllowed("POST");
        }
        if (path == "/invites") {
            if (get) {
                return listInvites(request);
            }
            if (method == "POST") {
                return createInvite(request, actor);
            }
            return methodNotAllowed("GET, HEAD, POST");
        }
        if (path.rfind("/invites/", 0) == 0) {
            const auto parts = segments(path.substr(9));
            if (parts.size() != 1 || parts[0].empty()) {
                return apiError(404, "not_found", "no such admin route");
            }
            if (method != "DELETE") {
                return methodNotAllowed("DELETE");
            }
            if (auto done = service_.withdrawInvite(parts[0], actor); !done) {
                return fromError(done.error());
            }
            return noContent();
        }
        if (path.rfind("/projects/", 0) == 0) {
            const auto parts = segments(path.substr(10));
            if (parts.empty() || parts[0].empty() || parts.size() > 2) {
                return apiError(404, "not_found", "no such admin route");
            }
            const std::string& id = parts[0];
            if (parts.size() == 1) {
                if (get) {
                    return getProject(id);
                }
                if (method == "PATCH") {
                    return updateProject(request, id, actor);
                }
                if (method == "DELETE") {
                    return deleteProject(id, actor);
                }
                return methodNotAllowed("GET, HEAD, PATCH, DELETE");
            }
            if (parts[1] == "rotate-secret") {
                if (method != "POST") {
                    return methodNotAllowed("POST");
                }
                parseBody(request, {});
                auto secret = service_.rotateSecret(id, actor);
                if (!secret) {
                    return fromError(secret.error());
                }
                json::Object out;
                out.set("client_id", id);
                out.set("client_secret", *secret);
                return reply(200, out);
            }
            if (parts[1] == "rotate-signing-key") {
                if (method != "POST") {
                    return methodNotAllowed("POST");
                }
                const Body body = parseBody(request, {"grace"});
                const sdk::Seconds grace = body.duration("grace", true).value_or(0);
                auto key = service_.rotateSigningKey(id, grace, actor);
                if (!key) {
                    return fromError(key.error());
                }
                json::Object out;
                out.set("client_id", id);
                out.set("signing_key", *key);
                out.set("grace", config::formatDuration(grace));
                return reply(200, out);
            }
            return apiError(404, "not_found", "no such admin route");
        }
        if (path.rfind("/users/", 0) == 0) {
            const auto parts = segments(path.substr(7));
            if (parts.empty() || parts[0].empty() || parts.size() > 2) {
                return apiError(404, "not_found", "no such admin route");
            }
            const std::string& id = parts[0];
            if (parts.size() == 1) {
                if (get) {
                    return getUser(id);
                }
                if (method == "PATCH") {
                    return updateUser(request, id, actor);
                }
                if (method == "DELETE") {
                    if (auto done = service_.deleteUser(id, actor); !done) {
                        return fromError(done.error());
                    }
                    return noContent();
                }
                return methodNotAllowed("GET, HEAD, PATCH, DELETE");
            }
            if (parts[1] == "password" || parts[1] == "pin") {
                if (method != "PUT") {
                    return methodNotAllowed("PUT");
                }
                const Body body = parseBody(request, {parts[1]});
                const auto secret = body.string(parts[1], 1024);
                if (!secret) {
                    throw FieldError{parts[1] + " is required"};
                }
                if (auto done = service_.setCredential(id, parts[1], *secret, actor); !done) {
                    return fromError(done.error());
                }
                return noContent();
            }
            if (parts[1] == "lockout") {
                if (method != "DELETE") {
                    return methodNotAllowed("DELETE");
                }
                if (auto done = service_.clearLockout(id, actor); !done) {
                    return fromError(done.error());
                }
                return noContent();
            }
            if (parts[1] == "sessions") {
                if (get) {
                    auto sessions = service_.listSessions(id);
                    if (!sessions) {
                        return fromError(sessions.error());
                    }
                    sdk::Slice<sdk::Session> slice;
                    slice.items = std::move(*sessions);
                    return listReply(slice, sessionJson);
                }
                if (method == "DELETE") {
                    auto count = service_.revokeAllSessions(id, actor);
                    if (!count) {
                        return fromError(count.error());
                    }
                    json::Object out;
                    out.set("revoked", *count);
                    return reply(200, out);
                }
                return methodNotAllowed("GET, HEAD, DELETE");
            }
            return apiError(404, "not_found", "no such admin route");
        }
        if (path.rfind("/sessions/", 0) == 0) {
            const auto parts = segments(path.substr(10));
            if (parts.size() != 1 || parts[0].empty()) {
                return apiError(404, "not_found", "no such admin route");
            }
            if (method != "DELETE") {
                return methodNotAllowed("DELETE");
            }
            if (auto done = service_.revokeSession(parts[0], actor); !done) {
                return fromError(done.error());
            }
            return noContent();
        }
        return apiError(404, "not_found", "no such admin route");
    }

    http::Response listProjects(const http::Request& request) {
        const int limit = limitOf(request);
        auto listed =
            service_.listProjects(request.query.get("cursor"), limit, request.query.get("owner"));
        if (!listed) {
            return fromError(listed.error());
        }
        return listReply(*listed, [&](const sdk::Project& p) { return projectJson(ctx_, p); });
    }

    http::Response getProject(const std::string& id) {
        auto project = service_.getProject(id);
        if (!project) {
            return fromError(project.error());
        }
        auto out = projectJson(ctx_, *project);
        auto key = service_.signingKey(id);
        if (!key) {
            return fromError(key.error());
        }
        out.set("signing_key", *key);
        return reply(200, out);
    }

    static void readProjectPatch(const Body& body, ProjectPatch& patch) {
        patch.name = body.string("name", 200);
        patch.description = body.string("description", 2000);
        patch.redirect_uris = body.strings("redirect_uris");
        patch.post_logout_redirect_uris = body.strings("post_logout_redirect_uris");
        patch.grant_types = body.strings("grant_types");
        patch.scopes = body.strings("scopes");
        patch.authenticators = body.strings("authenticators");
        if (body.present("id_token_signed_response_alg")) {
            patch.id_token_alg = algField(body, "id_token_signed_response_alg");
        }
        if (body.has("access_token_alg")) {
            patch.access_token_alg = algField(body, "access_token_alg");
        }
        patch.access_ttl = body.duration("access_ttl", true);
        patch.refresh_ttl = body.duration("refresh_ttl", true);
        patch.id_token_ttl = body.duration("id_token_ttl", true);
        if (body.present("access_policy")) {
            const auto policy = body.object("access_policy");
            patch.policy = policy ? parsePolicy(*policy) : sdk::AccessPolicy{};
        }
        if (body.present("backchannel_logout_uri")) {
            patch.backchannel_logout_uri = body.string("backchannel_logout_uri", 2000).value_or("");
        }
        patch.development = body.boolean("development");
        patch.skip_consent = body.boolean("skip_consent");
    }

    http::Response createProject(const http::Request& request, const Actor& actor) {
        const Body body = parseBody(request, kProjectCreateFields);
        ProjectInput input;
        const auto name = body.string("name", 200);
        if (!name || name->empty()) {
            throw FieldError{"name is required"};
        }
        input.name = *name;
        input.description = body.string("description", 2000).value_or("");
        input.owner_id = body.string("owner_id", 64).value_or("");
        input.client_type = body.string("client_type", 16).value_or("confidential");
        if (!body.has("redirect_uris")) {
            throw FieldError{"redirect_uris is required"};
        }
        input.redirect_uris = *body.strings("redirect_uris");
        input.post_logout_redirect_uris =
            body.strings("post_logout_redirect_uris").value_or(std::vector<std::string>());
        input.grant_types = body.strings("grant_types");
        input.scopes = body.strings("scopes");
        input.authenticators = body.strings("authenticators").value_or(std::vector<std::string>());
        input.id_token_alg = algField(body, "id_token_signed_response_alg");
        input.access_token_alg = algField(body, "access_token_alg");
        input.access_ttl = body.duration("access_ttl", false).value_or(0);
        input.refresh_ttl = body.duration("refresh_ttl", false).value_or(0);
        input.id_token_ttl = body.duration("id_token_ttl", false).value_or(0);
        if (auto policy = body.object("access_policy")) {
            input.policy = parsePolicy(*policy);
        }
        input.backchannel_logout_uri = body.string("backchannel_logout_uri", 2000).value_or("");
        input.development = body.boolean("development").value_or(false);
        input.skip_consent = body.boolean("skip_consent").value_or(false);
        auto created = service_.createProject(input, actor);
        if (!created) {
            return fromError(created.error());
        }
        json::Object out;
        out.set("client_id", created->project.client_id);
        out.set("client_secret", optionalText(created->client_secret));
        out.set("signing_key", created->signing_key);
        addProjectFields(out, ctx_, created->project);
        return reply(201, out);
    }

    http::Response updateProject(const http::Request& request, const std::string& id,
                                 const Actor& actor) {
        const Body body = parseBody(request, kProjectPatchFields);
        ProjectPatch patch;
        readProjectPatch(body, patch);
        auto updated = service_.updateProject(id, patch, actor);
        if (!updated) {
            return fromError(updated.error());
        }
        return reply(200, projectJson(ctx_, *updated));
    }

    http::Response deleteProject(const std::string& id, const Actor& actor) {
        if (auto done = service_.deleteProject(id, actor); !done) {
            return fromError(done.error());
        }
        return noContent();
    }

    http::Response listUsers(const http::Request& request) {
        const int limit = limitOf(request);
        auto listed =
            service_.listUsers(request.query.get("email"), request.query.get("cursor"), limit);
        if (!listed) {
            return fromError(listed.error());
        }
        return listReply(*listed, userJson);
    }

    http::Response getUser(const std::string& id) {
        auto user = service_.getUser(id);
        if (!user) {
            return fromError(user.error());
        }
        return reply(200, userJson(*user));
    }

    http::Response createUser(const http::Request& request, const Actor& actor) {
        const Body body = parseBody(request, kUserCreateFields);
        UserInput input;
        const auto email = body.string("email", 254);
        if (!email || email->empty()) {
            throw FieldError{"email is required"};
        }
        input.email = *email;
        input.name = body.string("name", 200).value_or("");
        input.picture = body.string("picture", 2000).value_or("");
        input.role = body.string("role", 32).value_or("user");
        input.status = body.string("status", 32).value_or("active");
        input.email_verified = body.boolean("email_verified").value_or(false);
        input.password = body.string("password", 1024);
        input.pin = body.string("pin", 64);
        auto created = service_.createUser(input, actor);
        if (!created) {
            return fromError(created.error());
        }
        return reply(201, userJson(*created));
    }

    http::Response updateUser(const http::Request& request, const std::string& id,
                              const Actor& actor) {
        const Body body = parseBody(request, kUserPatchFields);
        UserPatch patch;
        patch.email = body.string("email", 254);
        patch.name = body.string("name", 200);
        patch.picture = body.string("picture", 2000);
        patch.role = body.string("role", 64);
        patch.status = body.string("status", 64);
        patch.email_verified = body.boolean("email_verified");
        auto updated = service_.updateUser(id, patch, actor);
        if (!updated) {
            return fromError(updated.error());
        }
        return reply(200, userJson(*updated));
    }

    http::Response listAudit(const http::Request& request) {
        for (const auto& [name, value] : request.query.pairs()) {
            static const std::set<std::string> known = {"user",  "project", "type", "since",
                                                        "until", "cursor",  "limit"};
            if (known.count(name) == 0) {
                throw FieldError{"unknown parameter: " + name};
            }
        }
        sdk::AuditQuery query;
        query.user_id = request.query.get("user");
        query.client_id = request.query.get("project");
        query.type = request.query.get("type");
        query.since = timeOf(request, "since");
        query.until = timeOf(request, "until");
        query.cursor = request.query.get("cursor");
        query.limit = limitOf(request);
        auto listed = service_.listAuditEvents(query);
        if (!listed) {
            return fromError(listed.error());
        }
        return listReply(*listed, eventJson);
    }

    http::Response listInvites(const http::Request& request) {
        const int limit = limitOf(request);
        auto listed = service_.listInvites(request.query.get("cursor"), limit);
        if (!listed) {
            return fromError(listed.error());
        }
        return listReply(*listed, inviteJson);
    }

    http::Response createInvite(const http::Request& request, const Actor& actor) {
        parseBody(request, {});
        auto created = service_.createInvite(actor);
        if (!created) {
            return fromError(created.error());
        }
        auto out = inviteJson(created->invite);
        out.set("code", created->code);
        return reply(201, out);
    }

    http::Response listKeys() {
        sdk::Slice<tokens::KeyInfo> slice;
        slice.items = service_.listProviderKeys();
        return listReply(slice, keyJson);
    }

    http::Response rotateKey(const http::Request& request, const Actor& actor) {
        const Body body = parseBody(request, {"alg", "keep_for"});
        const std::string alg_name = body.string("alg", 16).value_or("RS256");
        const auto alg = tokens::parseAlg(alg_name);
        if (!alg || *alg == tokens::Alg::hs256) {
            throw FieldError{"alg must be RS256, ES256 or EdDSA"};
        }
        const sdk::Seconds keep = body.duration("keep_for", false).value_or(0);
        auto key = service_.rotateProviderKey(*alg, keep, actor);
        if (!key) {
            return fromError(key.error());
        }
        return reply(200, keyJson(*key));
    }

    oauth::ProviderContext& ctx_;
    AdminService service_;
    const std::string token_;
    const std::string origin_;
    const std::string token_actor_;
    const bool sessions_;
};

} // namespace

http::Handler adminApiHandler(oauth::ProviderContext& ctx, std::string token,
                              std::string actor_kind) {
    auto api = std::make_shared<AdminApi>(ctx, std::move(token), std::move(actor_kind), false);
    return [api](http::Request& request) { return api->handle(request); };
}

void addAdminApiRoutes(http::Router& router, oauth::ProviderContext& ctx) {
    const auto& secrets = ctx.config.secrets;
    std::string token;
    if (!secrets.admin_token_env.empty() || !secrets.admin_token_file.empty()) {
        auto read = config::readSecret(secrets.admin_token_env, secrets.admin_token_file);
        if (read) {
            token = std::move(*read);
        } else {
            ctx.log().log(sdk::LogLevel::info, "admin.token_disabled",
                          "the admin bearer token is off: " + read.error().message);
        }
    }
    auto api = std::make_shared<AdminApi>(ctx, std::move(token));
    const http::Handler handler = [api](http::Request& request) { return api->handle(request); };
    const std::vector<std::string> all = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    const std::string base(kBase);
    for (const char* exact :
         {"/projects", "/users", "/audit-events", "/keys", "/keys/rotate", "/invites"}) {
        router.add(all, base + exact, handler);
    }
    for (const char* prefix : {"/projects/", "/users/", "/sessions/", "/invites/"}) {
        router.addPrefix(all, base + prefix, handler);
    }
}

} // namespace authd::admin
