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
#define KPI_ROWS                                                                               \
	" severity <> 'info' AND coalesce(triage, '') <> 'false_positive' AND (?1 IS NULL OR " \
	"org_slug = ?1) AND (?2 IS NULL OR org_slug IN (SELECT slug FROM orgs WHERE sector = ?2))"

static void bind_rows(struct store_stmt *st, const char *org, const char *sector)
{
	if (org)
		stmt_bind_text(st, 1, org);
	else
		stmt_bind_null(st, 1);
	if (sector)
		stmt_bind_text(st, 2, sector);
	else
		stmt_bind_null(st, 2);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Open findings by age, open and overdue KEV findings. */
static int open_figures(struct store *s, const char *org, const char *sector, int64_t now,
			struct finding_kpi *k, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT ?3 - first_seen, kev, deadline FROM findings WHERE " KPI_ROWS
			       " AND " FINDING_ACTIVE_SQL(""),
			       &st, e);

	if (rc)
		return rc;
	bind_rows(st, org, sector);
	stmt_bind_int64(st, 3, now);
	while ((rc = stmt_step(st, e)) == 1) {
		int64_t age = stmt_int64(st, 0) / 86400;
		size_t b = 0;
		while (b + 1 < FINDING_KPI_AGES && age >= finding_kpi_age_days[b])
			b++;
		k->age[b]++;
		k->open++;
		if (stmt_int64(st, 1)) {
			k->kev_open++;
			if (!stmt_is_null(st, 2) && stmt_int64(st, 2) < now)
				k->kev_overdue++;
		}
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

/* New and fixed per week, oldest week first; the last week ends at now. */
static int weekly(struct store *s, const char *org, const char *sector, int64_t now,
		  struct finding_kpi *k, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t start = now - FINDING_KPI_WEEKS * 7 * 86400;
	int rc = store_prepare(s,
			       "SELECT first_seen, fixed_at, state FROM findings WHERE " KPI_ROWS
			       " AND (first_seen > ?3 OR (fixed_at IS NOT NULL AND fixed_at > ?3))",
			       &st, e);

	if (rc)
		return rc;
	for (int w = 0; w < FINDING_KPI_WEEKS; w++)
		k->week_start[w] = start + (int64_t)w * 7 * 86400;
	bind_rows(st, org, sector);
	stmt_bind_int64(st, 3, start);
	while ((rc = stmt_step(st, e)) == 1) {
		int64_t f = stmt_int64(st, 0);
		if (f > start && f <= now)
			k->week_new[(f - start - 1) / (7 * 86400)]++;
		if (!stmt_is_null(st, 1) && strcmp(stmt_text(st, 2), "fixed") == 0) {
			int64_t x = stmt_int64(st, 1);
			if (x > start && x <= now)
				k->week_fixed[(x - start - 1) / (7 * 86400)]++;
		}
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
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
