/* page_sns.c - the SNS precursor console: alerts by operator and class, a timeline of matched
 * posts per operator with the burst marked (inline SVG), one alert with its evidence and the
 * analyst's decision (confirm / dismiss / escalate), watch-list editing, and the JSON list.
 * Every list is narrowed to the caller's organisations (operators: their own only). All SQL is
 * in src/sns. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/json.h"
#include "base/mem.h"
#include "inventory/inventory.h"
#include "sns/sns.h"
#include "web/web_incident.h"
#include "web/web_int.h"

/* The organisations the caller may see: *all for analysts; an operator's own; a bureau
 * user's sector's. */
struct scope {
	bool all;
	const char **orgs;
	size_t n;
};

static int caller_scope(struct web_req *r, struct scope *sc)
{
	memset(sc, 0, sizeof *sc);
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: sc->all = true; return 0;
	case AUTH_ROLE_OPERATOR:
		sc->orgs = web_arena_alloc(&r->arena, sizeof *sc->orgs);
		if (!sc->orgs)
			return M_ENOMEM;
		sc->orgs[0] = r->who.org_slug;
		sc->n = 1;
		return 0;
	case AUTH_ROLE_BUREAU: {
		struct inv_filter f = {.sector = r->who.sector, .critical = -1};
		struct inv_doc *d = NULL;
		int rc = inv_load(r->s, &f, &d, &r->err);
		if (rc)
			return rc;
		sc->orgs = web_arena_alloc(&r->arena, (d->n_orgs + 1) * sizeof *sc->orgs);
		for (size_t i = 0; sc->orgs && i < d->n_orgs; i++)
			sc->orgs[sc->n++] =
			    web_arena_strndup(&r->arena, d->orgs[i].slug, strlen(d->orgs[i].slug));
		inv_doc_free(d);
		return sc->orgs ? 0 : M_ENOMEM;
	}
	default: return M_EPERM;
	}
}

static bool in_scope(const struct scope *sc, const char *org)
{
	if (sc->all)
		return true;
	for (size_t i = 0; org && i < sc->n; i++)
		if (!strcmp(sc->orgs[i], org))
			return true;
	return false;
}

static void filter_of(const struct scope *sc, struct sns_alert_filter *f)
{
	if (!sc->all) {
		f->orgs = sc->orgs;
		f->n_orgs = sc->n;
	}
}

/* The page's words, Japanese and English: one row per id, r's half through sw(). */
enum sns_word {
	W_TITLE,
	W_CLASS,
	W_ALERTS,
	W_FIRST,
	W_LAST,
	W_LAST_EVIDENCE,
	W_RULE,
	W_POSTS,
	W_INCIDENT,
	W_BY_ORG_CLASS,
	W_WATCH,
	W_TERM,
	W_ADD,
	W_PER_HOUR,
	W_LEGEND_MATCHED,
	W_LEGEND_COMPLAINTS,
	W_LEGEND_WAVE,
	W_ESCALATE,
	W_ALERT,
	W_CONFIRM,
	W_DISMISS,
	W_N
};

static const char *const words[W_N][2] = {
    [W_TITLE] = {"SNS 予兆監視", "SNS precursor monitoring"},
    [W_CLASS] = {"分類", "Class"},
    [W_ALERTS] = {"予兆検知", "Precursor alerts"},
    [W_FIRST] = {"最初の証拠", "First evidence"},
    [W_LAST] = {"最後の証拠", "Last evidence"},
    [W_LAST_EVIDENCE] = {"最後の証拠", "Last evidence"},
    [W_RULE] = {"規則", "Rule"},
    [W_POSTS] = {"証拠", "Posts"},
    [W_INCIDENT] = {"インシデント", "Incident"},
    [W_BY_ORG_CLASS] = {"事業者別・分類別", "By operator and class"},
    [W_WATCH] = {"監視語", "Watch list"},
    [W_TERM] = {"語", "Term"},
    [W_ADD] = {"追加", "Add"},
    [W_PER_HOUR] = {"照合した投稿の推移（1 時間ごと）", "Matched posts per hour"},
    [W_LEGEND_MATCHED] = {"青: 照合した投稿", "blue: matched posts"},
    [W_LEGEND_COMPLAINTS] = {"赤: 障害を訴える投稿", "red: complaints of an outage"},
    [W_LEGEND_WAVE] = {"枠: 障害の波", "box: outage wave"},
    [W_ESCALATE] = {"インシデントにする", "Escalate to an incident"},
    [W_ALERT] = {"SNS 予兆検知", "SNS precursor alert"},
    [W_CONFIRM] = {"確認（本物）", "Confirm"},
    [W_DISMISS] = {"誤検知", "Dismiss (false positive)"},
};

static const char *sw(const struct web_req *r, enum sns_word w)
{
	return words[w][r->lang == WEB_LANG_EN];
}

/* Alert classes and states: code, Japanese, English. */
static const char *const class_names[][3] = {{"ddos-target", "DDoS 標的", "DDoS target"},
					     {"leak", "漏えい・身代金", "Leak / ransom"},
					     {"outage", "障害の急増", "Outage surge"},
					     {"exploit", "悪用の話題", "Exploit talk"}};
static const char *const state_names[][3] = {{"new", "未判定", "new"},
					     {"confirmed", "確認済", "confirmed"},
					     {"dismissed", "誤検知", "dismissed"},
					     {"escalated", "インシデント化", "escalated"}};

static const char *name_of(const struct web_req *r, const char *const (*t)[3], size_t n,
			   const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (!strcmp(code, t[i][0]))
			return t[i][r->lang == WEB_LANG_EN ? 2 : 1];
	return code ? code : "";
}

#define class_name(r, c) name_of(r, class_names, ARRAY_SIZE(class_names), c)
#define state_name(r, s) name_of(r, state_names, ARRAY_SIZE(state_names), s)

/* ---------------------------------------------------------------- the list page */

struct list_ctx {
	struct web_req *r;
	long n;
	char newest_org[128];
	int64_t newest_first, newest_last;
	/* per org and class counts for the summary */
	struct {
		char org[64];
		long c[SNS_C_N];
	} sum[64];
	size_t n_sum;
};

static int list_row(const struct sns_alert_row *a, void *arg)
{
	char on[256]; /* the company's name, its slug in the tooltip */
	struct list_ctx *x = arg;
	struct web_req *r = x->r;
	if (!x->n++) {
		snprintf(x->newest_org, sizeof x->newest_org, "%s", a->org);
		x->newest_first = a->first_at;
		x->newest_last = a->last_at;
	}
	enum sns_class cl;
	if (!sns_class_parse(a->cls, &cl)) {
		size_t i = 0;
		while (i < x->n_sum && strcmp(x->sum[i].org, a->org))
			i++;
		if (i == x->n_sum && x->n_sum < ARRAY_SIZE(x->sum)) {
			memset(&x->sum[i], 0, sizeof x->sum[i]);
			snprintf(x->sum[i].org, sizeof x->sum[i].org, "%s", a->org);
			x->n_sum++;
		}
		if (i < x->n_sum)
			x->sum[i].c[cl]++;
	}
	web_out(r,
		"<tr class=\"sns-alert\" data-class=\"%s\" data-state=\"%s\"><td><a "
		"href=\"/sns/alerts/%L\">%L</a></td>"
		"<td><a href=\"/sns?org=%u\" title=\"%s\">%s</a></td><td>%s</td><td>%s</td>",
		a->cls, a->state, a->id, a->id, a->org, a->org,
		inv_org_display_name(r->s, a->org, r->lang == WEB_LANG_EN, on, sizeof on),
		class_name(r, a->cls), web_jst(r, a->first_at));
	char score[16];
	snprintf(score, sizeof score, "%.2f", a->score);
	web_out(r,
		"<td>%s</td><td class=\"num\">%s</td><td title=\"%s\">%s</td><td "
		"class=\"state\">%s</td><td class=\"num\">%L</td><td class=\"sns-incident\">",
		web_jst(r, a->last_at), score, a->rule,
		sns_rule_label(a->rule, r->lang == WEB_LANG_EN), state_name(r, a->state),
		(int64_t)a->n_posts);
	if (a->incident_id) {
		web_out(r, "<a href=\"/incidents/%L\">#%L</a>", a->incident_id, a->incident_id);
	} else if (r->who.role == AUTH_ROLE_ANALYST) {
		/* the analysts' button: opens an incident (初報) from the alert */
		web_out(r,
			"<form method=\"post\" action=\"/sns/alerts/%L/state\" "
			"class=\"inline\">",
			a->id);
		web_csrf_field(r);
		web_out(r,
			"<input type=\"hidden\" name=\"state\" value=\"escalated\"><button "
			"id=\"sns-escalate-%L\" class=\"sns-escalate\">%s</button></form>",
			a->id, sw(r, W_ESCALATE));
	}
	web_out(r, "</td></tr>");
	return 0;
}

struct bins {
	int64_t t[400];
	long n[400], c[400];
	size_t k;
};

static int bin_row(int64_t t, long n, long complaints, void *arg)
{
	struct bins *b = arg;
	if (b->k < ARRAY_SIZE(b->t)) {
		b->t[b->k] = t;
		b->n[b->k] = n;
		b->c[b->k] = complaints;
		b->k++;
	}
	return 0;
}

struct burst {
	int64_t a[16], b[16];
	size_t n;
};

static int burst_row(const struct sns_alert_row *a, void *arg)
{
	struct burst *b = arg;
	if (b->n < ARRAY_SIZE(b->a)) {
		b->a[b->n] = a->first_at;
		b->b[b->n] = a->last_at;
		b->n++;
	}
	return 0;
}

/* Matched posts per hour of one operator around [from, to), complaints in red, the outage
 * waves of that span marked. Inline SVG, every value a number. */
static int timeline(struct web_req *r, const char *org, int64_t from, int64_t to)
{
	struct bins *b = web_arena_alloc(&r->arena, sizeof *b);
	struct burst bu = {0};
	const int64_t bin = 3600;
	if (!b)
		return M_ENOMEM;
	from = from / bin * bin;
	to = (to / bin + 1) * bin;
	if (to - from > 14 * 86400)
		from = to - 14 * 86400;
	int rc = sns_timeline(r->s, org, from, to, bin, bin_row, b, &r->err);
	struct sns_alert_filter f = {.org = org, .cls = "outage"};
	if (!rc)
		rc = sns_alerts_list(r->s, &f, burst_row, &bu, &r->err);
	if (rc)
		return rc;
	long max = 1;
	for (size_t i = 0; i < b->k; i++)
		if (b->n[i] > max)
			max = b->n[i];
	const int W = 720, H = 160;
	char on[256];
	double span = (double)(to - from), bw = (double)W * bin / span;
	web_out(
	    r,
	    "<h2>%s: %s</h2><p>%s — %s</p>"
	    "<svg id=\"sns-timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"timeline\"><rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fafafa\"/>",
	    sw(r, W_PER_HOUR),
	    inv_org_display_name(r->s, org, r->lang == WEB_LANG_EN, on, sizeof on),
	    web_jst(r, from), web_jst(r, to), W, H + 20, W, H + 20, W, H);
	for (size_t i = 0; i < bu.n; i++) {
		if (bu.b[i] < from || bu.a[i] > to)
			continue;
		int x0 = (int)((double)(bu.a[i] - from) / span * W);
		int x1 = (int)((double)(bu.b[i] - from + bin) / span * W);
		web_out(r,
			"<rect class=\"burst\" x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" "
			"fill=\"#fdd\""
			" stroke=\"#c00\"><title>outage wave</title></rect>",
			x0, x1 - x0 > 2 ? x1 - x0 : 2, H);
	}
	for (size_t i = 0; i < b->k; i++) {
		int x = (int)((double)(b->t[i] - from) / span * W);
		int h = (int)((double)b->n[i] / (double)max * (H - 10));
		int hc = (int)((double)b->c[i] / (double)max * (H - 10));
		int w = bw > 2 ? (int)bw - 1 : 1;
		web_out(r,
			"<rect class=\"bin\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"#69c\">"
			"<title>%s: %L</title></rect>",
			x, H - h, w, h, web_jst(r, b->t[i]), (int64_t)b->n[i]);
		if (hc)
			web_out(r,
				"<rect class=\"complaints\" x=\"%d\" y=\"%d\" width=\"%d\" "
				"height=\"%d\" fill=\"#c33\"/>",
				x, H - hc, w, hc);
	}
	web_out(r,
		"<text x=\"2\" y=\"%d\" font-size=\"11\">max %L / h</text></svg>"
		"<p class=\"legend\">%s; %s; %s</p>",
		H + 14, (int64_t)max, sw(r, W_LEGEND_MATCHED), sw(r, W_LEGEND_COMPLAINTS),
		sw(r, W_LEGEND_WAVE));
	return 0;
}

static int watch_row(const struct sns_watch_row *w, void *arg)
{
	struct web_req *r = arg;
	web_out(r, "<tr><td data-stored>%s</td><td>%s</td><td>%s</td></tr>", w->term, w->kind,
		w->source);
	return 0;
}

int web_page_sns(struct web_req *r)
{
	struct scope sc;
	const char *org = web_kv_get(&r->query, "org"), *cls = web_kv_get(&r->query, "class");
	enum sns_class cl;
	int rc;

	if ((rc = caller_scope(r, &sc)))
		return rc;
	if (org && !*org)
		org = NULL;
	if (cls && !*cls)
		cls = NULL;
	if (cls && sns_class_parse(cls, &cl))
		return merr_set(&r->err, M_EINVAL,
				"class: not ddos-target, leak, outage or exploit");
	if (r->who.role == AUTH_ROLE_OPERATOR)
		org = r->who.org_slug;
	if (org && !in_scope(&sc, org))
		return M_ENOTFOUND;

	web_page_begin_text(r, sw(r, W_TITLE), "sns-title");
	web_out(r, "<form method=\"get\" action=\"/sns\" class=\"filter\">");
	if (r->who.role != AUTH_ROLE_OPERATOR)
		web_out(r, "<label>%T <input name=\"org\" value=\"%s\"></label>", M_ORG,
			org ? org : "");
	web_out(r, "<label>%s <select name=\"class\"><option value=\"\">%T</option>",
		sw(r, W_CLASS), M_ALL);
	for (int k = 0; k < SNS_C_N; k++) {
		const char *n = sns_class_name((enum sns_class)k);
		web_out(r, "<option value=\"%s\"%R>%s</option>", n,
			cls && !strcmp(cls, n) ? " selected" : "", class_name(r, n));
	}
	web_out(r, "</select></label> <button>%T</button></form>", M_FILTER);

	struct list_ctx *x = web_arena_alloc(&r->arena, sizeof *x);
	if (!x)
		return M_ENOMEM;
	x->r = r;
	struct sns_alert_filter f = {.org = org, .cls = cls, .limit = 500};
	filter_of(&sc, &f);
	size_t mark = r->out.len;
	web_out(r,
		"<h2>%s</h2><table id=\"sns-alerts\"><thead><tr><th>#</th><th>%T</th>"
		"<th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%T</th><th>%s</th><th>%T</th>"
		"<th class=\"num\">%s</th><th>%s</th></tr></thead><tbody>",
		sw(r, W_ALERTS), M_ORG, sw(r, W_CLASS), sw(r, W_FIRST), sw(r, W_LAST), M_SCORE,
		sw(r, W_RULE), M_STATUS, sw(r, W_POSTS), sw(r, W_INCIDENT));
	if ((rc = sns_alerts_list(r->s, &f, list_row, x, &r->err))) {
		r->out.len = mark;
		return rc;
	}
	web_out(r, "</tbody></table>");
	if (!x->n)
		web_out(r, "<p id=\"sns-empty\">%T</p>", M_NONE);
	/* by operator and class */
	char on[256];
	web_out(r, "<h2>%s</h2><table id=\"sns-summary\"><thead><tr><th>%T</th>",
		sw(r, W_BY_ORG_CLASS), M_ORG);
	for (int k = 0; k < SNS_C_N; k++)
		web_out(r, "<th class=\"num\">%s</th>",
			class_name(r, sns_class_name((enum sns_class)k)));
	web_out(r, "</tr></thead><tbody>");
	for (size_t i = 0; i < x->n_sum; i++) {
		web_out(r, "<tr><td><a href=\"/sns?org=%u\" title=\"%s\">%s</a></td>",
			x->sum[i].org, x->sum[i].org,
			inv_org_display_name(r->s, x->sum[i].org, r->lang == WEB_LANG_EN, on,
					     sizeof on));
		for (int k = 0; k < SNS_C_N; k++)
			web_out(r, "<td class=\"num\">%L</td>", (int64_t)x->sum[i].c[k]);
		web_out(r, "</tr>");
	}
	web_out(r, "</tbody></table>");
	/* the timeline of one operator: the chosen one, else the newest alert's */
	const char *tl = org ? org : x->n ? x->newest_org : NULL;
	if (tl) {
		int64_t a = x->n ? x->newest_first - 86400 : r->now - 7 * 86400;
		int64_t b = x->n ? x->newest_last + 86400 : r->now;
		if ((rc = timeline(r, tl, a, b)))
			return rc;
	}
	if (org) {
		web_out(r,
			"<h2>%s: %s</h2><table id=\"sns-watch\"><thead><tr><th>%s</th>"
			"<th>%T</th><th>%T</th></tr></thead><tbody>",
			sw(r, W_WATCH),
			inv_org_display_name(r->s, org, r->lang == WEB_LANG_EN, on, sizeof on),
			sw(r, W_TERM), M_KIND, M_SOURCE);
		if ((rc = sns_watch_list(r->s, org, watch_row, r, &r->err)))
			return rc;
		web_out(r, "</tbody></table>");
		if (r->who.role == AUTH_ROLE_ANALYST) {
			web_out(
			    r, "<form method=\"post\" action=\"/sns/watch\" id=\"sns-watch-add\">");
			web_csrf_field(r);
			web_out(r,
				"<input type=\"hidden\" name=\"org\" value=\"%s\"><label>%s "
				"<input name=\"term\""
				" required maxlength=\"512\"></label><label>%T <select "
				"name=\"kind\"><option>keyword"
				"</option><option>name</option><option>domain</"
				"option><option>regex</option>"
				"</select></label> <button>%s</button></form>",
				org, sw(r, W_TERM), M_KIND, sw(r, W_ADD));
		}
	}
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- one alert */

struct one {
	struct web_req *r;
	const struct scope *sc;
	bool found;
	char org[128], cls[32], rule[64], state[16];
	double score;
	int64_t first, last, incident;
	char *reasons;
	long n_posts;
};

static int one_row(const struct sns_alert_row *a, void *arg)
{
	struct one *o = arg;
	if (!in_scope(o->sc, a->org))
		return 0;
	o->found = true;
	snprintf(o->org, sizeof o->org, "%s", a->org);
	snprintf(o->cls, sizeof o->cls, "%s", a->cls);
	snprintf(o->rule, sizeof o->rule, "%s", a->rule);
	snprintf(o->state, sizeof o->state, "%s", a->state);
	o->score = a->score;
	o->first = a->first_at;
	o->last = a->last_at;
	o->incident = a->incident_id;
	o->n_posts = a->n_posts;
	o->reasons = web_arena_strndup(&o->r->arena, a->reasons ? a->reasons : "{}",
				       strlen(a->reasons ? a->reasons : "{}"));
	return 0;
}

static int alert_param(struct web_req *r, struct scope *sc, struct one *o, int64_t *id)
{
	int rc;
	if ((rc = caller_scope(r, sc)) ||
	    (rc = web_parse_uint(web_kv_get(&r->params, "id"), INT64_MAX, id)))
		return rc;
	memset(o, 0, sizeof *o);
	o->r = r;
	o->sc = sc;
	struct sns_alert_filter f = {.id = *id};
	if ((rc = sns_alerts_list(r->s, &f, one_row, o, &r->err)))
		return rc;
	return o->found ? 0 : M_ENOTFOUND;
}

static int evidence_row(const struct sns_post_row *p, void *arg)
{
	struct web_req *r = arg;
	web_out(r, "<tr class=\"evidence\"><td>%s</td><td>%s</td><td>", web_jst(r, p->created_at),
		p->platform);
	if (p->url && (!strncmp(p->url, "https://", 8) || !strncmp(p->url, "http://", 7)))
		web_out(r, "<a href=\"%s\" rel=\"noreferrer noopener\">%s</a>", p->url, p->post_id);
	else
		web_out(r, "%s", p->post_id);
	web_out(r, "</td><td data-stored>%s</td><td class=\"post-text\" data-stored>%s</td></tr>",
		p->channel ? p->channel : "", p->text);
	return 0;
}

/* Every stored "日本語 / English" string under j replaced by its half for lang. */
static void reasons_half(enum web_lang lang, cJSON *j)
{
	cJSON *it;
	char half[1024];

	if (cJSON_IsString(j)) {
		const char *h = web_bi(lang, j->valuestring, half, sizeof half);
		if (h != j->valuestring) {
			char *copy = m_strdup(h); /* h may point into the string it replaces */
			if (copy)
				cJSON_SetValuestring(j, copy);
			m_free(copy);
		}
		return;
	}
	cJSON_ArrayForEach(it, j) reasons_half(lang, it);
}

int web_page_sns_alert(struct web_req *r)
{
	struct scope sc;
	struct one o;
	int64_t id;
	int rc = alert_param(r, &sc, &o, &id);
	if (rc)
		return rc;
	char score[16], on[256];
	snprintf(score, sizeof score, "%.2f", o.score);
	char title[128];
	snprintf(title, sizeof title, "%s #%lld", sw(r, W_ALERT), (long long)id);
	web_page_begin_text(r, title, NULL);
	web_out(r,
		"<dl class=\"facts\"><dt>%T</dt><dd id=\"sns-org\">"
		"<a href=\"/sns?org=%u\" title=\"%s\">%s</a></dd><dt>%s</dt><dd "
		"id=\"sns-class\">%s</dd><dt>%s</dt><dd title=\"%s\">%s</dd><dt>%T</dt><dd "
		"id=\"sns-score\">%s</dd>"
		"<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
		"<dt>%T</dt><dd id=\"sns-state\" data-state=\"%s\">%s</dd></dl>",
		M_ORG, o.org, o.org,
		inv_org_display_name(r->s, o.org, r->lang == WEB_LANG_EN, on, sizeof on),
		sw(r, W_CLASS), class_name(r, o.cls), sw(r, W_RULE), o.rule,
		sns_rule_label(o.rule, r->lang == WEB_LANG_EN), M_SCORE, score, sw(r, W_FIRST),
		web_jst(r, o.first), sw(r, W_LAST_EVIDENCE), web_jst(r, o.last), M_STATUS, o.state,
		state_name(r, o.state));
	if (o.incident)
		web_out(r, "<p id=\"sns-incident\">%s: <a href=\"/incidents/%L\">#%L</a></p>",
			sw(r, W_INCIDENT), o.incident, o.incident);
	if (r->who.role == AUTH_ROLE_ANALYST) {
		const char *const st[][2] = {{"confirmed", sw(r, W_CONFIRM)},
					     {"dismissed", sw(r, W_DISMISS)},
					     {"escalated", sw(r, W_ESCALATE)}};
		for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
			if (o.incident && !strcmp(st[i][0], "escalated"))
				continue; /* escalated: the incident is linked above */
			web_out(r,
				"<form method=\"post\" action=\"/sns/alerts/%L/state\" "
				"class=\"inline\">",
				id);
			web_csrf_field(r);
			web_out(r,
				"<input type=\"hidden\" name=\"state\" value=\"%s\"><button "
				"id=\"sns-%s\">%s</button>"
				"</form> ",
				st[i][0], st[i][0], st[i][1]);
		}
	}
	/* reasons: one row per key, a stored "日本語 / English" text in r's half, other values
	 * as compact JSON (escaped as text) */
	cJSON *j = cJSON_Parse(o.reasons), *it, *obj = cJSON_IsObject(j) ? j : NULL;
	web_out(r, "<h2>%T</h2><table id=\"sns-reasons\"><tbody>", M_REASONS);
	cJSON_ArrayForEach(it, obj)
	{
		char *v;
		reasons_half(r->lang, it);
		v = cJSON_IsString(it) ? NULL : cJSON_PrintUnformatted(it);
		web_out(r, "<tr><th><code>%s</code></th><td>%s</td></tr>", it->string,
			v ? v : it->valuestring);
		cJSON_free(v);
	}
	if (!obj)
		web_out(r, "<tr><td>%s</td></tr>", o.reasons);
	web_out(r, "</tbody></table>");
	cJSON_Delete(j);
	web_out(r,
		"<h2>%T (%L)</h2><table "
		"id=\"sns-evidence\"><thead><tr><th>%T</th><th>platform</th><th>id</th>"
		"<th>channel</th><th>text</th></tr></thead><tbody>",
		M_EVIDENCE, (int64_t)o.n_posts, M_TIME);
	if ((rc = sns_posts_list(r->s, NULL, id, 200, evidence_row, r, &r->err)))
		return rc;
	web_out(r, "</tbody></table><p><a href=\"/sns\">SNS</a></p>");
	web_page_end(r);
	return 0;
}

/* Escalation: a 初報 for the alert's operator through the incident module (analysts only:
 * the routes' roles); *incident gets its id. */
static int escalate(struct web_req *r, int64_t id, const char *note, int64_t *incident)
{
	struct web_inc w;
	int rc = web_inc_open(r, &w, true);
	if (!rc)
		rc = sns_alert_escalate(&w.c, id, note, "", incident, &r->err);
	web_inc_close(&w);
	return rc;
}

int web_post_sns_alert_state(struct web_req *r)
{
	struct scope sc;
	struct one o;
	int64_t id, inc = 0;
	int rc = alert_param(r, &sc, &o, &id);
	if (rc)
		return rc;
	const char *state = web_kv_get(&r->form, "state");
	const char *note = web_kv_get(&r->form, "note");
	if (state && !strcmp(state, "escalated"))
		rc = escalate(r, id, note, &inc);
	else
		rc = sns_alert_set_state(r->s, id, state, r->who.name, note, r->now, &r->err);
	if (rc)
		return rc;
	char where[64];
	snprintf(where, sizeof where, "/sns/alerts/%lld", (long long)id);
	return web_redirect(r, where);
}

/* POST /api/v1/sns/alerts/{id}/escalate, body optional {"note": "..."}: the incident opened
 * (or the one opened before) as {"id", "state", "incident_id"}. */
int web_api_sns_alert_escalate(struct web_req *r)
{
	struct scope sc;
	struct one o;
	int64_t id, inc = 0;
	int rc = alert_param(r, &sc, &o, &id);
	if (rc)
		return rc;
	cJSON *b = r->body && r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
	if (r->body && r->body_len && !cJSON_IsObject(b)) {
		cJSON_Delete(b);
		return merr_set(&r->err, M_EINVAL,
				"body: JSON オブジェクトではありません / not a JSON object");
	}
	cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "note");
	if (n && !cJSON_IsString(n)) {
		cJSON_Delete(b);
		return merr_set(&r->err, M_EINVAL, "note: 文字列ではありません / not a string");
	}
	rc = escalate(r, id, n ? n->valuestring : NULL, &inc);
	cJSON_Delete(b);
	if (rc)
		return rc;
	cJSON *out = cJSON_CreateObject();
	if (!out)
		return M_ENOMEM;
	cJSON_AddNumberToObject(out, "id", (double)id);
	cJSON_AddStringToObject(out, "state", "escalated");
	cJSON_AddNumberToObject(out, "incident_id", (double)inc);
	return web_json_reply(r, 200, out);
}

int web_post_sns_watch(struct web_req *r)
{
	const char *org = web_kv_get(&r->form, "org"), *term = web_kv_get(&r->form, "term");
	const char *kind = web_kv_get(&r->form, "kind");
	enum sns_kind k = SNS_K_KEYWORD;
	if (kind && *kind &&
	    (sns_kind_parse(kind, &k) ||
	     (k != SNS_K_NAME && k != SNS_K_DOMAIN && k != SNS_K_KEYWORD && k != SNS_K_REGEX)))
		return merr_set(&r->err, M_EINVAL, "kind: name, domain, keyword or regex");
	if (!org || !term)
		return merr_set(&r->err, M_EINVAL, "org and term are required");
	int rc = sns_watch_add(r->s, org, term, k, r->who.name, r->now, NULL, &r->err);
	if (rc)
		return rc;
	char where[256];
	snprintf(where, sizeof where, "/sns?org=%s",
		 org); /* slug: [a-z0-9-] (checked by the add) */
	return web_redirect(r, where);
}

static int json_row(const struct sns_alert_row *a, void *arg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddStringToObject(o, "org", a->org);
	cJSON_AddStringToObject(o, "class", a->cls);
	json_add_time(o, "first_evidence", a->first_at);
	json_add_time(o, "last_evidence", a->last_at);
	cJSON_AddNumberToObject(o, "score", a->score);
	cJSON_AddStringToObject(o, "rule", a->rule);
	cJSON_AddItemToObject(o, "evidence_posts", cJSON_Parse(a->post_ids ? a->post_ids : "[]"));
	cJSON_AddStringToObject(o, "state", a->state);
	if (a->incident_id)
		cJSON_AddNumberToObject(o, "incident_id", (double)a->incident_id);
	cJSON_AddItemToArray((cJSON *)arg, o);
	return 0;
}

int web_api_sns_alerts(struct web_req *r)
{
	struct scope sc;
	const char *cls = web_kv_get(&r->query, "class"), *org = web_kv_get(&r->query, "org");
	enum sns_class cl;
	int rc;
	if ((rc = caller_scope(r, &sc)))
		return rc;
	if (cls && *cls && sns_class_parse(cls, &cl))
		return merr_set(&r->err, M_EINVAL,
				"class: not ddos-target, leak, outage or exploit");
	struct sns_alert_filter f = {
	    .org = org && *org ? org : NULL, .cls = cls && *cls ? cls : NULL, .limit = 1000};
	filter_of(&sc, &f);
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return M_ENOMEM;
	if ((rc = sns_alerts_list(r->s, &f, json_row, arr, &r->err))) {
		cJSON_Delete(arr);
		return rc;
	}
	return web_json_reply(r, 200, arr);
}
