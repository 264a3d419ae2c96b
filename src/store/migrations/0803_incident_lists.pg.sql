-- 0803 incident lists, PostgreSQL version of 0803_incident_lists.sql (the same column and
-- indexes; the triggers as PL/pgSQL functions).
ALTER TABLE incidents ADD COLUMN sector TEXT;
UPDATE incidents SET sector = (SELECT o.sector FROM orgs o WHERE o.id = incidents.org_id);
CREATE FUNCTION incidents_sector_fill() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	IF NEW.sector IS NULL THEN
		NEW.sector := (SELECT o.sector FROM orgs o WHERE o.id = NEW.org_id);
	END IF;
	RETURN NEW;
END
$f$;
CREATE TRIGGER incidents_sector_fill BEFORE INSERT ON incidents
	FOR EACH ROW EXECUTE FUNCTION incidents_sector_fill();
CREATE FUNCTION orgs_sector_incidents() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	UPDATE incidents SET sector = NEW.sector WHERE org_id = NEW.id;
	RETURN NEW;
END
$f$;
CREATE TRIGGER orgs_sector_incidents AFTER UPDATE OF sector ON orgs
	FOR EACH ROW EXECUTE FUNCTION orgs_sector_incidents();
CREATE INDEX incidents_l_state ON incidents(state, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_state_level ON incidents(state, level, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_level ON incidents(level, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_sector ON incidents(sector, state, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_sector_all ON incidents(sector, id) WHERE exercise_run IS NULL;
CREATE INDEX incidents_l_due ON incidents(id, next_due)
	WHERE exercise_run IS NULL AND next_due IS NOT NULL;
CREATE INDEX cases_l_state ON cases(state, id) WHERE exercise_run IS NULL;
CREATE INDEX cases_l_org_state ON cases(org_id, state, id) WHERE exercise_run IS NULL;
