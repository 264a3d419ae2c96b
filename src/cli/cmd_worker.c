/* cmd_worker.c - `mamori worker`: runs jobs from the shared store's queue until stopped. On
 * PostgreSQL any number of workers on any machines take jobs (FOR UPDATE SKIP LOCKED) and
 * sleep on LISTEN until one is queued; on SQLite the same loop polls the file. */
#include "base/compat.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "asm/asm.h"
#include "base/stop.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "job/job.h"

const char cmd_worker_usage[] =
    "Runs queued jobs (scan, share-pull, asm: `mamori asm run --all --distributed`) from the\n"
    "store until stopped, N at once. SIGTERM or Ctrl-C: the running jobs finish, then the\n"
    "worker exits;\n"
    "a second signal stops them now (they go back to the queue). A worker that dies keeps\n"
    "its jobs only until their lease runs out (asm: 2 minutes): then another worker takes\n"
    "them. Workers reach the store by --db / MAMORI_DB (PostgreSQL: the shared server).\n"
    "キューのジョブを停止まで実行します。SIGTERM で実行中のジョブを終えてから終了します。\n";

static volatile sig_atomic_t signals, stop_now;

static void on_signal(int sig)
{
	(void)sig;
	if (++signals >= 2)
		stop_request(&stop_now, 2);
}

struct worker_args {
	const char *kinds, *name;
	unsigned concurrency;
	double poll, max_runtime;
	long lease;
};

static const struct cli_opt worker_opts[] = {
    OPT_STRING(
	"kinds", struct worker_args, kinds, "LIST",
	"job kinds to run, comma-separated (default all: scan, asm, share-pull) / 実行する種類"),
    OPT_UNSIGNED("concurrency", struct worker_args, concurrency, 1, 8, "N",
		 "jobs at once (default 1) / 同時実行数"),
    OPT_STRING("name", struct worker_args, name, "NAME",
	       "this worker's name in `mamori jobs` (default: pid) / ワーカー名"),
    OPT_DOUBLE("poll", struct worker_args, poll, 0.2, 3600, "S",
	       "look for jobs at least every S seconds (default 2) / 確認間隔"),
    OPT_DOUBLE("max-runtime", struct worker_args, max_runtime, 0.1, 86400, "S",
	       "a scan job sends for at most S seconds / 送信時間の上限"),
    OPT_LONG("lease", struct worker_args, lease, 2, 86400, "S",
	     "claim jobs for S seconds, renewed while they run (default: the kind's: asm 120, "
	     "scan 6 h) / リース秒数"),
    OPT_END(),
};

const struct cli_verb cmd_worker_verbs[] = {
    {"", cmd_worker, "", worker_opts, NULL},
    {0},
};

int cmd_worker(struct cli *c, int argc, char **argv)
{
	struct worker_args a = {0};
	struct job_kind kinds[8];
	size_t nk = 0;
	struct job_queue *q = NULL;
	struct sigaction sa;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, worker_opts, &a, argc, argv, &first)))
		return rc;
	if (first < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[first]);
	for (size_t i = 0; i < asm_job_kinds_len && nk < ARRAY_SIZE(kinds); i++) {
		const char *k = asm_job_kinds[i].name, *p = a.kinds;
		size_t len = strlen(k);
		bool want = !p;
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			if (n == len && strncmp(p, k, n) == 0)
				want = true;
			p = comma ? comma + 1 : p + n;
		}
		if (want) {
			kinds[nk] = asm_job_kinds[i];
			if (a.lease > 0)
				kinds[nk].lease_s = a.lease;
			nk++;
		}
	}
	if (!nk)
		return cli_usage_error(
		    c, "--kinds: none of '%s' is a job kind (scan, asm, share-pull)", a.kinds);
	if (!cli_store(c)) /* creates or upgrades the store first */
		return cli_exit_code(M_ESTORE);
	struct asm_job_config jc = {c->data_dir, a.max_runtime};
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	merr_init(&e);
	rc =
	    job_queue_start(&(struct job_queue_config){.db = c->db,
						       .kinds = kinds,
						       .n_kinds = nk,
						       .workers = a.concurrency ? a.concurrency : 1,
						       .poll_s = a.poll,
						       .arg = &jc,
						       .name = a.name,
						       .stop = &stop_now},
			    &q, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		fprintf(stderr, "mamori worker%s%s: pid %ld, %zu kind(s), %u at once\n",
			a.name ? " " : "", a.name ? a.name : "", (long)getpid(), nk,
			a.concurrency ? a.concurrency : 1);
	while (!signals) {
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	if (!c->quiet)
		fprintf(stderr, "mamori worker: stopping after the running jobs (signal again: "
				"now)\n");
	job_queue_drain(q); /* the second signal sets stop_now: the handlers stop at once */
	return stop_level_of(&stop_now) ? cli_exit_code(M_EINTR) : 0;
}
