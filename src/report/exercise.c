/* exercise.c - the after-action report of an exercise run (HTML + PDF, Japanese first): the
 * scenario and its sources, a timeline chart (minutes from each inject to the response that
 * met it) and table of injects against responses, each expected action on time / late /
 * missed, scores per role and team, the facilitator's notes and earlier runs of the same
 * scenario, from the exercise module's view of the run (ex_status). */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "base/mtime.h"
#include "exercise/exercise.h"
#include "report/report_int.h"

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int ji(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *tplus(int s, char out[24])
{
	if (s < 0)
		snprintf(out, 24, "—");
	else
		snprintf(out, 24, "T+%02d:%02d", s / 60, s % 60);
	return out;
}

static const char *result_ja(const char *r)
{
	if (!strcmp(r, "on_time"))
		return "期限内 / on time";
	if (!strcmp(r, "late"))
		return "遅延 / late";
	if (!strcmp(r, "missed"))
		return "未実施 / missed";
	if (!strcmp(r, "overdue"))
		return "期限超過 / overdue";
	return "未到来 / pending";
}

/* mean minutes from inject to the response that met an expected action (-1: none met) */
static double mean_response_min(const cJSON *st)
{
	const cJSON *it;
	double sum = 0;
	int n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(st, "score"), "items"))
	{
		if (ji(it, "action_s") < 0 || ji(it, "inject_s") < 0)
			continue;
		sum += (ji(it, "action_s") - ji(it, "inject_s")) / 60.0;
		n++;
	}
	return n ? sum / n : -1;
}

static void timeline(struct doc *d, const cJSON *st)
{
	static const double w[] = {0.14, 0.14, 0.22, 0.50};
	const char *hd[] = {"時刻 / Time", "種別 / Kind", "役割（参加者）/ Role (who)",
			    "内容 / What"};
	const cJSON *it;
	struct {
		int s;
		const cJSON *j;
		bool inject;
	} ev[256];
	size_t n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "injects"))
	{
		if (strcmp(js(it, "state"), "delivered") || n >= ARRAY_SIZE(ev))
			continue;
		ev[n].s = ji(it, "scen_s");
		ev[n].j = it;
		ev[n++].inject = true;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "actions"))
	{
		if (n >= ARRAY_SIZE(ev))
			break;
		ev[n].s = ji(it, "scen_s");
		ev[n].j = it;
		ev[n++].inject = false;
	}
	for (size_t i = 1; i < n; i++) /* stable insertion sort by time */
		for (size_t k = i; k > 0 && ev[k - 1].s > ev[k].s; k--) {
			__typeof__(ev[0]) t = ev[k];
			ev[k] = ev[k - 1];
			ev[k - 1] = t;
		}
	doc_heading(d, 2, "タイムライン（インジェクトと対応）/ Timeline");
	doc_table_begin(d, 4, w, hd);
	for (size_t i = 0; i < n; i++) {
		char t[24], what[600];
		const cJSON *j = ev[i].j;
		if (ev[i].inject)
			snprintf(what, sizeof(what), "%s: %.500s", js(j, "id"),
				 js(j, "content_ja"));
		else
			snprintf(what, sizeof(what), "%s%s%s%s%s", js(j, "kind_ja"),
				 js(j, "inject")[0] ? " ← " : "", js(j, "inject"),
				 js(j, "option")[0] ? " : " : "", js(j, "option"));
		char who[200];
		if (ev[i].inject)
			snprintf(who, sizeof(who), "%s", js(j, "to"));
		else if (js(j, "user")[0]) /* a named participant */
			snprintf(who, sizeof(who), "%s（%s）", js(j, "role"), js(j, "user"));
		else
			snprintf(who, sizeof(who), "%s（%s）", js(j, "role"), js(j, "org"));
		const char *cells[] = {tplus(ev[i].s, t), ev[i].inject ? "インジェクト" : "対応",
				       who, what};
		doc_table_row(d, cells);
	}
	doc_table_end(d);
}

int report_exercise(struct store *s, int64_t run, const struct report_opts *o, struct merr *e)
{
	struct ex_ctx c = {.s = s, .actor = "report", .now = o->now};
	struct report_chart ch;
	struct doc *d = NULL;
	cJSON *st = NULL, *it, *score, *runs = NULL;
	char base[4096], title[160];
	int rc;

	if ((rc = ex_status(&c, run, &st, e)))
		return rc;
	score = cJSON_GetObjectItem(st, "score");
	snprintf(title, sizeof(title), "【訓練】演習事後報告書 #%lld / After-action report",
		 (long long)run);
	if ((rc = doc_open(&d, title, REPORT_JA, e))) {
		cJSON_Delete(st);
		return rc;
	}
	doc_heading(d, 1, title);
	doc_para(d, DOC_BIG, js(st, "title"));
	if (js(st, "title_en")[0])
		doc_para(d, DOC_MUTED, js(st, "title_en"));
	doc_paraf(d, DOC_NORMAL, "状態 / State: %s、速度 / speed: x%d、参加組織 / orgs: %d",
		  js(st, "state"), ji(st, "speed"),
		  cJSON_GetArraySize(cJSON_GetObjectItem(st, "orgs")));
	doc_paraf(d, DOC_BIG, "総合得点 / Team score: %d / %d（%d%%、合格ライン %d%%）%s",
		  ji(score, "total"), ji(score, "possible"), ji(score, "percent"),
		  ji(score, "pass_percent"),
		  cJSON_IsTrue(cJSON_GetObjectItem(score, "passed")) ? "合格 / passed"
								     : "要改善 / below the line");
	doc_heading(d, 2, "背景 / Background");
	doc_para(d, DOC_NORMAL, js(st, "background"));
	doc_heading(d, 2, "目的 / Objectives");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "objectives"))
	    doc_paraf(d, DOC_NORMAL, "・%s", it->valuestring);

	/* chart: minutes from inject to the response that met it (missed: the window) */
	memset(&ch, 0, sizeof(ch));
	ch.kind = REPORT_CHART_BAR;
	snprintf(ch.title, sizeof(ch.title), "応答時間（分）インジェクト→対応 / response minutes");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items"))
	{
		int is = ji(it, "inject_s"), as = ji(it, "action_s"), dl = ji(it, "deadline_s");
		const char *r = js(it, "result");
		if (ch.n >= REPORT_CHART_MAX || is < 0)
			continue;
		snprintf(ch.label[ch.n], sizeof(ch.label[0]), "%.24s", js(it, "id"));
		ch.value[ch.n] = (as >= 0 ? as - is : dl - is) / 60.0;
		snprintf(ch.note[ch.n], sizeof(ch.note[0]), "%s",
			 !strcmp(r, "on_time") ? "○"
			 : !strcmp(r, "late")  ? "△"
					       : "×");
		ch.n++;
	}
	if (ch.n) {
		doc_heading(d, 2, "タイムライン図 / Timeline chart");
		doc_charts(d, &ch, 1, 480, 220);
		doc_para(d, DOC_SMALL, "○ 期限内  △ 遅延  × 未実施（棒は対応期限までの時間）");
	}
	timeline(d, st);

	doc_heading(d, 2, "期待される対応と採点 / Expected actions and scoring");
	{
		static const double w[] = {0.16, 0.14, 0.22, 0.12, 0.12, 0.12, 0.12};
		const char *hd[] = {"項目 / Item", "役割 / Role", "対応 / Action", "提示 / Inject",
				    "期限 / Due",  "実施 / Done", "結果 / Result"};
		doc_table_begin(d, 7, w, hd);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items"))
		{
			char a[24], b[24], cc[24], res[200];
			const char *by =
			    js(it, "by_display")[0] ? js(it, "by_display") : js(it, "by");
			snprintf(res, sizeof(res), "%s %d点%s%s%s", result_ja(js(it, "result")),
				 ji(it, "score"), by[0] ? "（" : "", by, by[0] ? "）" : "");
			const char *cells[] = {js(it, "id"),
					       js(it, "who_ja"),
					       js(it, "action_ja"),
					       tplus(ji(it, "inject_s"), a),
					       tplus(ji(it, "deadline_s"), b),
					       tplus(ji(it, "action_s"), cc),
					       res};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
	}
	doc_heading(d, 2, "役割別得点 / Scores per role");
	{
		static const double w[] = {0.5, 0.25, 0.25};
		const char *hd[] = {"役割 / Role", "得点 / Score", "満点 / Possible"};
		doc_table_begin(d, 3, w, hd);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "roles"))
		{
			char a[16], b[16];
			snprintf(a, sizeof(a), "%d", ji(it, "score"));
			snprintf(b, sizeof(b), "%d", ji(it, "possible"));
			const char *cells[] = {js(it, "role_ja"), a, b};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
	}
	doc_heading(d, 2, "参加者別の対応と得点 / Per participant");
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(st, "participants")))
		doc_para(d, DOC_MUTED, "参加者の指定なし（組織として参加）/ no named participants");
	else {
		static const double w[] = {0.32, 0.22, 0.22, 0.12, 0.12};
		const char *hd[] = {"参加者 / Participant", "組織 / Org", "役割 / Role",
				    "対応数 / Responses", "得点 / Points"};
		doc_table_begin(d, 5, w, hd);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "participants"))
		{
			char name[300], a[16], b[16];
			snprintf(name, sizeof(name), "%s (%s)", js(it, "display"), js(it, "user"));
			snprintf(a, sizeof(a), "%d", ji(it, "actions"));
			snprintf(b, sizeof(b), "%d", ji(it, "score"));
			const char *cells[] = {
			    name, js(it, "org"),
			    js(it, "role_ja")[0] ? js(it, "role_ja") : "指定なし / any", a, b};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
		/* each participant's own timeline: what they did, when, against which inject */
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "participants"))
		{
			const cJSON *ac;
			char h[300];
			snprintf(h, sizeof(h), "%s (%s) の対応 / responses", js(it, "display"),
				 js(it, "user"));
			doc_heading(d, 3, h);
			cJSON_ArrayForEach(ac, cJSON_GetObjectItem(st, "actions"))
			{
				char t[24];
				if (strcmp(js(ac, "actor"), js(it, "user")))
					continue;
				doc_paraf(d, DOC_NORMAL, "%s %s %s%s%s %s",
					  tplus(ji(ac, "scen_s"), t), js(ac, "kind_ja"),
					  js(ac, "inject")[0] ? "← " : "", js(ac, "inject"),
					  js(ac, "option")[0] ? " :" : "", js(ac, "option"));
			}
		}
	}
	doc_heading(d, 2, "ファシリテーターのメモ・教訓 / Facilitator's notes and lessons");
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(st, "notes")))
		doc_para(d, DOC_MUTED, "なし / none");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "notes"))
	{
		char t[24];
		doc_paraf(d, DOC_NORMAL, "%s %s%s%s", tplus(ji(it, "scen_s"), t), js(it, "text"),
			  js(it, "inject")[0] ? " — " : "", js(it, "inject"));
	}
	/* earlier runs of the same scenario: did the team get faster? */
	if (!ex_runs(s, NULL, &runs, e)) {
		bool head = false;
		cJSON_ArrayForEach(it, runs)
		{
			cJSON *other = NULL;
			if (ji(it, "run") == run || strcmp(js(it, "scenario"), js(st, "scenario")))
				continue;
			if (ex_status(&c, ji(it, "run"), &other, e))
				continue;
			if (!head) {
				doc_heading(d, 2,
					    "同じシナリオの他の実施 / Other runs of this scenario");
				head = true;
			}
			cJSON *os = cJSON_GetObjectItem(other, "score");
			double mo = mean_response_min(other), mt = mean_response_min(st);
			char speed[160] = "";
			if (mo >= 0 && mt >= 0)
				snprintf(speed, sizeof(speed),
					 "、平均応答 %.1f 分（今回 %.1f 分: %s）/ mean response",
					 mo, mt,
					 mt < mo   ? "速くなった / faster"
					 : mt > mo ? "遅くなった / slower"
						   : "同じ / same");
			doc_paraf(d, DOC_NORMAL, "#%d (%s): %d / %d (%d%%)%s", ji(it, "run"),
				  js(it, "started_at"), ji(os, "total"), ji(os, "possible"),
				  ji(os, "percent"), speed);
			cJSON_Delete(other);
		}
		cJSON_Delete(runs);
	}
	doc_heading(d, 2, "出典 / Sources");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "sources"))
	    doc_paraf(d, DOC_SMALL, "・%s", it->valuestring);
	doc_paraf(
	    d, DOC_MUTED, "%s",
	    "【訓練】本書は演習の記録であり、実際のインシデントではありません。時刻は演習開始からの"
	    "シナリオ時間 (T+分:秒)。mamori が作成。");
	cJSON_Delete(st);
	snprintf(base, sizeof(base), "%s/exercise-%lld", o->out_dir, (long long)run);
	return doc_finish(d, base, e);
}
