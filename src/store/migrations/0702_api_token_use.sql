-- 0702 API token bookkeeping (issue #19): when a token was last used (written at most once a
-- minute) and when it was revoked (by `mamori user revoke`, a password change or disabling
-- the user; a revoked token never works again, whatever happens to the user later).
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;
