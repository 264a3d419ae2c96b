-- 0901 jobs_finished: finished jobs are pruned after a retention (job_prune, default 30
-- days); this index finds them without reading the queue.
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE state IN ('done', 'failed', 'dead');
