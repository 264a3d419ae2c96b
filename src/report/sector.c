/* sector.c - the quarterly sector report: the grade of every operator of a sector, the
 * grade distribution, the most common open weaknesses and the change since last quarter. */
#include "base/compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mtime.h"
#include "report/report_int.h"

struct sr {
	struct store *s;
	const struct report_opts *o;
	struct doc *d;
	char code[64], name[128];
	struct merr *e;
};

static const char *T(const struct sr *r, const char *ja, const char *en)
{
	return r->o->lang == REPORT_EN ? en : ja;
}

static int find_sector(struct sr *r, const char *arg)
{
	struct store_stmt *st;
	int rc = store_prepare(
	    r->s,
	    "SELECT code, name_ja, name_en FROM sectors WHERE code = ? OR name_ja = ? "
	    "OR lower(name_en) = lower(?)",
	    &st, r->e);

	if (rc)
		return rc;
	for (int i = 1; i <= 3; i++)
		stmt_bind_text(st, i, arg);
	rc = stmt_step(st, r->e);
	if (rc == 1) {
		snprintf(r->code, sizeof r->code, "%s", stmt_text(st, 0));
		snprintf(r->name, sizeof r->name, "%s",
			 stmt_text(st, r->o->lang == REPORT_EN ? 2 : 1));
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(r->e, M_ENOTFOUND, "sector %s not found", arg);
	}
	stmt_finalize(st);
	return rc;
}

/* Newest snapshot of an org in a period, as a correlated subquery. */
#define SNAP(col, per)                                                           \
	"(SELECT " col " FROM ratings WHERE org_slug = o.slug AND period = " per \
	" ORDER BY computed_at DESC LIMIT 1)"

static int operators(struct sr *r, struct report_chart *dist, double *mean, double *pmean)
{
	static const double w[] = {0.46, 0.18, 0.18, 0.18};
	const char *hd[] = {T(r, "事業者", "Operator"), T(r, "等級", "Grade"),
			    T(r, "評点", "Score"), T(r, "前期", "Previous")};
	char prev[16] = "";
	struct store_stmt *st;
	long n = 0, pn = 0;
	int rc = store_prepare(
	    r->s,
	    "SELECT o.name_ja, o.name_en, " SNAP("grade", "?1") ", " SNAP("score", "?1") ", " SNAP(
		"grade", "?2") ", " SNAP("score",
					 "?2") " FROM orgs o WHERE o.sector = ?3 ORDER BY o.slug",
	    &st, r->e);

	if (rc)
		return rc;
	time_quarter_prev(r->o->period, prev);
	stmt_bind_text(st, 1, r->o->period);
	stmt_bind_text(st, 2, prev);
	stmt_bind_text(st, 3, r->code);
	dist->kind = REPORT_CHART_BAR;
	snprintf(dist->title, sizeof dist->title, "%s", T(r, "等級の分布", "Grade distribution"));
	dist->n = 5;
	for (int i = 0; i < 5; i++)
		snprintf(dist->label[i], sizeof dist->label[i], "%c", "ABCDF"[i]);
	*mean = *pmean = 0;
	doc_heading(r->d, 2, T(r, "事業者別の等級", "Grades by operator"));
	doc_table_begin(r->d, 4, w, hd);
	while ((rc = stmt_step(st, r->e)) == 1) {
		const char *nm = r->o->lang == REPORT_EN && stmt_text(st, 1) ? stmt_text(st, 1)
									     : stmt_text(st, 0);
		char sc[16] = "-", pv[32] = "-", g[4] = "-";
		if (!stmt_is_null(st, 2)) {
			snprintf(g, sizeof g, "%s", stmt_text(st, 2));
			snprintf(sc, sizeof sc, "%.1f", stmt_double(st, 3));
			*mean += stmt_double(st, 3);
			n++;
			const char *p = strchr("ABCDF", g[0]);
			if (p && g[0])
				dist->value[p - "ABCDF"] += 1;
		}
		if (!stmt_is_null(st, 4)) {
			snprintf(pv, sizeof pv, "%s (%.1f)", stmt_text(st, 4), stmt_double(st, 5));
			*pmean += stmt_double(st, 5);
			pn++;
		}
		const char *cells[] = {nm, g, sc, pv};
		doc_table_row(r->d, cells);
	}
	stmt_finalize(st);
	doc_table_end(r->d);
	*mean = n ? *mean / (double)n : -1;
	*pmean = pn ? *pmean / (double)pn : -1;
	return rc < 0 ? rc : 0;
}

static int weaknesses(struct sr *r)
{
	static const double w[] = {0.4, 0.3, 0.3};
	const char *hd[] = {T(r, "弱点 (指摘キー)", "Weakness (issue key)"),
			    T(r, "該当事業者数", "Operators affected"),
			    T(r, "指摘件数", "Findings")};
	struct store_stmt *st;
	int rc = store_prepare(
	    r->s,
	    "SELECT f.issue_key, count(DISTINCT f.org_slug), count(*) FROM findings f "
	    "JOIN orgs o ON o.slug = f.org_slug WHERE o.sector = ? AND f.state = "
	    "'open' GROUP BY f.issue_key ORDER BY 2 DESC, 3 DESC, 1 LIMIT 10",
	    &st, r->e);
	long k = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->code);
	doc_heading(r->d, 2, T(r, "共通する弱点", "Common weaknesses"));
	doc_table_begin(r->d, 3, w, hd);
	while ((rc = stmt_step(st, r->e)) == 1) {
		char a[16], b[16];
		snprintf(a, sizeof a, "%lld", (long long)stmt_int64(st, 1));
		snprintf(b, sizeof b, "%lld", (long long)stmt_int64(st, 2));
		const char *cells[] = {stmt_text(st, 0), a, b};
		doc_table_row(r->d, cells);
		k++;
	}
	stmt_finalize(st);
	doc_table_end(r->d);
	if (!k)
		doc_para(r->d, DOC_MUTED, T(r, "未対応の指摘はありません。", "No open findings."));
	return rc < 0 ? rc : 0;
}

int report_sector(struct store *s, const char *sector, const struct report_opts *o, struct merr *e)
{
	struct sr r = {.s = s, .o = o, .e = e};
	struct report_chart dist;
	char title[300], base[4096], gen[TIME_STR_MAX];
	double mean, pmean;
	int64_t a, b;
	int rc;

	if (time_quarter_bounds(o->period, &a, &b))
		return merr_set(e, M_EINVAL, "period %s: expected a quarter like 2026Q4",
				o->period);
	if ((rc = find_sector(&r, sector)))
		return rc;
	snprintf(title, sizeof title, "%s %s %s", r.name, o->period,
		 T(&r, "分野別四半期報告書", "sector quarterly report"));
	if ((rc = doc_open(&r.d, title, o->lang, e)))
		return rc;
	doc_heading(r.d, 1, title);
	time_fmt_jst(o->now, gen);
	doc_paraf(r.d, DOC_MUTED, "%s %s", T(&r, "作成", "Generated"), gen);
	memset(&dist, 0, sizeof dist);
	rc = operators(&r, &dist, &mean, &pmean);
	if (!rc) {
		doc_heading(r.d, 2, T(&r, "前期との比較", "Comparison with last quarter"));
		if (mean >= 0 && pmean >= 0)
			doc_paraf(r.d, DOC_BIG, "%s %.1f → %.1f (%+.1f)",
				  T(&r, "平均評点", "Mean score"), pmean, mean, mean - pmean);
		else if (mean >= 0)
			doc_paraf(r.d, DOC_BIG, "%s %.1f (%s)", T(&r, "平均評点", "Mean score"),
				  mean, T(&r, "前期の評価なし", "no previous quarter"));
		else
			doc_para(r.d, DOC_NORMAL,
				 T(&r, "この期間の評価はありません。", "No ratings this period."));
		doc_charts(r.d, &dist, 1, 240, 140);
		rc = weaknesses(&r);
	}
	if (rc) {
		doc_free(r.d);
		return rc;
	}
	/* A folder of their own: an operator's reports are DIR/<slug>-<period>.*, and a slug
	 * like "sector-railways" must never name a sector's report (issue #19). */
	snprintf(base, sizeof base, "%s/" REPORT_SECTOR_DIR, o->out_dir);
	if (mkdir(base, 0755) && errno != EEXIST) {
		rc = merr_at(e, M_EIO, base, -1, -1, NULL, "cannot create: %s", strerror(errno));
		doc_free(r.d);
		return rc;
	}
	snprintf(base, sizeof base, "%s/" REPORT_SECTOR_DIR "/%s-%s%s", o->out_dir, r.code,
		 o->period, o->lang == REPORT_EN ? "-en" : "");
	return doc_finish(r.d, base, e);
}
