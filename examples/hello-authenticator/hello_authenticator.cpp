// SPDX-License-Identifier: Apache-2.0
#include "hello_authenticator.hpp"

#include <algorithm>
#include <utility>

#include "authd/sdk/storage.hpp"

namespace hello {
namespace {

using authd::sdk::ErrorCode;
using authd::sdk::Verdict;

// One message for a wrong code, an unknown email and a disabled account: the page must not
// reveal whether an account exists.
constexpr const char* kNoMatch = "That email address and invite code do not match.";
constexpr const char* kThrottled = "Too many attempts. Wait a little, then try again.";
constexpr std::size_t kMaxEmail = 320;
constexpr std::size_t kMaxCode = 256;

std::string normalizeEmail(std::string email) {
    const auto first = email.find_first_not_of(" \t");
    const auto last = email.find_last_not_of(" \t");
    email = first == std::string::npos ? std::string() : email.substr(first, last - first + 1);
    std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return email;
}

bool blocked(const authd::sdk::ThrottleState& state, authd::sdk::UnixTime now) {
    return state.locked || state.retry_at > now;
}

}  // namespace

HelloAuthenticator::HelloAuthenticator(std::string instance_id, std::string display_name,
                                       std::string code, authd::sdk::HostContext& host)
    : instance_id_(std::move(instance_id)), display_name_(std::move(display_name)),
      code_(std::move(code)), host_(host) {}

HelloAuthenticator::~HelloAuthenticator() {
    // The secret should not linger in freed memory.
    volatile char* bytes = code_.data();
    for (std::size_t i = 0; i < code_.size(); ++i) {
        bytes[i] = 0;
    }
}

authd::sdk::ThrottlePolicy HelloAuthenticator::throttlePolicy() {
    authd::sdk::ThrottlePolicy policy;
    policy.free_attempts = 3;
    policy.base_delay = 2;
    policy.max_delay = 60;
    policy.lock_after = 10;
    policy.lock_for = 900;
    policy.window = 900;
    return policy;
}

std::string HelloAuthenticator::accountKey(const std::string& email) {
    // Hashed, so the counter table holds no email addresses.
    return instance_id_ + ":acct:" + host_.crypto().sha256Hex(email);
}

std::string HelloAuthenticator::addressKey(const std::string& address) const {
    return instance_id_ + ":addr:" + address;
}

authd::sdk::Result<authd::sdk::Page> HelloAuthenticator::render(const authd::sdk::LoginStep& step) {
    using authd::sdk::escapeHtml;
    authd::sdk::Page page;
    page.title = display_name_;
    std::string& html = page.body_html;
    html += "<form method=\"post\" action=\"" + escapeHtml(step.action_url) + "\">\n";
    html += step.hidden_fields_html;
    if (!step.error.empty()) {
        html += "<p class=\"error\" role=\"alert\">" + escapeHtml(step.error) + "</p>\n";
    }
    html += "<label>Email <input type=\"email\" name=\"email\" autocomplete=\"username\" "
            "required value=\"" +
            escapeHtml(step.login_hint) + "\"></label>\n";
    html += "<label>Invite code <input type=\"password\" name=\"invite_code\" "
            "autocomplete=\"one-time-code\" required></label>\n";
    html += "<button type=\"submit\">Sign in</button>\n</form>\n";
    return page;
}

authd::sdk::Result<authd::sdk::Verdict>
HelloAuthenticator::submit(const authd::sdk::LoginStep& step, const authd::sdk::Fields& form) {
    const std::string email = normalizeEmail(form.get("email"));
    const std::string code = form.get("invite_code");
    if (email.empty() || code.empty()) {
        return Verdict::failed("Enter your email address and your invite code.");
    }
    if (email.size() > kMaxEmail || code.size() > kMaxCode) {
        return Verdict::failed(kNoMatch);  // could never match; no lookup, no counting
    }

    const auto policy = throttlePolicy();
    const std::string account = accountKey(email);
    const std::string address = addressKey(step.request.client_address);
    const authd::sdk::UnixTime now = host_.clock().now();
    for (const std::string* key : {&account, &address}) {
        auto state = host_.rateLimiter().check(*key, policy);
        if (!state) {
            return std::move(state).error();
        }
        if (blocked(*state, now)) {
            return Verdict::failed(kThrottled);
        }
    }

    auto user = host_.storage().users().findByEmail(email);
    if (!user && user.error().code != ErrorCode::not_found) {
        return std::move(user).error();
    }
    // Compared whether or not the account exists, so timing does not tell them apart.
    const bool code_matches = host_.crypto().constantTimeEquals(code, code_);
    if (code_matches && user && user->status == "active") {
        if (auto cleared = host_.rateLimiter().clear(account); !cleared) {
            return std::move(cleared).error();
        }
        Verdict verdict = Verdict::succeeded(user->id, {"hello"});
        verdict.audit_detail = "{\"method\":\"invite_code\"}";
        return verdict;
    }
    for (const std::string* key : {&account, &address}) {
        if (auto counted = host_.rateLimiter().recordFailure(*key, policy); !counted) {
            return std::move(counted).error();
        }
    }
    host_.logger().log(
        authd::sdk::LogLevel::info, "hello.signin_failed", "invite code sign-in refused",
        {{"instance", instance_id_}, {"client_address", step.request.client_address}});
    return Verdict::failed(kNoMatch);
}

authd::sdk::Result<std::vector<std::string>> HelloAuthenticator::lockoutKeys(
    const authd::sdk::User& user) {
    // Address keys are left out: nobody can lift them, they end on their own.
    return std::vector<std::string>{accountKey(user.email)};
}

}  // namespace hello
