/*
 * rating.h - an organisation's score (0-100) and grade (A-F) per JST quarter, in which
 * every lost point is a deduction of a named finding (docs/RATING.md), and the sector view.
 *
 * Arithmetic is in tenths of a point (integers), so the deductions listed always sum
 * exactly to 100 - score. Weights and caps are the table in rating.c.
 */
#ifndef MAMORI_RATING_H
#define MAMORI_RATING_H

#include "base/compat.h"

#include "base/err.h"
#include "store/store.h"

struct cJSON;

#define RATING_METHOD "mamori-rating-1"
#define RATING_FULL 1000     /* 100.0 points in tenths */
#define RATING_HYSTERESIS 20 /* 2.0 points */

/* One category of the deduction table. */
struct rating_category {
	const char *id;	       /* "vuln_kev", "risky_critical" ... */
	int base;	       /* tenths of a point per finding, before factors */
	const char *cap_group; /* findings of a group share its cap */
	const char *why_ja, *why_en;
};
struct rating_cap {
	const char *group;
	int cap; /* tenths */
};
const struct rating_category *rating_categories(size_t *n);
const struct rating_cap *rating_caps(size_t *n);

/* Factors, in percent, applied to a category's base. */
#define RATING_F_NEEDS_CONFIRMATION 40 /* 要確認: product-only / probable backport */
#define RATING_F_DECLARED 50	       /* declared, not seen from the internet */
#define RATING_F_OVERDUE 150	       /* open past its deadline */

/* What the arithmetic needs of an open finding. */
struct rating_item {
	int64_t finding_id;
	const char *kind, *severity, *title, *asset;
	bool kev, needs_confirmation;
	int64_t deadline; /* 0: none */
};

struct rating_deduction {
	int64_t finding_id;
	const char *category; /* static */
	int full;	      /* tenths after factors, before caps */
	int applied;	      /* tenths actually deducted (caps may cut it) */
	char factors[96];     /* "needs confirmation x0.4, overdue x1.5" */
	char title[320], asset[160];
};

struct rating_result {
	char org[128], period[16];
	int lost; /* tenths: sum of applied */
	double score;
	char raw_grade, grade, prev_grade; /* prev_grade '\0' when none */
	char prev_period[16];
	struct rating_deduction *d; /* sorted by applied, largest first */
	size_t n_d;
	/* rating_compute: false when the org has no complete assessment (no finished scan or
	 * complete identify run): 未診断 / not assessed, no grade, nothing stored. */
	bool assessed;
};
void rating_result_release(struct rating_result *r);

/* Pure arithmetic: items at now -> deductions, score, raw grade (no hysteresis). */
int rating_compute_items(const struct rating_item *items, size_t n, int64_t now,
			 struct rating_result *out, struct merr *e);

/* Grade of a score alone: A >= 90, B >= 80, C >= 70, D >= 60, else F. */
char rating_grade_for(double score);
/* Grade after hysteresis against the previous period's grade prev ('\0': none): the grade
 * changes only when the score passes the boundary by margin (points). */
char rating_stable_grade(double score, char prev, double margin);

/* Reads org's open findings, computes at now (period from time_quarter), applies
 * hysteresis against the newest snapshot of an earlier period. Stores nothing. */
int rating_compute(struct store *s, const char *org, int64_t now, struct rating_result *out,
		   struct merr *e);
/* Stores r as a snapshot computed at now; an unassessed r stores nothing (returns 0). */
int rating_store(struct store *s, const struct rating_result *r, int64_t now, struct merr *e);
/* r as JSON: score, grades, deductions, category totals (new object). */
struct cJSON *rating_result_json(const struct rating_result *r);
/* The newest snapshot of org in period (NULL: newest of any period), as JSON with its
 * explanation. M_ENOTFOUND when there is none. An organisation without a complete
 * assessment now gets {"assessed": false, "grade": null, "score": null, "status": "未診断 / not
 * assessed"} whatever the row says. */
int rating_load_json(struct store *s, const char *org, const char *period, struct cJSON **out,
		     struct merr *e);
/* Per sector (NULL: all) and quarter: organisations rated, mean, median, grade counts,
 * and the change of the mean from the quarter before (new object). */
int rating_sector_json(struct store *s, const char *sector, struct cJSON **out, struct merr *e);

/* The newest snapshot of each organisation among rows (NULL: all), ordered by grade then
 * slug; strings borrowed for the callback. fn returning non-zero stops. */
struct inv_rows;
struct rating_latest {
	const char *org, *grade;
	double score;
	const char *period;
};
int rating_latest_each(struct store *s, const struct inv_rows *rows,
		       int (*fn)(void *arg, const struct rating_latest *r), void *arg,
		       struct merr *e);

#endif
