// SPDX-License-Identifier: Apache-2.0
#include "magic_link_authenticator.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "authd/sdk/http.hpp"
#include "authd/sdk/mailer.hpp"
#include "authd/sdk/storage.hpp"
#include "authenticator_kit.hpp"

namespace authd::plugins::magic_link {

namespace {

namespace kit = authd::plugins::kit;

using kit::jsonObject;
using kit::jsonString;
using kit::normalizeEmail;

constexpr const char* kNeedsMail =
    "magic_link needs a mail: section in the config (an smtp or outbox mailer) to send "
    "sign-in links";
constexpr const char* kEnterEmail = "Enter your email address.";
constexpr const char* kInvalidEmail = "Enter a valid email address, such as name@example.com.";
constexpr const char* kExpiredOrUsed =
    "This link has expired or was already used. Request a new one.";
constexpr const char* kDamaged =
    "This sign-in link is incomplete. Copy the whole link from the email into your browser, "
    "or request a new one.";
constexpr const char* kOtherBrowser = "Open this link in the browser where you asked for it.";
// 256 bits, as SPEC section 5 asks; base64url without padding is 43 characters.
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 43;
constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321 path limit less the angle brackets
constexpr std::size_t kMaxLocalBytes = 64;
// Mails waiting for the mailer; beyond this, requests are answered but their mail dropped
// (and logged): a flood must not grow memory without bound.
constexpr std::size_t kQueueCapacity = 1000;
constexpr std::size_t kSenders = 2;
// RFC 8176 registers no value for an emailed link; "otp" is the registered value for proof
// of holding a single-use secret sent to the user (see README).
const std::vector<std::string> kAmr = {"otp"};

bool isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// A plain `local@domain` address (RFC 5322 dot-atom local part, a dotted host name): what
/// a mail can be sent to without quoting, and nothing that could break a mail header.
bool validEmail(std::string_view email) {
    if (email.size() > kMaxEmailBytes) {
        return false;
    }
    const std::size_t at = email.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > kMaxLocalBytes) {
        return false;
    }
    const std::string_view local = email.substr(0, at);
    const std::string_view domain = email.substr(at + 1);
    static constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~";
    char previous = '.';
    for (char c : local) {
        if (c == '.') {
            if (previous == '.') {
                return false;  // leading or doubled dot
            }
        } else if (!isAlnum(c) && kAtext.find(c) == std::string_view::npos) {
            return false;
        }
        previous = c;
    }
    if (previous == '.') {
        return false;
    }
    if (domain.empty() || domain.find('.') == std::string_view::npos) {
        return false;
    }
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
        if (i == domain.size() || domain[i] == '.') {
            const std::string_view label = domain.substr(label_start, i - label_start);
            if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
                return false;
            }
            label_start = i + 1;
        } else if (!isAlnum(domain[i]) && domain[i] != '-') {
            return false;
        }
    }
    return true;
}

bool tokenShaped(std::string_view token) {
    return token.size() == kTokenChars && std::all_of(token.begin(), token.end(), [](char c) {
               return isAlnum(c) || c == '-' || c == '_';
           });
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string urlEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        if (isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0FU];
        }
    }
    return out;
}

std::string describeDuration(sdk::Seconds seconds) {
    if (seconds < 60) {
        return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
    }
    if (seconds < 2 * 3600 || seconds % 3600 != 0) {
        const sdk::Seconds minutes = (seconds + 59) / 60;
        return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
    }
    const sdk::Seconds hours = seconds / 3600;
    return std::to_string(hours) + " hours";
}

sdk::Error withContext(const sdk::Error& error, const std::string& context) {
    return sdk::makeError(error.code, context + ": " + error.message);
}

bool gone(const sdk::Error& error) {
    return error.code == sdk::ErrorCode::not_found || error.code == sdk::ErrorCode::expired ||
           error.code == sdk::ErrorCode::already_consumed;
}

template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body()) {
    return kit::guarded("magic_link authenticator", what, std::forward<F>(body));
}

std::string mailText(const std::string& project, const std::string& link,
                     const std::string& lifetime) {
    std::string text;
    text += "Sign in to " + project + "\r\n\r\n";
    text += "Someone asked to sign in to " + project +
            " with this email address. Open this link to sign in:\r\n\r\n";
    text += link + "\r\n\r\n";
    text += "The link works once, only in the browser where you asked for it, and expires in " +
            lifetime + ".\r\n\r\n";
    text += "If you did not ask for it, ignore this email: nobody can sign in without the "
            "link.\r\n";
    return text;
}

// Mail clients ignore stylesheets and the page CSP does not apply to mail, so the product's
// look (colours of the sign-in pages) is inlined.
std::string mailHtml(const std::string& subject, const std::string& project,
                     const std::string& link, const std::string& lifetime) {
    const std::string p = sdk::escapeHtml(project);
    const std::string href = sdk::escapeHtml(link);
    const std::string small = "margin:0 0 16px;font-size:14px;line-height:1.5;color:#4a5363;";
    std::string html;
    html += "<!DOCTYPE html>\r\n<html lang=\"en\">\r\n<head>\r\n<meta charset=\"utf-8\">\r\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\r\n";
    html += "<title>" + sdk::escapeHtml(subject) + "</title>\r\n</head>\r\n";
    html += "<body style=\"margin:0;padding:24px 12px;background:#f4f6fa;color:#1d2330;"
            "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\">\r\n";
    html += "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">"
            "<tr><td align=\"center\">\r\n";
    html += "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
            "style=\"max-width:480px;background:#ffffff;border:1px solid #d9dee8;"
            "border-radius:8px;\"><tr><td style=\"padding:32px;\">\r\n";
    html += "<h1 style=\"margin:0 0 16px;font-size:20px;line-height:1.3;\">Sign in to " + p +
            "</h1>\r\n";
    html += "<p style=\"margin:0 0 24px;font-size:16px;line-height:1.5;\">Someone asked to sign "
            "in to " +
            p + " with this email address. Use the button to sign in.</p>\r\n";
    html += "<p style=\"margin:0 0 24px;\"><a href=\"" + href +
            "\" style=\"display:inline-block;padding:12px 20px;background:#1746c2;"
            "color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;\">"
            "Sign in</a></p>\r\n";
    html += "<p style=\"" + small +
            "\">The link works once, only in the browser where you asked "
            "for it, and expires in " +
            sdk::escapeHtml(lifetime) + ".</p>\r\n";
    html += "<p style=\"" + small +
            "\">If the button does not work, copy this address into "
            "that browser:<br>\r\n<span style=\"word-break:break-all;\">" +
            href + "</span></p>\r\n";
    html += "<p style=\"" + small +
            "margin-bottom:0;\">If you did not ask for it, ignore this "
            "email: nobody can sign in without the link.</p>\r\n";
    html += "</td></tr></table>\r\n</td></tr></table>\r\n</body>\r\n</html>\r\n";
    return html;
}

}  // namespace

sdk::Result<sdk::AuthenticatorPtr> MagicLinkAuthenticator::create(const sdk::InstanceSpec& spec,
                                                                  sdk::HostContext& host) {
    return guarded("create", [&]() -> sdk::Result<sdk::AuthenticatorPtr> {
        if (spec.config == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "magic_link authenticator " + spec.id + ": no config node");
        }
        if (spec.id.empty()) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "magic_link authenticator: the instance id is empty");
        }
        auto config = parseMagicLinkConfig(*spec.config);
        if (!config) {
            return config.error();
        }
        // The host creates the mailer before the authenticators: a missing one is a config
        // mistake best reported at start-up rather than at the first sign-in.
        if (host.mailer() == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  std::string(kNeedsMail) + " (authenticator " + spec.id + ")");
        }
        std::unique_ptr<MagicLinkAuthenticator> made(
            new MagicLinkAuthenticator(spec.id, std::move(config).value(), host));
        try {
            made->mail_ = std::make_unique<MailQueue>(host, spec.id, kQueueCapacity, kSenders);
        } catch (const std::exception& e) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  "magic_link authenticator " + spec.id +
                                      ": cannot start the mail threads: " + e.what());
        }
        return sdk::AuthenticatorPtr(std::move(made));
    });
}

MagicLinkAuthenticator::MagicLinkAuthenticator(std::string instance_id, MagicLinkConfig config,
                                               sdk::HostContext& host)
    : instance_id_(std::move(instance_id)), config_(std::move(config)), host_(host) {}

std::string MagicLinkAuthenticator::displayName() const {
    return config_.label;
}

std::string MagicLinkAuthenticator::emailKey(const std::string& normalized_email) const {
    return kit::emailThrottleKey(instance_id_, "email", host_.crypto(), normalized_email);
}

std::string MagicLinkAuthenticator::addressKey(const std::string& client_address) const {
    return kit::addressThrottleKey(instance_id_, client_address);
}

std::string MagicLinkAuthenticator::formUrl(const std::string& pending_id) const {
    return "/login/" + urlEncode(instance_id_) + "?req=" + urlEncode(pending_id);
}

void MagicLinkAuthenticator::audit(const sdk::LoginStep& step, const std::string& type,
                                   const std::string& user_id, const std::string& detail) {
    sdk::AuditEvent event;
    event.id = host_.random().token(16);
    if (event.id.empty()) {
        host_.logger().log(sdk::LogLevel::error, "magic_link.audit_failed",
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
        host_.logger().log(sdk::LogLevel::error, "magic_link.audit_failed",
                           appended.error().message,
                           {{"authenticator", instance_id_},
                            {"type", type},
                            {"code", sdk::errorCodeName(appended.error().code)}});
    }
}

// ---------------------------------------------------------------------------------------------
// render

sdk::Result<sdk::Page> MagicLinkAuthenticator::render(const sdk::LoginStep& step) {
    return guarded("render", [&] { return renderImpl(step); });
}

sdk::Result<sdk::Page> MagicLinkAuthenticator::renderImpl(const sdk::LoginStep& step) const {
    const std::string id = sdk::escapeHtml("authd-" + instance_id_);
    std::string html = kit::loginFormStart(step);
    html += "<p class=\"muted\">Enter your email address and we will send you a link that signs "
            "you in. No password needed.</p>\n";
    html += kit::emailField(id, "email", step.login_hint, true);
    html += kit::loginFormEnd("Email me a sign-in link");
    return kit::signInPage(std::move(html));
}

// ---------------------------------------------------------------------------------------------
// submit: the request for a link

sdk::Result<sdk::Verdict> MagicLinkAuthenticator::submit(const sdk::LoginStep& step,
                                                         const sdk::Fields& form) {
    return guarded("submit", [&] { return submitImpl(step, form); });
}

sdk::Result<sdk::Seconds> MagicLinkAuthenticator::overLimit(const std::string& key,
                                                            std::int64_t limit) {
    const sdk::UnixTime now = host_.clock().now();
    auto counter = host_.storage().counters().increment(key, now, config_.limit_window);
    if (!counter) {
        return withContext(counter.error(), "counting a sign-in link request");
    }
    if (counter->count <= limit) {
        return sdk::Seconds{0};
    }
    return std::max<sdk::Seconds>(counter->window_start + config_.limit_window - now, 1);
}

sdk::Page MagicLinkAuthenticator::checkEmailPage(const sdk::LoginStep& step,
                                                 const std::string& email) const {
    const std::string shown = "<strong>" + sdk::escapeHtml(email) + "</strong>";
    std::string html;
    html += "<h2>Check your email</h2>\n";
    // The same words whether or not the address has an account.
    if (config_.create_accounts) {
        html += "<p class=\"notice\" role=\"status\">A sign-in link is on its way to " + shown +
                ".</p>\n";
    } else {
        html += "<p class=\"notice\" role=\"status\">If " + shown +
                " belongs to an account, a sign-in link is on its way to it.</p>\n";
    }
    html += "<p>Open the link in this browser. It works once and expires in " +
            describeDuration(config_.ttl) + ".</p>\n";
    html += "<p class=\"muted\">No email after a few minutes? Check your spam folder, or <a "
            "href=\"" +
            sdk::escapeHtml(formUrl(step.pending_id)) + "\">request another link</a>.</p>\n";
    sdk::Page page;
    page.status = 200;
    page.title = "Check your email";
    page.body_html = std::move(html);
    return page;
}

sdk::Result<void> MagicLinkAuthenticator::sendLink(const sdk::LoginStep& step,
                                                   const LinkRecord& record) {
    const std::string token = host_.random().token(kTokenBytes);
    if (token.size() != kTokenChars) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "magic_link " + instance_id_ + ": the CSPRNG failed");
    }
    // Only the hash is stored: a copy of the store does not hold working links.
    sdk::PluginRecord stored;
    stored.ns = instance_id_;
    stored.key = host_.crypto().sha256Hex(token);
    stored.value = encodeLinkRecord(record);
    stored.expires_at = host_.clock().now() + config_.ttl;
    if (auto put = host_.storage().pluginData().put(stored); !put) {
        return withContext(put.error(), "storing a sign-in link");
    }

    std::string issuer = host_.info().issuer;
    while (!issuer.empty() && issuer.back() == '/') {
        issuer.pop_back();
    }
    // `req` lets the link tell, without using itself up, that it was opened in another
    // browser; the host's browser binding decides either way.
    const std::string link = issuer + "/login/" + urlEncode(instance_id_) +
                             "/verify?token=" + token + "&req=" + urlEncode(record.pending_id);
    const std::string project = step.project_name.empty() ? "your account" : step.project_name;
    const std::string lifetime = describeDuration(config_.ttl);

    MailQueue::Job job;
    job.message.to = record.email;
    job.message.subject = config_.subject;
    job.message.text_body = mailText(project, link, lifetime);
    job.message.html_body = mailHtml(config_.subject, project, link, lifetime);
    job.user_id = record.user_id;
    if (!mail_->push(std::move(job))) {
        host_.logger().log(sdk::LogLevel::warning, "magic_link.queue_full",
                           "too many sign-in mails are waiting; this one is dropped",
                           {{"authenticator", instance_id_}});
        (void)host_.storage().pluginData().remove(instance_id_, stored.key);
    }
    return sdk::ok();
}

sdk::Result<sdk::Verdict> MagicLinkAuthenticator::submitImpl(const sdk::LoginStep& step,
                                                             const sdk::Fields& form) {
    if (host_.mailer() == nullptr) {
        return sdk::makeError(sdk::ErrorCode::invalid_config,
                              std::string(kNeedsMail) + " (authenticator " + instance_id_ + ")");
    }
    const std::string email = normalizeEmail(form.get("email"));
    if (email.empty()) {
        return sdk::Verdict::failed(kEnterEmail);
    }
    if (!validEmail(email)) {
        return sdk::Verdict::failed(kInvalidEmail);
    }
    if (step.pending_id.empty()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "magic_link " + instance_id_ +
                                  ": a link was requested outside a sign-in in progress");
    }

    // Both limits count every request, for known and unknown addresses alike, so being
    // limited reveals nothing either.
    for (const auto& [scope, key, limit] :
         {std::tuple{"address", addressKey(step.request.client_address), config_.per_address_limit},
          std::tuple{"email", emailKey(email), config_.per_email_limit}}) {
        auto wait = overLimit(key, limit);
        if (!wait) {
            return wait.error();
        }
        if (*wait > 0) {
            host_.logger().log(sdk::LogLevel::info, "magic_link.rate_limited",
                               "sign-in link request refused by the request limit",
                               {{"authenticator", instance_id_},
                                {"scope", scope},
                                {"client_address", step.request.client_address}});
            return sdk::Verdict::failed("Too many sign-in links were requested. Try again in " +
                                        describeDuration(*wait) + ".");
        }
    }

    std::string account = "existing";
    LinkRecord record;
    record.pending_id = step.pending_id;
    record.email = email;
    auto user = host_.storage().users().findByEmail(email);
    if (user) {
        record.user_id = user->id;
    } else if (user.error().code != sdk::ErrorCode::not_found) {
        return withContext(user.error(), "looking up the account");
    } else {
        account = config_.create_accounts ? "new" : "unknown";
    }
    if (account != "unknown") {
        if (auto sent = sendLink(step, record); !sent) {
            return sent.error();
        }
    }

    std::vector<std::pair<std::string, std::string>> fields = {
        {"authenticator", instance_id_},
        {"account", account},
        {"client_address", step.request.client_address}};
    if (!record.user_id.empty()) {
        fields.emplace_back("user_id", record.user_id);
    }
    host_.logger().log(sdk::LogLevel::info, "magic_link.link_requested", "sign-in link requested",
                       fields);
    audit(step, "signin.link_requested", record.user_id,
          jsonObject(
              {{"authenticator", jsonString(instance_id_)}, {"account", jsonString(account)}}));

    sdk::Verdict verdict;
    verdict.kind = sdk::Verdict::Kind::page;
    verdict.page = checkEmailPage(step, email);
    return verdict;
}

// ---------------------------------------------------------------------------------------------
// callback: the emailed link

sdk::Result<sdk::Verdict> MagicLinkAuthenticator::callback(const sdk::LoginStep& step) {
    return guarded("callback", [&] { return callbackImpl(step); });
}

sdk::Verdict MagicLinkAuthenticator::unusableLink(const sdk::LoginStep& step,
                                                  const std::string& text) const {
    std::string html = "<p class=\"alert\" role=\"alert\">" + sdk::escapeHtml(text) + "</p>\n";
    if (!step.pending_id.empty()) {
        html += "<p><a href=\"" + sdk::escapeHtml(formUrl(step.pending_id)) +
                "\">Request a new link</a></p>\n";
    } else {
        html += "<p class=\"muted\">Go back to the app you were signing in to and start "
                "again.</p>\n";
    }
    sdk::Verdict verdict;
    verdict.kind = sdk::Verdict::Kind::page;
    verdict.message = text;
    verdict.page.status = 400;
    verdict.page.title = "This link cannot be used";
    verdict.page.body_html = std::move(html);
    return verdict;
}

sdk::Result<std::string> MagicLinkAuthenticator::newUserId() {
    unsigned char bytes[16];
    if (!host_.random().fill(bytes, sizeof bytes)) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "magic_link " + instance_id_ + ": the CSPRNG failed");
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0FU) | 0x40U);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (std::size_t i = 0; i < sizeof bytes; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            id += '-';
        }
        id += kHex[bytes[i] >> 4];
        id += kHex[bytes[i] & 0x0FU];
    }
    return id;
}

sdk::Result<std::string> MagicLinkAuthenticator::resolveUser(const sdk::LoginStep& step,
                                                             const LinkRecord& record,
                                                             bool& created) {
    sdk::UserStore& users = host_.storage().users();
    const sdk::UnixTime now = host_.clock().now();
    sdk::User user;
    if (!record.user_id.empty()) {
        auto found = users.get(record.user_id);
        if (!found) {
            if (found.error().code != sdk::ErrorCode::not_found) {
                return withContext(found.error(), "loading the account of a sign-in link");
            }
            host_.logger().log(sdk::LogLevel::info, "magic_link.account_gone",
                               "the account a sign-in link was sent for no longer exists",
                               {{"authenticator", instance_id_}, {"user_id", record.user_id}});
            return std::string();
        }
        // The link went to the address the account had then; if it changed since, the old
        // mailbox must not sign in to the account.
        if (normalizeEmail(found->email) != record.email) {
            host_.logger().log(sdk::LogLevel::warning, "magic_link.email_changed",
                               "a sign-in link was followed after the account's email changed",
                               {{"authenticator", instance_id_}, {"user_id", record.user_id}});
            return std::string();
        }
        user = std::move(found).value();
    } else {
        if (!config_.create_accounts) {
            host_.logger().log(sdk::LogLevel::info, "magic_link.create_disabled",
                               "a link for a new account was followed after create_accounts "
                               "was turned off",
                               {{"authenticator", instance_id_}});
            return std::string();
        }
        auto found = users.findByEmail(record.email);
        if (found) {
            user = std::move(found).value();
        } else if (found.error().code != sdk::ErrorCode::not_found) {
            return withContext(found.error(), "looking up the account of a sign-in link");
        } else {
            auto id = newUserId();
            if (!id) {
                return id.error();
            }
            sdk::User fresh;
            fresh.id = *id;
            fresh.email = record.email;
            fresh.email_verified = true;  // following the link proved the mailbox
            fresh.created_at = now;
            fresh.updated_at = now;
            if (auto stored = users.create(fresh); stored) {
                created = true;
                host_.logger().log(sdk::LogLevel::info, "magic_link.account_created",
                                   "account created on first use of a sign-in link",
                                   {{"authenticator", instance_id_}, {"user_id", fresh.id}});
                audit(step, "user.created", fresh.id,
                      jsonObject({{"authenticator", jsonString(instance_id_)}}));
                return fresh.id;
            } else if (stored.error().code != sdk::ErrorCode::conflict) {
                return withContext(stored.error(), "creating the account of a sign-in link");
            }
            // Another link for the same address was followed at the same moment.
            auto winner = users.findByEmail(record.email);
            if (!winner) {
                return withContext(winner.error(), "looking up the account of a sign-in link");
            }
            user = std::move(winner).value();
        }
    }
    if (!user.email_verified) {
        user.email_verified = true;  // following the link proved the mailbox
        user.updated_at = now;
        if (auto updated = users.update(user); !updated) {
            host_.logger().log(sdk::LogLevel::warning, "magic_link.verify_email_failed",
                               updated.error().message,
                               {{"authenticator", instance_id_}, {"user_id", user.id}});
        }
    }
    return user.id;
}

sdk::Result<sdk::Verdict> MagicLinkAuthenticator::callbackImpl(const sdk::LoginStep& step) {
    if (step.sub_path != "verify") {
        return sdk::makeError(sdk::ErrorCode::unsupported,
                              "magic_link has no page /" + step.sub_path);
    }
    const std::string token = step.request.query.get("token");
    if (!tokenShaped(token)) {
        host_.logger().log(
            sdk::LogLevel::info, "magic_link.link_malformed",
            "a sign-in link without a well-formed token was followed",
            {{"authenticator", instance_id_}, {"client_address", step.request.client_address}});
        return unusableLink(step, kDamaged);
    }
    sdk::PluginDataStore& data = host_.storage().pluginData();
    const std::string key = host_.crypto().sha256Hex(token);
    const sdk::UnixTime now = host_.clock().now();
    auto found = data.get(instance_id_, key, now);
    if (!found) {
        if (!gone(found.error())) {
            return withContext(found.error(), "reading a sign-in link");
        }
        host_.logger().log(
            sdk::LogLevel::info, "magic_link.link_unusable",
            "an expired, used or unknown sign-in link was followed",
            {{"authenticator", instance_id_}, {"client_address", step.request.client_address}});
        return unusableLink(step, kExpiredOrUsed);
    }
    auto record = decodeLinkRecord(found->value);
    if (!record) {
        host_.logger().log(sdk::LogLevel::error, "magic_link.record_invalid",
                           "a stored sign-in link record cannot be read",
                           {{"authenticator", instance_id_}});
        return sdk::makeError(sdk::ErrorCode::internal, "magic_link " + instance_id_ +
                                                            ": a stored link record is unreadable");
    }

    // The link names its pending authorization, and this browser does not hold it: leave the
    // link unused for the browser that asked for it, and let the host say why.
    const std::string named = step.request.query.get("req");
    if (!named.empty() && named == record->pending_id && step.pending_id != record->pending_id) {
        host_.logger().log(
            sdk::LogLevel::info, "magic_link.other_browser",
            "a sign-in link was opened outside the browser that asked for it",
            {{"authenticator", instance_id_}, {"client_address", step.request.client_address}});
        sdk::Verdict verdict = sdk::Verdict::failed(kOtherBrowser);
        verdict.pending_id = record->pending_id;
        return verdict;
    }

    // Single use: of every concurrent follower of this link exactly one takes it.
    auto taken = data.take(instance_id_, key, now);
    if (!taken) {
        if (!gone(taken.error())) {
            return withContext(taken.error(), "using a sign-in link");
        }
        host_.logger().log(
            sdk::LogLevel::info, "magic_link.link_unusable",
            "a sign-in link was used by another request first",
            {{"authenticator", instance_id_}, {"client_address", step.request.client_address}});
        return unusableLink(step, kExpiredOrUsed);
    }

    bool created = false;
    auto user_id = resolveUser(step, *record, created);
    if (!user_id) {
        return user_id.error();
    }
    if (user_id->empty()) {
        return unusableLink(step, kExpiredOrUsed);
    }
    sdk::Verdict verdict = sdk::Verdict::succeeded(*user_id, kAmr);
    verdict.pending_id = record->pending_id;
    verdict.audit_detail = jsonObject({{"authenticator", jsonString(instance_id_)},
                                       {"account_created", created ? "true" : "false"}});
    return verdict;
}

// ---------------------------------------------------------------------------------------------
// administration

sdk::Result<std::vector<std::string>> MagicLinkAuthenticator::lockoutKeys(const sdk::User& user) {
    return guarded("lockoutKeys", [&]() -> sdk::Result<std::vector<std::string>> {
        return std::vector<std::string>{emailKey(normalizeEmail(user.email))};
    });
}

}  // namespace authd::plugins::magic_link
