-- 0840_exercise.sql - tabletop exercise runs (issue 17): the scenario text kept with each run,
-- a scaled clock (speed, pauses), the orgs taking part, injects delivered or skipped, the
-- participants' actions and the facilitator's notes. Exercise incidents are rows of incidents
-- with exercise_run set (0800), kept out of every real list.
CREATE TABLE exercise_runs (
	id INTEGER PRIMARY KEY,
	scenario_id TEXT NOT NULL,
	title TEXT NOT NULL,
	scenario_yaml TEXT NOT NULL,
	scenario_file TEXT NOT NULL,
	speed INTEGER NOT NULL CHECK (speed BETWEEN 1 AND 3600),
	started_at INTEGER NOT NULL,
	paused_at INTEGER,                     -- set while paused
	paused_s INTEGER NOT NULL DEFAULT 0,   -- real seconds spent paused before
	state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'finished')),
	finished_at INTEGER,
	facilitator TEXT NOT NULL
);
CREATE TABLE exercise_run_orgs (
	run_id INTEGER NOT NULL REFERENCES exercise_runs(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	PRIMARY KEY (run_id, org_id)
);
CREATE INDEX exercise_run_orgs_org ON exercise_run_orgs(org_id);
CREATE TABLE exercise_deliveries (
	run_id INTEGER NOT NULL REFERENCES exercise_runs(id) ON DELETE CASCADE,
	inject_id TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('delivered', 'skipped')),
	scen_s INTEGER NOT NULL,               -- scenario seconds it was delivered at
	at INTEGER NOT NULL,                   -- Unix seconds UTC
	mails INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, inject_id)
);
CREATE TABLE exercise_actions (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES exercise_runs(id) ON DELETE CASCADE,
	org_id INTEGER REFERENCES orgs(id),
	role TEXT NOT NULL,
	kind TEXT NOT NULL,                    -- an action kind, or 'note' (facilitator)
	inject_id TEXT,
	option TEXT,
	text TEXT,
	incident_id INTEGER,
	scen_s INTEGER NOT NULL,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL
);
CREATE INDEX exercise_actions_run ON exercise_actions(run_id, scen_s);
