/*
 * json.c - the one JSON shape of an organisation (API and `mamori inventory --json` alike),
 * the organisations' slugs for "every organisation" loops, and the row-level rule as SQL for
 * other modules' reads (an org, a sector's orgs, or all).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/json.h"
#include "base/mem.h"
#include "inventory/inventory.h"

cJSON *inv_asset_json(const struct inv_asset *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)s->id);
	json_add_str(o, "kind", s->kind);
	json_add_str(o, "value", s->value);
	json_add_str(o, "status", s->status);
	json_add_str(o, "source", s->source);
	json_add_str(o, "declared_by", s->declared_by);
	json_add_str(o, "note", s->note);
	json_add_time(o, "first_seen", s->first_seen);
	json_add_time(o, "last_seen", s->last_seen);
	return o;
}

cJSON *inv_scope_json(const struct inv_scope *s, int64_t now)
{
	cJSON *o = cJSON_CreateObject();

	json_add_str(o, "cidr", s->cidr);
	json_add_str(o, "authorised_by", s->authorised_by);
	json_add_time(o, "valid_from", s->valid_from);
	json_add_time(o, "valid_until", s->valid_until);
	cJSON_AddBoolToObject(o, "valid_now",
			      (!s->valid_from || now >= s->valid_from) &&
				  (!s->valid_until || now <= s->valid_until));
	json_add_str(o, "note", s->note);
	return o;
}

static cJSON *product_json(const struct inv_product *p)
{
	cJSON *c = cJSON_CreateObject();

	json_add_str(c, "cpe", p->cpe);
	json_add_str(c, "vendor", p->vendor);
	json_add_str(c, "product", p->product);
	json_add_str(c, "version", p->version);
	json_add_str(c, "asset", p->asset);
	return c;
}

cJSON *inv_org_json(const struct inv_org *g, unsigned with, bool detail, int64_t now)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddNumberToObject(o, "id", (double)g->id);
	cJSON_AddStringToObject(o, "slug", g->slug);
	json_add_str(o, "name_ja", g->name_ja);
	json_add_str(o, "name_en", g->name_en);
	json_add_str(o, "sector", g->sector);
	json_add_str(o, "business_type", g->business_type);
	json_add_str(o, "size", g->size_class);
	cJSON_AddBoolToObject(o, "critical", g->critical);
	cJSON_AddBoolToObject(o, "ot_probes", g->ot_probes);
	json_add_time(o, "created_at", g->created_at);
	json_add_time(o, "updated_at", g->updated_at);
	if (with & INV_WITH_ASSETS)
		cJSON_AddNumberToObject(o, "n_assets", (double)g->n_assets);
	if (with & INV_WITH_SCOPES)
		cJSON_AddNumberToObject(o, "n_scopes", (double)g->n_scopes);
	if (!detail)
		return o;
	if (with & INV_WITH_ALIASES) {
		a = cJSON_AddArrayToObject(o, "aliases");
		for (size_t i = 0; i < g->n_aliases; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(g->aliases[i]));
	}
	if (with & INV_WITH_CONTACTS) {
		a = cJSON_AddArrayToObject(o, "contacts");
		for (size_t i = 0; i < g->n_contacts; i++) {
			cJSON *c = cJSON_CreateObject();
			json_add_str(c, "name", g->contacts[i].name);
			json_add_str(c, "email", g->contacts[i].email);
			json_add_str(c, "role", g->contacts[i].role);
			cJSON_AddItemToArray(a, c);
		}
	}
	if (with & INV_WITH_PRODUCTS) {
		a = cJSON_AddArrayToObject(o, "products");
		for (size_t i = 0; i < g->n_products; i++)
			cJSON_AddItemToArray(a, product_json(&g->products[i]));
	}
	if (with & INV_WITH_ASSETS) {
		a = cJSON_AddArrayToObject(o, "assets");
		for (size_t i = 0; i < g->n_assets; i++)
			cJSON_AddItemToArray(a, inv_asset_json(&g->assets[i]));
	}
	if (with & INV_WITH_SCOPES) {
		a = cJSON_AddArrayToObject(o, "scope");
		for (size_t i = 0; i < g->n_scopes; i++)
			cJSON_AddItemToArray(a, inv_scope_json(&g->scopes[i], now));
	}
	return o;
}

void inv_slugs_release(struct inv_slugs *l)
{
	for (size_t i = 0; i < l->n; i++)
		m_free(l->v[i]);
	m_free(l->v);
	l->v = NULL;
	l->n = 0;
}

int inv_org_slugs(struct store *s, struct inv_slugs *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT slug FROM orgs ORDER BY slug", &st, e);

	out->v = NULL;
	out->n = 0;
	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		char **v = m_realloc(out->v, (out->n + 1) * sizeof(*v));
		if (!v) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		out->v = v;
		if (!(v[out->n] = m_strdup(stmt_text(st, 0)))) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		out->n++;
	}
	stmt_finalize(st);
	if (rc < 0)
		inv_slugs_release(out);
	return rc < 0 ? rc : 0;
}

int inv_rows_sql(const struct inv_rows *r, const char *col, char *out, size_t cap,
		 const char **bind)
{
	int n;

	*bind = NULL;
	if (r && r->org) {
		n = snprintf(out, cap, "%s = ?", col);
		*bind = r->org;
	} else if (r && r->sector) {
		n = snprintf(out, cap, "%s IN (SELECT slug FROM orgs WHERE sector = ?)", col);
		*bind = r->sector;
	} else {
		n = snprintf(out, cap, "1 = 1");
	}
	return n < 0 || (size_t)n >= cap ? M_ETOOBIG : 0;
}
