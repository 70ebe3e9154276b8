// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

#include "password_config.hpp"

namespace authd::plugins::password {

/// Email + password sign-in. Hashing is Argon2id through host.crypto(); failures are
/// throttled per account and per client address through host.rateLimiter(); an unknown email
/// costs the same work and gets the same answer as a wrong password.
/// Threading: immutable after construction, so every method may run concurrently.
/// Errors: never throws; infrastructure failures are Result errors.
/// The Argon2id hash of a random secret that an unknown account is verified against. At the
/// configured cost it takes as long as a sign-in (160 ms and 64 MiB here), and hashing it while
/// the server starts slowed start-up by a third (page faults of the 64 MiB against the start-up's
/// own mappings), so a background thread makes it once `delay` has passed, unless a caller of
/// get() needs it sooner and makes it then.
/// Threading: get() may be called from any thread; the destructor stops the background thread.
class DummyHash {
public:
    DummyHash(sdk::HostContext& host, std::string secret, std::chrono::milliseconds delay);
    ~DummyHash();
    DummyHash(const DummyHash&) = delete;
    DummyHash& operator=(const DummyHash&) = delete;

    /// The PHC string, or the hashing error; computed on the first call (or before).
    const sdk::Result<std::string>& get();

private:
    sdk::HostContext& host_;
    const std::string secret_;
    std::once_flag once_;
    std::optional<sdk::Result<std::string>> value_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread worker_;
};

class PasswordAuthenticator final : public sdk::Authenticator {
public:
    /// Builds an instance: parses the config and starts the dummy hash used for unknown
    /// accounts (see DummyHash). Errors: invalid_config, or a CSPRNG failure.
    static sdk::Result<sdk::AuthenticatorPtr> create(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host);

    std::string displayName() const override;
    sdk::Result<sdk::Page> render(const sdk::LoginStep& step) override;
    sdk::Result<sdk::Verdict> submit(const sdk::LoginStep& step, const sdk::Fields& form) override;
    /// The password's length rules (characters, not bytes; valid UTF-8), then its Argon2id hash
    /// as Credential{kind = <id>}. Resets nothing: an account lock stays until it ends or an
    /// administrator lifts it. Errors: invalid_argument (rule broken), hashing errors.
    sdk::Result<sdk::NewCredential> makeCredential(const sdk::User& user,
                                                   const std::string& secret) override;
    /// The account key of the user's email (address keys are nobody's to lift).
    sdk::Result<std::vector<std::string>> lockoutKeys(const sdk::User& user) override;

    /// The rate-limiter keys, exposed so that tests and operators can find them.
    std::string accountKey(const std::string& normalized_email) const;
    std::string addressKey(const std::string& client_address) const;

private:
    PasswordAuthenticator(std::string instance_id, PasswordConfig config, sdk::HostContext& host,
                          std::unique_ptr<DummyHash> dummy_hash);

    sdk::Result<sdk::Page> renderImpl(const sdk::LoginStep& step) const;
    sdk::Result<sdk::Verdict> submitImpl(const sdk::LoginStep& step, const sdk::Fields& form);
    sdk::Result<sdk::NewCredential> makeCredentialImpl(const std::string& secret);

    struct Throttle {
        std::string message;  ///< shown when either key holds attempts back, else ""
        bool account_failures = false;  ///< the account key has failures to forget on success
    };
    sdk::Result<Throttle> throttle(const std::string& account_key, const std::string& address_key);
    void audit(const sdk::LoginStep& step, const std::string& type, const std::string& user_id,
               const std::string& detail);

    const std::string instance_id_;
    const PasswordConfig config_;
    sdk::HostContext& host_;
    /// Verified against when the account or its credential does not exist, so that the
    /// response takes as long as for a real account.
    const std::unique_ptr<DummyHash> dummy_hash_;
};

}  // namespace authd::plugins::password
