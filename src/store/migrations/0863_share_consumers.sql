-- 0863 share: per-consumer output settings of the TAXII server (taxii.c). tlp1 = 1: the
-- account's tool rejects TLP 2.0 (MISP/python-stix2 and TLP:CLEAR), so served objects name the
-- TLP 1.0 marking ids instead (CLEAR -> WHITE, AMBER+STRICT -> AMBER).
CREATE TABLE share_consumers (
	user TEXT PRIMARY KEY,
	tlp1 INTEGER NOT NULL DEFAULT 0 CHECK (tlp1 IN (0, 1))
);
