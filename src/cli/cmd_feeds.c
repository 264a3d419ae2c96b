/* cmd_feeds.c - `mamori feeds import|status|kev-diff|sync`: vulnerability feed ingest. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "feeds/feeds.h"

const char cmd_feeds_usage[] =
    "usage: mamori feeds sync --save-nvd-api-key < KEYFILE\n"
    "\n"
    "import    imports NVD, CVE 5, KEV, EPSS and JVN files: every feed under DIR (laid out as\n"
    "          nvd/ cve5/ kev/ epss/ jvn/; default --data-dir) or the FILEs given (feed\n"
    "          detected from the content). Bad records are skipped and listed; --resume\n"
    "          continues a killed import after its last committed batch. --batch N fixes\n"
    "          the records per transaction (default: 1,000, growing with the file).\n"
    "          Exit status 3 when a file could not be read to its end (record errors: 0).\n"
    "          脆弱性フィードを取り込みます (不正なレコードは記録して飛ばします)。\n"
    "status    shows each file's last import and checkpoint / 取り込み状態の表示\n"
    "kev-diff  compares two KEV catalog files: CVEs added and removed / KEV カタログの差分\n"
    "sync      downloads KEV, EPSS and NVD feed files (ETag, Range resume, .meta SHA-256),\n"
    "          then imports them. --base-url replaces the official hosts with BASE/<feed>/.\n"
    "          --sources files,nvd-api,cve5,jvn (or all; default files): nvd-api pages the\n"
    "          NVD CVE API 2.0 from its cursor (API key: $NVD_API_KEY or the one saved\n"
    "          with --save-nvd-api-key from stdin), cve5 imports the\n"
    "          newest cvelistV5 hourly delta zip, jvn pages MyJVN getVulnOverviewList and\n"
    "          fetches getVulnDetailInfo. --since sets the start of a source with no cursor.\n"
    "          フィードをダウンロードして取り込みます (API は前回の続きから)。\n";

/* ---- import ---- */

struct import_out {
	struct cli *c;
	cJSON *files;
	long long stored[6], unchanged[6], errors[6], skipped[6];
	double seconds[6];
	bool failed;
};

static void print_result(const struct feeds_result *r, void *arg)
{
	struct import_out *o = arg;
	int k = (int)r->kind;

	o->stored[k] += r->stored;
	o->unchanged[k] += r->unchanged;
	o->errors[k] += r->errors;
	o->skipped[k] += r->skipped;
	o->seconds[k] += r->seconds;
	o->failed |= r->file_failed;
	if (o->c->json) {
		cJSON *f = cJSON_CreateObject(), *errs = cJSON_CreateArray();
		cJSON_AddStringToObject(f, "feed", feeds_kind_name(r->kind));
		cJSON_AddStringToObject(f, "file", r->file);
		cJSON_AddNumberToObject(f, "stored", (double)r->stored);
		cJSON_AddNumberToObject(f, "unchanged", (double)r->unchanged);
		cJSON_AddNumberToObject(f, "skipped", (double)r->skipped);
		cJSON_AddNumberToObject(f, "errors", (double)r->errors);
		cJSON_AddNumberToObject(f, "removed", (double)r->removed);
		cJSON_AddNumberToObject(f, "seconds", r->seconds);
		cJSON_AddBoolToObject(f, "resumed", r->resumed);
		cJSON_AddBoolToObject(f, "failed", r->file_failed);
		if (r->version[0])
			cJSON_AddStringToObject(f, "version", r->version);
		if (r->feed_date[0])
			cJSON_AddStringToObject(f, "feed_date", r->feed_date);
		for (int i = 0; i < r->n_first_errors; i++)
			cJSON_AddItemToArray(errs, cJSON_CreateString(r->first_errors[i]));
		cJSON_AddItemToObject(f, "first_errors", errs);
		cJSON_AddItemToArray(o->files, f);
		return;
	}
	if (o->c->quiet && !r->errors)
		return;
	printf("  %-5s %s\n        保存 stored %lld, 変更なし unchanged %lld, エラー errors %lld",
	       feeds_kind_name(r->kind), r->file, r->stored, r->unchanged, r->errors);
	if (r->skipped)
		printf(", 飛ばした skipped %lld", r->skipped);
	if (r->removed)
		printf(", 削除 removed %lld", r->removed);
	printf(", %.2f s%s%s\n", r->seconds, r->resumed ? " (resumed / 再開)" : "",
	       r->file_failed ? " (file failed / ファイル失敗)" : "");
	for (int i = 0; i < r->n_first_errors; i++)
		printf("        ! %s\n", r->first_errors[i]);
	if (r->errors > r->n_first_errors)
		printf("        ! ... %lld more in feed_errors / 残りは feed_errors に\n",
		       r->errors - r->n_first_errors);
}

static void print_totals(struct import_out *o)
{
	static const enum feeds_kind ks[] = {FEEDS_NVD, FEEDS_CVE5, FEEDS_KEV, FEEDS_EPSS,
					     FEEDS_JVN};
	cJSON *tot = o->c->json ? cJSON_CreateObject() : NULL;

	if (!o->c->json && !o->c->quiet)
		printf("フィード別合計 / per feed:\n");
	for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
		int k = (int)ks[i];
		if (!o->stored[k] && !o->unchanged[k] && !o->errors[k] && !o->skipped[k])
			continue;
		if (tot) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddNumberToObject(f, "stored", (double)o->stored[k]);
			cJSON_AddNumberToObject(f, "unchanged", (double)o->unchanged[k]);
			cJSON_AddNumberToObject(f, "errors", (double)o->errors[k]);
			cJSON_AddNumberToObject(f, "skipped", (double)o->skipped[k]);
			cJSON_AddNumberToObject(f, "seconds", o->seconds[k]);
			cJSON_AddItemToObject(tot, feeds_kind_name(ks[i]), f);
		} else if (!o->c->quiet) {
			printf(
			    "  %-5s 保存 stored %lld, 変更なし unchanged %lld, エラー errors %lld, "
			    "%.2f s\n",
			    feeds_kind_name(ks[i]), o->stored[k], o->unchanged[k], o->errors[k],
			    o->seconds[k]);
		}
	}
	if (tot) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "files", o->files);
		cJSON_AddItemToObject(root, "feeds", tot);
		cJSON_AddBoolToObject(root, "ok", !o->failed);
		o->files = NULL;
		cli_print_json(root);
	}
}

struct import_args {
	const char *from;
	bool resume;
	size_t batch;
};

static const struct cli_opt import_opts[] = {
    OPT_STRING("from", struct import_args, from, "DIR", "import every feed under DIR / フォルダ"),
    OPT_BOOL("resume", struct import_args, resume, "continue after the last commit / 続きから"),
    OPT_SIZE("batch", struct import_args, batch, 1, 1000000, "N",
	     "records per transaction (default grows) / 1 トランザクションのレコード数"),
    OPT_JSON(),
    OPT_END(),
};

static int feeds_import(struct cli *c, int argc, char **argv)
{
	struct import_args a = {0};
	struct feeds_opts fo = {0};
	struct import_out out = {.c = c};
	const char *from;
	struct store *s;
	struct merr e;
	int first, rc = 0;

	if ((rc = cli_parse_options(c, import_opts, &a, argc, argv, &first)))
		return rc;
	from = a.from;
	fo.resume = a.resume;
	fo.batch = a.batch;
	if (from && first < argc)
		return cli_usage_error(c, "give --from DIR or FILEs, not both");
	if (!(s = cli_store_checked(c)))
		return cli_exit_code(M_ESTORE);
	out.files = cJSON_CreateArray();
	merr_init(&e);
	if (first < argc) {
		if (!c->json && !c->quiet)
			printf("フィード取り込み / feed import: %d file(s)\n", argc - first);
		for (int i = first; i < argc; i++) {
			struct feeds_result r;
			struct merr fe;
			int frc;
			merr_init(&fe);
			frc = feeds_import_file(s, argv[i], FEEDS_UNKNOWN, &fo, &r, &fe);
			if (frc && !rc) {
				rc = frc;
				e = fe;
			}
			if (frc && r.n_first_errors == 0 && fe.code) {
				merr_format(&fe, r.first_errors[0], sizeof(r.first_errors[0]));
				r.n_first_errors = 1;
				r.file_failed = true;
			}
			print_result(&r, &out);
		}
	} else {
		from = from ? from : c->data_dir;
		if (!c->json && !c->quiet)
			printf("フィード取り込み / feed import: %s\n", from);
		rc = feeds_import_dir(s, from, &fo, print_result, &out, &e);
	}
	print_totals(&out);
	cJSON_Delete(out.files);
	if (rc == M_ENOTFOUND || rc == M_ESTORE || rc == M_ENOMEM || rc == M_EINVAL)
		return cli_fail(c, rc, &e);
	/* Record errors are reported above; a file that could not be read to its end fails. */
	return out.failed ? cli_exit_code(rc ? rc : M_EPARSE) : 0;
}

/* ---- status ---- */

static void print_state(const struct feeds_state *st, void *arg)
{
	struct cli *c = ((struct import_out *)arg)->c;
	cJSON *files = ((struct import_out *)arg)->files;
	char when[TIME_STR_MAX];

	time_fmt_jst(st->last_import, when);
	if (c->json) {
		cJSON_AddItemToArray(files, feeds_state_json(st));
		return;
	}
	printf("%-48s %s  records %lld  errors %lld  %s\n", st->feed, when, (long long)st->records,
	       (long long)st->errors,
	       st->checkpoint && strstr(st->checkpoint, "\"done\":true")
		   ? "完了 complete"
		   : (st->checkpoint ? st->checkpoint : (st->etag ? st->etag : "")));
}

static int feeds_status_cmd(struct cli *c, int argc, char **argv)
{
	struct import_out out = {.c = c};
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	out.files = cJSON_CreateArray();
	if (!c->json)
		printf("フィード状態 / feed state:\n");
	rc = feeds_status(s, print_state, &out, &e);
	if (rc) {
		cJSON_Delete(out.files);
		return cli_fail(c, rc, &e);
	}
	if (c->json)
		return cli_print_json(out.files);
	cJSON_Delete(out.files);
	return 0;
}

/* ---- kev-diff ---- */

static cJSON *entries_json(const struct feeds_kev_entry *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "cveID", v[i].cve_id);
		cJSON_AddStringToObject(o, "vendorProject", v[i].vendor_project);
		cJSON_AddStringToObject(o, "product", v[i].product);
		cJSON_AddStringToObject(o, "vulnerabilityName", v[i].name);
		cJSON_AddStringToObject(o, "dateAdded", v[i].date_added);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void print_entries(char sign, const struct feeds_kev_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%c %-16s %s  %s / %s: %s\n", sign, v[i].cve_id, v[i].date_added,
		       v[i].vendor_project, v[i].product, v[i].name);
}

static int feeds_kev_diff_cmd(struct cli *c, int argc, char **argv)
{
	struct feeds_kev_diff d;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (argc - optind != 2)
		return cli_usage_error(c, "give two catalog files: OLD NEW");
	merr_init(&e);
	rc = feeds_kev_diff(argv[optind], argv[optind + 1], &d, &e);
	if (rc) {
		feeds_kev_diff_release(&d);
		return cli_fail(c, rc, &e);
	}
	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "old_version", d.old_version);
		cJSON_AddStringToObject(o, "new_version", d.new_version);
		cJSON_AddNumberToObject(o, "old_count", (double)d.old_count);
		cJSON_AddNumberToObject(o, "new_count", (double)d.new_count);
		cJSON_AddNumberToObject(o, "n_added", (double)d.n_added);
		cJSON_AddNumberToObject(o, "n_removed", (double)d.n_removed);
		cJSON_AddItemToObject(o, "added", entries_json(d.added, d.n_added));
		cJSON_AddItemToObject(o, "removed", entries_json(d.removed, d.n_removed));
		feeds_kev_diff_release(&d);
		return cli_print_json(o);
	}
	printf("KEV %s (%lld) -> %s (%lld)\n", d.old_version, d.old_count, d.new_version,
	       d.new_count);
	print_entries('+', d.added, d.n_added);
	print_entries('-', d.removed, d.n_removed);
	printf("追加 added: %zu, 削除 removed: %zu\n", d.n_added, d.n_removed);
	feeds_kev_diff_release(&d);
	return 0;
}

/* ---- sync ---- */

static void print_sync(const struct feeds_sync_result *r, void *arg)
{
	struct import_out *o = arg;
	if (o->c->json) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", r->name);
		cJSON_AddStringToObject(f, "url", r->url);
		cJSON_AddStringToObject(f, "path", r->path);
		cJSON_AddBoolToObject(f, "downloaded", r->downloaded);
		cJSON_AddBoolToObject(f, "not_modified", r->not_modified);
		cJSON_AddBoolToObject(f, "resumed", r->resumed);
		cJSON_AddNumberToObject(f, "bytes", (double)r->bytes);
		if (r->error[0])
			cJSON_AddStringToObject(f, "error", r->error);
		cJSON_AddItemToArray(o->files, f);
		return;
	}
	if (r->error[0])
		printf("  %-14s エラー error: %s\n", r->name, r->error);
	else if (r->not_modified)
		printf("  %-14s 変更なし not modified (%s)\n", r->name, r->url);
	else
		printf("  %-14s %lld bytes%s -> %s\n", r->name, r->bytes,
		       r->resumed ? " (resumed / 再開)" : "", r->path);
}

/* Downloads and imports are listed apart in --json. */
struct sync_out {
	struct import_out *dl, *imp;
};

static void sync_dl(const struct feeds_sync_result *r, void *arg)
{
	print_sync(r, ((struct sync_out *)arg)->dl);
}

static void sync_imp(const struct feeds_result *r, void *arg)
{
	print_result(r, ((struct sync_out *)arg)->imp);
}

/* "files,nvd-api,cve5,jvn" or "all" -> FEEDS_SYNC_* bits. */
static int parse_sources(const char *arg, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
	    {"files", FEEDS_SYNC_FILES},
	    {"nvd-api", FEEDS_SYNC_NVDAPI},
	    {"cve5", FEEDS_SYNC_CVE5},
	    {"jvn", FEEDS_SYNC_JVN},
	    {"all", FEEDS_SYNC_FILES | FEEDS_SYNC_NVDAPI | FEEDS_SYNC_CVE5 | FEEDS_SYNC_JVN}};
	const char *p = arg;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0) {
				*out |= names[i].bit;
				found = true;
			}
		if (!found)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return *out ? 0 : -1;
}

/* Reads the key from stdin (never argv: other users see a command line) into the store. */
static int save_nvd_api_key(struct cli *c)
{
	char line[256];
	struct store *s;
	struct merr e;
	size_t n;
	int rc;

	if (!fgets(line, sizeof(line), stdin))
		return cli_usage_error(c, "--save-nvd-api-key reads the key from standard input");
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = feeds_sync_set_nvd_api_key(s, line, &e);
	memset(line, 0, sizeof(line));
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("NVD API キーを保存しました / NVD API key saved\n");
	return 0;
}

struct sync_args {
	struct feeds_sync_opts so;
	int years[32];
	size_t n_years;
	bool save_key;
};

static int opt_year(void *args, const char *arg, const char **why)
{
	struct sync_args *a = args;
	long long y;

	if (a->n_years >= ARRAY_SIZE(a->years)) {
		*why = "too many --nvd-year (32 at most) / 指定が多すぎます";
		return -1;
	}
	if (cli_parse_ll(arg, 2002, 2100, &y)) {
		*why = "wants a year (2002-2100) / 年を指定してください";
		return -1;
	}
	a->years[a->n_years++] = (int)y;
	return 0;
}

static int opt_sources(void *args, const char *arg, const char **why)
{
	struct sync_args *a = args;

	if (parse_sources(arg, &a->so.sources)) {
		*why = "wants files,nvd-api,cve5,jvn,all / 取得元の一覧";
		return -1;
	}
	return 0;
}

static const struct cli_opt sync_opts[] = {
    OPT_STRING("dest", struct sync_args, so.dest, "DIR",
	       "download folder ($MAMORI_FEEDS_DIR, ./feeds) / 保存先"),
    OPT_STRING("base-url", struct sync_args, so.base_url, "URL",
	       "BASE/<feed>/ instead of the official hosts"),
    OPT_CALLBACK("nvd-year", opt_year, "YYYY", "a yearly NVD file too (repeatable) / 年別ファイル"),
    OPT_BOOL("no-import", struct sync_args, so.no_import, "download only / ダウンロードのみ"),
    OPT_LONG("timeout", struct sync_args, so.timeout_s, 1, 86400, "S",
	     "per transfer (default 600) / 転送ごとの秒数"),
    OPT_JSON(),
    OPT_CALLBACK("sources", opt_sources, "LIST", "files,nvd-api,cve5,jvn or all / 取得元"),
    OPT_STRING("since", struct sync_args, so.since, "DATE",
	       "start of a source with no cursor / 初回の開始日"),
    OPT_STRING("nvd-api-url", struct sync_args, so.nvdapi_url, "URL", "NVD CVE API 2.0 endpoint"),
    OPT_STRING("cve5-url", struct sync_args, so.cve5_url, "TEMPLATE",
	       "cvelistV5 delta zip URL template"),
    OPT_STRING("jvn-url", struct sync_args, so.jvn_url, "URL", "MyJVN API endpoint"),
    OPT_LONG("page-delay", struct sync_args, so.page_delay_ms, 0, 600000, "MS",
	     "between API requests / 間隔"),
    OPT_LONG("max-pages", struct sync_args, so.max_pages, 1, 1000000, "N",
	     "per source and run / ページ上限"),
    OPT_INT("retries", struct sync_args, so.retries, 0, 10, "N",
	    "more tries of a failed request / 再試行"),
    OPT_BOOL("save-nvd-api-key", struct sync_args, save_key,
	     "save the NVD API key read from stdin / API キーを保存"),
    OPT_END(),
};

static int feeds_sync_cmd(struct cli *c, int argc, char **argv)
{
	struct sync_args a = {.so = {.page_delay_ms = -1, .retries = -1}};
	struct feeds_sync_opts so;
	struct feeds_opts fo = {0};
	struct import_out out = {.c = c}, imp = {.c = c};
	int first, rc;
	bool save_key;
	struct store *s = NULL;
	struct merr e;

	a.so.dest = getenv("MAMORI_FEEDS_DIR");
	if ((rc = cli_parse_options(c, sync_opts, &a, argc, argv, &first)))
		return rc;
	so = a.so;
	save_key = a.save_key;
	if (save_key)
		return save_nvd_api_key(c);
	if (!so.dest || !*so.dest)
		so.dest = "./feeds";
	so.nvd_api_key = getenv("NVD_API_KEY");
	if (so.nvd_api_key && !*so.nvd_api_key)
		so.nvd_api_key = NULL;
	if (so.sources & ~(unsigned)FEEDS_SYNC_FILES && !s && !(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	so.nvd_years = a.years;
	so.n_nvd_years = a.n_years;
	so.import = &fo;
	if (!so.no_import && !(s = cli_store_checked(c)))
		return cli_exit_code(M_ESTORE);
	out.files = cJSON_CreateArray();
	imp.files = cJSON_CreateArray();
	merr_init(&e);
	if (!c->json)
		printf("フィード同期 / feed sync -> %s\n", so.dest);
	{
		struct sync_out so_out = {.dl = &out, .imp = &imp};
		rc = feeds_sync(s, &so, sync_dl, sync_imp, &so_out, &e);
	}
	if (c->json) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "downloads", out.files);
		cJSON_AddItemToObject(root, "imports", imp.files);
		cJSON_AddBoolToObject(root, "ok", rc == 0);
		cli_print_json(root);
	} else {
		cJSON_Delete(out.files);
		cJSON_Delete(imp.files);
	}
	if (rc)
		return cli_fail(c, rc, &e);
	return 0;
}

const struct cli_verb cmd_feeds_verbs[] = {
    {"import", feeds_import, "import feed files / フィード取り込み", import_opts, "[FILE...]"},
    {"status", feeds_status_cmd, "show feed state / 取り込み状態", cli_json_opts, NULL},
    {"kev-diff", feeds_kev_diff_cmd, "diff two KEV catalogs / KEV 差分", cli_json_opts,
     "OLD.json NEW.json"},
    {"sync", feeds_sync_cmd, "download and import feeds / ダウンロードと取り込み", sync_opts, NULL},
    {0},
};

int cmd_feeds(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("feeds"), cmd_feeds_verbs,
				  ARRAY_SIZE(cmd_feeds_verbs) - 1, argc, argv);
}
