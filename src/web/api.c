/* api.c - the JSON API under /api/v1/ and the TAXII 2.1 discovery document. Row-level
 * filtering comes from web_org_filter/web_org_load; errors from the one status table. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

int web_api_me(struct web_req *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", r->who.name);
	cJSON_AddStringToObject(o, "display_name", r->who.display);
	cJSON_AddStringToObject(o, "role", auth_role_name(r->who.role));
	json_add_str(o, "org", r->who.org_slug[0] ? r->who.org_slug : NULL);
	json_add_str(o, "sector", r->who.sector[0] ? r->who.sector : NULL);
	cJSON_AddStringToObject(o, "auth", r->who.via_token ? "token" : "session");
	return web_json_reply(r, 200, o);
}

int web_api_orgs(struct web_req *r)
{
	const char *sector = web_kv_get(&r->query, "sector"),
		   *crit = web_kv_get(&r->query, "critical");
	struct inv_doc *d = NULL;
	struct inv_filter f;
	int64_t limit, offset, total = 0;
	cJSON *o, *items;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &limit, &offset)))
		return rc;
	if (sector && !sector[0])
		sector = NULL;
	rc = web_org_filter(r, NULL, sector, &f);
	if (rc && rc != M_ENOTFOUND)
		return rc;
	if (crit) {
		if (strcmp(crit, "true") && strcmp(crit, "false"))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "critical",
				       "critical must be true or false");
		f.critical = crit[0] == 't';
	}
	/* The row rule is in f (operator: its slug; bureau: its sector), so the page and the
	 * total are counted among the caller's rows by the query itself. */
	if (rc == 0 && (rc = inv_load_page(r->s, &f, limit, offset, &d, &total, &r->err)))
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; d && i < d->n_orgs; i++)
		cJSON_AddItemToArray(items, inv_org_json(&d->orgs[i], f.with, false, r->now));
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "limit", (double)limit);
	cJSON_AddNumberToObject(o, "offset", (double)offset);
	inv_doc_free(d);
	return web_json_reply(r, 200, o);
}

static cJSON *assets_json(const struct inv_org *g)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < g->n_assets; i++)
		cJSON_AddItemToArray(a, inv_asset_json(&g->assets[i]));
	return a;
}

static cJSON *scope_json(const struct inv_org *g, int64_t now)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < g->n_scopes; i++)
		cJSON_AddItemToArray(a, inv_scope_json(&g->scopes[i], now));
	return a;
}

int web_api_org(struct web_req *r)
{
	const unsigned with = INV_WITH_ALL & ~INV_WITH_EXCLUSIONS;
	struct inv_doc *d = NULL;
	cJSON *o;
	int rc = web_org_load(r, with, &d);

	if (rc)
		return rc;
	o = inv_org_json(&d->orgs[0], with, true, r->now);
	inv_doc_free(d);
	return web_json_reply(r, 200, o);
}

int web_api_org_assets(struct web_req *r)
{
	struct inv_doc *d = NULL;
	cJSON *o;
	int rc = web_org_load(r, INV_WITH_ASSETS, &d);

	if (rc)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", d->orgs[0].slug);
	cJSON_AddItemToObject(o, "items", assets_json(&d->orgs[0]));
	inv_doc_free(d);
	return web_json_reply(r, 200, o);
}

int web_api_org_scope(struct web_req *r)
{
	struct inv_doc *d = NULL;
	cJSON *o;
	int rc = web_org_load(r, INV_WITH_SCOPES, &d);

	if (rc)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", d->orgs[0].slug);
	cJSON_AddItemToObject(o, "items", scope_json(&d->orgs[0], r->now));
	inv_doc_free(d);
	return web_json_reply(r, 200, o);
}

static int user_json(const struct auth_user *u, void *arg)
{
	cJSON_AddItemToArray((cJSON *)arg, auth_user_json(u));
	return 0;
}

int web_api_users(struct web_req *r)
{
	cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
	int rc = auth_user_list(r->s, user_json, items, &r->err);

	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

/* The body POST /api/v1/users takes. */
const struct web_json_field web_user_fields[] = {
    {"name", WEB_JSON_STRING, true, AUTH_NAME_MAX - 1},
    {"display_name", WEB_JSON_STRING, false, AUTH_DISPLAY_MAX - 1},
    {"role", WEB_JSON_STRING, true, 16},
    {"org", WEB_JSON_STRING, false, AUTH_SLUG_MAX - 1},
    {"sector", WEB_JSON_STRING, false, AUTH_SECTOR_MAX - 1},
    {"password", WEB_JSON_STRING, true, AUTH_PASSWORD_MAX},
};
const size_t web_user_fields_len = ARRAY_SIZE(web_user_fields);

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int web_api_users_add(struct web_req *r)
{
	struct auth_user_spec u = {0};
	cJSON *in = NULL, *out;
	int64_t id = 0;
	int rc;

	if (!r->content_type || strncasecmp(r->content_type, "application/json", 16) != 0)
		return merr_set(&r->err, M_EPARSE, "Content-Type must be application/json");
	if ((rc = web_json_parse(r->body, r->body_len, web_user_fields, web_user_fields_len, &in,
				 &r->err)))
		return rc;
	u.name = jstr(in, "name");
	u.display = jstr(in, "display_name");
	u.role = auth_role_parse(jstr(in, "role"));
	u.org_slug = jstr(in, "org");
	u.sector = jstr(in, "sector");
	u.password = jstr(in, "password");
	rc = auth_user_add(r->s, &u, r->now, &id, &r->err);
	if (rc == 0) {
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "id", (double)id);
		cJSON_AddStringToObject(out, "name", u.name);
		cJSON_AddStringToObject(out, "role", auth_role_name(u.role));
		rc = web_json_reply(r, 201, out);
	}
	cJSON_Delete(in);
	return rc;
}

static int audit_json(const struct auth_audit_row *a, void *arg)
{
	cJSON_AddItemToArray((cJSON *)arg, auth_audit_json(a));
	return 0;
}

int web_api_audit(struct web_req *r)
{
	int64_t limit, offset, total = 0;
	cJSON *o, *items;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &limit, &offset)))
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	web_audit_queue_flush(r->s); /* the newest reads too */
	if ((rc = auth_audit_list(r->s, limit, offset, audit_json, items, &total, &r->err))) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "limit", (double)limit);
	cJSON_AddNumberToObject(o, "offset", (double)offset);
	return web_json_reply(r, 200, o);
}

int web_taxii_discovery(struct web_req *r)
{
	cJSON *o = cJSON_CreateObject(), *roots;
	int rc;

	cJSON_AddStringToObject(o, "title", "mamori TAXII 2.1");
	cJSON_AddStringToObject(o, "description",
				"交通ISAC との情報共有サーバー / sharing server for the ISAC");
	cJSON_AddStringToObject(o, "contact", "mamori administrators");
	cJSON_AddStringToObject(o, "default", "/taxii2/root/");
	roots = cJSON_AddArrayToObject(o, "api_roots");
	cJSON_AddItemToArray(roots, cJSON_CreateString("/taxii2/root/"));
	rc = web_json_reply(r, 200, o);
	r->ctype = "application/taxii+json;version=2.1";
	return rc;
}
