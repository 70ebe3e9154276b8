// SPDX-License-Identifier: Apache-2.0
// Browser sessions, pending authorization requests and authorization codes.
#include <algorithm>
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

namespace {

constexpr const char* kSessionColumns =
    "id, token_hash, user_id, created_at, auth_time, expires_at, revoked_at, amr, "
    "client_address, user_agent";

struct SessionRow {
    sdk::Session session;
    std::string amr;
};

void bindSession(Stmt& st, SessionRow& row) {
    sdk::Session& s = row.session;
    st.into(s.id)
        .into(s.token_hash)
        .into(s.user_id)
        .into(s.created_at)
        .into(s.auth_time)
        .into(s.expires_at)
        .into(s.revoked_at)
        .into(row.amr)
        .into(s.client_address)
        .into(s.user_agent);
}

sdk::Result<sdk::Session> finishSession(const SessionRow& row) {
    sdk::Session session = row.session;
    auto amr = readList(row.amr, "sessions.amr");
    if (!amr) {
        return std::move(amr).error();
    }
    session.amr = std::move(amr).value();
    return session;
}

sdk::Result<sdk::Session> readOneSession(::soci::session& sql, const char* where,
                                         const std::string& value, const std::string& what) {
    SessionRow row;
    Stmt st(sql, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE " + where);
    bindSession(st, row);
    st.use(value);
    if (!st.execute()) {
        return notFound(what);
    }
    return finishSession(row);
}

constexpr const char* kSessionRevokedReason = "session_revoked";

constexpr sdk::Seconds kTombstoneLifetime = 86400;

constexpr const char* kPendingColumns =
    "id, browser_hash, client_id, params, user_id, session_id, created_at, expires_at";

void bindPending(Stmt& st, sdk::PendingAuthorization& p) {
    st.into(p.id)
        .into(p.browser_hash)
        .into(p.client_id)
        .into(p.params)
        .into(p.user_id)
        .into(p.session_id)
        .into(p.created_at)
        .into(p.expires_at);
}

constexpr const char* kCodeColumns =
    "code_hash, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, "
    "code_challenge_method, claims, amr, auth_time, created_at, expires_at, consumed_at";

}  // namespace

// ---------------------------------------------------------------------------- sessions

sdk::Result<void> SessionStoreImpl::create(const sdk::Session& session) {
    if (session.id.empty()) {
        return required("sessions.create", "id");
    }
    if (session.token_hash.empty()) {
        return required("sessions.create", "token_hash");
    }
    return scope_.run(Mode::single, "sessions.create", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO sessions (id, token_hash, user_id, created_at, auth_time, "
                "expires_at, revoked_at, amr, client_address, user_agent) "
                "VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j)");
        st.use(session.id)
            .use(session.token_hash)
            .use(session.user_id)
            .use(session.created_at)
            .use(session.auth_time)
            .use(session.expires_at)
            .use(session.revoked_at)
            .use(encodeList(session.amr))
            .use(session.client_address)
            .use(session.user_agent);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::Session> SessionStoreImpl::get(const std::string& id) {
    return scope_.get<sdk::Session>(Mode::single, "sessions.get", [&](::soci::session& sql) {
        return readOneSession(sql, "id = :a", id, "sessions.get: session " + id);
    });
}

sdk::Result<sdk::Session> SessionStoreImpl::findByTokenHash(const std::string& token_hash) {
    return scope_.get<sdk::Session>(
        Mode::single, "sessions.findByTokenHash", [&](::soci::session& sql) {
            return readOneSession(sql, "token_hash = :a", token_hash,
                                  "sessions.findByTokenHash: no session with that token");
        });
}

sdk::Result<void> SessionStoreImpl::update(const sdk::Session& session) {
    return scope_.run(Mode::single, "sessions.update", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql, "UPDATE sessions SET auth_time = :a, amr = :b, expires_at = :c WHERE id = :d");
        st.use(session.auth_time)
            .use(encodeList(session.amr))
            .use(session.expires_at)
            .use(session.id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("sessions.update: session " + session.id);
        }
        return sdk::ok();
    });
}

sdk::Result<void> SessionStoreImpl::revoke(const std::string& id, sdk::UnixTime now) {
    return scope_.run(Mode::atomic, "sessions.revoke", [&](::soci::session& sql) -> sdk::Result<void> {
        std::int64_t revoked_at = 0;
        Stmt find(sql, "SELECT revoked_at FROM sessions WHERE id = :a" +
                           scope_.db->dialect().lockRows());
        find.into(revoked_at).use(id);
        if (!find.execute()) {
            return notFound("sessions.revoke: session " + id);
        }
        if (revoked_at == 0) {
            Stmt mark(sql, "UPDATE sessions SET revoked_at = :a WHERE id = :b AND revoked_at = 0");
            mark.use(now).use(id);
            mark.execute();
        }
        // Families are revoked even when the session already was: a family created in a race
        // with the first revocation must not survive it.
        Stmt families(sql,
                      "UPDATE refresh_families SET revoked_at = :a, revoked_reason = :b "
                      "WHERE session_id = :c AND revoked_at = 0");
        families.use(now).use(kSessionRevokedReason).use(id);
        families.execute();
        return sdk::ok();
    });
}

sdk::Result<std::int64_t> SessionStoreImpl::revokeAllForUser(const std::string& user_id,
                                                             sdk::UnixTime now) {
    return scope_.get<std::int64_t>(
        Mode::atomic, "sessions.revokeAllForUser",
        [&](::soci::session& sql) -> sdk::Result<std::int64_t> {
            Stmt mark(sql,
                      "UPDATE sessions SET revoked_at = :a WHERE user_id = :b AND revoked_at = 0");
            mark.use(now).use(user_id);
            mark.execute();
            std::int64_t count = mark.affected();
            Stmt families(sql,
                          "UPDATE refresh_families SET revoked_at = :a, revoked_reason = :b "
                          "WHERE revoked_at = 0 AND session_id IN "
                          "(SELECT id FROM sessions WHERE user_id = :c)");
            families.use(now).use(kSessionRevokedReason).use(user_id);
            families.execute();
            return count;
        });
}

sdk::Result<std::vector<sdk::Session>> SessionStoreImpl::listForUser(const std::string& user_id,
                                                                     sdk::UnixTime now) {
    return scope_.get<std::vector<sdk::Session>>(
        Mode::single, "sessions.listForUser",
        [&](::soci::session& sql) -> sdk::Result<std::vector<sdk::Session>> {
            SessionRow row;
            Stmt st(sql, std::string("SELECT ") + kSessionColumns +
                             " FROM sessions WHERE user_id = :a AND revoked_at = 0 AND "
                             "(expires_at = 0 OR expires_at > :b) ORDER BY created_at DESC, id DESC");
            bindSession(st, row);
            st.use(user_id).use(now);
            std::vector<sdk::Session> items;
            for (bool got = st.execute(); got; got = st.fetch()) {
                auto session = finishSession(row);
                if (!session) {
                    return std::move(session).error();
                }
                items.push_back(std::move(session).value());
            }
            return items;
        });
}

// ---------------------------------------------------------------------------- pending

sdk::Result<void> PendingStoreImpl::create(const sdk::PendingAuthorization& pending) {
    if (pending.id.empty()) {
        return required("pending.create", "id");
    }
    return scope_.run(Mode::single, "pending.create", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO pending_authorizations (id, browser_hash, client_id, params, "
                "user_id, session_id, created_at, expires_at, taken_at) "
                "VALUES (:a, :b, :c, :d, :e, :f, :g, :h, 0)");
        st.use(pending.id)
            .use(pending.browser_hash)
            .use(pending.client_id)
            .use(pending.params)
            .use(pending.user_id)
            .use(pending.session_id)
            .use(pending.created_at)
            .use(pending.expires_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::PendingAuthorization> PendingStoreImpl::get(const std::string& id) {
    return scope_.get<sdk::PendingAuthorization>(
        Mode::single, "pending.get",
        [&](::soci::session& sql) -> sdk::Result<sdk::PendingAuthorization> {
            sdk::PendingAuthorization pending;
            Stmt st(sql, std::string("SELECT ") + kPendingColumns +
                             " FROM pending_authorizations WHERE id = :a AND taken_at = 0");
            bindPending(st, pending);
            st.use(id);
            if (!st.execute()) {
                return notFound("pending.get: pending authorization " + id);
            }
            return pending;
        });
}

sdk::Result<void> PendingStoreImpl::update(const sdk::PendingAuthorization& pending) {
    return scope_.run(Mode::single, "pending.update", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql,
                "UPDATE pending_authorizations SET browser_hash = :a, client_id = :b, "
                "params = :c, user_id = :d, session_id = :e, expires_at = :f "
                "WHERE id = :g AND taken_at = 0");
        st.use(pending.browser_hash)
            .use(pending.client_id)
            .use(pending.params)
            .use(pending.user_id)
            .use(pending.session_id)
            .use(pending.expires_at)
            .use(pending.id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("pending.update: pending authorization " + pending.id);
        }
        return sdk::ok();
    });
}

sdk::Result<sdk::PendingAuthorization> PendingStoreImpl::take(const std::string& id) {
    return scope_.get<sdk::PendingAuthorization>(
        Mode::atomic, "pending.take",
        [&](::soci::session& sql) -> sdk::Result<sdk::PendingAuthorization> {
            sdk::PendingAuthorization pending;
            std::int64_t taken_at = 0;
            Stmt find(sql, std::string("SELECT ") + kPendingColumns +
                               ", taken_at FROM pending_authorizations WHERE id = :a" +
                               scope_.db->dialect().lockRows());
            bindPending(find, pending);
            find.into(taken_at).use(id);
            if (!find.execute()) {
                return notFound("pending.take: pending authorization " + id);
            }
            if (taken_at != 0) {
                return sdk::makeError(sdk::ErrorCode::already_consumed,
                                      "pending.take: pending authorization " + id +
                                          " was already taken");
            }
            // The row stays as a tombstone until it expires, so that a second take can tell
            // "already taken" from "never existed".
            Stmt mark(sql,
                      "UPDATE pending_authorizations SET taken_at = :a WHERE id = :b AND taken_at = 0");
            mark.use(std::max<sdk::UnixTime>(scope_.db->clock().now(), 1)).use(id);
            mark.execute();
            if (mark.affected() != 1) {
                return sdk::makeError(sdk::ErrorCode::already_consumed,
                                      "pending.take: pending authorization " + id +
                                          " was already taken");
            }
            return pending;
        });
}

sdk::Result<std::int64_t> PendingStoreImpl::purgeExpired(sdk::UnixTime now) {
    return scope_.get<std::int64_t>(Mode::single, "pending.purgeExpired", [&](::soci::session& sql) {
        // Tombstones of taken requests go when they expire, or a day after the take for
        // requests that never expire.
        Stmt st(sql,
                "DELETE FROM pending_authorizations WHERE (expires_at <> 0 AND expires_at <= :a) "
                "OR (taken_at <> 0 AND taken_at <= :b)");
        st.use(now).use(now - kTombstoneLifetime);
        st.execute();
        return sdk::Result<std::int64_t>(st.affected());
    });
}

// ---------------------------------------------------------------------------- codes

sdk::Result<void> CodeStoreImpl::create(const sdk::AuthorizationCode& code) {
    if (code.code_hash.empty()) {
        return required("codes.create", "code_hash");
    }
    return scope_.run(Mode::single, "codes.create", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO authorization_codes (code_hash, client_id, user_id, session_id, "
                "redirect_uri, scope, nonce, code_challenge, code_challenge_method, claims, amr, "
                "auth_time, created_at, expires_at, consumed_at) VALUES (:a, :b, :c, :d, :e, :f, "
                ":g, :h, :i, :j, :k, :l, :m, :n, :o)");
        st.use(code.code_hash)
            .use(code.client_id)
            .use(code.user_id)
            .use(code.session_id)
            .use(code.redirect_uri)
            .use(code.scope)
            .use(code.nonce)
            .use(code.code_challenge)
            .use(code.code_challenge_method)
            .use(code.claims)
            .use(encodeList(code.amr))
            .use(code.auth_time)
            .use(code.created_at)
            .use(code.expires_at)
            .use(code.consumed_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::AuthorizationCode> CodeStoreImpl::consume(const std::string& code_hash,
                                                           sdk::UnixTime now) {
    return scope_.get<sdk::AuthorizationCode>(
        Mode::atomic, "codes.consume",
        [&](::soci::session& sql) -> sdk::Result<sdk::AuthorizationCode> {
            sdk::AuthorizationCode code;
            std::string amr;
            Stmt find(sql, std::string("SELECT ") + kCodeColumns +
                               " FROM authorization_codes WHERE code_hash = :a" +
                               scope_.db->dialect().lockRows());
            find.into(code.code_hash)
                .into(code.client_id)
                .into(code.user_id)
                .into(code.session_id)
                .into(code.redirect_uri)
                .into(code.scope)
                .into(code.nonce)
                .into(code.code_challenge)
                .into(code.code_challenge_method)
                .into(code.claims)
                .into(amr)
                .into(code.auth_time)
                .into(code.created_at)
                .into(code.expires_at)
                .into(code.consumed_at)
                .use(code_hash);
            if (!find.execute()) {
                return notFound("codes.consume: no such code");
            }
            // A replay is reported even after expiry: the caller revokes what the code issued.
            if (code.consumed_at != 0) {
                return sdk::makeError(sdk::ErrorCode::already_consumed,
                                      "codes.consume: the code was already used");
            }
            if (code.expires_at != 0 && code.expires_at <= now) {
                return sdk::makeError(sdk::ErrorCode::expired, "codes.consume: the code has expired");
            }
            auto amr_list = readList(amr, "authorization_codes.amr");
            if (!amr_list) {
                return std::move(amr_list).error();
            }
            code.amr = std::move(amr_list).value();
            sdk::UnixTime consumed_at = std::max<sdk::UnixTime>(now, 1);
            Stmt mark(sql,
                      "UPDATE authorization_codes SET consumed_at = :a "
                      "WHERE code_hash = :b AND consumed_at = 0");
            mark.use(consumed_at).use(code_hash);
            mark.execute();
            if (mark.affected() != 1) {
                return sdk::makeError(sdk::ErrorCode::already_consumed,
                                      "codes.consume: the code was already used");
            }
            code.consumed_at = consumed_at;
            return code;
        });
}

sdk::Result<std::int64_t> CodeStoreImpl::purgeExpired(sdk::UnixTime now) {
    return scope_.get<std::int64_t>(Mode::single, "codes.purgeExpired", [&](::soci::session& sql) {
        Stmt st(sql, "DELETE FROM authorization_codes WHERE expires_at <> 0 AND expires_at <= :a");
        st.use(now);
        st.execute();
        return sdk::Result<std::int64_t>(st.affected());
    });
}

}  // namespace authd::plugins::soci_common
