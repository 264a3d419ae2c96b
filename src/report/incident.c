/* incident.c - the incident report (HTML + PDF, Japanese first): facts, severity with the
 * analyst's reasons per axis, reporting clocks met or missed, IoCs, versions and the timeline,
 * from the incident module's view of one incident (inc_show). Every text is escaped by the
 * doc writer (HTML) or laid out as plain text (PDF, never pango markup). */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "base/mtime.h"
#include "incident/incident.h"
#include "report/report_int.h"

static const char *T(const struct report_opts *o, const char *ja, const char *en)
{
	return o->lang == REPORT_EN ? en : ja;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *jst(const cJSON *o, const char *k, char out[TIME_STR_MAX])
{
	int64_t t = 0;
	if (js(o, k)[0] && time_parse(js(o, k), &t) == 0 && t)
		time_fmt_jst(t, out);
	else
		snprintf(out, TIME_STR_MAX, "—");
	return out;
}

static void severity(struct doc *d, const struct report_opts *o, const cJSON *inc)
{
	static const double w[] = {0.34, 0.12, 0.54};
	const char *hd[] = {T(o, "観点", "Axis"), T(o, "レベル", "Level"),
			    T(o, "理由", "Rationale")};
	const cJSON *sev = cJSON_GetObjectItem(inc, "severity");
	static const char *const axes[] = {"continuity", "safety", "trust"};

	doc_heading(d, 2, T(o, "深刻度（NISC 深刻度評価基準 初版）", "Severity (NISC scale)"));
	for (int k = 0; k < 2; k++) {
		const cJSON *a = cJSON_GetObjectItem(sev, k ? "final" : "predicted");
		char t[TIME_STR_MAX];
		doc_heading(
		    d, 3, k ? T(o, "事後評価", "Final (ex post)") : T(o, "予測評価", "Predicted"));
		if (!cJSON_IsObject(a)) {
			doc_para(d, DOC_MUTED, T(o, "未評価", "Not assessed"));
			continue;
		}
		doc_paraf(d, DOC_BIG, "%s %s", js(a, "level_name"), js(a, "level_text"));
		doc_paraf(d, DOC_SMALL, "%s %s (%s)", T(o, "評価日時", "Assessed"), jst(a, "at", t),
			  js(a, "by"));
		doc_table_begin(d, 3, w, hd);
		for (int i = 0; i < 3; i++) {
			const cJSON *ax =
			    cJSON_GetObjectItem(cJSON_GetObjectItem(a, "axes"), axes[i]);
			char lv[8];
			const char *cells[3];
			snprintf(lv, sizeof(lv), "%d",
				 cJSON_GetObjectItem(ax, "level")
				     ? cJSON_GetObjectItem(ax, "level")->valueint
				     : 0);
			cells[0] = js(ax, "name_ja");
			cells[1] = lv;
			cells[2] = js(ax, "reason");
			doc_table_row(d, cells);
		}
		doc_table_end(d);
		if (cJSON_IsNumber(cJSON_GetObjectItem(a, "nciss_score")))
			doc_paraf(d, DOC_SMALL, "%s: %d / 100",
				  T(o, "NCISS 参考スコア（深刻度の代わりではない）",
				    "NCISS-style score (beside the level, never instead)"),
				  cJSON_GetObjectItem(a, "nciss_score")->valueint);
	}
}

static void clocks(struct doc *d, const struct report_opts *o, const cJSON *inc)
{
	static const double w[] = {0.26, 0.22, 0.22, 0.15, 0.15};
	const char *hd[] = {T(o, "制度", "Regime"), T(o, "報告", "Report"), T(o, "期限", "Due"),
			    T(o, "状態", "State"), T(o, "報告日時", "Made")};
	const cJSON *it;

	doc_heading(d, 2, T(o, "報告期限", "Reporting clocks"));
	doc_table_begin(d, 5, w, hd);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(inc, "clocks"))
	{
		char due[TIME_STR_MAX], met[TIME_STR_MAX];
		const char *st = js(it, "state"), *label;
		const cJSON *in_time = cJSON_GetObjectItem(it, "met_in_time");
		if (!strcmp(st, "met"))
			label = cJSON_IsTrue(in_time) ? T(o, "期限内に報告", "met in time")
						      : T(o, "期限後に報告", "met late");
		else if (!strcmp(st, "overdue"))
			label = T(o, "期限超過", "overdue");
		else
			label = T(o, "未報告", "pending");
		const char *cells[] = {js(it, "regime_ja"), js(it, "report_ja"),
				       jst(it, "due", due), label, jst(it, "met_at", met)};
		doc_table_row(d, cells);
	}
	doc_table_end(d);
}

int report_incident(struct store *s, int64_t id, const struct report_opts *o, struct merr *e)
{
	return report_incident_view(s, id, NULL, o, e);
}

int report_incident_view(struct store *s, int64_t id, const struct inc_view *v,
			 const struct report_opts *o, struct merr *e)
{
	struct inc_ctx c = {.s = s, .actor = "report", .now = o->now};
	struct inc_regimes *t = NULL;
	struct doc *d = NULL;
	cJSON *inc = NULL, *it;
	char base[4096], title[128], a[TIME_STR_MAX], b[TIME_STR_MAX];
	int rc;

	if ((rc = inc_regimes_load(inc_regimes_default_path(), &t, e)))
		return rc;
	c.regimes = t;
	rc = inc_show(&c, id, v, &inc, e);
	inc_regimes_free(t);
	if (rc)
		return rc;
	snprintf(title, sizeof(title), "%s #%lld", T(o, "インシデント報告書", "Incident report"),
		 (long long)id);
	if ((rc = doc_open(&d, title, o->lang, e))) {
		cJSON_Delete(inc);
		return rc;
	}
	doc_heading(d, 1, title);
	doc_para(d, DOC_BIG, js(inc, "title"));
	doc_paraf(d, DOC_NORMAL, "%s: %s (%s)", T(o, "事業者", "Operator"), js(inc, "org_name"),
		  js(inc, "org"));
	doc_paraf(d, DOC_NORMAL, "%s: %s / %s: %s", T(o, "事象の種類", "Type"),
		  o->lang == REPORT_EN ? js(inc, "type") : js(inc, "type_ja"),
		  T(o, "状態", "State"), js(inc, "state"));
	doc_paraf(d, DOC_NORMAL, "%s: %s / %s: %s", T(o, "発生日時", "Occurred"),
		  jst(inc, "occurred_at", a), T(o, "認知日時", "Became aware"),
		  jst(inc, "aware_at", b));
	doc_paraf(d, DOC_NORMAL, "%s: %s", T(o, "深刻度", "Level"),
		  js(inc, "level_name")[0] ? js(inc, "level_name")
					   : T(o, "未評価", "not assessed"));
	severity(d, o, inc);
	clocks(d, o, inc);
	{
		static const double w[] = {0.16, 0.6, 0.24};
		const char *hd[] = {T(o, "種類", "Type"), T(o, "値", "Value"), "TLP"};
		doc_heading(d, 2, "IoC");
		doc_table_begin(d, 3, w, hd);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(inc, "iocs"))
		{
			const char *cells[] = {js(it, "type"), js(it, "value"), js(it, "tlp")};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
	}
	doc_heading(d, 2, T(o, "報告（版）", "Versions"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(inc, "versions"))
	{
		const cJSON *rep = cJSON_GetObjectItem(it, "report");
		doc_paraf(d, DOC_NORMAL, "%d. %s — %s (%s)",
			  cJSON_GetObjectItem(it, "seq") ? cJSON_GetObjectItem(it, "seq")->valueint
							 : 0,
			  js(it, "kind_ja"), jst(it, "filed_at", a), js(it, "filed_by"));
		if (js(rep, "summary")[0])
			doc_para(d, DOC_SMALL, js(rep, "summary"));
		if (js(rep, "actions")[0])
			doc_paraf(d, DOC_SMALL, "%s: %s", T(o, "対応", "Actions"),
				  js(rep, "actions"));
	}
	{
		static const double w[] = {0.24, 0.16, 0.16, 0.44};
		const char *hd[] = {T(o, "日時", "Time"), T(o, "担当", "Actor"),
				    T(o, "種別", "Kind"), T(o, "内容", "Detail")};
		doc_heading(d, 2, T(o, "経過（改ざん検知付き）", "Timeline (hash-chained)"));
		doc_table_begin(d, 4, w, hd);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(inc, "timeline"))
		{
			const cJSON *det = cJSON_GetObjectItem(it, "detail");
			char *ds = js(det, "text")[0] ? NULL : cJSON_PrintUnformatted(det);
			const char *cells[] = {jst(it, "at", a), js(it, "actor"), js(it, "kind"),
					       js(det, "text")[0] ? js(det, "text")
								  : (ds ? ds : "")};
			doc_table_row(d, cells);
			cJSON_free(ds);
		}
		doc_table_end(d);
	}
	doc_paraf(d, DOC_MUTED, "%s",
		  T(o, "時刻はすべて日本標準時 (JST)。mamori が作成。",
		    "Times in Japan Standard Time (JST). Made by mamori."));
	cJSON_Delete(inc);
	snprintf(base, sizeof(base), "%s/incident-%lld", o->out_dir, (long long)id);
	return doc_finish(d, base, e);
}
