// SPDX-License-Identifier: Apache-2.0
// GET/POST /oauth/logout (and /api/oauth/logout): OpenID Connect RP-Initiated Logout 1.0, with
// OpenID Connect Back-Channel Logout 1.0 messages to the clients that received a code in the
// ended session.
#include <optional>
#include <utility>

#include "json/json.hpp"
#include "oauth/authorize_flow.hpp"
#include "oauth/csrf.hpp"
#include "oauth/id_token_hint.hpp"
#include "oauth/issuer.hpp"
#include "oauth/pages.hpp"
#include "oauth/provider.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/state_cache.hpp"

namespace authd::oauth {
namespace {

// The CSRF purpose of the confirmation form (there is no pending id to bind it to).
constexpr std::string_view kLogoutPurpose = "logout";
// A client that does not answer quickly must not hold the user's browser for long.
constexpr sdk::Seconds kBackchannelTimeout = 3;

http::Response badLogoutPage(std::string_view message) {
    return errorPage(400, "This sign-out request is not valid", message);
}

struct LogoutRequest {
    ClientPtr client;
    std::optional<IdTokenHint> hint;
    std::string post_logout_redirect_uri;
    bool has_state = false;
    std::string state;
};

std::variant<LogoutRequest, http::Response> parseLogout(ProviderContext& ctx,
                                                        const sdk::Fields& fields) {
    for (const char* name : {"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}) {
        std::size_t count = 0;
        for (const auto& [key, value] : fields.pairs()) {
            (void)value;
            count += key == name ? 1U : 0U;
        }
        if (count > 1) {
            return badLogoutPage(std::string(name) + " was sent more than once.");
        }
    }
    LogoutRequest out;
    if (const std::string hint = fields.get("id_token_hint"); !hint.empty()) {
        auto verified = verifyIdTokenHint(ctx, hint, nullptr);
        if (!verified) {
            ctx.log().log(sdk::LogLevel::info, "logout.bad_id_token_hint",
                          verified.error().message);
            return badLogoutPage("The app sent an ID token this service cannot accept "
                                 "(id_token_hint).");
        }
        out.client = verified->client;
        out.hint = std::move(*verified);
    }
    if (const std::string client_id = fields.get("client_id"); !client_id.empty()) {
        if (out.client) {
            if (out.client->project.client_id != client_id) {
                return badLogoutPage("client_id does not match the app named by id_token_hint.");
            }
        } else {
            auto found = ctx.clients.find(client_id);
            if (!found) {
                if (found.error().code == sdk::ErrorCode::not_found) {
                    return badLogoutPage("The app that sent you here is not registered with this "
                                         "sign-in service (unknown client_id).");
                }
                return serverErrorPage(ctx, "logout.client_failed", found.error());
            }
            out.client = std::move(*found);
        }
    }
    out.post_logout_redirect_uri = fields.get("post_logout_redirect_uri");
    if (!out.post_logout_redirect_uri.empty()) {
        if (!out.client) {
            return badLogoutPage("post_logout_redirect_uri needs id_token_hint or client_id to "
                                 "say which app it belongs to.");
        }
        if (!redirectUriAllowed(out.post_logout_redirect_uri,
                                out.client->project.post_logout_redirect_uris)) {
            return badLogoutPage("post_logout_redirect_uri is not registered for this app.");
        }
    }
    if (const std::string* state = fields.find("state"); state != nullptr) {
        if (state->size() > kMaxParameterBytes) {
            return badLogoutPage("state is too long.");
        }
        out.has_state = true;
        out.state = *state;
    }
    return out;
}

void sendBackchannelLogout(ProviderContext& ctx, const ClientInfo& client,
                           const sdk::Session& session) {
    const std::string& uri = client.project.backchannel_logout_uri;
    auto token = ctx.issuer.logoutToken(client, session.user_id, session.id, ctx.now());
    if (!token) {
        ctx.log().log(sdk::LogLevel::error, "logout.backchannel_failed",
                      "could not sign a logout token: " + token.error().message,
                      {{"client_id", client.project.client_id}});
        return;
    }
    sdk::HttpRequest post;
    post.method = "POST";
    post.url = uri;
    post.content_type = "application/x-www-form-urlencoded";
    post.body = "logout_token=" + urlEncode(*token);
    post.timeout = kBackchannelTimeout;
    auto answer = ctx.host.http().send(post);
    if (!answer) {
        ctx.log().log(sdk::LogLevel::warning, "logout.backchannel_failed",
                      "the client's back-channel logout endpoint could not be reached: " +
                          answer.error().message,
                      {{"client_id", client.project.client_id}});
        return;
    }
    if (answer->status != 200 && answer->status != 204) {
        ctx.log().log(sdk::LogLevel::warning, "logout.backchannel_failed",
                      "the client's back-channel logout endpoint answered " +
                          std::to_string(answer->status),
                      {{"client_id", client.project.client_id}});
        return;
    }
    ctx.log().log(sdk::LogLevel::info, "logout.backchannel_sent", "back-channel logout delivered",
                  {{"client_id", client.project.client_id}});
}

// Ends the browser's session: revoked in the store (with its refresh families), forgotten by
// this node's cache, and announced to every client that got a code in it and registered a
// back-channel logout URI.
std::optional<sdk::Error> endSession(ProviderContext& ctx, const http::Request& request,
                                     const ActiveSession& active) {
    if (auto revoked = ctx.store.sessions().revoke(active.session.id, ctx.now()); !revoked) {
        return std::move(revoked).error();
    }
    if (ctx.state != nullptr) {
        ctx.state->forgetSession(active.session.id);
    }
    std::size_t notified = 0;
    auto record = loadSessionRecord(ctx, ctx.store, active.session.id);
    if (!record) {
        ctx.log().log(sdk::LogLevel::warning, "logout.session_record_failed",
                      record.error().message);
    } else {
        for (const std::string& client_id : record->clients) {
            auto client = ctx.clients.find(client_id);
            if (!client || (*client)->project.backchannel_logout_uri.empty()) {
                continue;
            }
            sendBackchannelLogout(ctx, **client, active.session);
            ++notified;
        }
    }
    (void)ctx.store.pluginData().remove(std::string(kSessionRecordNamespace), active.session.id);
    std::string detail = "{\"session_id\":";
    json::appendString(detail, active.session.id);
    detail += ",\"backchannel_notified\":" + std::to_string(notified) + "}";
    auditBrowserEvent(ctx, request, "signout", active.user.id, "", detail);
    ctx.log().log(sdk::LogLevel::info, "logout.done", "session ended",
                  {{"user_id", active.user.id}, {"session_id", active.session.id}});
    return std::nullopt;
}

http::Response finish(ProviderContext& ctx, const http::Request& request,
                      const LogoutRequest& logout) {
    http::Response response = signedOutPage();
    if (!logout.post_logout_redirect_uri.empty()) {
        std::vector<std::pair<std::string, std::string>> params;
        if (logout.has_state) {
            params.emplace_back("state", logout.state);
        }
        response = http::Response::redirect(appendQuery(logout.post_logout_redirect_uri, params),
                                            redirectStatusFor(request));
        response.noStore();
    }
    // Whatever the store said, this browser forgets its session.
    if (!request.cookie(std::string(kSessionCookie)).empty()) {
        response.setCookie(clearedSessionCookie(ctx));
    }
    return response;
}

http::Response handleLogout(ProviderContext& ctx, const http::Request& request) {
    const sdk::Fields* fields = &request.query;
    if (request.method == "POST") {
        if (request.has_form) {
            fields = &request.form;
        } else if (!request.body.empty()) {
            return badLogoutPage("The sign-out request must be an HTML form post.");
        }
    }
    auto parsed = parseLogout(ctx, *fields);
    if (auto* page = std::get_if<http::Response>(&parsed)) {
        return std::move(*page);
    }
    const LogoutRequest& logout = std::get<LogoutRequest>(parsed);

    auto current = currentSession(ctx, request);
    if (!current) {
        return serverErrorPage(ctx, "logout.session_failed", current.error());
    }

    // The confirmation form posted back.
    if (request.method == "POST" && fields->find("decision") != nullptr) {
        if (!csrfValid(ctx.csrf_key, browserCookieOf(request), kLogoutPurpose,
                       fields->get(std::string(kCsrfField)))) {
            ctx.log().log(sdk::LogLevel::info, "logout.csrf_failed",
                          "a sign-out form failed the CSRF check");
            return errorPage(403, "This form has expired",
                             "The form was not sent from this browser's sign-out page, or it is "
                             "too old. Nothing was changed.");
        }
        const std::string decision = fields->get("decision");
        if (decision == "stay") {
            return stillSignedInPage();
        }
        if (decision != "logout") {
            return badLogoutPage("Choose Sign out or Stay signed in.");
        }
        if (current->has_value()) {
            if (auto failed = endSession(ctx, request, **current)) {
                return serverErrorPage(ctx, "logout.revoke_failed", *failed);
            }
        }
        return finish(ctx, request, logout);
    }

    if (!current->has_value()) {
        return finish(ctx, request, logout);  // nothing to end
    }
    const ActiveSession& active = **current;
    // The app proved which sign-in it means: no need to ask (RP-Initiated Logout 1.0 section 2).
    // A HEAD (a link checker, a prefetch) never ends a session.
    if (request.method != "HEAD" && logout.hint && logout.hint->subject == active.user.id &&
        (logout.hint->session_id.empty() || logout.hint->session_id == active.session.id)) {
        if (auto failed = endSession(ctx, request, active)) {
            return serverErrorPage(ctx, "logout.revoke_failed", *failed);
        }
        return finish(ctx, request, logout);
    }

    BrowserBinding browser(ctx, request);
    LogoutView view;
    view.user_label = active.user.email.empty() ? active.user.name : active.user.email;
    view.action_url = "/oauth/logout";
    view.hidden_html =
        hiddenField(kCsrfField, csrfToken(ctx.csrf_key, browser.id(), kLogoutPurpose));
    if (logout.client) {
        view.project_name = logout.client->project.name;
        view.hidden_html += hiddenField("client_id", logout.client->project.client_id);
    }
    if (!logout.post_logout_redirect_uri.empty()) {
        view.hidden_html +=
            hiddenField("post_logout_redirect_uri", logout.post_logout_redirect_uri);
        view.form_action_source = formActionSourceOf(logout.post_logout_redirect_uri);
    }
    if (logout.has_state) {
        view.hidden_html += hiddenField("state", logout.state);
    }
    http::Response response = logoutConfirmPage(view);
    browser.apply(response);
    return response;
}

}  // namespace

void addLogoutRoutes(http::Router& router, ProviderContext& ctx) {
    addOAuthRoute(router, {"GET", "POST"}, "logout", [&ctx](http::Request& request) {
        return guardedPage(ctx, "logout", [&] { return handleLogout(ctx, request); });
    });
}

}  // namespace authd::oauth
