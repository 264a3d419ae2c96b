-- 0841_exercise_participants.sql - exercise runs (issue 17) name their participants: console
-- users (operator accounts, each tied to its org), optionally to one scenario role; the org
-- and display name are kept as they were when the user was invited. And the bytes of the
-- injects' attachments, kept in the store beside the run (like incident_attachments, 0800):
-- one backup, one transaction with the run, served only to the run's readers.
CREATE TABLE exercise_participants (
	run_id INTEGER NOT NULL REFERENCES exercise_runs(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	user_name TEXT NOT NULL,
	display_name TEXT NOT NULL,
	org_id INTEGER NOT NULL REFERENCES orgs(id),
	role TEXT,                             -- a role of the scenario (NULL: any role)
	added_at INTEGER NOT NULL,
	added_by TEXT NOT NULL,
	PRIMARY KEY (run_id, user_id)
);
CREATE INDEX exercise_participants_user ON exercise_participants(user_name);
CREATE TABLE exercise_attachments (
	run_id INTEGER NOT NULL REFERENCES exercise_runs(id) ON DELETE CASCADE,
	inject_id TEXT NOT NULL,
	name TEXT NOT NULL,                    -- the file name the scenario gives
	content_type TEXT NOT NULL,            -- one of the allow-list (exercise.h)
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	content BLOB NOT NULL,
	added_at INTEGER NOT NULL,
	added_by TEXT NOT NULL,
	PRIMARY KEY (run_id, inject_id)
);
