-- 0511_findings_cve_index.sql - a CVE search (?cve=CVE-2024-1, or ?q=CVE-2024-1234) reads the
-- matching findings from an index range instead of scanning every finding (src/findings/read.c).
CREATE INDEX findings_cve ON findings(cve_id);
