// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "authd/sdk/storage.hpp"

namespace authd::oauth {

struct AccessTokenClaims;

/// Short-lived copies of the store rows that every userinfo and introspection call checks
/// (the user, the refresh family and the session behind an access token), so that a
/// client polling with one token does not cost three store reads per request. An entry
/// lives `ttl` (1 s by default): that bounds how long a suspension, a revocation or a logout
/// made on ANOTHER node takes to reach this one, the same bound as the ClientRegistry's.
/// Changes made through this node call forget*() and are seen at once. At most
/// `max_entries` per kind are kept; when full, expired entries go first, then everything.
/// Only found rows are cached (not_found and store errors pass through every time).
/// It also remembers what recently verified access tokens said (at most 60 s, at most
/// 20 000 tokens), for clients that present one token many times.
/// Threading: thread-safe.
class StateCache {
public:
    explicit StateCache(sdk::Storage& store,
                        std::chrono::milliseconds ttl = std::chrono::milliseconds(1000),
                        std::size_t max_entries = 100000);
    ~StateCache();

    sdk::Result<std::shared_ptr<const sdk::User>> user(const std::string& id);
    sdk::Result<std::shared_ptr<const sdk::RefreshFamily>> family(const std::string& id);
    sdk::Result<std::shared_ptr<const sdk::Session>> session(const std::string& id);

    /// What `token` verified to before, while the entry lives; null otherwise. Entries live at
    /// most `token_ttl` and never past their AccessTokenClaims::valid_until (checked by the
    /// caller, which also checks the client snapshot).
    std::shared_ptr<const AccessTokenClaims> verifiedToken(const std::string& token);
    void rememberToken(const std::string& token, std::shared_ptr<const AccessTokenClaims> claims);

    void forgetUser(const std::string& id);
    void forgetFamily(const std::string& id);
    void forgetSession(const std::string& id);
    /// After a revocation whose families are not known one by one (a replayed code).
    void forgetAllFamilies();

    template <typename T>
    class Table {
    public:
        std::shared_ptr<const T> get(const std::string& id,
                                     std::chrono::steady_clock::time_point now);
        void put(const std::string& id, std::shared_ptr<const T> value,
                 std::chrono::steady_clock::time_point now, std::chrono::milliseconds ttl,
                 std::size_t max_entries);
        void forget(const std::string& id);
        void clear();

    private:
        struct Entry {
            std::shared_ptr<const T> value;
            std::chrono::steady_clock::time_point expires;
        };
        std::mutex mutex_;
        std::unordered_map<std::string, Entry> entries_;
    };

private:
    sdk::Storage& store_;
    const std::chrono::milliseconds ttl_;
    const std::size_t max_entries_;
    Table<sdk::User> users_;
    Table<sdk::RefreshFamily> families_;
    Table<sdk::Session> sessions_;
    Table<AccessTokenClaims> tokens_;  // keyed by the whole token: no collisions to reason about
};

}  // namespace authd::oauth
