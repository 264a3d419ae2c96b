/* cmd_exercise.c - `mamori exercise ...`: the scenario library, validation, drafting from an
 * operator's real exposure, runs (start, status, tick), participants' actions (respond,
 * decide, file, assess), facilitator controls (pause, resume, skip, inject-now, note) and the
 * after-action report. The clock follows MAMORI_NOW. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "exercise/exercise.h"
#include "incident/incident.h"
#include "report/report.h"

const char cmd_exercise_usage[] =
    "usage: mamori exercise scenarios [--json]\n"
    "       mamori exercise validate FILE\n"
    "       mamori exercise draft ORG --out FILE\n"
    "       mamori exercise start SCENARIO --orgs ORG,... [--speed N] [--json]\n"
    "       mamori exercise list [--org ORG] [--json]\n"
    "       mamori exercise status RUN [--json]\n"
    "       mamori exercise tick RUN\n"
    "       mamori exercise respond RUN --org ORG --role ROLE --action KIND [--inject ID]\n"
    "                 [--text T]\n"
    "       mamori exercise decide RUN INJECT OPTION --org ORG --role ROLE\n"
    "       mamori exercise file RUN FILE --org ORG [--role ROLE] [--inject ID]\n"
    "       mamori exercise assess RUN INCIDENT --org ORG --continuity N --safety N --trust N\n"
    "                 [--role ROLE] [--inject ID]\n"
    "       mamori exercise pause|resume RUN\n"
    "       mamori exercise skip|inject-now RUN INJECT\n"
    "       mamori exercise note RUN TEXT\n"
    "       mamori exercise report RUN --out DIR\n"
    "\n"
    "SCENARIO: an id of the shipped library (data/exercises, $MAMORI_EXERCISES) or a file.\n"
    "--speed N: N scenario seconds per real second (1..3600). Every command that reads or\n"
    "acts on a run first delivers the injects due (mail queued through `mamori alert run`,\n"
    "【訓練】 in every subject and body). Roles: operator_csirt executive ministry_analyst\n"
    "sector_bureau isac vendor_soc. Actions: file_initial file_followup assess_severity\n"
    "isolate block_traffic patch notify_ministry share_iocs escalate_exec public_statement\n"
    "decide message. Exercise incidents never appear in real lists or statistics.\n"
    "机上演習（シナリオ、実施、採点、事後報告書）。\n";

static void actor_of(char *out, size_t cap)
{
	const char *u = getenv("MAMORI_ACTOR");
	if (u && *u)
		snprintf(out, cap, "%s", u);
	else
		snprintf(out, cap, "cli:%u", (unsigned)getuid());
}

static char actor_buf[128];

static int ctx(struct cli *cl, struct ex_ctx *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->s = cli_store(cl)))
		return cli_exit_code(M_ESTORE);
	actor_of(actor_buf, sizeof(actor_buf));
	c->actor = actor_buf;
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

static int ex_scenarios_cmd(struct cli *cl, int argc, char **argv)
{
	cJSON *arr, *it;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(cl, argc, argv)))
		return rc;
	if (optind != argc)
		return cli_usage_error(cl, "expected no operand");
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
	int rc;

	if (argc != 2)
		return cli_usage_error(cl, "expected FILE");
	merr_init(&e);
	rc = ex_scenario_load(argv[1], &sc, &e);
	if (rc == M_ETOOBIG && !e.file[0])
		merr_set_file(&e, argv[1]);
	if (!rc && !cl->quiet)
		printf("%s: OK — %s (%zu injects, %zu roles)\n", argv[1], sc.id, sc.n_injects,
		       sc.n_roles);
	ex_scenario_free(&sc);
	return rc ? cli_fail(cl, rc, &e) : 0;
}

static int ex_draft_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {0}};
	const char *out = NULL;
	struct ex_ctx c;
	struct merr e;
	char *yaml = NULL;
	FILE *f;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'o')
			out = optarg;
		else
			return cli_usage_error(cl, "unknown option");
	}
	if (optind + 1 != argc || !out)
		return cli_usage_error(cl, "expected ORG --out FILE");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_draft(c.s, argv[optind], c.now, &yaml, &e)))
		return cli_fail(cl, rc, &e);
	if (!(f = fopen(out, "w")) || fputs(yaml, f) < 0 || fclose(f)) {
		m_free(yaml);
		return cli_usage_error(cl, "cannot write %s", out);
	}
	m_free(yaml);
	if (!cl->quiet)
		printf("%s を書き出しました（編集して validate してください）/ draft written\n",
		       out);
	return 0;
}

static int ex_start_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {{"orgs", required_argument, NULL, 'o'},
					     {"speed", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	char path[4096], *orgs_s = NULL, *save = NULL;
	const char *orgs[64];
	size_t n = 0;
	long speed = 1;
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (opt) {
		case 'o': orgs_s = optarg; break;
		case 's':
			speed = strtol(optarg, &end, 10);
			if (!*optarg || *end || speed < 1 || speed > 3600)
				return cli_usage_error(cl, "--speed 1..3600");
			break;
		case 'j': cl->json = true; break;
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (optind + 1 != argc || !orgs_s)
		return cli_usage_error(cl, "expected SCENARIO --orgs ORG,...");
	for (char *t = strtok_r(orgs_s, ",", &save); t && n < ARRAY_SIZE(orgs);
	     t = strtok_r(NULL, ",", &save))
		orgs[n++] = t;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_scenario_path(ex_dir_default(), argv[optind], path, sizeof(path), &e)) ||
	    (rc = ex_start(&c, path, orgs, n, (int)speed, &run, &e)) ||
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

static int ex_list_cmd(struct cli *cl, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"org", required_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'}, {0}};
	const char *org = NULL;
	cJSON *arr, *it;
	struct ex_ctx c;
	struct merr e;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'o')
			org = optarg;
		else if (opt == 'j')
			cl->json = true;
		else
			return cli_usage_error(cl, "unknown option");
	}
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_runs(c.s, org, &arr, &e)))
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
	int rc;

	if ((rc = cli_json_only(cl, argc, argv)))
		return rc;
	if (optind + 1 != argc || parse_id(argv[optind], &run))
		return cli_usage_error(cl, "expected RUN");
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
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "injects"))
	    printf("  %-10s T+%02d:%02d %-8s %-16s %s\n", js(it, "id"),
		   cJSON_GetObjectItem(it, "at_s")->valueint / 60,
		   cJSON_GetObjectItem(it, "at_s")->valueint % 60, js(it, "channel"), js(it, "to"),
		   js(it, "state"));
	score = cJSON_GetObjectItem(o, "score");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items"))
	    printf("  [%-8s] %-12s %-16s %-16s %d/%d\n", js(it, "result"), js(it, "id"),
		   js(it, "who"), js(it, "action"), cJSON_GetObjectItem(it, "score")->valueint,
		   cJSON_GetObjectItem(it, "points")->valueint);
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
	int rc;

	if (argc != 2 || parse_id(argv[1], &run))
		return cli_usage_error(cl, "expected RUN");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, &n, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("%ld 件のインジェクトを配信しました / %ld injects delivered\n", n, n);
	return 0;
}

struct act_opts {
	const char *org, *role, *kind, *inject, *text;
	int continuity, safety, trust;
};

static int act_parse(struct cli *cl, int argc, char **argv, struct act_opts *a)
{
	static const struct option opts[] = {
	    {"org", required_argument, NULL, 'o'},    {"role", required_argument, NULL, 'r'},
	    {"action", required_argument, NULL, 'a'}, {"inject", required_argument, NULL, 'i'},
	    {"text", required_argument, NULL, 't'},   {"continuity", required_argument, NULL, 'c'},
	    {"safety", required_argument, NULL, 's'}, {"trust", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},	      {0}};
	int opt;
	memset(a, 0, sizeof(*a));
	a->continuity = a->safety = a->trust = -1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': a->org = optarg; break;
		case 'r': a->role = optarg; break;
		case 'a': a->kind = optarg; break;
		case 'i': a->inject = optarg; break;
		case 't': a->text = optarg; break;
		case 'j': cl->json = true; break;
		case 'c':
		case 's':
		case 'u': {
			char *end = NULL;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 4)
				return cli_usage_error(cl, "levels are 0..4");
			*(opt == 'c'   ? &a->continuity
			  : opt == 's' ? &a->safety
				       : &a->trust) = (int)v;
			break;
		}
		default: return cli_usage_error(cl, "unknown option");
		}
	}
	if (!a->org)
		return cli_usage_error(cl, "--org is required");
	return 0;
}

static int ex_respond_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_opts o;
	struct ex_action a = {0};
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int rc;

	if ((rc = act_parse(cl, argc, argv, &o)))
		return rc;
	if (optind + 1 != argc || parse_id(argv[optind], &run) || !o.role || !o.kind)
		return cli_usage_error(cl, "expected RUN --org ORG --role ROLE --action KIND");
	a.org = o.org;
	a.role = o.role;
	a.kind = o.kind;
	a.inject = o.inject;
	a.text = o.text;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) || (rc = ex_act(&c, run, &a, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("記録しました / recorded\n");
	return 0;
}

static int ex_decide_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_opts o;
	struct ex_action a = {0};
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int rc;

	if ((rc = act_parse(cl, argc, argv, &o)))
		return rc;
	if (optind + 3 != argc || parse_id(argv[optind], &run) || !o.role)
		return cli_usage_error(cl, "expected RUN INJECT OPTION --org ORG --role ROLE");
	a.org = o.org;
	a.role = o.role;
	a.kind = "decide";
	a.inject = argv[optind + 1];
	a.option = argv[optind + 2];
	a.text = o.text;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) || (rc = ex_act(&c, run, &a, &e)))
		return cli_fail(cl, rc, &e);
	if (!cl->quiet)
		printf("決定を記録しました / decision recorded\n");
	return 0;
}

static int ex_file_cmd(struct cli *cl, int argc, char **argv)
{
	struct act_opts o;
	struct inc_report r;
	struct ex_ctx c;
	struct merr e;
	struct buf b;
	int64_t run, id;
	int rc;

	if ((rc = act_parse(cl, argc, argv, &o)))
		return rc;
	if (optind + 2 != argc || parse_id(argv[optind], &run))
		return cli_usage_error(cl, "expected RUN FILE --org ORG");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	buf_init(&b, INC_REPORT_MAX + 1);
	if ((rc = buf_read_file(&b, argv[optind + 1], &e)) ||
	    (rc = inc_report_parse(buf_str(&b), b.len, argv[optind + 1], &r, &e))) {
		buf_release(&b);
		return cli_fail(cl, rc, &e);
	}
	buf_release(&b);
	if (!(rc = ex_tick(&c, run, NULL, &e)))
		rc = ex_file(&c, run, o.org, o.role ? o.role : "operator_csirt", o.inject, &r, &id,
			     &e);
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
	struct act_opts o;
	struct inc_assessment as = {0};
	struct ex_ctx c;
	struct merr e;
	int64_t run, inc;
	int rc, level;

	if ((rc = act_parse(cl, argc, argv, &o)))
		return rc;
	if (optind + 2 != argc || parse_id(argv[optind], &run) ||
	    parse_id(argv[optind + 1], &inc) || o.continuity < 0 || o.safety < 0 || o.trust < 0)
		return cli_usage_error(cl,
				       "expected RUN INCIDENT --org ORG --continuity N --safety N "
				       "--trust N");
	as.continuity = o.continuity;
	as.safety = o.safety;
	as.trust = o.trust;
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) ||
	    (rc = ex_assess(&c, run, o.org, o.role ? o.role : "operator_csirt", o.inject, inc, &as,
			    &level, &e)))
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
	int rc;

	if (argc != want + 2 || parse_id(argv[1], &run))
		return cli_usage_error(cl, want ? "expected RUN ARG" : "expected RUN");
	if ((rc = ctx(cl, &c)))
		return rc;
	merr_init(&e);
	if ((rc = ex_tick(&c, run, NULL, &e)) ||
	    (rc = ex_control(&c, run, verb, want ? argv[2] : NULL, &e)))
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
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {0}};
	struct report_opts o = {.lang = REPORT_JA};
	struct ex_ctx c;
	struct merr e;
	int64_t run;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'o')
			o.out_dir = optarg;
		else
			return cli_usage_error(cl, "unknown option");
	}
	if (optind + 1 != argc || parse_id(argv[optind], &run) || !o.out_dir)
		return cli_usage_error(cl, "expected RUN --out DIR");
	if (mkdir(o.out_dir, 0755) && errno != EEXIST)
		return cli_usage_error(cl, "cannot create %s", o.out_dir);
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

int cmd_exercise(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"scenarios", ex_scenarios_cmd, "the scenario library / シナリオ一覧"},
	    {"validate", ex_validate_cmd, "check a scenario file / シナリオの検証"},
	    {"draft", ex_draft_cmd, "draft a scenario from an org's exposure / シナリオ案の作成"},
	    {"start", ex_start_cmd, "start a run / 演習の開始"},
	    {"list", ex_list_cmd, "runs / 演習一覧"},
	    {"status", ex_status_cmd, "a run: injects, actions, score / 状況と採点"},
	    {"tick", ex_tick_cmd, "deliver the injects due / 配信"},
	    {"respond", ex_respond_cmd, "a participant's action / 対応の記録"},
	    {"decide", ex_decide_cmd, "a participant's decision / 意思決定"},
	    {"file", ex_file_cmd, "file an exercise incident report / 演習インシデント報告"},
	    {"assess", ex_assess_cmd, "assess an exercise incident / 深刻度評価"},
	    {"pause", ex_pause_cmd, "facilitator: pause / 一時停止"},
	    {"resume", ex_resume_cmd, "facilitator: resume / 再開"},
	    {"skip", ex_skip_cmd, "facilitator: skip an inject / スキップ"},
	    {"inject-now", ex_inject_now_cmd, "facilitator: deliver an inject now / 即時配信"},
	    {"note", ex_note_cmd, "facilitator: a note / メモ"},
	    {"report", ex_report_cmd, "after-action report HTML + PDF / 事後報告書"},
	};
	return cli_dispatch_verbs(c, cli_find("exercise"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
