-- 0803 incident lists: index-backed filtered lists (issue 15's 64-connection benchmark). Every
-- list walks one of these newest first (id DESC) and stops at its LIMIT: the filters of the
-- analyst (state, level, both), the bureau (sector, with or without state), the overdue list
-- (incidents with a pending clock; next_due is read from the index, not the row) and the case
-- lists. Partial on exercise_run IS NULL: exercise rows are never listed. Pages are keyset
-- (id < before), never OFFSET. sector copies the org's sector for the bureau's index (two
-- triggers keep it: on a new incident, and when an org moves sector). PostgreSQL: 0803_*.pg.sql.
ALTER TABLE incidents ADD COLUMN sector TEXT;
UPDATE incidents SET sector = (SELECT o.sector FROM orgs o WHERE o.id = incidents.org_id);
CREATE TRIGGER incidents_sector_fill AFTER INSERT ON incidents WHEN NEW.sector IS NULL
BEGIN
	UPDATE incidents SET sector = (SELECT o.sector FROM orgs o WHERE o.id = NEW.org_id)
		WHERE id = NEW.id;
END;
CREATE TRIGGER orgs_sector_incidents AFTER UPDATE OF sector ON orgs
BEGIN
	UPDATE incidents SET sector = NEW.sector WHERE org_id = NEW.id;
END;
CREATE INDEX incidents_l_state ON incidents(state, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_state_level ON incidents(state, level, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_level ON incidents(level, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_sector ON incidents(sector, state, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_sector_all ON incidents(sector, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_due ON incidents(id, next_due)
	WHERE exercise_run IS NULL AND next_due IS NOT NULL;
CREATE INDEX cases_l_state ON cases(state, id) WHERE exercise_run IS NULL;
CREATE INDEX cases_l_org_state ON cases(org_id, state, id) WHERE exercise_run IS NULL;
