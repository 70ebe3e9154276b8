// SPDX-License-Identifier: Apache-2.0
#include "app/demo.hpp"

#include "app/project_secrets.hpp"
#include "crypto/random.hpp"

namespace authd::app {
namespace {

sdk::Error csprngFailed() {
    return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
}

sdk::Result<sdk::Project> makeProject(const crypto::SecretBox& box, sdk::UnixTime now,
                                      DemoCredentials& demo) {
    sdk::Project project;
    project.client_id = kDemoClientId;
    project.name = "Demo app";
    project.description = "Created by authd serve --demo";
    project.client_type = "confidential";
    project.redirect_uris = {"http://127.0.0.1:3000/api/auth/callback",
                             "http://localhost:3000/api/auth/callback"};
    project.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
    project.scopes = {"openid", "profile", "email", "offline_access"};
    project.created_at = now;
    project.updated_at = now;
    demo.client_secret = crypto::randomHex(32);
    demo.signing_key = crypto::randomHex(32);
    if (demo.client_secret.empty() || demo.signing_key.empty()) {
        return csprngFailed();
    }
    auto secret = box.seal(demo.client_secret, clientSecretAad(project.client_id));
    if (!secret) {
        return std::move(secret).error();
    }
    auto key = box.seal(demo.signing_key, signingKeyAad(project.client_id));
    if (!key) {
        return std::move(key).error();
    }
    project.client_secret_enc = std::move(*secret);
    project.signing_key_enc = std::move(*key);
    return project;
}

sdk::Result<void> ensureProject(sdk::Storage& storage, const crypto::SecretBox& box,
                                sdk::UnixTime now, DemoCredentials& demo) {
    demo.client_id = kDemoClientId;
    auto existing = storage.projects().get(kDemoClientId);
    if (existing) {
        auto secret = box.open(existing->client_secret_enc, clientSecretAad(kDemoClientId));
        auto key = box.open(existing->signing_key_enc, signingKeyAad(kDemoClientId));
        if (secret && key) {
            demo.client_secret = std::move(*secret);
            demo.signing_key = std::move(*key);
            return sdk::ok();
        }
        // Sealed under another master key: replace the secrets, keep the rest of the project.
        auto fresh = makeProject(box, now, demo);
        if (!fresh) {
            return std::move(fresh).error();
        }
        existing->client_secret_enc = fresh->client_secret_enc;
        existing->signing_key_enc = fresh->signing_key_enc;
        existing->updated_at = now;
        return storage.projects().update(*existing);
    }
    if (existing.error().code != sdk::ErrorCode::not_found) {
        return std::move(existing).error();
    }
    auto project = makeProject(box, now, demo);
    if (!project) {
        return std::move(project).error();
    }
    demo.project_created = true;
    return storage.projects().create(*project);
}

sdk::Result<void> ensureUser(sdk::Storage& storage, const crypto::PasswordHasher& hasher,
                             sdk::UnixTime now, DemoCredentials& demo) {
    demo.email = kDemoEmail;
    std::string user_id;
    auto existing = storage.users().findByEmail(kDemoEmail);
    if (existing) {
        user_id = existing->id;
    } else if (existing.error().code == sdk::ErrorCode::not_found) {
        sdk::User user;
        user.id = crypto::uuidV4();
        if (user.id.empty()) {
            return csprngFailed();
        }
        user.email = kDemoEmail;
        user.email_verified = true;
        user.name = "Demo User";
        user.role = "user";
        user.status = "active";
        user.created_at = now;
        user.updated_at = now;
        if (auto created = storage.users().create(user); !created) {
            return std::move(created).error();
        }
        user_id = user.id;
    } else {
        return std::move(existing).error();
    }
    // 18 random bytes = 24 base64url characters: typeable and far beyond guessing.
    demo.password = crypto::randomToken(18);
    if (demo.password.empty()) {
        return csprngFailed();
    }
    auto hash = hasher.hash(demo.password);
    if (!hash) {
        return std::move(hash).error();
    }
    sdk::Credential credential;
    credential.user_id = user_id;
    credential.kind = "password";
    credential.secret_hash = std::move(*hash);
    credential.created_at = now;
    credential.updated_at = now;
    return storage.credentials().put(credential);
}

} // namespace

sdk::Result<DemoCredentials> ensureDemo(sdk::Storage& storage, const crypto::SecretBox& box,
                                        const crypto::PasswordHasher& hasher, sdk::UnixTime now) {
    DemoCredentials demo;
    if (auto project = ensureProject(storage, box, now, demo); !project) {
        return std::move(project).error();
    }
    if (auto user = ensureUser(storage, hasher, now, demo); !user) {
        return std::move(user).error();
    }
    return demo;
}

void printDemo(std::ostream& out, const DemoCredentials& demo, const std::string& issuer) {
    out << "\n"
        << "==================== authd demo ====================\n"
        << "  issuer         " << issuer << "\n"
        << "  discovery      " << issuer << "/.well-known/openid-configuration\n"
        << "  client_id      " << demo.client_id << "\n"
        << "  client_secret  " << demo.client_secret << "\n"
        << "  signing_key    " << demo.signing_key << "\n"
        << "  redirect URIs  http://127.0.0.1:3000/api/auth/callback\n"
        << "                 http://localhost:3000/api/auth/callback\n"
        << "  user           " << demo.email << "\n"
        << "  password       " << demo.password << "   (new on every --demo start)\n"
        << "  Development only: these secrets are printed because of --demo.\n"
        << "=====================================================\n"
        << std::endl;
}

} // namespace authd::app
