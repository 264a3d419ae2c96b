/* page_scans.c - scans started from the console: POST /scans queues a scan row that a
 * background thread runs through the same resume path as `mamori scan --resume`; progress. */
#include "base/compat.h"

#include "base/stop.h"
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>

#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "fingerprint/fingerprint.h"
#include "identify/identify.h"
#include "scan/scan.h"
#include "web/web_int.h"

#define JOBS_MAX 32    /* jobs remembered (queued, running and recent) */
#define PENDING_MAX 4  /* queued + running at once: more is 429 */
#define OPEN_SHOWN 200 /* open ports listed on the page */

enum job_state {
	JOB_FREE,
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_IDENTIFYING,
	JOB_DONE,
	JOB_INTERRUPTED,
	JOB_FAILED
};
static const char *const job_state_names[] = {"",     "queued",	     "running", "identifying",
					      "done", "interrupted", "failed"};

struct job {
	enum job_state state;
	int64_t id, queued_at, seq;
	char org[128];
	uint64_t sent, received, open, pos, end;
	double elapsed;
	bool identify;	 /* profile "identify": `mamori scan ORG --identify` */
	char ident[240]; /* the identify summary once it ran */
	char error[400];
};

struct web_scanq {
	struct web_scanq_config cfg;
	char *db, *data_dir;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool quit;
	volatile sig_atomic_t stop; /* the scan engine's flag: 2 = stop now, skip cooldown */
	struct job jobs[JOBS_MAX];
	int64_t seq;
};

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

static struct job *job_find(struct web_scanq *q, int64_t id)
{
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (q->jobs[i].state != JOB_FREE && q->jobs[i].id == id)
			return &q->jobs[i];
	return NULL;
}

static bool job_active(const struct job *j)
{
	return j->state == JOB_QUEUED || j->state == JOB_RUNNING || j->state == JOB_IDENTIFYING;
}

/* ---- the worker ---- */

struct run_ctx {
	struct web_scanq *q;
	int64_t id;
};

static void on_progress(void *arg, const struct scan_progress *p)
{
	struct run_ctx *x = arg;
	struct job *j;

	pthread_mutex_lock(&x->q->mu);
	if ((j = job_find(x->q, x->id)) != NULL) {
		j->sent = p->c->sent;
		j->received = p->c->received;
		j->open = p->c->open;
		j->pos = p->pos;
		j->end = p->end;
		j->elapsed = p->elapsed;
	}
	pthread_mutex_unlock(&x->q->mu);
}

/* Runs scan id as `mamori scan --resume id` would: parameters from its row, the scope
 * fetched again now, every probe re-checked against it. */
static int run_one(struct web_scanq *q, struct store *s, int64_t id, struct scan_outcome *oc,
		   struct merr *e)
{
	struct run_ctx x = {q, id};
	struct scan_params p;
	struct scan_scope sc;
	int64_t sid = 0;
	int rc;

	scan_params_init(&p);
	scan_scope_init(&sc);
	memset(oc, 0, sizeof(*oc));
	rc = scan_params_load(s, id, &p, e);
	if (rc == 0 && strcmp(p.state, "interrupted") != 0)
		rc = merr_set(e, M_EINVAL, "scan %lld is %s, not waiting to run", (long long)id,
			      p.state);
	if (rc == 0)
		rc = scan_scope_for_resume(s, p.scope_kind, p.org, &p.targets, time_now(), &sc, e);
	if (rc == 0) {
		p.cfg.allowed = &sc.allowed;
		p.cfg.partial_scope = true;
		p.cfg.stop = &q->stop;
		p.cfg.max_runtime = q->cfg.max_runtime;
		p.cfg.progress = on_progress;
		p.cfg.progress_arg = &x;
		rc = scan_session_run(s, p.org, NULL, &p.cfg, id, NULL, &sid, oc, e);
	}
	scan_scope_release(&sc);
	scan_params_release(&p);
	return rc;
}

/* Identifies the services on the ports scan id found open, as `mamori scan ORG --identify`
 * does (Recog fingerprints from the data folder, scope re-checked per address). */
static int identify_after(struct web_scanq *q, struct store *s, const char *org, int64_t id,
			  char *line, size_t cap, struct merr *e)
{
	struct ident_config cfg;
	struct ident_work w = {0};
	struct ident_counters k = {0};
	struct ident_run_info runs[1];
	size_t n_runs = 0;
	struct fp_db *db = NULL;
	char dir[4096];
	int rc;

	snprintf(dir, sizeof(dir), "%s/recog", q->cfg.data_dir ? q->cfg.data_dir : ".");
	rc = fp_db_load(dir, &db, e);
	if (rc == 0)
		rc = ident_db_add_local(db, e);
	if (rc == 0)
		rc = ident_work_load(s, org, id, time_now(), &w, e);
	if (rc == 0 && w.n_orgs > ARRAY_SIZE(runs))
		rc = merr_set(e, M_EINVAL, "identify: one organisation expected");
	if (rc == 0) {
		ident_config_init(&cfg);
		cfg.db = db;
		cfg.now = time_now();
		cfg.stop = &q->stop;
		rc = ident_session_run(s, &cfg, &w, NULL, &k, runs, &n_runs, e);
	}
	if (rc == 0)
		snprintf(line, cap,
			 "%zu ポート: 識別 %zu, 未識別 %zu, 無応答 %zu / ports: identified %zu, "
			 "unidentified %zu, silent %zu (%.1f s)",
			 k.targets, k.identified, k.unidentified, k.silent, k.identified,
			 k.unidentified, k.silent, k.elapsed);
	ident_work_release(&w);
	fp_db_free(db);
	return rc;
}

/* The job's scan, then identify when asked and the scan walked everything. */
static int run_job(struct web_scanq *q, struct store *s, int64_t id, struct scan_outcome *oc,
		   struct merr *e)
{
	char org[128] = "", line[240] = "";
	bool identify = false;
	struct job *j;
	int rc = run_one(q, s, id, oc, e);

	pthread_mutex_lock(&q->mu);
	if ((j = job_find(q, id)) != NULL) {
		identify = j->identify;
		snprintf(org, sizeof(org), "%s", j->org);
		if (rc == 0 && identify && oc->complete) {
			j->state = JOB_IDENTIFYING;
			j->pos = j->end;
			j->sent = oc->c.sent;
			j->received = oc->c.received;
			j->open = oc->c.open;
			j->elapsed = oc->elapsed;
		}
	}
	pthread_mutex_unlock(&q->mu);
	if (rc || !identify || !oc->complete)
		return rc;
	rc = identify_after(q, s, org, id, line, sizeof(line), e);
	pthread_mutex_lock(&q->mu);
	if ((j = job_find(q, id)) != NULL)
		snprintf(j->ident, sizeof(j->ident), "%s", line);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

static struct job *next_queued(struct web_scanq *q)
{
	struct job *best = NULL;

	for (size_t i = 0; i < JOBS_MAX; i++)
		if (q->jobs[i].state == JOB_QUEUED && (!best || q->jobs[i].seq < best->seq))
			best = &q->jobs[i];
	return best;
}

static void *worker(void *arg)
{
	struct web_scanq *q = arg;
	struct store *s = NULL;
	struct merr e;

	merr_init(&e);
	if (store_open(q->db, &s, &e))
		s = NULL;
	pthread_mutex_lock(&q->mu);
	while (!q->quit) {
		struct job *j = next_queued(q);
		struct scan_outcome oc;
		int64_t id;
		int rc;
		if (!j) {
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		j->state = JOB_RUNNING;
		id = j->id;
		pthread_mutex_unlock(&q->mu);
		merr_init(&e);
		rc = s ? run_job(q, s, id, &oc, &e) : merr_set(&e, M_ESTORE, "no store handle");
		pthread_mutex_lock(&q->mu);
		if ((j = job_find(q, id)) != NULL) {
			j->state = rc ? JOB_FAILED : oc.complete ? JOB_DONE : JOB_INTERRUPTED;
			if (rc == 0) {
				j->sent = oc.c.sent;
				j->received = oc.c.received;
				j->open = oc.c.open;
				j->elapsed = oc.elapsed;
				j->pos = j->end;
			} else {
				merr_format(&e, j->error, sizeof(j->error));
				log_error("web", "scan %lld: %s", (long long)id, j->error);
			}
		}
	}
	pthread_mutex_unlock(&q->mu);
	store_close(s);
	return NULL;
}

int web_scanq_start(const struct web_scanq_config *c, struct web_scanq **out, struct merr *e)
{
	struct web_scanq *q = m_calloc(1, sizeof(*q));

	*out = NULL;
	if (!q || !(q->db = m_strdup(c->db))) {
		m_free(q);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	q->cfg = *c;
	q->cfg.db = q->db;
	q->cfg.data_dir = NULL;
	if (c->data_dir && !(q->cfg.data_dir = q->data_dir = m_strdup(c->data_dir))) {
		m_free(q->db);
		m_free(q);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->th, NULL, worker, q)) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		m_free(q->db);
		m_free(q->data_dir);
		m_free(q);
		return merr_set(e, M_ENOMEM, "cannot start the scan thread");
	}
	*out = q;
	return 0;
}

void web_scanq_stop(struct web_scanq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->quit = true;
	stop_request(&q->stop,
		     2); /* a running scan stops sending, flushes, is left 'interrupted' */
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	m_free(q->db);
	m_free(q->data_dir);
	m_free(q);
}

/* Reserves a slot for org: M_EEXIST when it already has a scan queued or running,
 * M_ETIMEOUT (429) when the queue is full. */
static int enqueue(struct web_scanq *q, struct web_req *r, const char *org, bool identify,
		   int64_t id)
{
	struct job *slot = NULL;
	size_t pending = 0;
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < JOBS_MAX; i++) {
		struct job *j = &q->jobs[i];
		if (job_active(j)) {
			pending++;
			if (strcmp(j->org, org) == 0)
				rc = merr_set(&r->err, M_EEXIST,
					      "%s は診断中です (scan %lld) / a scan of %s is "
					      "already queued or running",
					      org, (long long)j->id, org);
		} else if (!slot || j->state == JOB_FREE ||
			   (slot->state != JOB_FREE && j->seq < slot->seq)) {
			slot = j; /* a free slot, else the oldest finished one */
		}
	}
	if (rc == 0 && (pending >= PENDING_MAX || !slot))
		rc = merr_set(&r->err, M_ETIMEOUT,
			      "診断待ちが満杯です / the scan queue is full (%d)", PENDING_MAX);
	if (rc == 0) {
		memset(slot, 0, sizeof(*slot));
		slot->state = JOB_QUEUED;
		slot->id = id;
		slot->queued_at = r->now;
		slot->seq = ++q->seq;
		slot->identify = identify;
		snprintf(slot->org, sizeof(slot->org), "%s", org);
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

/* ---- POST /scans ---- */

static int refusal(struct web_req *r, const char *org, const struct scan_scope *sc)
{
	return merr_set(&r->err, M_ESCOPE, "%s は診断できません / %s cannot be scanned: %s", org,
			org,
			sc->n_refused ? sc->refused[0].reason
				      : "有効な診断同意がありません / no valid authorisation");
}

/* Creates the scan row (left 'interrupted' at position 0 until the worker takes it, so a
 * server that stops first leaves it resumable) and its audit row, in one transaction. */
static int create_row(struct web_req *r, const char *org, const struct scan_config *cfg,
		      int64_t *id)
{
	struct scan_counters zero = {0};
	char ports[512], obj[64], detail[700];
	char *params = scan_params_json(cfg);
	int rc;

	if (!params)
		return M_ENOMEM;
	scan_ports_format(cfg->ports, ports, sizeof(ports));
	if ((rc = store_begin_immediate(r->s, &r->err))) {
		m_free(params);
		return rc;
	}
	rc = scan_store_create(r->s, org, cfg->mode, ports, params, r->now, id, &r->err);
	m_free(params);
	if (rc == 0)
		rc = scan_store_finish(r->s, *id, "interrupted", &zero, 0, r->now, &r->err);
	snprintf(obj, sizeof(obj), "/scans/%lld", (long long)*id);
	snprintf(detail, sizeof(detail), "org=%s ports=%s mode=%s", org, ports, cfg->mode);
	if (rc == 0)
		rc = auth_audit(r->s, r->who.name, "scan.start", obj, detail, r->now, &r->err);
	if (rc) {
		store_rollback(r->s);
		return rc;
	}
	return store_commit(r->s, &r->err);
}

/* Checks, records and queues a scan of org; *id receives the scans row. */
static int start_scan(struct web_req *r, const char *org, const char *spec, const char *profile,
		      int64_t *id)
{
	bool identify = profile && strcmp(profile, "identify") == 0;
	struct web_scanq *q = r->opts ? r->opts->scanq : NULL;
	struct scan_ports ports = {0};
	struct scan_scope sc;
	struct scan_config cfg;
	int rc;

	*id = 0;
	if (!q)
		return merr_set(&r->err, M_EUNSUPPORTED, "no scan runner in this server");
	if (profile && *profile && !identify && strcmp(profile, "scan") != 0)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "profile",
			       "profile is scan or identify");
	if (!org || !*org)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "org", "org is required");
	if (!spec || !*spec)
		spec = "top";
	if ((rc = scan_ports_parse(spec, &ports, &r->err)))
		return rc;
	scan_scope_init(&sc);
	/* The scope the CLI uses: the org's valid authorisations minus exclusions. */
	rc = scan_scope_resolve(r->s, org, false, NULL, r->now, &sc, &r->err);
	if (rc == 0 && sc.targets.n == 0)
		rc = refusal(r, org, &sc);
	if (rc == 0) {
		scan_config_init(&cfg);
		cfg.mode = "connect";
		cfg.rate = q->cfg.rate;
		cfg.targets = &sc.targets;
		cfg.allowed = &sc.allowed;
		cfg.ports = &ports;
		cfg.scope_kind = sc.kind;
		cfg.report_closed = cfg.report_filtered = false;
		scan_key_random(cfg.key);
		rc = create_row(r, org, &cfg, id);
	}
	if (rc == 0)
		rc = enqueue(q, r, org, identify, *id);
	scan_scope_release(&sc);
	scan_ports_release(&ports);
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
void web_scan_form(struct web_req *r)
{
	web_out(r,
		"<form method=\"post\" action=\"/scans\" id=\"scan-start\" class=\"filter\">"
		"<label>%T <input name=\"org\" id=\"scan-org\" required size=\"16\"></label> "
		"<label>%T <input name=\"ports\" id=\"scan-ports\" value=\"top\" size=\"16\">"
		"</label> ",
		M_SLUG, M_PORTS);
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

const char *web_scan_state(struct web_req *r, int64_t id, const char *stored)
{
	struct web_scanq *q = r->opts ? r->opts->scanq : NULL;
	const char *out = stored;
	struct job *j;

	if (!q)
		return stored;
	pthread_mutex_lock(&q->mu);
	if ((j = job_find(q, id)) != NULL && job_active(j))
		out = job_state_names[j->state]; /* static strings */
	pthread_mutex_unlock(&q->mu);
	return out;
}

/* ---- progress: /scans/{id} and /api/v1/scans/{id} ---- */

struct view {
	struct scan_info info;
	struct job job; /* .state JOB_FREE when the runner does not know it */
	double percent; /* -1 unknown */
	double elapsed;
	const char *state;
};

static int count_open(void *arg, const struct scan_result *res)
{
	if (res->state == SCAN_OPEN)
		(*(uint64_t *)arg)++;
	return 0;
}

static int load_view(struct web_req *r, struct view *v)
{
	const char *ids = web_kv_get(&r->params, "id");
	int64_t id;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!ids || web_parse_uint(ids, INT64_MAX / 10, &id))
		return M_ENOTFOUND;
	if ((rc = scan_store_get(r->s, id, &v->info, &r->err)))
		return rc == M_ENOTFOUND ? M_ENOTFOUND : rc;
	if (r->opts && r->opts->scanq) {
		struct web_scanq *q = r->opts->scanq;
		struct job *j;
		pthread_mutex_lock(&q->mu);
		if ((j = job_find(q, id)) != NULL)
			v->job = *j;
		pthread_mutex_unlock(&q->mu);
	}
	if (job_active(&v->job) || (v->job.state != JOB_FREE && !v->info.finished_at)) {
		v->state = job_state_names[v->job.state];
		v->percent = v->job.end ? (double)v->job.pos * 100.0 / (double)v->job.end : 0;
		v->elapsed = v->job.elapsed;
		v->info.c.sent = v->job.sent;
		v->info.c.received = v->job.received;
		v->info.c.open = v->job.open;
	} else {
		v->state = v->job.state == JOB_FAILED ? "failed" : v->info.state;
		v->percent = strcmp(v->info.state, "done") == 0 ? 100 : -1;
		v->elapsed =
		    v->info.finished_at ? (double)(v->info.finished_at - v->info.started_at) : 0;
		if (v->job.state != JOB_FREE)
			v->elapsed = v->job.elapsed;
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
	if (v.job.ident[0])
		web_out(r, "<p id=\"scan-identify\">%s</p>", v.job.ident);
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
	if (v.job.ident[0])
		json_add_str(o, "identify", v.job.ident);
	op.arr = cJSON_AddArrayToObject(o, "open_ports");
	rc = scan_store_results(r->s, v.info.id, add_open, &op, &r->err);
	scan_info_release(&v.info);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}
