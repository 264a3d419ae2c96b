/* cmd_store.c - `mamori store check`: the store's integrity (PRAGMA quick_check). */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "cli/options.h"

const char cmd_store_usage[] =
    "check   reads the whole store once (SQLite quick_check: b-trees, pages, records)\n"
    "        and says whether it is sound. Exit 0 when it is, 7 when it is damaged, with how\n"
    "        to recover. Imports run the same check first and refuse a damaged store.\n"
    "        ストア全体の整合性を検査します（破損時は終了コード 7 と復旧方法）。\n";

static int do_check(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'", argv[first],
				       argv[first]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = store_check(s, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		char msg[1024] = "";
		if (rc)
			merr_format(&e, msg, sizeof(msg));
		cJSON_AddStringToObject(o, "store", store_location(s));
		cJSON_AddBoolToObject(o, "ok", rc == 0);
		if (rc)
			cJSON_AddStringToObject(o, "problem", msg);
		cli_print_json(o);
		return rc ? cli_exit_code(rc) : 0;
	}
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s: 正常 / ok (quick_check)\n", store_location(s));
	return 0;
}

const struct cli_verb cmd_store_verbs[] = {
    {"check", do_check, "integrity check / 整合性検査", cli_json_opts, NULL},
    {0},
};

int cmd_store(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("store"), cmd_store_verbs,
				  ARRAY_SIZE(cmd_store_verbs) - 1, argc, argv);
}
