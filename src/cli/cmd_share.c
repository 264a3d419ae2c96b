/* cmd_share.c - `mamori share collection|import|export`: STIX 2.1 collections shared with
 * the ISAC over TAXII 2.1 (src/share). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>

#include "base/buf.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "share/share.h"

const char cmd_share_usage[] =
    "usage: mamori share collection add ALIAS --title T [--description D] [--tlp LEVEL]\n"
    "                                [--read WHO,...] [--write WHO,...]\n"
    "       mamori share collection list [--json]\n"
    "       mamori share import FILE --collection ALIAS [--json]\n"
    "       mamori share export --collection ALIAS [--since TIME] [--format stix|misp]\n"
    "       mamori share match [--json]\n"
    "       mamori share remote add NAME URL --collection ID [--into ALIAS] [--user U\n"
    "                               --password-env VAR] [--cacert F]\n"
    "       mamori share pull NAME [--json] | push NAME [--json]\n"
    "       mamori share consumer USER --tlp1|--tlp2\n"
    "\n"
    "WHO: user:NAME, role:ROLE, org:SLUG or * (every signed-in account); analysts may always\n"
    "read and write. LEVEL: clear, green, amber (default), amber+strict, red: the TLP of\n"
    "objects that carry no TLP marking. import reads a STIX 2.1 bundle, a TAXII 2.1 envelope\n"
    "or one STIX object (or MISP event JSON, converted) and stores every valid object exactly as "
    "written; each refused object\n"
    "is listed with its reason (exit status 1 when any was refused). export writes a STIX\n"
    "bundle of the stored objects (every version), byte for byte as they arrived; --since\n"
    "keeps those added after TIME (ISO 8601). match looks up every address and name mamori\n"
    "knows of the operators in the indicators' match index (import runs it after new\n"
    "indicators): a hit stores a STIX sighting (TLP:RED) and raises one urgent alert per\n"
    "(operator, indicator); run it after scans and discovery ($MAMORI_CONSOLE_URL: ack link).\n"
    "remote add names a partner's TAXII 2.1 collection (URL: its API root); pull stores what\n"
    "was added since the last pull into --into (default: a collection named NAME), push sends\n"
    "what was added locally since the last push. TLS is always verified (--cacert: a private\n"
    "CA); the password is read from $VAR, never from the command line. consumer --tlp1: the\n"
    "TAXII server gives USER the TLP 1.0 marking ids (tools that reject TLP 2.0).\n"
    "ISAC と共有する STIX 2.1 コレクションの作成・一覧・取り込み・書き出しを行います。\n";

static int coll_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"title", required_argument, NULL, 't'}, {"description", required_argument, NULL, 'd'},
	    {"tlp", required_argument, NULL, 'l'},   {"read", required_argument, NULL, 'r'},
	    {"write", required_argument, NULL, 'w'}, {0}};
	struct share_collection col = {.tlp = SHARE_TLP_AMBER};
	struct store *s;
	struct merr e;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': snprintf(col.title, sizeof(col.title), "%s", optarg); break;
		case 'd': snprintf(col.description, sizeof(col.description), "%s", optarg); break;
		case 'l':
			if (!(col.tlp = share_tlp_parse(optarg)))
				return cli_usage_error(c, "--tlp: unknown level '%s'", optarg);
			break;
		case 'r': snprintf(col.read, sizeof(col.read), "%s", optarg); break;
		case 'w': snprintf(col.write, sizeof(col.write), "%s", optarg); break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(c, "one collection ALIAS is needed");
	if (!col.title[0])
		return cli_usage_error(c, "--title is needed");
	snprintf(col.alias, sizeof(col.alias), "%s", argv[optind]);
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
	int rc;

	optind = 0;
	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind != argc)
		return cli_usage_error(c, "no operand expected");
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
	    {"add", coll_add, "add a collection / コレクションの追加"},
	    {"list", coll_list, "list collections / コレクション一覧"},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}

static int share_import_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"collection", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'}, {0}};
	const char *alias = NULL;
	struct share_collection col;
	struct share_import_result r;
	struct store *s;
	struct merr e;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': alias = optarg; break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc - 1 || !alias)
		return cli_usage_error(c, "FILE and --collection ALIAS are needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_collection_get(s, alias, &col, &e)))
		return cli_fail(c, rc, &e);
	rc = share_import_file(s, &col, argv[optind], &r, &e);
	if (rc) {
		merr_set_file(&e, argv[optind]);
		return cli_fail(c, rc, &e);
	}
	if (c->json) {
		cJSON *o = cJSON_CreateObject(), *ok = cJSON_CreateArray(),
		      *bad = cJSON_CreateArray();
		for (size_t i = 0; i < r.n; i++) {
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
		for (size_t i = 0; i < r.n; i++)
			if (!r.items[i].ok)
				fprintf(stderr, "%s: object %zu %s: %s\n", argv[optind], i + 1,
					r.items[i].id[0] ? r.items[i].id : "(no id)",
					r.items[i].message);
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
			printf("指標の一致 %lld 件、緊急アラート %lld 件 / %lld sightings, %lld "
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

static int share_export_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"collection", required_argument, NULL, 'c'},
					     {"since", required_argument, NULL, 's'},
					     {"format", required_argument, NULL, 'f'},
					     {0}};
	const char *alias = NULL, *format = "stix";
	struct share_query q = {.added_after = -1, .cursor_date = -1, .vsel = SHARE_V_ALL};
	struct share_collection col;
	struct exp x = {true};
	struct store *s;
	struct merr e;
	int64_t since;
	bool more;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': alias = optarg; break;
		case 's':
			if (time_parse(optarg, &since))
				return cli_usage_error(c, "--since: not an ISO 8601 time");
			q.added_after = since * 1000000 + 999999;
			break;
		case 'f': format = optarg; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc || !alias)
		return cli_usage_error(c, "--collection ALIAS is needed");
	if (strcmp(format, "stix") != 0 && strcmp(format, "misp") != 0)
		return cli_usage_error(c, "--format: stix or misp");
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
	int rc;

	optind = 0;
	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
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
		printf("照合 %lld 件、一致 %lld 件 (新しい観測 %lld 件、緊急アラート %lld 件) / "
		       "%lld looked up, %lld hits, %lld new sightings, %lld alerts\n",
		       (long long)ms.observed, (long long)ms.hits, (long long)ms.sightings,
		       (long long)ms.alerts, (long long)ms.observed, (long long)ms.hits,
		       (long long)ms.sightings, (long long)ms.alerts);
	return 0;
}

static int remote_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"collection", required_argument, NULL, 'c'},
					     {"into", required_argument, NULL, 'i'},
					     {"user", required_argument, NULL, 'u'},
					     {"password-env", required_argument, NULL, 'p'},
					     {"cacert", required_argument, NULL, 'a'},
					     {0}};
	struct share_remote r = {0};
	struct store *s;
	struct merr e;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': snprintf(r.collection, sizeof(r.collection), "%s", optarg); break;
		case 'i': snprintf(r.into, sizeof(r.into), "%s", optarg); break;
		case 'u': snprintf(r.user, sizeof(r.user), "%s", optarg); break;
		case 'p': snprintf(r.password_env, sizeof(r.password_env), "%s", optarg); break;
		case 'a': snprintf(r.cacert, sizeof(r.cacert), "%s", optarg); break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (optind != argc - 2 || !r.collection[0])
		return cli_usage_error(c, "NAME URL --collection ID are needed");
	snprintf(r.name, sizeof(r.name), "%s", argv[optind]);
	snprintf(r.url, sizeof(r.url), "%s", argv[optind + 1]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_remote_add(s, &r, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("連携先 %s を登録しました / remote added: %s\n", r.name, r.url);
	return 0;
}

static int share_remote_cmd(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"add", remote_add, "add a partner's TAXII collection / 連携先の登録"},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}

static int pull_push(struct cli *c, int argc, char **argv, bool pull)
{
	struct share_pull_stats st;
	struct store *s;
	struct merr e;
	int rc;

	optind = 0;
	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind != argc - 1)
		return cli_usage_error(c, "one remote NAME is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = pull ? share_pull(s, argv[optind], &st, &e) : share_push(s, argv[optind], &st, &e);
	if (rc == 0 && pull && st.indicators) {
		struct share_match_stats ms;
		rc = share_match_run(s, time_now(), getenv("MAMORI_CONSOLE_URL"), &ms, &e);
	}
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pages", (double)st.pages);
		cJSON_AddNumberToObject(o, "objects", (double)st.objects);
		cJSON_AddNumberToObject(o, "stored", (double)st.stored);
		cJSON_AddNumberToObject(o, "refused", (double)st.refused);
		return cli_print_json(o);
	}
	if (!c->quiet)
		printf("%s: %lld ページ、%lld 件 (成功 %lld、拒否 %lld) / %lld pages, %lld objects "
		       "(%lld ok, %lld refused)\n",
		       argv[optind], (long long)st.pages, (long long)st.objects,
		       (long long)st.stored, (long long)st.refused, (long long)st.pages,
		       (long long)st.objects, (long long)st.stored, (long long)st.refused);
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

static int share_consumer_cmd(struct cli *c, int argc, char **argv)
{
	struct store *s;
	struct merr e;
	int rc;

	if (argc != 3 || (strcmp(argv[2], "--tlp1") != 0 && strcmp(argv[2], "--tlp2") != 0))
		return cli_usage_error(c, "USER --tlp1|--tlp2 is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	if ((rc = share_consumer_set(s, argv[1], strcmp(argv[2], "--tlp1") == 0, &e)))
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("%s: %s\n", argv[1], strcmp(argv[2], "--tlp1") == 0 ? "TLP 1.0" : "TLP 2.0");
	return 0;
}

int cmd_share(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"collection", share_collection_cmd, "collections / コレクション"},
	    {"import", share_import_cmd, "import STIX objects / STIX の取り込み"},
	    {"export", share_export_cmd, "export a collection / 書き出し"},
	    {"match", share_match_cmd, "indicators against mamori's observations / 指標の照合"},
	    {"remote", share_remote_cmd, "partners' TAXII collections / 連携先"},
	    {"pull", share_pull_cmd, "pull from a partner / 取得"},
	    {"push", share_push_cmd, "push to a partner / 送信"},
	    {"consumer", share_consumer_cmd, "per-consumer TLP 1.0 output / TLP 1.0 出力"},
	};
	return cli_dispatch_verbs(c, cli_find("share"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
