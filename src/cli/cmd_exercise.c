/* cmd_exercise.c - `mamori exercise ...`: the scenario library, validation, drafting from an
 * operator's real exposure, runs (start, status, tick), participants' actions (respond,
 * decide, file, assess), facilitator controls (pause, resume, skip, inject-now, note) and the
 * after-action report. The clock follows MAMORI_NOW. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "exercise/exercise.h"
#include "incident/incident.h"
#include "report/report.h"

const char cmd_exercise_usage[] =
    "SCENARIO: an id of the shipped library (data/exercises, $MAMORI_EXERCISES) or a file.\n"
    "--speed N: N scenario seconds per real second (1..3600). Every command that reads or\n"
    "acts on a run first delivers the injects due (mail queued through `mamori alert run`,\n"
    "【訓練】 in every subject and body; kept out of the live alert list, digests and counts).\n"
    "Participants are named operator users (--users NAME[:ROLE],... at start, or invite);\n"
    "their org joins the run. A participant acts with --user NAME (its org and role), an org\n"
    "with --org ORG. Attachments named by the scenario are read at start from\n"
    "<scenario folder>/attachments/<id>/<name> (max 2 MiB; .txt .log .csv .json .pdf .png\n"
    ".jpg) and kept in the store; `attach` replaces one. Roles: operator_csirt executive\n"
    "ministry_analyst sector_bureau isac vendor_soc. Actions: file_initial file_followup\n"
    "assess_severity isolate block_traffic patch notify_ministry share_iocs escalate_exec\n"
    "public_statement decide message. Exercise incidents never appear in real lists or\n"
    "statistics.\n"
    "机上演習（シナリオ、実施、参加者、採点、事後報告書）。参加者は事業者ユーザーです。\n";

static char actor_buf[128];

static int ctx(struct cli *cl, struct ex_ctx *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	cli_actor(actor_buf, sizeof(actor_buf));
	c->actor = actor_buf;
	c->now = time_now();
	return 0;
}

static const struct cli_opt no_opts[] = {OPT_END()};

/* RUN as the first operand */
static int run_operand(struct cli *cl, int argc, char **argv, int first, int want, const char *what,
		       int64_t *run)
{
	if (argc - first != want || cli_parse_id(argv[first], run))
		return cli_usage_error(cl, "expected %s / %s を指定してください", what, what);
	return 0;
}

static int ex_scenarios_cmd(struct cli *cl, int argc, char **argv)
{
	cJSON *arr, *it;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(cl, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(cl, "expected no operand / 引数は不要です");
	merr_init(&e);
	if ((rc = ex_scenarios_list(ex_dir_default(), &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *src;
		printf("%-32s %3d injects  %s\n", cJSON_GetObjectItem(it, "id")->valuestring,
		       cJSON_GetObjectItem(it, "injects")->valueint,
		       cJSON_GetObjectItem(it, "title")->valuestring);
		cJSON_ArrayForEach(src, cJSON_GetObjectItem(it, "sources"))
		    printf("    source: %s\n", src->valuestring);
	}
	cJSON_Delete(arr);
	return 0;
}

static int ex_validate_cmd(struct cli *cl, int argc, char **argv)
{
	struct ex_scenario sc;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(cl, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (argc - first != 1)
		return cli_usage_error(cl, "expected FILE / ファイルを指定してください");
	merr_init(&e);
	rc = ex_scenario_load(argv[first], &sc, &e);
	if (rc == M_ETOOBIG && !e.file[0])
		merr_set_file(&e, argv[first]);
	if (!rc && !cl->quiet)
		printf("%s: OK — %s (%zu injects, %zu roles)\n", argv[first], sc.id, sc.n_injects,
		       sc.n_roles);
	ex_scenario_free(&sc);
	return rc ? cli_fail(cl, rc, &e) : 0;
}

struct out_args {
	const char *out;
};
static const struct cli_opt draft_opts[] = {
    OPT_STRING("out", struct out_args, out, "FILE", "where to write the draft / 書き出し先"),
    OPT_END(),
};
static const struct cli_opt report_opts[] = {
    OPT_STRING("out", struct out_args, out, "DIR", "folder for the HTML and PDF / 出力先"),
    OPT_END(),
};

static int ex_draft_cmd(struct cli *cl, int argc, char **argv)
{
	struct out_args a = {0};
	struct ex_ctx c;
	struct merr e;
	char *yaml = NULL;
	FILE *f;
	int first, rc;

	if ((rc = cli_parse_options(cl, draft_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 1 || !a.out)
		return cli_usage_error(cl,
				       "expected ORG --out FILE / ORG と --out を指定してください");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_draft(c.s, argv[first], c.now, &yaml, &e)))
		return cli_fail(cl, rc, &e);
	if (!(f = fopen(a.out, "w")) || fputs(yaml, f) < 0 || fclose(f)) {
		m_free(yaml);
		return cli_usage_error(cl, "cannot write %s / 書き込めません", a.out);
	}
	m_free(yaml);
	if (!cl->quiet)
		printf("%s を書き出しました（編集して validate してください）/ draft written\n",
		       a.out);
	return 0;
}

/* "a,b,c" into v (the string is cut in place) */
static size_t split(char *s, const char **v, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = s ? strtok_r(s, ",", &save) : NULL; t && n < max;
	     t = strtok_r(NULL, ",", &save))
		v[n++] = t;
	return n;
}

struct start_args {
	const char *orgs, *users;
	int speed;
};
static const struct cli_opt start_opts[] = {
    OPT_STRING("orgs", struct start_args, orgs, "ORG,...", "orgs taking part / 参加組織"),
    OPT_STRING("users", struct start_args, users, "NAME[:ROLE],...",
	       "named participants (operator users) / 参加者"),
    OPT_INT("speed", struct start_args, speed, 1, 3600, "N",
	    "scenario seconds per real second / 速度（倍）"),
    OPT_JSON(),
    OPT_END(),
};

static int ex_start_cmd(struct cli *cl, int argc, char **argv)
{
	struct start_args a = {.speed = 1};
	char path[4096];
	const char *orgs[64], *users[64];
	size_t n, nu;
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, start_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 1 || (!a.orgs && !a.users))
		return cli_usage_error(cl, "expected SCENARIO --orgs ORG,... or --users NAME,... / "
					   "シナリオと参加組織または参加者を指定してください");
	n = split((char *)a.orgs, orgs, ARRAY_SIZE(orgs));
	nu = split((char *)a.users, users, ARRAY_SIZE(users));
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_scenario_path(ex_dir_default(), argv[first], path, sizeof(path), &e)) ||
	    (rc = ex_start_with(&c, path, orgs, n, users, nu, a.speed, &run, &e)) ||
	    (rc = ex_tick(&c, run, NULL, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "run", (double)run);
		return cli_print_json(o);
	}
	if (!cl->quiet)
		printf("演習 #%lld を開始しました / exercise run %lld started\n", (long long)run,
		       (long long)run);
	return 0;
}

struct list_args {
	const char *org, *user;
};
static const struct cli_opt list_opts[] = {
    OPT_STRING("org", struct list_args, org, "ORG", "only runs this org takes part in / 組織"),
    OPT_STRING("user", struct list_args, user, "NAME",
	       "only runs this user is invited to / 参加者"),
    OPT_JSON(),
    OPT_END(),
};

static int ex_list_cmd(struct cli *cl, int argc, char **argv)
{
	struct list_args a = {0};
	cJSON *arr, *it;
	struct ex_ctx c;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(cl, list_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(cl, "expected no operand / 引数は不要です");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = a.user ? ex_runs_of_user(c.s, a.user, &arr, &e) : ex_runs(c.s, a.org, &arr, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(arr);
	cJSON_ArrayForEach(it, arr)
	    printf("#%-5d %-9s %s\n", cJSON_GetObjectItem(it, "run")->valueint,
		   cJSON_GetObjectItem(it, "state")->valuestring,
		   cJSON_GetObjectItem(it, "title")->valuestring);
	cJSON_Delete(arr);
	return 0;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int ex_status_cmd(struct cli *cl, int argc, char **argv)
{
	struct ex_ctx c;
	struct merr e;
	cJSON *o, *it, *score;
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, cli_json_opts, NULL, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 1, "RUN", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) || (rc = ex_status(&c, run, &o, &e)))
		return cli_fail(cl, rc, &e);
	if (cl->json)
		return cli_print_json(o);
	printf("演習 #%lld %s [%s] T+%02d:%02d (x%d)\n", (long long)run, js(o, "title"),
	       js(o, "state"), cJSON_GetObjectItem(o, "clock_s")->valueint / 60,
	       cJSON_GetObjectItem(o, "clock_s")->valueint % 60,
	       cJSON_GetObjectItem(o, "speed")->valueint);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "participants"))
	    printf("  参加者 %-16s %-24s %-16s %-16s %d点\n", js(it, "user"), js(it, "display"),
		   js(it, "org"), js(it, "role"), cJSON_GetObjectItem(it, "score")->valueint);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "injects"))
	    printf("  %-10s T+%02d:%02d %-8s %-16s %s\n", js(it, "id"),
		   cJSON_GetObjectItem(it, "at_s")->valueint / 60,
		   cJSON_GetObjectItem(it, "at_s")->valueint % 60, js(it, "channel"), js(it, "to"),
		   js(it, "state"));
	score = cJSON_GetObjectItem(o, "score");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items"))
	    printf("  [%-8s] %-12s %-16s %-16s %d/%d %s\n", js(it, "result"), js(it, "id"),
		   js(it, "who"), js(it, "action"), cJSON_GetObjectItem(it, "score")->valueint,
		   cJSON_GetObjectItem(it, "points")->valueint, js(it, "by"));
	printf("得点 / score: %d / %d (%d%%)\n", cJSON_GetObjectItem(score, "total")->valueint,
	       cJSON_GetObjectItem(score, "possible")->valueint,
	       cJSON_GetObjectItem(score, "percent")->valueint);
	cJSON_Delete(o);
	return 0;
}

static int ex_tick_cmd(struct cli *cl, int argc, char **argv)
{
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	long n;
	int first, rc;

	if ((rc = cli_parse_options(cl, no_opts, NULL, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 1, "RUN", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, &n, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%ld 件のインジェクトを配信しました / %ld injects delivered\n", n, n);
	return 0;
}

struct act_args {
	const char *org, *user, *role, *kind, *inject, *text;
	int continuity, safety, trust;
};

#define ACT_WHO                                                                          \
	OPT_STRING("org", struct act_args, org, "ORG", "the org acting / 対応する組織"), \
	    OPT_STRING("user", struct act_args, user, "NAME",                            \
		       "the participant acting (its org and role) / 対応する参加者"),    \
	    OPT_STRING("role", struct act_args, role, "ROLE", "the scenario role / 役割")

static const struct cli_opt respond_opts[] = {
    ACT_WHO,
    OPT_STRING("action", struct act_args, kind, "KIND", "what was done / 対応の種類"),
    OPT_STRING("inject", struct act_args, inject, "ID", "the inject answered / インジェクト"),
    OPT_STRING("text", struct act_args, text, "T", "what was said or done / 内容"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt decide_opts[] = {
    ACT_WHO,
    OPT_STRING("text", struct act_args, text, "T", "why / 理由"),
    OPT_END(),
};
static const struct cli_opt file_opts[] = {
    ACT_WHO,
    OPT_STRING("inject", struct act_args, inject, "ID", "the inject answered / インジェクト"),
    OPT_JSON(),
    OPT_END(),
};
static const struct cli_opt assess_opts[] = {
    ACT_WHO,
    OPT_STRING("inject", struct act_args, inject, "ID", "the inject answered / インジェクト"),
    OPT_INT("continuity", struct act_args, continuity, 0, 4, "N", "継続性 level / 継続性"),
    OPT_INT("safety", struct act_args, safety, 0, 4, "N", "安全性 level / 安全性"),
    OPT_INT("trust", struct act_args, trust, 0, 4, "N", "信頼性 level / 信頼性"),
    OPT_END(),
};

static int act_parse(struct cli *cl, const struct cli_opt *opts, int argc, char **argv,
		     struct act_args *a, int *first)
{
	int rc;
	memset(a, 0, sizeof(*a));
	a->continuity = a->safety = a->trust = -1;
	if ((rc = cli_parse_options(cl, opts, a, argc, argv, first)))
		return rc;
	if (!a->org && !a->user)
		return cli_usage_error(cl,
				       "--org or --user is required / --org か --user を指定して"
				       "ください");
	return 0;
}

static int act_run(struct cli *cl, int64_t run, struct ex_action *a, const char *done)
{
	struct ex_ctx c;
	struct merr e;
	int rc;

	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) || (rc = ex_act(&c, run, a, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%s\n", done);
	return 0;
}

static int ex_respond_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_args o;
	struct ex_action a = {0};
	int64_t run;
	int first, rc;

	if ((rc = act_parse(cl, respond_opts, argc, argv, &o, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 1, "RUN", &run)))
		return rc;
	if ((!o.role && !o.user) || !o.kind)
		return cli_usage_error(cl, "expected RUN --org ORG --role ROLE --action KIND / "
					   "役割と対応を指定してください");
	a.org = o.org;
	a.user = o.user;
	a.role = o.role;
	a.kind = o.kind;
	a.inject = o.inject;
	a.text = o.text;
	return act_run(cl, run, &a, "記録しました / recorded");
}

static int ex_decide_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_args o;
	struct ex_action a = {0};
	int64_t run;
	int first, rc;

	if ((rc = act_parse(cl, decide_opts, argc, argv, &o, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 3, "RUN INJECT OPTION", &run)))
		return rc;
	if (!o.role && !o.user)
		return cli_usage_error(cl, "--role is required / 役割を指定してください");
	a.org = o.org;
	a.user = o.user;
	a.role = o.role;
	a.kind = "decide";
	a.inject = argv[first + 1];
	a.option = argv[first + 2];
	a.text = o.text;
	return act_run(cl, run, &a, "決定を記録しました / decision recorded");
}

static int ex_file_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_args o;
	struct inc_report r;
	struct ex_ctx c;
	struct merr e;
	struct buf b;
	int64_t run, id;
	int first, rc;

	if ((rc = act_parse(cl, file_opts, argc, argv, &o, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 2, "RUN FILE", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	buf_init(&b, INC_REPORT_MAX + 1);
	if ((rc = buf_read_file(&b, argv[first + 1], &e)) ||
	    (rc = inc_report_parse(buf_str(&b), b.len, argv[first + 1], &r, &e))) {
		buf_release(&b);
		return cli_fail(cl, rc, &e);
	}
	buf_release(&b);
	if (!(rc = ex_tick(&c, run, NULL, &e)))
		rc = ex_file_as(&c, run, o.user, o.org, o.role, o.inject, &r, &id, &e);
	inc_report_free(&r);
	if (rc)
		return cli_fail(cl, rc, &e);
	if (cl->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "incident", (double)id);
		return cli_print_json(j);
	}
	if (!cl->quiet)
		printf("【訓練】演習インシデント #%lld を受け付けました / exercise incident %lld "
		       "filed\n",
		       (long long)id, (long long)id);
	return 0;
}

static int ex_assess_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_args o;
	struct inc_assessment as = {0};
	struct ex_ctx c;
	struct merr e;
	int64_t run, inc;
	int first, rc, level;

	if ((rc = act_parse(cl, assess_opts, argc, argv, &o, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 2, "RUN INCIDENT", &run)))
		return rc;
	if (cli_parse_id(argv[first + 1], &inc) || o.continuity < 0 || o.safety < 0 || o.trust < 0)
		return cli_usage_error(
		    cl, "expected RUN INCIDENT --continuity N --safety N --trust N / "
			"インシデント番号と 3 軸のレベルを指定してください");
	as.continuity = o.continuity;
	as.safety = o.safety;
	as.trust = o.trust;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) ||
	    (rc = ex_assess_as(&c, run, o.user, o.org, o.role, o.inject, inc, &as, &level, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("【訓練】深刻度 %s を記録しました / level %d recorded\n",
		       inc_level_name(level), level);
	return 0;
}

static int control(struct cli *cl, int argc, char **argv, const char *verb, int want)
{
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, no_opts, NULL, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, want + 1, want ? "RUN ARG" : "RUN", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) ||
	    (rc = ex_control(&c, run, verb, want ? argv[first + 1] : NULL, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%s: OK\n", verb);
	return 0;
}

static int ex_pause_cmd(struct cli *cl, int argc, char **argv)
{
	return control(cl, argc, argv, "pause", 0);
}
static int ex_resume_cmd(struct cli *cl, int argc, char **argv)
{
	return control(cl, argc, argv, "resume", 0);
}
static int ex_skip_cmd(struct cli *cl, int argc, char **argv)
{
	return control(cl, argc, argv, "skip", 1);
}
static int ex_inject_now_cmd(struct cli *cl, int argc, char **argv)
{
	return control(cl, argc, argv, "inject-now", 1);
}
static int ex_note_cmd(struct cli *cl, int argc, char **argv)
{
	return control(cl, argc, argv, "note", 1);
}

static int ex_report_cmd(struct cli *cl, int argc, char **argv)
{
	struct out_args a = {0};
	struct report_opts o = {.lang = REPORT_JA};
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, report_opts, &a, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 1, "RUN", &run)))
		return rc;
	if (!a.out)
		return cli_usage_error(cl, "expected RUN --out DIR / --out を指定してください");
	o.out_dir = a.out;
	if (mkdir(o.out_dir, 0755) && errno != EEXIST)
		return cli_usage_error(cl, "cannot create %s / 作成できません", o.out_dir);
	if ((rc = ctx(cl, &c)))
		return rc;
	o.now = c.now;
	merr_init(&e);
	if (!(rc = ex_tick(&c, run, NULL, &e)))
		rc = report_exercise(c.s, run, &o, &e);
	report_cleanup();
	if (rc)
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%s/exercise-%lld.html, .pdf を書き出しました / written\n", o.out_dir,
		       (long long)run);
	return 0;
}

struct invite_args {
	const char *role;
};
static const struct cli_opt invite_opts[] = {
    OPT_STRING("role", struct invite_args, role, "ROLE",
	       "the scenario role the user plays (default any) / 役割"),
    OPT_END(),
};

static int ex_invite_cmd(struct cli *cl, int argc, char **argv)
{
	struct invite_args a = {0};
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, invite_opts, &a, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 2, "RUN USER", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) ||
	    (rc = ex_invite(&c, run, argv[first + 1], a.role, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%s を演習 #%lld の参加者にしました / invited\n", argv[first + 1],
		       (long long)run);
	return 0;
}

static int ex_attach_cmd(struct cli *cl, int argc, char **argv)
{
	struct ex_ctx c;
	struct merr e;
	struct buf b;
	char sha[65];
	int64_t run;
	int first, rc;

	if ((rc = cli_parse_options(cl, cli_json_opts, NULL, argc, argv, &first)) ||
	    (rc = run_operand(cl, argc, argv, first, 3, "RUN INJECT FILE", &run)))
		return rc;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	buf_init(&b, EX_ATTACH_MAX + 1);
	rc = buf_read_file(&b, argv[first + 2], &e);
	if (rc == M_ETOOBIG || (!rc && b.len > EX_ATTACH_MAX)) {
		merr_init(&e);
		rc = merr_at(&e, M_ETOOBIG, argv[first + 2], -1, -1, "file",
			     "over the limit of %d bytes / 添付ファイルが上限を超えています",
			     EX_ATTACH_MAX);
	}
	if (!rc)
		rc = ex_attach_set(&c, run, argv[first + 1], b.len ? buf_str(&b) : "", b.len, sha,
				   &e);
	if (rc) {
		buf_release(&b);
		return cli_fail(cl, rc, &e);
	}
	if (cl->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "size", (double)b.len);
		cJSON_AddStringToObject(j, "sha256", sha);
		buf_release(&b);
		return cli_print_json(j);
	}
	if (!cl->quiet)
		printf("添付を登録しました / attachment stored: %zu bytes, sha256 %s\n", b.len,
		       sha);
	buf_release(&b);
	return 0;
}

const struct cli_verb cmd_exercise_verbs[] = {
    {"scenarios", ex_scenarios_cmd, "the scenario library / シナリオ一覧", cli_json_opts, ""},
    {"validate", ex_validate_cmd, "check a scenario file / シナリオの検証", no_opts, "FILE"},
    {"draft", ex_draft_cmd, "draft a scenario from an org's exposure / シナリオ案の作成",
     draft_opts, "ORG"},
    {"start", ex_start_cmd, "start a run / 演習の開始", start_opts, "SCENARIO"},
    {"list", ex_list_cmd, "runs / 演習一覧", list_opts, ""},
    {"status", ex_status_cmd, "a run: injects, actions, score / 状況と採点", cli_json_opts, "RUN"},
    {"tick", ex_tick_cmd, "deliver the injects due / 配信", no_opts, "RUN"},
    {"invite", ex_invite_cmd, "add a named participant / 参加者の追加", invite_opts, "RUN USER"},
    {"respond", ex_respond_cmd, "a participant's action / 対応の記録", respond_opts, "RUN"},
    {"decide", ex_decide_cmd, "a participant's decision / 意思決定", decide_opts,
     "RUN INJECT OPTION"},
    {"file", ex_file_cmd, "file an exercise incident report / 演習インシデント報告", file_opts,
     "RUN FILE"},
    {"assess", ex_assess_cmd, "assess an exercise incident / 深刻度評価", assess_opts,
     "RUN INCIDENT"},
    {"pause", ex_pause_cmd, "facilitator: pause / 一時停止", no_opts, "RUN"},
    {"resume", ex_resume_cmd, "facilitator: resume / 再開", no_opts, "RUN"},
    {"skip", ex_skip_cmd, "facilitator: skip an inject / スキップ", no_opts, "RUN INJECT"},
    {"inject-now", ex_inject_now_cmd, "facilitator: deliver an inject now / 即時配信", no_opts,
     "RUN INJECT"},
    {"note", ex_note_cmd, "facilitator: a note / メモ", no_opts, "RUN TEXT"},
    {"attach", ex_attach_cmd, "store an inject's attachment / 添付の登録", cli_json_opts,
     "RUN INJECT FILE"},
    {"report", ex_report_cmd, "after-action report HTML + PDF / 事後報告書", report_opts, "RUN"},
    {0},
};

int cmd_exercise(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("exercise"), cmd_exercise_verbs,
				  ARRAY_SIZE(cmd_exercise_verbs) - 1, argc, argv);
}
