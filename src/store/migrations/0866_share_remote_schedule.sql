-- 0866 share: scheduled pulls and sightings sent back (issue #21). pull_interval: seconds
-- between pulls run by the job module (0: only by hand); pull_period: the last period
-- (floor(time / pull_interval)) pulled, so one period is pulled once whatever the job runs;
-- sight_date/sight_seq: the last of mamori's own sightings (date_added, seq) sent to the
-- partner's collection.
ALTER TABLE share_remotes ADD COLUMN pull_interval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE share_remotes ADD COLUMN pull_period INTEGER NOT NULL DEFAULT -1;
ALTER TABLE share_remotes ADD COLUMN sight_date INTEGER NOT NULL DEFAULT 0;
ALTER TABLE share_remotes ADD COLUMN sight_seq INTEGER NOT NULL DEFAULT 0;
