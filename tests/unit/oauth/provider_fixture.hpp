// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/host_context.hpp"
#include "app/project_secrets.hpp"
#include "app/server.hpp"
#include "config/authd_config.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/secret_box.hpp"
#include "http/form.hpp"
#include "http/router.hpp"
#include "json/json.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/clients.hpp"
#include "oauth/issuer.hpp"
#include "oauth/provider.hpp"
#include "oauth/state_cache.hpp"
#include "support/fake_host.hpp"
#include "support/memory_storage.hpp"
#include "tokens/key_ring.hpp"

namespace authd::oauth::test {

/// The provider's pieces over an in-memory store, wired like Provider::create does, with the
/// back-channel endpoints on a router that tests dispatch to directly (no sockets).
/// Times are the real clock's (the host context's), so tests build codes and tokens around
/// ctx.now().
struct ProviderFixture {
    static config::AuthdConfig testConfig() {
        config::AuthdConfig config;
        config.server.issuer = "https://idp.test";
        return config;
    }
    static sdk::HostInfo hostInfo() {
        sdk::HostInfo info;
        info.issuer = "https://idp.test";
        return info;
    }

    config::AuthdConfig config = testConfig();
    authd::test::RecordingLogger logger;
    app::HostContext host{hostInfo(), logger, crypto::Argon2Params{1, 8, 1}};
    authd::test::MemoryStorage store;
    crypto::SecretBox box = crypto::SecretBox::fromKey(std::string(32, '\x5a')).value();
    tokens::KeyRing keys{store.keys(), box};
    // Long-lived, like production's snapshots (tests that change a project invalidate it), so
    // that the verified-token cache, which follows the snapshot, is exercised too.
    ClientRegistry clients{store.projects(), box, std::chrono::seconds(3600)};
    AuditLog audit{store, logger};
    StateCache state{store, std::chrono::milliseconds(0)};
    std::vector<app::AuthenticatorInstance> authenticators;
    TokenIssuer issuer{context};
    ProviderContext context{config,
                            store,
                            host,
                            box,
                            keys,
                            clients,
                            issuer,
                            authenticators,
                            "https://idp.test",
                            box.deriveKey("authd refresh successor v1"),
                            box.deriveKey("authd csrf v1"),
                            true,
                            &audit,
                            &state};
    http::Router router;

    ProviderFixture() {
        host.setStorage(&store);
        // Generating an RSA key takes long in a debug build: every fixture gets copies of the
        // same three keys (sealed under the same test master key).
        for (const sdk::SigningKey& record : sharedSigningKeys(box)) {
            (void)store.keys().add(record).value();
        }
        (void)keys.reload().value();
        addDiscoveryRoutes(router, context);
        addTokenRoutes(router, context);
        addResourceRoutes(router, context);
        router.freeze();
    }

    static const std::vector<sdk::SigningKey>& sharedSigningKeys(const crypto::SecretBox& box) {
        static const std::vector<sdk::SigningKey> records = [&box] {
            authd::test::MemoryStorage scratch;
            tokens::KeyRing ring(scratch.keys(), box);
            for (const tokens::Alg alg :
                 {tokens::Alg::rs256, tokens::Alg::es256, tokens::Alg::eddsa}) {
                (void)ring.ensureKey(alg, 1'600'000'000).value();
            }
            return scratch.keys().list().value();
        }();
        return records;
    }

    struct Secrets {
        std::string client_id;
        std::string client_secret;
        std::string signing_key;
    };

    /// Stores a project with fresh secrets; `edit` adjusts it before it is stored.
    template <typename Edit>
    Secrets addProject(const std::string& client_id, const std::string& client_type, Edit edit) {
        sdk::Project project;
        project.client_id = client_id;
        project.name = client_id;
        project.client_type = client_type;
        project.redirect_uris = {"https://app.test/cb"};
        project.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
        if (client_type == "public") {
            project.grant_types = {"authorization_code", "refresh_token"};
        }
        project.scopes = {"openid", "profile", "email", "offline_access", "api.read"};
        Secrets secrets{client_id, client_type == "public" ? "" : crypto::randomHex(32),
                        crypto::randomHex(32)};
        edit(project, secrets);
        if (!secrets.client_secret.empty()) {
            project.client_secret_enc =
                box.seal(secrets.client_secret, app::clientSecretAad(client_id)).value();
        }
        project.signing_key_enc = box.seal(secrets.signing_key, app::signingKeyAad(client_id)).value();
        (void)store.projects().create(project).value();
        clients.invalidate(client_id);
        return secrets;
    }
    Secrets addProject(const std::string& client_id, const std::string& client_type = "confidential") {
        return addProject(client_id, client_type, [](sdk::Project&, Secrets&) {});
    }

    sdk::User addUser(const std::string& email, const std::string& status = "active") {
        sdk::User user;
        user.id = crypto::uuidV4();
        user.email = email;
        user.email_verified = true;
        user.name = "Jane Doe";
        user.status = status;
        user.created_at = context.now();
        (void)store.users().create(user).value();
        return user;
    }

    /// Stores an authorization code for `user` and returns the code itself.
    std::string addCode(const std::string& client_id, const std::string& user_id,
                        const std::string& challenge = {},
                        std::vector<std::string> amr = {"pwd"}, sdk::Seconds ttl = 60,
                        const std::string& scope = "openid profile email") {
        const std::string code = crypto::randomToken(32);
        sdk::AuthorizationCode record;
        record.code_hash = crypto::sha256Hex(code);
        record.client_id = client_id;
        record.user_id = user_id;
        record.redirect_uri = "https://app.test/cb";
        record.scope = scope;
        record.nonce = "n-0S6_WzA2Mj";
        record.code_challenge = challenge;
        record.code_challenge_method = challenge.empty() ? "" : "S256";
        record.amr = std::move(amr);
        record.auth_time = context.now() - 5;
        record.created_at = context.now();
        record.expires_at = context.now() + ttl;
        (void)store.codes().create(record).value();
        return code;
    }

    http::Response send(const std::string& method, const std::string& path,
                        const std::string& body = {}, const std::string& content_type = {},
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
        http::Request request;
        request.method = method;
        request.path = path;
        request.body = body;
        request.client_address = "192.0.2.7";
        if (!content_type.empty()) {
            request.headers.add("Content-Type", content_type);
        }
        for (auto& [name, value] : headers) {
            request.headers.add(std::move(name), std::move(value));
        }
        if (request.mediaType() == "application/x-www-form-urlencoded") {
            request.form = http::parseForm(body).value();
            request.has_form = true;
        }
        return router.dispatch(request);
    }
    http::Response postForm(const std::string& path, const std::string& body,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
        return send("POST", path, body, "application/x-www-form-urlencoded", std::move(headers));
    }
    http::Response postJson(const std::string& path, const std::string& body) {
        return send("POST", path, body, "application/json");
    }

    static std::pair<std::string, std::string> basic(const std::string& id,
                                                     const std::string& secret);
    static std::pair<std::string, std::string> bearer(const std::string& token) {
        return {"Authorization", "Bearer " + token};
    }
};

/// A JSON response body as an object (fails the test when it is not one).
json::Object jsonOf(const std::string& body);
/// The payload of a compact JWS, decoded without verification.
json::Object payloadOf(const std::string& jwt);
/// The protected header of a compact JWS.
json::Object headerOf(const std::string& jwt);
/// The string member `name`, or "<absent>" when it is missing or not a string.
std::string stringOf(const json::Object& object, std::string_view name);
/// The integer member `name`, or -1 when it is missing or not an integer.
std::int64_t integerOf(const json::Object& object, std::string_view name);
/// The member `name`; fails the test when it is absent.
const json::Value& memberOf(const json::Object& object, std::string_view name);

}  // namespace authd::oauth::test
