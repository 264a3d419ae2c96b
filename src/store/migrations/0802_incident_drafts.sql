-- 0802 incident drafts: an operator's unfinished report form in the console, one per user,
-- kept until it is filed. body: the form's fields as JSON.
CREATE TABLE incident_drafts (
	user_name TEXT PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX incident_attachments_inc ON incident_attachments(incident_id, id);
