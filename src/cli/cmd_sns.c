/* cmd_sns.c - `mamori sns import|scan|watch|alerts|alert|posts|bench`: SNS precursor
 * monitoring over files written by external collectors (src/sns, docs/SNS.md). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <time.h>

#include "base/json.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "sns/sns.h"

const char cmd_sns_usage[] =
    "usage: mamori sns import [--format auto|x|x-stream|telegram-bot|telethon|telegram-export|\n"
    "                          ddosia|ransomwatch|jsonl] [--console-url URL] [--no-detect]\n"
    "                          [--json] FILE... (- for standard input)\n"
    "       mamori sns scan [--format F] FILE...      match without storing (one line a hit)\n"
    "       mamori sns rematch [--console-url URL]    stored posts against today's watch terms\n"
    "       mamori sns watch add ORG TERM [--kind name|domain|keyword|regex]\n"
    "       mamori sns watch list [ORG] [--json]\n"
    "       mamori sns watch remove ID\n"
    "       mamori sns alerts [--org ORG] [--class ddos-target|leak|outage|exploit] [--json]\n"
    "       mamori sns alert confirm|dismiss|escalate ID [--note TEXT]\n"
    "       mamori sns posts [--org ORG] [--alert ID] [--limit N] [--json]\n"
    "       mamori sns bench [--format F] [--rounds N] FILE\n"
    "\n"
    "import: reads posts collected from X (API v2 pages, filtered stream), Telegram (Bot API,\n"
    "Telethon, Desktop export), DDoSia target lists, ransomware leak-site trackers and mamori's\n"
    "JSON lines; stores each post once (edits as versions), matches every operator's watch terms\n"
    "(inventory names, aliases, domains, addresses, products + terms added here) and raises one\n"
    "precursor alert per (operator, class, wave) through the alert pipeline. Bad records are\n"
    "reported as FILE:LINE: field: message; the good ones of the same file are stored.\n"
    "Nothing is ever fetched or probed: addresses in posts and lists are text.\n"
    "SNS・Telegram・リークサイト・DDoS 標的リストから運用者を名指しする予兆を検知します。\n";

static int import_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"console-url", required_argument, NULL, 'C'},
					     {"no-detect", no_argument, NULL, 'n'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct sns_import_opts o = {.fmt = SNS_FMT_AUTO, .ack_base = getenv("MAMORI_CONSOLE_URL")};
	int opt, worst = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (sns_format_parse(optarg, &o.fmt))
				return cli_usage_error(c, "unknown --format %s", optarg);
			break;
		case 'C': o.ack_base = optarg; break;
		case 'n': o.no_detect = true; break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(c, "no FILE given");
	struct store *s = cli_store(c);
	if (!s)
		return 1;
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	for (int i = optind; i < argc; i++) {
		struct sns_import_stats st;
		struct merr e;
		merr_init(&e);
		o.now = time_now();
		int rc = sns_import_file(s, argv[i], &o, &st, &e);
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
			json_add_str(j, "error", rc ? msg : NULL);
			cJSON_AddItemToArray(arr, j);
		} else if (!c->quiet) {
			printf("%s (%s): 投稿 %ld 件 保存 %ld 重複 %ld 版 %ld 照合 %ld 誤り %ld "
			       "アラート新規 %ld"
			       " / posts %ld stored %ld duplicates %ld versions %ld matched %ld "
			       "errors %ld"
			       " new alerts %ld\n",
			       argv[i], sns_format_name(st.fmt), st.posts, st.stored, st.duplicates,
			       st.versions, st.matched, st.errors, st.alerts_new, st.posts,
			       st.stored, st.duplicates, st.versions, st.matched, st.errors,
			       st.alerts_new);
		}
		if (rc) {
			fprintf(stderr, "mamori: sns import: %s\n", msg);
			if (!worst)
				worst = cli_exit_code(rc);
		}
	}
	if (arr)
		cli_print_json(arr);
	return worst;
}

static int rematch_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"console-url", required_argument, NULL, 'C'},
					     {"no-detect", no_argument, NULL, 'n'},
					     {0}};
	struct sns_import_opts o = {.ack_base = getenv("MAMORI_CONSOLE_URL")};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'C')
			o.ack_base = optarg;
		else if (opt == 'n')
			o.no_detect = true;
		else
			return cli_usage_error(c, "unknown option");
	}
	struct store *s = cli_store(c);
	if (!s)
		return 1;
	struct sns_import_stats st;
	struct merr e;
	merr_init(&e);
	o.now = time_now();
	int rc = sns_rematch(s, &o, &st, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("投稿 %ld 件 新たな照合 %ld アラート新規 %ld / posts %ld newly matched %ld "
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

static int scan_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	struct sns_import_opts o = {.fmt = SNS_FMT_AUTO, .scan_only = true, .on_hit = print_hit};
	int opt, worst = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'f' || sns_format_parse(optarg, &o.fmt))
			return cli_usage_error(c, "bad option");
	}
	if (optind >= argc)
		return cli_usage_error(c, "no FILE given");
	struct store *s = cli_store(c);
	if (!s)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct sns_import_stats st;
		struct merr e;
		merr_init(&e);
		int rc = sns_import_file(s, argv[i], &o, &st, &e);
		fprintf(stderr, "%s: posts %ld matched %ld errors %ld\n", argv[i], st.posts,
			st.matched, st.errors);
		if (rc) {
			char msg[1024];
			merr_format(&e, msg, sizeof msg);
			fprintf(stderr, "mamori: sns scan: %s\n", msg);
			if (!worst)
				worst = cli_exit_code(rc);
		}
	}
	return worst;
}

static int bench_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"rounds", required_argument, NULL, 'r'},
					     {0}};
	struct sns_import_opts o = {.fmt = SNS_FMT_AUTO};
	int opt, rounds = 5;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'f' && !sns_format_parse(optarg, &o.fmt))
			continue;
		if (opt == 'r' && (rounds = (int)strtol(optarg, NULL, 10)) > 0 && rounds < 1000)
			continue;
		return cli_usage_error(c, "bad option");
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, "one FILE");
	struct store *s = cli_store(c);
	if (!s)
		return 1;
	struct buf texts;
	buf_init(&texts, (size_t)4 << 30);
	o.bench_buf = &texts;
	struct sns_import_stats st;
	struct merr e;
	merr_init(&e);
	int rc = sns_import_file(s, argv[optind], &o, &st, &e);
	double secs = 0, secs_post = 0;
	long hits = 0;
	size_t n_terms = 0;
	if (!rc)
		rc = sns_bench_match(s, &texts, rounds, &secs, &secs_post, &hits, &n_terms, &e);
	if (rc) {
		buf_release(&texts);
		return cli_fail(c, rc, &e);
	}
	double gb = (double)texts.len * rounds / 1e9;
	printf("{\"terms\": %zu, \"posts\": %ld, \"bytes\": %zu, \"rounds\": %d, \"seconds\": %.4f,"
	       " \"gb_per_s\": %.3f, \"seconds_per_post_scan\": %.4f, \"gb_per_s_per_post_scan\": "
	       "%.3f,"
	       " \"raw_hits\": %ld}\n",
	       n_terms, st.posts, texts.len, rounds, secs, secs > 0 ? gb / secs : 0.0, secs_post,
	       secs_post > 0 ? gb / secs_post : 0.0, hits);
	buf_release(&texts);
	return 0;
}

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

static int watch_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kind", required_argument, NULL, 'k'}, {"json", no_argument, NULL, 'j'}, {0}};
	enum sns_kind kind = SNS_K_KEYWORD;
	int opt;
	if (argc < 2)
		return cli_usage_error(c, "watch add|list|remove");
	const char *verb = argv[1];
	argc--;
	argv++;
	optind = 0; /* GNU getopt: start over (argv was shifted) */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'k') {
			if (sns_kind_parse(optarg, &kind) || kind == SNS_K_ALIAS ||
			    kind == SNS_K_ADDRESS || kind == SNS_K_PRODUCT)
				return cli_usage_error(c,
						       "--kind is name, domain, keyword or regex");
		} else if (opt == 'j') {
			c->json = true;
		} else {
			return cli_usage_error(c, "unknown option");
		}
	}
	struct store *s = cli_store(c);
	struct merr e;
	merr_init(&e);
	if (!s)
		return 1;
	if (!strcmp(verb, "add")) {
		if (argc - optind != 2)
			return cli_usage_error(c, "watch add ORG TERM");
		int64_t id = 0;
		int rc = sns_watch_add(s, argv[optind], argv[optind + 1], kind, "cli", time_now(),
				       &id, &e);
		if (rc)
			return cli_fail(c, rc, &e);
		printf("%lld\n", (long long)id);
		return 0;
	}
	if (!strcmp(verb, "remove")) {
		char *end;
		if (argc - optind != 1)
			return cli_usage_error(c, "watch remove ID");
		long long id = strtoll(argv[optind], &end, 10);
		if (*end || id <= 0)
			return cli_usage_error(c, "bad ID");
		int rc = sns_watch_remove(s, id, &e);
		return rc ? cli_fail(c, rc, &e) : 0;
	}
	if (!strcmp(verb, "list")) {
		cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
		int rc = sns_watch_list(s, optind < argc ? argv[optind] : NULL, watch_row, arr, &e);
		if (rc) {
			cJSON_Delete(arr);
			return cli_fail(c, rc, &e);
		}
		return arr ? cli_print_json(arr) : 0;
	}
	return cli_usage_error(c, "watch add|list|remove");
}

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

static int alerts_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
					     {"class", required_argument, NULL, 'c'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct sns_alert_filter f = {0};
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		enum sns_class cl;
		switch (opt) {
		case 'o': f.org = optarg; break;
		case 'c':
			if (sns_class_parse(optarg, &cl))
				return cli_usage_error(
				    c, "--class is ddos-target, leak, outage or exploit");
			f.cls = optarg;
			break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	struct store *s = cli_store(c);
	struct merr e;
	merr_init(&e);
	if (!s)
		return 1;
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	if (!arr)
		printf(
		    "id\torg\tclass\tfirst_evidence\tlast_evidence\tscore\trule\tstate\tposts\n");
	int rc = sns_alerts_list(s, &f, alert_row, arr, &e);
	if (rc) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

static int alert_state_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {0}};
	const char *note = NULL;
	int opt;
	if (argc < 2)
		return cli_usage_error(c, "alert confirm|dismiss|escalate ID");
	const char *verb = argv[1];
	argc--;
	argv++;
	optind = 0; /* GNU getopt: start over (argv was shifted) */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'n')
			return cli_usage_error(c, "unknown option");
		note = optarg;
	}
	const char *state = !strcmp(verb, "confirm")	? "confirmed"
			    : !strcmp(verb, "dismiss")	? "dismissed"
			    : !strcmp(verb, "escalate") ? "escalated"
							: NULL;
	if (!state || argc - optind != 1)
		return cli_usage_error(c, "alert confirm|dismiss|escalate ID");
	char *end;
	long long id = strtoll(argv[optind], &end, 10);
	if (*end || id <= 0)
		return cli_usage_error(c, "bad ID");
	struct store *s = cli_store(c);
	struct merr e;
	merr_init(&e);
	if (!s)
		return 1;
	int rc = sns_alert_set_state(s, id, state, "cli", note, time_now(), &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%lld %s\n", id, state);
	return 0;
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

static int posts_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
					     {"alert", required_argument, NULL, 'a'},
					     {"limit", required_argument, NULL, 'l'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	const char *org = NULL;
	long long alert = 0;
	long limit = 100;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': org = optarg; break;
		case 'a': alert = strtoll(optarg, NULL, 10); break;
		case 'l': limit = strtol(optarg, NULL, 10); break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	struct store *s = cli_store(c);
	struct merr e;
	merr_init(&e);
	if (!s)
		return 1;
	cJSON *arr = c->json ? cJSON_CreateArray() : NULL;
	int rc = sns_posts_list(s, org, alert, limit, post_row, arr, &e);
	if (rc) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

int cmd_sns(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"import", import_cmd, "import posts and detect / 投稿の取り込みと検知"},
	    {"scan", scan_cmd, "match without storing / 保存せずに照合"},
	    {"rematch", rematch_cmd,
	     "match stored posts with today's terms / 保存済み投稿の再照合"},
	    {"watch", watch_cmd, "watch terms / 監視語"},
	    {"alerts", alerts_cmd, "precursor alerts / 予兆アラート"},
	    {"alert", alert_state_cmd, "confirm, dismiss, escalate / 判定"},
	    {"posts", posts_cmd, "matched posts / 照合した投稿"},
	    {"bench", bench_cmd, "matching throughput / 照合性能"},
	};
	return cli_dispatch_verbs(c, cli_find("sns"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
