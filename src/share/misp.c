/* misp.c - MISP event JSON in and out (issue #21 item 6). An event becomes a STIX grouping
 * (grouping--<event uuid>, x_misp_event: the event's own fields), its creator org an identity,
 * each attribute of a supported type an indicator (indicator--<attribute uuid>, a STIX
 * pattern, labels misp:type/misp:category, x_misp_attribute: the attribute as MISP wrote it),
 * any other attribute or MISP object an x-misp-attribute / x-misp-object keeping it whole.
 * tlp: tags become TLP 2.0 markings, galaxy clusters labels. Export rebuilds the events from
 * the kept fields, so a round trip is lossless. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <time.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "share/share.h"

static void ts_of(const cJSON *v, char out[40])
{
	time_t t = 0;
	struct tm tm;

	if (cJSON_IsString(v))
		t = (time_t)strtoll(v->valuestring, NULL, 10);
	else if (cJSON_IsNumber(v))
		t = (time_t)v->valuedouble;
	if (t <= 0 || t > (time_t)253402300799LL) /* after 9999-12-31: not a MISP time */
		t = (time_t)(share_now_us() / 1000000);
	gmtime_r(&t, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static bool uuid_ok(const char *u)
{
	char id[64];
	struct share_obj o;
	struct merr e;
	char doc[256];

	if (!u || strlen(u) != 36)
		return false;
	snprintf(id, sizeof(id), "identity--%s", u);
	snprintf(doc, sizeof(doc),
		 "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":"
		 "\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-01T00:00:00.000Z\",\"name\":"
		 "\"x\"}",
		 id);
	merr_init(&e);
	return share_stix_check(doc, strlen(doc), &o, &e) == 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* value in a pattern string literal: ' and \ escaped */
static void lit(struct buf *b, const char *v)
{
	buf_addc(b, '\'');
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *v);
	}
	buf_addc(b, '\'');
}

static const char *hash_path(const char *t)
{
	if (strcmp(t, "md5") == 0)
		return "file:hashes.MD5";
	if (strcmp(t, "sha1") == 0)
		return "file:hashes.'SHA-1'";
	if (strcmp(t, "sha256") == 0)
		return "file:hashes.'SHA-256'";
	return NULL;
}

/* The STIX pattern of a supported MISP attribute type, or false. */
static bool pattern_of(const char *type, const char *value, struct buf *b)
{
	const char *path = NULL;

	if (!type || !value || !*value)
		return false;
	if (strcmp(type, "ip-src") == 0 || strcmp(type, "ip-dst") == 0)
		path = strchr(value, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
	else if (strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0)
		path = "domain-name:value";
	else if (strcmp(type, "url") == 0)
		path = "url:value";
	else if (strcmp(type, "email-src") == 0 || strcmp(type, "email-dst") == 0)
		path = "email-addr:value";
	else
		path = hash_path(type);
	if (path) {
		buf_addf(b, "[%s = ", path);
		lit(b, value);
		buf_adds(b, "]");
		return true;
	}
	if (strncmp(type, "filename|", 9) == 0 && (path = hash_path(type + 9))) {
		const char *bar = strchr(value, '|');
		char name[1024];
		if (!bar || (size_t)(bar - value) >= sizeof(name))
			return false;
		memcpy(name, value, (size_t)(bar - value));
		name[bar - value] = '\0';
		buf_adds(b, "[file:name = ");
		lit(b, name);
		buf_addf(b, " AND %s = ", path);
		lit(b, bar + 1);
		buf_adds(b, "]");
		return true;
	}
	return false;
}

struct mi {
	cJSON *objects; /* the envelope's objects */
	cJSON *refs;	/* the current grouping's object_refs */
	const char *tlp_ref;
	struct merr *e;
	int n;
};

static void common(cJSON *o, const char *type, const char *id, const char *ts, const char *tlp_ref)
{
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "created", ts);
	cJSON_AddStringToObject(o, "modified", ts);
	if (tlp_ref) {
		cJSON *m = cJSON_AddArrayToObject(o, "object_marking_refs");
		cJSON_AddItemToArray(m, cJSON_CreateString(tlp_ref));
	}
}

static void attribute(struct mi *x, const cJSON *a, const cJSON *event_ts)
{
	const char *uuid = str(a, "uuid"), *type = str(a, "type"), *value = str(a, "value");
	const cJSON *ts_v = cJSON_GetObjectItemCaseSensitive(a, "timestamp");
	char id[80], ts[40], lab[300];
	struct buf pat;
	cJSON *o, *labels;

	if (!uuid_ok(uuid))
		return;
	ts_of(ts_v ? ts_v : event_ts, ts);
	buf_init(&pat, 1 << 16);
	o = cJSON_CreateObject();
	if (pattern_of(type, value, &pat)) {
		snprintf(id, sizeof(id), "indicator--%s", uuid);
		common(o, "indicator", id, ts, x->tlp_ref);
		cJSON_AddStringToObject(o, "name", value);
		cJSON_AddStringToObject(o, "pattern", buf_str(&pat));
		cJSON_AddStringToObject(o, "pattern_type", "stix");
		cJSON_AddStringToObject(o, "pattern_version", "2.1");
		cJSON_AddStringToObject(o, "valid_from", ts);
		labels = cJSON_AddArrayToObject(o, "labels");
		snprintf(lab, sizeof(lab), "misp:type=\"%.100s\"", type);
		cJSON_AddItemToArray(labels, cJSON_CreateString(lab));
		if (str(a, "category")) {
			snprintf(lab, sizeof(lab), "misp:category=\"%.100s\"", str(a, "category"));
			cJSON_AddItemToArray(labels, cJSON_CreateString(lab));
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "to_ids")))
			cJSON_AddItemToArray(labels, cJSON_CreateString("misp:to_ids=\"True\""));
	} else {
		snprintf(id, sizeof(id), "x-misp-attribute--%s", uuid);
		common(o, "x-misp-attribute", id, ts, x->tlp_ref);
	}
	cJSON_AddItemToObject(o, "x_misp_attribute", cJSON_Duplicate(a, true));
	buf_release(&pat);
	cJSON_AddItemToArray(x->objects, o);
	if (x->refs)
		cJSON_AddItemToArray(x->refs, cJSON_CreateString(id));
	x->n++;
}

/* A MISP object, kept whole (its attributes are not split out). */
static void misp_object(struct mi *x, const cJSON *it, const cJSON *event_ts)
{
	const cJSON *ts_v = cJSON_GetObjectItemCaseSensitive(it, "timestamp");
	char oid[80], ts[40];
	cJSON *o;

	if (!uuid_ok(str(it, "uuid")))
		return;
	ts_of(ts_v ? ts_v : event_ts, ts);
	snprintf(oid, sizeof(oid), "x-misp-object--%s", str(it, "uuid"));
	o = cJSON_CreateObject();
	common(o, "x-misp-object", oid, ts, x->tlp_ref);
	cJSON_AddItemToObject(o, "x_misp_object", cJSON_Duplicate(it, true));
	cJSON_AddItemToArray(x->objects, o);
	if (x->refs)
		cJSON_AddItemToArray(x->refs, cJSON_CreateString(oid));
	x->n++;
	/* its attributes of supported types also become indicators (matched like any other),
	 * marked as coming from the object so the export does not list them twice */
	{
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(it, "Attribute"))
		{
			struct buf pat;
			char id[80], lab[300];
			cJSON *ind, *labels;
			const char *u = str(a, "uuid");
			if (!uuid_ok(u))
				continue;
			buf_init(&pat, 1 << 16);
			if (!pattern_of(str(a, "type"), str(a, "value"), &pat)) {
				buf_release(&pat);
				continue;
			}
			snprintf(id, sizeof(id), "indicator--%s", u);
			ind = cJSON_CreateObject();
			common(ind, "indicator", id, ts, x->tlp_ref);
			cJSON_AddStringToObject(ind, "name", str(a, "value"));
			cJSON_AddStringToObject(ind, "pattern", buf_str(&pat));
			cJSON_AddStringToObject(ind, "pattern_type", "stix");
			cJSON_AddStringToObject(ind, "pattern_version", "2.1");
			cJSON_AddStringToObject(ind, "valid_from", ts);
			labels = cJSON_AddArrayToObject(ind, "labels");
			snprintf(lab, sizeof(lab), "misp:type=\"%.100s\"", str(a, "type"));
			cJSON_AddItemToArray(labels, cJSON_CreateString(lab));
			snprintf(lab, sizeof(lab), "misp:object=\"%.100s\"",
				 str(it, "name") ? str(it, "name") : "object");
			cJSON_AddItemToArray(labels, cJSON_CreateString(lab));
			cJSON_AddStringToObject(ind, "x_misp_object_ref", oid);
			buf_release(&pat);
			cJSON_AddItemToArray(x->objects, ind);
			x->n++;
		}
	}
}

static int tlp_from_tags(const cJSON *tags)
{
	const cJSON *t;
	int best = 0;

	cJSON_ArrayForEach(t, tags)
	{
		const char *n = str(t, "name");
		int l;
		if (n && strncasecmp(n, "tlp:", 4) == 0 && (l = share_tlp_parse(n)) > best)
			best = l;
	}
	return best;
}

static void event(struct mi *x, const cJSON *ev)
{
	const char *uuid = str(ev, "uuid");
	const cJSON *ts_v = cJSON_GetObjectItemCaseSensitive(ev, "timestamp"), *it, *arr;
	const cJSON *orgc = cJSON_GetObjectItemCaseSensitive(ev, "Orgc");
	char id[80], ts[40];
	cJSON *g, *keep, *labels = NULL;
	int tlp;

	if (!uuid_ok(uuid))
		return;
	ts_of(ts_v, ts);
	tlp = tlp_from_tags(cJSON_GetObjectItemCaseSensitive(ev, "Tag"));
	x->tlp_ref = tlp ? share_tlp_marking_id(tlp, false) : NULL;
	snprintf(id, sizeof(id), "grouping--%s", uuid);
	g = cJSON_CreateObject();
	common(g, "grouping", id, ts, x->tlp_ref);
	cJSON_AddStringToObject(g, "name", str(ev, "info") ? str(ev, "info") : uuid);
	cJSON_AddStringToObject(g, "context", "suspicious-activity");
	if (orgc && uuid_ok(str(orgc, "uuid"))) {
		char oid[80];
		cJSON *o = cJSON_CreateObject();
		snprintf(oid, sizeof(oid), "identity--%s", str(orgc, "uuid"));
		common(o, "identity", oid, ts, NULL);
		cJSON_AddStringToObject(o, "name", str(orgc, "name") ? str(orgc, "name") : "MISP");
		cJSON_AddStringToObject(o, "identity_class", "organization");
		cJSON_AddItemToArray(x->objects, o);
		cJSON_AddStringToObject(g, "created_by_ref", oid);
	}
	/* labels: tags and galaxy clusters */
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ev, "Tag"))
	{
		if (!str(it, "name"))
			continue;
		if (!labels)
			labels = cJSON_AddArrayToObject(g, "labels");
		cJSON_AddItemToArray(labels, cJSON_CreateString(str(it, "name")));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ev, "Galaxy"))
	{
		const cJSON *cl;
		cJSON_ArrayForEach(cl, cJSON_GetObjectItemCaseSensitive(it, "GalaxyCluster"))
		{
			char lab[300];
			if (!str(cl, "value"))
				continue;
			snprintf(lab, sizeof(lab), "misp-galaxy:%.60s=\"%.200s\"",
				 str(it, "type") ? str(it, "type") : "cluster", str(cl, "value"));
			if (!labels)
				labels = cJSON_AddArrayToObject(g, "labels");
			cJSON_AddItemToArray(labels, cJSON_CreateString(lab));
		}
	}
	x->refs = cJSON_AddArrayToObject(g, "object_refs");
	arr = cJSON_GetObjectItemCaseSensitive(ev, "Attribute");
	cJSON_ArrayForEach(it, arr) attribute(x, it, ts_v);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ev, "Object"))
	    misp_object(x, it, ts_v);
	if (cJSON_GetArraySize(x->refs) == 0)
		cJSON_AddItemToArray(x->refs, cJSON_CreateString(id)); /* never empty */
	keep = cJSON_Duplicate(ev, true);
	cJSON_DeleteItemFromObjectCaseSensitive(keep, "Attribute");
	cJSON_DeleteItemFromObjectCaseSensitive(keep, "Object");
	cJSON_AddItemToObject(g, "x_misp_event", keep);
	cJSON_AddItemToArray(x->objects, g);
	x->refs = NULL;
	x->tlp_ref = NULL;
}

bool share_misp_detect(const char *buf, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(buf, len);
	bool yes = o && (cJSON_GetObjectItemCaseSensitive(o, "response") ||
			 cJSON_GetObjectItemCaseSensitive(o, "Event"));
	cJSON_Delete(o);
	return yes;
}

int share_misp_to_stix(const char *buf, size_t len, char **envelope, struct merr *e)
{
	cJSON *root, *resp, *it, *env;
	struct mi x = {0};
	size_t bad_at;

	*envelope = NULL;
	if (!utf8_valid(buf, len, &bad_at))
		return merr_at(e, M_EPARSE, NULL, -1, (long long)bad_at, NULL, "invalid UTF-8");
	root = cJSON_ParseWithLength(buf, len);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "malformed MISP JSON");
	}
	env = cJSON_CreateObject();
	x.objects = cJSON_AddArrayToObject(env, "objects");
	x.e = e;
	resp = cJSON_GetObjectItemCaseSensitive(root, "response");
	if (!resp)
		resp = root;
	if (cJSON_IsArray(resp)) {
		cJSON_ArrayForEach(it, resp)
		{
			cJSON *ev = cJSON_GetObjectItemCaseSensitive(it, "Event");
			cJSON *ob = cJSON_GetObjectItemCaseSensitive(it, "Object");
			if (!ev && cJSON_IsObject(ob))
				misp_object(&x, ob, NULL);
			else
				event(&x, ev ? ev : it);
		}
	} else if (cJSON_GetObjectItemCaseSensitive(resp, "Event")) {
		event(&x, cJSON_GetObjectItemCaseSensitive(resp, "Event"));
	} else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(resp, "Attribute"))) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Attribute"))
		    attribute(&x, it, NULL);
	} else {
		cJSON_Delete(root);
		cJSON_Delete(env);
		return merr_at(e, M_EPARSE, NULL, -1, -1, "response",
			       "no Event or Attribute list in the MISP document");
	}
	cJSON_Delete(root);
	*envelope = cJSON_Print(env);
	cJSON_Delete(env);
	return *envelope ? 0 : merr_set(e, M_ENOMEM, "out of memory");
}

/* ---- export ------------------------------------------------------------------------- */

struct mx {
	cJSON *groupings; /* array of parsed grouping objects */
	cJSON *byid;	  /* object id -> parsed object (last version) */
};

static int mx_row(const struct share_row *row, void *arg)
{
	struct mx *x = arg;
	cJSON *o = cJSON_ParseWithLength(row->raw, row->raw_len);

	if (!o)
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(x->byid, row->id);
	cJSON_AddItemToObject(x->byid, row->id, o);
	return 0;
}

/* A MISP attribute for a STIX object: the kept one, or one rebuilt from a simple indicator. */
static cJSON *attr_of(const cJSON *o)
{
	const cJSON *keep = cJSON_GetObjectItemCaseSensitive(o, "x_misp_attribute");
	const char *pat = str(o, "pattern"), *id = str(o, "id");
	static const struct {
		const char *path, *type;
	} map[] = {
	    {"[ipv4-addr:value = '", "ip-dst"},	    {"[ipv6-addr:value = '", "ip-dst"},
	    {"[domain-name:value = '", "domain"},   {"[url:value = '", "url"},
	    {"[email-addr:value = '", "email-dst"}, {"[file:hashes.MD5 = '", "md5"},
	    {"[file:hashes.'SHA-1' = '", "sha1"},   {"[file:hashes.'SHA-256' = '", "sha256"}};
	cJSON *a;

	if (keep)
		return cJSON_Duplicate(keep, true);
	if (!pat || !id || strcmp(str(o, "type") ? str(o, "type") : "", "indicator") != 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		size_t n = strlen(map[i].path), vl;
		char v[2048];
		if (strncmp(pat, map[i].path, n) != 0)
			continue;
		vl = strlen(pat + n);
		if (vl < 2 || strcmp(pat + n + vl - 2, "']") != 0 || vl - 2 >= sizeof(v) ||
		    memchr(pat + n, '\\', vl) || memchr(pat + n, '\'', vl - 2))
			return NULL;
		memcpy(v, pat + n, vl - 2);
		v[vl - 2] = '\0';
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "uuid", strstr(id, "--") + 2);
		cJSON_AddStringToObject(a, "type", map[i].type);
		cJSON_AddStringToObject(a, "category", "Network activity");
		cJSON_AddStringToObject(a, "value", v);
		cJSON_AddBoolToObject(a, "to_ids", true);
		return a;
	}
	return NULL;
}

int share_misp_export(struct store *s, const struct share_collection *c, char **out, struct merr *e)
{
	struct share_query q;
	struct mx x;
	cJSON *root, *resp, *loose, *it;
	bool more, any_event = false;
	int rc;

	*out = NULL;
	x.byid = cJSON_CreateObject();
	share_query_init(&q, SHARE_V_LAST);
	if ((rc = share_query_run(s, c, &q, mx_row, &x, &more, e))) {
		cJSON_Delete(x.byid);
		return rc;
	}
	root = cJSON_CreateObject();
	resp = cJSON_CreateArray();
	loose = cJSON_CreateArray();
	/* events from groupings */
	cJSON_ArrayForEach(it, x.byid)
	{
		const cJSON *kept = cJSON_GetObjectItemCaseSensitive(it, "x_misp_event"), *r;
		cJSON *ev, *attrs, *objs, *wrap;
		if (!kept)
			continue;
		any_event = true;
		ev = cJSON_Duplicate(kept, true);
		attrs = cJSON_CreateArray();
		objs = cJSON_CreateArray();
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(it, "object_refs"))
		{
			cJSON *o = cJSON_IsString(r)
				       ? cJSON_GetObjectItemCaseSensitive(x.byid, r->valuestring)
				       : NULL;
			cJSON *a;
			if (!o)
				continue;
			cJSON_AddNumberToObject(o, "x_mamori_used", 1);
			if (cJSON_GetObjectItemCaseSensitive(o, "x_misp_object"))
				cJSON_AddItemToArray(
				    objs, cJSON_Duplicate(
					      cJSON_GetObjectItemCaseSensitive(o, "x_misp_object"),
					      true));
			else if ((a = attr_of(o)))
				cJSON_AddItemToArray(attrs, a);
		}
		cJSON_AddItemToObject(ev, "Attribute", attrs);
		cJSON_AddItemToObject(ev, "Object", objs);
		wrap = cJSON_CreateObject();
		cJSON_AddItemToObject(wrap, "Event", ev);
		cJSON_AddItemToArray(resp, wrap);
	}
	/* attributes and objects outside any event */
	cJSON_ArrayForEach(it, x.byid)
	{
		cJSON *a, *ob = cJSON_GetObjectItemCaseSensitive(it, "x_misp_object");
		if (cJSON_GetObjectItemCaseSensitive(it, "x_mamori_used") ||
		    cJSON_GetObjectItemCaseSensitive(it, "x_misp_event") ||
		    cJSON_GetObjectItemCaseSensitive(it, "x_misp_object_ref"))
			continue; /* in an event, or part of a MISP object exported whole */
		if (ob) {
			cJSON *wrap = cJSON_CreateObject();
			cJSON_AddItemToObject(wrap, "Object", cJSON_Duplicate(ob, true));
			cJSON_AddItemToArray(resp, wrap);
			any_event = true;
		} else if ((a = attr_of(it))) {
			cJSON_AddItemToArray(loose, a);
		}
	}
	if (any_event || cJSON_GetArraySize(loose) == 0) {
		cJSON_AddItemToObject(root, "response", resp);
		if (cJSON_GetArraySize(loose))
			cJSON_AddItemToObject(root, "Attribute", loose);
		else
			cJSON_Delete(loose);
	} else {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddItemToObject(r, "Attribute", loose);
		cJSON_AddItemToObject(root, "response", r);
		cJSON_Delete(resp);
	}
	cJSON_Delete(x.byid);
	*out = cJSON_Print(root);
	cJSON_Delete(root);
	return *out ? 0 : merr_set(e, M_ENOMEM, "out of memory");
}
