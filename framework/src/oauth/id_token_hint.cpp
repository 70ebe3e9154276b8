// SPDX-License-Identifier: Apache-2.0
#include "oauth/id_token_hint.hpp"

#include <exception>
#include <optional>
#include <utility>

#include "oauth/provider.hpp"
#include "tokens/claims.hpp"
#include "tokens/jws.hpp"

namespace authd::oauth {
namespace {

sdk::Error badHint(std::string what) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument, "id_token_hint " + std::move(what));
}

std::string stringClaim(const json::Object& claims, std::string_view name) {
    const std::string* value = claims.stringPtr(name);
    return value != nullptr ? *value : std::string();
}

// The client an ID token was issued to: azp when present, else aud when it names exactly one.
std::string clientOf(const json::Object& claims) {
    std::string azp = stringClaim(claims, "azp");
    if (!azp.empty()) {
        return azp;
    }
    const json::Value* aud = claims.find("aud");
    if (aud == nullptr) {
        return {};
    }
    if (aud->isString()) {
        return aud->asString();
    }
    if (aud->isArray() && aud->asArray().size() == 1 && aud->asArray().front().isString()) {
        return aud->asArray().front().asString();
    }
    return {};
}

sdk::Result<IdTokenHint> verifyImpl(ProviderContext& ctx, std::string_view hint,
                                    const ClientInfo* expected) {
    auto unverified = tokens::decodeUnverified(hint);
    if (!unverified) {
        return badHint("is not a JWT");
    }
    const std::string claimed_client = clientOf(unverified->claims);
    if (claimed_client.empty()) {
        return badHint("names no client");
    }
    ClientPtr client;
    if (expected != nullptr) {
        if (!tokens::audienceContains(unverified->claims, expected->project.client_id)) {
            return badHint("was issued to another client");
        }
    } else {
        auto found = ctx.clients.find(claimed_client);
        if (!found) {
            if (found.error().code == sdk::ErrorCode::not_found) {
                return sdk::makeError(sdk::ErrorCode::not_found,
                                      "id_token_hint names an unknown client");
            }
            return std::move(found).error();
        }
        client = std::move(*found);
        expected = client.get();
    }

    sdk::Result<tokens::VerifiedJws> verified =
        sdk::makeError(sdk::ErrorCode::internal, "not verified");
    if (unverified->alg == "HS256") {
        if (expected->client_secret.empty()) {
            return badHint("is HS256 but the client has no secret");
        }
        std::optional<tokens::Key> key = expected->secret_key;
        if (!key) {
            auto built = tokens::Key::hmac(expected->client_secret);
            if (!built) {
                return std::move(built).error();
            }
            key = std::move(*built);
        }
        verified = tokens::verify(hint, tokens::KeySet({*key}), {tokens::Alg::hs256});
    } else {
        auto keys = ctx.keys.verificationKeys(ctx.now());
        verified = tokens::verify(hint, *keys,
                                  {tokens::Alg::rs256, tokens::Alg::es256, tokens::Alg::eddsa});
    }
    if (!verified) {
        return sdk::makeError(sdk::ErrorCode::denied,
                              "id_token_hint does not verify: " + verified.error().message);
    }
    const json::Object& claims = verified->claims;
    if (stringClaim(claims, "iss") != ctx.issuer_url) {
        return badHint("was not issued by this provider");
    }
    if (!tokens::audienceContains(claims, expected->project.client_id)) {
        return badHint("was issued to another client");
    }
    IdTokenHint out;
    out.subject = stringClaim(claims, "sub");
    if (out.subject.empty()) {
        return badHint("has no subject");
    }
    out.client_id = expected->project.client_id;
    out.session_id = stringClaim(claims, "sid");
    out.client = std::move(client);
    return out;
}

}  // namespace

sdk::Result<IdTokenHint> verifyIdTokenHint(ProviderContext& ctx, std::string_view hint,
                                           const ClientInfo* expected) {
    try {
        return verifyImpl(ctx, hint, expected);
    } catch (const std::exception& error) {
        return badHint(std::string("is malformed: ") + error.what());
    }
}

}  // namespace authd::oauth
