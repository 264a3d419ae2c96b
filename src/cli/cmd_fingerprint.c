/* cmd_fingerprint.c - `mamori fingerprint`: list the Recog databases, match a
 * banner for an analyst, and run every Recog example as a self-test. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "base/mem.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "fingerprint/banner.h"
#include "fingerprint/fingerprint.h"

const char cmd_fingerprint_usage[] =
    "Uses the Rapid7 Recog databases in DATA_DIR/recog (BSD-2-Clause).\n"
    "Recog の指紋データベースでバナーを識別します。\n"
    "  list      databases, fingerprints, examples, patterns PCRE2 could not compile\n"
    "            データベース一覧\n"
    "  match     first fingerprint of DATABASE (e.g. ssh_banners) matching TEXT;\n"
    "            TEXT may use \\r \\n \\t \\xNN escapes; an SSH ident line or an\n"
    "            FTP/SMTP/POP3/IMAP greeting with its code is reduced to what Recog matches\n"
    "            バナーの照合 (製品・バージョン・CPE)\n"
    "  selftest  every <example> must match its fingerprint with the stated params;\n"
    "            --failures lists each failed or shadowed example\n"
    "            全 example による自己テスト\n";

static int load(struct cli *c, struct fp_db **db)
{
	char dir[4096];
	struct merr e;
	int rc;

	merr_init(&e);
	snprintf(dir, sizeof(dir), "%s/recog", c->data_dir);
	rc = fp_db_load(dir, db, &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

struct selftest_args {
	const char *db;
	bool failures;
};

static const struct cli_opt selftest_opts[] = {
    OPT_STRING("db", struct selftest_args, db, "NAME", "only this database / 対象の DB"),
    OPT_BOOL("failures", struct selftest_args, failures, "list each failed or shadowed example"),
    OPT_JSON(),
    OPT_END(),
};

/* --json for list and match; selftest also takes --db and --failures. Returns 0 or the
 * usage error's status; the operands start at argv[optind]. */
static int parse_json_opt(struct cli *c, int argc, char **argv, const char **dbname, bool *failures)
{
	struct selftest_args a = {0};
	int first, rc;

	rc = cli_parse_options(c, dbname ? selftest_opts : cli_json_opts, &a, argc, argv, &first);
	if (rc)
		return rc;
	optind = first;
	if (dbname)
		*dbname = a.db;
	if (failures)
		*failures = a.failures;
	return 0;
}

/* ---- list ---- */

static cJSON *uncompiled_json(const struct fp_db *db, size_t i, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t k = 0; k < n; k++) {
		struct fp_uncompiled u;
		cJSON *o = cJSON_CreateObject();
		if (fp_db_uncompiled(db, i, k, &u) != 0)
			break;
		cJSON_AddNumberToObject(o, "line", (double)u.line);
		cJSON_AddStringToObject(o, "description", u.description);
		cJSON_AddStringToObject(o, "pattern", u.pattern);
		cJSON_AddStringToObject(o, "reason", u.reason);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static int verb_list(struct cli *c, int argc, char **argv)
{
	struct fp_db *db = NULL;
	size_t tot_fp = 0, tot_ex = 0, tot_bad = 0;
	cJSON *arr = NULL;
	int rc;

	if ((rc = parse_json_opt(c, argc, argv, NULL, NULL)))
		return rc;
	if ((rc = load(c, &db)) != 0)
		return rc;
	if (c->json)
		arr = cJSON_CreateArray();
	else
		printf("%-26s %-22s %-8s %6s %8s %s\n", "database", "matches", "protocol", "fps",
		       "examples", "uncompiled / コンパイル不可");
	for (size_t i = 0; i < fp_db_count(db); i++) {
		struct fp_db_info in;
		fp_db_info(db, i, &in);
		tot_fp += in.n_fingerprints;
		tot_ex += in.n_examples;
		tot_bad += in.n_uncompiled;
		if (c->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", in.name);
			cJSON_AddStringToObject(o, "matches", in.matches);
			cJSON_AddStringToObject(o, "protocol", in.protocol);
			cJSON_AddStringToObject(o, "database_type", in.database_type);
			cJSON_AddNumberToObject(o, "preference", in.preference);
			cJSON_AddNumberToObject(o, "fingerprints", (double)in.n_fingerprints);
			cJSON_AddNumberToObject(o, "examples", (double)in.n_examples);
			cJSON_AddItemToObject(o, "uncompiled",
					      uncompiled_json(db, i, in.n_uncompiled));
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		printf("%-26s %-22s %-8s %6zu %8zu %zu\n", in.name, in.matches, in.protocol,
		       in.n_fingerprints, in.n_examples, in.n_uncompiled);
		for (size_t k = 0; k < in.n_uncompiled; k++) {
			struct fp_uncompiled u;
			if (fp_db_uncompiled(db, i, k, &u) == 0)
				printf("    line %ld: %s: %s\n", u.line, u.description, u.reason);
		}
	}
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "load_seconds", fp_db_load_seconds(db));
		cJSON_AddItemToObject(o, "databases", arr);
		rc = cli_print_json(o);
	} else {
		printf("%zu databases, %zu fingerprints, %zu examples, %zu uncompiled; "
		       "loaded in %.3f s\n",
		       fp_db_count(db), tot_fp, tot_ex, tot_bad, fp_db_load_seconds(db));
		printf("%zu データベース、%zu 指紋、読み込み %.3f 秒\n", fp_db_count(db), tot_fp,
		       fp_db_load_seconds(db));
	}
	fp_db_free(db);
	return rc;
}

/* ---- match ---- */

/* Decodes \r \n \t \\ \xNN in place so a CR LF banner can be typed; returns the length. */
static size_t unescape(char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i]; i++) {
		char n = s[i + 1];
		if (s[i] != '\\' || !n) {
			s[o++] = s[i];
			continue;
		}
		if (n == 'r' || n == 'n' || n == 't' || n == '\\') {
			s[o++] = n == 'r' ? '\r' : n == 'n' ? '\n' : n == 't' ? '\t' : '\\';
			i++;
		} else if (n == 'x' && s[i + 2] && s[i + 3]) {
			char hex[3] = {s[i + 2], s[i + 3], 0}, *end;
			long v = strtol(hex, &end, 16);
			if (*end) {
				s[o++] = s[i];
				continue;
			}
			s[o++] = (char)v;
			i += 3;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

static cJSON *result_json(const struct fp_result *r)
{
	cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "database", r->database);
	cJSON_AddStringToObject(o, "matches", r->matches);
	cJSON_AddStringToObject(o, "description", r->description);
	cJSON_AddNumberToObject(o, "line", (double)r->line);
	cJSON_AddStringToObject(o, "vendor", r->vendor);
	cJSON_AddStringToObject(o, "product", r->product);
	cJSON_AddStringToObject(o, "version", r->version);
	cJSON_AddStringToObject(o, "os", r->os);
	cJSON_AddStringToObject(o, "device", r->device);
	cJSON_AddStringToObject(o, "cpe23", r->cpe23);
	cJSON_AddStringToObject(o, "service_cpe23", r->service_cpe23);
	cJSON_AddStringToObject(o, "os_cpe23", r->os_cpe23);
	cJSON_AddStringToObject(o, "hw_cpe23", r->hw_cpe23);
	for (size_t i = 0; i < r->n_params; i++)
		cJSON_AddStringToObject(p, r->params[i].name, r->params[i].value);
	cJSON_AddItemToObject(o, "params", p);
	cJSON_AddNumberToObject(o, "match_start", (double)r->match_start);
	cJSON_AddNumberToObject(o, "match_end", (double)r->match_end);
	return o;
}

static void result_print(const struct fp_result *r)
{
	printf("%s (%s:%ld)\n", r->description, r->database, r->line);
	printf("  product / 製品:      %s%s%s\n", r->vendor, *r->vendor ? " " : "", r->product);
	printf("  version / バージョン: %s\n", *r->version ? r->version : "-");
	if (*r->os)
		printf("  OS:                  %s\n", r->os);
	if (*r->device)
		printf("  device / 機器:       %s\n", r->device);
	printf("  CPE 2.3:             %s\n", *r->cpe23 ? r->cpe23 : "-");
	for (size_t i = 0; i < r->n_params; i++)
		printf("    %s = %s\n", r->params[i].name, r->params[i].value);
}

static int verb_match(struct cli *c, int argc, char **argv)
{
	struct fp_db *db = NULL;
	struct fp_result *r = NULL;
	struct merr e;
	size_t len;
	int rc;

	if ((rc = parse_json_opt(c, argc, argv, NULL, NULL)))
		return rc;
	if (argc - optind != 2)
		return cli_usage_error(c, "needs DATABASE and TEXT");
	len = unescape(argv[optind + 1]);
	/* "SSH-2.0-...", "220 ...": give Recog the part it matches */
	len = fp_banner_text(argv[optind], argv[optind + 1], len, argv[optind + 1], len + 1);
	if ((rc = load(c, &db)) != 0)
		return rc;
	r = m_malloc(sizeof(*r));
	rc = r ? fp_match(db, argv[optind], argv[optind + 1], len, r) : M_ENOMEM;
	merr_init(&e);
	if (rc == M_ENOTFOUND)
		merr_set(&e, rc, "no Recog database '%s' (see 'mamori fingerprint list')",
			 argv[optind]);
	if (rc >= 0 && c->json) {
		cJSON *o = rc == 1 ? result_json(r) : cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "matched", rc == 1);
		cli_print_json(o);
	} else if (rc == 1) {
		result_print(r);
	} else if (rc == 0) {
		printf("no match / 一致なし\n");
	}
	m_free(r);
	fp_db_free(db);
	if (rc < 0)
		return cli_fail(c, rc, &e);
	return rc == 1 ? 0 : 1;
}

/* ---- selftest ---- */

static double rate(const struct fp_selftest_db *d)
{
	return d->n_examples ? 100.0 * (double)(d->passed + d->shadowed) / (double)d->n_examples
			     : 100.0;
}

static cJSON *selftest_json(const struct fp_db *db, const struct fp_selftest *t)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	size_t n = 0, ok = 0, sh = 0, bad = 0;

	for (size_t i = 0; i < t->n_dbs; i++) {
		const struct fp_selftest_db *d = &t->dbs[i];
		struct fp_db_info in;
		cJSON *x = cJSON_CreateObject(), *fl = cJSON_CreateArray();
		fp_db_info(db, (size_t)fp_db_find(db, d->name), &in);
		n += d->n_examples;
		ok += d->passed;
		sh += d->shadowed;
		bad += d->failed;
		cJSON_AddStringToObject(x, "name", d->name);
		cJSON_AddNumberToObject(x, "examples", (double)d->n_examples);
		cJSON_AddNumberToObject(x, "passed", (double)d->passed);
		cJSON_AddNumberToObject(x, "shadowed", (double)d->shadowed);
		cJSON_AddNumberToObject(x, "failed", (double)d->failed);
		cJSON_AddNumberToObject(x, "pass_rate", rate(d));
		for (size_t k = 0; k < d->n_failures; k++) {
			const struct fp_example_failure *f = &d->failures[k];
			cJSON *y = cJSON_CreateObject();
			cJSON_AddStringToObject(
			    y, "status", f->status == FP_EX_SHADOWED ? "shadowed" : "failed");
			cJSON_AddNumberToObject(y, "line", (double)f->line);
			cJSON_AddStringToObject(y, "fingerprint", f->description);
			cJSON_AddStringToObject(y, "example", f->example);
			cJSON_AddStringToObject(y, "reason", f->reason);
			cJSON_AddItemToArray(fl, y);
		}
		cJSON_AddItemToObject(x, "failures", fl);
		cJSON_AddItemToObject(
		    x, "uncompiled",
		    uncompiled_json(db, (size_t)fp_db_find(db, d->name), in.n_uncompiled));
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddNumberToObject(o, "examples", (double)n);
	cJSON_AddNumberToObject(o, "passed", (double)ok);
	cJSON_AddNumberToObject(o, "shadowed", (double)sh);
	cJSON_AddNumberToObject(o, "failed", (double)bad);
	cJSON_AddNumberToObject(o, "load_seconds", fp_db_load_seconds(db));
	cJSON_AddNumberToObject(o, "selftest_seconds", t->seconds);
	cJSON_AddItemToObject(o, "databases", arr);
	return o;
}

static void selftest_print(const struct fp_db *db, const struct fp_selftest *t, bool failures)
{
	size_t n = 0, ok = 0, sh = 0, bad = 0;

	printf("%-26s %8s %7s %8s %6s %8s\n", "database", "examples", "passed", "shadowed",
	       "failed", "rate");
	for (size_t i = 0; i < t->n_dbs; i++) {
		const struct fp_selftest_db *d = &t->dbs[i];
		n += d->n_examples;
		ok += d->passed;
		sh += d->shadowed;
		bad += d->failed;
		printf("%-26s %8zu %7zu %8zu %6zu %7.2f%%\n", d->name, d->n_examples, d->passed,
		       d->shadowed, d->failed, rate(d));
		for (size_t k = 0; k < d->n_failures; k++) {
			const struct fp_example_failure *f = &d->failures[k];
			if (f->status == FP_EX_FAIL || failures)
				printf("    %s line %ld (%s): %s\n      example: %s\n",
				       f->status == FP_EX_FAIL ? "FAIL" : "shadowed", f->line,
				       f->description, f->reason, f->example);
		}
	}
	printf("total: %zu examples, %zu passed, %zu shadowed (earlier fingerprint matches first), "
	       "%zu failed; load %.3f s, selftest %.3f s\n",
	       n, ok, sh, bad, fp_db_load_seconds(db), t->seconds);
	printf("合計: %zu 件中 成功 %zu、先行一致 %zu、失敗 %zu\n", n, ok, sh, bad);
}

static int verb_selftest(struct cli *c, int argc, char **argv)
{
	struct fp_db *db = NULL;
	struct fp_selftest *t = NULL;
	const char *only = NULL;
	bool failures = false;
	struct merr e;
	int rc;

	if ((rc = parse_json_opt(c, argc, argv, &only, &failures)))
		return rc;
	if ((rc = load(c, &db)) != 0)
		return rc;
	rc = fp_selftest_run(db, only, &t);
	if (rc) {
		merr_init(&e);
		if (rc == M_ENOTFOUND)
			merr_set(&e, rc, "no Recog database '%s'", only);
		fp_db_free(db);
		return cli_fail(c, rc, &e);
	}
	if (c->json)
		rc = cli_print_json(selftest_json(db, t));
	else
		selftest_print(db, t, failures);
	fp_selftest_free(t);
	fp_db_free(db);
	return rc;
}

const struct cli_verb cmd_fingerprint_verbs[] = {
    {"list", verb_list, "list the Recog databases / データベース一覧", cli_json_opts, NULL},
    {"match", verb_match, "match text against one database / バナー照合", cli_json_opts,
     "DATABASE TEXT"},
    {"selftest", verb_selftest, "run every Recog example / 自己テスト", selftest_opts, NULL},
    {0},
};

int cmd_fingerprint(struct cli *c, int argc, char **argv)
{
	const struct cli_command *cmd = cli_find("fingerprint");

	return cli_dispatch_verbs(c, cmd, cmd_fingerprint_verbs,
				  ARRAY_SIZE(cmd_fingerprint_verbs) - 1, argc, argv);
}
