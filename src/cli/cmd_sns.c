/* cmd_sns.c - `mamori sns import|scan|rematch|watch|alerts|alert|posts|bench`: SNS precursor
 * monitoring over files written by external collectors (src/sns, docs/SNS.md). Options are
 * parsed from the tables below (src/cli/options.h); errors are Japanese first, then English. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "incident/incident.h"
#include "sns/sns.h"

const char cmd_sns_usage[] =
    "import: reads posts collected from X (API v2 pages, filtered stream), Telegram (Bot API,\n"
    "Telethon, Desktop export), DDoSia target lists, ransomware leak-site trackers and mamori's\n"
    "JSON lines (FILE - is standard input); stores each post once (edits as versions), matches\n"
    "every operator's watch terms (inventory names, aliases, domains, addresses, products +\n"
    "terms added with `watch add`) and raises one precursor alert per (operator, class, wave)\n"
    "through the alert pipeline. Bad records are reported as FILE:LINE: field: message; the\n"
    "good ones of the same file are stored. Nothing is ever fetched or probed: addresses in\n"
    "posts and lists are text.\n"
    "  mamori sns watch add ORG TERM [--kind name|domain|keyword|regex]\n"
    "  mamori sns watch list [ORG] [--json]\n"
    "  mamori sns watch remove ID\n"
    "  mamori sns alert confirm|dismiss|escalate ID [--note TEXT] [--console-url URL] [--json]\n"
    "escalate opens an incident for the alert's operator (a 初報 through the incident module,\n"
    "title and summary from the class and the evidence) and records it on the alert.\n"
    "SNS・Telegram・リークサイト・DDoS 標的リストから運用者を名指しする予兆を検知します。\n"
    "escalate は予兆検知からインシデント (初報) を起票し、予兆検知に番号を記録します。\n";

/* ------------------------------------------------------------ option values */

static int opt_format(void *args, const char *arg, const char **why)
{
	if (sns_format_parse(arg, (enum sns_format *)args))
		return *why = "形式が不明です (auto, x, x-stream, telegram-bot, telethon, "
			      "telegram-export, ddosia, ransomwatch, jsonl) / unknown format",
		       -1;
	return 0;
}

struct import_args {
	enum sns_format fmt; /* first: opt_format writes here */
	const char *console;
	bool no_detect;
};

static const struct cli_opt import_opts[] = {
    OPT_CALLBACK("format", opt_format, "F",
		 "input format (default auto) / 入力形式: auto x x-stream telegram-bot telethon "
		 "telegram-export ddosia ransomwatch jsonl"),
    OPT_STRING("console-url", struct import_args, console, "URL",
	       "console base URL for links in alert mails / 通知のリンク先 (default "
	       "$MAMORI_CONSOLE_URL)"),
    OPT_BOOL("no-detect", struct import_args, no_detect,
	     "store and match only, no alerts / 保存と照合のみ"),
    OPT_JSON(),
    OPT_END(),
};

static int import_cmd(struct cli *c, int argc, char **argv)
{
	struct import_args a = {.fmt = SNS_FMT_AUTO, .console = getenv("MAMORI_CONSOLE_URL")};
	int rc, first, worst = 0;
	if ((rc = cli_parse_options(c, import_opts, &a, argc, argv, &first)))
		return rc;
	if (first >= argc)
		return cli_usage_error(c, "ファイルを指定してください (- は標準入力) / give "
					  "FILE... (- for standard input)");
	struct sns_import_opts o = {.fmt = a.fmt, .ack_base = a.console, .no_detect = a.no_detect};
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	for (int i = first; i < argc; i++) {
		struct sns_import_stats st;
		struct merr e;
		merr_init(&e);
		o.now = time_now();
		rc = sns_import_file(s, argv[i], &o, &st, &e);
		char msg[1024] = "";
		if (rc)
			merr_format(&e, msg, sizeof msg);
		if (arr) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "file", argv[i]);
			cJSON_AddStringToObject(j, "format", sns_format_name(st.fmt));
			cJSON_AddNumberToObject(j, "records", (double)st.records);
			cJSON_AddNumberToObject(j, "posts", (double)st.posts);
			cJSON_AddNumberToObject(j, "stored", (double)st.stored);
			cJSON_AddNumberToObject(j, "duplicates", (double)st.duplicates);
			cJSON_AddNumberToObject(j, "versions", (double)st.versions);
			cJSON_AddNumberToObject(j, "matched", (double)st.matched);
			cJSON_AddNumberToObject(j, "errors", (double)st.errors);
			cJSON_AddNumberToObject(j, "alerts_new", (double)st.alerts_new);
			cJSON_AddNumberToObject(j, "alerts_updated", (double)st.alerts_updated);
			cJSON_AddNumberToObject(j, "rematched", (double)st.rematched);
			json_add_str(j, "error", rc ? msg : NULL);
			cJSON_AddItemToArray(arr, j);
		} else if (!c->quiet) {
			printf("%s (%s): 投稿 %ld 件 保存 %ld 重複 %ld 版 %ld 照合 %ld 誤り %ld "
			       "予兆検知 新規 %ld"
			       " / posts %ld stored %ld duplicates %ld versions %ld matched %ld "
			       "errors %ld"
			       " new alerts %ld\n",
			       argv[i], sns_format_name(st.fmt), st.posts, st.stored, st.duplicates,
			       st.versions, st.matched, st.errors, st.alerts_new, st.posts,
			       st.stored, st.duplicates, st.versions, st.matched, st.errors,
			       st.alerts_new);
			if (st.rematched)
				printf("監視語の変更により保存済み投稿 %ld 件を再照合 / watch "
				       "terms changed: "
				       "%ld stored posts newly matched\n",
				       st.rematched, st.rematched);
		}
		if (rc) {
			fprintf(stderr, "mamori: sns import: %s: %s\n", mamori_strerror_ja(rc),
				msg);
			if (!worst)
				worst = cli_exit_code(rc);
		}
	}
	if (arr)
		cli_print_json(arr);
	return worst;
}

struct rematch_args {
	const char *console;
	bool no_detect;
};

static const struct cli_opt rematch_opts[] = {
    OPT_STRING("console-url", struct rematch_args, console, "URL",
	       "console base URL for links in alert mails / 通知のリンク先"),
    OPT_BOOL("no-detect", struct rematch_args, no_detect,
	     "record matches only, no alerts / 照合の記録のみ"),
    OPT_END(),
};

static int rematch_cmd(struct cli *c, int argc, char **argv)
{
	struct rematch_args a = {.console = getenv("MAMORI_CONSOLE_URL")};
	int rc, first;
	if ((rc = cli_parse_options(c, rematch_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "引数は不要です / rematch takes no operand");
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct sns_import_opts o = {.ack_base = a.console, .no_detect = a.no_detect};
	struct sns_import_stats st;
	struct merr e;
	merr_init(&e);
	o.now = time_now();
	if ((rc = sns_rematch(s, &o, &st, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("投稿 %ld 件 新たな照合 %ld 予兆検知 新規 %ld / posts %ld newly matched %ld "
		       "new alerts %ld\n",
		       st.posts, st.matched, st.alerts_new, st.posts, st.matched, st.alerts_new);
	return 0;
}

static int print_hit(const struct sns_post *p, const struct sns_term *t, void *arg)
{
	(void)arg;
	printf("%s:%s\t%s\t%s\t%s\n", p->platform, p->post_id, t->org, sns_kind_name(t->kind),
	       t->term);
	return 0;
}

static const struct cli_opt scan_opts[] = {
    OPT_CALLBACK("format", opt_format, "F", "input format (default auto) / 入力形式"),
    OPT_END(),
};

static int scan_cmd(struct cli *c, int argc, char **argv)
{
	enum sns_format scan_fmt = SNS_FMT_AUTO;
	int rc, first, worst = 0;
	if ((rc = cli_parse_options(c, scan_opts, &scan_fmt, argc, argv, &first)))
		return rc;
	if (first >= argc)
		return cli_usage_error(c, "ファイルを指定してください / give FILE...");
	struct sns_import_opts o = {.fmt = scan_fmt, .scan_only = true, .on_hit = print_hit};
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	for (int i = first; i < argc; i++) {
		struct sns_import_stats st;
		struct merr e;
		merr_init(&e);
		rc = sns_import_file(s, argv[i], &o, &st, &e);
		fprintf(stderr, "%s: posts %ld matched %ld errors %ld\n", argv[i], st.posts,
			st.matched, st.errors);
		if (rc) {
			char msg[1024];
			merr_format(&e, msg, sizeof msg);
			fprintf(stderr, "mamori: sns scan: %s: %s\n", mamori_strerror_ja(rc), msg);
			if (!worst)
				worst = cli_exit_code(rc);
		}
	}
	return worst;
}

struct bench_args {
	enum sns_format fmt; /* first: opt_format writes here */
	int rounds;
};

static const struct cli_opt bench_opts[] = {
    OPT_CALLBACK("format", opt_format, "F", "input format (default auto) / 入力形式"),
    OPT_INT("rounds", struct bench_args, rounds, 1, 999, "N",
	    "passes over the texts (default 5) / 照合の回数"),
    OPT_END(),
};

static int bench_cmd(struct cli *c, int argc, char **argv)
{
	struct bench_args a = {.fmt = SNS_FMT_AUTO, .rounds = 5};
	int rc, first;
	if ((rc = cli_parse_options(c, bench_opts, &a, argc, argv, &first)))
		return rc;
	if (first + 1 != argc)
		return cli_usage_error(c, "ファイルを一つ指定してください / give one FILE");
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct sns_import_opts o = {.fmt = a.fmt};
	struct buf texts;
	buf_init(&texts, (size_t)4 << 30);
	o.bench_buf = &texts;
	struct sns_import_stats st;
	struct merr e;
	merr_init(&e);
	rc = sns_import_file(s, argv[first], &o, &st, &e);
	double secs = 0, secs_post = 0;
	long hits = 0;
	size_t n_terms = 0;
	if (!rc)
		rc = sns_bench_match(s, &texts, a.rounds, &secs, &secs_post, &hits, &n_terms, &e);
	if (rc) {
		buf_release(&texts);
		return cli_fail(c, rc, &e);
	}
	double gb = (double)texts.len * a.rounds / 1e9;
	printf("{\"terms\": %zu, \"posts\": %ld, \"bytes\": %zu, \"rounds\": %d, \"seconds\": %.4f,"
	       " \"gb_per_s\": %.3f, \"seconds_per_post_scan\": %.4f, \"gb_per_s_per_post_scan\": "
	       "%.3f,"
	       " \"raw_hits\": %ld}\n",
	       n_terms, st.posts, texts.len, a.rounds, secs, secs > 0 ? gb / secs : 0.0, secs_post,
	       secs_post > 0 ? gb / secs_post : 0.0, hits);
	buf_release(&texts);
	return 0;
}

/* ------------------------------------------------------------ watch add|list|remove */

static int watch_row(const struct sns_watch_row *r, void *arg)
{
	cJSON *arr = arg;
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		if (r->id)
			cJSON_AddNumberToObject(o, "id", (double)r->id);
		else
			cJSON_AddNullToObject(o, "id");
		cJSON_AddStringToObject(o, "org", r->org);
		cJSON_AddStringToObject(o, "term", r->term);
		cJSON_AddStringToObject(o, "kind", r->kind);
		cJSON_AddStringToObject(o, "source", r->source);
		cJSON_AddItemToArray(arr, o);
	} else {
		char id[24] = "-";
		if (r->id)
			snprintf(id, sizeof id, "%lld", (long long)r->id);
		printf("%s\t%s\t%s\t%s\t%s\n", id, r->org, r->kind, r->source, r->term);
	}
	return 0;
}

static int opt_watch_kind(void *args, const char *arg, const char **why)
{
	enum sns_kind *k = args;
	if (sns_kind_parse(arg, k) || *k == SNS_K_ALIAS || *k == SNS_K_ADDRESS ||
	    *k == SNS_K_PRODUCT)
		return *why = "name, domain, keyword, regex のいずれか / name, domain, keyword "
			      "or regex",
		       -1;
	return 0;
}

static const struct cli_opt watch_add_opts[] = {
    OPT_CALLBACK("kind", opt_watch_kind, "KIND",
		 "name, domain, keyword (default) or regex / 監視語の種類"),
    OPT_JSON(),
    OPT_END(),
};

static int watch_add(struct cli *c, int argc, char **argv)
{
	enum sns_kind kind = SNS_K_KEYWORD;
	int rc, first;
	if ((rc = cli_parse_options(c, watch_add_opts, &kind, argc, argv, &first)))
		return rc;
	if (argc - first != 2)
		return cli_usage_error(c, "組織と監視語を指定してください / give ORG and TERM");
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	int64_t id = 0;
	if ((rc = sns_watch_add(s, argv[first], argv[first + 1], kind, "cli", time_now(), &id, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)id);
		return cli_print_json(o);
	}
	printf("%lld\n", (long long)id);
	return 0;
}

static int watch_list(struct cli *c, int argc, char **argv)
{
	int rc, first;
	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (argc - first > 1)
		return cli_usage_error(c, "組織は一つまでです / give at most one ORG");
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	if ((rc = sns_watch_list(s, first < argc ? argv[first] : NULL, watch_row, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

static int parse_id(const char *s, long long *id)
{
	return cli_parse_ll(s, 1, INT64_MAX, id);
}

/* The one ID argument a verb takes after its options: 0, or the usage error's exit code. */
static int one_id(struct cli *c, int argc, char **argv, int first, const char *usage, long long *id)
{
	if (argc - first != 1)
		return cli_usage_error(c, "%s", usage);
	if (parse_id(argv[first], id))
		return cli_usage_error(c, "番号が不正です: '%s' / not an ID", argv[first]);
	return 0;
}

static int watch_remove(struct cli *c, int argc, char **argv)
{
	long long id;
	int rc, first;
	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if ((rc = one_id(c, argc, argv, first,
			 "監視語の番号を指定してください / give the term's ID", &id)))
		return rc;
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	rc = sns_watch_remove(s, id, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

static const struct cli_verb watch_verbs[] = {
    {"add", watch_add, "add an analyst's term / 監視語の追加", watch_add_opts, "ORG TERM"},
    {"list", watch_list, "inventory and analysts' terms / 監視語の一覧", cli_json_opts, "[ORG]"},
    {"remove", watch_remove, "remove an analyst's term / 監視語の削除", cli_json_opts, "ID"},
    {0},
};

static int watch_cmd(struct cli *c, int argc, char **argv)
{
	static const struct cli_command cmd = {"sns watch", NULL, "watch terms / 監視語", "",
					       watch_verbs};
	return cli_dispatch_verbs(c, &cmd, watch_verbs, ARRAY_SIZE(watch_verbs) - 1, argc, argv);
}

/* ------------------------------------------------------------ alerts, alert, posts */

static int alert_row(const struct sns_alert_row *r, void *arg)
{
	cJSON *arr = arg;
	char a[TIME_STR_MAX], b[TIME_STR_MAX];
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)r->id);
		cJSON_AddStringToObject(o, "org", r->org);
		cJSON_AddStringToObject(o, "class", r->cls);
		json_add_time(o, "first_evidence", r->first_at);
		json_add_time(o, "last_evidence", r->last_at);
		cJSON_AddNumberToObject(o, "score", r->score);
		cJSON_AddStringToObject(o, "rule", r->rule);
		cJSON_AddItemToObject(o, "evidence_posts",
				      cJSON_Parse(r->post_ids ? r->post_ids : "[]"));
		cJSON_AddNumberToObject(o, "evidence_count", (double)r->n_posts);
		cJSON_AddStringToObject(o, "state", r->state);
		if (r->alert_id)
			cJSON_AddNumberToObject(o, "alert_id", (double)r->alert_id);
		if (r->incident_id)
			cJSON_AddNumberToObject(o, "incident_id", (double)r->incident_id);
		cJSON_AddItemToObject(o, "reasons", cJSON_Parse(r->reasons ? r->reasons : "{}"));
		cJSON_AddItemToArray(arr, o);
		return 0;
	}
	time_fmt_utc(r->first_at, a);
	time_fmt_utc(r->last_at, b);
	printf("%lld\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%ld\n", (long long)r->id, r->org, r->cls, a, b,
	       r->score, r->rule, r->state, r->n_posts);
	return 0;
}

struct alerts_args {
	const char *org, *cls;
};

static int opt_class(void *args, const char *arg, const char **why)
{
	enum sns_class cl;
	if (sns_class_parse(arg, &cl))
		return *why = "ddos-target, leak, outage, exploit のいずれか / ddos-target, leak, "
			      "outage or exploit",
		       -1;
	((struct alerts_args *)args)->cls = arg;
	return 0;
}

static const struct cli_opt alerts_opts[] = {
    OPT_STRING("org", struct alerts_args, org, "ORG", "one operator / 組織で絞り込み"),
    OPT_CALLBACK("class", opt_class, "CLASS",
		 "ddos-target, leak, outage or exploit / 分類で絞り込み"),
    OPT_JSON(),
    OPT_END(),
};

static int alerts_cmd(struct cli *c, int argc, char **argv)
{
	struct alerts_args a = {0};
	int rc, first;
	if ((rc = cli_parse_options(c, alerts_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数です: '%s' / unexpected operand", argv[first]);
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	struct sns_alert_filter f = {.org = a.org, .cls = a.cls};
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	if (!arr)
		printf(
		    "id\torg\tclass\tfirst_evidence\tlast_evidence\tscore\trule\tstate\tposts\n");
	if ((rc = sns_alerts_list(s, &f, alert_row, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

struct state_args {
	const char *note, *console;
};

static const struct cli_opt state_opts[] = {
    OPT_STRING("note", struct state_args, note, "TEXT", "the analyst's note / 判定の備考"),
    OPT_END(),
};
static const struct cli_opt escalate_opts[] = {
    OPT_STRING("note", struct state_args, note, "TEXT", "the analyst's note / 判定の備考"),
    OPT_STRING("console-url", struct state_args, console, "URL",
	       "console base URL for the incident's link to the alert / リンク先 (default "
	       "$MAMORI_CONSOLE_URL)"),
    OPT_JSON(),
    OPT_END(),
};

static int alert_decide(struct cli *c, int argc, char **argv, const char *state)
{
	struct state_args a = {.console = getenv("MAMORI_CONSOLE_URL")};
	bool esc = !strcmp(state, "escalated");
	long long id;
	int rc, first;
	char actor[64];
	if ((rc = cli_parse_options(c, esc ? escalate_opts : state_opts, &a, argc, argv, &first)))
		return rc;
	if ((rc = one_id(c, argc, argv, first,
			 "予兆検知の番号を一つ指定してください / give one alert ID", &id)))
		return rc;
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	cli_actor(actor, sizeof actor);
	if (!esc) {
		if ((rc = sns_alert_set_state(s, id, state, actor, a.note, time_now(), &e)))
			return cli_fail(c, rc, &e);
		if (!c->quiet)
			printf("%lld %s\n", id, state);
		return 0;
	}
	struct inc_regimes *t = NULL;
	if ((rc = inc_regimes_load(inc_regimes_default_path(), &t, &e)))
		return cli_fail(c, rc, &e);
	struct inc_ctx ic = {.s = s, .regimes = t, .actor = actor, .now = time_now()};
	int64_t inc = 0;
	rc = sns_alert_escalate(&ic, id, a.note, a.console, &inc, &e);
	inc_regimes_free(t);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)id);
		cJSON_AddStringToObject(o, "state", state);
		cJSON_AddNumberToObject(o, "incident_id", (double)inc);
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf("%lld %s インシデント #%lld / incident %lld\n", id, state, (long long)inc,
		       (long long)inc);
	return 0;
}

static int alert_confirm(struct cli *c, int argc, char **argv)
{
	return alert_decide(c, argc, argv, "confirmed");
}
static int alert_dismiss(struct cli *c, int argc, char **argv)
{
	return alert_decide(c, argc, argv, "dismissed");
}
static int alert_escalate(struct cli *c, int argc, char **argv)
{
	return alert_decide(c, argc, argv, "escalated");
}

static const struct cli_verb alert_verbs[] = {
    {"confirm", alert_confirm, "a true precursor / 確認", state_opts, "ID"},
    {"dismiss", alert_dismiss, "a false positive, kept for tuning / 誤検知", state_opts, "ID"},
    {"escalate", alert_escalate, "open an incident from the alert / インシデント起票",
     escalate_opts, "ID"},
    {0},
};

static int alert_state_cmd(struct cli *c, int argc, char **argv)
{
	static const struct cli_command cmd = {
	    "sns alert", NULL, "decide on a precursor alert / 予兆検知の判定",
	    "escalate opens an incident (初報) for the alert's operator through the incident\n"
	    "module and records it on the alert / escalate はインシデントを起票します。\n",
	    alert_verbs};
	return cli_dispatch_verbs(c, &cmd, alert_verbs, ARRAY_SIZE(alert_verbs) - 1, argc, argv);
}

static int post_row(const struct sns_post_row *r, void *arg)
{
	cJSON *arr = arg;
	char t[TIME_STR_MAX];
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "platform", r->platform);
		cJSON_AddStringToObject(o, "post_id", r->post_id);
		json_add_str(o, "version", r->version && *r->version ? r->version : NULL);
		json_add_time(o, "created_at", r->created_at);
		json_add_str(o, "channel", r->channel);
		json_add_str(o, "author", r->author);
		json_add_str(o, "url", r->url);
		cJSON_AddStringToObject(o, "text", r->text);
		json_add_str(o, "orgs", r->orgs);
		cJSON_AddStringToObject(o, "classes", r->classes);
		cJSON_AddItemToArray(arr, o);
		return 0;
	}
	time_fmt_jst(r->created_at, t);
	printf("%s\t%s:%s\t%s\t%s\t%.120s\n", t, r->platform, r->post_id, r->orgs ? r->orgs : "",
	       r->classes, r->text);
	return 0;
}

struct posts_args {
	const char *org;
	long long alert;
	long limit;
};

static const struct cli_opt posts_opts[] = {
    OPT_STRING("org", struct posts_args, org, "ORG", "one operator / 組織で絞り込み"),
    OPT_LLONG("alert", struct posts_args, alert, 1, INT64_MAX, "ID",
	      "one alert's evidence / 予兆検知の証拠"),
    OPT_LONG("limit", struct posts_args, limit, 1, 1000000, "N",
	     "at most N posts (default 100) / 件数"),
    OPT_JSON(),
    OPT_END(),
};

static int posts_cmd(struct cli *c, int argc, char **argv)
{
	struct posts_args a = {.limit = 100};
	int rc, first;
	if ((rc = cli_parse_options(c, posts_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "余分な引数です: '%s' / unexpected operand", argv[first]);
	struct store *s = cli_store(c);
	if (!s)
		return cli_exit_code(M_ESTORE);
	struct merr e;
	merr_init(&e);
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	if ((rc = sns_posts_list(s, a.org, a.alert, a.limit, post_row, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

const struct cli_verb cmd_sns_verbs[] = {
    {"import", import_cmd, "import posts and detect / 投稿の取り込みと検知", import_opts,
     "FILE..."},
    {"scan", scan_cmd, "match without storing (one line a hit) / 保存せずに照合", scan_opts,
     "FILE..."},
    {"rematch", rematch_cmd, "match stored posts with today's terms / 保存済み投稿の再照合",
     rematch_opts, ""},
    {"watch", watch_cmd, "watch terms: add, list, remove / 監視語"},
    {"alerts", alerts_cmd, "precursor alerts / 予兆検知", alerts_opts, ""},
    {"alert", alert_state_cmd, "confirm, dismiss, escalate / 判定"},
    {"posts", posts_cmd, "matched posts / 照合した投稿", posts_opts, ""},
    {"bench", bench_cmd, "matching throughput / 照合性能", bench_opts, "FILE"},
    {0},
};

int cmd_sns(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("sns"), cmd_sns_verbs, ARRAY_SIZE(cmd_sns_verbs) - 1,
				  argc, argv);
}
