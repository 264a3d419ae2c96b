-- 0350 discover: what DNS discovery and passive imports (crt.sh, Shodan, Censys) learned.
-- Observations only: new names and addresses go to assets as status 'candidate' (0100),
-- which nothing scans until an analyst confirms them. Times are Unix seconds UTC.

-- Every DNS answer record seen for an organisation's confirmed names.
-- value is the presentation form: an address, a target name (no trailing dot),
-- "PREF HOST" for MX, the joined character-strings for TXT.
CREATE TABLE dns_records (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,           -- owner name, lowercase, no trailing dot
	rtype TEXT NOT NULL CHECK (rtype IN ('A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT')),
	value TEXT NOT NULL,
	ttl INTEGER,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	UNIQUE (org_id, name, rtype, value)
);
CREATE INDEX dns_records_value ON dns_records(rtype, value);

-- E-mail hygiene of each registered domain, as of the last successful lookup.
-- The findings module reads this table (or disc_email_hygiene()):
--   spf_state  'none' (no v=spf1 record), 'ok', 'multiple' (more than one: a permerror),
--              'invalid' (unparseable);
--   spf_all    '-all', '~all', '?all', '+all', or NULL (no all term: redirect= or none);
--   dmarc_state 'none', 'ok', 'multiple', 'invalid';
--   dmarc_p / dmarc_sp  'none', 'quarantine', 'reject' (sp NULL when absent);
--   dmarc_pct  0..100 (100 when absent).
-- A domain whose lookup failed keeps its previous row (a failed lookup is not "no SPF").
CREATE TABLE email_hygiene (
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	domain TEXT NOT NULL,
	spf_state TEXT NOT NULL CHECK (spf_state IN ('none', 'ok', 'multiple', 'invalid')),
	spf_record TEXT,
	spf_all TEXT CHECK (spf_all IN ('-all', '~all', '?all', '+all')),
	spf_redirect TEXT,
	spf_includes INTEGER NOT NULL DEFAULT 0,
	dmarc_state TEXT NOT NULL CHECK (dmarc_state IN ('none', 'ok', 'multiple', 'invalid')),
	dmarc_record TEXT,
	dmarc_p TEXT CHECK (dmarc_p IN ('none', 'quarantine', 'reject')),
	dmarc_sp TEXT CHECK (dmarc_sp IN ('none', 'quarantine', 'reject')),
	dmarc_pct INTEGER,
	dmarc_rua TEXT,
	first_seen INTEGER NOT NULL,
	checked_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, domain)
);

-- Names seen in certificate transparency (crt.sh export), one row per name and certificate.
CREATE TABLE ct_names (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,           -- lowercase; a wildcard keeps its "*." prefix
	wildcard INTEGER NOT NULL DEFAULT 0 CHECK (wildcard IN (0, 1)),
	crtsh_id INTEGER,
	issuer_name TEXT,
	serial_number TEXT NOT NULL,
	not_before INTEGER,
	not_after INTEGER,
	first_seen INTEGER NOT NULL,  -- the log entry time (entry_timestamp, else not_before)
	last_seen INTEGER NOT NULL,
	UNIQUE (org_id, name, serial_number)
);

-- Services seen by a third party (Shodan, Censys): one row per (org, source, ip, port, proto),
-- product/version/cpe from the latest banner. registered says whether ip was inside the
-- org's confirmed address assets when imported; 0 means it was filed as a candidate and
-- nothing downstream should treat it as the org's until an analyst confirms it.
CREATE TABLE passive_services (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	source TEXT NOT NULL CHECK (source IN ('shodan', 'censys')),
	ip TEXT NOT NULL,
	port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),
	proto TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
	service TEXT,
	product TEXT,
	version TEXT,
	cpe TEXT,                     -- CPE 2.3 of the application when known
	cpes TEXT,                    -- JSON array of every CPE 2.3 the banner named
	hostnames TEXT,               -- JSON array
	registered INTEGER NOT NULL CHECK (registered IN (0, 1)),
	first_seen INTEGER NOT NULL,  -- the banner's own timestamp
	last_seen INTEGER NOT NULL,
	UNIQUE (org_id, source, ip, port, proto)
);
CREATE INDEX passive_services_ip ON passive_services(ip);
