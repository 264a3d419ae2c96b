/* cmd_report.c - `mamori report`: the quarterly report of an organisation (or all) and the
 * sector report, each written as self-contained HTML and PDF. */
#include "base/compat.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "report/report.h"

const char cmd_report_usage[] =
    "usage: mamori report quarterly ORG|--all [--period 2026Q4] [--lang ja|en] --out DIR\n"
    "       mamori report sector SECTOR [--period 2026Q4] [--lang ja|en] --out DIR\n"
    "\n"
    "Writes DIR/<org>-<period>.html and .pdf (sector: DIR/sectors/<code>-<period>.*):\n"
    "page 1 for executives (grade, trend, five things to do first), then a technical annex.\n"
    "SECTOR is a code (railways) or its Japanese name (鉄道). The period defaults to the\n"
    "current JST quarter; reports are Japanese unless --lang en.\n"
    "四半期報告書 (経営層向け要約と技術付録) を HTML と PDF で出力します。\n";

static int parse(struct cli *c, int argc, char **argv, struct report_opts *o, bool *all)
{
	static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
					     {"lang", required_argument, NULL, 'l'},
					     {"out", required_argument, NULL, 'o'},
					     {"all", no_argument, NULL, 'a'},
					     {0}};
	static char period[16];
	int opt;

	o->now = time_now();
	time_quarter(o->now, period);
	o->period = period;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': o->period = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case 'a':
			if (!all)
				return cli_usage_error(c, "--all is for report quarterly");
			*all = true;
			break;
		case 'l':
			if (!strcmp(optarg, "ja"))
				o->lang = REPORT_JA;
			else if (!strcmp(optarg, "en"))
				o->lang = REPORT_EN;
			else
				return cli_usage_error(c, "--lang is ja or en");
			break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
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

int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"quarterly", report_quarterly_cmd,
	     "quarterly report of an organisation / 四半期報告書"},
	    {"sector", report_sector_cmd, "sector report / 分野別報告書"},
	};
	return cli_dispatch_verbs(c, cli_find("report"), verbs, sizeof verbs / sizeof verbs[0],
				  argc, argv);
}
