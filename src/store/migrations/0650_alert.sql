-- 0650_alert.sql - urgent alerts and notices, their per-recipient delivery state, the
-- delivery log, webhooks and sync cursors (src/alert).

CREATE TABLE alert_webhooks (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	url TEXT NOT NULL,              -- http(s) only, validated when entered
	secret TEXT NOT NULL,           -- HMAC-SHA256 key for X-Mamori-Signature
	created_at INTEGER NOT NULL,
	UNIQUE (org_slug, url)
);

-- One row per (operator, issue): the unique key is what makes an alert never twice.
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	issue_key TEXT NOT NULL,        -- "vuln:CVE-2021-41773", "risky:rdp" ...
	subject TEXT NOT NULL,          -- Japanese / English
	body TEXT NOT NULL,             -- Japanese then English
	created_at INTEGER NOT NULL,
	UNIQUE (org_slug, issue_key)
);

-- Who gets an alert, each with its own state: a delivered recipient is never sent again,
-- a pending one is retried on the next run.
CREATE TABLE alert_targets (
	alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
	target TEXT NOT NULL,           -- e-mail address or webhook id
	state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused')),
	attempts INTEGER NOT NULL DEFAULT 0,
	delivered_at INTEGER,
	PRIMARY KEY (alert_id, channel, target)
);
CREATE INDEX alert_targets_state ON alert_targets(state);

CREATE TABLE alert_deliveries (
	id INTEGER PRIMARY KEY,
	alert_id INTEGER NOT NULL,
	channel TEXT NOT NULL,
	target TEXT NOT NULL,
	attempt INTEGER NOT NULL,
	at INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'refused')),
	error TEXT
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id);
