// SPDX-License-Identifier: Apache-2.0
#include "password_authenticator.hpp"

#include <algorithm>
#include <exception>
#include <system_error>
#include <utility>
#include <vector>

#include "authd/sdk/http.hpp"
#include "authd/sdk/storage.hpp"
#include "authenticator_kit.hpp"

namespace authd::plugins::password {

namespace {

namespace kit = authd::plugins::kit;

using kit::jsonObject;
using kit::jsonString;
using kit::normalizeEmail;

template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body()) {
    return kit::guarded("password authenticator", what, std::forward<F>(body));
}

constexpr const char* kEnterBoth = "Enter your email and password.";
constexpr const char* kIncorrect = "Email or password is incorrect.";
// RFC 5321 bounds a path at 256 octets; anything longer cannot be an account's email.
constexpr std::size_t kMaxEmailBytes = 320;
// Long enough for start-up to be over (15-20 ms here), short enough that the first sign-in for
// an unknown account rarely has to make the hash itself.
constexpr std::chrono::milliseconds kDummyHashDelay{1000};

/// Characters = UTF-8 code points (lengths rules are about what the user typed, not bytes).
std::int64_t codePoints(std::string_view text) {
    return static_cast<std::int64_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

bool validUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80U) {
            ++i;
            continue;
        }
        if ((c & 0xE0U) == 0xC0U) {
            extra = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            extra = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            extra = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + extra >= text.size()) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0U) != 0x80U) {
                return false;
            }
            cp = (cp << 6) | (next & 0x3FU);
        }
        static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;  // overlong, out of range, or a surrogate
        }
        i += extra + 1;
    }
    return true;
}

std::string describeWait(sdk::Seconds seconds) {
    if (seconds < 60) {
        return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
    }
    const sdk::Seconds minutes = (seconds + 59) / 60;
    return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

/// The lock message for whichever key is locked, or "" when neither is. The wording depends
/// only on the counters, which exist for unknown emails too: it reveals no account.
std::string lockMessage(const sdk::ThrottleState& account, const sdk::ThrottleState& address,
                        sdk::UnixTime now) {
    if (account.locked) {
        if (account.retry_at == 0) {
            return "Too many failed attempts: sign-in to this account is locked. "
                   "Ask an administrator to unlock it.";
        }
        return "Too many failed attempts: sign-in to this account is temporarily locked. "
               "Try again in " + describeWait(std::max<sdk::Seconds>(account.retry_at - now, 1)) +
               ".";
    }
    if (address.locked) {
        if (address.retry_at == 0) {
            return "Too many failed attempts from your network: sign-in is locked. "
                   "Ask an administrator for help.";
        }
        return "Too many failed attempts from your network: sign-in is temporarily locked. "
               "Try again in " + describeWait(std::max<sdk::Seconds>(address.retry_at - now, 1)) +
               ".";
    }
    return {};
}

sdk::Seconds waitFor(const sdk::ThrottleState& account, const sdk::ThrottleState& address,
                     sdk::UnixTime now) {
    return std::max<sdk::Seconds>({account.retry_at - now, address.retry_at - now, 0});
}

sdk::Error withContext(const sdk::Error& error, const std::string& context) {
    return sdk::makeError(error.code, context + ": " + error.message);
}

}  // namespace

sdk::Result<sdk::AuthenticatorPtr> PasswordAuthenticator::create(const sdk::InstanceSpec& spec,
                                                                 sdk::HostContext& host) {
    return guarded("create", [&]() -> sdk::Result<sdk::AuthenticatorPtr> {
        if (spec.config == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "password authenticator " + spec.id + ": no config node");
        }
        if (spec.id.empty()) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "password authenticator: the instance id is empty");
        }
        auto config = parsePasswordConfig(*spec.config);
        if (!config) {
            return config.error();
        }
        // The dummy hash comes from the host's own hasher, so verifying against it costs what
        // verifying a real credential costs; made once start-up is over (see DummyHash).
        std::string dummy_secret = host.random().token(32);
        if (dummy_secret.empty()) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  "password authenticator " + spec.id + ": the CSPRNG failed");
        }
        auto dummy_hash = std::make_unique<DummyHash>(host, std::move(dummy_secret),
                                                      kDummyHashDelay);
        return sdk::AuthenticatorPtr(new PasswordAuthenticator(
            spec.id, std::move(config).value(), host, std::move(dummy_hash)));
    });
}

PasswordAuthenticator::PasswordAuthenticator(std::string instance_id, PasswordConfig config,
                                             sdk::HostContext& host,
                                             std::unique_ptr<DummyHash> dummy_hash)
    : instance_id_(std::move(instance_id)), config_(std::move(config)), host_(host),
      dummy_hash_(std::move(dummy_hash)) {}

DummyHash::DummyHash(sdk::HostContext& host, std::string secret, std::chrono::milliseconds delay)
    : host_(host), secret_(std::move(secret)) {
    try {
        worker_ = std::thread([this, delay] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (wake_.wait_for(lock, delay, [this] { return stopping_; })) {
                return;
            }
            lock.unlock();
            try {
                (void)get();
            } catch (...) {
                // get() reports hashing failures as values; anything else waits for a caller.
            }
        });
    } catch (const std::system_error&) {
        // No thread to be had: the first get() hashes.
    }
}

DummyHash::~DummyHash() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
}

const sdk::Result<std::string>& DummyHash::get() {
    std::call_once(once_, [this] {
        try {
            value_.emplace(host_.crypto().hashPassword(secret_));
        } catch (const std::exception& e) {
            value_.emplace(sdk::makeError(sdk::ErrorCode::internal,
                                          std::string("hashing the dummy password threw: ") +
                                              e.what()));
        }
    });
    return *value_;
}

std::string PasswordAuthenticator::displayName() const { return config_.label; }

std::string PasswordAuthenticator::accountKey(const std::string& normalized_email) const {
    return kit::accountThrottleKey(instance_id_, host_.crypto(), normalized_email);
}

std::string PasswordAuthenticator::addressKey(const std::string& client_address) const {
    return kit::addressThrottleKey(instance_id_, client_address);
}

// ---------------------------------------------------------------------------------------------
// render

sdk::Result<sdk::Page> PasswordAuthenticator::render(const sdk::LoginStep& step) {
    return guarded("render", [&] { return renderImpl(step); });
}

sdk::Result<sdk::Page> PasswordAuthenticator::renderImpl(const sdk::LoginStep& step) const {
    const std::string id = sdk::escapeHtml("authd-" + instance_id_);
    const bool email_known = !step.login_hint.empty();
    std::string html = kit::loginFormStart(step);
    html += kit::emailField(id, "username", step.login_hint, !email_known);
    html += "<div class=\"field\">\n";
    html += "<label for=\"" + id + "-password\">Password</label>\n";
    html += "<input id=\"" + id +
            "-password\" name=\"password\" type=\"password\" "
            "autocomplete=\"current-password\" required";
    if (email_known) {
        html += " autofocus";  // the email is filled in: the password is what is left to type
    }
    html += ">\n</div>\n";
    html += kit::loginFormEnd("Sign in");
    return kit::signInPage(std::move(html));
}

// ---------------------------------------------------------------------------------------------
// submit

sdk::Result<sdk::Verdict> PasswordAuthenticator::submit(const sdk::LoginStep& step,
                                                        const sdk::Fields& form) {
    return guarded("submit", [&] { return submitImpl(step, form); });
}

sdk::Result<PasswordAuthenticator::Throttle>
PasswordAuthenticator::throttle(const std::string& account_key, const std::string& address_key) {
    sdk::RateLimiter& limiter = host_.rateLimiter();
    auto account = limiter.check(account_key, config_.account_throttle);
    if (!account) {
        return withContext(account.error(), "checking the account throttle");
    }
    auto address = limiter.check(address_key, config_.address_throttle);
    if (!address) {
        return withContext(address.error(), "checking the address throttle");
    }
    const sdk::UnixTime now = host_.clock().now();
    Throttle held;
    held.account_failures = account->failures > 0 || account->locked;
    held.message = lockMessage(*account, *address, now);
    if (held.message.empty()) {
        const sdk::Seconds wait = waitFor(*account, *address, now);
        if (wait > 0) {
            held.message = "Too many attempts. Wait " + describeWait(wait) + " and try again.";
        }
    }
    return held;
}

void PasswordAuthenticator::audit(const sdk::LoginStep& step, const std::string& type,
                                  const std::string& user_id, const std::string& detail) {
    sdk::AuditEvent event;
    event.id = host_.random().token(16);
    if (event.id.empty()) {
        host_.logger().log(sdk::LogLevel::error, "password.audit_failed",
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
        host_.logger().log(sdk::LogLevel::error, "password.audit_failed", appended.error().message,
                           {{"authenticator", instance_id_}, {"type", type},
                            {"code", sdk::errorCodeName(appended.error().code)}});
    }
}

sdk::Result<sdk::Verdict> PasswordAuthenticator::submitImpl(const sdk::LoginStep& step,
                                                            const sdk::Fields& form) {
    const std::string email = normalizeEmail(form.get("email"));
    const std::string* password = form.find("password");
    if (email.empty() || password == nullptr || password->empty()) {
        return sdk::Verdict::failed(kEnterBoth);
    }
    // Over-long input cannot match any stored credential (makeCredential enforces the same
    // bound), so it is refused before any hashing work.
    if (email.size() > kMaxEmailBytes ||
        password->size() > static_cast<std::size_t>(config_.max_length) * 4 ||
        codePoints(*password) > config_.max_length) {
        return sdk::Verdict::failed(kIncorrect);
    }

    const std::string account_key = accountKey(email);
    const std::string address_key = addressKey(step.request.client_address);
    auto held = throttle(account_key, address_key);
    if (!held) {
        return held.error();
    }
    if (!held->message.empty()) {
        host_.logger().log(sdk::LogLevel::info, "password.throttled",
                           "sign-in attempt refused by throttling",
                           {{"authenticator", instance_id_},
                            {"client_address", step.request.client_address}});
        return sdk::Verdict::failed(held->message);
    }

    sdk::Storage& storage = host_.storage();
    std::string user_id;
    std::string stored_hash;
    std::string reason = "wrong_password";
    auto user = storage.users().findByEmail(email);
    if (user) {
        user_id = user->id;
        auto credential = storage.credentials().get(user_id, instance_id_);
        if (credential && !credential->secret_hash.empty()) {
            stored_hash = credential->secret_hash;
        } else if (credential || credential.error().code == sdk::ErrorCode::not_found) {
            reason = "no_credential";
        } else {
            return withContext(credential.error(), "reading the password credential");
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
        auto match = crypto.verifyPassword(stored_hash, *password);
        if (match) {
            verified = *match;
            hashed = true;
        } else {
            reason = "invalid_stored_hash";
            host_.logger().log(sdk::LogLevel::error, "password.hash_invalid",
                               "the stored password hash cannot be verified: " +
                                   match.error().message,
                               {{"authenticator", instance_id_}, {"user_id", user_id}});
        }
    }
    if (!hashed) {
        // Same work as a real verification, so response time does not reveal the account.
        const sdk::Result<std::string>& dummy = dummy_hash_->get();
        if (!dummy) {
            return withContext(dummy.error(), "hashing the dummy password");
        }
        (void)crypto.verifyPassword(*dummy, *password);
    }

    if (verified) {
        // Most sign-ins follow no failure, and skipping the reset then saves a store write. A
        // failure recorded by a concurrent attempt after the check is kept, as it should be.
        if (held->account_failures) {
            if (auto cleared = host_.rateLimiter().clear(account_key); !cleared) {
                host_.logger().log(sdk::LogLevel::warning, "password.throttle_clear_failed",
                                   cleared.error().message,
                                   {{"authenticator", instance_id_}, {"user_id", user_id}});
            }
        }
        sdk::Verdict verdict = sdk::Verdict::succeeded(user_id, {"pwd"});
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
        {"client_address", step.request.client_address}};
    if (!user_id.empty()) {
        log_fields.emplace_back("user_id", user_id);
    }
    host_.logger().log(sdk::LogLevel::info, "password.signin_failed", "password sign-in failed",
                       log_fields);
    audit(step, "signin.failure", user_id,
          jsonObject({{"authenticator", jsonString(instance_id_)},
                      {"reason", jsonString(reason)},
                      {"account_failures", std::to_string(account->failures)},
                      {"address_failures", std::to_string(address->failures)}}));

    const sdk::UnixTime now = host_.clock().now();
    for (const auto& [scope, state] : {std::pair{"account", *account}, std::pair{"address", *address}}) {
        if (!state.locked) {
            continue;
        }
        host_.logger().log(sdk::LogLevel::warning, "password.lockout",
                           std::string("sign-in locked for this ") + scope,
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
    if (const sdk::Seconds wait = waitFor(*account, *address, now); wait > 0) {
        return sdk::Verdict::failed(std::string(kIncorrect) + " Wait " + describeWait(wait) +
                                    " before trying again.");
    }
    return sdk::Verdict::failed(kIncorrect);
}

// ---------------------------------------------------------------------------------------------
// administration

sdk::Result<sdk::NewCredential> PasswordAuthenticator::makeCredential(const sdk::User& user,
                                                                      const std::string& secret) {
    (void)user;
    return guarded("makeCredential", [&] { return makeCredentialImpl(secret); });
}

sdk::Result<sdk::NewCredential>
PasswordAuthenticator::makeCredentialImpl(const std::string& secret) {
    if (!validUtf8(secret)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "the password is not valid UTF-8");
    }
    const std::int64_t length = codePoints(secret);
    if (length < config_.min_length) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "the password must have at least " +
                                  std::to_string(config_.min_length) + " characters");
    }
    if (length > config_.max_length) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "the password must have at most " +
                                  std::to_string(config_.max_length) + " characters");
    }
    auto hash = host_.crypto().hashPassword(secret);
    if (!hash) {
        return withContext(hash.error(), "hashing the new password");
    }
    sdk::NewCredential made;
    made.credential.kind = instance_id_;
    made.credential.secret_hash = std::move(hash).value();
    return made;
}

sdk::Result<std::vector<std::string>> PasswordAuthenticator::lockoutKeys(const sdk::User& user) {
    return guarded("lockoutKeys", [&]() -> sdk::Result<std::vector<std::string>> {
        return std::vector<std::string>{accountKey(normalizeEmail(user.email))};
    });
}

}  // namespace authd::plugins::password
