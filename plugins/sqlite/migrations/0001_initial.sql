-- SPDX-License-Identifier: Apache-2.0
-- authd storage schema, version 1 (SQLite). Times are Unix seconds, 0 = unset.
-- Empty optional unique values (users.email, credentials.subject) are stored as NULL so that
-- uniqueness only applies to real values. Lists that need no lookup are JSON arrays in TEXT.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT UNIQUE,
    email_verified INTEGER NOT NULL DEFAULT 0,
    name           TEXT NOT NULL DEFAULT '',
    picture        TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT 'user',
    status         TEXT NOT NULL DEFAULT 'active',
    created_at     BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_listing ON users (COALESCE(email, ''), id);

CREATE TABLE credentials (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    subject     TEXT,
    secret_hash TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind)
);
CREATE UNIQUE INDEX credentials_subject ON credentials (kind, subject);

CREATE TABLE projects (
    client_id                     TEXT PRIMARY KEY,
    name                          TEXT NOT NULL DEFAULT '',
    description                   TEXT NOT NULL DEFAULT '',
    owner_id                      TEXT NOT NULL DEFAULT '',
    client_type                   TEXT NOT NULL DEFAULT 'confidential',
    client_secret_enc             TEXT NOT NULL DEFAULT '',
    signing_key_enc               TEXT NOT NULL DEFAULT '',
    previous_signing_key_enc      TEXT NOT NULL DEFAULT '',
    previous_signing_key_until    BIGINT NOT NULL DEFAULT 0,
    grant_types                   TEXT NOT NULL DEFAULT '[]',
    scopes                        TEXT NOT NULL DEFAULT '[]',
    authenticators                TEXT NOT NULL DEFAULT '[]',
    access_ttl                    BIGINT NOT NULL DEFAULT 0,
    refresh_ttl                   BIGINT NOT NULL DEFAULT 0,
    id_token_ttl                  BIGINT NOT NULL DEFAULT 0,
    id_token_alg                  TEXT NOT NULL DEFAULT '',
    access_token_alg              TEXT NOT NULL DEFAULT 'HS256',
    policy_roles                  TEXT NOT NULL DEFAULT '[]',
    policy_email_domains          TEXT NOT NULL DEFAULT '[]',
    policy_statuses               TEXT NOT NULL DEFAULT '[]',
    policy_authenticators         TEXT NOT NULL DEFAULT '[]',
    policy_require_verified_email INTEGER NOT NULL DEFAULT 0,
    backchannel_logout_uri        TEXT NOT NULL DEFAULT '',
    development                   INTEGER NOT NULL DEFAULT 0,
    skip_consent                  INTEGER NOT NULL DEFAULT 0,
    created_at                    BIGINT NOT NULL DEFAULT 0,
    updated_at                    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX projects_owner ON projects (owner_id, client_id);

-- kind: 'login' (redirect_uris) or 'logout' (post_logout_redirect_uris); seq keeps the order.
CREATE TABLE project_redirect_uris (
    client_id TEXT NOT NULL REFERENCES projects (client_id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    uri       TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, seq)
);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL DEFAULT 0,
    auth_time      BIGINT NOT NULL DEFAULT 0,
    expires_at     BIGINT NOT NULL DEFAULT 0,
    revoked_at     BIGINT NOT NULL DEFAULT 0,
    amr            TEXT NOT NULL DEFAULT '[]',
    client_address TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- taken_at: set by PendingStore::take, so that a second take reports already_consumed.
CREATE TABLE pending_authorizations (
    id           TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL DEFAULT '',
    client_id    TEXT NOT NULL DEFAULT '',
    params       TEXT NOT NULL DEFAULT '',
    user_id      TEXT NOT NULL DEFAULT '',
    session_id   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL DEFAULT 0,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    taken_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pending_expiry ON pending_authorizations (expires_at);

CREATE TABLE authorization_codes (
    code_hash             TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES projects (client_id) ON DELETE CASCADE,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id            TEXT NOT NULL DEFAULT '',
    redirect_uri          TEXT NOT NULL DEFAULT '',
    scope                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    claims                TEXT NOT NULL DEFAULT '',
    amr                   TEXT NOT NULL DEFAULT '[]',
    auth_time             BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL DEFAULT 0,
    expires_at            BIGINT NOT NULL DEFAULT 0,
    consumed_at           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX codes_client ON authorization_codes (client_id);
CREATE INDEX codes_user ON authorization_codes (user_id);
CREATE INDEX codes_expiry ON authorization_codes (expires_at);

CREATE TABLE refresh_families (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES projects (client_id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id       TEXT NOT NULL DEFAULT '',
    origin_code_hash TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL DEFAULT '',
    amr              TEXT NOT NULL DEFAULT '[]',
    auth_time        BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL DEFAULT 0,
    expires_at       BIGINT NOT NULL DEFAULT 0,
    revoked_at       BIGINT NOT NULL DEFAULT 0,
    revoked_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX families_client ON refresh_families (client_id);
CREATE INDEX families_user ON refresh_families (user_id);
CREATE INDEX families_session ON refresh_families (session_id);
CREATE INDEX families_origin ON refresh_families (origin_code_hash);
CREATE INDEX families_expiry ON refresh_families (expires_at);

CREATE TABLE refresh_tokens (
    token_hash     TEXT PRIMARY KEY,
    family_id      TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL DEFAULT 0,
    expires_at     BIGINT NOT NULL DEFAULT 0,
    rotated_at     BIGINT NOT NULL DEFAULT 0,
    successor_hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES projects (client_id) ON DELETE CASCADE,
    scope      TEXT NOT NULL DEFAULT '',
    granted_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client ON consents (client_id);

CREATE TABLE counters (
    counter_key  TEXT PRIMARY KEY,
    hits         BIGINT NOT NULL DEFAULT 0,
    window_start BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX counters_idle ON counters (updated_at);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    private_key_enc TEXT NOT NULL DEFAULT '',
    public_jwk      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL DEFAULT 0,
    retire_at       BIGINT NOT NULL DEFAULT 0,
    expires_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signing_keys_age ON signing_keys (created_at, kid);

-- No foreign keys: the audit trail outlives the users and projects it mentions.
CREATE TABLE audit_events (
    id             TEXT PRIMARY KEY,
    event_time     BIGINT NOT NULL,
    event_type     TEXT NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    client_id      TEXT NOT NULL DEFAULT '',
    client_address TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_time ON audit_events (event_time, id);
CREATE INDEX audit_user ON audit_events (user_id, event_time);
CREATE INDEX audit_client ON audit_events (client_id, event_time);
CREATE INDEX audit_type ON audit_events (event_type, event_time);

CREATE TABLE plugin_data (
    ns         TEXT NOT NULL,
    record_key TEXT NOT NULL,
    value      TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ns, record_key)
);
CREATE INDEX plugin_data_expiry ON plugin_data (expires_at);
