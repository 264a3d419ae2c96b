/* feed_fresh.c - how old each feed's data is (not where its files are): per feed family (kev,
 * nvd, cve5, epss, jvn) the newest date the data itself carries, and the last import. */
#include "base/compat.h"

#include <stdio.h>
#include <time.h>

#include "feeds/feeds.h"

/* "2026-08-21T17:46:43.6019Z", "2024-10-25T01:15:13.497" or "2026-08-16" as Unix seconds. */
static int64_t parse_date(const char *s)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, se = 0;

	if (!s || sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return 0;
	if (s[10] == 'T')
		sscanf(s + 11, "%2d:%2d:%2d", &h, &mi, &se);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm);
}

/* The newest YYYY-MM-DD written in the feeds' names ("epss-scores-2026-08-16.csv.xz"). */
static int64_t date_in_names(const char *names)
{
	int64_t best = 0;

	for (const char *p = names; p && *p; p++) {
		int y, mo, d, k = 0;
		if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &k) == 3 && k == 10 && y > 1990 &&
		    mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
			int64_t t = parse_date(p);
			if (t > best)
				best = t;
			p += 9;
		}
	}
	return best;
}

/* The date the data of a family carries, where the tables keep one. */
static int64_t data_date(struct store *s, const char *fam)
{
	static const struct {
		const char *fam, *sql;
	} q[] = {
	    {"kev", "SELECT max(date_released) FROM kev_catalogs"},
	    {"epss", "SELECT max(score_date) FROM epss"},
	};
	struct store_stmt *st = NULL;
	int64_t t = 0;

	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		if (strcmp(fam, q[i].fam) || store_prepare(s, q[i].sql, &st, NULL))
			continue;
		if (stmt_step(st, NULL) == 1)
			t = parse_date(stmt_text(st, 0));
		stmt_finalize(st);
	}
	return t;
}

int feeds_freshness(struct store *s, struct feeds_fresh *out, size_t cap, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT CASE WHEN instr(feed, '/') > 0 THEN substr(feed, 1, "
			       "instr(feed, '/') - 1) ELSE feed END AS fam, max(last_import), "
			       "sum(records), max(last_modified), group_concat(feed, ' ') FROM "
			       "feed_state GROUP BY fam ORDER BY fam",
			       &st, e);

	*n = 0;
	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1 && *n < cap) {
		struct feeds_fresh *f = &out[(*n)++];
		memset(f, 0, sizeof(*f));
		snprintf(f->feed, sizeof(f->feed), "%s", stmt_text(st, 0));
		f->imported_at = stmt_is_null(st, 1) ? 0 : stmt_int64(st, 1);
		f->records = stmt_is_null(st, 2) ? 0 : stmt_int64(st, 2);
		f->data_at = parse_date(stmt_text(st, 3));
		if (!f->data_at)
			f->data_at = date_in_names(stmt_text(st, 4));
	}
	stmt_finalize(st);
	for (size_t i = 0; i < *n; i++) {
		int64_t d = data_date(s, out[i].feed);
		if (d)
			out[i].data_at = d;
	}
	return rc < 0 ? rc : 0;
}
