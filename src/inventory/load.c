/* load.c - reads organisations and their parts from the store into a document (for
 * listing, showing, exporting, and for the import to compare against). */
#include "base/compat.h"

#include "base/mem.h"
#include "inventory/inventory_int.h"
#include "inventory/load_int.h"

enum { Q_ALIASES, Q_CONTACTS, Q_ASSETS, Q_PRODUCTS, Q_SCOPES, Q_N };

/* One query per part, in the order of the INV_WITH_* bits. */
static const char *const part_sql[Q_N] = {
    "SELECT alias FROM org_aliases WHERE org_id = ? ORDER BY alias",
    "SELECT id, name, email, role FROM contacts WHERE org_id = ? ORDER BY id",
    "SELECT id, kind, value, status, source, declared_by, note, first_seen, last_seen"
    " FROM assets WHERE org_id = ? ORDER BY kind, value",
    "SELECT id, cpe, vendor, product, version, asset, declared_by, note"
    " FROM declared_products WHERE org_id = ? ORDER BY id",
    "SELECT id, cidr, authorised_by, valid_from, valid_until, note"
    " FROM scopes WHERE org_id = ? ORDER BY cidr",
};

void inv_loader_init(struct inv_loader *l, struct store *s)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
}

void inv_loader_release(struct inv_loader *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(l->st); i++)
		stmt_finalize(l->st[i]);
	memset(l->st, 0, sizeof(l->st));
}

/* Copies column i into the document; sets *rc on out of memory. */
static char *col(struct inv_doc *d, struct store_stmt *st, int i, int *rc)
{
	const char *v = stmt_text(st, i);
	char *p;

	if (!v)
		return NULL;
	p = inv_strdup(d, v);
	if (!p)
		*rc = M_ENOMEM;
	return p;
}

static int read_alias(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	return inv_org_add_alias(d, o, stmt_text(st, 0));
}

static int read_contact(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	struct inv_contact *c = inv_org_add_contact(d, o);
	int rc = 0;

	if (!c)
		return M_ENOMEM;
	c->id = stmt_int64(st, 0);
	c->name = col(d, st, 1, &rc);
	c->email = col(d, st, 2, &rc);
	c->role = col(d, st, 3, &rc);
	return rc;
}

static int read_asset(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	struct inv_asset *a = inv_org_add_asset(d, o);
	int rc = 0;

	if (!a)
		return M_ENOMEM;
	a->id = stmt_int64(st, 0);
	a->kind = col(d, st, 1, &rc);
	a->value = col(d, st, 2, &rc);
	a->status = col(d, st, 3, &rc);
	a->source = col(d, st, 4, &rc);
	a->declared_by = col(d, st, 5, &rc);
	a->note = col(d, st, 6, &rc);
	a->first_seen = stmt_int64(st, 7);
	a->last_seen = stmt_int64(st, 8);
	return rc;
}

static int read_product(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	struct inv_product *p = inv_org_add_product(d, o);
	int rc = 0;

	if (!p)
		return M_ENOMEM;
	p->id = stmt_int64(st, 0);
	p->cpe = col(d, st, 1, &rc);
	p->vendor = col(d, st, 2, &rc);
	p->product = col(d, st, 3, &rc);
	p->version = col(d, st, 4, &rc);
	p->asset = col(d, st, 5, &rc);
	p->declared_by = col(d, st, 6, &rc);
	p->note = col(d, st, 7, &rc);
	return rc;
}

static int read_scope(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	struct inv_scope *sc = inv_org_add_scope(d, o);
	int rc = 0;

	if (!sc)
		return M_ENOMEM;
	sc->id = stmt_int64(st, 0);
	sc->cidr = col(d, st, 1, &rc);
	sc->authorised_by = col(d, st, 2, &rc);
	sc->valid_from = stmt_int64(st, 3);
	sc->valid_until = stmt_int64(st, 4);
	sc->note = col(d, st, 5, &rc);
	return rc;
}

static int (*const part_read[Q_N])(struct inv_doc *, struct inv_org *, struct store_stmt *) = {
    read_alias, read_contact, read_asset, read_product, read_scope,
};

int inv_loader_children(struct inv_loader *l, struct inv_doc *d, struct inv_org *o, unsigned with,
			struct merr *e)
{
	for (int q = 0; q < Q_N; q++) {
		struct store_stmt *st;
		int rc;

		if (!(with & (1u << q)))
			continue;
		if (!l->st[q] && (rc = store_prepare(l->s, part_sql[q], &l->st[q], e)))
			return rc;
		st = l->st[q];
		stmt_reset(st);
		stmt_bind_int64(st, 1, o->id);
		while ((rc = stmt_step(st, e)) == 1) {
			if (part_read[q](d, o, st)) {
				stmt_reset(st);
				return merr_set(e, M_ENOMEM, "out of memory reading the inventory");
			}
		}
		stmt_reset(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

#define ORG_COLS                                                                              \
	"id, slug, name_ja, name_en, sector, business_type, size_class, critical, ot_probes," \
	" created_at, updated_at"

int inv_read_org_row(struct inv_doc *d, struct inv_org *o, struct store_stmt *st)
{
	int rc = 0;

	o->id = stmt_int64(st, 0);
	o->slug = col(d, st, 1, &rc);
	o->name_ja = col(d, st, 2, &rc);
	o->name_en = col(d, st, 3, &rc);
	o->sector = col(d, st, 4, &rc);
	o->business_type = col(d, st, 5, &rc);
	o->size_class = col(d, st, 6, &rc);
	o->critical = stmt_int64(st, 7) != 0;
	o->ot_probes = stmt_int64(st, 8) != 0;
	o->created_at = stmt_int64(st, 9);
	o->updated_at = stmt_int64(st, 10);
	return rc;
}

const char inv_org_select_by_slug[] = "SELECT " ORG_COLS " FROM orgs WHERE slug = ?";

/* The WHERE clause of f (only the conditions it has, so the slug and sector indices serve
 * them) and its binds, in order. */
struct org_where {
	char sql[128];
	const char *bind[3];
	int n;
};

static void org_where(const struct inv_filter *f, struct org_where *w)
{
	size_t len = 0;

	w->n = 0;
	w->sql[0] = '\0';
	if (f->slug) {
		len += (size_t)snprintf(w->sql + len, sizeof(w->sql) - len, " AND slug = ?");
		w->bind[w->n++] = f->slug;
	}
	if (f->sector) {
		len += (size_t)snprintf(w->sql + len, sizeof(w->sql) - len, " AND sector = ?");
		w->bind[w->n++] = f->sector;
	}
	if (f->critical >= 0)
		snprintf(w->sql + len, sizeof(w->sql) - len, " AND critical = %d",
			 f->critical ? 1 : 0);
}

static int prepare_where(struct store *s, const char *head, const struct org_where *w,
			 const char *tail, struct store_stmt **st, struct merr *e)
{
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql), "%s WHERE 1 = 1%s%s", head, w->sql, tail);
	if ((rc = store_prepare(s, sql, st, e)))
		return rc;
	for (int i = 0; i < w->n; i++)
		stmt_bind_text(*st, i + 1, w->bind[i]);
	return 0;
}

/* Organisation rows matching f, ordered by slug, limit (-1: all) from offset. */
static int load_orgs(struct store *s, const struct inv_filter *f, int64_t limit, int64_t offset,
		     struct inv_doc *d, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct org_where w;
	int rc;

	org_where(f, &w);
	if ((rc = prepare_where(s, "SELECT " ORG_COLS " FROM orgs", &w,
				" ORDER BY slug LIMIT ? OFFSET ?", &st, e)))
		return rc;
	stmt_bind_int64(st, w.n + 1, limit);
	stmt_bind_int64(st, w.n + 2, offset);
	while ((rc = stmt_step(st, e)) == 1) {
		struct inv_org *o = inv_doc_add_org(d);
		if (!o || inv_read_org_row(d, o, st)) {
			rc = merr_set(e, M_ENOMEM, "out of memory reading the inventory");
			break;
		}
	}
	stmt_finalize(st);
	if (rc == 0 && f->slug && d->n_orgs == 0 && limit < 0)
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "org", "no organisation '%s'", f->slug);
	return rc;
}

static int load_exclusions(struct store *s, struct inv_doc *d, struct merr *e)
{
	static const char sql[] =
	    "SELECT id, cidr, reason, added_by, created_at FROM exclusions ORDER BY cidr";
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	d->has_exclusions = true;
	while ((rc = stmt_step(st, e)) == 1) {
		struct inv_exclusion *x = inv_doc_add_exclusion(d);
		int crc = 0;
		if (x) {
			x->id = stmt_int64(st, 0);
			x->cidr = col(d, st, 1, &crc);
			x->reason = col(d, st, 2, &crc);
			x->added_by = col(d, st, 3, &crc);
			x->created_at = stmt_int64(st, 4);
		}
		if (!x || crc) {
			rc = merr_set(e, M_ENOMEM, "out of memory reading the inventory");
			break;
		}
	}
	stmt_finalize(st);
	return rc;
}

int inv_load(struct store *s, const struct inv_filter *f, struct inv_doc **out, struct merr *e)
{
	static const struct inv_filter all = {NULL, NULL, -1, INV_WITH_ALL};
	struct inv_loader l;
	struct inv_doc *d;
	int rc;

	*out = NULL;
	if (!f)
		f = &all;
	d = inv_doc_new();
	if (!d)
		return merr_set(e, M_ENOMEM, "out of memory reading the inventory");
	inv_loader_init(&l, s);
	rc = load_orgs(s, f, -1, 0, d, e);
	for (size_t i = 0; i < d->n_orgs && rc == 0; i++)
		rc = inv_loader_children(&l, d, &d->orgs[i], f->with, e);
	if (rc == 0 && (f->with & INV_WITH_EXCLUSIONS))
		rc = load_exclusions(s, d, e);
	inv_loader_release(&l);
	if (rc) {
		inv_doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static int walk_codes(struct store *s, const char *sql, inv_code_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		rc = fn(stmt_text(st, 0), stmt_text(st, 1), stmt_text(st, 2), arg);
		if (rc)
			break;
	}
	stmt_finalize(st);
	return rc;
}

int inv_sectors(struct store *s, inv_code_fn fn, void *arg, struct merr *e)
{
	return walk_codes(s, "SELECT code, name_ja, name_en FROM sectors ORDER BY code", fn, arg,
			  e);
}

int inv_business_types(struct store *s, inv_code_fn fn, void *arg, struct merr *e)
{
	return walk_codes(s, "SELECT code, name_ja, name_en FROM business_types ORDER BY code", fn,
			  arg, e);
}

int inv_load_page(struct store *s, const struct inv_filter *f, int64_t limit, int64_t offset,
		  struct inv_doc **out, int64_t *total, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct org_where w;
	struct inv_doc *d;
	int rc;

	*out = NULL;
	*total = 0;
	if (limit < 0 || offset < 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "limit", "negative limit or offset");
	org_where(f, &w);
	if ((rc = prepare_where(s, "SELECT count(*) FROM orgs", &w, "", &st, e)))
		return rc;
	rc = stmt_step(st, e);
	if (rc == 1)
		*total = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (!(d = inv_doc_new()))
		return merr_set(e, M_ENOMEM, "out of memory reading the inventory");
	if (limit > 0 && offset < *total && (rc = load_orgs(s, f, limit, offset, d, e))) {
		inv_doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int inv_sector_counts(struct store *s, const struct inv_filter *f, inv_count_fn fn, void *arg,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	struct inv_filter rows = *f;
	struct org_where w;
	int rc;

	rows.critical = -1;
	org_where(&rows, &w);
	if ((rc = prepare_where(s, "SELECT sector, count(*), sum(critical) FROM orgs", &w,
				" GROUP BY sector ORDER BY sector", &st, e)))
		return rc;
	while ((rc = stmt_step(st, e)) == 1)
		if ((rc = fn(stmt_text(st, 0), stmt_int64(st, 1), stmt_int64(st, 2), arg)))
			break;
	stmt_finalize(st);
	return rc;
}
