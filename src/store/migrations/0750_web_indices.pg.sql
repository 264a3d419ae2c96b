-- 0750 web indices, PostgreSQL version (0750_web_indices.sql with each expression key in
-- parentheses, which PostgreSQL requires and SQLite's index-expression matching would not
-- accept as the same expression): what the console's findings filters, list order and dashboard ask for,
-- checked with EXPLAIN QUERY PLAN against 100,000 findings (bench/web.sh, docs/PERFORMANCE.md).

-- The list's order (src/web/page_findings.c, ORDER_HEAD/ORDER_RANK/ORDER_TAIL): open first
-- ('open' > 'fixed'), KEV, severity rank, newest. Each index below leads with a filter of
-- /findings and /api/v1/findings and continues with that order, so a page reads its first
-- rows in order (no sort of every match) and the total is counted inside the index. The
-- expressions must stay identical to the ones in page_findings.c or the planner ignores them.

-- no filter, or ?state=
CREATE INDEX findings_list_order ON findings(
	state DESC, kev DESC,
	(CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
		WHEN 'low' THEN 3 ELSE 4 END),
	first_seen DESC, id DESC);
-- ?severity= [&state=] (the rank is constant then and is not in the ORDER BY)
CREATE INDEX findings_severity_order ON findings(
	severity, state DESC, kev DESC, first_seen DESC, id DESC);
-- ?kind= [&state=]
CREATE INDEX findings_kind_order ON findings(
	kind, state DESC, kev DESC,
	(CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
		WHEN 'low' THEN 3 ELSE 4 END),
	first_seen DESC, id DESC);
-- ?kev=1 [&state=]
CREATE INDEX findings_kev_order ON findings(
	kev, state DESC,
	(CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
		WHEN 'low' THEN 3 ELSE 4 END),
	first_seen DESC, id DESC);

-- The dashboard's urgent panel: open and (KEV or critical), newest first. Without statistics
-- the planner takes neither a partial index nor an OR of two indices for this, so the
-- condition itself is the key (URGENT_SQL in page_findings.c must stay identical).
CREATE INDEX findings_urgent ON findings(
	(state = 'open' AND (kev = 1 OR severity = 'critical')), first_seen DESC, id DESC);
