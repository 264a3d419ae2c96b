-- 0660_alert_digest.sql - digest mails (src/alert, docs/ALERTS.md): what each alert or notice is
-- about, for the digest's subject and order, and each contact's digest choice.

ALTER TABLE alerts ADD COLUMN what TEXT;       -- "CVE-2019-10149 exim 4.89" (Japanese half of the title)
ALTER TABLE alerts ADD COLUMN host TEXT;       -- "127.0.20.6" or the declared product / domain
ALTER TABLE alerts ADD COLUMN deadline INTEGER; -- mamori's deadline of the finding (Unix s UTC)
ALTER TABLE alerts ADD COLUMN prio INTEGER;    -- fix-first tier of the finding (0 first); NULL notices

-- Per e-mail address: 'run' = one digest per alert run (default), 'daily' = at most one a JST day.
CREATE TABLE alert_contact_prefs (
	email TEXT PRIMARY KEY,
	digest TEXT NOT NULL CHECK (digest IN ('run', 'daily')),
	updated_at INTEGER NOT NULL
);
