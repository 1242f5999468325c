-- Grantex schema, PostgreSQL flavour. Keep in step with ../sqlite/0001_initial.sql: same tables, columns and
-- names; only types differ (PostgreSQL BIGINT = SQLite INTEGER). Times are Unix milliseconds; flags are
-- 0/1 integers; lists and objects are JSON text. Ids carry their protocol prefixes (PROTOCOL.md §1.5).

CREATE TABLE developers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    api_key_hash    TEXT NOT NULL UNIQUE,
    mode            TEXT NOT NULL CHECK (mode IN ('live', 'sandbox')),
    plan            TEXT NOT NULL DEFAULT 'enterprise',
    fido_required   BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE agents (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    scopes          TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
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
    expires_in_seconds      BIGINT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'consumed')),
    sandbox                 BIGINT NOT NULL DEFAULT 0,
    code_hash               TEXT UNIQUE,
    code_expires_at         BIGINT,
    code_used_at            BIGINT,
    metadata                TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    expires_at              BIGINT NOT NULL
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
    delegation_depth    BIGINT NOT NULL DEFAULT 0,
    status_list_id      TEXT,
    status_list_index   BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    revoked_at          BIGINT
);
CREATE INDEX grants_by_developer ON grants (developer_id, created_at);
CREATE INDEX grants_by_agent ON grants (agent_id);
CREATE INDEX grants_by_parent ON grants (parent_grant_id);

CREATE TABLE tokens (
    jti             TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    kid             TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked         BIGINT NOT NULL DEFAULT 0,
    revoked_at      BIGINT
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);

CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    family_id       TEXT NOT NULL,
    used            BIGINT NOT NULL DEFAULT 0,
    used_at         BIGINT,
    revoked         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE audit_entries (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    seq             BIGINT NOT NULL,
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
    created_at      BIGINT NOT NULL,
    UNIQUE (developer_id, seq)
);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    purpose         TEXT NOT NULL DEFAULT 'grant',
    state           TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    private_key_pem TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    retire_after    BIGINT,
    retired_at      BIGINT
);
-- At most one active key per purpose, even when two nodes bootstrap at once.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (purpose) WHERE state = 'active';

CREATE TABLE status_lists (
    id              TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,
    size            BIGINT NOT NULL,
    next_index      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE status_list_entries (
    list_id         TEXT NOT NULL REFERENCES status_lists (id),
    idx             BIGINT NOT NULL,
    subject_kind    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    status          BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (list_id, idx)
);
CREATE INDEX status_list_entries_by_subject ON status_list_entries (subject_kind, subject_id);
