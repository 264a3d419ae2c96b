/*
 * vuln_testload.c - TEST-ONLY loader: shared NVD / CVE 5 / KEV / EPSS files into
 * the contract tables, so the matcher can be tested before `feeds import` exists.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "cpe/alias.h"
#include "cpe/cpe.h"
#include "vuln_testload.h"

/* The contract of /work/briefs/vulnschema.md (migration 0200 of vuln-feeds). */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS cves (id TEXT PRIMARY KEY, published INTEGER,"
    " last_modified INTEGER, description TEXT, cwe TEXT, cvss4_score REAL, cvss4_vector TEXT,"
    " cvss3_score REAL, cvss3_vector TEXT, cvss3_source TEXT, cvss2_score REAL,"
    " cvss2_vector TEXT, severity TEXT, configurations TEXT, cve5_affected TEXT,"
    " source TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cve_refs (cve_id TEXT NOT NULL, url TEXT NOT NULL,"
    " source TEXT, tags TEXT, PRIMARY KEY (cve_id, url));"
    "CREATE TABLE IF NOT EXISTS cve_products (vp TEXT NOT NULL, cve_id TEXT NOT NULL,"
    " origin TEXT NOT NULL, PRIMARY KEY (vp, cve_id, origin)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS kev (cve_id TEXT PRIMARY KEY, vendor_project TEXT,"
    " product TEXT, vulnerability_name TEXT, date_added TEXT, short_description TEXT,"
    " required_action TEXT, due_date TEXT, known_ransomware TEXT, notes TEXT, cwes TEXT,"
    " catalog_version TEXT);"
    "CREATE TABLE IF NOT EXISTS epss (cve_id TEXT PRIMARY KEY, epss REAL NOT NULL,"
    " percentile REAL NOT NULL, model_version TEXT, score_date TEXT);"
    "CREATE TABLE IF NOT EXISTS jvn (id TEXT PRIMARY KEY, title_ja TEXT, summary_ja TEXT,"
    " severity_ja TEXT, cvss3_score REAL, cvss3_vector TEXT, cvss2_score REAL,"
    " published INTEGER, modified INTEGER, url TEXT, cpes TEXT, products TEXT,"
    " source_file TEXT);"
    "CREATE TABLE IF NOT EXISTS jvn_cves (jvn_id TEXT NOT NULL, cve_id TEXT NOT NULL,"
    " PRIMARY KEY (jvn_id, cve_id));";

int vtl_schema(struct store *s, struct merr *e)
{
	return store_exec(s, schema_sql, e);
}

char *vtl_read_file(const char *path, size_t *len)
{
	char cmd[1200];
	const char *tool = "cat";
	size_t n = 0, cap = 1 << 20;
	char *buf = malloc(cap);
	FILE *f;

	if (strstr(path, ".xz"))
		tool = "xz -dc";
	else if (strstr(path, ".gz"))
		tool = "gzip -dc";
	snprintf(cmd, sizeof(cmd), "%s '%s'", tool, path);
	f = popen(cmd, "r");
	if (!f || !buf) {
		if (f)
			pclose(f);
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t got;
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		if (!got)
			break;
		n += got;
	}
	buf[n] = '\0';
	if (pclose(f) != 0 || n == 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

static cJSON *parse_file(const char *path)
{
	char *text = vtl_read_file(path, NULL);
	cJSON *j = text ? cJSON_Parse(text) : NULL;

	free(text);
	return j;
}

cJSON *vtl_nvd_record(const char *path, const char *id)
{
	cJSON *all = parse_file(path), *v, *out = NULL;

	cJSON_ArrayForEach(v, cJSON_GetObjectItem(all, "vulnerabilities"))
	{
		cJSON *cve = cJSON_GetObjectItem(v, "cve");
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cve, "id")), id) == 0) {
			out = cJSON_Duplicate(cve, 1);
			break;
		}
	}
	cJSON_Delete(all);
	return out;
}

cJSON *vtl_cve5_record(const char *path, const char *id)
{
	char *text = vtl_read_file(path, NULL), *line, *next;
	cJSON *out = NULL;

	for (line = text; line && *line && !out; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strstr(line, id))
			continue;
		cJSON *r = cJSON_Parse(line);
		const char *got = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "cveMetadata"), "cveId"));
		if (got && strcmp(got, id) == 0)
			out = r;
		else
			cJSON_Delete(r);
	}
	free(text);
	return out;
}

cJSON *vtl_cve5_affected(const cJSON *rec)
{
	cJSON *cont = cJSON_GetObjectItem(rec, "containers"), *arr = cJSON_CreateArray(), *adp;
	cJSON *cna_aff = cJSON_GetObjectItem(cJSON_GetObjectItem(cont, "cna"), "affected");

	if (cna_aff) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", "cna");
		cJSON_AddItemToObject(o, "affected", cJSON_Duplicate(cna_aff, 1));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_ArrayForEach(adp, cJSON_GetObjectItem(cont, "adp"))
	{
		cJSON *aff = cJSON_GetObjectItem(adp, "affected");
		const char *name = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(adp, "providerMetadata"), "shortName"));
		char src[128];
		if (!aff)
			continue;
		snprintf(src, sizeof(src), "adp:%s", name ? name : "?");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", src);
		cJSON_AddItemToObject(o, "affected", cJSON_Duplicate(aff, 1));
		cJSON_AddItemToArray(arr, o);
	}
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* ---- inserting ---- */

struct ins {
	struct store_stmt *cve, *ref, *prod;
};

static int prep(struct store *s, struct ins *in, struct merr *e)
{
	int rc =
	    store_prepare(s,
			  "INSERT OR REPLACE INTO cves (id, published, last_modified, description,"
			  " cwe, cvss4_score, cvss4_vector, cvss3_score, cvss3_vector,"
			  " cvss3_source, cvss2_score, cvss2_vector, severity, configurations,"
			  " cve5_affected, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			  &in->cve, e);
	if (rc == 0)
		rc = store_prepare(s,
				   "INSERT OR IGNORE INTO cve_refs (cve_id, url, source, tags)"
				   " VALUES (?,?,?,?)",
				   &in->ref, e);
	if (rc == 0)
		rc = store_prepare(s,
				   "INSERT OR IGNORE INTO cve_products (vp, cve_id, origin)"
				   " VALUES (?,?,?)",
				   &in->prod, e);
	return rc;
}

static void unprep(struct ins *in)
{
	stmt_finalize(in->cve);
	stmt_finalize(in->ref);
	stmt_finalize(in->prod);
}

static int run(struct store_stmt *st, struct merr *e)
{
	int rc = stmt_step(st, e);

	stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static int add_product(struct ins *in, const char *vendor, const char *product, const char *id,
		       const char *origin, struct merr *e)
{
	char vp[VULN_VP_MAX];

	if (!vendor || !product || vuln_fold_vp(vendor, product, vp, sizeof(vp)))
		return 0;
	stmt_bind_text(in->prod, 1, vp);
	stmt_bind_text(in->prod, 2, id);
	stmt_bind_text(in->prod, 3, origin);
	return run(in->prod, e);
}

static int add_cpe_product(struct ins *in, const char *cpe, const char *id, const char *origin,
			   struct merr *e)
{
	struct cpe c;
	int rc;

	if (!cpe || cpe_parse(cpe, &c, NULL))
		return 0;
	rc = add_product(in, cpe_literal(&c, CPE_VENDOR), cpe_literal(&c, CPE_PRODUCT), id, origin,
			 e);
	cpe_release(&c);
	return rc;
}

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

/* The Primary metric of a cvssMetricVxx array, else its first. */
static const cJSON *metric(const cJSON *metrics, const char *key)
{
	const cJSON *arr = cJSON_GetObjectItem(metrics, key), *m, *first = NULL;

	cJSON_ArrayForEach(m, arr)
	{
		if (!first)
			first = m;
		if (jstr(m, "type") && strcmp(jstr(m, "type"), "Primary") == 0)
			return m;
	}
	return first;
}

static void bind_cvss(struct store_stmt *st, const cJSON *metrics)
{
	const cJSON *v4 = metric(metrics, "cvssMetricV40"), *v3 = metric(metrics, "cvssMetricV31");
	const cJSON *v2 = metric(metrics, "cvssMetricV2");
	const char *sev = NULL;

	if (!v3)
		v3 = metric(metrics, "cvssMetricV30");
	if (v4) {
		const cJSON *d = cJSON_GetObjectItem(v4, "cvssData");
		stmt_bind_double(st, 6, cJSON_GetNumberValue(cJSON_GetObjectItem(d, "baseScore")));
		stmt_bind_text(st, 7, jstr(d, "vectorString"));
		sev = jstr(d, "baseSeverity");
	}
	if (v3) {
		const cJSON *d = cJSON_GetObjectItem(v3, "cvssData");
		stmt_bind_double(st, 8, cJSON_GetNumberValue(cJSON_GetObjectItem(d, "baseScore")));
		stmt_bind_text(st, 9, jstr(d, "vectorString"));
		stmt_bind_text(st, 10, jstr(v3, "source"));
		if (!sev)
			sev = jstr(d, "baseSeverity");
	}
	if (v2) {
		const cJSON *d = cJSON_GetObjectItem(v2, "cvssData");
		stmt_bind_double(st, 11, cJSON_GetNumberValue(cJSON_GetObjectItem(d, "baseScore")));
		stmt_bind_text(st, 12, jstr(d, "vectorString"));
		if (!sev)
			sev = jstr(v2, "baseSeverity");
	}
	stmt_bind_text(st, 13, sev);
}

static void bind_cwe(struct store_stmt *st, const cJSON *weak)
{
	char buf[512] = "";
	const cJSON *w, *d;
	size_t n = 0;

	cJSON_ArrayForEach(w, weak)
	{
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(w, "description"))
		{
			const char *v = jstr(d, "value");
			if (!v || strncmp(v, "CWE-", 4) || strstr(buf, v))
				continue;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", v);
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
	}
	stmt_bind_text(st, 5, n ? buf : NULL);
}

static void bind_time(struct store_stmt *st, int i, const char *iso)
{
	int64_t t;

	if (iso && time_parse(iso, &t) == 0)
		stmt_bind_int64(st, i, t);
}

static const char *english(const cJSON *descs)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, descs)
	{
		if (jstr(d, "lang") && strncmp(jstr(d, "lang"), "en", 2) == 0)
			return jstr(d, "value");
	}
	return NULL;
}

static int nvd_products(struct ins *in, const cJSON *cfgs, const char *id, struct merr *e)
{
	const cJSON *c, *n, *m;
	int rc = 0;

	cJSON_ArrayForEach(c, cfgs)
	{
		cJSON_ArrayForEach(n, cJSON_GetObjectItem(c, "nodes"))
		{
			cJSON_ArrayForEach(m, cJSON_GetObjectItem(n, "cpeMatch"))
			{
				rc = add_cpe_product(in, jstr(m, "criteria"), id, "nvd", e);
				if (rc)
					return rc;
			}
		}
	}
	return rc;
}

static int nvd_refs(struct ins *in, const cJSON *refs, const char *id, struct merr *e)
{
	const cJSON *r, *t;
	int rc = 0;

	cJSON_ArrayForEach(r, refs)
	{
		char tags[512] = "";
		size_t n = 0;
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(r, "tags"))
		{
			n += (size_t)snprintf(tags + n, sizeof(tags) - n, "%s%s", n ? "," : "",
					      cJSON_GetStringValue(t) ? cJSON_GetStringValue(t)
								      : "");
			if (n >= sizeof(tags))
				n = sizeof(tags) - 1;
		}
		stmt_bind_text(in->ref, 1, id);
		stmt_bind_text(in->ref, 2, jstr(r, "url"));
		stmt_bind_text(in->ref, 3, jstr(r, "source"));
		stmt_bind_text(in->ref, 4, n ? tags : NULL);
		if ((rc = run(in->ref, e)))
			break;
	}
	return rc;
}

static int nvd_one(struct ins *in, const cJSON *cve, struct merr *e)
{
	const char *id = jstr(cve, "id");
	const cJSON *cfgs = cJSON_GetObjectItem(cve, "configurations");
	char *cfg_text = cfgs ? cJSON_PrintUnformatted(cfgs) : NULL;
	int rc;

	if (!id)
		return 0;
	for (int i = 1; i <= 16; i++)
		stmt_bind_null(in->cve, i);
	stmt_bind_text(in->cve, 1, id);
	bind_time(in->cve, 2, jstr(cve, "published"));
	bind_time(in->cve, 3, jstr(cve, "lastModified"));
	stmt_bind_text(in->cve, 4, english(cJSON_GetObjectItem(cve, "descriptions")));
	bind_cwe(in->cve, cJSON_GetObjectItem(cve, "weaknesses"));
	bind_cvss(in->cve, cJSON_GetObjectItem(cve, "metrics"));
	stmt_bind_text(in->cve, 14, cfg_text);
	stmt_bind_text(in->cve, 16, "nvd");
	rc = run(in->cve, e);
	free(cfg_text);
	if (rc == 0)
		rc = nvd_refs(in, cJSON_GetObjectItem(cve, "references"), id, e);
	if (rc == 0)
		rc = nvd_products(in, cfgs, id, e);
	return rc;
}

int vtl_load_nvd(struct store *s, const char *path, struct merr *e)
{
	cJSON *all = parse_file(path), *v;
	struct ins in = {0};
	int rc;

	if (!all)
		return merr_at(e, M_EPARSE, path, -1, -1, NULL, "cannot read NVD file");
	rc = prep(s, &in, e);
	if (rc == 0)
		rc = store_begin(s, e);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(all, "vulnerabilities"))
	{
		if (rc)
			break;
		rc = nvd_one(&in, cJSON_GetObjectItem(v, "cve"), e);
	}
	if (rc == 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
	unprep(&in);
	cJSON_Delete(all);
	return rc;
}

/* ---- CVE 5 ---- */

static int cve5_products(struct ins *in, const cJSON *aff, const char *id, struct merr *e)
{
	const cJSON *c, *a, *cpe;
	int rc = 0;

	cJSON_ArrayForEach(c, aff)
	{
		cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "affected"))
		{
			char v[VULN_VP_MAX], p[VULN_VP_MAX];
			snprintf(v, sizeof(v), "%s", jstr(a, "vendor") ? jstr(a, "vendor") : "");
			snprintf(p, sizeof(p), "%s", jstr(a, "product") ? jstr(a, "product") : "");
			for (char *x = v; *x; x++)
				*x = *x == ' ' ? '_' : *x;
			for (char *x = p; *x; x++)
				*x = *x == ' ' ? '_' : *x;
			if (*v && *p && (rc = add_product(in, v, p, id, "cve5", e)))
				return rc;
			cJSON_ArrayForEach(cpe, cJSON_GetObjectItem(a, "cpes"))
			{
				if ((rc = add_cpe_product(in, cJSON_GetStringValue(cpe), id, "cve5",
							  e)))
					return rc;
			}
		}
	}
	return rc;
}

static int cve5_update(struct store *s, const char *id, const char *aff, bool *found,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s, "UPDATE cves SET cve5_affected = ?, source = 'nvd+cve5' WHERE id = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, aff);
	stmt_bind_text(st, 2, id);
	rc = stmt_step(st, e);
	*found = store_changes(s) > 0;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int cve5_one(struct store *s, struct ins *in, const cJSON *rec, struct merr *e)
{
	const cJSON *meta = cJSON_GetObjectItem(rec, "cveMetadata");
	const cJSON *cna = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "containers"), "cna");
	const char *id = jstr(meta, "cveId");
	cJSON *aff = vtl_cve5_affected(rec);
	char *aff_text = aff ? cJSON_PrintUnformatted(aff) : NULL;
	bool found = false;
	int rc = 0;

	if (!id)
		goto out;
	rc = cve5_update(s, id, aff_text, &found, e);
	if (rc == 0 && !found) {
		for (int i = 1; i <= 16; i++)
			stmt_bind_null(in->cve, i);
		stmt_bind_text(in->cve, 1, id);
		bind_time(in->cve, 2, jstr(meta, "datePublished"));
		bind_time(in->cve, 3, jstr(meta, "dateUpdated"));
		stmt_bind_text(in->cve, 4, english(cJSON_GetObjectItem(cna, "descriptions")));
		stmt_bind_text(in->cve, 15, aff_text);
		stmt_bind_text(in->cve, 16, "cve5");
		rc = run(in->cve, e);
	}
	if (rc == 0)
		rc = cve5_products(in, aff, id, e);
out:
	free(aff_text);
	cJSON_Delete(aff);
	return rc;
}

int vtl_load_cve5(struct store *s, const char *path, struct merr *e)
{
	char *text = vtl_read_file(path, NULL), *line, *next;
	struct ins in = {0};
	int rc;

	if (!text)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot read CVE 5 file");
	rc = prep(s, &in, e);
	if (rc == 0)
		rc = store_begin(s, e);
	for (line = text; rc == 0 && line && *line; line = next) {
		cJSON *r;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = cJSON_Parse(line);
		if (r)
			rc = cve5_one(s, &in, r, e);
		cJSON_Delete(r);
	}
	if (rc == 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
	unprep(&in);
	free(text);
	return rc;
}

/* ---- KEV and EPSS ---- */

int vtl_load_kev(struct store *s, const char *path, struct merr *e)
{
	static const char *const keys[] = {"cveID",
					   "vendorProject",
					   "product",
					   "vulnerabilityName",
					   "dateAdded",
					   "shortDescription",
					   "requiredAction",
					   "dueDate",
					   "knownRansomwareCampaignUse",
					   "notes"};
	cJSON *all = parse_file(path), *v;
	struct store_stmt *st = NULL;
	int rc;

	if (!all)
		return merr_at(e, M_EPARSE, path, -1, -1, NULL, "cannot read KEV file");
	rc = store_prepare(s,
			   "INSERT OR REPLACE INTO kev (cve_id, vendor_project, product,"
			   " vulnerability_name, date_added, short_description, required_action,"
			   " due_date, known_ransomware, notes, catalog_version)"
			   " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			   &st, e);
	if (rc == 0)
		rc = store_begin(s, e);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(all, "vulnerabilities"))
	{
		if (rc)
			break;
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			stmt_bind_text(st, (int)i + 1, jstr(v, keys[i]));
		stmt_bind_text(st, 11, jstr(all, "catalogVersion"));
		rc = run(st, e);
	}
	if (rc == 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
	stmt_finalize(st);
	cJSON_Delete(all);
	return rc;
}

int vtl_load_epss(struct store *s, const char *path, struct merr *e)
{
	char *text = vtl_read_file(path, NULL), *line, *next;
	struct store_stmt *st = NULL;
	int rc;

	if (!text)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot read EPSS file");
	rc = store_prepare(
	    s, "INSERT OR REPLACE INTO epss (cve_id, epss, percentile) VALUES (?,?,?)", &st, e);
	if (rc == 0)
		rc = store_begin(s, e);
	for (line = text; rc == 0 && line && *line; line = next) {
		char *c1, *c2;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "CVE-", 4) || !(c1 = strchr(line, ',')) ||
		    !(c2 = strchr(c1 + 1, ',')))
			continue;
		*c1 = *c2 = '\0';
		stmt_bind_text(st, 1, line);
		stmt_bind_double(st, 2, strtod(c1 + 1, NULL));
		stmt_bind_double(st, 3, strtod(c2 + 1, NULL));
		rc = run(st, e);
	}
	if (rc == 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
	stmt_finalize(st);
	free(text);
	return rc;
}

int vtl_load_all(struct store *s, const char *dir, struct merr *e)
{
	static const struct {
		int (*fn)(struct store *, const char *, struct merr *);
		const char *file;
	} steps[] = {
	    {vtl_load_nvd, "nvd/nvdcve-2016.json.gz"},
	    {vtl_load_nvd, "nvd/nvdcve-2.0-subset.json.xz"},
	    {vtl_load_nvd, "nvd/nvdcve-2.0-kev-edge-2017plus.json.xz"},
	    {vtl_load_cve5, "cve5/vulnrichment-subset.jsonl.xz"},
	    {vtl_load_kev, "kev/known_exploited_vulnerabilities.json"},
	    {vtl_load_epss, "epss/epss-scores-2026-08-16-emba.csv.xz"},
	};
	char path[1024];
	int rc = vtl_schema(s, e);

	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(steps); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, steps[i].file);
		rc = steps[i].fn(s, path, e);
	}
	return rc;
}
