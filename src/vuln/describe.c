/*
 * describe.c - `vuln show`: everything the store holds on one CVE as JSON, with
 * its NVD configurations summarised per vendor:product so a person can read them.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "vuln/config.h"
#include "vuln/match.h"

#define SAMPLES_PER_GROUP 6

static void add_text(cJSON *o, const char *k, struct store_stmt *st, int col)
{
	const char *t = stmt_text(st, col);

	if (t)
		cJSON_AddStringToObject(o, k, t);
}

static void add_num(cJSON *o, const char *k, struct store_stmt *st, int col)
{
	if (!stmt_is_null(st, col))
		cJSON_AddNumberToObject(o, k, stmt_double(st, col));
}

static void add_time(cJSON *o, const char *k, struct store_stmt *st, int col)
{
	char t[TIME_STR_MAX];

	if (stmt_is_null(st, col))
		return;
	time_fmt_utc(stmt_int64(st, col), t);
	cJSON_AddStringToObject(o, k, t);
}

/* Runs sql with the CVE id bound; calls row() for each row. */
static int each_row(struct store *s, const char *sql, const char *id,
		    void (*row)(struct store_stmt *st, cJSON *o), cJSON *o, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e), step = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, id);
	while ((step = stmt_step(st, e)) == 1)
		row(st, o);
	stmt_finalize(st);
	return step < 0 ? step : 0;
}

static void row_cve(struct store_stmt *st, cJSON *o)
{
	cJSON *cvss = cJSON_AddObjectToObject(o, "cvss");

	add_text(o, "id", st, 0);
	add_time(o, "published", st, 1);
	add_time(o, "last_modified", st, 2);
	add_text(o, "description", st, 3);
	add_text(o, "cwe", st, 4);
	add_num(cvss, "v4_score", st, 5);
	add_text(cvss, "v4_vector", st, 6);
	add_num(cvss, "v3_score", st, 7);
	add_text(cvss, "v3_vector", st, 8);
	add_text(cvss, "v3_source", st, 9);
	add_num(cvss, "v2_score", st, 10);
	add_text(cvss, "v2_vector", st, 11);
	add_text(o, "severity", st, 12);
	add_text(o, "source", st, 14);
	if (stmt_text(st, 13))
		cJSON_AddStringToObject(o, "_configurations", stmt_text(st, 13));
}

static void row_kev(struct store_stmt *st, cJSON *o)
{
	static const char *const keys[] = {
	    "vendor_project",  "product",  "vulnerability_name", "date_added", "short_description",
	    "required_action", "due_date", "known_ransomware",	 "notes"};
	cJSON *k = cJSON_AddObjectToObject(o, "kev");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		add_text(k, keys[i], st, (int)i);
}

static void row_epss(struct store_stmt *st, cJSON *o)
{
	cJSON *k = cJSON_AddObjectToObject(o, "epss");

	add_num(k, "score", st, 0);
	add_num(k, "percentile", st, 1);
	add_text(k, "model_version", st, 2);
	add_text(k, "score_date", st, 3);
}

static void row_ref(struct store_stmt *st, cJSON *o)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "references"), *r = cJSON_CreateObject();

	add_text(r, "url", st, 0);
	add_text(r, "source", st, 1);
	add_text(r, "tags", st, 2);
	cJSON_AddItemToArray(arr, r);
}

static void row_jvn(struct store_stmt *st, cJSON *o)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "jvn"), *r = cJSON_CreateObject();

	add_text(r, "id", st, 0);
	add_text(r, "title_ja", st, 1);
	add_text(r, "severity_ja", st, 2);
	add_text(r, "url", st, 3);
	cJSON_AddItemToArray(arr, r);
}

static cJSON *group_for(cJSON *groups, const struct vuln_cpematch *m)
{
	cJSON *g;
	const char *part = cpe_literal(&m->cpe, CPE_PART);

	cJSON_ArrayForEach(g, groups)
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(g, "product")), m->vp) == 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItem(g, "vulnerable")) == m->vulnerable)
			return g;
	}
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "product", m->vp);
	cJSON_AddStringToObject(g, "part", part ? part : "*");
	cJSON_AddBoolToObject(g, "vulnerable", m->vulnerable);
	cJSON_AddNumberToObject(g, "entries", 0);
	cJSON_AddArrayToObject(g, "samples");
	cJSON_AddItemToArray(groups, g);
	return g;
}

static void add_entry(cJSON *groups, const struct vuln_cpematch *m)
{
	cJSON *g = group_for(groups, m), *n = cJSON_GetObjectItem(g, "entries");
	cJSON *samples = cJSON_GetObjectItem(g, "samples");
	char text[VULN_EVIDENCE_MAX];
	const char *b[4] = {m->start_incl, m->start_excl, m->end_incl, m->end_excl};
	static const char *const ops[4] = {">=", ">", "<=", "<"};
	size_t len;

	cJSON_SetNumberValue(n, n->valuedouble + 1);
	if (cJSON_GetArraySize(samples) >= SAMPLES_PER_GROUP)
		return;
	len = (size_t)snprintf(text, sizeof(text), "%s", m->criteria);
	for (int i = 0; i < 4 && len < sizeof(text); i++)
		if (b[i])
			len += (size_t)snprintf(text + len, sizeof(text) - len, " %s %s", ops[i],
						b[i]);
	cJSON_AddItemToArray(samples, cJSON_CreateString(text));
}

/* Replaces the raw configurations text with a per-product summary. */
static void summarise(cJSON *o)
{
	cJSON *raw = cJSON_DetachItemFromObject(o, "_configurations"), *arr;
	struct vuln_configs *c = NULL;

	if (!raw || vuln_configs_parse_text(cJSON_GetStringValue(raw), &c, NULL)) {
		cJSON_Delete(raw);
		return;
	}
	arr = cJSON_AddArrayToObject(o, "configurations");
	for (size_t i = 0; i < c->n; i++) {
		cJSON *cfg = cJSON_CreateObject(), *nodes = cJSON_AddArrayToObject(cfg, "nodes");
		cJSON_AddStringToObject(cfg, "operator", c->cfg[i].and_op ? "AND" : "OR");
		for (size_t j = 0; j < c->cfg[i].n; j++) {
			const struct vuln_node *nd = &c->cfg[i].nodes[j];
			cJSON *node = cJSON_CreateObject();
			cJSON_AddStringToObject(node, "operator", nd->and_op ? "AND" : "OR");
			cJSON_AddBoolToObject(node, "negate", nd->negate);
			cJSON *groups = cJSON_AddArrayToObject(node, "products");
			for (size_t k = 0; k < nd->n; k++)
				add_entry(groups, &nd->m[k]);
			cJSON_AddItemToArray(nodes, node);
		}
		cJSON_AddItemToArray(arr, cfg);
	}
	vuln_configs_free(c);
	cJSON_Delete(raw);
}

int vuln_cve_describe(struct store *s, const char *cve_id, cJSON **out, struct merr *e)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	*out = NULL;
	if (!o)
		return merr_set(e, M_ENOMEM, "out of memory");
	cJSON_AddArrayToObject(o, "references");
	cJSON_AddArrayToObject(o, "jvn");
	rc = each_row(s,
		      "SELECT id, published, last_modified, description, cwe, cvss4_score,"
		      " cvss4_vector, cvss3_score, cvss3_vector, cvss3_source, cvss2_score,"
		      " cvss2_vector, severity, configurations, source FROM cves WHERE id = ?",
		      cve_id, row_cve, o, e);
	if (rc == 0)
		rc = each_row(s,
			      "SELECT vendor_project, product, vulnerability_name, date_added,"
			      " short_description, required_action, due_date, known_ransomware,"
			      " notes FROM kev WHERE cve_id = ?",
			      cve_id, row_kev, o, e);
	if (rc == 0 && !cJSON_GetObjectItem(o, "id") && !cJSON_GetObjectItem(o, "kev"))
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "cve", "%s is not in the store", cve_id);
	if (rc == 0)
		rc = each_row(s,
			      "SELECT epss, percentile, model_version, score_date FROM epss"
			      " WHERE cve_id = ?",
			      cve_id, row_epss, o, e);
	if (rc == 0)
		rc = each_row(
		    s, "SELECT url, source, tags FROM cve_refs WHERE cve_id = ? ORDER BY url",
		    cve_id, row_ref, o, e);
	if (rc == 0)
		rc = each_row(s,
			      "SELECT j.id, j.title_ja, j.severity_ja, j.url FROM jvn_cves jc"
			      " JOIN jvn j ON j.id = jc.jvn_id WHERE jc.cve_id = ? ORDER BY j.id",
			      cve_id, row_jvn, o, e);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	if (!cJSON_GetObjectItem(o, "id"))
		cJSON_AddStringToObject(o, "id", cve_id);
	summarise(o);
	*out = o;
	return 0;
}
