-- Grant lifecycle additions (IMP-7, IMP-9, IMP-10). Keep in step with ../postgres/0002_grant_lifecycle.sql.

-- Registered redirect URIs of an agent (JSON string array); NULL or [] = none registered (IMP-9).
ALTER TABLE agents ADD COLUMN redirect_uris TEXT;

-- Page-bound consent approval (IMP-7): SHA-256 hex of the one-time cookie and of the CSRF token issued by the
-- consent page for this request.
ALTER TABLE auth_requests ADD COLUMN consent_cookie_hash TEXT;
ALTER TABLE auth_requests ADD COLUMN consent_csrf_hash TEXT;

-- Refresh-token reuse detection (IMP-10): when a used token was presented again (Unix ms).
ALTER TABLE refresh_tokens ADD COLUMN reuse_detected_at INTEGER;
