// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

#include "authd/sdk/host.hpp"
#include "authd/sdk/mailer.hpp"

namespace authd::plugins::outbox {

/// Writes each message as one RFC 5322 file `<UTC timestamp>-<random>.eml` in a folder (for
/// development and tests: nothing leaves the machine). Files are written under a hidden
/// temporary name, flushed to disk and renamed, so a reader never sees half a message; they
/// are created 0600 because sign-in mails carry secrets.
/// Threading: send() may be called concurrently; each call writes its own file.
/// Errors: invalid_argument for a message that cannot be written safely (header injection,
/// bad address, invalid UTF-8, no body); unavailable when the folder cannot be written.
class OutboxMailer final : public sdk::Mailer {
public:
    /// @param dir absolute folder (created on demand); @param from default sender
    OutboxMailer(std::filesystem::path dir, std::string from, sdk::HostContext& host);

    sdk::Result<void> send(const sdk::MailMessage& message) override;

private:
    sdk::Result<void> writeAtomically(const std::string& name, const std::string& content);

    std::filesystem::path dir_;
    std::string from_;
    sdk::HostContext& host_;
};

}  // namespace authd::plugins::outbox
