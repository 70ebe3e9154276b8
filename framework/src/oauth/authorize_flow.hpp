// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/server.hpp"
#include "authd/sdk/storage.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "oauth/authorize_request.hpp"
#include "oauth/clients.hpp"
#include "oauth/session.hpp"

/// @file
/// The steps shared by the browser-facing endpoints (authorize.cpp, login.cpp, consent.cpp):
/// pending authorizations, access policy, consent rules, code issuance and error redirects.

namespace authd::oauth {

struct ProviderContext;

/// A pending authorization loaded for the browser that started it.
struct LoadedPending {
    sdk::PendingAuthorization pending;
    AuthorizeRequest request;
    ClientPtr client;
};

/// The loaded pending authorization, or the page that explains why it cannot continue.
using PendingOutcome = std::variant<LoadedPending, http::Response>;

/// Shape of a pending authorization id (randomToken(18): 24 base64url characters).
bool isPendingId(std::string_view id) noexcept;

/// Loads pending authorization `id` for this request's browser. Pages: 400 when the id is
/// malformed, unknown, expired or unreadable; 403 when the browser cookie is missing or is not
/// the one that started it ("opened in another browser"); 400 when its client was deleted.
PendingOutcome loadPending(ProviderContext& ctx, const http::Request& request, std::string_view id);

/// 303 after a POST (so the browser follows with GET), 302 otherwise.
int redirectStatusFor(const http::Request& request) noexcept;

/// The redirect back to the client carrying an authorization error: error,
/// error_description, state (when the request had one) and iss (RFC 9207).
std::string errorRedirectUrl(const std::string& issuer, const std::string& redirect_uri,
                             bool has_state, const std::string& state, const OAuthError& error);
http::Response errorRedirect(const ProviderContext& ctx, const AuthorizeRequest& request,
                             const OAuthError& error, int status);

/// Authenticator instance ids the project may use, in configuration order: every configured
/// one when project.authenticators is empty, intersected with policy.authenticators when that
/// is set.
std::vector<std::string> allowedAuthenticatorIds(const std::vector<std::string>& configured,
                                                 const sdk::Project& project);
std::vector<const app::AuthenticatorInstance*> allowedAuthenticators(const ProviderContext& ctx,
                                                                     const sdk::Project& project);

/// Why `policy` refuses `user` signed in through `authenticator_id`, or nullopt when it admits
/// them. Statuses default to "active" only; email domains match the part after the last `@`,
/// case-insensitively and exactly (no subdomains).
std::optional<std::string> accessDenialReason(const sdk::AccessPolicy& policy,
                                              const sdk::User& user,
                                              std::string_view authenticator_id);

/// Whether the user must be asked: never for a project with skip_consent; always for
/// prompt=consent; otherwise unless `stored` already grants every requested scope.
bool consentNeeded(const sdk::Project& project, const sdk::Consent* stored,
                   const AuthorizeRequest& request);

/// The union of two scope strings, `granted` first.
std::string mergeScope(std::string_view granted, std::string_view requested);

/// Whether the request demands a fresh sign-in from a session signed in at `auth_time`:
/// prompt=login or select_account, max_age=0, or auth_time older than max_age.
bool reauthenticationRequired(const AuthorizeRequest& request, sdk::UnixTime auth_time,
                              sdk::UnixTime now) noexcept;

/// A new pending authorization for this browser (user and session set when the sign-in is
/// already done and only consent is missing), not stored yet; empty id when the CSPRNG fails.
sdk::PendingAuthorization makePending(ProviderContext& ctx, const AuthorizeRequest& request,
                                      const BrowserBinding& browser, const std::string& user_id,
                                      const std::string& session_id);

/// makePending, stored. Returns its id.
sdk::Result<std::string> createPending(ProviderContext& ctx, const AuthorizeRequest& request,
                                       const BrowserBinding& browser, const std::string& user_id,
                                       const std::string& session_id);

/// Store work of the caller that commits in the same transaction as what the next step
/// stores (the sign-in session of a login, the consent of a consent form), so that a browser
/// step costs one write transaction. When that transaction fails for another reason than the
/// step itself (the pending authorization was already used, say), the step is committed on
/// its own, so it never depends on what follows. A step that fails is reported through the
/// caller's own capture; the response is then an error the caller replaces with its own.
using StoreStep = std::function<sdk::Result<void>(sdk::Storage& tx)>;

/// Carries on once the user is signed in (`active`, through `authenticator_id`): access
/// policy (access_denied), consent (the consent page, or consent_required for prompt=none),
/// then the code. `pending` is the stored request when there is one; it is updated for the
/// consent step or taken (single use) before the code is issued. `also` (optional) commits
/// with that update or with the code.
http::Response continueAuthorization(ProviderContext& ctx, const http::Request& request,
                                     const ClientInfo& client, const AuthorizeRequest& authz,
                                     const ActiveSession& active,
                                     const std::string& authenticator_id,
                                     sdk::PendingAuthorization* pending,
                                     const BrowserBinding& browser, int redirect_status,
                                     const StoreStep& also = {});

/// In one transaction: takes `pending` (when given), runs `also` (when given), stores a new
/// authorization code and adds the client to the session's record. Then redirects to the
/// client with code, state and iss.
http::Response issueCode(ProviderContext& ctx, const http::Request& request,
                         const ClientInfo& client, const AuthorizeRequest& authz,
                         const ActiveSession& active, const sdk::PendingAuthorization* pending,
                         int redirect_status, const StoreStep& also = {});

/// Logs `error` (event `event`) and returns the generic 500 page.
http::Response serverErrorPage(ProviderContext& ctx, std::string_view event,
                               const sdk::Error& error);

/// Runs `body`, turning an escaping exception into the 500 page and a log line.
http::Response guardedPage(ProviderContext& ctx, std::string_view route,
                           const std::function<http::Response()>& body);

// Consent endpoint handlers (consent.cpp), registered by addAuthorizeRoutes.
http::Response showConsent(ProviderContext& ctx, const http::Request& request);
http::Response decideConsent(ProviderContext& ctx, const http::Request& request);

}  // namespace authd::oauth
