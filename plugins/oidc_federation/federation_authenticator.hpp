// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/config.hpp"
#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

#include "federation_config.hpp"
#include "jose.hpp"

namespace authd::plugins::oidc_federation {

/// The parts of the upstream's discovery document this plugin uses.
struct ProviderMetadata {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
    std::string userinfo_endpoint;  ///< may be empty
};

/// What a validated ID token (and, when it lacks them, the userinfo response) says about
/// the upstream user.
struct UpstreamIdentity {
    std::string issuer;
    std::string subject;
    std::string email;  ///< as the upstream wrote it (lower-cased when stored)
    bool email_verified = false;
    std::string name;
    std::string picture;
    std::vector<std::string> amr;  ///< the upstream's own amr, for the audit trail only
};

/// "Sign in with <upstream>": the OpenID Connect authorization code flow with PKCE (S256)
/// against one upstream provider found through discovery. submit() stores state, nonce, PKCE
/// verifier and the pending authorization (single use, 10 minutes) in the plugin data store
/// and redirects to the upstream; callback() takes that record, redeems the code, validates
/// the ID token (signature by the upstream's JWKS or the client secret, iss, aud, azp, exp,
/// nbf, iat, nonce, at_hash) and links or creates the local account.
/// Threading: the config is immutable; the discovery and JWKS caches sit behind a mutex and
/// are replaced, never mutated, so every method may run concurrently.
/// Errors: upstream and token problems are failure verdicts with a message for the user (and
/// a log line with the reason); store failures are Result errors.
class FederationAuthenticator final : public sdk::Authenticator {
  public:
    static sdk::Result<sdk::AuthenticatorPtr> create(const sdk::InstanceSpec& spec,
                                                     sdk::HostContext& host);

    std::string displayName() const override;
    sdk::Result<sdk::Page> render(const sdk::LoginStep& step) override;
    sdk::Result<sdk::Verdict> submit(const sdk::LoginStep& step, const sdk::Fields& form) override;
    sdk::Result<sdk::Verdict> callback(const sdk::LoginStep& step) override;

    /// `{issuer}/login/{id}/callback`: the redirect URI to register at the upstream.
    std::string redirectUri() const;
    /// The credential kind (the instance id) and subject (`iss|sub`) of a linked account.
    std::string credentialSubject(const std::string& issuer, const std::string& subject) const;

  private:
    struct Cached;
    /// The outcome of validating an ID token: the identity or the reason it was refused.
    struct Validation {
        std::optional<UpstreamIdentity> identity;
        std::string reason;
    };

    FederationAuthenticator(std::string instance_id, FederationConfig config,
                            sdk::HostContext& host);

    sdk::Result<sdk::Page> renderImpl(const sdk::LoginStep& step) const;
    sdk::Result<sdk::Verdict> submitImpl(const sdk::LoginStep& step);
    sdk::Result<sdk::Verdict> callbackImpl(const sdk::LoginStep& step);

    sdk::Result<ProviderMetadata> metadata();
    /// The upstream's keys; `refresh` bypasses the cache (an unknown kid: key rollover).
    /// `fetched` (optional) tells whether they were fetched just now.
    sdk::Result<std::shared_ptr<const std::vector<PublicKey>>>
    keys(const ProviderMetadata& provider, bool refresh, bool* fetched = nullptr);
    sdk::Result<std::string> fetch(const std::string& url, const std::string& what);
    sdk::Result<Validation> validateIdToken(const std::string& id_token,
                                            const ProviderMetadata& provider,
                                            const std::string& nonce,
                                            const std::string& access_token);
    void addUserinfo(UpstreamIdentity& identity, const ProviderMetadata& provider,
                     const std::string& access_token);
    sdk::Result<sdk::Verdict> signIn(const sdk::LoginStep& step, const UpstreamIdentity& identity,
                                     const std::string& pending_id);

    sdk::Verdict failure(const std::string& message, const std::string& pending_id) const;
    void audit(const sdk::LoginStep& step, const std::string& type, const std::string& user_id,
               const std::string& detail);
    sdk::Result<std::string> newUserId();

    const std::string instance_id_;
    const FederationConfig config_;
    sdk::HostContext& host_;
    std::mutex mutex_;
    std::shared_ptr<const Cached> metadata_cache_;
    std::shared_ptr<const Cached> keys_cache_;
};

}  // namespace authd::plugins::oidc_federation
