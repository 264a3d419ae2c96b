-- 0801 audit chain: the audit log becomes tamper-evident. The writer (auth_audit) seals every
-- row not yet sealed, in id order: hash = SHA-256(prev_hash, id, at, actor, action, object,
-- detail). Rows written before this migration are sealed by the first write after it.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE INDEX audit_log_unsealed ON audit_log(id) WHERE hash IS NULL;
