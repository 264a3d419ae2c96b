/* cmd_share.c - `mamori share collection|import|export`: STIX 2.1 collections shared with
 * the ISAC over TAXII 2.1 (src/share). */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "share/share.h"

const char cmd_share_usage[] =
    "usage: mamori share collection add ALIAS --title T [--description D] [--tlp LEVEL]\n"
    "                                [--read WHO,...] [--write WHO,...]\n"
    "       mamori share collection list [--json]\n"
    "       mamori share import FILE --collection ALIAS [--json]\n"
    "       mamori share export --collection ALIAS [--since TIME] [--format stix|misp]\n"
    "       mamori share match [--json]\n"
    "       mamori share remote add NAME URL --collection ID [--into ALIAS] [--user U\n"
    "                               --password-env VAR] [--cacert F] [--pull-interval S]\n"
    "       mamori share remote schedule NAME --pull-interval S\n"
    "       mamori share pull NAME [--json] | push NAME [--json]\n"
    "       mamori share consumer USER --tlp1|--tlp2\n"
    "\n"
    "WHO: user:NAME, role:ROLE, org:SLUG or * (every signed-in account); analysts may always\n"
    "read and write. LEVEL: clear, green, amber (default), amber+strict, red: the TLP of\n"
    "objects that carry no TLP marking. import reads a STIX 2.1 bundle, a TAXII 2.1 envelope\n"
    "or one STIX object (or MISP event JSON, converted) and stores every valid object exactly\n"
    "as written (large files are streamed, not read whole); each refused object\n"
    "is listed with its reason (exit status 1 when any was refused). export writes a STIX\n"
    "bundle of the stored objects (every version), byte for byte as they arrived; --since\n"
    "keeps those added after TIME (ISO 8601). match looks up every address and name mamori\n"
    "knows of the operators in the indicators' match index (import runs it after new\n"
    "indicators): a hit stores a STIX sighting (TLP:RED) and raises one urgent alert per\n"
    "(operator, indicator) ($MAMORI_CONSOLE_URL: ack link). Scan, identify, discover and SNS\n"
    "imports run it by themselves for the rows they store.\n"
    "remote add names a partner's TAXII 2.1 collection (URL: its API root); pull stores what\n"
    "was added since the last pull into --into (default: a collection named NAME), push sends\n"
    "what was added locally since the last push. pull also matches new indicators and sends\n"
    "mamori's own sightings (anonymised: no operator, no observed value, TLP:RED) back to the\n"
    "partner's collection. --pull-interval S: `mamori serve` (or `mamori jobs run`) pulls\n"
    "every S seconds through the job module (0: only by hand). TLS is always verified\n"
    "(--cacert: a private CA); the password is read from $VAR, never from the command line.\n"
    "consumer --tlp1: the\n"
    "TAXII server gives USER the TLP 1.0 marking ids (tools that reject TLP 2.0).\n"
    "ISAC と共有する STIX 2.1 コレクションの作成・一覧・取り込み・書き出しを行います。\n";

struct coll_add_args {
	const char *title, *description, *tlp, *read, *write;
};
static const struct cli_opt coll_add_opts[] = {
    OPT_STRING("title", struct coll_add_args, title, "T", "title / 題名 (required)"),
    OPT_STRING("description", struct coll_add_args, description, "D", "description / 説明"),
    OPT_STRING("tlp", struct coll_add_args, tlp, "LEVEL",
	       "TLP of unmarked objects (amber) / 既定の TLP"),
    OPT_STRING("read", struct coll_add_args, read, "WHO,...", "who may read / 読み取り"),
    OPT_STRING("write", struct coll_add_args, write, "WHO,...", "who may write / 書き込み"),
    OPT_END(),
};

static int coll_add(struct cli *c, int argc, char **argv)
{
	struct coll_add_args a = {0};
	struct share_collection col = {.tlp = SHARE_TLP_AMBER};
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, coll_add_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 1)
		return cli_usage_error(c, "コレクション名 ALIAS を 1 つ指定してください / one "
					  "collection ALIAS is needed");
	if (!a.title || !a.title[0])
		return cli_usage_error(c, "--title が必要です / --title is needed");
	if (a.tlp && !(col.tlp = share_tlp_parse(a.tlp)))
		return cli_usage_error(c, "--tlp: 不明なレベル '%s' / unknown level '%s'", a.tlp,
				       a.tlp);
	snprintf(col.title, sizeof(col.title), "%s", a.title);
	snprintf(col.description, sizeof(col.description), "%s",
		 a.description ? a.description : "");
	snprintf(col.read, sizeof(col.read), "%s", a.read ? a.read : "");
	snprintf(col.write, sizeof(col.write), "%s", a.write ? a.write : "");
	snprintf(col.alias, sizeof(col.alias), "%s", argv[first]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_collection_add(s, &col, time_now(), &e)) ||
	    (rc = share_collection_get(s, col.alias, &col, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("コレクション %s を追加しました / collection added: %s\n", col.alias,
		       col.id);
	return 0;
}

static int print_coll(const struct share_collection *col, void *arg)
{
	cJSON *arr = arg, *o;

	if (!arr) {
		printf("%-20s %s %-12s %s\n  read: %s\n  write: %s\n", col->alias, col->id,
		       share_tlp_name(col->tlp), col->title, col->read[0] ? col->read : "-",
		       col->write[0] ? col->write : "-");
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", col->id);
	cJSON_AddStringToObject(o, "alias", col->alias);
	cJSON_AddStringToObject(o, "title", col->title);
	cJSON_AddStringToObject(o, "description", col->description);
	cJSON_AddStringToObject(o, "tlp", share_tlp_name(col->tlp));
	cJSON_AddStringToObject(o, "read", col->read);
	cJSON_AddStringToObject(o, "write", col->write);
	cJSON_AddItemToArray(arr, o);
	return 0;
}

static int coll_list(struct cli *c, int argc, char **argv)
{
	cJSON *arr = NULL;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "引数は不要です / no operand expected");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	if (c->json)
		arr = cJSON_CreateArray();
	merr_init(&e);
	if ((rc = share_collection_each(s, print_coll, arr, &e))) {
		cJSON_Delete(arr);
		return cli_fail(c, rc, &e);
	}
	return arr ? cli_print_json(arr) : 0;
}

static int share_collection_cmd(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"add", coll_add, "add a collection / コレクションの追加", coll_add_opts, "ALIAS"},
	    {"list", coll_list, "list collections / コレクション一覧", cli_json_opts, NULL},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}

struct coll_args {
	const char *collection, *since, *format;
};
static const struct cli_opt import_opts[] = {
    OPT_STRING("collection", struct coll_args, collection, "ALIAS",
	       "the collection / コレクション (required)"),
    OPT_JSON(),
    OPT_END(),
};

static int share_import_cmd(struct cli *c, int argc, char **argv)
{
	struct coll_args a = {0};
	const char *alias;
	struct share_collection col;
	struct share_import_result r;
	struct store *s;
	struct merr e;
	int first, fi, rc;

	if ((rc = cli_parse_options(c, import_opts, &a, argc, argv, &first)))
		return rc;
	fi = first;
	alias = a.collection;
	if (argc - first != 1 || !alias)
		return cli_usage_error(c, "FILE と --collection ALIAS が必要です / FILE and "
					  "--collection ALIAS are needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_collection_get(s, alias, &col, &e)))
		return cli_fail(c, rc, &e);
	rc = share_import_file(s, &col, argv[fi], &r, &e);
	if (rc) {
		merr_set_file(&e, argv[fi]);
		return cli_fail(c, rc, &e);
	}
	if (c->json) {
		cJSON *o = cJSON_CreateObject(), *ok = cJSON_CreateArray(),
		      *bad = cJSON_CreateArray();
		for (size_t i = 0; i < r.n_items; i++) {
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "id", r.items[i].id);
			cJSON_AddStringToObject(d, "version", r.items[i].version);
			if (!r.items[i].ok)
				cJSON_AddStringToObject(d, "message", r.items[i].message);
			cJSON_AddItemToArray(r.items[i].ok ? ok : bad, d);
		}
		cJSON_AddNumberToObject(o, "total_count", (double)r.n);
		cJSON_AddNumberToObject(o, "success_count", (double)r.n_ok);
		cJSON_AddNumberToObject(o, "failure_count", (double)r.n_failed);
		cJSON_AddItemToObject(o, "successes", ok);
		cJSON_AddItemToObject(o, "failures", bad);
		cli_print_json(o);
	} else {
		size_t shown = 0;
		for (size_t i = 0; i < r.n_items; i++)
			if (!r.items[i].ok && ++shown)
				fprintf(stderr, "%s: object %zu %s: %s\n", argv[fi],
					r.items[i].index + 1,
					r.items[i].id[0] ? r.items[i].id : "(no id)",
					r.items[i].message);
		if (r.n_failed > shown)
			fprintf(stderr,
				"%s: 他 %zu 件の拒否は省略 / %zu more refusals not listed\n",
				argv[fi], r.n_failed - shown, r.n_failed - shown);
		if (!c->quiet)
			printf("%zu 件を取り込み、%zu 件を拒否しました / %zu stored, %zu refused\n",
			       r.n_ok, r.n_failed, r.n_ok, r.n_failed);
	}
	rc = r.n_failed ? 1 : 0;
	if (r.n_indicators) {
		struct share_match_stats ms;
		int mrc = share_match_run(s, time_now(), getenv("MAMORI_CONSOLE_URL"), &ms, &e);
		if (mrc) {
			share_import_result_free(&r);
			return cli_fail(c, mrc, &e);
		}
		if (!c->quiet && !c->json && ms.sightings)
			printf("指標の一致 %lld 件、警報 %lld 件 / %lld sightings, %lld "
			       "alerts\n",
			       (long long)ms.sightings, (long long)ms.alerts,
			       (long long)ms.sightings, (long long)ms.alerts);
	}
	share_import_result_free(&r);
	return rc;
}

struct exp {
	bool first;
};

static int exp_row(const struct share_row *row, void *arg)
{
	struct exp *x = arg;
	fputs(x->first ? "\n" : ",\n", stdout);
	fwrite(row->raw, 1, row->raw_len, stdout);
	x->first = false;
	return 0;
}

static const struct cli_opt export_opts[] = {
    OPT_STRING("collection", struct coll_args, collection, "ALIAS",
	       "the collection / コレクション (required)"),
    OPT_STRING("since", struct coll_args, since, "TIME", "added after TIME (ISO 8601) / 以降"),
    OPT_STRING("format", struct coll_args, format, "stix|misp", "output format (stix) / 形式"),
    OPT_END(),
};

static int share_export_cmd(struct cli *c, int argc, char **argv)
{
	struct coll_args a = {0};
	const char *alias, *format;
	struct share_query q = {.added_after = -1, .cursor_date = -1, .vsel = SHARE_V_ALL};
	struct share_collection col;
	struct exp x = {true};
	struct store *s;
	struct merr e;
	int64_t since;
	bool more;
	int first, rc;

	if ((rc = cli_parse_options(c, export_opts, &a, argc, argv, &first)))
		return rc;
	alias = a.collection;
	format = a.format ? a.format : "stix";
	if (a.since) {
		if (time_parse(a.since, &since))
			return cli_usage_error(c, "--since: ISO 8601 の時刻ではありません / not an "
						  "ISO 8601 time");
		q.added_after = since * 1000000 + 999999;
	}
	if (first != argc || !alias)
		return cli_usage_error(c, "--collection ALIAS が必要です / --collection ALIAS is "
					  "needed");
	if (strcmp(format, "stix") != 0 && strcmp(format, "misp") != 0)
		return cli_usage_error(c, "--format: stix か misp / stix or misp");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_collection_get(s, alias, &col, &e)))
		return cli_fail(c, rc, &e);
	if (strcmp(format, "misp") == 0) {
		char *out = NULL;
		if ((rc = share_misp_export(s, &col, &out, &e)))
			return cli_fail(c, rc, &e);
		puts(out);
		free(out);
		return 0;
	}
	printf("{\"type\": \"bundle\", \"id\": \"bundle--%s\", \"objects\": [", col.id);
	rc = share_query_run(s, &col, &q, exp_row, &x, &more, &e);
	printf("%s]}\n", x.first ? "" : "\n");
	if (rc)
		return cli_fail(c, rc, &e);
	return 0;
}

static int share_match_cmd(struct cli *c, int argc, char **argv)
{
	struct share_match_stats ms;
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc)
		return cli_usage_error(c, "引数は不要です / no operand expected");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_match_run(s, time_now(), getenv("MAMORI_CONSOLE_URL"), &ms, &e)))
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "observed", (double)ms.observed);
		cJSON_AddNumberToObject(o, "hits", (double)ms.hits);
		cJSON_AddNumberToObject(o, "sightings", (double)ms.sightings);
		cJSON_AddNumberToObject(o, "alerts", (double)ms.alerts);
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf("照合 %lld 件、一致 %lld 件 (新しい観測 %lld 件、警報 %lld 件) / "
		       "%lld looked up, %lld hits, %lld new sightings, %lld alerts\n",
		       (long long)ms.observed, (long long)ms.hits, (long long)ms.sightings,
		       (long long)ms.alerts, (long long)ms.observed, (long long)ms.hits,
		       (long long)ms.sightings, (long long)ms.alerts);
	return 0;
}

struct remote_args {
	const char *collection, *into, *user, *password_env, *cacert;
	long pull_interval;
};
static const struct cli_opt remote_add_opts[] = {
    OPT_STRING("collection", struct remote_args, collection, "ID",
	       "the partner's collection id / 連携先のコレクション (required)"),
    OPT_STRING("into", struct remote_args, into, "ALIAS", "local collection (NAME) / 取り込み先"),
    OPT_STRING("user", struct remote_args, user, "U", "HTTP Basic user / ユーザー"),
    OPT_STRING("password-env", struct remote_args, password_env, "VAR",
	       "variable holding the password / パスワードの環境変数"),
    OPT_STRING("cacert", struct remote_args, cacert, "F", "CA file (PEM) / CA 証明書"),
    OPT_LONG("pull-interval", struct remote_args, pull_interval, 0, 366L * 86400, "S",
	     "pull every S seconds through the job module (0: by hand) / 定期取得の間隔"),
    OPT_END(),
};
static const struct cli_opt remote_schedule_opts[] = {
    OPT_LONG("pull-interval", struct remote_args, pull_interval, 0, 366L * 86400, "S",
	     "pull every S seconds (0: stop) / 定期取得の間隔 (0: 停止)"),
    OPT_END(),
};

static int remote_add(struct cli *c, int argc, char **argv)
{
	struct remote_args a = {0};
	struct share_remote r = {0};
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, remote_add_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 2 || !a.collection || !a.collection[0])
		return cli_usage_error(c, "NAME URL --collection ID が必要です / NAME URL "
					  "--collection ID are needed");
	snprintf(r.collection, sizeof(r.collection), "%s", a.collection);
	snprintf(r.into, sizeof(r.into), "%s", a.into ? a.into : "");
	snprintf(r.user, sizeof(r.user), "%s", a.user ? a.user : "");
	snprintf(r.password_env, sizeof(r.password_env), "%s",
		 a.password_env ? a.password_env : "");
	snprintf(r.cacert, sizeof(r.cacert), "%s", a.cacert ? a.cacert : "");
	snprintf(r.name, sizeof(r.name), "%s", argv[first]);
	snprintf(r.url, sizeof(r.url), "%s", argv[first + 1]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_remote_add(s, &r, &e)))
		return cli_fail(c, rc, &e);
	if (a.pull_interval &&
	    (rc = share_remote_set_interval(s, r.name, a.pull_interval, time_now(), &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("連携先 %s を登録しました / remote added: %s\n", r.name, r.url);
	return 0;
}

static int remote_schedule(struct cli *c, int argc, char **argv)
{
	struct remote_args a = {.pull_interval = -1};
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, remote_schedule_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 1 || a.pull_interval < 0)
		return cli_usage_error(c, "NAME --pull-interval S が必要です / NAME "
					  "--pull-interval S are needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_remote_set_interval(s, argv[first], a.pull_interval, time_now(), &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s: %ld 秒ごとに取得 / pulled every %ld s\n", argv[first], a.pull_interval,
		       a.pull_interval);
	return 0;
}

static int share_remote_cmd(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"add", remote_add, "add a partner's TAXII collection / 連携先の登録", remote_add_opts,
	     "NAME URL"},
	    {"schedule", remote_schedule, "scheduled pulls / 定期取得", remote_schedule_opts,
	     "NAME"},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}

static int pull_push(struct cli *c, int argc, char **argv, bool pull)
{
	struct share_sync_stats sy;
	struct share_pull_stats *st = &sy.pulled;
	struct store *s;
	struct merr e;
	int first, rc;

	memset(&sy, 0, sizeof(sy));
	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (argc - first != 1)
		return cli_usage_error(c,
				       "連携先 NAME を 1 つ指定してください / one remote NAME is "
				       "needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	/* pull: pull, match the new indicators, send mamori's sightings back */
	rc = pull ? share_sync(s, argv[first], time_now(), getenv("MAMORI_CONSOLE_URL"), &sy, &e)
		  : share_push(s, argv[first], st, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pages", (double)st->pages);
		cJSON_AddNumberToObject(o, "objects", (double)st->objects);
		cJSON_AddNumberToObject(o, "stored", (double)st->stored);
		cJSON_AddNumberToObject(o, "refused", (double)st->refused);
		if (pull) {
			cJSON_AddNumberToObject(o, "sightings", (double)sy.matched.sightings);
			cJSON_AddNumberToObject(o, "sightings_sent", (double)sy.sent.objects);
		}
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf("%s: %lld ページ、%lld 件 (成功 %lld、拒否 %lld) / %lld pages, %lld objects "
		       "(%lld ok, %lld refused)\n",
		       argv[first], (long long)st->pages, (long long)st->objects,
		       (long long)st->stored, (long long)st->refused, (long long)st->pages,
		       (long long)st->objects, (long long)st->stored, (long long)st->refused);
	if (!c->quiet && pull && (sy.matched.sightings || sy.sent.objects))
		printf("目撃情報 新規 %lld 件、送信 %lld 件 / %lld new sightings, %lld sent back\n",
		       (long long)sy.matched.sightings, (long long)sy.sent.objects,
		       (long long)sy.matched.sightings, (long long)sy.sent.objects);
	return 0;
}

static int share_pull_cmd(struct cli *c, int argc, char **argv)
{
	return pull_push(c, argc, argv, true);
}

static int share_push_cmd(struct cli *c, int argc, char **argv)
{
	return pull_push(c, argc, argv, false);
}

struct consumer_args {
	bool tlp1, tlp2;
};
static const struct cli_opt consumer_opts[] = {
    OPT_BOOL("tlp1", struct consumer_args, tlp1, "TLP 1.0 marking ids / TLP 1.0 で出力"),
    OPT_BOOL("tlp2", struct consumer_args, tlp2, "TLP 2.0 marking ids (default) / TLP 2.0"),
    OPT_END(),
};

static int share_consumer_cmd(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int rc;

	struct consumer_args a = {0};
	int first;

	if ((rc = cli_parse_options(c, consumer_opts, &a, argc, argv, &first)))
		return rc;
	if (argc - first != 1 || a.tlp1 == a.tlp2)
		return cli_usage_error(c,
				       "USER と --tlp1 か --tlp2 が必要です / USER --tlp1|--tlp2 "
				       "is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_consumer_set(s, argv[first], a.tlp1, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s: %s\n", argv[first], a.tlp1 ? "TLP 1.0" : "TLP 2.0");
	return 0;
}

int cmd_share(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"collection", share_collection_cmd, "collections / コレクション", NULL, "add|list"},
	    {"import", share_import_cmd, "import STIX objects / STIX の取り込み", import_opts,
	     "FILE"},
	    {"export", share_export_cmd, "export a collection / 書き出し", export_opts, NULL},
	    {"match", share_match_cmd, "indicators against mamori's observations / 指標の照合",
	     cli_json_opts, NULL},
	    {"remote", share_remote_cmd, "partners' TAXII collections / 連携先", NULL,
	     "add|schedule"},
	    {"pull", share_pull_cmd, "pull from a partner / 取得", cli_json_opts, "NAME"},
	    {"push", share_push_cmd, "push to a partner / 送信", cli_json_opts, "NAME"},
	    {"consumer", share_consumer_cmd, "per-consumer TLP 1.0 output / TLP 1.0 出力",
	     consumer_opts, "USER"},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
