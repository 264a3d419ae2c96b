/* kpi.c - the figures CyHy's reports lead with, for one organisation, a sector or all: how old
 * the open findings are, how many KEV findings are past their deadline, how long fixing took
 * against the deadline, and how many findings were new and fixed in each of the last weeks.
 * Counts findings above info that are active (FINDING_ACTIVE_SQL: not triaged away). */
#include "base/compat.h"

#include <stdlib.h>

#include "base/mem.h"
#include "findings/findings.h"

const int64_t finding_kpi_age_days[FINDING_KPI_AGES] = {7, 30, 90, 180, 0};

/* org / sector narrowing, bound as ?1 / ?2 (NULL: no narrowing) */
#define KPI_ROWS                                                                                  \
	" severity <> 'info' AND coalesce(triage, '') <> 'false_positive' AND (CAST(?1 AS TEXT) " \
	"IS NULL OR "                                                                             \
	"org_slug = ?1) AND (CAST(?2 AS TEXT) IS NULL OR org_slug IN (SELECT slug FROM orgs "     \
	"WHERE sector = ?2))"

static void bind_rows(struct store_stmt *st, const char *org, const char *sector)
{
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, sector);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Open findings by age, open and overdue KEV findings: counted in the query (one row back,
 * not one per finding). */
static int open_figures(struct store *s, const char *org, const char *sector, int64_t now,
			struct finding_kpi *k, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT count(*), coalesce(sum(?3 - first_seen < ?4 * 86400), 0), "
	    "coalesce(sum(?3 - first_seen < ?5 * 86400), 0), "
	    "coalesce(sum(?3 - first_seen < ?6 * 86400), 0), "
	    "coalesce(sum(?3 - first_seen < ?7 * 86400), 0), coalesce(sum(kev = 1), 0), "
	    "coalesce(sum(kev = 1 AND deadline IS NOT NULL AND deadline < ?3), 0) FROM findings "
	    "WHERE " KPI_ROWS " AND " FINDING_ACTIVE_SQL(""),
	    &st, e);

	if (rc)
		return rc;
	bind_rows(st, org, sector);
	stmt_bind_int64(st, 3, now);
	for (int i = 0; i < FINDING_KPI_AGES - 1; i++)
		stmt_bind_int64(st, 4 + i, finding_kpi_age_days[i]);
	if ((rc = stmt_step(st, e)) == 1) {
		int64_t below[FINDING_KPI_AGES - 1];
		k->open = stmt_int64(st, 0);
		for (int i = 0; i < FINDING_KPI_AGES - 1; i++)
			below[i] = stmt_int64(st, 1 + i);
		/* cumulative counts into buckets */
		for (int i = 0; i < FINDING_KPI_AGES; i++)
			k->age[i] = (i < FINDING_KPI_AGES - 1 ? below[i] : k->open) -
				    (i ? below[i - 1] : 0);
		k->kev_open = stmt_int64(st, 5);
		k->kev_overdue = stmt_int64(st, 6);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Findings fixed in the last 90 days: days to fix (median), on time or late against their
 * deadline. */
static int fixed_figures(struct store *s, const char *org, const char *sector, int64_t now,
			 struct finding_kpi *k, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t *days = NULL;
	size_t n = 0, cap = 0;
	int rc = store_prepare(
	    s,
	    "SELECT fixed_at - first_seen, deadline, fixed_at FROM findings WHERE " KPI_ROWS
	    " AND state = 'fixed' AND fixed_at IS NOT NULL AND fixed_at "
	    ">= ?3 AND fixed_at <= ?4",
	    &st, e);

	if (rc)
		return rc;
	bind_rows(st, org, sector);
	stmt_bind_int64(st, 3, now - FINDING_KPI_FIXED_DAYS * 86400);
	stmt_bind_int64(st, 4, now);
	while ((rc = stmt_step(st, e)) == 1) {
		if (n == cap) {
			int64_t *nd = m_realloc(days, (cap = cap ? cap * 2 : 64) * sizeof(*days));
			if (!nd) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			days = nd;
		}
		days[n++] = stmt_int64(st, 0) > 0 ? stmt_int64(st, 0) / 86400 : 0;
		if (stmt_is_null(st, 1))
			k->fixed_no_deadline++;
		else if (stmt_int64(st, 2) <= stmt_int64(st, 1))
			k->fixed_on_time++;
		else
			k->fixed_late++;
	}
	stmt_finalize(st);
	if (rc >= 0 && n) {
		qsort(days, n, sizeof(*days), cmp_i64);
		k->ttr_median_days = n % 2 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2;
	}
	k->fixed = (int64_t)n;
	m_free(days);
	return rc < 0 ? rc : 0;
}

/* New and fixed per week, oldest week first; the last week ends at now. Grouped in the query. */
static int weekly(struct store *s, const char *org, const char *sector, int64_t now,
		  struct finding_kpi *k, struct merr *e)
{
	static const char *const sql[2] = {
	    "SELECT (first_seen - ?3 - 1) / 604800, count(*) FROM findings WHERE " KPI_ROWS
	    " AND first_seen > ?3 AND first_seen <= ?4 GROUP BY 1",
	    "SELECT (fixed_at - ?3 - 1) / 604800, count(*) FROM findings WHERE " KPI_ROWS
	    " AND state = 'fixed' AND fixed_at > ?3 AND fixed_at <= ?4 GROUP BY 1",
	};
	int64_t start = now - FINDING_KPI_WEEKS * 7 * 86400;
	int rc = 0;

	for (int w = 0; w < FINDING_KPI_WEEKS; w++)
		k->week_start[w] = start + (int64_t)w * 7 * 86400;
	for (int q = 0; q < 2 && rc == 0; q++) {
		struct store_stmt *st = NULL;
		int64_t *out = q ? k->week_fixed : k->week_new;
		if ((rc = store_prepare(s, sql[q], &st, e)))
			return rc;
		bind_rows(st, org, sector);
		stmt_bind_int64(st, 3, start);
		stmt_bind_int64(st, 4, now);
		while ((rc = stmt_step(st, e)) == 1) {
			int64_t w = stmt_int64(st, 0);
			if (w >= 0 && w < FINDING_KPI_WEEKS)
				out[w] += stmt_int64(st, 1);
		}
		stmt_finalize(st);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

int finding_kpi(struct store *s, const char *org, const char *sector, int64_t now,
		struct finding_kpi *k, struct merr *e)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->now = now;
	if ((rc = open_figures(s, org, sector, now, k, e)) ||
	    (rc = fixed_figures(s, org, sector, now, k, e)) ||
	    (rc = weekly(s, org, sector, now, k, e)))
		return rc;
	return 0;
}
