-- 0800 incident: incident reports (every version kept), reporting clocks per regime with their
-- history, NISC severity assessments (predicted and final), rush-support and consultation cases,
-- and one hash-chained timeline of every incident and case event. Times are Unix seconds UTC.
-- exercise_run: set by exercise tooling (issue 17); rows with it are left out of every list.
CREATE TABLE incidents (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
	title TEXT NOT NULL,
	type TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
	occurred_at INTEGER NOT NULL,
	aware_at INTEGER NOT NULL,
	versions INTEGER NOT NULL DEFAULT 0,
	last_kind TEXT NOT NULL,              -- initial, followup, final (the latest version)
	level INTEGER,                        -- NISC overall level of the latest assessment
	level_kind TEXT,                      -- predicted | final
	next_due INTEGER,                     -- earliest pending clock (NULL: none)
	exercise_run INTEGER,                 -- NULL: real; else excluded from lists and statistics
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
-- Lists walk incidents newest first (rowid) or one org's (incidents_org) and filter as they go
-- (inc_list): with LIMIT, a filter index that needs a sort of every match is slower.
CREATE INDEX incidents_org ON incidents(org_id, id);
CREATE INDEX incidents_aware ON incidents(aware_at); -- statistics per quarter

-- One row per filed version (初報 / 続報 / 最終報); body is the whole report as canonical JSON.
CREATE TABLE incident_versions (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('initial', 'followup', 'final')),
	filed_at INTEGER NOT NULL,
	filed_by TEXT NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (incident_id, seq)
);

CREATE TABLE incident_iocs (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	seq INTEGER NOT NULL,                 -- the version that reported it
	type TEXT NOT NULL CHECK (type IN ('ip', 'domain', 'url', 'hash', 'email')),
	value TEXT NOT NULL,
	tlp TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
	note TEXT
);
CREATE INDEX incident_iocs_inc ON incident_iocs(incident_id, seq);

CREATE TABLE incident_affected (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	asset TEXT,                           -- as reported
	service TEXT,                         -- as reported: IP:PORT[/tcp|udp]
	asset_id INTEGER,                     -- the org's inventory asset it matched (NULL: none)
	service_id INTEGER                    -- the identified service it matched (NULL: none)
);
CREATE INDEX incident_affected_inc ON incident_affected(incident_id, seq);

CREATE TABLE incident_regimes (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	regime TEXT NOT NULL,
	added_at INTEGER NOT NULL,
	added_by TEXT NOT NULL,
	PRIMARY KEY (incident_id, regime)
);

CREATE TABLE incident_clocks (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	regime TEXT NOT NULL,
	report TEXT NOT NULL,
	due_at INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'met', 'dropped')),
	met_at INTEGER,
	reminded_due INTEGER,                 -- due time a reminder was queued for
	overdue_due INTEGER,                  -- due time an overdue alert was queued for
	UNIQUE (incident_id, regime, report)
);
CREATE INDEX incident_clocks_due ON incident_clocks(state, due_at);

CREATE TABLE incident_clock_history (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL,
	regime TEXT NOT NULL,
	report TEXT NOT NULL,
	at INTEGER NOT NULL,
	old_due INTEGER,
	new_due INTEGER,
	old_state TEXT,
	new_state TEXT NOT NULL,
	reason TEXT NOT NULL
);
CREATE INDEX incident_clock_history_inc ON incident_clock_history(incident_id, id);

CREATE TABLE incident_assessments (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE RESTRICT,
	kind TEXT NOT NULL CHECK (kind IN ('predicted', 'final')),
	at INTEGER NOT NULL,
	by TEXT NOT NULL,
	continuity INTEGER NOT NULL CHECK (continuity BETWEEN 0 AND 4),
	safety INTEGER NOT NULL CHECK (safety BETWEEN 0 AND 4),
	trust INTEGER NOT NULL CHECK (trust BETWEEN 0 AND 4),
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4),
	reason_continuity TEXT,
	reason_safety TEXT,
	reason_trust TEXT,
	indicators TEXT NOT NULL,             -- JSON: the indicator fields the axes rest on
	nciss_score INTEGER,                  -- 0-100, secondary (NULL: not scored)
	nciss TEXT                            -- JSON: category -> option
);
CREATE INDEX incident_assessments_inc ON incident_assessments(incident_id, id);

CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
	kind TEXT NOT NULL CHECK (kind IN ('rush', 'consult')),
	title TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'received'
		CHECK (state IN ('received', 'in_progress', 'answered', 'closed')),
	assignee TEXT,
	opened_at INTEGER NOT NULL,
	opened_by TEXT NOT NULL,
	first_response_due INTEGER NOT NULL,
	first_response_at INTEGER,
	resolution_due INTEGER NOT NULL,
	resolved_at INTEGER,
	exercise_run INTEGER,
	updated_at INTEGER NOT NULL
);
CREATE INDEX cases_org ON cases(org_id, id);

CREATE TABLE case_links (
	case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
	kind TEXT NOT NULL CHECK (kind IN ('incident', 'finding', 'sns_alert', 'indicator')),
	ref TEXT NOT NULL,
	PRIMARY KEY (case_id, kind, ref)
);

-- The timeline: every incident and case event, append-only, hash-chained over the whole
-- table: hash = SHA-256(prev_hash, id, at, actor, kind, subject, visibility, detail).
CREATE TABLE incident_events (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER,
	case_id INTEGER,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	kind TEXT NOT NULL,                   -- report, assess, clock, regime, state, message, note ...
	visibility TEXT NOT NULL CHECK (visibility IN ('shared', 'internal')),
	detail TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX incident_events_inc ON incident_events(incident_id, id) WHERE incident_id IS NOT NULL;
CREATE INDEX incident_events_case ON incident_events(case_id, id) WHERE case_id IS NOT NULL;

CREATE TABLE incident_attachments (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER,
	case_id INTEGER,
	name TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	content BLOB NOT NULL,
	added_at INTEGER NOT NULL,
	added_by TEXT NOT NULL
);
