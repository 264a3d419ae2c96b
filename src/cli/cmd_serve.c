/* cmd_serve.c - `mamori serve`: the web console and JSON API on libmicrohttpd (src/web). */
#include "base/compat.h"

#include "cli/commands.h"
#include "cli/options.h"
#include "web/web.h"

const char cmd_serve_usage[] =
    "Serves the web console and the JSON API (/api/v1/) until SIGINT or SIGTERM, then lets\n"
    "in-flight requests finish. Binds only the address given (default 127.0.0.1:8080; port 0\n"
    "picks a free port, written to --port-file). TLS uses GnuTLS through libmicrohttpd.\n"
    "--dashboard-cache S reuses the dashboard's counts and panels for S seconds per role\n"
    "scope (default 5, 0 = never; the page shows when they were computed).\n"
    "Limits (docs/SECURITY.md): --max-conns connections at once (512), --max-conns-per-ip\n"
    "from one client address (64; 0 = no limit, behind a reverse proxy), --timeout S idle\n"
    "seconds (30), --request-timeout S to receive a request's headers and body in all (30),\n"
    "--body-max BYTES (1 MiB), --taxii-body-max BYTES for a TAXII envelope POST (1 GiB; spooled\n"
    "to a temporary file in $TMPDIR and streamed into the store, never held in memory).\n"
    "--taxii-cache BYTES keeps assembled TAXII pages (32 MiB; 0 = off), each served again until\n"
    "its collection changes, only to callers of the same TLP audience.\n"
    "--list-routes prints the route table: method, path, roles, object rule, kind.\n"
    "--reports-dir is the folder `mamori report ... --out DIR` writes: its reports are listed\n"
    "and downloadable by role. Scans started from the console run one at a time in a\n"
    "background thread (connect mode, --scan-rate probes/s, at most --scan-max-runtime s);\n"
    "finished jobs are pruned after --job-retention days (30).\n"
    "Incident reminders and overdue alerts run every --remind-every S (default 300, 0 = off) as\n"
    "a recurring job (once per period even with several servers on one store), delivered by\n"
    "e-mail when $MAMORI_SMTP_URL is set (as for `mamori alert run`).\n"
    "Web コンソールと JSON API を起動します。既定は 127.0.0.1:8080 のみで待ち受けます。\n";

struct serve_args {
	struct web_config cfg;
	bool list_routes;
	long session_idle, session_max, scan_rate, scan_max_runtime;
};

static const struct cli_opt serve_opts[] = {
    OPT_STRING("listen", struct serve_args, cfg.listen, "ADDR:PORT",
	       "address to bind (default 127.0.0.1:8080) / 待ち受け"),
    OPT_STRING("tls-cert", struct serve_args, cfg.tls_cert, "FILE", "TLS certificate (PEM)"),
    OPT_STRING("tls-key", struct serve_args, cfg.tls_key, "FILE", "TLS key (PEM)"),
    OPT_UNSIGNED("threads", struct serve_args, cfg.threads, 1, 64, "N", "worker threads"),
    OPT_UNSIGNED("max-conns", struct serve_args, cfg.max_conns, 1, 65536, "N",
		 "connections at once / 同時接続数"),
    OPT_UNSIGNED("max-conns-per-ip", struct serve_args, cfg.max_conns_per_ip, 0, 65536, "N",
		 "connections at once from one address (0: no cap) / 1 アドレスの同時接続数"),
    OPT_UNSIGNED("request-timeout", struct serve_args, cfg.request_timeout, 1, 3600, "S",
		 "seconds a request may take to arrive (slow senders) / 受信の期限"),
    OPT_UNSIGNED("timeout", struct serve_args, cfg.conn_timeout, 1, 3600, "S",
		 "idle seconds per connection"),
    OPT_SIZE("body-max", struct serve_args, cfg.body_max, 1024, 64 << 20, "BYTES",
	     "largest request body (413 past it)"),
    OPT_SIZE("taxii-body-max", struct serve_args, cfg.taxii_body_max, 1024, (size_t)64 << 30,
	     "BYTES", "largest TAXII envelope POST (413 past it) / TAXII 投稿の上限"),
    OPT_SIZE("taxii-cache", struct serve_args, cfg.taxii_cache, 0, (size_t)4 << 30, "BYTES",
	     "assembled TAXII pages kept (0: off) / TAXII ページのキャッシュ"),
    OPT_LONG("session-idle", struct serve_args, session_idle, 1, 86400, "S",
	     "session idle expiry / 無操作の期限"),
    OPT_LONG("session-max", struct serve_args, session_max, 1, 30 * 86400, "S",
	     "session absolute expiry / 最長の期限"),
    OPT_STRING("port-file", struct serve_args, cfg.port_file, "FILE", "write the bound port there"),
    OPT_UNSIGNED("dashboard-cache", struct serve_args, cfg.dashboard_cache, 0, 300, "S",
		 "reuse dashboard panels for S seconds"),
    OPT_UNSIGNED(
	"response-cache", struct serve_args, cfg.response_cache, 0, 3600, "S",
	"reuse a read's answer between writes for at most S seconds (0: off) / 応答キャッシュ"),
    OPT_UNSIGNED("remind-every", struct serve_args, cfg.remind_every, 0, 86400, "S",
		 "seconds between incident reminder passes (0: none) / 期限通知の間隔"),
    OPT_BOOL("list-routes", struct serve_args, list_routes, "print the route table and exit"),
    OPT_STRING("reports-dir", struct serve_args, cfg.reports_dir, "DIR",
	       "reports listed for download / 報告書フォルダ"),
    OPT_LONG("scan-rate", struct serve_args, scan_rate, 1, 100000, "PPS",
	     "probes/s of console scans / 探索速度"),
    OPT_LONG("scan-max-runtime", struct serve_args, scan_max_runtime, 1, 86400, "S",
	     "seconds of sending per console scan"),
    OPT_LLONG("job-retention", struct serve_args, cfg.job_retention_days, 1, 36500, "DAYS",
	      "keep finished background jobs DAYS days (30) / 終了ジョブの保持日数"),
    OPT_END(),
};

const struct cli_verb cmd_serve_verbs[] = {
    {"", cmd_serve, "", serve_opts, NULL},
    {0},
};

int cmd_serve(struct cli *c, int argc, char **argv)
{
	struct serve_args a = {0};
	struct web_config cfg;
	struct merr e;
	int first, rc;

	web_config_defaults(&a.cfg);
	a.session_idle = (long)a.cfg.session_idle;
	a.session_max = (long)a.cfg.session_absolute;
	a.scan_rate = (long)a.cfg.scan_rate;
	a.scan_max_runtime = (long)a.cfg.scan_max_runtime;
	if ((rc = cli_parse_options(c, serve_opts, &a, argc, argv, &first)))
		return rc;
	if (first < argc)
		return cli_usage_error(c, "unexpected operand '%s'", argv[first]);
	if (a.list_routes) {
		web_routes_print(stdout);
		return 0;
	}
	cfg = a.cfg;
	cfg.db = c->db;
	cfg.data_dir = c->data_dir;
	cfg.session_idle = a.session_idle;
	cfg.session_absolute = a.session_max;
	cfg.scan_rate = (double)a.scan_rate;
	cfg.scan_max_runtime = (double)a.scan_max_runtime;
	merr_init(&e);
	/* Create or migrate the store once here, before worker threads open their own. */
	if (!cli_store(c))
		return cli_exit_code(M_ESTORE);
	rc = web_serve(&cfg, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}
