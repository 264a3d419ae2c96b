/*
 * cmd_identify.c - `mamori identify ORG|--all`: what runs on each open port (banner, HTTP,
 * TLS, DNS, read-only OT probes, Recog), into the services table and JSON lines.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>

#include "cli/commands.h"
#include "identify/identify.h"

const char cmd_identify_usage[] =
    "usage: mamori identify ORG|--all [--timeout S] [--concurrency N] [--silent-wait S]\n"
    "                       [--host NAME=IP]... [--scan ID] [--out FILE|-] [--json]\n"
    "\n"
    "Identifies the service on every open port the store holds for ORG (or every\n"
    "organisation): banner, HTTP(S) with the registered host name, TLS certificate chain and\n"
    "old protocol versions, DNS version.bind, and read-only OT probes when the organisation\n"
    "allows them (ot_probes). Every address is checked against the scope again first.\n"
    "開いているポートのサービスを特定します(スコープを再確認し、OT は許可された組織のみ)。\n"
    "\n"
    "  --timeout S       time budget per port (default 4)\n"
    "  --silent-wait S   wait for a first byte before calling a port silent (default 1.2)\n"
    "  --concurrency N   ports in flight (worker threads, default 32)\n"
    "  --host NAME=IP    a host name for an address (Host header, SNI, certificate check)\n"
    "  --scan ID         only the ports scan ID found open (the run is then not complete)\n"
    "  --out FILE|-      every service (and refusal) as a JSON line\n"
    "  --json            summary as JSON\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int parse_pos(const char *s, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
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

int cmd_identify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"timeout", required_argument, NULL, 't'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"out", required_argument, NULL, 'o'},
	    {"json", no_argument, NULL, 'j'},
	    {"host", required_argument, NULL, 'H'},
	    {"scan", required_argument, NULL, 's'},
	    {"silent-wait", required_argument, NULL, 'w'},
	    {0},
	};
	struct id_opts o = {0};
	bool all = false;
	double d, scan = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': all = true; break;
		case 't':
			if (parse_pos(optarg, 0.1, 600, &o.timeout))
				return cli_usage_error(c, "--timeout wants seconds (0.1..600)");
			break;
		case 'w':
			if (parse_pos(optarg, 0.05, 60, &o.silent_wait))
				return cli_usage_error(c, "--silent-wait wants seconds (0.05..60)");
			break;
		case 'c':
			if (parse_pos(optarg, 1, 1024, &d) || d != (unsigned)d)
				return cli_usage_error(c, "--concurrency wants 1..1024");
			o.concurrency = (unsigned)d;
			break;
		case 'o': o.out = optarg; break;
		case 'j': c->json = true; break;
		case 'H':
			if (o.n_hosts == ARRAY_SIZE(o.hosts))
				return cli_usage_error(c, "too many --host options");
			o.hosts[o.n_hosts++] = optarg;
			break;
		case 's':
			if (parse_pos(optarg, 1, 9e15, &scan) || scan != (int64_t)scan)
				return cli_usage_error(c, "--scan wants a scan id");
			break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (all == (optind < argc))
		return cli_usage_error(c, "name one organisation or --all");
	if (optind + 1 < argc)
		return cli_usage_error(c, "one organisation at a time (or --all)");
	return run(c, all ? NULL : argv[optind], (int64_t)scan, &o);
}
