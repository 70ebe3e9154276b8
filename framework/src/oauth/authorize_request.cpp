// SPDX-License-Identifier: Apache-2.0
#include "oauth/authorize_request.hpp"

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "json/json.hpp"
#include "oauth/pkce.hpp"
#include "oauth/redirect_uri.hpp"
#include "oauth/scopes.hpp"

namespace authd::oauth {
namespace {

AuthorizeFailure pageError(std::string description) {
    AuthorizeFailure failure;
    failure.error = invalidRequest(std::move(description));
    failure.redirect = false;
    return failure;
}

std::size_t countOf(const sdk::Fields& fields, std::string_view name) {
    std::size_t count = 0;
    for (const auto& [key, value] : fields.pairs()) {
        (void)value;
        if (key == name) {
            ++count;
        }
    }
    return count;
}

std::optional<std::string> firstRepeated(const sdk::Fields& fields) {
    const auto& pairs = fields.pairs();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        for (std::size_t j = i + 1; j < pairs.size(); ++j) {
            if (pairs[i].first == pairs[j].first) {
                return pairs[i].first;
            }
        }
    }
    return std::nullopt;
}

// A non-negative decimal integer without sign or spaces, at most ten digits (about 317 years:
// anything longer is not a real max_age).
std::optional<sdk::Seconds> parseMaxAge(std::string_view text) {
    if (text.empty() || text.size() > 10) {
        return std::nullopt;
    }
    sdk::Seconds value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

// OIDC Core 3.1.2.1: a space-delimited list; `none` must stand alone.
std::variant<std::uint8_t, OAuthError> parsePrompt(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, Prompt>, 4> kValues = {{
        {"none", Prompt::none},
        {"login", Prompt::login},
        {"consent", Prompt::consent},
        {"select_account", Prompt::select_account},
    }};
    std::uint8_t bits = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view token = text.substr(pos, end - pos);
        bool known = false;
        for (const auto& [name, value] : kValues) {
            if (token == name) {
                bits = static_cast<std::uint8_t>(bits | static_cast<std::uint8_t>(value));
                known = true;
            }
        }
        if (!known) {
            return invalidRequest("prompt has an unsupported value; use none, login, consent "
                                  "or select_account");
        }
        pos = end;
    }
    const auto none = static_cast<std::uint8_t>(Prompt::none);
    if ((bits & none) != 0 && bits != none) {
        return invalidRequest("prompt=none cannot be combined with other prompt values");
    }
    return bits;
}

std::optional<OAuthError> checkClaimsParameter(const std::string& claims) {
    if (claims.size() > kMaxClaimsBytes) {
        return invalidRequest("the claims parameter is too long");
    }
    const auto parsed = json::parseObject(claims, "the claims parameter");
    if (!parsed) {
        return invalidRequest("the claims parameter must be a JSON object");
    }
    for (const char* member : {"userinfo", "id_token"}) {
        if (const json::Value* value = parsed->find(member);
            value != nullptr && !value->isNull() && !value->isObject()) {
            return invalidRequest(std::string("claims.") + member + " must be a JSON object");
        }
    }
    return std::nullopt;
}

}  // namespace

AuthorizeOutcome parseAuthorizeRequest(const sdk::Fields& fields, const ClientInfo& client) {
    // Page errors first: until client_id and redirect_uri are both trusted, nothing may be
    // sent to the redirect URI (RFC 6749 4.1.2.1, an open redirector otherwise).
    const std::string client_id = fields.get("client_id");
    if (client_id.empty()) {
        return pageError("client_id is missing");
    }
    if (countOf(fields, "client_id") > 1) {
        return pageError("client_id was sent more than once");
    }
    if (client_id != client.project.client_id) {
        return pageError("client_id does not name this client");
    }
    const std::string redirect_uri = fields.get("redirect_uri");
    if (redirect_uri.empty()) {
        return pageError("redirect_uri is missing");
    }
    if (countOf(fields, "redirect_uri") > 1) {
        return pageError("redirect_uri was sent more than once");
    }
    if (!redirectUriAllowed(redirect_uri, client.project.redirect_uris)) {
        return pageError("redirect_uri is not registered for this client");
    }

    AuthorizeFailure failure;
    failure.redirect = true;
    failure.redirect_uri = redirect_uri;
    if (const std::string* state = fields.find("state"); state != nullptr) {
        failure.has_state = true;
        failure.state = *state;
    }
    const auto fail = [&failure](OAuthError error) -> AuthorizeOutcome {
        failure.error = std::move(error);
        return failure;
    };

    if (auto repeated = firstRepeated(fields)) {
        return fail(invalidRequest(*repeated + " was sent more than once"));
    }

    const std::string response_type = fields.get("response_type");
    if (response_type.empty()) {
        return fail(invalidRequest("response_type is missing"));
    }
    if (response_type != "code") {
        return fail({"unsupported_response_type", "only response_type=code is supported"});
    }
    if (const std::string mode = fields.get("response_mode"); !mode.empty() && mode != "query") {
        return fail(invalidRequest("only response_mode=query is supported"));
    }
    if (fields.find("request") != nullptr) {
        return fail({"request_not_supported", "request objects are not supported"});
    }
    if (fields.find("request_uri") != nullptr) {
        return fail({"request_uri_not_supported", "request_uri is not supported"});
    }
    if (!client.allowsGrant("authorization_code")) {
        return fail(unauthorizedClient("this client may not use the authorization code grant"));
    }

    AuthorizeRequest request;
    request.client_id = client_id;
    request.redirect_uri = redirect_uri;
    request.has_state = failure.has_state;
    request.state = failure.state;

    const std::string scope_text = fields.get("scope");
    auto scopes = parseScope(scope_text);
    if (!scopes) {
        return fail(invalidScope("scope has a character outside the allowed set"));
    }
    if (scopes->empty()) {
        auto defaults = parseScope(kDefaultScope);
        request.scope = joinScope(
            scopesWithin(defaults.value_or(std::vector<std::string>{}), client.project.scopes));
    } else {
        const auto outside = scopesOutside(*scopes, client.project.scopes);
        if (!outside.empty()) {
            return fail(
                invalidScope("scope " + outside.front() + " is not allowed for this client"));
        }
        request.scope = joinScope(*scopes);
    }

    request.code_challenge = fields.get("code_challenge");
    request.code_challenge_method = fields.get("code_challenge_method");
    if (auto problem = checkPkceRequest(request.code_challenge, request.code_challenge_method)) {
        return fail(std::move(*problem));
    }
    if (client.isPublic() && request.code_challenge.empty()) {
        return fail(invalidRequest("public clients must use PKCE: send code_challenge with "
                                   "code_challenge_method=S256"));
    }

    auto prompt = parsePrompt(fields.get("prompt"));
    if (auto* error = std::get_if<OAuthError>(&prompt)) {
        return fail(std::move(*error));
    }
    request.prompt = std::get<std::uint8_t>(prompt);

    if (const std::string* max_age = fields.find("max_age"); max_age != nullptr) {
        auto parsed = parseMaxAge(*max_age);
        if (!parsed) {
            return fail(invalidRequest("max_age must be a non-negative integer of seconds"));
        }
        request.max_age = *parsed;
    }

    request.display = fields.get("display");
    if (!request.display.empty() && request.display != "page" && request.display != "popup" &&
        request.display != "touch" && request.display != "wap") {
        return fail(invalidRequest("display must be page, popup, touch or wap"));
    }

    request.claims = fields.get("claims");
    if (!request.claims.empty()) {
        if (auto problem = checkClaimsParameter(request.claims)) {
            return fail(std::move(*problem));
        }
    }

    request.nonce = fields.get("nonce");
    request.login_hint = fields.get("login_hint");
    request.id_token_hint = fields.get("id_token_hint");
    request.ui_locales = fields.get("ui_locales");
    request.claims_locales = fields.get("claims_locales");
    request.acr_values = fields.get("acr_values");
    const std::pair<const char*, const std::string*> bounded[] = {
        {"state", &request.state},
        {"nonce", &request.nonce},
        {"login_hint", &request.login_hint},
        {"ui_locales", &request.ui_locales},
        {"claims_locales", &request.claims_locales},
        {"acr_values", &request.acr_values},
    };
    for (const auto& [name, value] : bounded) {
        if (value->size() > kMaxParameterBytes) {
            return fail(invalidRequest(std::string(name) + " is longer than " +
                                       std::to_string(kMaxParameterBytes) + " bytes"));
        }
    }
    if (request.id_token_hint.size() > 16384) {
        return fail(invalidRequest("id_token_hint is too long"));
    }
    return request;
}

}  // namespace authd::oauth
