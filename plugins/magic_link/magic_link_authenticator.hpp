// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

#include "link_record.hpp"
#include "magic_link_config.hpp"
#include "mail_queue.hpp"

namespace authd::plugins::magic_link {

/// Sign-in with a single-use link sent by email. The link carries a 256-bit random token; the
/// store keeps only its SHA-256, with the pending authorization it completes and a `ttl`
/// expiry. Following it (GET /login/<id>/verify) takes the record atomically, so a link works
/// once, and only in the browser that asked for it (the host checks the pending
/// authorization's browser binding). A request for a link answers the same way whether or
/// not the address has an account.
/// Threading: the only mutable state is the mail queue, which is thread-safe.
/// Errors: never throws; infrastructure failures are Result errors.
class MagicLinkAuthenticator final : public sdk::Authenticator {
public:
    /// Builds an instance. Errors: invalid_config (bad config, or no mailer configured),
    /// internal (the mail threads cannot start).
    static sdk::Result<sdk::AuthenticatorPtr> create(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host);

    std::string displayName() const override;
    sdk::Result<sdk::Page> render(const sdk::LoginStep& step) override;
    /// The request form: answers "check your email" (a page verdict) for every valid address,
    /// and a failure verdict for an invalid address or while rate-limited.
    sdk::Result<sdk::Verdict> submit(const sdk::LoginStep& step, const sdk::Fields& form) override;
    /// GET /login/<id>/verify?token=...[&req=...]: the emailed link.
    sdk::Result<sdk::Verdict> callback(const sdk::LoginStep& step) override;
    /// The per-email request limit key of the user's address.
    sdk::Result<std::vector<std::string>> lockoutKeys(const sdk::User& user) override;

    /// The counter keys of the request limits, exposed so that tests and operators can find them.
    std::string emailKey(const std::string& normalized_email) const;
    std::string addressKey(const std::string& client_address) const;

private:
    MagicLinkAuthenticator(std::string instance_id, MagicLinkConfig config, sdk::HostContext& host);

    sdk::Result<sdk::Page> renderImpl(const sdk::LoginStep& step) const;
    sdk::Result<sdk::Verdict> submitImpl(const sdk::LoginStep& step, const sdk::Fields& form);
    sdk::Result<sdk::Verdict> callbackImpl(const sdk::LoginStep& step);

    /// Counts one request against `key`; the seconds until the window ends when over `limit`,
    /// else 0.
    sdk::Result<sdk::Seconds> overLimit(const std::string& key, std::int64_t limit);
    /// Stores the link's record and queues its mail.
    sdk::Result<void> sendLink(const sdk::LoginStep& step, const LinkRecord& record);
    /// The account a taken record signs in: the existing one (its email unchanged), or a new
    /// one when create_accounts allows. Empty when the link must be refused.
    sdk::Result<std::string> resolveUser(const sdk::LoginStep& step, const LinkRecord& record,
                                         bool& created);
    sdk::Result<std::string> newUserId();
    sdk::Page checkEmailPage(const sdk::LoginStep& step, const std::string& email) const;
    sdk::Verdict unusableLink(const sdk::LoginStep& step, const std::string& text) const;
    std::string formUrl(const std::string& pending_id) const;
    void audit(const sdk::LoginStep& step, const std::string& type, const std::string& user_id,
               const std::string& detail);

    const std::string instance_id_;
    const MagicLinkConfig config_;
    sdk::HostContext& host_;
    std::unique_ptr<MailQueue> mail_;
};

}  // namespace authd::plugins::magic_link
