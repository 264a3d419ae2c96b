/* cmd_incident.c - `mamori incident`: file reports (初報/続報/最終報), list, show, assess (NISC
 * severity), reporting clocks per regime, reminders, STIX export, statistics. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "incident/incident.h"
#include "report/report.h"

#include <utf8proc.h>

const char cmd_incident_usage[] =
    "report: files a report (docs/INCIDENTS.md): a 初報 opens an incident, a 続報/最終報 names\n"
    "it (incident: ID); every version is kept. Clocks start at 認知日時 (aware_at) per regime\n"
    "(data/incident_regimes.yaml, or $MAMORI_INCIDENT_REGIMES). remind queues reminders before\n"
    "each due time and an overdue alert after it; `mamori alert run` delivers them (`mamori\n"
    "serve` runs the same pass itself every --remind-every seconds, and delivers).\n"
    "export: the STIX 2.1 bundle (incident, indicators, observed-data, relationships; IoCs\n"
    "stricter than --tlp left out) to --stix FILE and/or into the sharing collection\n"
    "--collection ALIAS (`mamori share collection add`; TAXII readers see it there).\n"
    "assess: NISC 深刻度 per axis 0-4, overall = the highest axis; predicted unless --final.\n"
    "インシデント報告の受付、報告期限の管理、深刻度評価、STIX 出力。\n";

struct ictx {
	struct inc_ctx c;
	struct inc_regimes *t;
	char actor[64];
};

static int ctx_open(struct cli *cl, struct ictx *x, bool regimes)
{
	struct merr e;
	int rc;

	memset(x, 0, sizeof(*x));
	merr_init(&e);
	if (!(x->c.s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	cli_actor(x->actor, sizeof(x->actor));
	x->c.actor = x->actor;
	x->c.now = time_now();
	if (regimes) {
		if ((rc = inc_regimes_load(inc_regimes_default_path(), &x->t, &e)))
			return cli_fail(cl, rc, &e);
		x->c.regimes = x->t;
	}
	return 0;
}

/* Every verb's options (one struct; each verb's table names the fields it reads). */
#define NCISS_MAX 16
struct inc_args {
	const char *org, *sector, *state, *console, *stix, *tlp, *collection, *set, *met, *at, *out,
	    *lang;
	const char *reason_continuity, *reason_safety, *reason_trust;
	int level, continuity, safety, trust;
	long long limit;
	bool overdue, final;
	const char *nciss[NCISS_MAX];
	size_t n_nciss;
};

static void args_init(struct inc_args *a)
{
	memset(a, 0, sizeof(*a));
	a->level = a->continuity = a->safety = a->trust = -1;
	a->limit = 100;
	a->tlp = "amber";
}

static int nciss_opt(void *args, const char *arg, const char **why)
{
	struct inc_args *a = args;

	if (a->n_nciss >= NCISS_MAX || !strchr(arg, '=')) {
		*why = a->n_nciss >= NCISS_MAX ? "at most 16 / 16 個まで"
					       : "CATEGORY=OPTION / 区分=選択肢";
		return -1;
	}
	a->nciss[a->n_nciss++] = arg;
	return 0;
}

/* Parses argv against opts; operands go to ops[0..*n_ops) (at most max). */
static int parse(struct cli *cl, const struct cli_opt *opts, struct inc_args *a, int argc,
		 char **argv, char ***ops, int *n_ops)
{
	int first, rc;

	args_init(a);
	if ((rc = cli_parse_options(cl, opts, a, argc, argv, &first)))
		return rc;
	*ops = argv + first;
	*n_ops = argc - first;
	if (a->state && strcmp(a->state, "open") && strcmp(a->state, "closed"))
		return cli_usage_error(cl, "--state: open or closed / open か closed");
	return 0;
}

#define A struct inc_args
static const struct cli_opt report_opts[] = {OPT_JSON(), OPT_END()};
static const struct cli_opt list_opts[] = {
    OPT_STRING("org", A, org, "ORG", "one operator / 事業者"),
    OPT_STRING("sector", A, sector, "S", "one sector / 分野"),
    OPT_STRING("state", A, state, "open|closed", "state / 状態"),
    OPT_INT("level", A, level, 0, 4, "N", "NISC level / 深刻度"),
    OPT_BOOL("overdue", A, overdue, "only with a clock past due / 期限超過のみ"),
    OPT_LLONG("limit", A, limit, 1, 10000, "N", "rows / 件数"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt assess_opts[] = {
    OPT_INT("continuity", A, continuity, 0, 4, "N", "サービスの持続性 0-4 (required)"),
    OPT_INT("safety", A, safety, 0, 4, "N", "サービスに関する安全性 0-4 (required)"),
    OPT_INT("trust", A, trust, 0, 4, "N", "その他（信頼低下） 0-4 (required)"),
    OPT_BOOL("final", A, final, "ex post (事後) instead of predicted (予測)"),
    OPT_STRING("reason-continuity", A, reason_continuity, "T", "rationale / 根拠"),
    OPT_STRING("reason-safety", A, reason_safety, "T", "rationale / 根拠"),
    OPT_STRING("reason-trust", A, reason_trust, "T", "rationale / 根拠"),
    OPT_CALLBACK("nciss", nciss_opt, "CATEGORY=OPTION",
		 "NCISS-style score input, repeatable / NCISS 参考値"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt regimes_opts[] = {
    OPT_STRING("set", A, set, "R[,R...]", "the incident's regimes / 適用制度"),
    OPT_END(),
};
static const struct cli_opt none_opts[] = {OPT_END()};
static const struct cli_opt clock_opts[] = {
    OPT_STRING("met", A, met, "REGIME/REPORT", "the report made (required) / 報告済み"),
    OPT_STRING("at", A, at, "TIME", "when (ISO 8601; default now) / 報告日時"),
    OPT_END(),
};
static const struct cli_opt remind_opts[] = {
    OPT_STRING("console-url", A, console, "URL", "link in mails (default $MAMORI_CONSOLE_URL)"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt export_opts[] = {
    OPT_STRING("stix", A, stix, "FILE", "write the STIX 2.1 bundle there / ファイルへ"),
    OPT_STRING("collection", A, collection, "ALIAS",
	       "publish it into this sharing collection / 共有コレクションへ公開"),
    OPT_STRING("tlp", A, tlp, "clear|green|amber|amber+strict|red", "marking (default amber)"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt stats_opts[] = {
    OPT_STRING("sector", A, sector, "S", "one sector / 分野"),
    OPT_STRING("lang", A, lang, "ja|en", "output language (default ja) / 表示言語"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt pdf_opts[] = {
    OPT_STRING("out", A, out, "DIR", "folder (required) / 出力先"),
    OPT_STRING("lang", A, lang, "ja|en", "language (default ja)"),
    OPT_END(),
};
#undef A

static int need_id(struct cli *cl, char **ops, int n, int want, int64_t *id)
{
	if (n != want || cli_parse_id(ops[0], id))
		return cli_usage_error(cl, "expected an incident ID / インシデント番号が必要です");
	return 0;
}

static void countdown(int64_t secs, char *out, size_t cap)
{
	char ja[44], en[44];
	time_fmt_left(secs, false, ja, sizeof ja);
	time_fmt_left(secs, true, en, sizeof en);
	snprintf(out, cap, "%s / %s", ja, en);
}

static int incident_report(struct cli *cl, int argc, char **argv)
{
	struct inc_report r;
	struct ictx x;
	struct merr e;
	struct buf b;
	struct inc_args a;
	char **op;
	int64_t id;
	int seq, rc, n;

	if ((rc = parse(cl, report_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n != 2)
		return cli_usage_error(cl, "expected ORG FILE / 事業者とファイルが必要です");
	argv = op - 1;
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	buf_init(&b, INC_REPORT_MAX + 1);
	if ((rc = buf_read_file(&b, argv[2], &e)) ||
	    (rc = inc_report_parse(buf_str(&b), b.len, argv[2], &r, &e))) {
		buf_release(&b);
		inc_regimes_free(x.t);
		if (rc == M_ETOOBIG && !e.file[0])
			merr_set_file(&e, argv[2]);
		return cli_fail(cl, rc, &e);
	}
	buf_release(&b);
	rc = inc_file(&x.c, argv[1], &r, &id, &seq, &e);
	if (rc)
		merr_set_file(&e, argv[2]);
	if (!rc && !cl->quiet) {
		if (cl->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)id);
			cJSON_AddNumberToObject(o, "version", seq);
			cJSON_AddStringToObject(o, "kind", inc_kind_name(r.kind));
			cli_print_json(o);
		} else
			printf(
			    "インシデント #%lld: %s (第%d版) を受け付けました / incident %lld: %s "
			    "filed as version %d\n",
			    (long long)id, inc_kind_ja(r.kind), seq, (long long)id,
			    inc_kind_name(r.kind), seq);
	}
	inc_report_free(&r);
	inc_regimes_free(x.t);
	return rc ? cli_fail(cl, rc, &e) : 0;
}

static int incident_list(struct cli *cl, int argc, char **argv)
{
	struct inc_filter f = {.level = -1, .limit = 100};
	struct inc_args a;
	struct ictx x;
	struct merr e;
	cJSON *arr, *it;
	char **op;
	int rc, n;

	if ((rc = parse(cl, list_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n)
		return cli_usage_error(cl, "unexpected argument '%s' / 余分な引数です", op[0]);
	f.org = a.org;
	f.sector = a.sector;
	f.state = a.state;
	f.level = a.level;
	f.overdue = a.overdue;
	f.limit = a.limit;
	if ((rc = ctx_open(cl, &x, false)))
		return rc;
	merr_init(&e);
	if ((rc = inc_list(&x.c, &f, &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	printf("%-6s %-16s %-6s %-10s %-8s %-22s %s\n", "ID", "ORG", "LEVEL", "STATE", "REPORT",
	       "NEXT DUE (JST)", "TITLE");
	cJSON_ArrayForEach(it, arr)
	{
		cJSON *lv = cJSON_GetObjectItem(it, "level"),
		      *due = cJSON_GetObjectItem(it, "next_due");
		char jst[TIME_STR_MAX] = "-";
		int64_t t;
		if (cJSON_IsString(due) && !time_parse(due->valuestring, &t))
			time_fmt_jst(t, jst);
		printf("%-6d %-16s %-6s %-10s %-8s %-22s%s %s\n",
		       (int)cJSON_GetObjectItem(it, "id")->valuedouble,
		       cJSON_GetObjectItem(it, "org")->valuestring,
		       cJSON_IsNumber(lv) ? (char[]){(char)('0' + (int)lv->valuedouble), 0} : "-",
		       cJSON_GetObjectItem(it, "state")->valuestring,
		       cJSON_GetObjectItem(it, "last_kind")->valuestring, jst,
		       cJSON_IsTrue(cJSON_GetObjectItem(it, "overdue")) ? "!" : " ",
		       cJSON_GetObjectItem(it, "title")->valuestring);
	}
	cJSON_Delete(arr);
	return 0;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static void print_time(const char *label, const char *iso)
{
	int64_t t;
	char jst[TIME_STR_MAX];
	if (iso && strcmp(iso, "-") && !time_parse(iso, &t)) {
		time_fmt_jst(t, jst);
		printf("%s: %s (%s)\n", label, jst, iso);
	} else
		printf("%s: -\n", label);
}

static int incident_show(struct cli *cl, int argc, char **argv)
{
	struct ictx x;
	struct merr e;
	cJSON *o, *it, *sev;
	struct inc_args ia;
	char **op;
	int64_t id;
	int rc, n;

	if ((rc = parse(cl, cli_json_opts, &ia, argc, argv, &op, &n)) ||
	    (rc = need_id(cl, op, n, 1, &id)))
		return rc;
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	rc = inc_show(&x.c, id, NULL, &o, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(o);
	printf("インシデント #%lld  %s\n", (long long)id, js(o, "title"));
	printf("組織 / org: %s (%s)  種類 / type: %s (%s)  状態 / state: %s\n", js(o, "org_name"),
	       js(o, "org"), js(o, "type_ja"), js(o, "type"), js(o, "state"));
	print_time("発生日時 / occurred", js(o, "occurred_at"));
	print_time("認知日時 / aware", js(o, "aware_at"));
	sev = cJSON_GetObjectItem(o, "severity");
	for (int k = 0; k < 2; k++) {
		char nciss[16];
		cJSON *a = cJSON_GetObjectItem(sev, k ? "final" : "predicted"), *ax;
		if (!cJSON_IsObject(a)) {
			printf("深刻度%s / %s: 未評価 / not assessed\n",
			       k ? "（事後）" : "（予測）", k ? "final" : "predicted");
			continue;
		}
		ax = cJSON_GetObjectItem(a, "axes");
		if (cJSON_IsNumber(cJSON_GetObjectItem(a, "nciss_score")))
			snprintf(nciss, sizeof(nciss), "%d/100",
				 cJSON_GetObjectItem(a, "nciss_score")->valueint);
		else
			snprintf(nciss, sizeof(nciss), "-");
		printf("深刻度%s / %s: %s  持続性 %d, 安全性 %d, 信頼低下 %d  NCISS %s\n",
		       k ? "（事後）" : "（予測）", k ? "final" : "predicted", js(a, "level_name"),
		       (int)cJSON_GetObjectItem(cJSON_GetObjectItem(ax, "continuity"), "level")
			   ->valuedouble,
		       (int)cJSON_GetObjectItem(cJSON_GetObjectItem(ax, "safety"), "level")
			   ->valuedouble,
		       (int)cJSON_GetObjectItem(cJSON_GetObjectItem(ax, "trust"), "level")
			   ->valuedouble,
		       nciss);
	}
	printf("報告期限 / clocks:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "clocks"))
	{
		int64_t t = 0;
		char jst[TIME_STR_MAX] = "-", left[96] = "";
		cJSON *sl = cJSON_GetObjectItem(it, "seconds_left");
		time_parse(js(it, "due"), &t);
		time_fmt_jst(t, jst);
		if (cJSON_IsNumber(sl))
			countdown((int64_t)sl->valuedouble, left, sizeof(left));
		printf("  %-9s %-20s %-22s %-8s %s\n", js(it, "regime"), js(it, "report"), jst,
		       js(it, "state"), left);
	}
	print_time("次の期限 / next due", js(o, "next_due"));
	printf("版 / versions:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "versions"))
	{
		printf("  %d %s (%s) %s by %s\n", (int)cJSON_GetObjectItem(it, "seq")->valuedouble,
		       js(it, "kind_ja"), js(it, "kind"), js(it, "filed_at"), js(it, "filed_by"));
	}
	cJSON_Delete(o);
	return 0;
}

static int incident_assess(struct cli *cl, int argc, char **argv)
{
	struct inc_assessment a = {0};
	struct inc_args oa;
	struct ictx x;
	struct merr e;
	char **op;
	int64_t id;
	int rc, n, level, score;

	if ((rc = parse(cl, assess_opts, &oa, argc, argv, &op, &n)) ||
	    (rc = need_id(cl, op, n, 1, &id)))
		return rc;
	if (oa.continuity < 0 || oa.safety < 0 || oa.trust < 0)
		return cli_usage_error(cl, "--continuity, --safety and --trust are required / "
					   "3 軸すべての評価が必要です");
	a.final = oa.final;
	a.continuity = oa.continuity;
	a.safety = oa.safety;
	a.trust = oa.trust;
	a.reason_continuity = oa.reason_continuity;
	a.reason_safety = oa.reason_safety;
	a.reason_trust = oa.reason_trust;
	a.nciss = oa.nciss;
	a.n_nciss = oa.n_nciss;
	if ((rc = ctx_open(cl, &x, false)))
		return rc;
	merr_init(&e);
	if ((rc = inc_assess(&x.c, id, &a, &level, &score, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "level", level);
		cJSON_AddStringToObject(o, "level_name", inc_level_name(level));
		cJSON_AddStringToObject(o, "kind", a.final ? "final" : "predicted");
		if (score >= 0)
			cJSON_AddNumberToObject(o, "nciss_score", score);
		return cli_print_json(o);
	}
	printf("%s: %s  %s", a.final ? "事後評価 / final" : "予測評価 / predicted",
	       inc_level_name(level), inc_level_text(level));
	if (score >= 0)
		printf("  (NCISS 参考値 %d/100)", score);
	putchar('\n');
	return 0;
}

static void print_regime(const char *regime, const char *name_ja, const char *report,
			 const char *report_ja, const char *offset, const char *after,
			 const char *source, void *arg)
{
	printf("%-9s %-20s %-5s after %-13s %s / %s\n   source: %s\n", regime, report, offset,
	       after, name_ja, report_ja, source);
}

static int incident_regimes(struct cli *cl, int argc, char **argv)
{
	struct inc_args a;
	struct ictx x;
	struct merr e;
	char **op;
	int64_t id = 0;
	int rc, nops;

	if ((rc = parse(cl, regimes_opts, &a, argc, argv, &op, &nops)))
		return rc;
	if ((nops || a.set) && (nops != 1 || cli_parse_id(op[0], &id) || !a.set))
		return cli_usage_error(cl, "expected ID --set R[,R...] / 番号と --set が必要です");
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	if (!nops) {
		inc_regimes_each(x.t, print_regime, NULL);
		inc_regimes_free(x.t);
		return 0;
	}
	{
		char *list = strdup(a.set), *save = NULL, *tok;
		const char *names[32];
		size_t n = 0;
		for (tok = strtok_r(list, ",", &save); tok && n < 32;
		     tok = strtok_r(NULL, ",", &save))
			names[n++] = tok;
		rc = inc_regimes_set(&x.c, id, names, n, &e);
		free(list);
	}
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("適用制度を更新しました / regimes set: %s\n", a.set);
	return 0;
}

static int incident_aware(struct cli *cl, int argc, char **argv)
{
	struct ictx x;
	struct merr e;
	struct inc_args a;
	char **op;
	int64_t id, t;
	int rc, n;

	if ((rc = parse(cl, none_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n != 2 || cli_parse_id(op[0], &id) || time_parse(op[1], &t))
		return cli_usage_error(
		    cl, "expected ID TIME (ISO 8601 with zone) / 番号と日時 (ISO 8601) が必要です");
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	rc = inc_set_aware(&x.c, id, t, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("認知日時を変更し、報告期限を再計算しました / awareness moved, clocks "
		       "recomputed\n");
	return 0;
}

static int incident_clock(struct cli *cl, int argc, char **argv)
{
	const char *met, *slash;
	char regime[64];
	struct inc_args a;
	struct ictx x;
	struct merr e;
	char **op;
	int64_t id, at = 0;
	int rc, n;

	if ((rc = parse(cl, clock_opts, &a, argc, argv, &op, &n)) ||
	    (rc = need_id(cl, op, n, 1, &id)))
		return rc;
	if (a.at && time_parse(a.at, &at))
		return cli_usage_error(cl, "--at: ISO 8601 time / ISO 8601 の日時");
	met = a.met;
	if (!met || !(slash = strchr(met, '/')) || (size_t)(slash - met) >= sizeof(regime))
		return cli_usage_error(
		    cl, "expected ID --met REGIME/REPORT / --met 制度/報告 が必要です");
	memcpy(regime, met, (size_t)(slash - met));
	regime[slash - met] = '\0';
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	rc = inc_clock_met(&x.c, id, regime, slash + 1, at, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("報告済みにしました / clock %s met\n", met);
	return 0;
}

static int incident_remind(struct cli *cl, int argc, char **argv)
{
	const char *console;
	struct inc_args a;
	struct ictx x;
	struct merr e;
	char **op;
	long rem = 0, od = 0;
	int rc, n;

	if ((rc = parse(cl, remind_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n)
		return cli_usage_error(cl, "unexpected argument '%s' / 余分な引数です", op[0]);
	console = a.console ? a.console : getenv("MAMORI_CONSOLE_URL");
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	rc = inc_remind(&x.c, console && *console ? console : NULL, &rem, &od, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "reminders", (double)rem);
		cJSON_AddNumberToObject(o, "overdue", (double)od);
		return cli_print_json(o);
	}
	if (!cl->quiet)
		printf(
		    "リマインダ %ld 件、期限超過 %ld 件を送信待ちにしました / %ld reminders, %ld "
		    "overdue alerts queued (mamori alert run delivers)\n",
		    rem, od, rem, od);
	return 0;
}

static int incident_export(struct cli *cl, int argc, char **argv)
{
	struct inc_args a;
	struct ictx x;
	struct merr e;
	cJSON *b;
	char *txt;
	char **op;
	FILE *f;
	int64_t id;
	size_t objects = 0;
	int rc, n;

	if ((rc = parse(cl, export_opts, &a, argc, argv, &op, &n)) ||
	    (rc = need_id(cl, op, n, 1, &id)))
		return rc;
	if (!a.stix && !a.collection)
		return cli_usage_error(cl, "expected ID --stix FILE and/or --collection ALIAS / "
					   "出力先が必要です");
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	if (a.collection) {
		rc = inc_stix_publish(&x.c, id, NULL, a.tlp, a.collection, NULL, &objects, &e);
		if (rc) {
			inc_regimes_free(x.t);
			return cli_fail(cl, rc, &e);
		}
		if (!cl->quiet && !cl->json)
			printf("共有コレクション %s に STIX オブジェクト %zu 件を公開しました / "
			       "published %zu STIX objects to %s (TLP:%s)\n",
			       a.collection, objects, objects, a.collection, a.tlp);
	}
	if (!a.stix) {
		inc_regimes_free(x.t);
		if (cl->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "collection", a.collection);
			cJSON_AddStringToObject(o, "tlp", a.tlp);
			cJSON_AddNumberToObject(o, "objects", (double)objects);
			return cli_print_json(o);
		}
		return 0;
	}
	rc = inc_stix(&x.c, id, NULL, a.tlp, &b, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	txt = cJSON_Print(b);
	cJSON_Delete(b);
	if (!txt || !(f = fopen(a.stix, "w"))) {
		cJSON_free(txt);
		merr_set(&e, M_EIO, "cannot write %s / 書き込めません", a.stix);
		return cli_fail(cl, M_EIO, &e);
	}
	fputs(txt, f);
	fputc('\n', f);
	cJSON_free(txt);
	if (fclose(f)) {
		merr_set(&e, M_EIO, "cannot write %s / 書き込めません", a.stix);
		return cli_fail(cl, M_EIO, &e);
	}
	if (!cl->quiet)
		printf("STIX 2.1 バンドルを書き出しました / wrote %s (TLP:%s)\n", a.stix, a.tlp);
	return 0;
}

/* Prints s and spaces up to cols terminal columns (a kanji takes two), one space at least. */
static void pad(const char *s, int cols)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	int w = 0;

	for (utf8proc_ssize_t k; *p && (k = utf8proc_iterate(p, -1, &cp)) > 0; p += k)
		w += utf8proc_charwidth(cp) > 0 ? utf8proc_charwidth(cp) : 0;
	fputs(s, stdout);
	do
		putchar(' ');
	while (++w < cols);
}

static int incident_stats(struct cli *cl, int argc, char **argv)
{
	const char *sector;
	bool en;
	struct inc_args a;
	struct ictx x;
	struct merr e;
	cJSON *arr, *it;
	char **op;
	int rc, n;

	if ((rc = parse(cl, stats_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n)
		return cli_usage_error(cl, "unexpected argument '%s' / 余分な引数です", op[0]);
	if (a.lang && strcmp(a.lang, "ja") && strcmp(a.lang, "en"))
		return cli_usage_error(cl, "--lang ja or en / ja か en");
	sector = a.sector;
	if ((rc = ctx_open(cl, &x, false)))
		return rc;
	merr_init(&e);
	if ((rc = inc_stats(&x.c, sector, &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	/* names, not codes: the sector's, the NISC level's and the type's, in one language */
	en = a.lang && a.lang[0] == 'e';
	pad(en ? "Quarter" : "四半期", 8);
	pad(en ? "Sector" : "分野", 14);
	pad(en ? "Level" : "レベル", 22);
	pad(en ? "Type" : "種別", 24);
	printf("%s\n", en ? "Count" : "件数");
	cJSON_ArrayForEach(it, arr)
	{
		const char *lv = js(it, "level"), *ty = js(it, "type"), *tn;
		const char *ln = NULL;
		if (lv[0] >= '0' && lv[0] <= '9')
			ln = en ? inc_level_name_en(lv[0] - '0') : inc_level_name(lv[0] - '0');
		tn = en ? inc_type_en(ty) : inc_type_ja(ty);
		pad(js(it, "quarter"), 8);
		pad(js(it, en ? "sector_en" : "sector_ja"), 14);
		pad(ln ? ln : en ? "not assessed" : "未評価", 22);
		pad(tn ? tn : ty, 24);
		printf("%d\n", (int)cJSON_GetObjectItem(it, "count")->valuedouble);
	}
	cJSON_Delete(arr);
	return 0;
}

static int incident_pdf(struct cli *cl, int argc, char **argv)
{
	struct report_opts o = {.lang = REPORT_JA};
	struct inc_args a;
	struct store *s;
	struct merr e;
	char **op;
	int64_t id;
	int rc, n;

	if ((rc = parse(cl, pdf_opts, &a, argc, argv, &op, &n)) ||
	    (rc = need_id(cl, op, n, 1, &id)))
		return rc;
	if (a.lang && strcmp(a.lang, "ja") && strcmp(a.lang, "en"))
		return cli_usage_error(cl, "--lang ja or en / ja か en");
	if (a.lang)
		o.lang = a.lang[0] == 'e' ? REPORT_EN : REPORT_JA;
	if (!(o.out_dir = a.out))
		return cli_usage_error(cl, "expected ID --out DIR / --out が必要です");
	if (mkdir(o.out_dir, 0755) && errno != EEXIST)
		return cli_usage_error(cl, "cannot create %s / 作成できません", o.out_dir);
	if (!(s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	o.now = time_now();
	merr_init(&e);
	rc = report_incident(s, id, &o, &e);
	report_cleanup();
	if (rc)
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%s/incident-%lld.html, .pdf を書き出しました / written\n", o.out_dir,
		       (long long)id);
	return 0;
}

const struct cli_verb cmd_incident_verbs[] = {
    {"report", incident_report, "file a report (初報/続報/最終報) / 報告の受付", report_opts,
     "ORG FILE.yaml|FILE.json"},
    {"list", incident_list, "list incidents / 一覧", list_opts, NULL},
    {"show", incident_show, "one incident: level, clocks, versions / 詳細", cli_json_opts, "ID"},
    {"assess", incident_assess, "NISC severity per axis / 深刻度評価", assess_opts, "ID"},
    {"regimes", incident_regimes, "regime table, or set an incident's regimes / 適用制度",
     regimes_opts, "[ID]"},
    {"aware", incident_aware, "move the awareness time / 認知日時の変更", none_opts, "ID TIME"},
    {"clock", incident_clock, "mark a report made / 報告済み", clock_opts, "ID"},
    {"remind", incident_remind, "queue reminders and overdue alerts / 期限通知", remind_opts, NULL},
    {"export", incident_export, "STIX 2.1 bundle to a file or a sharing collection / STIX 出力",
     export_opts, "ID"},
    {"stats", incident_stats, "per quarter, sector, level, type / 統計", stats_opts, NULL},
    {"pdf", incident_pdf, "incident report HTML + PDF / 報告書", pdf_opts, "ID"},
    {0},
};

int cmd_incident(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("incident"), cmd_incident_verbs,
				  ARRAY_SIZE(cmd_incident_verbs) - 1, argc, argv);
}
