// SPDX-License-Identifier: Apache-2.0
// The two admin calls every setup script starts with (SPEC section 8):
// POST /admin/api/v1/projects and POST /admin/api/v1/users, behind the bootstrap admin token.
#include <algorithm>
#include <exception>
#include <optional>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "app/project_secrets.hpp"
#include "config/duration.hpp"
#include "config/secret_source.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "http/headers.hpp"
#include "http/json_body.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/provider.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/scopes.hpp"
#include "tokens/jws.hpp"

namespace authd::oauth {
namespace {

constexpr std::size_t kMaxListItems = 100;
constexpr std::size_t kMaxNameChars = 200;
constexpr std::size_t kMaxDescriptionChars = 2000;
constexpr std::size_t kMaxSlugChars = 32;
constexpr sdk::Seconds kMaxLifetime = 366 * 86400;

const std::set<std::string> kGrantTypes = {"authorization_code", "refresh_token",
                                           "client_credentials"};
const std::set<std::string> kProjectFields = {
    "name",          "description",   "redirect_uris",  "client_type",
    "grant_types",   "scopes",        "id_token_signed_response_alg",
    "access_token_alg", "access_ttl", "refresh_ttl",    "id_token_ttl",
    "post_logout_redirect_uris",      "backchannel_logout_uri",
    "skip_consent",  "development"};
const std::set<std::string> kUserFields = {"email", "name",   "role",           "status",
                                           "password", "pin", "email_verified", "picture"};

/// A 400 naming the field, carried out of the parsing helpers.
struct FieldError {
    std::string description;
};

http::Response adminError(int status, std::string_view code, std::string_view description) {
    http::Response response = http::Response::error(status, code, description);
    response.noStore();
    return response;
}

http::Response created(const Poco::JSON::Object& object) {
    http::Response response = http::Response::json(201, object);
    response.noStore();
    return response;
}

// The members of a JSON body, read defensively: Poco's Var conversions throw.
class Body {
public:
    explicit Body(Poco::JSON::Object::Ptr object) : object_(std::move(object)) {}

    std::optional<std::string> unknownField(const std::set<std::string>& known) const {
        for (const auto& [name, value] : *object_) {
            if (known.count(name) == 0) {
                return name;
            }
        }
        return std::nullopt;
    }

    bool has(const std::string& name) const {
        return object_->has(name) && !object_->get(name).isEmpty();
    }

    std::optional<std::string> string(const std::string& name, std::size_t max_chars) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const Poco::Dynamic::Var value = object_->get(name);
        if (!value.isString()) {
            throw FieldError{name + " must be a string"};
        }
        std::string text = value.extract<std::string>();
        if (text.size() > max_chars) {
            throw FieldError{name + " is longer than " + std::to_string(max_chars) + " characters"};
        }
        for (char c : text) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                throw FieldError{name + " contains a control character"};
            }
        }
        return text;
    }

    std::optional<bool> boolean(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const Poco::Dynamic::Var value = object_->get(name);
        if (value.type() != typeid(bool)) {
            throw FieldError{name + " must be true or false"};
        }
        return value.extract<bool>();
    }

    std::optional<std::vector<std::string>> strings(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const Poco::JSON::Array::Ptr array = object_->getArray(name);
        if (!array) {
            throw FieldError{name + " must be an array of strings"};
        }
        if (array->size() > kMaxListItems) {
            throw FieldError{name + " has more than " + std::to_string(kMaxListItems) + " items"};
        }
        std::vector<std::string> out;
        for (std::size_t i = 0; i < array->size(); ++i) {
            const Poco::Dynamic::Var item = array->get(static_cast<unsigned int>(i));
            if (!item.isString()) {
                throw FieldError{name + " must be an array of strings"};
            }
            std::string text = item.extract<std::string>();
            if (std::find(out.begin(), out.end(), text) != out.end()) {
                throw FieldError{name + " lists \"" + text + "\" twice"};
            }
            out.push_back(std::move(text));
        }
        return out;
    }

    /// A lifetime as a duration string ("5m", "7d") or whole seconds.
    std::optional<sdk::Seconds> duration(const std::string& name) const {
        if (!has(name)) {
            return std::nullopt;
        }
        const Poco::Dynamic::Var value = object_->get(name);
        sdk::Seconds seconds = 0;
        if (value.isString()) {
            auto parsed = config::parseDuration(value.extract<std::string>());
            if (!parsed) {
                throw FieldError{name + ": " + parsed.error().message};
            }
            seconds = *parsed;
        } else if (value.isInteger() && value.type() != typeid(bool)) {
            seconds = value.convert<sdk::Seconds>();
        } else {
            throw FieldError{name + " must be a duration such as \"5m\" or \"7d\""};
        }
        if (seconds <= 0 || seconds > kMaxLifetime) {
            throw FieldError{name + " must be between 1s and 366d"};
        }
        return seconds;
    }

private:
    Poco::JSON::Object::Ptr object_;
};

std::string slugOf(std::string_view name) {
    std::string slug;
    for (char c : name) {
        if (slug.size() >= kMaxSlugChars) {
            break;
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            slug += c;
        } else if (c >= 'A' && c <= 'Z') {
            slug += static_cast<char>(c - 'A' + 'a');
        } else if (!slug.empty() && slug.back() != '_') {
            slug += '_';
        }
    }
    while (!slug.empty() && slug.back() == '_') {
        slug.pop_back();
    }
    return slug.empty() ? std::string("app") : slug;
}

std::vector<std::string> uriList(const Body& body, const std::string& field, bool development) {
    std::vector<std::string> uris = body.strings(field).value_or(std::vector<std::string>());
    for (const auto& uri : uris) {
        if (auto problem = redirectUriProblem(uri, development)) {
            throw FieldError{field + ": " + *problem + " (" + uri + ")"};
        }
    }
    return uris;
}

std::string algField(const Body& body, const std::string& field) {
    const auto value = body.string(field, 16);
    if (!value) {
        return {};
    }
    if (!tokens::parseAlg(*value)) {
        throw FieldError{field + " must be HS256, RS256, ES256 or EdDSA"};
    }
    return *value;
}

bool isToken(std::string_view text) {
    return !text.empty() && text.size() <= 32 &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
           });
}

// Deliberately loose (RFC 5321 addresses are hard to validate exactly): one address, no
// spaces, a local part and a dotted domain.
bool plausibleEmail(std::string_view email) {
    const auto at = email.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > 64 || email.size() > 254) {
        return false;
    }
    const std::string_view domain = email.substr(at + 1);
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
        domain.find('.') == std::string_view::npos || domain.find("..") != std::string_view::npos) {
        return false;
    }
    return std::none_of(email.begin(), email.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
               c == ',' || c == ';' || c == '"';
    });
}

Poco::JSON::Array::Ptr jsonArray(const std::vector<std::string>& items) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array();
    for (const auto& item : items) {
        array->add(item);
    }
    return array;
}

class BootstrapAdmin {
public:
    BootstrapAdmin(ProviderContext& ctx, std::string token)
        : ctx_(ctx), token_(std::move(token)) {}

    http::Response createProject(http::Request& request) {
        auto body = parse(request, kProjectFields);
        if (auto* refused = std::get_if<http::Response>(&body)) {
            return std::move(*refused);
        }
        try {
            return createProject(request, std::get<Body>(body));
        } catch (const FieldError& error) {
            return adminError(400, "invalid_request", error.description);
        }
    }

    http::Response createUser(http::Request& request) {
        auto body = parse(request, kUserFields);
        if (auto* refused = std::get_if<http::Response>(&body)) {
            return std::move(*refused);
        }
        try {
            return createUser(request, std::get<Body>(body));
        } catch (const FieldError& error) {
            return adminError(400, "invalid_request", error.description);
        }
    }

private:
    std::variant<Body, http::Response> parse(const http::Request& request,
                                             const std::set<std::string>& fields) {
        if (token_.empty()) {
            return unauthorized("the admin API is disabled: no admin token is configured");
        }
        const std::string* authorization = request.headers.find("Authorization");
        if (authorization == nullptr || authorization->size() < 7 ||
            !http::equalsIgnoreCase(std::string_view(*authorization).substr(0, 7), "Bearer ")) {
            return unauthorized("an admin bearer token is required");
        }
        if (!crypto::constantTimeEquals(std::string_view(*authorization).substr(7), token_)) {
            return unauthorized("the admin token is not valid");
        }
        auto object = http::parseJsonObject(request.body);
        if (!object) {
            return adminError(400, "invalid_request", object.error().message);
        }
        Body body(*object);
        if (auto unknown = body.unknownField(fields)) {
            return adminError(400, "invalid_request", "unknown field: " + *unknown);
        }
        return body;
    }

    static http::Response unauthorized(std::string_view description) {
        http::Response response = adminError(401, "unauthorized", description);
        response.headers.set("WWW-Authenticate", "Bearer realm=\"authd admin\"");
        return response;
    }

    http::Response createProject(const http::Request& request, const Body& body) {
        const sdk::UnixTime now = ctx_.now();
        sdk::Project project;
        const auto name = body.string("name", kMaxNameChars);
        if (!name || name->empty()) {
            throw FieldError{"name is required"};
        }
        project.name = *name;
        project.description = body.string("description", kMaxDescriptionChars).value_or("");
        project.client_type = body.string("client_type", 16).value_or("confidential");
        if (project.client_type != "confidential" && project.client_type != "public") {
            throw FieldError{"client_type must be confidential or public"};
        }
        const bool is_public = project.client_type == "public";
        project.development = body.boolean("development").value_or(false);
        project.skip_consent = body.boolean("skip_consent").value_or(false);
        if (!body.has("redirect_uris")) {
            throw FieldError{"redirect_uris is required"};
        }
        project.redirect_uris = uriList(body, "redirect_uris", project.development);
        project.post_logout_redirect_uris =
            uriList(body, "post_logout_redirect_uris", project.development);

        project.grant_types = body.strings("grant_types")
                                  .value_or(is_public ? std::vector<std::string>{"authorization_code",
                                                                                 "refresh_token"}
                                                      : std::vector<std::string>{
                                                            "authorization_code", "refresh_token",
                                                            "client_credentials"});
        if (project.grant_types.empty()) {
            throw FieldError{"grant_types must name at least one grant"};
        }
        for (const auto& grant : project.grant_types) {
            if (kGrantTypes.count(grant) == 0) {
                throw FieldError{"grant_types: unknown grant " + grant};
            }
        }
        const auto allows = [&](std::string_view grant) {
            return std::find(project.grant_types.begin(), project.grant_types.end(), grant) !=
                   project.grant_types.end();
        };
        if (is_public && allows("client_credentials")) {
            throw FieldError{"grant_types: a public client cannot use client_credentials"};
        }
        if (allows("authorization_code") && project.redirect_uris.empty()) {
            throw FieldError{"redirect_uris must list at least one URI for authorization_code"};
        }

        project.scopes = body.strings("scopes").value_or(
            std::vector<std::string>{"openid", "profile", "email", "offline_access"});
        for (const auto& scope : project.scopes) {
            const auto parsed = parseScope(scope);
            if (!parsed || parsed->size() != 1) {
                throw FieldError{"scopes: \"" + scope + "\" is not a scope token"};
            }
        }
        project.id_token_alg = algField(body, "id_token_signed_response_alg");
        if (is_public && project.id_token_alg == "HS256") {
            throw FieldError{"id_token_signed_response_alg: a public client has no secret to key "
                             "HS256; use RS256, ES256 or EdDSA"};
        }
        project.access_token_alg = algField(body, "access_token_alg");
        if (project.access_token_alg.empty()) {
            project.access_token_alg = "HS256";
        }
        project.access_ttl = body.duration("access_ttl").value_or(0);
        project.refresh_ttl = body.duration("refresh_ttl").value_or(0);
        project.id_token_ttl = body.duration("id_token_ttl").value_or(0);
        if (auto uri = body.string("backchannel_logout_uri", 2000); uri && !uri->empty()) {
            if (uri->rfind("http://", 0) != 0 && uri->rfind("https://", 0) != 0) {
                throw FieldError{"backchannel_logout_uri must be an http(s) URL"};
            }
            if (auto problem = redirectUriProblem(*uri, project.development)) {
                throw FieldError{"backchannel_logout_uri: " + *problem};
            }
            project.backchannel_logout_uri = *uri;
        }
        project.created_at = now;
        project.updated_at = now;

        const std::string client_secret = is_public ? std::string() : crypto::randomHex(32);
        const std::string signing_key = crypto::randomHex(32);
        if ((!is_public && client_secret.empty()) || signing_key.empty()) {
            return adminError(500, "server_error", "the CSPRNG failed");
        }
        const std::string base_id = "proj_" + slugOf(project.name);
        sdk::Result<void> stored = sdk::makeError(sdk::ErrorCode::conflict, "not tried");
        for (int attempt = 0; attempt < 5 && !stored && stored.error().code == sdk::ErrorCode::conflict;
             ++attempt) {
            project.client_id = attempt == 0 ? base_id : base_id + "_" + crypto::randomHex(3);
            auto sealed_key = ctx_.box.seal(signing_key, app::signingKeyAad(project.client_id));
            if (!sealed_key) {
                return adminError(500, "server_error", "the signing key could not be sealed");
            }
            project.signing_key_enc = std::move(*sealed_key);
            project.client_secret_enc.clear();
            if (!is_public) {
                auto sealed = ctx_.box.seal(client_secret, app::clientSecretAad(project.client_id));
                if (!sealed) {
                    return adminError(500, "server_error", "the client secret could not be sealed");
                }
                project.client_secret_enc = std::move(*sealed);
            }
            stored = ctx_.store.projects().create(project);
        }
        if (!stored) {
            return adminError(stored.error().code == sdk::ErrorCode::unavailable ? 503 : 500,
                              "server_error", "the project could not be stored");
        }
        ctx_.clients.invalidate(project.client_id);
        audit("project.created", "", project.client_id, request);

        Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
        out.set("client_id", project.client_id);
        out.set("client_secret", is_public ? Poco::Dynamic::Var() : Poco::Dynamic::Var(client_secret));
        out.set("signing_key", signing_key);
        out.set("name", project.name);
        out.set("description", project.description);
        out.set("client_type", project.client_type);
        out.set("redirect_uris", jsonArray(project.redirect_uris));
        out.set("post_logout_redirect_uris", jsonArray(project.post_logout_redirect_uris));
        out.set("grant_types", jsonArray(project.grant_types));
        out.set("scopes", jsonArray(project.scopes));
        // The alg in effect: the project's, else the configured default, which a public
        // client (no secret to key HS256 with) gets as RS256.
        std::string id_token_alg = project.id_token_alg;
        if (id_token_alg.empty()) {
            id_token_alg = ctx_.config.tokens.default_id_token_alg;
            if (is_public && id_token_alg == "HS256") {
                id_token_alg = "RS256";
            }
        }
        out.set("id_token_signed_response_alg", id_token_alg);
        out.set("access_token_alg", project.access_token_alg);
        const auto lifetime = [](sdk::Seconds seconds) {
            return seconds == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(config::formatDuration(seconds));
        };
        out.set("access_ttl", lifetime(project.access_ttl));
        out.set("refresh_ttl", lifetime(project.refresh_ttl));
        out.set("id_token_ttl", lifetime(project.id_token_ttl));
        out.set("backchannel_logout_uri", project.backchannel_logout_uri.empty()
                                              ? Poco::Dynamic::Var()
                                              : Poco::Dynamic::Var(project.backchannel_logout_uri));
        out.set("skip_consent", project.skip_consent);
        out.set("development", project.development);
        out.set("created_at", project.created_at);
        return created(out);
    }

    http::Response createUser(const http::Request& request, const Body& body) {
        const sdk::UnixTime now = ctx_.now();
        sdk::User user;
        auto email = body.string("email", 254);
        if (!email || email->empty()) {
            throw FieldError{"email is required"};
        }
        std::transform(email->begin(), email->end(), email->begin(), [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        });
        if (!plausibleEmail(*email)) {
            throw FieldError{"email is not a valid email address"};
        }
        user.email = std::move(*email);
        user.name = body.string("name", kMaxNameChars).value_or("");
        user.picture = body.string("picture", 2000).value_or("");
        if (!user.picture.empty() && user.picture.rfind("https://", 0) != 0 &&
            user.picture.rfind("http://", 0) != 0) {
            throw FieldError{"picture must be an http(s) URL"};
        }
        user.role = body.string("role", 32).value_or("user");
        if (!isToken(user.role)) {
            throw FieldError{"role must be 1-32 characters of a-z, 0-9, _ and -"};
        }
        user.status = body.string("status", 32).value_or("active");
        if (!isToken(user.status)) {
            throw FieldError{"status must be 1-32 characters of a-z, 0-9, _ and -"};
        }
        user.email_verified = body.boolean("email_verified").value_or(false);
        const auto password = body.string("password", 1024);
        const auto pin = body.string("pin", 64);
        sdk::Authenticator* password_authenticator = nullptr;
        sdk::Authenticator* pin_authenticator = nullptr;
        if (password) {
            password_authenticator = findAuthenticator("password");
            if (password_authenticator == nullptr) {
                throw FieldError{"password: no password authenticator is configured"};
            }
        }
        if (pin) {
            pin_authenticator = findAuthenticator("pin");
            if (pin_authenticator == nullptr) {
                throw FieldError{"pin: no pin authenticator is configured"};
            }
        }

        auto existing = ctx_.store.users().findByEmail(user.email);
        if (existing) {
            return adminError(409, "conflict", "a user with this email already exists");
        }
        if (existing.error().code != sdk::ErrorCode::not_found) {
            return adminError(503, "server_error", "the user store cannot be reached");
        }
        user.id = crypto::uuidV4();
        if (user.id.empty()) {
            return adminError(500, "server_error", "the CSPRNG failed");
        }
        user.created_at = now;
        user.updated_at = now;
        if (auto stored = ctx_.store.users().create(user); !stored) {
            if (stored.error().code == sdk::ErrorCode::conflict) {
                return adminError(409, "conflict", "a user with this email already exists");
            }
            return adminError(500, "server_error", "the user could not be stored");
        }
        // The authenticators own how their secrets are checked and hashed; a refusal (too
        // short, not digits) undoes the user so that the call can simply be repeated.
        const std::pair<sdk::Authenticator*, const std::optional<std::string>*> credentials[] = {
            {password_authenticator, &password}, {pin_authenticator, &pin}};
        for (const auto& [authenticator, secret] : credentials) {
            if (authenticator == nullptr) {
                continue;
            }
            auto set = authenticator->setCredential(user.id, **secret);
            if (!set) {
                (void)ctx_.store.users().remove(user.id);
                const char* field = authenticator == password_authenticator ? "password" : "pin";
                if (set.error().code == sdk::ErrorCode::invalid_argument) {
                    return adminError(400, "invalid_request",
                                      std::string(field) + ": " + set.error().message);
                }
                return adminError(500, "server_error",
                                  std::string(field) + " could not be set: " + set.error().message);
            }
        }
        audit("user.created", user.id, "", request);

        Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
        out.set("id", user.id);
        out.set("email", user.email);
        out.set("name", user.name);
        out.set("role", user.role);
        out.set("status", user.status);
        out.set("email_verified", user.email_verified);
        out.set("created_at", user.created_at);
        return created(out);
    }

    // The instance with this id, else the first of that plugin.
    sdk::Authenticator* findAuthenticator(std::string_view kind) const {
        for (const auto& instance : ctx_.authenticators) {
            if (instance.id == kind) {
                return instance.authenticator.get();
            }
        }
        for (const auto& instance : ctx_.authenticators) {
            if (instance.plugin == kind) {
                return instance.authenticator.get();
            }
        }
        return nullptr;
    }

    void audit(std::string type, std::string user_id, std::string client_id,
               const http::Request& request) {
        sdk::AuditEvent event;
        event.time = ctx_.now();
        event.type = std::move(type);
        event.user_id = std::move(user_id);
        event.client_id = std::move(client_id);
        event.client_address = request.client_address;
        event.detail = auditDetail({{"actor", "bootstrap_admin_token"}});
        ctx_.audit->record(std::move(event));
    }

    ProviderContext& ctx_;
    const std::string token_;
};

}  // namespace

void addBootstrapAdminRoutes(http::Router& router, ProviderContext& ctx) {
    const auto& secrets = ctx.config.secrets;
    std::string token;
    if (!secrets.admin_token_env.empty() || !secrets.admin_token_file.empty()) {
        auto read = config::readSecret(secrets.admin_token_env, secrets.admin_token_file);
        if (read) {
            token = std::move(*read);
        } else {
            ctx.log().log(sdk::LogLevel::info, "admin.disabled",
                          "the admin API answers 401: " + read.error().message);
        }
    }
    auto admin = std::make_shared<BootstrapAdmin>(ctx, std::move(token));
    router.add({"POST"}, "/admin/api/v1/projects",
               [admin](http::Request& request) { return admin->createProject(request); });
    router.add({"POST"}, "/admin/api/v1/users",
               [admin](http::Request& request) { return admin->createUser(request); });
}

}  // namespace authd::oauth
