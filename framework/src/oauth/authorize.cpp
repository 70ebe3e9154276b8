// SPDX-License-Identifier: Apache-2.0
// GET/POST /oauth/authorize (and /api/oauth/authorize): validates the request, then either
// answers from the browser's IdP session (single sign-on) or parks the request as a pending
// authorization and sends the browser to /login.
#include <optional>
#include <utility>

#include "oauth/authorize_flow.hpp"
#include "oauth/id_token_hint.hpp"
#include "oauth/pages.hpp"
#include "oauth/provider.hpp"

namespace authd::oauth {
namespace {

http::Response badRequestPage(std::string_view message) {
    return errorPage(400, "This sign-in request is not valid", message);
}

http::Response handleAuthorize(ProviderContext& ctx, const http::Request& request) {
    const sdk::Fields* fields = &request.query;
    if (request.method == "POST") {
        if (!request.has_form) {
            return badRequestPage("The app sent the request in a format this server does not "
                                  "accept (it must be an HTML form post).");
        }
        fields = &request.form;
    }
    const std::string client_id = fields->get("client_id");
    if (client_id.empty()) {
        return badRequestPage("The app did not say who it is (client_id is missing).");
    }
    auto client = ctx.clients.find(client_id);
    if (!client) {
        if (client.error().code == sdk::ErrorCode::not_found) {
            return badRequestPage("The app that sent you here is not registered with this "
                                  "sign-in service (unknown client_id).");
        }
        return serverErrorPage(ctx, "authorize.client_failed", client.error());
    }

    AuthorizeOutcome outcome = parseAuthorizeRequest(*fields, **client);
    if (auto* failure = std::get_if<AuthorizeFailure>(&outcome)) {
        ctx.log().log(sdk::LogLevel::info, "authorize.refused", failure->error.description,
                      {{"client_id", client_id}, {"error", failure->error.code}});
        if (!failure->redirect) {
            return badRequestPage(
                "The app sent an invalid sign-in request: " + failure->error.description + ".");
        }
        http::Response response = http::Response::redirect(
            errorRedirectUrl(ctx.issuer_url, failure->redirect_uri, failure->has_state,
                             failure->state, failure->error),
            redirectStatusFor(request));
        response.noStore();
        return response;
    }
    const AuthorizeRequest& authz = std::get<AuthorizeRequest>(outcome);
    const int status = redirectStatusFor(request);

    std::optional<IdTokenHint> hint;
    if (!authz.id_token_hint.empty()) {
        auto verified = verifyIdTokenHint(ctx, authz.id_token_hint, client->get());
        if (!verified) {
            ctx.log().log(sdk::LogLevel::info, "authorize.bad_id_token_hint",
                          verified.error().message, {{"client_id", client_id}});
            return errorRedirect(ctx, authz, invalidRequest("id_token_hint is not valid"), status);
        }
        hint = std::move(*verified);
    }

    auto current = currentSession(ctx, request);
    if (!current) {
        ctx.log().log(sdk::LogLevel::error, "authorize.session_failed", current.error().message,
                      {{"client_id", client_id}});
        return errorRedirect(ctx, authz, serverError("the session store is unavailable"), status);
    }

    // Single sign-on: the session answers unless the request asks for a fresh sign-in, names
    // another user, or the session was signed in with a method this project does not allow.
    bool usable = current->has_value();
    std::string authenticator_id;
    if (usable) {
        const ActiveSession& active = **current;
        if (hint && hint->subject != active.user.id) {
            usable = false;
        } else if (reauthenticationRequired(authz, active.session.auth_time, ctx.now())) {
            usable = false;
        } else {
            auto record = loadSessionRecord(ctx, ctx.store, active.session.id);
            if (!record) {
                ctx.log().log(sdk::LogLevel::error, "authorize.session_failed",
                              record.error().message, {{"client_id", client_id}});
                return errorRedirect(ctx, authz, serverError("the session store is unavailable"),
                                     status);
            }
            authenticator_id = record->authenticator;
            bool allowed = false;
            for (const auto* instance : allowedAuthenticators(ctx, (*client)->project)) {
                if (instance->id == authenticator_id) {
                    allowed = true;
                }
            }
            usable = allowed;
        }
    }

    BrowserBinding browser(ctx, request);
    if (!usable) {
        if (authz.hasPrompt(Prompt::none)) {
            return errorRedirect(ctx, authz, {"login_required", "the user is not signed in"},
                                 status);
        }
        auto pending_id = createPending(ctx, authz, browser, "", "");
        if (!pending_id) {
            ctx.log().log(sdk::LogLevel::error, "authorize.pending_failed",
                          pending_id.error().message, {{"client_id", client_id}});
            return errorRedirect(ctx, authz, serverError("could not start the sign-in"), status);
        }
        http::Response response = http::Response::redirect("/login?req=" + *pending_id, status);
        response.noStore();
        browser.apply(response);
        return response;
    }
    return continueAuthorization(ctx, request, **client, authz, **current, authenticator_id,
                                 nullptr, browser, status);
}

}  // namespace

void addAuthorizeRoutes(http::Router& router, ProviderContext& ctx) {
    addOAuthRoute(router, {"GET", "POST"}, "authorize", [&ctx](http::Request& request) {
        return guardedPage(ctx, "authorize", [&] { return handleAuthorize(ctx, request); });
    });
    addOAuthRoute(router, {"GET", "POST"}, "consent", [&ctx](http::Request& request) {
        return guardedPage(ctx, "consent", [&] {
            return request.method == "POST" ? decideConsent(ctx, request)
                                            : showConsent(ctx, request);
        });
    });
}

}  // namespace authd::oauth
