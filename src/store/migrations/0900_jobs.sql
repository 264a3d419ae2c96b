-- 0900 jobs: background work (console-started scans and identify; later SNS imports and
-- TAXII pulls) run by src/job's workers. A row is the queue entry and its outcome; a worker
-- claims the oldest queued row of a kind it knows by setting the lease (owner, until). A
-- PostgreSQL backend claims with FOR UPDATE SKIP LOCKED over the same columns.
CREATE TABLE jobs (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,              -- the handler: 'scan', ...
	subject TEXT,                    -- what it is about, for lookups ('scan:12')
	payload TEXT NOT NULL DEFAULT '{}', -- JSON the handler reads
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 3,
	idem_key TEXT,                   -- at most one queued or running job per key
	lease_owner TEXT,
	lease_until INTEGER,             -- Unix seconds; a running row past it is taken back
	created_at INTEGER NOT NULL,
	started_at INTEGER,
	finished_at INTEGER,
	error TEXT,
	note TEXT                        -- the handler's one-line outcome
);
CREATE UNIQUE INDEX jobs_idem_active ON jobs(idem_key)
	WHERE idem_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_queue ON jobs(state, kind, id);
CREATE INDEX jobs_subject ON jobs(subject, id);
