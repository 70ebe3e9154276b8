// SPDX-License-Identifier: Apache-2.0
// Users and their credentials.
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

sdk::Error notFound(const std::string& what) {
    return sdk::makeError(sdk::ErrorCode::not_found, what + ": not found");
}

sdk::Error required(const std::string& what, const char* field) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument,
                          what + ": " + field + " must not be empty");
}

sdk::Result<std::vector<std::string>> readList(const std::string& text, const char* column) {
    std::vector<std::string> items;
    if (text.empty()) {
        return items;
    }
    if (!decodeList(text, items)) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              std::string("corrupt list in column ") + column);
    }
    return items;
}

namespace {

constexpr const char* kUserColumns =
    "id, email, email_verified, name, picture, role, status, created_at, updated_at";

void bindUser(Stmt& st, sdk::User& user) {
    st.into(user.id)
        .into(user.email)
        .into(user.email_verified)
        .into(user.name)
        .into(user.picture)
        .into(user.role)
        .into(user.status)
        .into(user.created_at)
        .into(user.updated_at);
}

sdk::Result<sdk::User> readOneUser(::soci::session& sql, const std::string& where,
                                   const std::string& value, const std::string& what) {
    sdk::User user;
    Stmt st(sql, std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where);
    bindUser(st, user);
    st.use(value);
    if (!st.execute()) {
        return notFound(what);
    }
    return user;
}

constexpr const char* kCredentialColumns =
    "user_id, kind, subject, secret_hash, data, created_at, updated_at";

void bindCredential(Stmt& st, sdk::Credential& credential) {
    st.into(credential.user_id)
        .into(credential.kind)
        .into(credential.subject)
        .into(credential.secret_hash)
        .into(credential.data)
        .into(credential.created_at)
        .into(credential.updated_at);
}

}  // namespace

sdk::Result<void> UserStoreImpl::create(const sdk::User& user) {
    if (user.id.empty()) {
        return required("users.create", "id");
    }
    return scope_.run(Mode::single, "users.create", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO users (id, email, email_verified, name, picture, role, status, "
                "created_at, updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)");
        st.use(user.id)
            .useNullable(user.email)
            .use(user.email_verified)
            .use(user.name)
            .use(user.picture)
            .use(user.role)
            .use(user.status)
            .use(user.created_at)
            .use(user.updated_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::User> UserStoreImpl::get(const std::string& id) {
    return scope_.get<sdk::User>(Mode::single, "users.get", [&](::soci::session& sql) {
        return readOneUser(sql, "id = :a", id, "users.get: user " + id);
    });
}

sdk::Result<sdk::User> UserStoreImpl::findByEmail(const std::string& email) {
    if (email.empty()) {
        return notFound("users.findByEmail: empty email");
    }
    return scope_.get<sdk::User>(Mode::single, "users.findByEmail", [&](::soci::session& sql) {
        return readOneUser(sql, "email = :a", email, "users.findByEmail: no user with that email");
    });
}

sdk::Result<void> UserStoreImpl::update(const sdk::User& user) {
    return scope_.run(Mode::single, "users.update", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql,
                "UPDATE users SET email = :a, email_verified = :b, name = :c, picture = :d, "
                "role = :e, status = :f, updated_at = :g WHERE id = :h");
        st.useNullable(user.email)
            .use(user.email_verified)
            .use(user.name)
            .use(user.picture)
            .use(user.role)
            .use(user.status)
            .use(user.updated_at)
            .use(user.id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("users.update: user " + user.id);
        }
        return sdk::ok();
    });
}

sdk::Result<void> UserStoreImpl::remove(const std::string& id) {
    return scope_.run(Mode::single, "users.remove", [&](::soci::session& sql) -> sdk::Result<void> {
        // Credentials, sessions, codes, refresh families (with their tokens) and consents go
        // with the user through ON DELETE CASCADE.
        Stmt st(sql, "DELETE FROM users WHERE id = :a");
        st.use(id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("users.remove: user " + id);
        }
        return sdk::ok();
    });
}

sdk::Result<sdk::Slice<sdk::User>> UserStoreImpl::list(const sdk::UserQuery& query) {
    std::vector<std::string> after;
    if (auto page = checkPage("users.list", query.limit, query.cursor, 2, after); !page) {
        return std::move(page).error();
    }
    return scope_.get<sdk::Slice<sdk::User>>(
        Mode::single, "users.list", [&](::soci::session& sql) -> sdk::Result<sdk::Slice<sdk::User>> {
            std::string text = std::string("SELECT ") + kUserColumns + " FROM users WHERE 1 = 1";
            if (!query.email.empty()) {
                text += " AND email = :e";
            }
            if (!query.email_contains.empty()) {
                text += " AND " + scope_.db->dialect().containsExpr("email", ":q");
            }
            if (!after.empty()) {
                text += " AND (COALESCE(email, '') > :c1 OR (COALESCE(email, '') = :c2 AND id > :c3))";
            }
            text += " ORDER BY COALESCE(email, ''), id LIMIT :n";
            sdk::User row;
            Stmt st(sql, text);
            bindUser(st, row);
            if (!query.email.empty()) {
                st.use(query.email);
            }
            if (!query.email_contains.empty()) {
                st.use(query.email_contains);
            }
            if (!after.empty()) {
                st.use(after[0]).use(after[0]).use(after[1]);
            }
            st.use(static_cast<std::int64_t>(query.limit) + 1);
            sdk::Slice<sdk::User> page;
            for (bool got = st.execute(); got; got = st.fetch()) {
                page.items.push_back(row);
            }
            if (page.items.size() > static_cast<std::size_t>(query.limit)) {
                page.items.pop_back();
                page.next_cursor = makeCursor({page.items.back().email, page.items.back().id});
            }
            return page;
        });
}

sdk::Result<void> CredentialStoreImpl::put(const sdk::Credential& credential) {
    if (credential.user_id.empty()) {
        return required("credentials.put", "user_id");
    }
    if (credential.kind.empty()) {
        return required("credentials.put", "kind");
    }
    return scope_.run(Mode::single, "credentials.put", [&](::soci::session& sql) {
        // Replacing keeps the original created_at.
        Stmt st(sql,
                "INSERT INTO credentials (user_id, kind, subject, secret_hash, data, created_at, "
                "updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g) "
                "ON CONFLICT (user_id, kind) DO UPDATE SET subject = excluded.subject, "
                "secret_hash = excluded.secret_hash, data = excluded.data, "
                "updated_at = excluded.updated_at");
        st.use(credential.user_id)
            .use(credential.kind)
            .useNullable(credential.subject)
            .use(credential.secret_hash)
            .use(credential.data)
            .use(credential.created_at)
            .use(credential.updated_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::Credential> CredentialStoreImpl::get(const std::string& user_id,
                                                      const std::string& kind) {
    return scope_.get<sdk::Credential>(
        Mode::single, "credentials.get", [&](::soci::session& sql) -> sdk::Result<sdk::Credential> {
            sdk::Credential credential;
            Stmt st(sql, std::string("SELECT ") + kCredentialColumns +
                             " FROM credentials WHERE user_id = :a AND kind = :b");
            bindCredential(st, credential);
            st.use(user_id).use(kind);
            if (!st.execute()) {
                return notFound("credentials.get: " + kind + " credential of user " + user_id);
            }
            return credential;
        });
}

sdk::Result<sdk::Credential> CredentialStoreImpl::findBySubject(const std::string& kind,
                                                                const std::string& subject) {
    if (subject.empty()) {
        return notFound("credentials.findBySubject: empty subject");
    }
    return scope_.get<sdk::Credential>(
        Mode::single, "credentials.findBySubject",
        [&](::soci::session& sql) -> sdk::Result<sdk::Credential> {
            sdk::Credential credential;
            Stmt st(sql, std::string("SELECT ") + kCredentialColumns +
                             " FROM credentials WHERE kind = :a AND subject = :b");
            bindCredential(st, credential);
            st.use(kind).use(subject);
            if (!st.execute()) {
                return notFound("credentials.findBySubject: no " + kind + " credential with that subject");
            }
            return credential;
        });
}

sdk::Result<void> CredentialStoreImpl::remove(const std::string& user_id, const std::string& kind) {
    return scope_.run(Mode::single, "credentials.remove",
                      [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql, "DELETE FROM credentials WHERE user_id = :a AND kind = :b");
        st.use(user_id).use(kind);
        st.execute();
        if (st.affected() == 0) {
            return notFound("credentials.remove: " + kind + " credential of user " + user_id);
        }
        return sdk::ok();
    });
}

sdk::Result<std::vector<sdk::Credential>> CredentialStoreImpl::listForUser(
    const std::string& user_id) {
    return scope_.get<std::vector<sdk::Credential>>(
        Mode::single, "credentials.listForUser",
        [&](::soci::session& sql) -> sdk::Result<std::vector<sdk::Credential>> {
            sdk::Credential row;
            Stmt st(sql, std::string("SELECT ") + kCredentialColumns +
                             " FROM credentials WHERE user_id = :a ORDER BY kind");
            bindCredential(st, row);
            st.use(user_id);
            std::vector<sdk::Credential> items;
            for (bool got = st.execute(); got; got = st.fetch()) {
                items.push_back(row);
            }
            return items;
        });
}

}  // namespace authd::plugins::soci_common
