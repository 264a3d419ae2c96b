-- 0401 identify: targets an identify run refused to touch (scope is law), with the reason
-- inv_scope_check gave (Japanese, then English).
CREATE TABLE identify_refusals (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES identify_runs(id),
	org_slug TEXT NOT NULL,
	ip TEXT NOT NULL,
	port INTEGER NOT NULL,
	proto TEXT NOT NULL,
	reason TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX identify_refusals_run ON identify_refusals(run_id);
CREATE INDEX services_run ON services(org_slug, identify_run);
