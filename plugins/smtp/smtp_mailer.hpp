// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <Poco/Net/Context.h>

#include "authd/sdk/host.hpp"
#include "authd/sdk/mailer.hpp"

#include "smtp_config.hpp"

namespace authd::plugins::smtp {

/// Delivers mail to one SMTP server through Poco's SMTPClientSession: a fresh connection per
/// message (connect with a timeout, EHLO, STARTTLS or implicit TLS per config, AUTH, MAIL,
/// RCPT, DATA, QUIT). Network failures and 4xx replies are retried `retries` times,
/// `retry_delay` apart; 5xx replies and certificate failures are not.
/// Threading: send() may be called concurrently; each call has its own connection and the
/// shared state (config, TLS context) is immutable. Errors: invalid_argument for a message
/// that cannot be sent safely (header injection, bad address) or a recipient the server
/// refuses; unavailable when the server cannot be reached, refuses the sender or the
/// credentials, or fails the TLS checks. Messages name host:port, never a credential.
class SmtpMailer final : public sdk::Mailer {
  public:
    /// Errors: invalid_config when the TLS context cannot be built (an unreadable ca_file).
    static sdk::Result<sdk::MailerPtr> create(SmtpConfig config, sdk::HostContext& host);

    sdk::Result<void> send(const sdk::MailMessage& message) override;

    /// One delivery attempt's outcome, for the retry loop.
    struct Attempt {
        bool delivered = false;
        bool retryable = false;
        sdk::Error error;
    };

  private:
    SmtpMailer(SmtpConfig config, Poco::Net::Context::Ptr context, sdk::HostContext& host);

    Attempt attempt(const std::string& from, const std::string& to, const std::string& data);
    std::string endpoint() const;
    /// The text with every form of the password the dialogue could carry cut out.
    std::string scrub(std::string text) const;

    const SmtpConfig config_;
    const Poco::Net::Context::Ptr context_;  // null for tls: none
    sdk::HostContext& host_;
};

}  // namespace authd::plugins::smtp
