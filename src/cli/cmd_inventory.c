/* cmd_inventory.c - `mamori inventory import|export|list|show`: the register of the
 * operators the ministry protects (src/inventory). */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "inventory/inventory.h"

const char cmd_inventory_usage[] =
    "import  reads FILE (.yaml/.yml: organisations; .csv: bulk assets with header\n"
    "        org,kind,value,declared_by,note) and makes the store agree with it in one\n"
    "        transaction; re-importing the same file changes nothing. --dry-run checks and\n"
    "        reports without writing, and lists what would be removed. Removing what the\n"
    "        file no longer lists (assets, scope, products, contacts, aliases of its\n"
    "        organisations) needs the file's end marker (`end: N` as its last line; export\n"
    "        writes it) or --prune: a file cut short must not withdraw scope (exit 15).\n"
    "        Bad input: FILE:LINE: field: what is wrong (exit 3).\n"
    "        インベントリを取り込みます（同じファイルの再取り込みでは何も変わりません）。\n"
    "export  writes the inventory as YAML that imports back to the same state (default -).\n"
    "        インベントリを YAML で書き出します。\n"
    "list    organisations, optionally of one sector (aviation, airports, railways, water,\n"
    "        logistics, ports). 組織の一覧。\n"
    "show    one organisation with contacts, assets, products and scope (times in JST).\n"
    "        組織の詳細。\n"
    "See docs/INVENTORY.md for the file format.\n";

/* ---- import ---- */

#define ST(f) offsetof(struct inv_import_stats, f)

static long get(const struct inv_import_stats *s, size_t off)
{
	return *(const long *)((const char *)s + off);
}

static void print_stats(const char *file, const struct inv_import_stats *s, bool dry)
{
	if (!dry) /* a dry run printed its header before the removals it lists */
		printf("取り込み / import: %s\n", file);
	printf("  組織 orgs:          追加 added %ld, 更新 updated %ld, 変更なし unchanged %ld\n",
	       s->orgs_added, s->orgs_updated, s->orgs_unchanged);
	printf("  資産 assets:        追加 added %ld, 更新 updated %ld, 削除 removed %ld, 変更なし "
	       "unchanged %ld\n",
	       s->assets_added, s->assets_updated, s->assets_removed, s->assets_unchanged);
	printf("  連絡先 contacts:    追加 added %ld, 削除 removed %ld\n", s->contacts_added,
	       s->contacts_removed);
	printf("  別名 aliases:       追加 added %ld, 削除 removed %ld\n", s->aliases_added,
	       s->aliases_removed);
	printf("  製品 products:      追加 added %ld, 削除 removed %ld\n", s->products_added,
	       s->products_removed);
	printf("  許可範囲 scope:     追加 added %ld, 削除 removed %ld\n", s->scopes_added,
	       s->scopes_removed);
	printf("  除外 exclusions:    追加 added %ld, 更新 updated %ld\n", s->exclusions_added,
	       s->exclusions_updated);
	if (dry && s->removals_refused)
		printf("  注意 note: %ld 件の削除には終端マーカー (end:) か --prune が必要です /"
		       " %ld removal%s need the file's end marker (end: N) or --prune\n",
		       s->removals_refused, s->removals_refused,
		       s->removals_refused == 1 ? "" : "s");
}

/* One planned (dry run) or made removal: listed in a dry run. */
struct removals {
	bool print;
	cJSON *list;
};

static void on_removal(const char *org, const char *part, const char *value, void *arg)
{
	struct removals *r = arg;

	if (r->list) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "org", org);
		cJSON_AddStringToObject(o, "part", part);
		cJSON_AddStringToObject(o, "value", value);
		cJSON_AddItemToArray(r->list, o);
	} else if (r->print) {
		printf("  削除予定 will remove: %s %s %s\n", org, part, value);
	}
}

static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
    {"orgs_added", ST(orgs_added)},
    {"orgs_updated", ST(orgs_updated)},
    {"orgs_unchanged", ST(orgs_unchanged)},
    {"assets_added", ST(assets_added)},
    {"assets_updated", ST(assets_updated)},
    {"assets_removed", ST(assets_removed)},
    {"assets_unchanged", ST(assets_unchanged)},
    {"contacts_added", ST(contacts_added)},
    {"contacts_removed", ST(contacts_removed)},
    {"aliases_added", ST(aliases_added)},
    {"aliases_removed", ST(aliases_removed)},
    {"products_added", ST(products_added)},
    {"products_removed", ST(products_removed)},
    {"scopes_added", ST(scopes_added)},
    {"scopes_removed", ST(scopes_removed)},
    {"exclusions_added", ST(exclusions_added)},
    {"exclusions_updated", ST(exclusions_updated)},
};

static int json_stats(const char *file, const struct inv_import_stats *s, bool dry, cJSON *removals)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "file", file);
	cJSON_AddBoolToObject(o, "dry_run", dry);
	for (size_t i = 0; i < ARRAY_SIZE(stat_fields); i++)
		cJSON_AddNumberToObject(o, stat_fields[i].name, (double)get(s, stat_fields[i].off));
	cJSON_AddNumberToObject(o, "removals_refused", (double)s->removals_refused);
	if (removals)
		cJSON_AddItemToObject(o, "removals", removals);
	return cli_print_json(o);
}

struct import_args {
	bool dry, prune;
};

static const struct cli_opt import_opts[] = {
    OPT_BOOL("dry-run", struct import_args, dry, "check and report, write nothing / 試行のみ"),
    OPT_BOOL("prune", struct import_args, prune,
	     "remove what the file no longer lists / 記載のないものを削除"),
    OPT_JSON(),
    OPT_END(),
};

static int do_import(struct cli *c, int argc, char **argv)
{
	struct inv_import_opts io = {.removal = on_removal};
	struct import_args a = {0};
	struct removals rm = {0};
	struct inv_import_stats st;
	struct store *s;
	struct merr e;
	bool dry;
	int rc;

	if ((rc = cli_parse_options(c, import_opts, &a, argc, argv, &optind)))
		return rc;
	dry = a.dry;
	io.prune = a.prune;
	if (optind != argc - 1)
		return cli_usage_error(c,
				       "取り込むファイルを 1 つ指定してください / give exactly one"
				       " FILE to import");
	if (!(s = cli_store_checked(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	io.dry_run = dry;
	io.arg = &rm;
	if (dry && c->json)
		rm.list = cJSON_CreateArray();
	if (!c->json && !c->quiet && dry) {
		printf(
		    "取り込み / import: %s  (試行のみ・書き込みなし / dry run: nothing written)\n",
		    argv[optind]);
		rm.print = true;
	}
	rc = inv_import_file_ex(s, argv[optind], time_now(), &io, &st, &e);
	if (rc) {
		cJSON_Delete(rm.list);
		return cli_fail(c, rc, &e);
	}
	if (c->json)
		return json_stats(argv[optind], &st, dry, rm.list);
	if (!c->quiet)
		print_stats(argv[optind], &st, dry);
	return 0;
}

/* ---- export ---- */

struct export_args {
	const char *org;
};

static const struct cli_opt export_opts[] = {
    OPT_STRING("org", struct export_args, org, "SLUG", "only this organisation / 組織"),
    OPT_END(),
};

static int do_export(struct cli *c, int argc, char **argv)
{
	struct export_args a = {NULL};
	const char *slug, *path = "-";
	struct store *s;
	struct merr e;
	struct buf b;
	FILE *f;
	int rc;

	if ((rc = cli_parse_options(c, export_opts, &a, argc, argv, &optind)))
		return rc;
	slug = a.org;
	if (argc - optind > 1)
		return cli_usage_error(c, "ファイルは 1 つまでです / give at most one FILE");
	if (optind < argc)
		path = argv[optind];
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	buf_init(&b, INV_FILE_MAX);
	rc = inv_export(s, slug, &b, &e);
	if (rc == 0) {
		f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
		if (!f || fwrite(buf_str(&b), 1, b.len, f) != b.len)
			rc = merr_at(&e, M_EIO, path, -1, -1, NULL, "cannot write");
		if (f && f != stdout && fclose(f) != 0)
			rc = merr_at(&e, M_EIO, path, -1, -1, NULL, "cannot write");
	}
	buf_release(&b);
	return rc ? cli_fail(c, rc, &e) : 0;
}

/* ---- list ---- */

static const char *kind_of(const struct inv_org *o)
{
	return o->sector ? o->sector : o->business_type ? o->business_type : "-";
}

static int list_json(const struct inv_doc *d, unsigned with)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < d->n_orgs; i++)
		cJSON_AddItemToArray(a, inv_org_json(&d->orgs[i], with, false, time_now()));
	return cli_print_json(a);
}

static void list_text(const struct inv_doc *d)
{
	printf("%-18s %-14s %-7s %-4s %6s %5s  %s\n", "ID", "SECTOR/TYPE", "SIZE", "CI", "ASSETS",
	       "SCOPE", "名称 / NAME");
	for (size_t i = 0; i < d->n_orgs; i++) {
		const struct inv_org *o = &d->orgs[i];
		printf("%-18s %-14s %-7s %-4s %6zu %5zu  %s%s%s\n", o->slug, kind_of(o),
		       o->size_class ? o->size_class : "-", o->critical ? "yes" : "-", o->n_assets,
		       o->n_scopes, o->name_ja, o->name_en ? " / " : "",
		       o->name_en ? o->name_en : "");
	}
	printf("%zu 組織 / organisations\n", d->n_orgs);
}

struct list_args {
	const char *sector;
	bool critical;
};

static const struct cli_opt list_opts[] = {
    OPT_STRING("sector", struct list_args, sector, "S", "only this sector / 分野"),
    OPT_BOOL("critical", struct list_args, critical,
	     "critical infrastructure only / 重要インフラのみ"),
    OPT_JSON(),
    OPT_END(),
};

static int do_list(struct cli *c, int argc, char **argv)
{
	struct inv_filter f = {NULL, NULL, -1, INV_WITH_ASSETS | INV_WITH_SCOPES};
	struct list_args a = {0};
	struct inv_doc *d = NULL;
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_parse_options(c, list_opts, &a, argc, argv, &optind)))
		return rc;
	f.sector = a.sector;
	if (a.critical)
		f.critical = 1;
	if (optind != argc)
		return cli_usage_error(c, "余分な引数 '%s' / unexpected argument '%s'",
				       argv[optind], argv[optind]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_load(s, &f, &d, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json)
		rc = list_json(d, f.with);
	else
		list_text(d);
	inv_doc_free(d);
	return rc;
}

/* ---- show ---- */

static void span_text(const struct inv_scope *sc, char *out, size_t cap)
{
	char a[TIME_STR_MAX], b[TIME_STR_MAX];

	time_fmt_jst(sc->valid_from, a);
	time_fmt_jst(sc->valid_until, b);
	snprintf(out, cap, "%s 〜 %s", a, b);
}

static void show_text(const struct inv_org *o)
{
	char t[TIME_STR_MAX], span[100];

	printf("%s  %s%s%s\n", o->slug, o->name_ja, o->name_en ? " / " : "",
	       o->name_en ? o->name_en : "");
	printf(
	    "  分野 sector: %s   業種 business type: %s   規模 size: %s   重要インフラ critical: "
	    "%s   OT: %s\n",
	    o->sector ? o->sector : "-", o->business_type ? o->business_type : "-",
	    o->size_class ? o->size_class : "-", o->critical ? "yes" : "no",
	    o->ot_probes ? "read-only probes allowed" : "no");
	time_fmt_jst(o->updated_at, t);
	printf("  更新 updated: %s\n", t);
	for (size_t i = 0; i < o->n_aliases; i++)
		printf("  別名 alias: %s\n", o->aliases[i]);
	for (size_t i = 0; i < o->n_contacts; i++)
		printf("  連絡先 contact: %s <%s> %s\n",
		       o->contacts[i].name ? o->contacts[i].name : "",
		       o->contacts[i].email ? o->contacts[i].email : "",
		       o->contacts[i].role ? o->contacts[i].role : "");
	printf("  資産 assets (%zu):\n", o->n_assets);
	for (size_t i = 0; i < o->n_assets; i++) {
		const struct inv_asset *a = &o->assets[i];
		printf("    %-8s %-32s %-9s %-9s %s\n", a->kind, a->value, a->status, a->source,
		       a->declared_by ? a->declared_by : "");
	}
	printf("  申告製品 declared products (%zu):\n", o->n_products);
	for (size_t i = 0; i < o->n_products; i++) {
		const struct inv_product *p = &o->products[i];
		if (p->cpe)
			printf("    %s", p->cpe);
		else
			printf("    %s %s %s", p->vendor, p->product, p->version ? p->version : "");
		printf("%s%s\n", p->asset ? "  on " : "", p->asset ? p->asset : "");
	}
	printf("  許可範囲 scope (%zu):\n", o->n_scopes);
	for (size_t i = 0; i < o->n_scopes; i++) {
		span_text(&o->scopes[i], span, sizeof(span));
		printf("    %-20s %s  %s\n", o->scopes[i].cidr, span, o->scopes[i].authorised_by);
	}
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct inv_filter f = {NULL, NULL, -1, INV_WITH_ALL & ~INV_WITH_EXCLUSIONS};
	struct inv_doc *d = NULL;
	struct store *s;
	struct merr e;
	int rc = 0;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (optind != argc - 1)
		return cli_usage_error(
		    c, "組織 ID を 1 つ指定してください / give one organisation id");
	f.slug = argv[optind];
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = inv_load(s, &f, &d, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (c->json)
		rc = cli_print_json(inv_org_json(&d->orgs[0], f.with, true, time_now()));
	else
		show_text(&d->orgs[0]);
	inv_doc_free(d);
	return rc;
}

const struct cli_verb cmd_inventory_verbs[] = {
    {"import", do_import, "import a YAML or CSV inventory / 取り込み", import_opts, "FILE"},
    {"export", do_export, "write the inventory as YAML / 書き出し", export_opts, "[FILE|-]"},
    {"list", do_list, "list organisations / 一覧", list_opts, NULL},
    {"show", do_show, "show one organisation / 詳細", cli_json_opts, "ORG"},
    {0},
};

int cmd_inventory(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("inventory"), cmd_inventory_verbs,
				  ARRAY_SIZE(cmd_inventory_verbs) - 1, argc, argv);
}
