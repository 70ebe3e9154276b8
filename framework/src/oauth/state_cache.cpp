// SPDX-License-Identifier: Apache-2.0
#include "oauth/state_cache.hpp"

#include "oauth/access_tokens.hpp"

namespace authd::oauth {

template <typename T>
std::shared_ptr<const T> StateCache::Table<T>::get(const std::string& id,
                                                   std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) {
        return nullptr;
    }
    if (now >= it->second.expires) {
        entries_.erase(it);
        return nullptr;
    }
    return it->second.value;
}

template <typename T>
void StateCache::Table<T>::put(const std::string& id, std::shared_ptr<const T> value,
                               std::chrono::steady_clock::time_point now,
                               std::chrono::milliseconds ttl, std::size_t max_entries) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries) {
        for (auto it = entries_.begin(); it != entries_.end();) {
            it = now >= it->second.expires ? entries_.erase(it) : std::next(it);
        }
        if (entries_.size() >= max_entries) {
            entries_.clear();
        }
    }
    entries_[id] = Entry{std::move(value), now + ttl};
}

template <typename T>
void StateCache::Table<T>::forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    entries_.erase(id);
}

template <typename T>
void StateCache::Table<T>::clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

namespace {
constexpr std::chrono::milliseconds kTokenTtl{60000};
constexpr std::size_t kMaxTokens = 20000;
}  // namespace

StateCache::StateCache(sdk::Storage& store, std::chrono::milliseconds ttl, std::size_t max_entries)
    : store_(store), ttl_(ttl), max_entries_(max_entries == 0 ? 1 : max_entries) {}

StateCache::~StateCache() = default;

std::shared_ptr<const AccessTokenClaims> StateCache::verifiedToken(const std::string& token) {
    return tokens_.get(token, std::chrono::steady_clock::now());
}

void StateCache::rememberToken(const std::string& token,
                               std::shared_ptr<const AccessTokenClaims> claims) {
    tokens_.put(token, std::move(claims), std::chrono::steady_clock::now(), kTokenTtl, kMaxTokens);
}

namespace {

template <typename T, typename Load>
sdk::Result<std::shared_ptr<const T>> cached(StateCache::Table<T>& table, const std::string& id,
                                             std::chrono::milliseconds ttl,
                                             std::size_t max_entries, Load&& load) {
    const auto now = std::chrono::steady_clock::now();
    if (auto hit = table.get(id, now)) {
        return hit;
    }
    auto loaded = load();
    if (!loaded) {
        return std::move(loaded).error();
    }
    auto value = std::make_shared<const T>(std::move(*loaded));
    table.put(id, value, now, ttl, max_entries);
    return std::shared_ptr<const T>(std::move(value));
}

}  // namespace

sdk::Result<std::shared_ptr<const sdk::User>> StateCache::user(const std::string& id) {
    return cached(users_, id, ttl_, max_entries_, [&] { return store_.users().get(id); });
}

sdk::Result<std::shared_ptr<const sdk::RefreshFamily>> StateCache::family(const std::string& id) {
    return cached(families_, id, ttl_, max_entries_,
                  [&] { return store_.refresh().getFamily(id); });
}

sdk::Result<std::shared_ptr<const sdk::Session>> StateCache::session(const std::string& id) {
    return cached(sessions_, id, ttl_, max_entries_, [&] { return store_.sessions().get(id); });
}

void StateCache::forgetUser(const std::string& id) {
    users_.forget(id);
}

void StateCache::forgetFamily(const std::string& id) {
    families_.forget(id);
}

void StateCache::forgetSession(const std::string& id) {
    sessions_.forget(id);
}

void StateCache::forgetAllFamilies() {
    families_.clear();
}

}  // namespace authd::oauth
