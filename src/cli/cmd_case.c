/* cmd_case.c - `mamori case open|list|show|update`: 駆けつけ支援 (rush support) and 相談窓口
 * (consultation) cases with states, assignee, SLA timers, messages and internal notes. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "incident/incident.h"

const char cmd_case_usage[] =
    "States 受付 (received) → 対応中 (in_progress) → 回答済 (answered) → 完了 (closed).\n"
    "SLA (first response, resolution) per kind from data/case_sla.yaml ($MAMORI_CASE_SLA).\n"
    "--message is shared with the operator; --note is internal (analysts only).\n"
    "駆けつけ支援・相談窓口の案件管理。\n";

static int ctx(struct cli *cl, struct inc_ctx *c, char *actor, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	cli_actor(actor, cap);
	c->actor = actor;
	c->now = time_now();
	return 0;
}

struct case_args {
	const char *kind, *title, *message, *org, *state, *assignee, *note, *link;
};
#define A struct case_args
static const struct cli_opt open_opts[] = {
    OPT_STRING("kind", A, kind, "rush|consult", "駆けつけ支援 or 相談窓口 (required)"),
    OPT_STRING("title", A, title, "T", "one line (required) / 件名"),
    OPT_STRING("message", A, message, "M", "first message, shared / 最初のメッセージ"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt list_opts[] = {
    OPT_STRING("org", A, org, "ORG", "one operator / 事業者"),
    OPT_STRING("state", A, state, "S", "received|in_progress|answered|closed"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt update_opts[] = {
    OPT_STRING("state", A, state, "S", "received|in_progress|answered|closed"),
    OPT_STRING("assignee", A, assignee, "NAME", "担当者"),
    OPT_STRING("message", A, message, "M", "shared with the operator / 共有メッセージ"),
    OPT_STRING("note", A, note, "N", "internal, analysts only / 内部メモ"),
    OPT_STRING("link", A, link, "KIND:REF",
	       "incident:ID|finding:ID|sns_alert:ID|indicator:VALUE / 関連付け"),
    OPT_END(),
};
#undef A

/* Options into a (zeroed); the operands in op[0..n). */
static int parse(struct cli *cl, const struct cli_opt *opts, struct case_args *a, int argc,
		 char **argv, char ***op, int *n)
{
	int first, rc;

	memset(a, 0, sizeof(*a));
	if ((rc = cli_parse_options(cl, opts, a, argc, argv, &first)))
		return rc;
	*op = argv + first;
	*n = argc - first;
	return 0;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int case_open_cmd(struct cli *cl, int argc, char **argv)
{
	struct case_open o = {0};
	struct case_args a;
	struct inc_ctx c;
	char actor[64];
	struct merr e;
	char **op;
	int64_t id;
	int n, rc;

	if ((rc = parse(cl, open_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n != 1 || !a.kind || !a.title)
		return cli_usage_error(cl, "expected ORG --kind K --title T / 事業者、--kind と "
					   "--title が必要です");
	o.org = op[0];
	o.kind = a.kind;
	o.title = a.title;
	o.message = a.message;
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
	const char *org, *state;
	struct case_args a;
	struct inc_ctx c;
	char actor[64];
	struct merr e;
	cJSON *arr, *it;
	char **op;
	int n, rc;

	if ((rc = parse(cl, list_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n)
		return cli_usage_error(cl, "unexpected argument '%s' / 余分な引数です", op[0]);
	org = a.org;
	state = a.state;
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
	struct case_args a;
	char **op;
	int64_t id;
	int n, rc;

	if ((rc = parse(cl, cli_json_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n != 1 || cli_parse_id(op[0], &id))
		return cli_usage_error(cl, "expected a case ID / 案件番号が必要です");
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
	struct case_update u = {0};
	char link_kind[32] = "", actor[64];
	struct case_args a;
	struct inc_ctx c;
	struct merr e;
	char **op;
	int64_t id;
	int n, rc;

	if ((rc = parse(cl, update_opts, &a, argc, argv, &op, &n)))
		return rc;
	if (n != 1 || cli_parse_id(op[0], &id))
		return cli_usage_error(cl, "expected a case ID / 案件番号が必要です");
	u.state = a.state;
	u.assignee = a.assignee;
	u.message = a.message;
	u.note = a.note;
	if (a.link) {
		const char *colon = strchr(a.link, ':');
		if (!colon || (size_t)(colon - a.link) >= sizeof(link_kind) || !colon[1])
			return cli_usage_error(cl, "--link KIND:REF / 種類:参照 の形で");
		memcpy(link_kind, a.link, (size_t)(colon - a.link));
		link_kind[colon - a.link] = '\0';
		u.link_kind = link_kind;
		u.link_ref = colon + 1;
	}
	if (!u.state && !u.assignee && !u.message && !u.note && !u.link_kind)
		return cli_usage_error(cl, "nothing to update / 更新する内容がありません");
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

const struct cli_verb cmd_case_verbs[] = {
    {"open", case_open_cmd, "open a rush-support or consultation case / 受付", open_opts, "ORG"},
    {"list", case_list_cmd, "list cases / 一覧", list_opts, NULL},
    {"show", case_show_cmd, "one case with its timeline / 詳細", cli_json_opts, "ID"},
    {"update", case_update_cmd, "state, assignee, message, note, link / 更新", update_opts, "ID"},
    {0},
};

int cmd_case(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("case"), cmd_case_verbs,
				  ARRAY_SIZE(cmd_case_verbs) - 1, argc, argv);
}
