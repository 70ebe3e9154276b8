// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/http.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugins::kit {

/// Leading and trailing ASCII blanks removed.
std::string_view trim(std::string_view text);

/// Emails are stored lower-cased (sdk/storage.hpp); surrounding blanks are typing noise.
std::string normalizeEmail(std::string_view text);

/// Appends `text` as a JSON string literal, quotes included.
void appendJsonString(std::string& out, std::string_view text);
std::string jsonString(std::string_view text);
/// A JSON object from already-encoded member values (use jsonString for strings); for
/// AuditEvent::detail.
std::string jsonObject(const std::vector<std::pair<std::string, std::string>>& members);

/// Runs `body`, turning any exception into ErrorCode::internal naming `component` and `what`:
/// nothing may be thrown across the SDK boundary.
template <typename F>
auto guarded(std::string_view component, const char* what, F&& body) -> decltype(body()) {
    try {
        return std::forward<F>(body)();
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string(component) + ": " + what + " threw: " + e.what());
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string(component) + ": " + what + " threw");
    }
}

/// `<form>` of class `css_class` (already HTML-safe) posting to the step's action URL, the
/// host's hidden fields and the step's error (role=alert) when there is one.
std::string loginFormStart(const sdk::LoginStep& step, std::string_view css_class = "login-form");
/// The submit button labelled `button_label` (escaped here) and `</form>`.
std::string loginFormEnd(std::string_view button_label);
/// A labelled `email` input with id `<id_prefix>-email` (`id_prefix` and `autocomplete` are
/// already HTML-safe), focused when `autofocus`, prefilled with `value` (escaped here) when
/// not empty.
std::string emailField(const std::string& id_prefix, std::string_view autocomplete,
                       std::string_view value, bool autofocus);
/// The page the host shows around a plugin's form, titled "Sign in" unless told otherwise.
sdk::Page signInPage(std::string body_html, std::string title = "Sign in");

/// Throttle counter keys. They name rows of the counter table that outlive a restart or an
/// upgrade, so their spelling must never change.
/// `<instance>:<scope>:<sha256 hex of the email>`: hashed, so the table holds no addresses.
std::string emailThrottleKey(const std::string& instance_id, std::string_view scope,
                             sdk::Crypto& crypto, const std::string& normalized_email);
/// emailThrottleKey with scope "acct": the per-account failure counter.
std::string accountThrottleKey(const std::string& instance_id, sdk::Crypto& crypto,
                               const std::string& normalized_email);
/// `<instance>:addr:<client address>` ("unknown" when the host does not know it).
std::string addressThrottleKey(const std::string& instance_id, const std::string& client_address);

}  // namespace authd::plugins::kit
