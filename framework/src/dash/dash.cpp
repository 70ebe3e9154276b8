// SPDX-License-Identifier: Apache-2.0
// authdash (/admin) and My Apps (/apps): server-rendered pages over the provider's store.
// Sign-in goes through the provider's own authorization-code flow with PKCE; the code is
// redeemed in-process (the same checks as the token endpoint: single use, client, redirect
// URI, PKCE verifier, active user) because the dashboard needs only the user, not tokens.
#include "dash/dash.hpp"

#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "admin/service.hpp"
#include "config/duration.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "dash/registration.hpp"
#include "oauth/authorize_flow.hpp"
#include "oauth/csrf.hpp"
#include "oauth/pages.hpp"
#include "oauth/pkce.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/session.hpp"
#include "oauth/state_cache.hpp"

namespace authd::dash {
namespace {

using sdk::escapeHtml;

std::string cookieKey(const oauth::ProviderContext& ctx) {
    return crypto::hmacSha256(ctx.csrf_key, "authd.dash.cookie");
}

std::string callbackUri(const oauth::ProviderContext& ctx) {
    return ctx.issuer_url + "/admin/callback";
}

bool isIdText(std::string_view text) {
    return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string joinLines(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : "\n") + item;
    }
    return out;
}

std::string timeText(sdk::UnixTime t) {
    if (t <= 0) {
        return "-";
    }
    const std::time_t value = static_cast<std::time_t>(t);
    std::tm parts{};
    gmtime_r(&value, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &parts);
    return buffer;
}

// ---- layout -------------------------------------------------------------------------------

enum class Area { admin, apps };

std::string navOf(Area area, const std::string& csrf) {
    std::string nav = "<nav class=\"dash-nav\">";
    if (area == Area::admin) {
        nav += "<a href=\"/admin/projects\">Projects</a> · <a href=\"/admin/users\">Users</a> · "
               "<a href=\"/admin/audit\">Audit</a> · <a href=\"/admin/invites\">Invites</a> · "
               "<a href=\"/apps\">My Apps</a>";
    } else {
        nav += "<a href=\"/apps\">My Apps</a>";
    }
    nav += "<form method=\"post\" action=\"/admin/signout\" class=\"inline\">" +
           oauth::hiddenField(oauth::kCsrfField, csrf) +
           "<button type=\"submit\" class=\"linklike\">Sign out</button></form>";
    nav += "</nav>\n";
    return nav;
}

http::Response page(Area area, const std::string& csrf, int status, const std::string& title,
                    const std::string& body) {
    oauth::PageView view;
    view.status = status;
    view.title = title + (area == Area::admin ? " · authdash" : " · My Apps");
    view.heading = title;
    // The dashboard's additions to the shared sheet (wider card, tables, navigation).
    view.body_html = "<link rel=\"stylesheet\" href=\"" + std::string(kDashStylesheetPath) +
                     "\">\n" + navOf(area, csrf) + "<div class=\"dash\">" + body + "</div>";
    return oauth::renderPage(view);
}

std::string form(const std::string& action, const std::string& csrf, const std::string& inner,
                 const std::string& button, const std::string& button_class = "button primary") {
    return "<form method=\"post\" action=\"" + escapeHtml(action) + "\">" +
           oauth::hiddenField(oauth::kCsrfField, csrf) + inner +
           "<button type=\"submit\" class=\"" + button_class + "\">" + escapeHtml(button) +
           "</button></form>\n";
}

std::string field(const std::string& name, const std::string& label, const std::string& control,
                  const std::string& hint = {}) {
    return "<div class=\"field\"><label for=\"f-" + name + "\">" + escapeHtml(label) + "</label>" +
           control +
           (hint.empty() ? std::string()
                         : "<p class=\"hint\" id=\"h-" + name + "\">" + escapeHtml(hint) + "</p>") +
           "</div>\n";
}

std::string textInput(const std::string& name, const std::string& label,
                      const std::string& value = {}, const std::string& type = "text",
                      const std::string& hint = {}) {
    return field(name, label,
                 "<input id=\"f-" + name + "\" type=\"" + type + "\" name=\"" + name +
                     "\" value=\"" + escapeHtml(value) + "\"" +
                     (hint.empty() ? std::string() : " aria-describedby=\"h-" + name + "\"") + ">",
                 hint);
}

// A group of checkboxes sharing `name`, one per choice, under a legend.
std::string checkboxes(const std::string& name, const std::string& legend,
                       const std::vector<std::string>& choices,
                       const std::vector<std::string>& ticked, const std::string& hint) {
    std::string out = "<fieldset class=\"choices\"><legend>" + escapeHtml(legend) + "</legend>";
    for (const auto& choice : choices) {
        const bool on = std::find(ticked.begin(), ticked.end(), choice) != ticked.end();
        out += "<label><input type=\"checkbox\" name=\"" + name + "\" value=\"" +
               escapeHtml(choice) + "\"" + (on ? " checked" : "") + "> " + escapeHtml(choice) +
               "</label>";
    }
    if (!hint.empty()) {
        out += "<p class=\"hint\">" + escapeHtml(hint) + "</p>";
    }
    return out + "</fieldset>\n";
}

std::string checkbox(const std::string& name, const std::string& label, bool on) {
    return "<div class=\"field\"><label class=\"check\"><input type=\"checkbox\" name=\"" +
           name + "\" value=\"1\"" + (on ? " checked" : "") + "> " + escapeHtml(label) +
           "</label></div>\n";
}

std::string textArea(const std::string& name, const std::string& label, const std::string& value) {
    return field(name, label,
                 "<textarea id=\"f-" + name + "\" name=\"" + name + "\" rows=\"4\">" +
                     escapeHtml(value) + "</textarea>");
}

// Options as (value, text) pairs.
std::string selectPairs(const std::string& name, const std::string& label,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        const std::string& current) {
    std::string out = "<select id=\"f-" + name + "\" name=\"" + name + "\">";
    for (const auto& [value, text] : options) {
        out += "<option value=\"" + escapeHtml(value) + "\"" +
               (value == current ? " selected" : "") + ">" + escapeHtml(text) + "</option>";
    }
    return field(name, label, out + "</select>");
}

std::string select(const std::string& name, const std::string& label,
                   const std::vector<std::string>& options, const std::string& current) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& option : options) {
        pairs.emplace_back(option, option);
    }
    return selectPairs(name, label, pairs, current);
}

std::string alert(const std::string& message) {
    return "<p class=\"alert\" role=\"alert\">" + escapeHtml(message) + "</p>\n";
}

std::string notice(const std::string& message) {
    return "<p class=\"notice\" role=\"status\">" + escapeHtml(message) + "</p>\n";
}

// An error (status >= 400) or a confirmation.
std::string messageBox(const std::string& message, int status) {
    if (message.empty()) {
        return {};
    }
    return status >= 400 ? alert(message) : notice(message);
}

std::string secretRow(const std::string& label, const std::string& value) {
    return "<tr><th>" + escapeHtml(label) + "</th><td><code class=\"secret\">" + escapeHtml(value) +
           "</code></td></tr>";
}

// ---- input ---------------------------------------------------------------------------------

// The non-empty lines of a textarea, trimmed (the service validates each URI).
std::vector<std::string> lines(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& line : split(text, '\n')) {
        std::string item = trim(line);
        if (!item.empty()) {
            out.push_back(std::move(item));
        }
    }
    return out;
}

// The words of a text field, split at spaces and commas (roles, domains, scopes).
std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text) {
        if (c == ' ' || c == ',' || c == '\t' || c == '\r' || c == '\n') {
            if (!word.empty()) {
                out.push_back(std::move(word));
                word.clear();
            }
        } else {
            word += c;
        }
    }
    if (!word.empty()) {
        out.push_back(std::move(word));
    }
    return out;
}

std::string spaced(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : " ") + item;
    }
    return out;
}

// Every value of `name` (a group of checkboxes), in order.
std::vector<std::string> allValues(const sdk::Fields& fields, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& [key, value] : fields.pairs()) {
        if (key == name) {
            out.push_back(value);
        }
    }
    return out;
}

http::Response unavailable(std::string_view what) {
    return oauth::errorPage(503, "Service unavailable",
                            std::string(what) + " Please try again shortly.");
}

// ---- sign-in -------------------------------------------------------------------------------

struct Viewer {
    sdk::User user;
    std::string csrf;
};

std::string csrfFor(const oauth::ProviderContext& ctx, const http::Request& request,
                    const std::string& user_id) {
    return oauth::csrfToken(ctx.csrf_key, oauth::browserCookieOf(request), "dash|" + user_id);
}

http::SetCookie dashCookie(const oauth::ProviderContext& ctx, std::string value,
                           std::int64_t max_age) {
    http::SetCookie cookie;
    cookie.name = std::string(kDashCookie);
    cookie.value = std::move(value);
    cookie.max_age = max_age;
    cookie.secure = ctx.secure_cookies;
    cookie.same_site = "Lax";
    return cookie;
}

http::Response startSignIn(oauth::ProviderContext& ctx, Area next) {
    const std::string state = crypto::randomToken(32);
    const std::string verifier = crypto::randomToken(32);
    if (state.empty() || verifier.empty()) {
        return oauth::errorPage(500, "Something went wrong", "Please try again.");
    }
    const std::string challenge = crypto::base64UrlEncode(crypto::sha256(verifier));
    http::Response response = http::Response::redirect(
        oauth::appendQuery("/oauth/authorize", {{"client_id", std::string(kDashClientId)},
                                                {"redirect_uri", callbackUri(ctx)},
                                                {"response_type", "code"},
                                                {"scope", "openid"},
                                                {"state", state},
                                                {"code_challenge", challenge},
                                                {"code_challenge_method", "S256"}}),
        303);
    http::SetCookie flow;
    flow.name = std::string(kFlowCookie);
    flow.value = state + "." + verifier + "." + (next == Area::admin ? "admin" : "apps");
    flow.path = "/admin/callback";
    flow.max_age = 600;
    flow.secure = ctx.secure_cookies;
    flow.same_site = "Lax";
    response.setCookie(flow);
    response.noStore();
    return response;
}

// The viewer of a dashboard request, or the response to send instead (sign in, 403).
std::variant<Viewer, http::Response> requireViewer(oauth::ProviderContext& ctx,
                                                   const http::Request& request, Area area) {
    const auto identity =
        decodeDashCookie(cookieKey(ctx), request.cookie(std::string(kDashCookie)), ctx.now());
    if (!identity) {
        return startSignIn(ctx, area);
    }
    auto session = ctx.store.sessions().get(identity->session_id);
    if (!session) {
        if (session.error().code != sdk::ErrorCode::not_found) {
            return oauth::errorPage(503, "Service unavailable", "Please try again shortly.");
        }
        return startSignIn(ctx, area);
    }
    if (session->revoked_at != 0 || session->expires_at <= ctx.now() ||
        session->user_id != identity->user_id) {
        return startSignIn(ctx, area);
    }
    auto user = ctx.store.users().get(identity->user_id);
    if (!user) {
        if (user.error().code != sdk::ErrorCode::not_found) {
            return oauth::errorPage(503, "Service unavailable", "Please try again shortly.");
        }
        return startSignIn(ctx, area);
    }
    if (user->status != "active") {
        return oauth::errorPage(403, "Access denied", "Your account is " + user->status + ".");
    }
    if (area == Area::admin && user->role != "admin") {
        return oauth::errorPage(403, "Access denied",
                                "The dashboard is for administrators. You are signed in as " +
                                    user->email + ".");
    }
    Viewer viewer;
    viewer.csrf = csrfFor(ctx, request, user->id);
    viewer.user = std::move(*user);
    return viewer;
}

bool csrfOk(const oauth::ProviderContext& ctx, const http::Request& request, const Viewer& viewer) {
    return request.method == "POST" && request.has_form &&
           oauth::csrfValid(ctx.csrf_key, oauth::browserCookieOf(request), "dash|" + viewer.user.id,
                            request.form.get(std::string(oauth::kCsrfField)));
}

http::Response csrfRefused() {
    return oauth::errorPage(403, "Form expired",
                            "The form could not be verified. Go back, reload the page and try "
                            "again.");
}

http::Response callback(oauth::ProviderContext& ctx, const http::Request& request) {
    const auto refuse = [](int status, const std::string& message) {
        http::Response r = oauth::errorPage(status, "Sign-in failed", message);
        return r;
    };
    if (const std::string* error = request.query.find("error")) {
        return refuse(*error == "access_denied" ? 403 : 400,
                      "The sign-in was not completed (" + *error + ").");
    }
    const auto flow = split(request.cookie(std::string(kFlowCookie)), '.');
    if (flow.size() != 3 || (flow[2] != "admin" && flow[2] != "apps")) {
        return refuse(400, "This sign-in was not started in this browser. Open /admin again.");
    }
    const std::string state = request.query.get("state");
    if (state.empty() || !crypto::constantTimeEquals(state, flow[0])) {
        return refuse(400, "The sign-in state does not match. Open /admin again.");
    }
    const std::string code = request.query.get("code");
    if (code.empty() || code.size() > 256) {
        return refuse(400, "The authorization code is missing.");
    }
    auto granted = ctx.store.codes().consume(crypto::sha256Hex(code), ctx.now());
    if (!granted) {
        return refuse(granted.error().code == sdk::ErrorCode::unavailable ? 503 : 400,
                      "The authorization code is not valid any more. Open /admin again.");
    }
    if (granted->client_id != kDashClientId || granted->redirect_uri != callbackUri(ctx) ||
        !oauth::verifyPkce(flow[1], granted->code_challenge)) {
        return refuse(400, "The authorization code does not belong to this sign-in.");
    }
    auto user = ctx.store.users().get(granted->user_id);
    if (!user || user->status != "active") {
        return refuse(403, "The account cannot sign in.");
    }
    const Area area = flow[2] == "admin" ? Area::admin : Area::apps;
    if (area == Area::admin && user->role != "admin") {
        return oauth::errorPage(403, "Access denied",
                                "The dashboard is for administrators. You are signed in as " +
                                    user->email + ".");
    }
    DashIdentity identity{user->id, granted->session_id, ctx.now() + kDashSessionTtl};
    http::Response response =
        http::Response::redirect(area == Area::admin ? "/admin/projects" : "/apps", 303);
    response.setCookie(
        dashCookie(ctx, encodeDashCookie(cookieKey(ctx), identity), kDashSessionTtl));
    http::SetCookie cleared;
    cleared.name = std::string(kFlowCookie);
    cleared.path = "/admin/callback";
    cleared.max_age = 0;
    cleared.secure = ctx.secure_cookies;
    response.setCookie(cleared);
    response.noStore();
    oauth::auditBrowserEvent(ctx, request, "dash.signin", user->id, std::string(kDashClientId));
    return response;
}

// ---- pages ---------------------------------------------------------------------------------

using Service = admin::AdminService;
using Guarded = std::function<http::Response(http::Request&, const Viewer&)>;

admin::Actor actorOf(const http::Request& request, const Viewer& viewer, Area area) {
    return {area == Area::admin ? "admin_session" : "self_service", viewer.user.id,
            request.client_address};
}

http::Handler guarded(oauth::ProviderContext& ctx, Area area, Guarded inner) {
    return [&ctx, area, inner = std::move(inner)](http::Request& request) -> http::Response {
        auto viewer = requireViewer(ctx, request, area);
        if (auto* refused = std::get_if<http::Response>(&viewer)) {
            return std::move(*refused);
        }
        const Viewer& who = std::get<Viewer>(viewer);
        if (request.method == "POST" && !csrfOk(ctx, request, who)) {
            return csrfRefused();
        }
        return inner(request, who);
    };
}

std::string projectTable(const std::vector<sdk::Project>& projects, const std::string& base) {
    std::string html = "<table class=\"dash-table\"><thead><tr><th>Name</th><th>Client ID</th>"
                       "<th>Type</th><th>Created</th></tr></thead><tbody>\n";
    for (const auto& p : projects) {
        html += "<tr><td><a href=\"" + escapeHtml(base + p.client_id) + "\">" + escapeHtml(p.name) +
                "</a></td><td><code>" + escapeHtml(p.client_id) + "</code></td><td>" +
                escapeHtml(p.client_type) + "</td><td>" + timeText(p.created_at) + "</td></tr>\n";
    }
    return html + "</tbody></table>\n";
}

std::string createProjectForm(const std::string& action, const std::string& csrf,
                              const sdk::Fields& previous, Area area) {
    std::string inner = textInput("name", "Name", previous.get("name")) +
                        textInput("description", "Description", previous.get("description"));
    if (area == Area::admin) {
        inner += select("client_type", "Client type", {"confidential", "public"},
                        previous.get("client_type", "confidential"));
    }
    inner +=
        textArea("redirect_uris", "Redirect URIs (one per line)", previous.get("redirect_uris"));
    return std::string(area == Area::admin ? "<h2>New project</h2>\n"
                                           : "<h2>Register an app</h2>\n") +
           form(action, csrf, inner, area == Area::admin ? "Create project" : "Register app");
}

http::Response projectList(Service& svc, const Viewer& viewer, Area area, const std::string& error,
                           const sdk::Fields& previous) {
    const std::string owner = area == Area::admin ? std::string() : viewer.user.id;
    std::vector<sdk::Project> projects;
    std::string cursor;
    for (int pages = 0; pages < 50; ++pages) {
        auto slice = svc.listProjects(cursor, 200, owner);
        if (!slice) {
            return unavailable("The projects could not be read.");
        }
        for (auto& project : slice->items) {
            if (area == Area::admin || project.client_id != kDashClientId) {
                projects.push_back(std::move(project));
            }
        }
        cursor = slice->next_cursor;
        if (cursor.empty()) {
            break;
        }
    }
    const std::string base = area == Area::admin ? "/admin/projects/" : "/apps/";
    std::string body = error.empty() ? std::string() : alert(error);
    if (area == Area::apps) {
        body += "<p class=\"muted\">Apps you register sign their users in through this provider. "
                "Signed in as " +
                escapeHtml(viewer.user.email) + ".</p>\n";
    }
    body += projects.empty()
                ? std::string(area == Area::admin ? "<p class=\"muted\">No projects yet.</p>\n"
                                                  : "<p class=\"muted\">No apps yet.</p>\n")
                : projectTable(projects, base);
    body += createProjectForm(area == Area::admin ? "/admin/projects" : "/apps", viewer.csrf,
                              previous, area);
    return page(area, viewer.csrf, error.empty() ? 200 : 400,
                area == Area::admin ? "Projects" : "My Apps", body);
}

http::Response secretsShown(Area area, const Viewer& viewer, const sdk::Project& project,
                            const std::string& title, const std::string& client_secret,
                            const std::string& signing_key) {
    const std::string base = area == Area::admin ? "/admin/projects/" : "/apps/";
    std::string body = "<p class=\"notice\" role=\"status\">Copy these values now: they are shown "
                       "only once.</p>\n<table class=\"dash-table\">";
    body +=
        "<tr><th>client_id</th><td><code>" + escapeHtml(project.client_id) + "</code></td></tr>";
    if (!client_secret.empty()) {
        body += secretRow("client_secret", client_secret);
    }
    if (!signing_key.empty()) {
        body += secretRow("signing_key", signing_key);
    }
    body += "</table>\n<p><a class=\"button\" href=\"" + escapeHtml(base + project.client_id) +
            "\">Continue</a></p>\n";
    return page(area, viewer.csrf, 200, title, body);
}

// What a project form shows: the project's values, or, on the form whose submission was
// refused, what was submitted (so nothing typed is lost).
struct Shown {
    const sdk::Fields* submitted = nullptr;

    std::string text(const std::string& name, const std::string& current) const {
        return submitted != nullptr ? submitted->get(name) : current;
    }
    std::vector<std::string> ticked(const std::string& name,
                                    const std::vector<std::string>& current) const {
        return submitted != nullptr ? allValues(*submitted, name) : current;
    }
    bool on(const std::string& name, bool current) const {
        return submitted != nullptr ? submitted->get(name) == "1" : current;
    }
};

const std::vector<std::string> kGrantChoices = {"authorization_code", "refresh_token",
                                                "client_credentials"};
const std::vector<std::string> kAlgChoices = {"HS256", "RS256", "ES256", "EdDSA"};

std::vector<std::string> authenticatorIds(const oauth::ProviderContext& ctx,
                                          const std::vector<std::string>& also) {
    std::vector<std::string> ids;
    for (const auto& instance : ctx.authenticators) {
        ids.push_back(instance.id);
    }
    for (const auto& id : also) {
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            ids.push_back(id); // kept visible so that it can be unticked
        }
    }
    return ids;
}

std::string lifetimeText(sdk::Seconds seconds) {
    return seconds == 0 ? std::string() : config::formatDuration(seconds);
}

// The access policy, grants/scopes/sign-in methods and token forms (authdash only).
std::string projectSettings(const oauth::ProviderContext& ctx, const Viewer& viewer,
                            const sdk::Project& project, const std::string& base,
                            const std::string& refused_action, const sdk::Fields& submitted) {
    const auto shown = [&](const std::string& action) {
        return Shown{action == refused_action ? &submitted : nullptr};
    };
    const auto& policy = project.policy;
    Shown p = shown("access-policy");
    std::string body = "<h2>Access policy</h2>\n<p class=\"muted\">Who may sign in to this "
                       "project. Checked at sign-in (<code>access_denied</code>) and at every "
                       "refresh.</p>\n";
    body += form(
        base + "/access-policy", viewer.csrf,
        textInput("roles", "Allowed roles", p.text("roles", spaced(policy.roles)), "text",
                  "Space-separated, e.g. admin staff. Empty: any role.") +
            textInput("email_domains", "Allowed email domains",
                      p.text("email_domains", spaced(policy.email_domains)), "text",
                      "Space-separated, e.g. example.com. Empty: any domain.") +
            textInput("statuses", "Allowed user statuses",
                      p.text("statuses", spaced(policy.statuses)), "text",
                      "Space-separated, e.g. active suspended. Empty: active only.") +
            checkbox("require_verified_email", "Require a verified email address",
                     p.on("require_verified_email", policy.require_verified_email)) +
            checkboxes("policy_authenticators", "Allowed sign-in methods",
                       authenticatorIds(ctx, policy.authenticators),
                       p.ticked("policy_authenticators", policy.authenticators),
                       "None ticked: any method the project offers."),
        "Save access policy");

    Shown g = shown("grants");
    body += "<h2>Grants, scopes and sign-in methods</h2>\n";
    body += form(base + "/grants", viewer.csrf,
                 checkboxes("grant_types", "Grant types", kGrantChoices,
                            g.ticked("grant_types", project.grant_types),
                            project.client_type == "public"
                                ? "A public client cannot use client_credentials."
                                : std::string()) +
                     textInput("scopes", "Scopes", g.text("scopes", spaced(project.scopes)),
                               "text", "Space-separated, e.g. openid profile email.") +
                     checkboxes("authenticators", "Sign-in methods offered",
                                authenticatorIds(ctx, project.authenticators),
                                g.ticked("authenticators", project.authenticators),
                                "None ticked: every configured method."),
                 "Save grants and scopes");

    Shown t = shown("tokens");
    const auto& defaults = ctx.config.tokens;
    const auto lifetimeHint = [](sdk::Seconds fallback) {
        return "A duration such as 90s, 15m, 12h or 7d (at most 366d). Empty: the default, " +
               config::formatDuration(fallback) + ".";
    };
    std::vector<std::pair<std::string, std::string>> algs = {
        {"", "Provider default (" + ctx.config.tokens.default_id_token_alg + ")"}};
    for (const auto& alg : kAlgChoices) {
        algs.emplace_back(alg, alg);
    }
    body += "<h2>Tokens</h2>\n";
    body += form(
        base + "/tokens", viewer.csrf,
        textInput("access_ttl", "Access token lifetime",
                  t.text("access_ttl", lifetimeText(project.access_ttl)), "text",
                  lifetimeHint(defaults.access_ttl)) +
            textInput("refresh_ttl", "Refresh token lifetime",
                      t.text("refresh_ttl", lifetimeText(project.refresh_ttl)), "text",
                      lifetimeHint(defaults.refresh_ttl)) +
            textInput("id_token_ttl", "ID token lifetime",
                      t.text("id_token_ttl", lifetimeText(project.id_token_ttl)), "text",
                      lifetimeHint(defaults.id_token_ttl)) +
            selectPairs("id_token_alg", "ID token signing algorithm", algs,
                   t.text("id_token_alg", project.id_token_alg)) +
            "<p class=\"hint\">In effect: " +
            escapeHtml(admin::effectiveIdTokenAlg(ctx, project)) +
            (project.client_type == "public" ? ". A public client cannot use HS256." : ".") +
            "</p>\n",
        "Save token settings");
    return body;
}

http::Response projectDetail(const oauth::ProviderContext& ctx, const Viewer& viewer, Area area,
                             const sdk::Project& project, const std::string& message,
                             int status = 200, const std::string& refused_action = {},
                             const sdk::Fields& submitted = {}) {
    const std::string base =
        (area == Area::admin ? "/admin/projects/" : "/apps/") + project.client_id;
    std::string body = messageBox(message, status);
    body += "<table class=\"dash-table\">";
    body +=
        "<tr><th>Client ID</th><td><code>" + escapeHtml(project.client_id) + "</code></td></tr>";
    body += "<tr><th>Description</th><td>" + escapeHtml(project.description) + "</td></tr>";
    body += "<tr><th>Client type</th><td>" + escapeHtml(project.client_type) + "</td></tr>";
    if (area == Area::admin) {
        body += "<tr><th>Owner</th><td>" +
                escapeHtml(project.owner_id.empty() ? "-" : project.owner_id) + "</td></tr>";
        body += "<tr><th>Skip consent</th><td>" + std::string(project.skip_consent ? "yes" : "no") +
                "</td></tr>";
    }
    const auto listed = [](const std::vector<std::string>& items) {
        return items.empty() ? std::string("-") : spaced(items);
    };
    body += "<tr><th>Grant types</th><td>" + escapeHtml(listed(project.grant_types)) + "</td></tr>";
    body += "<tr><th>Scopes</th><td>" + escapeHtml(listed(project.scopes)) + "</td></tr>";
    body += "<tr><th>Created</th><td>" + timeText(project.created_at) + "</td></tr>";
    body += "<tr><th>Updated</th><td>" + timeText(project.updated_at) + "</td></tr></table>\n";
    const Shown uris{refused_action == "redirect-uris" ? &submitted : nullptr};
    body += "<h2>Redirect URIs</h2>\n" +
            form(base + "/redirect-uris", viewer.csrf,
                 textArea("redirect_uris", "One per line",
                          uris.text("redirect_uris", joinLines(project.redirect_uris))),
                 "Save redirect URIs");
    if (area == Area::admin) {
        body += projectSettings(ctx, viewer, project, base, refused_action, submitted);
    }
    body += "<h2>Credentials</h2>\n";
    if (project.client_type == "confidential") {
        body += form(base + "/rotate-secret", viewer.csrf, {}, "Rotate client secret");
    }
    body += form(base + "/rotate-key", viewer.csrf,
                 "<label><input type=\"checkbox\" name=\"keep_previous\" value=\"1\"> Keep the old "
                 "signing key valid for 24 hours</label>\n",
                 "Rotate signing key");
    if (project.client_id != kDashClientId) {
        body += "<h2>Delete</h2>\n" +
                form(base + "/delete", viewer.csrf,
                     "<p class=\"muted\">Deleting revokes every token issued to it.</p>", "Delete",
                     "button danger");
    }
    return page(area, viewer.csrf, status, project.name, body);
}

// Reads the form of a settings action into `patch`; a problem the service cannot see (a
// duration that does not parse), named by its field, or nullopt.
std::optional<std::string> readSettings(const std::string& action, const sdk::Fields& form,
                                        admin::ProjectPatch& patch) {
    if (action == "access-policy") {
        sdk::AccessPolicy policy;
        policy.roles = words(form.get("roles"));
        policy.email_domains = words(form.get("email_domains"));
        policy.statuses = words(form.get("statuses"));
        policy.require_verified_email = form.get("require_verified_email") == "1";
        policy.authenticators = allValues(form, "policy_authenticators");
        patch.policy = std::move(policy);
        return std::nullopt;
    }
    if (action == "grants") {
        patch.grant_types = allValues(form, "grant_types");
        patch.scopes = words(form.get("scopes"));
        patch.authenticators = allValues(form, "authenticators");
        return std::nullopt;
    }
    // tokens
    for (const char* name : {"access_ttl", "refresh_ttl", "id_token_ttl"}) {
        const std::string text = trim(form.get(name));
        sdk::Seconds seconds = 0;
        if (!text.empty()) {
            auto parsed = config::parseDuration(text);
            if (!parsed) {
                return std::string(name) + ": " + parsed.error().message;
            }
            seconds = *parsed;
        }
        const std::string_view field(name);
        (field == "access_ttl"    ? patch.access_ttl
         : field == "refresh_ttl" ? patch.refresh_ttl
                                  : patch.id_token_ttl) = seconds;
    }
    patch.id_token_alg = form.get("id_token_alg");
    return std::nullopt;
}

// The dashboard's own project must keep letting the administrator in.
std::optional<std::string> lockoutProblem(const sdk::Project& project,
                                          const admin::ProjectPatch& patch,
                                          const sdk::User& viewer) {
    if (project.client_id != kDashClientId) {
        return std::nullopt;
    }
    if (patch.grant_types && std::find(patch.grant_types->begin(), patch.grant_types->end(),
                                       "authorization_code") == patch.grant_types->end()) {
        return "grant_types: the dashboard signs in with authorization_code, which must stay";
    }
    if (patch.policy) {
        sdk::AccessPolicy without_methods = *patch.policy;
        without_methods.authenticators.clear();
        if (auto reason = oauth::accessDenialReason(without_methods, viewer, {})) {
            return "access_policy: it would lock you out of the dashboard (" + *reason + ")";
        }
    }
    return std::nullopt;
}

// /admin/projects/<id>[/<action>] and /apps/<id>[/<action>].
http::Response projectAction(Service& svc, http::Request& request, const Viewer& viewer,
                             Area area) {
    const auto parts = split(request.path_rest, '/');
    if (parts.empty() || parts.size() > 2 || !isIdText(parts[0])) {
        return oauth::errorPage(404, "Not found", "There is no such page.");
    }
    auto project = svc.getProject(parts[0]);
    if (!project) {
        if (project.error().code == sdk::ErrorCode::not_found) {
            return oauth::errorPage(404, "Not found", "There is no such project.");
        }
        return unavailable("The project could not be read.");
    }
    if (area == Area::apps &&
        (project->owner_id != viewer.user.id || project->client_id == kDashClientId)) {
        return oauth::errorPage(404, "Not found", "There is no such app.");
    }
    const std::string action = parts.size() == 2 ? parts[1] : std::string();
    const oauth::ProviderContext& ctx = svc.context();
    if (request.method != "POST") {
        if (!action.empty()) {
            return oauth::errorPage(404, "Not found", "There is no such page.");
        }
        return projectDetail(ctx, viewer, area, *project, {});
    }
    const admin::Actor actor = actorOf(request, viewer, area);
    // A refused change shows the page again with the message and the input kept.
    const auto refused = [&](const std::string& message) {
        return projectDetail(ctx, viewer, area, *project, message, 400, action, request.form);
    };
    const auto save = [&](const admin::ProjectPatch& patch, const std::string& done) {
        auto updated = svc.updateProject(project->client_id, patch, actor);
        if (!updated) {
            if (updated.error().code == sdk::ErrorCode::invalid_argument) {
                return refused(updated.error().message);
            }
            return unavailable("The project could not be saved.");
        }
        return projectDetail(ctx, viewer, area, *updated, done);
    };
    if (action == "redirect-uris") {
        auto uris = lines(request.form.get("redirect_uris"));
        if (project->client_id == kDashClientId &&
            std::find(uris.begin(), uris.end(), callbackUri(ctx)) == uris.end()) {
            return refused("redirect_uris: the dashboard's own callback URI must stay");
        }
        admin::ProjectPatch patch;
        patch.redirect_uris = std::move(uris);
        return save(patch, "Redirect URIs saved.");
    }
    if (area == Area::admin &&
        (action == "access-policy" || action == "grants" || action == "tokens")) {
        admin::ProjectPatch patch;
        if (auto problem = readSettings(action, request.form, patch)) {
            return refused(*problem);
        }
        if (auto problem = lockoutProblem(*project, patch, viewer.user)) {
            return refused(*problem);
        }
        return save(patch, action == "access-policy" ? "Access policy saved."
                           : action == "grants"      ? "Grants and scopes saved."
                                                     : "Token settings saved.");
    }
    if (action == "rotate-secret") {
        auto secret = svc.rotateSecret(project->client_id, actor);
        if (!secret) {
            if (secret.error().code == sdk::ErrorCode::invalid_argument) {
                return projectDetail(ctx, viewer, area, *project, secret.error().message, 400);
            }
            return unavailable("The secret could not be rotated.");
        }
        return secretsShown(area, viewer, *project, "New client secret", *secret, {});
    }
    if (action == "rotate-key") {
        const sdk::Seconds grace = request.form.get("keep_previous") == "1" ? 86400 : 0;
        auto key = svc.rotateSigningKey(project->client_id, grace, actor);
        if (!key) {
            if (key.error().code == sdk::ErrorCode::invalid_argument) {
                return projectDetail(ctx, viewer, area, *project, key.error().message, 400);
            }
            return unavailable("The signing key could not be rotated.");
        }
        return secretsShown(area, viewer, *project, "New signing key", {}, *key);
    }
    if (action == "delete" && project->client_id != kDashClientId) {
        if (auto deleted = svc.deleteProject(project->client_id, actor); !deleted) {
            return unavailable("The project could not be deleted.");
        }
        return http::Response::redirect(area == Area::admin ? "/admin/projects" : "/apps", 303);
    }
    return oauth::errorPage(404, "Not found", "There is no such action.");
}

http::Response projectsRoot(Service& svc, http::Request& request, const Viewer& viewer, Area area) {
    if (request.method != "POST") {
        return projectList(svc, viewer, area, {}, {});
    }
    admin::ProjectInput input;
    input.name = trim(request.form.get("name"));
    input.description = trim(request.form.get("description"));
    input.owner_id = area == Area::admin ? std::string() : viewer.user.id;
    input.client_type =
        area == Area::admin ? request.form.get("client_type", "confidential") : "confidential";
    input.redirect_uris = lines(request.form.get("redirect_uris"));
    if (input.redirect_uris.empty()) {
        return projectList(svc, viewer, area,
                           "redirect_uris: at least one redirect URI is required", request.form);
    }
    auto made = svc.createProject(input, actorOf(request, viewer, area));
    if (!made) {
        if (made.error().code == sdk::ErrorCode::invalid_argument ||
            made.error().code == sdk::ErrorCode::conflict) {
            return projectList(svc, viewer, area, made.error().message, request.form);
        }
        return unavailable("The project could not be created.");
    }
    return secretsShown(area, viewer, made->project,
                        area == Area::admin ? "Project created" : "App registered",
                        made->client_secret, made->signing_key);
}

// ---- users, sessions, audit ----------------------------------------------------------------

const std::vector<std::string> kRoles = {"user", "admin"};
const std::vector<std::string> kStatuses = {"active", "suspended", "disabled"};

std::vector<std::string> withCurrent(std::vector<std::string> choices, const std::string& current) {
    if (!current.empty() && std::find(choices.begin(), choices.end(), current) == choices.end()) {
        choices.push_back(current);
    }
    return choices;
}

std::string createUserForm(const std::string& csrf, const sdk::Fields& previous) {
    return "<h2>New user</h2>\n" +
           form("/admin/users", csrf,
                textInput("email", "Email", previous.get("email"), "email") +
                    textInput("name", "Name", previous.get("name")) +
                    select("role", "Role", kRoles, previous.get("role", "user")) +
                    textInput("password", "Password (optional)", {}, "password"),
                "Create user");
}

http::Response userList(Service& svc, http::Request& request, const Viewer& viewer,
                        const std::string& error = {}) {
    const std::string q = trim(request.query.get("q"));
    const std::string cursor = request.query.get("cursor");
    if (q.size() > 320 || cursor.size() > 512) {
        return oauth::errorPage(400, "Bad request", "The search is too long.");
    }
    auto users = svc.listUsers(q, cursor, 50);
    if (!users) {
        if (users.error().code == sdk::ErrorCode::invalid_argument) {
            return oauth::errorPage(400, "Bad request", users.error().message);
        }
        return unavailable("The users could not be listed.");
    }
    std::string body = error.empty() ? std::string() : alert(error);
    body += "<form method=\"get\" action=\"/admin/users\" class=\"search\">" +
            textInput("q", "Search by email", q, "search") +
            "<button type=\"submit\" class=\"button\">Search</button></form>\n";
    body += "<table class=\"dash-table\"><thead><tr><th>Email</th><th>Name</th><th>Role</th>"
            "<th>Status</th><th>Verified</th></tr></thead><tbody>\n";
    for (const auto& u : users->items) {
        body += "<tr><td><a href=\"/admin/users/" + escapeHtml(u.id) + "\">" + escapeHtml(u.email) +
                "</a></td><td>" + escapeHtml(u.name) + "</td><td>" + escapeHtml(u.role) +
                "</td><td>" + escapeHtml(u.status) + "</td><td>" +
                (u.email_verified ? "yes" : "no") + "</td></tr>\n";
    }
    body += "</tbody></table>\n";
    if (!users->next_cursor.empty()) {
        body += "<p><a href=\"" +
                escapeHtml(oauth::appendQuery("/admin/users",
                                              {{"q", q}, {"cursor", users->next_cursor}})) +
                "\">Next page</a></p>\n";
    }
    body += createUserForm(viewer.csrf, request.has_form ? request.form : sdk::Fields());
    return page(Area::admin, viewer.csrf, error.empty() ? 200 : 400, "Users", body);
}

http::Response usersRoot(Service& svc, http::Request& request, const Viewer& viewer) {
    if (request.method != "POST") {
        return userList(svc, request, viewer);
    }
    admin::UserInput input;
    input.email = trim(request.form.get("email"));
    input.name = trim(request.form.get("name"));
    input.role = request.form.get("role", "user");
    if (const std::string password = request.form.get("password"); !password.empty()) {
        input.password = password;
    }
    auto created = svc.createUser(input, actorOf(request, viewer, Area::admin));
    if (!created) {
        if (created.error().code == sdk::ErrorCode::invalid_argument ||
            created.error().code == sdk::ErrorCode::conflict) {
            return userList(svc, request, viewer, created.error().message);
        }
        return unavailable("The user could not be created.");
    }
    return http::Response::redirect("/admin/users/" + created->id, 303);
}

http::Response userDetail(Service& svc, const Viewer& viewer, const sdk::User& user,
                          const std::string& message, int status = 200) {
    const std::string base = "/admin/users/" + user.id;
    std::string body = messageBox(message, status);
    body += "<table class=\"dash-table\">";
    body += "<tr><th>ID</th><td><code>" + escapeHtml(user.id) + "</code></td></tr>";
    body += "<tr><th>Email</th><td>" + escapeHtml(user.email) +
            (user.email_verified ? " (verified)" : " (not verified)") + "</td></tr>";
    body += "<tr><th>Created</th><td>" + timeText(user.created_at) + "</td></tr></table>\n";
    body += "<h2>Profile, role and status</h2>\n" +
            form(base + "/update", viewer.csrf,
                 textInput("name", "Name", user.name) +
                     select("role", "Role", withCurrent(kRoles, user.role), user.role) +
                     select("status", "Status", withCurrent(kStatuses, user.status), user.status),
                 "Save");
    body += "<h2>Password</h2>\n" + form(base + "/password", viewer.csrf,
                                         textInput("password", "New password", {}, "password"),
                                         "Set password");
    body += "<h2>Sessions</h2>\n";
    auto sessions = svc.listSessions(user.id);
    if (!sessions) {
        body += alert("The sessions could not be listed.");
    } else if (sessions->empty()) {
        body += "<p class=\"muted\">No active sessions.</p>\n";
    } else {
        body += "<table class=\"dash-table\"><thead><tr><th>Signed in</th><th>Expires</th>"
                "<th>Address</th><th></th></tr></thead><tbody>\n";
        for (const auto& s : *sessions) {
            body += "<tr><td>" + timeText(s.auth_time) + "</td><td>" + timeText(s.expires_at) +
                    "</td><td>" + escapeHtml(s.client_address) + "</td><td>" +
                    form(base + "/sessions/" + s.id + "/revoke", viewer.csrf, {}, "Revoke",
                         "button secondary") +
                    "</td></tr>\n";
        }
        body += "</tbody></table>\n" + form(base + "/sessions/revoke-all", viewer.csrf, {},
                                            "Revoke all sessions", "button secondary");
    }
    body += "<p><a href=\"" +
            escapeHtml(oauth::appendQuery("/admin/audit", {{"user_id", user.id}})) +
            "\">Audit events of this user</a></p>\n";
    if (user.id != viewer.user.id) {
        body += "<h2>Delete</h2>\n" +
                form(base + "/delete", viewer.csrf, {}, "Delete user", "button danger");
    }
    return page(Area::admin, viewer.csrf, status, user.email, body);
}

http::Response userAction(Service& svc, http::Request& request, const Viewer& viewer) {
    const auto parts = split(request.path_rest, '/');
    if (parts.empty() || parts.size() > 4 || !isIdText(parts[0])) {
        return oauth::errorPage(404, "Not found", "There is no such page.");
    }
    auto user = svc.getUser(parts[0]);
    if (!user) {
        if (user.error().code == sdk::ErrorCode::not_found) {
            return oauth::errorPage(404, "Not found", "There is no such user.");
        }
        return unavailable("The user could not be read.");
    }
    if (request.method != "POST") {
        if (parts.size() != 1) {
            return oauth::errorPage(404, "Not found", "There is no such page.");
        }
        return userDetail(svc, viewer, *user, {});
    }
    const admin::Actor actor = actorOf(request, viewer, Area::admin);
    const std::string action = parts.size() >= 2 ? parts[1] : std::string();
    const auto refusedOr = [&](const sdk::Error& error, std::string_view what) {
        if (error.code == sdk::ErrorCode::invalid_argument ||
            error.code == sdk::ErrorCode::conflict) {
            return userDetail(svc, viewer, *user, error.message, 400);
        }
        if (error.code == sdk::ErrorCode::not_found) {
            return oauth::errorPage(404, "Not found", "There is no such object.");
        }
        return unavailable(what);
    };
    if (action == "update" && parts.size() == 2) {
        // The form offers the standard choices and the user's current value; anything else
        // did not come from it.
        const auto offered = [](const std::vector<std::string>& choices, const std::string& current,
                                const std::string& value) {
            return value == current ||
                   std::find(choices.begin(), choices.end(), value) != choices.end();
        };
        if (!offered(kRoles, user->role, request.form.get("role")) ||
            !offered(kStatuses, user->status, request.form.get("status"))) {
            return userDetail(svc, viewer, *user, "role or status: not one of the choices", 400);
        }
        admin::UserPatch patch;
        patch.name = trim(request.form.get("name"));
        patch.role = request.form.get("role");
        patch.status = request.form.get("status");
        if (user->id == viewer.user.id && (*patch.role != "admin" || *patch.status != "active")) {
            return userDetail(svc, viewer, *user,
                              "you cannot take away your own admin role or suspend yourself", 400);
        }
        auto updated = svc.updateUser(user->id, patch, actor);
        if (!updated) {
            return refusedOr(updated.error(), "The user could not be saved.");
        }
        return userDetail(svc, viewer, *updated, "Saved.");
    }
    if (action == "password" && parts.size() == 2) {
        if (auto set = svc.setPassword(user->id, request.form.get("password"), actor); !set) {
            return refusedOr(set.error(), "The password could not be set.");
        }
        return userDetail(svc, viewer, *user, "Password set.");
    }
    if (action == "sessions" && parts.size() == 4 && parts[3] == "revoke" && isIdText(parts[2])) {
        auto sessions = svc.listSessions(user->id);
        if (!sessions) {
            return unavailable("The sessions could not be listed.");
        }
        const bool owned = std::any_of(sessions->begin(), sessions->end(),
                                       [&](const sdk::Session& s) { return s.id == parts[2]; });
        if (!owned) {
            return oauth::errorPage(404, "Not found", "There is no such session.");
        }
        if (auto revoked = svc.revokeSession(parts[2], actor); !revoked) {
            return refusedOr(revoked.error(), "The session could not be revoked.");
        }
        return userDetail(svc, viewer, *user, "Session revoked.");
    }
    if (action == "sessions" && parts.size() == 3 && parts[2] == "revoke-all") {
        auto count = svc.revokeAllSessions(user->id, actor);
        if (!count) {
            return refusedOr(count.error(), "The sessions could not be revoked.");
        }
        return userDetail(svc, viewer, *user, std::to_string(*count) + " session(s) revoked.");
    }
    if (action == "delete" && parts.size() == 2) {
        if (user->id == viewer.user.id) {
            return userDetail(svc, viewer, *user, "you cannot delete yourself", 400);
        }
        if (auto deleted = svc.deleteUser(user->id, actor); !deleted) {
            return refusedOr(deleted.error(), "The user could not be deleted.");
        }
        return http::Response::redirect("/admin/users", 303);
    }
    return oauth::errorPage(404, "Not found", "There is no such action.");
}

http::Response auditList(Service& svc, http::Request& request, const Viewer& viewer) {
    sdk::AuditQuery query;
    query.user_id = trim(request.query.get("user_id"));
    query.client_id = trim(request.query.get("client_id"));
    query.type = trim(request.query.get("type"));
    query.cursor = request.query.get("cursor");
    query.limit = 100;
    if (query.user_id.size() > 128 || query.client_id.size() > 128 || query.type.size() > 64 ||
        query.cursor.size() > 512) {
        return oauth::errorPage(400, "Bad request", "A filter is too long.");
    }
    auto events = svc.listAuditEvents(query);
    if (!events) {
        if (events.error().code == sdk::ErrorCode::invalid_argument) {
            return oauth::errorPage(400, "Bad request", events.error().message);
        }
        return unavailable("The audit events could not be listed.");
    }
    std::string body = "<form method=\"get\" action=\"/admin/audit\" class=\"search\">" +
                       textInput("type", "Type", query.type) +
                       textInput("user_id", "User ID", query.user_id) +
                       textInput("client_id", "Client ID", query.client_id) +
                       "<button type=\"submit\" class=\"button\">Filter</button></form>\n";
    body += "<table class=\"dash-table\"><thead><tr><th>Time</th><th>Type</th><th>User</th>"
            "<th>Client</th><th>Address</th><th>Detail</th></tr></thead><tbody>\n";
    for (const auto& e : events->items) {
        body += "<tr><td>" + timeText(e.time) + "</td><td>" + escapeHtml(e.type) + "</td><td>" +
                escapeHtml(e.user_id) + "</td><td>" + escapeHtml(e.client_id) + "</td><td>" +
                escapeHtml(e.client_address) + "</td><td><code>" + escapeHtml(e.detail) +
                "</code></td></tr>\n";
    }
    body += "</tbody></table>\n";
    if (!events->next_cursor.empty()) {
        body += "<p><a href=\"" +
                escapeHtml(oauth::appendQuery("/admin/audit", {{"type", query.type},
                                                               {"user_id", query.user_id},
                                                               {"client_id", query.client_id},
                                                               {"cursor", events->next_cursor}})) +
                "\">Older events</a></p>\n";
    }
    return page(Area::admin, viewer.csrf, 200, "Audit events", body);
}

// /admin/invites: list (never the codes), create (the code shown once), withdraw.
http::Response invites(Service& svc, http::Request& request, const Viewer& viewer,
                       const std::string& shown_code = {}, const std::string& message = {},
                       int status = 200) {
    oauth::ProviderContext& ctx = svc.context();
    const std::string mode = config::registrationModeName(ctx.config.registration);
    std::string body = messageBox(message, status);
    body += "<p>Registration is <strong>" + escapeHtml(mode) + "</strong>";
    body += mode == "invite" ? ": a new account needs an invite code.</p>\n"
                             : " (set <code>registration: invite</code> for invite codes to "
                               "be asked for).</p>\n";
    if (!shown_code.empty()) {
        body += "<p class=\"notice\" role=\"status\">Copy this code now: it is shown only once "
                "and works once, for 7 days.</p>\n<table class=\"dash-table\">" +
                secretRow("invite_code", shown_code) + "</table>\n";
    }
    body += form("/admin/invites", viewer.csrf, {}, "Create an invite code");
    const std::string cursor = request.query.get("cursor");
    if (cursor.size() > 512) {
        return oauth::errorPage(400, "Bad request", "The cursor is too long.");
    }
    auto listed = svc.listInvites(cursor, 100);
    if (!listed) {
        if (listed.error().code == sdk::ErrorCode::invalid_argument) {
            return oauth::errorPage(400, "Bad request", listed.error().message);
        }
        return unavailable("The invites could not be listed.");
    }
    body += "<h2>Open invites</h2>\n";
    if (listed->items.empty()) {
        body += "<p class=\"muted\">No open invites.</p>\n";
    } else {
        std::map<std::string, std::string> emails;
        body += "<table class=\"dash-table\"><thead><tr><th>ID</th><th>Created by</th>"
                "<th>Created</th><th>Expires</th><th></th></tr></thead><tbody>\n";
        for (const auto& invite : listed->items) {
            std::string by = invite.actor;
            if (!invite.created_by.empty()) {
                auto found = emails.find(invite.created_by);
                if (found == emails.end()) {
                    auto user = svc.getUser(invite.created_by);
                    found = emails.emplace(invite.created_by, user ? user->email : invite.created_by)
                                .first;
                }
                by = found->second;
            }
            body += "<tr><td><code>" + escapeHtml(invite.id) + "</code></td><td>" +
                    escapeHtml(by) + "</td><td>" + timeText(invite.created_at) + "</td><td>" +
                    timeText(invite.expires_at) + "</td><td>" +
                    form("/admin/invites/" + invite.id + "/withdraw", viewer.csrf, {}, "Withdraw",
                         "button secondary") +
                    "</td></tr>\n";
        }
        body += "</tbody></table>\n";
        if (!listed->next_cursor.empty()) {
            body += "<p><a href=\"" +
                    escapeHtml(oauth::appendQuery("/admin/invites",
                                                  {{"cursor", listed->next_cursor}})) +
                    "\">More invites</a></p>\n";
        }
    }
    return page(Area::admin, viewer.csrf, status, "Invites", body);
}

http::Response invitesRoot(Service& svc, http::Request& request, const Viewer& viewer) {
    if (request.method != "POST") {
        return invites(svc, request, viewer);
    }
    auto created = svc.createInvite(actorOf(request, viewer, Area::admin));
    if (!created) {
        return unavailable("The invite code could not be stored.");
    }
    return invites(svc, request, viewer, created->code);
}

// POST /admin/invites/<id>/withdraw.
http::Response inviteAction(Service& svc, http::Request& request, const Viewer& viewer) {
    const auto parts = split(request.path_rest, '/');
    if (request.method != "POST" || parts.size() != 2 || parts[1] != "withdraw" ||
        !isIdText(parts[0])) {
        return oauth::errorPage(404, "Not found", "There is no such page.");
    }
    auto withdrawn = svc.withdrawInvite(parts[0], actorOf(request, viewer, Area::admin));
    if (!withdrawn) {
        if (withdrawn.error().code == sdk::ErrorCode::not_found ||
            withdrawn.error().code == sdk::ErrorCode::invalid_argument) {
            return oauth::errorPage(404, "Not found",
                                    "There is no such invite (it may have been used already).");
        }
        return unavailable("The invite could not be withdrawn.");
    }
    return invites(svc, request, viewer, {}, "Invite " + parts[0] + " withdrawn.");
}

} // namespace

std::string_view dashStylesheet() noexcept {
    // Colours and controls are the shared sheet's; this only widens the card for tables.
    static constexpr std::string_view kSheet = R"css(main.card { max-width: 64rem; }
.dash-nav { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1rem;
  margin: 0 0 1.25rem; padding: 0 0 0.75rem; border-bottom: 1px solid #d0d5dd; }
.dash-nav form { margin: 0 0 0 auto; }
.linklike { font: inherit; color: #1746c2; background: none; border: 0; padding: 0;
  text-decoration: underline; text-underline-offset: 0.15em; cursor: pointer; }
.dash form { margin: 0 0 1rem; }
.dash .field textarea { display: block; width: 100%; padding: 0.5rem 0.75rem; font: inherit;
  font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9375rem;
  border: 1px solid #687385; border-radius: 0.375rem; }
.dash .field input[type=checkbox] { display: inline; width: auto; min-height: 0; }
.dash .hint { margin: 0.25rem 0 0; font-size: 0.875rem; color: #4a5363; }
.dash .choices { margin: 0 0 1rem; padding: 0; border: 0; min-width: 0; }
.dash .choices legend { padding: 0; margin: 0 0 0.25rem; font-weight: 600; }
.dash .choices label, .dash label.check { display: inline-flex; align-items: center;
  gap: 0.5rem; min-height: 2.75rem; margin: 0 1.25rem 0 0; font-weight: 400; }
.dash .choices input[type=checkbox], .dash label.check input[type=checkbox] { width: 1.25rem;
  height: 1.25rem; margin: 0; min-height: 0; accent-color: #1746c2; }
.dash-table { width: 100%; border-collapse: collapse; margin: 0 0 1.25rem; font-size: 0.9375rem; }
.dash-table th, .dash-table td { text-align: left; vertical-align: top; padding: 0.5rem 0.625rem;
  border-bottom: 1px solid #e4e7ec; overflow-wrap: anywhere; }
.dash-table th { overflow-wrap: break-word; }
.dash-table thead th { color: #4a5363; font-weight: 600; border-bottom: 1px solid #d0d5dd; }
.dash-table td form { margin: 0; }
.dash-table .button { min-height: 2rem; padding: 0.25rem 0.75rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.875rem; }
code.secret { padding: 0.125rem 0.375rem; background: #eef4ff; border-radius: 0.25rem; }
.search { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; }
.search .field { flex: 1 1 12rem; margin: 0; }
.button.danger { color: #ffffff; background: #b42318; border-color: #b42318; }
.button.danger:hover { background: #7a1414; border-color: #7a1414; color: #ffffff; }
.button.secondary { color: #1746c2; background: #ffffff; }
)css";
    return kSheet;
}

std::string encodeDashCookie(std::string_view key, const DashIdentity& identity) {
    const std::string payload =
        identity.user_id + "." + identity.session_id + "." + std::to_string(identity.expires_at);
    return payload + "." + crypto::base64UrlEncode(crypto::hmacSha256(key, "dash|" + payload));
}

std::optional<DashIdentity> decodeDashCookie(std::string_view key, std::string_view value,
                                             sdk::UnixTime now) {
    if (key.empty() || value.empty() || value.size() > 400) {
        return std::nullopt;
    }
    const auto parts = split(value, '.');
    if (parts.size() != 4 || !isIdText(parts[0]) || !isIdText(parts[1]) || parts[2].empty() ||
        parts[2].size() > 18 || !std::all_of(parts[2].begin(), parts[2].end(), [](char c) {
            return c >= '0' && c <= '9';
        })) {
        return std::nullopt;
    }
    const std::string payload = parts[0] + "." + parts[1] + "." + parts[2];
    const std::string mac = crypto::base64UrlEncode(crypto::hmacSha256(key, "dash|" + payload));
    if (!crypto::constantTimeEquals(mac, parts[3])) {
        return std::nullopt;
    }
    DashIdentity identity{parts[0], parts[1], std::stoll(parts[2])};
    if (identity.expires_at <= now) {
        return std::nullopt;
    }
    return identity;
}

sdk::Result<void> ensureDashboardProject(oauth::ProviderContext& ctx) {
    admin::AdminService svc(ctx);
    const admin::Actor actor{"dashboard_startup", {}, {}};
    const std::string callback = callbackUri(ctx);
    const bool development = ctx.issuer_url.rfind("http://", 0) == 0 &&
                             oauth::redirectUriProblem(callback, false).has_value();
    auto existing = svc.getProject(std::string(kDashClientId));
    if (existing) {
        if (std::find(existing->redirect_uris.begin(), existing->redirect_uris.end(), callback) !=
            existing->redirect_uris.end()) {
            return {};
        }
        admin::ProjectPatch patch;
        patch.redirect_uris = existing->redirect_uris;
        patch.redirect_uris->push_back(callback);
        if (development) {
            patch.development = true;
        }
        auto updated = svc.updateProject(existing->client_id, patch, actor);
        if (!updated) {
            return updated.error();
        }
        return {};
    }
    if (existing.error().code != sdk::ErrorCode::not_found) {
        return existing.error();
    }
    admin::ProjectInput input;
    input.name = "authdash";
    input.description = "The administration dashboard and My Apps (first party).";
    input.client_type = "public";
    input.redirect_uris = {callback};
    input.grant_types = std::vector<std::string>{"authorization_code"};
    input.scopes = std::vector<std::string>{"openid", "profile", "email"};
    input.skip_consent = true;
    input.development = development;
    auto created = svc.createProject(input, actor);
    if (!created) {
        return created.error();
    }
    if (created->project.client_id != kDashClientId) {
        return sdk::makeError(sdk::ErrorCode::internal, "the dashboard project was created as " +
                                                            created->project.client_id +
                                                            " instead of proj_authdash");
    }
    return {};
}

void addDashRoutes(http::Router& router, oauth::ProviderContext& ctx) {
    auto svc = std::make_shared<Service>(ctx);
    const std::vector<std::string> get = {"GET"};
    const std::vector<std::string> get_post = {"GET", "POST"};
    const std::vector<std::string> post = {"POST"};
    router.add(get, "/admin",
               [](http::Request&) { return http::Response::redirect("/admin/projects", 302); });
    router.add(get, std::string(kDashStylesheetPath), [](http::Request&) {
        http::Response response = http::Response::text(200, std::string(dashStylesheet()));
        response.headers.set("Content-Type", "text/css; charset=utf-8");
        response.headers.set("Cache-Control", "public, max-age=3600");
        return response;
    });
    router.add(get, "/admin/callback",
               [&ctx](http::Request& request) { return callback(ctx, request); });
    router.add(post, "/admin/signout", [&ctx](http::Request& request) {
        const auto identity =
            decodeDashCookie(cookieKey(ctx), request.cookie(std::string(kDashCookie)), ctx.now());
        if (identity) {
            const bool ok = request.has_form &&
                            oauth::csrfValid(ctx.csrf_key, oauth::browserCookieOf(request),
                                             "dash|" + identity->user_id,
                                             request.form.get(std::string(oauth::kCsrfField)));
            if (!ok) {
                return csrfRefused();
            }
        }
        // The IdP session stays (opening /admin again signs straight back in); the page says
        // so and offers the provider's logout.
        oauth::PageView view;
        view.title = "Signed out of the dashboard";
        view.heading = view.title;
        view.body_html = "<p>You left the dashboard. You are still signed in to the provider.</p>\n"
                         "<p><a class=\"button\" href=\"/oauth/logout\">Sign out of the provider"
                         "</a></p>\n<p><a href=\"/admin\">Back to the dashboard</a></p>\n";
        http::Response response = oauth::renderPage(view);
        response.setCookie(dashCookie(ctx, {}, 0));
        return response;
    });
    const auto admin_page = [&ctx, svc](auto body) {
        return guarded(ctx, Area::admin, [svc, body](http::Request& request, const Viewer& viewer) {
            return body(*svc, request, viewer);
        });
    };
    const auto apps_page = [&ctx, svc](auto body) {
        return guarded(ctx, Area::apps, [svc, body](http::Request& request, const Viewer& viewer) {
            return body(*svc, request, viewer);
        });
    };
    router.add(get_post, "/admin/projects",
               admin_page([](Service& s, http::Request& r, const Viewer& v) {
                   return projectsRoot(s, r, v, Area::admin);
               }));
    router.addPrefix(get_post, "/admin/projects/",
                     admin_page([](Service& s, http::Request& r, const Viewer& v) {
                         return projectAction(s, r, v, Area::admin);
                     }));
    router.add(get_post, "/admin/users",
               admin_page([](Service& s, http::Request& r, const Viewer& v) {
                   return usersRoot(s, r, v);
               }));
    router.addPrefix(get_post, "/admin/users/",
                     admin_page([](Service& s, http::Request& r, const Viewer& v) {
                         return userAction(s, r, v);
                     }));
    router.add(get, "/admin/audit", admin_page([](Service& s, http::Request& r, const Viewer& v) {
                   return auditList(s, r, v);
               }));
    router.add(get_post, "/admin/invites",
               admin_page([](Service& s, http::Request& r, const Viewer& v) {
                   return invitesRoot(s, r, v);
               }));
    router.addPrefix(get_post, "/admin/invites/",
                     admin_page([](Service& s, http::Request& r, const Viewer& v) {
                         return inviteAction(s, r, v);
                     }));
    addRegistrationRoutes(router, ctx);
    router.add(get_post, "/apps", apps_page([](Service& s, http::Request& r, const Viewer& v) {
                   return projectsRoot(s, r, v, Area::apps);
               }));
    router.addPrefix(get_post, "/apps/",
                     apps_page([](Service& s, http::Request& r, const Viewer& v) {
                         return projectAction(s, r, v, Area::apps);
                     }));
}

} // namespace authd::dash
