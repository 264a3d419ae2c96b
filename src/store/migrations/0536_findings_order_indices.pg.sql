-- 0536 findings order indices, PostgreSQL version (0536_findings_order_indices.sql with each
-- expression key in parentheses, which PostgreSQL requires).
CREATE INDEX findings_prio_cover ON findings(
	state, org_slug, triage, needs_confirmation, severity, kind, kev, deadline, ssvc_decision,
	epss, cvss);
CREATE INDEX findings_org_prio ON findings(
	org_slug,
	(CASE WHEN needs_confirmation = 1 OR severity = 'info' THEN 3 WHEN kind IN ('declared', 'email')
		THEN 2 WHEN kev = 1 AND kind = 'vulnerability' THEN 0 ELSE 1 END),
	(deadline IS NULL), deadline,
	(CASE ssvc_decision WHEN 'act' THEN 0 WHEN 'attend' THEN 1 WHEN 'track*' THEN 2
		WHEN 'track' THEN 3 ELSE 4 END),
	(coalesce(epss, -1)) DESC, (coalesce(cvss, -1)) DESC,
	(CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
		WHEN 'low' THEN 3 ELSE 4 END),
	id);
CREATE INDEX findings_org_deadline ON findings(org_slug, (deadline IS NULL), deadline, id);
