-- 0651_advisories.sql - the vulnerability information service: which KEV catalogs a sync has
-- already covered (the cursor) and acknowledgement tokens of notices (hash only).

CREATE TABLE alert_synced_catalogs (
	version TEXT PRIMARY KEY,       -- kev_catalogs.version covered by an advisories sync
	synced_at INTEGER NOT NULL
);

CREATE TABLE alert_acks (
	alert_id INTEGER PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
	token_sha256 TEXT UNIQUE NOT NULL, -- hex SHA-256 of the token; the token itself is never stored
	urgent INTEGER NOT NULL DEFAULT 1,
	acked_at INTEGER
);
