-- 0500 findings and rating: what is wrong where (findings, with their history), the
-- rating snapshots made from them, the rescan schedule, and the ASM runs that drive it all.
-- Times are Unix seconds UTC.

-- One row per (organisation, asset, issue key). asset is "ip:port/proto" for network
-- findings, "declared:<product>" for declared products, the domain for e-mail findings.
-- A finding is never deleted: it moves open -> fixed -> open (reopened) and keeps first_seen.
CREATE TABLE findings (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	asset TEXT NOT NULL,
	issue_key TEXT NOT NULL,       -- "vuln:CVE-2021-41773", "risky:rdp", "tls:expired", "mail:no-dmarc"
	kind TEXT NOT NULL CHECK (kind IN ('vulnerability', 'declared', 'risky_service', 'tls', 'email')),
	source TEXT NOT NULL CHECK (source IN ('network', 'declared', 'email')), -- which run can close it
	ip TEXT, port INTEGER, proto TEXT,
	state TEXT NOT NULL CHECK (state IN ('open', 'fixed')),
	severity TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
	title TEXT NOT NULL,           -- Japanese / English
	cve_id TEXT,
	confidence TEXT,               -- matcher state: affected, affected-if-platform, probable-backport, product-only
	needs_confirmation INTEGER NOT NULL DEFAULT 0, -- 要確認: product-only / probable-backport
	cvss REAL, cvss_vector TEXT, epss REAL,
	kev INTEGER NOT NULL DEFAULT 0, kev_date_added TEXT, kev_due_date TEXT, kev_ransomware INTEGER NOT NULL DEFAULT 0,
	urgency TEXT,                  -- KEV, ACT, ATTEND, TRACK*, TRACK (vulnerabilities); NULL otherwise
	ssvc_decision TEXT,            -- CISA coordinator outcome (track, track*, attend, act)
	bod_timeline TEXT,             -- BOD 26-04 row outcome ("14 days", "fix on system upgrade" ...)
	deadline INTEGER,              -- remediation due (NULL: fix on system upgrade / none)
	reasons TEXT,                  -- JSON: every decision input with where it came from
	evidence TEXT,                 -- JSON: banner, CPE, matcher evidence, tls_info part, record ...
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	fixed_at INTEGER,
	reopened INTEGER NOT NULL DEFAULT 0,
	UNIQUE (org_slug, asset, issue_key)
);
CREATE INDEX findings_org_state ON findings(org_slug, state);
CREATE INDEX findings_ip ON findings(org_slug, ip);

CREATE TABLE finding_events (
	id INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES findings(id),
	at INTEGER NOT NULL,
	event TEXT NOT NULL CHECK (event IN ('opened', 'fixed', 'reopened', 'changed')),
	detail TEXT
);
CREATE INDEX finding_events_finding ON finding_events(finding_id);

-- Rating snapshots: every computation is kept; the newest of a period is the period's rating.
CREATE TABLE ratings (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	period TEXT NOT NULL,          -- "2026Q4" (JST quarter)
	score REAL NOT NULL,
	raw_grade TEXT NOT NULL,       -- grade from the score alone
	grade TEXT NOT NULL,           -- after hysteresis against the previous period
	method TEXT NOT NULL,          -- rating method version
	computed_at INTEGER NOT NULL,
	explanation TEXT NOT NULL      -- JSON: deductions per finding, categories, caps
);
CREATE INDEX ratings_org_period ON ratings(org_slug, period, computed_at);

-- Rescan schedule, one row per host.
CREATE TABLE scan_schedule (
	org_slug TEXT NOT NULL,
	ip TEXT NOT NULL,
	priority INTEGER NOT NULL,     -- 0 kev/critical .. 4 clean, 5 new, 6 dark
	level TEXT NOT NULL,
	next_due INTEGER NOT NULL,
	reason TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (org_slug, ip)
);
CREATE INDEX scan_schedule_due ON scan_schedule(next_due);

-- ASM runs: one per organisation per `mamori asm run`; step is the first step not done.
CREATE TABLE asm_runs (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	finished_at INTEGER,
	state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
	step TEXT NOT NULL,
	scan_id INTEGER,
	params TEXT,                   -- JSON: mode, ports, resolver
	summary TEXT,                  -- JSON: findings counts and grade change
	error TEXT
);
CREATE INDEX asm_runs_org ON asm_runs(org_slug, started_at);
