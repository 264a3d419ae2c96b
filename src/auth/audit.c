/* audit.c - the audit log: who read or changed what, and when (table audit_log, 0001), as a
 * hash chain (0801): every row carries the previous row's hash and its own. */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "base/chain.h"

/* The chained fields of one row, in order: id, at, actor, action, object, detail (the same
 * definition for sealing and verifying, over base/chain.h's row helpers). */
#define AUDIT_FIELDS(id, at, actor, action, object, detail)                          \
	{                                                                            \
		CHAIN_INT(id), CHAIN_INT(at), CHAIN_TEXT(actor), CHAIN_TEXT(action), \
		    CHAIN_TEXT(object), CHAIN_TEXT(detail)                           \
	}

int auth_audit_seal(struct store *s, int64_t *sealed, struct merr *e)
{
	struct store_stmt *last = NULL, *rows = NULL, *upd = NULL;
	char prev[CHAIN_HEX], h[CHAIN_HEX];
	int64_t n = 0;
	int rc;

	if ((rc =
		 store_prepare(s,
			       "SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC "
			       "LIMIT 1",
			       &last, e)))
		return rc;
	rc = stmt_step(last, e);
	snprintf(prev, sizeof(prev), "%s",
		 rc == 1 && stmt_text(last, 0) ? stmt_text(last, 0) : CHAIN_GENESIS);
	stmt_finalize(last);
	if (rc < 0)
		return rc;
	if ((rc = store_prepare(s,
				"SELECT id, at, actor, action, object, detail FROM audit_log "
				"WHERE hash IS NULL ORDER BY id",
				&rows, e)) ||
	    (rc = store_prepare(s, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
				&upd, e)))
		goto out;
	while ((rc = stmt_step(rows, e)) == 1) {
		int64_t id = stmt_int64(rows, 0);
		const struct chain_field f[] =
		    AUDIT_FIELDS(id, stmt_int64(rows, 1), stmt_text(rows, 2), stmt_text(rows, 3),
				 stmt_text(rows, 4), stmt_text(rows, 5));
		if ((rc = chain_hash_row(NULL, prev, f, ARRAY_SIZE(f), h)))
			break;
		stmt_reset(upd);
		stmt_bind_text(upd, 1, prev);
		stmt_bind_text(upd, 2, h);
		stmt_bind_int64(upd, 3, id);
		if ((rc = stmt_step(upd, e)) < 0)
			break;
		memcpy(prev, h, sizeof(prev));
		n++;
	}
out:
	stmt_finalize(rows);
	stmt_finalize(upd);
	if (sealed)
		*sealed = n;
	return rc < 0 ? rc : 0;
}

int auth_audit(struct store *s, const char *actor, const char *action, const char *object,
	       const char *detail, int64_t now, struct merr *e)
{
	const struct auth_audit_row r = {0, now, actor, action, object, detail};

	return auth_audit_many(s, &r, 1, e);
}

int auth_audit_many(struct store *s, const struct auth_audit_row *rows, size_t n, struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)";
	struct store_stmt *st = NULL;
	int rc = store_begin(s, e);

	if (rc)
		return rc;
	if ((rc = store_prepare(s, sql, &st, e)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		stmt_reset(st);
		stmt_bind_int64(st, 1, rows[i].at);
		stmt_bind_text(st, 2, rows[i].actor && rows[i].actor[0] ? rows[i].actor : "?");
		stmt_bind_text(st, 3, rows[i].action);
		stmt_bind_text(st, 4, rows[i].object);
		stmt_bind_text(st, 5, rows[i].detail);
		if ((rc = stmt_step(st, e)) < 0)
			break;
	}
	stmt_finalize(st);
	if (rc < 0 || (rc = auth_audit_seal(s, NULL, e)))
		goto fail;
	return store_commit(s, e);
fail:
	store_rollback(s);
	return rc;
}

int auth_audit_verify(struct store *s, struct chain_verify *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct chain_walk w;
	int rc;

	if (chain_walk_begin(&w, r, true))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = store_prepare(s,
				"SELECT id, at, actor, action, object, detail, prev_hash, hash "
				"FROM audit_log ORDER BY id",
				&st, e))) {
		chain_walk_end(&w);
		return rc;
	}
	while ((rc = stmt_step(st, e)) == 1) {
		const struct chain_field f[] =
		    AUDIT_FIELDS(stmt_int64(st, 0), stmt_int64(st, 1), stmt_text(st, 2),
				 stmt_text(st, 3), stmt_text(st, 4), stmt_text(st, 5));
		if ((rc = chain_walk_row(&w, stmt_int64(st, 0), stmt_text(st, 6), stmt_text(st, 7),
					 f, ARRAY_SIZE(f))) != 1)
			break;
	}
	stmt_finalize(st);
	chain_walk_end(&w);
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
