/*
 * run.c - the identify use case in one call (ident_run_org): the shared Recog database, the
 * open ports to probe, the engine's configuration and the session that records the runs. The
 * CLI (`mamori identify`, `mamori scan --identify`), the console's scan jobs and `asm run` call
 * it; none of them loads Recog itself.
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "fingerprint/fingerprint.h"
#include "identify/identify.h"

/* One loaded database per data folder, kept for the life of the process (read-only once
 * built, so the engine's workers and every job share it). */
struct recog_entry {
	struct recog_entry *next;
	struct fp_db *db;
	char dir[];
};

static pthread_mutex_t recog_mu = PTHREAD_MUTEX_INITIALIZER;
static struct recog_entry *recog_cache;
static unsigned recog_loads;

int ident_recog_shared(const char *data_dir, const struct fp_db **out, struct merr *e)
{
	struct recog_entry *x;
	struct fp_db *db = NULL;
	char dir[4096];
	int rc;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s/recog", data_dir && *data_dir ? data_dir : ".");
	pthread_mutex_lock(&recog_mu);
	for (x = recog_cache; x; x = x->next)
		if (strcmp(x->dir, dir) == 0)
			break;
	if (x) {
		*out = x->db;
		pthread_mutex_unlock(&recog_mu);
		return 0;
	}
	/* Loaded under the lock: a second caller waits for this load instead of doing its own. */
	rc = fp_db_load(dir, &db, e);
	if (rc == 0)
		rc = ident_db_add_local(db, e);
	size_t len = strlen(dir);
	if (rc == 0 && !(x = m_malloc(sizeof(*x) + len + 1)))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (rc == 0) {
		recog_loads++;
		memcpy(x->dir, dir, len + 1);
		x->db = db;
		x->next = recog_cache;
		recog_cache = x;
		*out = db;
	} else {
		fp_db_free(db);
	}
	pthread_mutex_unlock(&recog_mu);
	return rc;
}

unsigned ident_recog_loads(void)
{
	pthread_mutex_lock(&recog_mu);
	unsigned n = recog_loads;
	pthread_mutex_unlock(&recog_mu);
	return n;
}

void ident_recog_cache_clear(void)
{
	pthread_mutex_lock(&recog_mu);
	while (recog_cache) {
		struct recog_entry *x = recog_cache;
		recog_cache = x->next;
		fp_db_free(x->db);
		m_free(x);
	}
	pthread_mutex_unlock(&recog_mu);
}

void ident_run_opts_init(struct ident_run_opts *o)
{
	memset(o, 0, sizeof(*o));
}

static int add_hosts(struct ident_work *w, const struct ident_run_opts *o, struct merr *e)
{
	for (size_t i = 0; i < o->n_hosts; i++) {
		char name[256];
		const char *h = o->hosts[i], *eq = strchr(h, '=');
		struct ipaddr ip;
		int rc;
		if (!eq || (size_t)(eq - h) >= sizeof(name) || ip_parse(eq + 1, &ip))
			return merr_set(e, M_EINVAL, "--host wants NAME=IP, not '%s'", h);
		memcpy(name, h, (size_t)(eq - h));
		name[eq - h] = '\0';
		if ((rc = ident_work_add_host(w, o->org, name, &ip, e)))
			return rc;
	}
	return 0;
}

int ident_run_org(struct store *s, const struct ident_run_opts *o, struct ident_run_result *res,
		  struct merr *e)
{
	const struct fp_db *db = NULL;
	struct ident_config cfg;
	int64_t now = o->now ? o->now : time_now();
	int rc;

	memset(res, 0, sizeof(*res));
	rc = ident_recog_shared(o->data_dir, &db, e);
	if (rc == 0)
		rc = ident_work_load(s, o->org, o->only_scan, now, &res->work, e);
	if (rc == 0 && o->whole_scan)
		res->work.subset = false;
	if (rc == 0)
		rc = add_hosts(&res->work, o, e);
	if (rc == 0 && o->max_orgs && res->work.n_orgs > o->max_orgs)
		rc = merr_set(e, M_EINVAL, "identify: one organisation expected");
	if (rc == 0 && o->on_refused)
		for (size_t i = 0; i < res->work.n_refused; i++)
			o->on_refused(o->arg, &res->work.refused[i]);
	if (rc == 0 &&
	    !(res->runs = m_calloc(res->work.n_orgs ? res->work.n_orgs : 1, sizeof(*res->runs))))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (rc == 0) {
		ident_config_init(&cfg);
		cfg.db = db;
		cfg.now = now;
		cfg.stop = o->stop;
		if (o->timeout > 0)
			cfg.timeout = o->timeout;
		if (o->silent_wait > 0)
			cfg.silent_wait = o->silent_wait;
		if (o->concurrency)
			cfg.concurrency = o->concurrency;
		rc = ident_session_run(s, &cfg, &res->work, o->out, &res->k, res->runs,
				       &res->n_runs, e);
	}
	return rc;
}

void ident_run_result_release(struct ident_run_result *res)
{
	ident_work_release(&res->work);
	m_free(res->runs);
	memset(res, 0, sizeof(*res));
}

void ident_run_summary(const struct ident_run_result *res, char *line, size_t cap)
{
	const struct ident_counters *k = &res->k;

	snprintf(line, cap,
		 "%zu ポート: 識別 %zu, 未識別 %zu, 無応答 %zu, 拒否 %zu / ports: identified, "
		 "unidentified, silent, refused (%.1f s%s)",
		 k->targets, k->identified, k->unidentified, k->silent, res->work.n_refused,
		 k->elapsed, res->n_runs && res->runs[0].complete ? ", complete" : "");
}
