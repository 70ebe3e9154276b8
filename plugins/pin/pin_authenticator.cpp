// SPDX-License-Identifier: Apache-2.0
#include "pin_authenticator.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "authd/sdk/http.hpp"
#include "authd/sdk/storage.hpp"
#include "authenticator_kit.hpp"

namespace authd::plugins::pin {

namespace {

namespace kit = authd::plugins::kit;

using kit::jsonObject;
using kit::jsonString;
using kit::normalizeEmail;
using kit::trim;

constexpr const char* kEnterBoth = "Enter your email and PIN.";
constexpr const char* kDigitsOnly = "Enter your PIN with the digits 0 to 9 only.";
constexpr const char* kIncorrect = "Email or PIN is incorrect.";
// RFC 5321 bounds a path at 256 octets; anything longer cannot be an account's email.
constexpr std::size_t kMaxEmailBytes = 320;

bool allAsciiDigits(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Why `pin` may not become a PIN, or "" when it may. Repeated digits and runs are the first
/// guesses of anyone trying PINs, so they are refused outright.
std::string pinProblem(std::string_view pin, std::int64_t digits) {
    if (!allAsciiDigits(pin)) {
        return "the PIN must contain only the digits 0-9";
    }
    if (static_cast<std::int64_t>(pin.size()) != digits) {
        return "the PIN must have exactly " + std::to_string(digits) + " digits";
    }
    bool same = true;
    bool ascending = true;
    bool descending = true;
    for (std::size_t i = 1; i < pin.size(); ++i) {
        const int step = pin[i] - pin[i - 1];
        same = same && step == 0;
        ascending = ascending && step == 1;
        descending = descending && step == -1;
    }
    if (same) {
        return "the PIN must not repeat a single digit (such as " + std::string(pin.size(), '0') +
               ")";
    }
    if (ascending || descending) {
        return "the PIN must not be a run of consecutive digits (such as 1234 or 4321)";
    }
    return {};
}

std::string describeWait(sdk::Seconds seconds) {
    if (seconds < 60) {
        return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
    }
    const sdk::Seconds minutes = (seconds + 59) / 60;
    if (minutes < 120) {
        return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
    }
    const sdk::Seconds hours = (seconds + 3599) / 3600;
    if (hours < 48) {
        return std::to_string(hours) + " hours";
    }
    return std::to_string((seconds + 86'399) / 86'400) + " days";
}

/// The lock message for whichever key is locked, or "" when neither is. The wording depends
/// only on the counters, which exist for unknown emails too: it reveals no account.
std::string lockMessage(const sdk::ThrottleState& account, const sdk::ThrottleState& address,
                        sdk::UnixTime now) {
    if (account.locked) {
        if (account.retry_at == 0) {
            return "Too many failed attempts: PIN sign-in to this account is locked. "
                   "Ask an administrator to unlock it.";
        }
        return "Too many failed attempts: PIN sign-in to this account is locked. Try again in " +
               describeWait(std::max<sdk::Seconds>(account.retry_at - now, 1)) + ".";
    }
    if (address.locked) {
        return "Too many failed attempts from your network: PIN sign-in is temporarily locked. "
               "Try again in " +
               describeWait(std::max<sdk::Seconds>(address.retry_at - now, 1)) + ".";
    }
    return {};
}

sdk::Error withContext(const sdk::Error& error, const std::string& context) {
    return sdk::makeError(error.code, context + ": " + error.message);
}

template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body()) {
    return kit::guarded("pin authenticator", what, std::forward<F>(body));
}

}  // namespace

sdk::Result<sdk::AuthenticatorPtr> PinAuthenticator::create(const sdk::InstanceSpec& spec,
                                                            sdk::HostContext& host) {
    return guarded("create", [&]() -> sdk::Result<sdk::AuthenticatorPtr> {
        if (spec.config == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "pin authenticator " + spec.id + ": no config node");
        }
        if (spec.id.empty()) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "pin authenticator: the instance id is empty");
        }
        auto config = parsePinConfig(*spec.config);
        if (!config) {
            return config.error();
        }
        // The dummy hash comes from the host's own hasher, so verifying against it costs what
        // verifying a real PIN costs.
        const std::string dummy_secret = host.random().token(32);
        if (dummy_secret.empty()) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  "pin authenticator " + spec.id + ": the CSPRNG failed");
        }
        auto dummy_hash = host.crypto().hashPassword(dummy_secret);
        if (!dummy_hash) {
            return withContext(dummy_hash.error(),
                               "pin authenticator " + spec.id + ": hashing the dummy PIN");
        }
        return sdk::AuthenticatorPtr(new PinAuthenticator(spec.id, std::move(config).value(), host,
                                                          std::move(dummy_hash).value()));
    });
}

PinAuthenticator::PinAuthenticator(std::string instance_id, PinConfig config,
                                   sdk::HostContext& host, std::string dummy_hash)
    : instance_id_(std::move(instance_id)), config_(std::move(config)), host_(host),
      dummy_hash_(std::move(dummy_hash)) {}

std::string PinAuthenticator::displayName() const {
    return config_.label;
}

std::string PinAuthenticator::accountKey(const std::string& normalized_email) const {
    return kit::accountThrottleKey(instance_id_, host_.crypto(), normalized_email);
}

std::string PinAuthenticator::addressKey(const std::string& client_address) const {
    return kit::addressThrottleKey(instance_id_, client_address);
}

// ---------------------------------------------------------------------------------------------
// render

sdk::Result<sdk::Page> PinAuthenticator::render(const sdk::LoginStep& step) {
    return guarded("render", [&] { return renderImpl(step); });
}

sdk::Result<sdk::Page> PinAuthenticator::renderImpl(const sdk::LoginStep& step) const {
    const std::string id = sdk::escapeHtml("authd-" + instance_id_);
    const bool email_known = !step.login_hint.empty();
    std::string html = kit::loginFormStart(step);
    html += kit::emailField(id, "username", step.login_hint, !email_known);
    html += "<div class=\"field\">\n";
    html += "<label for=\"" + id + "-pin\">PIN</label>\n";
    // type=password masks the PIN; inputmode brings up the number pad. The pattern accepts
    // every length a PIN can have, so PINs set before a change of `digits` still go through.
    html += "<input id=\"" + id +
            "-pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" pattern=\"[0-9]*\" "
            "maxlength=\"" +
            std::to_string(kMaxDigits) +
            "\" autocomplete=\"current-password\" aria-describedby=\"" + id +
            "-pin-hint\" required";
    if (email_known) {
        html += " autofocus";  // the email is filled in: the PIN is what is left to type
    }
    html += ">\n";
    html += "<p class=\"muted\" id=\"" + id + "-pin-hint\">Your " + std::to_string(config_.digits) +
            "-digit PIN.</p>\n";
    html += "</div>\n";
    html += kit::loginFormEnd("Sign in");
    return kit::signInPage(std::move(html));
}

// ---------------------------------------------------------------------------------------------
// submit

sdk::Result<sdk::Verdict> PinAuthenticator::submit(const sdk::LoginStep& step,
                                                   const sdk::Fields& form) {
    return guarded("submit", [&] { return submitImpl(step, form); });
}

sdk::Result<std::string> PinAuthenticator::lockedMessage(const std::string& account_key,
                                                         const std::string& address_key) {
    sdk::RateLimiter& limiter = host_.rateLimiter();
    auto account = limiter.check(account_key, config_.account_throttle);
    if (!account) {
        return withContext(account.error(), "checking the account lockout");
    }
    auto address = limiter.check(address_key, config_.address_throttle);
    if (!address) {
        return withContext(address.error(), "checking the address lockout");
    }
    return lockMessage(*account, *address, host_.clock().now());
}

void PinAuthenticator::audit(const sdk::LoginStep& step, const std::string& type,
                             const std::string& user_id, const std::string& detail) {
    sdk::AuditEvent event;
    event.id = host_.random().token(16);
    if (event.id.empty()) {
        host_.logger().log(sdk::LogLevel::error, "pin.audit_failed",
                           "the CSPRNG failed; audit event not written",
                           {{"authenticator", instance_id_}, {"type", type}});
        return;
    }
    event.time = host_.clock().now();
    event.type = type;
    event.user_id = user_id;
    event.client_id = step.client_id;
    event.client_address = step.request.client_address;
    event.detail = detail;
    if (auto appended = host_.storage().audit().append(event); !appended) {
        // The sign-in answer does not depend on the audit trail; the operator sees the gap.
        host_.logger().log(sdk::LogLevel::error, "pin.audit_failed", appended.error().message,
                           {{"authenticator", instance_id_},
                            {"type", type},
                            {"code", sdk::errorCodeName(appended.error().code)}});
    }
}

sdk::Result<sdk::Verdict> PinAuthenticator::submitImpl(const sdk::LoginStep& step,
                                                       const sdk::Fields& form) {
    const std::string email = normalizeEmail(form.get("email"));
    const std::string* typed = form.find("pin");
    const std::string_view pin = typed != nullptr ? trim(*typed) : std::string_view();
    if (email.empty() || pin.empty()) {
        return sdk::Verdict::failed(kEnterBoth);
    }
    // Input that no PIN can match is answered before any counting or hashing: it says nothing
    // about the account, and a typo should not cost an attempt.
    if (!allAsciiDigits(pin)) {
        return sdk::Verdict::failed(kDigitsOnly);
    }
    if (email.size() > kMaxEmailBytes || static_cast<std::int64_t>(pin.size()) < kMinDigits ||
        static_cast<std::int64_t>(pin.size()) > kMaxDigits) {
        return sdk::Verdict::failed(kIncorrect);
    }

    const std::string account_key = accountKey(email);
    const std::string address_key = addressKey(step.request.client_address);
    auto held = lockedMessage(account_key, address_key);
    if (!held) {
        return held.error();
    }
    if (!held->empty()) {
        host_.logger().log(
            sdk::LogLevel::info, "pin.locked_attempt",
            "PIN sign-in refused: the account or address is locked",
            {{"authenticator", instance_id_}, {"client_address", step.request.client_address}});
        return sdk::Verdict::failed(*held);
    }

    sdk::Storage& storage = host_.storage();
    std::string user_id;
    std::string stored_hash;
    std::string reason = "wrong_pin";
    auto user = storage.users().findByEmail(email);
    if (user) {
        user_id = user->id;
        auto credential = storage.credentials().get(user_id, instance_id_);
        if (credential && !credential->secret_hash.empty()) {
            stored_hash = credential->secret_hash;
        } else if (credential || credential.error().code == sdk::ErrorCode::not_found) {
            reason = "no_credential";
        } else {
            return withContext(credential.error(), "reading the PIN credential");
        }
    } else if (user.error().code == sdk::ErrorCode::not_found) {
        reason = "unknown_email";
    } else {
        return withContext(user.error(), "looking up the account");
    }

    sdk::Crypto& crypto = host_.crypto();
    bool verified = false;
    bool hashed = false;
    if (!stored_hash.empty()) {
        auto match = crypto.verifyPassword(stored_hash, pin);
        if (match) {
            verified = *match;
            hashed = true;
        } else {
            reason = "invalid_stored_hash";
            host_.logger().log(sdk::LogLevel::error, "pin.hash_invalid",
                               "the stored PIN hash cannot be verified: " + match.error().message,
                               {{"authenticator", instance_id_}, {"user_id", user_id}});
        }
    }
    if (!hashed) {
        // Same work as a real verification, so response time does not reveal the account.
        (void)crypto.verifyPassword(dummy_hash_, pin);
    }

    if (verified) {
        // Consecutive failures: a success starts the count again.
        if (auto cleared = host_.rateLimiter().clear(account_key); !cleared) {
            host_.logger().log(sdk::LogLevel::warning, "pin.throttle_clear_failed",
                               cleared.error().message,
                               {{"authenticator", instance_id_}, {"user_id", user_id}});
        }
        // refresh_ttl stays 0: the host gives sessions whose amr holds "pin" the configured
        // tokens.pin_refresh_ttl.
        sdk::Verdict verdict = sdk::Verdict::succeeded(user_id, {"pin"});
        verdict.audit_detail = jsonObject({{"authenticator", jsonString(instance_id_)}});
        return verdict;
    }

    auto account = host_.rateLimiter().recordFailure(account_key, config_.account_throttle);
    if (!account) {
        return withContext(account.error(), "recording a failed sign-in for the account");
    }
    auto address = host_.rateLimiter().recordFailure(address_key, config_.address_throttle);
    if (!address) {
        return withContext(address.error(), "recording a failed sign-in for the address");
    }

    std::vector<std::pair<std::string, std::string>> log_fields = {
        {"authenticator", instance_id_},
        {"reason", reason},
        {"account_failures", std::to_string(account->failures)},
        {"client_address", step.request.client_address}};
    if (!user_id.empty()) {
        log_fields.emplace_back("user_id", user_id);
    }
    host_.logger().log(sdk::LogLevel::info, "pin.signin_failed", "PIN sign-in failed", log_fields);
    audit(step, "signin.failure", user_id,
          jsonObject({{"authenticator", jsonString(instance_id_)},
                      {"reason", jsonString(reason)},
                      {"account_failures", std::to_string(account->failures)},
                      {"address_failures", std::to_string(address->failures)}}));

    const sdk::UnixTime now = host_.clock().now();
    for (const auto& [scope, state] :
         {std::pair{"account", *account}, std::pair{"address", *address}}) {
        // Only the failure that locks is reported; the answer to later attempts says locked.
        if (!state.locked) {
            continue;
        }
        host_.logger().log(sdk::LogLevel::warning, "pin.lockout",
                           std::string("PIN sign-in locked for this ") + scope,
                           {{"authenticator", instance_id_},
                            {"scope", scope},
                            {"until", std::to_string(state.retry_at)},
                            {"client_address", step.request.client_address}});
        audit(step, "signin.lockout", scope == std::string("account") ? user_id : std::string(),
              jsonObject({{"authenticator", jsonString(instance_id_)},
                          {"scope", jsonString(scope)},
                          {"failures", std::to_string(state.failures)},
                          {"until", std::to_string(state.retry_at)}}));
    }

    if (std::string locked = lockMessage(*account, *address, now); !locked.empty()) {
        return sdk::Verdict::failed(std::move(locked));
    }
    const std::int64_t left = config_.max_attempts - account->failures;
    return sdk::Verdict::failed(std::string(kIncorrect) + " " + std::to_string(left) +
                                (left == 1 ? " attempt" : " attempts") +
                                " left before PIN sign-in to this account is locked.");
}

// ---------------------------------------------------------------------------------------------
// administration

sdk::Result<sdk::NewCredential> PinAuthenticator::makeCredential(const sdk::User& user,
                                                                 const std::string& secret) {
    return guarded("makeCredential", [&] { return makeCredentialImpl(user, secret); });
}

sdk::Result<sdk::NewCredential> PinAuthenticator::makeCredentialImpl(const sdk::User& user,
                                                                     const std::string& secret) {
    if (std::string problem = pinProblem(secret, config_.digits); !problem.empty()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, problem);
    }
    auto hash = host_.crypto().hashPassword(secret);
    if (!hash) {
        return withContext(hash.error(), "hashing the new PIN");
    }
    sdk::NewCredential made;
    made.credential.kind = instance_id_;
    made.credential.secret_hash = std::move(hash).value();
    // The failures counted so far were guesses at the old PIN.
    made.reset_counters.push_back(accountKey(normalizeEmail(user.email)));
    return made;
}

sdk::Result<std::vector<std::string>> PinAuthenticator::lockoutKeys(const sdk::User& user) {
    return guarded("lockoutKeys", [&]() -> sdk::Result<std::vector<std::string>> {
        return std::vector<std::string>{accountKey(normalizeEmail(user.email))};
    });
}

}  // namespace authd::plugins::pin
