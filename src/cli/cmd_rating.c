/* cmd_rating.c - `mamori rating`: an organisation's grade and score with every deduction,
 * `rating compute` to take a snapshot now, and the per-sector quarterly view. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "inventory/inventory.h"
#include "rating/rating.h"

const char cmd_rating_usage[] =
    "Score 0-100 and grade A-F per JST quarter. Every lost point is a deduction of a named\n"
    "finding (weights and caps: docs/RATING.md); the deductions sum to 100 - score. A grade\n"
    "changes against the previous quarter's only when the score passes the band edge by 2.\n"
    "評点と等級。減点はすべて指摘に紐づき、合計は 100 - 評点に一致します。\n";

struct rating_args {
	const char *period;
	bool all;
};

static const struct cli_opt show_opts[] = {
    OPT_JSON(),
    OPT_STRING("period", struct rating_args, period, "2026Q4",
	       "JST quarter (default the current one) / 四半期"),
    OPT_END(),
};
static const struct cli_opt compute_opts[] = {
    OPT_JSON(),
    OPT_BOOL("all", struct rating_args, all, "every organisation / 全組織"),
    OPT_END(),
};

/* The verb's table is chosen by what it can take: a period (show), --all (compute). */
static int parse_json_only(struct cli *c, int argc, char **argv, const char **period, bool *all)
{
	struct rating_args a = {period ? *period : NULL, false};
	const struct cli_opt *t = period ? show_opts : all ? compute_opts : cli_json_opts;
	int first, rc;

	if ((rc = cli_parse_options(c, t, &a, argc, argv, &first)))
		return rc;
	optind = first; /* the verbs read their operands at argv[optind] */
	if (period)
		*period = a.period;
	if (all)
		*all = a.all;
	return 0;
}

static void print_rating(const cJSON *o)
{
	const cJSON *d;
	const char *prev = cJSON_GetStringValue(cJSON_GetObjectItem(o, "previous_grade"));

	if (cJSON_IsFalse(cJSON_GetObjectItem(o, "assessed"))) {
		printf(
		    "%s %s: 未診断 / not assessed (診断が完了していないため等級はありません / no "
		    "complete assessment, so no grade)\n",
		    cJSON_GetStringValue(cJSON_GetObjectItem(o, "org")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(o, "period")));
		return;
	}
	printf("%s %s: 等級 / grade %s  評点 / score %.1f  (減点 / points lost %.1f)\n",
	       cJSON_GetStringValue(cJSON_GetObjectItem(o, "org")),
	       cJSON_GetStringValue(cJSON_GetObjectItem(o, "period")),
	       cJSON_GetStringValue(cJSON_GetObjectItem(o, "grade")),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(o, "score")),
	       cJSON_GetNumberValue(cJSON_GetObjectItem(o, "points_lost")));
	if (prev)
		printf("  前期 / previous: %s (%s); 評点のみの等級 / grade from score alone: %s\n",
		       prev, cJSON_GetStringValue(cJSON_GetObjectItem(o, "previous_period")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "raw_grade")));
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(o, "deductions"))
	{
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(d, "factors"));
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(d, "note"));
		printf("  -%5.1f  #%-5.0f %-15s %s (%s)%s%s%s%s\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(d, "points")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(d, "finding")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(d, "category")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(d, "title")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(d, "asset")), f ? " [" : "",
		       f ? f : "", f ? "]" : "", n ? n : "");
	}
}

static int rating_show(struct cli *c, int argc, char **argv)
{
	const char *period = NULL;
	struct store *s;
	struct merr e;
	cJSON *o = NULL;
	int rc = parse_json_only(c, argc, argv, &period, NULL);

	if (rc)
		return rc;
	if (optind >= argc)
		return cli_usage_error(c, "name an organisation");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = rating_load_json(s, argv[optind], period, &o, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(o);
	print_rating(o);
	cJSON_Delete(o);
	return 0;
}

struct comp {
	struct cli *c;
	struct store *s;
	cJSON *arr;
	struct merr e;
};

static int compute_org(void *arg, const char *org)
{
	struct comp *k = arg;
	struct rating_result r;
	int64_t now = time_now();
	cJSON *o;
	int rc = rating_compute(k->s, org, now, &r, &k->e);

	if (rc == 0)
		rc = rating_store(k->s, &r, now, &k->e);
	if (rc)
		return rc;
	o = rating_result_json(&r);
	rating_result_release(&r);
	if (k->arr)
		cJSON_AddItemToArray(k->arr, o);
	else {
		print_rating(o);
		cJSON_Delete(o);
	}
	return 0;
}

static int rating_compute_cmd(struct cli *c, int argc, char **argv)
{
	struct comp k = {c, NULL, NULL, {0}};
	bool all = false;
	int rc = parse_json_only(c, argc, argv, NULL, &all);

	if (rc)
		return rc;
	if (all == (optind < argc))
		return cli_usage_error(c, "name one organisation or --all");
	if (!(k.s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&k.e);
	if (c->json)
		k.arr = cJSON_CreateArray();
	if (!all) {
		rc = compute_org(&k, argv[optind]);
	} else {
		struct inv_slugs orgs;
		rc = inv_org_slugs(k.s, &orgs, &k.e);
		for (size_t i = 0; rc == 0 && i < orgs.n; i++)
			rc = compute_org(&k, orgs.v[i]);
		inv_slugs_release(&orgs);
	}
	if (rc < 0) {
		cJSON_Delete(k.arr);
		return cli_fail(c, rc, &k.e);
	}
	return k.arr ? cli_print_json(k.arr) : 0;
}

static int rating_sector(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	cJSON *o = NULL, *sec, *p;
	int rc = parse_json_only(c, argc, argv, NULL, NULL);

	if (rc)
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = rating_sector_json(s, optind < argc ? argv[optind] : NULL, &o, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(o);
	printf("%-12s %-8s %4s %6s %6s  A/B/C/D/F  %s\n", "SECTOR 分野", "PERIOD", "ORGS", "MEAN",
	       "MEDIAN", "CHANGE 前期比");
	cJSON_ArrayForEach(sec, cJSON_GetObjectItem(o, "sectors"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(sec, "periods"))
		{
			const cJSON *g = cJSON_GetObjectItem(p, "grades"), *ch;
			ch = cJSON_GetObjectItem(p, "mean_change");
			printf("%-12s %-8s %4.0f %6.1f %6.1f  %.0f/%.0f/%.0f/%.0f/%.0f  ",
			       cJSON_GetStringValue(cJSON_GetObjectItem(sec, "sector")),
			       cJSON_GetStringValue(cJSON_GetObjectItem(p, "period")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(p, "orgs")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(p, "mean")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(p, "median")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(g, "A")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(g, "B")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(g, "C")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(g, "D")),
			       cJSON_GetNumberValue(cJSON_GetObjectItem(g, "F")));
			if (ch)
				printf("%+.1f\n", cJSON_GetNumberValue(ch));
			else
				printf("-\n");
		}
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(sec, "not_assessed")) > 0) {
			const cJSON *x;
			printf("%-12s 未診断 / not assessed (平均に含めず / not in the mean):",
			       cJSON_GetStringValue(cJSON_GetObjectItem(sec, "sector")));
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(sec, "not_assessed_orgs"))
			    printf(" %s", cJSON_GetStringValue(x));
			printf("\n");
		}
	}
	cJSON_Delete(o);
	return 0;
}

const struct cli_verb cmd_rating_verbs[] = {
    {"show", rating_show, "grade, score and every deduction / 等級と減点", show_opts, "ORG"},
    {"compute", rating_compute_cmd, "take a rating snapshot now / 評点の算出", compute_opts,
     "[ORG]"},
    {"sector", rating_sector, "distribution and trend per sector / 分野別の分布と推移",
     cli_json_opts, "[SECTOR]"},
    {0},
};

int cmd_rating(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("rating"), cmd_rating_verbs,
				  ARRAY_SIZE(cmd_rating_verbs) - 1, argc, argv);
}
