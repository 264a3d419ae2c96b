/* page_trust.c - what the console tells people, made right (issue 14): the KPI charts of the
 * dashboard and the sector list (server-drawn SVG with a title, a description and the numbers
 * as text), and the operator's decision on candidate assets discovery filed (confirm / reject,
 * through src/discover, audited). */
#include "base/compat.h"

#include "base/mtime.h"
#include "discover/discover.h"
#include "findings/findings.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

/* ---------------------------------------------------------------- charts */

#define CH_W 320
#define CH_H 150
#define CH_TOP 18
#define CH_BASE 120

static int64_t max_of(const int64_t *v, size_t n)
{
	int64_t m = 0;
	for (size_t i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* The opening of an accessible chart: role img, named by its title and description. */
static void svg_open(struct web_req *r, const char *id, enum web_msg title, const char *desc)
{
	web_out(r,
		"<svg id=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-t %s-d\" "
		"xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s-t\">%T</title><desc "
		"id=\"%s-d\">%s</desc>",
		id, CH_W, CH_H, id, id, id, title, id, desc);
}

/* Bars of one or two series (b may be NULL) over n labels. */
static void svg_bars(struct web_req *r, const int64_t *a, const int64_t *b, size_t n,
		     char (*labels)[24])
{
	int64_t m = max_of(a, n);
	int slot = (CH_W - 20) / (int)n, bw = b ? slot / 3 : slot / 2;

	if (b && max_of(b, n) > m)
		m = max_of(b, n);
	if (m == 0)
		m = 1;
	web_out(r, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", CH_BASE,
		CH_W - 10, CH_BASE);
	for (size_t i = 0; i < n; i++) {
		int x = 10 + (int)i * slot + (slot - (b ? 2 * bw : bw)) / 2;
		for (int s = 0; s < (b ? 2 : 1); s++) {
			int64_t v = s ? b[i] : a[i];
			int h = (int)((CH_BASE - CH_TOP) * v / m);
			web_out(r,
				"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
				"<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%L"
				"</text>",
				x + s * bw, CH_BASE - h, bw - 1, h, s ? "#2e7d32" : "#1f4e79",
				x + s * bw + bw / 2, CH_BASE - h - 3, v);
		}
		web_out(r,
			"<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
			10 + (int)i * slot + slot / 2, CH_BASE + 14, labels[i]);
	}
}

/* One horizontal bar split into parts (values v, colours c). */
static void svg_split(struct web_req *r, const int64_t *v, const char *const *c,
		      const char *const *names, size_t n)
{
	int64_t total = 0;
	int x = 10, w = CH_W - 20;

	for (size_t i = 0; i < n; i++)
		total += v[i];
	if (!total) {
		web_out(r, "<rect x=\"10\" y=\"50\" width=\"%d\" height=\"28\" fill=\"#eef2f7\"/>",
			w);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int pw = (int)(w * v[i] / total);
		if (!pw)
			continue;
		web_out(r, "<rect x=\"%d\" y=\"50\" width=\"%d\" height=\"28\" fill=\"%s\"/>", x,
			pw, c[i]);
		if (pw > 40)
			web_out(r,
				"<text x=\"%d\" y=\"68\" font-size=\"11\" fill=\"#fff\" "
				"text-anchor=\"middle\">%L</text>",
				x + pw / 2, v[i]);
		x += pw;
	}
	for (size_t i = 0, lx = 10; i < n; i++, lx += (size_t)(w / (int)n))
		web_out(r,
			"<rect x=\"%d\" y=\"100\" width=\"10\" height=\"10\" fill=\"%s\"/><text "
			"x=\"%d\" y=\"109\" font-size=\"10\">%s %L</text>",
			(int)lx, c[i], (int)lx + 14, names[i], v[i]);
}

static void age_labels(const struct web_req *r, char (*lb)[24])
{
	int64_t lo = 0;

	for (size_t i = 0; i < FINDING_KPI_AGES; i++) {
		int64_t hi = finding_kpi_age_days[i];
		if (hi)
			snprintf(lb[i], 24, "%lld–%lld%s", (long long)lo, (long long)hi,
				 L(r, "日", "d"));
		else
			snprintf(lb[i], 24, "%lld%s+", (long long)lo, L(r, "日", "d"));
		lo = hi;
	}
}

/* No finding ever seen in the rows: no open, fixed or new one in any week. */
static bool kpi_empty(const struct finding_kpi *k)
{
	if (k->open || k->kev_open || k->fixed)
		return false;
	for (size_t i = 0; i < FINDING_KPI_WEEKS; i++)
		if (k->week_new[i] || k->week_fixed[i])
			return false;
	return true;
}

/* The four KPIs of the rows org / sector narrow to (both NULL: every organisation). */
static void kpi_panel(struct web_req *r, const char *org, const char *sector)
{
	struct finding_kpi k;
	char desc[512],
	    lb[FINDING_KPI_WEEKS > FINDING_KPI_AGES ? FINDING_KPI_WEEKS : FINDING_KPI_AGES][24];

	if (finding_kpi(r->s, org, sector, r->now, &k, &r->err)) {
		merr_init(&r->err);
		return;
	}
	web_out(r, "<section class=\"panel\" id=\"kpi\"><h2>%T</h2>", M_KPI);
	if (kpi_empty(&k)) {
		/* nothing to chart: one line, not four empty charts */
		web_out(r, "<p class=\"empty\" id=\"kpi-empty\">%s</p></section>",
			sector
			    ? L(r,
				"この分野にはまだ指摘がありません（指摘が記録されるとグラフを表示し"
				"ます）。",
				"No findings in this sector yet; the charts appear once findings "
				"are recorded.")
			    : L(r, "まだ指摘がありません（指摘が記録されるとグラフを表示します）。",
				"No findings yet; the charts appear once findings are recorded."));
		return;
	}
	web_out(r, "<div class=\"kpis\">");

	/* 1. age of open findings */
	age_labels(r, lb);
	snprintf(desc, sizeof(desc),
		 r->lang == WEB_LANG_EN
		     ? "%lld open findings: %lld under 7 days, %lld 7-30 days, %lld 30-90 days, "
		       "%lld 90-180 days, %lld older."
		     : "未対応の指摘 %lld 件: 7 日未満 %lld 件、7〜30 日 %lld 件、30〜90 日 %lld "
		       "件、90〜180 日 %lld 件、それ以上 %lld 件。",
		 (long long)k.open, (long long)k.age[0], (long long)k.age[1], (long long)k.age[2],
		 (long long)k.age[3], (long long)k.age[4]);
	web_out(r, "<div class=\"kpi\" id=\"kpi-age\"><h3>%T</h3>", M_KPI_AGE);
	svg_open(r, "kpi-age-chart", M_KPI_AGE, desc);
	svg_bars(r, k.age, NULL, FINDING_KPI_AGES, lb);
	web_out(r, "</svg><table><tr>");
	for (size_t i = 0; i < FINDING_KPI_AGES; i++)
		web_out(r, "<th class=\"num\">%s</th>", lb[i]);
	web_out(r, "</tr><tr>");
	for (size_t i = 0; i < FINDING_KPI_AGES; i++)
		web_out(r, "<td class=\"num\">%L</td>", k.age[i]);
	web_out(r, "</tr></table></div>");

	/* 2. overdue KEV */
	{
		int64_t v[2] = {k.kev_overdue, k.kev_open - k.kev_overdue};
		const char *c[2] = {"#b00020", "#1f4e79"};
		const char *nm[2] = {L(r, "期限超過", "overdue"),
				     L(r, "期限内", "within deadline")};
		snprintf(desc, sizeof(desc),
			 r->lang == WEB_LANG_EN
			     ? "%lld of %lld open KEV findings are past their deadline."
			     : "未対応の KEV 指摘 %lld 件のうち %lld 件が期限を過ぎています。",
			 (long long)(r->lang == WEB_LANG_EN ? k.kev_overdue : k.kev_open),
			 (long long)(r->lang == WEB_LANG_EN ? k.kev_open : k.kev_overdue));
		web_out(r,
			"<div class=\"kpi\" id=\"kpi-kev\"><h3>%T</h3><p class=\"kpi-figure%s\" "
			"id=\"kpi-kev-overdue\">%L <small>/ %L</small></p>",
			M_KPI_OVERDUE_KEV, k.kev_overdue ? " warn" : "", k.kev_overdue, k.kev_open);
		svg_open(r, "kpi-kev-chart", M_KPI_OVERDUE_KEV, desc);
		svg_split(r, v, c, nm, 2);
		web_out(r, "</svg><p>%s</p></div>", desc);
	}

	/* 3. time to remediate vs deadline */
	{
		int64_t v[3] = {k.fixed_on_time, k.fixed_late, k.fixed_no_deadline};
		const char *c[3] = {"#2e7d32", "#b00020", "#888"};
		const char *nm[3] = {L(r, "期限内", "on time"), L(r, "期限後", "late"),
				     L(r, "期限なし", "no deadline")};
		if (r->lang == WEB_LANG_EN)
			snprintf(desc, sizeof(desc),
				 "%lld findings fixed in the last %d days: %lld by their deadline, "
				 "%lld late, %lld without one; median %lld days from first seen "
				 "to fixed.",
				 (long long)k.fixed, FINDING_KPI_FIXED_DAYS,
				 (long long)k.fixed_on_time, (long long)k.fixed_late,
				 (long long)k.fixed_no_deadline, (long long)k.ttr_median_days);
		else
			snprintf(desc, sizeof(desc),
				 "直近 %d 日に修正された指摘 %lld 件: 期限内 %lld 件、期限後 %lld "
				 "件、期限なし %lld 件。検出から修正までの中央値 %lld 日。",
				 FINDING_KPI_FIXED_DAYS, (long long)k.fixed,
				 (long long)k.fixed_on_time, (long long)k.fixed_late,
				 (long long)k.fixed_no_deadline, (long long)k.ttr_median_days);
		web_out(r, "<div class=\"kpi\" id=\"kpi-ttr\"><h3>%T</h3>", M_KPI_TTR);
		if (!k.fixed) {
			web_out(r, "<p class=\"empty\">%T</p></div>", M_KPI_NO_FIXED);
		} else {
			web_out(r,
				"<p class=\"kpi-figure\" id=\"kpi-ttr-median\">%L "
				"<small>%s</small></p>",
				k.ttr_median_days, L(r, "日 (中央値)", "days (median)"));
			svg_open(r, "kpi-ttr-chart", M_KPI_TTR, desc);
			svg_split(r, v, c, nm, 3);
			web_out(r, "</svg><p>%s</p></div>", desc);
		}
	}

	/* 4. new vs fixed per week */
	{
		int64_t tn = 0, tf = 0;
		for (size_t i = 0; i < FINDING_KPI_WEEKS; i++) {
			char d[TIME_STR_MAX];
			time_fmt_jst_date(k.week_start[i] + 7 * 86400 - 1, d);
			snprintf(lb[i], 24, "%.5s", d + 5); /* MM-DD, the week's last day */
			tn += k.week_new[i];
			tf += k.week_fixed[i];
		}
		snprintf(desc, sizeof(desc),
			 r->lang == WEB_LANG_EN
			     ? "In the last %d weeks %lld findings were new and %lld were fixed."
			     : "直近 %d 週間で新規 %lld 件、修正 %lld 件。",
			 FINDING_KPI_WEEKS, (long long)tn, (long long)tf);
		web_out(r, "<div class=\"kpi\" id=\"kpi-weeks\"><h3>%T</h3>", M_KPI_NEW_FIXED);
		svg_open(r, "kpi-weeks-chart", M_KPI_NEW_FIXED, desc);
		svg_bars(r, k.week_new, k.week_fixed, FINDING_KPI_WEEKS, lb);
		web_out(
		    r,
		    "<rect x=\"10\" y=\"138\" width=\"10\" height=\"10\" fill=\"#1f4e79\"/><text "
		    "x=\"24\" y=\"147\" font-size=\"10\">%T</text><rect x=\"80\" y=\"138\" "
		    "width=\"10\" height=\"10\" fill=\"#2e7d32\"/><text x=\"94\" y=\"147\" "
		    "font-size=\"10\">%T</text></svg><table><tr><th>%s</th>",
		    M_KPI_NEW, M_KPI_FIXED, L(r, "週 (末日)", "Week (ending)"));
		for (size_t i = 0; i < FINDING_KPI_WEEKS; i++)
			web_out(r, "<th class=\"num\">%s</th>", lb[i]);
		web_out(r, "</tr><tr><th>%T</th>", M_KPI_NEW);
		for (size_t i = 0; i < FINDING_KPI_WEEKS; i++)
			web_out(r, "<td class=\"num\">%L</td>", k.week_new[i]);
		web_out(r, "</tr><tr><th>%T</th>", M_KPI_FIXED);
		for (size_t i = 0; i < FINDING_KPI_WEEKS; i++)
			web_out(r, "<td class=\"num\">%L</td>", k.week_fixed[i]);
		web_out(r, "</tr></table></div>");
	}
	web_out(r, "</div></section>");
}

void web_panel_kpi(struct web_req *r)
{
	if (r->who.role == AUTH_ROLE_OPERATOR)
		kpi_panel(r, r->who.org_slug, NULL);
	else if (r->who.role == AUTH_ROLE_BUREAU)
		kpi_panel(r, NULL, r->who.sector);
	else if (r->who.role == AUTH_ROLE_ANALYST)
		kpi_panel(r, NULL, NULL);
}

void web_panel_kpi_sector(struct web_req *r, const char *sector)
{
	if (r->who.role == AUTH_ROLE_ANALYST ||
	    (r->who.role == AUTH_ROLE_BUREAU && strcmp(r->who.sector, sector) == 0))
		kpi_panel(r, NULL, sector);
}

/* ---------------------------------------------------------------- candidate assets */

void web_candidate_buttons(struct web_req *r, const char *slug, const char *value, const char *back)
{
	for (int confirm = 1; confirm >= 0; confirm--) {
		web_out(r,
			"<form method=\"post\" action=\"/orgs/%u/assets/decide\" class=\"decide\">",
			slug);
		web_csrf_field(r);
		web_out(r,
			"<input type=\"hidden\" name=\"value\" value=\"%s\"><input type=\"hidden\" "
			"name=\"decision\" value=\"%s\"><input type=\"hidden\" name=\"back\" "
			"value=\"%s\"><button type=\"submit\" class=\"%s\" data-value=\"%s\">%T"
			"</button></form>",
			value, confirm ? "confirm" : "reject", back,
			confirm ? "asset-confirm" : "asset-reject", value,
			confirm ? M_CANDIDATE_CONFIRM : M_CANDIDATE_REJECT);
	}
}

struct cand {
	struct web_req *r;
	int n;
};

static int cand_row(const struct disc_candidate *c, void *arg)
{
	struct cand *x = arg;
	struct web_req *r = x->r;

	if (!x->n++)
		web_out(r,
			"<table id=\"candidates-list\"><thead><tr><th>%T</th><th>%T</th><th>%T"
			"</th><th>%T</th><th>%T</th></tr></thead><tbody>",
			M_KIND, M_VALUE, M_SOURCE, M_FIRST_SEEN, M_CANDIDATE_DECIDED);
	web_out(r, "<tr data-asset=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
		c->value, web_code(r->lang, c->kind), c->value, web_code(r->lang, c->source),
		web_jst(r, c->first_seen));
	web_candidate_buttons(r, c->org, c->value, "/");
	web_out(r, "</td></tr>");
	return 0;
}

/* The operator's own panel: the candidates discovery filed for its organisation, each with
 * "ours" / "not ours". Live (outside the dashboard's cache): a decision shows at once. */
void web_panel_candidates(struct web_req *r)
{
	struct cand x = {r, 0};

	if (r->who.role != AUTH_ROLE_OPERATOR || !r->who.org_slug[0])
		return;
	web_out(
	    r, "<section class=\"panel\" id=\"candidates\"><h2>%T</h2><p>%s</p>", M_CANDIDATES,
	    L(r,
	      "調査で見つかった、貴組織のものと思われる資産です。自組織のものかどうかを"
	      "お知らせください (診断対象にするかどうかは分析担当が許可範囲と照らして決めます)。",
	      "Discovery found these and thinks they may be yours. Please say whether they "
	      "are (analysts check them against the authorised scope before any scan)."));
	if (disc_candidates(r->s, r->who.org_slug, cand_row, &x, &r->err))
		merr_init(&r->err);
	if (x.n)
		web_out(r, "</tbody></table>");
	else
		web_out(r, "<p class=\"empty\" id=\"no-candidates\">%T</p>", M_NO_CANDIDATES);
	web_out(r, "</section>");
}

/* POST /orgs/{org}/assets/decide: value, decision (confirm | reject), back. The route's
 * object rule already narrowed {org} to the caller's (an operator: its own); the decision and
 * its audit row are src/discover's (disc_candidate_decide). */
int web_post_asset_decide(struct web_req *r)
{
	const char *org = web_kv_get(&r->params, "org"), *value = web_kv_get(&r->form, "value"),
		   *decision = web_kv_get(&r->form, "decision"),
		   *back = web_kv_get(&r->form, "back");
	struct inv_doc *d = NULL;
	char actor[160], loc[300];
	bool confirm;
	int rc;

	(void)org;
	if (!value || !value[0] || strlen(value) > 253)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "value",
			       "name the asset / 資産を指定してください");
	if (!decision || (strcmp(decision, "confirm") && strcmp(decision, "reject")))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "decision",
			       "decision must be confirm or reject / confirm か reject");
	confirm = strcmp(decision, "confirm") == 0;
	if ((rc = web_org_load(r, 0, &d)))
		return rc;
	snprintf(actor, sizeof(actor), "%s", r->who.name);
	rc = disc_candidate_decide(r->s, d->orgs[0].slug, value, confirm, actor, r->now, NULL,
				   &r->err);
	snprintf(loc, sizeof(loc), "/orgs/%s#assets", d->orgs[0].slug);
	inv_doc_free(d);
	if (rc)
		return rc;
	if (back && strcmp(back, "/") == 0)
		return web_redirect(r, "/#candidates");
	return web_redirect(r, loc);
}
