// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "http/cookies.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace authd::oauth {

struct ProviderContext;

/// The IdP session cookie: an opaque randomToken(32); the store keeps only its SHA-256.
inline constexpr std::string_view kSessionCookie = "authd_session";
/// The browser binding cookie: a long-lived random value that ties pending authorizations and
/// CSRF tokens to one browser. Not a credential by itself.
inline constexpr std::string_view kBrowserCookie = "authd_browser";
/// Lifetime of the browser cookie (browsers cap cookies at 400 days).
inline constexpr std::int64_t kBrowserCookieMaxAge = 400LL * 86400;

/// Whether `value` has the shape of a cookie value we issue (randomToken(32): 43 base64url
/// characters). Anything else is treated as absent, so a forged odd value never reaches a hash.
bool isOpaqueToken(std::string_view value) noexcept;

/// The browser binding of a request: the cookie's value, or a fresh one to be set on the
/// response (apply()).
class BrowserBinding {
  public:
    /// Reads the cookie; when it is absent or malformed, draws a new value (empty only if the
    /// CSPRNG fails).
    BrowserBinding(ProviderContext& ctx, const http::Request& request);
    const std::string& id() const noexcept { return id_; }
    bool isNew() const noexcept { return is_new_; }
    /// sha256Hex of the value, as kept in sdk::PendingAuthorization::browser_hash.
    std::string hash() const;
    /// Adds the Set-Cookie for a new value; does nothing for an existing one.
    void apply(http::Response& response) const;

  private:
    std::string id_;
    bool is_new_ = false;
    bool secure_ = false;
};

/// The browser cookie's value when the request carries a well-formed one, else "".
std::string browserCookieOf(const http::Request& request);

/// A live IdP session with its user.
struct ActiveSession {
    sdk::Session session;
    sdk::User user;
    std::string token;  ///< the cookie value it was found by
};

/// The session the request's cookie names, when it is neither revoked nor expired and its
/// user still exists. nullopt when there is none; an error only when the store fails.
sdk::Result<std::optional<ActiveSession>> currentSession(ProviderContext& ctx,
                                                         const http::Request& request);

/// An interactive sign-in of `user` (amr from the authenticator's verdict), not stored yet.
/// When `current` is the same user's session, it is refreshed (auth_time, amr, expiry) and
/// keeps its id and cookie; otherwise a new session with a new cookie value is made (another
/// user's session in the same browser is left to expire). `active.token` is the cookie value
/// to set.
struct SignIn {
    ActiveSession active;
    bool is_new = false;  ///< a new session (stored with create), else `current` refreshed (update)
};
sdk::Result<SignIn> prepareSignIn(ProviderContext& ctx, const http::Request& request,
                                  const std::optional<ActiveSession>& current,
                                  const sdk::User& user, const std::vector<std::string>& amr);
/// Stores it in `store` (ctx.store, or a transaction).
sdk::Result<void> storeSignIn(sdk::Storage& store, const SignIn& sign_in);

/// Set-Cookie for the session cookie (lifetime tokens.session_ttl), and for deleting it.
http::SetCookie sessionCookie(const ProviderContext& ctx, const std::string& token);
http::SetCookie clearedSessionCookie(const ProviderContext& ctx);

/// What the host remembers about a session beyond sdk::Session, kept in the plugin-data store
/// under the namespace "authd.session" (no authenticator instance id can contain a dot): the
/// authenticator instance that signed it in (access policies may restrict authenticators)
/// and the clients that received an authorization code in it (who gets a back-channel logout).
struct SessionRecord {
    std::string authenticator;
    std::vector<std::string> clients;
};

inline constexpr std::string_view kSessionRecordNamespace = "authd.session";

/// The record of a session in `store` (ctx.store, or a transaction); an empty record when
/// there is none.
sdk::Result<SessionRecord> loadSessionRecord(ProviderContext& ctx, sdk::Storage& store,
                                             const std::string& session_id);
sdk::Result<void> saveSessionRecord(sdk::Storage& store, const sdk::Session& session,
                                    const SessionRecord& record);
/// Adds `client_id` to the session's clients (read-modify-write: outside a transaction, two
/// authorizations of one session finishing at the same instant may lose one entry, which only
/// costs that client its back-channel logout message).
sdk::Result<void> addSessionClient(ProviderContext& ctx, sdk::Storage& store,
                                   const sdk::Session& session, const std::string& client_id);

/// The record as JSON and back (exposed for tests). Malformed input gives an empty record.
std::string encodeSessionRecord(const SessionRecord& record);
SessionRecord decodeSessionRecord(std::string_view json);

/// Appends an audit event; a failure is logged (oauth.audit_failed), never returned, because a
/// sign-in must not fail for want of its audit line.
void auditBrowserEvent(ProviderContext& ctx, const http::Request& request, std::string type,
                       std::string user_id, std::string client_id, std::string detail = "{}");

}  // namespace authd::oauth
