// SPDX-License-Identifier: Apache-2.0
#include "oauth/provider.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "oauth/audit_log.hpp"
#include "oauth/issuer.hpp"
#include "oauth/state_cache.hpp"

namespace authd::oauth {
namespace {

// How often a node re-reads the key ring (another node may have rotated a key) and purges
// expired codes, pending authorizations and refresh families. A rotation keeps the old key
// published far longer than this (KeyRing::rotate's keep_for).
constexpr std::chrono::seconds kKeyReloadInterval{60};
constexpr std::chrono::seconds kPurgeInterval{600};

// Labels of the keys derived from the master key (SecretBox::deriveKey). Changing one
// invalidates every outstanding value made with it.
constexpr std::string_view kRefreshKeyLabel = "authd refresh successor v1";
constexpr std::string_view kCsrfKeyLabel = "authd csrf v1";

std::string withoutTrailingSlash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

}  // namespace

// The pieces refer to each other (the issuer reads the context, the context names the
// issuer), so they live in one object whose members are built in declaration order; the
// issuer only stores the reference to `context` while it is being built.
struct Provider::Parts {
    explicit Parts(app::Server& server)
        : keys(server.storage().keys(), server.secretBox()),
          clients(server.storage().projects(), server.secretBox()),
          audit(server.storage(), server.host().logger()),
          state(server.storage()),
          issuer(context),
          context{server.config(),
                  server.storage(),
                  server.host(),
                  server.secretBox(),
                  keys,
                  clients,
                  issuer,
                  server.authenticators(),
                  withoutTrailingSlash(server.config().server.issuer),
                  server.secretBox().deriveKey(kRefreshKeyLabel),
                  server.secretBox().deriveKey(kCsrfKeyLabel),
                  server.config().server.issuer.rfind("https://", 0) == 0 ||
                      server.config().server.tls.has_value(),
                  &audit,
                  &state} {}

    ~Parts() {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        if (maintenance.joinable()) {
            maintenance.join();
        }
    }

    void startMaintenance() {
        maintenance = std::thread([this] { maintain(); });
    }

    void maintain() {
        auto next_reload = std::chrono::steady_clock::now() + kKeyReloadInterval;
        auto next_purge = std::chrono::steady_clock::now() + kPurgeInterval;
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_until(lock, std::min(next_reload, next_purge), [this] { return stopping; });
            if (stopping) {
                return;
            }
            lock.unlock();
            const auto now = std::chrono::steady_clock::now();
            if (now >= next_reload) {
                next_reload = now + kKeyReloadInterval;
                if (auto reloaded = keys.reload(); !reloaded) {
                    context.log().log(sdk::LogLevel::warning, "keys.reload_failed",
                                      reloaded.error().message);
                }
            }
            if (now >= next_purge) {
                next_purge = now + kPurgeInterval;
                purge();
            }
            lock.lock();
        }
    }

    void purge() {
        const sdk::UnixTime now = context.now();
        sdk::Storage& store = context.store;
        const auto report = [&](const char* what, const auto& result) {
            if (!result) {
                context.log().log(sdk::LogLevel::warning, "store.purge_failed",
                                  std::string(what) + ": " + result.error().message);
            }
        };
        report("codes", store.codes().purgeExpired(now));
        report("pending authorizations", store.pending().purgeExpired(now));
        report("refresh tokens", store.refresh().purgeExpired(now));
        report("signing keys", keys.purgeExpired(now));
    }

    tokens::KeyRing keys;
    ClientRegistry clients;
    AuditLog audit;
    StateCache state;
    TokenIssuer issuer;
    ProviderContext context;

    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread maintenance;
};

Provider::Provider(std::unique_ptr<Parts> parts)
    : parts_(std::move(parts)), context_(&parts_->context) {}

Provider::~Provider() = default;

sdk::Result<std::unique_ptr<Provider>> Provider::create(app::Server& server) {
    auto parts = std::make_unique<Parts>(server);
    if (parts->context.refresh_key.empty() || parts->context.csrf_key.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal, "could not derive keys from the master key");
    }
    if (auto loaded = parts->keys.reload(); !loaded) {
        return sdk::makeError(loaded.error().code,
                              "provider signing keys: " + loaded.error().message);
    }
    const sdk::UnixTime now = parts->context.now();
    for (const tokens::Alg alg : {tokens::Alg::rs256, tokens::Alg::es256, tokens::Alg::eddsa}) {
        if (auto key = parts->keys.ensureKey(alg, now); !key) {
            return sdk::makeError(key.error().code, "provider signing key " +
                                                        std::string(tokens::algName(alg)) + ": " +
                                                        key.error().message);
        }
    }
    parts->startMaintenance();
    return std::unique_ptr<Provider>(new Provider(std::move(parts)));
}

void Provider::registerRoutes(http::Router& router) {
    ProviderContext& ctx = *context_;
    addDiscoveryRoutes(router, ctx);
    addTokenRoutes(router, ctx);
    addResourceRoutes(router, ctx);
    addAuthorizeRoutes(router, ctx);
    addLoginRoutes(router, ctx);
    addLogoutRoutes(router, ctx);
    addStaticRoutes(router, ctx);
}

void addOAuthRoute(http::Router& router, const std::vector<std::string>& methods,
                   const std::string& name, const http::Handler& handler) {
    // One metrics label for both dialects: they are one endpoint.
    const std::string label = "/oauth/" + name;
    router.add(methods, "/oauth/" + name, handler, label);
    router.add(methods, "/api/oauth/" + name, handler, label);
}

}  // namespace authd::oauth
