// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ostream>
#include <string>

#include "authd/sdk/storage.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/secret_box.hpp"

namespace authd::app {

inline constexpr const char* kDemoClientId = "proj_demo";
inline constexpr const char* kDemoEmail = "demo@example.com";

/// What `authd serve --demo` prints: the only place authd ever prints secrets.
struct DemoCredentials {
    std::string client_id;
    std::string client_secret;
    std::string signing_key;
    std::string email;
    std::string password;
    bool project_created = false;
};

/// Makes sure the demo project and user exist (README's first command):
/// - project `proj_demo` ("Demo app", confidential, redirect URIs
///   http://127.0.0.1:3000/api/auth/callback and http://localhost:3000/api/auth/callback,
///   grants authorization_code refresh_token client_credentials, scopes openid profile email
///   offline_access), with client_secret and signing_key = 64 random hex characters each,
///   stored sealed (SecretBox, AAD from project_secrets.hpp). An existing project keeps its
///   secrets, so apps configured earlier keep working; if they no longer open (another master
///   key) they are replaced.
/// - user demo@example.com (role user, active, email verified) whose `password` credential is
///   set to a fresh random password on every call.
/// Errors: the store's, or internal when the CSPRNG or hashing fails.
sdk::Result<DemoCredentials> ensureDemo(sdk::Storage& storage, const crypto::SecretBox& box,
                                        const crypto::PasswordHasher& hasher, sdk::UnixTime now);

/// The block printed to stdout after start-up.
void printDemo(std::ostream& out, const DemoCredentials& demo, const std::string& issuer);

} // namespace authd::app
