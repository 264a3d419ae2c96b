/*
 * job.h - background jobs: console-started scans and identify now, SNS imports and TAXII pulls
 * later. A job is a row in the jobs table (migration 0900): kind, payload JSON, state
 * queued → running → done | failed | dead, attempts, an idempotency key, a lease (owner, until).
 * Any process may submit (job_submit, inside its own transaction); a job queue started in a
 * process runs the kinds it knows on its worker threads, each with its own store handle. The
 * queue is bounded per kind (max_pending at submit), one queued or running job per key. A
 * PostgreSQL backend backs the same calls, the claim becoming FOR UPDATE SKIP LOCKED.
 */
#ifndef MAMORI_JOB_H
#define MAMORI_JOB_H

#include "base/compat.h"

#include <signal.h>

#include "base/err.h"
#include "store/store.h"

struct cJSON;

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_DEAD };
/* "queued", "running", "done", "failed", "dead" */
const char *job_state_name(enum job_state s);

#define JOB_TEXT_MAX 400

/* ---------------------------------------------------------------- rows (any process) */

struct job_spec {
	const char *kind;     /* the handler's name */
	const char *subject;  /* what it is about ("scan:12"), for job_find; may be NULL */
	const char *payload;  /* JSON object text; NULL: {} */
	const char *key;      /* idempotency key: one queued or running job per key; may be NULL */
	unsigned max_pending; /* queued + running jobs of this kind at once; 0: no bound */
	int max_attempts;     /* 0: 3 */
	int64_t now;
	int64_t
	    not_before; /* not claimed before this time (a recurring job's next period); 0: now */
};

/*
 * Queues a job (call it inside the caller's transaction to tie the job to its own rows). *id
 * receives the new job. M_EEXIST when a queued or running job holds key (*id is that job),
 * M_ETIMEOUT when max_pending jobs of the kind are queued or running, M_EINVAL for a payload
 * that is not a JSON object.
 */
int job_submit(struct store *s, const struct job_spec *j, int64_t *id, struct merr *e);

struct job_info {
	int64_t id;
	char kind[32];
	char subject[128];
	enum job_state state;
	int attempts, max_attempts;
	int64_t created_at, started_at, finished_at;
	char error[JOB_TEXT_MAX], note[JOB_TEXT_MAX];
	char worker[96]; /* lease_owner: the worker holding (or that ran) it; "" when none */
};
/* One job by id, or the newest on subject. M_ENOTFOUND when there is none. */
int job_get(struct store *s, int64_t id, struct job_info *out, struct merr *e);
int job_find(struct store *s, const char *subject, struct job_info *out, struct merr *e);

/* Jobs newest first, narrowed to a state and a kind (NULL: any), at most limit (<= 0: all). */
struct job_query {
	const char *state, *kind;
	int64_t limit;
};
int job_list(struct store *s, const struct job_query *q,
	     int (*fn)(void *arg, const struct job_info *j), void *arg, struct merr *e);
/* Finished jobs (done, failed, dead) are kept this long, then pruned (job_prune): by the
 * queue's workers (serve) about once an hour, by `mamori jobs run` when it starts, and by
 * `mamori jobs prune`. */
#define JOB_RETENTION_DEFAULT ((int64_t)30 * 86400)
/* Deletes the jobs that finished before `before` (Unix seconds); queued and running jobs
 * stay whatever their age. *removed (may be NULL) receives how many went. */
int job_prune(struct store *s, int64_t before, int64_t *removed, struct merr *e);

/* The one JSON shape of a job (`mamori jobs list --json`): id, kind, subject, state, attempts,
 * max_attempts, created_at, started_at, finished_at, error, note, worker. */
struct cJSON *job_info_json(const struct job_info *j);

/* Who holds a running job (lease_owner: "NAME/pid N" of `mamori worker --name`) and until
 * when, and its payload, for `mamori jobs show`. "" / 0 when none. */
struct job_detail {
	char owner[96];
	int64_t lease_until;
	char payload[1024]; /* cut at 1023 bytes */
	char key[128];
};
int job_get_detail(struct store *s, int64_t id, struct job_info *out, struct job_detail *d,
		   struct merr *e);
/* A failed or dead job back to the queue with its attempts reset (an analyst's retry).
 * M_ENOTFOUND: no such job; M_EINVAL: the job is not failed or dead; M_EEXIST: another
 * queued or running job holds its key. */
int job_retry(struct store *s, int64_t id, int64_t now, struct merr *e);
/* A queued job ends failed with error "cancelled by WHO" before any worker takes it.
 * M_ENOTFOUND: no such job; M_EINVAL: it is running (stop its worker) or ended already. */
int job_cancel(struct store *s, int64_t id, const char *who, int64_t now, struct merr *e);
/* The channel job_submit notifies on PostgreSQL (LISTEN wakes idle workers at once). */
#define JOB_CHANNEL "mamori_jobs"

/* ---------------------------------------------------------------- the runner (in process) */

struct job_ctx;

/* What a running job reports (kept in memory, shown by the front ends). n[] are the kind's
 * own counters (a scan: sent, received, open). */
struct job_progress {
	char phase[16]; /* "" or the kind's step ("identifying") */
	uint64_t done, total;
	uint64_t n[3];
	double elapsed;
};

/*
 * A handler runs one job on the worker's store handle. 0: done. M_EINTR after the queue's stop
 * flag was set: the job is queued again (continued at the next start). Another code: a
 * transient one (M_ESTORE, M_EIO, M_ENET, M_ETIMEOUT, M_ENOMEM) queues it again after a delay
 * until max_attempts ('dead'), any other is 'failed' at once; the detail goes to the row.
 */
typedef int (*job_fn)(struct job_ctx *x, struct store *s, const struct cJSON *payload,
		      struct merr *e);

struct job_kind {
	const char *name;
	job_fn run;
	int64_t lease_s; /* how long a claim holds before another worker may take it back
			    (default 6 h): longer than the kind's longest run */
	/* Short jobs: a worker whose kinds all say so may claim several at once on PostgreSQL
	 * (up to 32, while they run quickly). Off for long jobs (scans, shards), which must
	 * spread over the workers one at a time. */
	bool batch;
};

/* A recurring job (the incident reminders): submitted once per period by whichever process
 * gets there first. The period index floor(now / period_s) is in its idempotency key
 * ("KIND@INDEX") and subject, and a period whose job exists in any state is not submitted again,
 * so two servers on one store never run the same period twice. */
struct job_recurring {
	const char *kind;
	int64_t period_s;
	const char *payload; /* NULL: {"period": INDEX, "period_s": S} */
};
/* Submits r's job for now's period unless one exists: *id the new job, 0 when the period had
 * one already. In its own immediate transaction. */
int job_recurring_submit(struct store *s, const struct job_recurring *r, int64_t now, int64_t *id,
			 struct merr *e);

struct job_queue_config {
	const char *db; /* each worker opens its own handle */
	const struct job_kind *kinds;
	size_t n_kinds;
	/* recurring jobs this queue submits when a new period begins (checked every poll); their
	 * kinds must be among kinds */
	const struct job_recurring *recurring;
	size_t n_recurring;
	unsigned workers; /* threads: default 1, at most 8 */
	double poll_s;	  /* also look for rows other processes queued this often (default 2) */
	void *arg;	  /* for the handlers (job_arg) */
	const char *name; /* the worker's name in lease_owner (NULL: "pid N") */
	/* The handlers' stop flag (NULL: the queue's own): a signal handler may set it to
	 * stop the running jobs now (they go back to the queue). */
	volatile sig_atomic_t *stop;
	/* Seconds finished jobs are kept (0: JOB_RETENTION_DEFAULT; < 0: never pruned). */
	int64_t retention_s;
};
struct job_queue;

int job_queue_start(const struct job_queue_config *c, struct job_queue **out, struct merr *e);
/* Sets the stop flag (running handlers stop, their jobs go back to the queue) and joins. */
void job_queue_stop(struct job_queue *q);
/* Lets the running jobs finish, takes no new one, and joins (`mamori worker` on SIGTERM).
 * A handler still sees the stop flag given in the config, if any. */
void job_queue_drain(struct job_queue *q);
/* Runs queued jobs of c's kinds in the calling thread, one after another, until none can be
 * claimed, max jobs ran (0: no bound) or *stop is set (stop may be NULL); *ran counts them.
 * The CLI's `mamori jobs run` is this worker. */
int job_run_pending(const struct job_queue_config *c, volatile sig_atomic_t *stop, size_t max,
		    size_t *ran, struct merr *e);
/* Tells the queue about job id on subject the caller has just committed: shown as queued at
 * once (job_queue_peek) and a worker wakes. Jobs queued elsewhere are found by polling. */
void job_queue_wake(struct job_queue *q, int64_t id, const char *subject);

/* What this process knows of the newest job on subject: queued through job_queue_wake or run
 * by its workers (recent ones only). False when it knows none. */
struct job_view {
	int64_t id;
	enum job_state state;
	struct job_progress p;
	char error[JOB_TEXT_MAX], note[JOB_TEXT_MAX];
};
bool job_queue_peek(struct job_queue *q, const char *subject, struct job_view *out);

/* For handlers. */
int64_t job_id(const struct job_ctx *x);
void *job_arg(const struct job_ctx *x);
volatile sig_atomic_t *job_stop_flag(struct job_ctx *x); /* 2: stop now */
void job_progress_set(struct job_ctx *x, const struct job_progress *p);
/* The job's one-line outcome (stored in the row's note when it ends). */
void job_note(struct job_ctx *x, const char *text);

#endif
