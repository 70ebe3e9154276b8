// SPDX-License-Identifier: Apache-2.0
#include "federation_authenticator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <sstream>
#include <utility>

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "authd/sdk/http.hpp"
#include "authd/sdk/storage.hpp"
#include "authenticator_kit.hpp"

namespace authd::plugins::oidc_federation {

struct FederationAuthenticator::Cached {
    sdk::UnixTime fetched_at = 0;
    ProviderMetadata metadata;
    std::string jwks_uri;
    std::shared_ptr<const std::vector<PublicKey>> keys;
};

namespace {

constexpr std::size_t kStateBytes = 32;
constexpr std::size_t kNonceBytes = 32;
constexpr std::size_t kVerifierBytes = 32;     // 43 base64url characters (RFC 7636 4.1)
constexpr sdk::Seconds kMaxIdTokenAge = 3600;  // iat older than this is not a fresh token
constexpr std::size_t kMaxSubjectBytes = 255;  // OIDC Core 2
constexpr std::size_t kMaxClaimBytes = 2048;

namespace kit = authd::plugins::kit;

using kit::jsonObject;
using kit::jsonString;

// Poco's what() is only the exception's class name; displayText() says what went wrong.
template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body()) {
    return kit::guarded("oidc_federation", what, [&]() -> decltype(body()) {
        try {
            return body();
        } catch (const Poco::Exception& e) {
            return sdk::makeError(sdk::ErrorCode::internal,
                                  std::string("oidc_federation: ") + what +
                                      " threw: " + e.displayText());
        }
    });
}

bool isUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// application/x-www-form-urlencoded and query components alike: everything but the RFC 3986
// unreserved characters is percent-encoded (so "+" and "&" in a secret survive).
std::string urlEncode(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char c : text) {
        if (isUnreserved(c)) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[byte >> 4U];
            out += kHex[byte & 0x0FU];
        }
    }
    return out;
}

std::string formBody(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) {
            out += '&';
        }
        out += urlEncode(name) + "=" + urlEncode(value);
    }
    return out;
}

// Standard base64 with padding (RFC 4648 section 4), for the Basic scheme.
std::string base64Encode(const std::string& bytes) {
    std::string out = base64UrlEncode(bytes);
    std::replace(out.begin(), out.end(), '-', '+');
    std::replace(out.begin(), out.end(), '_', '/');
    while (out.size() % 4 != 0) {
        out += '=';
    }
    return out;
}

std::string toHex(const std::string& bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out += kHex[byte >> 4U];
        out += kHex[byte & 0x0FU];
    }
    return out;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return text;
}

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(object, out);
    return out.str();
}

std::optional<Poco::JSON::Object::Ptr> parseObject(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var parsed = parser.parse(text);
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
            return std::nullopt;
        }
        auto object = parsed.extract<Poco::JSON::Object::Ptr>();
        if (object.isNull()) {
            return std::nullopt;
        }
        return object;
    } catch (const Poco::Exception&) {
        return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> stringClaim(const Poco::JSON::Object& object, const std::string& name) {
    if (!object.has(name)) {
        return std::nullopt;
    }
    const Poco::Dynamic::Var value = object.get(name);
    if (!value.isString()) {
        return std::nullopt;
    }
    return value.extract<std::string>();
}

std::string stringOr(const Poco::JSON::Object& object, const std::string& name) {
    auto value = stringClaim(object, name);
    return value && value->size() <= kMaxClaimBytes ? *value : std::string();
}

// NumericDate (RFC 7519 2): a JSON number, possibly fractional; nullopt when absent or not a
// finite number in range.
std::optional<sdk::UnixTime> timeClaim(const Poco::JSON::Object& object, const std::string& name) {
    if (!object.has(name)) {
        return std::nullopt;
    }
    const Poco::Dynamic::Var value = object.get(name);
    try {
        if (value.isInteger()) {
            if (value.isSigned()) {
                return static_cast<sdk::UnixTime>(value.convert<Poco::Int64>());
            }
            const auto unsigned_value = value.convert<Poco::UInt64>();
            if (unsigned_value >
                static_cast<Poco::UInt64>(std::numeric_limits<sdk::UnixTime>::max())) {
                return std::nullopt;
            }
            return static_cast<sdk::UnixTime>(unsigned_value);
        }
        if (value.isNumeric()) {
            const double number = value.convert<double>();
            if (!std::isfinite(number) || number < -9.0e15 || number > 9.0e15) {
                return std::nullopt;
            }
            return static_cast<sdk::UnixTime>(std::floor(number));
        }
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
    return std::nullopt;
}

// email_verified is a boolean; a few providers send the string "true".
bool verifiedClaim(const Poco::JSON::Object& object) {
    if (!object.has("email_verified")) {
        return false;
    }
    const Poco::Dynamic::Var value = object.get("email_verified");
    if (value.type() == typeid(bool)) {
        return value.extract<bool>();
    }
    return value.isString() && value.extract<std::string>() == "true";
}

std::vector<std::string> stringArray(const Poco::JSON::Object& object, const std::string& name) {
    std::vector<std::string> out;
    if (!object.has(name)) {
        return out;
    }
    if (object.isArray(name)) {
        const auto array = object.getArray(name);
        for (std::size_t i = 0; i < array->size(); ++i) {
            const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
            if (item.isString()) {
                out.push_back(item.extract<std::string>());
            }
        }
    }
    return out;
}

bool isUsableEndpoint(const std::string& url, bool allow_loopback_http) {
    if (url.rfind("https://", 0) == 0) {
        return !urlHost(url).empty() && url.find_first_of(" \t\r\n#") == std::string::npos;
    }
    return allow_loopback_http && url.rfind("http://", 0) == 0 && isLoopbackUrl(url) &&
           url.find_first_of(" \t\r\n#") == std::string::npos;
}

std::string withQuery(const std::string& endpoint, const std::string& query) {
    return endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// construction

sdk::Result<sdk::AuthenticatorPtr> FederationAuthenticator::create(const sdk::InstanceSpec& spec,
                                                                   sdk::HostContext& host) {
    return guarded("create", [&]() -> sdk::Result<sdk::AuthenticatorPtr> {
        if (spec.config == nullptr) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "oidc_federation " + spec.id + ": no config node");
        }
        if (spec.id.empty()) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "oidc_federation: the instance id is empty");
        }
        auto config = parseFederationConfig(*spec.config);
        if (!config) {
            return config.error();
        }
        auto* made = new FederationAuthenticator(spec.id, std::move(config).value(), host);
        sdk::AuthenticatorPtr owned(made);
        host.logger().log(sdk::LogLevel::info, "oidc_federation.ready",
                          "register the redirect URI at the upstream provider",
                          {{"authenticator", spec.id},
                           {"issuer", made->config_.issuer},
                           {"redirect_uri", made->redirectUri()}});
        return owned;
    });
}

FederationAuthenticator::FederationAuthenticator(std::string instance_id, FederationConfig config,
                                                 sdk::HostContext& host)
    : instance_id_(std::move(instance_id)), config_(std::move(config)), host_(host) {}

std::string FederationAuthenticator::displayName() const {
    return config_.label;
}

std::string FederationAuthenticator::redirectUri() const {
    std::string issuer = host_.info().issuer;
    while (!issuer.empty() && issuer.back() == '/') {
        issuer.pop_back();
    }
    return issuer + "/login/" + urlEncode(instance_id_) + "/callback";
}

std::string FederationAuthenticator::credentialSubject(const std::string& issuer,
                                                       const std::string& subject) const {
    return issuer + "|" + subject;
}

sdk::Verdict FederationAuthenticator::failure(const std::string& message,
                                              const std::string& pending_id) const {
    sdk::Verdict verdict = sdk::Verdict::failed(message);
    verdict.pending_id = pending_id;
    return verdict;
}

// ---------------------------------------------------------------------------------------------
// render

sdk::Result<sdk::Page> FederationAuthenticator::render(const sdk::LoginStep& step) {
    return guarded("render", [&] { return renderImpl(step); });
}

sdk::Result<sdk::Page> FederationAuthenticator::renderImpl(const sdk::LoginStep& step) const {
    // Only the button: the upstream asks for everything else.
    return kit::signInPage(
        kit::loginFormStart(step, "login-form federation") + kit::loginFormEnd(config_.label),
        config_.label);
}

// ---------------------------------------------------------------------------------------------
// submit: state, nonce and PKCE, then off to the upstream

sdk::Result<sdk::Verdict> FederationAuthenticator::submit(const sdk::LoginStep& step,
                                                          const sdk::Fields& form) {
    (void)form;  // the button posts only the host's hidden fields
    return guarded("submit", [&] { return submitImpl(step); });
}

sdk::Result<sdk::Verdict> FederationAuthenticator::submitImpl(const sdk::LoginStep& step) {
    if (step.pending_id.empty()) {
        return sdk::Verdict::failed(
            "This sign-in has expired. Go back to the app and start again.");
    }
    auto provider = metadata();
    if (!provider) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.discovery_failed",
                           provider.error().message,
                           {{"authenticator", instance_id_}, {"issuer", config_.issuer}});
        return sdk::Verdict::failed(config_.upstream_name +
                                    " cannot be reached right now. Try again in a moment.");
    }
    const std::string state = host_.random().token(kStateBytes);
    const std::string nonce = host_.random().token(kNonceBytes);
    const std::string verifier = host_.random().token(kVerifierBytes);
    if (state.empty() || nonce.empty() || verifier.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "oidc_federation: the CSPRNG failed");
    }
    const std::string challenge = base64UrlEncode(sha256(verifier));

    const sdk::UnixTime now = host_.clock().now();
    Poco::JSON::Object value;
    value.set("nonce", nonce);
    value.set("verifier", verifier);
    value.set("pending_id", step.pending_id);
    value.set("created_at", static_cast<Poco::Int64>(now));
    sdk::PluginRecord record;
    record.ns = instance_id_;
    record.key = host_.crypto().sha256Hex(state);
    record.value = stringify(value);
    record.expires_at = now + config_.state_ttl;
    if (auto stored = host_.storage().pluginData().put(record); !stored) {
        return sdk::makeError(stored.error().code, "oidc_federation: storing the sign-in state: " +
                                                       stored.error().message);
    }

    std::string scope;
    for (const std::string& item : config_.scopes) {
        scope += (scope.empty() ? "" : " ") + item;
    }
    const std::string query = formBody({{"response_type", "code"},
                                        {"client_id", config_.client_id},
                                        {"redirect_uri", redirectUri()},
                                        {"scope", scope},
                                        {"state", state},
                                        {"nonce", nonce},
                                        {"code_challenge", challenge},
                                        {"code_challenge_method", "S256"}});
    sdk::Verdict verdict;
    verdict.kind = sdk::Verdict::Kind::redirect;
    verdict.redirect_url = withQuery(provider->authorization_endpoint, query);
    return verdict;
}

// ---------------------------------------------------------------------------------------------
// discovery and keys

sdk::Result<std::string> FederationAuthenticator::fetch(const std::string& url,
                                                        const std::string& what) {
    sdk::HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers.emplace_back("Accept", "application/json");
    request.timeout = config_.timeout;
    auto response = host_.http().send(request);
    if (!response) {
        return sdk::makeError(sdk::ErrorCode::unavailable, "fetching the " + what + " from " + url +
                                                               ": " + response.error().message);
    }
    if (response->status != 200) {
        return sdk::makeError(sdk::ErrorCode::unavailable, "fetching the " + what + " from " + url +
                                                               ": HTTP " +
                                                               std::to_string(response->status));
    }
    return std::move(response->body);
}

sdk::Result<ProviderMetadata> FederationAuthenticator::metadata() {
    const sdk::UnixTime now = host_.clock().now();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (metadata_cache_ && now - metadata_cache_->fetched_at < config_.jwks_cache &&
            now >= metadata_cache_->fetched_at) {
            return metadata_cache_->metadata;
        }
    }
    std::string base = config_.issuer;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    auto body = fetch(base + "/.well-known/openid-configuration", "discovery document");
    if (!body) {
        return body.error();
    }
    auto document = parseObject(*body);
    if (!document) {
        return sdk::makeError(sdk::ErrorCode::unavailable, "the discovery document of " +
                                                               config_.issuer +
                                                               " is not a JSON object");
    }
    ProviderMetadata provider;
    provider.issuer = stringOr(**document, "issuer");
    if (provider.issuer != config_.issuer) {
        // OpenID Connect Discovery 4.3: a mismatch means the document is not this issuer's.
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "the discovery document's issuer \"" + provider.issuer +
                                  "\" is not the configured issuer \"" + config_.issuer + "\"");
    }
    provider.authorization_endpoint = stringOr(**document, "authorization_endpoint");
    provider.token_endpoint = stringOr(**document, "token_endpoint");
    provider.jwks_uri = stringOr(**document, "jwks_uri");
    provider.userinfo_endpoint = stringOr(**document, "userinfo_endpoint");
    const bool loopback = isLoopbackUrl(config_.issuer) && config_.issuer.rfind("http://", 0) == 0;
    for (const auto& [name, url] : std::vector<std::pair<std::string, std::string>>{
             {"authorization_endpoint", provider.authorization_endpoint},
             {"token_endpoint", provider.token_endpoint},
             {"jwks_uri", provider.jwks_uri}}) {
        if (!isUsableEndpoint(url, loopback)) {
            return sdk::makeError(sdk::ErrorCode::unavailable,
                                  "the discovery document of " + config_.issuer +
                                      " has no usable " + name + " (an https URL is required)");
        }
    }
    if (!provider.userinfo_endpoint.empty() &&
        !isUsableEndpoint(provider.userinfo_endpoint, loopback)) {
        provider.userinfo_endpoint.clear();
    }
    auto cached = std::make_shared<Cached>();
    cached->fetched_at = now;
    cached->metadata = provider;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        metadata_cache_ = std::move(cached);
    }
    return provider;
}

sdk::Result<std::shared_ptr<const std::vector<PublicKey>>>
FederationAuthenticator::keys(const ProviderMetadata& provider, bool refresh, bool* fetched) {
    const sdk::UnixTime now = host_.clock().now();
    if (fetched != nullptr) {
        *fetched = false;
    }
    if (!refresh) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (keys_cache_ && keys_cache_->jwks_uri == provider.jwks_uri &&
            now - keys_cache_->fetched_at < config_.jwks_cache && now >= keys_cache_->fetched_at) {
            return keys_cache_->keys;
        }
    }
    auto body = fetch(provider.jwks_uri, "JWKS");
    if (!body) {
        return body.error();
    }
    auto parsed = parseJwks(*body);
    if (!parsed) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "the JWKS at " + provider.jwks_uri + ": " + parsed.error().message);
    }
    auto cached = std::make_shared<Cached>();
    cached->fetched_at = now;
    cached->jwks_uri = provider.jwks_uri;
    cached->keys = std::make_shared<const std::vector<PublicKey>>(std::move(parsed).value());
    auto result = cached->keys;
    if (fetched != nullptr) {
        *fetched = true;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        keys_cache_ = std::move(cached);
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// ID token validation

sdk::Result<FederationAuthenticator::Validation>
FederationAuthenticator::validateIdToken(const std::string& id_token,
                                         const ProviderMetadata& provider, const std::string& nonce,
                                         const std::string& access_token) {
    Validation refused;
    auto jws = decodeJws(id_token);
    if (!jws) {
        refused.reason = jws.error().message;
        return refused;
    }
    // The alg decides where the key comes from, and nothing else: RS256 and ES256 only with
    // the upstream's published keys of that type, HS256 only with our client secret.
    if (jws->alg == "HS256") {
        if (config_.client_secret.empty()) {
            refused.reason = "HS256 ID token but no client secret is configured";
            return refused;
        }
        if (auto verified = verifyHs256(*jws, config_.client_secret); !verified) {
            refused.reason = "HS256 " + verified.error().message;
            return refused;
        }
    } else if (jws->alg == "RS256" || jws->alg == "ES256") {
        const std::string kty = jws->alg == "RS256" ? "RSA" : "EC";
        bool verified = false;
        bool had_candidate = false;
        bool fresh = false;
        for (int round = 0; round < 2 && !verified; ++round) {
            auto set = keys(provider, round == 1, &fresh);
            if (!set) {
                return set.error();
            }
            for (const PublicKey& key : **set) {
                if (key.kty != kty ||
                    (!jws->kid.empty() && !key.kid.empty() && key.kid != jws->kid)) {
                    continue;
                }
                had_candidate = true;
                if (verifyAsymmetric(*jws, key)) {
                    verified = true;
                    break;
                }
            }
            if (had_candidate || (round == 0 && fresh)) {
                // A known key that does not verify is a bad signature, not a rollover; keys
                // fetched a moment ago are as new as a refetch would give.
                break;
            }
            if (round == 0) {
                host_.logger().log(sdk::LogLevel::info, "oidc_federation.jwks_refresh",
                                   "no cached key matches the ID token; fetching the JWKS again",
                                   {{"authenticator", instance_id_}, {"kid", jws->kid}});
            }
        }
        if (!verified) {
            refused.reason = had_candidate ? jws->alg + " signature mismatch"
                                           : "no key in the upstream's JWKS for kid \"" + jws->kid +
                                                 "\" and alg " + jws->alg;
            return refused;
        }
    } else {
        refused.reason = "unsupported ID token alg \"" + jws->alg + "\"";
        return refused;
    }

    const Poco::JSON::Object& claims = *jws->claims;
    const sdk::UnixTime now = host_.clock().now();
    const auto iss = stringClaim(claims, "iss");
    if (!iss || *iss != config_.issuer) {
        refused.reason = "iss is not the configured issuer";
        return refused;
    }
    std::vector<std::string> audiences;
    if (auto single = stringClaim(claims, "aud")) {
        audiences.push_back(*single);
    } else {
        audiences = stringArray(claims, "aud");
    }
    if (std::find(audiences.begin(), audiences.end(), config_.client_id) == audiences.end()) {
        refused.reason = "aud does not contain the client id";
        return refused;
    }
    const auto azp = stringClaim(claims, "azp");
    if ((audiences.size() > 1 && !azp) || (azp && *azp != config_.client_id)) {
        refused.reason = "azp is not the client id";
        return refused;
    }
    const auto exp = timeClaim(claims, "exp");
    if (!exp) {
        refused.reason = "exp is missing or not a number";
        return refused;
    }
    if (now >= *exp + config_.leeway) {
        refused.reason = "the ID token has expired";
        return refused;
    }
    if (const auto nbf = timeClaim(claims, "nbf");
        claims.has("nbf") && (!nbf || now + config_.leeway < *nbf)) {
        refused.reason = "the ID token is not valid yet (nbf)";
        return refused;
    }
    const auto iat = timeClaim(claims, "iat");
    if (!iat || *iat > now + config_.leeway || *iat < now - kMaxIdTokenAge - config_.leeway) {
        refused.reason = "iat is missing, in the future or too old";
        return refused;
    }
    const auto token_nonce = stringClaim(claims, "nonce");
    if (!token_nonce || !host_.crypto().constantTimeEquals(*token_nonce, nonce)) {
        refused.reason = "nonce does not match the one sent";
        return refused;
    }
    const auto sub = stringClaim(claims, "sub");
    if (!sub || sub->empty() || sub->size() > kMaxSubjectBytes) {
        refused.reason = "sub is missing or longer than 255 bytes";
        return refused;
    }
    if (const auto at_hash = stringClaim(claims, "at_hash"); at_hash && !access_token.empty()) {
        // OIDC Core 3.1.3.8 / 3.3.2.11: the left half of SHA-256 for all three algs here.
        const std::string digest = sha256(access_token);
        if (*at_hash != base64UrlEncode(digest.substr(0, digest.size() / 2))) {
            refused.reason = "at_hash does not match the access token";
            return refused;
        }
    }

    UpstreamIdentity identity;
    identity.issuer = *iss;
    identity.subject = *sub;
    identity.email = stringOr(claims, "email");
    identity.email_verified = verifiedClaim(claims);
    identity.name = stringOr(claims, "name");
    identity.picture = stringOr(claims, "picture");
    identity.amr = stringArray(claims, "amr");
    Validation accepted;
    accepted.identity = std::move(identity);
    return accepted;
}

// Providers that issue an access token may keep profile claims out of the ID token (OIDC Core
// 5.4): ask the userinfo endpoint for what is missing. Best effort: a failure leaves the
// identity as the ID token describes it.
void FederationAuthenticator::addUserinfo(UpstreamIdentity& identity,
                                          const ProviderMetadata& provider,
                                          const std::string& access_token) {
    if (provider.userinfo_endpoint.empty() || access_token.empty() ||
        (!identity.email.empty() && !identity.name.empty())) {
        return;
    }
    sdk::HttpRequest request;
    request.method = "GET";
    request.url = provider.userinfo_endpoint;
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("Authorization", "Bearer " + access_token);
    request.timeout = config_.timeout;
    auto response = host_.http().send(request);
    std::optional<Poco::JSON::Object::Ptr> document;
    if (response && response->status == 200) {
        document = parseObject(response->body);
    }
    if (!document) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.userinfo_failed",
                           response ? "the userinfo response is not a JSON object (HTTP " +
                                          std::to_string(response->status) + ")"
                                    : response.error().message,
                           {{"authenticator", instance_id_}});
        return;
    }
    const Poco::JSON::Object& claims = **document;
    // OIDC Core 5.3.2: a userinfo response about someone else must not be used.
    if (stringOr(claims, "sub") != identity.subject) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.userinfo_failed",
                           "the userinfo sub differs from the ID token's; ignored",
                           {{"authenticator", instance_id_}});
        return;
    }
    if (identity.email.empty()) {
        identity.email = stringOr(claims, "email");
        identity.email_verified = verifiedClaim(claims);
    }
    if (identity.name.empty()) {
        identity.name = stringOr(claims, "name");
    }
    if (identity.picture.empty()) {
        identity.picture = stringOr(claims, "picture");
    }
}

// ---------------------------------------------------------------------------------------------
// callback

sdk::Result<sdk::Verdict> FederationAuthenticator::callback(const sdk::LoginStep& step) {
    return guarded("callback", [&] { return callbackImpl(step); });
}

sdk::Result<sdk::Verdict> FederationAuthenticator::callbackImpl(const sdk::LoginStep& step) {
    if (step.sub_path != "callback") {
        return sdk::makeError(sdk::ErrorCode::unsupported, "no such page");
    }
    const sdk::Fields& query = step.request.query;
    const std::string state = query.get("state");
    if (state.empty() || state.size() > 512) {
        return failure("This sign-in response is not valid. Go back to the app and sign in again.",
                       {});
    }
    auto record = host_.storage().pluginData().take(instance_id_, host_.crypto().sha256Hex(state),
                                                    host_.clock().now());
    if (!record) {
        if (record.error().code != sdk::ErrorCode::not_found) {
            return sdk::makeError(record.error().code,
                                  "oidc_federation: reading the sign-in state: " +
                                      record.error().message);
        }
        host_.logger().log(sdk::LogLevel::info, "oidc_federation.state_unknown",
                           "a callback came back with an unknown, used or expired state",
                           {{"authenticator", instance_id_}});
        return failure("This sign-in has expired or was already used. Go back to the app and sign "
                       "in again.",
                       {});
    }
    auto stored = parseObject(record->value);
    if (!stored) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "oidc_federation: a stored state is corrupt");
    }
    const std::string pending_id = stringOr(**stored, "pending_id");
    const std::string nonce = stringOr(**stored, "nonce");
    const std::string verifier = stringOr(**stored, "verifier");

    // RFC 9207: when the upstream names itself, it must be the one we sent the user to.
    if (const std::string* iss = query.find("iss"); iss != nullptr && *iss != config_.issuer) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.issuer_mismatch",
                           "the callback's iss parameter is not the configured issuer",
                           {{"authenticator", instance_id_}});
        return failure("The sign-in response did not come from " + config_.upstream_name + ".",
                       pending_id);
    }
    if (const std::string* error = query.find("error"); error != nullptr) {
        std::string code = error->substr(0, 64);
        host_.logger().log(sdk::LogLevel::info, "oidc_federation.upstream_error",
                           "the upstream answered with an error",
                           {{"authenticator", instance_id_},
                            {"error", code},
                            {"error_description", query.get("error_description").substr(0, 256)}});
        audit(step, "signin.failure", {},
              jsonObject({{"authenticator", jsonString(instance_id_)},
                          {"reason", jsonString("upstream_error")},
                          {"error", jsonString(code)}}));
        if (code == "access_denied") {
            return failure(config_.upstream_name + " did not sign you in: access was denied.",
                           pending_id);
        }
        return failure(config_.upstream_name + " did not sign you in (" + code + ").", pending_id);
    }
    const std::string code = query.get("code");
    if (code.empty() || code.size() > 4096) {
        return failure("The sign-in response from " + config_.upstream_name + " has no code.",
                       pending_id);
    }

    const std::string unavailable =
        config_.upstream_name + " cannot be reached right now. Try again in a moment.";
    auto provider = metadata();
    if (!provider) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.discovery_failed",
                           provider.error().message, {{"authenticator", instance_id_}});
        return failure(unavailable, pending_id);
    }

    // The token request (RFC 6749 4.1.3, RFC 7636 4.5).
    std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "authorization_code"},
                                                               {"code", code},
                                                               {"redirect_uri", redirectUri()},
                                                               {"code_verifier", verifier}};
    sdk::HttpRequest request;
    request.method = "POST";
    request.url = provider->token_endpoint;
    request.timeout = config_.timeout;
    request.content_type = "application/x-www-form-urlencoded";
    request.headers.emplace_back("Accept", "application/json");
    switch (config_.client_auth) {
    case ClientAuth::client_secret_basic:
        // RFC 6749 2.3.1: each part form-encoded before the Basic encoding.
        request.headers.emplace_back("Authorization",
                                     "Basic " + base64Encode(urlEncode(config_.client_id) + ":" +
                                                             urlEncode(config_.client_secret)));
        break;
    case ClientAuth::client_secret_post:
        fields.emplace_back("client_id", config_.client_id);
        fields.emplace_back("client_secret", config_.client_secret);
        break;
    case ClientAuth::none:
        fields.emplace_back("client_id", config_.client_id);
        break;
    }
    request.body = formBody(fields);
    auto response = host_.http().send(request);
    if (!response) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.token_failed",
                           response.error().message, {{"authenticator", instance_id_}});
        return failure(unavailable, pending_id);
    }
    auto tokens = parseObject(response->body);
    if (response->status != 200 || !tokens) {
        const std::string error =
            tokens ? stringOr(**tokens, "error").substr(0, 64) : std::string();
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.token_failed",
                           "the upstream's token endpoint refused the code",
                           {{"authenticator", instance_id_},
                            {"status", std::to_string(response->status)},
                            {"error", error}});
        audit(step, "signin.failure", {},
              jsonObject({{"authenticator", jsonString(instance_id_)},
                          {"reason", jsonString("token_exchange")},
                          {"error", jsonString(error)}}));
        return failure(config_.upstream_name + " did not confirm the sign-in. Try again.",
                       pending_id);
    }
    const std::string id_token = stringClaim(**tokens, "id_token").value_or("");
    std::string access_token = stringClaim(**tokens, "access_token").value_or("");
    if (const auto type = stringClaim(**tokens, "token_type"); type && lower(*type) != "bearer") {
        access_token.clear();  // only a Bearer token can be presented to userinfo
    }
    if (id_token.empty()) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.id_token_rejected",
                           "the token response has no id_token", {{"authenticator", instance_id_}});
        return failure(config_.upstream_name + " did not confirm the sign-in. Try again.",
                       pending_id);
    }

    auto validation = validateIdToken(id_token, *provider, nonce, access_token);
    if (!validation) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.jwks_failed",
                           validation.error().message, {{"authenticator", instance_id_}});
        return failure(unavailable, pending_id);
    }
    if (!validation->identity) {
        host_.logger().log(sdk::LogLevel::warning, "oidc_federation.id_token_rejected",
                           validation->reason, {{"authenticator", instance_id_}});
        audit(step, "signin.failure", {},
              jsonObject({{"authenticator", jsonString(instance_id_)},
                          {"reason", jsonString("id_token")},
                          {"detail", jsonString(validation->reason)}}));
        return failure("The sign-in response from " + config_.upstream_name +
                           " could not be verified. Try again.",
                       pending_id);
    }
    UpstreamIdentity identity = std::move(*validation->identity);
    addUserinfo(identity, *provider, access_token);
    return signIn(step, identity, pending_id);
}

// ---------------------------------------------------------------------------------------------
// account linking

sdk::Result<std::string> FederationAuthenticator::newUserId() {
    unsigned char bytes[16];
    if (!host_.random().fill(bytes, sizeof bytes)) {
        return sdk::makeError(sdk::ErrorCode::internal, "oidc_federation: the CSPRNG failed");
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0FU) | 0x40U);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    const std::string hex = toHex(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

sdk::Result<sdk::Verdict> FederationAuthenticator::signIn(const sdk::LoginStep& step,
                                                          const UpstreamIdentity& identity,
                                                          const std::string& pending_id) {
    sdk::Storage& store = host_.storage();
    const std::string subject = credentialSubject(identity.issuer, identity.subject);
    const sdk::UnixTime now = host_.clock().now();
    std::string upstream_amr;
    for (const std::string& method : identity.amr) {
        upstream_amr += (upstream_amr.empty() ? "" : ",") + jsonString(method.substr(0, 32));
    }
    auto succeed = [&](const std::string& user_id, const std::string& how) {
        sdk::Verdict verdict = sdk::Verdict::succeeded(user_id, {"fed"});
        verdict.pending_id = pending_id;
        verdict.audit_detail = jsonObject({{"authenticator", jsonString(instance_id_)},
                                           {"upstream", jsonString(identity.issuer)},
                                           {"linked_by", jsonString(how)},
                                           {"upstream_amr", "[" + upstream_amr + "]"}});
        return verdict;
    };
    auto credential = [&](const std::string& user_id, const std::string& how) {
        Poco::JSON::Object data;
        data.set("iss", identity.issuer);
        data.set("sub", identity.subject);
        data.set("email", identity.email);
        data.set("linked_by", how);
        sdk::Credential c;
        c.user_id = user_id;
        c.kind = instance_id_;
        c.subject = subject;
        c.data = stringify(data);
        c.created_at = now;
        c.updated_at = now;
        return c;
    };

    auto linked = store.credentials().findBySubject(instance_id_, subject);
    if (linked) {
        return succeed(linked->user_id, "subject");
    }
    if (linked.error().code != sdk::ErrorCode::not_found) {
        return sdk::makeError(linked.error().code,
                              "oidc_federation: looking up the linked account: " +
                                  linked.error().message);
    }

    const std::string email = lower(identity.email);
    const std::string no_account =
        "No account is linked to this " + config_.upstream_name + " account.";
    if (config_.link_by_email && identity.email_verified && !email.empty()) {
        auto existing = store.users().findByEmail(email);
        if (existing) {
            // A user already linked to another account at this upstream is not re-pointed.
            auto current = store.credentials().get(existing->id, instance_id_);
            if (current) {
                host_.logger().log(
                    sdk::LogLevel::warning, "oidc_federation.link_refused",
                    "the account with this email is linked to another upstream subject",
                    {{"authenticator", instance_id_}, {"user_id", existing->id}});
                return failure(no_account, pending_id);
            }
            if (current.error().code != sdk::ErrorCode::not_found) {
                return sdk::makeError(current.error().code,
                                      "oidc_federation: reading credentials: " +
                                          current.error().message);
            }
            if (auto put = store.credentials().put(credential(existing->id, "email")); !put) {
                if (put.error().code == sdk::ErrorCode::conflict) {
                    // Another request linked this subject meanwhile.
                    if (auto again = store.credentials().findBySubject(instance_id_, subject)) {
                        return succeed(again->user_id, "subject");
                    }
                }
                return sdk::makeError(put.error().code, "oidc_federation: linking the account: " +
                                                            put.error().message);
            }
            host_.logger().log(sdk::LogLevel::info, "oidc_federation.linked",
                               "linked an existing account by its verified email",
                               {{"authenticator", instance_id_}, {"user_id", existing->id}});
            audit(step, "credential.linked", existing->id,
                  jsonObject({{"authenticator", jsonString(instance_id_)},
                              {"linked_by", jsonString("email")}}));
            return succeed(existing->id, "email");
        }
        if (existing.error().code != sdk::ErrorCode::not_found) {
            return sdk::makeError(existing.error().code, "oidc_federation: looking up the email: " +
                                                             existing.error().message);
        }
    }

    if (!config_.create_accounts) {
        host_.logger().log(sdk::LogLevel::info, "oidc_federation.no_account",
                           "no linked account and account creation is off",
                           {{"authenticator", instance_id_}});
        audit(step, "signin.failure", {},
              jsonObject({{"authenticator", jsonString(instance_id_)},
                          {"reason", jsonString("no_account")}}));
        return failure(no_account, pending_id);
    }
    if (email.empty() || email.find('@') == std::string::npos) {
        host_.logger().log(sdk::LogLevel::info, "oidc_federation.no_account",
                           "the upstream shared no email address; no account created",
                           {{"authenticator", instance_id_}});
        return failure(no_account + " " + config_.upstream_name +
                           " did not share an email address, which a new account needs.",
                       pending_id);
    }
    auto user_id = newUserId();
    if (!user_id) {
        return user_id.error();
    }
    sdk::User user;
    user.id = *user_id;
    user.email = email;
    user.email_verified = identity.email_verified;
    user.name = identity.name;
    user.picture = identity.picture;
    user.created_at = now;
    user.updated_at = now;
    auto created = store.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
        if (auto made = tx.users().create(user); !made) {
            return made;
        }
        return tx.credentials().put(credential(user.id, "created"));
    });
    if (!created) {
        if (created.error().code == sdk::ErrorCode::conflict) {
            if (auto again = store.credentials().findBySubject(instance_id_, subject)) {
                return succeed(again->user_id, "subject");  // a concurrent callback won
            }
            host_.logger().log(sdk::LogLevel::info, "oidc_federation.no_account",
                               "an account already uses the upstream's email; not linked",
                               {{"authenticator", instance_id_}});
            audit(step, "signin.failure", {},
                  jsonObject({{"authenticator", jsonString(instance_id_)},
                              {"reason", jsonString("email_taken")}}));
            return failure(no_account +
                               " Sign in another way, then ask an administrator to link it.",
                           pending_id);
        }
        return sdk::makeError(created.error().code,
                              "oidc_federation: creating the account: " + created.error().message);
    }
    host_.logger().log(sdk::LogLevel::info, "oidc_federation.account_created",
                       "created an account for a new upstream user",
                       {{"authenticator", instance_id_}, {"user_id", user.id}});
    audit(step, "user.created", user.id,
          jsonObject({{"authenticator", jsonString(instance_id_)},
                      {"upstream", jsonString(identity.issuer)}}));
    return succeed(user.id, "created");
}

void FederationAuthenticator::audit(const sdk::LoginStep& step, const std::string& type,
                                    const std::string& user_id, const std::string& detail) {
    sdk::AuditEvent event;
    event.id = host_.random().token(16);
    if (event.id.empty()) {
        return;
    }
    event.time = host_.clock().now();
    event.type = type;
    event.user_id = user_id;
    event.client_id = step.client_id;
    event.client_address = step.request.client_address;
    event.detail = detail;
    if (auto appended = host_.storage().audit().append(event); !appended) {
        host_.logger().log(sdk::LogLevel::error, "oidc_federation.audit_failed",
                           appended.error().message,
                           {{"authenticator", instance_id_}, {"type", type}});
    }
}

}  // namespace authd::plugins::oidc_federation
