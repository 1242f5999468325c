-- Grantex schema, SQLite flavour. Keep in step with ../postgres/0001_initial.sql: same tables, columns and
-- names; only types differ (SQLite INTEGER = PostgreSQL BIGINT). Times are Unix milliseconds; flags are
-- 0/1 integers; lists and objects are JSON text. Ids carry their protocol prefixes (PROTOCOL.md §1.5).

CREATE TABLE developers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    api_key_hash    TEXT NOT NULL UNIQUE,
    mode            TEXT NOT NULL CHECK (mode IN ('live', 'sandbox')),
    plan            TEXT NOT NULL DEFAULT 'enterprise',
    fido_required   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE agents (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    scopes          TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER
);
CREATE INDEX agents_by_developer ON agents (developer_id, created_at);

CREATE TABLE auth_requests (
    id                      TEXT PRIMARY KEY,
    developer_id            TEXT NOT NULL REFERENCES developers (id),
    agent_id                TEXT NOT NULL REFERENCES agents (id),
    principal_id            TEXT NOT NULL,
    scopes                  TEXT NOT NULL,
    audience                TEXT,
    redirect_uri            TEXT,
    state                   TEXT,
    code_challenge          TEXT,
    code_challenge_method   TEXT,
    expires_in_seconds      INTEGER NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'consumed')),
    sandbox                 INTEGER NOT NULL DEFAULT 0,
    code_hash               TEXT UNIQUE,
    code_expires_at         INTEGER,
    code_used_at            INTEGER,
    metadata                TEXT,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL
);
CREATE INDEX auth_requests_by_developer ON auth_requests (developer_id, created_at);

CREATE TABLE grants (
    id                  TEXT PRIMARY KEY,
    developer_id        TEXT NOT NULL REFERENCES developers (id),
    agent_id            TEXT NOT NULL REFERENCES agents (id),
    principal_id        TEXT NOT NULL,
    auth_request_id     TEXT REFERENCES auth_requests (id),
    scopes              TEXT NOT NULL,
    audience            TEXT,
    status              TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
    parent_grant_id     TEXT REFERENCES grants (id),
    delegation_depth    INTEGER NOT NULL DEFAULT 0,
    status_list_id      TEXT,
    status_list_index   INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    revoked_at          INTEGER
);
CREATE INDEX grants_by_developer ON grants (developer_id, created_at);
CREATE INDEX grants_by_agent ON grants (agent_id);
CREATE INDEX grants_by_parent ON grants (parent_grant_id);

CREATE TABLE tokens (
    jti             TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    kid             TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked         INTEGER NOT NULL DEFAULT 0,
    revoked_at      INTEGER
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);

CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    family_id       TEXT NOT NULL,
    used            INTEGER NOT NULL DEFAULT 0,
    used_at         INTEGER,
    revoked         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE audit_entries (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    seq             INTEGER NOT NULL,
    agent_id        TEXT NOT NULL,
    agent_did       TEXT NOT NULL,
    grant_id        TEXT,
    principal_id    TEXT NOT NULL,
    action          TEXT NOT NULL,
    status          TEXT NOT NULL,
    metadata        TEXT NOT NULL DEFAULT '{}',
    timestamp       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    prev_hash       TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (developer_id, seq)
);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    purpose         TEXT NOT NULL DEFAULT 'grant',
    state           TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    private_key_pem TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retire_after    INTEGER,
    retired_at      INTEGER
);
-- At most one active key per purpose, even when two nodes bootstrap at once.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (purpose) WHERE state = 'active';

CREATE TABLE status_lists (
    id              TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,
    size            INTEGER NOT NULL,
    next_index      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE status_list_entries (
    list_id         TEXT NOT NULL REFERENCES status_lists (id),
    idx             INTEGER NOT NULL,
    subject_kind    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    status          INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (list_id, idx)
);
CREATE INDEX status_list_entries_by_subject ON status_list_entries (subject_kind, subject_id);
