/*
 * cmd_scan.c - `mamori scan`: port discovery over an organisation's authorised
 * scope (or every organisation's), plus `scan list` and `scan show ID`.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "scan/scan.h"

const char cmd_scan_usage[] =
    "usage: mamori scan ORG|--all [--ports LIST] [--mode connect|syn|udp] [--rate PPS]\n"
    "                   [--per-net-rate PPS] [--retries N] [--max-runtime S] [--max-targets N]\n"
    "                   [--yes] [--dry-run] [--out FILE|-] [--states LIST] [--json]\n"
    "                   [--identify]\n"
    "       mamori scan --resume ID [--out FILE|-] [--json]\n"
    "       mamori scan list [--limit N] [--json]\n"
    "       mamori scan show ID [--json]\n"
    "\n"
    "Finds open ports on the addresses ORG may be probed at now: its authorised scope minus\n"
    "the global exclusions. Every probe is checked against that set again before it is sent.\n"
    "組織の許可済みスコープ(除外を除く)に対してポートを探索します。\n"
    "\n"
    "  --ports LIST       22,80,443,8000-8100 and named sets top, web, ics (default top)\n"
    "  --mode M           connect (default; no privileges), syn (stateless, CAP_NET_RAW),\n"
    "                     udp (DNS/NTP/SNMP identification payloads)\n"
    "  --rate PPS         global packets per second (default 10000)\n"
    "  --per-net-rate PPS cap per /24 (IPv4) or /64 (IPv6) per second (default 2000, 0 = none)\n"
    "  --retries N        extra passes for unanswered targets (default 0)\n"
    "  --timeout S        per-probe timeout for connect/udp (default 1)\n"
    "  --max-inflight N   connect/udp probes in flight (default 4096, bounded by open files)\n"
    "  --cooldown S       wait for late replies after the last send (default 1)\n"
    "  --max-runtime S    stop sending after S seconds (interrupted, resumable)\n"
    "  --max-targets N    refuse more than N address x port targets without --yes (65536)\n"
    "  --dry-run          list what would be probed and what is refused; send nothing\n"
    "  --identify         then identify the services on the ports found open (mamori identify)\n"
    "  --out FILE|-       results as JSON lines {org,ip,port,proto,state,ttl,rtt_ms,time}\n"
    "  --states LIST      which states to record: open,closed,filtered (default: all when\n"
    "                     the scan has at most 65536 targets, else open)\n"
    "  --shard I/K        scan shard I of K (0-based) of the permutation\n"
    "  --resume ID        continue an interrupted scan from its checkpoint\n"
    "  syn mode: --iface IF (lo), --send packet|raw, --source-ip A, --source-mac M, --gw-mac M\n"
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
	unsigned max_inflight;
	unsigned long long max_targets;
	bool all, yes, dry_run, identify;
};

static int parse_double(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

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

enum {
	O_PORTS = 256,
	O_MODE,
	O_RATE,
	O_PERNET,
	O_RETRIES,
	O_MAXRT,
	O_MAXT,
	O_YES,
	O_DRY,
	O_OUT,
	O_RESUME,
	O_JSON,
	O_ALL,
	O_TIMEOUT,
	O_COOLDOWN,
	O_STATES,
	O_TARGETS,
	O_SEND,
	O_IFACE,
	O_SRCIP,
	O_SRCMAC,
	O_GWMAC,
	O_SHARD,
	O_KEY,
	O_INFLIGHT,
	O_IDENTIFY,
};

static const struct option run_options[] = {
    {"ports", required_argument, NULL, O_PORTS},
    {"mode", required_argument, NULL, O_MODE},
    {"rate", required_argument, NULL, O_RATE},
    {"per-net-rate", required_argument, NULL, O_PERNET},
    {"retries", required_argument, NULL, O_RETRIES},
    {"max-runtime", required_argument, NULL, O_MAXRT},
    {"max-targets", required_argument, NULL, O_MAXT},
    {"yes", no_argument, NULL, O_YES},
    {"dry-run", no_argument, NULL, O_DRY},
    {"out", required_argument, NULL, O_OUT},
    {"resume", required_argument, NULL, O_RESUME},
    {"json", no_argument, NULL, O_JSON},
    {"all", no_argument, NULL, O_ALL},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"cooldown", required_argument, NULL, O_COOLDOWN},
    {"states", required_argument, NULL, O_STATES},
    {"targets", required_argument, NULL, O_TARGETS}, /* restricts to these (ORG) or dev loopback */
    {"send", required_argument, NULL, O_SEND},
    {"iface", required_argument, NULL, O_IFACE},
    {"source-ip", required_argument, NULL, O_SRCIP},
    {"source-mac", required_argument, NULL, O_SRCMAC},
    {"gw-mac", required_argument, NULL, O_GWMAC},
    {"shard", required_argument, NULL, O_SHARD},
    {"key", required_argument, NULL, O_KEY}, /* tests: a fixed permutation key */
    {"max-inflight", required_argument, NULL, O_INFLIGHT},
    {"identify", no_argument, NULL, O_IDENTIFY},
    {0},
};

static int take_option(struct cli *c, struct run_opts *o, int opt)
{
	unsigned long long u;

	switch (opt) {
	case O_PORTS: o->ports = optarg; return 0;
	case O_MODE: o->mode = optarg; return 0;
	case O_RATE: return parse_double(optarg, 1, &o->rate);
	case O_PERNET: return parse_double(optarg, 0, &o->per_net);
	case O_RETRIES:
		if (parse_ull(optarg, &u) || u > 10)
			return -1;
		o->retries = (long)u;
		return 0;
	case O_MAXRT: return parse_double(optarg, 0, &o->max_runtime);
	case O_MAXT: return parse_ull(optarg, &o->max_targets);
	case O_YES: o->yes = true; return 0;
	case O_DRY: o->dry_run = true; return 0;
	case O_IDENTIFY: o->identify = true; return 0;
	case O_OUT: o->out = optarg; return 0;
	case O_RESUME:
		if (parse_ull(optarg, &u) || u == 0 || u > INT64_MAX)
			return -1;
		o->resume = (long)u;
		return 0;
	case O_JSON: c->json = true; return 0;
	case O_ALL: o->all = true; return 0;
	case O_TIMEOUT: return parse_double(optarg, 0.01, &o->timeout);
	case O_COOLDOWN: return parse_double(optarg, 0, &o->cooldown);
	case O_STATES: o->states = optarg; return 0;
	case O_TARGETS: o->targets = optarg; return 0;
	case O_SEND: o->send = optarg; return 0;
	case O_IFACE: o->iface = optarg; return 0;
	case O_SRCIP: o->source_ip = optarg; return 0;
	case O_SRCMAC: o->source_mac = optarg; return 0;
	case O_GWMAC: o->gw_mac = optarg; return 0;
	case O_SHARD: o->shard = optarg; return 0;
	case O_KEY: o->key_hex = optarg; return 0;
	case O_INFLIGHT:
		if (parse_ull(optarg, &u) || u == 0 || u > 1000000)
			return -1;
		o->max_inflight = (unsigned)u;
		return 0;
	default: return -1;
	}
}

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
	if (n > o->max_targets && !o->yes) {
		rc = merr_set(&e, M_ECONFIRM,
			      "%llu targets exceed --max-targets %llu: add --yes to confirm "
			      "(対象数が上限を超えています。--yes で確認してください)",
			      (unsigned long long)n, o->max_targets);
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
	int opt;

	o.per_net = -1;
	o.cooldown = -1;
	o.max_targets = SCAN_MAX_TARGETS_DEFAULT;
	while ((opt = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
		if (opt == '?' || take_option(c, &o, opt) != 0)
			return cli_usage_error(c, "bad option or value '%s'",
					       argv[optind - 1] ? argv[optind - 1] : "");
	}
	if (optind < argc)
		o.org = argv[optind++];
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
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

static int scan_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"limit", required_argument, NULL, 'l'}, {0}};
	unsigned long long limit = 50;
	struct store *s;
	struct merr e;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j')
			c->json = true;
		else if (opt != 'l' || parse_ull(optarg, &limit))
			return cli_usage_error(c, "bad option");
	}
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
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	unsigned long long id;
	struct scan_info i;
	struct store *s;
	struct merr e;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j')
			c->json = true;
		else
			return cli_usage_error(c, "bad option");
	}
	if (optind >= argc || parse_ull(argv[optind], &id))
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

int cmd_scan(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"list", scan_list, "list scans / スキャン一覧"},
	    {"show", scan_show, "show one scan and its results / スキャン詳細"},
	};
	const struct cli_command *self = cli_find("scan");

	if (argc >= 2 && (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0))
		return cli_dispatch_verbs(c, self, verbs, ARRAY_SIZE(verbs), argc, argv);
	return scan_run_cmd(c, argc, argv);
}
