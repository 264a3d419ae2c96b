-- 0538 the organisation list (GET /api/v1/orgs, /orgs; inv_load_page in src/inventory/load.c)
-- read from one index (issue 20 item 3: "index-only where they can be"): a page is the
-- columns of ORG_COLS in slug order, so an index on slug holding them all answers it without a
-- row lookup per organisation (SCAN orgs USING COVERING INDEX orgs_list). Organisations change
-- rarely (an inventory import); the index costs one entry per organisation.
CREATE INDEX orgs_list ON orgs(slug, id, name_ja, name_en, sector, business_type, size_class,
	critical, ot_probes, created_at, updated_at);
