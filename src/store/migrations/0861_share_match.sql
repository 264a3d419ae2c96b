-- 0861 share: the match index of indicators (concrete observables their STIX patterns name)
-- and the sightings mamori made of them on operators' assets (src/share/match.c).
CREATE TABLE share_iocs (
	collection_id TEXT NOT NULL REFERENCES share_collections(id) ON DELETE CASCADE,
	indicator_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('ip', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256')),
	value TEXT NOT NULL,                  -- normalised: CIDR text for ip, lower case names
	host TEXT,                            -- url: its host name, lower case
	prefix INTEGER,                       -- ip: the prefix length; a network when < 32/128
	PRIMARY KEY (collection_id, indicator_id, kind, value)
);
CREATE INDEX share_iocs_value ON share_iocs(kind, value);
CREATE INDEX share_iocs_host ON share_iocs(host);

CREATE TABLE share_sightings (
	id INTEGER PRIMARY KEY,
	collection_id TEXT NOT NULL,
	indicator_id TEXT NOT NULL,
	org_slug TEXT NOT NULL,
	observed TEXT NOT NULL,               -- what mamori saw: "ip 198.51.100.7", "name a.b.test"
	source TEXT NOT NULL,                 -- where: assets, services, dns_records, observations
	ioc TEXT NOT NULL,                    -- the indicator's observable that matched
	sighting_id TEXT NOT NULL,            -- the STIX sighting stored in the collection
	alert_id INTEGER,
	first_seen INTEGER NOT NULL,          -- Unix seconds UTC
	UNIQUE (collection_id, indicator_id, org_slug, observed)
);
