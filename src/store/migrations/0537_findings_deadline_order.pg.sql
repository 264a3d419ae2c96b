-- 0537 findings deadline order, PostgreSQL version (0537_findings_deadline_order.sql with the
-- expression key in parentheses, which PostgreSQL requires).
CREATE INDEX findings_deadline_asc ON findings((deadline IS NULL), deadline, id);
CREATE INDEX findings_deadline_desc ON findings((deadline IS NULL), deadline DESC, id DESC);
