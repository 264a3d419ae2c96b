-- 0882_sns_state.sql - small named values of the SNS module (src/sns/import.c): 'terms_fp', the
-- fingerprint of the watch terms (inventory and analysts') the stored posts were last matched
-- with; an import that finds it changed first re-matches the stored posts (sns_rematch).
CREATE TABLE sns_state (
	k TEXT PRIMARY KEY,
	v TEXT NOT NULL
);
