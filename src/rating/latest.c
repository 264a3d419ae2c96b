/*
 * latest.c - the newest snapshot of each organisation among a caller's rows (the dashboard's
 * grades panel), worst grade first. An organisation never assessed (未診断: no finished scan,
 * no complete identify run; finding_coverage) is left out whatever grade a row holds: the
 * same rule as the org page, the CLI and the PDF.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "findings/findings.h"
#include "inventory/inventory.h"
#include "rating/rating.h"

struct latest_row {
	char org[128], grade[4], period[16];
	double score;
};

int rating_latest_each(struct store *s, const struct inv_rows *rows,
		       int (*fn)(void *arg, const struct rating_latest *r), void *arg,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	struct latest_row *v = NULL;
	size_t n = 0, cap = 0;
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
	/* read first: the coverage queries below use the same connection */
	while ((rc = stmt_step(st, e)) == 1) {
		if (n == cap) {
			struct latest_row *nv =
			    m_realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			v = nv;
		}
		snprintf(v[n].org, sizeof(v[n].org), "%s", stmt_text(st, 0));
		snprintf(v[n].grade, sizeof(v[n].grade), "%s", stmt_text(st, 1));
		snprintf(v[n].period, sizeof(v[n].period), "%s", stmt_text(st, 3));
		v[n].score = stmt_double(st, 2);
		n++;
	}
	stmt_finalize(st);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct finding_coverage c;
		if ((rc = finding_coverage(s, v[i].org, 0, &c, e)))
			break;
		if (!c.assessed)
			continue;
		struct rating_latest r = {v[i].org, v[i].grade, v[i].score, v[i].period};
		rc = fn(arg, &r);
	}
	m_free(v);
	return rc < 0 ? rc : 0;
}
