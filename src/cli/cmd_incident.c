/* cmd_incident.c - `mamori incident`: file reports (初報/続報/最終報), list, show, assess (NISC
 * severity), reporting clocks per regime, reminders, STIX export, statistics. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "incident/incident.h"
#include "report/report.h"

const char cmd_incident_usage[] =
    "usage: mamori incident report ORG FILE.yaml|FILE.json\n"
    "       mamori incident list [--org ORG] [--sector S] [--state open|closed] [--level N]\n"
    "                            [--overdue] [--limit N] [--json]\n"
    "       mamori incident show ID [--json]\n"
    "       mamori incident assess ID --continuity N --safety N --trust N [--final]\n"
    "                 [--reason-continuity T] [--reason-safety T] [--reason-trust T]\n"
    "                 [--nciss CATEGORY=OPTION]...\n"
    "       mamori incident regimes [ID --set R[,R...]]\n"
    "       mamori incident aware ID TIME\n"
    "       mamori incident clock ID --met REGIME/REPORT [--at TIME]\n"
    "       mamori incident remind [--console-url URL] [--json]\n"
    "       mamori incident export ID --stix FILE [--tlp clear|green|amber|amber+strict|red]\n"
    "       mamori incident stats [--sector S] [--json]\n"
    "       mamori incident pdf ID --out DIR [--lang ja|en]\n"
    "\n"
    "report: files a report (docs/INCIDENTS.md): a 初報 opens an incident, a 続報/最終報 names\n"
    "it (incident: ID); every version is kept. Clocks start at 認知日時 (aware_at) per regime\n"
    "(data/incident_regimes.yaml, or $MAMORI_INCIDENT_REGIMES). remind queues reminders before\n"
    "each due time and an overdue alert after it; `mamori alert run` delivers them.\n"
    "assess: NISC 深刻度 per axis 0-4, overall = the highest axis; predicted unless --final.\n"
    "インシデント報告の受付、報告期限の管理、深刻度評価、STIX 出力。\n";

static void actor_of(char *out, size_t cap)
{
	const char *u = getenv("MAMORI_ACTOR");
	if (u && *u)
		snprintf(out, cap, "%s", u);
	else
		snprintf(out, cap, "cli:%u", (unsigned)getuid());
}

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
	actor_of(x->actor, sizeof(x->actor));
	x->c.actor = x->actor;
	x->c.now = time_now();
	if (regimes) {
		if ((rc = inc_regimes_load(inc_regimes_default_path(), &x->t, &e)))
			return cli_fail(cl, rc, &e);
		x->c.regimes = x->t;
	}
	return 0;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static void countdown(int64_t secs, char *out, size_t cap)
{
	int64_t a = secs < 0 ? -secs : secs;
	snprintf(out, cap, "%s%lldh%02lldm%s", secs < 0 ? "超過 " : "残り ", (long long)(a / 3600),
		 (long long)(a % 3600 / 60), secs < 0 ? " / overdue" : " / left");
}

static int incident_report(struct cli *cl, int argc, char **argv)
{
	struct inc_report r;
	struct ictx x;
	struct merr e;
	struct buf b;
	int64_t id;
	int seq, rc;

	if (argc != 3)
		return cli_usage_error(cl, "expected ORG FILE");
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
	static const struct option opts[] = {
	    {"org", required_argument, NULL, 'o'},   {"sector", required_argument, NULL, 's'},
	    {"state", required_argument, NULL, 'S'}, {"level", required_argument, NULL, 'l'},
	    {"overdue", no_argument, NULL, 'd'},     {"limit", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},	     {0}};
	struct inc_filter f = {.level = -1, .limit = 100};
	struct ictx x;
	struct merr e;
	cJSON *arr, *it;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': f.org = optarg; break;
		case 's': f.sector = optarg; break;
		case 'S':
			if (strcmp(optarg, "open") && strcmp(optarg, "closed"))
				return cli_usage_error(cl, "--state: open or closed");
			f.state = optarg;
			break;
		case 'l':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '4')
				return cli_usage_error(cl, "--level: 0 to 4");
			f.level = optarg[0] - '0';
			break;
		case 'd': f.overdue = true; break;
		case 'n': {
			int64_t n;
			if (parse_id(optarg, &n) || n > 10000)
				return cli_usage_error(cl, "--limit: 1 to 10000");
			f.limit = n;
			break;
		}
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cl, "unexpected argument");
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
	int64_t id;
	int rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json")) {
			cl->json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	if (argc != 2 || parse_id(argv[1], &id))
		return cli_usage_error(cl, "expected an incident ID");
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
		char jst[TIME_STR_MAX] = "-", left[64] = "";
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
	static const struct option opts[] = {{"continuity", required_argument, NULL, 'c'},
					     {"safety", required_argument, NULL, 's'},
					     {"trust", required_argument, NULL, 't'},
					     {"final", no_argument, NULL, 'f'},
					     {"reason-continuity", required_argument, NULL, 'C'},
					     {"reason-safety", required_argument, NULL, 'S'},
					     {"reason-trust", required_argument, NULL, 'T'},
					     {"nciss", required_argument, NULL, 'n'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct inc_assessment a = {.continuity = -1, .safety = -1, .trust = -1};
	const char *nc[16];
	struct ictx x;
	struct merr e;
	int64_t id;
	int opt, rc, level, score;
	size_t nn = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int *ax = opt == 'c' ? &a.continuity : opt == 's' ? &a.safety : &a.trust;
		switch (opt) {
		case 'c':
		case 's':
		case 't':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '4')
				return cli_usage_error(cl, "each axis is a level from 0 to 4");
			*ax = optarg[0] - '0';
			break;
		case 'f': a.final = true; break;
		case 'C': a.reason_continuity = optarg; break;
		case 'S': a.reason_safety = optarg; break;
		case 'T': a.reason_trust = optarg; break;
		case 'n':
			if (nn >= ARRAY_SIZE(nc))
				return cli_usage_error(cl, "too many --nciss");
			nc[nn++] = optarg;
			break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id))
		return cli_usage_error(cl, "expected an incident ID");
	if (a.continuity < 0 || a.safety < 0 || a.trust < 0)
		return cli_usage_error(cl, "--continuity, --safety and --trust are required");
	a.nciss = nc;
	a.n_nciss = nn;
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
	struct ictx x;
	struct merr e;
	int64_t id;
	int rc;

	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	if (argc == 1) {
		inc_regimes_each(x.t, print_regime, NULL);
		inc_regimes_free(x.t);
		return 0;
	}
	if (argc != 4 || parse_id(argv[1], &id) || strcmp(argv[2], "--set")) {
		inc_regimes_free(x.t);
		return cli_usage_error(cl, "expected ID --set R[,R...]");
	}
	{
		char *list = strdup(argv[3]), *save = NULL, *tok;
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
		printf("適用制度を更新しました / regimes set: %s\n", argv[3]);
	return 0;
}

static int incident_aware(struct cli *cl, int argc, char **argv)
{
	struct ictx x;
	struct merr e;
	int64_t id, t;
	int rc;

	if (argc != 3 || parse_id(argv[1], &id) || time_parse(argv[2], &t))
		return cli_usage_error(cl, "expected ID TIME (ISO 8601 with zone)");
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
	static const struct option opts[] = {
	    {"met", required_argument, NULL, 'm'}, {"at", required_argument, NULL, 'a'}, {0}};
	const char *met = NULL;
	char regime[64];
	const char *slash;
	struct ictx x;
	struct merr e;
	int64_t id, at = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': met = optarg; break;
		case 'a':
			if (time_parse(optarg, &at))
				return cli_usage_error(cl, "--at: ISO 8601 time");
			break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id) || !met ||
	    !(slash = strchr(met, '/')) || (size_t)(slash - met) >= sizeof(regime))
		return cli_usage_error(cl, "expected ID --met REGIME/REPORT");
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
	static const struct option opts[] = {
	    {"console-url", required_argument, NULL, 'C'}, {"json", no_argument, NULL, 'j'}, {0}};
	const char *console = getenv("MAMORI_CONSOLE_URL");
	struct ictx x;
	struct merr e;
	long rem = 0, od = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'C': console = optarg; break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
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
	static const struct option opts[] = {
	    {"stix", required_argument, NULL, 's'}, {"tlp", required_argument, NULL, 't'}, {0}};
	const char *file = NULL, *tlp = "amber";
	struct ictx x;
	struct merr e;
	cJSON *b;
	char *txt;
	FILE *f;
	int64_t id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': file = optarg; break;
		case 't': tlp = optarg; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id) || !file)
		return cli_usage_error(cl, "expected ID --stix FILE");
	if ((rc = ctx_open(cl, &x, true)))
		return rc;
	merr_init(&e);
	rc = inc_stix(&x.c, id, NULL, tlp, &b, &e);
	inc_regimes_free(x.t);
	if (rc)
		return cli_fail(cl, rc, &e);
	txt = cJSON_Print(b);
	cJSON_Delete(b);
	if (!txt || !(f = fopen(file, "w"))) {
		cJSON_free(txt);
		merr_set(&e, M_EIO, "cannot write %s", file);
		return cli_fail(cl, M_EIO, &e);
	}
	fputs(txt, f);
	fputc('\n', f);
	cJSON_free(txt);
	if (fclose(f)) {
		merr_set(&e, M_EIO, "cannot write %s", file);
		return cli_fail(cl, M_EIO, &e);
	}
	if (!cl->quiet)
		printf("STIX 2.1 バンドルを書き出しました / wrote %s (TLP:%s)\n", file, tlp);
	return 0;
}

static int incident_stats(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sector", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'}, {0}};
	const char *sector = NULL;
	struct ictx x;
	struct merr e;
	cJSON *arr, *it;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sector = optarg; break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if ((rc = ctx_open(cl, &x, false)))
		return rc;
	merr_init(&e);
	if ((rc = inc_stats(&x.c, sector, &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	printf("%-8s %-10s %-6s %-20s %s\n", "QUARTER", "SECTOR", "LEVEL", "TYPE", "COUNT");
	cJSON_ArrayForEach(it, arr)
	{
		printf("%-8s %-10s %-6s %-20s %d\n", js(it, "quarter"), js(it, "sector"),
		       js(it, "level"), js(it, "type"),
		       (int)cJSON_GetObjectItem(it, "count")->valuedouble);
	}
	cJSON_Delete(arr);
	return 0;
}

static int incident_pdf(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'}, {"lang", required_argument, NULL, 'l'}, {0}};
	struct report_opts o = {.lang = REPORT_JA};
	struct store *s;
	struct merr e;
	int64_t id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.out_dir = optarg; break;
		case 'l':
			if (strcmp(optarg, "ja") && strcmp(optarg, "en"))
				return cli_usage_error(cl, "--lang ja or en");
			o.lang = optarg[0] == 'e' ? REPORT_EN : REPORT_JA;
			break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id) || !o.out_dir)
		return cli_usage_error(cl, "expected ID --out DIR");
	if (mkdir(o.out_dir, 0755) && errno != EEXIST)
		return cli_usage_error(cl, "cannot create %s", o.out_dir);
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

int cmd_incident(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"report", incident_report, "file a report (初報/続報/最終報) / 報告の受付"},
	    {"list", incident_list, "list incidents / 一覧"},
	    {"show", incident_show, "one incident: level, clocks, versions / 詳細"},
	    {"assess", incident_assess, "NISC severity per axis / 深刻度評価"},
	    {"regimes", incident_regimes, "regime table, or set an incident's regimes / 適用制度"},
	    {"aware", incident_aware, "move the awareness time / 認知日時の変更"},
	    {"clock", incident_clock, "mark a report made / 報告済み"},
	    {"remind", incident_remind, "queue reminders and overdue alerts / 期限通知"},
	    {"export", incident_export, "STIX 2.1 bundle / STIX 出力"},
	    {"stats", incident_stats, "per quarter, sector, level, type / 統計"},
	    {"pdf", incident_pdf, "incident report HTML + PDF / 報告書"},
	};
	return cli_dispatch_verbs(c, cli_find("incident"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
