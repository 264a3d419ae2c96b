/* cmd_checklist.c - `mamori checklist`: the self-assessment checklist's items, answers (YAML or
 * CSV), score with advice and 要確認, history with diff, sector comparison, export,
 * re-check reminders and the result sheet. Thin: everything is in src/checklist. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "base/buf.h"
#include "base/mtime.h"
#include "checklist/checklist.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "report/report.h"

const char cmd_checklist_usage[] =
    "answer submits unless --draft (YAML or CSV); submit submits the draft.\n"
    "自己点検チェックリスト。回答は 実施している / 一部実施 / 未実施 / わからない / 該当しない\n"
    "（done / partial / not_done / unknown / na; 該当しない needs the reason as comment).\n"
    "Score: 4 / 2 / 0 / -1 points, 該当しない excluded, normalised to 0-100 per tier and\n"
    "section. 要確認: answered 実施している while an open finding says otherwise.\n"
    "Catalogue: $MAMORI_CHECKLIST_DIR (default data/checklist). See docs/CHECKLIST.md.\n";

struct opts {
	const char *btype, *size, *tier, *version, *out, *lang;
	long long set;
	bool draft, csv, dry_run;
	long interval_days;
};

#define R_SET OPT_LLONG("set", struct opts, set, 1, INT64_MAX, "ID", "this answer set / 回答セット")
#define R_DRAFT OPT_BOOL("draft", struct opts, draft, "the draft / 下書き")
#define R_OUT OPT_STRING("out", struct opts, out, "DIR", "write the sheet there / 出力先")

static const struct cli_opt items_opts[] = {
    OPT_STRING("business-type", struct opts, btype, "T", "the inventory's code / 業種"),
    OPT_STRING("size", struct opts, size, "S", "large, medium or small / 規模"),
    OPT_STRING("tier", struct opts, tier, "basic|advanced", "one tier / 段階"),
    OPT_STRING("catalogue", struct opts, version, "VERSION", "catalogue version / 版"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt answer_opts[] = {R_DRAFT, OPT_END()};
static const struct cli_opt which_opts[] = {R_SET, R_DRAFT, OPT_JSON(), OPT_END()};
static const struct cli_opt export_opts[] = {
    R_SET, R_DRAFT, OPT_BOOL("csv", struct opts, csv, "CSV instead of YAML"), OPT_END()};
static const struct cli_opt remind_opts[] = {
    OPT_LONG("interval-days", struct opts, interval_days, 1, 3650, "N",
	     "re-check after N days (180) / 再点検の間隔"),
    OPT_BOOL("dry-run", struct opts, dry_run, "only list / 一覧のみ"),
    OPT_END(),
};
static const struct cli_opt sheet_opts[] = {
    R_OUT, R_SET,
    OPT_STRING("lang", struct opts, lang, "ja|en",
	       "sheet language (default ja; en writes …-en.html/.pdf) / 言語"),
    OPT_END()};
static const struct cli_opt sector_sheet_opts[] = {R_OUT, OPT_END()};

static int items(struct cli *c, int argc, char **argv);
static int answer(struct cli *c, int argc, char **argv);
static int submit(struct cli *c, int argc, char **argv);
static int score(struct cli *c, int argc, char **argv);
static int history(struct cli *c, int argc, char **argv);
static int diff(struct cli *c, int argc, char **argv);
static int export_cmd(struct cli *c, int argc, char **argv);
static int sector(struct cli *c, int argc, char **argv);
static int remind(struct cli *c, int argc, char **argv);
static int sheet(struct cli *c, int argc, char **argv);

const struct cli_verb cmd_checklist_verbs[] = {
    {"items", items, "catalogue items for a business type and size / 点検項目", items_opts, NULL},
    {"answer", answer, "store answers from a YAML or CSV file / 回答の登録", answer_opts,
     "ORG FILE"},
    {"submit", submit, "submit the draft / 下書きの提出", cli_json_opts, "ORG"},
    {"score", score, "score, advice, 要確認 / 点数と助言", which_opts, "ORG"},
    {"history", history, "answer sets, trend, diff / 履歴", cli_json_opts, "ORG"},
    {"diff", diff, "items improved or worsened between two sets / 差分", cli_json_opts,
     "ORG SET_A SET_B"},
    {"export", export_cmd, "answers in the file format / 回答の書き出し", export_opts, "ORG"},
    {"sector", sector, "sector comparison (k >= 5) / 業界比較", cli_json_opts,
     "[SECTOR|BUSINESS_TYPE]"},
    {"remind", remind, "queue re-check reminders / 再点検の依頼", remind_opts, NULL},
    {"sheet", sheet, "result sheet HTML + PDF / 結果票", sheet_opts, "ORG"},
    {"sector-sheet", sheet, "sector summary HTML + PDF / 業界比較票", sector_sheet_opts,
     "[SECTOR|BUSINESS_TYPE]"},
    {0},
};

/* The verb's options (its row in cmd_checklist_verbs) into o; optind is then the first operand. */
static int parse(struct cli *c, int argc, char **argv, struct opts *o)
{
	const struct cli_opt *opts = cli_json_opts;
	int first, rc;

	memset(o, 0, sizeof(*o));
	o->interval_days = 180;
	for (const struct cli_verb *v = cmd_checklist_verbs; v->run; v++)
		if (strcmp(v->name, argv[0]) == 0)
			opts = v->opts;
	if ((rc = cli_parse_options(c, opts, o, argc, argv, &first)))
		return rc;
	optind = first;
	if (o->draft && o->set)
		return cli_usage_error(c, "--set と --draft は同時に使えません / --set and --draft"
					  " exclude each other");
	return 0;
}

/* A verb on one organisation (argv[optind]): its options, the one operand, the store. */
static int org_verb(struct cli *c, int argc, char **argv, struct opts *o, struct store **s)
{
	int rc = parse(c, argc, argv, o);

	if (rc)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(c, "組織を 1 つ指定してください / name an organisation");
	if (!(*s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	return 0;
}

static int64_t which(const struct opts *o)
{
	return o->draft ? -1 : o->set;
}

static int items(struct cli *c, int argc, char **argv)
{
	const struct cl_catalogue *cat;
	struct opts o;
	struct merr e;
	cJSON *arr;
	int rc = parse(c, argc, argv, &o), tier = -1;

	if (rc)
		return rc;
	if (o.btype && cl_btype_index(o.btype) < 0)
		return cli_usage_error(c, "unknown business type '%s' (the inventory's codes)",
				       o.btype);
	if (o.size && !cl_size_bit(o.size))
		return cli_usage_error(c, "--size is large, medium or small");
	if (o.tier) {
		if (strcmp(o.tier, "basic") == 0)
			tier = CL_BASIC;
		else if (strcmp(o.tier, "advanced") == 0)
			tier = CL_ADVANCED;
		else
			return cli_usage_error(c, "--tier is basic or advanced");
	}
	merr_init(&e);
	if ((rc = cl_catalogue_get(NULL, o.version, &cat, &e)))
		return cli_fail(c, rc, &e);
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < cat->n_items; i++) {
		const struct cl_item *it = &cat->items[i];
		if (!cl_item_applies(it, o.btype, o.size) || (tier >= 0 && (int)it->tier != tier))
			continue;
		if (c->json) {
			cJSON *x = cl_item_json(cat, it);
			cJSON_AddStringToObject(x, "catalogue", cat->version);
			cJSON_AddItemToArray(arr, x);
		} else {
			printf("%-7s %-8s %-5s %s\n        %s\n", it->id,
			       it->tier == CL_BASIC ? "基本" : "発展", cat->sec[it->section].id,
			       it->text_ja, it->text_en);
		}
	}
	if (c->json)
		return cli_print_json(arr);
	cJSON_Delete(arr);
	return 0;
}

static int answer(struct cli *c, int argc, char **argv)
{
	struct cl_answers a;
	struct store *s;
	struct opts o;
	struct merr e;
	struct buf b;
	int64_t id = 0;
	int rc = parse(c, argc, argv, &o);

	if (rc)
		return rc;
	if (optind + 2 != argc)
		return cli_usage_error(c, "name an organisation and an answer file");
	merr_init(&e);
	buf_init(&b, CL_FILE_MAX + 1);
	rc = buf_read_file(&b, argv[optind + 1], &e);
	if (rc == 0 && b.len > CL_FILE_MAX)
		rc = merr_at(&e, M_ETOOBIG, argv[optind + 1], -1, -1, NULL, "larger than %zu bytes",
			     CL_FILE_MAX);
	if (rc == 0)
		rc = cl_answers_parse(buf_str(&b), b.len, argv[optind + 1], &a, &e);
	buf_release(&b);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!(s = cli_store(c))) {
		cl_answers_release(&a);
		return cli_exit_code(M_ESTORE);
	}
	rc = cl_save(s, argv[optind], &a, !o.draft, "cli", time_now(), &id, &e);
	cl_answers_release(&a);
	if (rc) {
		merr_set_file(&e, argv[optind + 1]);
		return cli_fail(c, rc, &e);
	}
	if (c->json) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "set", (double)id);
		cJSON_AddStringToObject(x, "state", o.draft ? "draft" : "submitted");
		return cli_print_json(x);
	}
	if (!c->quiet)
		printf("%s: 回答 #%lld を%sしました / answer set %lld %s\n", argv[optind],
		       (long long)id, o.draft ? "下書き保存" : "提出", (long long)id,
		       o.draft ? "saved as draft" : "submitted");
	return 0;
}

static int submit(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	int64_t id = 0;
	int rc = org_verb(c, argc, argv, &o, &s);

	if (rc)
		return rc;
	merr_init(&e);
	if ((rc = cl_submit_draft(s, argv[optind], "cli", time_now(), &id, &e)))
		return cli_fail(c, rc, &e);
	printf("%s: 下書きを回答 #%lld として提出しました / draft submitted as set %lld\n",
	       argv[optind], (long long)id, (long long)id);
	return 0;
}

static double num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

static const char *str(const cJSON *o, const char *k)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return v ? v : "";
}

static void pscore(const char *label, const cJSON *p)
{
	const cJSON *s = cJSON_GetObjectItem(p, "score");
	if (cJSON_IsNumber(s))
		printf("  %-28s %5.1f  (%d/%d points, %d/%d done, %d na)\n", label, s->valuedouble,
		       (int)num(p, "points"), (int)num(p, "max"), (int)num(p, "done"),
		       (int)num(p, "items"), (int)num(p, "na"));
	else
		printf("  %-28s     —\n", label);
}

static int score(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	cJSON *r = NULL, *x;
	int rc = org_verb(c, argc, argv, &o, &s);

	if (rc)
		return rc;
	merr_init(&e);
	if ((rc = cl_result_json(s, argv[optind], which(&o), time_now(), &r, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(r);
	printf("%s: 回答 #%.0f (%s, catalogue %s, %s/%s)\n", str(r, "org"), num(r, "set"),
	       str(r, "state"), str(r, "catalogue"), str(r, "business_type"), str(r, "size"));
	pscore("総合 / total", cJSON_GetObjectItem(r, "total"));
	pscore("基本 / basic", cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tiers"), "basic"));
	pscore("発展 / advanced", cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tiers"), "advanced"));
	printf("  基本項目すべて実施 / basic all done: %s\n",
	       cJSON_IsTrue(cJSON_GetObjectItem(r, "basic_done")) ? "はい / yes" : "いいえ / no");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "sections")) pscore(str(x, "ja"), x);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "contradictions"))
	{
		const cJSON *f;
		printf("要確認 %s: %s\n", str(x, "item"), str(x, "text_ja"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(x, "findings"))
		    printf("    指摘 / finding #%.0f %s (%s)\n", num(f, "finding"), str(f, "title"),
			   str(f, "asset"));
	}
	printf("助言 / advice:\n");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "advice")) printf(
	    "  %2.0f. %-7s [%s] %s%s (%s)\n      → %s\n", num(x, "rank"), str(x, "item"),
	    str(x, "tier"), cJSON_IsTrue(cJSON_GetObjectItem(x, "contradicted")) ? "要確認 " : "",
	    str(x, "text_ja"), str(x, "answer_ja"), str(x, "guidance_ja"));
	cJSON_Delete(r);
	return 0;
}

static int history(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	cJSON *r = NULL, *x;
	int rc = org_verb(c, argc, argv, &o, &s);

	if (rc)
		return rc;
	merr_init(&e);
	if ((rc = cl_history_json(s, argv[optind], &r, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(r);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "sets"))
	{
		char when[TIME_STR_MAX];
		time_fmt_jst((int64_t)(num(x, "submitted_at") ? num(x, "submitted_at")
							      : num(x, "created_at")),
			     when);
		printf("#%-5.0f %-9s %-7s %s total %5.1f basic %5.1f advanced %5.1f%s\n",
		       num(x, "set"), str(x, "state"), str(x, "quarter"), when, num(x, "total"),
		       num(x, "basic"), num(x, "advanced"),
		       cJSON_IsTrue(cJSON_GetObjectItem(x, "basic_done")) ? " 基本達成" : "");
	}
	printf("四半期の推移 / trend:");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "trend"))
	    printf(" %s %.1f", str(x, "quarter"), num(x, "total"));
	printf("\n");
	if (cJSON_IsObject(cJSON_GetObjectItem(r, "diff"))) {
		const cJSON *d = cJSON_GetObjectItem(r, "diff");
		printf("差分 / diff #%.0f → #%.0f: 改善 %d, 悪化 %d, 変更 %d\n", num(d, "from"),
		       num(d, "to"), cJSON_GetArraySize(cJSON_GetObjectItem(d, "improved")),
		       cJSON_GetArraySize(cJSON_GetObjectItem(d, "worsened")),
		       cJSON_GetArraySize(cJSON_GetObjectItem(d, "changed")));
	}
	cJSON_Delete(r);
	return 0;
}

static int diff(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	cJSON *r = NULL, *x;
	long long a, b;
	int rc = parse(c, argc, argv, &o);

	if (rc)
		return rc;
	if (optind + 3 != argc)
		return cli_usage_error(c, "組織と回答セット番号 2 つを指定してください / name an"
					  " organisation and two set numbers");
	if (cli_parse_ll(argv[optind + 1], 1, INT64_MAX, &a))
		return cli_usage_error(c, "SET_A '%s' は回答セット番号です / SET_A is a set number",
				       argv[optind + 1]);
	if (cli_parse_ll(argv[optind + 2], 1, INT64_MAX, &b))
		return cli_usage_error(c, "SET_B '%s' は回答セット番号です / SET_B is a set number",
				       argv[optind + 2]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = cl_diff_json(s, argv[optind], a, b, &r, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(r);
	static const char *const parts[] = {"improved", "worsened", "changed"};
	static const char *const ja[] = {"改善", "悪化", "変更"};
	for (int i = 0; i < 3; i++)
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, parts[i])) printf(
		    "%s %-7s %s → %s\n", ja[i], str(x, "item"), str(x, "from"), str(x, "to"));
	cJSON_Delete(r);
	return 0;
}

static int export_cmd(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	struct buf b;
	int rc = org_verb(c, argc, argv, &o, &s);

	if (rc)
		return rc;
	merr_init(&e);
	buf_init(&b, CL_FILE_MAX * 2);
	if ((rc = cl_export(s, argv[optind], which(&o), o.csv, &b, &e))) {
		buf_release(&b);
		return cli_fail(c, rc, &e);
	}
	fwrite(buf_str(&b), 1, b.len, stdout);
	buf_release(&b);
	return 0;
}

static int sector(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	cJSON *r = NULL, *g;
	int rc = parse(c, argc, argv, &o);

	if (rc)
		return rc;
	if (optind + 1 < argc)
		return cli_usage_error(c, "name at most one sector or business type");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = cl_sector_json(s, optind < argc ? argv[optind] : NULL, NULL, time_now(), &r, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(r);
	printf("%s (%s), %d 事業者未満の集団は非表示 / groups under %d withheld\n",
	       optind < argc ? argv[optind] : "全体 / all", str(r, "quarter"), CL_K_MIN, CL_K_MIN);
	cJSON *lists[] = {cJSON_GetObjectItem(r, "business_types"),
			  cJSON_GetObjectItem(r, "groups")};
	for (int l = 0; l < 2; l++)
		cJSON_ArrayForEach(g, lists[l])
		{
			const cJSON *q;
			printf("%-14s %-7s", str(g, "business_type"), l ? str(g, "size") : "(計)");
			cJSON_ArrayForEach(q, cJSON_GetObjectItem(g, "quarters"))
			{
				if (cJSON_IsTrue(cJSON_GetObjectItem(q, "shown")))
					printf("  %s n=%-4.0f %5.1f", str(q, "quarter"),
					       num(q, "operators"), num(q, "mean_total"));
				else
					printf("  %s %-12s", str(q, "quarter"), "非表示");
			}
			printf("\n");
		}
	cJSON_Delete(r);
	return 0;
}

static void remind_line(const char *org, int64_t last, void *arg)
{
	char when[TIME_STR_MAX];
	(void)arg;
	time_fmt_jst(last, when);
	printf("%s: 前回提出 / last submitted %s\n", org, when);
}

static int remind(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	long n = 0;
	int rc = parse(c, argc, argv, &o);

	if (rc)
		return rc;
	if (optind != argc)
		return cli_usage_error(c, "remind takes no operands");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = cl_remind(s, (int64_t)o.interval_days * 86400, time_now(), o.dry_run,
			    c->quiet ? NULL : remind_line, NULL, &n, &e)))
		return cli_fail(c, rc, &e);
	printf("再点検の依頼 / re-check reminders %s: %ld\n", o.dry_run ? "(dry run)" : "queued",
	       n);
	return 0;
}

static int sheet(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct opts o;
	struct merr e;
	char base[1024];
	bool sec = strcmp(argv[0], "sector-sheet") == 0;
	int rc = parse(c, argc, argv, &o);

	if (rc)
		return rc;
	if (!o.out)
		return cli_usage_error(c, "--out DIR is required");
	if (o.lang && strcmp(o.lang, "ja") && strcmp(o.lang, "en"))
		return cli_usage_error(c, "--lang: ja または en / is ja or en");
	if (sec ? optind + 1 < argc : optind + 1 != argc)
		return cli_usage_error(c, sec ? "name at most one sector" : "name an organisation");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = sec ? cl_sector_sheet(s, optind < argc ? argv[optind] : NULL, NULL, o.out, time_now(),
				   base, sizeof(base), &e)
		 : cl_sheet_lang(s, argv[optind], which(&o), o.out, time_now(),
				 o.lang && !strcmp(o.lang, "en"), base, sizeof(base), &e);
	report_cleanup();
	if (rc)
		return cli_fail(c, rc, &e);
	printf("%s.html\n%s.pdf\n", base, base);
	return 0;
}

int cmd_checklist(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("checklist"), cmd_checklist_verbs,
				  ARRAY_SIZE(cmd_checklist_verbs) - 1, argc, argv);
}
