-- 0804 incident lists without a join: the org's slug copied onto each incident (as 0803 copied
-- its sector), so a list row is one index step and one row, not a second B-tree search into
-- orgs per row (13% of a 100-row list's instructions). Slugs do not change; a trigger keeps
-- the copy even so. PostgreSQL: 0804_*.pg.sql.
ALTER TABLE incidents ADD COLUMN org_slug TEXT;
UPDATE incidents SET org_slug = (SELECT o.slug FROM orgs o WHERE o.id = incidents.org_id);
CREATE TRIGGER incidents_slug_fill AFTER INSERT ON incidents WHEN NEW.org_slug IS NULL
BEGIN
	UPDATE incidents SET org_slug = (SELECT o.slug FROM orgs o WHERE o.id = NEW.org_id)
		WHERE id = NEW.id;
END;
CREATE TRIGGER orgs_slug_incidents AFTER UPDATE OF slug ON orgs
BEGIN
	UPDATE incidents SET org_slug = NEW.slug WHERE org_id = NEW.id;
END;
