/* cmd_init.c - `mamori init`: create the store or bring its schema up to date. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "cli/commands.h"

const char cmd_init_usage[] =
    "usage: mamori init [--json]\n"
    "\n"
    "Creates the store (--db, $MAMORI_DB, default ./mamori.db) if it does not exist and\n"
    "applies every pending schema migration, each in its own transaction. It is the only\n"
    "command that creates or upgrades a store: a file that is not a mamori store, or a\n"
    "store made by a newer mamori, is refused and left as it was; an existing store is\n"
    "checked (SQLite quick_check) before it is migrated.\n"
    "ストアを作成し、未適用のマイグレーションを適用します。\n";

int cmd_init(struct cli *c, int argc, char **argv)
{
	struct store *s = NULL;
	struct merr e;
	int rc, applied = 0;
	const char *where;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	merr_init(&e);
	if ((rc = store_init(c->db, &s, &applied, &e)))
		return cli_fail(c, rc, &e);
	/* A PostgreSQL URL is shown without its password. */
	where = strcmp(store_backend_name(s), "postgres") == 0 ? store_location(s) : c->db;
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "store", where);
		cJSON_AddStringToObject(o, "backend", store_backend_name(s));
		cJSON_AddNumberToObject(o, "schema_version", store_schema_version(s));
		cJSON_AddNumberToObject(o, "migrations_applied", applied);
		cli_print_json(o);
	} else if (!c->quiet) {
		printf("%s: schema version %d (%d migration%s applied)\n", where,
		       store_schema_version(s), applied, applied == 1 ? "" : "s");
	}
	store_close(s);
	return 0;
}
