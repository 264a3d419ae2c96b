-- 0200 vuln: CVEs (NVD, CVE 5), their candidate products, KEV, EPSS, JVN and feed bookkeeping.
-- Shared contract with the vuln-match engineer: the names below must not change (docs/FEEDS.md).
CREATE TABLE cves (
	id TEXT PRIMARY KEY,               -- 'CVE-2014-0160'
	published INTEGER,                 -- Unix seconds UTC
	last_modified INTEGER,             -- NVD lastModified, Unix seconds UTC
	description TEXT,                  -- English description
	cwe TEXT,                          -- comma-separated, e.g. 'CWE-125,CWE-787'
	cvss4_score REAL, cvss4_vector TEXT,
	cvss3_score REAL, cvss3_vector TEXT, cvss3_source TEXT,
	cvss2_score REAL, cvss2_vector TEXT,
	severity TEXT,                     -- CRITICAL/HIGH/MEDIUM/LOW/NONE from the best CVSS present
	configurations TEXT,               -- NVD "configurations" array, verbatim JSON; NULL when none
	cve5_affected TEXT,                -- [{"source":"cna"|"adp:<shortName>","affected":[...]}]
	source TEXT NOT NULL,              -- 'nvd', 'cve5' or 'nvd+cve5'
	-- beyond the contract:
	cvss4_source TEXT, cvss4_severity TEXT,
	cvss3_version TEXT, cvss3_severity TEXT,
	cvss2_source TEXT, cvss2_severity TEXT,
	vuln_status TEXT,                  -- NVD vulnStatus
	cve5_updated INTEGER,              -- CVE 5 cveMetadata.dateUpdated (idempotent re-import)
	cve5_state TEXT                    -- PUBLISHED / REJECTED
);
CREATE INDEX cves_last_modified ON cves(last_modified);

CREATE TABLE cve_refs (
	cve_id TEXT NOT NULL,
	url TEXT NOT NULL,
	source TEXT,
	tags TEXT,                         -- comma-separated
	origin TEXT NOT NULL DEFAULT 'nvd', -- 'nvd' or 'cve5': which feed brought it
	PRIMARY KEY (cve_id, url)
) WITHOUT ROWID; -- clustered by CVE: one b-tree instead of table + index

-- Candidate index: every folded vendor:product a CVE names (vuln_fold_vp).
CREATE TABLE cve_products (
	vp TEXT NOT NULL,
	cve_id TEXT NOT NULL,
	origin TEXT NOT NULL,              -- 'nvd', 'cve5' or 'jvn'
	PRIMARY KEY (vp, cve_id, origin)
) WITHOUT ROWID;
CREATE INDEX cve_products_cve ON cve_products(cve_id, origin);

CREATE TABLE kev (
	cve_id TEXT PRIMARY KEY,
	vendor_project TEXT, product TEXT, vulnerability_name TEXT,
	date_added TEXT, short_description TEXT, required_action TEXT, due_date TEXT,
	known_ransomware TEXT, notes TEXT, cwes TEXT,
	catalog_version TEXT,              -- catalog this row was last imported from
	first_catalog TEXT                 -- catalog the CVE was first seen in (kev_first_seen)
);
CREATE TABLE kev_catalogs (version TEXT PRIMARY KEY, date_released TEXT, count INTEGER,
			   imported_at INTEGER);
-- Survives removal from the catalog, so a re-added CVE keeps its first catalog.
CREATE TABLE kev_first_seen (cve_id TEXT PRIMARY KEY, first_catalog TEXT NOT NULL,
			     first_seen_at INTEGER NOT NULL);

CREATE TABLE epss (
	cve_id TEXT PRIMARY KEY,
	epss REAL NOT NULL, percentile REAL NOT NULL,
	model_version TEXT, score_date TEXT
);

CREATE TABLE jvn (
	id TEXT PRIMARY KEY,               -- 'JVNDB-2024-000123'
	title_ja TEXT, summary_ja TEXT,
	severity_ja TEXT,                  -- 緊急 / 重要 / 警告 / 注意 (or NULL)
	cvss3_score REAL, cvss3_vector TEXT, cvss2_score REAL,
	published INTEGER, modified INTEGER, url TEXT,
	cpes TEXT,                         -- JSON array of CPE strings (2.2 or 2.3 as published)
	products TEXT,                     -- JSON array of {"vendor","product","version"}
	source_file TEXT,
	-- beyond the contract:
	cvss2_vector TEXT,
	kind TEXT                          -- 'detail' or 'overview' (a detail record is not replaced by an overview of the same date)
);
CREATE TABLE jvn_cves (jvn_id TEXT NOT NULL, cve_id TEXT NOT NULL, PRIMARY KEY (jvn_id, cve_id));
CREATE INDEX jvn_cves_cve ON jvn_cves(cve_id);

-- One row per imported file ('nvd/nvdcve-2016.json.gz') and per synced URL ('sync:kev').
CREATE TABLE feed_state (
	feed TEXT PRIMARY KEY, source TEXT, last_import INTEGER, records INTEGER, errors INTEGER,
	checkpoint TEXT,                   -- JSON {"offset":N,"size":S,"mtime":M,"done":B}
	etag TEXT, last_modified TEXT
);
CREATE TABLE feed_errors (
	id INTEGER PRIMARY KEY, feed TEXT, file TEXT, line INTEGER, byte_offset INTEGER,
	cve_id TEXT, message TEXT, at INTEGER
);
CREATE INDEX feed_errors_feed ON feed_errors(feed, at);
