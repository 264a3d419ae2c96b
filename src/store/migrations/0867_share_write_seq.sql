-- 0867 share: a collection's write sequence, bumped in the same transaction as every change to
-- its objects (import, delete). The TAXII page cache (src/share/pagecache.c) keys on it: a
-- cached page is served only while the sequence it was built at is still the collection's.
ALTER TABLE share_collections ADD COLUMN write_seq INTEGER NOT NULL DEFAULT 0;
