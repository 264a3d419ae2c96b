/* cmd_services.c - `mamori services list`: what identify found on each port, from the store.
 * サービス一覧。 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "identify/identify.h"

const char cmd_services_usage[] = "Lists identified services (state, product, version, CPE, TLS).\n"
				  "特定済みサービスの一覧を表示します。\n";

struct list_ctx {
	struct cli *c;
	cJSON *arr;
	size_t n;
};

static int one(void *arg, const struct ident_service *sv, int64_t first_seen, int64_t last_seen)
{
	struct list_ctx *x = arg;
	char seen[TIME_STR_MAX];

	x->n++;
	if (x->arr) {
		cJSON_AddItemToArray(x->arr, ident_service_row_json(sv, first_seen, last_seen));
		return 0;
	}
	time_fmt_jst(last_seen, seen);
	printf("%-16s %-15s %5u/%s %-7s %-12s %-3s %-24s %-14s %s  (%s)\n", sv->org, sv->ip,
	       sv->port, sv->proto, sv->service, sv->state, sv->tls ? "tls" : "-",
	       *sv->product ? sv->product : "-", *sv->version ? sv->version : "-",
	       *sv->cpe ? sv->cpe : "-", seen);
	return 0;
}

struct list_args {
	const char *org;
};

static const struct cli_opt list_opts[] = {
    OPT_STRING("org", struct list_args, org, "ORG", "only this organisation / 組織"),
    OPT_JSON(),
    OPT_END(),
};

static int services_list(struct cli *c, int argc, char **argv)
{
	struct list_args a = {0};
	struct list_ctx x = {c, NULL, 0};
	const char *org;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, list_opts, &a, argc, argv, &first)))
		return rc;
	org = a.org;
	if (first < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[first]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json)
		x.arr = cJSON_CreateArray();
	else
		printf("%-16s %-15s %9s %-7s %-12s %-3s %-24s %-14s %s\n", "組織 org", "ip", "port",
		       "service", "状態 state", "tls", "製品 product", "version", "cpe");
	rc = ident_services_list(s, org, one, &x, &e);
	if (rc) {
		cJSON_Delete(x.arr);
		return cli_fail(c, rc, &e);
	}
	if (x.arr)
		return cli_print_json(x.arr);
	if (!c->quiet)
		printf("%zu 件 / services\n", x.n);
	return 0;
}

const struct cli_verb cmd_services_verbs[] = {
    {"list", services_list, "list identified services / サービス一覧", list_opts, NULL},
    {0},
};

int cmd_services(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("services"), cmd_services_verbs,
				  ARRAY_SIZE(cmd_services_verbs) - 1, argc, argv);
}
