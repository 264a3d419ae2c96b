/*
 * outputs.c - STIX 2.1 export of an incident (incident, indicators, observed-data with their
 * cyber observables, relationships, a TLP 2.0 marking) and the incident statistics per quarter,
 * sector, level and type for the sector and bureau views.
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/mtime.h"
#include "incident/incident_int.h"

/* TLP 2.0 marking definitions of the OASIS TLP extension (fixed ids). */
static const struct {
	const char *tlp, *id;
} tlp_ids[] = {
    {"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};
#define TLP_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* UUIDv5 (SHA-1) of name under the given namespace: STIX's rule for cyber observables
 * (namespace 00abedb4-aa42-466c-9c01-fed23315a9b7), and mamori's for its own objects so that
 * one incident always exports the same ids. */
static void uuid5(const unsigned char ns[16], const char *name, char out[37])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	memset(h, 0, sizeof(h));
	if (md && EVP_DigestInit_ex(md, EVP_sha1(), NULL)) {
		EVP_DigestUpdate(md, ns, 16);
		EVP_DigestUpdate(md, name, strlen(name));
		EVP_DigestFinal_ex(md, h, &hl);
	}
	EVP_MD_CTX_free(md);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
		 h[13], h[14], h[15]);
}

static const unsigned char ns_sco[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
					 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
/* mamori's own namespace (a UUIDv4 chosen once) */
static const unsigned char ns_mamori[16] = {0x6d, 0x61, 0x6d, 0x6f, 0x72, 0x69, 0x40, 0x0e,
					    0x8a, 0x1c, 0x5e, 0x3b, 0x77, 0x21, 0x90, 0x4d};

static void sdo_id(const char *type, const char *name, char *out, size_t cap)
{
	char u[37];
	uuid5(ns_mamori, name, u);
	snprintf(out, cap, "%s--%s", type, u);
}

static void stix_time(int64_t t, char out[TIME_STR_MAX])
{
	char s[TIME_STR_MAX];
	time_fmt_utc(t, s); /* 2026-11-23T03:40:47Z */
	snprintf(out, TIME_STR_MAX, "%.19s.000Z", s);
}

/* A STIX pattern string literal: ' and \ escaped. */
static void pat_lit(const char *v, char *out, size_t cap)
{
	size_t k = 0;
	for (; *v && k + 3 < cap; v++) {
		if (*v == '\'' || *v == '\\')
			out[k++] = '\\';
		out[k++] = *v;
	}
	out[k] = '\0';
}

/* The cyber observable and pattern of an IoC. */
static cJSON *sco_of(const char *type, const char *value, char *pattern, size_t cap)
{
	cJSON *o = cJSON_CreateObject();
	char lit[2200], id[80], u[37], key[2300];
	const char *st;

	pat_lit(value, lit, sizeof(lit));
	if (!strcmp(type, "ip"))
		st = strchr(value, ':') ? "ipv6-addr" : "ipv4-addr";
	else if (!strcmp(type, "domain"))
		st = "domain-name";
	else if (!strcmp(type, "url"))
		st = "url";
	else if (!strcmp(type, "email"))
		st = "email-addr";
	else
		st = "file";
	cJSON_AddStringToObject(o, "type", st);
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	if (!strcmp(st, "file")) {
		size_t n = strlen(value);
		const char *alg = n == 32 ? "MD5" : n == 40 ? "SHA-1" : "SHA-256";
		cJSON *h = cJSON_CreateObject();
		cJSON *wrap = cJSON_CreateObject();
		char *canon;
		cJSON_AddStringToObject(h, alg, value);
		cJSON_AddItemToObject(wrap, "hashes", h);
		canon = cJSON_PrintUnformatted(wrap);
		uuid5(ns_sco, canon ? canon : value, u);
		cJSON_free(canon);
		cJSON_AddItemToObject(o, "hashes", cJSON_Duplicate(h, true));
		cJSON_Delete(wrap);
		snprintf(pattern, cap, "[file:hashes.'%s' = '%s']", alg, lit);
	} else {
		cJSON *wrap = cJSON_CreateObject();
		char *canon;
		cJSON_AddStringToObject(wrap, "value", value);
		canon = cJSON_PrintUnformatted(wrap);
		uuid5(ns_sco, canon ? canon : value, u);
		cJSON_free(canon);
		cJSON_Delete(wrap);
		cJSON_AddStringToObject(o, "value", value);
		snprintf(pattern, cap, "[%s:value = '%s']", st, lit);
	}
	snprintf(id, sizeof(id), "%s--%s", st, u);
	cJSON_AddStringToObject(o, "id", id);
	(void)key;
	return o;
}

static cJSON *marking_def(int rank)
{
	cJSON *m = cJSON_CreateObject(), *ext, *x;
	char name[32];

	snprintf(name, sizeof(name), "TLP:%s", tlp_ids[rank].tlp);
	for (char *p = name + 4; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	cJSON_AddStringToObject(m, "type", "marking-definition");
	cJSON_AddStringToObject(m, "spec_version", "2.1");
	cJSON_AddStringToObject(m, "id", tlp_ids[rank].id);
	cJSON_AddStringToObject(m, "created", "2022-10-01T00:00:00.000Z");
	cJSON_AddStringToObject(m, "name", name);
	ext = cJSON_AddObjectToObject(m, "extensions");
	x = cJSON_AddObjectToObject(ext, TLP_EXT);
	cJSON_AddStringToObject(x, "extension_type", "property-extension");
	cJSON_AddStringToObject(x, "tlp_2_0", tlp_ids[rank].tlp);
	return m;
}

static void common(cJSON *o, const char *type, const char *id, const char *created,
		   const char *modified, const char *ident, int rank)
{
	cJSON *refs;
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "created_by_ref", ident);
	cJSON_AddStringToObject(o, "created", created);
	cJSON_AddStringToObject(o, "modified", modified);
	refs = cJSON_AddArrayToObject(o, "object_marking_refs");
	cJSON_AddItemToArray(refs, cJSON_CreateString(tlp_ids[rank].id));
}

int inc_stix(const struct inc_ctx *c, int64_t id, const struct inc_view *v, const char *tlp,
	     cJSON **out, struct merr *e)
{
	int rank = inc_tlp_rank(tlp), rc;
	cJSON *inc = NULL, *bundle, *objs, *o, *ioc;
	char inc_id[80], ident[80], bid[80], name[64], created[TIME_STR_MAX],
	    modified[TIME_STR_MAX], first[TIME_STR_MAX];
	int64_t t;
	long n = 0;

	*out = NULL;
	if (rank < 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "tlp",
			       "expected clear, green, amber, amber+strict or red");
	struct inc_view view = v ? *v : INC_VIEW_ALL;

	view.internal = false;
	if ((rc = inc_show(c, id, &view, &inc, e)))
		return rc;
	snprintf(name, sizeof(name), "mamori:incident:%lld", (long long)id);
	sdo_id("incident", name, inc_id, sizeof(inc_id));
	sdo_id("bundle", name, bid, sizeof(bid));
	snprintf(name, sizeof(name), "mamori:org:%s",
		 cJSON_GetObjectItemCaseSensitive(inc, "org")->valuestring);
	sdo_id("identity", name, ident, sizeof(ident));
	time_parse(cJSON_GetObjectItemCaseSensitive(inc, "created_at")->valuestring, &t);
	stix_time(t, created);
	time_parse(cJSON_GetObjectItemCaseSensitive(inc, "updated_at")->valuestring, &t);
	stix_time(t, modified);
	time_parse(cJSON_GetObjectItemCaseSensitive(inc, "occurred_at")->valuestring, &t);
	stix_time(t, first);

	bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "type", "bundle");
	cJSON_AddStringToObject(bundle, "id", bid);
	objs = cJSON_AddArrayToObject(bundle, "objects");
	cJSON_AddItemToArray(objs, marking_def(rank));

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "identity");
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", ident);
	cJSON_AddStringToObject(o, "created", created);
	cJSON_AddStringToObject(o, "modified", created);
	cJSON_AddStringToObject(o, "name",
				cJSON_GetObjectItemCaseSensitive(inc, "org_name")->valuestring);
	cJSON_AddStringToObject(o, "identity_class", "organization");
	cJSON_AddItemToArray(objs, o);

	o = cJSON_CreateObject();
	common(o, "incident", inc_id, created, modified, ident, rank);
	cJSON_AddStringToObject(o, "name",
				cJSON_GetObjectItemCaseSensitive(inc, "title")->valuestring);
	{
		cJSON *vers = cJSON_GetObjectItemCaseSensitive(inc, "versions");
		cJSON *last = cJSON_GetArrayItem(vers, cJSON_GetArraySize(vers) - 1);
		cJSON *rep = cJSON_GetObjectItemCaseSensitive(last, "report");
		const char *sum =
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rep, "summary"))
			? cJSON_GetObjectItemCaseSensitive(rep, "summary")->valuestring
			: NULL;
		if (sum)
			cJSON_AddStringToObject(o, "description", sum);
	}
	{
		cJSON *labels = cJSON_AddArrayToObject(o, "labels");
		cJSON *lv = cJSON_GetObjectItemCaseSensitive(inc, "level");
		cJSON_AddItemToArray(
		    labels,
		    cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(inc, "type")->valuestring));
		cJSON_AddStringToObject(o, "x_mamori_type",
					cJSON_GetObjectItemCaseSensitive(inc, "type")->valuestring);
		if (cJSON_IsNumber(lv)) {
			cJSON_AddNumberToObject(o, "x_mamori_nisc_level", lv->valuedouble);
			cJSON_AddStringToObject(o, "x_mamori_nisc_level_name",
						inc_level_name((int)lv->valuedouble));
		}
	}
	cJSON_AddItemToArray(objs, o);

	cJSON_ArrayForEach(ioc, cJSON_GetObjectItemCaseSensitive(inc, "iocs"))
	{
		const char *type = cJSON_GetObjectItemCaseSensitive(ioc, "type")->valuestring;
		const char *value = cJSON_GetObjectItemCaseSensitive(ioc, "value")->valuestring;
		const char *itlp = cJSON_GetObjectItemCaseSensitive(ioc, "tlp")->valuestring;
		int irank = inc_tlp_rank(itlp);
		char pattern[2400], ind_id[80], obs_id[80], rel[80], nm[2200];
		cJSON *sco, *ind, *obs, *r, *refs;

		if (irank > rank)
			continue; /* marked stricter than this export */
		sco = sco_of(type, value, pattern, sizeof(pattern));
		snprintf(nm, sizeof(nm), "mamori:incident:%lld:ioc:%s:%s", (long long)id, type,
			 value);
		sdo_id("indicator", nm, ind_id, sizeof(ind_id));
		sdo_id("observed-data", nm, obs_id, sizeof(obs_id));
		ind = cJSON_CreateObject();
		common(ind, "indicator", ind_id, created, modified, ident, rank);
		cJSON_AddStringToObject(ind, "name", value);
		cJSON_AddStringToObject(ind, "pattern", pattern);
		cJSON_AddStringToObject(ind, "pattern_type", "stix");
		cJSON_AddStringToObject(ind, "valid_from", first);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(ind, "indicator_types"),
				     cJSON_CreateString("malicious-activity"));
		obs = cJSON_CreateObject();
		common(obs, "observed-data", obs_id, created, modified, ident, rank);
		cJSON_AddStringToObject(obs, "first_observed", first);
		cJSON_AddStringToObject(obs, "last_observed", modified);
		cJSON_AddNumberToObject(obs, "number_observed", 1);
		refs = cJSON_AddArrayToObject(obs, "object_refs");
		cJSON_AddItemToArray(
		    refs,
		    cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(sco, "id")->valuestring));
		cJSON_AddItemToArray(objs, sco);
		cJSON_AddItemToArray(objs, ind);
		cJSON_AddItemToArray(objs, obs);
		for (int k = 0; k < 3; k++) {
			const char *src = k == 0 ? ind_id : k == 1 ? obs_id : ind_id;
			const char *dst = k == 0 ? inc_id : k == 1 ? inc_id : obs_id;
			const char *rt = k == 2 ? "based-on" : "related-to";
			char rn[2300];
			snprintf(rn, sizeof(rn), "%s:%d", nm, k);
			sdo_id("relationship", rn, rel, sizeof(rel));
			r = cJSON_CreateObject();
			common(r, "relationship", rel, created, modified, ident, rank);
			cJSON_AddStringToObject(r, "relationship_type", rt);
			cJSON_AddStringToObject(r, "source_ref", src);
			cJSON_AddStringToObject(r, "target_ref", dst);
			cJSON_AddItemToArray(objs, r);
		}
		n++;
	}
	cJSON_Delete(inc);
	{
		char obj[48], d[96];
		snprintf(obj, sizeof(obj), "incident:%lld", (long long)id);
		snprintf(d, sizeof(d), "{\"tlp\":\"%s\",\"indicators\":%ld}", tlp, n);
		if ((rc = inc_event(c, id, 0, "export", true, d, e)) ||
		    (rc = inc_audit(c, "incident.export", obj, d, e))) {
			cJSON_Delete(bundle);
			return rc;
		}
	}
	*out = bundle;
	return 0;
}

/* One quarter's counts, GROUP BY in the store (portable SQL; the quarter bounds come from C),
 * with the sector's names (min(): one per code, which PostgreSQL wants aggregated). */
static int stats_quarter(const struct inc_ctx *c, const char *sector, const char *q, cJSON *arr,
			 struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t from, to;
	int rc;

	if (time_quarter_bounds(q, &from, &to))
		return merr_set(e, M_EINVAL, "bad quarter %s", q);
	if ((rc = store_prepare(
		 c->s,
		 "SELECT coalesce(o.sector, '-'), coalesce(i.level, -1), i.type, "
		 "count(*), min(s.name_ja), min(s.name_en) FROM incidents i JOIN orgs o ON "
		 "o.id = i.org_id LEFT JOIN sectors s ON s.code = o.sector WHERE "
		 "+i.exercise_run IS NULL AND i.aware_at >= ?2 AND i.aware_at < ?3 AND "
		 "(CAST(?1 AS TEXT) IS NULL OR o.sector = ?1) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, sector);
	stmt_bind_int64(st, 2, from);
	stmt_bind_int64(st, 3, to);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *row = cJSON_CreateObject();
		char lv[8];
		if (stmt_int64(st, 1) < 0)
			snprintf(lv, sizeof(lv), "-");
		else
			snprintf(lv, sizeof(lv), "%lld", (long long)stmt_int64(st, 1));
		cJSON_AddStringToObject(row, "quarter", q);
		cJSON_AddStringToObject(row, "sector", stmt_text(st, 0));
		/* the sector's names (the code when the inventory has none) */
		cJSON_AddStringToObject(row, "sector_ja",
					stmt_text(st, 4) ? stmt_text(st, 4) : stmt_text(st, 0));
		cJSON_AddStringToObject(row, "sector_en",
					stmt_text(st, 5) ? stmt_text(st, 5) : stmt_text(st, 0));
		cJSON_AddStringToObject(row, "level", lv);
		cJSON_AddStringToObject(row, "type", stmt_text(st, 2));
		cJSON_AddNumberToObject(row, "count", (double)stmt_int64(st, 3));
		cJSON_AddItemToArray(arr, row);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int inc_stats(const struct inc_ctx *c, const char *sector, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *arr = cJSON_CreateArray();
	int64_t lo = 0, hi = 0;
	char q[16], first[16];
	int rc, n = 0;

	*out = NULL;
	if (!arr)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(
	    c->s,
	    "SELECT min(i.aware_at), max(i.aware_at) FROM incidents i JOIN orgs o ON "
	    "o.id = i.org_id WHERE +i.exercise_run IS NULL AND (CAST(?1 AS TEXT) IS NULL OR "
	    "o.sector = ?1)",
	    &st, e);
	if (rc) {
		cJSON_Delete(arr);
		return rc;
	}
	stmt_bind_text(st, 1, sector);
	if ((rc = stmt_step(st, e)) == 1 && !stmt_is_null(st, 0)) {
		lo = stmt_int64(st, 0);
		hi = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(arr);
		return rc;
	}
	rc = 0;
	if (hi) {
		/* newest quarter first, back to the oldest incident's (at most 100 quarters) */
		time_quarter(hi, q);
		time_quarter(lo, first);
		for (rc = 0; !rc && n < 100; n++) {
			rc = stats_quarter(c, sector, q, arr, e);
			if (rc || !strcmp(q, first) || time_quarter_prev(q, q))
				break;
		}
	}
	if (rc) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
