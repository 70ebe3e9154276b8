// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/host.hpp"

namespace hello {

/// Sign-in with an email address and a shared invite code: the smallest authenticator that
/// does real work. The user must already exist in the store; the code is the same for everyone
/// and comes from the config as a secret (`code_env` / `code_file`).
/// Threading: no mutable state after construction; everything else goes through the host,
/// whose services are thread-safe.
class HelloAuthenticator final : public authd::sdk::Authenticator {
public:
    /// @param code the invite code (already checked to be long enough)
    HelloAuthenticator(std::string instance_id, std::string display_name, std::string code,
                       authd::sdk::HostContext& host);
    ~HelloAuthenticator() override;
    HelloAuthenticator(const HelloAuthenticator&) = delete;
    HelloAuthenticator& operator=(const HelloAuthenticator&) = delete;

    std::string displayName() const override { return display_name_; }
    authd::sdk::Result<authd::sdk::Page> render(const authd::sdk::LoginStep& step) override;
    authd::sdk::Result<authd::sdk::Verdict> submit(const authd::sdk::LoginStep& step,
                                                   const authd::sdk::Fields& form) override;
    /// The account key of the user's email: the host resets it to lift the lockout.
    authd::sdk::Result<std::vector<std::string>> lockoutKeys(const authd::sdk::User& user) override;

    /// Failures that cost nothing before delays start, and when an account key locks.
    static authd::sdk::ThrottlePolicy throttlePolicy();
    /// The shortest invite code the factory accepts: shorter ones are too easy to guess.
    static constexpr std::size_t kMinCodeLength = 8;

private:
    std::string accountKey(const std::string& email);
    std::string addressKey(const std::string& address) const;

    std::string instance_id_;
    std::string display_name_;
    std::string code_;
    authd::sdk::HostContext& host_;
};

}  // namespace hello
