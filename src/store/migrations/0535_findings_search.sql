-- 0535 findings free-text search (issue 14): the console's and the API's ?q= was a LIKE over
-- title, asset, issue key and org of every finding (a full scan of 100,000 rows per request).
-- An FTS5 index with the trigram tokenizer answers "which rows contain this substring" for a
-- query of three characters or more, in any script: Japanese has no spaces between words, so
-- a word tokenizer (unicode61) would index a whole title as one token and find nothing inside
-- it; trigrams find any substring, case-insensitively, like the LIKE they replace.
-- External content (the text stays in findings only), kept in step by the triggers below; an
-- update re-indexes only when one of the four searched columns changes (a rescan touches
-- last_seen of every finding, which must not rewrite the index).
-- src/findings/read.c still applies the LIKE to the candidates, so the results are exactly the
-- LIKE's (ASCII case folding only); shorter queries keep the scan.
CREATE VIRTUAL TABLE findings_fts USING fts5(
	title, asset, issue_key, org_slug,
	content = 'findings', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO findings_fts (findings_fts) VALUES ('rebuild');

CREATE TRIGGER findings_fts_insert AFTER INSERT ON findings BEGIN
	INSERT INTO findings_fts (rowid, title, asset, issue_key, org_slug)
	VALUES (new.id, new.title, new.asset, new.issue_key, new.org_slug);
END;
CREATE TRIGGER findings_fts_delete AFTER DELETE ON findings BEGIN
	INSERT INTO findings_fts (findings_fts, rowid, title, asset, issue_key, org_slug)
	VALUES ('delete', old.id, old.title, old.asset, old.issue_key, old.org_slug);
END;
CREATE TRIGGER findings_fts_update AFTER UPDATE OF title, asset, issue_key, org_slug ON findings
BEGIN
	INSERT INTO findings_fts (findings_fts, rowid, title, asset, issue_key, org_slug)
	VALUES ('delete', old.id, old.title, old.asset, old.issue_key, old.org_slug);
	INSERT INTO findings_fts (rowid, title, asset, issue_key, org_slug)
	VALUES (new.id, new.title, new.asset, new.issue_key, new.org_slug);
END;
