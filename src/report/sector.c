/* sector.c - the quarterly sector report: the grade of every operator of a sector, the
 * grade distribution, the most common open weaknesses and the change since last quarter. */
#include "base/compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/bi.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"
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

/* The sector's organisations with a complete assessment now (finding_coverage): only their
 * grades count; the others are 未診断 whatever a stored row says, and stay out of the mean. */
#define SECTOR_ORGS_MAX 512
struct assessed {
	size_t n;
	char slug[SECTOR_ORGS_MAX][64];
};

static int assessed_orgs(struct sr *r, struct assessed *a)
{
	struct store_stmt *st;
	struct assessed all;
	int rc =
	    store_prepare(r->s, "SELECT slug FROM orgs WHERE sector = ? ORDER BY slug", &st, r->e);

	a->n = all.n = 0;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->code);
	while ((rc = stmt_step(st, r->e)) == 1 && all.n < SECTOR_ORGS_MAX)
		snprintf(all.slug[all.n++], sizeof(all.slug[0]), "%s", stmt_text(st, 0));
	stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i < all.n; i++) {
		struct finding_coverage c;
		if ((rc = finding_coverage(r->s, all.slug[i], r->o->now, &c, r->e)))
			break;
		if (c.assessed)
			memcpy(a->slug[a->n++], all.slug[i], sizeof(all.slug[0]));
	}
	return rc < 0 ? rc : 0;
}

static bool is_assessed(const struct assessed *a, const char *slug)
{
	for (size_t i = 0; slug && i < a->n; i++)
		if (strcmp(a->slug[i], slug) == 0)
			return true;
	return false;
}

static int operators(struct sr *r, struct report_chart *dist, double *mean, double *pmean)
{
	static const double w[] = {0.46, 0.18, 0.18, 0.18};
	const char *hd[] = {T(r, "事業者", "Operator"), T(r, "等級", "Grade"),
			    T(r, "評点", "Score"), T(r, "前期", "Previous")};
	char prev[16] = "";
	struct store_stmt *st;
	struct assessed *as = m_malloc(sizeof(*as));
	long n = 0, pn = 0;
	int rc;

	if (!as)
		return merr_set(r->e, M_ENOMEM, "out of memory");
	if ((rc = assessed_orgs(r, as))) {
		m_free(as);
		return rc;
	}
	rc = store_prepare(
	    r->s,
	    "SELECT o.name_ja, o.name_en, " SNAP("grade", "?1") ", " SNAP("score", "?1") ", " SNAP(
		"grade", "?2") ", " SNAP("score", "?2") ", o.slug FROM orgs o WHERE o.sector = ?3 "
							"ORDER BY o.slug",
	    &st, r->e);
	if (rc) {
		m_free(as);
		return rc;
	}
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
		char sc[16] = "-", pv[32] = "-", g[32] = "-";
		if (!is_assessed(as, stmt_text(st, 6))) {
			snprintf(g, sizeof g, "%s", T(r, "未診断", "Not assessed"));
		} else if (!stmt_is_null(st, 2)) {
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
	m_free(as);
	doc_table_end(r->d);
	*mean = n ? *mean / (double)n : -1;
	*pmean = pn ? *pmean / (double)pn : -1;
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- the quarter in words */

/* OT protocols a risky-service finding can name (src/findings/risky.c). */
#define OT_KEYS                                                                     \
	"('risky:modbus', 'risky:s7', 'risky:bacnet', 'risky:enip', 'risky:dnp3', " \
	"'risky:iec104', 'risky:fins')"

/* What was open in the sector at time t: critical, KEV and OT exposures (findings above info,
 * not called a false positive; open then means seen by t and not fixed by t). */
struct sec_counts {
	int64_t critical, kev, ot;
};

static int counts_at(struct sr *r, int64_t t, struct sec_counts *c)
{
	struct store_stmt *st;
	int rc = store_prepare(
	    r->s,
	    "SELECT coalesce(sum(f.severity = 'critical'), 0), coalesce(sum(f.kev = 1), 0), "
	    "coalesce(sum(f.issue_key IN " OT_KEYS "), 0) FROM findings f JOIN orgs o ON o.slug = "
	    "f.org_slug WHERE o.sector = ?1 AND f.severity <> 'info' AND f.needs_confirmation = 0 "
	    "AND coalesce(f.triage, '') <> 'false_positive' AND f.first_seen <= ?2 AND "
	    "(f.state = 'open' OR (f.fixed_at IS NOT NULL AND f.fixed_at > ?2))",
	    &st, r->e);

	memset(c, 0, sizeof(*c));
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->code);
	stmt_bind_int64(st, 2, t);
	if ((rc = stmt_step(st, r->e)) == 1) {
		c->critical = stmt_int64(st, 0);
		c->kev = stmt_int64(st, 1);
		c->ot = stmt_int64(st, 2);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* "前四半期より緊急の指摘が 3 件減少しました (5 件 → 2 件)。" and its English. */
static void change_sentence(struct sr *r, const char *what_ja, const char *what_en, int64_t before,
			    int64_t now)
{
	long long d = (long long)(now - before), b = (long long)before, n = (long long)now;

	if (r->o->lang == REPORT_EN) {
		if (d < 0)
			doc_paraf(r->d, DOC_NORMAL,
				  "%s: %lld fewer than last quarter (%lld → %lld).", what_en, -d, b,
				  n);
		else if (d > 0)
			doc_paraf(r->d, DOC_ALERT, "%s: %lld more than last quarter (%lld → %lld).",
				  what_en, d, b, n);
		else
			doc_paraf(r->d, DOC_NORMAL, "%s: as many as last quarter (%lld).", what_en,
				  n);
	} else {
		if (d < 0)
			doc_paraf(r->d, DOC_NORMAL,
				  "前四半期より%sが %lld 件減少しました (%lld 件 → %lld 件)。",
				  what_ja, -d, b, n);
		else if (d > 0)
			doc_paraf(r->d, DOC_ALERT,
				  "前四半期より%sが %lld 件増加しました (%lld 件 → %lld 件)。",
				  what_ja, d, b, n);
		else
			doc_paraf(r->d, DOC_NORMAL, "%sは前四半期と同じ %lld 件でした。", what_ja,
				  n);
	}
}

/* Had mamori observed the sector by time t (a finished scan, or a finding first seen)? */
static int observed_by(struct sr *r, int64_t t, bool *yes)
{
	struct store_stmt *st;
	int rc = store_prepare(
	    r->s,
	    "SELECT EXISTS (SELECT 1 FROM findings f JOIN orgs o ON o.slug = f.org_slug WHERE "
	    "o.sector = ?1 AND f.first_seen <= ?2) OR EXISTS (SELECT 1 FROM scans s JOIN orgs o ON "
	    "o.slug = s.org_slug WHERE o.sector = ?1 AND s.state = 'done' AND s.finished_at <= ?2)",
	    &st, r->e);

	*yes = false;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->code);
	stmt_bind_int64(st, 2, t);
	if ((rc = stmt_step(st, r->e)) == 1)
		*yes = stmt_int64(st, 0) != 0;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int quarter_words(struct sr *r, double mean, double pmean)
{
	struct sec_counts now, before;
	char prev[16];
	int64_t a, b, pa, pb;
	bool seen = false;
	int rc;

	if (time_quarter_prev(r->o->period, prev) || time_quarter_bounds(r->o->period, &a, &b) ||
	    time_quarter_bounds(prev, &pa, &pb))
		return 0;
	/* the end of this quarter, or now while it runs; the end of the one before */
	if ((rc = counts_at(r, r->o->now && r->o->now < b ? r->o->now : b - 1, &now)) ||
	    (rc = counts_at(r, pb - 1, &before)))
		return rc;
	if (mean >= 0 && pmean >= 0) {
		double d = mean - pmean;
		if (r->o->lang == REPORT_EN)
			doc_paraf(r->d, DOC_NORMAL, "The mean score %s (%.1f → %.1f).",
				  d > 0.05    ? "rose"
				  : d < -0.05 ? "fell"
					      : "held steady",
				  pmean, mean);
		else
			doc_paraf(r->d, DOC_NORMAL, "平均評点は前四半期より%s (%.1f → %.1f)。",
				  d > 0.05    ? "上昇しました"
				  : d < -0.05 ? "低下しました"
					      : "横ばいでした",
				  pmean, mean);
	}
	if ((rc = observed_by(r, pb - 1, &seen)))
		return rc;
	if (!seen) { /* nothing was observed by last quarter's end: "same as before" misleads */
		if (r->o->lang == REPORT_EN)
			doc_paraf(r->d, DOC_NORMAL,
				  "No comparison: mamori had not observed the sector by the end of "
				  "last quarter. This "
				  "quarter: %lld critical, %lld KEV, %lld exposed OT protocol "
				  "findings.",
				  (long long)now.critical, (long long)now.kev, (long long)now.ot);
		else
			doc_paraf(
			    r->d, DOC_NORMAL,
			    "前四半期末までに観測がないため比較できません。今四半期: 緊急 %lld 件、"
			    "KEV %lld 件、公開された制御系プロトコル %lld 件。",
			    (long long)now.critical, (long long)now.kev, (long long)now.ot);
		return 0;
	}
	change_sentence(r, "緊急の指摘", "Critical findings", before.critical, now.critical);
	change_sentence(r, "KEV (悪用確認済み) の脆弱性の指摘",
			"Findings of known exploited (KEV) vulnerabilities", before.kev, now.kev);
	change_sentence(r, "インターネットに公開された制御系プロトコル",
			"OT protocols exposed to the internet", before.ot, now.ot);
	return 0;
}

/* The half of a stored "日本語 / English" text for the report's language. */
static const char *half(const struct sr *r, const char *t, char *buf, size_t cap)
{
	char words[400];
	const char *h = bi_half(t, r->o->lang == REPORT_EN, buf, cap);

	/* a Japanese-only title in the English report: its product words, never Japanese */
	if (r->o->lang == REPORT_EN && bi_has_non_ascii(h)) {
		bi_ascii_words(h, words, sizeof words);
		snprintf(buf, cap, "%s", words[0] ? words : "(title in Japanese only)");
		return buf;
	}
	return h;
}

static int weaknesses(struct sr *r)
{
	static const double w[] = {0.4, 0.3, 0.3};
	const char *hd[] = {T(r, "弱点", "Weakness"), T(r, "該当事業者数", "Operators affected"),
			    T(r, "指摘件数", "Findings")};
	struct store_stmt *st;
	/* named in words (the findings' own titles, KEV and OT first), never by issue key */
	int rc = store_prepare(
	    r->s,
	    "SELECT min(f.title), count(DISTINCT f.org_slug), count(*), max(f.kev), "
	    "max(f.issue_key IN " OT_KEYS "), min(f.cve_id) FROM findings f "
	    "JOIN orgs o ON o.slug = f.org_slug WHERE o.sector = ? AND f.state = "
	    "'open' AND f.severity <> 'info' AND coalesce(f.triage, '') NOT IN "
	    "('false_positive', 'accepted') GROUP BY f.issue_key ORDER BY 4 DESC, 5 DESC, 2 DESC, "
	    "3 DESC, f.issue_key LIMIT 10",
	    &st, r->e);
	long k = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->code);
	doc_heading(r->d, 2, T(r, "共通する弱点", "Common weaknesses"));
	doc_table_begin(r->d, 3, w, hd);
	while ((rc = stmt_step(st, r->e)) == 1) {
		char a[16], b[16], t[600], hb[512];
		const char *what = half(r, stmt_text(st, 0), hb, sizeof hb),
			   *cve = stmt_text(st, 5);
		snprintf(a, sizeof a, "%lld", (long long)stmt_int64(st, 1));
		snprintf(b, sizeof b, "%lld", (long long)stmt_int64(st, 2));
		/* the CVE named too when the title's half leaves it out (the English one) */
		snprintf(t, sizeof t, "%s%s%s%s%s", stmt_int64(st, 3) ? "[KEV] " : "",
			 stmt_int64(st, 4) ? T(r, "[制御系] ", "[OT] ") : "",
			 cve && !strstr(what, cve) ? cve : "", cve && !strstr(what, cve) ? " " : "",
			 what);
		const char *cells[] = {t, a, b};
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
	double mean = -1, pmean = -1; /* -1: no score (operators() may stop early) */
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
		rc = quarter_words(&r, mean, pmean);
		doc_charts(r.d, &dist, 1, 240, 140);
		if (!rc)
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
