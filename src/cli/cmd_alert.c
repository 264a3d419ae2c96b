/* cmd_alert.c - `mamori alert run|webhook|log`: urgent alerts from KEV and critical findings,
 * delivered by e-mail and signed webhooks, queued until delivered. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "base/mtime.h"
#include "cli/commands.h"

const char cmd_alert_usage[] =
    "usage: mamori alert run [--dry-run] [--json] [--smtp URL] [--from ADDR] [--require-tls]\n"
    "                        [--attempts N] [--backoff-ms MS] [--timeout S] [--console-url URL]\n"
    "                        [--dead-after-runs N] [--dead-after-hours H] [--ca-file PEM]\n"
    "                        [--smtp-user USER]\n"
    "       mamori alert webhook add ORG URL --secret S\n"
    "       mamori alert failed [--json]\n"
    "       mamori alert retry ID\n"
    "       mamori alert digest EMAIL run|daily\n"
    "\n"
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

static int alert_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"json", no_argument, NULL, 'j'},
					     {"smtp", required_argument, NULL, 's'},
					     {"from", required_argument, NULL, 'f'},
					     {"require-tls", no_argument, NULL, 't'},
					     {"attempts", required_argument, NULL, 'a'},
					     {"backoff-ms", required_argument, NULL, 'b'},
					     {"timeout", required_argument, NULL, 'T'},
					     {"console-url", required_argument, NULL, 'C'},
					     {"dead-after-runs", required_argument, NULL, 'R'},
					     {"dead-after-hours", required_argument, NULL, 'H'},
					     {"ca-file", required_argument, NULL, 'A'},
					     {"smtp-user", required_argument, NULL, 'U'},
					     {0}};
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
	bool dry = false;
	long made = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		long v = 0;
		if (opt == 'a' || opt == 'b' || opt == 'T' || opt == 'R' || opt == 'H') {
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 100000)
				return cli_usage_error(c, "bad number: %s", optarg);
		}
		switch (opt) {
		case 'n': dry = true; break;
		case 'j': c->json = true; break;
		case 's': conf.smtp_url = optarg; break;
		case 'f': conf.from = optarg; break;
		case 't': conf.require_tls = true; break;
		case 'a': conf.max_attempts = (int)v; break;
		case 'b': conf.backoff_ms = v; break;
		case 'T': conf.timeout_s = v ? v : 1; break;
		case 'C': console = optarg; break;
		case 'A': conf.ca_file = optarg; break;
		case 'U': conf.smtp_user = optarg; break;
		case 'R': conf.dead_runs = v ? (int)v : 1; break;
		case 'H': conf.dead_after_s = (v ? v : 1) * 3600; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (!conf.from)
		conf.from = "mamori@localhost";
	if (!conf.smtp_user)
		conf.smtp_user = getenv("MAMORI_SMTP_USER");
	if (conf.smtp_user) {
		conf.smtp_password = getenv("MAMORI_SMTP_PASSWORD");
		if (!*conf.smtp_user || !alert_header_ok(conf.smtp_user) || !conf.smtp_password)
			return cli_usage_error(c,
					       "--smtp-user needs a user name and the password in "
					       "$MAMORI_SMTP_PASSWORD");
		/* The password never travels in clear: TLS is mandatory with AUTH. */
		if (conf.smtp_url && strncmp(conf.smtp_url, "smtps://", 8) != 0)
			conf.require_tls = true;
	}
	if (!alert_addr_ok(conf.from))
		return cli_usage_error(c, "refused --from address (CR/LF or bad syntax)");
	if (conf.smtp_url &&
	    (!alert_header_ok(conf.smtp_url) ||
	     (strncmp(conf.smtp_url, "smtp://", 7) && strncmp(conf.smtp_url, "smtps://", 8))))
		return cli_usage_error(c, "--smtp must be smtp:// or smtps://");
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

static int alert_webhook(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"secret", required_argument, NULL, 's'}, {0}};
	const char *secret = NULL;
	struct store *s;
	struct merr e;
	int64_t id = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 's')
			secret = optarg;
		else
			return cli_usage_error(c, "unknown option");
	}
	if (argc - optind != 3 || strcmp(argv[optind], "add") != 0 || !secret)
		return cli_usage_error(c, "usage: mamori alert webhook add ORG URL --secret S");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	rc = alert_webhook_add(s, argv[optind + 1], argv[optind + 2], secret, time_now(), &id, &e);
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
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
	struct store *s;
	struct merr e;
	cJSON *arr;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'j')
			return cli_usage_error(c, "unknown option");
		c->json = true;
	}
	if (optind != argc)
		return cli_usage_error(c, "usage: mamori alert failed [--json]");
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

static int alert_retry_cmd(struct cli *c, int argc, char **argv)
{
	char *end = NULL;
	long long id;
	long n = 0;
	struct store *s;
	struct merr e;
	int rc;

	if (argc != 2)
		return cli_usage_error(c, "usage: mamori alert retry ID");
	id = strtoll(argv[1], &end, 10);
	if (!*argv[1] || *end || id <= 0)
		return cli_usage_error(c, "bad alert id: %s", argv[1]);
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
	int rc;

	if (argc != 3)
		return cli_usage_error(c, "usage: mamori alert digest EMAIL run|daily");
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

int cmd_alert(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"run", alert_run, "create and deliver alerts / 警報の作成と配信"},
	    {"webhook", alert_webhook, "add a webhook / Webhook の登録"},
	    {"failed", alert_failed, "dead (undeliverable) targets / 配信停止中の宛先"},
	    {"retry", alert_retry_cmd, "put dead targets back to pending / 再送待ちに戻す"},
	    {"digest", alert_digest_cmd, "a contact's digest: run or daily / まとめ送信の設定"},
	};
	return cli_dispatch_verbs(c, cli_find("alert"), verbs, sizeof verbs / sizeof verbs[0], argc,
				  argv);
}
