-- 0201_drop_cves_last_modified.sql - no query reads cves by last_modified (the importer
-- looks CVEs up by id), and the index cost every imported record an extra b-tree insert.
DROP INDEX IF EXISTS cves_last_modified;
