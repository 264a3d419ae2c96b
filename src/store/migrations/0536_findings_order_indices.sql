-- 0536 findings order indices (issue 14), checked with EXPLAIN QUERY PLAN over 100,000 findings
-- (bench/web.sh, docs/PERFORMANCE.md). The expressions must stay identical to those of
-- FINDING_PRIO_ORDER (src/findings/findings.h) and sort_sql (src/findings/read.c), or the
-- planner sorts again. 0536_findings_order_indices.pg.sql is the PostgreSQL text of the same.
-- Cost: three more indices updated when a scan changes a finding's state, triage or scores.

-- The dashboard's fix-first panel: the first open finding of every operator in the one
-- priority order (finding_first_per_org) is a window over every open finding; this index holds
-- every column it filters and orders by, so the window reads the index, not the wide rows
-- (reasons, evidence): 0.66 -> 0.15 s CPU (SEARCH f USING COVERING INDEX findings_prio_cover).
CREATE INDEX findings_prio_cover ON findings(
	state, org_slug, triage, needs_confirmation, severity, kind, kev, deadline, ssvc_decision,
	epss, cvss);

-- One organisation's list in the fix-first order (the operator page, ?org= without a sort):
-- a page reads its 50 rows in order instead of sorting all of the org's (1.14 -> 0.28 ms).
CREATE INDEX findings_org_prio ON findings(
	org_slug,
	(CASE WHEN needs_confirmation = 1 OR severity = 'info' THEN 3 WHEN kind IN ('declared', 'email')
		THEN 2 WHEN kev = 1 AND kind = 'vulnerability' THEN 0 ELSE 1 END),
	deadline IS NULL, deadline,
	CASE ssvc_decision WHEN 'act' THEN 0 WHEN 'attend' THEN 1 WHEN 'track*' THEN 2
		WHEN 'track' THEN 3 ELSE 4 END,
	coalesce(epss, -1) DESC, coalesce(cvss, -1) DESC,
	CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
		WHEN 'low' THEN 3 ELSE 4 END,
	id);

-- One organisation's list by deadline (?org=&sort=deadline, the operator's "what is due"):
-- 1.48 -> 0.22 ms a page (SEARCH f USING INDEX findings_org_deadline (org_slug=?), no sort).
CREATE INDEX findings_org_deadline ON findings(org_slug, deadline IS NULL, deadline, id);
