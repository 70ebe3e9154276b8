// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/response.hpp"

namespace authd::oauth {

/// The product name in every page's header.
inline constexpr std::string_view kProductName = "authd";
/// Where the stylesheet is served.
inline constexpr std::string_view kStylesheetPath = "/static/authd.css";
/// The pages' icon (declared, so browsers do not ask for a missing /favicon.ico).
inline constexpr std::string_view kIconPath = "/static/favicon.svg";

/// CSP `form-action` for a page. Chromium applies form-action to the redirects that follow a
/// form submission, so a page whose form ends in a redirect to the client (consent, logout)
/// must list the client's origin; a login form may end at an upstream provider chosen by an
/// authenticator plugin, so login pages leave form-action out (every form there posts to this
/// origin anyway, and all dynamic text is escaped).
struct FormActionPolicy {
    bool restrict = true;
    std::string extra_source;  ///< a CSP source expression beside 'self', may be empty
};

/// One server-rendered page in the host layout. `body_html` must already be escaped.
struct PageView {
    int status = 200;
    std::string title;    ///< the document title
    std::string heading;  ///< the card's <h1>; empty when the body brings its own
    std::string body_html;
    FormActionPolicy form_action;
};

/// The full HTML document with Content-Type, CSP (frame-ancestors 'none'), X-Frame-Options
/// DENY and Cache-Control no-store.
http::Response renderPage(const PageView& view);

/// The Content-Security-Policy a page sends.
std::string pageContentSecurityPolicy(const FormActionPolicy& policy);

/// The CSP source expression of the origin a redirect URI points at: `https://app.example:8443`,
/// or `com.example.app:` for a private-use scheme. Empty when the URI has characters that cannot
/// appear in a CSP source (the page then drops form-action rather than send a broken policy).
std::string formActionSourceOf(std::string_view uri);

/// `<input type="hidden" name=".." value="..">`, escaped.
std::string hiddenField(std::string_view name, std::string_view value);

/// An error page: a heading and a sentence for the user, no redirect.
http::Response errorPage(int status, std::string_view heading, std::string_view message);

/// A sign-in method on the chooser page.
struct MethodLink {
    std::string label;
    std::string url;
};

/// "Sign in to <project>" with one button per method. `register_url` adds a "Create an
/// account" link when not empty (self-registration is open or by invite).
http::Response chooserPage(std::string_view project_name, const std::vector<MethodLink>& methods,
                           std::string_view register_url = {});

/// An authenticator's page (its body_html is the plugin's, already escaped) inside the layout.
/// `other_methods_url` adds a "choose another way" link when not empty.
/// `register_url` as on the chooser page.
http::Response loginFormPage(std::string_view project_name, int status, std::string_view body_html,
                             std::string_view other_methods_url, std::string_view register_url = {});

/// The consent page.
struct ConsentView {
    std::string project_name;
    std::string user_label;  ///< who is signed in (email)
    std::vector<std::string> scopes;
    std::string action_url;
    std::string hidden_html;         ///< CSRF and request id
    std::string form_action_source;  ///< the client's redirect origin
};
http::Response consentPage(const ConsentView& view);

/// Plain words for a scope on the consent page.
std::string scopeDescription(std::string_view scope);

/// The RP-initiated logout confirmation.
struct LogoutView {
    std::string project_name;  ///< may be empty when the client is unknown
    std::string user_label;
    std::string action_url;
    std::string hidden_html;
    std::string form_action_source;  ///< origin of post_logout_redirect_uri, may be empty
};
http::Response logoutConfirmPage(const LogoutView& view);

/// Shown after a logout without a post_logout_redirect_uri.
http::Response signedOutPage();
/// Shown when the user chose to stay signed in.
http::Response stillSignedInPage();

/// The stylesheet served at kStylesheetPath.
std::string_view stylesheet() noexcept;
/// The SVG icon served at kIconPath.
std::string_view iconSvg() noexcept;

}  // namespace authd::oauth
