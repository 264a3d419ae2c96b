/*
 * latest.c - the newest snapshot of each organisation among a caller's rows (the dashboard's
 * grades panel), worst grade first.
 */
#include "base/compat.h"

#include "inventory/inventory.h"
#include "rating/rating.h"

int rating_latest_each(struct store *s, const struct inv_rows *rows,
		       int (*fn)(void *arg, const struct rating_latest *r), void *arg,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	char cond[160], sql[700];
	const char *val;
	int rc = inv_rows_sql(rows, "x.org_slug", cond, sizeof(cond), &val);

	if (rc)
		return merr_set(e, rc, "row rule too long");
	snprintf(sql, sizeof(sql),
		 "SELECT x.org_slug, x.grade, x.score, x.period FROM ratings x WHERE %s AND x.id = "
		 "(SELECT y.id FROM ratings y WHERE y.org_slug = x.org_slug ORDER BY y.period "
		 "DESC, y.computed_at DESC, y.id DESC LIMIT 1) ORDER BY x.grade, x.org_slug",
		 cond);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	if (val)
		stmt_bind_text(st, 1, val);
	while ((rc = stmt_step(st, e)) == 1) {
		struct rating_latest r = {stmt_text(st, 0), stmt_text(st, 1), stmt_double(st, 2),
					  stmt_text(st, 3)};
		if ((rc = fn(arg, &r)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
