// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "authd/sdk/storage.hpp"
#include "crypto/secret_box.hpp"
#include "http/request.hpp"
#include "oauth/errors.hpp"
#include "tokens/jws.hpp"

namespace authd::oauth {

/// A project with its secrets opened. Immutable once built; shared between threads.
struct ClientInfo {
    sdk::Project project;
    std::string client_secret;         ///< empty for public clients
    std::string signing_key;           ///< HS256 key of access tokens (64 hex chars, as ASCII)
    std::string previous_signing_key;  ///< still verifies until previous_signing_key_until
    /// The HMAC keys built once per load (an HMAC key's setup is most of the cost of one MAC):
    /// signing_key (signs and verifies HS256 access tokens), previous_signing_key (verifies
    /// only, while previous_signing_key_until is in the future) and client_secret (HS256 ID
    /// tokens). Absent when the secret is absent or shorter than HS256 allows.
    std::optional<tokens::Key> access_key;
    std::optional<tokens::Key> previous_access_key;
    std::optional<tokens::Key> secret_key;
    bool isPublic() const { return project.client_type == "public"; }
    bool allowsGrant(std::string_view grant) const;
};
using ClientPtr = std::shared_ptr<const ClientInfo>;

/// How the client authenticated at the token, revocation or introspection endpoint.
enum class ClientAuthMethod : std::uint8_t { client_secret_basic, client_secret_post, none };

struct AuthenticatedClient {
    ClientPtr client;
    ClientAuthMethod method = ClientAuthMethod::none;
};

/// Projects by client_id, with their secrets decrypted, cached for `ttl` so that hot
/// endpoints do not hit the store and AES-GCM on every request. The cache bounds how long
/// another node's change (a rotated secret, an edited allowlist) takes to be seen here;
/// changes made through this node call invalidate() and are seen at once.
/// Threading: thread-safe.
class ClientRegistry {
public:
    ClientRegistry(sdk::ProjectStore& projects, const crypto::SecretBox& box,
                   std::chrono::milliseconds ttl = std::chrono::milliseconds(1000));

    /// not_found for an unknown client_id; internal when a secret does not open.
    sdk::Result<ClientPtr> find(const std::string& client_id);
    void invalidate(const std::string& client_id);

    /// Client authentication for the token, revocation and introspection endpoints:
    /// client_secret_basic (RFC 6749 2.3.1, form-decoded id and secret), client_secret_post
    /// (`client_id` + `client_secret` in `params`), or none (public client, `client_id` only).
    /// `params` are the body fields (form or JSON). Errors: invalid_client (unknown client,
    /// wrong secret, a confidential client without a secret), invalid_request (two methods at
    /// once, a malformed Authorization header). Secrets are compared in constant time.
    std::variant<AuthenticatedClient, OAuthError> authenticate(const http::Request& request,
                                                               const sdk::Fields& params);

private:
    struct Entry {
        ClientPtr client;
        std::chrono::steady_clock::time_point loaded;
    };
    sdk::ProjectStore& projects_;
    const crypto::SecretBox& box_;
    std::chrono::milliseconds ttl_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> cache_;
};

}  // namespace authd::oauth
