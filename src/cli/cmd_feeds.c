/* cmd_feeds.c - `mamori feeds import|status|kev-diff|sync`: vulnerability feed ingest. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>

#include "base/mtime.h"
#include "cli/commands.h"
#include "feeds/feeds.h"

const char cmd_feeds_usage[] =
    "usage: mamori feeds import [--from DIR] [--resume] [--batch N] [--json] [FILE...]\n"
    "       mamori feeds status [--json]\n"
    "       mamori feeds kev-diff [--json] OLD.json NEW.json\n"
    "       mamori feeds sync [--dest DIR] [--base-url URL] [--nvd-year YYYY]... [--no-import]\n"
    "                         [--timeout S] [--json] [--sources LIST] [--since DATE]\n"
    "                         [--nvd-api-url URL] [--cve5-url TEMPLATE] [--jvn-url URL]\n"
    "                         [--page-delay MS] [--max-pages N] [--retries N]\n"
    "       mamori feeds sync --save-nvd-api-key < KEYFILE\n"
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

static int feeds_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
					     {"resume", no_argument, NULL, 'r'},
					     {"batch", required_argument, NULL, 'b'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	struct feeds_opts fo = {0};
	struct import_out out = {.c = c};
	const char *from = NULL;
	struct store *s;
	struct merr e;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': from = optarg; break;
		case 'r': fo.resume = true; break;
		case 'b': fo.batch = (size_t)strtoul(optarg, NULL, 10); break;
		case 'j': c->json = true; break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (from && optind < argc)
		return cli_usage_error(c, "give --from DIR or FILEs, not both");
	if (!(s = cli_store_checked(c)))
		return cli_exit_code(M_ESTORE);
	out.files = cJSON_CreateArray();
	merr_init(&e);
	if (optind < argc) {
		if (!c->json && !c->quiet)
			printf("フィード取り込み / feed import: %d file(s)\n", argc - optind);
		for (int i = optind; i < argc; i++) {
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

static int parse_count(const char *arg, long max, long *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
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

static int feeds_sync_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"dest", required_argument, NULL, 'd'},
					     {"base-url", required_argument, NULL, 'u'},
					     {"nvd-year", required_argument, NULL, 'y'},
					     {"no-import", no_argument, NULL, 'n'},
					     {"timeout", required_argument, NULL, 't'},
					     {"json", no_argument, NULL, 'j'},
					     {"sources", required_argument, NULL, 's'},
					     {"since", required_argument, NULL, 'S'},
					     {"nvd-api-url", required_argument, NULL, 'A'},
					     {"cve5-url", required_argument, NULL, 'C'},
					     {"jvn-url", required_argument, NULL, 'J'},
					     {"page-delay", required_argument, NULL, 'D'},
					     {"max-pages", required_argument, NULL, 'P'},
					     {"retries", required_argument, NULL, 'R'},
					     {"save-nvd-api-key", no_argument, NULL, 'K'},
					     {0}};
	struct feeds_sync_opts so = {.page_delay_ms = -1, .retries = -1};
	struct feeds_opts fo = {0};
	struct import_out out = {.c = c}, imp = {.c = c};
	int years[32], n_years = 0, opt, rc;
	bool save_key = false;
	struct store *s = NULL;
	struct merr e;

	so.dest = getenv("MAMORI_FEEDS_DIR");
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': so.dest = optarg; break;
		case 'u': so.base_url = optarg; break;
		case 'y':
			if (n_years >= (int)ARRAY_SIZE(years))
				return cli_usage_error(c, "too many --nvd-year");
			years[n_years] = (int)strtol(optarg, NULL, 10);
			if (years[n_years] < 2002 || years[n_years] > 2100)
				return cli_usage_error(c, "--nvd-year wants a year (2002-)");
			n_years++;
			break;
		case 'n': so.no_import = true; break;
		case 't': so.timeout_s = strtol(optarg, NULL, 10); break;
		case 'j': c->json = true; break;
		case 's':
			if (parse_sources(optarg, &so.sources))
				return cli_usage_error(
				    c, "--sources wants files,nvd-api,cve5,jvn,all");
			break;
		case 'S': so.since = optarg; break;
		case 'K': save_key = true; break;
		case 'A': so.nvdapi_url = optarg; break;
		case 'C': so.cve5_url = optarg; break;
		case 'J': so.jvn_url = optarg; break;
		case 'D':
			if (parse_count(optarg, 600000, &so.page_delay_ms))
				return cli_usage_error(
				    c, "--page-delay wants milliseconds (0-600000)");
			break;
		case 'R': {
			long v;
			if (parse_count(optarg, 10, &v))
				return cli_usage_error(c, "--retries wants 0-10");
			so.retries = (int)v;
			break;
		}
		case 'P':
			if (parse_count(optarg, 1000000, &so.max_pages) || so.max_pages == 0)
				return cli_usage_error(c, "--max-pages wants 1-1000000");
			break;
		default: return cli_usage_error(c, "unknown option");
		}
	}
	if (save_key)
		return save_nvd_api_key(c);
	if (!so.dest || !*so.dest)
		so.dest = "./feeds";
	so.nvd_api_key = getenv("NVD_API_KEY");
	if (so.nvd_api_key && !*so.nvd_api_key)
		so.nvd_api_key = NULL;
	if (so.sources & ~(unsigned)FEEDS_SYNC_FILES && !s && !(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	so.nvd_years = years;
	so.n_nvd_years = (size_t)n_years;
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

int cmd_feeds(struct cli *c, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
	    {"import", feeds_import, "import feed files / フィード取り込み"},
	    {"status", feeds_status_cmd, "show feed state / 取り込み状態"},
	    {"kev-diff", feeds_kev_diff_cmd, "diff two KEV catalogs / KEV 差分"},
	    {"sync", feeds_sync_cmd, "download and import feeds / ダウンロードと取り込み"},
	};
	return cli_dispatch_verbs(c, cli_find("feeds"), verbs, ARRAY_SIZE(verbs), argc, argv);
}
