/* export.c - writes a document as an inventory YAML file (libyaml's emitter does the
 * quoting) that imports back to the same state. */
#include "base/compat.h"

#include <strings.h>
#include <yaml.h>

#include "base/mtime.h"
#include "inventory/inventory_int.h"

struct emit {
	yaml_emitter_t em;
	int failed; /* the first emitter failure; later events are skipped */
};

static int write_out(void *data, unsigned char *p, size_t n)
{
	return buf_add(data, p, n) == 0;
}

static void ev(struct emit *x, yaml_event_t *e, int ok)
{
	if (x->failed) {
		if (ok)
			yaml_event_delete(e);
		return;
	}
	/* the emitter owns the event from here, and frees it on failure too */
	if (!ok || !yaml_emitter_emit(&x->em, e))
		x->failed = 1;
}

/* Words the reader takes as null: a text equal to one of them is quoted. */
static bool looks_null(const char *s)
{
	return !*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

static void scalar_styled(struct emit *x, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t e;

	ev(x, &e,
	   yaml_scalar_event_initialize(&e, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					style));
}

static void text(struct emit *x, const char *s)
{
	scalar_styled(x, s,
		      looks_null(s) ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

/* key: value, skipped when value is NULL */
static void kv(struct emit *x, const char *k, const char *v)
{
	if (!v)
		return;
	scalar_styled(x, k, YAML_PLAIN_SCALAR_STYLE);
	text(x, v);
}

static void key(struct emit *x, const char *k)
{
	scalar_styled(x, k, YAML_PLAIN_SCALAR_STYLE);
}

static void map_start(struct emit *x, bool flow)
{
	yaml_event_t e;
	ev(x, &e,
	   yaml_mapping_start_event_initialize(
	       &e, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void map_end(struct emit *x)
{
	yaml_event_t e;
	ev(x, &e, yaml_mapping_end_event_initialize(&e));
}

static void seq_start(struct emit *x, bool flow)
{
	yaml_event_t e;
	ev(x, &e,
	   yaml_sequence_start_event_initialize(
	       &e, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void seq_end(struct emit *x)
{
	yaml_event_t e;
	ev(x, &e, yaml_sequence_end_event_initialize(&e));
}

/* A JST calendar day when t is its first (or, for until, last) second, else UTC. */
static void scope_time(struct emit *x, const char *k, int64_t t, bool until)
{
	char s[TIME_STR_MAX];
	int64_t jst = t + JST_OFFSET_SECONDS + (until ? 1 : 0);

	if (jst % 86400 == 0)
		time_fmt_jst_date(t, s);
	else
		time_fmt_utc(t, s);
	key(x, k);
	scalar_styled(x, s, YAML_PLAIN_SCALAR_STYLE);
}

static void write_exclusions(struct emit *x, const struct inv_doc *d)
{
	key(x, "exclusions");
	seq_start(x, false);
	for (size_t i = 0; i < d->n_exclusions; i++) {
		map_start(x, false);
		kv(x, "cidr", d->exclusions[i].cidr);
		kv(x, "reason", d->exclusions[i].reason);
		kv(x, "added_by", d->exclusions[i].added_by);
		map_end(x);
	}
	seq_end(x);
}

static void write_head(struct emit *x, const struct inv_org *o)
{
	kv(x, "id", o->slug);
	key(x, "name");
	map_start(x, true);
	kv(x, "ja", o->name_ja);
	kv(x, "en", o->name_en);
	map_end(x);
	if (o->n_aliases) {
		key(x, "aliases");
		seq_start(x, true);
		for (size_t i = 0; i < o->n_aliases; i++)
			text(x, o->aliases[i]);
		seq_end(x);
	}
	kv(x, "sector", o->sector);
	kv(x, "business_type", o->business_type);
	kv(x, "size", o->size_class);
	key(x, "critical");
	scalar_styled(x, o->critical ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
	if (o->ot_probes) {
		key(x, "ot_probes");
		scalar_styled(x, "true", YAML_PLAIN_SCALAR_STYLE);
	}
}

static void write_contacts(struct emit *x, const struct inv_org *o)
{
	if (!o->n_contacts)
		return;
	key(x, "contacts");
	seq_start(x, false);
	for (size_t i = 0; i < o->n_contacts; i++) {
		map_start(x, true);
		kv(x, "name", o->contacts[i].name);
		kv(x, "email", o->contacts[i].email);
		kv(x, "role", o->contacts[i].role);
		map_end(x);
	}
	seq_end(x);
}

/* Declared in the inventory: from the store with source 'inventory', or parsed from a
 * file (no source yet). */
static bool is_inventory(const struct inv_asset *a)
{
	return !a->source || strcmp(a->source, "inventory") == 0;
}

static void write_assets(struct emit *x, const struct inv_org *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n_assets; i++)
		n += is_inventory(&o->assets[i]);
	if (!n)
		return;
	key(x, "assets");
	seq_start(x, false);
	for (size_t i = 0; i < o->n_assets; i++) {
		const struct inv_asset *a = &o->assets[i];
		if (!is_inventory(a))
			continue; /* discovered rows are not part of the inventory file */
		map_start(x, false);
		kv(x, a->kind, a->value);
		kv(x, "declared_by", a->declared_by);
		kv(x, "note", a->note);
		map_end(x);
	}
	seq_end(x);
}

static void write_products(struct emit *x, const struct inv_org *o)
{
	if (!o->n_products)
		return;
	key(x, "products");
	seq_start(x, false);
	for (size_t i = 0; i < o->n_products; i++) {
		const struct inv_product *p = &o->products[i];
		map_start(x, false);
		kv(x, "cpe", p->cpe);
		kv(x, "vendor", p->vendor);
		kv(x, "product", p->product);
		kv(x, "version", p->version);
		kv(x, "asset", p->asset);
		kv(x, "declared_by", p->declared_by);
		kv(x, "note", p->note);
		map_end(x);
	}
	seq_end(x);
}

static void write_scopes(struct emit *x, const struct inv_org *o)
{
	if (!o->n_scopes)
		return;
	key(x, "scope");
	seq_start(x, false);
	for (size_t i = 0; i < o->n_scopes; i++) {
		const struct inv_scope *sc = &o->scopes[i];
		map_start(x, false);
		kv(x, "cidr", sc->cidr);
		kv(x, "authorised_by", sc->authorised_by);
		scope_time(x, "from", sc->valid_from, false);
		scope_time(x, "until", sc->valid_until, true);
		kv(x, "note", sc->note);
		map_end(x);
	}
	seq_end(x);
}

static void write_org(struct emit *x, const struct inv_org *o)
{
	map_start(x, false);
	write_head(x, o);
	write_contacts(x, o);
	write_assets(x, o);
	write_products(x, o);
	write_scopes(x, o);
	map_end(x);
}

static void write_doc(struct emit *x, const struct inv_doc *d)
{
	yaml_event_t e;

	ev(x, &e, yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING));
	ev(x, &e, yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1));
	map_start(x, false);
	key(x, "version");
	scalar_styled(x, "1", YAML_PLAIN_SCALAR_STYLE);
	if (d->has_exclusions)
		write_exclusions(x, d);
	key(x, "organisations");
	seq_start(x, false);
	for (size_t i = 0; i < d->n_orgs; i++)
		write_org(x, &d->orgs[i]);
	seq_end(x);
	{
		/* the end marker: the file is whole, its omissions may be removed on import */
		char n[24];
		snprintf(n, sizeof(n), "%zu", d->n_orgs);
		key(x, "end");
		scalar_styled(x, n, YAML_PLAIN_SCALAR_STYLE);
	}
	map_end(x);
	ev(x, &e, yaml_document_end_event_initialize(&e, 1));
	ev(x, &e, yaml_stream_end_event_initialize(&e));
}

int inv_write_yaml(const struct inv_doc *d, struct buf *out, struct merr *e)
{
	struct emit x = {0};

	if (!yaml_emitter_initialize(&x.em))
		return merr_set(e, M_ENOMEM, "out of memory starting the YAML writer");
	yaml_emitter_set_output(&x.em, write_out, out);
	yaml_emitter_set_unicode(&x.em, 1);
	yaml_emitter_set_width(&x.em, 100);
	yaml_emitter_set_indent(&x.em, 2);
	write_doc(&x, d);
	if (!x.failed && !yaml_emitter_flush(&x.em))
		x.failed = 1;
	yaml_emitter_delete(&x.em);
	if (x.failed)
		return merr_set(e, M_ENOMEM, "writing YAML failed (out of memory or too large)");
	return 0;
}

int inv_export(struct store *s, const char *slug, struct buf *out, struct merr *e)
{
	struct inv_filter f = {slug, NULL, -1, INV_WITH_ALL};
	struct inv_doc *d = NULL;
	int rc;

	if (slug)
		f.with &= ~INV_WITH_EXCLUSIONS;
	rc = inv_load(s, &f, &d, e);
	if (rc == 0)
		rc = inv_write_yaml(d, out, e);
	inv_doc_free(d);
	return rc;
}
