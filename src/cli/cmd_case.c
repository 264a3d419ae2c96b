/* cmd_case.c - `mamori case open|list|show|update`: 駆けつけ支援 (rush support) and 相談窓口
 * (consultation) cases with states, assignee, SLA timers, messages and internal notes. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "incident/incident.h"

const char cmd_case_usage[] =
    "usage: mamori case open ORG --kind rush|consult --title T [--message M] [--json]\n"
    "       mamori case list [--org ORG] [--state S] [--json]\n"
    "       mamori case show ID [--json]\n"
    "       mamori case update ID [--state received|in_progress|answered|closed]\n"
    "                 [--assignee NAME] [--message M] [--note N]\n"
    "                 [--link incident:ID|finding:ID|sns_alert:ID|indicator:VALUE]\n"
    "\n"
    "States 受付 (received) → 対応中 (in_progress) → 回答済 (answered) → 完了 (closed).\n"
    "SLA (first response, resolution) per kind from data/case_sla.yaml ($MAMORI_CASE_SLA).\n"
    "--message is shared with the operator; --note is internal (analysts only).\n"
    "駆けつけ支援・相談窓口の案件管理。\n";

static void actor_of(char *out, size_t cap)
{
	const char *u = getenv("MAMORI_ACTOR");
	if (u && *u)
		snprintf(out, cap, "%s", u);
	else
		snprintf(out, cap, "cli:%u", (unsigned)getuid());
}

static int ctx(struct cli *cl, struct inc_ctx *c, char *actor, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	actor_of(actor, cap);
	c->actor = actor;
	c->now = time_now();
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

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int case_open_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
					     {"title", required_argument, NULL, 't'},
					     {"message", required_argument, NULL, 'm'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct case_open o = {0};
	struct inc_ctx c;
	char actor[64];
	struct merr e;
	int64_t id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': o.kind = optarg; break;
		case 't': o.title = optarg; break;
		case 'm': o.message = optarg; break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || !o.kind || !o.title)
		return cli_usage_error(cl, "expected ORG --kind K --title T");
	o.org = argv[optind];
	if ((rc = ctx(cl, &c, actor, sizeof(actor))))
		return rc;
	merr_init(&e);
	if ((rc = case_open(&c, &o, &id, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)id);
		return cli_print_json(j);
	}
	if (!cl->quiet)
		printf("案件 #%lld を受け付けました / case %lld opened\n", (long long)id,
		       (long long)id);
	return 0;
}

static int case_list_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
					     {"state", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	const char *org = NULL, *state = NULL;
	struct inc_ctx c;
	char actor[64];
	struct merr e;
	cJSON *arr, *it;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': org = optarg; break;
		case 's': state = optarg; break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if ((rc = ctx(cl, &c, actor, sizeof(actor))))
		return rc;
	merr_init(&e);
	if ((rc = case_list(&c, &(struct case_filter){org, state, 0, 200}, &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	printf("%-6s %-16s %-14s %-12s %-10s %s\n", "ID", "ORG", "KIND", "STATE", "SLA", "TITLE");
	cJSON_ArrayForEach(it, arr)
	{
		cJSON *sla = cJSON_GetObjectItem(it, "sla");
		printf("%-6d %-16s %-14s %-12s %-10s %s\n",
		       (int)cJSON_GetObjectItem(it, "id")->valuedouble, js(it, "org"),
		       js(it, "kind_ja"), js(it, "state_ja"), js(sla, "first_response"),
		       js(it, "title"));
	}
	cJSON_Delete(arr);
	return 0;
}

static int case_show_cmd(struct cli *cl, int argc, char **argv)
{
	struct inc_ctx c;
	char actor[64];
	struct merr e;
	cJSON *o, *it;
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
		return cli_usage_error(cl, "expected a case ID");
	if ((rc = ctx(cl, &c, actor, sizeof(actor))))
		return rc;
	merr_init(&e);
	if ((rc = case_show(&c, id, NULL, true, &o, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(o);
	printf("案件 #%lld %s (%s) %s\n状態 / state: %s  担当 / assignee: %s\n", (long long)id,
	       js(o, "kind_ja"), js(o, "org"), js(o, "title"), js(o, "state_ja"),
	       js(o, "assignee"));
	printf("SLA 初回応答 / first response: %s (期限 %s)  解決 / resolution: %s (期限 %s)\n",
	       js(cJSON_GetObjectItem(o, "sla"), "first_response"),
	       js(cJSON_GetObjectItem(o, "sla"), "first_response_due"),
	       js(cJSON_GetObjectItem(o, "sla"), "resolution"),
	       js(cJSON_GetObjectItem(o, "sla"), "resolution_due"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "timeline"))
	{
		char *d = cJSON_PrintUnformatted(cJSON_GetObjectItem(it, "detail"));
		printf("  %s %-8s %-8s %s %s\n", js(it, "at"), js(it, "visibility"), js(it, "kind"),
		       js(it, "actor"), d ? d : "");
		cJSON_free(d);
	}
	cJSON_Delete(o);
	return 0;
}

static int case_update_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},   {"assignee", required_argument, NULL, 'a'},
	    {"message", required_argument, NULL, 'm'}, {"note", required_argument, NULL, 'n'},
	    {"link", required_argument, NULL, 'l'},    {0}};
	struct case_update u = {0};
	char link_kind[32] = "", actor[64];
	struct inc_ctx c;
	struct merr e;
	int64_t id;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': u.state = optarg; break;
		case 'a': u.assignee = optarg; break;
		case 'm': u.message = optarg; break;
		case 'n': u.note = optarg; break;
		case 'l': {
			const char *colon = strchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof(link_kind) || !colon[1])
				return cli_usage_error(cl, "--link KIND:REF");
			memcpy(link_kind, optarg, (size_t)(colon - optarg));
			link_kind[colon - optarg] = '\0';
			u.link_kind = link_kind;
			u.link_ref = colon + 1;
			break;
		}
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id))
		return cli_usage_error(cl, "expected a case ID");
	if (!u.state && !u.assignee && !u.message && !u.note && !u.link_kind)
		return cli_usage_error(cl, "nothing to update");
	if ((rc = ctx(cl, &c, actor, sizeof(actor))))
		return rc;
	merr_init(&e);
	if ((rc = case_update(&c, id, &u, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("案件 #%lld を更新しました / case %lld updated\n", (long long)id,
		       (long long)id);
	return 0;
}

int cmd_case(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"open", case_open_cmd, "open a rush-support or consultation case / 受付"},
	    {"list", case_list_cmd, "list cases / 一覧"},
	    {"show", case_show_cmd, "one case with its timeline / 詳細"},
	    {"update", case_update_cmd, "state, assignee, message, note, link / 更新"},
	};
	return cli_dispatch_verbs(c, cli_find("case"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
