-- 0100 inventory: the register of whom the ministry protects - sectors, business types,
-- organisations, their contacts, assets, declared products, authorised scope, global exclusions.
-- Times are Unix seconds UTC. Children cascade when an organisation is deleted.
CREATE TABLE sectors (
	code TEXT PRIMARY KEY,
	name_ja TEXT NOT NULL,
	name_en TEXT NOT NULL
);
INSERT INTO sectors (code, name_ja, name_en) VALUES
	('aviation', '航空', 'Aviation'),
	('airports', '空港', 'Airports'),
	('railways', '鉄道', 'Railways'),
	('water', '水道', 'Water supply'),
	('logistics', '物流', 'Logistics'),
	('ports', '港湾', 'Ports');

-- Business types: the kind of business, for critical-infrastructure operators and the
-- smaller businesses outside the six sectors (checklists and advice are keyed by it).
CREATE TABLE business_types (
	code TEXT PRIMARY KEY,
	name_ja TEXT NOT NULL,
	name_en TEXT NOT NULL
);
INSERT INTO business_types (code, name_ja, name_en) VALUES
	('airline', '航空運送事業', 'Airline'),
	('airport', '空港管理', 'Airport operator'),
	('railway', '鉄道事業', 'Railway operator'),
	('water_utility', '水道事業', 'Water utility'),
	('logistics', '物流事業', 'Logistics operator'),
	('port', '港湾運営', 'Port operator'),
	('bus', 'バス', 'Bus'),
	('bus_terminal', 'バスターミナル', 'Bus terminal'),
	('taxi', 'タクシー', 'Taxi'),
	('lodging', '宿泊', 'Lodging'),
	('ferry', '旅客船・フェリー', 'Passenger ship / ferry'),
	('warehouse', '倉庫', 'Warehouse'),
	('truck', 'トラック', 'Trucking');

CREATE TABLE orgs (
	id INTEGER PRIMARY KEY,
	slug TEXT UNIQUE NOT NULL,            -- the id in the inventory file, e.g. kanto-rail
	name_ja TEXT NOT NULL,
	name_en TEXT,
	sector TEXT REFERENCES sectors(code),
	business_type TEXT REFERENCES business_types(code),
	size_class TEXT CHECK (size_class IN ('large', 'medium', 'small')),
	critical INTEGER NOT NULL DEFAULT 0 CHECK (critical IN (0, 1)),
	ot_probes INTEGER NOT NULL DEFAULT 0 CHECK (ot_probes IN (0, 1)), -- read-only OT probes allowed
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX orgs_sector ON orgs(sector);

CREATE TABLE org_aliases (
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	alias TEXT NOT NULL,
	PRIMARY KEY (org_id, alias)
);
CREATE INDEX org_aliases_alias ON org_aliases(alias);

CREATE TABLE contacts (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT,
	email TEXT,
	role TEXT
);
CREATE INDEX contacts_org ON contacts(org_id);

-- Assets come from the inventory (source 'inventory') or, later, from discovery
-- ('dns', 'ct', 'shodan' ...) as candidates. An inventory import touches only its own rows.
CREATE TABLE assets (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('domain', 'hostname', 'ipv4', 'ipv6', 'cidr')),
	value TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'candidate', 'rejected')),
	source TEXT NOT NULL DEFAULT 'inventory',
	declared_by TEXT,
	note TEXT,
	first_seen INTEGER,
	last_seen INTEGER,
	UNIQUE (org_id, kind, value)
);
CREATE INDEX assets_value ON assets(kind, value);

-- A product the operator says it runs: a CPE 2.3 string or vendor/product/version.
CREATE TABLE declared_products (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	cpe TEXT,
	vendor TEXT,
	product TEXT,
	version TEXT,
	asset TEXT,
	declared_by TEXT,
	note TEXT
);
CREATE INDEX declared_products_org ON declared_products(org_id);

-- Authorised scope: the ranges an organisation allowed us to probe, by whom, for how long.
-- valid_from and valid_until are inclusive.
CREATE TABLE scopes (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	cidr TEXT NOT NULL,
	authorised_by TEXT NOT NULL,
	valid_from INTEGER,
	valid_until INTEGER,
	note TEXT,
	UNIQUE (org_id, cidr)
);

-- Global exclusions: never probed, whatever the scope says.
CREATE TABLE exclusions (
	id INTEGER PRIMARY KEY,
	cidr TEXT UNIQUE NOT NULL,
	reason TEXT NOT NULL,
	added_by TEXT,
	created_at INTEGER NOT NULL
);
