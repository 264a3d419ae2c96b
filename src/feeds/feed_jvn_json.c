/*
 * feed_jvn_json.c - MyJVN API 4.0 "OKA" JSON: CSAF 2.1-shaped detail documents, the same
 * embedded in a STIX bundle (jvn-jp-sdo objects), and feed overviews (feed.entry[]).
 */
#include "base/compat.h"

#include "base/json.h"

#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "feeds/feeds_int.h"

#define JSON_MAX ((size_t)64 << 20)

static void set_time(const char *s, int64_t *out)
{
	if (!s || time_parse(s, out) != 0)
		*out = 0; /* an empty or unreadable date stays empty */
}

/* Reads metrics[].content.cvss_v3 / cvss_v2, keeping the highest score seen. */
static void read_metrics(struct feeds_jvn *j, const cJSON *metrics, const char **v3w,
			 const char **v2w)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, metrics)
	{
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
		const cJSON *v3 = cJSON_GetObjectItemCaseSensitive(content, "cvss_v3");
		const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(content, "cvss_v2");
		const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(v3, "baseScore");
		const cJSON *s2 = cJSON_GetObjectItemCaseSensitive(v2, "baseScore");
		if (cJSON_IsNumber(s3) && s3->valuedouble >= 0 && s3->valuedouble <= 10 &&
		    (!j->has_cvss3 || s3->valuedouble > j->cvss3_score)) {
			const char *vec = fj_str(v3, "vectorString");
			j->has_cvss3 = true;
			j->cvss3_score = s3->valuedouble;
			snprintf(j->cvss3_vector, sizeof(j->cvss3_vector), "%s", vec ? vec : "");
			*v3w = fj_str(v3, "baseSeverity");
		}
		if (cJSON_IsNumber(s2) && s2->valuedouble >= 0 && s2->valuedouble <= 10 &&
		    (!j->has_cvss2 || s2->valuedouble > j->cvss2_score)) {
			const char *vec = fj_str(v2, "vectorString");
			j->has_cvss2 = true;
			j->cvss2_score = s2->valuedouble;
			snprintf(j->cvss2_vector, sizeof(j->cvss2_vector), "%s", vec ? vec : "");
			*v2w = fj_str(v2, "baseSeverity");
		}
	}
}

/* Walks product_tree.branches: vendor -> product_name (CPE) -> product_version. */
static void walk_branches(struct feeds_jvn *j, const cJSON *branches, const char *vendor,
			  const char *product, int depth)
{
	const cJSON *b;
	if (depth > 8)
		return;
	cJSON_ArrayForEach(b, branches)
	{
		const char *cat = fj_str(b, "category"), *name = fj_str(b, "name");
		const cJSON *prod = cJSON_GetObjectItemCaseSensitive(b, "product");
		const cJSON *sub = cJSON_GetObjectItemCaseSensitive(b, "branches");
		const char *v = vendor, *p = product;
		if (!cat)
			continue;
		if (strcmp(cat, "vendor") == 0) {
			v = name;
		} else if (strcmp(cat, "product_name") == 0) {
			const cJSON *pih =
			    cJSON_GetObjectItemCaseSensitive(prod, "product_identification_helper");
			p = name;
			feeds_jvn_add_string(j->cpes, fj_str(pih, "cpe"));
			if (!cJSON_IsArray(sub))
				feeds_jvn_add_product(j, v, p, NULL);
		} else if (strcmp(cat, "product_version") == 0) {
			feeds_jvn_add_product(j, v, p, name);
		}
		if (cJSON_IsArray(sub))
			walk_branches(j, sub, v, p, depth + 1);
	}
}

static int parse_csaf(const cJSON *d, feeds_jvn_fn fn, void *arg)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(d, "document");
	const cJSON *tracking = cJSON_GetObjectItemCaseSensitive(doc, "tracking");
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(doc, "notes"), *n, *v;
	const cJSON *vulns = cJSON_GetObjectItemCaseSensitive(d, "vulnerabilities");
	const char *v3w = NULL, *v2w = NULL, *id = fj_str(tracking, "id");
	struct feeds_jvn j;
	int rc;

	if (feeds_jvn_init(&j)) {
		feeds_jvn_release(&j);
		return M_ENOMEM;
	}
	j.detail = true;
	snprintf(j.id, sizeof(j.id), "%s", id ? id : "");
	j.title = m_strdup(fj_str(doc, "title"));
	cJSON_ArrayForEach(n, notes)
	{
		const char *cat = fj_str(n, "category");
		if (cat && strcmp(cat, "description") == 0 && !j.summary)
			j.summary = m_strdup(fj_str(n, "text"));
	}
	set_time(fj_str(tracking, "initial_release_date"), &j.published);
	set_time(fj_str(tracking, "current_release_date"), &j.modified);
	walk_branches(&j,
		      cJSON_GetObjectItemCaseSensitive(
			  cJSON_GetObjectItemCaseSensitive(d, "product_tree"), "branches"),
		      NULL, NULL, 0);
	cJSON_ArrayForEach(v, vulns)
	{
		const char *cve = fj_str(v, "cve");
		if (cve && feeds_valid_cve_id(cve))
			feeds_jvn_add_string(j.cves, cve);
		read_metrics(&j, cJSON_GetObjectItemCaseSensitive(v, "metrics"), &v3w, &v2w);
	}
	feeds_jvn_set_severity(&j, v3w, v2w);
	if (strlen(j.id) > 10) {
		char url[128];
		snprintf(url, sizeof(url), "https://jvndb.jvn.jp/ja/contents/%.4s/%s.html",
			 j.id + 6, j.id);
		j.url = m_strdup(url);
	}
	rc = fn(&j, arg);
	feeds_jvn_release(&j);
	return rc;
}

static int parse_entry(const cJSON *en, feeds_jvn_fn fn, void *arg)
{
	const char *id = fj_str(en, "id"), *v3w = NULL, *v2w = NULL;
	const cJSON *x;
	struct feeds_jvn j;
	int rc;

	if (feeds_jvn_init(&j)) {
		feeds_jvn_release(&j);
		return M_ENOMEM;
	}
	snprintf(j.id, sizeof(j.id), "%s", id ? id : "");
	j.title = m_strdup(fj_str(en, "title"));
	j.summary = m_strdup(fj_str(en, "summary"));
	j.url = m_strdup(fj_str(en, "link"));
	set_time(fj_str(en, "created"), &j.published);
	set_time(fj_str(en, "modified"), &j.modified);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(en, "products"))
	{
		const cJSON *ids = cJSON_GetObjectItemCaseSensitive(x, "product_ids");
		feeds_jvn_add_string(j.cpes, fj_str(ids, "cpe"));
		feeds_jvn_add_product(&j, fj_str(x, "vname"), fj_str(x, "pname"),
				      fj_str(x, "version"));
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(en, "references"))
	{
		const char *src = fj_str(x, "source"), *sum = fj_str(x, "summary");
		if (src && sum && strcmp(src, "CVE") == 0 && feeds_valid_cve_id(sum))
			feeds_jvn_add_string(j.cves, sum);
	}
	read_metrics(&j, cJSON_GetObjectItemCaseSensitive(en, "metrics"), &v3w, &v2w);
	feeds_jvn_set_severity(&j, v3w, v2w);
	rc = fn(&j, arg);
	feeds_jvn_release(&j);
	return rc;
}

/* Dispatches on the document's shape; counts the vulnerability entries found. */
static int parse_doc(const cJSON *d, feeds_jvn_fn fn, void *arg, long *n)
{
	const cJSON *feed = cJSON_GetObjectItemCaseSensitive(d, "feed"), *x, *vd;
	const char *type = fj_str(d, "type");
	int rc = 0;

	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "document"))) {
		(*n)++;
		return parse_csaf(d, fn, arg);
	}
	if (type && strcmp(type, "bundle") == 0) {
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(d, "objects"))
		{
			const char *t = fj_str(x, "type");
			if (!t || strcmp(t, "jvn-jp-sdo") != 0)
				continue;
			cJSON_ArrayForEach(vd,
					   cJSON_GetObjectItemCaseSensitive(x, "VULDEF-Document"))
			{
				(*n)++;
				if ((rc = parse_csaf(vd, fn, arg)))
					return rc;
			}
		}
		return 0;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(feed, "entry"))
	{
		const char *id = fj_str(x, "id");
		if (!id || strncmp(id, "JVNDB-", 6) != 0)
			continue; /* getAlertList entries (MYJVN-ALT-...) are alerts, not vulnerabilities */
		(*n)++;
		if ((rc = parse_entry(x, fn, arg)))
			return rc;
	}
	return 0;
}

static long line_of(const char *p, size_t off)
{
	long line = 1;
	for (size_t i = 0; i < off; i++)
		line += p[i] == '\n';
	return line;
}

int feeds_jvn_parse_json(const char *p, size_t len, feeds_jvn_fn fn, void *arg, long *n_entries,
			 struct merr *e)
{
	const char *end = NULL;
	size_t bad;
	cJSON *d;
	int rc;

	*n_entries = 0;
	if (len > JSON_MAX)
		return merr_set(e, M_ETOOBIG, "JSON document larger than %zu bytes", JSON_MAX);
	if (!utf8_valid(p, len, &bad))
		return merr_at(e, M_EPARSE, NULL, line_of(p, bad), (long long)bad, NULL,
			       "invalid UTF-8");
	if ((rc = json_check_strings(p, len, 1, 0, e)))
		return rc;
	d = cJSON_ParseWithLengthOpts(p, len, &end, false);
	if (!d) {
		size_t off = end && end >= p && end <= p + len ? (size_t)(end - p) : 0;
		int show = (int)(len - off < 20 ? len - off : 20);
		for (int i = 0; i < show; i++)
			if (p[off + i] == '\n' || p[off + i] == '\r')
				show = i;
		return merr_at(e, M_EPARSE, NULL, line_of(p, off), (long long)off, "JSON",
			       "syntax error at byte %zu near '%.*s'", off, show, p + off);
	}
	rc = parse_doc(d, fn, arg, n_entries);
	cJSON_Delete(d);
	return rc < 0 ? merr_set(e, rc, "%s", mamori_strerror(rc)) : 0;
}
