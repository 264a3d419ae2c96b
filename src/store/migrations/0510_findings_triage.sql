-- 0510_findings_triage.sql - the analyst's and operator's triage of a finding (src/findings,
-- docs/RATING.md §1a): a state that survives rescans, an assignee, comments, and a log of
-- every change (who, when, from what to what).

ALTER TABLE findings ADD COLUMN triage TEXT CHECK (triage IN
	('confirmed', 'false_positive', 'accepted', 'in_progress', 'fixed_pending'));
ALTER TABLE findings ADD COLUMN triage_until INTEGER;   -- risk acceptance expires (Unix s UTC)
ALTER TABLE findings ADD COLUMN triage_evidence TEXT;   -- evidence when marked a false positive
ALTER TABLE findings ADD COLUMN assignee TEXT;

CREATE TABLE finding_comments (
	id INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES findings(id),
	at INTEGER NOT NULL,
	author TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX finding_comments_finding ON finding_comments(finding_id, at);

CREATE TABLE finding_triage_log (
	id INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES findings(id),
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,           -- console user, "cli:<user>", or "mamori" for a rescan
	field TEXT NOT NULL,           -- triage, assignee, comment
	old TEXT,
	new TEXT,
	note TEXT
);
CREATE INDEX finding_triage_log_finding ON finding_triage_log(finding_id, at);
CREATE INDEX findings_triage ON findings(org_slug, triage);
