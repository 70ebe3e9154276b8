// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "authd/sdk/http.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "authd/sdk/types.hpp"

namespace authd::sdk {

/// The sign-in in progress, as the host shows it to an authenticator.
/// Lifetime: valid during the call only.
struct LoginStep {
    std::string instance_id;        ///< this authenticator's YAML `id`
    std::string pending_id;         ///< the pending authorization request being signed in for
    std::string action_url;         ///< where this authenticator's form posts (/login/<id>)
    /// Hidden inputs (CSRF token, request id) every form must include verbatim, already HTML.
    std::string hidden_fields_html;
    std::string client_id;
    std::string project_name;
    std::string login_hint;         ///< from the authorization request, may be empty
    std::string sub_path;           ///< the rest of /login/<id>/<sub_path>, may be empty
    std::string error;              ///< a message to show above the form, may be empty
    RequestView request;
};

/// The outcome of an authenticator's step.
struct Verdict {
    enum class Kind : std::uint8_t {
        success,   ///< `user_id` signed in; the host continues the authorization
        failure,   ///< show the form again with `message`
        page,      ///< show `page` (e.g. "check your email")
        redirect,  ///< send the browser to `redirect_url` (e.g. an upstream provider)
    };
    Kind kind = Kind::failure;
    std::string user_id;
    std::vector<std::string> amr;  ///< RFC 8176 values, e.g. {"pwd"}
    std::string message;           ///< shown to the user; must not reveal whether an account exists
    Page page;
    std::string redirect_url;
    /// For success reached outside the browser's own form (a link, a callback): the pending
    /// authorization it completes. The host checks it belongs to this browser.
    std::string pending_id;
    Seconds refresh_ttl = 0;  ///< a different refresh lifetime for this sign-in; 0 = default
    std::string audit_detail;  ///< JSON object for the audit log, never a secret

    static Verdict succeeded(std::string user, std::vector<std::string> methods) {
        Verdict v;
        v.kind = Kind::success;
        v.user_id = std::move(user);
        v.amr = std::move(methods);
        return v;
    }
    static Verdict failed(std::string text) {
        Verdict v;
        v.kind = Kind::failure;
        v.message = std::move(text);
        return v;
    }
};

/// What Authenticator::makeCredential returns: what the host stores, nothing written yet.
struct NewCredential {
    /// `kind` (the instance id, or a namespaced name), `secret_hash`, and `subject` / `data`
    /// when the method uses them. The host sets `user_id`, and `created_at` / `updated_at`
    /// (keeping the created_at of a credential of the same kind that it replaces).
    Credential credential;
    /// CounterStore keys the host resets in the same transaction (a PIN's lockout, for one:
    /// the failures counted so far were guesses at the old PIN).
    std::vector<std::string> reset_counters;
};

/// One configured sign-in method (an `authenticators:` entry in the YAML).
/// Threading: called concurrently from the HTTP thread pool; implementations must be
/// thread-safe. Errors: never throws; a Result error becomes a 500 page and a log line.
class Authenticator {
public:
    virtual ~Authenticator() = default;

    /// The label of this method on the login page (e.g. "Password", "Sign in with Acme").
    virtual std::string displayName() const = 0;

    /// GET /login/<id>: the form, rendered inside the host's layout.
    virtual Result<Page> render(const LoginStep& step) = 0;

    /// POST /login/<id>[/<sub_path>] with the submitted form (CSRF already checked).
    virtual Result<Verdict> submit(const LoginStep& step, const Fields& form) = 0;

    /// GET /login/<id>/<sub_path> reached from outside the form (an emailed link, an upstream
    /// provider's redirect). `step.pending_id` is empty unless the browser carries one.
    virtual Result<Verdict> callback(const LoginStep& step) {
        (void)step;
        return makeError(ErrorCode::unsupported, "this authenticator has no callback");
    }

    /// A new credential for `user` (admin API, authctl, self-registration): checks `secret`
    /// against this method's rules and hashes it (host.crypto()), but writes nothing. The host
    /// stores the result together with its audit event in one store transaction, so the slow
    /// hashing belongs here, outside it. Errors: invalid_argument naming the broken rule (the
    /// caller shows it: the admin API answers 400 with it); unsupported if the method has no
    /// settable secret.
    virtual Result<NewCredential> makeCredential(const User& user, const std::string& secret) {
        (void)user;
        (void)secret;
        return makeError(ErrorCode::unsupported, "this authenticator has no settable credential");
    }

    /// The CounterStore keys whose reset lifts this method's lockout of `user` (admin API,
    /// authctl). The host resets them together with its audit event in one store transaction.
    /// Only keys tied to the user: a per-address lock is nobody's to lift. Default: none.
    virtual Result<std::vector<std::string>> lockoutKeys(const User& user) {
        (void)user;
        return std::vector<std::string>{};
    }
};

using AuthenticatorPtr = std::unique_ptr<Authenticator>;

}  // namespace authd::sdk
