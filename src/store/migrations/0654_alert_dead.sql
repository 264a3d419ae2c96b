-- 0654_alert_dead.sql - dead letters: a delivery target that failed in N consecutive runs or
-- for longer than a limit becomes 'dead' (never retried automatically, never deleted) until
-- `mamori alert retry` puts it back to 'pending'. SQLite cannot alter a CHECK, so the table
-- is rebuilt; every row is kept (the migration runs in one transaction).

CREATE TABLE alert_targets_new (
	alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
	target TEXT NOT NULL,           -- e-mail address or webhook id
	state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused', 'dead')),
	attempts INTEGER NOT NULL DEFAULT 0,
	delivered_at INTEGER,
	failed_runs INTEGER NOT NULL DEFAULT 0, -- consecutive runs that ended in failure
	first_failed_at INTEGER,        -- start of the current failure streak (Unix s UTC)
	dead_at INTEGER,                -- when it became 'dead'
	PRIMARY KEY (alert_id, channel, target)
);
INSERT INTO alert_targets_new (alert_id, channel, target, state, attempts, delivered_at)
	SELECT alert_id, channel, target, state, attempts, delivered_at FROM alert_targets;
DROP TABLE alert_targets;
ALTER TABLE alert_targets_new RENAME TO alert_targets;
CREATE INDEX alert_targets_state ON alert_targets(state);
