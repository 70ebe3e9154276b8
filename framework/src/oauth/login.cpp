// SPDX-License-Identifier: Apache-2.0
// The sign-in pages: GET /login?req=<id> (the project's methods), GET /login/<id>?req=<id> (one
// authenticator's form), POST /login/<id>[/<sub_path>] (its submission) and
// GET /login/<id>/<sub_path> (links and upstream redirects coming back).
#include <algorithm>
#include <optional>
#include <utility>

#include "json/json.hpp"
#include "oauth/authorize_flow.hpp"
#include "oauth/csrf.hpp"
#include "oauth/pages.hpp"
#include "oauth/provider.hpp"
#include "oauth/redirect_uri.hpp"

namespace authd::oauth {
namespace {

const app::AuthenticatorInstance* findInstance(const ProviderContext& ctx, std::string_view id) {
    for (const auto& instance : ctx.authenticators) {
        if (instance.id == id && instance.authenticator) {
            return &instance;
        }
    }
    return nullptr;
}

bool isAllowed(const ProviderContext& ctx, const sdk::Project& project, std::string_view id) {
    const auto allowed = allowedAuthenticators(ctx, project);
    return std::any_of(
        allowed.begin(), allowed.end(),
        [id](const app::AuthenticatorInstance* instance) { return instance->id == id; });
}

http::Response methodNotAllowedPage() {
    return errorPage(403, "This sign-in method is not available",
                     "The app you are signing in to does not accept this sign-in method. Go back "
                     "and choose another one.");
}

http::Response csrfFailedPage() {
    return errorPage(403, "This form has expired",
                     "The form was not sent from this browser's sign-in page, or it is too old. "
                     "Go back to the app and sign in again.");
}

std::string chooserUrl(const std::string& pending_id) {
    return "/login?req=" + pending_id;
}

std::string methodUrl(const std::string& instance_id, const std::string& pending_id) {
    return "/login/" + urlEncode(instance_id) + "?req=" + pending_id;
}

sdk::LoginStep makeStep(const ProviderContext& ctx, const http::Request& request,
                        const app::AuthenticatorInstance& instance, const LoadedPending* loaded,
                        std::string sub_path) {
    sdk::LoginStep step;
    step.instance_id = instance.id;
    step.action_url = "/login/" + instance.id;
    step.sub_path = std::move(sub_path);
    step.request = request.view();
    if (loaded != nullptr) {
        step.pending_id = loaded->pending.id;
        step.hidden_fields_html =
            hiddenField(kCsrfField,
                        csrfToken(ctx.csrf_key, browserCookieOf(request), loaded->pending.id)) +
            hiddenField("req", loaded->pending.id);
        step.client_id = loaded->client->project.client_id;
        step.project_name = loaded->client->project.name;
        step.login_hint = loaded->request.login_hint;
    }
    return step;
}

// Where self-registration lives (dash/registration.cpp), when it is not closed.
std::string registerUrl(const ProviderContext& ctx) {
    return ctx.config.registration == config::RegistrationMode::closed ? std::string()
                                                                       : std::string("/register");
}

http::Response renderMethod(ProviderContext& ctx, const http::Request& request,
                            const LoadedPending& loaded, const app::AuthenticatorInstance& instance,
                            std::string error) {
    sdk::LoginStep step = makeStep(ctx, request, instance, &loaded, "");
    step.error = std::move(error);
    auto page = instance.authenticator->render(step);
    if (!page) {
        return serverErrorPage(ctx, "login.render_failed", page.error());
    }
    const bool several = allowedAuthenticators(ctx, loaded.client->project).size() > 1;
    return loginFormPage(loaded.client->project.name, page->status, page->body_html,
                         several ? chooserUrl(loaded.pending.id) : std::string(),
                         registerUrl(ctx));
}

std::string signInDetail(const std::string& authenticator_id, const std::string& plugin_detail) {
    // The plugin's detail is a JSON object by contract; fall back to ours when it is absent.
    if (!plugin_detail.empty() && plugin_detail.front() == '{') {
        return plugin_detail;
    }
    std::string out = "{\"authenticator\":";
    json::appendString(out, authenticator_id);
    out += '}';
    return out;
}

// A successful verdict for `loaded`: the account must exist and be admitted by the project's
// access policy; then the IdP session starts (or is refreshed) and the authorization goes on.
http::Response completeSignIn(ProviderContext& ctx, const http::Request& request,
                              LoadedPending& loaded, const app::AuthenticatorInstance& instance,
                              const sdk::Verdict& verdict) {
    const ClientInfo& client = *loaded.client;
    const int status = redirectStatusFor(request);
    auto user = ctx.store.users().get(verdict.user_id);
    if (!user) {
        if (user.error().code != sdk::ErrorCode::not_found) {
            return serverErrorPage(ctx, "login.user_failed", user.error());
        }
        ctx.log().log(sdk::LogLevel::error, "login.unknown_user",
                      "an authenticator signed in a user that does not exist",
                      {{"authenticator", instance.id}, {"client_id", client.project.client_id}});
        (void)ctx.store.pending().take(loaded.pending.id);
        return errorRedirect(ctx, loaded.request, accessDenied("the account does not exist"),
                             status);
    }
    if (auto reason = accessDenialReason(client.project.policy, *user, instance.id)) {
        ctx.log().log(sdk::LogLevel::info, "login.access_denied",
                      "the project's access policy refused the user: " + *reason,
                      {{"client_id", client.project.client_id}, {"user_id", user->id}});
        std::string detail = "{\"authenticator\":";
        json::appendString(detail, instance.id);
        detail += ",\"reason\":";
        json::appendString(detail, *reason);
        detail += '}';
        auditBrowserEvent(ctx, request, "signin.denied", user->id, client.project.client_id,
                          detail);
        (void)ctx.store.pending().take(loaded.pending.id);
        return errorRedirect(ctx, loaded.request,
                             accessDenied("this account may not sign in to this application"),
                             status);
    }

    auto current = currentSession(ctx, request);
    if (!current) {
        return serverErrorPage(ctx, "login.session_failed", current.error());
    }
    auto sign_in = prepareSignIn(ctx, request, *current, *user, verdict.amr);
    if (!sign_in) {
        return serverErrorPage(ctx, "login.session_failed", sign_in.error());
    }
    const ActiveSession& active = sign_in->active;
    // The session and its record commit with whatever the authorization stores next (the
    // pending request for consent, or the code): one write transaction for the whole POST.
    std::optional<sdk::Error> session_failed;
    const StoreStep store_session = [&](sdk::Storage& tx) -> sdk::Result<void> {
        sdk::Result<void> stored = storeSignIn(tx, *sign_in);
        SessionRecord record;
        if (stored && !sign_in->is_new) {
            auto existing = loadSessionRecord(ctx, tx, active.session.id);
            if (existing) {
                record = std::move(*existing);
            }
        }
        record.authenticator = instance.id;
        if (stored) {
            stored = saveSessionRecord(tx, active.session, record);
        }
        if (!stored) {
            session_failed = stored.error();
        }
        return stored;
    };

    BrowserBinding browser(ctx, request);
    http::Response response = continueAuthorization(ctx, request, client, loaded.request, active,
                                                    instance.id, &loaded.pending, browser, status,
                                                    store_session);
    if (session_failed) {
        return serverErrorPage(ctx, "login.session_failed", *session_failed);
    }
    auditBrowserEvent(ctx, request, "signin.success", user->id, client.project.client_id,
                      signInDetail(instance.id, verdict.audit_detail));
    ctx.log().log(sdk::LogLevel::info, "login.success", "user signed in",
                  {{"authenticator", instance.id},
                   {"client_id", client.project.client_id},
                   {"user_id", user->id},
                   {"session_id", active.session.id}});
    response.setCookie(sessionCookie(ctx, active.token));
    return response;
}

http::Response applyVerdict(ProviderContext& ctx, const http::Request& request,
                            LoadedPending& loaded, const app::AuthenticatorInstance& instance,
                            sdk::Verdict verdict) {
    switch (verdict.kind) {
    case sdk::Verdict::Kind::success:
        return completeSignIn(ctx, request, loaded, instance, verdict);
    case sdk::Verdict::Kind::failure:
        return renderMethod(ctx, request, loaded, instance,
                            verdict.message.empty() ? "Sign-in failed. Try again."
                                                    : verdict.message);
    case sdk::Verdict::Kind::page:
        return loginFormPage(loaded.client->project.name, verdict.page.status,
                             verdict.page.body_html, "");
    case sdk::Verdict::Kind::redirect:
        if (verdict.redirect_url.empty()) {
            return serverErrorPage(
                ctx, "login.bad_verdict",
                sdk::makeError(sdk::ErrorCode::internal, instance.id + " redirected nowhere"));
        }
        return http::Response::redirect(verdict.redirect_url, redirectStatusFor(request)).noStore();
    }
    return serverErrorPage(
        ctx, "login.bad_verdict",
        sdk::makeError(sdk::ErrorCode::internal, instance.id + " returned an unknown verdict"));
}

http::Response showLogin(ProviderContext& ctx, const http::Request& request) {
    PendingOutcome outcome = loadPending(ctx, request, request.query.get("req"));
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    if (!loaded.pending.user_id.empty()) {
        // Signed in already; only consent is missing.
        return http::Response::redirect("/oauth/consent?req=" + loaded.pending.id, 302).noStore();
    }
    const auto methods = allowedAuthenticators(ctx, loaded.client->project);
    if (methods.empty()) {
        ctx.log().log(sdk::LogLevel::warning, "login.no_method",
                      "no configured authenticator is allowed for the project",
                      {{"client_id", loaded.client->project.client_id}});
        return errorPage(403, "No way to sign in",
                         "This app does not accept any of the sign-in methods this service "
                         "offers. Contact the app's administrator.");
    }
    if (methods.size() == 1) {
        return renderMethod(ctx, request, loaded, *methods.front(), "");
    }
    std::vector<MethodLink> links;
    links.reserve(methods.size());
    for (const auto* instance : methods) {
        links.push_back(
            {instance->authenticator->displayName(), methodUrl(instance->id, loaded.pending.id)});
    }
    return chooserPage(loaded.client->project.name, links, registerUrl(ctx));
}

// GET /login/<id>?req=<pending>: one method's form.
http::Response showMethod(ProviderContext& ctx, const http::Request& request,
                          const app::AuthenticatorInstance& instance) {
    PendingOutcome outcome = loadPending(ctx, request, request.query.get("req"));
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    if (!isAllowed(ctx, loaded.client->project, instance.id)) {
        return methodNotAllowedPage();
    }
    return renderMethod(ctx, request, loaded, instance, "");
}

// POST /login/<id>[/<sub_path>]: the form of one method.
http::Response submitMethod(ProviderContext& ctx, const http::Request& request,
                            const app::AuthenticatorInstance& instance, std::string sub_path) {
    if (!request.has_form) {
        return errorPage(400, "This form could not be read",
                         "The sign-in form must be posted as an HTML form.");
    }
    const std::string pending_id = request.form.get("req");
    if (!csrfValid(ctx.csrf_key, browserCookieOf(request), pending_id,
                   request.form.get(std::string(kCsrfField)))) {
        ctx.log().log(sdk::LogLevel::info, "login.csrf_failed",
                      "a sign-in form failed the CSRF check", {{"authenticator", instance.id}});
        return csrfFailedPage();
    }
    PendingOutcome outcome = loadPending(ctx, request, pending_id);
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    if (!isAllowed(ctx, loaded.client->project, instance.id)) {
        return methodNotAllowedPage();
    }
    const sdk::LoginStep step = makeStep(ctx, request, instance, &loaded, std::move(sub_path));
    auto verdict = instance.authenticator->submit(step, request.form);
    if (!verdict) {
        return serverErrorPage(ctx, "login.submit_failed", verdict.error());
    }
    return applyVerdict(ctx, request, loaded, instance, std::move(*verdict));
}

// GET /login/<id>/<sub_path>: an emailed link or an upstream provider coming back. The
// verdict names the pending authorization; it must belong to this browser.
http::Response callbackMethod(ProviderContext& ctx, const http::Request& request,
                              const app::AuthenticatorInstance& instance, std::string sub_path) {
    std::optional<LoadedPending> carried;
    if (const std::string req = request.query.get("req"); isPendingId(req)) {
        PendingOutcome outcome = loadPending(ctx, request, req);
        if (auto* loaded = std::get_if<LoadedPending>(&outcome)) {
            carried = std::move(*loaded);
        }
    }
    const sdk::LoginStep step =
        makeStep(ctx, request, instance, carried ? &*carried : nullptr, std::move(sub_path));
    auto verdict = instance.authenticator->callback(step);
    if (!verdict) {
        if (verdict.error().code == sdk::ErrorCode::unsupported) {
            return errorPage(404, "Page not found", "This sign-in method has no such page.");
        }
        return serverErrorPage(ctx, "login.callback_failed", verdict.error());
    }
    if (verdict->kind == sdk::Verdict::Kind::redirect) {
        if (verdict->redirect_url.empty()) {
            return serverErrorPage(
                ctx, "login.bad_verdict",
                sdk::makeError(sdk::ErrorCode::internal, instance.id + " redirected nowhere"));
        }
        return http::Response::redirect(verdict->redirect_url, 302).noStore();
    }
    std::string pending_id = verdict->pending_id;
    if (pending_id.empty() && carried) {
        pending_id = carried->pending.id;
    }
    if (pending_id.empty()) {
        if (verdict->kind == sdk::Verdict::Kind::page) {
            return loginFormPage("", verdict->page.status, verdict->page.body_html, "");
        }
        return errorPage(400, "This link cannot be used",
                         verdict->kind == sdk::Verdict::Kind::failure && !verdict->message.empty()
                             ? verdict->message
                             : std::string("It does not belong to a sign-in in progress. Go "
                                           "back to the app and sign in again."));
    }
    PendingOutcome outcome = loadPending(ctx, request, pending_id);
    if (auto* page = std::get_if<http::Response>(&outcome)) {
        return std::move(*page);
    }
    LoadedPending& loaded = std::get<LoadedPending>(outcome);
    if (!isAllowed(ctx, loaded.client->project, instance.id)) {
        return methodNotAllowedPage();
    }
    return applyVerdict(ctx, request, loaded, instance, std::move(*verdict));
}

http::Response handleMethod(ProviderContext& ctx, const http::Request& request) {
    const std::string& rest = request.path_rest;
    const std::size_t slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    std::string sub_path = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
    const app::AuthenticatorInstance* instance = findInstance(ctx, id);
    if (instance == nullptr) {
        return errorPage(404, "Page not found", "There is no such sign-in method.");
    }
    if (request.method == "POST") {
        return submitMethod(ctx, request, *instance, std::move(sub_path));
    }
    if (slash == std::string::npos) {
        return showMethod(ctx, request, *instance);
    }
    return callbackMethod(ctx, request, *instance, std::move(sub_path));
}

}  // namespace

void addLoginRoutes(http::Router& router, ProviderContext& ctx) {
    router.add({"GET"}, "/login", [&ctx](http::Request& request) {
        return guardedPage(ctx, "login", [&] { return showLogin(ctx, request); });
    });
    router.addPrefix(
        {"GET", "POST"}, "/login/",
        [&ctx](http::Request& request) {
            return guardedPage(ctx, "login", [&] { return handleMethod(ctx, request); });
        },
        "/login/*");
}

}  // namespace authd::oauth
