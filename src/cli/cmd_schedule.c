/* cmd_schedule.c - `mamori schedule`: the rescan schedule, which hosts are due and why. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "findings/findings.h"

const char cmd_schedule_usage[] =
    "Per host: its priority from its open findings (KEV/critical 12 h, high 24 h, medium 4 d,\n"
    "low 6 d, clean 7 d, new 1 h, dark 30 d; one step slower per scan after fixes), when it is\n"
    "due and why. `mamori asm run` without ORG runs the organisations that are due.\n"
    "ホストごとの再診断予定（優先度・期日・理由）を表示します。\n"
    "\n"
    "  --due   only hosts due now\n";

struct sctx {
	cJSON *arr;
	int64_t now;
	long n;
};

static int print_row(void *arg, const struct finding_sched_row *r)
{
	struct sctx *x = arg;
	char due[TIME_STR_MAX];

	x->n++;
	if (x->arr) {
		cJSON *o = cJSON_CreateObject();
		time_fmt_utc(r->next_due, due);
		cJSON_AddStringToObject(o, "org", r->org);
		cJSON_AddStringToObject(o, "ip", r->ip);
		cJSON_AddNumberToObject(o, "priority", r->priority);
		cJSON_AddStringToObject(o, "level", r->level);
		cJSON_AddStringToObject(o, "next_due", due);
		cJSON_AddBoolToObject(o, "due", r->next_due <= x->now);
		cJSON_AddStringToObject(o, "reason", r->reason);
		cJSON_AddItemToArray(x->arr, o);
		return 0;
	}
	time_fmt_jst(r->next_due, due);
	printf("%-16s %-15s %-12s %-20s %s %s\n", r->org, r->ip, r->level, due,
	       r->next_due <= x->now ? "[due]" : "     ", r->reason);
	return 0;
}

struct schedule_args {
	bool due;
};

static const struct cli_opt schedule_opts[] = {
    OPT_BOOL("due", struct schedule_args, due, "only hosts that are due now / 期日到来のみ"),
    OPT_JSON(),
    OPT_END(),
};

const struct cli_verb cmd_schedule_verbs[] = {
    {"", cmd_schedule, "", schedule_opts, NULL},
    {0},
};

int cmd_schedule(struct cli *c, int argc, char **argv)
{
	struct schedule_args a = {0};
	struct sctx x = {NULL, time_now(), 0};
	struct store *s;
	struct merr e;
	bool due;
	int first, rc;

	if ((rc = cli_parse_options(c, schedule_opts, &a, argc, argv, &first)))
		return rc;
	due = a.due;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json)
		x.arr = cJSON_CreateArray();
	else
		printf("%-16s %-15s %-12s %-20s %5s %s\n", "ORG", "HOST", "LEVEL", "NEXT DUE (JST)",
		       "", "REASON 理由");
	rc = finding_schedule_list(s, due, x.now, print_row, &x, &e);
	if (rc) {
		cJSON_Delete(x.arr);
		return cli_fail(c, rc, &e);
	}
	if (x.arr)
		return cli_print_json(x.arr);
	if (!x.n)
		printf("(%s)\n",
		       due ? "期日到来のホストなし / nothing due" : "予定なし / no schedule yet");
	return 0;
}
