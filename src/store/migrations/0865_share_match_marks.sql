-- 0865 share: how far the indicator matcher has looked in each observation table (the largest
-- row id seen), so share_match_new matches only the rows stored since (issue #21: matching runs
-- automatically when scan, identify, discover and SNS imports store rows). A full
-- `share match` run moves every mark to the end.
CREATE TABLE share_match_marks (
	source TEXT PRIMARY KEY,             -- assets, services, dns_records, observations,
	                                     -- passive_services, sns_posts
	last_id INTEGER NOT NULL
);
