// SPDX-License-Identifier: Apache-2.0
// Projects (OAuth clients). Redirect URIs live in project_redirect_uris, one row per URI, so
// that they can be indexed and audited; the other lists are JSON text columns.
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

namespace {

constexpr const char* kLoginUris = "login";
constexpr const char* kLogoutUris = "logout";

constexpr const char* kProjectColumns =
    "client_id, name, description, owner_id, client_type, client_secret_enc, signing_key_enc, "
    "previous_signing_key_enc, previous_signing_key_until, grant_types, scopes, authenticators, "
    "access_ttl, refresh_ttl, id_token_ttl, id_token_alg, access_token_alg, policy_roles, "
    "policy_email_domains, policy_statuses, policy_authenticators, "
    "policy_require_verified_email, backchannel_logout_uri, development, skip_consent, "
    "created_at, updated_at";

// The JSON list columns, read as text and decoded after the fetch.
struct ProjectRow {
    sdk::Project project;
    std::string grant_types;
    std::string scopes;
    std::string authenticators;
    std::string policy_roles;
    std::string policy_email_domains;
    std::string policy_statuses;
    std::string policy_authenticators;
};

void bindProject(Stmt& st, ProjectRow& row) {
    sdk::Project& p = row.project;
    st.into(p.client_id)
        .into(p.name)
        .into(p.description)
        .into(p.owner_id)
        .into(p.client_type)
        .into(p.client_secret_enc)
        .into(p.signing_key_enc)
        .into(p.previous_signing_key_enc)
        .into(p.previous_signing_key_until)
        .into(row.grant_types)
        .into(row.scopes)
        .into(row.authenticators)
        .into(p.access_ttl)
        .into(p.refresh_ttl)
        .into(p.id_token_ttl)
        .into(p.id_token_alg)
        .into(p.access_token_alg)
        .into(row.policy_roles)
        .into(row.policy_email_domains)
        .into(row.policy_statuses)
        .into(row.policy_authenticators)
        .into(p.policy.require_verified_email)
        .into(p.backchannel_logout_uri)
        .into(p.development)
        .into(p.skip_consent)
        .into(p.created_at)
        .into(p.updated_at);
}

sdk::Result<sdk::Project> finishProject(::soci::session& sql, const ProjectRow& row) {
    sdk::Project project = row.project;
    struct ListColumn {
        const std::string* text;
        std::vector<std::string>* target;
        const char* column;
    };
    const ListColumn columns[] = {
        {&row.grant_types, &project.grant_types, "projects.grant_types"},
        {&row.scopes, &project.scopes, "projects.scopes"},
        {&row.authenticators, &project.authenticators, "projects.authenticators"},
        {&row.policy_roles, &project.policy.roles, "projects.policy_roles"},
        {&row.policy_email_domains, &project.policy.email_domains, "projects.policy_email_domains"},
        {&row.policy_statuses, &project.policy.statuses, "projects.policy_statuses"},
        {&row.policy_authenticators, &project.policy.authenticators,
         "projects.policy_authenticators"},
    };
    for (const ListColumn& column : columns) {
        auto items = readList(*column.text, column.column);
        if (!items) {
            return std::move(items).error();
        }
        *column.target = std::move(items).value();
    }
    project.redirect_uris.clear();
    project.post_logout_redirect_uris.clear();
    std::string kind;
    std::string uri;
    Stmt st(sql, "SELECT kind, uri FROM project_redirect_uris WHERE client_id = :a ORDER BY kind, seq");
    st.into(kind).into(uri).use(project.client_id);
    for (bool got = st.execute(); got; got = st.fetch()) {
        if (kind == kLoginUris) {
            project.redirect_uris.push_back(uri);
        } else if (kind == kLogoutUris) {
            project.post_logout_redirect_uris.push_back(uri);
        }
    }
    return project;
}

void bindProjectValues(Stmt& st, const sdk::Project& p) {
    st.use(p.name)
        .use(p.description)
        .use(p.owner_id)
        .use(p.client_type)
        .use(p.client_secret_enc)
        .use(p.signing_key_enc)
        .use(p.previous_signing_key_enc)
        .use(p.previous_signing_key_until)
        .use(encodeList(p.grant_types))
        .use(encodeList(p.scopes))
        .use(encodeList(p.authenticators))
        .use(p.access_ttl)
        .use(p.refresh_ttl)
        .use(p.id_token_ttl)
        .use(p.id_token_alg)
        .use(p.access_token_alg)
        .use(encodeList(p.policy.roles))
        .use(encodeList(p.policy.email_domains))
        .use(encodeList(p.policy.statuses))
        .use(encodeList(p.policy.authenticators))
        .use(p.policy.require_verified_email)
        .use(p.backchannel_logout_uri)
        .use(p.development)
        .use(p.skip_consent)
        .use(p.updated_at);
}

void writeUris(::soci::session& sql, const sdk::Project& project) {
    {
        Stmt clear(sql, "DELETE FROM project_redirect_uris WHERE client_id = :a");
        clear.use(project.client_id);
        clear.execute();
    }
    auto insert = [&](const std::vector<std::string>& uris, const char* kind) {
        for (std::size_t i = 0; i < uris.size(); ++i) {
            Stmt st(sql,
                    "INSERT INTO project_redirect_uris (client_id, kind, seq, uri) "
                    "VALUES (:a, :b, :c, :d)");
            st.use(project.client_id).use(kind).use(static_cast<std::int64_t>(i)).use(uris[i]);
            st.execute();
        }
    };
    insert(project.redirect_uris, kLoginUris);
    insert(project.post_logout_redirect_uris, kLogoutUris);
}

}  // namespace

sdk::Result<void> ProjectStoreImpl::create(const sdk::Project& project) {
    if (project.client_id.empty()) {
        return required("projects.create", "client_id");
    }
    return scope_.run(Mode::atomic, "projects.create", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO projects (name, description, owner_id, client_type, "
                "client_secret_enc, signing_key_enc, previous_signing_key_enc, "
                "previous_signing_key_until, grant_types, scopes, authenticators, access_ttl, "
                "refresh_ttl, id_token_ttl, id_token_alg, access_token_alg, policy_roles, "
                "policy_email_domains, policy_statuses, policy_authenticators, "
                "policy_require_verified_email, backchannel_logout_uri, development, "
                "skip_consent, updated_at, created_at, client_id) VALUES (:a, :b, :c, :d, :e, "
                ":f, :g, :h, :i, :j, :k, :l, :m, :n, :o, :p, :q, :r, :s, :t, :u, :v, :w, :x, "
                ":y, :z, :za)");
        bindProjectValues(st, project);
        st.use(project.created_at).use(project.client_id);
        st.execute();
        writeUris(sql, project);
        return sdk::ok();
    });
}

sdk::Result<sdk::Project> ProjectStoreImpl::get(const std::string& client_id) {
    return scope_.get<sdk::Project>(
        Mode::snapshot, "projects.get", [&](::soci::session& sql) -> sdk::Result<sdk::Project> {
            ProjectRow row;
            Stmt st(sql, std::string("SELECT ") + kProjectColumns +
                             " FROM projects WHERE client_id = :a");
            bindProject(st, row);
            st.use(client_id);
            if (!st.execute()) {
                return notFound("projects.get: project " + client_id);
            }
            return finishProject(sql, row);
        });
}

sdk::Result<void> ProjectStoreImpl::update(const sdk::Project& project) {
    return scope_.run(Mode::atomic, "projects.update", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql,
                "UPDATE projects SET name = :a, description = :b, owner_id = :c, "
                "client_type = :d, client_secret_enc = :e, signing_key_enc = :f, "
                "previous_signing_key_enc = :g, previous_signing_key_until = :h, "
                "grant_types = :i, scopes = :j, authenticators = :k, access_ttl = :l, "
                "refresh_ttl = :m, id_token_ttl = :n, id_token_alg = :o, "
                "access_token_alg = :p, policy_roles = :q, policy_email_domains = :r, "
                "policy_statuses = :s, policy_authenticators = :t, "
                "policy_require_verified_email = :u, backchannel_logout_uri = :v, "
                "development = :w, skip_consent = :x, updated_at = :y WHERE client_id = :z");
        bindProjectValues(st, project);
        st.use(project.client_id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("projects.update: project " + project.client_id);
        }
        writeUris(sql, project);
        return sdk::ok();
    });
}

sdk::Result<void> ProjectStoreImpl::remove(const std::string& client_id) {
    return scope_.run(Mode::single, "projects.remove", [&](::soci::session& sql) -> sdk::Result<void> {
        // Redirect URIs, codes, refresh families (with their tokens) and consents cascade.
        Stmt st(sql, "DELETE FROM projects WHERE client_id = :a");
        st.use(client_id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("projects.remove: project " + client_id);
        }
        return sdk::ok();
    });
}

sdk::Result<sdk::Slice<sdk::Project>> ProjectStoreImpl::list(const std::string& owner_id,
                                                             const std::string& cursor, int limit) {
    std::vector<std::string> after;
    if (auto page = checkPage("projects.list", limit, cursor, 1, after); !page) {
        return std::move(page).error();
    }
    return scope_.get<sdk::Slice<sdk::Project>>(
        Mode::snapshot, "projects.list",
        [&](::soci::session& sql) -> sdk::Result<sdk::Slice<sdk::Project>> {
            std::string text =
                std::string("SELECT ") + kProjectColumns + " FROM projects WHERE 1 = 1";
            if (!owner_id.empty()) {
                text += " AND owner_id = :o";
            }
            if (!after.empty()) {
                text += " AND client_id > :c";
            }
            text += " ORDER BY client_id LIMIT :n";
            std::vector<ProjectRow> rows;
            {
                ProjectRow row;
                Stmt st(sql, text);
                bindProject(st, row);
                if (!owner_id.empty()) {
                    st.use(owner_id);
                }
                if (!after.empty()) {
                    st.use(after[0]);
                }
                st.use(static_cast<std::int64_t>(limit) + 1);
                for (bool got = st.execute(); got; got = st.fetch()) {
                    rows.push_back(row);
                }
            }
            sdk::Slice<sdk::Project> page;
            bool more = rows.size() > static_cast<std::size_t>(limit);
            if (more) {
                rows.pop_back();
            }
            for (const ProjectRow& row : rows) {
                auto project = finishProject(sql, row);
                if (!project) {
                    return std::move(project).error();
                }
                page.items.push_back(std::move(project).value());
            }
            if (more) {
                page.next_cursor = makeCursor({page.items.back().client_id});
            }
            return page;
        });
}

}  // namespace authd::plugins::soci_common
