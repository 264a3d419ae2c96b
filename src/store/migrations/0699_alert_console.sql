-- 0699_alert_console.sql - indexes for the console's alert lists and dashboard panel
-- (src/web/page_alerts.c): newest first over all alerts and within one organisation without a
-- sort, and the count of unacknowledged urgent alerts per caller's organisations.

CREATE INDEX alerts_created ON alerts(created_at);
CREATE INDEX alerts_org_created ON alerts(org_slug, created_at);
CREATE INDEX alerts_awaiting_org ON alerts(urgent, acked_at, org_slug);
