/*
 * job.c - the jobs table (submit, read) and the in-process queue: worker threads that claim
 * the oldest queued row of a kind they know, run its handler and record the outcome.
 */
#include "base/compat.h"

#include "base/stop.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "job/job.h"

#define JOB_WORKERS_MAX 8
#define JOB_KINDS_MAX 8
#define JOB_MEM_MAX 64		     /* jobs remembered in memory (queued, running, recent) */
#define JOB_LEASE_DEFAULT (6 * 3600) /* seconds */
#define JOB_PRUNE_EVERY 3600	     /* seconds between the workers' prunes of finished jobs */
#define JOB_RETRY_DELAY 30 /* seconds before a transient failure is retried, × attempts */

static const char *const state_names[] = {"queued", "running", "done", "failed", "dead"};

const char *job_state_name(enum job_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

static enum job_state state_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(state_names); i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum job_state)i;
	return JOB_FAILED;
}

/* ---------------------------------------------------------------- rows */

int job_submit(struct store *s, const struct job_spec *j, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *p = NULL;
	int64_t n = 0;
	int rc;

	*id = 0;
	if (!j->kind || !*j->kind || strlen(j->kind) >= sizeof(((struct job_info *)0)->kind))
		return merr_set(e, M_EINVAL, "job: no kind");
	if (j->payload && (!(p = cJSON_Parse(j->payload)) || !cJSON_IsObject(p))) {
		cJSON_Delete(p);
		return merr_at(e, M_EINVAL, NULL, -1, -1, "payload", "not a JSON object");
	}
	cJSON_Delete(p);
	if (j->key) {
		if ((rc = store_prepare(s,
					"SELECT id FROM jobs WHERE idem_key = ? AND state IN "
					"('queued', 'running')",
					&st, e)))
			return rc;
		stmt_bind_text(st, 1, j->key);
		rc = stmt_step(st, e);
		if (rc == 1)
			*id = stmt_int64(st, 0);
		stmt_finalize(st);
		if (rc < 0)
			return rc;
		if (*id)
			return merr_set(e, M_EEXIST, "job %lld already holds %s", (long long)*id,
					j->key);
	}
	if (j->max_pending) {
		if ((rc = store_prepare(s,
					"SELECT count(*) FROM jobs WHERE kind = ? AND state IN "
					"('queued', 'running')",
					&st, e)))
			return rc;
		stmt_bind_text(st, 1, j->kind);
		rc = stmt_step(st, e);
		n = rc == 1 ? stmt_int64(st, 0) : 0;
		stmt_finalize(st);
		if (rc < 0)
			return rc;
		if (n >= j->max_pending)
			return merr_set(e, M_ETIMEOUT, "job queue %s is full (%u)", j->kind,
					j->max_pending);
	}
	if ((rc =
		 store_prepare(s,
			       "INSERT INTO jobs (kind, subject, payload, idem_key, max_attempts, "
			       "created_at, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			       &st, e)))
		return rc;
	stmt_bind_text(st, 1, j->kind);
	stmt_bind_text(st, 2, j->subject);
	stmt_bind_text(st, 3, j->payload ? j->payload : "{}");
	stmt_bind_text(st, 4, j->key);
	stmt_bind_int64(st, 5, j->max_attempts > 0 ? j->max_attempts : 3);
	stmt_bind_int64(st, 6, j->now);
	if (j->not_before > j->now) /* a queued row's lease_until delays its claim */
		stmt_bind_int64(st, 7, j->not_before);
	else
		stmt_bind_null(st, 7);
	rc = stmt_step(st, e);
	if (rc == 1)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc == M_EEXIST)
		return merr_set(e, M_EEXIST, "a job already holds %s", j->key ? j->key : "");
	if (rc < 0)
		return rc;
	/* PostgreSQL: idle workers wake when the caller's transaction commits */
	return store_notify(s, JOB_CHANNEL, e);
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

#define INFO_COLS                                                                                 \
	"id, kind, subject, state, attempts, max_attempts, created_at, started_at, finished_at, " \
	"error, note, lease_owner"

static int info_read(struct store_stmt *st, struct job_info *out, struct merr *e)
{
	int rc = stmt_step(st, e);

	memset(out, 0, sizeof(*out));
	if (rc == 1) {
		out->id = stmt_int64(st, 0);
		copy(out->kind, sizeof(out->kind), stmt_text(st, 1));
		copy(out->subject, sizeof(out->subject), stmt_text(st, 2));
		out->state = state_parse(stmt_text(st, 3));
		out->attempts = (int)stmt_int64(st, 4);
		out->max_attempts = (int)stmt_int64(st, 5);
		out->created_at = stmt_int64(st, 6);
		out->started_at = stmt_int64(st, 7);
		out->finished_at = stmt_int64(st, 8);
		copy(out->error, sizeof(out->error), stmt_text(st, 9));
		copy(out->note, sizeof(out->note), stmt_text(st, 10));
		copy(out->worker, sizeof(out->worker), stmt_text(st, 11));
	}
	stmt_finalize(st);
	return rc < 0 ? rc : rc == 1 ? 0 : M_ENOTFOUND;
}

int job_get(struct store *s, int64_t id, struct job_info *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT " INFO_COLS " FROM jobs WHERE id = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	return info_read(st, out, e);
}

int job_find(struct store *s, const char *subject, struct job_info *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s, "SELECT " INFO_COLS " FROM jobs WHERE subject = ? ORDER BY id DESC LIMIT 1", &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, subject);
	return info_read(st, out, e);
}

/* ---------------------------------------------------------------- the queue */

struct mem_job {
	int64_t id, seq;
	char subject[128];
	struct job_view v;
};

struct job_queue {
	struct job_queue_config cfg;
	struct job_kind kinds[JOB_KINDS_MAX];
	char *db;
	char owner[96];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th[JOB_WORKERS_MAX], hb;
	unsigned n_th;
	bool has_hb;
	int64_t last_reclaim; /* PostgreSQL: when claim last took expired leases back */
	bool quit;
	volatile sig_atomic_t own_stop;
	volatile sig_atomic_t *stop; /* &own_stop, or the caller's (job_run_pending) */
	struct mem_job mem[JOB_MEM_MAX];
	int64_t seq;
	int64_t next_prune;		   /* when a worker prunes finished jobs next (mu) */
	int64_t recur_last[JOB_KINDS_MAX]; /* the period each recurring job was last submitted */
};

struct job_ctx {
	struct job_queue *q;
	int64_t id;
};

/* The memory slot of job id (mu held): the existing one, else a free or the oldest
 * finished one taken over; NULL when every slot is queued or running. */
static struct mem_job *mem_slot(struct job_queue *q, int64_t id, bool create)
{
	struct mem_job *take = NULL;

	for (size_t i = 0; i < JOB_MEM_MAX; i++) {
		struct mem_job *m = &q->mem[i];
		if (m->id == id && id)
			return m;
		if (!create)
			continue;
		bool busy = m->id && (m->v.state == JOB_QUEUED || m->v.state == JOB_RUNNING);
		if (!busy && (!take || !m->id || (take->id && m->seq < take->seq)))
			take = m;
	}
	if (take) {
		memset(take, 0, sizeof(*take));
		take->id = take->v.id = id;
		take->seq = ++q->seq;
	}
	return take;
}

void job_queue_wake(struct job_queue *q, int64_t id, const char *subject)
{
	struct mem_job *m;

	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	/* a worker may have taken (or even finished) it already: then it knows better */
	if (!mem_slot(q, id, false) && (m = mem_slot(q, id, true)) != NULL) {
		copy(m->subject, sizeof(m->subject), subject);
		m->v.state = JOB_QUEUED;
	}
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

bool job_queue_peek(struct job_queue *q, const char *subject, struct job_view *out)
{
	const struct mem_job *best = NULL;

	if (!q || !subject)
		return false;
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < JOB_MEM_MAX; i++)
		if (q->mem[i].id && strcmp(q->mem[i].subject, subject) == 0 &&
		    (!best || q->mem[i].id > best->id))
			best = &q->mem[i];
	if (best)
		*out = best->v;
	pthread_mutex_unlock(&q->mu);
	return best != NULL;
}

int64_t job_id(const struct job_ctx *x)
{
	return x->id;
}

void *job_arg(const struct job_ctx *x)
{
	return x->q->cfg.arg;
}

volatile sig_atomic_t *job_stop_flag(struct job_ctx *x)
{
	return x->q->stop;
}

void job_progress_set(struct job_ctx *x, const struct job_progress *p)
{
	struct mem_job *m;

	pthread_mutex_lock(&x->q->mu);
	if ((m = mem_slot(x->q, x->id, false)) != NULL)
		m->v.p = *p;
	pthread_mutex_unlock(&x->q->mu);
}

void job_note(struct job_ctx *x, const char *text)
{
	struct mem_job *m;

	pthread_mutex_lock(&x->q->mu);
	if ((m = mem_slot(x->q, x->id, false)) != NULL)
		copy(m->v.note, sizeof(m->v.note), text);
	pthread_mutex_unlock(&x->q->mu);
}

/* Running rows whose lease ran out (their worker is gone) go back to the queue, or are dead
 * after their last attempt. */
static int reclaim(struct store *s, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE "
	    "'queued' END, finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS "
	    "INTEGER) END, "
	    "lease_owner = NULL, lease_until = NULL, error = 'lease expired: the worker is gone' "
	    "WHERE state = 'running' AND lease_until < ?",
	    &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_int64(st, 2, now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

struct claimed {
	int64_t id;
	const struct job_kind *kind;
	char *payload;
	char subject[128];
};

/* "CASE kind WHEN ? THEN lease ... ELSE default END" (one ? per kind) into sql at len. */
static size_t lease_case(const struct job_queue *q, char *sql, size_t cap, size_t len)
{
	len += (size_t)snprintf(sql + len, cap - len, "CASE kind");
	for (size_t i = 0; i < q->cfg.n_kinds; i++)
		len += (size_t)snprintf(sql + len, cap - len, " WHEN ? THEN %lld",
					(long long)q->kinds[i].lease_s);
	len += (size_t)snprintf(sql + len, cap - len, " ELSE %d END", JOB_LEASE_DEFAULT);
	return len;
}

static bool on_postgres(struct store *s)
{
	return strcmp(store_backend_name(s), "postgres") == 0;
}

/* Takes the oldest queued rows of a known kind, at most k (1 on SQLite): how many, into
 * c[0..], oldest first; 0 when there is none. On PostgreSQL the rows are locked FOR UPDATE
 * SKIP LOCKED, so concurrent workers (threads or processes on other machines) each take other
 * rows without waiting on each other; SQLite has one writer at a time (BEGIN IMMEDIATE) and
 * needs no more. */
static int claim(struct job_queue *q, struct store *s, struct claimed *c, size_t k, struct merr *e)
{
	char sql[1024];
	size_t len, n = 0;
	struct store_stmt *st = NULL;
	int64_t now = time_now();
	bool pg = on_postgres(s);
	int rc;

	if (!pg || k < 1)
		k = 1;
	memset(c, 0, sizeof(*c) * k);
	len = (size_t)snprintf(sql, sizeof(sql),
			       "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
			       "lease_owner = ?, started_at = ?, lease_until = ? + ");
	len = lease_case(q, sql, sizeof(sql), len);
	/* On PostgreSQL the ids come through ARRAY(...), an uncorrelated expression run once:
	 * `id IN (SELECT … LIMIT k FOR UPDATE SKIP LOCKED)` may be planned as a semi-join that
	 * runs the subquery again per outer row, claiming more than k rows (seen: a worker of
	 * concurrency 1 holding three scan shards it never ran). */
	len +=
	    (size_t)snprintf(sql + len, sizeof(sql) - len,
			     " WHERE id %s (SELECT id FROM jobs WHERE state = "
			     "'queued' AND (lease_until IS NULL OR lease_until <= ?) AND kind IN (",
			     pg ? "= ANY(ARRAY" : "IN");
	for (size_t i = 0; i < q->cfg.n_kinds; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?", i ? ", " : "");
	snprintf(sql + len, sizeof(sql) - len,
		 ") ORDER BY id LIMIT ?%s) AND state = 'queued' RETURNING id, kind, payload, "
		 "subject",
		 pg ? " FOR UPDATE SKIP LOCKED)" : "");
	if (pg) {
		/* one statement in autocommit: SKIP LOCKED makes the claim atomic and lets
		 * concurrent workers pass each other's rows; expired leases are taken back at most
		 * once a second (of the clock) per queue */
		int64_t last = __atomic_load_n(&q->last_reclaim, __ATOMIC_RELAXED);
		if (last != now &&
		    __atomic_compare_exchange_n(&q->last_reclaim, &last, now, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
		    (rc = reclaim(s, now, e)))
			return rc;
		if ((rc = store_prepare(s, sql, &st, e)))
			return rc;
		goto claim;
	}
	/* A read first: an idle queue takes no write lock on every poll. */
	int64_t work = 0;
	if ((rc = store_prepare(
		 s,
		 "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE (state = 'queued' AND "
		 "(lease_until IS NULL OR lease_until <= ?)) OR (state = 'running' AND "
		 "lease_until < ?) LIMIT 1) AS w",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_int64(st, 2, now);
	if ((rc = stmt_step(st, e)) == 1)
		work = stmt_int64(st, 0);
	stmt_finalize(st);
	st = NULL;
	if (rc < 0 || !work)
		return rc < 0 ? rc : 0;
	if ((rc = store_begin_immediate(s, e)))
		return rc;
	if ((rc = reclaim(s, now, e)) || (rc = store_prepare(s, sql, &st, e))) {
		store_rollback(s);
		return rc;
	}
claim:;
	int b = 1;
	stmt_bind_text(st, b++, q->owner);
	stmt_bind_int64(st, b++, now);
	stmt_bind_int64(st, b++, now);
	for (size_t i = 0; i < q->cfg.n_kinds; i++)
		stmt_bind_text(st, b++, q->kinds[i].name);
	stmt_bind_int64(st, b++, now);
	for (size_t i = 0; i < q->cfg.n_kinds; i++)
		stmt_bind_text(st, b++, q->kinds[i].name);
	stmt_bind_int64(st, b++, (int64_t)k);
	for (rc = stmt_step(st, e); rc == 1 && n < k; rc = stmt_step(st, e), n++) {
		struct claimed *x = &c[n];
		x->id = stmt_int64(st, 0);
		for (size_t i = 0; i < q->cfg.n_kinds; i++)
			if (strcmp(q->kinds[i].name, stmt_text(st, 1)) == 0)
				x->kind = &q->kinds[i];
		x->payload = m_strdup(stmt_text(st, 2) ? stmt_text(st, 2) : "{}");
		copy(x->subject, sizeof(x->subject), stmt_text(st, 3));
	}
	stmt_finalize(st);
	/* RETURNING gives no order: oldest first */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && c[j - 1].id > c[j].id; j--) {
			struct claimed t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	if (rc < 0 && pg && n == 0)
		return rc;
	if (pg)
		return (int)n;
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			m_free(c[i].payload);
		store_rollback(s);
		return rc;
	}
	if ((rc = store_commit(s, e))) {
		for (size_t i = 0; i < n; i++)
			m_free(c[i].payload);
		return rc;
	}
	return (int)n;
}

static bool transient(int code)
{
	return code == M_ESTORE || code == M_EIO || code == M_ENET || code == M_ETIMEOUT ||
	       code == M_ENOMEM;
}

/* How the job ended: done, back to the queue (stopped, or a transient failure with attempts
 * left; *not_before then delays it), failed or dead. */
static enum job_state decide(struct job_queue *q, struct store *s, const struct claimed *c,
			     int code, int64_t now, int64_t *not_before)
{
	struct merr e;
	int64_t attempts = 0, max = 0;
	enum job_state to = JOB_DONE;

	merr_init(&e);
	*not_before = 0;
	if (code) {
		struct job_info ji;
		if (job_get(s, c->id, &ji, &e) == 0) {
			attempts = ji.attempts;
			max = ji.max_attempts;
		}
		if (code == M_EINTR && stop_level_of(q->stop)) {
			to = JOB_QUEUED; /* continued at the next start */
		} else if (transient(code)) {
			to = attempts < max ? JOB_QUEUED : JOB_DEAD;
			*not_before = now + JOB_RETRY_DELAY * attempts;
		} else {
			to = JOB_FAILED;
		}
	}
	return to;
}

static void record(struct job_queue *q, struct store *s, const struct claimed *c, enum job_state to,
		   int64_t now, int64_t not_before, const char *error, const char *note)
{
	struct store_stmt *st = NULL;
	struct merr e;

	merr_init(&e);
	if (store_prepare(s,
			  /* an ended job keeps the worker that ran it (jobs show) */
			  "UPDATE jobs SET state = ?1, finished_at = ?2, lease_owner = CASE WHEN "
			  "?1 = 'queued' THEN NULL ELSE lease_owner END, lease_until = ?3, error = "
			  "?4, note = ?5 WHERE id = ?6 AND (lease_owner = ?7 OR state = 'queued')",
			  &st, &e) == 0) {
		stmt_bind_text(st, 1, job_state_name(to));
		if (to == JOB_QUEUED)
			stmt_bind_null(st, 2);
		else
			stmt_bind_int64(st, 2, now);
		if (not_before)
			stmt_bind_int64(st, 3, not_before);
		else
			stmt_bind_null(st, 3);
		if (error && *error)
			stmt_bind_text(st, 4, error);
		else
			stmt_bind_null(st, 4);
		if (note && *note)
			stmt_bind_text(st, 5, note);
		else
			stmt_bind_null(st, 5);
		stmt_bind_int64(st, 6, c->id);
		stmt_bind_text(st, 7, q->owner);
		/* a row another worker took back (this one's lease ran out) stays as it is */
		if (stmt_step(st, &e) < 0)
			log_error("job", "job %lld: cannot record its end: %s", (long long)c->id,
				  e.msg);
		stmt_finalize(st);
	} else {
		log_error("job", "job %lld: cannot record its end: %s", (long long)c->id, e.msg);
	}
}

/*
 * A worker's claimed jobs (PostgreSQL). A claim takes up to `want` rows in one statement:
 * 1 at first, doubling up to JOB_CLAIM_MAX while the jobs of the last claim ran quicker than
 * JOB_QUICK_MS each, back to 1 after a slower one (so long jobs, such as scan shards, stay
 * spread over the workers). Jobs that end done with no error or note are recorded together
 * in one UPDATE, when the claimed jobs are all run or JOB_DONE_WAIT_MS after the first of
 * them ended, whichever comes first. Jobs claimed but not started when the worker stops go
 * back to the queue with the attempt given back.
 */
#define JOB_CLAIM_MAX 32
#define JOB_QUICK_MS 20
#define JOB_DONE_WAIT_MS 100

struct batch {
	struct claimed c[JOB_CLAIM_MAX];
	size_t n, next; /* claimed, next to run */
	int64_t done[JOB_CLAIM_MAX];
	size_t n_done;
	double first_done, started; /* monotonic seconds */
	size_t want;
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "{1,2,3}": the ids as a PostgreSQL array literal. */
static void id_array(const int64_t *ids, size_t n, char *out, size_t cap)
{
	size_t len = (size_t)snprintf(out, cap, "{");
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%lld", i ? "," : "",
					(long long)ids[i]);
	if (len < cap)
		snprintf(out + len, cap - len, "}");
}

/* Records the deferred done jobs in one statement, then shows them ended in memory. */
static void batch_flush(struct job_queue *q, struct store *s, struct batch *b)
{
	struct store_stmt *st = NULL;
	char ids[JOB_CLAIM_MAX * 24];
	struct merr e;

	if (!b->n_done)
		return;
	merr_init(&e);
	id_array(b->done, b->n_done, ids, sizeof(ids));
	if (store_prepare(s,
			  "UPDATE jobs SET state = 'done', finished_at = ?, lease_until = NULL,"
			  " error = NULL, note = NULL WHERE id = ANY(CAST(? AS BIGINT[]))"
			  " AND (lease_owner = ? OR state = 'queued')",
			  &st, &e) == 0) {
		stmt_bind_int64(st, 1, time_now());
		stmt_bind_text(st, 2, ids);
		stmt_bind_text(st, 3, q->owner);
		if (stmt_step(st, &e) < 0)
			log_error("job", "jobs %s: cannot record their end: %s", ids, e.msg);
		stmt_finalize(st);
	} else {
		log_error("job", "jobs %s: cannot record their end: %s", ids, e.msg);
	}
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < b->n_done; i++) {
		struct mem_job *m = mem_slot(q, b->done[i], false);
		if (m) {
			m->v.state = JOB_DONE;
			m->v.error[0] = '\0';
		}
	}
	pthread_mutex_unlock(&q->mu);
	b->n_done = 0;
}

/* Gives the claimed jobs not started back to the queue (the worker stops). */
static void batch_release(struct job_queue *q, struct store *s, struct batch *b)
{
	int64_t ids_n[JOB_CLAIM_MAX];
	char ids[JOB_CLAIM_MAX * 24];
	struct store_stmt *st = NULL;
	size_t n = 0;
	struct merr e;

	batch_flush(q, s, b);
	for (; b->next < b->n; b->next++) {
		ids_n[n++] = b->c[b->next].id;
		m_free(b->c[b->next].payload);
		b->c[b->next].payload = NULL;
	}
	b->n = b->next = 0;
	if (!n || !s)
		return;
	merr_init(&e);
	id_array(ids_n, n, ids, sizeof(ids));
	if (store_prepare(s,
			  "UPDATE jobs SET state = 'queued', attempts = attempts - 1,"
			  " lease_owner = NULL, lease_until = NULL, started_at = NULL"
			  " WHERE id = ANY(CAST(? AS BIGINT[])) AND lease_owner = ?"
			  " AND state = 'running'",
			  &st, &e) == 0) {
		stmt_bind_text(st, 1, ids);
		stmt_bind_text(st, 2, q->owner);
		if (stmt_step(st, &e) < 0)
			log_error("job", "jobs %s: cannot give them back: %s", ids, e.msg);
		stmt_finalize(st);
	} else {
		log_error("job", "jobs %s: cannot give them back: %s", ids, e.msg);
	}
}

/* The next job to run into *out: the next claimed one, else a new claim of up to `want`
 * (at most limit when limit > 0). 1, 0 when the queue has none, or a negative code. */
static int batch_next(struct job_queue *q, struct store *s, struct batch *b, size_t limit,
		      struct claimed *out, struct merr *e)
{
	int got;

	if (b->n_done && (b->next >= b->n || mono_s() - b->first_done > JOB_DONE_WAIT_MS / 1e3))
		batch_flush(q, s, b);
	if (b->next >= b->n) {
		size_t k;
		if (b->n) { /* adapt to how quick the last claim's jobs were */
			double per = (mono_s() - b->started) / (double)b->n;
			b->want = per * 1e3 < JOB_QUICK_MS
				      ? (b->want * 2 > JOB_CLAIM_MAX ? JOB_CLAIM_MAX : b->want * 2)
				      : 1;
		}
		for (size_t i = 0; i < q->cfg.n_kinds; i++)
			if (!q->kinds[i].batch)
				b->want = 1; /* a long kind: one job a claim */
		if (b->want < 1)
			b->want = 1;
		k = limit && limit < b->want ? limit : b->want;
		b->n = b->next = 0;
		got = claim(q, s, b->c, k, e);
		if (got <= 0)
			return got;
		b->n = (size_t)got;
		b->started = mono_s();
	}
	*out = b->c[b->next];
	b->c[b->next++].payload = NULL;
	return 1;
}

static void run_claimed(struct job_queue *q, struct store *s, struct claimed *c, struct batch *b)
{
	struct job_ctx x = {q, c->id};
	struct mem_job *m;
	cJSON *payload = cJSON_Parse(c->payload);
	char note[JOB_TEXT_MAX] = "", err[JOB_TEXT_MAX] = "";
	struct merr e;
	int rc;

	pthread_mutex_lock(&q->mu);
	if ((m = mem_slot(q, c->id, true)) != NULL) {
		copy(m->subject, sizeof(m->subject), c->subject);
		m->v.state = JOB_RUNNING;
		m->v.error[0] = m->v.note[0] = '\0';
	}
	pthread_mutex_unlock(&q->mu);
	merr_init(&e);
	if (!c->kind)
		rc = merr_set(&e, M_EUNSUPPORTED, "no handler for this kind");
	else if (!cJSON_IsObject(payload))
		rc = merr_set(&e, M_EPARSE, "payload is not a JSON object: the job cannot run");
	else
		rc = c->kind->run(&x, s, payload, &e);
	bool unparsable = c->kind && !cJSON_IsObject(payload);
	cJSON_Delete(payload);
	if (rc) {
		merr_format(&e, err, sizeof(err));
		log_error("job", "job %lld (%s): %s", (long long)c->id, c->subject, err);
	}
	pthread_mutex_lock(&q->mu);
	if ((m = mem_slot(q, c->id, false)) != NULL)
		copy(note, sizeof(note), m->v.note);
	pthread_mutex_unlock(&q->mu);
	int64_t now = time_now(), not_before;
	enum job_state to = decide(q, s, c, rc, now, &not_before);
	if (unparsable)
		to = JOB_DEAD; /* no attempt can succeed: dead with the reason (jobs retry) */
	if (b && to == JOB_DONE && !err[0] && !note[0] && b->n_done < JOB_CLAIM_MAX &&
	    on_postgres(s)) {
		/* recorded with the other done jobs of the claim (batch_flush), which then
		 * shows them ended */
		if (!b->n_done)
			b->first_done = mono_s();
		b->done[b->n_done++] = c->id;
		return;
	}
	/* the row first: once this process shows the job ended, its key is free to submit again */
	record(q, s, c, to, now, not_before, err, note);
	pthread_mutex_lock(&q->mu);
	if ((m = mem_slot(q, c->id, false)) != NULL) {
		m->v.state = to;
		copy(m->v.error, sizeof(m->v.error), err);
	}
	pthread_mutex_unlock(&q->mu);
}

int job_prune(struct store *s, int64_t before, int64_t *removed, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "DELETE FROM jobs WHERE state IN ('done', 'failed', 'dead')"
			       " AND finished_at IS NOT NULL AND finished_at < ?",
			       &st, e);

	if (removed)
		*removed = 0;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, before);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (removed)
		*removed = store_changes(s);
	return 0;
}

/* Prunes finished jobs past the queue's retention when it is time (one worker at a time,
 * about once an hour); a failure is logged, the queue goes on. */
static void prune_due(struct job_queue *q, struct store *s)
{
	int64_t now = time_now(), removed;
	bool due;
	struct merr e;

	if (q->cfg.retention_s < 0 || !s)
		return;
	pthread_mutex_lock(&q->mu);
	due = now >= q->next_prune;
	if (due)
		q->next_prune = now + JOB_PRUNE_EVERY;
	pthread_mutex_unlock(&q->mu);
	merr_init(&e);
	if (due && job_prune(s, now - q->cfg.retention_s, &removed, &e))
		log_error("job", "pruning finished jobs: %s", e.msg);
}

static void wait_poll(struct job_queue *q)
{
	struct timespec ts;
	double p = q->cfg.poll_s;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)p;
	ts.tv_nsec += (long)((p - (double)(time_t)p) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	if (!q->quit)
		pthread_cond_timedwait(&q->cv, &q->mu, &ts);
	pthread_mutex_unlock(&q->mu);
}

static bool quitting(struct job_queue *q)
{
	pthread_mutex_lock(&q->mu);
	bool quit = q->quit;
	pthread_mutex_unlock(&q->mu);
	return quit;
}

/* PostgreSQL: an idle worker sleeps on its connection until a NOTIFY (a job was queued
 * anywhere) or poll_s, looking at the quit flag every 200 ms. */
static void wait_notify(struct job_queue *q, struct store *s)
{
	struct merr e;
	int waited = 0, total = (int)(q->cfg.poll_s * 1000);

	merr_init(&e);
	while (waited < total && !quitting(q)) {
		int rc = store_wait_notify(s, 200, &e);
		if (rc != 0) {
			if (rc < 0) {
				log_error("job", "waiting for jobs: %s", e.msg);
				wait_poll(q);
			}
			return;
		}
		waited += 200;
	}
}

/* Renews the leases of this queue's running jobs (a third of the shortest lease apart, at
 * least every second): a worker that is alive keeps its jobs; one that died (SIGKILL, the
 * machine gone) stops renewing and another worker takes its jobs when the lease runs out. */
static void *heartbeat(void *arg)
{
	struct job_queue *q = arg;
	struct store *s = NULL;
	struct merr e;
	int64_t lease = JOB_LEASE_DEFAULT;
	char sql[768];
	size_t len;

	for (size_t i = 0; i < q->cfg.n_kinds; i++)
		if (q->kinds[i].lease_s < lease)
			lease = q->kinds[i].lease_s;
	len = (size_t)snprintf(sql, sizeof(sql), "UPDATE jobs SET lease_until = ? + ");
	len = lease_case(q, sql, sizeof(sql), len);
	snprintf(sql + len, sizeof(sql) - len, " WHERE state = 'running' AND lease_owner = ?");
	merr_init(&e);
	if (store_open_existing(q->db, &s, &e)) {
		log_error("job", "no store handle for the lease heartbeat: %s", e.msg);
		return NULL;
	}
	for (;;) {
		struct timespec ts;
		struct store_stmt *st = NULL;
		int64_t gap = lease / 3 > 1 ? lease / 3 : 1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)gap;
		pthread_mutex_lock(&q->mu);
		if (!q->quit)
			pthread_cond_timedwait(&q->cv, &q->mu, &ts);
		bool quit = q->quit;
		pthread_mutex_unlock(&q->mu);
		if (quit)
			break;
		merr_init(&e);
		if (store_prepare(s, sql, &st, &e) == 0) {
			int b = 1;
			stmt_bind_int64(st, b++, time_now());
			for (size_t i = 0; i < q->cfg.n_kinds; i++)
				stmt_bind_text(st, b++, q->kinds[i].name);
			stmt_bind_text(st, b, q->owner);
			if (stmt_step(st, &e) < 0)
				log_error("job", "renewing leases: %s", e.msg);
			stmt_finalize(st);
		} else {
			log_error("job", "renewing leases: %s", e.msg);
		}
	}
	store_close(s);
	return NULL;
}

/* Submits each recurring job once its period begins (mu guards the last period seen; the store
 * decides between processes). */
static void recur(struct job_queue *q, struct store *s)
{
	int64_t now = time_now();

	for (size_t i = 0; i < q->cfg.n_recurring && i < JOB_KINDS_MAX; i++) {
		const struct job_recurring *r = &q->cfg.recurring[i];
		int64_t period = r->period_s > 0 ? now / r->period_s : 0, id = 0;
		struct merr e;
		bool due;

		pthread_mutex_lock(&q->mu);
		due = r->period_s > 0 && q->recur_last[i] != period;
		if (due)
			q->recur_last[i] = period;
		pthread_mutex_unlock(&q->mu);
		if (!due)
			continue;
		merr_init(&e);
		if (job_recurring_submit(s, r, now, &id, &e)) {
			log_error("job", "recurring %s: %s", r->kind, e.msg);
			pthread_mutex_lock(&q->mu);
			q->recur_last[i] = 0; /* try again at the next poll */
			pthread_mutex_unlock(&q->mu);
		}
	}
}

static void *worker(void *arg)
{
	struct job_queue *q = arg;
	struct store *s = NULL;
	struct merr e;
	bool notified = false;
	struct batch b = {.want = 1};

	merr_init(&e);
	if (store_open_existing(q->db, &s, &e)) {
		log_error("job", "no store handle for the job worker: %s", e.msg);
		s = NULL;
	}
	if (s && on_postgres(s)) {
		merr_init(&e);
		notified = store_listen(s, JOB_CHANNEL, &e) == 0;
		if (!notified)
			log_error("job", "LISTEN %s: %s (polling instead)", JOB_CHANNEL, e.msg);
	}
	for (;;) {
		struct claimed c;
		int rc = 0;
		pthread_mutex_lock(&q->mu);
		bool quit = q->quit;
		pthread_mutex_unlock(&q->mu);
		if (quit)
			break;
		prune_due(q, s);
		merr_init(&e);
		if (s)
			recur(q, s);
		if (s && (rc = batch_next(q, s, &b, 0, &c, &e)) == 1) {
			run_claimed(q, s, &c, &b);
			m_free(c.payload);
			continue;
		}
		if (rc < 0)
			log_error("job", "claiming a job: %s", e.msg);
		if (notified && rc >= 0)
			wait_notify(q, s);
		else
			wait_poll(q);
	}
	if (s)
		batch_release(q, s, &b);
	store_close(s);
	return NULL;
}

/* A queue without threads yet: settings checked and copied. */
static int queue_new(const struct job_queue_config *c, unsigned n, struct job_queue **out,
		     struct merr *e)
{
	struct job_queue *q;

	*out = NULL;
	if (!c->db || !c->n_kinds || c->n_kinds > JOB_KINDS_MAX || n > JOB_WORKERS_MAX)
		return merr_set(e, M_EINVAL, "job queue: a store, 1..%d kinds, 1..%d workers",
				JOB_KINDS_MAX, JOB_WORKERS_MAX);
	if (!(q = m_calloc(1, sizeof(*q))) || !(q->db = m_strdup(c->db))) {
		m_free(q);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	q->cfg = *c;
	q->cfg.db = q->db;
	q->cfg.name = NULL;
	q->stop = c->stop ? c->stop : &q->own_stop;
	if (q->cfg.poll_s <= 0)
		q->cfg.poll_s = 2;
	if (q->cfg.retention_s == 0)
		q->cfg.retention_s = JOB_RETENTION_DEFAULT;
	for (size_t i = 0; i < c->n_kinds; i++) {
		q->kinds[i] = c->kinds[i];
		if (q->kinds[i].lease_s <= 0)
			q->kinds[i].lease_s = JOB_LEASE_DEFAULT;
	}
	if (c->name && *c->name)
		snprintf(q->owner, sizeof(q->owner), "%.60s/pid %ld", c->name, (long)getpid());
	else
		snprintf(q->owner, sizeof(q->owner), "pid %ld/%p", (long)getpid(), (void *)q);
	*out = q;
	return 0;
}

int job_queue_start(const struct job_queue_config *c, struct job_queue **out, struct merr *e)
{
	struct job_queue *q;
	unsigned n = c->workers ? c->workers : 1;
	int rc = queue_new(c, n, &q, e);

	*out = NULL;
	if (rc)
		return rc;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	for (; q->n_th < n; q->n_th++)
		if (pthread_create(&q->th[q->n_th], NULL, worker, q))
			break;
	if (q->n_th > 0)
		q->has_hb = pthread_create(&q->hb, NULL, heartbeat, q) == 0;
	if (q->n_th == 0) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		m_free(q->db);
		m_free(q);
		return merr_set(e, M_ENOMEM, "cannot start the job threads");
	}
	*out = q;
	return 0;
}

static void queue_end(struct job_queue *q, bool stop_now)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->quit = true;
	if (stop_now) /* a running handler stops now; its job goes back to the queue */
		stop_request(q->stop, 2);
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (unsigned i = 0; i < q->n_th; i++)
		pthread_join(q->th[i], NULL);
	if (q->has_hb)
		pthread_join(q->hb, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	m_free(q->db);
	m_free(q);
}

void job_queue_stop(struct job_queue *q)
{
	queue_end(q, true);
}

void job_queue_drain(struct job_queue *q)
{
	queue_end(q, false);
}

int job_run_pending(const struct job_queue_config *c, volatile sig_atomic_t *stop, size_t max,
		    size_t *ran, struct merr *e)
{
	struct job_queue *q;
	struct store *s = NULL;
	int rc = queue_new(c, 1, &q, e);

	*ran = 0;
	if (rc)
		return rc;
	if (stop)
		q->stop = stop;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	rc = store_open_existing(q->db, &s, e);
	if (rc == 0) {
		prune_due(q, s);
		recur(q, s);
	}
	struct batch b = {.want = 1};
	while (rc == 0 && !stop_level_of(q->stop) && (!max || *ran < max)) {
		struct claimed cl;
		int got = batch_next(q, s, &b, max ? max - *ran : 0, &cl, e);
		if (got <= 0) {
			rc = got;
			break;
		}
		run_claimed(q, s, &cl, &b);
		m_free(cl.payload);
		(*ran)++;
	}
	if (s)
		batch_release(q, s, &b);
	store_close(s);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	m_free(q->db);
	m_free(q);
	return rc;
}

int job_list(struct store *s, const struct job_query *q,
	     int (*fn)(void *arg, const struct job_info *j), void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int b = 1,
	    rc = store_prepare(s,
			       "SELECT " INFO_COLS
			       " FROM jobs WHERE (CAST(? AS TEXT) IS NULL OR state = ?) "
			       "AND (CAST(? AS TEXT) IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?",
			       &st, e);

	if (rc)
		return rc;
	for (int i = 0; i < 2; i++) {
		const char *v = i == 0 ? q->state : q->kind;
		if (v) {
			stmt_bind_text(st, b++, v);
			stmt_bind_text(st, b++, v);
		} else {
			stmt_bind_null(st, b++);
			stmt_bind_null(st, b++);
		}
	}
	stmt_bind_int64(st, b, q->limit > 0 ? q->limit : -1);
	for (;;) {
		struct job_info ji;
		int step = stmt_step(st, e);
		if (step != 1) {
			rc = step;
			break;
		}
		memset(&ji, 0, sizeof(ji));
		ji.id = stmt_int64(st, 0);
		copy(ji.kind, sizeof(ji.kind), stmt_text(st, 1));
		copy(ji.subject, sizeof(ji.subject), stmt_text(st, 2));
		ji.state = state_parse(stmt_text(st, 3));
		ji.attempts = (int)stmt_int64(st, 4);
		ji.max_attempts = (int)stmt_int64(st, 5);
		ji.created_at = stmt_int64(st, 6);
		ji.started_at = stmt_int64(st, 7);
		ji.finished_at = stmt_int64(st, 8);
		copy(ji.error, sizeof(ji.error), stmt_text(st, 9));
		copy(ji.note, sizeof(ji.note), stmt_text(st, 10));
		copy(ji.worker, sizeof(ji.worker), stmt_text(st, 11));
		if ((rc = fn(arg, &ji)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

cJSON *job_info_json(const struct job_info *j)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)j->id);
	cJSON_AddStringToObject(o, "kind", j->kind);
	json_add_str(o, "subject", j->subject[0] ? j->subject : NULL);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddNumberToObject(o, "attempts", j->attempts);
	cJSON_AddNumberToObject(o, "max_attempts", j->max_attempts);
	json_add_time(o, "created_at", j->created_at);
	json_add_time(o, "started_at", j->started_at);
	json_add_time(o, "finished_at", j->finished_at);
	json_add_str(o, "error", j->error[0] ? j->error : NULL);
	json_add_str(o, "note", j->note[0] ? j->note : NULL);
	json_add_str(o, "worker", j->worker[0] ? j->worker : NULL);
	return o;
}

int job_get_detail(struct store *s, int64_t id, struct job_info *out, struct job_detail *d,
		   struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = job_get(s, id, out, e);

	memset(d, 0, sizeof(*d));
	if (rc)
		return rc;
	if ((rc =
		 store_prepare(s,
			       "SELECT lease_owner, lease_until, payload, idem_key FROM jobs WHERE "
			       "id = ?",
			       &st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	if ((rc = stmt_step(st, e)) == 1) {
		copy(d->owner, sizeof(d->owner), stmt_text(st, 0));
		d->lease_until = stmt_int64(st, 1);
		copy(d->payload, sizeof(d->payload), stmt_text(st, 2));
		copy(d->key, sizeof(d->key), stmt_text(st, 3));
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Runs one UPDATE of the job id; M_ENOTFOUND when there is no such job, M_EINVAL (with
 * why) when the row was not in a state the UPDATE accepts. */
static int job_change(struct store *s, int64_t id, const char *sql, const char *who, int64_t now,
		      const char *refused, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct job_info ji;
	int rc;

	if ((rc = job_get(s, id, &ji, e)))
		return rc == M_ENOTFOUND ? merr_set(e, M_ENOTFOUND, "no job %lld", (long long)id)
					 : rc;
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_text(st, 2, who ? who : "");
	stmt_bind_int64(st, 3, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == M_EEXIST)
		return merr_set(e, M_EEXIST,
				"job %lld: another queued or running job holds its key",
				(long long)id);
	if (rc < 0)
		return rc;
	if (store_changes(s) == 0)
		return merr_set(e, M_EINVAL, "job %lld is %s: %s", (long long)id,
				job_state_name(ji.state), refused);
	return 0;
}

int job_retry(struct store *s, int64_t id, int64_t now, struct merr *e)
{
	int rc =
	    job_change(s, id,
		       "UPDATE jobs SET state = 'queued', attempts = 0, lease_owner = NULL, "
		       "lease_until = NULL, started_at = NULL, finished_at = NULL, error = "
		       "NULL, note = 'retried (was ' || state || ') at ' || CAST(? AS TEXT) || ? "
		       "WHERE id = ? "
		       "AND state IN ('failed', 'dead')",
		       NULL, now, "only a failed or dead job is retried", e);

	return rc ? rc : store_notify(s, JOB_CHANNEL, e);
}

int job_cancel(struct store *s, int64_t id, const char *who, int64_t now, struct merr *e)
{
	char by[128];

	snprintf(by, sizeof(by), "cancelled by %s", who && *who ? who : "an analyst");
	return job_change(
	    s, id,
	    "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ? "
	    "AND state = 'queued'",
	    by, now,
	    "only a queued job is cancelled (a running one: stop its worker with "
	    "SIGTERM)",
	    e);
}
