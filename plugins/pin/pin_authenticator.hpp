// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

#include "pin_config.hpp"

namespace authd::plugins::pin {

/// Email + numeric PIN sign-in. PINs are hashed with Argon2id through host.crypto(); after
/// `max_attempts` consecutive failures the account is locked (counters in the shared store,
/// so the lock holds across nodes) until `lockout` has passed or an administrator lifts it.
/// An unknown email costs the same work and gets the same answers as a wrong PIN.
/// Threading: immutable after construction, so every method may run concurrently.
/// Errors: never throws; infrastructure failures are Result errors.
class PinAuthenticator final : public sdk::Authenticator {
public:
    /// Builds an instance: parses the config and computes the dummy hash used for unknown
    /// accounts. Errors: invalid_config, or whatever hashing reports.
    static sdk::Result<sdk::AuthenticatorPtr> create(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host);

    std::string displayName() const override;
    sdk::Result<sdk::Page> render(const sdk::LoginStep& step) override;
    sdk::Result<sdk::Verdict> submit(const sdk::LoginStep& step, const sdk::Fields& form) override;
    /// A PIN credential: exactly `digits` ASCII digits, not one repeated digit, not a run of
    /// consecutive digits, hashed with Argon2id as Credential{kind = <id>}. Storing it also
    /// resets the account's lockout key, since that counted guesses at the old PIN.
    /// Errors: invalid_argument (rule broken), hashing errors.
    sdk::Result<sdk::NewCredential> makeCredential(const sdk::User& user,
                                                   const std::string& secret) override;
    /// The account key of the user's email (address keys are nobody's to lift).
    sdk::Result<std::vector<std::string>> lockoutKeys(const sdk::User& user) override;

    /// The rate-limiter keys, exposed so that tests and operators can find them.
    std::string accountKey(const std::string& normalized_email) const;
    std::string addressKey(const std::string& client_address) const;

private:
    PinAuthenticator(std::string instance_id, PinConfig config, sdk::HostContext& host,
                     std::string dummy_hash);

    sdk::Result<sdk::Page> renderImpl(const sdk::LoginStep& step) const;
    sdk::Result<sdk::Verdict> submitImpl(const sdk::LoginStep& step, const sdk::Fields& form);
    sdk::Result<sdk::NewCredential> makeCredentialImpl(const sdk::User& user,
                                                       const std::string& secret);

    /// The message to show when either key is locked, else "".
    sdk::Result<std::string> lockedMessage(const std::string& account_key,
                                           const std::string& address_key);
    void audit(const sdk::LoginStep& step, const std::string& type, const std::string& user_id,
               const std::string& detail);

    const std::string instance_id_;
    const PinConfig config_;
    sdk::HostContext& host_;
    /// An Argon2id hash of a random secret, verified against when the account or its PIN does
    /// not exist, so that the response takes as long as for a real account.
    const std::string dummy_hash_;
};

}  // namespace authd::plugins::pin
