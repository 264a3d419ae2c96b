/* audit.c - the audit log: who read or changed what, and when (table audit_log, 0001), as a
 * hash chain (0801): every row carries the previous row's hash and its own. */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth_int.h"
#include "base/chain.h"

static void fmt_i64(char out[24], int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = 0, i = 0;

	do
		tmp[k++] = (char)('0' + u % 10);
	while ((u /= 10) && k < sizeof(tmp));
	if (v < 0)
		out[i++] = '-';
	while (k)
		out[i++] = tmp[--k];
	out[i] = '\0';
}

/* The chained fields of one row, in order: id, at, actor, action, object, detail. */
static int row_hash(struct chain_ctx *c, const char *prev, int64_t id, int64_t at,
		    const char *actor, const char *action, const char *object, const char *detail,
		    char out[CHAIN_HEX])
{
	char sid[24], sat[24];
	const char *f[6];

	fmt_i64(sid, id);
	fmt_i64(sat, at);
	f[0] = sid;
	f[1] = sat;
	f[2] = actor;
	f[3] = action;
	f[4] = object;
	f[5] = detail;
	return chain_hash(c, prev, f, 6, out);
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
		if ((rc = row_hash(NULL, prev, id, stmt_int64(rows, 1), stmt_text(rows, 2),
				   stmt_text(rows, 3), stmt_text(rows, 4), stmt_text(rows, 5), h)))
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
	static const char sql[] =
	    "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)";
	struct store_stmt *st = NULL;
	int rc = store_begin(s, e);

	if (rc)
		return rc;
	if ((rc = store_prepare(s, sql, &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, now);
	stmt_bind_text(st, 2, actor && actor[0] ? actor : "?");
	stmt_bind_text(st, 3, action);
	stmt_bind_text(st, 4, object);
	stmt_bind_text(st, 5, detail);
	rc = stmt_step(st, e);
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
	struct chain_ctx *c = chain_ctx_new();
	char prev[CHAIN_HEX] = CHAIN_GENESIS, h[CHAIN_HEX];
	int64_t first_unsealed = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!c)
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = store_prepare(s,
				"SELECT id, at, actor, action, object, detail, prev_hash, hash "
				"FROM audit_log ORDER BY id",
				&st, e))) {
		chain_ctx_free(c);
		return rc;
	}
	while ((rc = stmt_step(st, e)) == 1) {
		int64_t id = stmt_int64(st, 0);
		const char *ph = stmt_text(st, 6), *hh = stmt_text(st, 7);

		r->rows++;
		if (!hh) {
			if (!first_unsealed)
				first_unsealed = id;
			r->unsealed++;
			continue;
		}
		if (first_unsealed) {
			r->broken_id = first_unsealed;
			snprintf(r->why, sizeof(r->why),
				 "row not sealed before sealed row %lld / "
				 "封印のない行の後に封印済みの行",
				 (long long)id);
			break;
		}
		if (!ph || strcmp(ph, prev) != 0) {
			r->broken_id = id;
			snprintf(
			    r->why, sizeof(r->why),
			    "prev_hash does not match the previous row / 前の行のハッシュと不一致");
			break;
		}
		if ((rc = row_hash(c, prev, id, stmt_int64(st, 1), stmt_text(st, 2),
				   stmt_text(st, 3), stmt_text(st, 4), stmt_text(st, 5), h)))
			break;
		if (strcmp(h, hh) != 0) {
			r->broken_id = id;
			snprintf(r->why, sizeof(r->why),
				 "content does not match its hash / 内容がハッシュと不一致");
			break;
		}
		memcpy(prev, h, sizeof(prev));
	}
	stmt_finalize(st);
	chain_ctx_free(c);
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
