/* cmd_advisories.c - `mamori advisories sync|ack|pending`: the vulnerability information
 * service (KEV notices to the operators that run the product, acknowledged by token). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"

const char cmd_advisories_usage[] =
    "(send: --products, --title and --body are required.)\n"
    "sync: for KEV CVEs first listed in a catalog no sync has covered yet and JVN records no\n"
    "sync has covered, queues a notice to each operator whose declared products or identified\n"
    "services are the advisory's vendor/product, unless the vulnerability matcher says its\n"
    "version is not affected (unknown version: notice marked 要確認). The first sync of each\n"
    "feed only sets its cursor. Notices are delivered by `mamori alert run`.\n"
    "send: a manual advisory to every operator that runs one of the products.\n"
    "ack: acknowledges a notice by the token in it (only its SHA-256 is stored).\n"
    "pending: unacknowledged urgent notices.\n"
    "--console-url (default $MAMORI_CONSOLE_URL): notices carry the link URL/ack/TOKEN.\n"
    "新たに KEV に追加された脆弱性を、該当製品を利用する事業者に通知します。\n";

/* --json, and --console-url (default $MAMORI_CONSOLE_URL) when console is not NULL. */
struct adv_args {
	const char *console, *products, *title, *body;
};

#define CONSOLE_OPT                                                \
	OPT_STRING("console-url", struct adv_args, console, "URL", \
		   "link in notices: URL/ack/TOKEN (default $MAMORI_CONSOLE_URL)")
static const struct cli_opt sync_opts[] = {OPT_JSON(), CONSOLE_OPT, OPT_END()};
static const struct cli_opt send_opts[] = {
    OPT_STRING("products", struct adv_args, products, "CPE[,CPE]", "the products concerned"),
    OPT_STRING("title", struct adv_args, title, "T", "the notice's title / 件名"),
    OPT_STRING("body", struct adv_args, body, "B", "the notice's text / 本文"),
    CONSOLE_OPT,
    OPT_END(),
};
#undef CONSOLE_OPT

static int json_flag(struct cli *c, int argc, char **argv, const char **console)
{
	struct adv_args a = {getenv("MAMORI_CONSOLE_URL")};
	int rc = cli_parse_options(c, console ? sync_opts : cli_json_opts, &a, argc, argv, &optind);

	if (rc == 0 && console)
		*console = a.console;
	return rc;
}

static int adv_sync(struct cli *c, int argc, char **argv)
{
	struct advisory_stats st;
	const char *console = NULL;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = json_flag(c, argc, argv, &console)))
		return rc;
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	if ((rc = advisory_sync(s, time_now(), console, &st, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "baseline", st.baseline);
		cJSON_AddBoolToObject(o, "jvn_baseline", st.jvn_baseline);
		cJSON_AddNumberToObject(o, "catalogs", (double)st.catalogs);
		cJSON_AddNumberToObject(o, "new_cves", (double)st.new_cves);
		cJSON_AddNumberToObject(o, "new_jvn", (double)st.new_jvn);
		cJSON_AddNumberToObject(o, "notices", (double)st.notices);
		cJSON_AddNumberToObject(o, "needs_confirmation", (double)st.confirm);
		cJSON_AddNumberToObject(o, "not_affected", (double)st.cleared);
		cJSON_AddNumberToObject(o, "duplicates", (double)st.duplicates);
		cli_print_json(o);
	} else if (!c->quiet) {
		printf("%s%s新規 KEV %ld 件, 新規 JVN %ld 件, 通知 %ld 件 (うち要確認 %ld), "
		       "対象外の版 "
		       "%ld, 重複 %ld / %s%snew KEV %ld, new JVN %ld, notices %ld (%ld need "
		       "confirmation), fixed versions %ld, duplicates %ld\n",
		       st.baseline ? "[KEV 初回: 基準設定のみ] " : "",
		       st.jvn_baseline ? "[JVN 初回: 基準設定のみ] " : "", st.new_cves, st.new_jvn,
		       st.notices, st.confirm, st.cleared, st.duplicates,
		       st.baseline ? "[KEV baseline only] " : "",
		       st.jvn_baseline ? "[JVN baseline only] " : "", st.new_cves, st.new_jvn,
		       st.notices, st.confirm, st.cleared, st.duplicates);
	}
	return 0;
}

static int adv_ack(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int rc;

	if (argc != 2)
		return cli_usage_error(c, "usage: mamori advisories ack TOKEN");
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	if ((rc = advisory_ack(s, argv[1], time_now(), &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("確認を記録しました / acknowledged\n");
	return 0;
}

static int adv_send(struct cli *c, int argc, char **argv)
{
	struct adv_args a = {getenv("MAMORI_CONSOLE_URL")};
	const char *title, *body, *cpes[32], *console;
	char *list, *save = NULL;
	size_t n = 0;
	long sent = 0;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_parse_options(c, send_opts, &a, argc, argv, &optind)))
		return rc;
	list = (char *)a.products; /* argv's own storage: strtok_r may cut it */
	title = a.title;
	body = a.body;
	console = a.console;
	if (!list || !title || !body || optind != argc)
		return cli_usage_error(c, "usage: mamori advisories send --products CPE[,CPE] "
					  "--title T --body B");
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == ARRAY_SIZE(cpes))
			return cli_usage_error(c, "at most %zu products", ARRAY_SIZE(cpes));
		cpes[n++] = p;
	}
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	if ((rc = advisory_send(s, cpes, n, title, body, console, time_now(), &sent, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("通知 %ld 件を登録しました (配信は alert run) / %ld notices queued "
		       "(delivered by "
		       "alert run)\n",
		       sent, sent);
	return 0;
}

static void pend_row(int64_t id, const char *org, const char *issue, int64_t created,
		     const char *delivery, void *arg)
{
	cJSON *arr = arg;
	char t[TIME_STR_MAX];
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)id);
		cJSON_AddStringToObject(o, "org", org);
		cJSON_AddStringToObject(o, "issue", issue);
		cJSON_AddNumberToObject(o, "created_at", (double)created);
		cJSON_AddStringToObject(o, "delivery", delivery);
		cJSON_AddItemToArray(arr, o);
		return;
	}
	time_fmt_jst(created, t);
	printf("%lld\t%s\t%s\t%s\t%s\n", (long long)id, org, issue, t, delivery);
}

static int adv_pending(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	cJSON *arr;
	int rc;

	if ((rc = json_flag(c, argc, argv, NULL)))
		return rc;
	if (!(s = cli_store(c)))
		return 1;
	merr_init(&e);
	arr = c->json ? cJSON_CreateArray() : NULL;
	if ((rc = advisory_pending(s, pend_row, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	if (arr)
		cli_print_json(arr);
	return 0;
}

const struct cli_verb cmd_advisories_verbs[] = {
    {"sync", adv_sync, "notices for new KEV CVEs / 新規 KEV の通知", sync_opts, NULL},
    {"send", adv_send, "manual advisory by product / 製品別の手動通知", send_opts, NULL},
    {"ack", adv_ack, "acknowledge a notice / 通知の確認", NULL, NULL},
    {"pending", adv_pending, "unacknowledged notices / 未確認の通知", cli_json_opts, NULL},
    {0},
};

int cmd_advisories(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("advisories"), cmd_advisories_verbs,
				  ARRAY_SIZE(cmd_advisories_verbs) - 1, argc, argv);
}
