-- 0862 share: partners' TAXII 2.1 collections mamori pulls from and pushes to (remote.c).
CREATE TABLE share_remotes (
	name TEXT PRIMARY KEY,                -- [a-z0-9._-]
	url TEXT NOT NULL,                    -- the partner's API root, ending in '/'
	collection TEXT NOT NULL,             -- the partner's collection id
	into_collection TEXT NOT NULL REFERENCES share_collections(id),
	user TEXT,                            -- HTTP Basic user; the password only from the env
	password_env TEXT,                    -- the variable holding the password
	cacert TEXT,                          -- PEM file of the CA to trust instead of the system's
	added_after TEXT,                     -- pull cursor: X-TAXII-Date-Added-Last of the last page
	next TEXT,                            -- pull cursor within an unfinished walk
	push_date INTEGER NOT NULL DEFAULT 0, -- push cursor: the last local (date_added, seq) sent
	push_seq INTEGER NOT NULL DEFAULT 0,
	last_pull INTEGER,
	last_push INTEGER
);
