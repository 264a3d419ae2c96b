/* cmd_findings.c - `mamori findings`: list and show findings with urgency and deadlines,
 * and `findings update` to re-evaluate an organisation's findings from the store. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "inventory/inventory.h"
#include "findings/findings.h"

const char cmd_findings_usage[] =
    "usage: mamori findings list [--org ORG] [--kev] [--open] [--kind KIND] [--json]\n"
    "       mamori findings show ID [--json]\n"
    "       mamori findings update ORG|--all [--json]\n"
    "\n"
    "Findings: vulnerabilities of identified services and declared products (with KEV, EPSS,\n"
    "CVSS, the SSVC decision and the BOD 26-04 deadline), risky exposed services, TLS and\n"
    "e-mail hygiene. Each is open, fixed (not seen by a later complete run) or reopened.\n"
    "脆弱性・危険なサービス・TLS/メール設定の指摘を一覧・表示・再評価します。\n"
    "\n"
    "  --kind K   vulnerability, declared, risky_service, tls, email\n"
    "  --kev      KEV findings only          --open   open findings only\n"
    "  update     re-evaluates from services, declared products and e-mail hygiene\n"
    "             and the rescan schedule (what `asm run` does in its findings and\n"
    "             schedule steps)\n";

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
	printf("%6lld %-5s %-8s %-7s %-26s %-10s %s%s\n", (long long)r->id, r->state, r->severity,
	       r->urgency ? r->urgency : "-", r->asset, dl, r->title,
	       r->needs_confirmation ? " [要確認]" : "");
	return 0;
}

static int findings_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"org", required_argument, NULL, 'o'}, {"kev", no_argument, NULL, 'k'},
	    {"open", no_argument, NULL, 'p'},	   {"kind", required_argument, NULL, 'K'},
	    {"json", no_argument, NULL, 'j'},	   {0}};
	struct finding_filter f = {0};
	struct store *s;
	struct merr e;
	cJSON *arr = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': f.org = optarg; break;
		case 'k': f.kev_only = true; break;
		case 'p': f.open_only = true; break;
		case 'K': f.kind = optarg; break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if (c->json)
		arr = cJSON_CreateArray();
	else
		printf("%6s %-5s %-8s %-7s %-26s %-10s %s\n", "ID", "STATE", "SEVERITY", "URGENCY",
		       "ASSET", "DEADLINE", "TITLE 件名");
	rc = finding_list(s, &f, print_row, arr, &e);
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
		return cli_usage_error(c, "name a finding ID");
	id = strtoll(argv[optind], &end, 10);
	if (*end || id <= 0)
		return cli_usage_error(c, "bad finding ID '%s'", argv[optind]);
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
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'}, {0}};
	struct upd u = {c, NULL, NULL, 0, {0}};
	bool all = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': all = true; break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (all == (optind < argc))
		return cli_usage_error(c, "name one organisation or --all");
	if (!(u.s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&u.e);
	if (c->json)
		u.arr = cJSON_CreateArray();
	rc = all ? each_org(u.s, update_org, &u, &u.e) : update_org(&u, argv[optind]);
	if (rc) {
		cJSON_Delete(u.arr);
		return cli_fail(c, rc, &u.e);
	}
	return u.arr ? cli_print_json(u.arr) : 0;
}

int cmd_findings(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"list", findings_list, "list findings / 指摘の一覧"},
	    {"show", findings_show, "one finding with reasons and history / 指摘の詳細"},
	    {"update", findings_update, "re-evaluate from the store / 再評価"},
	};
	return cli_dispatch_verbs(c, cli_find("findings"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
