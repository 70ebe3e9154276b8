// SPDX-License-Identifier: Apache-2.0
// Self-registration: an unverified account with a password, and a single-use emailed link
// that marks the email verified. The link opens a confirmation form (a POST consumes the
// token), so mail scanners that prefetch links cannot use it up.
#include "dash/registration.hpp"

#include "admin/service.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "oauth/csrf.hpp"
#include "oauth/pages.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/session.hpp"

namespace authd::dash {
namespace {

using sdk::escapeHtml;

constexpr std::string_view kRegisterPurpose = "register";
// Registering again with an address that is not verified yet sends a new link, once per window:
// a lost mail must not strand the account, and the form must not become a way to flood a
// mailbox.
constexpr sdk::Seconds kResendWindow = 600;

bool isOpen(const oauth::ProviderContext& ctx) {
    return ctx.config.registration != config::RegistrationMode::closed;
}
bool needsInvite(const oauth::ProviderContext& ctx) {
    return ctx.config.registration == config::RegistrationMode::invite;
}

http::Response notFound() {
    return oauth::errorPage(404, "Not found", "There is no such page.");
}

std::string fieldHtml(const std::string& name, const std::string& label, const std::string& type,
                      const std::string& value, const std::string& autocomplete) {
    return "<div class=\"field\"><label for=\"f-" + name + "\">" + escapeHtml(label) +
           "</label><input id=\"f-" + name + "\" type=\"" + type + "\" name=\"" + name +
           "\" value=\"" + escapeHtml(value) + "\" autocomplete=\"" + autocomplete + "\"></div>\n";
}

http::Response registerForm(oauth::ProviderContext& ctx, const oauth::BrowserBinding& browser,
                            const sdk::Fields& previous, const std::string& error, int status) {
    std::string body = error.empty()
                           ? std::string()
                           : "<p class=\"alert\" role=\"alert\">" + escapeHtml(error) + "</p>\n";
    body += "<form class=\"login-form\" method=\"post\" action=\"/register\">" +
            oauth::hiddenField(oauth::kCsrfField,
                               oauth::csrfToken(ctx.csrf_key, browser.id(), kRegisterPurpose));
    body += fieldHtml("email", "Email", "email", previous.get("email"), "email");
    body += fieldHtml("name", "Name", "text", previous.get("name"), "name");
    body += fieldHtml("password", "Password", "password", {}, "new-password");
    if (needsInvite(ctx)) {
        body += fieldHtml("invite", "Invite code", "text", previous.get("invite"), "off");
    }
    body += "<div class=\"actions\"><button type=\"submit\" class=\"button primary\">Create "
            "account</button></div></form>\n";
    oauth::PageView view;
    view.status = status;
    view.title = "Create an account";
    view.heading = "Create an account";
    view.body_html = body;
    http::Response response = oauth::renderPage(view);
    browser.apply(response);
    return response;
}

http::Response checkMail() {
    oauth::PageView view;
    view.title = "Check your email";
    view.heading = "Check your email";
    view.body_html = "<p>If the address can receive mail, a link to verify it is on its way. "
                     "The link works once, for 24 hours.</p>\n";
    return oauth::renderPage(view);
}

sdk::Result<void> sendVerification(oauth::ProviderContext& ctx, const sdk::User& user) {
    const std::string token = crypto::randomToken(32);
    if (token.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
    }
    sdk::PluginRecord record;
    record.ns = std::string(kVerifyNamespace);
    record.key = crypto::sha256Hex(token);
    record.value = user.id;
    record.expires_at = ctx.now() + kVerifyTtl;
    if (auto put = ctx.store.pluginData().put(record); !put) {
        return put;
    }
    sdk::Mailer* mailer = ctx.host.mailer();
    if (mailer == nullptr) {
        return sdk::makeError(sdk::ErrorCode::unavailable, "no mailer is configured");
    }
    const std::string link =
        oauth::appendQuery(ctx.issuer_url + "/register/verify", {{"token", token}});
    sdk::MailMessage message;
    message.to = user.email;
    message.subject = "Verify your email address";
    message.text_body = "Hello" + (user.name.empty() ? std::string() : " " + user.name) +
                        ",\n\nopen this link to verify your email address (it works once, for "
                        "24 hours):\n\n" +
                        link + "\n\nIf you did not create an account, ignore this message.\n";
    return mailer->send(message);
}

void resendVerification(oauth::ProviderContext& ctx, const std::string& email) {
    auto existing = admin::AdminService(ctx).findUserByEmail(email);
    if (!existing || existing->email_verified) {
        return;
    }
    auto sends = ctx.store.counters().increment("register:resend:" + existing->id, ctx.now(),
                                                kResendWindow);
    if (!sends || sends->count > 1) {
        return;
    }
    if (auto sent = sendVerification(ctx, *existing); !sent) {
        ctx.log().log(sdk::LogLevel::warning, "dash.verification_mail_failed", sent.error().message,
                      {{"user_id", existing->id}});
    }
}

http::Response submit(oauth::ProviderContext& ctx, const http::Request& request) {
    const oauth::BrowserBinding browser(ctx, request);
    if (browser.isNew() || !request.has_form ||
        !oauth::csrfValid(ctx.csrf_key, browser.id(), kRegisterPurpose,
                          request.form.get(std::string(oauth::kCsrfField)))) {
        return registerForm(ctx, browser, request.form, "The form expired. Please try again.", 403);
    }
    const std::string email = request.form.get("email");
    const std::string password = request.form.get("password");
    if (email.empty() || password.empty()) {
        return registerForm(ctx, browser, request.form, "Email and password are required.", 400);
    }
    sdk::PluginRecord invite;
    if (needsInvite(ctx)) {
        const std::string code = request.form.get("invite");
        if (code.empty() || code.size() > 128) {
            return registerForm(ctx, browser, request.form, "An invite code is required.", 400);
        }
        auto taken = ctx.store.pluginData().take(std::string(admin::kInviteNamespace),
                                                 crypto::sha256Hex(code), ctx.now());
        if (!taken) {
            return registerForm(ctx, browser, request.form,
                                taken.error().code == sdk::ErrorCode::not_found
                                    ? "The invite code is not valid (or was used already)."
                                    : "The invite code could not be checked. Please try again.",
                                400);
        }
        invite = std::move(*taken);
    }
    admin::AdminService service(ctx);
    admin::UserInput input;
    input.email = email;
    input.name = request.form.get("name");
    input.password = password;
    auto user = service.createUser(input, {"self_service", {}, request.client_address});
    if (!user) {
        if (!invite.key.empty()) {
            (void)ctx.store.pluginData().put(invite); // the code was not used after all
        }
        if (user.error().code == sdk::ErrorCode::conflict) {
            // Same answer as a success: the form does not tell who has an account. The
            // password typed now changes nothing; only a new verification link is sent.
            resendVerification(ctx, email);
            return checkMail();
        }
        if (user.error().code == sdk::ErrorCode::invalid_argument) {
            return registerForm(ctx, browser, request.form, user.error().message, 400);
        }
        return oauth::errorPage(503, "Service unavailable", "Please try again shortly.");
    }
    if (auto sent = sendVerification(ctx, *user); !sent) {
        ctx.log().log(sdk::LogLevel::warning, "dash.verification_mail_failed", sent.error().message,
                      {{"user_id", user->id}});
    }
    return checkMail();
}

http::Response verifyPage(oauth::ProviderContext& ctx, const http::Request& request) {
    const oauth::BrowserBinding browser(ctx, request);
    const std::string token = request.query.get("token");
    if (token.empty() || token.size() > 128) {
        return oauth::errorPage(400, "Invalid link", "The verification link is incomplete.");
    }
    oauth::PageView view;
    view.title = "Verify your email";
    view.heading = "Verify your email";
    view.body_html = "<form method=\"post\" action=\"/register/verify\">" +
                     oauth::hiddenField(oauth::kCsrfField,
                                        oauth::csrfToken(ctx.csrf_key, browser.id(), "verify")) +
                     oauth::hiddenField("token", token) +
                     "<div class=\"actions\"><button type=\"submit\" class=\"button primary\">"
                     "Verify my email</button></div></form>\n";
    http::Response response = oauth::renderPage(view);
    browser.apply(response);
    return response;
}

http::Response verify(oauth::ProviderContext& ctx, const http::Request& request) {
    const oauth::BrowserBinding browser(ctx, request);
    if (browser.isNew() || !request.has_form ||
        !oauth::csrfValid(ctx.csrf_key, browser.id(), "verify",
                          request.form.get(std::string(oauth::kCsrfField)))) {
        return oauth::errorPage(403, "Form expired", "Open the link from your email again.");
    }
    const std::string token = request.form.get("token");
    if (token.empty() || token.size() > 128) {
        return oauth::errorPage(400, "Invalid link", "The verification link is incomplete.");
    }
    auto record = ctx.store.pluginData().take(std::string(kVerifyNamespace),
                                              crypto::sha256Hex(token), ctx.now());
    if (!record) {
        if (record.error().code == sdk::ErrorCode::not_found) {
            return oauth::errorPage(400, "Link not valid",
                                    "The link has expired or was used already.");
        }
        return oauth::errorPage(503, "Service unavailable", "Please try again shortly.");
    }
    admin::AdminService service(ctx);
    admin::UserPatch patch;
    patch.email_verified = true;
    auto updated = service.updateUser(record->value, patch,
                                      {"self_service", record->value, request.client_address});
    if (!updated) {
        if (updated.error().code == sdk::ErrorCode::not_found) {
            return oauth::errorPage(400, "Link not valid", "The account no longer exists.");
        }
        (void)ctx.store.pluginData().put(*record);
        return oauth::errorPage(503, "Service unavailable", "Please try again shortly.");
    }
    oauth::PageView view;
    view.title = "Email verified";
    view.heading = "Email verified";
    view.body_html = "<p>Thank you: " + escapeHtml(updated->email) +
                     " is verified.</p>\n<p><a href=\"/apps\">Go to My Apps</a></p>\n";
    return oauth::renderPage(view);
}

} // namespace

void addRegistrationRoutes(http::Router& router, oauth::ProviderContext& ctx) {
    router.add({"GET", "POST"}, "/register", [&ctx](http::Request& request) {
        if (!isOpen(ctx)) {
            return notFound();
        }
        if (request.method == "POST") {
            return submit(ctx, request);
        }
        return registerForm(ctx, oauth::BrowserBinding(ctx, request), {}, {}, 200);
    });
    router.add({"GET", "POST"}, "/register/verify", [&ctx](http::Request& request) {
        if (!isOpen(ctx)) {
            return notFound();
        }
        return request.method == "POST" ? verify(ctx, request) : verifyPage(ctx, request);
    });
}

} // namespace authd::dash
