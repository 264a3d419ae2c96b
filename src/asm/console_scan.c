/*
 * console_scan.c - a scan started from the console or the API: checked against the scope,
 * recorded (scan row, audit row) and queued as a "scan" job in one transaction; the job runs
 * the row as `mamori scan --resume` would, then identifies the services when asked, through
 * the same ident_run_org as `mamori identify` and `asm run`.
 */
#include "base/compat.h"

#include "base/stop.h"

#include <cjson/cJSON.h>

#include "asm/asm.h"
#include "auth/auth.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "identify/identify.h"
#include "job/job.h"
#include "scan/scan.h"
#include "share/share.h"

void asm_scan_subject(int64_t scan_id, char *out, size_t cap)
{
	snprintf(out, cap, "scan:%lld", (long long)scan_id);
}

static int refusal(const char *org, const struct scan_scope *sc, struct merr *e)
{
	return merr_set(e, M_ESCOPE, "%s は診断できません / %s cannot be scanned: %s", org, org,
			sc->n_refused ? sc->refused[0].reason
				      : "有効な診断同意がありません / no valid authorisation");
}

/* The scan row (left 'interrupted' at position 0 until a worker takes it, so a stop before
 * that leaves it resumable), its audit row and its job, in the caller's transaction. */
static int record(struct store *s, const struct asm_scan_request *q, const struct scan_config *cfg,
		  bool identify, int64_t *scan_id, int64_t *job_id, struct merr *e)
{
	struct scan_counters zero = {0};
	char ports[512], obj[64], detail[700], payload[300], key[200], subject[64];
	char *params = scan_params_json(cfg);
	int rc;

	if (!params)
		return merr_set(e, M_ENOMEM, "out of memory");
	scan_ports_format(cfg->ports, ports, sizeof(ports));
	rc = scan_store_create(s, q->org, cfg->mode, ports, params, q->now, scan_id, e);
	m_free(params);
	if (rc == 0)
		rc = scan_store_finish(s, *scan_id, "interrupted", &zero, 0, q->now, e);
	if (rc)
		return rc;
	snprintf(obj, sizeof(obj), "/scans/%lld", (long long)*scan_id);
	snprintf(detail, sizeof(detail), "org=%s ports=%s mode=%s", q->org, ports, cfg->mode);
	if ((rc = auth_audit(s, q->actor, "scan.start", obj, detail, q->now, e)))
		return rc;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "scan", (double)*scan_id);
	cJSON_AddStringToObject(p, "org", q->org);
	cJSON_AddBoolToObject(p, "identify", identify);
	if (!cJSON_PrintPreallocated(p, payload, sizeof(payload), false)) {
		cJSON_Delete(p);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	cJSON_Delete(p);
	if (cfg->n_shards > 1) /* one job per shard of the organisation's permutation */
		snprintf(key, sizeof(key), "scan:org:%s:shard:%u/%u", q->org, cfg->shard,
			 cfg->n_shards);
	else
		snprintf(key, sizeof(key), "scan:org:%s", q->org);
	asm_scan_subject(*scan_id, subject, sizeof(subject));
	rc = job_submit(
	    s,
	    &(struct job_spec){.kind = "scan",
			       .subject = subject,
			       .payload = payload,
			       .key = key,
			       .max_pending = cfg->n_shards > 1 ? 0 : ASM_SCAN_PENDING_MAX,
			       .now = q->now},
	    job_id, e);
	if (rc == M_EEXIST)
		return merr_set(e, M_EEXIST,
				"%s は診断中です / a scan of %s is already queued or running",
				q->org, q->org);
	if (rc == M_ETIMEOUT)
		return merr_set(e, M_ETIMEOUT, "診断待ちが満杯です / the scan queue is full (%d)",
				ASM_SCAN_PENDING_MAX);
	return rc;
}

/*
 * What the single and the sharded console scan share: the request checked, the org's scope
 * resolved (the one the CLI uses: its valid authorisations minus exclusions), then n_shards
 * scan rows and jobs (scan_id[i], job_id[i]: shard i of n_shards; 1: one unsharded scan) over
 * one permutation key, in one transaction. Connect probes, the policy defaults (the per-/24
 * cap among them) otherwise.
 */
static int submit(struct store *s, const struct asm_scan_request *q, unsigned n_shards,
		  int64_t *scan_id, int64_t *job_id, struct merr *e)
{
	bool identify = q->profile && strcmp(q->profile, "identify") == 0;
	const char *spec = q->ports && *q->ports ? q->ports : "top";
	struct scan_ports ports = {0};
	struct scan_scope sc;
	struct scan_config cfg;
	int rc;

	if (q->profile && *q->profile && !identify && strcmp(q->profile, "scan") != 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "profile", "profile is scan or identify");
	if (!q->org || !*q->org)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "org", "org is required");
	if ((rc = scan_ports_parse(spec, &ports, e)))
		return rc;
	scan_scope_init(&sc);
	rc = scan_scope_resolve(s, q->org, false, NULL, q->now, &sc, e);
	if (rc == 0 && sc.targets.n == 0)
		rc = refusal(q->org, &sc, e);
	if (rc == 0) {
		scan_config_init(&cfg);
		cfg.mode = "connect";
		if (q->rate > 0)
			cfg.rate = q->rate;
		cfg.targets = &sc.targets;
		cfg.allowed = &sc.allowed;
		cfg.ports = &ports;
		cfg.scope_kind = sc.kind;
		cfg.report_closed = cfg.report_filtered = false;
		cfg.n_shards = n_shards;
		scan_key_random(cfg.key); /* one key: every shard walks the same permutation */
		if ((rc = store_begin_immediate(s, e)) == 0) {
			for (unsigned i = 0; rc == 0 && i < n_shards; i++) {
				cfg.shard = i;
				rc = record(s, q, &cfg, identify, &scan_id[i], &job_id[i], e);
			}
			if (rc)
				store_rollback(s);
			else
				rc = store_commit(s, e);
		}
	}
	scan_scope_release(&sc);
	scan_ports_release(&ports);
	return rc;
}

int asm_scan_submit(struct store *s, const struct asm_scan_request *q, int64_t *scan_id,
		    int64_t *job_id, struct merr *e)
{
	int rc;

	*scan_id = *job_id = 0;
	if ((rc = submit(s, q, 1, scan_id, job_id, e)))
		*scan_id = *job_id = 0;
	return rc;
}

int asm_scan_submit_shards(struct store *s, const struct asm_scan_request *q, unsigned n_shards,
			   struct asm_dist_job **out, struct merr *e)
{
	struct asm_dist_job *v;
	int64_t *ids; /* the scan rows' ids, then the jobs' */
	int rc;

	*out = NULL;
	if (n_shards < 1 || n_shards > ASM_SHARDS_MAX)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "shards", "shards is 1 to %d",
			       ASM_SHARDS_MAX);
	v = m_calloc(n_shards, sizeof(*v));
	ids = m_calloc(2 * (size_t)n_shards, sizeof(*ids));
	if (!v || !ids)
		rc = merr_set(e, M_ENOMEM, "out of memory");
	else
		rc = submit(s, q, n_shards, ids, ids + n_shards, e);
	for (unsigned i = 0; rc == 0 && i < n_shards; i++) {
		snprintf(v[i].org, sizeof(v[i].org), "%s", q->org);
		v[i].job = ids[n_shards + i];
	}
	m_free(ids);
	if (rc)
		m_free(v);
	else
		*out = v;
	return rc;
}

/* ---------------------------------------------------------------- the job */

struct run_ctx {
	struct job_ctx *x;
	struct job_progress p;
};

static void on_progress(void *arg, const struct scan_progress *sp)
{
	struct run_ctx *r = arg;

	r->p.done = sp->pos;
	r->p.total = sp->end;
	r->p.n[0] = sp->c->sent;
	r->p.n[1] = sp->c->received;
	r->p.n[2] = sp->c->open;
	r->p.elapsed = sp->elapsed;
	job_progress_set(r->x, &r->p);
}

/* Runs scan id as `mamori scan --resume id` would: parameters from its row, the scope fetched
 * again now, every probe re-checked against it. */
static int run_scan(struct run_ctx *r, struct store *s, int64_t id, struct scan_outcome *oc,
		    struct merr *e)
{
	const struct asm_job_config *c = job_arg(r->x);
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
		p.cfg.stop = job_stop_flag(r->x);
		p.cfg.max_runtime = c ? c->max_runtime : 0;
		p.cfg.progress = on_progress;
		p.cfg.progress_arg = r;
		rc = scan_session_run(s, p.org, NULL, &p.cfg, id, NULL, &sid, oc, e);
	}
	scan_scope_release(&sc);
	scan_params_release(&p);
	return rc;
}

static int scan_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e)
{
	const struct asm_job_config *c = job_arg(x);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(payload, "scan"),
		    *org = cJSON_GetObjectItemCaseSensitive(payload, "org");
	bool identify = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(payload, "identify"));
	struct run_ctx r = {x, {{0}, 0, 0, {0}, 0}};
	struct scan_outcome oc;
	struct ident_run_opts o;
	struct ident_run_result res;
	char line[JOB_TEXT_MAX];
	int rc;

	if (!cJSON_IsNumber(id) || !cJSON_IsString(org))
		return merr_set(e, M_EPARSE, "scan job: payload wants scan and org");
	if ((rc = run_scan(&r, s, (int64_t)id->valuedouble, &oc, e)))
		return rc;
	r.p.done = r.p.total;
	r.p.n[0] = oc.c.sent;
	r.p.n[1] = oc.c.received;
	r.p.n[2] = oc.c.open;
	r.p.elapsed = oc.elapsed;
	if (!oc.complete && stop_level_of(job_stop_flag(x)))
		return merr_set(e, M_EINTR, "stopped with the server: continued at its next start");
	if (!identify || !oc.complete) {
		job_progress_set(x, &r.p);
		return 0;
	}
	snprintf(r.p.phase, sizeof(r.p.phase), "identifying");
	job_progress_set(x, &r.p);
	ident_run_opts_init(&o);
	o.data_dir = c ? c->data_dir : NULL;
	o.org = org->valuestring;
	o.only_scan = (int64_t)id->valuedouble;
	o.max_orgs = 1;
	o.stop = job_stop_flag(x);
	rc = ident_run_org(s, &o, &res, e);
	if (rc == 0) {
		ident_run_summary(&res, line, sizeof(line));
		job_note(x, line);
	}
	ident_run_result_release(&res);
	return rc;
}

const struct job_kind asm_job_kinds[] = {
    {"scan", scan_job, 0},
    /* a whole cycle for one organisation; a short lease the worker's heartbeat renews, so a
     * killed worker's organisation goes to another worker within two minutes */
    {"asm", asm_org_job, 120},
    /* share: scheduled TAXII pulls of partners' collections (src/share/remote.c) */
    {"share-pull", share_pull_job, 3600},
};
const size_t asm_job_kinds_len = ARRAY_SIZE(asm_job_kinds);
