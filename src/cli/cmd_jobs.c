/* cmd_jobs.c - `mamori jobs list|run`: the background jobs of the job module (console scans
 * and identify now): what is queued, running or ended, and this process as a worker. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>

#include "asm/asm.h"
#include "incident/incident.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "job/job.h"

const char cmd_jobs_usage[] =
    "usage: mamori jobs list [--state S] [--kind K] [--limit N] [--json]\n"
    "       mamori jobs run [--max N] [--max-runtime S] [--remind-every S] [--json]\n"
    "\n"
    "Background jobs (table jobs): console-started scans and identify. `list` shows the newest\n"
    "first (state queued, running, done, failed or dead). `run` is a worker in this process: it\n"
    "runs the queued jobs one after another until none is left (or N ran), then exits; a scan\n"
    "job sends for at most S seconds (default: no bound). Ctrl-C stops the running job, which\n"
    "goes back to the queue. It also runs the incident reminder jobs servers queue\n"
    "(incident.remind); with --remind-every S it queues this period's itself first (once per\n"
    "period per store, as `mamori serve --remind-every`), for a worker run from cron.\n"
    "バックグラウンドジョブ（コンソールからの診断と識別）の一覧と、このプロセスでの実行。\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 2;
}

/* A whole number in [min, max]; false when malformed or out of range. */
static bool parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int add_job(void *arg, const struct job_info *j)
{
	cJSON_AddItemToArray(arg, job_info_json(j));
	return 0;
}

static int print_job(void *arg, const struct job_info *j)
{
	char t[TIME_STR_MAX];

	(void)arg;
	time_fmt_jst(j->created_at, t);
	printf("%-6lld %-8s %-16s %-8s %d/%d  %s  %s%s%s\n", (long long)j->id, j->kind,
	       j->subject[0] ? j->subject : "-", job_state_name(j->state), j->attempts,
	       j->max_attempts, t, j->note[0] ? j->note : "", j->error[0] ? " error: " : "",
	       j->error);
	return 0;
}

static int jobs_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"kind", required_argument, NULL, 'k'},
					     {"limit", required_argument, NULL, 'l'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct job_query q = {NULL, NULL, 50};
	struct store *s;
	struct merr e;
	cJSON *a = NULL;
	double v;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': q.state = optarg; break;
		case 'k': q.kind = optarg; break;
		case 'l':
			if (!parse_num(optarg, 1, 100000, &v) || v != (int64_t)v)
				return cli_usage_error(c, "--limit wants 1..100000");
			q.limit = (int64_t)v;
			break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json)
		a = cJSON_CreateArray();
	else
		printf("%-6s %-8s %-16s %-8s %s\n", "ID", "kind", "subject", "状態 state",
		       "試行 attempts");
	rc = job_list(s, &q, a ? add_job : print_job, a, &e);
	if (rc) {
		cJSON_Delete(a);
		return cli_fail(c, rc, &e);
	}
	return a ? cli_print_json(a) : 0;
}

static int jobs_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"max", required_argument, NULL, 'm'},
					     {"max-runtime", required_argument, NULL, 'r'},
					     {"remind-every", required_argument, NULL, 'E'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct asm_job_config jc = {c->data_dir, 0};
	struct sigaction sa;
	struct merr e;
	size_t max = 0, ran = 0;
	int64_t remind_every = 0;
	double v;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!parse_num(optarg, 1, 1000000, &v) || v != (size_t)v)
				return cli_usage_error(c, "--max wants 1..1000000");
			max = (size_t)v;
			break;
		case 'r':
			if (!parse_num(optarg, 0.1, 86400, &v))
				return cli_usage_error(c,
						       "--max-runtime wants seconds (0.1..86400)");
			jc.max_runtime = v;
			break;
		case 'E':
			if (!parse_num(optarg, 1, 86400, &v) || v != (int64_t)v)
				return cli_usage_error(c,
						       "--remind-every wants seconds (1..86400)");
			remind_every = (int64_t)v;
			break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (!cli_store(c)) /* creates or upgrades the store first */
		return cli_exit_code(M_ESTORE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	merr_init(&e);
	/* the worker runs the incident reminder pass too, submitting this period's if no process
	 * has (incident.remind, once per period per store) */
	struct job_kind kinds[8];
	size_t nk = 0;
	for (size_t i = 0; i < asm_job_kinds_len && nk < 8; i++)
		kinds[nk++] = asm_job_kinds[i];
	for (size_t i = 0; i < inc_job_kinds_len && nk < 8; i++)
		kinds[nk++] = inc_job_kinds[i];
	struct job_recurring remind = inc_remind_recurring(remind_every);
	rc = job_run_pending(&(struct job_queue_config){.db = c->db,
							.kinds = kinds,
							.n_kinds = nk,
							.recurring = &remind,
							.n_recurring = remind_every ? 1 : 0,
							.arg = &jc},
			     &stop_flag, max, &ran, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "ran", (double)ran);
		cJSON_AddBoolToObject(o, "interrupted", stop_flag != 0);
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf("ジョブ %zu 件を実行 / %zu job(s) run%s\n", ran, ran,
		       stop_flag ? " (中断 interrupted)" : "");
	return stop_flag ? cli_exit_code(M_EINTR) : 0;
}

int cmd_jobs(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"list", jobs_list, "list background jobs / ジョブ一覧"},
	    {"run", jobs_run, "run the queued jobs here / ジョブの実行"},
	};
	return cli_dispatch_verbs(c, cli_find("jobs"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
