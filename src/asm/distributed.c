/*
 * distributed.c - the ASM cycle spread over workers: one "asm" job per organisation on the
 * shared store's job queue (src/job), run by `mamori worker` processes, followed by the
 * command that queued them (`mamori asm run --all --distributed`).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <time.h>

#include "asm/asm.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/stop.h"
#include "inventory/inventory.h"

#define DIST_POLL_MS 300
#define DIST_NET_ERRORS 10 /* lost connections to the store tolerated while following */

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int asm_distribute(struct store *s, const struct asm_opts *o, int64_t now,
		   struct asm_dist_job **out, size_t *n, struct merr *e)
{
	struct inv_slugs orgs;
	struct asm_dist_job *v = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = inv_org_slugs(s, &orgs, e)))
		return rc;
	if (orgs.n && !(v = m_calloc(orgs.n, sizeof(*v)))) {
		inv_slugs_release(&orgs);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	if ((rc = store_begin(s, e))) {
		m_free(v);
		inv_slugs_release(&orgs);
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < orgs.n; i++) {
		cJSON *p = cJSON_CreateObject();
		char subject[96], *text;
		snprintf(v[i].org, sizeof(v[i].org), "%s", orgs.v[i]);
		snprintf(subject, sizeof(subject), "asm:%s", orgs.v[i]);
		cJSON_AddStringToObject(p, "org", orgs.v[i]);
		if (o->mode)
			cJSON_AddStringToObject(p, "mode", o->mode);
		if (o->ports)
			cJSON_AddStringToObject(p, "ports", o->ports);
		if (o->resolver)
			cJSON_AddStringToObject(p, "resolver", o->resolver);
		if (o->rate > 0)
			cJSON_AddNumberToObject(p, "rate", o->rate);
		if (o->id_timeout > 0)
			cJSON_AddNumberToObject(p, "id_timeout", o->id_timeout);
		text = cJSON_PrintUnformatted(p);
		cJSON_Delete(p);
		if (!text) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		/* a savepoint: on PostgreSQL a refused INSERT (the key is held) aborts the
		 * enclosing transaction otherwise */
		if ((rc = store_begin(s, e)) == 0) {
			rc = job_submit(s,
					&(struct job_spec){.kind = "asm",
							   .subject = subject,
							   .payload = text,
							   .key = subject,
							   .max_attempts = 3,
							   .now = now},
					&v[i].job, e);
			if (rc == 0)
				rc = store_commit(s, e);
			else
				store_rollback(s);
		}
		if (rc == M_EEXIST && v[i].job) { /* already queued or running: follow that one */
			v[i].existed = true;
			merr_init(e);
			rc = 0;
		}
		cJSON_free(text);
	}
	if (rc == 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
	if (rc) {
		m_free(v);
		v = NULL;
	} else {
		*n = orgs.n;
	}
	inv_slugs_release(&orgs);
	*out = v;
	return rc;
}

int asm_distribute_wait(struct store *s, struct asm_dist_job *v, size_t n,
			volatile sig_atomic_t *stop, double timeout_s,
			void (*fn)(void *arg, const struct asm_dist_job *j), void *arg,
			struct merr *e)
{
	double t0 = mono_now();
	size_t left = 0;
	int net_errors = 0;

	for (size_t i = 0; i < n; i++)
		left += !v[i].ended;
	while (left) {
		for (size_t i = 0; i < n; i++) {
			int rc;
			if (v[i].ended)
				continue;
			if ((rc = job_get(s, v[i].job, &v[i].info, e))) {
				/* the store restarting: go on following for a while */
				if (rc != M_ENET || ++net_errors > DIST_NET_ERRORS)
					return rc;
				break;
			}
			if (v[i].info.state == JOB_DONE || v[i].info.state == JOB_FAILED ||
			    v[i].info.state == JOB_DEAD) {
				v[i].ended = true;
				left--;
				if (fn)
					fn(arg, &v[i]);
			}
		}
		if (!left)
			break;
		if (stop_level_of(stop))
			return merr_set(e, M_EINTR,
					"stopped following: %zu job(s) still queued or running "
					"(`mamori jobs list --kind asm`)",
					left);
		if (timeout_s > 0 && mono_now() - t0 > timeout_s)
			return merr_set(e, M_ETIMEOUT, "%zu job(s) not ended after %.0f s", left,
					timeout_s);
		struct timespec ts = {0, DIST_POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static const char *str(const cJSON *p, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int asm_org_job(struct job_ctx *x, struct store *s, const cJSON *payload, struct merr *e)
{
	const struct asm_job_config *c = job_arg(x);
	const cJSON *rate = cJSON_GetObjectItemCaseSensitive(payload, "rate"),
		    *idt = cJSON_GetObjectItemCaseSensitive(payload, "id_timeout");
	const char *org = str(payload, "org");
	struct asm_opts o;
	struct asm_summary sum;
	char note[JOB_TEXT_MAX], gb[2] = {0}, ga[2] = {0};
	int rc;

	if (!org || !*org)
		return merr_set(e, M_EPARSE, "asm job: payload wants org");
	asm_opts_init(&o, c ? c->data_dir : NULL);
	if (str(payload, "mode"))
		o.mode = str(payload, "mode");
	if (str(payload, "ports"))
		o.ports = str(payload, "ports");
	o.resolver = str(payload, "resolver");
	if (cJSON_IsNumber(rate) && rate->valuedouble > 0)
		o.rate = rate->valuedouble;
	if (cJSON_IsNumber(idt) && idt->valuedouble > 0)
		o.id_timeout = idt->valuedouble;
	if (strcmp(o.mode, "connect") && strcmp(o.mode, "syn"))
		return merr_set(e, M_EPARSE, "asm job: mode wants connect or syn");
	o.stop = job_stop_flag(x);
	if ((rc = asm_run_org(s, org, &o, time_now(), &sum, e)))
		return rc;
	gb[0] = sum.grade_before;
	ga[0] = sum.grade_after ? sum.grade_after : '-';
	snprintf(note, sizeof(note),
		 "run %lld: grade %s%s%s (%.1f), new %ld, fixed %ld, still open %ld, reopened %ld",
		 (long long)sum.run_id, gb[0] ? gb : "", gb[0] ? " -> " : "", ga, sum.score_after,
		 sum.opened, sum.fixed, sum.still_open, sum.reopened);
	job_note(x, note);
	return 0;
}
