-- 0881_sns_incident.sql - an SNS precursor alert escalated to an incident records the incident
-- it opened (src/sns/escalate.c files it through the incident module); NULL: not escalated.
ALTER TABLE sns_alerts ADD COLUMN incident_id INTEGER;
