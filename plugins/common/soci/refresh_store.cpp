// SPDX-License-Identifier: Apache-2.0
// Refresh token families and rotation with reuse detection.
#include <algorithm>
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

namespace {

constexpr const char* kFamilyColumns =
    "id, client_id, user_id, session_id, origin_code_hash, scope, amr, auth_time, created_at, "
    "expires_at, revoked_at, revoked_reason";

constexpr const char* kTokenColumns =
    "token_hash, family_id, created_at, expires_at, rotated_at, successor_hash";

constexpr const char* kReuseReason = "reuse";

struct FamilyRow {
    sdk::RefreshFamily family;
    std::string amr;
};

void bindFamily(Stmt& st, FamilyRow& row) {
    sdk::RefreshFamily& f = row.family;
    st.into(f.id)
        .into(f.client_id)
        .into(f.user_id)
        .into(f.session_id)
        .into(f.origin_code_hash)
        .into(f.scope)
        .into(row.amr)
        .into(f.auth_time)
        .into(f.created_at)
        .into(f.expires_at)
        .into(f.revoked_at)
        .into(f.revoked_reason);
}

void bindToken(Stmt& st, sdk::RefreshToken& t) {
    st.into(t.token_hash)
        .into(t.family_id)
        .into(t.created_at)
        .into(t.expires_at)
        .into(t.rotated_at)
        .into(t.successor_hash);
}

// The family row, optionally locked for the rest of the transaction.
sdk::Result<sdk::RefreshFamily> readFamily(::soci::session& sql, const Dialect& dialect,
                                           const std::string& id, bool lock,
                                           const std::string& what) {
    FamilyRow row;
    Stmt st(sql, std::string("SELECT ") + kFamilyColumns + " FROM refresh_families WHERE id = :a" +
                     (lock ? dialect.lockRows() : std::string()));
    bindFamily(st, row);
    st.use(id);
    if (!st.execute()) {
        return notFound(what + ": refresh family " + id);
    }
    auto amr = readList(row.amr, "refresh_families.amr");
    if (!amr) {
        return std::move(amr).error();
    }
    row.family.amr = std::move(amr).value();
    return std::move(row.family);
}

void insertToken(::soci::session& sql, const sdk::RefreshToken& token, const std::string& family_id) {
    Stmt st(sql,
            "INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at, "
            "rotated_at, successor_hash) VALUES (:a, :b, :c, :d, :e, :f)");
    st.use(token.token_hash)
        .use(family_id)
        .use(token.created_at)
        .use(token.expires_at)
        .use(token.rotated_at)
        .use(token.successor_hash);
    st.execute();
}

bool expiredAt(sdk::UnixTime expires_at, sdk::UnixTime now) {
    return expires_at != 0 && expires_at <= now;
}

}  // namespace

sdk::Result<void> RefreshStoreImpl::createFamily(const sdk::RefreshFamily& family,
                                                 const sdk::RefreshToken& first) {
    if (family.id.empty()) {
        return required("refresh.createFamily", "family id");
    }
    if (first.token_hash.empty()) {
        return required("refresh.createFamily", "token_hash");
    }
    if (!first.family_id.empty() && first.family_id != family.id) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "refresh.createFamily: the first token names another family");
    }
    return scope_.run(Mode::atomic, "refresh.createFamily", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO refresh_families (id, client_id, user_id, session_id, "
                "origin_code_hash, scope, amr, auth_time, created_at, expires_at, revoked_at, "
                "revoked_reason) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, :l)");
        st.use(family.id)
            .use(family.client_id)
            .use(family.user_id)
            .use(family.session_id)
            .use(family.origin_code_hash)
            .use(family.scope)
            .use(encodeList(family.amr))
            .use(family.auth_time)
            .use(family.created_at)
            .use(family.expires_at)
            .use(family.revoked_at)
            .use(family.revoked_reason);
        st.execute();
        insertToken(sql, first, family.id);
        return sdk::ok();
    });
}

sdk::Result<sdk::RotateResult> RefreshStoreImpl::rotate(const std::string& old_hash,
                                                        const std::string& client_id,
                                                        const sdk::RefreshToken& successor,
                                                        sdk::UnixTime now, sdk::Seconds grace) {
    if (client_id.empty()) {
        return required("refresh.rotate", "client_id");
    }
    if (successor.token_hash.empty()) {
        return required("refresh.rotate", "successor token_hash");
    }
    if (successor.token_hash == old_hash) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "refresh.rotate: the successor must differ from the old token");
    }
    return scope_.get<sdk::RotateResult>(
        Mode::atomic, "refresh.rotate", [&](::soci::session& sql) -> sdk::Result<sdk::RotateResult> {
            const Dialect& dialect = scope_.db->dialect();
            sdk::RotateResult result;
            sdk::RefreshToken token;
            // Lock order everywhere: token, then family. Concurrent rotations of one token
            // queue on the token row and see each other's outcome.
            Stmt find(sql, std::string("SELECT ") + kTokenColumns +
                               " FROM refresh_tokens WHERE token_hash = :a" + dialect.lockRows());
            bindToken(find, token);
            find.use(old_hash);
            if (!find.execute()) {
                result.status = sdk::RotateStatus::not_found;
                return result;
            }
            auto family = readFamily(sql, dialect, token.family_id, true, "refresh.rotate");
            if (!family) {
                return std::move(family).error();
            }
            if (family->client_id != client_id) {
                result.status = sdk::RotateStatus::wrong_client;
                return result;
            }
            result.family = std::move(family).value();
            if (result.family.revoked_at != 0) {
                result.status = sdk::RotateStatus::revoked;
                return result;
            }
            if (expiredAt(token.expires_at, now) || expiredAt(result.family.expires_at, now)) {
                result.status = sdk::RotateStatus::expired;
                return result;
            }
            if (token.rotated_at == 0) {
                Stmt mark(sql,
                          "UPDATE refresh_tokens SET rotated_at = :a, successor_hash = :b "
                          "WHERE token_hash = :c AND rotated_at = 0");
                sdk::UnixTime rotated_at = std::max<sdk::UnixTime>(now, 1);
                mark.use(rotated_at).use(successor.token_hash).use(old_hash);
                mark.execute();
                if (mark.affected() == 1) {
                    sdk::RefreshToken stored = successor;
                    stored.rotated_at = 0;
                    stored.successor_hash.clear();
                    if (stored.expires_at == 0) {
                        stored.expires_at = result.family.expires_at;
                    }
                    insertToken(sql, stored, token.family_id);
                    result.status = sdk::RotateStatus::rotated;
                    return result;
                }
                // Lost a race the row lock should have prevented: treat as reuse below.
                token.rotated_at = rotated_at;
            }
            // A duplicate of a rotation that just happened (two tabs, a retried request) gets
            // the same successor, but only while that successor is unused: once it has been
            // rotated itself, the old token can no longer lead anywhere.
            if (grace > 0 && token.successor_hash == successor.token_hash &&
                now - token.rotated_at <= grace) {
                sdk::RefreshToken next;
                Stmt find_next(sql, std::string("SELECT ") + kTokenColumns +
                                        " FROM refresh_tokens WHERE token_hash = :a");
                bindToken(find_next, next);
                find_next.use(successor.token_hash);
                if (find_next.execute() && next.rotated_at == 0) {
                    result.status = sdk::RotateStatus::grace_replay;
                    return result;
                }
            }
            Stmt revoke(sql,
                        "UPDATE refresh_families SET revoked_at = :a, revoked_reason = :b "
                        "WHERE id = :c AND revoked_at = 0");
            revoke.use(now).use(kReuseReason).use(result.family.id);
            revoke.execute();
            result.family.revoked_at = now;
            result.family.revoked_reason = kReuseReason;
            result.status = sdk::RotateStatus::reuse_detected;
            return result;
        });
}

sdk::Result<std::pair<sdk::RefreshToken, sdk::RefreshFamily>> RefreshStoreImpl::find(
    const std::string& token_hash) {
    using Found = std::pair<sdk::RefreshToken, sdk::RefreshFamily>;
    return scope_.get<Found>(Mode::snapshot, "refresh.find",
                             [&](::soci::session& sql) -> sdk::Result<Found> {
        Found found;
        Stmt st(sql, std::string("SELECT ") + kTokenColumns +
                         " FROM refresh_tokens WHERE token_hash = :a");
        bindToken(st, found.first);
        st.use(token_hash);
        if (!st.execute()) {
            return notFound("refresh.find: no such refresh token");
        }
        auto family = readFamily(sql, scope_.db->dialect(), found.first.family_id, false,
                                 "refresh.find");
        if (!family) {
            return std::move(family).error();
        }
        found.second = std::move(family).value();
        return found;
    });
}

sdk::Result<sdk::RefreshFamily> RefreshStoreImpl::getFamily(const std::string& family_id) {
    return scope_.get<sdk::RefreshFamily>(Mode::single, "refresh.getFamily",
                                          [&](::soci::session& sql) {
        return readFamily(sql, scope_.db->dialect(), family_id, false, "refresh.getFamily");
    });
}

sdk::Result<void> RefreshStoreImpl::revokeFamily(const std::string& family_id, sdk::UnixTime now,
                                                 const std::string& reason) {
    return scope_.run(Mode::atomic, "refresh.revokeFamily",
                      [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql,
                "UPDATE refresh_families SET revoked_at = :a, revoked_reason = :b "
                "WHERE id = :c AND revoked_at = 0");
        st.use(now).use(reason).use(family_id);
        st.execute();
        if (st.affected() == 1) {
            return sdk::ok();
        }
        // Nothing changed: either it does not exist, or it was revoked before (which stays
        // as it was, with its first reason).
        std::int64_t exists = 0;
        Stmt check(sql, "SELECT COUNT(*) FROM refresh_families WHERE id = :a");
        check.into(exists).use(family_id);
        check.execute();
        if (exists == 0) {
            return notFound("refresh.revokeFamily: refresh family " + family_id);
        }
        return sdk::ok();
    });
}

sdk::Result<std::int64_t> RefreshStoreImpl::revokeWhere(const char* what, const char* column,
                                                        const std::string& value,
                                                        sdk::UnixTime now,
                                                        const std::string& reason) {
    return scope_.get<std::int64_t>(Mode::single, what, [&](::soci::session& sql) {
        Stmt st(sql, std::string("UPDATE refresh_families SET revoked_at = :a, revoked_reason = :b "
                                 "WHERE ") +
                         column + " = :c AND revoked_at = 0");
        st.use(now).use(reason).use(value);
        st.execute();
        return sdk::Result<std::int64_t>(st.affected());
    });
}

sdk::Result<std::int64_t> RefreshStoreImpl::revokeByOrigin(const std::string& code_hash,
                                                           sdk::UnixTime now,
                                                           const std::string& reason) {
    if (code_hash.empty()) {
        return required("refresh.revokeByOrigin", "code_hash");
    }
    return revokeWhere("refresh.revokeByOrigin", "origin_code_hash", code_hash, now, reason);
}

sdk::Result<std::int64_t> RefreshStoreImpl::revokeForUser(const std::string& user_id,
                                                          sdk::UnixTime now,
                                                          const std::string& reason) {
    return revokeWhere("refresh.revokeForUser", "user_id", user_id, now, reason);
}

sdk::Result<std::int64_t> RefreshStoreImpl::revokeForClient(const std::string& client_id,
                                                            sdk::UnixTime now,
                                                            const std::string& reason) {
    return revokeWhere("refresh.revokeForClient", "client_id", client_id, now, reason);
}

sdk::Result<std::int64_t> RefreshStoreImpl::purgeExpired(sdk::UnixTime now) {
    return scope_.get<std::int64_t>(Mode::atomic, "refresh.purgeExpired", [&](::soci::session& sql) {
        // Whole families past their end (their tokens cascade), then single expired tokens
        // of families that live on. Rotated-out tokens stay until they expire, for reuse
        // detection.
        Stmt families(sql,
                      "DELETE FROM refresh_families WHERE expires_at <> 0 AND expires_at <= :a");
        families.use(now);
        families.execute();
        std::int64_t removed = families.affected();
        Stmt tokens(sql, "DELETE FROM refresh_tokens WHERE expires_at <> 0 AND expires_at <= :a");
        tokens.use(now);
        tokens.execute();
        removed += tokens.affected();
        return sdk::Result<std::int64_t>(removed);
    });
}

}  // namespace authd::plugins::soci_common
