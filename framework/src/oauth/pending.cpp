// SPDX-License-Identifier: Apache-2.0
#include "oauth/pending.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json/json.hpp"

namespace authd::oauth {
namespace {

constexpr std::uint8_t kAllPrompts = 0x0F;

void member(std::string& out, std::string_view name, std::string_view value) {
    out += ',';
    json::appendString(out, name);
    out += ':';
    json::appendString(out, value);
}

sdk::Error malformed(const std::string& what) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument,
                          "the stored authorization request is malformed: " + what);
}

// Reads an optional string member; false when it is present with another type.
bool readString(const json::Object& object, std::string_view name, std::string& out) {
    const json::Value* value = object.find(name);
    if (value == nullptr) {
        out.clear();
        return true;
    }
    if (!value->isString()) {
        return false;
    }
    out = value->asString();
    return true;
}

bool readInteger(const json::Object& object, std::string_view name, std::int64_t& out) {
    const std::optional<std::int64_t> value = object.integer(name);
    if (!value) {
        return false;
    }
    out = *value;
    return true;
}

}  // namespace

std::string encodeAuthorizeRequest(const AuthorizeRequest& request) {
    std::string out = "{\"v\":" + std::to_string(kPendingFormatVersion);
    member(out, "client_id", request.client_id);
    member(out, "redirect_uri", request.redirect_uri);
    member(out, "scope", request.scope);
    if (request.has_state) {
        member(out, "state", request.state);
    }
    member(out, "nonce", request.nonce);
    member(out, "code_challenge", request.code_challenge);
    member(out, "code_challenge_method", request.code_challenge_method);
    out += ",\"prompt\":" + std::to_string(request.prompt);
    out += ",\"max_age\":" + std::to_string(request.max_age);
    member(out, "login_hint", request.login_hint);
    member(out, "display", request.display);
    member(out, "ui_locales", request.ui_locales);
    member(out, "claims_locales", request.claims_locales);
    member(out, "acr_values", request.acr_values);
    member(out, "claims", request.claims);
    out += '}';
    return out;
}

sdk::Result<AuthorizeRequest> decodeAuthorizeRequest(std::string_view params) {
    const auto parsed = json::parseObject(params, "the stored authorization request");
    if (!parsed) {
        return malformed("not a JSON object");
    }
    const json::Object& object = *parsed;
    std::int64_t version = 0;
    if (!readInteger(object, "v", version) || version != kPendingFormatVersion) {
        return malformed("unknown format version");
    }
    AuthorizeRequest request;
    const std::pair<const char*, std::string*> strings[] = {
        {"client_id", &request.client_id},
        {"redirect_uri", &request.redirect_uri},
        {"scope", &request.scope},
        {"nonce", &request.nonce},
        {"code_challenge", &request.code_challenge},
        {"code_challenge_method", &request.code_challenge_method},
        {"login_hint", &request.login_hint},
        {"display", &request.display},
        {"ui_locales", &request.ui_locales},
        {"claims_locales", &request.claims_locales},
        {"acr_values", &request.acr_values},
        {"claims", &request.claims},
    };
    for (const auto& [name, target] : strings) {
        if (!readString(object, name, *target)) {
            return malformed(std::string(name) + " is not a string");
        }
    }
    if (request.client_id.empty() || request.redirect_uri.empty()) {
        return malformed("client_id or redirect_uri is missing");
    }
    request.has_state = object.has("state");
    if (!readString(object, "state", request.state)) {
        return malformed("state is not a string");
    }
    std::int64_t prompt = 0;
    if (!readInteger(object, "prompt", prompt) || prompt < 0 || prompt > kAllPrompts) {
        return malformed("prompt is not a valid set");
    }
    request.prompt = static_cast<std::uint8_t>(prompt);
    std::int64_t max_age = -1;
    if (!readInteger(object, "max_age", max_age) || max_age < -1) {
        return malformed("max_age is not a valid number");
    }
    request.max_age = max_age;
    return request;
}

}  // namespace authd::oauth
