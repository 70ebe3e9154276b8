// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "oauth/provider.hpp"
#include "tokens/jws.hpp"
#include "tokens/key_ring.hpp"

/// @file
/// Every administrative write of the provider (SPEC section 8), in one place: the admin API,
/// authctl and the dashboard pages call this layer and nothing else changes projects, users,
/// sessions or provider keys on an operator's behalf. Inputs are validated here; a refused
/// input is ErrorCode::invalid_argument whose message starts with the field's name
/// ("redirect_uris: ..."). Other errors: not_found (no such object), conflict (a taken email
/// or client_id), unavailable (the store cannot be reached), internal.
/// Each change and its audit event are written in one store transaction (Storage::transact).
/// Threading: thread-safe (it holds no state of its own beyond the context).

namespace authd::admin {

/// Who asks, recorded in the audit event's detail ("actor").
struct Actor {
    std::string kind;    ///< "bootstrap_admin_token", "admin_session", "authctl", "self_service"
    std::string user_id; ///< the signed-in user, when there is one
    std::string client_address;
};

/// A new project. Absent optionals take the defaults the bootstrap call always had: grants
/// authorization_code + refresh_token (+ client_credentials when confidential), scopes
/// openid profile email offline_access, access_token_alg HS256.
struct ProjectInput {
    std::string name; ///< required, at most 200 characters
    std::string description;
    std::string owner_id; ///< the owning user (My Apps); empty for admin-created projects
    std::string client_type = "confidential";
    std::vector<std::string> redirect_uris; ///< required non-empty with authorization_code
    std::vector<std::string> post_logout_redirect_uris;
    std::optional<std::vector<std::string>> grant_types;
    std::optional<std::vector<std::string>> scopes;
    std::vector<std::string> authenticators;
    std::string id_token_alg; ///< empty: the configured default
    std::string access_token_alg;
    sdk::Seconds access_ttl = 0;
    sdk::Seconds refresh_ttl = 0;
    sdk::Seconds id_token_ttl = 0;
    sdk::AccessPolicy policy;
    std::string backchannel_logout_uri;
    bool development = false;
    bool skip_consent = false;
};

/// A change to a project: only the set members change. Lifetimes: 0 resets to the default.
struct ProjectPatch {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<std::vector<std::string>> redirect_uris;
    std::optional<std::vector<std::string>> post_logout_redirect_uris;
    std::optional<std::vector<std::string>> grant_types;
    std::optional<std::vector<std::string>> scopes;
    std::optional<std::vector<std::string>> authenticators;
    std::optional<std::string> id_token_alg;
    std::optional<std::string> access_token_alg;
    std::optional<sdk::Seconds> access_ttl;
    std::optional<sdk::Seconds> refresh_ttl;
    std::optional<sdk::Seconds> id_token_ttl;
    std::optional<sdk::AccessPolicy> policy;
    std::optional<std::string> backchannel_logout_uri;
    std::optional<bool> development;
    std::optional<bool> skip_consent;
};

/// A created project with its secrets in clear: shown once.
struct CreatedProject {
    sdk::Project project;
    std::string client_secret; ///< empty for a public client
    std::string signing_key;
};

/// Invite codes (registration: invite): plugin-data records in namespace kInviteNamespace,
/// keyed by the SHA-256 (hex) of the code, valid kInviteTtl, single use. The value is
/// "<actor kind> <actor user id>" (a bare user id in records made before it said the kind).
inline constexpr std::string_view kInviteNamespace = "authd.invite";
inline constexpr sdk::Seconds kInviteTtl = 7 * 86400;

/// An invite as listed: never the code, which is shown once when it is made.
struct Invite {
    std::string id;         ///< the first 16 hex digits of the code's SHA-256
    std::string created_by; ///< the administrator's user id; empty for the admin token, authctl
    std::string actor;      ///< the actor kind that made it (Actor::kind)
    sdk::UnixTime created_at = 0;
    sdk::UnixTime expires_at = 0;
};

struct CreatedInvite {
    Invite invite;
    std::string code; ///< in clear: shown once
};

struct UserInput {
    std::string email; ///< required; lower-cased here
    std::string name;
    std::string picture;
    std::string role = "user";
    std::string status = "active";
    bool email_verified = false;
    std::optional<std::string> password; ///< set through the "password" authenticator
    std::optional<std::string> pin;      ///< set through the "pin" authenticator
};

struct UserPatch {
    std::optional<std::string> email;
    std::optional<std::string> name;
    std::optional<std::string> picture;
    std::optional<std::string> role;
    std::optional<std::string> status; ///< anything but "active" ends sessions and families
    std::optional<bool> email_verified;
};

class AdminService {
  public:
    /// `ctx` must outlive the service.
    explicit AdminService(oauth::ProviderContext& ctx);

    // Projects.
    sdk::Result<CreatedProject> createProject(const ProjectInput& input, const Actor& actor);
    /// Ordered by client_id; `owner_id` filters when set; limit 1..200.
    sdk::Result<sdk::Slice<sdk::Project>> listProjects(const std::string& cursor, int limit,
                                                       const std::string& owner_id = {});
    sdk::Result<sdk::Project> getProject(const std::string& client_id);
    sdk::Result<sdk::Project> updateProject(const std::string& client_id, const ProjectPatch& patch,
                                            const Actor& actor);
    sdk::Result<void> deleteProject(const std::string& client_id, const Actor& actor);
    /// A new client secret (the old one stops working at once); returns it in clear.
    sdk::Result<std::string> rotateSecret(const std::string& client_id, const Actor& actor);
    /// A new HS256 signing key; the old one keeps verifying for `grace` seconds (0: not at
    /// all). Returns the new key in clear.
    sdk::Result<std::string> rotateSigningKey(const std::string& client_id, sdk::Seconds grace,
                                              const Actor& actor);
    /// The project's current signing key in clear (admins may retrieve it, SPEC section 8).
    sdk::Result<std::string> signingKey(const std::string& client_id);

    // Users.
    sdk::Result<sdk::User> createUser(const UserInput& input, const Actor& actor);
    /// Ordered by email; `email` filters by substring when set; limit 1..200.
    sdk::Result<sdk::Slice<sdk::User>> listUsers(const std::string& email,
                                                 const std::string& cursor, int limit);
    sdk::Result<sdk::User> getUser(const std::string& id);
    /// The account of `email`, compared as createUser stores it (lower-cased).
    sdk::Result<sdk::User> findUserByEmail(const std::string& email);
    sdk::Result<sdk::User> updateUser(const std::string& id, const UserPatch& patch,
                                      const Actor& actor);
    sdk::Result<void> deleteUser(const std::string& id, const Actor& actor);
    /// Sets the credential through the authenticator instance `kind` ("password", "pin": the
    /// instance with that id, else the first of that plugin). invalid_argument names the field.
    /// The authenticator hashes before the transaction; the credential, the counters it resets
    /// and `user.credential_set` are then written in one.
    sdk::Result<void> setCredential(const std::string& user_id, const std::string& kind,
                                    const std::string& secret, const Actor& actor);
    sdk::Result<void> setPassword(const std::string& user_id, const std::string& secret,
                                  const Actor& actor);
    sdk::Result<void> setPin(const std::string& user_id, const std::string& secret,
                             const Actor& actor);
    /// Lifts every authenticator's lockout of the user: resets every authenticator's
    /// lockoutKeys and writes `user.lockout_cleared`, in one transaction.
    sdk::Result<void> clearLockout(const std::string& user_id, const Actor& actor);

    // Sessions (revoking one revokes the refresh families started in it).
    sdk::Result<std::vector<sdk::Session>> listSessions(const std::string& user_id);
    sdk::Result<void> revokeSession(const std::string& session_id, const Actor& actor);
    /// Revokes every session and every refresh family of the user; returns how many sessions.
    sdk::Result<std::int64_t> revokeAllSessions(const std::string& user_id, const Actor& actor);

    // Invite codes. list: live invites ordered by id (limit 1..200); withdraw: not_found for
    // an unknown or already used id, invalid_argument ("id: ...") for a malformed one.
    sdk::Result<CreatedInvite> createInvite(const Actor& actor);
    sdk::Result<sdk::Slice<Invite>> listInvites(const std::string& cursor, int limit);
    sdk::Result<void> withdrawInvite(const std::string& id, const Actor& actor);

    // Audit trail, newest first (limit 1..200).
    sdk::Result<sdk::Slice<sdk::AuditEvent>> listAuditEvents(const sdk::AuditQuery& query);

    // Provider keys (asymmetric). `keep_for` 0 takes the default (refresh TTL bound: 30 days).
    // The key is generated first; its store writes and `key.rotated` are one transaction, and
    // the in-memory key ring reloads only once that has committed.
    sdk::Result<tokens::KeyInfo> rotateProviderKey(tokens::Alg alg, sdk::Seconds keep_for,
                                                   const Actor& actor);
    std::vector<tokens::KeyInfo> listProviderKeys();

    oauth::ProviderContext& context() noexcept { return ctx_; }

  private:
    sdk::Result<void> writeWithAudit(const std::function<sdk::Result<void>(sdk::Storage&)>& change,
                                     sdk::AuditEvent event);
    /// An audit event whose detail names the actor, then the `extra` members.
    sdk::AuditEvent event(std::string type, const Actor& actor, std::string user_id,
                          std::string client_id,
                          const std::vector<std::pair<std::string_view, std::string_view>>& extra =
                              {}) const;
    sdk::Result<void> validateProject(const sdk::Project& project) const;
    const app::AuthenticatorInstance* findAuthenticator(std::string_view kind) const;
    /// The instance's makeCredential for `user`, its errors named after `field`.
    sdk::Result<sdk::NewCredential> makeCredential(const app::AuthenticatorInstance& instance,
                                                   const sdk::User& user,
                                                   const std::string& secret,
                                                   const std::string& field) const;

    oauth::ProviderContext& ctx_;
};

/// The id-token alg in effect for a project (its own, else the configured default; a public
/// client gets RS256 instead of an HS256 default).
std::string effectiveIdTokenAlg(const oauth::ProviderContext& ctx, const sdk::Project& project);

} // namespace authd::admin
