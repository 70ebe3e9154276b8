// SPDX-License-Identifier: Apache-2.0
#include "oauth/clients.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "app/project_secrets.hpp"
#include "crypto/hash.hpp"
#include "http/form.hpp"
#include "http/headers.hpp"

namespace authd::oauth {
namespace {

// Projects registered before grant_types existed, or with an empty list, get the two grants
// every browser app needs; client_credentials is never implied.
constexpr std::array<std::string_view, 2> kImpliedGrants = {"authorization_code", "refresh_token"};

// Strict standard base64 (RFC 4648 section 4) as HTTP Basic uses it; padding optional.
std::optional<std::string> base64Decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        std::uint32_t value = 0;
        if (c >= 'A' && c <= 'Z') {
            value = static_cast<std::uint32_t>(c - 'A');
        } else if (c >= 'a' && c <= 'z') {
            value = static_cast<std::uint32_t>(c - 'a' + 26);
        } else if (c >= '0' && c <= '9') {
            value = static_cast<std::uint32_t>(c - '0' + 52);
        } else if (c == '+') {
            value = 62;
        } else if (c == '/') {
            value = 63;
        } else {
            return std::nullopt;
        }
        buffer = (buffer << 6) | value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFFU);
        }
    }
    return out;
}

sdk::Error secretError(const std::string& client_id, const char* field, const sdk::Error& error) {
    return sdk::makeError(sdk::ErrorCode::internal, "project " + client_id + ": the " + field +
                                                        " does not open with this master key (" +
                                                        error.message + ")");
}

struct BasicCredentials {
    std::string client_id;
    std::string client_secret;
};

// RFC 6749 2.3.1: the id and the secret are form-urlencoded before they are joined with ':'.
std::variant<BasicCredentials, OAuthError> parseBasic(std::string_view value) {
    std::string_view encoded = value.substr(6);
    while (!encoded.empty() && encoded.front() == ' ') {
        encoded.remove_prefix(1);
    }
    while (!encoded.empty() && encoded.back() == ' ') {
        encoded.remove_suffix(1);
    }
    const auto decoded = base64Decode(encoded);
    if (!decoded) {
        return invalidRequest("the Basic credentials in the Authorization header are not base64");
    }
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) {
        return invalidRequest(
            "the Basic credentials in the Authorization header must be client_id:client_secret");
    }
    auto id = http::percentDecode(std::string_view(*decoded).substr(0, colon), true);
    auto secret = http::percentDecode(std::string_view(*decoded).substr(colon + 1), true);
    if (!id || !secret) {
        return invalidRequest(
            "the Basic credentials in the Authorization header are not form-urlencoded");
    }
    if (id->empty()) {
        return invalidClient("the Basic credentials name no client_id");
    }
    return BasicCredentials{std::move(*id), std::move(*secret)};
}

}  // namespace

bool ClientInfo::allowsGrant(std::string_view grant) const {
    if (project.grant_types.empty()) {
        return std::find(kImpliedGrants.begin(), kImpliedGrants.end(), grant) !=
               kImpliedGrants.end();
    }
    return std::find(project.grant_types.begin(), project.grant_types.end(), grant) !=
           project.grant_types.end();
}

ClientRegistry::ClientRegistry(sdk::ProjectStore& projects, const crypto::SecretBox& box,
                               std::chrono::milliseconds ttl)
    : projects_(projects), box_(box), ttl_(ttl) {}

sdk::Result<ClientPtr> ClientRegistry::find(const std::string& client_id) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(client_id); it != cache_.end()) {
            if (now - it->second.loaded < ttl_) {
                return it->second.client;
            }
            cache_.erase(it);
        }
    }
    auto project = projects_.get(client_id);
    if (!project) {
        return std::move(project).error();
    }
    auto info = std::make_shared<ClientInfo>();
    info->project = std::move(*project);
    const std::string& id = info->project.client_id;
    if (!info->project.client_secret_enc.empty()) {
        auto secret = box_.open(info->project.client_secret_enc, app::clientSecretAad(id));
        if (!secret) {
            return secretError(id, "client secret", secret.error());
        }
        info->client_secret = std::move(*secret);
    }
    auto signing_key = box_.open(info->project.signing_key_enc, app::signingKeyAad(id));
    if (!signing_key) {
        return secretError(id, "signing key", signing_key.error());
    }
    info->signing_key = std::move(*signing_key);
    // A rotation moves the sealed current key into previous_signing_key_enc unchanged, so it
    // opens with the same associated data.
    if (!info->project.previous_signing_key_enc.empty()) {
        auto previous = box_.open(info->project.previous_signing_key_enc, app::signingKeyAad(id));
        if (!previous) {
            return secretError(id, "previous signing key", previous.error());
        }
        info->previous_signing_key = std::move(*previous);
    }
    if (auto key = tokens::Key::hmac(info->signing_key)) {
        info->access_key = std::move(*key);
    }
    if (!info->previous_signing_key.empty()) {
        if (auto key = tokens::Key::hmac(info->previous_signing_key)) {
            info->previous_access_key = std::move(*key);
        }
    }
    if (!info->client_secret.empty()) {
        if (auto key = tokens::Key::hmac(info->client_secret)) {
            info->secret_key = std::move(*key);
        }
    }
    ClientPtr client = std::move(info);
    std::lock_guard lock(mutex_);
    cache_[client_id] = Entry{client, now};
    return client;
}

void ClientRegistry::invalidate(const std::string& client_id) {
    std::lock_guard lock(mutex_);
    cache_.erase(client_id);
}

std::variant<AuthenticatedClient, OAuthError> ClientRegistry::authenticate(
    const http::Request& request, const sdk::Fields& params) {
    const std::string* post_id = params.find("client_id");
    const std::string* post_secret = params.find("client_secret");

    std::optional<BasicCredentials> basic;
    if (const std::string* authorization = request.headers.find("Authorization")) {
        if (authorization->size() < 6 ||
            !http::equalsIgnoreCase(std::string_view(*authorization).substr(0, 6), "Basic ")) {
            return invalidClient(
                "client authentication in the Authorization header must use the Basic scheme");
        }
        auto parsed = parseBasic(*authorization);
        if (auto* error = std::get_if<OAuthError>(&parsed)) {
            return std::move(*error);
        }
        basic = std::move(std::get<BasicCredentials>(parsed));
    }

    std::string client_id;
    std::string secret;
    ClientAuthMethod method = ClientAuthMethod::none;
    if (basic) {
        if (post_secret != nullptr) {
            return invalidRequest(
                "the client authenticated twice (Authorization header and client_secret); use "
                "one method");
        }
        if (post_id != nullptr && *post_id != basic->client_id) {
            return invalidRequest("client_id in the body differs from the Basic credentials");
        }
        client_id = std::move(basic->client_id);
        secret = std::move(basic->client_secret);
        method = ClientAuthMethod::client_secret_basic;
    } else if (post_id != nullptr && !post_id->empty()) {
        client_id = *post_id;
        // Some libraries send an empty client_secret for public clients: that is no secret.
        if (post_secret != nullptr && !post_secret->empty()) {
            secret = *post_secret;
            method = ClientAuthMethod::client_secret_post;
        }
    } else {
        return invalidClient("no client authentication: send client_id (and client_secret), or "
                             "HTTP Basic credentials");
    }

    auto found = find(client_id);
    if (!found) {
        if (found.error().code == sdk::ErrorCode::not_found) {
            return invalidClient("unknown client");
        }
        return serverError("the client could not be loaded");
    }
    const ClientPtr& client = *found;
    if (method == ClientAuthMethod::client_secret_basic && secret.empty() && client->isPublic()) {
        method = ClientAuthMethod::none;  // "client_id:" in Basic: a public client, no secret
    }
    if (method == ClientAuthMethod::none) {
        if (!client->isPublic()) {
            return invalidClient("this client must authenticate with its client_secret");
        }
        return AuthenticatedClient{client, method};
    }
    // A public client has no secret, so any secret it presents is wrong; comparing against an
    // empty string would accept an empty secret.
    if (client->client_secret.empty() ||
        !crypto::constantTimeEquals(secret, client->client_secret)) {
        return invalidClient("client authentication failed");
    }
    return AuthenticatedClient{client, method};
}

}  // namespace authd::oauth
