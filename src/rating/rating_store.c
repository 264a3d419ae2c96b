/* rating_store.c - ratings from the stored findings: compute with hysteresis against the
 * previous quarter, keep snapshots, read them back, and the per-sector quarterly view. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"
#include "rating/rating.h"

struct items {
	struct rating_item *v;
	char **strs; /* owned copies, 3 per item */
	size_t n, cap;
};

static void items_release(struct items *it)
{
	for (size_t i = 0; i < it->n * 4; i++)
		m_free(it->strs[i]);
	m_free(it->strs);
	m_free(it->v);
}

static int items_grow(struct items *it)
{
	size_t cap = it->cap ? it->cap * 2 : 64;
	struct rating_item *v = m_realloc(it->v, cap * sizeof(*v));
	char **s;
	if (!v)
		return M_ENOMEM;
	it->v = v;
	s = m_realloc(it->strs, cap * 4 * sizeof(*s));
	if (!s)
		return M_ENOMEM;
	it->strs = s;
	it->cap = cap;
	return 0;
}

static int load_items(struct store *s, const char *org, struct items *it, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT id, kind, severity, title, asset, kev, needs_confirmation, "
	    "deadline FROM findings WHERE org_slug = ? AND " FINDING_ACTIVE_SQL("") " ORDER BY id",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	while ((rc = stmt_step(st, e)) == 1) {
		struct rating_item *x;
		char **str;
		if (it->n == it->cap && items_grow(it)) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		x = &it->v[it->n];
		str = &it->strs[it->n * 4];
		str[0] = m_strdup(stmt_text(st, 1));
		str[1] = m_strdup(stmt_text(st, 2));
		str[2] = m_strdup(stmt_text(st, 3));
		str[3] = m_strdup(stmt_text(st, 4));
		it->n++;
		if (!str[0] || !str[1] || !str[2] || !str[3]) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		x->finding_id = stmt_int64(st, 0);
		x->kind = str[0];
		x->severity = str[1];
		x->title = str[2];
		x->asset = str[3];
		x->kev = stmt_int64(st, 5) != 0;
		x->needs_confirmation = stmt_int64(st, 6) != 0;
		x->deadline = stmt_is_null(st, 7) ? 0 : stmt_int64(st, 7);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The grade of the newest snapshot of an earlier period. */
static int previous_grade(struct store *s, const char *org, const char *period, char *grade,
			  char *prev_period, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT grade, period FROM ratings WHERE org_slug = ? AND period < ? "
			  "ORDER BY period DESC, computed_at DESC, id DESC LIMIT 1",
			  &st, e);
	*grade = '\0';
	prev_period[0] = '\0';
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, period);
	rc = stmt_step(st, e);
	if (rc == 1) {
		*grade = stmt_text(st, 0)[0];
		snprintf(prev_period, 16, "%s", stmt_text(st, 1));
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int rating_compute(struct store *s, const char *org, int64_t now, struct rating_result *out,
		   struct merr *e)
{
	struct items it = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->org, sizeof(out->org), "%s", org);
	time_quarter(now, out->period);
	rc = load_items(s, org, &it, e);
	if (rc == 0)
		rc = rating_compute_items(it.v, it.n, now, out, e);
	/* titles were copied into the deductions; the items can go */
	items_release(&it);
	if (rc == 0)
		rc = previous_grade(s, org, out->period, &out->prev_grade, out->prev_period, e);
	if (rc == 0)
		out->grade =
		    rating_stable_grade(out->score, out->prev_grade, RATING_HYSTERESIS / 10.0);
	if (rc == 0) {
		struct finding_coverage cov;
		rc = finding_coverage(s, org, now, &cov, e);
		out->assessed = cov.assessed;
	}
	if (rc)
		rating_result_release(out);
	return rc;
}

static const struct rating_category *cat(const char *id)
{
	size_t n;
	const struct rating_category *c = rating_categories(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].id, id))
			return &c[i];
	return NULL;
}

cJSON *rating_result_json(const struct rating_result *r)
{
	cJSON *o = cJSON_CreateObject(), *ds, *cats;
	char g[2] = {0};

	cJSON_AddStringToObject(o, "org", r->org);
	cJSON_AddStringToObject(o, "period", r->period);
	cJSON_AddStringToObject(o, "method", RATING_METHOD);
	cJSON_AddBoolToObject(o, "assessed", r->assessed);
	if (!r->assessed) {
		/* no complete assessment: no score, no grade (not "A 100") */
		cJSON_AddNullToObject(o, "score");
		cJSON_AddNullToObject(o, "grade");
		cJSON_AddNullToObject(o, "raw_grade");
		cJSON_AddStringToObject(o, "status", "未診断 / not assessed");
	} else {
		cJSON_AddNumberToObject(o, "score", r->score);
		g[0] = r->grade;
		cJSON_AddStringToObject(o, "grade", g);
		g[0] = r->raw_grade;
		cJSON_AddStringToObject(o, "raw_grade", g);
	}
	g[0] = r->prev_grade;
	if (r->prev_grade) {
		cJSON_AddStringToObject(o, "previous_grade", g);
		cJSON_AddStringToObject(o, "previous_period", r->prev_period);
	} else {
		cJSON_AddNullToObject(o, "previous_grade");
	}
	cJSON_AddNumberToObject(o, "points_lost", r->lost / 10.0);
	cats = cJSON_AddObjectToObject(o, "categories");
	ds = cJSON_AddArrayToObject(o, "deductions");
	for (size_t i = 0; i < r->n_d; i++) {
		const struct rating_deduction *d = &r->d[i];
		cJSON *x = cJSON_CreateObject(), *c = cJSON_GetObjectItem(cats, d->category);
		cJSON_AddNumberToObject(x, "finding", (double)d->finding_id);
		cJSON_AddStringToObject(x, "category", d->category);
		cJSON_AddStringToObject(x, "reason_ja", cat(d->category)->why_ja);
		cJSON_AddStringToObject(x, "title", d->title);
		cJSON_AddStringToObject(x, "asset", d->asset);
		cJSON_AddNumberToObject(x, "points", d->applied / 10.0);
		cJSON_AddNumberToObject(x, "points_before_cap", d->full / 10.0);
		if (d->factors[0])
			cJSON_AddStringToObject(x, "factors", d->factors);
		if (d->applied < d->full)
			cJSON_AddStringToObject(x, "note", "上限到達 / cap reached");
		cJSON_AddItemToArray(ds, x);
		if (!c)
			c = cJSON_AddNumberToObject(cats, d->category, 0);
		cJSON_SetNumberValue(c, ((long)(c->valuedouble * 10 + 0.5) + d->applied) / 10.0);
	}
	return o;
}

int rating_store(struct store *s, const struct rating_result *r, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *j = rating_result_json(r);
	char *txt = cJSON_PrintUnformatted(j), g[2] = {r->grade, 0}, rg[2] = {r->raw_grade, 0};
	int rc;

	cJSON_Delete(j);
	if (!txt)
		return merr_set(e, M_ENOMEM, "out of memory");
	if (!r->assessed) {
		/* a grade stored before the org was ever assessed was never true: drop it */
		free(txt);
		if ((rc = store_prepare(s, "DELETE FROM ratings WHERE org_slug = ?", &st, e)))
			return rc;
		stmt_bind_text(st, 1, r->org);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		return rc < 0 ? rc : 0;
	}
	rc =
	    store_prepare(s,
			  "INSERT INTO ratings (org_slug, period, score, raw_grade, grade, method, "
			  "computed_at, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			  &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, r->org);
		stmt_bind_text(st, 2, r->period);
		stmt_bind_double(st, 3, r->score);
		stmt_bind_text(st, 4, rg);
		stmt_bind_text(st, 5, g);
		stmt_bind_text(st, 6, RATING_METHOD);
		stmt_bind_int64(st, 7, now);
		stmt_bind_text(st, 8, txt);
		rc = stmt_step(st, e);
		stmt_finalize(st);
	}
	free(txt);
	return rc < 0 ? rc : 0;
}

/* A stored row of an organisation that has no complete assessment now (a row written before
 * the rule, or by hand) is not shown: the snapshot becomes "未診断", without grade or score,
 * like rating_result_json of an unassessed result. */
static int gate_not_assessed(struct store *s, const char *org, cJSON **out, struct merr *e)
{
	struct finding_coverage cov;
	cJSON *o, *keep;
	int rc = finding_coverage(s, org, 0, &cov, e);

	if (rc || cov.assessed) {
		if (rc) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		return rc;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", org);
	if ((keep = cJSON_GetObjectItem(*out, "period")) && cJSON_IsString(keep))
		cJSON_AddStringToObject(o, "period", keep->valuestring);
	cJSON_AddStringToObject(o, "method", RATING_METHOD);
	cJSON_AddBoolToObject(o, "assessed", false);
	cJSON_AddNullToObject(o, "score");
	cJSON_AddNullToObject(o, "grade");
	cJSON_AddNullToObject(o, "raw_grade");
	cJSON_AddStringToObject(o, "status", "未診断 / not assessed");
	cJSON_AddArrayToObject(o, "deductions");
	cJSON_Delete(*out);
	*out = o;
	return 0;
}

int rating_load_json(struct store *s, const char *org, const char *period, cJSON **out,
		     struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT explanation, computed_at FROM ratings WHERE org_slug = ? AND "
	    "(CAST(?2 AS TEXT) IS NULL OR period = ?2) ORDER BY period DESC, computed_at DESC, id "
	    "DESC LIMIT 1",
	    &st, e);
	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, period);
	rc = stmt_step(st, e);
	if (rc == 1) {
		char t[TIME_STR_MAX];
		*out = cJSON_Parse(stmt_text(st, 0));
		time_fmt_utc(stmt_int64(st, 1), t);
		if (*out)
			cJSON_AddStringToObject(*out, "computed_at", t);
		rc = *out ? 0 : merr_set(e, M_EPARSE, "stored explanation is not JSON");
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "no rating for '%s'%s%s", org, period ? " in " : "",
			      period ? period : "");
	}
	stmt_finalize(st);
	if (rc == 0)
		rc = gate_not_assessed(s, org, out, e);
	return rc;
}

/* ---------------------------------------------------------------- sector view */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct group {
	cJSON *sector_obj, *periods;
	char sector[64], period[16];
	double scores[512];
	size_t n;
	int grades[5];
	double prev_mean;
	bool has_prev;
};

static void flush_period(struct group *g)
{
	cJSON *p, *gr;
	double sum = 0, mean, median;
	static const char letters[] = "ABCDF";

	if (!g->n)
		return;
	for (size_t i = 0; i < g->n; i++)
		sum += g->scores[i];
	mean = sum / (double)g->n;
	qsort(g->scores, g->n, sizeof(double), cmp_double);
	median =
	    g->n % 2 ? g->scores[g->n / 2] : (g->scores[g->n / 2 - 1] + g->scores[g->n / 2]) / 2.0;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "period", g->period);
	cJSON_AddNumberToObject(p, "orgs", (double)g->n);
	cJSON_AddNumberToObject(p, "mean", (double)(long)(mean * 10 + 0.5) / 10.0);
	cJSON_AddNumberToObject(p, "median", median);
	cJSON_AddNumberToObject(p, "min", g->scores[0]);
	gr = cJSON_AddObjectToObject(p, "grades");
	for (int i = 0; i < 5; i++) {
		char l[2] = {letters[i], 0};
		cJSON_AddNumberToObject(gr, l, g->grades[i]);
	}
	if (g->has_prev)
		cJSON_AddNumberToObject(p, "mean_change",
					(double)(long)((mean - g->prev_mean) * 10 +
						       (mean >= g->prev_mean ? 0.5 : -0.5)) /
					    10.0);
	cJSON_AddItemToArray(g->periods, p);
	g->prev_mean = mean;
	g->has_prev = true;
	g->n = 0;
	memset(g->grades, 0, sizeof(g->grades));
}

/* Operators without any rating (never assessed: 未診断) per sector, listed as such and never
 * part of a mean: "not_assessed": N and "not_assessed_orgs": [...] on each sector. */
static int add_not_assessed(struct store *s, const char *sector, cJSON *arr, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT COALESCE(o.sector, '-'), o.slug FROM orgs o WHERE NOT EXISTS "
	    "(SELECT 1 FROM ratings r WHERE r.org_slug = o.slug) AND (CAST(?1 AS TEXT) IS NULL "
	    "OR o.sector = ?1) ORDER BY 1, 2",
	    &st, e);
	const cJSON *x;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, sector);
	cJSON_ArrayForEach(x, arr) cJSON_AddNumberToObject((cJSON *)x, "not_assessed", 0);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *sec = NULL, *n, *l;
		cJSON_ArrayForEach(
		    x, arr) if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "sector")),
					stmt_text(st, 0))) sec = (cJSON *)x;
		if (!sec) {
			sec = cJSON_CreateObject();
			cJSON_AddStringToObject(sec, "sector", stmt_text(st, 0));
			cJSON_AddArrayToObject(sec, "periods");
			cJSON_AddNumberToObject(sec, "not_assessed", 0);
			cJSON_AddItemToArray(arr, sec);
		}
		n = cJSON_GetObjectItem(sec, "not_assessed");
		cJSON_SetNumberValue(n, n->valuedouble + 1);
		if (!(l = cJSON_GetObjectItem(sec, "not_assessed_orgs")))
			l = cJSON_AddArrayToObject(sec, "not_assessed_orgs");
		cJSON_AddItemToArray(l, cJSON_CreateString(stmt_text(st, 1)));
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int rating_sector_json(struct store *s, const char *sector, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct group *g = m_calloc(1, sizeof(*g));
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "sectors");
	int rc;

	*out = NULL;
	if (!g)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(
	    s,
	    "SELECT COALESCE(o.sector, '-'), COALESCE(sc.name_ja, ''), r.period, r.score, r.grade "
	    "FROM ratings r JOIN orgs o ON o.slug = r.org_slug LEFT JOIN sectors sc ON sc.code = "
	    "o.sector WHERE r.id = (SELECT r2.id FROM ratings r2 WHERE r2.org_slug = r.org_slug "
	    "AND "
	    "r2.period = r.period ORDER BY r2.computed_at DESC, r2.id DESC LIMIT 1) AND (CAST(?1 "
	    "AS TEXT) IS "
	    "NULL "
	    "OR o.sector = ?1) ORDER BY 1, r.period, r.org_slug",
	    &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, sector);
	}
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		const char *sec = stmt_text(st, 0), *per = stmt_text(st, 2);
		const char *grade = stmt_text(st, 4), *letters = "ABCDF", *gp;
		rc = 0;
		if (strcmp(sec, g->sector)) {
			flush_period(g);
			g->sector_obj = cJSON_CreateObject();
			cJSON_AddStringToObject(g->sector_obj, "sector", sec);
			cJSON_AddStringToObject(g->sector_obj, "name_ja", stmt_text(st, 1));
			g->periods = cJSON_AddArrayToObject(g->sector_obj, "periods");
			cJSON_AddItemToArray(arr, g->sector_obj);
			snprintf(g->sector, sizeof(g->sector), "%s", sec);
			g->has_prev = false;
			g->period[0] = '\0';
		}
		if (strcmp(per, g->period)) {
			flush_period(g);
			snprintf(g->period, sizeof(g->period), "%s", per);
		}
		if (g->n < ARRAY_SIZE(g->scores))
			g->scores[g->n++] = stmt_double(st, 3);
		if ((gp = strchr(letters, grade[0])) && grade[0])
			g->grades[gp - letters]++;
	}
	stmt_finalize(st);
	if (rc >= 0)
		flush_period(g);
	m_free(g);
	if (rc >= 0)
		rc = add_not_assessed(s, sector, arr, e);
	if (rc < 0) {
		cJSON_Delete(root);
		return rc;
	}
	*out = root;
	return 0;
}
