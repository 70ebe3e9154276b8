// SPDX-License-Identifier: Apache-2.0
#include "oauth/pages.hpp"

#include <algorithm>
#include <utility>

#include "authd/sdk/http.hpp"
#include "oauth/provider.hpp"

namespace authd::oauth {
namespace {

using sdk::escapeHtml;

std::string document(const PageView& view) {
    std::string html;
    html.reserve(1024 + view.body_html.size());
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    html += "<title>" + escapeHtml(view.title) + "</title>\n";
    html += "<link rel=\"stylesheet\" href=\"" + std::string(kStylesheetPath) + "\">\n";
    html += "<link rel=\"icon\" type=\"image/svg+xml\" href=\"" + std::string(kIconPath) + "\">\n";
    html += "</head>\n<body>\n";
    html += "<header class=\"site-header\"><span class=\"brand\">" + escapeHtml(kProductName) +
            "</span></header>\n";
    html += "<main class=\"card\">\n";
    if (!view.heading.empty()) {
        html += "<h1>" + escapeHtml(view.heading) + "</h1>\n";
    }
    html += view.body_html;
    html += "</main>\n</body>\n</html>\n";
    return html;
}

bool isCspSourceChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '+' || c == ':' || c == '/' || c == '[' || c == ']';
}

std::string signInTitle(std::string_view project_name) {
    return project_name.empty() ? std::string("Sign in")
                                : "Sign in to " + std::string(project_name);
}

}  // namespace

std::string pageContentSecurityPolicy(const FormActionPolicy& policy) {
    std::string csp = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                      "object-src 'none'";
    if (policy.restrict) {
        csp += "; form-action 'self'";
        if (!policy.extra_source.empty()) {
            csp += ' ';
            csp += policy.extra_source;
        }
    }
    return csp;
}

http::Response renderPage(const PageView& view) {
    http::Response response = http::Response::html(view.status, document(view));
    response.headers.set("Content-Security-Policy", pageContentSecurityPolicy(view.form_action));
    response.headers.set("X-Frame-Options", "DENY");
    response.noStore();
    return response;
}

std::string formActionSourceOf(std::string_view uri) {
    const std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return {};
    }
    std::string source;
    if (uri.substr(colon, 3) == "://") {
        const std::size_t authority_start = colon + 3;
        std::size_t authority_end = uri.find_first_of("/?#", authority_start);
        if (authority_end == std::string_view::npos) {
            authority_end = uri.size();
        }
        std::string_view authority = uri.substr(authority_start, authority_end - authority_start);
        if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
            authority.remove_prefix(at + 1);
        }
        if (authority.empty()) {
            return {};
        }
        source = std::string(uri.substr(0, colon + 3)) + std::string(authority);
    } else {
        // A private-use scheme (RFC 8252 7.1): the scheme alone is the CSP scheme-source.
        source = std::string(uri.substr(0, colon + 1));
    }
    if (!std::all_of(source.begin(), source.end(), isCspSourceChar)) {
        return {};
    }
    return source;
}

std::string hiddenField(std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + escapeHtml(name) + "\" value=\"" + escapeHtml(value) +
           "\">";
}

http::Response errorPage(int status, std::string_view heading, std::string_view message) {
    PageView view;
    view.status = status;
    view.title = std::string(heading);
    view.heading = std::string(heading);
    view.body_html = "<p class=\"alert\" role=\"alert\">" + escapeHtml(message) + "</p>\n";
    return renderPage(view);
}

std::string registerLink(std::string_view register_url) {
    if (register_url.empty()) {
        return {};
    }
    return "<p class=\"other-methods\">No account yet? <a href=\"" + escapeHtml(register_url) +
           "\">Create an account</a></p>\n";
}

http::Response chooserPage(std::string_view project_name, const std::vector<MethodLink>& methods,
                           std::string_view register_url) {
    PageView view;
    view.title = signInTitle(project_name);
    view.heading = view.title;
    std::string body = "<p class=\"muted\">Choose how to sign in.</p>\n<ul class=\"methods\">\n";
    for (const MethodLink& method : methods) {
        body += "<li><a class=\"button\" href=\"" + escapeHtml(method.url) + "\">" +
                escapeHtml(method.label) + "</a></li>\n";
    }
    body += "</ul>\n";
    body += registerLink(register_url);
    view.body_html = std::move(body);
    view.form_action.restrict = false;
    return renderPage(view);
}

http::Response loginFormPage(std::string_view project_name, int status, std::string_view body_html,
                             std::string_view other_methods_url, std::string_view register_url) {
    PageView view;
    view.status = status;
    view.title = signInTitle(project_name);
    view.heading = view.title;
    view.body_html = std::string(body_html);
    if (!other_methods_url.empty()) {
        view.body_html += "<p class=\"other-methods\"><a href=\"" + escapeHtml(other_methods_url) +
                          "\">Choose another way to sign in</a></p>\n";
    }
    view.body_html += registerLink(register_url);
    view.form_action.restrict = false;
    return renderPage(view);
}

std::string scopeDescription(std::string_view scope) {
    if (scope == "openid") {
        return "Sign you in with your account";
    }
    if (scope == "profile") {
        return "See your name and profile picture";
    }
    if (scope == "email") {
        return "See your email address";
    }
    if (scope == "offline_access") {
        return "Keep access while you are not using the app";
    }
    return "Access \u201C" + std::string(scope) + "\u201D";
}

http::Response consentPage(const ConsentView& consent) {
    PageView view;
    view.title = "Allow " + consent.project_name + " to access your account?";
    view.heading = view.title;
    std::string body;
    if (!consent.user_label.empty()) {
        body += "<p class=\"muted\">Signed in as <strong>" + escapeHtml(consent.user_label) +
                "</strong></p>\n";
    }
    body += "<p><span class=\"project\">" + escapeHtml(consent.project_name) +
            "</span> is asking to:</p>\n<ul class=\"scopes\">\n";
    for (const std::string& scope : consent.scopes) {
        body += "<li>" + escapeHtml(scopeDescription(scope)) + "</li>\n";
    }
    if (consent.scopes.empty()) {
        body += "<li>" + escapeHtml("Know that you signed in") + "</li>\n";
    }
    body += "</ul>\n";
    body += "<form class=\"consent-form\" method=\"post\" action=\"" +
            escapeHtml(consent.action_url) + "\">\n";
    body += consent.hidden_html;
    body += "\n<div class=\"actions\">\n";
    body += "<button type=\"submit\" class=\"button\" name=\"decision\" value=\"deny\">"
            "Deny</button>\n";
    body += "<button type=\"submit\" class=\"button primary\" name=\"decision\" value=\"allow\">"
            "Allow</button>\n";
    body += "</div>\n</form>\n";
    view.body_html = std::move(body);
    view.form_action.extra_source = consent.form_action_source;
    return renderPage(view);
}

http::Response logoutConfirmPage(const LogoutView& logout) {
    PageView view;
    view.title = "Sign out?";
    view.heading = "Sign out?";
    std::string body;
    if (!logout.user_label.empty()) {
        body += "<p class=\"muted\">Signed in as <strong>" + escapeHtml(logout.user_label) +
                "</strong></p>\n";
    }
    if (!logout.project_name.empty()) {
        body += "<p><span class=\"project\">" + escapeHtml(logout.project_name) +
                "</span> asks to sign you out.</p>\n";
    } else {
        body += "<p>Do you want to sign out?</p>\n";
    }
    body += "<form class=\"logout-form\" method=\"post\" action=\"" +
            escapeHtml(logout.action_url) + "\">\n";
    body += logout.hidden_html;
    body += "\n<div class=\"actions\">\n";
    body += "<button type=\"submit\" class=\"button\" name=\"decision\" value=\"stay\">"
            "Stay signed in</button>\n";
    body += "<button type=\"submit\" class=\"button primary\" name=\"decision\" "
            "value=\"logout\">Sign out</button>\n";
    body += "</div>\n</form>\n";
    view.body_html = std::move(body);
    view.form_action.extra_source = logout.form_action_source;
    return renderPage(view);
}

http::Response signedOutPage() {
    PageView view;
    view.title = "Signed out";
    view.heading = "You are signed out";
    view.body_html = "<p class=\"notice\" role=\"status\">You can close this window.</p>\n";
    return renderPage(view);
}

http::Response stillSignedInPage() {
    PageView view;
    view.title = "Still signed in";
    view.heading = "You are still signed in";
    view.body_html = "<p class=\"notice\" role=\"status\">Nothing changed. You can close this "
                     "window.</p>\n";
    return renderPage(view);
}

void addStaticRoutes(http::Router& router, ProviderContext& ctx) {
    (void)ctx;
    router.add({"GET"}, std::string(kStylesheetPath), [](http::Request&) {
        http::Response response;
        response.headers.set("Content-Type", "text/css; charset=utf-8");
        // Pages carry no secrets and the sheet changes only with a new release.
        response.headers.set("Cache-Control", "public, max-age=86400");
        response.body = std::string(stylesheet());
        return response;
    });
    router.add({"GET"}, std::string(kIconPath), [](http::Request&) {
        http::Response response;
        response.headers.set("Content-Type", "image/svg+xml");
        response.headers.set("Cache-Control", "public, max-age=86400");
        response.body = std::string(iconSvg());
        return response;
    });
}

}  // namespace authd::oauth
