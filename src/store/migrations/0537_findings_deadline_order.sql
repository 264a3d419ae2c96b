-- 0537 the findings list sorted by deadline over every organisation (issue 14/20: the console's
-- "期限" column, the API's ?sort=deadline): without an index of its own the whole filtered set
-- was sorted for each page (a common free-text term: 100,000 rows, ~40 ms). With these, a page
-- walks the index and stops when it is full; a common search term confirms each walked row
-- with its LIKE (finding_query_page in src/findings/read.c). One index per direction: the
-- orders keep the undated findings last both ways, which one index cannot give in reverse.
-- The expressions must stay identical to sort_sql / sort_sql_desc of src/findings/read.c.
CREATE INDEX findings_deadline_asc ON findings(deadline IS NULL, deadline, id);
CREATE INDEX findings_deadline_desc ON findings(deadline IS NULL, deadline DESC, id DESC);
