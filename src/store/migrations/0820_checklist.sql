-- 0820_checklist.sql - self-assessment checklist answer sets (src/checklist, docs/CHECKLIST.md).
-- A set is a draft (at most one per organisation) or submitted (kept for history). Its scores
-- are computed at save time from the catalogue version it names; business type, size and
-- sector are those of the organisation then, so the sector comparison reads one table.
CREATE TABLE checklist_sets (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	catalogue_version TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
	business_type TEXT,
	size_class TEXT,
	sector TEXT,
	quarter TEXT,                   -- JST quarter of submission, e.g. 2026Q4
	actor TEXT,                     -- who saved it (console user, "cli")
	created_at INTEGER NOT NULL,
	submitted_at INTEGER,
	score_total REAL,               -- 0-100, NULL when nothing counted
	score_basic REAL,
	score_advanced REAL,
	basic_done INTEGER NOT NULL DEFAULT 0 CHECK (basic_done IN (0, 1))
);
CREATE UNIQUE INDEX checklist_sets_draft ON checklist_sets(org_slug) WHERE state = 'draft';
CREATE INDEX checklist_sets_org ON checklist_sets(org_slug, state, submitted_at);
CREATE INDEX checklist_sets_quarter ON checklist_sets(state, quarter, business_type, size_class);

CREATE TABLE checklist_answers (
	set_id INTEGER NOT NULL REFERENCES checklist_sets(id) ON DELETE CASCADE,
	item_id TEXT NOT NULL,
	answer TEXT NOT NULL CHECK (answer IN ('done', 'partial', 'not_done', 'unknown', 'na')),
	comment TEXT,
	PRIMARY KEY (set_id, item_id)
) WITHOUT ROWID;
