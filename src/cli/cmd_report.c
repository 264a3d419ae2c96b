/* cmd_report.c - `mamori report`: the quarterly report of an organisation (or all) and the
 * sector report, each written as self-contained HTML and PDF. */
#include "base/compat.h"

#include <errno.h>
#include <unistd.h> /* optind */
#include <string.h>
#include <sys/stat.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "report/report.h"

const char cmd_report_usage[] =
    "Writes DIR/<org>-<period>.html and .pdf (sector: DIR/sectors/<code>-<period>.*):\n"
    "page 1 for executives (grade, trend, five things to do first), then a technical annex.\n"
    "SECTOR is a code (railways) or its Japanese name (鉄道). The period defaults to the\n"
    "current JST quarter; reports are Japanese unless --lang en.\n"
    "四半期報告書 (経営層向け要約と技術付録) を HTML と PDF で出力します。\n";

struct report_args {
	struct report_opts o;
	bool all;
};

static int opt_lang(void *args, const char *arg, const char **why)
{
	struct report_args *a = args;

	if (!strcmp(arg, "ja"))
		a->o.lang = REPORT_JA;
	else if (!strcmp(arg, "en"))
		a->o.lang = REPORT_EN;
	else
		return *why = "is ja or en / ja か en", -1;
	return 0;
}

#define REPORT_OPTS                                                                         \
	OPT_STRING("period", struct report_args, o.period, "2026Q4",                        \
		   "JST quarter (default the current one) / 四半期"),                       \
	    OPT_CALLBACK("lang", opt_lang, "ja|en", "report language (default ja) / 言語"), \
	    OPT_STRING("out", struct report_args, o.out_dir, "DIR",                         \
		       "folder written (required) / 出力先")
static const struct cli_opt quarterly_opts[] = {
    REPORT_OPTS,
    OPT_BOOL("all", struct report_args, all, "every organisation / 全組織"),
    OPT_END(),
};
static const struct cli_opt sector_opts[] = {REPORT_OPTS, OPT_END()};
#undef REPORT_OPTS

static int parse(struct cli *c, int argc, char **argv, struct report_opts *o, bool *all)
{
	static char period[16];
	struct report_args a = {{0}};
	int first, rc;

	a.o.now = time_now();
	time_quarter(a.o.now, period);
	a.o.period = period;
	if ((rc = cli_parse_options(c, all ? quarterly_opts : sector_opts, &a, argc, argv, &first)))
		return rc;
	optind = first; /* the verbs read their operand at argv[optind] */
	*o = a.o;
	if (all)
		*all = a.all;
	if (!o->out_dir)
		return cli_usage_error(c, "--out DIR is required");
	if (mkdir(o->out_dir, 0755) && errno != EEXIST)
		return cli_usage_error(c, "cannot create %s", o->out_dir);
	return 0;
}

static int report_quarterly_cmd(struct cli *c, int argc, char **argv)
{
	struct report_opts o = {0};
	bool all = false;
	struct store *s;
	struct merr e;
	size_t n = 1;
	int rc = parse(c, argc, argv, &o, &all);

	if (rc)
		return rc;
	if (!all && optind >= argc)
		return cli_usage_error(c, "name an organisation or give --all");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = all ? report_quarterly_all(s, &o, &n, &e) : report_quarterly(s, argv[optind], &o, &e);
	report_cleanup();
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("報告書 %zu 件を %s に出力しました / wrote %zu report(s) to %s (%s)\n", n,
		       o.out_dir, n, o.out_dir, o.period);
	return 0;
}

static int report_sector_cmd(struct cli *c, int argc, char **argv)
{
	struct report_opts o = {0};
	struct store *s;
	struct merr e;
	int rc = parse(c, argc, argv, &o, NULL);

	if (rc)
		return rc;
	if (optind >= argc)
		return cli_usage_error(c, "name a sector");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = report_sector(s, argv[optind], &o, &e);
	report_cleanup();
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf(
		    "分野別報告書を %s/%s に出力しました / wrote the sector report to %s/%s (%s)\n",
		    o.out_dir, REPORT_SECTOR_DIR, o.out_dir, REPORT_SECTOR_DIR, o.period);
	return 0;
}

const struct cli_verb cmd_report_verbs[] = {
    {"quarterly", report_quarterly_cmd, "quarterly report of an organisation / 四半期報告書",
     quarterly_opts, "[ORG]"},
    {"sector", report_sector_cmd, "sector report / 分野別報告書", sector_opts, "SECTOR"},
    {0},
};

int cmd_report(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("report"), cmd_report_verbs,
				  ARRAY_SIZE(cmd_report_verbs) - 1, argc, argv);
}
