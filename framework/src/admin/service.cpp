// SPDX-License-Identifier: Apache-2.0
#include "admin/service.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "app/project_secrets.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/scopes.hpp"
#include "oauth/state_cache.hpp"
#include "plugin/boundary_guard.hpp"

namespace authd::admin {
namespace {

constexpr std::size_t kMaxNameChars = 200;
constexpr std::size_t kMaxDescriptionChars = 2000;
constexpr std::size_t kMaxUriChars = 2000;
constexpr std::size_t kMaxListItems = 100;
constexpr std::size_t kMaxSlugChars = 32;
constexpr sdk::Seconds kMaxLifetime = 366 * 86400;
constexpr sdk::Seconds kMaxGrace = 30 * 86400;
constexpr sdk::Seconds kDefaultKeyKeep = 30 * 86400;
constexpr int kMaxPage = 200;

const std::set<std::string> kGrantTypes = {"authorization_code", "refresh_token",
                                           "client_credentials"};

sdk::Error fieldError(const std::string& field, const std::string& problem) {
    return sdk::Error{sdk::ErrorCode::invalid_argument, field + ": " + problem};
}

std::optional<sdk::Error> textProblem(const std::string& field, const std::string& text,
                                      std::size_t max_chars) {
    if (text.size() > max_chars) {
        return fieldError(field, "longer than " + std::to_string(max_chars) + " characters");
    }
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return fieldError(field, "contains a control character");
        }
    }
    return std::nullopt;
}

bool isToken(std::string_view text) {
    return !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](char c) {
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

std::string lowerAscii(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return text;
}

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

bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::optional<sdk::Error> listProblem(const std::string& field,
                                      const std::vector<std::string>& items) {
    if (items.size() > kMaxListItems) {
        return fieldError(field, "more than " + std::to_string(kMaxListItems) + " items");
    }
    std::set<std::string> seen;
    for (const auto& item : items) {
        if (!seen.insert(item).second) {
            return fieldError(field, "lists \"" + item + "\" twice");
        }
        if (auto problem = textProblem(field, item, kMaxUriChars)) {
            return problem;
        }
    }
    return std::nullopt;
}

std::optional<sdk::Error> lifetimeProblem(const std::string& field, sdk::Seconds seconds) {
    if (seconds < 0 || seconds > kMaxLifetime) {
        return fieldError(field, "must be between 1s and 366d");
    }
    return std::nullopt;
}

sdk::Error storeError(const sdk::Error& error, const std::string& what) {
    if (error.code == sdk::ErrorCode::not_found || error.code == sdk::ErrorCode::conflict ||
        error.code == sdk::ErrorCode::invalid_argument) {
        return error;
    }
    const auto code = error.code == sdk::ErrorCode::unavailable ? sdk::ErrorCode::unavailable
                                                                : sdk::ErrorCode::internal;
    return sdk::Error{code, what + ": " + error.message};
}

int clampLimit(int limit) {
    return limit <= 0 ? 50 : std::min(limit, kMaxPage);
}

// Inside a transaction: `made` as the user's credential of its kind (keeping the created_at
// of the one it replaces), and the counters it resets.
sdk::Result<void> storeCredential(sdk::Storage& tx, const sdk::NewCredential& made,
                                  const std::string& user_id, sdk::UnixTime now) {
    sdk::Credential credential = made.credential;
    credential.user_id = user_id;
    credential.created_at = now;
    credential.updated_at = now;
    auto existing = tx.credentials().get(user_id, credential.kind);
    if (existing) {
        credential.created_at = existing->created_at;
    } else if (existing.error().code != sdk::ErrorCode::not_found) {
        return existing.error();
    }
    if (auto stored = tx.credentials().put(credential); !stored) {
        return stored;
    }
    for (const auto& key : made.reset_counters) {
        if (auto reset = tx.counters().reset(key); !reset) {
            return reset;
        }
    }
    return sdk::ok();
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out;
}

} // namespace

std::string effectiveIdTokenAlg(const oauth::ProviderContext& ctx, const sdk::Project& project) {
    if (!project.id_token_alg.empty()) {
        return project.id_token_alg;
    }
    std::string alg = ctx.config.tokens.default_id_token_alg;
    if (project.client_type == "public" && alg == "HS256") {
        alg = "RS256";
    }
    return alg;
}

AdminService::AdminService(oauth::ProviderContext& ctx) : ctx_(ctx) {}

sdk::AuditEvent AdminService::event(
    std::string type, const Actor& actor, std::string user_id, std::string client_id,
    const std::vector<std::pair<std::string_view, std::string_view>>& extra) const {
    sdk::AuditEvent out;
    out.id = crypto::uuidV4();
    out.time = ctx_.now();
    out.type = std::move(type);
    out.user_id = std::move(user_id);
    out.client_id = std::move(client_id);
    out.client_address = actor.client_address;
    std::vector<std::pair<std::string_view, std::string_view>> members = {{"actor", actor.kind}};
    if (!actor.user_id.empty()) {
        members.emplace_back("actor_user", actor.user_id);
    }
    members.insert(members.end(), extra.begin(), extra.end());
    out.detail = oauth::auditDetail(members);
    return out;
}

sdk::Result<void>
AdminService::writeWithAudit(const std::function<sdk::Result<void>(sdk::Storage&)>& change,
                             sdk::AuditEvent audit) {
    std::optional<sdk::Error> inner;
    auto done = ctx_.store.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto changed = change(tx); !changed) {
            inner = changed.error();
            return changed;
        }
        return tx.audit().append(audit);
    });
    if (!done) {
        return inner ? *inner : storeError(done.error(), "the change could not be stored");
    }
    return sdk::ok();
}

sdk::Result<void> AdminService::validateProject(const sdk::Project& project) const {
    if (project.name.empty()) {
        return fieldError("name", "is required");
    }
    if (auto p = textProblem("name", project.name, kMaxNameChars)) {
        return *p;
    }
    if (auto p = textProblem("description", project.description, kMaxDescriptionChars)) {
        return *p;
    }
    if (project.client_type != "confidential" && project.client_type != "public") {
        return fieldError("client_type", "must be confidential or public");
    }
    const bool is_public = project.client_type == "public";
    for (const auto* field : {"redirect_uris", "post_logout_redirect_uris"}) {
        const auto& uris = std::string_view(field) == "redirect_uris"
                               ? project.redirect_uris
                               : project.post_logout_redirect_uris;
        if (auto p = listProblem(field, uris)) {
            return *p;
        }
        for (const auto& uri : uris) {
            if (auto problem = oauth::redirectUriProblem(uri, project.development)) {
                return fieldError(field, *problem + " (" + uri + ")");
            }
        }
    }
    if (project.grant_types.empty()) {
        return fieldError("grant_types", "must name at least one grant");
    }
    if (auto p = listProblem("grant_types", project.grant_types)) {
        return *p;
    }
    for (const auto& grant : project.grant_types) {
        if (kGrantTypes.count(grant) == 0) {
            return fieldError("grant_types", "unknown grant " + grant);
        }
    }
    if (is_public && contains(project.grant_types, "client_credentials")) {
        return fieldError("grant_types", "a public client cannot use client_credentials");
    }
    if (contains(project.grant_types, "authorization_code") && project.redirect_uris.empty()) {
        return fieldError("redirect_uris", "must list at least one URI for authorization_code");
    }
    if (auto p = listProblem("scopes", project.scopes)) {
        return *p;
    }
    for (const auto& scope : project.scopes) {
        const auto parsed = oauth::parseScope(scope);
        if (!parsed || parsed->size() != 1) {
            return fieldError("scopes", "\"" + scope + "\" is not a scope token");
        }
    }
    if (auto p = listProblem("authenticators", project.authenticators)) {
        return *p;
    }
    for (const auto& id : project.authenticators) {
        const bool known = std::any_of(
            ctx_.authenticators.begin(), ctx_.authenticators.end(),
            [&](const app::AuthenticatorInstance& instance) { return instance.id == id; });
        if (!known) {
            return fieldError("authenticators", "no authenticator instance \"" + id + "\"");
        }
    }
    if (!project.id_token_alg.empty() && !tokens::parseAlg(project.id_token_alg)) {
        return fieldError("id_token_signed_response_alg", "must be HS256, RS256, ES256 or EdDSA");
    }
    if (is_public && project.id_token_alg == "HS256") {
        return fieldError("id_token_signed_response_alg",
                          "a public client has no secret to key HS256; use RS256, ES256 or EdDSA");
    }
    if (!tokens::parseAlg(project.access_token_alg)) {
        return fieldError("access_token_alg", "must be HS256, RS256, ES256 or EdDSA");
    }
    if (auto p = lifetimeProblem("access_ttl", project.access_ttl)) {
        return *p;
    }
    if (auto p = lifetimeProblem("refresh_ttl", project.refresh_ttl)) {
        return *p;
    }
    if (auto p = lifetimeProblem("id_token_ttl", project.id_token_ttl)) {
        return *p;
    }
    const auto& policy = project.policy;
    if (auto p = listProblem("access_policy.roles", policy.roles)) {
        return *p;
    }
    for (const auto& role : policy.roles) {
        if (!isToken(role)) {
            return fieldError("access_policy.roles", "\"" + role + "\" is not a role name");
        }
    }
    if (auto p = listProblem("access_policy.statuses", policy.statuses)) {
        return *p;
    }
    for (const auto& status : policy.statuses) {
        if (!isToken(status)) {
            return fieldError("access_policy.statuses", "\"" + status + "\" is not a status name");
        }
    }
    if (auto p = listProblem("access_policy.email_domains", policy.email_domains)) {
        return *p;
    }
    for (const auto& domain : policy.email_domains) {
        if (domain.empty() || domain.find('@') != std::string::npos ||
            domain.find('.') == std::string::npos || domain.find(' ') != std::string::npos) {
            return fieldError("access_policy.email_domains",
                              "\"" + domain + "\" is not a domain name");
        }
    }
    if (auto p = listProblem("access_policy.authenticators", policy.authenticators)) {
        return *p;
    }
    if (!project.backchannel_logout_uri.empty()) {
        const auto& uri = project.backchannel_logout_uri;
        if (auto p = textProblem("backchannel_logout_uri", uri, kMaxUriChars)) {
            return *p;
        }
        if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0) {
            return fieldError("backchannel_logout_uri", "must be an http(s) URL");
        }
        if (auto problem = oauth::redirectUriProblem(uri, project.development)) {
            return fieldError("backchannel_logout_uri", *problem);
        }
    }
    return sdk::ok();
}

sdk::Result<CreatedProject> AdminService::createProject(const ProjectInput& input,
                                                        const Actor& actor) {
    const sdk::UnixTime now = ctx_.now();
    sdk::Project project;
    project.name = input.name;
    project.description = input.description;
    project.owner_id = input.owner_id;
    project.client_type = input.client_type;
    const bool is_public = project.client_type == "public";
    project.redirect_uris = input.redirect_uris;
    project.post_logout_redirect_uris = input.post_logout_redirect_uris;
    project.grant_types = input.grant_types.value_or(
        is_public ? std::vector<std::string>{"authorization_code", "refresh_token"}
                  : std::vector<std::string>{"authorization_code", "refresh_token",
                                             "client_credentials"});
    project.scopes = input.scopes.value_or(
        std::vector<std::string>{"openid", "profile", "email", "offline_access"});
    project.authenticators = input.authenticators;
    project.id_token_alg = input.id_token_alg;
    project.access_token_alg = input.access_token_alg.empty() ? "HS256" : input.access_token_alg;
    project.access_ttl = input.access_ttl;
    project.refresh_ttl = input.refresh_ttl;
    project.id_token_ttl = input.id_token_ttl;
    project.policy = input.policy;
    project.backchannel_logout_uri = input.backchannel_logout_uri;
    project.development = input.development;
    project.skip_consent = input.skip_consent;
    project.created_at = now;
    project.updated_at = now;
    if (auto valid = validateProject(project); !valid) {
        return valid.error();
    }

    CreatedProject out;
    out.client_secret = is_public ? std::string() : crypto::randomHex(32);
    out.signing_key = crypto::randomHex(32);
    if ((!is_public && out.client_secret.empty()) || out.signing_key.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    const std::string base_id = "proj_" + slugOf(project.name);
    sdk::Result<void> stored = sdk::makeError(sdk::ErrorCode::conflict, "not tried");
    for (int attempt = 0; attempt < 5 && !stored && stored.error().code == sdk::ErrorCode::conflict;
         ++attempt) {
        project.client_id = attempt == 0 ? base_id : base_id + "_" + crypto::randomHex(3);
        auto sealed_key = ctx_.box.seal(out.signing_key, app::signingKeyAad(project.client_id));
        if (!sealed_key) {
            return sdk::makeError(sdk::ErrorCode::internal, "the signing key could not be sealed");
        }
        project.signing_key_enc = std::move(*sealed_key);
        project.client_secret_enc.clear();
        if (!is_public) {
            auto sealed = ctx_.box.seal(out.client_secret, app::clientSecretAad(project.client_id));
            if (!sealed) {
                return sdk::makeError(sdk::ErrorCode::internal,
                                      "the client secret could not be sealed");
            }
            project.client_secret_enc = std::move(*sealed);
        }
        stored = writeWithAudit([&](sdk::Storage& tx) { return tx.projects().create(project); },
                                event("project.created", actor, "", project.client_id));
    }
    if (!stored) {
        return storeError(stored.error(), "the project could not be stored");
    }
    ctx_.clients.invalidate(project.client_id);
    out.project = std::move(project);
    return out;
}

sdk::Result<sdk::Slice<sdk::Project>>
AdminService::listProjects(const std::string& cursor, int limit, const std::string& owner_id) {
    auto listed = ctx_.store.projects().list(owner_id, cursor, clampLimit(limit));
    if (!listed) {
        return storeError(listed.error(), "the projects could not be listed");
    }
    return listed;
}

sdk::Result<sdk::Project> AdminService::getProject(const std::string& client_id) {
    auto project = ctx_.store.projects().get(client_id);
    if (!project) {
        if (project.error().code == sdk::ErrorCode::not_found) {
            return sdk::makeError(sdk::ErrorCode::not_found, "no project " + client_id);
        }
        return storeError(project.error(), "the project could not be read");
    }
    return project;
}

sdk::Result<sdk::Project> AdminService::updateProject(const std::string& client_id,
                                                      const ProjectPatch& patch,
                                                      const Actor& actor) {
    auto current = getProject(client_id);
    if (!current) {
        return current.error();
    }
    sdk::Project project = std::move(*current);
    if (patch.name) {
        project.name = *patch.name;
    }
    if (patch.description) {
        project.description = *patch.description;
    }
    if (patch.redirect_uris) {
        project.redirect_uris = *patch.redirect_uris;
    }
    if (patch.post_logout_redirect_uris) {
        project.post_logout_redirect_uris = *patch.post_logout_redirect_uris;
    }
    if (patch.grant_types) {
        project.grant_types = *patch.grant_types;
    }
    if (patch.scopes) {
        project.scopes = *patch.scopes;
    }
    if (patch.authenticators) {
        project.authenticators = *patch.authenticators;
    }
    if (patch.id_token_alg) {
        project.id_token_alg = *patch.id_token_alg;
    }
    if (patch.access_token_alg) {
        project.access_token_alg = *patch.access_token_alg;
    }
    if (patch.access_ttl) {
        project.access_ttl = *patch.access_ttl;
    }
    if (patch.refresh_ttl) {
        project.refresh_ttl = *patch.refresh_ttl;
    }
    if (patch.id_token_ttl) {
        project.id_token_ttl = *patch.id_token_ttl;
    }
    if (patch.policy) {
        project.policy = *patch.policy;
    }
    if (patch.backchannel_logout_uri) {
        project.backchannel_logout_uri = *patch.backchannel_logout_uri;
    }
    if (patch.development) {
        project.development = *patch.development;
    }
    if (patch.skip_consent) {
        project.skip_consent = *patch.skip_consent;
    }
    project.updated_at = ctx_.now();
    if (auto valid = validateProject(project); !valid) {
        return valid.error();
    }
    auto written = writeWithAudit([&](sdk::Storage& tx) { return tx.projects().update(project); },
                                  event("project.updated", actor, "", client_id));
    ctx_.clients.invalidate(client_id);
    if (!written) {
        return storeError(written.error(), "the project could not be updated");
    }
    return project;
}

sdk::Result<void> AdminService::deleteProject(const std::string& client_id, const Actor& actor) {
    if (auto found = getProject(client_id); !found) {
        return found.error();
    }
    auto removed = writeWithAudit([&](sdk::Storage& tx) { return tx.projects().remove(client_id); },
                                  event("project.deleted", actor, "", client_id));
    ctx_.clients.invalidate(client_id);
    ctx_.state->forgetAllFamilies();
    if (!removed) {
        return storeError(removed.error(), "the project could not be deleted");
    }
    return sdk::ok();
}

sdk::Result<std::string> AdminService::rotateSecret(const std::string& client_id,
                                                    const Actor& actor) {
    auto project = getProject(client_id);
    if (!project) {
        return project.error();
    }
    if (project->client_type == "public") {
        return fieldError("client_type", "a public client has no secret to rotate");
    }
    std::string secret = crypto::randomHex(32);
    if (secret.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    auto sealed = ctx_.box.seal(secret, app::clientSecretAad(client_id));
    if (!sealed) {
        return sdk::makeError(sdk::ErrorCode::internal, "the client secret could not be sealed");
    }
    project->client_secret_enc = std::move(*sealed);
    project->updated_at = ctx_.now();
    auto written = writeWithAudit([&](sdk::Storage& tx) { return tx.projects().update(*project); },
                                  event("project.secret_rotated", actor, "", client_id));
    ctx_.clients.invalidate(client_id);
    if (!written) {
        return storeError(written.error(), "the project could not be updated");
    }
    return secret;
}

sdk::Result<std::string> AdminService::rotateSigningKey(const std::string& client_id,
                                                        sdk::Seconds grace, const Actor& actor) {
    if (grace < 0 || grace > kMaxGrace) {
        return fieldError("grace", "must be between 0s and 30d");
    }
    auto project = getProject(client_id);
    if (!project) {
        return project.error();
    }
    std::string key = crypto::randomHex(32);
    if (key.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    auto sealed = ctx_.box.seal(key, app::signingKeyAad(client_id));
    if (!sealed) {
        return sdk::makeError(sdk::ErrorCode::internal, "the signing key could not be sealed");
    }
    const sdk::UnixTime now = ctx_.now();
    // The sealed current key moves over unchanged: the AAD binds it to the project, not the
    // field, so it still opens as the previous key.
    if (grace > 0) {
        project->previous_signing_key_enc = project->signing_key_enc;
        project->previous_signing_key_until = now + grace;
    } else {
        project->previous_signing_key_enc.clear();
        project->previous_signing_key_until = 0;
    }
    project->signing_key_enc = std::move(*sealed);
    project->updated_at = now;
    auto written = writeWithAudit([&](sdk::Storage& tx) { return tx.projects().update(*project); },
                                  event("project.signing_key_rotated", actor, "", client_id));
    ctx_.clients.invalidate(client_id);
    if (!written) {
        return storeError(written.error(), "the project could not be updated");
    }
    return key;
}

sdk::Result<std::string> AdminService::signingKey(const std::string& client_id) {
    auto project = getProject(client_id);
    if (!project) {
        return project.error();
    }
    auto opened = ctx_.box.open(project->signing_key_enc, app::signingKeyAad(client_id));
    if (!opened) {
        return sdk::makeError(sdk::ErrorCode::internal, "the signing key does not open");
    }
    return opened;
}

namespace {

constexpr std::size_t kInviteIdChars = 16;

Invite inviteOf(const sdk::PluginRecord& record) {
    Invite invite;
    invite.id = record.key.substr(0, kInviteIdChars);
    const auto space = record.value.find(' ');
    if (space == std::string::npos) {
        invite.actor = "admin_session";
        invite.created_by = record.value;
    } else {
        invite.actor = record.value.substr(0, space);
        invite.created_by = record.value.substr(space + 1);
    }
    invite.expires_at = record.expires_at;
    invite.created_at = record.expires_at - kInviteTtl;
    return invite;
}

bool isInviteId(std::string_view id) {
    return id.size() == kInviteIdChars && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

} // namespace

sdk::Result<CreatedInvite> AdminService::createInvite(const Actor& actor) {
    CreatedInvite out;
    out.code = crypto::randomToken(16);
    if (out.code.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    sdk::PluginRecord record;
    record.ns = std::string(kInviteNamespace);
    record.key = crypto::sha256Hex(out.code);
    record.value = actor.kind + " " + actor.user_id;
    record.expires_at = ctx_.now() + kInviteTtl;
    out.invite = inviteOf(record);
    auto stored = writeWithAudit(
        [&](sdk::Storage& tx) { return tx.pluginData().put(record); },
        event("invite.created", actor, actor.user_id, "", {{"invite", out.invite.id}}));
    if (!stored) {
        return storeError(stored.error(), "the invite could not be stored");
    }
    return out;
}

sdk::Result<sdk::Slice<Invite>> AdminService::listInvites(const std::string& cursor, int limit) {
    auto listed = ctx_.store.pluginData().list(std::string(kInviteNamespace), ctx_.now(), cursor,
                                               clampLimit(limit));
    if (!listed) {
        return storeError(listed.error(), "the invites could not be listed");
    }
    sdk::Slice<Invite> out;
    for (const auto& record : listed->items) {
        out.items.push_back(inviteOf(record));
    }
    out.next_cursor = listed->next_cursor;
    return out;
}

sdk::Result<void> AdminService::withdrawInvite(const std::string& id, const Actor& actor) {
    if (!isInviteId(id)) {
        return fieldError("id", "must be 16 lower-case hexadecimal digits");
    }
    // Keys are the codes' hashes, listed in order: the invite is the live key with this prefix.
    std::string key;
    std::string cursor;
    do {
        auto page = ctx_.store.pluginData().list(std::string(kInviteNamespace), ctx_.now(),
                                                 cursor, 1000);
        if (!page) {
            return storeError(page.error(), "the invites could not be listed");
        }
        for (const auto& record : page->items) {
            if (record.key.compare(0, kInviteIdChars, id) == 0) {
                key = record.key;
            }
        }
        cursor = page->next_cursor;
    } while (key.empty() && !cursor.empty());
    if (key.empty()) {
        return sdk::makeError(sdk::ErrorCode::not_found, "no invite " + id);
    }
    auto removed = writeWithAudit(
        [&](sdk::Storage& tx) { return tx.pluginData().remove(std::string(kInviteNamespace), key); },
        event("invite.withdrawn", actor, actor.user_id, "", {{"invite", id}}));
    if (!removed) {
        if (removed.error().code == sdk::ErrorCode::not_found) {
            return sdk::makeError(sdk::ErrorCode::not_found, "no invite " + id);
        }
        return storeError(removed.error(), "the invite could not be withdrawn");
    }
    return sdk::ok();
}

const app::AuthenticatorInstance*
AdminService::findAuthenticator(std::string_view kind) const {
    for (const auto& instance : ctx_.authenticators) {
        if (instance.id == kind) {
            return &instance;
        }
    }
    for (const auto& instance : ctx_.authenticators) {
        if (instance.plugin == kind) {
            return &instance;
        }
    }
    return nullptr;
}

sdk::Result<sdk::NewCredential>
AdminService::makeCredential(const app::AuthenticatorInstance& instance, const sdk::User& user,
                             const std::string& secret, const std::string& field) const {
    auto made = plugin::guardPluginCall(
        instance.id, "Authenticator::makeCredential", ctx_.log(),
        [&] { return instance.authenticator->makeCredential(user, secret); });
    if (!made) {
        if (made.error().code == sdk::ErrorCode::invalid_argument ||
            made.error().code == sdk::ErrorCode::unsupported) {
            return fieldError(field, made.error().message);
        }
        return sdk::makeError(sdk::ErrorCode::internal,
                              field + " could not be set: " + made.error().message);
    }
    if (made->credential.kind.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              field + " could not be set: authenticator " + instance.id +
                                  " made a credential without a kind");
    }
    return made;
}

sdk::Result<sdk::User> AdminService::createUser(const UserInput& input, const Actor& actor) {
    const sdk::UnixTime now = ctx_.now();
    sdk::User user;
    user.email = lowerAscii(input.email);
    if (user.email.empty()) {
        return fieldError("email", "is required");
    }
    if (!plausibleEmail(user.email)) {
        return fieldError("email", "is not a valid email address");
    }
    user.name = input.name;
    if (auto p = textProblem("name", user.name, kMaxNameChars)) {
        return *p;
    }
    user.picture = input.picture;
    if (auto p = textProblem("picture", user.picture, kMaxUriChars)) {
        return *p;
    }
    if (!user.picture.empty() && user.picture.rfind("https://", 0) != 0 &&
        user.picture.rfind("http://", 0) != 0) {
        return fieldError("picture", "must be an http(s) URL");
    }
    user.role = input.role;
    if (!isToken(user.role)) {
        return fieldError("role", "must be 1-32 characters of a-z, 0-9, _ and -");
    }
    user.status = input.status;
    if (!isToken(user.status)) {
        return fieldError("status", "must be 1-32 characters of a-z, 0-9, _ and -");
    }
    user.email_verified = input.email_verified;
    // The authenticators own how their secrets are checked and hashed.
    struct Secret {
        const char* field;
        const std::optional<std::string>& value;
        const app::AuthenticatorInstance* instance = nullptr;
    };
    Secret secrets[] = {{"password", input.password}, {"pin", input.pin}};
    for (auto& secret : secrets) {
        if (!secret.value) {
            continue;
        }
        secret.instance = findAuthenticator(secret.field);
        if (secret.instance == nullptr) {
            return fieldError(secret.field,
                              std::string("no ") + secret.field + " authenticator is configured");
        }
    }
    auto existing = ctx_.store.users().findByEmail(user.email);
    if (existing) {
        return sdk::makeError(sdk::ErrorCode::conflict, "a user with this email already exists");
    }
    if (existing.error().code != sdk::ErrorCode::not_found) {
        return storeError(existing.error(), "the user store cannot be read");
    }
    user.id = crypto::uuidV4();
    if (user.id.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    user.created_at = now;
    user.updated_at = now;
    // Hashing takes long: it happens before the transaction, which then writes the user, the
    // credentials and the event together (a refused secret leaves nothing behind).
    std::vector<sdk::NewCredential> credentials;
    for (const auto& secret : secrets) {
        if (secret.instance == nullptr) {
            continue;
        }
        auto made = makeCredential(*secret.instance, user, *secret.value, secret.field);
        if (!made) {
            return made.error();
        }
        credentials.push_back(std::move(made).value());
    }
    auto stored = writeWithAudit(
        [&](sdk::Storage& tx) -> sdk::Result<void> {
            if (auto created = tx.users().create(user); !created) {
                return created;
            }
            for (const auto& credential : credentials) {
                if (auto set = storeCredential(tx, credential, user.id, now); !set) {
                    return set;
                }
            }
            return sdk::ok();
        },
        event("user.created", actor, user.id, ""));
    if (!stored) {
        if (stored.error().code == sdk::ErrorCode::conflict) {
            return sdk::makeError(sdk::ErrorCode::conflict,
                                  "a user with this email already exists");
        }
        return storeError(stored.error(), "the user could not be stored");
    }
    return user;
}

sdk::Result<sdk::User> AdminService::findUserByEmail(const std::string& email) {
    return ctx_.store.users().findByEmail(lowerAscii(email));
}

sdk::Result<sdk::Slice<sdk::User>> AdminService::listUsers(const std::string& email,
                                                           const std::string& cursor, int limit) {
    sdk::UserQuery query;
    query.email_contains = lowerAscii(email);
    query.cursor = cursor;
    query.limit = clampLimit(limit);
    auto listed = ctx_.store.users().list(query);
    if (!listed) {
        return storeError(listed.error(), "the users could not be listed");
    }
    return listed;
}

sdk::Result<sdk::User> AdminService::getUser(const std::string& id) {
    auto user = ctx_.store.users().get(id);
    if (!user) {
        if (user.error().code == sdk::ErrorCode::not_found) {
            return sdk::makeError(sdk::ErrorCode::not_found, "no user " + id);
        }
        return storeError(user.error(), "the user could not be read");
    }
    return user;
}

sdk::Result<sdk::User> AdminService::updateUser(const std::string& id, const UserPatch& patch,
                                                const Actor& actor) {
    auto current = getUser(id);
    if (!current) {
        return current.error();
    }
    sdk::User user = std::move(*current);
    const std::string old_status = user.status;
    if (patch.email) {
        user.email = lowerAscii(*patch.email);
        if (!plausibleEmail(user.email)) {
            return fieldError("email", "is not a valid email address");
        }
    }
    if (patch.name) {
        if (auto p = textProblem("name", *patch.name, kMaxNameChars)) {
            return *p;
        }
        user.name = *patch.name;
    }
    if (patch.picture) {
        if (auto p = textProblem("picture", *patch.picture, kMaxUriChars)) {
            return *p;
        }
        if (!patch.picture->empty() && patch.picture->rfind("https://", 0) != 0 &&
            patch.picture->rfind("http://", 0) != 0) {
            return fieldError("picture", "must be an http(s) URL");
        }
        user.picture = *patch.picture;
    }
    if (patch.role) {
        if (!isToken(*patch.role)) {
            return fieldError("role", "must be 1-32 characters of a-z, 0-9, _ and -");
        }
        user.role = *patch.role;
    }
    if (patch.status) {
        if (!isToken(*patch.status)) {
            return fieldError("status", "must be 1-32 characters of a-z, 0-9, _ and -");
        }
        user.status = *patch.status;
    }
    if (patch.email_verified) {
        user.email_verified = *patch.email_verified;
    }
    const sdk::UnixTime now = ctx_.now();
    user.updated_at = now;
    const bool ends_access = user.status != "active" && old_status == "active";
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) -> sdk::Result<void> {
            if (auto updated = tx.users().update(user); !updated) {
                return updated;
            }
            if (ends_access) {
                if (auto sessions = tx.sessions().revokeAllForUser(id, now); !sessions) {
                    return sessions.error();
                }
                if (auto families = tx.refresh().revokeForUser(id, now, "suspended"); !families) {
                    return families.error();
                }
            }
            return sdk::ok();
        },
        event(ends_access ? "user.suspended" : "user.updated", actor, id, ""));
    ctx_.state->forgetUser(id);
    if (ends_access) {
        ctx_.state->forgetAllFamilies();
    }
    if (!written) {
        if (written.error().code == sdk::ErrorCode::conflict) {
            return sdk::makeError(sdk::ErrorCode::conflict,
                                  "a user with this email already exists");
        }
        return storeError(written.error(), "the user could not be updated");
    }
    return user;
}

sdk::Result<void> AdminService::deleteUser(const std::string& id, const Actor& actor) {
    if (auto found = getUser(id); !found) {
        return found.error();
    }
    const sdk::UnixTime now = ctx_.now();
    auto removed = writeWithAudit(
        [&](sdk::Storage& tx) -> sdk::Result<void> {
            // Revoked first, so that a cached session or family elsewhere reads as revoked.
            if (auto sessions = tx.sessions().revokeAllForUser(id, now); !sessions) {
                return sessions.error();
            }
            if (auto families = tx.refresh().revokeForUser(id, now, "user_deleted"); !families) {
                return families.error();
            }
            return tx.users().remove(id);
        },
        event("user.deleted", actor, id, ""));
    ctx_.state->forgetUser(id);
    ctx_.state->forgetAllFamilies();
    if (!removed) {
        return storeError(removed.error(), "the user could not be deleted");
    }
    return sdk::ok();
}

sdk::Result<void> AdminService::setCredential(const std::string& user_id, const std::string& kind,
                                              const std::string& secret, const Actor& actor) {
    auto user = getUser(user_id);
    if (!user) {
        return user.error();
    }
    const app::AuthenticatorInstance* instance = findAuthenticator(kind);
    if (instance == nullptr) {
        return fieldError(kind, "no " + kind + " authenticator is configured");
    }
    auto made = makeCredential(*instance, *user, secret, kind);
    if (!made) {
        return made.error();
    }
    const sdk::UnixTime now = ctx_.now();
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) { return storeCredential(tx, *made, user_id, now); },
        event("user.credential_set", actor, user_id, "", {{"authenticator", instance->id}}));
    if (!written) {
        return storeError(written.error(), kind + " could not be set");
    }
    ctx_.log().log(sdk::LogLevel::info, "admin.credential_set", kind + " set",
                   {{"authenticator", instance->id}, {"user_id", user_id}, {"actor", actor.kind}});
    return sdk::ok();
}

sdk::Result<void> AdminService::setPassword(const std::string& user_id, const std::string& secret,
                                            const Actor& actor) {
    return setCredential(user_id, "password", secret, actor);
}

sdk::Result<void> AdminService::setPin(const std::string& user_id, const std::string& secret,
                                       const Actor& actor) {
    return setCredential(user_id, "pin", secret, actor);
}

sdk::Result<void> AdminService::clearLockout(const std::string& user_id, const Actor& actor) {
    auto user = getUser(user_id);
    if (!user) {
        return user.error();
    }
    std::vector<std::string> keys;
    std::vector<std::string> lifted_by;
    for (const auto& instance : ctx_.authenticators) {
        auto listed =
            plugin::guardPluginCall(instance.id, "Authenticator::lockoutKeys", ctx_.log(),
                                    [&] { return instance.authenticator->lockoutKeys(*user); });
        if (!listed) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  instance.id + ": the lockout could not be lifted: " +
                                      listed.error().message);
        }
        if (!listed->empty()) {
            lifted_by.push_back(instance.id);
            keys.insert(keys.end(), listed->begin(), listed->end());
        }
    }
    // The host's rate limiter keeps a key's whole state in the store's counter of that key
    // (app/rate_limiter.hpp): resetting the counters is all there is to lift.
    const std::string authenticators = joined(lifted_by);
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) -> sdk::Result<void> {
            for (const auto& key : keys) {
                if (auto reset = tx.counters().reset(key); !reset) {
                    return reset;
                }
            }
            return sdk::ok();
        },
        event("user.lockout_cleared", actor, user_id, "", {{"authenticators", authenticators}}));
    if (!written) {
        return storeError(written.error(), "the lockout could not be lifted");
    }
    ctx_.log().log(sdk::LogLevel::info, "admin.lockout_cleared", "lockout lifted",
                   {{"authenticators", authenticators},
                    {"user_id", user_id},
                    {"actor", actor.kind}});
    return sdk::ok();
}

sdk::Result<std::vector<sdk::Session>> AdminService::listSessions(const std::string& user_id) {
    if (auto found = getUser(user_id); !found) {
        return found.error();
    }
    auto sessions = ctx_.store.sessions().listForUser(user_id, ctx_.now());
    if (!sessions) {
        return storeError(sessions.error(), "the sessions could not be listed");
    }
    return sessions;
}

sdk::Result<void> AdminService::revokeSession(const std::string& session_id, const Actor& actor) {
    auto session = ctx_.store.sessions().get(session_id);
    if (!session) {
        if (session.error().code == sdk::ErrorCode::not_found) {
            return sdk::makeError(sdk::ErrorCode::not_found, "no session " + session_id);
        }
        return storeError(session.error(), "the session could not be read");
    }
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) { return tx.sessions().revoke(session_id, ctx_.now()); },
        event("session.revoked", actor, session->user_id, ""));
    ctx_.state->forgetSession(session_id);
    ctx_.state->forgetAllFamilies();
    if (!written) {
        return storeError(written.error(), "the session could not be revoked");
    }
    return sdk::ok();
}

sdk::Result<std::int64_t> AdminService::revokeAllSessions(const std::string& user_id,
                                                          const Actor& actor) {
    if (auto found = getUser(user_id); !found) {
        return found.error();
    }
    const sdk::UnixTime now = ctx_.now();
    std::vector<std::string> ids;
    if (auto live = ctx_.store.sessions().listForUser(user_id, now)) {
        for (const auto& session : *live) {
            ids.push_back(session.id);
        }
    }
    std::int64_t count = 0;
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) -> sdk::Result<void> {
            auto revoked = tx.sessions().revokeAllForUser(user_id, now);
            if (!revoked) {
                return revoked.error();
            }
            count = *revoked;
            if (auto families = tx.refresh().revokeForUser(user_id, now, "sessions_revoked");
                !families) {
                return families.error();
            }
            return sdk::ok();
        },
        event("session.revoked_all", actor, user_id, ""));
    for (const auto& id : ids) {
        ctx_.state->forgetSession(id);
    }
    ctx_.state->forgetAllFamilies();
    if (!written) {
        return storeError(written.error(), "the sessions could not be revoked");
    }
    return count;
}

sdk::Result<sdk::Slice<sdk::AuditEvent>>
AdminService::listAuditEvents(const sdk::AuditQuery& query) {
    // Hot events wait in the batch queue; a reader expects to see what already happened.
    ctx_.audit->flush();
    sdk::AuditQuery bounded = query;
    bounded.limit = clampLimit(query.limit);
    auto listed = ctx_.store.audit().list(bounded);
    if (!listed) {
        return storeError(listed.error(), "the audit events could not be listed");
    }
    return listed;
}

sdk::Result<tokens::KeyInfo> AdminService::rotateProviderKey(tokens::Alg alg, sdk::Seconds keep_for,
                                                             const Actor& actor) {
    if (alg == tokens::Alg::hs256) {
        return fieldError("alg", "provider keys are RS256, ES256 or EdDSA");
    }
    if (keep_for < 0 || keep_for > kMaxLifetime) {
        return fieldError("keep_for", "must be between 0s and 366d");
    }
    const sdk::Seconds keep = keep_for == 0 ? kDefaultKeyKeep : keep_for;
    const sdk::UnixTime now = ctx_.now();
    // Generating the key (an RSA key takes about 100 ms) stays outside the transaction.
    auto prepared = ctx_.keys.prepareKey(alg, now);
    if (!prepared) {
        return storeError(prepared.error(), "the key could not be made");
    }
    const tokens::KeyInfo info = prepared->info();
    auto written = writeWithAudit(
        [&](sdk::Storage& tx) {
            return tokens::KeyRing::writeRotation(tx.keys(), *prepared, now, keep);
        },
        event("key.rotated", actor, "", "",
              {{"alg", tokens::algName(alg)}, {"kid", info.kid}}));
    if (!written) {
        return storeError(written.error(), "the key could not be rotated");
    }
    // Committed: only now does this node's ring change. Should the reload fail, the periodic
    // one picks the key up (other nodes find it that way too).
    if (auto reloaded = ctx_.keys.reload(); !reloaded) {
        ctx_.log().log(sdk::LogLevel::warning, "keys.reload_failed", reloaded.error().message);
    }
    return info;
}

std::vector<tokens::KeyInfo> AdminService::listProviderKeys() {
    return ctx_.keys.list();
}

} // namespace authd::admin
