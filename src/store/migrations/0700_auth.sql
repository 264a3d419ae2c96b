-- 0700 auth: console and API accounts, their roles, browser sessions, API tokens and the
-- login throttle. Secrets are never stored: passwords as argon2id strings, session ids and
-- API tokens as SHA-256 hex digests. Times are Unix seconds UTC.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT UNIQUE NOT NULL,            -- login name, [a-z0-9._-]
	display_name TEXT NOT NULL,           -- UTF-8, shown in the console
	role TEXT NOT NULL CHECK (role IN ('analyst', 'bureau', 'operator', 'member', 'admin')),
	org_id INTEGER REFERENCES orgs(id) ON DELETE RESTRICT,   -- operator users only
	sector TEXT REFERENCES sectors(code), -- bureau users only
	password_hash TEXT NOT NULL,          -- crypto_pwhash_str (argon2id)
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	CHECK ((role = 'operator') = (org_id IS NOT NULL)),
	CHECK ((role = 'bureau') = (sector IS NOT NULL))
);

CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,             -- SHA-256 hex of the 256-bit cookie value
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,                   -- per-session form token (random, hex)
	client TEXT,                          -- address the session was opened from
	created_at INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	hash TEXT UNIQUE NOT NULL,            -- SHA-256 hex of the bearer token
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('analyst', 'bureau', 'operator', 'member', 'admin')),
	org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
	sector TEXT REFERENCES sectors(code),
	label TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,                   -- NULL: no expiry
	revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

-- Failed logins per user name ('user') and per client address ('addr'). After
-- AUTH_THROTTLE_FREE failures in a row the key is locked for an exponentially growing time.
CREATE TABLE login_throttle (
	kind TEXT NOT NULL CHECK (kind IN ('user', 'addr')),
	key TEXT NOT NULL,
	failures INTEGER NOT NULL,
	last_failure INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, key)
);
