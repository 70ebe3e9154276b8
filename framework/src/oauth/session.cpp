// SPDX-License-Identifier: Apache-2.0
#include "oauth/session.hpp"

#include <algorithm>
#include <utility>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "json/json.hpp"
#include "oauth/audit_log.hpp"
#include "oauth/provider.hpp"

namespace authd::oauth {
namespace {

constexpr std::size_t kOpaqueTokenLength = 43;  // randomToken(32)

sdk::Error csprngFailed() {
    return sdk::makeError(sdk::ErrorCode::internal, "the CSPRNG failed");
}

}  // namespace

bool isOpaqueToken(std::string_view value) noexcept {
    if (value.size() != kOpaqueTokenLength) {
        return false;
    }
    return std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::string browserCookieOf(const http::Request& request) {
    std::string value = request.cookie(std::string(kBrowserCookie));
    return isOpaqueToken(value) ? value : std::string();
}

BrowserBinding::BrowserBinding(ProviderContext& ctx, const http::Request& request)
    : id_(browserCookieOf(request)), secure_(ctx.secure_cookies || request.secure) {
    if (id_.empty()) {
        id_ = crypto::randomToken(32);
        is_new_ = true;
    }
}

std::string BrowserBinding::hash() const {
    return crypto::sha256Hex(id_);
}

void BrowserBinding::apply(http::Response& response) const {
    if (!is_new_ || id_.empty()) {
        return;
    }
    http::SetCookie cookie;
    cookie.name = std::string(kBrowserCookie);
    cookie.value = id_;
    cookie.max_age = kBrowserCookieMaxAge;
    cookie.http_only = true;
    cookie.secure = secure_;
    cookie.same_site = "Lax";
    response.setCookie(cookie);
}

sdk::Result<std::optional<ActiveSession>> currentSession(ProviderContext& ctx,
                                                         const http::Request& request) {
    const std::string token = request.cookie(std::string(kSessionCookie));
    if (!isOpaqueToken(token)) {
        return std::optional<ActiveSession>();
    }
    auto session = ctx.store.sessions().findByTokenHash(crypto::sha256Hex(token));
    if (!session) {
        if (session.error().code == sdk::ErrorCode::not_found) {
            return std::optional<ActiveSession>();
        }
        return std::move(session).error();
    }
    const sdk::UnixTime now = ctx.now();
    if (session->revoked_at != 0 || (session->expires_at != 0 && now >= session->expires_at)) {
        return std::optional<ActiveSession>();
    }
    auto user = ctx.store.users().get(session->user_id);
    if (!user) {
        if (user.error().code == sdk::ErrorCode::not_found) {
            return std::optional<ActiveSession>();
        }
        return std::move(user).error();
    }
    ActiveSession active;
    active.session = std::move(*session);
    active.user = std::move(*user);
    active.token = token;
    return std::optional<ActiveSession>(std::move(active));
}

sdk::Result<SignIn> prepareSignIn(ProviderContext& ctx, const http::Request& request,
                                  const std::optional<ActiveSession>& current,
                                  const sdk::User& user, const std::vector<std::string>& amr) {
    const sdk::UnixTime now = ctx.now();
    const sdk::Seconds ttl = ctx.config.tokens.session_ttl;
    SignIn sign_in;
    if (current && current->user.id == user.id) {
        sign_in.active = *current;
        sign_in.active.user = user;
        sign_in.active.session.auth_time = now;
        sign_in.active.session.amr = amr;
        sign_in.active.session.expires_at = now + ttl;
        return sign_in;
    }
    ActiveSession& fresh = sign_in.active;
    sign_in.is_new = true;
    fresh.token = crypto::randomToken(32);
    fresh.session.id = crypto::uuidV4();
    if (fresh.token.empty() || fresh.session.id.empty()) {
        return csprngFailed();
    }
    fresh.session.token_hash = crypto::sha256Hex(fresh.token);
    fresh.session.user_id = user.id;
    fresh.session.created_at = now;
    fresh.session.auth_time = now;
    fresh.session.expires_at = now + ttl;
    fresh.session.amr = amr;
    fresh.session.client_address = request.client_address;
    fresh.session.user_agent = request.header("User-Agent").substr(0, 512);
    fresh.user = user;
    return sign_in;
}

sdk::Result<void> storeSignIn(sdk::Storage& store, const SignIn& sign_in) {
    return sign_in.is_new ? store.sessions().create(sign_in.active.session)
                          : store.sessions().update(sign_in.active.session);
}

http::SetCookie sessionCookie(const ProviderContext& ctx, const std::string& token) {
    http::SetCookie cookie;
    cookie.name = std::string(kSessionCookie);
    cookie.value = token;
    cookie.max_age = ctx.config.tokens.session_ttl;
    cookie.http_only = true;
    cookie.secure = ctx.secure_cookies;
    cookie.same_site = "Lax";
    return cookie;
}

http::SetCookie clearedSessionCookie(const ProviderContext& ctx) {
    http::SetCookie cookie = sessionCookie(ctx, "");
    cookie.max_age = 0;
    return cookie;
}

std::string encodeSessionRecord(const SessionRecord& record) {
    std::string out = "{\"authenticator\":";
    json::appendString(out, record.authenticator);
    out += ",\"clients\":[";
    for (std::size_t i = 0; i < record.clients.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        json::appendString(out, record.clients[i]);
    }
    out += "]}";
    return out;
}

SessionRecord decodeSessionRecord(std::string_view text) {
    SessionRecord record;
    auto parsed = json::parseObject(text, "the session record");
    if (!parsed) {
        return record;
    }
    if (const std::string* authenticator = parsed->stringPtr("authenticator")) {
        record.authenticator = *authenticator;
    }
    if (const json::Array* clients = parsed->array("clients")) {
        for (const json::Value& item : *clients) {
            if (item.isString()) {
                record.clients.push_back(item.asString());
            }
        }
    }
    return record;
}

sdk::Result<SessionRecord> loadSessionRecord(ProviderContext& ctx, sdk::Storage& store,
                                             const std::string& session_id) {
    auto stored =
        store.pluginData().get(std::string(kSessionRecordNamespace), session_id, ctx.now());
    if (!stored) {
        if (stored.error().code == sdk::ErrorCode::not_found) {
            return SessionRecord{};
        }
        return std::move(stored).error();
    }
    return decodeSessionRecord(stored->value);
}

sdk::Result<void> saveSessionRecord(sdk::Storage& store, const sdk::Session& session,
                                    const SessionRecord& record) {
    sdk::PluginRecord stored;
    stored.ns = std::string(kSessionRecordNamespace);
    stored.key = session.id;
    stored.value = encodeSessionRecord(record);
    stored.expires_at = session.expires_at;
    return store.pluginData().put(stored);
}

sdk::Result<void> addSessionClient(ProviderContext& ctx, sdk::Storage& store,
                                   const sdk::Session& session, const std::string& client_id) {
    auto record = loadSessionRecord(ctx, store, session.id);
    if (!record) {
        return std::move(record).error();
    }
    if (std::find(record->clients.begin(), record->clients.end(), client_id) !=
        record->clients.end()) {
        return sdk::ok();
    }
    record->clients.push_back(client_id);
    return saveSessionRecord(store, session, *record);
}

void auditBrowserEvent(ProviderContext& ctx, const http::Request& request, std::string type,
                       std::string user_id, std::string client_id, std::string detail) {
    sdk::AuditEvent event;
    event.id = crypto::uuidV4();
    event.time = ctx.now();
    event.type = std::move(type);
    event.user_id = std::move(user_id);
    event.client_id = std::move(client_id);
    event.client_address = request.client_address;
    event.detail = detail.empty() ? std::string("{}") : std::move(detail);
    if (ctx.audit != nullptr) {
        ctx.audit->record(std::move(event));
        return;
    }
    if (auto appended = ctx.store.audit().append(event); !appended) {
        ctx.log().log(sdk::LogLevel::error, "oauth.audit_failed",
                      "could not write an audit event: " + appended.error().message,
                      {{"type", event.type}});
    }
}

}  // namespace authd::oauth
