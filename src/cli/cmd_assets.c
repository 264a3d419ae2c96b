/* cmd_assets.c - `mamori assets`: the candidates discovery filed and the analyst's
 * decision on each (confirm or reject, with an audit row). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "discover/discover.h"

const char cmd_assets_usage[] =
    "candidates lists the names and addresses discovery found (source dns, ct, shodan,\n"
    "censys) that wait for an analyst. confirm makes one a registered asset of ORG (it is\n"
    "then resolved by discovery; probing still needs an authorised scope); reject keeps it\n"
    "out for good (discovery will not file it again). Each decision is written to the audit\n"
    "log. Assets declared in the inventory are changed through the inventory instead.\n"
    "発見された候補資産の一覧と、確認（confirm）・却下（reject）。判断は監査ログに記録されます。\n";

static int print_candidate(const struct disc_candidate *cd, void *arg)
{
	cJSON *arr = arg;
	char first[TIME_STR_MAX], last[TIME_STR_MAX];

	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "org", cd->org);
		cJSON_AddStringToObject(o, "kind", cd->kind);
		cJSON_AddStringToObject(o, "value", cd->value);
		cJSON_AddStringToObject(o, "source", cd->source);
		cJSON_AddStringToObject(o, "reason", cd->note ? cd->note : "");
		cJSON_AddNumberToObject(o, "first_seen", (double)cd->first_seen);
		cJSON_AddNumberToObject(o, "last_seen", (double)cd->last_seen);
		cJSON_AddItemToArray(arr, o);
		return 0;
	}
	time_fmt_jst(cd->first_seen, first);
	time_fmt_jst(cd->last_seen, last);
	printf("%-16s %-8s %-32s %-7s %s〜%s  %s\n", cd->org, cd->kind, cd->value, cd->source,
	       first, last, cd->note ? cd->note : "");
	return 0;
}

static int do_candidates(struct cli *c, int argc, char **argv)
{
	cJSON *arr = NULL;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (argc - optind > 1)
		return cli_usage_error(c, "give at most one ORG");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json)
		arr = cJSON_CreateArray();
	rc = disc_candidates(s, argc > optind ? argv[optind] : NULL, print_candidate, arr, &e);
	if (rc) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

struct decide_args {
	const char *by;
};

static const struct cli_opt decide_opts[] = {
    OPT_STRING("by", struct decide_args, by, "NAME", "who decided (default cli:UID) / 判断者"),
    OPT_END(),
};

static int decide(struct cli *c, int argc, char **argv, bool confirm)
{
	struct decide_args a = {0};
	const char *by;
	char who[64], kind[16];
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_parse_options(c, decide_opts, &a, argc, argv, &optind)))
		return rc;
	by = a.by;
	if (argc - optind != 2)
		return cli_usage_error(c, "give ORG VALUE");
	if (!by) {
		snprintf(who, sizeof(who), "cli:%u", (unsigned)getuid());
		by = who;
	}
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = disc_candidate_decide(s, argv[optind], argv[optind + 1], confirm, by, time_now(), kind,
				   &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s %s %s: %s\n", argv[optind], kind, argv[optind + 1],
		       confirm ? "確認済み / confirmed" : "却下 / rejected");
	return 0;
}

static int do_confirm(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, true);
}

static int do_reject(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, false);
}

const struct cli_verb cmd_assets_verbs[] = {
    {"candidates", do_candidates, "list discovered candidates / 候補一覧", cli_json_opts, "[ORG]"},
    {"confirm", do_confirm, "confirm a candidate / 確認", decide_opts, "ORG VALUE"},
    {"reject", do_reject, "reject a candidate / 却下", decide_opts, "ORG VALUE"},
    {0},
};

int cmd_assets(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("assets"), cmd_assets_verbs,
				  ARRAY_SIZE(cmd_assets_verbs) - 1, argc, argv);
}
