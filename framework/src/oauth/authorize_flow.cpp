// SPDX-License-Identifier: Apache-2.0
#include "oauth/authorize_flow.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "json/json.hpp"
#include "oauth/pages.hpp"
#include "oauth/pending.hpp"
#include "oauth/provider.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/scopes.hpp"

namespace authd::oauth {
namespace {

constexpr std::size_t kPendingIdLength = 24;  // randomToken(18)

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

http::Response expiredRequestPage() {
    return errorPage(400, "This sign-in request is no longer valid",
                     "It has expired or was already completed. Go back to the app and sign in "
                     "again.");
}

std::string jsonDetail(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    std::string out = "{";
    bool first = true;
    for (const auto& [name, value] : pairs) {
        if (!first) {
            out += ',';
        }
        first = false;
        json::appendString(out, name);
        out += ':';
        json::appendString(out, value);
    }
    out += '}';
    return out;
}

// Runs `also` and then `work` in one transaction (see StoreStep). When it fails for another
// reason than `also`, `also` is committed on its own.
sdk::Result<void> commitWith(ProviderContext& ctx, const StoreStep& also, const StoreStep& work) {
    bool also_failed = false;
    sdk::Result<void> committed = ctx.store.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (also) {
            if (auto done = also(tx); !done) {
                also_failed = true;
                return done;
            }
        }
        return work(tx);
    });
    if (!committed && also && !also_failed) {
        (void)ctx.store.transact(also);
    }
    return committed;
}

// For the paths that store nothing of their own.
void commitAlone(ProviderContext& ctx, const StoreStep& also) {
    if (also) {
        (void)ctx.store.transact(also);
    }
}

}  // namespace

bool isPendingId(std::string_view id) noexcept {
    if (id.size() != kPendingIdLength) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

int redirectStatusFor(const http::Request& request) noexcept {
    return request.method == "POST" ? 303 : 302;
}

PendingOutcome loadPending(ProviderContext& ctx, const http::Request& request,
                           std::string_view id) {
    if (!isPendingId(id)) {
        return errorPage(400, "This sign-in link is incomplete",
                         "The sign-in request is missing or malformed. Go back to the app and "
                         "sign in again.");
    }
    auto pending = ctx.store.pending().get(std::string(id));
    if (!pending) {
        if (pending.error().code == sdk::ErrorCode::not_found ||
            pending.error().code == sdk::ErrorCode::expired) {
            return expiredRequestPage();
        }
        return serverErrorPage(ctx, "login.pending_failed", pending.error());
    }
    if (pending->expires_at != 0 && ctx.now() >= pending->expires_at) {
        return expiredRequestPage();
    }
    const std::string browser = browserCookieOf(request);
    if (browser.empty() ||
        !crypto::constantTimeEquals(crypto::sha256Hex(browser), pending->browser_hash)) {
        ctx.log().log(sdk::LogLevel::info, "login.other_browser",
                      "a pending authorization was used from another browser",
                      {{"client_id", pending->client_id}});
        return errorPage(403, "Open this page in the browser where you started",
                         "This sign-in was started in another browser (or this browser's "
                         "cookies were cleared). For your safety it can only be finished "
                         "there. Go back to the app in this browser to sign in again.");
    }
    auto decoded = decodeAuthorizeRequest(pending->params);
    if (!decoded) {
        ctx.log().log(sdk::LogLevel::warning, "login.pending_unreadable", decoded.error().message,
                      {{"client_id", pending->client_id}});
        return expiredRequestPage();
    }
    auto client = ctx.clients.find(decoded->client_id);
    if (!client) {
        if (client.error().code == sdk::ErrorCode::not_found) {
            return errorPage(400, "This app is no longer registered",
                             "The app you were signing in to has been removed.");
        }
        return serverErrorPage(ctx, "login.client_failed", client.error());
    }
    LoadedPending loaded;
    loaded.pending = std::move(*pending);
    loaded.request = std::move(*decoded);
    loaded.client = std::move(*client);
    return loaded;
}

std::string errorRedirectUrl(const std::string& issuer, const std::string& redirect_uri,
                             bool has_state, const std::string& state, const OAuthError& error) {
    std::vector<std::pair<std::string, std::string>> params = {{"error", error.code}};
    if (!error.description.empty()) {
        params.emplace_back("error_description", error.description);
    }
    if (has_state) {
        params.emplace_back("state", state);
    }
    params.emplace_back("iss", issuer);
    return appendQuery(redirect_uri, params);
}

http::Response errorRedirect(const ProviderContext& ctx, const AuthorizeRequest& request,
                             const OAuthError& error, int status) {
    http::Response response =
        http::Response::redirect(errorRedirectUrl(ctx.issuer_url, request.redirect_uri,
                                                  request.has_state, request.state, error),
                                 status);
    response.noStore();
    return response;
}

std::vector<std::string> allowedAuthenticatorIds(const std::vector<std::string>& configured,
                                                 const sdk::Project& project) {
    std::vector<std::string> out;
    for (const std::string& id : configured) {
        if (!project.authenticators.empty() && !contains(project.authenticators, id)) {
            continue;
        }
        if (!project.policy.authenticators.empty() &&
            !contains(project.policy.authenticators, id)) {
            continue;
        }
        out.push_back(id);
    }
    return out;
}

std::vector<const app::AuthenticatorInstance*> allowedAuthenticators(const ProviderContext& ctx,
                                                                     const sdk::Project& project) {
    std::vector<std::string> configured;
    configured.reserve(ctx.authenticators.size());
    for (const auto& instance : ctx.authenticators) {
        configured.push_back(instance.id);
    }
    const std::vector<std::string> allowed = allowedAuthenticatorIds(configured, project);
    std::vector<const app::AuthenticatorInstance*> out;
    for (const auto& instance : ctx.authenticators) {
        if (contains(allowed, instance.id) && instance.authenticator) {
            out.push_back(&instance);
        }
    }
    return out;
}

std::optional<std::string> accessDenialReason(const sdk::AccessPolicy& policy,
                                              const sdk::User& user,
                                              std::string_view authenticator_id) {
    if (policy.statuses.empty() ? user.status != "active"
                                : !contains(policy.statuses, user.status)) {
        return "user status " + user.status + " is not admitted";
    }
    if (!policy.roles.empty() && !contains(policy.roles, user.role)) {
        return "role " + user.role + " is not admitted";
    }
    if (!policy.email_domains.empty()) {
        const std::size_t at = user.email.rfind('@');
        const std::string domain =
            at == std::string::npos ? std::string() : lowerAscii(user.email.substr(at + 1));
        bool admitted = false;
        for (const std::string& allowed : policy.email_domains) {
            if (!domain.empty() && lowerAscii(allowed) == domain) {
                admitted = true;
            }
        }
        if (!admitted) {
            return std::string("the email domain is not admitted");
        }
    }
    if (policy.require_verified_email && !user.email_verified) {
        return std::string("the email address is not verified");
    }
    if (!policy.authenticators.empty() && !contains(policy.authenticators, authenticator_id)) {
        return "sign-in method " + std::string(authenticator_id) + " is not admitted";
    }
    return std::nullopt;
}

bool consentNeeded(const sdk::Project& project, const sdk::Consent* stored,
                   const AuthorizeRequest& request) {
    if (project.skip_consent) {
        return false;
    }
    if (request.hasPrompt(Prompt::consent) || stored == nullptr) {
        return true;
    }
    const auto requested = parseScope(request.scope);
    const auto granted = parseScope(stored->scope);
    if (!requested || !granted) {
        return true;
    }
    return !scopesOutside(*requested, *granted).empty();
}

std::string mergeScope(std::string_view granted, std::string_view requested) {
    std::vector<std::string> merged = parseScope(granted).value_or(std::vector<std::string>{});
    for (const std::string& scope : parseScope(requested).value_or(std::vector<std::string>{})) {
        if (!hasScope(merged, scope)) {
            merged.push_back(scope);
        }
    }
    return joinScope(merged);
}

bool reauthenticationRequired(const AuthorizeRequest& request, sdk::UnixTime auth_time,
                              sdk::UnixTime now) noexcept {
    if (request.hasPrompt(Prompt::login) || request.hasPrompt(Prompt::select_account)) {
        return true;
    }
    if (request.max_age < 0) {
        return false;
    }
    // max_age=0 means "sign in now" (OIDC Core 3.1.2.1: equivalent to prompt=login).
    return request.max_age == 0 || now - auth_time > request.max_age;
}

sdk::PendingAuthorization makePending(ProviderContext& ctx, const AuthorizeRequest& request,
                                      const BrowserBinding& browser, const std::string& user_id,
                                      const std::string& session_id) {
    sdk::PendingAuthorization pending;
    pending.id = crypto::randomToken(18);
    if (pending.id.empty() || browser.id().empty()) {
        pending.id.clear();
        return pending;
    }
    const sdk::UnixTime now = ctx.now();
    pending.browser_hash = browser.hash();
    pending.client_id = request.client_id;
    pending.params = encodeAuthorizeRequest(request);
    pending.user_id = user_id;
    pending.session_id = session_id;
    pending.created_at = now;
    pending.expires_at = now + ctx.config.tokens.login_ttl;
    return pending;
}

sdk::Result<std::string> createPending(ProviderContext& ctx, const AuthorizeRequest& request,
                                       const BrowserBinding& browser, const std::string& user_id,
                                       const std::string& session_id) {
    sdk::PendingAuthorization pending = makePending(ctx, request, browser, user_id, session_id);
    if (pending.id.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    if (auto created = ctx.store.pending().create(pending); !created) {
        return std::move(created).error();
    }
    return pending.id;
}

http::Response continueAuthorization(ProviderContext& ctx, const http::Request& request,
                                     const ClientInfo& client, const AuthorizeRequest& authz,
                                     const ActiveSession& active,
                                     const std::string& authenticator_id,
                                     sdk::PendingAuthorization* pending,
                                     const BrowserBinding& browser, int redirect_status,
                                     const StoreStep& also) {
    const sdk::Project& project = client.project;
    const auto drop_pending = [&ctx, &also, pending] {
        commitAlone(ctx, also);
        if (pending != nullptr) {
            (void)ctx.store.pending().take(pending->id);
        }
    };

    if (auto reason = accessDenialReason(project.policy, active.user, authenticator_id)) {
        ctx.log().log(sdk::LogLevel::info, "authorize.access_denied",
                      "the project's access policy refused the user: " + *reason,
                      {{"client_id", project.client_id}, {"user_id", active.user.id}});
        auditBrowserEvent(ctx, request, "signin.denied", active.user.id, project.client_id,
                          jsonDetail({{"reason", *reason}, {"authenticator", authenticator_id}}));
        drop_pending();
        return errorRedirect(ctx, authz,
                             accessDenied("this account may not sign in to this application"),
                             redirect_status);
    }

    std::optional<sdk::Consent> stored;
    if (!project.skip_consent) {
        auto found = ctx.store.consents().get(active.user.id, project.client_id);
        if (found) {
            stored = std::move(*found);
        } else if (found.error().code != sdk::ErrorCode::not_found) {
            ctx.log().log(sdk::LogLevel::error, "authorize.consent_read_failed",
                          found.error().message, {{"client_id", project.client_id}});
            drop_pending();
            return errorRedirect(ctx, authz, serverError("the consent store is unavailable"),
                                 redirect_status);
        }
    }
    if (consentNeeded(project, stored ? &*stored : nullptr, authz)) {
        if (authz.hasPrompt(Prompt::none)) {
            drop_pending();
            return errorRedirect(ctx, authz,
                                 {"consent_required", "the user has not granted this access"},
                                 redirect_status);
        }
        // The pending request carries the sign-in to the consent step.
        sdk::PendingAuthorization next;
        if (pending != nullptr) {
            next = *pending;
            next.user_id = active.user.id;
            next.session_id = active.session.id;
        } else {
            next = makePending(ctx, authz, browser, active.user.id, active.session.id);
        }
        sdk::Result<void> saved =
            next.id.empty()
                ? sdk::Result<void>(sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed"))
                : commitWith(ctx, also, [&](sdk::Storage& tx) {
                      return pending != nullptr ? tx.pending().update(next)
                                                : tx.pending().create(next);
                  });
        if (!saved) {
            if (next.id.empty()) {
                commitAlone(ctx, also);
            }
            ctx.log().log(sdk::LogLevel::error, "authorize.pending_failed", saved.error().message,
                          {{"client_id", project.client_id}});
            return errorRedirect(ctx, authz, serverError("could not continue the request"),
                                 redirect_status);
        }
        if (pending != nullptr) {
            *pending = next;
        }
        http::Response response =
            http::Response::redirect("/oauth/consent?req=" + next.id, redirect_status);
        response.noStore();
        browser.apply(response);
        return response;
    }
    return issueCode(ctx, request, client, authz, active, pending, redirect_status, also);
}

http::Response issueCode(ProviderContext& ctx, const http::Request& request,
                         const ClientInfo& client, const AuthorizeRequest& authz,
                         const ActiveSession& active, const sdk::PendingAuthorization* pending,
                         int redirect_status, const StoreStep& also) {
    (void)request;
    const sdk::Project& project = client.project;
    const std::string code = crypto::randomToken(32);
    if (code.empty()) {
        commitAlone(ctx, also);
        ctx.log().log(sdk::LogLevel::error, "authorize.code_failed", "the CSPRNG failed");
        return errorRedirect(ctx, authz, serverError("could not issue a code"), redirect_status);
    }
    const sdk::UnixTime now = ctx.now();
    sdk::AuthorizationCode stored;
    stored.code_hash = crypto::sha256Hex(code);
    stored.client_id = project.client_id;
    stored.user_id = active.user.id;
    stored.session_id = active.session.id;
    stored.redirect_uri = authz.redirect_uri;
    stored.scope = authz.scope;
    stored.nonce = authz.nonce;
    stored.code_challenge = authz.code_challenge;
    stored.code_challenge_method = authz.code_challenge_method;
    stored.claims = authz.claims;
    stored.amr = active.session.amr;
    stored.auth_time = active.session.auth_time;
    stored.created_at = now;
    stored.expires_at = now + ctx.config.tokens.code_ttl;

    // Which step failed, for the answer.
    enum class Failed : std::uint8_t { nothing, taking, storing } failed = Failed::nothing;
    sdk::Error why = sdk::makeError(sdk::ErrorCode::internal, "");
    sdk::Result<void> committed = commitWith(ctx, also, [&](sdk::Storage& tx) -> sdk::Result<void> {
        if (pending != nullptr) {
            // Single use: of two tabs submitting the same request, only one gets a code.
            if (auto taken = tx.pending().take(pending->id); !taken) {
                failed = Failed::taking;
                why = taken.error();
                return std::move(taken).error();
            }
        }
        if (auto created = tx.codes().create(stored); !created) {
            failed = Failed::storing;
            why = created.error();
            return created;
        }
        if (auto added = addSessionClient(ctx, tx, active.session, project.client_id); !added) {
            // Only back-channel logout depends on it; the sign-in itself is fine (the failed
            // step was rolled back to its savepoint, the transaction goes on).
            ctx.log().log(sdk::LogLevel::warning, "authorize.session_record_failed",
                          added.error().message, {{"client_id", project.client_id}});
        }
        return sdk::ok();
    });
    if (!committed) {
        if (failed == Failed::taking && (why.code == sdk::ErrorCode::already_consumed ||
                                          why.code == sdk::ErrorCode::not_found)) {
            return expiredRequestPage();
        }
        ctx.log().log(sdk::LogLevel::error,
                      failed == Failed::taking ? "authorize.pending_failed" : "authorize.code_failed",
                      committed.error().message, {{"client_id", project.client_id}});
        return errorRedirect(ctx, authz,
                             serverError(failed == Failed::taking ? "could not complete the request"
                                                                   : "could not issue a code"),
                             redirect_status);
    }
    ctx.log().log(sdk::LogLevel::info, "authorize.code_issued", "authorization code issued",
                  {{"client_id", project.client_id}, {"user_id", active.user.id}});

    std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
    if (authz.has_state) {
        params.emplace_back("state", authz.state);
    }
    params.emplace_back("iss", ctx.issuer_url);
    http::Response response =
        http::Response::redirect(appendQuery(authz.redirect_uri, params), redirect_status);
    response.noStore();
    return response;
}

http::Response serverErrorPage(ProviderContext& ctx, std::string_view event,
                               const sdk::Error& error) {
    ctx.log().log(sdk::LogLevel::error, event, error.message,
                  {{"code", sdk::errorCodeName(error.code)}});
    return errorPage(500, "Something went wrong",
                     "Signing in could not be completed because of a problem on our side. Try "
                     "again in a moment.");
}

http::Response guardedPage(ProviderContext& ctx, std::string_view route,
                           const std::function<http::Response()>& body) {
    try {
        return body();
    } catch (const std::exception& error) {
        return serverErrorPage(
            ctx, "oauth.page_failed",
            sdk::makeError(sdk::ErrorCode::internal, std::string(route) + ": " + error.what()));
    } catch (...) {
        return serverErrorPage(
            ctx, "oauth.page_failed",
            sdk::makeError(sdk::ErrorCode::internal, std::string(route) + ": unknown exception"));
    }
}

}  // namespace authd::oauth
