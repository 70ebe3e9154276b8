// SPDX-License-Identifier: Apache-2.0
// GET /oauth/consent?req=<id> shows what the app asks for; POST /oauth/consent (both dialects)
// records `decision=allow|deny` and finishes the authorization.
#include <optional>
#include <utility>

#include "json/json.hpp"
#include "oauth/authorize_flow.hpp"
#include "oauth/csrf.hpp"
#include "oauth/pages.hpp"
#include "oauth/provider.hpp"
#include "oauth/scopes.hpp"

namespace authd::oauth {
namespace {

http::Response sessionChangedPage() {
    return errorPage(403, "Your sign-in changed",
                     "You signed out or signed in as someone else in another window. Go back to "
                     "the app and sign in again.");
}

// The consent step needs the sign-in that produced it: the pending request must carry a user
// and the browser's current session must be that sign-in's session.
std::variant<ActiveSession, http::Response>
sessionFor(ProviderContext& ctx, const http::Request& request, const LoadedPending& loaded) {
    if (loaded.pending.user_id.empty() || loaded.pending.session_id.empty()) {
        http::Response response = http::Response::redirect("/login?req=" + loaded.pending.id, 303);
        response.noStore();
        return response;
    }
    auto current = currentSession(ctx, request);
    if (!current) {
        return serverErrorPage(ctx, "consent.session_failed", current.error());
    }
    if (!current->has_value() || (*current)->session.id != loaded.pending.session_id ||
        (*current)->user.id != loaded.pending.user_id) {
        return sessionChangedPage();
    }
    return std::move(**current);
}

}  // namespace

http::Response showConsent(ProviderContext& ctx, const http::Request& request) {
    PendingOutcome outcome = loadPending(ctx, request, request.query.get("req"));
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    auto session = sessionFor(ctx, request, loaded);
    if (auto* page = std::get_if<http::Response>(&session)) {
        if (page->status == 303) {
            page->status = 302;
        }
        return std::move(*page);
    }
    const ActiveSession& active = std::get<ActiveSession>(session);
    const std::string browser = browserCookieOf(request);

    ConsentView view;
    view.project_name = loaded.client->project.name;
    view.user_label = active.user.email.empty() ? active.user.name : active.user.email;
    view.scopes = parseScope(loaded.request.scope).value_or(std::vector<std::string>{});
    view.action_url = "/oauth/consent";
    view.hidden_html =
        hiddenField(kCsrfField, csrfToken(ctx.csrf_key, browser, loaded.pending.id)) +
        hiddenField("req", loaded.pending.id);
    view.form_action_source = formActionSourceOf(loaded.request.redirect_uri);
    return consentPage(view);
}

http::Response decideConsent(ProviderContext& ctx, const http::Request& request) {
    if (!request.has_form) {
        return errorPage(400, "This form could not be read",
                         "The consent form must be posted as an HTML form.");
    }
    const std::string pending_id = request.form.get("req");
    if (!csrfValid(ctx.csrf_key, browserCookieOf(request), pending_id,
                   request.form.get(std::string(kCsrfField)))) {
        ctx.log().log(sdk::LogLevel::info, "consent.csrf_failed",
                      "a consent form failed the CSRF check");
        return errorPage(403, "This form has expired",
                         "The form was not sent from this browser's sign-in page, or it is too "
                         "old. Go back to the app and sign in again.");
    }
    PendingOutcome outcome = loadPending(ctx, request, pending_id);
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    auto session = sessionFor(ctx, request, loaded);
    if (auto* page = std::get_if<http::Response>(&session)) {
        return std::move(*page);
    }
    const ActiveSession& active = std::get<ActiveSession>(session);
    const ClientInfo& client = *loaded.client;
    const std::string decision = request.form.get("decision");

    if (decision == "deny") {
        (void)ctx.store.pending().take(loaded.pending.id);
        auditBrowserEvent(ctx, request, "consent.denied", active.user.id, client.project.client_id);
        return errorRedirect(ctx, loaded.request,
                             accessDenied("the user denied access to this application"), 303);
    }
    if (decision != "allow") {
        return errorPage(400, "This form could not be read",
                         "Choose Allow or Deny on the consent page.");
    }

    // The consent commits with the code (one write transaction for the whole POST).
    sdk::Consent consent;
    consent.user_id = active.user.id;
    consent.client_id = client.project.client_id;
    consent.granted_at = ctx.now();
    std::optional<sdk::Error> consent_failed;
    const StoreStep store_consent = [&](sdk::Storage& tx) -> sdk::Result<void> {
        consent.scope = loaded.request.scope;
        auto previous = tx.consents().get(consent.user_id, consent.client_id);
        sdk::Result<void> stored = sdk::ok();
        if (previous) {
            consent.scope = mergeScope(previous->scope, loaded.request.scope);
        } else if (previous.error().code != sdk::ErrorCode::not_found) {
            stored = std::move(previous).error();
        }
        if (stored) {
            stored = tx.consents().put(consent);
        }
        consent_failed.reset();
        if (!stored) {
            consent_failed = stored.error();
        }
        return stored;
    };
    http::Response response =
        issueCode(ctx, request, client, loaded.request, active, &loaded.pending, 303, store_consent);
    if (consent_failed) {
        return serverErrorPage(ctx, "consent.store_failed", *consent_failed);
    }
    std::string detail = "{\"scope\":";
    json::appendString(detail, consent.scope);
    detail += '}';
    auditBrowserEvent(ctx, request, "consent.granted", active.user.id, client.project.client_id,
                      detail);
    return response;
}

}  // namespace authd::oauth
