-- 0653_advisories_jvn.sql - the JVN side of the vulnerability information service: which JVN
-- records a sync has covered (the cursor) and which CVEs each operator was already told about,
-- so a KEV notice and a JVN notice for the same CVE do not both go out (src/alert).

CREATE TABLE alert_synced_jvn (
	jvn_id TEXT PRIMARY KEY,        -- jvn.id covered by an advisories sync
	synced_at INTEGER NOT NULL
);

-- One row per (operator, CVE) noticed: the first notice that named the CVE wins.
CREATE TABLE alert_notice_cves (
	org_slug TEXT NOT NULL,
	cve_id TEXT NOT NULL,
	alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	PRIMARY KEY (org_slug, cve_id)
);

INSERT OR IGNORE INTO alert_notice_cves (org_slug, cve_id, alert_id)
	SELECT org_slug, substr(issue_key, 12), id FROM alerts WHERE issue_key LIKE 'notice:kev:%';
