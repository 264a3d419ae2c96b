-- 0300 scan: scan runs and the observations they make (port discovery).
-- An observation is one (org, ip, port, proto) ever seen; each scan that sees it
-- again updates last_seen and state, and scan_observations answers "seen in scan N".
CREATE TABLE scans (
	id INTEGER PRIMARY KEY,
	org_slug TEXT,                -- NULL for `scan --all`
	mode TEXT NOT NULL,           -- connect, syn, udp
	ports TEXT NOT NULL,          -- compact port list, e.g. 22,80,8000-8100
	started_at INTEGER NOT NULL,  -- Unix seconds, UTC
	finished_at INTEGER,
	state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
	params TEXT NOT NULL,         -- JSON: targets, key, rates, retries, shard (for --resume)
	sent INTEGER NOT NULL DEFAULT 0,
	received INTEGER NOT NULL DEFAULT 0,
	invalid INTEGER NOT NULL DEFAULT 0,
	dropped INTEGER NOT NULL DEFAULT 0,
	checkpoint INTEGER NOT NULL DEFAULT 0 -- permutation position to resume from
);
CREATE INDEX scans_org ON scans(org_slug, started_at);

CREATE TABLE observations (
	id INTEGER PRIMARY KEY,
	scan_id INTEGER NOT NULL REFERENCES scans(id), -- the scan that saw it last
	org_slug TEXT NOT NULL,       -- '' when the scan covered several organisations
	ip TEXT NOT NULL,
	port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),
	proto TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
	state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'filtered', 'open|filtered')),
	ttl INTEGER,
	rtt_ms REAL,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	UNIQUE (org_slug, ip, port, proto)
);
CREATE INDEX observations_ip ON observations(ip);

CREATE TABLE scan_observations (
	scan_id INTEGER NOT NULL REFERENCES scans(id),
	observation_id INTEGER NOT NULL REFERENCES observations(id),
	state TEXT NOT NULL,
	seen_at INTEGER NOT NULL,
	PRIMARY KEY (scan_id, observation_id)
);
