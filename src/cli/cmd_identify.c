/*
 * cmd_identify.c - `mamori identify ORG|--all`: what runs on each open port (banner, HTTP,
 * TLS, DNS, read-only OT probes, Recog), into the services table and JSON lines.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "identify/identify.h"

const char cmd_identify_usage[] =
    "Identifies the service on every open port the store holds for ORG (or every\n"
    "organisation with --all): banner, HTTP(S) with the registered host name (--host), TLS\n"
    "certificate chain and old protocol versions, DNS version.bind, and read-only OT probes\n"
    "when the organisation allows them (ot_probes). Every address is checked against the\n"
    "scope again first. --scan ID: only the ports scan ID found open (the run is then not\n"
    "complete). --out: every service (and refusal) as a JSON line.\n"
    "開いているポートのサービスを特定します(スコープを再確認し、OT は許可された組織のみ)。\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct id_opts {
	double timeout, silent_wait;
	unsigned concurrency;
	const char *out;
	const char *hosts[64];
	size_t n_hosts;
};

static void summary(struct cli *c, const struct ident_counters *k,
		    const struct ident_run_info *runs, size_t n_runs, size_t refused, FILE *to)
{
	if (c->json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "runs");
		cJSON_AddNumberToObject(o, "targets", (double)k->targets);
		cJSON_AddNumberToObject(o, "identified", (double)k->identified);
		cJSON_AddNumberToObject(o, "unidentified", (double)k->unidentified);
		cJSON_AddNumberToObject(o, "silent", (double)k->silent);
		cJSON_AddNumberToObject(o, "error", (double)k->error);
		cJSON_AddNumberToObject(o, "skipped", (double)k->skipped);
		cJSON_AddNumberToObject(o, "refused", (double)refused);
		cJSON_AddNumberToObject(o, "elapsed_s", k->elapsed);
		cJSON_AddBoolToObject(o, "interrupted", k->interrupted);
		for (size_t i = 0; i < n_runs; i++) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddNumberToObject(r, "id", (double)runs[i].id);
			cJSON_AddStringToObject(r, "org", runs[i].org);
			cJSON_AddNumberToObject(r, "targets", runs[i].targets);
			cJSON_AddNumberToObject(r, "identified", runs[i].identified);
			cJSON_AddBoolToObject(r, "complete", runs[i].complete);
			cJSON_AddStringToObject(r, "state", runs[i].state);
			cJSON_AddItemToArray(a, r);
		}
		char *s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (s)
			fprintf(to, "%s\n", s);
		cJSON_free(s);
		return;
	}
	if (c->quiet)
		return;
	fprintf(
	    to,
	    "サービス特定 / identify: 対象 targets %zu, 特定 identified %zu, 未特定 "
	    "unidentified %zu, 無応答 silent %zu, エラー error %zu, 拒否 refused %zu; %.2f s%s\n",
	    k->targets, k->identified, k->unidentified, k->silent, k->error, refused, k->elapsed,
	    k->interrupted ? " (中断 interrupted)" : "");
	size_t empty = 0;
	for (size_t i = 0; i < n_runs; i++) {
		if (runs[i].targets == 0) { /* --all: organisations with no open port */
			empty++;
			continue;
		}
		fprintf(to, "  run %lld %s: %ld targets, %ld identified, %s\n",
			(long long)runs[i].id, runs[i].org, runs[i].targets, runs[i].identified,
			runs[i].complete ? "complete 全件" : "partial 一部");
	}
	if (empty)
		fprintf(
		    to,
		    "  開いたポートのない組織 %zu (runs recorded) / %zu organisations without open "
		    "ports\n",
		    empty, empty);
}

static void print_refused(void *arg, const struct ident_refusal *r)
{
	(void)arg;
	fprintf(stderr, "拒否 refused %s %s:%u/%s: %s\n", r->org, r->ip, r->port, r->proto,
		r->reason);
}

static int run(struct cli *c, const char *org, int64_t only_scan, const struct id_opts *o)
{
	struct ident_run_opts ro;
	struct ident_run_result res;
	struct store *s = cli_store(c);
	struct merr e;
	FILE *out = NULL;
	int rc = 0;

	if (!s)
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	memset(&res, 0, sizeof(res));
	if (o->out) {
		if (!strcmp(o->out, "-"))
			out = stdout;
		else if (!(out = fopen(o->out, "w")))
			rc = merr_set(&e, M_EIO, "%s: %s", o->out, strerror(errno));
	}
	if (!rc) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN); /* a peer that resets during TLS must not kill us */
		ident_run_opts_init(&ro);
		ro.data_dir = c->data_dir;
		ro.org = org;
		ro.only_scan = only_scan;
		ro.hosts = o->hosts;
		ro.n_hosts = o->n_hosts;
		ro.timeout = o->timeout;
		ro.silent_wait = o->silent_wait;
		ro.concurrency = o->concurrency;
		ro.stop = &stop_flag;
		ro.out = out;
		ro.on_refused = print_refused;
		rc = ident_run_org(s, &ro, &res, &e);
	}
	if (out && out != stdout)
		fclose(out);
	if (!rc)
		summary(c, &res.k, res.runs, res.n_runs, res.work.n_refused,
			out == stdout ? stderr : stdout);
	bool interrupted = res.k.interrupted;
	ident_run_result_release(&res);
	if (rc)
		return cli_fail(c, rc, &e);
	return interrupted ? cli_exit_code(M_EINTR) : 0;
}

int cmd_identify_after_scan(struct cli *c, const char *org, int64_t scan_id)
{
	struct id_opts o = {0};
	return run(c, org, scan_id, &o);
}

struct identify_args {
	struct id_opts o;
	bool all;
	long long scan;
};

static int opt_host(void *args, const char *arg, const char **why)
{
	struct id_opts *o = &((struct identify_args *)args)->o;

	if (!strchr(arg, '='))
		return *why = "NAME=IP の形で指定してください / wants NAME=IP", -1;
	if (o->n_hosts == ARRAY_SIZE(o->hosts))
		return *why = "--host は 64 個までです / at most 64 --host options", -1;
	o->hosts[o->n_hosts++] = arg;
	return 0;
}

static const struct cli_opt identify_opts[] = {
    OPT_BOOL("all", struct identify_args, all, "every organisation / 全組織"),
    OPT_DOUBLE("timeout", struct identify_args, o.timeout, 0.1, 600, "S",
	       "time budget per port (4) / 1 ポートの制限時間"),
    OPT_UNSIGNED("concurrency", struct identify_args, o.concurrency, 1, 1024, "N",
		 "ports in flight (32) / 同時に調べるポート数"),
    OPT_STRING("out", struct identify_args, o.out, "FILE|-", "services as JSON lines / JSON 行"),
    OPT_JSON(),
    OPT_CALLBACK("host", opt_host, "NAME=IP",
		 "a host name for an address (Host, SNI, certificate) / ホスト名"),
    OPT_LLONG("scan", struct identify_args, scan, 1, 9000000000000000LL, "ID",
	      "only the ports this scan found open / この診断のポートのみ"),
    OPT_DOUBLE("silent-wait", struct identify_args, o.silent_wait, 0.05, 60, "S",
	       "wait for a first byte before calling a port silent (1.2) / 無応答の判定"),
    OPT_END(),
};

const struct cli_verb cmd_identify_verbs[] = {
    {"", cmd_identify, "", identify_opts, "[ORG]"},
    {0},
};

int cmd_identify(struct cli *c, int argc, char **argv)
{
	struct identify_args a = {0};
	int first, rc;

	if ((rc = cli_parse_options(c, identify_opts, &a, argc, argv, &first)))
		return rc;
	if (a.all == (first < argc))
		return cli_usage_error(c, "組織を 1 つ、または --all を指定してください / name one"
					  " organisation or --all");
	if (first + 1 < argc)
		return cli_usage_error(
		    c, "組織は 1 つずつです / one organisation at a time (or --all)");
	return run(c, a.all ? NULL : argv[first], (int64_t)a.scan, &a.o);
}
