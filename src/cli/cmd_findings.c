/* cmd_findings.c - `mamori findings`: list and show findings with urgency and deadlines,
 * and `findings update` to re-evaluate an organisation's findings from the store. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "inventory/inventory.h"
#include "findings/findings.h"

const char cmd_findings_usage[] =
    "Findings: vulnerabilities of identified services and declared products (with KEV, EPSS,\n"
    "CVSS, the SSVC decision and the BOD 26-04 deadline), risky exposed services, TLS and\n"
    "e-mail hygiene. Each is open, fixed (not seen by a later complete run) or reopened.\n"
    "脆弱性・危険なサービス・TLS/メール設定の指摘を一覧・表示・再評価します。\n"
    "\n"
    "  --kind K   vulnerability, declared, risky_service, tls, email\n"
    "  --severity critical, high, medium, low, info   --confirm  要確認 candidates only\n"
    "  --sort K   priority (the fix-first order), deadline, severity, first_seen,\n"
    "             last_seen, org, asset, cve, kind, epss, cvss, id; -K descending.\n"
    "             Without --sort: by organisation, open first, each in the fix-first order.\n"
    "  triage     --state confirmed (確認済み: a 要確認 candidate becomes a finding),\n"
    "             false_positive (誤検知: closed until the evidence changes), accepted\n"
    "             (リスク受容, needs --until), in_progress (対応中), fixed_pending\n"
    "             (修正済み・再診断待ち), none (clears); every change is logged\n"
    "  update     re-evaluates from services, declared products and e-mail hygiene\n"
    "             and the rescan schedule (what `asm run` does in its findings and\n"
    "             schedule steps)\n"
    "Errors are written in Japanese first, then English. / "
    "エラーは日本語、英語の順に表示します。\n";

struct list_args {
	const char *org, *kind, *severity, *state, *cve, *host, *product, *search, *sort;
	bool kev, open, confirm, overdue;
	long long limit;
};

static const struct cli_opt list_opts[] = {
    OPT_STRING("org", struct list_args, org, "ORG", "one organisation / 組織"),
    OPT_BOOL("kev", struct list_args, kev, "KEV findings only / KEV のみ"),
    OPT_BOOL("open", struct list_args, open, "open findings only / 未対応のみ"),
    OPT_STRING("kind", struct list_args, kind, "KIND", "kind (see below) / 種別"),
    OPT_STRING("severity", struct list_args, severity, "S", "severity / 深刻度"),
    OPT_STRING("state", struct list_args, state, "open|fixed", "state / 状態"),
    OPT_BOOL("confirm", struct list_args, confirm, "要確認 candidates only / 要確認のみ"),
    OPT_BOOL("overdue", struct list_args, overdue, "open and past the deadline / 期限超過"),
    OPT_STRING("cve", struct list_args, cve, "ID", "CVE id or prefix / CVE 番号"),
    OPT_STRING("host", struct list_args, host, "IP", "address or asset prefix / ホスト"),
    OPT_STRING("product", struct list_args, product, "P", "product text / 製品"),
    OPT_STRING("search", struct list_args, search, "TEXT",
	       "text in title, asset, issue or org / 文字列検索"),
    OPT_STRING("sort", struct list_args, sort, "KEY", "sort key, -KEY descending / 並び順"),
    OPT_LLONG("limit", struct list_args, limit, 1, 10000000, "N", "at most N rows / 件数の上限"),
    OPT_JSON(),
    OPT_END(),
};

struct update_args {
	bool all;
};

static const struct cli_opt update_opts[] = {
    OPT_BOOL("all", struct update_args, all, "every organisation / 全組織"),
    OPT_JSON(),
    OPT_END(),
};

struct triage_args {
	const char *state, *until, *assignee, *comment;
};

static const struct cli_opt triage_opts[] = {
    OPT_STRING("state", struct triage_args, state, "S", "triage state (see below) / 判定"),
    OPT_STRING("until", struct triage_args, until, "DATE",
	       "expiry of a risk acceptance / リスク受容の期限"),
    OPT_STRING("assignee", struct triage_args, assignee, "WHO", "assignee, \"\" clears / 担当者"),
    OPT_STRING("comment", struct triage_args, comment, "TEXT", "a comment / コメント"),
    OPT_JSON(),
    OPT_END(),
};

static int print_row(void *arg, const struct finding_row *r)
{
	cJSON *arr = arg;
	char dl[TIME_STR_MAX] = "-";

	if (arr) {
		cJSON_AddItemToArray(arr, finding_row_json(r));
		return 0;
	}
	if (r->deadline)
		time_fmt_jst_date(r->deadline, dl);
	printf("%6lld %-5s %-8s %-7s %-26s %-10s %s%s%s%s%s\n", (long long)r->id, r->state,
	       r->severity, r->urgency ? r->urgency : "-", r->asset, dl, r->title,
	       r->needs_confirmation ? " [要確認]" : "", r->triage ? " [" : "",
	       r->triage ? r->triage : "", r->triage ? "]" : "");
	return 0;
}

static int findings_list(struct cli *c, int argc, char **argv)
{
	struct list_args a = {0};
	struct finding_query q = {.by_org = true, .now = time_now()};
	struct store *s;
	struct merr e;
	cJSON *arr = NULL;
	int first, rc;

	if ((rc = cli_parse_options(c, list_opts, &a, argc, argv, &first)))
		return rc;
	if (first < argc)
		return cli_usage_error(c, "余分な引数 '%s' があります / unexpected argument '%s'",
				       argv[first], argv[first]);
	q.org = a.org;
	q.kev_only = a.kev;
	q.open_only = a.open;
	q.kind = a.kind;
	q.severity = a.severity;
	q.state = a.state;
	q.confirm_only = a.confirm;
	q.overdue = a.overdue;
	q.cve = a.cve;
	q.host = a.host;
	q.product = a.product;
	q.search = a.search;
	q.limit = a.limit;
	if (a.sort) {
		q.sort = a.sort;
		q.by_org = false;
	}
	merr_init(&e);
	/* a value outside the allowed set: non-zero exit naming the allowed values */
	if ((rc = finding_query_check(&q, &e)))
		return cli_fail(c, rc, &e);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	if (c->json)
		arr = cJSON_CreateArray();
	else
		printf("%6s %-5s %-8s %-7s %-26s %-10s %s\n", "ID", "STATE", "SEVERITY", "URGENCY",
		       "ASSET", "DEADLINE", "TITLE 件名");
	rc = finding_query_run(s, &q, print_row, arr, &e);
	if (rc) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

static void print_reasons(const cJSON *rs)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, rs)
	{
		const cJSON *v = cJSON_GetObjectItem(x, "value");
		char *vs = cJSON_PrintUnformatted(v);
		printf("    %-18s %-22s (%s)\n", x->string, vs ? vs : "?",
		       cJSON_GetStringValue(cJSON_GetObjectItem(x, "from")));
		free(vs);
	}
}

static int findings_show(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	cJSON *o = NULL, *ev;
	char *end;
	long long id;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind >= argc)
		return cli_usage_error(c, "指摘番号を指定してください / name a finding ID");
	id = strtoll(argv[optind], &end, 10);
	if (*end || id <= 0)
		return cli_usage_error(c, "指摘番号 '%s' が不正です / bad finding ID '%s'",
				       argv[optind], argv[optind]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = finding_get_json(s, id, &o, &e)))
		return cli_fail(c, rc, &e);
	if (c->json)
		return cli_print_json(o);
	{
		static const char *const keys[] = {"org",	    "asset",
						   "issue",	    "kind",
						   "state",	    "severity",
						   "title",	    "cve",
						   "confidence",    "needs_confirmation",
						   "kev",	    "kev_date_added",
						   "kev_due_date",  "urgency",
						   "ssvc_decision", "bod_26_04",
						   "deadline",	    "cvss",
						   "cvss_vector",   "epss",
						   "first_seen",    "last_seen",
						   "fixed_at"};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			cJSON *v = cJSON_GetObjectItem(o, keys[i]);
			char *vs;
			if (!v || cJSON_IsNull(v))
				continue;
			vs = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
			printf("%-19s %s\n", keys[i], vs ? vs : v->valuestring);
			free(vs);
		}
	}
	if (cJSON_GetObjectItem(o, "reasons") &&
	    cJSON_IsObject(cJSON_GetObjectItem(o, "reasons"))) {
		printf("判断の根拠 / reasons:\n");
		print_reasons(cJSON_GetObjectItem(o, "reasons"));
	}
	printf("履歴 / history:\n");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(o, "events"))
	{
		printf("    %s %-9s %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(ev, "at")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(ev, "event")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(ev, "detail"))
			   ? cJSON_GetStringValue(cJSON_GetObjectItem(ev, "detail"))
			   : "");
	}
	cJSON_Delete(o);
	return 0;
}

struct upd {
	struct cli *c;
	struct store *s;
	cJSON *arr;
	int rc;
	struct merr e;
};

static int update_org(void *arg, const char *org)
{
	struct upd *u = arg;
	struct finding_opts fo;
	struct finding_stats st;
	int rc;

	finding_opts_init(&fo, u->c->data_dir, time_now());
	rc = finding_evaluate(u->s, org, &fo, &st, &u->e);
	if (rc == 0) /* the schedule follows the findings */
		rc = finding_schedule_update(u->s, org, fo.now, &u->e);
	if (rc)
		return rc;
	if (u->arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "org", org);
		cJSON_AddNumberToObject(o, "new", st.opened);
		cJSON_AddNumberToObject(o, "reopened", st.reopened);
		cJSON_AddNumberToObject(o, "fixed", st.fixed);
		cJSON_AddNumberToObject(o, "still_open", st.still_open);
		cJSON_AddItemToArray(u->arr, o);
	} else if (!u->c->quiet) {
		printf("%s: 新規 %ld, 再発 %ld, 修正 %ld, 継続 %ld / new, reopened, fixed, still "
		       "open\n",
		       org, st.opened, st.reopened, st.fixed, st.still_open);
	}
	return 0;
}

/* Every organisation, in order (for --all). */
static int each_org(struct store *s, int (*fn)(void *, const char *), void *arg, struct merr *e)
{
	struct inv_slugs orgs;
	int rc = inv_org_slugs(s, &orgs, e);

	for (size_t i = 0; rc == 0 && i < orgs.n; i++)
		rc = fn(arg, orgs.v[i]);
	inv_slugs_release(&orgs);
	return rc;
}

static int findings_update(struct cli *c, int argc, char **argv)
{
	struct update_args a = {0};
	struct upd u = {c, NULL, NULL, 0, {0}};
	int first, rc;

	if ((rc = cli_parse_options(c, update_opts, &a, argc, argv, &first)))
		return rc;
	if (a.all == (first < argc) || first + 1 < argc)
		return cli_usage_error(
		    c,
		    "組織を一つ、または --all を指定してください / name one organisation or --all");
	if (!(u.s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&u.e);
	if (c->json)
		u.arr = cJSON_CreateArray();
	rc = a.all ? each_org(u.s, update_org, &u, &u.e) : update_org(&u, argv[first]);
	if (rc) {
		cJSON_Delete(u.arr);
		return cli_fail(c, rc, &u.e);
	}
	return u.arr ? cli_print_json(u.arr) : 0;
}

/* "12,13,20" into ids. */
static int parse_ids(const char *s, int64_t *ids, size_t cap, size_t *n)
{
	char *end;

	*n = 0;
	while (*s) {
		long long v = strtoll(s, &end, 10);
		if (end == s || v <= 0 || *n == cap || (*end && *end != ','))
			return -1;
		ids[(*n)++] = v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -1;
}

static int findings_triage_cmd(struct cli *c, int argc, char **argv)
{
	static int64_t ids[FINDING_TRIAGE_BULK_MAX];
	struct triage_args a = {0};
	struct finding_triage_req q = {.ids = ids, .now = time_now()};
	char actor[200];
	const char *user = getenv("USER");
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, triage_opts, &a, argc, argv, &first)))
		return rc;
	if (a.until && time_parse(a.until, &q.until))
		return cli_usage_error(c,
				       "期限 (--until) の日付 '%s' が不正です (2027-03-31 または "
				       "2027-03-31T00:00:00Z) / bad --until '%s' (2027-03-31 or "
				       "2027-03-31T00:00:00Z)",
				       a.until, a.until);
	q.state = a.state;
	q.assignee = a.assignee;
	q.comment = a.comment;
	if (first >= argc || first + 1 < argc ||
	    parse_ids(argv[first], ids, FINDING_TRIAGE_BULK_MAX, &q.n))
		return cli_usage_error(c,
				       "指摘番号を指定してください (12 または 12,13,20、最大 %d "
				       "件) / name finding IDs: 12 or 12,13,20 (at most %d)",
				       FINDING_TRIAGE_BULK_MAX, FINDING_TRIAGE_BULK_MAX);
	snprintf(actor, sizeof(actor), "cli:%s", user && user[0] ? user : "unknown");
	q.actor = actor;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = finding_triage(s, &q, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("指摘 %zu 件を更新しました / %zu finding(s) updated\n", q.n, q.n);
	return 0;
}

const struct cli_verb cmd_findings_verbs[] = {
    {"list", findings_list, "list findings / 指摘の一覧", list_opts, ""},
    {"show", findings_show, "one finding with reasons and history / 指摘の詳細", cli_json_opts,
     "ID"},
    {"update", findings_update, "re-evaluate from the store / 再評価", update_opts, "ORG"},
    {"triage", findings_triage_cmd, "triage: state, assignee, comment / 判定・担当・コメント",
     triage_opts, "ID[,ID...]"},
    {0},
};

int cmd_findings(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("findings"), cmd_findings_verbs,
				  ARRAY_SIZE(cmd_findings_verbs) - 1, argc, argv);
}
