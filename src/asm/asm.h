/*
 * asm.h - one attack-surface management cycle for an organisation: discover -> scan ->
 * identify -> findings (match) -> rating -> schedule, recorded in asm_runs so a killed run
 * continues from the step that did not finish. Library code never prints: progress and
 * the end summary go to the caller.
 */
#ifndef MAMORI_ASM_H
#define MAMORI_ASM_H

#include "base/compat.h"

#include <signal.h>

#include "base/err.h"
#include "job/job.h"
#include "store/store.h"

enum asm_step {
	ASM_DISCOVER,
	ASM_SCAN,
	ASM_IDENTIFY,
	ASM_FINDINGS,
	ASM_RATING,
	ASM_SCHEDULE,
	ASM_DONE
};
const char *asm_step_name(enum asm_step s);

struct asm_opts {
	const char *data_dir;
	const char *mode;     /* scan mode: connect (default) or syn */
	const char *ports;    /* scan ports (default "top") */
	const char *resolver; /* DNS resolver for discovery; NULL: the stored setting, else skip */
	double rate;	      /* scan packets/s (default 2000) */
	double id_timeout;    /* identify per-port budget, seconds (0: its default) */
	volatile sig_atomic_t *stop;
	/* Called at the start and end of each step with one line (Japanese / English). */
	void (*progress)(void *arg, const char *org, enum asm_step step, const char *line);
	void *progress_arg;
};
void asm_opts_init(struct asm_opts *o, const char *data_dir);

#define ASM_TOP_REASONS 3

struct asm_summary {
	int64_t run_id;
	bool resumed; /* continued a run that had not finished */
	enum asm_step resumed_at;
	long opened, fixed, still_open, reopened;
	char grade_before, grade_after; /* '\0' when none */
	double score_before, score_after;
	char top[ASM_TOP_REASONS][400]; /* biggest deductions: "-25.0 CVE-... (asset)" */
	size_t n_top;
	char skipped[160]; /* steps skipped and why ("discover: no resolver") */
};

/*
 * Runs (or continues) the cycle for org at now. Returns 0, or the failing step's code with
 * detail in e (the run is left 'failed' at that step and a re-run continues there).
 * M_EINTR when *stop was set (the run stays resumable).
 */
int asm_run_org(struct store *s, const char *org, const struct asm_opts *o, int64_t now,
		struct asm_summary *sum, struct merr *e);

/* ---------------------------------------------------------------- console scans */

/* A scan started from the console or the API (console_scan.c). */
struct asm_scan_request {
	const char *org;
	const char *ports;   /* port list (default "top") */
	const char *profile; /* "scan" (default) or "identify": the services too */
	const char *actor;   /* for the audit row */
	double rate;	     /* probes/s; 0: scan_config_init's */
	int64_t now;
};
#define ASM_SCAN_PENDING_MAX 4 /* scan jobs queued or running at once: more is M_ETIMEOUT */

/*
 * Checks org's scope (M_ESCOPE without a valid authorisation), then in one transaction
 * records the scan row ('interrupted' at position 0: resumable until a worker takes it), the
 * audit row "scan.start" and a "scan" job (subject asm_scan_subject, one queued or running
 * per organisation: M_EEXIST). M_EPARSE with the field for bad input.
 */
int asm_scan_submit(struct store *s, const struct asm_scan_request *q, int64_t *scan_id,
		    int64_t *job_id, struct merr *e);
/* "scan:ID": the subject of the job that runs scan ID (job_find, job_queue_peek). */
void asm_scan_subject(int64_t scan_id, char *out, size_t cap);

/* The job kinds asm provides ("scan": the scan row as `mamori scan --resume` runs it, then
 * ident_run_org when the profile asks; progress phase "identifying" meanwhile). Give a
 * struct asm_job_config as the queue's arg. */
struct asm_job_config {
	const char *data_dir; /* Recog for identify */
	double max_runtime;   /* seconds of sending per scan; 0: none */
};
extern const struct job_kind asm_job_kinds[];
extern const size_t asm_job_kinds_len;

/* ---------------------------------------------------------------- distributed (distributed.c) */

/*
 * `mamori asm run --all --distributed`: one "asm" job per organisation (subject and key
 * "asm:ORG": enqueuing twice runs once) put on the shared store's queue; `mamori worker`
 * processes (any number, on any machine reaching the store) each take jobs and run
 * asm_run_org with the options in the payload; scope is re-checked before every probe as in a
 * local run. The "asm" kind is in asm_job_kinds (its handler: asm_org_job).
 */
struct asm_dist_job {
	char org[64];
	int64_t job;
	bool existed; /* a queued or running job already held the organisation */
	bool ended;
	struct job_info info; /* as last read */
};
/* Queues a job for every organisation (in one transaction); *out (m_free) gets one entry per
 * organisation, in slug order. */
int asm_distribute(struct store *s, const struct asm_opts *o, int64_t now,
		   struct asm_dist_job **out, size_t *n, struct merr *e);
/* Follows the jobs until each is done, failed or dead (a job queued again after a transient
 * failure is still running), at most timeout_s seconds (0: no bound) or until *stop: each
 * ended job is handed to fn once. M_ETIMEOUT / M_EINTR when not all ended. */
int asm_distribute_wait(struct store *s, struct asm_dist_job *v, size_t n,
			volatile sig_atomic_t *stop, double timeout_s,
			void (*fn)(void *arg, const struct asm_dist_job *j), void *arg,
			struct merr *e);
int asm_org_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e);

/*
 * One organisation's scan spread over workers: n_shards "scan" jobs (key
 * "scan:org:ORG:shard:I/K", one queued or running per shard) over scan rows that share one
 * permutation key, shard I of K each, in one transaction, after the scope check of
 * asm_scan_submit. The shards together probe exactly what one scan would, each target once;
 * the results land in the same services rows (one per org, address, port). *out (m_free)
 * gets one entry per shard for asm_distribute_wait.
 */
#define ASM_SHARDS_MAX 64
int asm_scan_submit_shards(struct store *s, const struct asm_scan_request *q, unsigned n_shards,
			   struct asm_dist_job **out, struct merr *e);

#endif
