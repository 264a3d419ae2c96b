-- 0701 login throttle keys (issue #19): failed logins are counted per user name and client
-- address together ('login'), per user name from anywhere with a higher allowance ('user'), and
-- per client address across names ('laddr'); 'known' remembers a (user, address) pair that
-- signed in (the per-user lock does not shut it out); 'addr' is left to the acknowledgement
-- links' guessing guard alone. SQLite cannot change a CHECK: the table is rebuilt.
CREATE TABLE login_throttle_new (
	kind TEXT NOT NULL CHECK (kind IN ('user', 'addr', 'login', 'laddr', 'known')),
	key TEXT NOT NULL,
	failures INTEGER NOT NULL,
	last_failure INTEGER NOT NULL,        -- 'known': when the pair last signed in
	locked_until INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, key)
);
INSERT INTO login_throttle_new (kind, key, failures, last_failure, locked_until)
	SELECT kind, key, failures, last_failure, locked_until FROM login_throttle;
DROP TABLE login_throttle;
ALTER TABLE login_throttle_new RENAME TO login_throttle;
-- Stale rows are pruned a few at a time by each login (an attacker trying new names from new
-- addresses must not grow the table for ever).
CREATE INDEX login_throttle_last ON login_throttle(last_failure);
