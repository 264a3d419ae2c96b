/*
 * query.c - a WHERE clause built from a page's filters with its text binds, and the one
 * SELECT … LIMIT/OFFSET runner over it (the findings and alerts lists and their APIs).
 */
#include "base/compat.h"

#include <stdio.h>

#include "web/web_int.h"

/* The row-level rule goes first (web_rows_clause); every filter adds " AND cond". */
void web_where_init(struct web_where *q)
{
	q->len = 0;
	q->n = 0;
	q->sql[0] = '\0';
}

int web_where_add(struct web_where *q, const char *cond, const char *val)
{
	int w = snprintf(q->sql + q->len, sizeof(q->sql) - q->len, " AND %s", cond);

	if (w < 0 || (size_t)w >= sizeof(q->sql) - q->len || (val && q->n == WEB_WHERE_BINDS))
		return M_ETOOBIG;
	q->len += (size_t)w;
	if (val)
		q->bind[q->n++] = val;
	return 0;
}

int web_where_run(struct web_req *r, const char *from, const struct web_where *q, const char *cols,
		  const char *tail, int64_t limit, int64_t offset, web_row_fn fn, void *arg)
{
	char sql[2048];
	struct store_stmt *st = NULL;
	int rc, i;

	if (snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE 1 = 1%s %s", cols, from, q->sql,
		     tail) >= (int)sizeof(sql))
		return M_ETOOBIG;
	if ((rc = web_stmt(r, sql, &st)))
		return rc;
	for (i = 0; i < q->n; i++)
		stmt_bind_text(st, i + 1, q->bind[i]);
	if (limit > 0) {
		stmt_bind_int64(st, i + 1, limit);
		stmt_bind_int64(st, i + 2, offset);
	}
	while ((rc = stmt_step(st, &r->err)) == 1)
		if ((rc = fn(r, st, arg)))
			break;
	web_stmt_done(r, st);
	return rc < 0 ? rc : 0;
}

static int count_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	(void)r;
	*(int64_t *)arg = stmt_int64(st, 0);
	return 0;
}

int web_where_count(struct web_req *r, const char *from, const struct web_where *q, int64_t *n)
{
	*n = 0;
	return web_where_run(r, from, q, "count(*)", "", 0, 0, count_row, n);
}

const char *web_filter_qs(struct web_req *r, const char *const *keys, size_t n)
{
	struct buf b;
	char *out;

	buf_init(&b, 1024);
	for (size_t i = 0; i < n; i++) {
		const char *v = web_kv_get(&r->query, keys[i]);
		/* values reaching here passed the allow-lists or are a slug; URL-encode anyway */
		if (v && v[0])
			web_htmlf(&b, r->lang, "%R=%u&amp;", keys[i], v);
	}
	out = web_arena_strndup(&r->arena, b.len ? b.ptr : "", b.len);
	buf_release(&b);
	return out ? out : "";
}
