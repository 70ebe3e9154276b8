// SPDX-License-Identifier: Apache-2.0
#include "support/memory_storage.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace authd::test {

using sdk::ErrorCode;
using sdk::makeError;
using sdk::Result;

namespace {

using Key2 = std::pair<std::string, std::string>;

struct State {
    std::map<std::string, sdk::User> users;
    std::map<Key2, sdk::Credential> credentials;  // (user_id, kind)
    std::map<std::string, sdk::Project> projects;
    std::map<std::string, sdk::Session> sessions;
    std::map<std::string, sdk::PendingAuthorization> pending;
    std::set<std::string> taken_pending;  // to tell already_consumed from not_found
    std::map<std::string, sdk::AuthorizationCode> codes;
    std::map<std::string, sdk::RefreshFamily> families;
    std::map<std::string, sdk::RefreshToken> refresh_tokens;
    std::map<Key2, sdk::Consent> consents;  // (user_id, client_id)
    std::map<std::string, sdk::Counter> counters;
    std::vector<sdk::SigningKey> keys;  // insertion order = oldest first
    std::vector<sdk::AuditEvent> audit;  // append order
    std::map<Key2, sdk::PluginRecord> plugin_data;  // (ns, key)
};

int clampLimit(int limit) {
    return std::clamp(limit, 1, 1000);
}

}  // namespace

struct MemoryStorage::Shared {
    std::recursive_mutex mutex;
    State state;
    std::optional<ErrorCode> failure;
    bool in_transaction = false;

    std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex); }
    /// The injected failure, if any. Call with the lock held.
    std::optional<sdk::Error> injected() const {
        if (failure) {
            return makeError(*failure, "storage failure injected by the test");
        }
        return std::nullopt;
    }

    // Cascades shared by several aggregates. Call with the lock held.
    std::int64_t revokeFamiliesWhere(const std::function<bool(const sdk::RefreshFamily&)>& match,
                                     sdk::UnixTime now, const std::string& reason) {
        std::int64_t count = 0;
        for (auto& [id, family] : state.families) {
            if (family.revoked_at == 0 && match(family)) {
                family.revoked_at = now;
                family.revoked_reason = reason;
                ++count;
            }
        }
        return count;
    }
    void eraseFamiliesWhere(const std::function<bool(const sdk::RefreshFamily&)>& match) {
        for (auto it = state.families.begin(); it != state.families.end();) {
            if (match(it->second)) {
                const std::string family_id = it->first;
                std::erase_if(state.refresh_tokens,
                              [&](const auto& entry) { return entry.second.family_id == family_id; });
                it = state.families.erase(it);
            } else {
                ++it;
            }
        }
    }
};

namespace {

using Shared = MemoryStorage::Shared;

#define AUTHD_TEST_STORE_PROLOGUE                                                                \
    auto guard = shared_.lock();                                                                 \
    if (auto injected_error = shared_.injected()) {                                              \
        return *injected_error;                                                                  \
    }                                                                                            \
    State& s = shared_.state

class Users final : public sdk::UserStore {
public:
    explicit Users(Shared& shared) : shared_(shared) {}

    Result<void> create(const sdk::User& user) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (user.id.empty() || user.email.empty()) {
            return makeError(ErrorCode::invalid_argument, "a user needs an id and an email");
        }
        if (s.users.count(user.id) != 0) {
            return makeError(ErrorCode::conflict, "user id " + user.id + " is taken");
        }
        if (emailTaken(s, user.email, {})) {
            return makeError(ErrorCode::conflict, "email is taken");
        }
        s.users.emplace(user.id, user);
        return sdk::ok();
    }
    Result<sdk::User> get(const std::string& id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.users.find(id);
        if (it == s.users.end()) {
            return makeError(ErrorCode::not_found, "no user " + id);
        }
        return it->second;
    }
    Result<sdk::User> findByEmail(const std::string& email) override {
        AUTHD_TEST_STORE_PROLOGUE;
        for (const auto& [id, user] : s.users) {
            if (user.email == email) {
                return user;
            }
        }
        return makeError(ErrorCode::not_found, "no user with that email");
    }
    Result<void> update(const sdk::User& user) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.users.find(user.id);
        if (it == s.users.end()) {
            return makeError(ErrorCode::not_found, "no user " + user.id);
        }
        if (emailTaken(s, user.email, user.id)) {
            return makeError(ErrorCode::conflict, "email is taken");
        }
        const sdk::UnixTime created_at = it->second.created_at;
        it->second = user;
        it->second.created_at = created_at;
        return sdk::ok();
    }
    Result<void> remove(const std::string& id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (s.users.erase(id) == 0) {
            return makeError(ErrorCode::not_found, "no user " + id);
        }
        std::erase_if(s.credentials, [&](const auto& e) { return e.second.user_id == id; });
        std::erase_if(s.sessions, [&](const auto& e) { return e.second.user_id == id; });
        std::erase_if(s.consents, [&](const auto& e) { return e.second.user_id == id; });
        shared_.eraseFamiliesWhere([&](const sdk::RefreshFamily& f) { return f.user_id == id; });
        return sdk::ok();
    }
    Result<sdk::Slice<sdk::User>> list(const sdk::UserQuery& query) override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::vector<sdk::User> matches;
        for (const auto& [id, user] : s.users) {
            if (!query.email.empty() && user.email != query.email) {
                continue;
            }
            if (!query.email_contains.empty() &&
                user.email.find(query.email_contains) == std::string::npos) {
                continue;
            }
            if (!query.cursor.empty() && user.email <= query.cursor) {
                continue;
            }
            matches.push_back(user);
        }
        std::sort(matches.begin(), matches.end(),
                  [](const sdk::User& a, const sdk::User& b) { return a.email < b.email; });
        sdk::Slice<sdk::User> slice;
        const auto limit = static_cast<std::size_t>(clampLimit(query.limit));
        if (matches.size() > limit) {
            matches.resize(limit);
            slice.next_cursor = matches.back().email;
        }
        slice.items = std::move(matches);
        return slice;
    }

private:
    static bool emailTaken(const State& s, const std::string& email, const std::string& except_id) {
        return std::any_of(s.users.begin(), s.users.end(), [&](const auto& e) {
            return e.second.email == email && e.first != except_id;
        });
    }
    Shared& shared_;
};

class Credentials final : public sdk::CredentialStore {
public:
    explicit Credentials(Shared& shared) : shared_(shared) {}

    Result<void> put(const sdk::Credential& credential) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (credential.user_id.empty() || credential.kind.empty()) {
            return makeError(ErrorCode::invalid_argument, "a credential needs a user_id and a kind");
        }
        if (s.users.count(credential.user_id) == 0) {
            return makeError(ErrorCode::not_found, "no user " + credential.user_id);
        }
        if (!credential.subject.empty()) {
            for (const auto& [key, other] : s.credentials) {
                if (other.kind == credential.kind && other.subject == credential.subject &&
                    other.user_id != credential.user_id) {
                    return makeError(ErrorCode::conflict, "subject is taken for " + credential.kind);
                }
            }
        }
        s.credentials[{credential.user_id, credential.kind}] = credential;
        return sdk::ok();
    }
    Result<sdk::Credential> get(const std::string& user_id, const std::string& kind) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.credentials.find({user_id, kind});
        if (it == s.credentials.end()) {
            return makeError(ErrorCode::not_found, "no " + kind + " credential for " + user_id);
        }
        return it->second;
    }
    Result<sdk::Credential> findBySubject(const std::string& kind,
                                          const std::string& subject) override {
        AUTHD_TEST_STORE_PROLOGUE;
        for (const auto& [key, credential] : s.credentials) {
            if (credential.kind == kind && !subject.empty() && credential.subject == subject) {
                return credential;
            }
        }
        return makeError(ErrorCode::not_found, "no " + kind + " credential with that subject");
    }
    Result<void> remove(const std::string& user_id, const std::string& kind) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (s.credentials.erase({user_id, kind}) == 0) {
            return makeError(ErrorCode::not_found, "no " + kind + " credential for " + user_id);
        }
        return sdk::ok();
    }
    Result<std::vector<sdk::Credential>> listForUser(const std::string& user_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::vector<sdk::Credential> out;
        for (const auto& [key, credential] : s.credentials) {
            if (credential.user_id == user_id) {
                out.push_back(credential);
            }
        }
        return out;
    }

private:
    Shared& shared_;
};

class Projects final : public sdk::ProjectStore {
public:
    explicit Projects(Shared& shared) : shared_(shared) {}

    Result<void> create(const sdk::Project& project) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (project.client_id.empty()) {
            return makeError(ErrorCode::invalid_argument, "a project needs a client_id");
        }
        if (!s.projects.emplace(project.client_id, project).second) {
            return makeError(ErrorCode::conflict, "client_id " + project.client_id + " is taken");
        }
        return sdk::ok();
    }
    Result<sdk::Project> get(const std::string& client_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.projects.find(client_id);
        if (it == s.projects.end()) {
            return makeError(ErrorCode::not_found, "no project " + client_id);
        }
        return it->second;
    }
    Result<void> update(const sdk::Project& project) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.projects.find(project.client_id);
        if (it == s.projects.end()) {
            return makeError(ErrorCode::not_found, "no project " + project.client_id);
        }
        const sdk::UnixTime created_at = it->second.created_at;
        it->second = project;
        it->second.created_at = created_at;
        return sdk::ok();
    }
    Result<void> remove(const std::string& client_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (s.projects.erase(client_id) == 0) {
            return makeError(ErrorCode::not_found, "no project " + client_id);
        }
        std::erase_if(s.codes, [&](const auto& e) { return e.second.client_id == client_id; });
        std::erase_if(s.consents, [&](const auto& e) { return e.second.client_id == client_id; });
        shared_.eraseFamiliesWhere(
            [&](const sdk::RefreshFamily& f) { return f.client_id == client_id; });
        return sdk::ok();
    }
    Result<sdk::Slice<sdk::Project>> list(const std::string& owner_id, const std::string& cursor,
                                          int limit) override {
        AUTHD_TEST_STORE_PROLOGUE;
        sdk::Slice<sdk::Project> slice;
        const auto max_items = static_cast<std::size_t>(clampLimit(limit));
        for (const auto& [client_id, project] : s.projects) {  // std::map: ordered by client_id
            if ((!owner_id.empty() && project.owner_id != owner_id) ||
                (!cursor.empty() && client_id <= cursor)) {
                continue;
            }
            if (slice.items.size() == max_items) {
                slice.next_cursor = slice.items.back().client_id;
                break;
            }
            slice.items.push_back(project);
        }
        return slice;
    }

private:
    Shared& shared_;
};

class Sessions final : public sdk::SessionStore {
public:
    explicit Sessions(Shared& shared) : shared_(shared) {}

    Result<void> create(const sdk::Session& session) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (session.id.empty()) {
            return makeError(ErrorCode::invalid_argument, "a session needs an id");
        }
        if (!s.sessions.emplace(session.id, session).second) {
            return makeError(ErrorCode::conflict, "session id is taken");
        }
        return sdk::ok();
    }
    Result<sdk::Session> get(const std::string& id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.sessions.find(id);
        if (it == s.sessions.end()) {
            return makeError(ErrorCode::not_found, "no session " + id);
        }
        return it->second;
    }
    Result<sdk::Session> findByTokenHash(const std::string& token_hash) override {
        AUTHD_TEST_STORE_PROLOGUE;
        for (const auto& [id, session] : s.sessions) {
            if (session.token_hash == token_hash) {
                return session;
            }
        }
        return makeError(ErrorCode::not_found, "no session with that token");
    }
    Result<void> update(const sdk::Session& session) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.sessions.find(session.id);
        if (it == s.sessions.end()) {
            return makeError(ErrorCode::not_found, "no session " + session.id);
        }
        it->second.auth_time = session.auth_time;
        it->second.amr = session.amr;
        it->second.expires_at = session.expires_at;
        return sdk::ok();
    }
    Result<void> revoke(const std::string& id, sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.sessions.find(id);
        if (it == s.sessions.end()) {
            return makeError(ErrorCode::not_found, "no session " + id);
        }
        revokeOne(it->second, now);
        return sdk::ok();
    }
    Result<std::int64_t> revokeAllForUser(const std::string& user_id, sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::int64_t count = 0;
        for (auto& [id, session] : s.sessions) {
            if (session.user_id == user_id && session.revoked_at == 0) {
                revokeOne(session, now);
                ++count;
            }
        }
        return count;
    }
    Result<std::vector<sdk::Session>> listForUser(const std::string& user_id,
                                                  sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::vector<sdk::Session> out;
        for (const auto& [id, session] : s.sessions) {
            if (session.user_id == user_id && session.revoked_at == 0 && session.expires_at > now) {
                out.push_back(session);
            }
        }
        std::stable_sort(out.begin(), out.end(), [](const sdk::Session& a, const sdk::Session& b) {
            return a.created_at > b.created_at;
        });
        return out;
    }

private:
    void revokeOne(sdk::Session& session, sdk::UnixTime now) {
        if (session.revoked_at == 0) {
            session.revoked_at = now;
        }
        const std::string session_id = session.id;
        shared_.revokeFamiliesWhere(
            [&](const sdk::RefreshFamily& f) { return f.session_id == session_id; }, now,
            "session_revoked");
    }
    Shared& shared_;
};

class Pending final : public sdk::PendingStore {
public:
    explicit Pending(Shared& shared) : shared_(shared) {}

    Result<void> create(const sdk::PendingAuthorization& pending) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (pending.id.empty()) {
            return makeError(ErrorCode::invalid_argument, "a pending authorization needs an id");
        }
        if (s.taken_pending.count(pending.id) != 0 ||
            !s.pending.emplace(pending.id, pending).second) {
            return makeError(ErrorCode::conflict, "pending id is taken");
        }
        return sdk::ok();
    }
    Result<sdk::PendingAuthorization> get(const std::string& id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.pending.find(id);
        if (it == s.pending.end()) {
            return makeError(ErrorCode::not_found, "no pending authorization " + id);
        }
        return it->second;
    }
    Result<void> update(const sdk::PendingAuthorization& pending) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.pending.find(pending.id);
        if (it == s.pending.end()) {
            return makeError(ErrorCode::not_found, "no pending authorization " + pending.id);
        }
        it->second = pending;
        return sdk::ok();
    }
    Result<sdk::PendingAuthorization> take(const std::string& id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.pending.find(id);
        if (it == s.pending.end()) {
            if (s.taken_pending.count(id) != 0) {
                return makeError(ErrorCode::already_consumed, "pending authorization already taken");
            }
            return makeError(ErrorCode::not_found, "no pending authorization " + id);
        }
        sdk::PendingAuthorization taken = std::move(it->second);
        s.pending.erase(it);
        s.taken_pending.insert(id);
        return taken;
    }
    Result<std::int64_t> purgeExpired(sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        return static_cast<std::int64_t>(
            std::erase_if(s.pending, [&](const auto& e) { return e.second.expires_at <= now; }));
    }

private:
    Shared& shared_;
};

class Codes final : public sdk::CodeStore {
public:
    explicit Codes(Shared& shared) : shared_(shared) {}

    Result<void> create(const sdk::AuthorizationCode& code) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (code.code_hash.empty()) {
            return makeError(ErrorCode::invalid_argument, "a code needs a code_hash");
        }
        if (!s.codes.emplace(code.code_hash, code).second) {
            return makeError(ErrorCode::conflict, "code hash is taken");
        }
        return sdk::ok();
    }
    Result<sdk::AuthorizationCode> consume(const std::string& code_hash, sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.codes.find(code_hash);
        if (it == s.codes.end()) {
            return makeError(ErrorCode::not_found, "no such code");
        }
        // A replay wins over expiry: the caller must revoke what the code issued either way.
        if (it->second.consumed_at != 0) {
            return makeError(ErrorCode::already_consumed, "code already used");
        }
        if (it->second.expires_at <= now) {
            return makeError(ErrorCode::expired, "code expired");
        }
        it->second.consumed_at = now;
        return it->second;
    }
    Result<std::int64_t> purgeExpired(sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        return static_cast<std::int64_t>(
            std::erase_if(s.codes, [&](const auto& e) { return e.second.expires_at <= now; }));
    }

private:
    Shared& shared_;
};

class Refresh final : public sdk::RefreshStore {
public:
    explicit Refresh(Shared& shared) : shared_(shared) {}

    Result<void> createFamily(const sdk::RefreshFamily& family,
                              const sdk::RefreshToken& first) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (family.id.empty() || first.token_hash.empty()) {
            return makeError(ErrorCode::invalid_argument, "a family needs an id and a first token");
        }
        if (!first.family_id.empty() && first.family_id != family.id) {
            return makeError(ErrorCode::invalid_argument, "first token belongs to another family");
        }
        if (s.families.count(family.id) != 0 || s.refresh_tokens.count(first.token_hash) != 0) {
            return makeError(ErrorCode::conflict, "family id or token hash is taken");
        }
        s.families.emplace(family.id, family);
        sdk::RefreshToken token = first;
        token.family_id = family.id;
        s.refresh_tokens.emplace(token.token_hash, token);
        return sdk::ok();
    }
    Result<sdk::RotateResult> rotate(const std::string& old_hash, const std::string& client_id,
                                     const sdk::RefreshToken& successor, sdk::UnixTime now,
                                     sdk::Seconds grace) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (client_id.empty()) {
            return makeError(ErrorCode::invalid_argument, "rotate needs the client id");
        }
        sdk::RotateResult result;
        auto token_it = s.refresh_tokens.find(old_hash);
        if (token_it == s.refresh_tokens.end()) {
            return result;  // not_found
        }
        sdk::RefreshToken& old = token_it->second;
        auto family_it = s.families.find(old.family_id);
        if (family_it == s.families.end()) {
            return result;
        }
        sdk::RefreshFamily& family = family_it->second;
        if (family.client_id != client_id) {
            result.status = sdk::RotateStatus::wrong_client;
            return result;
        }
        if (family.revoked_at != 0) {
            result.status = sdk::RotateStatus::revoked;
        } else if (old.rotated_at == 0) {
            if (old.expires_at <= now || (family.expires_at != 0 && family.expires_at <= now)) {
                result.status = sdk::RotateStatus::expired;
            } else {
                if (successor.token_hash.empty() ||
                    s.refresh_tokens.count(successor.token_hash) != 0) {
                    return makeError(ErrorCode::conflict, "successor token hash is taken");
                }
                old.rotated_at = now;
                old.successor_hash = successor.token_hash;
                sdk::RefreshToken next = successor;
                next.family_id = family.id;
                if (next.expires_at == 0) {
                    next.expires_at = family.expires_at;
                }
                s.refresh_tokens.emplace(next.token_hash, next);
                result.status = sdk::RotateStatus::rotated;
            }
        } else if (grace > 0 && now - old.rotated_at <= grace &&
                   old.successor_hash == successor.token_hash &&
                   s.refresh_tokens.count(successor.token_hash) != 0 &&
                   s.refresh_tokens.at(successor.token_hash).rotated_at == 0) {
            result.status = sdk::RotateStatus::grace_replay;
        } else {
            family.revoked_at = now;
            family.revoked_reason = "reuse";
            result.status = sdk::RotateStatus::reuse_detected;
        }
        result.family = family;
        return result;
    }
    Result<std::pair<sdk::RefreshToken, sdk::RefreshFamily>> find(
        const std::string& token_hash) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto token_it = s.refresh_tokens.find(token_hash);
        if (token_it == s.refresh_tokens.end()) {
            return makeError(ErrorCode::not_found, "no such refresh token");
        }
        auto family_it = s.families.find(token_it->second.family_id);
        if (family_it == s.families.end()) {
            return makeError(ErrorCode::not_found, "refresh token has no family");
        }
        return std::make_pair(token_it->second, family_it->second);
    }
    Result<sdk::RefreshFamily> getFamily(const std::string& family_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.families.find(family_id);
        if (it == s.families.end()) {
            return makeError(ErrorCode::not_found, "no refresh family " + family_id);
        }
        return it->second;
    }
    Result<void> revokeFamily(const std::string& family_id, sdk::UnixTime now,
                              const std::string& reason) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.families.find(family_id);
        if (it == s.families.end()) {
            return makeError(ErrorCode::not_found, "no refresh family " + family_id);
        }
        if (it->second.revoked_at == 0) {
            it->second.revoked_at = now;
            it->second.revoked_reason = reason;
        }
        return sdk::ok();
    }
    Result<std::int64_t> revokeByOrigin(const std::string& code_hash, sdk::UnixTime now,
                                        const std::string& reason) override {
        AUTHD_TEST_STORE_PROLOGUE;
        (void)s;
        return shared_.revokeFamiliesWhere(
            [&](const sdk::RefreshFamily& f) {
                return !code_hash.empty() && f.origin_code_hash == code_hash;
            },
            now, reason);
    }
    Result<std::int64_t> revokeForUser(const std::string& user_id, sdk::UnixTime now,
                                       const std::string& reason) override {
        AUTHD_TEST_STORE_PROLOGUE;
        (void)s;
        return shared_.revokeFamiliesWhere(
            [&](const sdk::RefreshFamily& f) { return f.user_id == user_id; }, now, reason);
    }
    Result<std::int64_t> revokeForClient(const std::string& client_id, sdk::UnixTime now,
                                         const std::string& reason) override {
        AUTHD_TEST_STORE_PROLOGUE;
        (void)s;
        return shared_.revokeFamiliesWhere(
            [&](const sdk::RefreshFamily& f) { return f.client_id == client_id; }, now, reason);
    }
    Result<std::int64_t> purgeExpired(sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        const std::size_t before = s.families.size();
        shared_.eraseFamiliesWhere([&](const sdk::RefreshFamily& f) {
            return f.expires_at != 0 && f.expires_at <= now;
        });
        return static_cast<std::int64_t>(before - s.families.size());
    }

private:
    Shared& shared_;
};

class Consents final : public sdk::ConsentStore {
public:
    explicit Consents(Shared& shared) : shared_(shared) {}

    Result<sdk::Consent> get(const std::string& user_id, const std::string& client_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.consents.find({user_id, client_id});
        if (it == s.consents.end()) {
            return makeError(ErrorCode::not_found, "no consent");
        }
        return it->second;
    }
    Result<void> put(const sdk::Consent& consent) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (consent.user_id.empty() || consent.client_id.empty()) {
            return makeError(ErrorCode::invalid_argument, "a consent needs a user and a client");
        }
        s.consents[{consent.user_id, consent.client_id}] = consent;
        return sdk::ok();
    }
    Result<void> remove(const std::string& user_id, const std::string& client_id) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (s.consents.erase({user_id, client_id}) == 0) {
            return makeError(ErrorCode::not_found, "no consent");
        }
        return sdk::ok();
    }

private:
    Shared& shared_;
};

class Counters final : public sdk::CounterStore {
public:
    explicit Counters(Shared& shared) : shared_(shared) {}

    Result<sdk::Counter> get(const std::string& key) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.counters.find(key);
        if (it == s.counters.end()) {
            return makeError(ErrorCode::not_found, "no counter " + key);
        }
        return it->second;
    }
    Result<sdk::Counter> increment(const std::string& key, sdk::UnixTime now,
                                   sdk::Seconds window) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto [it, inserted] = s.counters.try_emplace(key);
        sdk::Counter& counter = it->second;
        if (inserted) {
            counter.key = key;
        }
        if (inserted || counter.window_start < now - window) {
            counter.count = 1;
            counter.window_start = now;
        } else {
            ++counter.count;
        }
        counter.updated_at = now;
        return counter;
    }
    Result<void> lock(const std::string& key, sdk::UnixTime until) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto [it, inserted] = s.counters.try_emplace(key);
        if (inserted) {
            it->second.key = key;
        }
        it->second.locked_until = until;
        return sdk::ok();
    }
    Result<void> reset(const std::string& key) override {
        AUTHD_TEST_STORE_PROLOGUE;
        s.counters.erase(key);
        return sdk::ok();
    }
    Result<std::int64_t> purgeIdle(sdk::UnixTime older_than) override {
        AUTHD_TEST_STORE_PROLOGUE;
        return static_cast<std::int64_t>(std::erase_if(s.counters, [&](const auto& e) {
            return e.second.updated_at < older_than && e.second.locked_until < older_than;
        }));
    }

private:
    Shared& shared_;
};

class Keys final : public sdk::KeyStore {
public:
    explicit Keys(Shared& shared) : shared_(shared) {}

    Result<void> add(const sdk::SigningKey& key) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (key.kid.empty()) {
            return makeError(ErrorCode::invalid_argument, "a signing key needs a kid");
        }
        if (find(s, key.kid) != s.keys.end()) {
            return makeError(ErrorCode::conflict, "kid " + key.kid + " is taken");
        }
        s.keys.push_back(key);
        return sdk::ok();
    }
    Result<std::vector<sdk::SigningKey>> list() override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::vector<sdk::SigningKey> out = s.keys;
        std::stable_sort(out.begin(), out.end(),
                         [](const sdk::SigningKey& a, const sdk::SigningKey& b) {
                             return a.created_at < b.created_at;
                         });
        return out;
    }
    Result<void> update(const sdk::SigningKey& key) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = find(s, key.kid);
        if (it == s.keys.end()) {
            return makeError(ErrorCode::not_found, "no key " + key.kid);
        }
        *it = key;
        return sdk::ok();
    }
    Result<void> remove(const std::string& kid) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = find(s, kid);
        if (it == s.keys.end()) {
            return makeError(ErrorCode::not_found, "no key " + kid);
        }
        s.keys.erase(it);
        return sdk::ok();
    }

private:
    static std::vector<sdk::SigningKey>::iterator find(State& s, const std::string& kid) {
        return std::find_if(s.keys.begin(), s.keys.end(),
                            [&](const sdk::SigningKey& k) { return k.kid == kid; });
    }
    Shared& shared_;
};

class Audit final : public sdk::AuditStore {
public:
    explicit Audit(Shared& shared) : shared_(shared) {}

    Result<void> append(const sdk::AuditEvent& event) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (event.id.empty() || event.type.empty()) {
            return makeError(ErrorCode::invalid_argument, "an audit event needs an id and a type");
        }
        if (std::any_of(s.audit.begin(), s.audit.end(),
                        [&](const sdk::AuditEvent& e) { return e.id == event.id; })) {
            return makeError(ErrorCode::conflict, "audit id is taken");
        }
        s.audit.push_back(event);
        return sdk::ok();
    }
    /// Newest first (by time, then by append order); the cursor is an offset.
    Result<sdk::Slice<sdk::AuditEvent>> list(const sdk::AuditQuery& query) override {
        AUTHD_TEST_STORE_PROLOGUE;
        std::vector<sdk::AuditEvent> matches;
        for (auto it = s.audit.rbegin(); it != s.audit.rend(); ++it) {
            const sdk::AuditEvent& e = *it;
            if ((!query.user_id.empty() && e.user_id != query.user_id) ||
                (!query.client_id.empty() && e.client_id != query.client_id) ||
                (!query.type.empty() && e.type != query.type) ||
                (query.since != 0 && e.time < query.since) ||
                (query.until != 0 && e.time >= query.until)) {
                continue;
            }
            matches.push_back(e);
        }
        std::stable_sort(matches.begin(), matches.end(),
                         [](const sdk::AuditEvent& a, const sdk::AuditEvent& b) {
                             return a.time > b.time;
                         });
        std::size_t offset = 0;
        if (!query.cursor.empty()) {
            try {
                offset = std::stoul(query.cursor);
            } catch (const std::exception&) {
                return makeError(ErrorCode::invalid_argument, "bad audit cursor");
            }
        }
        sdk::Slice<sdk::AuditEvent> slice;
        const auto limit = static_cast<std::size_t>(clampLimit(query.limit));
        for (std::size_t i = offset; i < matches.size() && slice.items.size() < limit; ++i) {
            slice.items.push_back(matches[i]);
        }
        if (offset + slice.items.size() < matches.size()) {
            slice.next_cursor = std::to_string(offset + slice.items.size());
        }
        return slice;
    }

private:
    Shared& shared_;
};

class PluginData final : public sdk::PluginDataStore {
public:
    explicit PluginData(Shared& shared) : shared_(shared) {}

    Result<void> put(const sdk::PluginRecord& record) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (record.ns.empty() || record.key.empty()) {
            return makeError(ErrorCode::invalid_argument, "a plugin record needs ns and key");
        }
        s.plugin_data[{record.ns, record.key}] = record;
        return sdk::ok();
    }
    Result<sdk::PluginRecord> get(const std::string& ns, const std::string& key,
                                  sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.plugin_data.find({ns, key});
        if (it == s.plugin_data.end() || expired(it->second, now)) {
            return makeError(ErrorCode::not_found, "no plugin record " + ns + "/" + key);
        }
        return it->second;
    }
    Result<sdk::PluginRecord> take(const std::string& ns, const std::string& key,
                                   sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        auto it = s.plugin_data.find({ns, key});
        if (it == s.plugin_data.end() || expired(it->second, now)) {
            return makeError(ErrorCode::not_found, "no plugin record " + ns + "/" + key);
        }
        sdk::PluginRecord record = std::move(it->second);
        s.plugin_data.erase(it);
        return record;
    }
    Result<void> remove(const std::string& ns, const std::string& key) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (s.plugin_data.erase({ns, key}) == 0) {
            return makeError(ErrorCode::not_found, "no plugin record " + ns + "/" + key);
        }
        return sdk::ok();
    }
    Result<sdk::Slice<sdk::PluginRecord>> list(const std::string& ns, sdk::UnixTime now,
                                               const std::string& cursor, int limit) override {
        AUTHD_TEST_STORE_PROLOGUE;
        if (ns.empty() || limit < 1 || limit > 1000) {
            return makeError(ErrorCode::invalid_argument, "pluginData.list needs ns and 1..1000");
        }
        sdk::Slice<sdk::PluginRecord> slice;
        // std::map over (ns, key): the records of `ns` are adjacent and ordered by key.
        for (auto it = s.plugin_data.upper_bound({ns, cursor});
             it != s.plugin_data.end() && it->first.first == ns; ++it) {
            if (expired(it->second, now)) {
                continue;
            }
            if (slice.items.size() == static_cast<std::size_t>(limit)) {
                slice.next_cursor = slice.items.back().key;
                break;
            }
            slice.items.push_back(it->second);
        }
        return slice;
    }
    Result<std::int64_t> purgeExpired(sdk::UnixTime now) override {
        AUTHD_TEST_STORE_PROLOGUE;
        return static_cast<std::int64_t>(
            std::erase_if(s.plugin_data, [&](const auto& e) { return expired(e.second, now); }));
    }

private:
    static bool expired(const sdk::PluginRecord& record, sdk::UnixTime now) {
        return record.expires_at != 0 && record.expires_at <= now;
    }
    Shared& shared_;
};

#undef AUTHD_TEST_STORE_PROLOGUE

}  // namespace

struct MemoryStorage::Aggregates {
    explicit Aggregates(Shared& shared)
        : users(shared), credentials(shared), projects(shared), sessions(shared),
          pending(shared), codes(shared), refresh(shared), consents(shared), counters(shared),
          keys(shared), audit(shared), plugin_data(shared) {}
    Users users;
    Credentials credentials;
    Projects projects;
    Sessions sessions;
    Pending pending;
    Codes codes;
    Refresh refresh;
    Consents consents;
    Counters counters;
    Keys keys;
    Audit audit;
    PluginData plugin_data;
};

MemoryStorage::MemoryStorage()
    : shared_(std::make_unique<Shared>()), aggregates_(std::make_unique<Aggregates>(*shared_)) {}
MemoryStorage::~MemoryStorage() = default;

sdk::UserStore& MemoryStorage::users() { return aggregates_->users; }
sdk::CredentialStore& MemoryStorage::credentials() { return aggregates_->credentials; }
sdk::ProjectStore& MemoryStorage::projects() { return aggregates_->projects; }
sdk::SessionStore& MemoryStorage::sessions() { return aggregates_->sessions; }
sdk::PendingStore& MemoryStorage::pending() { return aggregates_->pending; }
sdk::CodeStore& MemoryStorage::codes() { return aggregates_->codes; }
sdk::RefreshStore& MemoryStorage::refresh() { return aggregates_->refresh; }
sdk::ConsentStore& MemoryStorage::consents() { return aggregates_->consents; }
sdk::CounterStore& MemoryStorage::counters() { return aggregates_->counters; }
sdk::KeyStore& MemoryStorage::keys() { return aggregates_->keys; }
sdk::AuditStore& MemoryStorage::audit() { return aggregates_->audit; }
sdk::PluginDataStore& MemoryStorage::pluginData() { return aggregates_->plugin_data; }

Result<void> MemoryStorage::transact(const std::function<Result<void>(sdk::Storage& tx)>& work) {
    auto guard = shared_->lock();
    if (auto injected_error = shared_->injected()) {
        return *injected_error;
    }
    if (shared_->in_transaction) {
        return makeError(ErrorCode::internal, "nested transaction");
    }
    State snapshot = shared_->state;
    shared_->in_transaction = true;
    Result<void> result = sdk::ok();
    try {
        result = work(*this);
    } catch (const std::exception& e) {
        result = makeError(ErrorCode::internal, std::string("transaction threw: ") + e.what());
    } catch (...) {
        result = makeError(ErrorCode::internal, "transaction threw");
    }
    shared_->in_transaction = false;
    if (!result) {
        shared_->state = std::move(snapshot);
    }
    return result;
}

Result<int> MemoryStorage::migrate() {
    auto guard = shared_->lock();
    if (auto injected_error = shared_->injected()) {
        return *injected_error;
    }
    return latestSchemaVersion();
}

Result<int> MemoryStorage::schemaVersion() {
    auto guard = shared_->lock();
    if (auto injected_error = shared_->injected()) {
        return *injected_error;
    }
    return latestSchemaVersion();
}

int MemoryStorage::latestSchemaVersion() const { return 1; }

Result<void> MemoryStorage::ping() {
    auto guard = shared_->lock();
    if (auto injected_error = shared_->injected()) {
        return *injected_error;
    }
    return sdk::ok();
}

void MemoryStorage::setFailureForTest(std::optional<ErrorCode> code) {
    auto guard = shared_->lock();
    shared_->failure = code;
}

}  // namespace authd::test
