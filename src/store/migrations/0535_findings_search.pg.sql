-- 0535 findings free-text search, PostgreSQL version (0535_findings_search.sql is SQLite's FTS5
-- table): trigram GIN indices (pg_trgm) on the four searched columns, which PostgreSQL uses
-- for the ILIKE '%...%' that src/findings/read.c sends on this engine. pg_trgm is a trusted
-- extension (the database owner may create it, PostgreSQL 13+) shipped in Debian's postgresql
-- package; where it cannot be created the block below leaves the search as a scan (same
-- results, slower) instead of failing the migration.
DO $mamori$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	EXECUTE 'CREATE INDEX findings_title_trgm ON findings USING gin (title gin_trgm_ops)';
	EXECUTE 'CREATE INDEX findings_asset_trgm ON findings USING gin (asset gin_trgm_ops)';
	EXECUTE 'CREATE INDEX findings_issue_key_trgm ON findings USING gin (issue_key gin_trgm_ops)';
	EXECUTE 'CREATE INDEX findings_org_slug_trgm ON findings USING gin (org_slug gin_trgm_ops)';
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'pg_trgm is not available: the findings search scans the table';
END
$mamori$;
