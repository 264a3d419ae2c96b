/* cmd_alert.c - `mamori alert run|webhook|log`: urgent alerts from KEV and critical findings,
 * delivered by e-mail and signed webhooks, queued until delivered. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"

const char cmd_alert_usage[] =
    "run: creates one alert per (organisation, issue) for every open confirmed KEV or critical\n"
    "finding whose urgency calls for action (not SSVC track/track*, not a 要確認 candidate)\n"
    "not alerted before, one weekly review item per organisation for its 要確認 candidates,\n"
    "and delivers every pending item: ONE digest mail per contact and organisation per run\n"
    "(digest daily: at most one a JST day), webhooks one per item\n"
    "(e-mail, smtp:// with opportunistic STARTTLS, required with --require-tls; webhooks\n"
    "(JSON POST signed with X-Mamori-Signature: sha256=HMAC). Undelivered targets stay queued\n"
    "for the next run. --dry-run shows recipients and text without sending or recording.\n"
    "The server's STARTTLS certificate is always verified (--ca-file: a private CA).\n"
    "SMTP AUTH: --smtp-user (or $MAMORI_SMTP_USER) with the password in $MAMORI_SMTP_PASSWORD\n"
    "(never on the command line); STARTTLS becomes mandatory.\n"
    "Defaults: --smtp $MAMORI_SMTP_URL, --from $MAMORI_MAIL_FROM (else mamori@localhost).\n"
    "A target that failed in N consecutive runs (--dead-after-runs, default 10) or for H hours\n"
    "or more (--dead-after-hours, default 72) becomes dead: kept, listed by `alert failed`,\n"
    "never retried until `alert retry ID` puts it back to pending.\n"
    "--console-url (default $MAMORI_CONSOLE_URL): every new alert's text carries the\n"
    "acknowledgement link URL/ack/TOKEN; without it the text points to the console.\n"
    "確認済みの "
    "KEV・緊急の指摘ごとに事業者あたり一度だけ警報を作成し、事業者ごとにまとめたメールと Webhook "
    "で送ります。\n";

struct dry {
	bool json;
	cJSON *arr;
};

static void show(const struct alert_msg *m, const char *rcpt, void *arg)
{
	struct dry *d = arg;
	if (d->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "org", m->org);
		cJSON_AddStringToObject(o, "issue", m->issue_key);
		cJSON_AddStringToObject(o, "recipients", rcpt);
		cJSON_AddStringToObject(o, "subject", m->subject);
		cJSON_AddStringToObject(o, "body", m->body);
		cJSON_AddItemToArray(d->arr, o);
		return;
	}
	printf("== %s %s\n宛先 / to: %s\n件名 / subject: %s\n%s\n", m->org, m->issue_key,
	       rcpt[0] ? rcpt : "(なし / none)", m->subject, m->body);
}

struct run_args {
	bool dry, require_tls;
	const char *smtp, *from, *console, *ca_file, *smtp_user;
	long attempts, backoff_ms, timeout, dead_runs, dead_hours; /* -1: not given */
};

#define R_NUM(n, f, a, h) OPT_LONG(n, struct run_args, f, 0, 100000, a, h)
static const struct cli_opt run_opts[] = {
    OPT_BOOL("dry-run", struct run_args, dry, "show, send and record nothing / 試行のみ"),
    OPT_JSON(),
    OPT_STRING("smtp", struct run_args, smtp, "URL", "smtp:// or smtps:// server / SMTP"),
    OPT_STRING("from", struct run_args, from, "ADDR", "envelope and header From / 差出人"),
    OPT_BOOL("require-tls", struct run_args, require_tls, "STARTTLS mandatory / TLS 必須"),
    R_NUM("attempts", attempts, "N", "tries per target and run (3) / 試行回数"),
    R_NUM("backoff-ms", backoff_ms, "MS", "first retry delay (200) / 再試行の間隔"),
    R_NUM("timeout", timeout, "S", "seconds per attempt (10) / 制限時間"),
    OPT_STRING("console-url", struct run_args, console, "URL",
	       "acknowledgement links point there / コンソールの URL"),
    R_NUM("dead-after-runs", dead_runs, "N", "failed runs before dead (10) / 配信停止までの回数"),
    R_NUM("dead-after-hours", dead_hours, "H",
	  "failing hours before dead (72) / 配信停止までの時間"),
    OPT_STRING("ca-file", struct run_args, ca_file, "PEM", "private CA for STARTTLS / CA"),
    OPT_STRING("smtp-user", struct run_args, smtp_user, "USER",
	       "SMTP AUTH user ($MAMORI_SMTP_PASSWORD) / SMTP 認証"),
    OPT_END(),
};

static int alert_run(struct cli *c, int argc, char **argv)
{
	struct run_args a = {
	    .attempts = -1, .backoff_ms = -1, .timeout = -1, .dead_runs = -1, .dead_hours = -1};
	const char *console = getenv("MAMORI_CONSOLE_URL");
	struct alert_conf conf = {.smtp_url = getenv("MAMORI_SMTP_URL"),
				  .from = getenv("MAMORI_MAIL_FROM"),
				  .max_attempts = 3,
				  .backoff_ms = 200,
				  .timeout_s = 10,
				  .dead_runs = ALERT_DEAD_RUNS,
				  .dead_after_s = ALERT_DEAD_AFTER_S};
	struct alert_run_stats st = {0};
	struct dry d = {false, NULL};
	struct store *s;
	struct merr e;
	bool dry;
	long made = 0;
	int first, rc;

	if ((rc = cli_parse_options(c, run_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'", argv[first],
				       argv[first]);
	dry = a.dry;
	if (a.smtp)
		conf.smtp_url = a.smtp;
	if (a.from)
		conf.from = a.from;
	conf.require_tls = a.require_tls;
	if (a.attempts >= 0)
		conf.max_attempts = (int)a.attempts;
	if (a.backoff_ms >= 0)
		conf.backoff_ms = a.backoff_ms;
	if (a.timeout >= 0)
		conf.timeout_s = a.timeout ? a.timeout : 1;
	if (a.console)
		console = a.console;
	conf.ca_file = a.ca_file;
	conf.smtp_user = a.smtp_user;
	if (a.dead_runs >= 0)
		conf.dead_runs = a.dead_runs ? (int)a.dead_runs : 1;
	if (a.dead_hours >= 0)
		conf.dead_after_s = (a.dead_hours ? a.dead_hours : 1) * 3600;
	if (!conf.from)
		conf.from = "mamori@localhost";
	if (!conf.smtp_user)
		conf.smtp_user = getenv("MAMORI_SMTP_USER");
	if (conf.smtp_user) {
		conf.smtp_password = getenv("MAMORI_SMTP_PASSWORD");
		if (!*conf.smtp_user || !alert_header_ok(conf.smtp_user) || !conf.smtp_password)
			return cli_usage_error(
			    c, "--smtp-user にはユーザー名と $MAMORI_SMTP_PASSWORD の"
			       "パスワードが必要です / --smtp-user needs a user name and"
			       " the password in $MAMORI_SMTP_PASSWORD");
		/* The password never travels in clear: TLS is mandatory with AUTH. */
		if (conf.smtp_url && strncmp(conf.smtp_url, "smtps://", 8) != 0)
			conf.require_tls = true;
	}
	if (!alert_addr_ok(conf.from))
		return cli_usage_error(c,
				       "--from のアドレスを受け付けません / refused --from address"
				       " (CR/LF or bad syntax)");
	if (conf.smtp_url &&
	    (!alert_header_ok(conf.smtp_url) ||
	     (strncmp(conf.smtp_url, "smtp://", 7) && strncmp(conf.smtp_url, "smtps://", 8))))
		return cli_usage_error(c,
				       "--smtp は smtp:// か smtps:// です / --smtp must be smtp://"
				       " or smtps://");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	d.json = c->json;
	d.arr = c->json ? cJSON_CreateArray() : NULL;
	rc = alert_make(s, time_now(), dry, console, dry ? show : NULL, &d, &made, &e);
	if (rc == 0 && !dry)
		rc = alert_deliver(s, &conf, time_now(), &st, &e);
	if (rc) {
		cJSON_Delete(d.arr);
		return cli_fail(c, rc, &e);
	}
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "dry_run", dry);
		cJSON_AddNumberToObject(o, "created", (double)made);
		cJSON_AddNumberToObject(o, "delivered", (double)st.delivered);
		cJSON_AddNumberToObject(o, "failed", (double)st.failed);
		cJSON_AddNumberToObject(o, "refused", (double)st.refused);
		cJSON_AddNumberToObject(o, "dead", (double)st.dead);
		cJSON_AddNumberToObject(o, "mails", (double)st.mails);
		cJSON_AddNumberToObject(o, "held", (double)st.held);
		if (dry)
			cJSON_AddItemToObject(o, "alerts", d.arr);
		else
			cJSON_Delete(d.arr);
		cli_print_json(o);
	} else if (!c->quiet) {
		printf(
		    "警報: 新規 %ld, 配信 %ld (メール %ld 通), 失敗 %ld (うち配信停止 %ld), "
		    "拒否 "
		    "%ld, 翌日送り %ld%s / alerts: %ld new, %ld delivered (%ld mails), %ld failed "
		    "(%ld now dead), %ld refused, %ld held\n",
		    made, st.delivered, st.mails, st.failed, st.dead, st.refused, st.held,
		    dry ? " (dry run)" : "", made, st.delivered, st.mails, st.failed, st.dead,
		    st.refused, st.held);
	}
	return 0;
}

struct webhook_args {
	const char *secret;
};

static const struct cli_opt webhook_opts[] = {
    OPT_STRING("secret", struct webhook_args, secret, "S", "HMAC key (required) / 署名の鍵"),
    OPT_END(),
};

static int alert_webhook(struct cli *c, int argc, char **argv)
{
	struct webhook_args a = {NULL};
	struct store *s;
	struct merr e;
	int64_t id = 0;
	int first, rc;

	if ((rc = cli_parse_options(c, webhook_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 3 || strcmp(argv[first], "add") != 0 || !a.secret)
		return cli_usage_error(
		    c, "使い方 / usage: mamori alert webhook add ORG URL --secret S");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	rc = alert_webhook_add(s, argv[first + 1], argv[first + 2], a.secret, time_now(), &id, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("Webhook %lld を登録しました / webhook %lld added\n", (long long)id,
		       (long long)id);
	return 0;
}

static void failed_row(const struct alert_failed *r, void *arg)
{
	cJSON *arr = arg;
	char t[TIME_STR_MAX] = "-";
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "alert_id", (double)r->alert_id);
		cJSON_AddStringToObject(o, "org", r->org);
		cJSON_AddStringToObject(o, "issue", r->issue);
		cJSON_AddStringToObject(o, "channel", r->channel);
		cJSON_AddStringToObject(o, "target", r->target);
		cJSON_AddNumberToObject(o, "attempts", (double)r->attempts);
		cJSON_AddNumberToObject(o, "failed_runs", (double)r->failed_runs);
		cJSON_AddNumberToObject(o, "first_failed_at", (double)r->first_failed_at);
		cJSON_AddNumberToObject(o, "dead_at", (double)r->dead_at);
		cJSON_AddStringToObject(o, "last_error", r->last_error);
		cJSON_AddItemToArray(arr, o);
		return;
	}
	if (r->dead_at)
		time_fmt_jst(r->dead_at, t);
	printf("%lld\t%s\t%s\t%s %s\t%lld runs\t%s\t%s\n", (long long)r->alert_id, r->org, r->issue,
	       r->channel, r->target, (long long)r->failed_runs, t, r->last_error);
}

static int alert_failed(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	cJSON *arr;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "使い方 / usage: mamori alert failed [--json]");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	arr = c->json ? cJSON_CreateArray() : NULL;
	if ((rc = alert_failed_list(s, failed_row, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	if (arr)
		cli_print_json(arr);
	return 0;
}

static const struct cli_opt no_opts[] = {OPT_END()};

static int alert_retry_cmd(struct cli *c, int argc, char **argv)
{
	long long id;
	long n = 0;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (argc != 2)
		return cli_usage_error(c, "使い方 / usage: mamori alert retry ID");
	if (cli_parse_ll(argv[1], 1, INT64_MAX, &id))
		return cli_usage_error(c, "警報 ID '%s' が不正です / bad alert id: %s", argv[1],
				       argv[1]);
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	if ((rc = alert_retry(s, id, &n, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("警報 %lld: %ld 件を再送待ちに戻しました / %ld targets pending again\n", id,
		       n, n);
	return 0;
}

static int alert_digest_cmd(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (argc != 3)
		return cli_usage_error(c, "使い方 / usage: mamori alert digest EMAIL run|daily");
	if (strcmp(argv[2], "run") && strcmp(argv[2], "daily"))
		return cli_usage_error(
		    c, "digest must be run or daily / run か daily を指定してください");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	if ((rc = alert_digest_set(s, argv[1], argv[2], time_now(), &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s: まとめ送信 %s / digest %s\n", argv[1], argv[2], argv[2]);
	return 0;
}

const struct cli_verb cmd_alert_verbs[] = {
    {"run", alert_run, "create and deliver alerts / 警報の作成と配信", run_opts, NULL},
    {"webhook", alert_webhook, "add a webhook / Webhook の登録", webhook_opts, "add ORG URL"},
    {"failed", alert_failed, "dead (undeliverable) targets / 配信停止中の宛先", cli_json_opts,
     NULL},
    {"retry", alert_retry_cmd, "put dead targets back to pending / 再送待ちに戻す", no_opts, "ID"},
    {"digest", alert_digest_cmd, "a contact's digest: run or daily / まとめ送信の設定", no_opts,
     "EMAIL run|daily"},
    {0},
};

int cmd_alert(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("alert"), cmd_alert_verbs,
				  ARRAY_SIZE(cmd_alert_verbs) - 1, argc, argv);
}
