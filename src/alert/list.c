/* list.c - reading alerts and notices for the console and the API: the caller's rows (org or
 * sector), filters, newest first with paging; one alert by id or by its link token's hash; its
 * recipients and its delivery log. All the alert tables' reads the web used to hold itself. */
#include "base/compat.h"

#include "alert/alert.h"
#include "base/buf.h"

/* Filters on the flags carry a unary plus so SQLite walks the created_at indexes (migration
 * 0699) newest first and stops at the page instead of sorting every unacknowledged alert; a
 * count uses the plain form and the (urgent, acked_at, org_slug) index. */
#define A_NOTICE "(a.issue_key LIKE 'notice:%')"
#define A_COLS                                                                           \
	"a.id, a.org_slug, a.issue_key, a.subject, a.created_at, a.urgent, a.acked_at, " \
	"a.acked_by, " A_NOTICE ", a.body"

int alert_query_check(const struct alert_query *q, struct merr *e)
{
	if (q->kind && q->kind[0] && strcmp(q->kind, "alert") && strcmp(q->kind, "notice"))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "kind",
			       "kind must be alert or notice / alert か notice を指定してください");
	return 0;
}

struct where {
	struct buf sql;
	const char *bind[8];
	int n;
	char id[32], run[48];
};

static void add(struct where *w, const char *cond, const char *val)
{
	buf_addf(&w->sql, " AND %s", cond);
	if (val)
		w->bind[w->n++] = val;
}

static void build(const struct alert_query *q, bool for_count, struct where *w)
{
	buf_init(&w->sql, 1024);
	w->n = 0;
	buf_addf(&w->sql, "1 = 1");
	if (q->org && q->org[0])
		add(w, "a.org_slug = ?", q->org);
	if (q->sector)
		add(w, "a.org_slug IN (SELECT slug FROM orgs WHERE sector = ?)", q->sector);
	if (q->org2 && q->org2[0])
		add(w, "a.org_slug = ?", q->org2);
	if (q->id > 0) {
		snprintf(w->id, sizeof(w->id), "%lld", (long long)q->id);
		add(w, "a.id = ?", w->id);
	}
	if (q->token_sha256)
		add(w, "a.ack_token_sha256 = ?", q->token_sha256);
	if (q->unacked)
		add(w, for_count ? "a.acked_at IS NULL" : "+a.acked_at IS NULL", NULL);
	if (q->urgent)
		add(w, for_count ? "a.urgent = 1" : "+a.urgent = 1", NULL);
	if (q->kind && q->kind[0])
		add(w, strcmp(q->kind, "notice") == 0 ? A_NOTICE : "NOT " A_NOTICE, NULL);
	/* exercise mails (【訓練】) stay out of the live list and its counts */
	if (q->exercise_run > 0) {
		snprintf(w->run, sizeof(w->run), "exercise:%lld:%%", (long long)q->exercise_run);
		add(w, "a.issue_key LIKE ?", w->run);
	} else if (q->exercise)
		add(w, "a.issue_key LIKE 'exercise:%'", NULL);
	else if (q->id <= 0 && !q->token_sha256)
		add(w, "a.issue_key NOT LIKE 'exercise:%'", NULL);
}

struct row_cb {
	int (*fn)(void *arg, const struct alert_row *r);
	void *arg;
};

static int row_of(void *arg, struct store_stmt *st)
{
	struct row_cb *cb = arg;
	struct alert_row r;

	r.id = stmt_int64(st, 0);
	r.org = stmt_text(st, 1);
	r.issue_key = stmt_text(st, 2);
	r.subject = stmt_text(st, 3);
	r.created_at = stmt_int64(st, 4);
	r.urgent = stmt_int64(st, 5) != 0;
	r.acked_at = stmt_is_null(st, 6) ? 0 : stmt_int64(st, 6);
	r.acked_by = stmt_text(st, 7);
	r.notice = stmt_int64(st, 8) != 0;
	r.body = stmt_text(st, 9);
	return cb->fn(cb->arg, &r);
}

/* The page or the count (store_query_page, shared with the findings list). */
static int run(struct store *s, const char *sql, const struct where *w, int64_t limit,
	       int64_t offset, int (*fn)(void *arg, const struct alert_row *r), void *arg,
	       int64_t *count, struct merr *e)
{
	struct row_cb cb = {fn, arg};

	return store_query_page(s, sql, w->bind, w->n, limit, offset, count, row_of, &cb, e);
}

int alert_query_count(struct store *s, const struct alert_query *q, int64_t *n, struct merr *e)
{
	struct where w;
	struct buf sql;
	int rc;

	*n = 0;
	if ((rc = alert_query_check(q, e)))
		return rc;
	build(q, true, &w);
	buf_init(&sql, 2048);
	buf_addf(&sql, "SELECT count(*) FROM alerts a WHERE %s", w.sql.ptr);
	rc = run(s, sql.ptr, &w, 0, 0, NULL, NULL, n, e);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc;
}

int alert_query_run(struct store *s, const struct alert_query *q,
		    int (*fn)(void *arg, const struct alert_row *r), void *arg, struct merr *e)
{
	struct where w;
	struct buf sql;
	int rc;

	if ((rc = alert_query_check(q, e)))
		return rc;
	build(q, false, &w);
	buf_init(&sql, 2048);
	buf_addf(&sql, "SELECT %s FROM alerts a WHERE %s ORDER BY a.created_at DESC, a.id DESC%s",
		 A_COLS, w.sql.ptr, q->limit > 0 ? " LIMIT ? OFFSET ?" : "");
	rc = run(s, sql.ptr, &w, q->limit, q->offset, fn, arg, NULL, e);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc;
}

int alert_targets_each(struct store *s, int64_t id,
		       int (*fn)(void *arg, const struct alert_target_row *t), void *arg,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT channel, target, state, attempts, delivered_at FROM "
			       "alert_targets WHERE alert_id = ? ORDER BY channel, target",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		struct alert_target_row t = {stmt_text(st, 0), stmt_text(st, 1), stmt_text(st, 2),
					     stmt_int64(st, 3),
					     stmt_is_null(st, 4) ? 0 : stmt_int64(st, 4)};
		if ((rc = fn(arg, &t)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int alert_deliveries_each(struct store *s, int64_t id,
			  int (*fn)(void *arg, const struct alert_delivery_row *d), void *arg,
			  struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT at, channel, target, attempt, status, error FROM "
			       "alert_deliveries WHERE alert_id = ? ORDER BY at, id",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		struct alert_delivery_row d = {stmt_int64(st, 0), stmt_text(st, 1),
					       stmt_text(st, 2),  stmt_int64(st, 3),
					       stmt_text(st, 4),  stmt_text(st, 5)};
		if ((rc = fn(arg, &d)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
