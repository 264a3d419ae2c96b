/* cmd_scope.c - `mamori scope check|list|exclude`: may an address be probed for an
 * organisation, and why (not); authorised ranges; the global exclusion list. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "inventory/inventory.h"

const char cmd_scope_usage[] =
    "usage: mamori scope exclude add [--reason TEXT] [--by NAME] CIDR   (--reason required)\n"
    "       mamori scope exclude list [--json]\n"
    "       mamori scope exclude remove CIDR\n"
    "\n"
    "check    says whether ADDRESS may be actively probed for ORG now (or --at), with the\n"
    "         reason; exit 0 allowed, 5 refused. 診断可否を理由とともに表示します。\n"
    "list     authorised ranges with their validity. 許可範囲の一覧。\n"
    "exclude  the global exclusion list: never probed, whatever the scope says.\n"
    "         全体の除外リスト（許可範囲より優先）。\n";

struct check_args {
	int64_t now;
};

static int opt_at(void *args, const char *arg, const char **why)
{
	struct check_args *a = args;

	if (time_parse(arg, &a->now) != 0)
		return *why = "is not an ISO 8601 time / ISO 8601 の時刻ではありません", -1;
	return 0;
}

static const struct cli_opt check_opts[] = {
    OPT_CALLBACK("at", opt_at, "ISO8601", "judge at this time instead of now / 判定時刻"),
    OPT_JSON(),
    OPT_END(),
};

static int do_check(struct cli *c, int argc, char **argv)
{
	struct check_args ca = {time_now()};
	struct inv_scope_verdict v;
	struct ipaddr a;
	struct store *s;
	struct merr e;
	int64_t now;
	int rc;

	if ((rc = cli_parse_options(c, check_opts, &ca, argc, argv, &optind)))
		return rc;
	now = ca.now;
	if (argc - optind != 2)
		return cli_usage_error(c, "give ORG and ADDRESS");
	if (ip_parse(argv[optind + 1], &a) != 0)
		return cli_usage_error(c, "'%s' is not an IPv4 or IPv6 address", argv[optind + 1]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_scope_check(s, argv[optind], &a, now, &v, &e);
	if (rc && rc != M_ESCOPE)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "org", argv[optind]);
		cJSON_AddStringToObject(o, "address", argv[optind + 1]);
		cJSON_AddBoolToObject(o, "allowed", v.allowed);
		cJSON_AddNumberToObject(o, "scope_id", (double)v.scope_id);
		cJSON_AddStringToObject(o, "reason", v.reason);
		cli_print_json(o);
	} else {
		printf("%s %s %s: %s\n", v.allowed ? "許可 ALLOWED" : "拒否 REFUSED", argv[optind],
		       argv[optind + 1], v.reason);
	}
	return cli_exit_code(rc);
}

static const char *validity(const struct inv_scope *sc, int64_t now)
{
	if (now < sc->valid_from)
		return "未発効 not yet valid";
	if (now > sc->valid_until)
		return "失効 expired";
	return "有効 valid";
}

static int do_list(struct cli *c, int argc, char **argv)
{
	struct inv_filter f = {NULL, NULL, -1, INV_WITH_SCOPES};
	struct inv_doc *d = NULL;
	cJSON *arr = NULL;
	struct store *s;
	struct merr e;
	int64_t now = time_now();
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (argc - optind > 1)
		return cli_usage_error(c, "give at most one ORG");
	f.slug = optind < argc ? argv[optind] : NULL;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_load(s, &f, &d, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json)
		arr = cJSON_CreateArray();
	for (size_t i = 0; i < d->n_orgs; i++) {
		for (size_t j = 0; j < d->orgs[i].n_scopes; j++) {
			const struct inv_scope *sc = &d->orgs[i].scopes[j];
			char a[TIME_STR_MAX], b[TIME_STR_MAX];
			time_fmt_jst_date(sc->valid_from, a);
			time_fmt_jst_date(sc->valid_until, b);
			if (arr) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "org", d->orgs[i].slug);
				cJSON_AddStringToObject(o, "cidr", sc->cidr);
				cJSON_AddStringToObject(o, "authorised_by", sc->authorised_by);
				cJSON_AddStringToObject(o, "from_jst", a);
				cJSON_AddStringToObject(o, "until_jst", b);
				cJSON_AddBoolToObject(o, "valid_now",
						      now >= sc->valid_from &&
							  now <= sc->valid_until);
				cJSON_AddItemToArray(arr, o);
				continue;
			}
			printf("%-18s %-20s %s〜%s JST  %-22s %s\n", d->orgs[i].slug, sc->cidr, a,
			       b, validity(sc, now), sc->authorised_by);
		}
	}
	inv_doc_free(d);
	return arr ? cli_print_json(arr) : 0;
}

struct ex_args {
	const char *reason, *by;
};

static const struct cli_opt ex_add_opts[] = {
    OPT_STRING("reason", struct ex_args, reason, "TEXT", "why it is excluded (required) / 理由"),
    OPT_STRING("by", struct ex_args, by, "NAME", "who excluded it (default cli:UID)"),
    OPT_END(),
};

static int ex_add(struct cli *c, int argc, char **argv)
{
	struct ex_args a = {0};
	const char *reason, *by;
	char who[64];
	struct store *s;
	struct merr e;
	bool added = false;
	int rc;

	if ((rc = cli_parse_options(c, ex_add_opts, &a, argc, argv, &optind)))
		return rc;
	reason = a.reason;
	by = a.by;
	if (argc - optind != 1 || !reason)
		return cli_usage_error(c, "give CIDR and --reason TEXT");
	if (!by) {
		snprintf(who, sizeof(who), "cli:%u", (unsigned)getuid());
		by = who;
	}
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_exclusion_add(s, argv[optind], reason, by, time_now(), &added, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("除外を%s / exclusion %s: %s (%s)\n", added ? "追加" : "更新",
		       added ? "added" : "updated", argv[optind], reason);
	return 0;
}

static int ex_list(struct cli *c, int argc, char **argv)
{
	struct inv_filter f = {"", NULL, -1, INV_WITH_EXCLUSIONS};
	struct inv_doc *d = NULL;
	cJSON *arr = NULL;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	/* No org has the empty sector: only the exclusions come back. */
	f.slug = NULL;
	f.sector = "";
	rc = inv_load(s, &f, &d, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json)
		arr = cJSON_CreateArray();
	for (size_t i = 0; i < d->n_exclusions; i++) {
		const struct inv_exclusion *x = &d->exclusions[i];
		char t[TIME_STR_MAX];
		time_fmt_jst(x->created_at, t);
		if (arr) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "cidr", x->cidr);
			cJSON_AddStringToObject(o, "reason", x->reason);
			if (x->added_by)
				cJSON_AddStringToObject(o, "added_by", x->added_by);
			cJSON_AddStringToObject(o, "created_jst", t);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-20s %s  (%s, %s)\n", x->cidr, x->reason,
			       x->added_by ? x->added_by : "-", t);
		}
	}
	if (!arr)
		printf("%zu 件の除外 / exclusions\n", d->n_exclusions);
	inv_doc_free(d);
	return arr ? cli_print_json(arr) : 0;
}

static int ex_remove(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int rc;

	if (argc != 2)
		return cli_usage_error(c, "give the CIDR to remove");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_exclusion_remove(s, argv[1], &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("除外を削除 / exclusion removed: %s\n", argv[1]);
	return 0;
}

static const struct cli_verb exclude_verbs[] = {
    {"add", ex_add, "add or update an exclusion / 除外の追加"},
    {"list", ex_list, "list exclusions / 除外の一覧"},
    {"remove", ex_remove, "remove an exclusion / 除外の削除"},
};

static int do_exclude(struct cli *c, int argc, char **argv)
{
	static const struct cli_command exclude_cmd = {
	    "scope exclude", NULL, "the global exclusion list / 除外リスト", cmd_scope_usage};
	return cli_dispatch_verbs(c, &exclude_cmd, exclude_verbs, ARRAY_SIZE(exclude_verbs), argc,
				  argv);
}

const struct cli_verb cmd_scope_verbs[] = {
    {"check", do_check, "may this address be probed? / 診断可否", check_opts, "ORG ADDRESS"},
    {"list", do_list, "authorised ranges / 許可範囲", cli_json_opts, "[ORG]"},
    {"exclude", do_exclude, "global exclusions / 除外"},
    {0},
};

int cmd_scope(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("scope"), cmd_scope_verbs,
				  ARRAY_SIZE(cmd_scope_verbs) - 1, argc, argv);
}
