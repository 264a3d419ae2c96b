-- 0804 incident lists without a join, PostgreSQL version of 0804_incident_org_slug.sql (the
-- same column; the triggers as PL/pgSQL functions).
ALTER TABLE incidents ADD COLUMN org_slug TEXT;
UPDATE incidents SET org_slug = (SELECT o.slug FROM orgs o WHERE o.id = incidents.org_id);
CREATE FUNCTION incidents_slug_fill() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	IF NEW.org_slug IS NULL THEN
		NEW.org_slug := (SELECT o.slug FROM orgs o WHERE o.id = NEW.org_id);
	END IF;
	RETURN NEW;
END
$f$;
CREATE TRIGGER incidents_slug_fill BEFORE INSERT ON incidents
	FOR EACH ROW EXECUTE FUNCTION incidents_slug_fill();
CREATE FUNCTION orgs_slug_incidents() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	UPDATE incidents SET org_slug = NEW.slug WHERE org_id = NEW.id;
	RETURN NEW;
END
$f$;
CREATE TRIGGER orgs_slug_incidents AFTER UPDATE OF slug ON orgs
	FOR EACH ROW EXECUTE FUNCTION orgs_slug_incidents();
