/* page_scans.c - scans started from the console: POST /scans hands the request to
 * asm_scan_submit (scan row, audit row and a "scan" job in one transaction) and wakes the
 * server's job queue (src/job); the scan's page and JSON show the job's progress. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "asm/asm.h"
#include "base/bi.h"
#include "base/json.h"
#include "inventory/inventory.h"
#include "job/job.h"
#include "scan/scan.h"
#include "web/web_int.h"

#define OPEN_SHOWN 200 /* open ports listed on the page */

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

/* ---- POST /scans ---- */

/* Checks, records and queues a scan of org (asm_scan_submit); *id receives the scans row. */
static int start_scan(struct web_req *r, const char *org, const char *spec, const char *profile,
		      int64_t *id)
{
	struct job_queue *q = r->opts ? r->opts->jobs : NULL;
	char subject[64];
	int64_t job = 0;
	int rc;

	*id = 0;
	if (!q)
		return merr_set(&r->err, M_EUNSUPPORTED, "no job runner in this server");
	rc = asm_scan_submit(r->s,
			     &(struct asm_scan_request){.org = org,
							.ports = spec,
							.profile = profile,
							.actor = r->who.name,
							.rate = r->opts->scan_rate,
							.now = r->now},
			     id, &job, &r->err);
	if (rc == 0) {
		asm_scan_subject(*id, subject, sizeof(subject));
		job_queue_wake(q, job, subject);
	}
	return rc;
}

int web_post_scan(struct web_req *r)
{
	char loc[64];
	int64_t id;
	int rc = start_scan(r, web_kv_get(&r->form, "org"), web_kv_get(&r->form, "ports"),
			    web_kv_get(&r->form, "profile"), &id);

	if (rc)
		return rc;
	snprintf(loc, sizeof(loc), "/scans/%lld", (long long)id);
	return web_redirect(r, loc);
}

static const struct web_json_field scan_fields[] = {
    {"org", WEB_JSON_STRING, true, AUTH_SLUG_MAX - 1},
    {"ports", WEB_JSON_STRING, false, 500},
    {"profile", WEB_JSON_STRING, false, 16},
};

int web_api_scan_start(struct web_req *r)
{
	const cJSON *org, *ports, *profile;
	cJSON *in = NULL, *out;
	char url[64];
	int64_t id;
	int rc;

	if ((rc = web_json_parse(r->body, r->body_len, scan_fields, ARRAY_SIZE(scan_fields), &in,
				 &r->err)))
		return rc;
	org = cJSON_GetObjectItemCaseSensitive(in, "org");
	ports = cJSON_GetObjectItemCaseSensitive(in, "ports");
	profile = cJSON_GetObjectItemCaseSensitive(in, "profile");
	rc = start_scan(r, org->valuestring, cJSON_IsString(ports) ? ports->valuestring : NULL,
			cJSON_IsString(profile) ? profile->valuestring : NULL, &id);
	cJSON_Delete(in);
	if (rc)
		return rc;
	snprintf(url, sizeof(url), "/api/v1/scans/%lld", (long long)id);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "id", (double)id);
	json_add_str(out, "state", "queued");
	json_add_str(out, "url", url);
	return web_json_reply(r, 202, out);
}

/* The form on /scans (analysts only reach that page). */
void web_scan_form(struct web_req *r, const struct inv_doc *names)
{
	/* the operator by name from a list (the ID still typed in works) */
	web_out(r,
		"<form method=\"post\" action=\"/scans\" id=\"scan-start\" class=\"filter\">"
		"<label>%T <input name=\"org\" id=\"scan-org\" list=\"scan-orgs\" required "
		"size=\"16\" autocomplete=\"off\"></label><datalist id=\"scan-orgs\">",
		M_ORG);
	for (size_t i = 0; names && i < names->n_orgs; i++)
		web_out(r, "<option value=\"%s\">%s</option>", names->orgs[i].slug,
			web_org_name(r, names, names->orgs[i].slug));
	web_out(r,
		"</datalist><label>%T <input name=\"ports\" id=\"scan-ports\" value=\"top\" "
		"size=\"16\" title=\"%s\"></label> ",
		M_PORTS,
		L(r, "top (よく使われるポート)、または 22,80,443 や 1-1024",
		  "top (common ports), or 22,80,443 or 1-1024"));
	web_out(r,
		"<label>%s <select name=\"profile\" id=\"scan-profile\"><option value=\"scan\">%s"
		"</option><option value=\"identify\">%s</option></select></label> ",
		L(r, "内容", "Profile"), L(r, "ポートのみ", "ports only"),
		L(r, "ポート + サービス識別", "ports + identify services"));
	web_csrf_field(r);
	web_out(r, "<button type=\"submit\">%s</button></form>",
		L(r, "スキャン開始", "Start scan"));
}

/* A scan or job state in the reader's language (the raw word when unknown); the class
 * attribute keeps the raw word for scripts and tests. */
const char *web_scan_state_label(struct web_req *r, const char *state)
{
	static const struct {
		const char *state, *ja, *en;
	} labels[] = {{"queued", "待機中", "queued"},		{"running", "実行中", "running"},
		      {"identifying", "識別中", "identifying"}, {"done", "完了", "done"},
		      {"interrupted", "中断", "interrupted"},	{"failed", "失敗", "failed"}};

	for (size_t i = 0; state && i < ARRAY_SIZE(labels); i++)
		if (strcmp(state, labels[i].state) == 0)
			return r->lang == WEB_LANG_EN ? labels[i].en : labels[i].ja;
	return state;
}

/* The live state of a job this server knows (static strings), NULL when it is not active. */
static const char *live_state(const struct job_view *v)
{
	if (v->state == JOB_QUEUED)
		return "queued";
	if (v->state != JOB_RUNNING)
		return NULL;
	return strcmp(v->p.phase, "identifying") == 0 ? "identifying" : "running";
}

const char *web_scan_state(struct web_req *r, int64_t id, const char *stored)
{
	struct job_view v;
	const char *live;
	char subject[64];

	asm_scan_subject(id, subject, sizeof(subject));
	if (!r->opts || !job_queue_peek(r->opts->jobs, subject, &v) || !(live = live_state(&v)))
		return stored;
	return live;
}

/* ---- progress: /scans/{id} and /api/v1/scans/{id} ---- */

struct view {
	struct scan_info info;
	struct job_view job; /* .id 0 when no job is known for the scan */
	double percent;	     /* -1 unknown */
	double elapsed;
	const char *state;
};

static int count_open(void *arg, const struct scan_result *res)
{
	if (res->state == SCAN_OPEN)
		(*(uint64_t *)arg)++;
	return 0;
}

/* The scan's job: what this server's queue knows, else the newest row (a job run before a
 * restart or by another process). */
static void find_job(struct web_req *r, int64_t id, struct job_view *v)
{
	struct job_info ji;
	char subject[64];

	memset(v, 0, sizeof(*v));
	asm_scan_subject(id, subject, sizeof(subject));
	if (r->opts && job_queue_peek(r->opts->jobs, subject, v))
		return;
	if (job_find(r->s, subject, &ji, NULL) == 0) {
		v->id = ji.id;
		v->state = ji.state;
		snprintf(v->error, sizeof(v->error), "%s", ji.error);
		snprintf(v->note, sizeof(v->note), "%s", ji.note);
	}
}

static int load_view(struct web_req *r, struct view *v)
{
	const char *ids = web_kv_get(&r->params, "id"), *live;
	int64_t id;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!ids || web_parse_uint(ids, INT64_MAX / 10, &id))
		return M_ENOTFOUND;
	if ((rc = scan_store_get(r->s, id, &v->info, &r->err)))
		return rc == M_ENOTFOUND ? M_ENOTFOUND : rc;
	find_job(r, id, &v->job);
	if (v->job.id && (live = live_state(&v->job)) != NULL) {
		v->state = live;
		v->percent =
		    v->job.p.total ? (double)v->job.p.done * 100.0 / (double)v->job.p.total : 0;
		v->elapsed = v->job.p.elapsed;
		v->info.c.sent = v->job.p.n[0];
		v->info.c.received = v->job.p.n[1];
		v->info.c.open = v->job.p.n[2];
		v->job.error[0] = '\0'; /* an earlier attempt's */
	} else {
		bool failed = v->job.id && (v->job.state == JOB_FAILED || v->job.state == JOB_DEAD);
		v->state = failed ? "failed" : v->info.state;
		v->percent = strcmp(v->info.state, "done") == 0 ? 100 : -1;
		v->elapsed =
		    v->info.finished_at ? (double)(v->info.finished_at - v->info.started_at) : 0;
		if (v->job.id && v->job.p.elapsed > 0)
			v->elapsed = v->job.p.elapsed;
		v->info.c.open = 0; /* not a column: counted from the observations */
		if ((rc = scan_store_results(r->s, id, count_open, &v->info.c.open, &r->err))) {
			scan_info_release(&v->info);
			return rc;
		}
	}
	if (v->percent > 100)
		v->percent = 100;
	return 0;
}

struct open_ports {
	struct web_req *r;
	cJSON *arr; /* JSON, or the page when NULL */
	size_t n;
};

static int add_open(void *arg, const struct scan_result *res)
{
	struct open_ports *op = arg;
	char ip[IP_STR_MAX];

	if (res->state != SCAN_OPEN || op->n >= OPEN_SHOWN)
		return 0;
	op->n++;
	ip_format(&res->ip, ip);
	if (op->arr) {
		cJSON *x = cJSON_CreateObject();
		json_add_str(x, "ip", ip);
		cJSON_AddNumberToObject(x, "port", res->port);
		json_add_str(x, "proto", scan_proto_name(res->proto));
		cJSON_AddItemToArray(op->arr, x);
	} else {
		web_out(op->r, "<tr><td>%s</td><td class=\"num\">%d</td><td>%s</td></tr>", ip,
			(int)res->port, scan_proto_name(res->proto));
	}
	return 0;
}

int web_page_scan(struct web_req *r)
{
	struct view v;
	struct open_ports op = {r, NULL, 0};
	bool active;
	int rc;

	if ((rc = load_view(r, &v)))
		return rc;
	active = strcmp(v.state, "queued") == 0 || strcmp(v.state, "running") == 0 ||
		 strcmp(v.state, "identifying") == 0;
	web_page_begin(r, M_SCAN_HISTORY);
	web_out(r,
		"<section id=\"scan\" data-id=\"%L\" data-active=\"%d\"><h2>%s %L — %s</h2>"
		"<dl class=\"facts\"><dt>%T</dt><dd id=\"scan-state\" class=\"state-%s\">%s</dd>"
		"<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>"
		"<dt>%T</dt><dd id=\"scan-sent\">%L</dd><dt>%T</dt><dd id=\"scan-received\">%L</dd>"
		"<dt>%s</dt><dd id=\"scan-open\">%L</dd>"
		"<dt>%s</dt><dd id=\"scan-percent\">",
		v.info.id, active ? 1 : 0, L(r, "スキャン", "Scan"), v.info.id,
		v.info.org_slug[0] ? v.info.org_slug : "(all)", M_STATUS, v.state,
		web_scan_state_label(r, v.state), M_PORTS, v.info.ports, M_STARTED,
		web_jst(r, v.info.started_at), M_SENT, (int64_t)v.info.c.sent, M_RECEIVED,
		(int64_t)v.info.c.received, L(r, "開放ポート", "Open ports"),
		(int64_t)v.info.c.open, L(r, "進捗", "Progress"));
	if (v.percent >= 0) {
		char pc[16];
		snprintf(pc, sizeof(pc), "%.1f%%", v.percent);
		web_out(r, "%s", pc);
	} else {
		web_out(r, "—");
	}
	web_out(r, "</dd><dt>%s</dt><dd id=\"scan-elapsed\">%L s</dd></dl>",
		L(r, "経過時間", "Elapsed"), (int64_t)(v.elapsed + 0.5));
	if (v.job.note[0])
		web_out(r, "<p id=\"scan-identify\">%s</p>", v.job.note);
	if (v.job.error[0])
		web_out(r, "<p class=\"error\" id=\"scan-error\">%s</p>", v.job.error);
	if (active)
		web_out(r, "<noscript><p><a href=\"/scans/%L\">%s</a></p></noscript>", v.info.id,
			L(r, "再読み込み", "Reload"));
	web_out(r,
		"<h3>%s</h3><table id=\"open-ports\"><tr><th>IP</th><th>%T</th>"
		"<th>proto</th></tr>",
		L(r, "開放ポート", "Open ports"), M_PORTS);
	rc = scan_store_results(r->s, v.info.id, add_open, &op, &r->err);
	web_out(r,
		"</table><p><a href=\"/scans\">%T</a></p></section>"
		"<script src=\"/static/scan.js\" defer></script>",
		M_SCAN_HISTORY);
	scan_info_release(&v.info);
	web_page_end(r);
	return rc;
}

int web_api_scan(struct web_req *r)
{
	struct view v;
	cJSON *o;
	struct open_ports op = {r, NULL, 0};
	int rc;

	if ((rc = load_view(r, &v)))
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)v.info.id);
	json_add_str(o, "org", v.info.org_slug[0] ? v.info.org_slug : NULL);
	json_add_str(o, "mode", v.info.mode);
	json_add_str(o, "ports", v.info.ports);
	json_add_str(o, "state", v.state);
	json_add_time(o, "started_at", v.info.started_at);
	json_add_time(o, "finished_at", v.info.finished_at);
	cJSON_AddNumberToObject(o, "sent", (double)v.info.c.sent);
	cJSON_AddNumberToObject(o, "received", (double)v.info.c.received);
	cJSON_AddNumberToObject(o, "open", (double)v.info.c.open);
	if (v.percent >= 0)
		cJSON_AddNumberToObject(o, "percent", (double)(int64_t)(v.percent * 10) / 10);
	else
		cJSON_AddNullToObject(o, "percent");
	cJSON_AddNumberToObject(o, "elapsed", v.elapsed);
	if (v.job.error[0])
		json_add_str(o, "error", v.job.error);
	if (v.job.note[0])
		json_add_str(o, "identify", v.job.note);
	op.arr = cJSON_AddArrayToObject(o, "open_ports");
	rc = scan_store_results(r->s, v.info.id, add_open, &op, &r->err);
	scan_info_release(&v.info);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

/* ---- the job table on /scans (issue #18: which worker holds which job) ---- */

#define JOBS_SHOWN 20

/* Job kinds and states in the page's language (the kind's code beside it). */
static const char *job_word(const struct web_req *r, const char *code)
{
	static const char *const words[][3] = {
	    {"scan", "スキャン", "scan"},
	    {"asm", "診断", "assessment"},
	    {"share-pull", "共有情報の取得", "sharing pull"},
	    {"incident.remind", "インシデント報告の督促", "incident reminders"},
	    {"queued", "待機中", "queued"},
	    {"running", "実行中", "running"},
	    {"done", "完了", "done"},
	    {"failed", "失敗 (再試行待ち)", "failed (to retry)"},
	    {"dead", "失敗 (打ち切り)", "failed (given up)"},
	};
	for (size_t i = 0; code && i < ARRAY_SIZE(words); i++)
		if (!strcmp(code, words[i][0]))
			return words[i][r->lang == WEB_LANG_EN ? 2 : 1];
	return code ? code : "";
}

static int job_row(void *arg, const struct job_info *j)
{
	struct web_req *r = arg;
	char ob[sizeof j->error > sizeof j->note ? sizeof j->error : sizeof j->note];

	/* the outcome is a library text "English / 日本語" or a note "日本語 / English" */
	web_out(
	    r,
	    "<tr><td>%L</td><td>%s <code>%s</code></td><td>%s</td><td>%s</td><td>%s</td>"
	    "<td class=\"num\">%d/%d</td><td>%s</td><td>%s</td></tr>",
	    j->id, job_word(r, j->kind), j->kind, j->subject, job_word(r, job_state_name(j->state)),
	    j->worker[0] ? j->worker : "-", j->attempts, j->max_attempts, web_jst(r, j->created_at),
	    bi_msg_half(j->error[0] ? j->error : j->note, r->lang == WEB_LANG_EN, ob, sizeof ob));
	return 0;
}

void web_scan_jobs_table(struct web_req *r)
{
	struct merr e;
	char em[700];

	merr_init(&e);
	web_out(r,
		"<h2>%s</h2><table id=\"jobs\"><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th class=\"num\">%s</th><th>%s</th><th>%s</th></tr>",
		L(r, "ジョブ (新しい順)", "Jobs (newest first)"), L(r, "種類", "Kind"),
		L(r, "対象", "Subject"), L(r, "状態", "State"), L(r, "ワーカー", "Worker"),
		L(r, "試行", "Attempts"), L(r, "登録", "Queued"), L(r, "結果", "Outcome"));
	if (job_list(r->s, &(struct job_query){NULL, NULL, JOBS_SHOWN}, job_row, r, &e))
		web_out(r, "<tr><td colspan=\"8\">%s</td></tr>",
			web_merr_text(r->lang, &e, em, sizeof em));
	web_out(r, "</table>");
}
