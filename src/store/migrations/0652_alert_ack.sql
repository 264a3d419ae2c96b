-- 0652_alert_ack.sql - every alert and notice can be acknowledged: an urgent flag, the SHA-256
-- of its ack token (the token itself is never stored) and who acknowledged it when (src/alert).

ALTER TABLE alerts ADD COLUMN urgent INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN ack_token_sha256 TEXT;
ALTER TABLE alerts ADD COLUMN acked_at INTEGER;  -- first acknowledgement only (Unix s UTC)
ALTER TABLE alerts ADD COLUMN acked_by TEXT;     -- console user name, or 'token' for a link

-- Notices made before this migration keep their token, urgency and acknowledgement.
UPDATE alerts SET
	urgent = coalesce((SELECT k.urgent FROM alert_acks k WHERE k.alert_id = alerts.id), 1),
	ack_token_sha256 = (SELECT k.token_sha256 FROM alert_acks k WHERE k.alert_id = alerts.id),
	acked_at = (SELECT k.acked_at FROM alert_acks k WHERE k.alert_id = alerts.id),
	acked_by = (SELECT CASE WHEN k.acked_at IS NOT NULL THEN 'token' END
		    FROM alert_acks k WHERE k.alert_id = alerts.id);
DROP TABLE alert_acks;

CREATE UNIQUE INDEX alerts_ack_token ON alerts(ack_token_sha256);
CREATE INDEX alerts_unacked ON alerts(urgent, acked_at);
