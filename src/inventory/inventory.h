/*
 * inventory.h - the operator inventory (organisations, contacts, assets, declared
 * products, authorised scope, global exclusions), its YAML/CSV import and export, and
 * the scope check every scanner calls before it sends a packet. See docs/INVENTORY.md.
 */
#ifndef MAMORI_INVENTORY_H
#define MAMORI_INVENTORY_H

#include "base/compat.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/ip.h"
#include "store/store.h"

/* Largest inventory file read (YAML or CSV): ten thousand operators with a hundred assets
 * each fit in a tenth of it. */
#define INV_FILE_MAX ((size_t)64 << 20)
/* Deepest flow nesting ([ and {) read from YAML: libyaml's scanner takes quadratic time in
 * it (45 s for 200 KB), and an inventory needs three or four levels. */
#define INV_YAML_FLOW_MAX 32

/*
 * The in-memory inventory: what a file says (after parsing) or what the store holds
 * (inv_load). Every string belongs to the document; NULL means "not given". `line` is
 * the 1-based line in the file the item came from (0 when loaded from the store);
 * ids and times are 0 in a parsed file.
 */
struct inv_contact {
	int64_t id;
	char *name, *email, *role;
	long line;
};

struct inv_asset {
	int64_t id;
	char *kind;   /* domain, hostname, ipv4, ipv6, cidr */
	char *value;  /* canonical: lowercase names, canonical addresses and prefixes */
	char *status; /* confirmed, candidate, rejected */
	char *source; /* 'inventory' for declared assets, else the discovery source */
	char *declared_by, *note;
	int64_t first_seen, last_seen;
	long line;
};

struct inv_product {
	int64_t id;
	char *cpe; /* CPE 2.3 formatted string, or NULL with vendor/product/version */
	char *vendor, *product, *version;
	char *asset; /* the asset it runs on, free text (hostname, address) */
	char *declared_by, *note;
	long line;
};

struct inv_scope {
	int64_t id;
	char *cidr; /* canonical prefix */
	char *authorised_by;
	int64_t valid_from, valid_until; /* inclusive, Unix seconds UTC */
	char *note;
	long line;
};

struct inv_exclusion {
	int64_t id;
	char *cidr, *reason, *added_by;
	int64_t created_at;
	long line;
};

struct inv_org {
	int64_t id;
	char *slug; /* the id in the file: [a-z0-9][a-z0-9-]* */
	char *name_ja, *name_en;
	char *sector, *business_type, *size_class; /* codes; NULL when not given */
	bool critical, ot_probes;
	int64_t created_at, updated_at;
	char **aliases;
	size_t n_aliases;
	struct inv_contact *contacts;
	size_t n_contacts;
	struct inv_asset *assets;
	size_t n_assets;
	struct inv_product *products;
	size_t n_products;
	struct inv_scope *scopes;
	size_t n_scopes;
	/* From a CSV file: only the assets are given; the org must already exist and
	 * nothing else of it is touched. */
	bool assets_only;
	long line;
};

struct inv_arena;

struct inv_doc {
	struct inv_org *orgs;
	size_t n_orgs;
	struct inv_exclusion *exclusions;
	size_t n_exclusions;
	bool has_exclusions; /* the file had an exclusions: key */
	/* The file ended with its end marker (`end: N`, N its organisations, as the last
	 * top-level key): it was read whole, so what it omits may be removed (see inv_import). */
	bool complete;
	struct inv_arena *arena;
};

/* Returns a new empty document (NULL on out of memory); free it with inv_doc_free(). */
struct inv_doc *inv_doc_new(void);
void inv_doc_free(struct inv_doc *d);

/*
 * Parsers of untrusted input. Each reads buf[0..len), checks syntax, keys, field formats
 * (addresses, e-mail, CPE, dates, UTF-8) and what can be checked inside the file alone
 * (duplicate ids, overlapping scope, until < from); checks against the store and against
 * `now` happen at import. `file` names the input in error messages. On success *out is a
 * new document (free it with inv_doc_free()); on failure *out is NULL and e holds
 * "FILE:LINE: field: what is wrong". Return 0, M_EPARSE, M_ETOOBIG or M_ENOMEM.
 */
int inv_parse_yaml(const char *buf, size_t len, const char *file, struct inv_doc **out,
		   struct merr *e);
/* CSV with header org,kind,value[,declared_by[,note]] (RFC 4180 quoting). */
int inv_parse_csv(const char *buf, size_t len, const char *file, struct inv_doc **out,
		  struct merr *e);

/* What an import did (or, with dry_run, would do). */
struct inv_import_stats {
	long orgs_added, orgs_updated, orgs_unchanged;
	long assets_added, assets_updated, assets_removed, assets_unchanged;
	long contacts_added, contacts_removed;
	long aliases_added, aliases_removed;
	long products_added, products_removed;
	long scopes_added, scopes_removed;
	long exclusions_added, exclusions_updated;
	/* Removals (assets, aliases, contacts, products, scope of organisations in the file)
	 * that were not allowed: the file had no end marker and prune was not given. A dry run
	 * reports them (and succeeds); a real import is refused with M_ECONFIRM. */
	long removals_refused;
};

/* Called once per removal an import makes or, in a dry run, would make: the organisation's
 * slug, the part ("asset", "alias", "contact", "product", "scope") and its value. */
typedef void (*inv_removal_fn)(const char *org, const char *part, const char *value, void *arg);

struct inv_import_opts {
	bool dry_run;
	/* Removals allowed although the file has no end marker (`mamori inventory import
	 * --prune`): the operator confirms the file is whole. */
	bool prune;
	inv_removal_fn removal; /* may be NULL */
	void *arg;
};

/*
 * Makes the store agree with the document, in one transaction, after validating all of
 * it (sector and business type codes, scope expired at `now`, scope overlapping another
 * organisation's scope in the store). Organisations are matched by slug; for each org in
 * the document its fields, aliases, contacts, inventory assets (source 'inventory'),
 * products and scope are made equal to the document; orgs not in it are left alone.
 * Exclusions in the document are added or updated, never removed (removing one widens
 * what is probed, so that takes `scope exclude remove`). Nothing that is already equal is
 * written: importing the same document twice changes no row. With dry_run nothing is
 * written at all. stats (may be NULL) receives the counts. On any error the store is as
 * before. Returns 0 or a negative code.
 */
int inv_import(struct store *s, const struct inv_doc *d, int64_t now, bool dry_run,
	       struct inv_import_stats *stats, struct merr *e);
/*
 * inv_import with options. Deletions are explicit: an import that would remove anything of
 * an organisation in the document (an asset, alias, contact, product or scope range it no
 * longer lists) needs the document to be complete (d->complete: the YAML file ended with
 * its `end: N` marker, which `inventory export` writes) or o->prune; otherwise nothing is
 * written and M_ECONFIRM names the first removal (a file cut at a line boundary must not
 * withdraw an operator's scope). inv_import is this with o = {dry_run} (no prune).
 */
int inv_import_ex(struct store *s, const struct inv_doc *d, int64_t now,
		  const struct inv_import_opts *o, struct inv_import_stats *stats, struct merr *e);
int inv_import_file_ex(struct store *s, const char *path, int64_t now,
		       const struct inv_import_opts *o, struct inv_import_stats *stats,
		       struct merr *e);

/* Reads path (YAML by extension .yaml/.yml, CSV by .csv), parses and imports it. */
int inv_import_file(struct store *s, const char *path, int64_t now, bool dry_run,
		    struct inv_import_stats *stats, struct merr *e);

/* What inv_load reads besides the organisation rows. */
enum {
	INV_WITH_ALIASES = 1 << 0,
	INV_WITH_CONTACTS = 1 << 1,
	INV_WITH_ASSETS = 1 << 2,
	INV_WITH_PRODUCTS = 1 << 3,
	INV_WITH_SCOPES = 1 << 4,
	INV_WITH_EXCLUSIONS = 1 << 5,
	INV_WITH_ALL = 0x3f,
};

struct inv_filter {
	const char *slug;   /* one organisation, or NULL for all */
	const char *sector; /* only this sector, or NULL */
	int critical;	    /* 1 critical only, 0 non-critical only, -1 either */
	unsigned with;	    /* INV_WITH_* */
};

/*
 * Reads organisations (ordered by slug) matching f, with the parts f->with asks for,
 * into a new document in *out (free it with inv_doc_free()). A slug that does not exist
 * gives M_ENOTFOUND. f NULL means every org with everything.
 */
int inv_load(struct store *s, const struct inv_filter *f, struct inv_doc **out, struct merr *e);

/* One asset with its organisation's slug; texts borrowed for the callback. */
struct inv_asset_row {
	const char *org, *kind, *value, *status, *source, *declared_by, *note;
	int64_t first_seen, last_seen; /* 0: unknown */
};
typedef int (*inv_asset_fn)(void *arg, const struct inv_asset_row *r);
/* Every asset of the organisations f allows (slug, sector, critical; NULL: all), by slug, kind
 * and value, one row at a time (list.c). fn returning non-zero stops and is returned. */
int inv_assets_each(struct store *s, const struct inv_filter *f, inv_asset_fn fn, void *arg,
		    struct merr *e);

/*
 * One page of organisation rows (no parts; f->with is ignored) matching f's slug, sector
 * and critical, ordered by slug: at most limit rows from offset, and in *total how many
 * match in all. The paging is in the query, so the cost follows the page, not the register.
 * No match or an offset past the end gives an empty document, never M_ENOTFOUND (a slug
 * here is a row rule, e.g. an operator's own). limit, offset >= 0.
 */
int inv_load_page(struct store *s, const struct inv_filter *f, int64_t limit, int64_t offset,
		  struct inv_doc **out, int64_t *total, struct merr *e);

/* Counts organisations matching f (slug and sector; critical ignored) per sector, ordered by
 * sector code (organisations without a sector first, sector NULL): fn gets the number and
 * how many of them are critical. fn returning non-zero stops the walk and is returned. */
typedef int (*inv_count_fn)(const char *sector, int64_t orgs, int64_t critical, void *arg);
int inv_sector_counts(struct store *s, const struct inv_filter *f, inv_count_fn fn, void *arg,
		      struct merr *e);

/* Appends d as an inventory YAML file that re-imports to the same state: only assets
 * whose source is 'inventory' are written. Returns 0 or a negative code. */
int inv_write_yaml(const struct inv_doc *d, struct buf *out, struct merr *e);

/* Exports the store (one org when slug is not NULL, with no exclusions then) as YAML. */
int inv_export(struct store *s, const char *slug, struct buf *out, struct merr *e);

/* Sector and business type tables. Calls fn once per row, ordered by code; fn returning
 * non-zero stops the walk and is returned. */
typedef int (*inv_code_fn)(const char *code, const char *name_ja, const char *name_en, void *arg);
int inv_sectors(struct store *s, inv_code_fn fn, void *arg, struct merr *e);
int inv_business_types(struct store *s, inv_code_fn fn, void *arg, struct merr *e);

/* ---- Scope: every scanner asks before it probes. ---- */

struct inv_scope_verdict {
	bool allowed;
	int64_t scope_id; /* the scope row that allows it, 0 if refused */
	char reason[320]; /* Japanese first, then English */
};

/*
 * May `a` be actively probed for org_slug at `now`? Fills v in every case (refusal
 * reasons: unknown organisation, excluded, not in any authorised range, authorisation
 * expired, not yet valid). Returns 0 when allowed, M_ESCOPE when refused (e gets the
 * reason too), another negative code on error (v then says refused: fail closed).
 */
int inv_scope_check(struct store *s, const char *org_slug, const struct ipaddr *a, int64_t now,
		    struct inv_scope_verdict *v, struct merr *e);

/* The addresses ORG may be actively probed at `now`: its valid scopes minus the global
 * exclusions. out must be initialised (ipset_init); ranges are added to it. Unknown org:
 * M_ENOTFOUND. */
int inv_scope_set(struct store *s, const char *org_slug, int64_t now, struct ipset *out,
		  struct merr *e);

/* Adds a global exclusion (cidr strict; reason required, UTF-8) or, when it exists,
 * updates its reason. *added (may be NULL) says which. */
int inv_exclusion_add(struct store *s, const char *cidr, const char *reason, const char *added_by,
		      int64_t now, bool *added, struct merr *e);
/* Removes an exclusion; M_ENOTFOUND when there is none for that prefix. */
int inv_exclusion_remove(struct store *s, const char *cidr, struct merr *e);

/* ---- Field checks, shared with other modules that take the same kinds of input. ---- */

/* A CPE 2.3 formatted string: "cpe:2.3:" then 11 more colon-separated components
 * (13 in all), backslash escapes honoured, part a/o/h, no empty component. */
bool inv_cpe23_valid(const char *s);
/* addr-spec with a dotted domain; no spaces or control characters. */
bool inv_email_valid(const char *s);
/* DNS name: dot-separated labels of letters, digits and hyphens. */
bool inv_hostname_valid(const char *s);
/* An organisation id the inventory refuses: "sector-..." (sector reports are named so, and
 * other namespaces may use the prefix) or digits only (reads as a numeric id in URLs). */
#define INV_SLUG_RESERVED_PREFIX "sector-"
bool inv_slug_reserved(const char *s);

/* ---------------------------------------------------------------- reads (json.c) */

struct cJSON;
/* The one JSON shape of an organisation (docs/API.md): id, slug, names, sector, business_type,
 * size, critical, ot_probes, created_at, updated_at; n_assets / n_scopes when with loaded
 * them; with detail also the parts with names (aliases, contacts, products, assets, scope).
 * now decides each scope's valid_now. */
struct cJSON *inv_org_json(const struct inv_org *o, unsigned with, bool detail, int64_t now);
struct cJSON *inv_asset_json(const struct inv_asset *a);
struct cJSON *inv_scope_json(const struct inv_scope *s, int64_t now);

/* Every organisation's slug, in order, collected (callers may write while looping). */
struct inv_slugs {
	char **v;
	size_t n;
};
int inv_org_slugs(struct store *s, struct inv_slugs *out, struct merr *e);
void inv_slugs_release(struct inv_slugs *l);

/* Which organisations' rows a read returns: org (one), else sector (its organisations), else
 * all. Front ends fill it from the caller's row-level rule. */
struct inv_rows {
	const char *org;
	const char *sector;
};
/* The rule as an SQL condition on column col ("x.org_slug") with at most one text bind in
 * *bind (NULL: none), for other modules' reads. M_ETOOBIG when cap is too small. */
int inv_rows_sql(const struct inv_rows *r, const char *col, char *out, size_t cap,
		 const char **bind);

/*
 * The name a reader knows an organisation by, for lists that show many rows: name_en when en
 * and set, else name_ja; the slug itself when unknown. Copied into buf (returned). Read from a
 * process-wide map of every organisation's names (one per store location), re-read when the
 * organisations changed (their count, highest id and latest updated_at, looked at no more than
 * once a second): no query per row. Thread-safe.
 */
const char *inv_org_display_name(struct store *s, const char *slug, bool en, char *buf, size_t cap);

#endif
