/* cmd_jobs.c - `mamori jobs list|run|prune`: the background jobs of the job module (console scans
 * and identify now): what is queued, running or ended, and this process as a worker. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <signal.h>

#include "asm/asm.h"
#include "incident/incident.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "job/job.h"

const char cmd_jobs_usage[] =
    "Background jobs (table jobs): console-started scans and identify. `list` shows the newest\n"
    "first (state queued, running, done, failed or dead). `run` is a worker in this process: it\n"
    "runs the queued jobs one after another until none is left (or --max ran), then exits; a\n"
    "scan job sends for at most --max-runtime seconds (default: no bound). Ctrl-C stops the\n"
    "running job, which goes back to the queue. It also runs the incident reminder jobs servers\n"
    "queue (incident.remind); with --remind-every S it queues this period's itself first (once\n"
    "per period per store, as `mamori serve --remind-every`), for a worker run from cron.\n"
    "`prune` deletes the jobs that finished more than --older-than days ago (default 30);\n"
    "`serve` and `run` do the same on their own. `show` prints one job with its payload and the\n"
    "worker holding it; `retry` puts a failed or dead job back on the queue; `cancel` ends a\n"
    "queued one.\n"
    "バックグラウンドジョブ（コンソールからの診断と識別）の一覧、このプロセスでの実行、\n"
    "終了から保持期間（既定 30 日）を過ぎたジョブの削除。\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 2;
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

struct list_args {
	const char *state, *kind;
	long long limit;
};

static const struct cli_opt list_opts[] = {
    OPT_STRING("state", struct list_args, state, "S",
	       "queued, running, done, failed or dead / 状態"),
    OPT_STRING("kind", struct list_args, kind, "K", "scan, identify ... / 種類"),
    OPT_LLONG("limit", struct list_args, limit, 1, 100000, "N", "at most N jobs / 件数"),
    OPT_JSON(),
    OPT_END(),
};

static int jobs_list(struct cli *c, int argc, char **argv)
{
	struct list_args la = {NULL, NULL, 50};
	struct job_query q;
	struct store *s;
	struct merr e;
	cJSON *a = NULL;
	int first, rc;

	if ((rc = cli_parse_options(c, list_opts, &la, argc, argv, &first)))
		return rc;
	q = (struct job_query){la.state, la.kind, la.limit};
	if (first != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'", argv[first],
				       argv[first]);
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

struct run_args {
	size_t max;
	double max_runtime;
	long long retention_days, remind_every;
};

static const struct cli_opt run_opts[] = {
    OPT_SIZE("max", struct run_args, max, 1, 1000000, "N", "run at most N jobs / 最大件数"),
    OPT_DOUBLE("max-runtime", struct run_args, max_runtime, 0.1, 86400, "S",
	       "seconds of sending per scan job / 送信の上限秒数"),
    OPT_LLONG("retention", struct run_args, retention_days, 1, 36500, "DAYS",
	      "keep finished jobs this long (30) / 終了ジョブの保持日数"),
    OPT_LLONG("remind-every", struct run_args, remind_every, 1, 86400, "S",
	      "queue this period's incident reminder pass first / リマインダーの周期"),
    OPT_JSON(),
    OPT_END(),
};

static int jobs_run(struct cli *c, int argc, char **argv)
{
	struct run_args a = {0, 0, JOB_RETENTION_DEFAULT / 86400, 0};
	struct asm_job_config jc = {c->data_dir, 0};
	struct sigaction sa;
	struct merr e;
	size_t ran = 0;
	int first, rc;

	if ((rc = cli_parse_options(c, run_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'", argv[first],
				       argv[first]);
	jc.max_runtime = a.max_runtime;
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
	struct job_recurring remind = inc_remind_recurring(a.remind_every);
	rc = job_run_pending(&(struct job_queue_config){.db = c->db,
							.kinds = kinds,
							.n_kinds = nk,
							.recurring = &remind,
							.n_recurring = a.remind_every ? 1 : 0,
							.arg = &jc,
							.retention_s = a.retention_days * 86400},
			     &stop_flag, a.max, &ran, &e);
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

/* ---- show, retry, cancel (issue #18): one job by id */

static int job_id_operand(struct cli *c, int argc, char **argv, int64_t *id)
{
	long long v;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc - 1 || cli_parse_ll(argv[first], 1, INT64_MAX, &v))
		return cli_usage_error(c, "wants one job ID");
	*id = (int64_t)v;
	return 0;
}

static int jobs_show(struct cli *c, int argc, char **argv)
{
	struct job_info ji;
	struct job_detail d;
	struct store *s;
	struct merr e;
	int64_t id;
	int rc;

	if ((rc = job_id_operand(c, argc, argv, &id)))
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = job_get_detail(s, id, &ji, &d, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = job_info_json(&ji);
		cJSON_AddStringToObject(o, "payload", d.payload);
		if (d.key[0])
			cJSON_AddStringToObject(o, "key", d.key);
		if (d.lease_until)
			cJSON_AddNumberToObject(o, "lease_until", (double)d.lease_until);
		return cli_print_json(o);
	}
	char t[TIME_STR_MAX];
	printf("ジョブ / job %lld: %s %s\n", (long long)ji.id, ji.kind, job_state_name(ji.state));
	printf("  対象 subject   %s\n", ji.subject[0] ? ji.subject : "-");
	printf("  試行 attempts  %d/%d\n", ji.attempts, ji.max_attempts);
	time_fmt_jst(ji.created_at, t);
	printf("  登録 created   %s\n", t);
	if (ji.started_at) {
		time_fmt_jst(ji.started_at, t);
		printf("  開始 started   %s\n", t);
	}
	if (ji.finished_at) {
		time_fmt_jst(ji.finished_at, t);
		printf("  終了 finished  %s\n", t);
	}
	if (d.owner[0] && ji.state == JOB_RUNNING) {
		time_fmt_jst(d.lease_until, t);
		printf("  実行者 worker  %s (lease until %s)\n", d.owner, t);
	} else if (d.owner[0]) {
		printf("  実行者 worker  %s\n", d.owner);
	}
	printf("  内容 payload   %s\n", d.payload);
	if (ji.note[0])
		printf("  結果 note      %s\n", ji.note);
	if (ji.error[0])
		printf("  エラー error   %s\n", ji.error);
	return 0;
}

/* retry and cancel: one job id, one library call, one line said */
static int job_act(struct cli *c, int argc, char **argv, bool cancel)
{
	struct store *s;
	struct merr e;
	int64_t id;
	int rc;

	if ((rc = job_id_operand(c, argc, argv, &id)))
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = cancel ? job_cancel(s, id, getenv("USER"), time_now(), &e)
		    : job_retry(s, id, time_now(), &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet && cancel)
		printf("ジョブ %lld を取り消しました / job %lld cancelled\n", (long long)id,
		       (long long)id);
	else if (!c->quiet)
		printf("ジョブ %lld を再実行待ちにしました / job %lld queued again\n",
		       (long long)id, (long long)id);
	return 0;
}

static int jobs_retry(struct cli *c, int argc, char **argv)
{
	return job_act(c, argc, argv, false);
}

static int jobs_cancel(struct cli *c, int argc, char **argv)
{
	return job_act(c, argc, argv, true);
}

struct prune_args {
	long long days;
};

static const struct cli_opt prune_opts[] = {
    OPT_LLONG("older-than", struct prune_args, days, 0, 36500, "DAYS",
	      "finished more than DAYS days ago (30) / 終了からの日数"),
    OPT_JSON(),
    OPT_END(),
};

static int jobs_prune(struct cli *c, int argc, char **argv)
{
	struct prune_args a = {JOB_RETENTION_DEFAULT / 86400};
	struct store *s;
	struct merr e;
	int64_t removed = 0;
	int first, rc;

	if ((rc = cli_parse_options(c, prune_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'", argv[first],
				       argv[first]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = job_prune(s, time_now() - a.days * 86400, &removed, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "removed", (double)removed);
		cJSON_AddNumberToObject(o, "older_than_days", (double)a.days);
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf(
		    "終了から %lld 日を過ぎたジョブ %lld 件を削除 / %lld finished job(s) older than"
		    " %lld days removed\n",
		    a.days, (long long)removed, (long long)removed, a.days);
	return 0;
}

const struct cli_verb cmd_jobs_verbs[] = {
    {"list", jobs_list, "list background jobs / ジョブ一覧", list_opts, NULL},
    {"run", jobs_run, "run the queued jobs here / ジョブの実行", run_opts, NULL},
    {"prune", jobs_prune, "delete old finished jobs / 古いジョブの削除", prune_opts, NULL},
    {"show", jobs_show, "one job: payload, worker / ジョブの詳細", cli_json_opts, "ID"},
    {"retry", jobs_retry, "a failed or dead job back to the queue / 再実行", cli_json_opts, "ID"},
    {"cancel", jobs_cancel, "end a queued job / 取り消し", cli_json_opts, "ID"},
    {0},
};

int cmd_jobs(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("jobs"), cmd_jobs_verbs,
				  ARRAY_SIZE(cmd_jobs_verbs) - 1, argc, argv);
}
