-- 0880_sns.sql - SNS precursor monitoring (src/sns): posts stored once per (platform, post id,
-- version) with the hash of their raw form, analysts' watch terms, which operator a post
-- matched and for which precursor classes, and the precursor alerts (one per operator, class
-- and wave) with their evidence posts. Times are Unix seconds UTC.

CREATE TABLE sns_posts (
	id INTEGER PRIMARY KEY,
	platform TEXT NOT NULL,          -- x, telegram, ddosia, leak-site, or a collector's
	post_id TEXT NOT NULL,           -- stable id (X: first id of the edit history)
	version TEXT NOT NULL DEFAULT '',-- '' original; X: edited post id; Telegram: edit time
	source TEXT NOT NULL,            -- ingest format or collector
	channel_id TEXT, channel_name TEXT, author_id TEXT, author_name TEXT,
	created_at INTEGER NOT NULL,
	text TEXT NOT NULL,
	lang TEXT, url TEXT,
	urls TEXT, hostnames TEXT, mentions TEXT, hashtags TEXT, -- JSON arrays or NULL
	forwarded_from TEXT, reply_to TEXT, edit_of TEXT,
	raw_sha256 TEXT NOT NULL,
	raw TEXT,                        -- the record as read, when at most 64 KiB
	simhash INTEGER NOT NULL,
	imported_at INTEGER NOT NULL,
	UNIQUE (platform, post_id, version)
);
CREATE INDEX sns_posts_created ON sns_posts(created_at);

-- Terms an analyst adds; the inventory's names, aliases, domains, addresses and products are
-- derived at each run, so they follow the inventory.
CREATE TABLE sns_watch (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	term TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('name', 'alias', 'domain', 'address', 'product', 'keyword', 'regex')),
	added_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (org_slug, term, kind)
);

-- A post matched an operator: the term and its kind, and the classes whose vocabulary it has
-- (bit 0 ddos, 1 leak, 2 outage, 3 exploit).
CREATE TABLE sns_matches (
	post INTEGER NOT NULL REFERENCES sns_posts(id) ON DELETE CASCADE,
	org_slug TEXT NOT NULL,
	term TEXT NOT NULL,
	kind TEXT NOT NULL,
	classes INTEGER NOT NULL DEFAULT 0,
	rules TEXT,                     -- the lexicon rules that hit, comma-separated
	created_at INTEGER NOT NULL,    -- the post's time (for windows without a join)
	run INTEGER NOT NULL,           -- the import or rematch that found it (the detector's input)
	PRIMARY KEY (post, org_slug)
);
CREATE INDEX sns_matches_org_time ON sns_matches(org_slug, created_at);
CREATE INDEX sns_matches_run ON sns_matches(run);

CREATE TABLE sns_alerts (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	class TEXT NOT NULL CHECK (class IN ('ddos-target', 'leak', 'outage', 'exploit')),
	rule TEXT NOT NULL,
	score REAL NOT NULL,
	reasons TEXT NOT NULL,           -- JSON: rule, factors, matched terms, hosts, mamori's view
	first_at INTEGER NOT NULL,       -- first evidence post (UTC)
	last_at INTEGER NOT NULL,        -- last evidence post
	state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'confirmed', 'dismissed', 'escalated')),
	state_by TEXT, state_at INTEGER, state_note TEXT,
	alert_id INTEGER,                -- the alerts row sent through the alert pipeline
	simhash INTEGER,                 -- of the wave's first post
	created_at INTEGER NOT NULL
);
CREATE INDEX sns_alerts_org_class ON sns_alerts(org_slug, class, last_at);

CREATE TABLE sns_alert_posts (
	alert INTEGER NOT NULL REFERENCES sns_alerts(id) ON DELETE CASCADE,
	post INTEGER NOT NULL REFERENCES sns_posts(id) ON DELETE CASCADE,
	PRIMARY KEY (alert, post)
);
CREATE INDEX sns_alert_posts_post ON sns_alert_posts(post);
