/* quarterly.c - the quarterly report of one organisation: page 1 for executives (grade,
 * change, trend, five things to do first) and a technical annex (every open finding, what
 * was fixed, exposed services and certificates, method). */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "base/bi.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "findings/findings.h"
#include "feeds/feeds.h"
#include "report/report_int.h"
#include "vuln/config.h"

#define TREND_MAX 8
#define EVIDENCE_MAX 300

struct qr {
	struct store *s;
	const struct report_opts *o;
	struct doc *d;
	const char *org;
	char name[512], sector[64];
	int64_t start, end;
	struct merr *e;
	bool assessed;
};

static const char *T(const struct qr *q, const char *ja, const char *en)
{
	return q->o->lang == REPORT_EN ? en : ja;
}

/* Bilingual titles are stored "日本語 / English": keep the half of the report's language. */
static void pick_lang(const struct qr *q, const char *t, char *out, size_t n)
{
	char half[400], words[400];
	const char *h = bi_half(t, q->o->lang == REPORT_EN, half, sizeof half);

	/* a Japanese-only title in the English report: its product words, never Japanese */
	if (q->o->lang == REPORT_EN && bi_has_non_ascii(h))
		h = bi_ascii_words(h, words, sizeof words)[0] ? words : "(title in Japanese only)";
	snprintf(out, n, "%s", h);
}

/* Cuts s at max bytes without splitting a UTF-8 sequence. */
static void cut(const char *s, char *out, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= max) {
		n = max - 4;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		snprintf(out, max, "%.*s...", (int)n, s);
	} else {
		snprintf(out, max, "%s", s ? s : "");
	}
}

static int load_org(struct qr *q)
{
	struct store_stmt *st;
	int rc = store_prepare(q->s, "SELECT name_ja, name_en, sector FROM orgs WHERE slug = ?",
			       &st, q->e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, q->org);
	rc = stmt_step(st, q->e);
	if (rc == 1) {
		const char *ja = stmt_text(st, 0), *en = stmt_text(st, 1);
		snprintf(q->name, sizeof q->name, "%s",
			 q->o->lang == REPORT_EN && en ? en
			 : ja			       ? ja
						       : q->org);
		snprintf(q->sector, sizeof q->sector, "%s",
			 stmt_text(st, 2) ? stmt_text(st, 2) : "");
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(q->e, M_ENOTFOUND, "organisation %s not found", q->org);
	}
	stmt_finalize(st);
	return rc;
}

struct snap {
	char period[16];
	double score;
	char grade;
};

/* Newest snapshot of each period up to the report's, oldest first (at most TREND_MAX). */
static int load_trend(struct qr *q, struct snap *v, size_t *n)
{
	struct store_stmt *st;
	int rc = store_prepare(
	    q->s,
	    "SELECT period, score, grade FROM ratings r WHERE org_slug = ? AND period <= ? AND "
	    "id = (SELECT id FROM ratings WHERE org_slug = r.org_slug AND period = r.period "
	    "ORDER BY computed_at DESC, id DESC LIMIT 1) ORDER BY period DESC LIMIT ?",
	    &st, q->e);
	size_t k = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, q->org);
	stmt_bind_text(st, 2, q->o->period);
	stmt_bind_int64(st, 3, TREND_MAX);
	while ((rc = stmt_step(st, q->e)) == 1 && k < TREND_MAX) {
		snprintf(v[k].period, sizeof v[k].period, "%s", stmt_text(st, 0));
		v[k].score = stmt_double(st, 1);
		v[k].grade = stmt_text(st, 2) ? stmt_text(st, 2)[0] : '-';
		k++;
	}
	stmt_finalize(st);
	for (size_t i = 0; i < k / 2; i++) {
		struct snap t = v[i];
		v[i] = v[k - 1 - i];
		v[k - 1 - i] = t;
	}
	*n = k;
	return rc < 0 ? rc : 0;
}

static const char OPEN_SQL[] =
    "SELECT asset, issue_key, severity, title, cve_id, kev, epss, cvss, confidence, "
    "needs_confirmation, deadline, urgency, evidence, kind FROM findings "
    "WHERE org_slug = ? AND " FINDING_ACTIVE_SQL("") " ORDER BY " FINDING_PRIO_ORDER("");

static void fmt_num(double v, bool null, int prec, char *out, size_t n)
{
	if (null)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.*f", prec, v);
}

static void deadline_str(const struct qr *q, struct store_stmt *st, int col, char out[TIME_STR_MAX])
{
	if (stmt_is_null(st, col))
		snprintf(out, TIME_STR_MAX, "%s", T(q, "なし", "none"));
	else
		time_fmt_jst_date(stmt_int64(st, col), out);
}

static const char *sev_label(const struct qr *q, const char *sev)
{
	static const char *const v[][3] = {{"critical", "緊急", "critical"},
					   {"high", "重要", "high"},
					   {"medium", "警告", "medium"},
					   {"low", "注意", "low"},
					   {"info", "情報", "info"}};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (sev && !strcmp(sev, v[i][0]))
			return T(q, v[i][1], v[i][2]);
	return sev ? sev : "-";
}

/* An asset as a reader names it: a declared product "declared:cpe:2.3:o:fortinet:fortios:…"
 * reads "申告製品 FortiOS 7.0.12" (the CPE itself stays in the evidence). */
static const char *asset_label(const struct qr *q, const char *asset, char *out, size_t n)
{
	char name[300];

	if (!asset || strncmp(asset, "declared:cpe:", 13))
		return asset ? asset : "-";
	finding_product_label(asset + 9, NULL, NULL, name, sizeof name);
	snprintf(out, n, "%s %s", T(q, "申告製品", "declared product"), name);
	return out;
}

struct five {
	struct qr *q;
	long k;
};

/* One row of page 1: the finding as finding_priority ranks it. */
static int five_row(void *arg, const struct finding_row *r)
{
	struct five *f = arg;
	struct qr *q = f->q;
	char num[24], title[400], what[900], dl[TIME_STR_MAX + 64], urg[48];

	f->k++;
	snprintf(num, sizeof num, "%ld", f->k);
	pick_lang(q, r->title, title, sizeof title);
	char al[400];
	/* a declared product: the title names it already; the slot names the asset it was
	 * declared on, or there is none */
	if (!strncmp(r->asset, "declared:", 9)) {
		struct merr e2;
		merr_init(&e2);
		finding_declared_on(q->s, q->org, r->asset, al, sizeof al, &e2);
	} else
		snprintf(al, sizeof al, "%s", r->asset);
	snprintf(what, sizeof what, "%s%s%s%s", title, al[0] ? " (" : "", al, al[0] ? ")" : "");
	if (r->deadline)
		time_fmt_jst_date(r->deadline, dl);
	else
		snprintf(dl, sizeof dl, "%s", T(q, "なし", "none"));
	if (r->kev_due_date)
		snprintf(dl + strlen(dl), sizeof dl - strlen(dl), "\n%s %s",
			 T(q, "KEV 期日 (CISA):", "KEV due (CISA):"), r->kev_due_date);
	snprintf(urg, sizeof urg, "%s%s",
		 r->kev	      ? (r->needs_confirmation ? "KEV?" : "KEV")
		 : r->urgency ? r->urgency
			      : sev_label(q, r->severity),
		 r->needs_confirmation ? T(q, " 要確認", " (to confirm)") : "");
	const char *cells[] = {num, what, r->cve_id ? r->cve_id : "-", urg, dl};
	doc_table_row(q->d, cells);
	return 0;
}

static int count_row(void *arg, const struct finding_row *r)
{
	(void)r;
	++*(long *)arg;
	return 0;
}

/* Page 1's five things to do first: the one priority order (finding_priority). */
static int top_five(struct qr *q, long *n_open)
{
	static const double w[] = {0.04, 0.44, 0.16, 0.14, 0.22};
	const char *hd[] = {"#", T(q, "対応事項", "Action"), T(q, "CVE", "CVE"),
			    T(q, "緊急度", "Urgency"), T(q, "期限 (JST)", "Deadline (JST)")};
	struct five f = {q, 0};
	int rc;

	/* the heading says how many items follow ("5 項目" over one row read wrong) */
	{
		long k = 0;
		char h[128];
		if (finding_priority(q->s, q->org, 5, count_row, &k, q->e) < 0)
			k = 0;
		if (k >= 5)
			snprintf(h, sizeof h, "%s",
				 T(q, "最優先で対応すべき 5 項目", "Five things to do first"));
		else if (k > 1)
			snprintf(h, sizeof h, "%s%ld%s", T(q, "最優先で対応すべき ", ""), k,
				 T(q, " 項目", " things to do first"));
		else
			snprintf(h, sizeof h, "%s",
				 T(q, "最優先で対応すべき項目", "What to do first"));
		doc_heading(q->d, 2, h);
	}
	doc_table_begin(q->d, 5, w, hd);
	rc = finding_priority(q->s, q->org, 5, five_row, &f, q->e);
	doc_table_end(q->d);
	if (f.k == 0 && !q->assessed)
		doc_para(q->d, DOC_NORMAL,
			 T(q, "診断が完了していないため、指摘の有無はまだ分かりません。",
			   "No complete assessment yet: whether there are findings is not known."));
	else if (f.k == 0)
		doc_para(q->d, DOC_NORMAL, T(q, "未対応の指摘はありません。", "No open findings."));
	*n_open = f.k;
	return rc < 0 ? rc : 0;
}

static int annex_open(struct qr *q)
{
	static const double w[] = {0.22, 0.14, 0.16, 0.16, 0.32};
	const char *hd[] = {T(q, "指摘 / 資産", "Finding / asset"), "CVE", "KEV / EPSS / CVSS",
			    T(q, "確度・期限", "Confidence, deadline"), T(q, "証跡", "Evidence")};
	struct store_stmt *st;
	int rc = store_prepare(q->s, OPEN_SQL, &st, q->e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, q->org);
	doc_heading(q->d, 2, T(q, "未対応の指摘 (全件)", "All open findings"));
	doc_table_begin(q->d, 5, w, hd);
	while ((rc = stmt_step(st, q->e)) == 1) {
		char title[400], a[840], scores[96], ep[16], cv[16], conf[160], dl[TIME_STR_MAX],
		    ev[EVIDENCE_MAX + 8];
		pick_lang(q, stmt_text(st, 3), title, sizeof title);
		char al[400];
		snprintf(a, sizeof a, "%s\n%s [%s]", title,
			 asset_label(q, stmt_text(st, 0), al, sizeof al),
			 sev_label(q, stmt_text(st, 2)));
		fmt_num(stmt_double(st, 6), stmt_is_null(st, 6), 3, ep, sizeof ep);
		fmt_num(stmt_double(st, 7), stmt_is_null(st, 7), 1, cv, sizeof cv);
		snprintf(scores, sizeof scores, "KEV %s\nEPSS %s\nCVSS %s",
			 stmt_int64(st, 5) ? T(q, "あり", "yes") : T(q, "なし", "no"), ep, cv);
		deadline_str(q, st, 10, dl);
		const char *cf = stmt_text(st, 8), *cf_ja = vuln_state_label_ja_of(cf);
		snprintf(conf, sizeof conf, "%s%s\n%s %s", cf ? T(q, cf_ja ? cf_ja : cf, cf) : "-",
			 stmt_int64(st, 9) ? T(q, " (要確認)", " (needs confirmation)") : "",
			 T(q, "期限", "due"), dl);
		char raw[EVIDENCE_MAX * 4 + 8];
		/* evidence as "key: value" lines (as the console's table), binary banner bytes
		 * as \xNN, never raw JSON or U+FFFD */
		finding_evidence_lines(stmt_text(st, 12), T(q, "はい", "yes"), T(q, "いいえ", "no"),
				       raw, sizeof raw);
		cut(raw, ev, sizeof ev);
		const char *cells[] = {a, stmt_text(st, 4) ? stmt_text(st, 4) : "-", scores, conf,
				       ev};
		doc_table_row(q->d, cells);
	}
	stmt_finalize(st);
	doc_table_end(q->d);
	return rc < 0 ? rc : 0;
}

static int annex_fixed(struct qr *q)
{
	static const double w[] = {0.45, 0.3, 0.25};
	const char *hd[] = {T(q, "指摘", "Finding"), T(q, "資産", "Asset"),
			    T(q, "修正確認 (JST)", "Fixed (JST)")};
	struct store_stmt *st;
	int rc =
	    store_prepare(q->s,
			  "SELECT title, asset, fixed_at, cve_id FROM findings WHERE org_slug = ? "
			  "AND state = 'fixed' AND fixed_at >= ? ORDER BY fixed_at",
			  &st, q->e);
	long k = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, q->org);
	stmt_bind_int64(st, 2, q->start);
	doc_heading(q->d, 2, T(q, "前期以降に修正された指摘", "Fixed since last quarter"));
	doc_table_begin(q->d, 3, w, hd);
	while ((rc = stmt_step(st, q->e)) == 1) {
		char title[400], t2[520], at[TIME_STR_MAX];
		pick_lang(q, stmt_text(st, 0), title, sizeof title);
		snprintf(t2, sizeof t2, "%s%s%s", title, stmt_text(st, 3) ? " " : "",
			 stmt_text(st, 3) ? stmt_text(st, 3) : "");
		time_fmt_jst(stmt_int64(st, 2), at);
		const char *cells[] = {t2, stmt_text(st, 1), at};
		doc_table_row(q->d, cells);
		k++;
	}
	stmt_finalize(st);
	doc_table_end(q->d);
	if (!k)
		doc_para(q->d, DOC_MUTED, T(q, "該当なし。", "None."));
	return rc < 0 ? rc : 0;
}

static int annex_services(struct qr *q)
{
	static const double w[] = {0.26, 0.12, 0.26, 0.36};
	const char *hd[] = {T(q, "アドレス:ポート", "Address:port"), T(q, "サービス", "Service"),
			    T(q, "製品", "Product"), T(q, "TLS・証明書", "TLS, certificate")};
	struct store_stmt *st;
	int rc = store_prepare(q->s,
			       "SELECT ip, port, proto, service, product, version, tls_info FROM "
			       "services WHERE org_slug = ? ORDER BY ip, port",
			       &st, q->e);
	long k = 0;

	if (rc) { /* a store without the services table: say so, not fail */
		doc_para(q->d, DOC_MUTED, T(q, "サービス情報なし。", "No service data."));
		return 0;
	}
	stmt_bind_text(st, 1, q->org);
	doc_heading(q->d, 2, T(q, "公開サービスと証明書", "Exposed services and certificates"));
	doc_table_begin(q->d, 4, w, hd);
	while ((rc = stmt_step(st, q->e)) == 1) {
		char ap[96], prod[200], tls[EVIDENCE_MAX + 8];
		snprintf(ap, sizeof ap, "%s:%d/%s", stmt_text(st, 0), (int)stmt_int64(st, 1),
			 stmt_text(st, 2));
		snprintf(prod, sizeof prod, "%s %s", stmt_text(st, 4) ? stmt_text(st, 4) : "-",
			 stmt_text(st, 5) ? stmt_text(st, 5) : "");
		cut(stmt_text(st, 6) ? stmt_text(st, 6) : "-", tls, sizeof tls);
		const char *cells[] = {ap, stmt_text(st, 3) ? stmt_text(st, 3) : "-", prod, tls};
		doc_table_row(q->d, cells);
		k++;
	}
	stmt_finalize(st);
	doc_table_end(q->d);
	if (!k)
		doc_para(q->d, DOC_MUTED,
			 T(q, "観測されたサービスはありません。", "No services observed."));
	return rc < 0 ? rc : 0;
}

/* Counts open findings per urgency class and open vs fixed, for the charts. */
static int counts(struct qr *q, struct report_chart *urg, struct report_chart *of)
{
	static const char *const cls[] = {"KEV", "ACT", "ATTEND", "TRACK*", "TRACK"};
	static const char *const shortl[] = {"KEV", "ACT", "ATT", "TRK*", "TRK"};
	struct store_stmt *st;
	int rc = store_prepare(
	    q->s,
	    "SELECT CASE WHEN kev = 1 THEN 'KEV' ELSE coalesce(urgency, 'other') END, state, "
	    "count(*) FROM findings WHERE org_slug = ? AND (state = 'open' OR fixed_at >= ?) "
	    "GROUP BY 1, 2",
	    &st, q->e);

	if (rc)
		return rc;
	urg->kind = of->kind = REPORT_CHART_BAR;
	snprintf(urg->title, sizeof urg->title, "%s",
		 T(q, "緊急度別の未対応件数", "Open by urgency"));
	snprintf(of->title, sizeof of->title, "%s",
		 T(q, "未対応と今期修正", "Open vs fixed this quarter"));
	urg->n = 6;
	for (size_t i = 0; i < 5; i++) /* short labels: six slots in a third of a page */
		snprintf(urg->label[i], sizeof urg->label[i], "%s", shortl[i]);
	snprintf(urg->label[5], sizeof urg->label[5], "%s", T(q, "他", "oth."));
	of->n = 2;
	snprintf(of->label[0], sizeof of->label[0], "%s", T(q, "未対応", "open"));
	snprintf(of->label[1], sizeof of->label[1], "%s", T(q, "修正", "fixed"));
	stmt_bind_text(st, 1, q->org);
	stmt_bind_int64(st, 2, q->start);
	while ((rc = stmt_step(st, q->e)) == 1) {
		const char *u = stmt_text(st, 0);
		double n = (double)stmt_int64(st, 2);
		size_t i = 5;
		if (strcmp(stmt_text(st, 1), "open")) {
			of->value[1] += n;
			continue;
		}
		of->value[0] += n;
		for (size_t k = 0; k < 5; k++)
			if (!strcmp(u, cls[k]))
				i = k;
		urg->value[i] += n;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* What was assessed and how fresh the data is: last scan, addresses scanned / in scope, the
 * age of each feed's data. */
static int coverage_block(struct qr *q, struct finding_coverage *cov)
{
	struct feeds_fresh ff[8];
	size_t nf = 0;
	char t[TIME_STR_MAX], line[1024];
	size_t k = 0;
	int rc = finding_coverage(q->s, q->org, q->o->now, cov, q->e);

	if (rc)
		return rc;
	if (cov->last_scan)
		time_fmt_jst(cov->last_scan, t);
	doc_paraf(q->d, DOC_NORMAL, "%s %s  ·  %s %lld / %lld %s", T(q, "最終診断:", "Last scan:"),
		  cov->last_scan ? t : T(q, "なし (未診断)", "none (not assessed)"),
		  T(q, "診断範囲:", "Coverage:"), (long long)cov->addrs_scanned,
		  (long long)cov->addrs_in_scope,
		  T(q, "アドレス (診断済み / 許可範囲)", "addresses (scanned / in scope)"));
	if (cov->scope_from) {
		time_fmt_jst_date(cov->scope_from, t);
		doc_paraf(q->d, DOC_MUTED, "%s %s", T(q, "診断の許可の開始日:", "Authorised from:"),
			  t);
	}
	if ((rc = feeds_freshness(q->s, ff, ARRAY_SIZE(ff), &nf, q->e)))
		return rc;
	k = (size_t)snprintf(line, sizeof line, "%s", T(q, "脆弱性情報の鮮度:", "Feed data age:"));
	for (size_t i = 0; i < nf && k < sizeof line; i++) {
		char d[TIME_STR_MAX];
		if (ff[i].data_at) {
			time_fmt_jst_date(ff[i].data_at, d);
			k += (size_t)snprintf(line + k, sizeof line - k, " %s %s (%lld %s)",
					      ff[i].feed, d,
					      (long long)((q->o->now - ff[i].data_at) / 86400),
					      T(q, "日前", "days old"));
		} else {
			time_fmt_jst_date(ff[i].imported_at, d);
			k += (size_t)snprintf(line + k, sizeof line - k, " %s (%s %s)", ff[i].feed,
					      T(q, "取込", "imported"), d);
		}
	}
	if (!nf)
		snprintf(line + k, sizeof line - k, " %s", T(q, "なし", "none"));
	doc_para(q->d, DOC_MUTED, line);
	return 0;
}

static int page_one(struct qr *q)
{
	struct finding_coverage cov;
	struct snap tr[TREND_MAX];
	struct report_chart ch[3];
	size_t n = 0;
	char cap[256], gen[TIME_STR_MAX], prev[16] = "";
	int rc = load_trend(q, tr, &n);
	long n5;
	const struct snap *cur = n && !strcmp(tr[n - 1].period, q->o->period) ? &tr[n - 1] : NULL;
	const struct snap *pv = NULL;

	if (rc)
		return rc;
	time_quarter_prev(q->o->period, prev);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tr[i].period, prev))
			pv = &tr[i];
	doc_heading(q->d, 1, q->name);
	time_fmt_jst(q->o->now, gen);
	doc_paraf(q->d, DOC_MUTED, "%s %s  ·  %s %s", T(q, "対象期間", "Period"), q->o->period,
		  T(q, "作成", "Generated"), gen);
	doc_heading(q->d, 2, T(q, "経営層向け要約", "Executive summary"));
	if ((rc = coverage_block(q, &cov)))
		return rc;
	q->assessed = cov.assessed;
	if (!cov.assessed) {
		cur = pv = NULL;
		doc_grade(q->d, '-',
			  T(q, "未診断: 診断が完了していないため、等級と評点はありません。",
			    "Not assessed: no complete assessment, so no grade and no score."));
	} else if (cur) {
		if (pv)
			snprintf(cap, sizeof cap, "%s %.1f / 100   %s %c (%.1f) → %c",
				 T(q, "評点", "Score"), cur->score,
				 T(q, "前期", "Previous quarter"), pv->grade, pv->score,
				 cur->grade);
		else
			snprintf(cap, sizeof cap, "%s %.1f / 100   %s", T(q, "評点", "Score"),
				 cur->score, T(q, "前期の評価なし", "no previous quarter"));
		doc_grade(q->d, cur->grade, cap);
		if (pv && pv->grade != cur->grade)
			doc_para(q->d, cur->grade > pv->grade ? DOC_ALERT : DOC_NORMAL,
				 cur->grade > pv->grade ? T(q, "前期から等級が低下しました。",
							    "The grade fell since last quarter.")
							: T(q, "前期から等級が向上しました。",
							    "The grade rose since last quarter."));
	} else {
		doc_grade(q->d, '-',
			  T(q, "この期間の評価はまだありません (mamori rating compute)。",
			    "Not rated for this period yet (mamori rating compute)."));
	}
	memset(ch, 0, sizeof ch);
	ch[0].kind = REPORT_CHART_LINE;
	ch[0].vmax = 100;
	snprintf(ch[0].title, sizeof ch[0].title, "%s", T(q, "評点の推移", "Score over quarters"));
	for (size_t i = 0; i < n; i++) {
		snprintf(ch[0].label[i], sizeof ch[0].label[i], "%.31s", tr[i].period);
		snprintf(ch[0].note[i], sizeof ch[0].note[i], "%c", tr[i].grade);
		ch[0].value[i] = tr[i].score;
	}
	ch[0].n = n;
	if ((rc = counts(q, &ch[1], &ch[2])))
		return rc;
	doc_charts(q->d, ch, 3, 160, 130);
	return top_five(q, &n5);
}

static void method(struct qr *q)
{
	doc_heading(q->d, 2, T(q, "評価方法", "Method"));
	doc_para(
	    q->d, DOC_SMALL,
	    T(q,
	      "評点は 100 点から指摘ごとの減点を引いたもので、減点の合計は常に 100 - 評点に一致"
	      "します。KEV 掲載の脆弱性、危険な公開サービス、TLS・メール設定の不備をカテゴリ別の"
	      "重みと上限で評価し、要確認 (製品名のみ・バックポートの可能性) は 0.4 倍、申告のみは "
	      "0.5 倍、期限超過は 1.5 倍です。等級は A (90 以上) から F (60 未満) "
	      "で、前期の等級から"
	      "は境界を 2 点以上越えたときのみ変わります。詳細は docs/RATING.md "
	      "を参照してください。",
	      "The score is 100 minus one deduction per open finding; the deductions always sum "
	      "to 100 - score. KEV vulnerabilities, risky exposed services and TLS / e-mail "
	      "weaknesses are weighted per category with caps; findings needing confirmation "
	      "(product-only, probable backport) count x0.4, declared-only x0.5, overdue x1.5. "
	      "Grades run from A (90 and above) to F (below 60) and change against last quarter's "
	      "only when the score passes a band edge by 2 points. See docs/RATING.md."));
	doc_para(q->d, DOC_MUTED,
		 T(q, "期限は日本標準時 (JST) で表示しています。", "Deadlines are shown in JST."));
}

int report_quarterly(struct store *s, const char *org, const struct report_opts *o, struct merr *e)
{
	struct qr q = {.s = s, .o = o, .org = org, .e = e};
	char title[700], base[4096];
	int rc;

	if (time_quarter_bounds(o->period, &q.start, &q.end))
		return merr_set(e, M_EINVAL, "period %s: expected a quarter like 2026Q4",
				o->period);
	if ((rc = load_org(&q)))
		return rc;
	snprintf(title, sizeof title, "%s %s %s", q.name, o->period,
		 T(&q, "四半期報告書", "quarterly report"));
	if ((rc = doc_open(&q.d, title, o->lang, e)))
		return rc;
	rc = page_one(&q);
	if (!rc) {
		doc_page_break(q.d);
		doc_heading(q.d, 1, T(&q, "技術付録", "Technical annex"));
		rc = annex_open(&q);
	}
	if (!rc)
		rc = annex_fixed(&q);
	if (!rc)
		rc = annex_services(&q);
	if (rc) {
		doc_free(q.d);
		return rc;
	}
	method(&q);
	/* the English report has its own name: both languages can sit in one folder */
	snprintf(base, sizeof base, "%s/%s-%s%s", o->out_dir, org, o->period,
		 o->lang == REPORT_EN ? "-en" : "");
	return doc_finish(q.d, base, e);
}

int report_quarterly_all(struct store *s, const struct report_opts *o, size_t *n_out,
			 struct merr *e)
{
	struct store_stmt *st;
	char **slugs = NULL;
	size_t n = 0, cap = 0;
	int rc = store_prepare(s, "SELECT slug FROM orgs ORDER BY slug", &st, e);

	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		if (n == cap) {
			char **t = m_realloc(slugs, (cap = cap ? cap * 2 : 16) * sizeof *t);
			if (!t) {
				rc = merr_set(e, M_ENOMEM, "report: out of memory");
				break;
			}
			slugs = t;
		}
		if (!(slugs[n] = m_strdup(stmt_text(st, 0)))) {
			rc = merr_set(e, M_ENOMEM, "report: out of memory");
			break;
		}
		n++;
	}
	stmt_finalize(st);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = report_quarterly(s, slugs[i], o, e);
	for (size_t i = 0; i < n; i++)
		m_free(slugs[i]);
	m_free(slugs);
	*n_out = n;
	return rc < 0 ? rc : 0;
}
