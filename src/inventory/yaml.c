/* yaml.c - reads an inventory YAML file (docs/INVENTORY.md) into a document, strictly:
 * unknown or repeated keys, wrong types and bad values are errors with FILE:LINE. */
#include "base/compat.h"

#include <yaml.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "inventory/inventory_int.h"

struct yctx {
	yaml_document_t ydoc;
	const char *file;
	struct merr *e;
	struct inv_doc *d;
	unsigned char *seen; /* per node: visited once already (a second visit is an alias) */
	size_t n_nodes;
	bool end_seen; /* the end: marker was read */
};

/* A mapping key and what to do with its value; obj is the struct being filled. */
struct yfield {
	const char *key;
	int (*fn)(struct yctx *c, yaml_node_t *v, void *obj, const char *key);
};

static long line_of(const yaml_node_t *n)
{
	return (long)n->start_mark.line + 1;
}

static int fail(struct yctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct yctx *c, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return merr_at(c->e, M_EPARSE, c->file, n ? line_of(n) : -1, -1, field, "%s", msg);
}

static int nomem(struct yctx *c)
{
	return merr_set(c->e, M_ENOMEM, "out of memory reading the inventory");
}

/* Returns node idx, refusing a node reached twice: that only happens through a YAML
 * alias, and following aliases could multiply the work (the "billion laughs"). */
static yaml_node_t *visit(struct yctx *c, int idx, const yaml_node_t *parent, const char *field)
{
	yaml_node_t *n = yaml_document_get_node(&c->ydoc, idx);

	if (!n) {
		fail(c, parent, field, "missing value");
		return NULL;
	}
	if (c->seen[idx - 1]) {
		fail(c, parent, field, "YAML aliases (*name) are not supported here");
		return NULL;
	}
	c->seen[idx - 1] = 1;
	return n;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* The scalar's text in the arena, checked (UTF-8, no NUL, length); NULL value when the
 * YAML says null. */
static int get_text(struct yctx *c, yaml_node_t *n, const char *field, char **out)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, bad = 0;

	*out = NULL;
	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, field, "expected a single value, not a %s",
			    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
	if (is_null(n))
		return 0;
	if (!utf8_valid(v, len, &bad))
		return fail(c, n, field, "not valid UTF-8 (byte %zu of the value)", bad);
	if (strlen(v) != len)
		return fail(c, n, field, "contains a NUL character");
	if (len > INV_FIELD_MAX)
		return fail(c, n, field, "too long (%zu bytes, at most %d)", len, INV_FIELD_MAX);
	*out = inv_strndup(c->d, v, len);
	return *out ? 0 : nomem(c);
}

static int get_required(struct yctx *c, yaml_node_t *n, const char *field, char **out)
{
	int rc = get_text(c, n, field, out);

	if (rc == 0 && (!*out || !**out))
		return fail(c, n, field, "must not be empty");
	return rc;
}

static int get_bool(struct yctx *c, yaml_node_t *n, const char *field, bool *out)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type == YAML_SCALAR_NODE && strcmp(v, "true") == 0)
		*out = true;
	else if (n->type == YAML_SCALAR_NODE && strcmp(v, "false") == 0)
		*out = false;
	else
		return fail(c, n, field, "expected true or false");
	return 0;
}

static void list_keys(const struct yfield *f, size_t nf, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < nf && n < cap; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", f[i].key);
		n += w > 0 ? (size_t)w : 0;
	}
}

/* Walks a mapping: every key must be in f (at most 32 entries) and appear once. */
static int walk_map(struct yctx *c, yaml_node_t *n, const char *what, const struct yfield *f,
		    size_t nf, void *obj)
{
	uint32_t done = 0;

	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, what, "expected a mapping (key: value)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = visit(c, p->key, n, what), *v;
		const char *key;
		size_t i;
		int rc;

		if (!k)
			return M_EPARSE;
		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, what, "a key must be a plain word");
		key = (const char *)k->data.scalar.value;
		for (i = 0; i < nf && strcmp(f[i].key, key) != 0; i++)
			;
		if (i == nf) {
			char keys[400];
			list_keys(f, nf, keys, sizeof(keys));
			return fail(c, k, what, "unknown key '%.60s' (expected one of: %s)%s", key,
				    keys,
				    n->data.mapping.style == YAML_FLOW_MAPPING_STYLE
					? "; inside { } a comma ends a value: quote text that "
					  "contains commas"
					: "");
		}
		if (done & (1u << i))
			return fail(c, k, f[i].key, "repeated key");
		done |= 1u << i;
		v = visit(c, p->value, k, f[i].key);
		if (!v)
			return M_EPARSE;
		rc = f[i].fn(c, v, obj, f[i].key);
		if (rc)
			return rc;
	}
	return 0;
}

/* Calls fn for each item of a list (a null value is an empty list). */
static int walk_list(struct yctx *c, yaml_node_t *n, const char *field, void *obj,
		     int (*fn)(struct yctx *c, yaml_node_t *item, void *obj))
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(c, n, field, "expected a list");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = visit(c, *it, n, field);
		int rc;
		if (!item)
			return M_EPARSE;
		rc = fn(c, item, obj);
		if (rc)
			return rc;
	}
	return 0;
}

/* Field setters: obj points at the char* (or bool) to fill. */
#define TEXT_FIELD(name, member, type)                                            \
	static int name(struct yctx *c, yaml_node_t *v, void *obj, const char *k) \
	{                                                                         \
		return get_text(c, v, k, &((type *)obj)->member);                 \
	}
#define REQ_FIELD(name, member, type)                                             \
	static int name(struct yctx *c, yaml_node_t *v, void *obj, const char *k) \
	{                                                                         \
		return get_required(c, v, k, &((type *)obj)->member);             \
	}

/* ---- exclusions ---- */

static int set_cidr_text(struct yctx *c, yaml_node_t *v, const char *field, char **out)
{
	char canon[IP_STR_MAX];
	struct cidr cd;
	int rc = get_required(c, v, field, out);

	if (rc)
		return rc;
	if (cidr_parse(*out, true, &cd) != 0)
		return fail(c, v, field,
			    "'%.80s' is not a valid CIDR prefix (a.b.c.d/n or x::/n, no host bits "
			    "set)",
			    *out);
	cidr_format(&cd, canon);
	*out = inv_strdup(c->d, canon);
	return *out ? 0 : nomem(c);
}

static int ex_cidr(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return set_cidr_text(c, v, "exclusions.cidr", &((struct inv_exclusion *)obj)->cidr);
}
REQ_FIELD(ex_reason, reason, struct inv_exclusion)
TEXT_FIELD(ex_added_by, added_by, struct inv_exclusion)

static const struct yfield exclusion_fields[] = {
    {"cidr", ex_cidr},
    {"reason", ex_reason},
    {"added_by", ex_added_by},
};

static int one_exclusion(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct inv_exclusion *x = inv_doc_add_exclusion(c->d);
	int rc;

	if (!x)
		return nomem(c);
	x->line = line_of(n);
	rc = walk_map(c, n, "exclusions", exclusion_fields, ARRAY_SIZE(exclusion_fields), x);
	if (rc == 0 && !x->cidr)
		rc = fail(c, n, "exclusions.cidr", "missing (every exclusion needs a cidr)");
	if (rc == 0 && !x->reason)
		rc = fail(c, n, "exclusions.reason", "missing (say why it is excluded)");
	return rc;
}

/* ---- organisation parts ---- */

struct org_ctx {
	struct inv_org *o;
	struct inv_asset *a; /* the asset being read */
};

TEXT_FIELD(ct_name, name, struct inv_contact)
TEXT_FIELD(ct_role, role, struct inv_contact)

static int ct_email(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct inv_contact *ct = obj;
	int rc = get_text(c, v, "contacts.email", &ct->email);

	if (rc == 0 && ct->email && !inv_email_valid(ct->email))
		rc = fail(c, v, "contacts.email", "'%.80s' is not a valid e-mail address",
			  ct->email);
	return rc;
}

static const struct yfield contact_fields[] = {
    {"name", ct_name},
    {"email", ct_email},
    {"role", ct_role},
};

static int one_contact(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx *oc = obj;
	struct inv_contact *ct = inv_org_add_contact(c->d, oc->o);
	int rc;

	if (!ct)
		return nomem(c);
	ct->line = line_of(n);
	rc = walk_map(c, n, "contacts", contact_fields, ARRAY_SIZE(contact_fields), ct);
	if (rc == 0 && !ct->name && !ct->email)
		rc = fail(c, n, "contacts", "a contact needs a name or an email");
	return rc;
}

static int as_kind(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct inv_asset *a = obj;
	char msg[200];
	char *raw;
	int rc;

	if (a->kind)
		return fail(c, v, k,
			    "an asset has exactly one of domain, hostname, ipv4, ipv6, "
			    "cidr (this one also has %s)",
			    a->kind);
	rc = get_required(c, v, k, &raw);
	if (rc)
		return rc;
	a->kind = (char *)k; /* the static key names outlive the document */
	rc = inv_asset_canon(c->d, k, raw, &a->value, msg, sizeof(msg));
	if (rc == M_ENOMEM)
		return nomem(c);
	return rc ? fail(c, v, k, "%s", msg) : 0;
}
TEXT_FIELD(as_declared_by, declared_by, struct inv_asset)
TEXT_FIELD(as_note, note, struct inv_asset)

static const struct yfield asset_fields[] = {
    {"domain", as_kind}, {"hostname", as_kind},		  {"ipv4", as_kind}, {"ipv6", as_kind},
    {"cidr", as_kind},	 {"declared_by", as_declared_by}, {"note", as_note},
};

static int one_asset(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx *oc = obj;
	struct inv_asset *a = inv_org_add_asset(c->d, oc->o);
	int rc;

	if (!a)
		return nomem(c);
	a->line = line_of(n);
	rc = walk_map(c, n, "assets", asset_fields, ARRAY_SIZE(asset_fields), a);
	if (rc == 0 && !a->kind)
		rc = fail(c, n, "assets",
			  "an asset needs one of domain, hostname, ipv4, ipv6, cidr");
	return rc;
}

static int pr_cpe(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct inv_product *p = obj;
	int rc = get_required(c, v, "products.cpe", &p->cpe);

	if (rc == 0 && !inv_cpe23_valid(p->cpe))
		rc = fail(c, v, "products.cpe",
			  "'%.120s' is not a CPE 2.3 string (cpe:2.3:part:vendor:product:version:"
			  "update:edition:language:sw_edition:target_sw:target_hw:other)",
			  p->cpe);
	return rc;
}
TEXT_FIELD(pr_vendor, vendor, struct inv_product)
TEXT_FIELD(pr_product, product, struct inv_product)
TEXT_FIELD(pr_version, version, struct inv_product)
TEXT_FIELD(pr_asset, asset, struct inv_product)
TEXT_FIELD(pr_declared_by, declared_by, struct inv_product)
TEXT_FIELD(pr_note, note, struct inv_product)

static const struct yfield product_fields[] = {
    {"cpe", pr_cpe},	     {"vendor", pr_vendor}, {"product", pr_product},
    {"version", pr_version}, {"asset", pr_asset},   {"declared_by", pr_declared_by},
    {"note", pr_note},
};

static int one_product(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx *oc = obj;
	struct inv_product *p = inv_org_add_product(c->d, oc->o);
	int rc;

	if (!p)
		return nomem(c);
	p->line = line_of(n);
	rc = walk_map(c, n, "products", product_fields, ARRAY_SIZE(product_fields), p);
	if (rc)
		return rc;
	if (p->cpe && (p->vendor || p->product || p->version))
		return fail(c, n, "products",
			    "give either cpe or vendor/product/version, not both");
	if (!p->cpe && (!p->vendor || !p->product))
		return fail(c, n, "products", "a product needs cpe, or vendor and product");
	return 0;
}

struct scope_raw {
	struct inv_scope *sc;
	yaml_node_t *from, *until;
};

static int sc_cidr(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return set_cidr_text(c, v, "scope.cidr", &((struct scope_raw *)obj)->sc->cidr);
}

static int sc_authorised_by(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_required(c, v, "scope.authorised_by",
			    &((struct scope_raw *)obj)->sc->authorised_by);
}

static int sc_note(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_text(c, v, "scope.note", &((struct scope_raw *)obj)->sc->note);
}

static int sc_time(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct scope_raw *r = obj;
	bool until = strcmp(k, "until") == 0;
	char field[32], *s;
	int rc;

	snprintf(field, sizeof(field), "scope.%s", k);
	rc = get_required(c, v, field, &s);
	if (rc)
		return rc;
	if (inv_parse_scope_time(s, until, until ? &r->sc->valid_until : &r->sc->valid_from))
		return fail(c, v, field,
			    "'%.60s' is not a date (YYYY-MM-DD, a JST day) or an ISO 8601 time "
			    "between 2000 and 2099",
			    s);
	if (until)
		r->until = v;
	else
		r->from = v;
	return 0;
}

static const struct yfield scope_fields[] = {
    {"cidr", sc_cidr}, {"authorised_by", sc_authorised_by}, {"from", sc_time}, {"until", sc_time},
    {"note", sc_note},
};

static int one_scope(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx *oc = obj;
	struct scope_raw r = {inv_org_add_scope(c->d, oc->o), NULL, NULL};
	int rc;

	if (!r.sc)
		return nomem(c);
	r.sc->line = line_of(n);
	rc = walk_map(c, n, "scope", scope_fields, ARRAY_SIZE(scope_fields), &r);
	if (rc)
		return rc;
	if (!r.sc->cidr)
		return fail(c, n, "scope.cidr", "missing");
	if (!r.sc->authorised_by)
		return fail(c, n, "scope.authorised_by",
			    "missing (who authorised probing this range)");
	if (!r.from || !r.until)
		return fail(c, n, r.from ? "scope.until" : "scope.from",
			    "missing (an authorisation has a start and an end date)");
	return 0;
}

static int alias_item(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx *oc = obj;
	char *s;
	int rc = get_required(c, n, "aliases", &s);

	if (rc)
		return rc;
	return inv_org_add_alias(c->d, oc->o, s) ? nomem(c) : 0;
}

/* ---- organisation ---- */

static int og_id(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct org_ctx *oc = obj;
	int rc = get_required(c, v, "id", &oc->o->slug);

	if (rc == 0 && !inv_slug_valid(oc->o->slug))
		rc = fail(c, v, "id",
			  "'%.80s' is not a valid id (lowercase letters, digits and '-', at most "
			  "64)",
			  oc->o->slug);
	return rc;
}

static int nm_ja(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_required(c, v, "name.ja", &((struct org_ctx *)obj)->o->name_ja);
}

static int nm_en(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_text(c, v, "name.en", &((struct org_ctx *)obj)->o->name_en);
}

static const struct yfield name_fields[] = {{"ja", nm_ja}, {"en", nm_en}};

static int og_name(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct org_ctx *oc = obj;

	if (v->type == YAML_SCALAR_NODE) /* name: 日本語名 is short for name: {ja: ...} */
		return get_required(c, v, "name", &oc->o->name_ja);
	return walk_map(c, v, "name", name_fields, ARRAY_SIZE(name_fields), obj);
}

static int code_field(struct yctx *c, yaml_node_t *v, const char *field, char **out)
{
	int rc = get_required(c, v, field, out);

	if (rc == 0 && !inv_slug_valid(*out) && !strchr(*out, '_'))
		rc = fail(c, v, field, "'%.60s' is not a code", *out);
	return rc;
}

static int og_sector(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return code_field(c, v, "sector", &((struct org_ctx *)obj)->o->sector);
}

static int og_business_type(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return code_field(c, v, "business_type", &((struct org_ctx *)obj)->o->business_type);
}

static int og_size(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	struct org_ctx *oc = obj;
	int rc = get_required(c, v, "size", &oc->o->size_class);

	if (rc == 0 && strcmp(oc->o->size_class, "large") != 0 &&
	    strcmp(oc->o->size_class, "medium") != 0 && strcmp(oc->o->size_class, "small") != 0)
		rc = fail(c, v, "size", "'%.40s' is not large, medium or small", oc->o->size_class);
	return rc;
}

static int og_critical(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_bool(c, v, "critical", &((struct org_ctx *)obj)->o->critical);
}

static int og_ot_probes(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return get_bool(c, v, "ot_probes", &((struct org_ctx *)obj)->o->ot_probes);
}

static int og_aliases(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "aliases", obj, alias_item);
}

static int og_contacts(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "contacts", obj, one_contact);
}

static int og_assets(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "assets", obj, one_asset);
}

static int og_products(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "products", obj, one_product);
}

static int og_scope(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "scope", obj, one_scope);
}

static const struct yfield org_fields[] = {
    {"id", og_id},
    {"name", og_name},
    {"aliases", og_aliases},
    {"sector", og_sector},
    {"business_type", og_business_type},
    {"size", og_size},
    {"critical", og_critical},
    {"ot_probes", og_ot_probes},
    {"contacts", og_contacts},
    {"assets", og_assets},
    {"products", og_products},
    {"scope", og_scope},
};

static int one_org(struct yctx *c, yaml_node_t *n, void *obj)
{
	struct org_ctx oc = {inv_doc_add_org(c->d), NULL};
	int rc;

	if (!oc.o)
		return nomem(c);
	oc.o->line = line_of(n);
	rc = walk_map(c, n, "organisations", org_fields, ARRAY_SIZE(org_fields), &oc);
	if (rc)
		return rc;
	if (!oc.o->slug)
		return fail(c, n, "id", "missing (every organisation needs an id)");
	if (!oc.o->name_ja)
		return fail(c, n, "name.ja", "missing (every organisation needs a Japanese name)");
	if (!oc.o->sector && !oc.o->business_type)
		return fail(c, n, "sector", "missing (give a sector or a business_type)");
	return 0;
}

/* ---- top level ---- */

static int top_version(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	bool *have = obj;

	if (v->type != YAML_SCALAR_NODE || strcmp((const char *)v->data.scalar.value, "1") != 0)
		return fail(c, v, "version", "unsupported version (this mamori reads version 1)");
	*have = true;
	return 0;
}

static int top_exclusions(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	c->d->has_exclusions = true;
	return walk_list(c, v, "exclusions", NULL, one_exclusion);
}

static int top_orgs(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	return walk_list(c, v, "organisations", NULL, one_org);
}

/* `end: N`: the file's end marker, checked in inv_parse_yaml (last key, N organisations). */
static int top_end(struct yctx *c, yaml_node_t *v, void *obj, const char *k)
{
	const char *s = (const char *)v->data.scalar.value;
	char *stop = NULL;
	long n;

	if (v->type != YAML_SCALAR_NODE || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(c, v, "end", "expected the number of organisations in the file");
	n = strtol(s, &stop, 10);
	if (!*s || *stop || n < 0)
		return fail(c, v, "end", "expected the number of organisations in the file");
	if ((size_t)n != c->d->n_orgs)
		return fail(c, v, "end",
			    "says %ld organisations but the file has %zu (a part is missing or was"
			    " added without updating end:)",
			    n, c->d->n_orgs);
	c->end_seen = true;
	return 0;
}

static const struct yfield top_fields[] = {
    {"version", top_version},
    {"exclusions", top_exclusions},
    {"organisations", top_orgs},
    {"end", top_end},
};

/*
 * Before libyaml sees the text: control characters (libyaml refuses them but reports line
 * 1) and flow nesting deeper than INV_YAML_FLOW_MAX (libyaml's scanner is quadratic in it)
 * are refused with their line. Quoted scalars and comments are skipped; brackets inside
 * plain scalars count, which only matters past 32 of them.
 */
static int prescan(const char *buf, size_t len, const char *file, struct merr *e)
{
	long line = 1;
	int depth = 0;
	char quote = 0;
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\n') {
			line++;
			comment = false;
			continue;
		}
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			return merr_at(e, M_EPARSE, file, line, -1, "yaml",
				       "control character 0x%02x (not allowed in YAML)", ch);
		if (comment)
			continue;
		if (quote) {
			if (quote == '"' && ch == '\\' && i + 1 < len && buf[i + 1] != '\n')
				i++;
			else if ((char)ch == quote)
				quote = 0;
			continue;
		}
		if ((ch == '"' || ch == '\'') &&
		    (i == 0 || strchr(" \t[{,:-", buf[i - 1]) || buf[i - 1] == '\n'))
			quote = (char)ch;
		else if (ch == '#' && (i == 0 || buf[i - 1] == ' ' || buf[i - 1] == '\t'))
			comment = true;
		else if ((ch == '[' || ch == '{') && ++depth > INV_YAML_FLOW_MAX)
			return merr_at(e, M_EPARSE, file, line, -1, "yaml",
				       "flow nesting ([ and {) deeper than %d levels; refused",
				       INV_YAML_FLOW_MAX);
		else if ((ch == ']' || ch == '}') && depth > 0)
			depth--;
	}
	return 0;
}

static int load_error(struct yctx *c, yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return nomem(c);
	/* libyaml checks the encoding itself; say so in the words the brief uses. */
	return merr_at(c->e, M_EPARSE, c->file, (long)p->problem_mark.line + 1, -1, "yaml",
		       "%s%s%s%s", p->problem ? p->problem : "syntax error", p->context ? " (" : "",
		       p->context ? p->context : "", p->context ? ")" : "");
}

int inv_parse_yaml(const char *buf, size_t len, const char *file, struct inv_doc **out,
		   struct merr *e)
{
	struct yctx c = {.file = file, .e = e};
	yaml_parser_t p;
	yaml_node_t *root;
	bool have_version = false, loaded = false;
	int rc = 0;

	*out = NULL;
	if (len > INV_FILE_MAX)
		return merr_at(e, M_ETOOBIG, file, -1, -1, NULL, "larger than %zu bytes",
			       INV_FILE_MAX);
	/* libyaml refuses bad UTF-8 too, but without the line: check first. */
	if ((rc = utf8_check_file(buf, len, file, e)) || (rc = prescan(buf, len, file, e)))
		return rc;
	if (!yaml_parser_initialize(&p))
		return merr_set(e, M_ENOMEM, "out of memory starting the YAML parser");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	c.d = inv_doc_new();
	if (!c.d) {
		rc = nomem(&c);
		goto out;
	}
	if (!yaml_parser_load(&p, &c.ydoc)) {
		rc = load_error(&c, &p);
		goto out;
	}
	loaded = true;
	root = yaml_document_get_root_node(&c.ydoc);
	if (!root) {
		rc = merr_at(e, M_EPARSE, file, 1, -1, NULL, "empty file (expected version: 1)");
		goto out;
	}
	c.n_nodes = (size_t)(c.ydoc.nodes.top - c.ydoc.nodes.start);
	c.seen = m_calloc(c.n_nodes ? c.n_nodes : 1, 1);
	if (!c.seen) {
		rc = nomem(&c);
		goto out;
	}
	c.seen[0] = 1;
	rc = walk_map(&c, root, "inventory", top_fields, ARRAY_SIZE(top_fields), &have_version);
	if (rc == 0 && !have_version)
		rc = merr_at(e, M_EPARSE, file, line_of(root), -1, "version",
			     "missing (write version: 1 at the top)");
	if (rc == 0 && c.end_seen) {
		/* the marker proves the file whole only as its last key */
		yaml_node_pair_t *last = root->data.mapping.pairs.top - 1;
		yaml_node_t *k = yaml_document_get_node(&c.ydoc, last->key);
		if (strcmp((const char *)k->data.scalar.value, "end") != 0)
			rc = merr_at(e, M_EPARSE, file, line_of(k), -1, "end",
				     "must be the last key of the file");
		c.d->complete = rc == 0;
	}
	if (rc == 0) {
		/* one document only: a second one (after ---) would be silently ignored */
		yaml_document_t next;
		if (!yaml_parser_load(&p, &next)) {
			rc = load_error(&c, &p);
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&next);
			if (r2)
				rc = merr_at(e, M_EPARSE, file, line_of(r2), -1, "yaml",
					     "a second YAML document (after ---); an inventory file"
					     " holds one document");
			yaml_document_delete(&next);
		}
	}
	if (rc == 0)
		rc = inv_doc_check(c.d, file, e);
out:
	if (loaded)
		yaml_document_delete(&c.ydoc);
	yaml_parser_delete(&p);
	m_free(c.seen);
	if (rc) {
		inv_doc_free(c.d);
		return rc;
	}
	*out = c.d;
	return 0;
}
