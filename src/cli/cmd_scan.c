/*
 * cmd_scan.c - `mamori scan`: port discovery over an organisation's authorised
 * scope (or every organisation's), plus `scan list` and `scan show ID`.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "scan/scan.h"

const char cmd_scan_usage[] =
    "usage: mamori scan --resume ID [--out FILE|-] [--json]\n"
    "\n"
    "Finds open ports on the addresses ORG may be probed at now: its authorised scope minus\n"
    "the global exclusions. Every probe is checked against that set again before it is sent.\n"
    "組織の許可済みスコープ(除外を除く)に対してポートを探索します。\n"
    "\n"
    "--states: which states to record, open,closed,filtered (default: all when the scan has\n"
    "at most 65536 targets, else open). syn mode uses --iface, --send packet|raw,\n"
    "--source-ip, --source-mac, --gw-mac.\n"
    "\n"
    "SIGINT/SIGTERM stop sending, wait the cooldown, save results and the checkpoint\n"
    "(a second signal skips the cooldown). 中断しても結果とチェックポイントを保存します。\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_flag < 2)
		stop_flag++;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits return EINTR at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------ options */

struct run_opts {
	const char *org, *ports, *mode, *out, *states, *targets, *send, *iface;
	const char *source_ip, *source_mac, *gw_mac, *shard, *key_hex;
	double rate, per_net, timeout, cooldown, max_runtime;
	long retries, resume;
	unsigned max_inflight, send_threads;
	long long max_targets;
	bool all, yes, dry_run, identify;
};

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static const struct cli_opt run_options[] = {
    OPT_STRING("ports", struct run_opts, ports, "LIST",
	       "22,80,443,8000-8100 or top, web, ics (default top) / ポート"),
    OPT_STRING("mode", struct run_opts, mode, "connect|syn|udp",
	       "connect (default), syn (CAP_NET_RAW), udp payloads / 方式"),
    OPT_DOUBLE("rate", struct run_opts, rate, 1, 1e7, "PPS",
	       "global packets per second (default 10000)"),
    OPT_DOUBLE("per-net-rate", struct run_opts, per_net, 0, 1e7, "PPS",
	       "cap per /24 or /64 (default 2000, 0 = none)"),
    OPT_LONG("retries", struct run_opts, retries, 0, 10, "N",
	     "extra passes for unanswered targets (default 0)"),
    OPT_DOUBLE("max-runtime", struct run_opts, max_runtime, 0, 1e9, "S",
	       "stop sending after S seconds (resumable)"),
    OPT_LLONG("max-targets", struct run_opts, max_targets, 0, LLONG_MAX, "N",
	      "refuse more targets than N without --yes (65536)"),
    OPT_BOOL("yes", struct run_opts, yes, "confirm a large scan / 大規模な探索を確認"),
    OPT_BOOL("dry-run", struct run_opts, dry_run, "list what would be probed; send nothing"),
    OPT_STRING("out", struct run_opts, out, "FILE|-", "results as JSON lines"),
    OPT_LONG("resume", struct run_opts, resume, 1, LONG_MAX, "ID",
	     "continue an interrupted scan / 中断した探索の続き"),
    OPT_JSON(),
    OPT_BOOL("all", struct run_opts, all, "every organisation / 全組織"),
    OPT_DOUBLE("timeout", struct run_opts, timeout, 0.01, 3600, "S",
	       "per-probe timeout for connect/udp (default 1)"),
    OPT_DOUBLE("cooldown", struct run_opts, cooldown, 0, 3600, "S",
	       "longest wait for late replies (default 1; syn: sized from the RTT)"),
    OPT_STRING("states", struct run_opts, states, "LIST", "open,closed,filtered to record"),
    OPT_STRING("targets", struct run_opts, targets, "LIST",
	       "restrict to these (ORG) or dev loopback"),
    OPT_STRING("send", struct run_opts, send, "packet|raw", "syn mode: how frames are sent"),
    OPT_STRING("iface", struct run_opts, iface, "IF", "syn mode: interface (lo)"),
    OPT_UNSIGNED("send-threads", struct run_opts, send_threads, 0, 8, "N",
		 "syn mode: sending threads, one per CPU (0: auto)"),
    OPT_STRING("source-ip", struct run_opts, source_ip, "A", "syn mode: source address"),
    OPT_STRING("source-mac", struct run_opts, source_mac, "M", "syn mode: source MAC"),
    OPT_STRING("gw-mac", struct run_opts, gw_mac, "M", "syn mode: gateway MAC"),
    OPT_STRING("shard", struct run_opts, shard, "I/K", "shard I of K (0-based)"),
    OPT_STRING("key", struct run_opts, key_hex, "HEX", "tests: a fixed permutation key"),
    OPT_UNSIGNED("max-inflight", struct run_opts, max_inflight, 1, 1000000, "N",
		 "connect/udp probes in flight (default 4096)"),
    OPT_BOOL("identify", struct run_opts, identify, "then identify the open ports' services"),
    OPT_END(),
};

static int apply_states(const char *spec, struct scan_config *cfg)
{
	char buf[128];
	const char *p = buf;

	snprintf(buf, sizeof(buf), "%s", spec);
	cfg->report_closed = strstr(buf, "closed") != NULL;
	cfg->report_filtered = strstr(buf, "filtered") != NULL;
	/* every item must be one of the three names */
	while (*p) {
		size_t n = strcspn(p, ",");
		if (!((n == 4 && !strncmp(p, "open", 4)) || (n == 6 && !strncmp(p, "closed", 6)) ||
		      (n == 8 && !strncmp(p, "filtered", 8))))
			return -1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int apply_net_options(struct run_opts *o, struct scan_config *cfg)
{
	if (o->iface)
		cfg->iface = o->iface;
	if (o->send)
		cfg->send_method = o->send;
	cfg->send_threads = o->send_threads;
	if (o->source_ip) {
		struct ipaddr a;
		if (ip_parse(o->source_ip, &a))
			return -1;
		if (a.family == 4)
			cfg->src4 = a;
		else
			cfg->src6 = a;
	}
	if (o->source_mac && parse_mac(o->source_mac, cfg->src_mac))
		return -1;
	if (o->gw_mac && parse_mac(o->gw_mac, cfg->gw_mac))
		return -1;
	if (o->shard) {
		unsigned i, k;
		char tail;
		if (sscanf(o->shard, "%u/%u%c", &i, &k, &tail) != 2 || k == 0 || i >= k)
			return -1;
		cfg->shard = i;
		cfg->n_shards = k;
	}
	return 0;
}

/* ------------------------------------------------------------ output */

struct progress_ctx {
	bool tty;
	double last;
};

static void show_progress(void *arg, const struct scan_progress *p)
{
	const struct scan_counters *c = p->c;
	char eta[32];

	if (p->eta >= 0)
		snprintf(eta, sizeof(eta), "%.0fs", p->eta);
	else
		snprintf(eta, sizeof(eta), "%s", p->cooling ? "待機 cooldown" : "-");
	fprintf(stderr,
		"\r送信 sent %llu  応答 replies %llu  開 open %llu  無効 invalid %llu  "
		"取りこぼし drops %llu  %.0f pps  残り ETA %s   ",
		(unsigned long long)c->sent, (unsigned long long)c->received,
		(unsigned long long)c->open, (unsigned long long)c->invalid,
		(unsigned long long)c->dropped, p->rate, eta);
	fflush(stderr);
	(void)arg;
}

static void print_summary(struct cli *c, int64_t id, const char *org, const struct scan_outcome *oc,
			  FILE *to)
{
	const struct scan_counters *k = &oc->c;
	const char *state = oc->complete ? "done" : "interrupted";

	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "scan_id", (double)id);
		if (org && *org)
			cJSON_AddStringToObject(o, "org", org);
		else
			cJSON_AddNullToObject(o, "org");
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddNumberToObject(o, "sent", (double)k->sent);
		cJSON_AddNumberToObject(o, "received", (double)k->received);
		cJSON_AddNumberToObject(o, "invalid", (double)k->invalid);
		cJSON_AddNumberToObject(o, "duplicates", (double)k->duplicates);
		cJSON_AddNumberToObject(o, "dropped", (double)k->dropped);
		cJSON_AddNumberToObject(o, "refused", (double)k->refused);
		cJSON_AddNumberToObject(o, "open", (double)k->open);
		cJSON_AddNumberToObject(o, "closed", (double)k->closed);
		cJSON_AddNumberToObject(o, "filtered", (double)k->filtered);
		cJSON_AddNumberToObject(o, "checkpoint", (double)oc->checkpoint);
		cJSON_AddNumberToObject(o, "elapsed_s", oc->elapsed);
		cJSON_AddNumberToObject(o, "send_s", oc->send_elapsed);
		cJSON_AddNumberToObject(o, "cooldown_s", oc->cooldown_s);
		cJSON_AddNumberToObject(o, "rtt_max_ms", k->rtt_max_ms);
		cJSON_AddNumberToObject(o, "rtt_samples", (double)k->rtt_samples);
		cJSON_AddNumberToObject(o, "send_calls", (double)k->send_calls);
		cJSON_AddNumberToObject(o, "send_full", (double)k->send_full);
		cJSON_AddNumberToObject(o, "send_threads", (double)k->send_threads);
		cJSON_AddNumberToObject(o, "send_cpu_s", k->send_cpu_s);
		cJSON_AddNumberToObject(o, "rx_frames", (double)k->rx_frames);
		cJSON_AddNumberToObject(o, "rx_calls", (double)k->rx_calls);
		cJSON_AddNumberToObject(
		    o, "pps", oc->send_elapsed > 0 ? (double)k->sent / oc->send_elapsed : 0);
		char *s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (s) {
			fprintf(to, "%s\n", s);
			cJSON_free(s);
		}
		return;
	}
	if (c->quiet)
		return;
	fprintf(to,
		"スキャン %lld %s / scan %lld %s: 送信 sent %llu, 応答 replies %llu, 無効 invalid "
		"%llu, "
		"取りこぼし drops %llu; 開 open %llu, 閉 closed %llu, 応答なし filtered %llu; "
		"%.2f s (送信 sending %.2f s, %.0f pps)\n",
		(long long)id, oc->complete ? "完了" : "中断", (long long)id, state,
		(unsigned long long)k->sent, (unsigned long long)k->received,
		(unsigned long long)k->invalid, (unsigned long long)k->dropped,
		(unsigned long long)k->open, (unsigned long long)k->closed,
		(unsigned long long)k->filtered, oc->elapsed, oc->send_elapsed,
		oc->send_elapsed > 0 ? (double)k->sent / oc->send_elapsed : 0);
	if (!oc->complete)
		fprintf(to, "再開するには / to resume: mamori scan --resume %lld\n", (long long)id);
}

/* ------------------------------------------------------------ dry run */

static void print_ranges(FILE *to, const struct ipset *s, const char *label)
{
	for (size_t i = 0; i < s->n; i++) {
		struct ipaddr lo, hi;
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		ip_from128(s->r[i].lo, &lo);
		ip_from128(s->r[i].hi, &hi);
		ip_format(&lo, a);
		ip_format(&hi, b);
		fprintf(to, "  %s %s-%s (%llu)\n", label, a, b,
			(unsigned long long)(s->r[i].hi - s->r[i].lo + 1));
	}
}

static int dry_run(struct cli *c, const struct scan_scope *sc, const struct scan_config *cfg)
{
	struct scan_targets t;
	struct merr e;
	char ports[512];
	uint64_t pos = 0, shown = 0;
	struct scan_target tg;
	int rc;

	merr_init(&e);
	rc = scan_targets_init(&t, cfg->targets, cfg->ports, cfg->key, cfg->shard, cfg->n_shards, 1,
			       &e);
	if (rc)
		return cli_fail(c, rc, &e);
	scan_ports_format(cfg->ports, ports, sizeof(ports));
	if (c->json) {
		cJSON *o = cJSON_CreateObject(), *probe = cJSON_CreateArray(),
		      *ref = cJSON_CreateArray();
		cJSON_AddStringToObject(o, "mode", cfg->mode);
		cJSON_AddStringToObject(o, "ports", ports);
		cJSON_AddNumberToObject(o, "targets", (double)scan_targets_count(&t));
		while (shown < 100000 && scan_targets_next(&t, &pos, &tg)) {
			char ip[INET6_ADDRSTRLEN], item[INET6_ADDRSTRLEN + 16];
			ip_format(&tg.ip, ip);
			snprintf(item, sizeof(item), tg.ip.family == 6 ? "[%s]:%u" : "%s:%u", ip,
				 tg.port);
			cJSON_AddItemToArray(probe, cJSON_CreateString(item));
			shown++;
		}
		cJSON_AddItemToObject(o, "would_probe", probe);
		for (size_t i = 0; i < sc->n_refused; i++) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "target", sc->refused[i].what);
			cJSON_AddStringToObject(r, "reason", sc->refused[i].reason);
			cJSON_AddItemToArray(ref, r);
		}
		cJSON_AddItemToObject(o, "refused", ref);
		scan_targets_release(&t);
		return cli_print_json(o);
	}
	printf("試行のみ(送信なし) / dry run (nothing sent): mode %s, ports %s\n", cfg->mode,
	       ports);
	printf("対象 would probe: %llu targets (addresses x ports)\n",
	       (unsigned long long)scan_targets_count(&t));
	print_ranges(stdout, cfg->targets, "range");
	while (shown < 1000 && scan_targets_next(&t, &pos, &tg)) {
		char ip[INET6_ADDRSTRLEN];
		ip_format(&tg.ip, ip);
		printf("  probe %s port %u\n", ip, tg.port);
		shown++;
	}
	if (shown < scan_targets_count(&t))
		printf("  ... (%llu more)\n", (unsigned long long)(scan_targets_count(&t) - shown));
	printf("拒否 refused: %zu\n", sc->n_refused);
	for (size_t i = 0; i < sc->n_refused; i++)
		printf("  refused %s: %s\n", sc->refused[i].what, sc->refused[i].reason);
	scan_targets_release(&t);
	return 0;
}

/* ------------------------------------------------------------ run */

static void report_refusals(struct cli *c, const struct scan_scope *sc)
{
	if (c->quiet)
		return;
	for (size_t i = 0; i < sc->n_refused; i++)
		fprintf(stderr, "mamori: scan: 拒否 refused %s: %s\n", sc->refused[i].what,
			sc->refused[i].reason);
}

static int execute(struct cli *c, struct store *s, const struct scan_scope *sc,
		   struct scan_config *cfg, const char *org, int64_t resume_id,
		   const char *out_path, bool identify)
{
	struct progress_ctx pc = {isatty(STDERR_FILENO) && !c->quiet && !c->json, 0};
	struct scan_outcome oc;
	struct merr e;
	FILE *out = NULL;
	int64_t id = 0;
	int rc;

	merr_init(&e);
	if (out_path && strcmp(out_path, "-") == 0)
		out = stdout;
	else if (out_path && !(out = fopen(out_path, resume_id ? "a" : "w")))
		return cli_fail(c, merr_set(&e, M_EIO, "%s: %s", out_path, strerror(errno)), &e);
	cfg->allowed = &sc->allowed;
	cfg->stop = &stop_flag;
	if (pc.tty) {
		cfg->progress = show_progress;
		cfg->progress_arg = &pc;
	}
	install_signals();
	rc = scan_session_run(s, org, sc->map.n ? &sc->map : NULL, cfg, resume_id, out, &id, &oc,
			      &e);
	if (pc.tty)
		fputc('\n', stderr);
	if (out && out != stdout)
		fclose(out);
	if (rc)
		return cli_fail(c, rc, &e);
	print_summary(c, id, org, &oc, out == stdout ? stderr : stdout);
	if (!oc.complete)
		return cli_exit_code(M_EINTR);
	if (identify && org && !*org) /* --targets without an organisation: no scope to re-check */
		return cli_usage_error(c, "--identify needs ORG or --all");
	/* org NULL (--all): every organisation's ports of this scan */
	return identify ? cmd_identify_after_scan(c, org, id) : 0;
}

static int fill_config(struct cli *c, struct run_opts *o, struct scan_config *cfg,
		       struct scan_ports *ports, struct merr *e)
{
	int rc;

	cfg->mode = o->mode ? o->mode : "connect";
	rc = scan_ports_parse(o->ports ? o->ports : "top", ports, e);
	if (rc)
		return rc;
	cfg->ports = ports;
	cfg->rate = o->rate > 0 ? o->rate : 10000;
	if (o->per_net >= 0)
		cfg->per_net_rate = o->per_net;
	cfg->retries = (unsigned)o->retries;
	cfg->max_runtime = o->max_runtime;
	if (o->timeout > 0)
		cfg->timeout = o->timeout;
	if (o->cooldown >= 0)
		cfg->cooldown = o->cooldown;
	if (o->max_inflight)
		cfg->max_inflight = o->max_inflight;
	if (apply_net_options(o, cfg))
		return merr_set(e, M_EINVAL, "bad --source-ip, --source-mac, --gw-mac or --shard");
	if (o->key_hex) {
		if (scan_key_from_hex(o->key_hex, cfg->key))
			return merr_set(e, M_EINVAL, "--key wants 32 hex digits");
	} else {
		scan_key_random(cfg->key);
	}
	(void)c;
	return 0;
}

static int run_new(struct cli *c, struct run_opts *o)
{
	struct scan_config cfg;
	struct scan_ports ports = {0};
	struct scan_scope sc;
	struct store *s;
	struct merr e;
	uint64_t n;
	int rc;

	if (!o->all && !o->org && !o->targets)
		return cli_usage_error(c, "name an organisation or --all");
	if (o->all && o->org)
		return cli_usage_error(c, "ORG and --all exclude each other");
	merr_init(&e);
	scan_config_init(&cfg);
	rc = fill_config(c, o, &cfg, &ports, &e);
	if (rc) {
		scan_ports_release(&ports);
		return cli_fail(c, rc, &e);
	}
	s = cli_store(c);
	if (!s) {
		scan_ports_release(&ports);
		return cli_exit_code(M_ESTORE);
	}
	scan_scope_init(&sc);
	rc = scan_scope_resolve(s, o->all ? NULL : o->org, o->all, o->targets, time_now(), &sc, &e);
	if (rc)
		goto out;
	cfg.targets = &sc.targets;
	cfg.allowed = &sc.allowed;
	cfg.scope_kind = sc.kind;
	if (!o->dry_run)
		report_refusals(c, &sc); /* a dry run lists them on stdout */
	if (sc.targets.n == 0) {
		rc = merr_set(&e, M_ESCOPE,
			      "nothing to scan: no address is in the authorised scope");
		goto out;
	}
	n = ipset_count(&sc.targets);
	n = n > UINT64_MAX / ports.n ? UINT64_MAX : n * ports.n;
	if (o->states) {
		if (apply_states(o->states, &cfg)) {
			rc = merr_set(&e, M_EINVAL, "--states: want open,closed,filtered");
			goto out;
		}
	} else {
		cfg.report_closed = cfg.report_filtered = n <= SCAN_MAX_TARGETS_DEFAULT;
	}
	if (o->dry_run) {
		rc = dry_run(c, &sc, &cfg);
		scan_scope_release(&sc);
		scan_ports_release(&ports);
		return rc;
	}
	if (n > (unsigned long long)o->max_targets && !o->yes) {
		rc = merr_set(&e, M_ECONFIRM,
			      "%llu targets exceed --max-targets %llu: add --yes to confirm "
			      "(対象数が上限を超えています。--yes で確認してください)",
			      (unsigned long long)n, (unsigned long long)o->max_targets);
		goto out;
	}
	rc = execute(c, s, &sc, &cfg, o->all ? NULL : (o->org ? o->org : ""), 0, o->out,
		     o->identify);
	scan_scope_release(&sc);
	scan_ports_release(&ports);
	return rc;
out:
	scan_scope_release(&sc);
	scan_ports_release(&ports);
	return cli_fail(c, rc, &e);
}

static int run_resume(struct cli *c, struct run_opts *o)
{
	struct scan_params p;
	struct scan_scope sc;
	struct store *s = cli_store(c);
	struct merr e;
	int rc;

	if (!s)
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	scan_params_init(&p);
	scan_scope_init(&sc);
	rc = scan_params_load(s, o->resume, &p, &e);
	if (rc == 0 && strcmp(p.state, "interrupted") != 0)
		rc = merr_set(&e, M_EINVAL, "scan %ld is %s: only an interrupted scan resumes",
			      o->resume, p.state);
	/* The scope is fetched again: what was allowed when the scan started may not be now. */
	if (rc == 0)
		rc = scan_scope_for_resume(s, p.scope_kind, p.org, &p.targets, time_now(), &sc, &e);
	if (rc == 0) {
		report_refusals(c, &sc);
		p.cfg.partial_scope = true;
		p.cfg.max_runtime = o->max_runtime;
		if (o->rate > 0)
			p.cfg.rate = o->rate;
		rc = execute(c, s, &sc, &p.cfg, p.org, o->resume, o->out, o->identify);
		scan_scope_release(&sc);
		scan_params_release(&p);
		return rc;
	}
	scan_scope_release(&sc);
	scan_params_release(&p);
	return cli_fail(c, rc, &e);
}

static int scan_run_cmd(struct cli *c, int argc, char **argv)
{
	struct run_opts o = {0};
	int first, rc;

	o.per_net = -1;
	o.cooldown = -1;
	o.max_targets = SCAN_MAX_TARGETS_DEFAULT;
	if ((rc = cli_parse_options(c, run_options, &o, argc, argv, &first)))
		return rc;
	if (first < argc)
		o.org = argv[first++];
	if (first < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[first]);
	if (o.resume)
		return o.org || o.all ? cli_usage_error(c, "--resume takes no ORG or --all")
				      : run_resume(c, &o);
	return run_new(c, &o);
}

/* ------------------------------------------------------------ list, show */

static int add_info_json(void *arg, const struct scan_info *i)
{
	cJSON_AddItemToArray(arg, scan_info_json(i, NULL));
	return 0;
}

static int print_info_line(void *arg, const struct scan_info *i)
{
	char t[TIME_STR_MAX];

	time_fmt_jst(i->started_at, t);
	printf("%-5lld %-14s %-8s %-12s %-24s sent %-9llu replies %-7llu %s\n", (long long)i->id,
	       i->org_slug[0] ? i->org_slug : "(all)", i->mode, i->state, t,
	       (unsigned long long)i->c.sent, (unsigned long long)i->c.received, i->ports);
	(void)arg;
	return 0;
}

struct list_args {
	size_t limit;
};

static const struct cli_opt list_opts[] = {
    OPT_JSON(),
    OPT_SIZE("limit", struct list_args, limit, 0, 1000000000, "N", "newest N scans (50)"),
    OPT_END(),
};

static int scan_list(struct cli *c, int argc, char **argv)
{
	struct list_args la = {.limit = 50};
	size_t limit;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, list_opts, &la, argc, argv, &first)))
		return rc;
	limit = la.limit;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json) {
		cJSON *a = cJSON_CreateArray();
		rc = scan_store_list(s, (size_t)limit, add_info_json, a, &e);
		if (rc) {
			cJSON_Delete(a);
			return cli_fail(c, rc, &e);
		}
		return cli_print_json(a);
	}
	printf("%-5s %-14s %-8s %-12s %-24s\n", "ID", "組織 org", "mode", "状態 state",
	       "開始 started (JST)");
	rc = scan_store_list(s, (size_t)limit, print_info_line, NULL, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

static int add_result_json(void *arg, const struct scan_result *r)
{
	cJSON *o = cJSON_CreateObject();
	char ip[INET6_ADDRSTRLEN];

	ip_format(&r->ip, ip);
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddNumberToObject(o, "port", r->port);
	cJSON_AddStringToObject(o, "proto", scan_proto_name(r->proto));
	cJSON_AddStringToObject(o, "state", scan_state_name(r->state));
	cJSON_AddItemToArray(arg, o);
	return 0;
}

static int print_result_line(void *arg, const struct scan_result *r)
{
	char ip[INET6_ADDRSTRLEN];

	ip_format(&r->ip, ip);
	printf("  %-40s %5u/%s  %s\n", ip, r->port, scan_proto_name(r->proto),
	       scan_state_name(r->state));
	(void)arg;
	return 0;
}

static int scan_show(struct cli *c, int argc, char **argv)
{
	long long id;
	struct scan_info i;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first >= argc || cli_parse_ll(argv[first], 0, INT64_MAX, &id))
		return cli_usage_error(c, "scan show wants a scan ID");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = scan_store_get(s, (int64_t)id, &i, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = scan_info_json(&i, NULL), *res = cJSON_CreateArray();
		cJSON_AddItemToObject(o, "params", cJSON_Parse(i.params));
		rc = scan_store_results(s, (int64_t)id, add_result_json, res, &e);
		cJSON_AddItemToObject(o, "results", res);
		scan_info_release(&i);
		if (rc) {
			cJSON_Delete(o);
			return cli_fail(c, rc, &e);
		}
		return cli_print_json(o);
	}
	print_info_line(NULL, &i);
	printf("  params %s\n", i.params);
	scan_info_release(&i);
	rc = scan_store_results(s, (int64_t)id, print_result_line, NULL, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

/* The first row is the scan itself (no verb word); list and show are verbs. */
const struct cli_verb cmd_scan_verbs[] = {
    {"", scan_run_cmd, "scan an organisation / 探索", run_options, "ORG"},
    {"list", scan_list, "list scans / スキャン一覧", list_opts, NULL},
    {"show", scan_show, "show one scan and its results / スキャン詳細", cli_json_opts, "ID"},
    {0},
};

int cmd_scan(struct cli *c, int argc, char **argv)
{
	const struct cli_command *self = cli_find("scan");

	if (argc >= 2 && (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0))
		return cli_dispatch_verbs(c, self, cmd_scan_verbs + 1, 2, argc, argv);
	return scan_run_cmd(c, argc, argv);
}
