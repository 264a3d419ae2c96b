/* audit.c - the audit log: who read or changed what, and when (table audit_log, 0001). */
#include "base/compat.h"

#include "auth/auth_int.h"

int auth_audit(struct store *s, const char *actor, const char *action, const char *object,
	       const char *detail, int64_t now, struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)";
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_text(st, 2, actor && actor[0] ? actor : "?");
	stmt_bind_text(st, 3, action);
	stmt_bind_text(st, 4, object);
	stmt_bind_text(st, 5, detail);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int auth_audit_list(struct store *s, int64_t limit, int64_t offset, auth_audit_fn fn, void *arg,
		    int64_t *total, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct auth_audit_row r;
	int rc;

	if (total && (rc = store_query_int(s, "SELECT count(*) FROM audit_log", total, e)))
		return rc;
	rc = store_prepare(s,
			   "SELECT id, at, actor, action, object, detail FROM audit_log"
			   " ORDER BY id DESC LIMIT ? OFFSET ?",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, limit);
	stmt_bind_int64(st, 2, offset);
	while ((rc = stmt_step(st, e)) == 1) {
		r.id = stmt_int64(st, 0);
		r.at = stmt_int64(st, 1);
		r.actor = stmt_text(st, 2);
		r.action = stmt_text(st, 3);
		r.object = stmt_text(st, 4);
		r.detail = stmt_text(st, 5);
		if ((rc = fn(&r, arg)))
			break;
	}
	stmt_finalize(st);
	return rc;
}
