-- 0400 identify: what runs on each open port (the probe engine's result), one row per
-- (org, ip, port, proto), and one identify_runs row per organisation per run.
-- Contract with the findings module: a service not seen by a later COMPLETE run of the same
-- org is gone. Times are Unix seconds UTC.
CREATE TABLE services (
	id INTEGER PRIMARY KEY,
	org_slug TEXT NOT NULL,
	ip TEXT NOT NULL,
	port INTEGER NOT NULL,
	proto TEXT NOT NULL,          -- 'tcp' | 'udp'
	service TEXT,                 -- ssh, http, https, smtp, ftp, ... modbus, s7, bacnet, enip, unknown
	tls INTEGER NOT NULL DEFAULT 0, -- 1 when the port speaks TLS
	vendor TEXT,
	product TEXT,
	version TEXT,
	cpe TEXT,                     -- CPE 2.3, '*' for unknown parts (never '-'); NULL when nothing identified
	os TEXT,
	device_type TEXT,
	banner TEXT,                  -- raw evidence text (<= 4 KiB, invalid UTF-8 replaced)
	evidence TEXT,                -- JSON: probes, match, http ...
	tls_info TEXT,                -- JSON or NULL: version, cipher, old versions, chain, flags
	state TEXT NOT NULL,          -- 'identified' | 'unidentified' | 'silent' | 'error'
	identify_run INTEGER,         -- the identify run that last saw it
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	UNIQUE (org_slug, ip, port, proto)
);

CREATE TABLE identify_runs (
	id INTEGER PRIMARY KEY,
	org_slug TEXT,
	started_at INTEGER NOT NULL,
	finished_at INTEGER,
	state TEXT NOT NULL,          -- running, done, interrupted
	targets INTEGER,
	identified INTEGER,
	complete INTEGER NOT NULL DEFAULT 0 -- 1: covered the org's whole open-port set
);
