/* cmd_asm.c - `mamori asm run`: the whole ASM cycle for one organisation, all of them, or
 * those the rescan schedule says are due, with a progress line per step and a summary. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <signal.h>

#include "asm/asm.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "inventory/inventory.h"
#include "findings/findings.h"

const char cmd_asm_usage[] =
    "Runs discover -> scan -> identify -> findings -> rating -> schedule for ORG, for every\n"
    "organisation (--all), or, with neither, for the organisations the rescan schedule says\n"
    "are due. A run killed at any point continues from the step that did not finish when it\n"
    "is run again. 発見→探索→識別→照合→評点→再診断予定を実行します（中断後は続きから）。\n"
    "With --all --distributed, one job per organisation goes on the store's job queue and\n"
    "`mamori worker` processes (on any machine reaching the store) run them; this command\n"
    "follows them until each ended (Ctrl-C stops following, not the jobs).\n"
    "--distributed: 組織ごとのジョブをキューに登録し、worker が実行します。\n"
    "With ORG --distributed --shards K, the organisation's scan (and identification) is split\n"
    "into K shard jobs over one permutation, for K workers: together they probe what one scan\n"
    "would. ORG --distributed --shards K: 1 組織の診断を K 個のジョブに分割します。\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct actx {
	struct cli *c;
	struct store *s;
	struct asm_opts o;
	cJSON *arr;
	int failures;
	struct merr e;
};

static void progress(void *arg, const char *org, enum asm_step step, const char *line)
{
	struct actx *a = arg;
	if (a->c->quiet || a->c->json)
		return;
	if (!line)
		fprintf(stderr, "[%s] %d/6 %s ...\n", org, (int)step + 1, asm_step_name(step));
	else
		fprintf(stderr, "[%s] %d/6 %s: %s\n", org, (int)step + 1, asm_step_name(step),
			line);
}

static void print_summary(struct actx *a, const char *org, const struct asm_summary *m)
{
	char gb[2] = {m->grade_before, 0}, ga[2] = {m->grade_after, 0};

	if (a->arr) {
		cJSON *o = cJSON_CreateObject(), *t = NULL;
		cJSON_AddStringToObject(o, "org", org);
		cJSON_AddNumberToObject(o, "run", (double)m->run_id);
		cJSON_AddBoolToObject(o, "resumed", m->resumed);
		cJSON_AddNumberToObject(o, "new", m->opened);
		cJSON_AddNumberToObject(o, "fixed", m->fixed);
		cJSON_AddNumberToObject(o, "reopened", m->reopened);
		cJSON_AddNumberToObject(o, "still_open", m->still_open);
		if (m->grade_before)
			cJSON_AddStringToObject(o, "grade_before", gb);
		cJSON_AddStringToObject(o, "grade", ga);
		cJSON_AddNumberToObject(o, "score", m->score_after);
		t = cJSON_AddArrayToObject(o, "top_reasons");
		for (size_t i = 0; i < m->n_top; i++)
			cJSON_AddItemToArray(t, cJSON_CreateString(m->top[i]));
		if (m->skipped[0])
			cJSON_AddStringToObject(o, "skipped", m->skipped);
		cJSON_AddItemToArray(a->arr, o);
		return;
	}
	printf("== %s (run %lld%s)\n", org, (long long)m->run_id,
	       m->resumed ? ", 再開 / resumed" : "");
	printf("  新規 %ld, 修正 %ld, 継続 %ld, 再発 %ld / new, fixed, still open, reopened\n",
	       m->opened, m->fixed, m->still_open, m->reopened);
	if (m->grade_before && m->grade_before != m->grade_after)
		printf("  等級 / grade %s -> %s (%.1f -> %.1f)\n", gb, ga, m->score_before,
		       m->score_after);
	else
		printf("  等級 / grade %s (%.1f)\n", ga, m->score_after);
	for (size_t i = 0; i < m->n_top; i++)
		printf("  主な減点 / top reason %zu: %s\n", i + 1, m->top[i]);
	if (m->skipped[0])
		printf("  省略 / skipped: %s\n", m->skipped);
}

static int run_org(void *arg, const char *org)
{
	struct actx *a = arg;
	struct asm_summary m;
	struct merr e;
	int rc;

	if (stop_flag)
		return M_EINTR;
	merr_init(&e);
	rc = asm_run_org(a->s, org, &a->o, time_now(), &m, &e);
	if (rc) {
		/* one organisation failing does not stop the others; the run stays resumable */
		char msg[700];
		merr_format(&e, msg, sizeof(msg));
		fprintf(stderr, "mamori: asm run: %s: %s\n", org, msg);
		if (!a->e.code)
			a->e = e;
		a->failures++;
		return rc == M_EINTR ? rc : 0;
	}
	print_summary(a, org, &m);
	return 0;
}

static int each_org(struct actx *a)
{
	struct inv_slugs orgs;
	int rc = inv_org_slugs(a->s, &orgs, &a->e); /* collected: the runs write to the store */

	for (size_t i = 0; rc >= 0 && i < orgs.n; i++)
		rc = run_org(a, orgs.v[i]);
	inv_slugs_release(&orgs);
	return rc < 0 ? rc : 0;
}

struct due {
	char **v;
	size_t n;
};

static int collect_due(void *arg, const char *org)
{
	struct due *d = arg;
	char **v = m_realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return M_ENOMEM;
	d->v = v;
	if (!(d->v[d->n] = m_strdup(org)))
		return M_ENOMEM;
	d->n++;
	return 0;
}

static int run_due(struct actx *a)
{
	struct due d = {NULL, 0};
	int rc = finding_schedule_due_orgs(a->s, time_now(), collect_due, &d, &a->e);

	if (rc == 0 && d.n == 0 && !a->c->json && !a->c->quiet)
		printf("期日到来の組織なし / nothing is due (mamori schedule)\n");
	for (size_t i = 0; rc == 0 && i < d.n; i++)
		rc = run_org(a, d.v[i]);
	for (size_t i = 0; i < d.n; i++)
		m_free(d.v[i]);
	m_free(d.v);
	return rc;
}

struct run_args {
	bool all, distributed;
	double wait;
	int shards;
	struct asm_opts o;
};

static void dist_ended(void *arg, const struct asm_dist_job *j)
{
	struct actx *a = arg;
	if (a->arr) {
		cJSON *o = job_info_json(&j->info);
		cJSON_AddStringToObject(o, "org", j->org);
		cJSON_AddItemToArray(a->arr, o);
		return;
	}
	if (a->c->quiet)
		return;
	printf("== %s (job %lld, %s)\n", j->org, (long long)j->job, job_state_name(j->info.state));
	if (j->info.note[0])
		printf("  %s\n", j->info.note);
	if (j->info.error[0])
		printf("  error: %s\n", j->info.error);
	fflush(stdout);
}

/* ORG --distributed --shards K: queue K scan shard jobs, then follow them. */
static int run_shards(struct actx *a, const char *org, unsigned k, double wait)
{
	struct asm_dist_job *v = NULL;
	struct asm_scan_request q = {.org = org,
				     .ports = a->o.ports,
				     .profile = "identify",
				     .actor = "cli",
				     .rate = a->o.rate,
				     .now = time_now()};
	int rc = asm_scan_submit_shards(a->s, &q, k, &v, &a->e);

	if (rc)
		return rc;
	if (!a->c->quiet && !a->c->json)
		fprintf(stderr,
			"ジョブ %u 件を登録 / %u shard job(s) queued; `mamori worker` runs them\n",
			k, k);
	rc = asm_distribute_wait(a->s, v, k, &stop_flag, wait, dist_ended, a, &a->e);
	for (unsigned i = 0; rc == 0 && i < k; i++)
		if (v[i].info.state != JOB_DONE)
			a->failures++;
	m_free(v);
	return rc;
}

/* --all --distributed: queue one job per organisation, then follow them. */
static int run_distributed(struct actx *a, double wait)
{
	struct asm_dist_job *v = NULL;
	size_t n = 0, existed = 0;
	int rc = asm_distribute(a->s, &a->o, time_now(), &v, &n, &a->e);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		existed += v[i].existed;
	if (!a->c->quiet && !a->c->json)
		fprintf(stderr,
			"ジョブ %zu 件を登録 (既存 %zu) / %zu job(s) queued (%zu already queued or "
			"running); `mamori worker` runs them\n",
			n - existed, existed, n - existed, existed);
	rc = asm_distribute_wait(a->s, v, n, &stop_flag, wait, dist_ended, a, &a->e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v[i].info.state != JOB_DONE)
			a->failures++;
	m_free(v);
	return rc;
}

static const struct cli_opt run_opts[] = {
    OPT_BOOL("all", struct run_args, all, "every organisation / 全組織"),
    OPT_BOOL("distributed", struct run_args, distributed,
	     "with --all: one job per organisation for `mamori worker` / ワーカーで分散実行"),
    OPT_INT("shards", struct run_args, shards, 1, ASM_SHARDS_MAX, "K",
	    "with ORG --distributed: K scan shard jobs / 診断をK分割"),
    OPT_DOUBLE("wait", struct run_args, wait, 1, 604800, "S",
	       "with --distributed: follow the jobs at most S seconds / 待機の上限"),
    OPT_STRING("mode", struct run_args, o.mode, "connect|syn",
	       "scan mode (default connect) / 探索方式"),
    OPT_STRING("ports", struct run_args, o.ports, "LIST", "ports to scan (default top) / ポート"),
    OPT_DOUBLE("rate", struct run_args, o.rate, 1, 1e7, "PPS",
	       "scan packets per second (default 2000) / 毎秒パケット数"),
    OPT_STRING("resolver", struct run_args, o.resolver, "ADDR", "DNS for discovery / DNS"),
    OPT_JSON(),
    OPT_END(),
};

static int asm_run(struct cli *c, int argc, char **argv)
{
	struct run_args ra = {0};
	struct actx a = {.c = c};
	struct sigaction sa;
	bool all;
	int first, rc;

	asm_opts_init(&ra.o, c->data_dir);
	if ((rc = cli_parse_options(c, run_opts, &ra, argc, argv, &first)))
		return rc;
	a.o = ra.o;
	all = ra.all;
	if (all && first < argc)
		return cli_usage_error(c, "ORG and --all exclude each other");
	if (ra.distributed && !all && !(first < argc && ra.shards > 0))
		return cli_usage_error(c,
				       "--distributed goes with --all, or with ORG and --shards");
	if (ra.shards > 0 && (!ra.distributed || first >= argc))
		return cli_usage_error(c, "--shards goes with ORG and --distributed");
	if (strcmp(a.o.mode, "connect") && strcmp(a.o.mode, "syn"))
		return cli_usage_error(c, "--mode wants connect or syn");
	if (!(a.s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&a.e);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	a.o.stop = &stop_flag;
	a.o.progress = progress;
	a.o.progress_arg = &a;
	if (c->json)
		a.arr = cJSON_CreateArray();
	if (ra.distributed) {
		if ((rc = ra.shards > 0 ? run_shards(&a, argv[first], (unsigned)ra.shards, ra.wait)
					: run_distributed(&a, ra.wait))) {
			if (a.arr)
				cli_print_json(a.arr);
			return cli_fail(c, rc, &a.e);
		}
	} else if (first < argc)
		rc = run_org(&a, argv[first]);
	else if (all)
		rc = each_org(&a);
	else
		rc = run_due(&a);
	if (a.arr)
		cli_print_json(a.arr);
	if (rc == 0 && a.failures)
		rc = a.e.code ? a.e.code : M_EINVAL;
	return rc ? cli_exit_code(rc) : 0;
}

const struct cli_verb cmd_asm_verbs[] = {
    {"run", asm_run, "run the ASM cycle / ASM サイクルの実行", run_opts, "[ORG]"},
    {0},
};

int cmd_asm(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("asm"), cmd_asm_verbs, ARRAY_SIZE(cmd_asm_verbs) - 1,
				  argc, argv);
}
