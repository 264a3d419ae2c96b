-- 0860 share: STIX 2.1 collections served over TAXII 2.1 (src/share). Objects are stored
-- verbatim (the exact bytes they arrived with), one row per (collection, id, version).
-- date_added is microseconds UTC; seq breaks ties so (date_added, seq) is a total order that
-- only grows (the TAXII paging cursor). Times elsewhere are Unix seconds UTC.
CREATE TABLE share_collections (
	id TEXT PRIMARY KEY,                  -- UUIDv4, the TAXII collection id
	alias TEXT UNIQUE NOT NULL,           -- [a-z0-9._-], usable in URLs for the id
	title TEXT NOT NULL,
	description TEXT,
	tlp TEXT NOT NULL DEFAULT 'amber'     -- default TLP of objects without a TLP marking
		CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
	created_at INTEGER NOT NULL
);

-- Who may read or write a collection: 'user:NAME', 'role:ROLE', 'org:SLUG' or '*'
-- (every signed-in account). Analysts may always do both.
CREATE TABLE share_access (
	collection_id TEXT NOT NULL REFERENCES share_collections(id) ON DELETE CASCADE,
	mode TEXT NOT NULL CHECK (mode IN ('read', 'write')),
	who TEXT NOT NULL,
	PRIMARY KEY (collection_id, mode, who)
);

CREATE TABLE share_objects (
	seq INTEGER PRIMARY KEY,
	collection_id TEXT NOT NULL REFERENCES share_collections(id) ON DELETE CASCADE,
	stix_id TEXT NOT NULL,
	type TEXT NOT NULL,
	version TEXT NOT NULL,                -- modified, else created, else '' (SCOs), verbatim
	version_us INTEGER NOT NULL,          -- the same as microseconds (ordering, match[version])
	spec_version TEXT NOT NULL,           -- '2.1' (or '2.0' for objects without it)
	date_added INTEGER NOT NULL,          -- microseconds UTC
	tlp TEXT,                             -- TLP level from its markings; NULL: collection default
	raw TEXT NOT NULL,                    -- the object's exact bytes
	UNIQUE (collection_id, stix_id, version)
);
CREATE INDEX share_objects_page ON share_objects(collection_id, date_added, seq);
CREATE INDEX share_objects_id ON share_objects(collection_id, stix_id, version_us);

-- Marking definitions seen in any import, with the TLP level they stand for (NULL: not TLP).
CREATE TABLE share_markings (
	id TEXT PRIMARY KEY,
	tlp TEXT
);

-- TAXII status resources of POSTed envelopes (kept at least 24 h).
CREATE TABLE share_status (
	id TEXT PRIMARY KEY,
	collection_id TEXT NOT NULL,
	owner TEXT NOT NULL,                  -- the account that POSTed ('cli' from the CLI)
	request_us INTEGER NOT NULL,
	total INTEGER NOT NULL,
	success INTEGER NOT NULL,
	failure INTEGER NOT NULL,
	status TEXT NOT NULL                  -- the TAXII status resource, JSON
);
CREATE INDEX share_status_time ON share_status(request_us);
