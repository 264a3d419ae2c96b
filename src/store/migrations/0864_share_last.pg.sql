-- 0864 share (PostgreSQL): as 0864_share_last.sql; a comparison is a boolean here, so the
-- flag is written as 0/1 through CASE.
ALTER TABLE share_objects ADD COLUMN is_last INTEGER NOT NULL DEFAULT 1;
UPDATE share_objects SET is_last = CASE WHEN version_us = (SELECT MAX(x.version_us)
	FROM share_objects x WHERE x.collection_id = share_objects.collection_id
	AND x.stix_id = share_objects.stix_id) THEN 1 ELSE 0 END;
