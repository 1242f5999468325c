-- Audit chain reads and principal sessions (PROTOCOL.md §8, §9, IMP-17, IMP-22), PostgreSQL flavour. Keep in step
-- with ../sqlite/0003_audit_principal_sessions.sql (only BIGINT/INTEGER differ).

-- Principal views: a developer's entries for one principal, newest first by seq.
CREATE INDEX audit_entries_by_principal ON audit_entries (developer_id, principal_id, seq);

-- Principal sessions: active grants of one principal.
CREATE INDEX grants_by_developer_principal ON grants (developer_id, principal_id, status);

-- Issued principal-session tokens (the `jti`), so that they can be revoked (IMP-22).
CREATE TABLE principal_sessions (
    jti             TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL REFERENCES developers (id),
    principal_id    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX principal_sessions_by_developer ON principal_sessions (developer_id, principal_id);
