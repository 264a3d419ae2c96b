/* cmd_audit.c - `mamori audit verify|seal`: the hash chains of the audit log and of the
 * incident/case timeline. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/chain.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "incident/incident.h"

const char cmd_audit_usage[] =
    "verify: recomputes the hash chain of the audit log and of the incident/case timeline from\n"
    "the first row and names the first row whose hash or link does not match (exit status 1).\n"
    "Rows written by modules that insert into audit_log directly are sealed by the next audit\n"
    "write or by `audit seal`; verify counts them as unsealed.\n"
    "監査ログとインシデント時系列の改ざん検知（ハッシュチェーンの検証）。\n";

static cJSON *result(const char *name, const struct chain_verify *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "chain", name);
	cJSON_AddNumberToObject(o, "rows", (double)r->rows);
	cJSON_AddNumberToObject(o, "unsealed", (double)r->unsealed);
	cJSON_AddBoolToObject(o, "ok", r->broken_id == 0);
	if (r->broken_id) {
		cJSON_AddNumberToObject(o, "broken_id", (double)r->broken_id);
		cJSON_AddStringToObject(o, "why", r->why);
	}
	return o;
}

static int audit_verify(struct cli *c, int argc, char **argv)
{
	struct chain_verify a, t;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind != argc)
		return cli_usage_error(c, "unexpected argument '%s' / 余分な引数です",
				       argv[optind]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = auth_audit_verify(s, &a, &e)) || (rc = inc_events_verify(s, &t, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, result("audit_log", &a));
		cJSON_AddItemToArray(arr, result("incident_events", &t));
		cli_print_json(arr);
	} else {
		const struct chain_verify *v[2] = {&a, &t};
		const char *n[2] = {"audit_log", "incident_events"};
		for (int i = 0; i < 2; i++) {
			if (v[i]->broken_id)
				printf(
				    "%s: 改ざんを検出 / BROKEN at row %lld: %s (%lld rows read)\n",
				    n[i], (long long)v[i]->broken_id, v[i]->why,
				    (long long)v[i]->rows);
			else
				printf("%s: OK, %lld rows, %lld unsealed / 正常\n", n[i],
				       (long long)v[i]->rows, (long long)v[i]->unsealed);
		}
	}
	return a.broken_id || t.broken_id ? 1 : 0;
}

static const struct cli_opt seal_opts[] = {OPT_END()};

static int audit_seal(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int64_t n = 0;
	int rc;

	int first;

	if ((rc = cli_parse_options(c, seal_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "seal takes no arguments / 引数は不要です");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = store_begin_immediate(s, &e)) || (rc = auth_audit_seal(s, &n, &e)) ||
	    (rc = store_commit(s, &e))) {
		store_rollback(s);
		return cli_fail(c, rc, &e);
	}
	if (!c->quiet)
		printf("%lld rows sealed / 封印しました\n", (long long)n);
	return 0;
}

const struct cli_verb cmd_audit_verbs[] = {
    {"verify", audit_verify, "verify the hash chains / 改ざん検知", cli_json_opts, NULL},
    {"seal", audit_seal, "seal rows written around the writer / 封印", seal_opts, NULL},
    {0},
};

int cmd_audit(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("audit"), cmd_audit_verbs,
				  ARRAY_SIZE(cmd_audit_verbs) - 1, argc, argv);
}
