/* publish.c - an incident's STIX 2.1 bundle (inc_stix: the incident, its indicators,
 * observed-data and relationships, the chosen TLP) published into a sharing collection through
 * the share module's library API (share_collection_get, share_may, share_import), with a
 * timeline event and an audit row. */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "incident/incident_int.h"
#include "share/share.h"

int inc_stix_publish(const struct inc_ctx *c, int64_t id, const struct inc_view *v, const char *tlp,
		     const char *collection, const struct share_who *who, size_t *n_objects,
		     struct merr *e)
{
	struct share_collection coll;
	struct share_import_result res;
	cJSON *b = NULL;
	char *text, detail[512], obj[48];
	int rc;

	*n_objects = 0;
	if (!collection || !*collection)
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "collection",
		    "a collection alias is needed / 共有先コレクションを指定してください");
	if ((rc = share_collection_get(c->s, collection, &coll, e)))
		return rc == M_ENOTFOUND
			   ? merr_at(e, M_ENOTFOUND, NULL, -1, -1, "collection",
				     "no collection %s / コレクションがありません", collection)
			   : rc;
	if (who && !share_may(c->s, &coll, who, true))
		return merr_at(e, M_EPERM, NULL, -1, -1, "collection",
			       "%s may not write to %s / 書き込み権限がありません",
			       who->user ? who->user : "?", coll.alias);
	if ((rc = inc_stix(c, id, v, tlp, &b, e)))
		return rc;
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	if (!text)
		return merr_set(e, M_ENOMEM, "out of memory");
	memset(&res, 0, sizeof(res));
	rc = share_import(c->s, &coll, text, strlen(text), 0, &res, e);
	cJSON_free(text);
	if (rc) {
		share_import_result_free(&res);
		return rc;
	}
	if (res.n_failed) {
		for (size_t i = 0; i < res.n_items; i++)
			if (!res.items[i].ok) {
				rc = merr_at(
				    e, M_EINVAL, NULL, -1, -1, "stix", "%s: %s", res.items[i].id,
				    res.items[i].message ? res.items[i].message : "refused");
				break;
			}
		share_import_result_free(&res);
		return rc ? rc : merr_set(e, M_EINVAL, "the collection refused the bundle");
	}
	*n_objects = res.n_ok;
	share_import_result_free(&res);
	{ /* the event's detail as JSON (the alias and TLP escaped) */
		cJSON *d = cJSON_CreateObject();
		char *ds;
		cJSON_AddStringToObject(d, "collection", coll.alias);
		cJSON_AddStringToObject(d, "tlp", tlp);
		cJSON_AddNumberToObject(d, "objects", (double)*n_objects);
		ds = cJSON_PrintUnformatted(d);
		cJSON_Delete(d);
		if (!ds)
			return merr_set(e, M_ENOMEM, "out of memory");
		snprintf(detail, sizeof(detail), "%s", ds);
		cJSON_free(ds);
	}
	snprintf(obj, sizeof(obj), "incident:%lld", (long long)id);
	if ((rc = inc_event(c, id, 0, "publish", false, detail, e)) ||
	    (rc = inc_audit(c, "incident.publish", obj, detail, e)))
		return rc;
	return 0;
}
