-- 0864 share: each object row says whether it is its object's last version (largest
-- version_us in its collection), so TAXII's default match[version]=last is a column test on
-- the page index's rows instead of a correlated MAX() per row (issue #21: objects page p99).
-- Kept by share_import (after each new version) and share_object_delete (after a delete).
ALTER TABLE share_objects ADD COLUMN is_last INTEGER NOT NULL DEFAULT 1;
UPDATE share_objects SET is_last = (version_us = (SELECT MAX(x.version_us) FROM share_objects x
	WHERE x.collection_id = share_objects.collection_id AND x.stix_id = share_objects.stix_id));
