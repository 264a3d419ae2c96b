/* cmd_serve.c - `mamori serve`: the web console and JSON API on libmicrohttpd (src/web). */
#include "base/compat.h"

#include <getopt.h>

#include "cli/commands.h"
#include "web/web.h"

const char cmd_serve_usage[] =
    "usage: mamori serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--threads N]\n"
    "                    [--max-conns N] [--max-conns-per-ip N] [--timeout S]\n"
    "                    [--request-timeout S] [--body-max BYTES]\n"
    "                    [--reports-dir DIR] [--scan-rate PPS] [--scan-max-runtime S]\n"
    "                    [--session-idle S] [--session-max S] [--port-file FILE]\n"
    "                    [--dashboard-cache S]\n"
    "       mamori serve --list-routes\n"
    "\n"
    "Serves the web console and the JSON API (/api/v1/) until SIGINT or SIGTERM, then lets\n"
    "in-flight requests finish. Binds only the address given (default 127.0.0.1:8080; port 0\n"
    "picks a free port, written to --port-file). TLS uses GnuTLS through libmicrohttpd.\n"
    "--dashboard-cache S reuses the dashboard's counts and panels for S seconds per role\n"
    "scope (default 5, 0 = never; the page shows when they were computed).\n"
    "Limits (docs/SECURITY.md): --max-conns connections at once (512), --max-conns-per-ip\n"
    "from one client address (64; 0 = no limit, behind a reverse proxy), --timeout S idle\n"
    "seconds (30), --request-timeout S to receive a request's headers and body in all (30),\n"
    "--body-max BYTES (1 MiB).\n"
    "--list-routes prints the route table: method, path, roles, object rule, kind.\n"
    "--reports-dir is the folder `mamori report ... --out DIR` writes: its reports are listed\n"
    "and downloadable by role. Scans started from the console run one at a time in a\n"
    "background thread (connect mode, --scan-rate probes/s, at most --scan-max-runtime s).\n"
    "Web コンソールと JSON API を起動します。既定は 127.0.0.1:8080 のみで待ち受けます。\n";

static int parse_num(struct cli *c, const char *opt, const char *s, long long min, long long max,
		     long long *out)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return cli_usage_error(c, "%s must be %lld..%lld", opt, min, max);
	*out = v;
	return 0;
}

int cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"tls-cert", required_argument, NULL, 'c'},
	    {"tls-key", required_argument, NULL, 'k'},
	    {"threads", required_argument, NULL, 't'},
	    {"max-conns", required_argument, NULL, 'm'},
	    {"max-conns-per-ip", required_argument, NULL, 'P'},
	    {"request-timeout", required_argument, NULL, 'Q'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"body-max", required_argument, NULL, 'b'},
	    {"session-idle", required_argument, NULL, 'i'},
	    {"session-max", required_argument, NULL, 'a'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"dashboard-cache", required_argument, NULL, 'D'},
	    {"list-routes", no_argument, NULL, 'L'},
	    {"reports-dir", required_argument, NULL, 'R'},
	    {"scan-rate", required_argument, NULL, 'S'},
	    {"scan-max-runtime", required_argument, NULL, 'M'},
	    {0},
	};
	struct web_config cfg;
	struct merr e;
	long long v;
	int opt, rc;

	web_config_defaults(&cfg);
	cfg.db = c->db;
	cfg.data_dir = c->data_dir;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = 0;
		switch (opt) {
		case 'l': cfg.listen = optarg; break;
		case 'c': cfg.tls_cert = optarg; break;
		case 'k': cfg.tls_key = optarg; break;
		case 'p': cfg.port_file = optarg; break;
		case 't':
			if (!(rc = parse_num(c, "--threads", optarg, 1, 64, &v)))
				cfg.threads = (unsigned)v;
			break;
		case 'm':
			if (!(rc = parse_num(c, "--max-conns", optarg, 1, 65536, &v)))
				cfg.max_conns = (unsigned)v;
			break;
		case 'P':
			if (!(rc = parse_num(c, "--max-conns-per-ip", optarg, 0, 65536, &v)))
				cfg.max_conns_per_ip = (unsigned)v;
			break;
		case 'Q':
			if (!(rc = parse_num(c, "--request-timeout", optarg, 1, 3600, &v)))
				cfg.request_timeout = (unsigned)v;
			break;
		case 'T':
			if (!(rc = parse_num(c, "--timeout", optarg, 1, 3600, &v)))
				cfg.conn_timeout = (unsigned)v;
			break;
		case 'b':
			if (!(rc = parse_num(c, "--body-max", optarg, 1024, 64 << 20, &v)))
				cfg.body_max = (size_t)v;
			break;
		case 'i':
			if (!(rc = parse_num(c, "--session-idle", optarg, 1, 86400, &v)))
				cfg.session_idle = v;
			break;
		case 'a':
			if (!(rc = parse_num(c, "--session-max", optarg, 1, 30 * 86400, &v)))
				cfg.session_absolute = v;
			break;
		case 'D':
			if (!(rc = parse_num(c, "--dashboard-cache", optarg, 0, 300, &v)))
				cfg.dashboard_cache = (unsigned)v;
			break;
		case 'L': web_routes_print(stdout); return 0;
		case 'R': cfg.reports_dir = optarg; break;
		case 'S':
			if (!(rc = parse_num(c, "--scan-rate", optarg, 1, 100000, &v)))
				cfg.scan_rate = (double)v;
			break;
		case 'M':
			if (!(rc = parse_num(c, "--scan-max-runtime", optarg, 1, 86400, &v)))
				cfg.scan_max_runtime = (double)v;
			break;
		default: return cli_usage_error(c, "unknown option");
		}
		if (rc)
			return rc;
	}
	merr_init(&e);
	/* Create or migrate the store once here, before worker threads open their own. */
	if (!cli_store(c))
		return cli_exit_code(M_ESTORE);
	rc = web_serve(&cfg, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}
