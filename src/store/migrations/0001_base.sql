-- 0001 base: key/value settings and the audit log every module writes to.
-- Migration numbers are allotted by module: 0001-0099 base, 0100-0199 inventory,
-- 0200-0299 vuln, 0300-0399 scan, 0400-0499 fingerprint, 0500-0599 findings/rating,
-- 0600-0699 report/alert, 0700-0799 web, 0800+ later modules.
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,          -- Unix seconds, UTC
	actor TEXT NOT NULL,          -- user name, 'cli:<uid>' or 'system'
	action TEXT NOT NULL,         -- e.g. 'inventory.import'
	object TEXT,                  -- what was touched
	detail TEXT                   -- JSON
);
CREATE INDEX audit_log_at ON audit_log(at);
