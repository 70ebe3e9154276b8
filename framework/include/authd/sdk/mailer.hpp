// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "authd/sdk/result.hpp"

namespace authd::sdk {

/// One email. The host renders both bodies in the product's look; `from` defaults to the
/// mailer's configured sender when empty.
struct MailMessage {
    std::string to;
    std::string from;
    std::string subject;
    std::string text_body;
    std::string html_body;
};

/// Sends mail. Threading: called concurrently; implementations must be thread-safe.
/// Errors: unavailable when the server cannot be reached after the configured retries.
class Mailer {
public:
    virtual ~Mailer() = default;
    virtual Result<void> send(const MailMessage& message) = 0;
};

using MailerPtr = std::unique_ptr<Mailer>;

}  // namespace authd::sdk
