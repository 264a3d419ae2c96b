/* import.c - makes the store agree with an inventory document: validate all of it, then
 * write only what differs, in one transaction (a dry run is the same, rolled back). */
#include "base/compat.h"

#include <errno.h>
#include <strings.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "inventory/inventory_int.h"
#include "inventory/load_int.h"

enum {
	S_ORG_GET,
	S_ORG_INS,
	S_ORG_UPD,
	S_ORG_TOUCH,
	S_SECTOR,
	S_BTYPE,
	S_ALIAS_INS,
	S_ALIAS_DEL,
	S_CONTACT_INS,
	S_CONTACT_DEL,
	S_ASSET_INS,
	S_ASSET_UPD,
	S_ASSET_DEL,
	S_PRODUCT_INS,
	S_PRODUCT_DEL,
	S_SCOPE_INS,
	S_SCOPE_DEL,
	S_EXCL_GET,
	S_EXCL_INS,
	S_EXCL_UPD,
	S_AUDIT,
	S_N
};

/* Every statement the import runs, prepared on first use and reused for every row. */
static const char *const imp_sql[S_N] = {
    [S_ORG_GET] = NULL, /* inv_org_select_by_slug */
    [S_ORG_INS] = "INSERT INTO orgs (slug, name_ja, name_en, sector, business_type, size_class,"
		  " critical, ot_probes, created_at, updated_at)"
		  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [S_ORG_UPD] = "UPDATE orgs SET name_ja = ?, name_en = ?, sector = ?, business_type = ?,"
		  " size_class = ?, critical = ?, ot_probes = ? WHERE id = ?",
    [S_ORG_TOUCH] = "UPDATE orgs SET updated_at = ? WHERE id = ?",
    [S_SECTOR] = "SELECT 1 FROM sectors WHERE code = ?",
    [S_BTYPE] = "SELECT 1 FROM business_types WHERE code = ?",
    [S_ALIAS_INS] = "INSERT INTO org_aliases (org_id, alias) VALUES (?, ?)",
    [S_ALIAS_DEL] = "DELETE FROM org_aliases WHERE org_id = ? AND alias = ?",
    [S_CONTACT_INS] = "INSERT INTO contacts (org_id, name, email, role) VALUES (?, ?, ?, ?)",
    [S_CONTACT_DEL] = "DELETE FROM contacts WHERE id = (SELECT id FROM contacts WHERE org_id = ?"
		      " AND name IS NOT DISTINCT FROM ? AND email IS NOT DISTINCT FROM ?"
		      " AND role IS NOT DISTINCT FROM ? LIMIT 1)",
    [S_ASSET_INS] = "INSERT INTO assets (org_id, kind, value, status, source, declared_by, note,"
		    " first_seen) VALUES (?, ?, ?, 'confirmed', 'inventory', ?, ?, ?)",
    [S_ASSET_UPD] = "UPDATE assets SET status = 'confirmed', source = 'inventory',"
		    " declared_by = ?, note = ? WHERE id = ?",
    [S_ASSET_DEL] = "DELETE FROM assets WHERE id = ?",
    [S_PRODUCT_INS] = "INSERT INTO declared_products (org_id, cpe, vendor, product, version,"
		      " asset, declared_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [S_PRODUCT_DEL] = "DELETE FROM declared_products WHERE id = ?",
    [S_SCOPE_INS] = "INSERT INTO scopes (org_id, cidr, authorised_by, valid_from, valid_until,"
		    " note) VALUES (?, ?, ?, ?, ?, ?)",
    [S_SCOPE_DEL] = "DELETE FROM scopes WHERE id = ?",
    [S_EXCL_GET] = "SELECT id, reason, added_by FROM exclusions WHERE cidr = ?",
    [S_EXCL_INS] = "INSERT INTO exclusions (cidr, reason, added_by, created_at)"
		   " VALUES (?, ?, ?, ?)",
    [S_EXCL_UPD] = "UPDATE exclusions SET reason = ?, added_by = ? WHERE id = ?",
    [S_AUDIT] = "INSERT INTO audit_log (at, actor, action, object, detail)"
		" VALUES (?, 'system', 'inventory.import', ?, ?)",
};

struct imp {
	struct store *s;
	struct merr *e;
	int64_t now;
	const struct inv_import_opts *o;
	bool may_remove; /* the document is complete, or prune */
	char first_removal[200];
	const char *slug; /* the organisation being synced */
	struct inv_import_stats *st;
	struct inv_loader l;
	struct store_stmt *q[S_N];
};

static bool eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int nomem(struct imp *m)
{
	return merr_set(m->e, M_ENOMEM, "out of memory importing the inventory");
}

/* The statement i, reset and ready for binding; NULL with m->e set on failure. */
static struct store_stmt *q(struct imp *m, int i)
{
	if (!m->q[i] &&
	    store_prepare(m->s, imp_sql[i] ? imp_sql[i] : inv_org_select_by_slug, &m->q[i], m->e))
		return NULL;
	stmt_reset(m->q[i]);
	return m->q[i];
}

/* Binds the variadic arguments from 1 on, one per letter of fmt: 't' a text (const char
 * *, NULL binds NULL), 'i' an int64_t. */
static int bindv(struct store_stmt *st, const char *fmt, va_list ap)
{
	int rc = 0;

	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 't')
			rc |= stmt_bind_text(st, i + 1, va_arg(ap, const char *));
		else
			rc |= stmt_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	return rc;
}

/* Prepares statement i, binds (see bindv) and runs it. With out not NULL the statement
 * returns one integer (RETURNING id, SELECT 1), stored in *out; *out is 0 when no row
 * came back. */
static int exec(struct imp *m, int i, int64_t *out, const char *fmt, ...)
{
	struct store_stmt *st = q(m, i);
	va_list ap;
	int rc;

	if (!st)
		return m->e && m->e->code ? m->e->code : M_ESTORE;
	va_start(ap, fmt);
	rc = bindv(st, fmt, ap);
	va_end(ap);
	if (rc)
		return nomem(m);
	rc = stmt_step(st, m->e);
	if (out)
		*out = rc == 1 ? stmt_int64(st, 0) : 0;
	stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Every removal passes here: reported, and counted as refused when not allowed. */
static void removal(struct imp *m, const char *part, const char *value)
{
	if (m->o->removal)
		m->o->removal(m->slug, part, value ? value : "", m->o->arg);
	if (m->may_remove)
		return;
	if (m->st->removals_refused++ == 0)
		snprintf(m->first_removal, sizeof(m->first_removal), "%s %s %.120s", m->slug, part,
			 value ? value : "");
}

/* ---- validation against the store ---- */

static int check_codes(struct imp *m, const struct inv_org *o)
{
	int64_t found = 1;
	int rc = 0;

	if (o->sector && (rc = exec(m, S_SECTOR, &found, "t", o->sector)) == 0 && !found)
		return merr_at(
		    m->e, M_EPARSE, NULL, o->line, -1, "sector",
		    "unknown sector '%s' (aviation, airports, railways, water, logistics,"
		    " ports)",
		    o->sector);
	if (rc == 0 && o->business_type &&
	    (rc = exec(m, S_BTYPE, &found, "t", o->business_type)) == 0 && !found)
		return merr_at(m->e, M_EPARSE, NULL, o->line, -1, "business_type",
			       "unknown business type '%s' (see docs/INVENTORY.md)",
			       o->business_type);
	return rc;
}

static int check_expiry(struct imp *m, const struct inv_org *o)
{
	for (size_t j = 0; j < o->n_scopes; j++) {
		const struct inv_scope *sc = &o->scopes[j];
		char day[TIME_STR_MAX];
		if (sc->valid_until >= m->now)
			continue;
		time_fmt_jst_date(sc->valid_until, day);
		return merr_at(m->e, M_EPARSE, NULL, sc->line, -1, "scope.until",
			       "authorisation for %s expired on %s JST; renew it or remove the "
			       "range",
			       sc->cidr, day);
	}
	return 0;
}

struct span {
	ip128 lo, hi;
	const char *slug, *cidr; /* from the store: borrowed from the scratch document */
	long line;		 /* 0 for a store row */
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

static const struct inv_org *doc_org(const struct inv_doc *d, const char *slug)
{
	for (size_t i = 0; i < d->n_orgs; i++)
		if (strcmp(d->orgs[i].slug, slug) == 0)
			return &d->orgs[i];
	return NULL;
}

/* Sorted by start, a range overlaps an earlier one of the other side exactly when it
 * starts before the largest end seen on that side. */
static int find_overlap(struct imp *m, struct span *v, size_t n)
{
	const struct span *max_doc = NULL, *max_store = NULL;

	qsort(v, n, sizeof(*v), cmp_span);
	for (size_t i = 0; i < n; i++) {
		const struct span *x = &v[i];
		const struct span *other = x->line ? max_store : max_doc;
		if (other && x->lo <= other->hi) {
			const struct span *in_file = x->line ? x : other;
			const struct span *stored = x->line ? other : x;
			return merr_at(m->e, M_EPARSE, NULL, in_file->line, -1, "scope.cidr",
				       "%s overlaps %s, authorised for %s; scope ranges must "
				       "not overlap",
				       in_file->cidr, stored->cidr, stored->slug);
		}
		if (x->line && (!max_doc || x->hi > max_doc->hi))
			max_doc = x;
		if (!x->line && (!max_store || x->hi > max_store->hi))
			max_store = x;
	}
	return 0;
}

static int add_span(struct span **v, size_t *n, const char *cidr, const char *slug, long line)
{
	struct cidr c;
	struct span *x;

	if (cidr_parse(cidr, true, &c) != 0)
		return 0; /* not ours to judge here: the parser refused bad ones */
	x = inv_push((void **)v, n, sizeof(**v));
	if (!x)
		return M_ENOMEM;
	cidr_bounds(&c, &x->lo, &x->hi);
	x->slug = slug;
	x->cidr = cidr;
	x->line = line;
	return 0;
}

/* Scope in the document must not overlap scope of organisations it does not replace. */
static int check_store_overlap(struct imp *m, const struct inv_doc *d)
{
	static const char sql[] =
	    "SELECT o.slug, s.cidr FROM scopes s JOIN orgs o ON o.id = s.org_id";
	struct inv_doc *held = inv_doc_new();
	struct store_stmt *st = NULL;
	struct span *v = NULL;
	size_t n = 0;
	int rc = held ? 0 : M_ENOMEM;

	for (size_t i = 0; i < d->n_orgs && rc == 0; i++)
		for (size_t j = 0; j < d->orgs[i].n_scopes && rc == 0; j++)
			rc = add_span(&v, &n, d->orgs[i].scopes[j].cidr, d->orgs[i].slug,
				      d->orgs[i].scopes[j].line);
	if (rc == 0 && n == 0)
		goto out;
	if (rc == 0)
		rc = store_prepare(m->s, sql, &st, m->e);
	while (rc == 0 && (rc = stmt_step(st, m->e)) == 1) {
		const struct inv_org *o = doc_org(d, stmt_text(st, 0));
		char *slug, *cidr;
		rc = 0;
		if (o && !o->assets_only)
			continue; /* its scope is being replaced by the document's */
		slug = inv_strdup(held, stmt_text(st, 0));
		cidr = inv_strdup(held, stmt_text(st, 1));
		rc = slug && cidr ? add_span(&v, &n, cidr, slug, 0) : M_ENOMEM;
	}
	if (rc == 0)
		rc = find_overlap(m, v, n);
out:
	stmt_finalize(st);
	m_free(v);
	inv_doc_free(held);
	return rc == M_ENOMEM ? nomem(m) : rc;
}

static int validate(struct imp *m, const struct inv_doc *d)
{
	int rc = 0;

	for (size_t i = 0; i < d->n_orgs && rc == 0; i++) {
		rc = check_codes(m, &d->orgs[i]);
		if (rc == 0)
			rc = check_expiry(m, &d->orgs[i]);
	}
	return rc ? rc : check_store_overlap(m, d);
}

/* ---- writing: each part of an organisation made equal to the document ---- */

/* A part kept as a list without a natural key (aliases, contacts, products, scope):
 * rows equal to a document row stay, other stored rows go, other document rows come. */
struct part_ops {
	const char *name;
	const char *(*describe)(const struct inv_org *cur, size_t i, char *buf, size_t cap);
	size_t (*count)(const struct inv_org *o);
	bool (*same)(const struct inv_org *cur, size_t i, const struct inv_org *want, size_t j);
	int (*del)(struct imp *m, const struct inv_org *cur, size_t i);
	int (*ins)(struct imp *m, int64_t org_id, const struct inv_org *want, size_t j);
	size_t added, removed; /* offsets of the counters in struct inv_import_stats */
};

static const char *desc_alias(const struct inv_org *c, size_t i, char *buf, size_t cap)
{
	return c->aliases[i];
}

static const char *desc_contact(const struct inv_org *c, size_t i, char *buf, size_t cap)
{
	const struct inv_contact *a = &c->contacts[i];
	snprintf(buf, cap, "%s <%s>", a->name ? a->name : "", a->email ? a->email : "");
	return buf;
}

static const char *desc_product(const struct inv_org *c, size_t i, char *buf, size_t cap)
{
	const struct inv_product *a = &c->products[i];
	if (a->cpe)
		return a->cpe;
	snprintf(buf, cap, "%s %s %s", a->vendor ? a->vendor : "", a->product ? a->product : "",
		 a->version ? a->version : "");
	return buf;
}

static const char *desc_scope(const struct inv_org *c, size_t i, char *buf, size_t cap)
{
	return c->scopes[i].cidr;
}

static size_t n_aliases(const struct inv_org *o)
{
	return o->n_aliases;
}

static bool same_alias(const struct inv_org *c, size_t i, const struct inv_org *w, size_t j)
{
	return strcmp(c->aliases[i], w->aliases[j]) == 0;
}

static int del_alias(struct imp *m, const struct inv_org *c, size_t i)
{
	return exec(m, S_ALIAS_DEL, NULL, "it", c->id, c->aliases[i]);
}

static int ins_alias(struct imp *m, int64_t org_id, const struct inv_org *w, size_t j)
{
	return exec(m, S_ALIAS_INS, NULL, "it", org_id, w->aliases[j]);
}

static size_t n_contacts(const struct inv_org *o)
{
	return o->n_contacts;
}

static bool same_contact(const struct inv_org *c, size_t i, const struct inv_org *w, size_t j)
{
	const struct inv_contact *a = &c->contacts[i], *b = &w->contacts[j];
	return eq(a->name, b->name) && eq(a->email, b->email) && eq(a->role, b->role);
}

static int del_contact(struct imp *m, const struct inv_org *c, size_t i)
{
	return exec(m, S_CONTACT_DEL, NULL, "i", c->contacts[i].id);
}

static int ins_contact(struct imp *m, int64_t org_id, const struct inv_org *w, size_t j)
{
	const struct inv_contact *b = &w->contacts[j];
	return exec(m, S_CONTACT_INS, NULL, "ittt", org_id, b->name, b->email, b->role);
}

static size_t n_products(const struct inv_org *o)
{
	return o->n_products;
}

static bool same_product(const struct inv_org *c, size_t i, const struct inv_org *w, size_t j)
{
	const struct inv_product *a = &c->products[i], *b = &w->products[j];
	return eq(a->cpe, b->cpe) && eq(a->vendor, b->vendor) && eq(a->product, b->product) &&
	       eq(a->version, b->version) && eq(a->asset, b->asset) &&
	       eq(a->declared_by, b->declared_by) && eq(a->note, b->note);
}

static int del_product(struct imp *m, const struct inv_org *c, size_t i)
{
	return exec(m, S_PRODUCT_DEL, NULL, "i", c->products[i].id);
}

static int ins_product(struct imp *m, int64_t org_id, const struct inv_org *w, size_t j)
{
	const struct inv_product *b = &w->products[j];
	return exec(m, S_PRODUCT_INS, NULL, "ittttttt", org_id, b->cpe, b->vendor, b->product,
		    b->version, b->asset, b->declared_by, b->note);
}

static size_t n_scopes(const struct inv_org *o)
{
	return o->n_scopes;
}

static bool same_scope(const struct inv_org *c, size_t i, const struct inv_org *w, size_t j)
{
	const struct inv_scope *a = &c->scopes[i], *b = &w->scopes[j];
	return eq(a->cidr, b->cidr) && eq(a->authorised_by, b->authorised_by) &&
	       a->valid_from == b->valid_from && a->valid_until == b->valid_until &&
	       eq(a->note, b->note);
}

static int del_scope(struct imp *m, const struct inv_org *c, size_t i)
{
	return exec(m, S_SCOPE_DEL, NULL, "i", c->scopes[i].id);
}

static int ins_scope(struct imp *m, int64_t org_id, const struct inv_org *w, size_t j)
{
	const struct inv_scope *b = &w->scopes[j];
	return exec(m, S_SCOPE_INS, NULL, "ittiit", org_id, b->cidr, b->authorised_by,
		    b->valid_from, b->valid_until, b->note);
}

#define STAT(f) offsetof(struct inv_import_stats, f)

static const struct part_ops parts[] = {
    {"alias", desc_alias, n_aliases, same_alias, del_alias, ins_alias, STAT(aliases_added),
     STAT(aliases_removed)},
    {"contact", desc_contact, n_contacts, same_contact, del_contact, ins_contact,
     STAT(contacts_added), STAT(contacts_removed)},
    {"product", desc_product, n_products, same_product, del_product, ins_product,
     STAT(products_added), STAT(products_removed)},
    /* scope: a changed range is removed and added again (UNIQUE(org_id, cidr) needs the
     * removals first, which sync_part does) */
    {"scope", desc_scope, n_scopes, same_scope, del_scope, ins_scope, STAT(scopes_added),
     STAT(scopes_removed)},
};

static long *counter(struct imp *m, size_t off)
{
	return (long *)((char *)m->st + off);
}

static int sync_part(struct imp *m, const struct part_ops *p, const struct inv_org *cur,
		     int64_t org_id, const struct inv_org *want, bool *changed)
{
	size_t nc = p->count(cur), nw = p->count(want);
	unsigned char *used = m_calloc(nw ? nw : 1, 1);
	int rc = 0;

	if (!used)
		return nomem(m);
	for (size_t i = 0; i < nc && rc == 0; i++) {
		size_t j;
		for (j = 0; j < nw && (used[j] || !p->same(cur, i, want, j)); j++)
			;
		if (j < nw) {
			used[j] = 1;
			continue;
		}
		{
			char buf[160];
			removal(m, p->name, p->describe(cur, i, buf, sizeof(buf)));
		}
		rc = p->del(m, cur, i);
		(*counter(m, p->removed))++;
		*changed = true;
	}
	for (size_t j = 0; j < nw && rc == 0; j++) {
		if (used[j])
			continue;
		rc = p->ins(m, org_id, want, j);
		(*counter(m, p->added))++;
		*changed = true;
	}
	m_free(used);
	return rc;
}

static int cmp_asset_ptr(const void *a, const void *b)
{
	const struct inv_asset *const *x = a, *const *y = b;
	int c = strcmp((*x)->kind, (*y)->kind);
	return c ? c : strcmp((*x)->value, (*y)->value);
}

static const struct inv_asset **sorted_assets(const struct inv_org *o)
{
	const struct inv_asset **v = m_malloc((o->n_assets ? o->n_assets : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < o->n_assets; i++)
		v[i] = &o->assets[i];
	qsort(v, o->n_assets, sizeof(*v), cmp_asset_ptr);
	return v;
}

static bool asset_same(const struct inv_asset *a, const struct inv_asset *b)
{
	return eq(a->source, "inventory") && eq(a->status, "confirmed") &&
	       eq(a->declared_by, b->declared_by) && eq(a->note, b->note);
}

/* One asset of the merge: in the store only (a), in the document only (b), or both. */
static int sync_asset(struct imp *m, int64_t org_id, const struct inv_asset *a,
		      const struct inv_asset *b, bool *changed)
{
	if (a && b) {
		if (asset_same(a, b)) {
			m->st->assets_unchanged++;
			return 0;
		}
		/* also takes over a discovered candidate the operator now declares */
		m->st->assets_updated++;
		*changed = true;
		return exec(m, S_ASSET_UPD, NULL, "tti", b->declared_by, b->note, a->id);
	}
	if (a) {
		if (!eq(a->source, "inventory"))
			return 0; /* discovery's rows are not the inventory's to remove */
		{
			char buf[300];
			snprintf(buf, sizeof(buf), "%s %s", a->kind, a->value);
			removal(m, "asset", buf);
		}
		m->st->assets_removed++;
		*changed = true;
		return exec(m, S_ASSET_DEL, NULL, "i", a->id);
	}
	m->st->assets_added++;
	*changed = true;
	return exec(m, S_ASSET_INS, NULL, "itttti", org_id, b->kind, b->value, b->declared_by,
		    b->note, m->now);
}

/* Merges the sorted stored and wanted assets on (kind, value). */
static int sync_assets(struct imp *m, const struct inv_org *cur, int64_t org_id,
		       const struct inv_org *want, bool *changed)
{
	const struct inv_asset **a = sorted_assets(cur), **b = sorted_assets(want);
	size_t i = 0, j = 0;
	int rc = a && b ? 0 : nomem(m);

	while (rc == 0 && (i < cur->n_assets || j < want->n_assets)) {
		int c = i == cur->n_assets    ? 1
			: j == want->n_assets ? -1
					      : cmp_asset_ptr(&a[i], &b[j]);
		rc = sync_asset(m, org_id, c <= 0 ? a[i] : NULL, c >= 0 ? b[j] : NULL, changed);
		i += c <= 0;
		j += c >= 0;
	}
	m_free(a);
	m_free(b);
	return rc;
}

static bool org_same(const struct inv_org *a, const struct inv_org *b)
{
	return eq(a->name_ja, b->name_ja) && eq(a->name_en, b->name_en) &&
	       eq(a->sector, b->sector) && eq(a->business_type, b->business_type) &&
	       eq(a->size_class, b->size_class) && a->critical == b->critical &&
	       a->ot_probes == b->ot_probes;
}

/* Reads the stored org with that slug into cur (id 0 when there is none). */
static int load_current(struct imp *m, struct inv_doc *scratch, const struct inv_org *want,
			struct inv_org **cur)
{
	struct store_stmt *st = q(m, S_ORG_GET);
	int rc;

	*cur = NULL;
	if (!st)
		return m->e->code;
	if (stmt_bind_text(st, 1, want->slug))
		return nomem(m);
	rc = stmt_step(st, m->e);
	if (rc == 1) {
		*cur = inv_doc_add_org(scratch);
		rc = *cur ? inv_read_org_row(scratch, *cur, st) : M_ENOMEM;
	}
	stmt_reset(st);
	if (rc == M_ENOMEM)
		return nomem(m);
	if (rc < 0)
		return rc;
	if (!*cur && want->assets_only)
		return merr_at(m->e, M_ENOTFOUND, NULL, want->line, -1, "org",
			       "no organisation '%s' in the inventory (import it from YAML first)",
			       want->slug);
	if (!*cur)
		return 0;
	return inv_loader_children(
	    &m->l, scratch, *cur,
	    want->assets_only ? INV_WITH_ASSETS : INV_WITH_ALL & ~INV_WITH_EXCLUSIONS, m->e);
}

static int write_org_row(struct imp *m, const struct inv_org *cur, const struct inv_org *w,
			 int64_t *org_id, bool *changed)
{
	if (!cur) {
		*changed = true;
		return exec(m, S_ORG_INS, org_id, "ttttttiiii", w->slug, w->name_ja, w->name_en,
			    w->sector, w->business_type, w->size_class, (int64_t)w->critical,
			    (int64_t)w->ot_probes, m->now, m->now);
	}
	*org_id = cur->id;
	if (w->assets_only || org_same(cur, w))
		return 0;
	*changed = true;
	return exec(m, S_ORG_UPD, NULL, "tttttiii", w->name_ja, w->name_en, w->sector,
		    w->business_type, w->size_class, (int64_t)w->critical, (int64_t)w->ot_probes,
		    cur->id);
}

static int sync_org(struct imp *m, const struct inv_org *w)
{
	static const struct inv_org none;
	struct inv_doc *scratch = inv_doc_new();
	struct inv_org *cur = NULL;
	int64_t org_id = 0;
	bool changed = false;
	int rc = scratch ? load_current(m, scratch, w, &cur) : nomem(m);

	m->slug = w->slug;
	if (rc == 0)
		rc = write_org_row(m, cur, w, &org_id, &changed);
	if (rc == 0 && org_id == 0)
		rc = merr_set(m->e, M_ESTORE, "inserting organisation %s returned no id", w->slug);
	for (size_t i = 0; i < ARRAY_SIZE(parts) && rc == 0 && !w->assets_only; i++)
		rc = sync_part(m, &parts[i], cur ? cur : &none, org_id, w, &changed);
	if (rc == 0)
		rc = sync_assets(m, cur ? cur : &none, org_id, w, &changed);
	if (rc == 0 && cur && changed)
		rc = exec(m, S_ORG_TOUCH, NULL, "ii", m->now, org_id);
	if (rc == 0) {
		if (!cur)
			m->st->orgs_added++;
		else if (changed)
			m->st->orgs_updated++;
		else
			m->st->orgs_unchanged++;
	}
	inv_doc_free(scratch);
	return rc;
}

static int sync_exclusion(struct imp *m, const struct inv_exclusion *x)
{
	struct store_stmt *st = q(m, S_EXCL_GET);
	int64_t id = 0;
	bool same = false;
	int rc;

	if (!st)
		return m->e->code;
	if (stmt_bind_text(st, 1, x->cidr))
		return nomem(m);
	rc = stmt_step(st, m->e);
	if (rc == 1) {
		id = stmt_int64(st, 0);
		same = eq(stmt_text(st, 1), x->reason) && eq(stmt_text(st, 2), x->added_by);
	}
	stmt_reset(st);
	if (rc < 0 || same)
		return rc < 0 ? rc : 0;
	if (id) {
		m->st->exclusions_updated++;
		return exec(m, S_EXCL_UPD, NULL, "tti", x->reason, x->added_by, id);
	}
	m->st->exclusions_added++;
	return exec(m, S_EXCL_INS, NULL, "ttti", x->cidr, x->reason, x->added_by, m->now);
}

static bool stats_changed(const struct inv_import_stats *s)
{
	return s->orgs_added || s->orgs_updated || s->exclusions_added || s->exclusions_updated ||
	       s->assets_added || s->assets_updated || s->assets_removed;
}

static int audit(struct imp *m)
{
	const struct inv_import_stats *s = m->st;
	char detail[400];

	snprintf(detail, sizeof(detail),
		 "{\"orgs_added\":%ld,\"orgs_updated\":%ld,\"orgs_unchanged\":%ld,"
		 "\"assets_added\":%ld,\"assets_updated\":%ld,\"assets_removed\":%ld,"
		 "\"exclusions_added\":%ld,\"exclusions_updated\":%ld}",
		 s->orgs_added, s->orgs_updated, s->orgs_unchanged, s->assets_added,
		 s->assets_updated, s->assets_removed, s->exclusions_added, s->exclusions_updated);
	return exec(m, S_AUDIT, NULL, "itt", m->now, "inventory", detail);
}

static int import_all(struct imp *m, const struct inv_doc *d)
{
	int rc = validate(m, d);

	for (size_t i = 0; i < d->n_exclusions && rc == 0; i++)
		rc = sync_exclusion(m, &d->exclusions[i]);
	for (size_t i = 0; i < d->n_orgs && rc == 0; i++)
		rc = sync_org(m, &d->orgs[i]);
	return rc;
}

int inv_import(struct store *s, const struct inv_doc *d, int64_t now, bool dry_run,
	       struct inv_import_stats *stats, struct merr *e)
{
	struct inv_import_opts o = {.dry_run = dry_run};
	return inv_import_ex(s, d, now, &o, stats, e);
}

int inv_import_ex(struct store *s, const struct inv_doc *d, int64_t now,
		  const struct inv_import_opts *o, struct inv_import_stats *stats, struct merr *e)
{
	struct inv_import_stats local;
	struct merr local_e;
	struct imp m = {.s = s, .e = e, .now = now, .o = o, .st = stats ? stats : &local};
	bool dry_run = o->dry_run;
	int rc;

	m.may_remove = d->complete || o->prune;
	if (!e) { /* the helpers report through m.e */
		merr_init(&local_e);
		m.e = e = &local_e;
	}
	memset(m.st, 0, sizeof(*m.st));
	inv_loader_init(&m.l, s);
	rc = store_begin_immediate(s, e);
	if (rc)
		return rc;
	rc = import_all(&m, d);
	if (rc == 0 && !dry_run && m.st->removals_refused)
		rc = merr_set(
		    e, M_ECONFIRM,
		    "the import would remove %ld item%s of organisations in the file"
		    " (first: %s), but the file has no end marker (`end: N` as its last"
		    " line, N its organisations; `inventory export` writes it): a file cut"
		    " short would withdraw them. Add the marker, or pass --prune if the"
		    " file is whole; --dry-run lists them. Nothing was changed /"
		    " 終端マーカー (end:) のないファイルでは削除しません。--prune で確認して"
		    "ください",
		    m.st->removals_refused, m.st->removals_refused == 1 ? "" : "s",
		    m.first_removal);
	if (rc == 0 && !dry_run && stats_changed(m.st))
		rc = audit(&m);
	for (size_t i = 0; i < S_N; i++)
		stmt_finalize(m.q[i]);
	inv_loader_release(&m.l);
	if (rc == 0 && !dry_run)
		rc = store_commit(s, e);
	if (rc || dry_run)
		store_rollback(s);
	return rc;
}

static bool has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), k = strlen(ext);
	return n > k && strcasecmp(path + n - k, ext) == 0;
}

int inv_import_file(struct store *s, const char *path, int64_t now, bool dry_run,
		    struct inv_import_stats *stats, struct merr *e)
{
	struct inv_import_opts o = {.dry_run = dry_run};
	return inv_import_file_ex(s, path, now, &o, stats, e);
}

int inv_import_file_ex(struct store *s, const char *path, int64_t now,
		       const struct inv_import_opts *o, struct inv_import_stats *stats,
		       struct merr *e)
{
	struct inv_doc *d = NULL;
	struct buf b;
	int rc;

	if (!has_ext(path, ".yaml") && !has_ext(path, ".yml") && !has_ext(path, ".csv"))
		return merr_at(e, M_EINVAL, path, -1, -1, NULL,
			       "unknown file type (expected .yaml, .yml or .csv)");
	buf_init(&b, INV_FILE_MAX);
	rc = buf_read_file(&b, path, e);
	if (rc == 0)
		rc = has_ext(path, ".csv") ? inv_parse_csv(b.ptr ? b.ptr : "", b.len, path, &d, e)
					   : inv_parse_yaml(b.ptr ? b.ptr : "", b.len, path, &d, e);
	buf_release(&b);
	if (rc == 0)
		rc = inv_import_ex(s, d, now, o, stats, e);
	if (rc != M_ESTORE && rc != M_ECONFIRM) /* a store error names the store, not the file */
		merr_set_file(e, path);
	inv_doc_free(d);
	return rc;
}
