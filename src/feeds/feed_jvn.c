/*
 * feed_jvn.c - MyJVN documents (HND XML and OKA JSON, parsed in feed_jvn_xml.c and
 * feed_jvn_json.c) into jvn, jvn_cves and cve_products (origin 'jvn'); the severity map.
 */
#include "base/compat.h"

#include <strings.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "store/store.h"
#include "cpe/cpe.h"
#include "feeds/feeds_int.h"

/*
 * JVN's Japanese severity per CVSS severity word (MyJVN getVulnOverviewList OKA docs:
 * v3/v4 NONE:なし LOW:注意 MEDIUM:警告 HIGH:重要 CRITICAL:緊急; v2 LOW:注意 MEDIUM:警告
 * HIGH:重要 — v2 has no 緊急). "なし" is stored as NULL.
 */
static const struct {
	const char *word;
	const char *ja;
} jvn_severity[] = {
    {"CRITICAL", "緊急"}, {"HIGH", "重要"}, {"MEDIUM", "警告"}, {"LOW", "注意"}, {"NONE", ""},
};

const char *feeds_jvn_severity(const char *word, int cvss_major)
{
	if (!word)
		return "";
	for (size_t i = 0; i < ARRAY_SIZE(jvn_severity); i++) {
		if (strcasecmp(word, jvn_severity[i].word) == 0) {
			if (cvss_major == 2 && i == 0)
				return ""; /* v2 has no Critical */
			return jvn_severity[i].ja;
		}
	}
	return "";
}

int feeds_jvn_init(struct feeds_jvn *j)
{
	memset(j, 0, sizeof(*j));
	j->line = -1;
	j->cpes = cJSON_CreateArray();
	j->products = cJSON_CreateArray();
	j->cves = cJSON_CreateArray();
	return j->cpes && j->products && j->cves ? 0 : M_ENOMEM;
}

void feeds_jvn_release(struct feeds_jvn *j)
{
	m_free(j->title);
	m_free(j->summary);
	m_free(j->url);
	cJSON_Delete(j->cpes);
	cJSON_Delete(j->products);
	cJSON_Delete(j->cves);
	memset(j, 0, sizeof(*j));
}

static bool in_array(const cJSON *arr, const char *s)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, arr)
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
			return true;
	}
	return false;
}

int feeds_jvn_add_string(cJSON *arr, const char *s)
{
	if (!s || !*s || in_array(arr, s))
		return 0;
	return cJSON_AddItemToArray(arr, cJSON_CreateString(s)) ? 0 : M_ENOMEM;
}

int feeds_jvn_add_product(struct feeds_jvn *j, const char *vendor, const char *product,
			  const char *version)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return M_ENOMEM;
	if ((vendor && !cJSON_AddStringToObject(o, "vendor", vendor)) ||
	    (product && !cJSON_AddStringToObject(o, "product", product)) ||
	    (version && *version && !cJSON_AddStringToObject(o, "version", version)) ||
	    !cJSON_AddItemToArray(j->products, o)) {
		cJSON_Delete(o);
		return M_ENOMEM;
	}
	return 0;
}

/* Chooses the severity: the v3 word first, then v2, then from the score. */
void feeds_jvn_set_severity(struct feeds_jvn *j, const char *v3_word, const char *v2_word)
{
	const char *ja = "";
	if (v3_word && *v3_word)
		ja = feeds_jvn_severity(v3_word, 3);
	else if (j->has_cvss3)
		ja = feeds_jvn_severity(feeds_severity_for(j->cvss3_score, 3), 3);
	else if (v2_word && *v2_word)
		ja = feeds_jvn_severity(v2_word, 2);
	else if (j->has_cvss2)
		ja = feeds_jvn_severity(feeds_severity_for(j->cvss2_score, 2), 2);
	snprintf(j->severity, sizeof(j->severity), "%s", ja);
}

/* Third-party text is capped where it enters the store, as KEV's (16 KiB) and NVD's (64 KiB
 * descriptions) are: a JVN title is a line, its summary a few paragraphs. */
#define JVN_TITLE_MAX 2048
#define JVN_SUMMARY_MAX (64u << 10)
#define JVN_URL_MAX 2048

static int check_text(const char *field, const char *s, size_t max, struct merr *e)
{
	size_t bad, n = s ? strlen(s) : 0;
	if (n > max)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, field, "%zu bytes, at most %zu; refused",
			       n, max);
	if (s && !utf8_valid(s, n, &bad))
		return merr_at(e, M_EPARSE, NULL, -1, -1, field, "invalid UTF-8 at byte %zu", bad);
	return 0;
}

/* Validates an entry where it enters the store. */
static int jvn_validate(const struct feeds_jvn *j, struct merr *e)
{
	int rc;
	if (strncmp(j->id, "JVNDB-", 6) != 0 || strlen(j->id) < 12)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "id", "not a JVNDB id: '%.39s'", j->id);
	if (!j->title || !*j->title)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "title", "missing");
	if ((rc = check_text("title", j->title, JVN_TITLE_MAX, e)) ||
	    (rc = check_text("summary", j->summary, JVN_SUMMARY_MAX, e)) ||
	    (rc = check_text("url", j->url, JVN_URL_MAX, e)))
		return rc;
	return 0;
}

static int jvn_current(struct feeds_ctx *c, const struct feeds_jvn *j, struct merr *e)
{
	struct store_stmt *st = feeds_stmt(c, ST_JVN_GET, e);
	int rc;

	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, j->id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		int64_t mod = stmt_int64(st, 0);
		const char *kind = stmt_text(st, 1);
		bool stored_detail = kind && strcmp(kind, "detail") == 0;
		/* A detail record is not replaced by an overview of the same date. */
		rc = mod > j->modified || (mod == j->modified && (stored_detail || !j->detail))
			 ? FEEDS_UNCHANGED
			 : FEEDS_STORED;
	}
	stmt_reset(st);
	return rc;
}

static int bind_json(struct store_stmt *st, int i, const cJSON *v)
{
	char *s = cJSON_GetArraySize(v) ? cJSON_PrintUnformatted(v) : NULL;
	stmt_bind_text(st, i, s);
	if (s)
		cJSON_free(s);
	return 0;
}

/* Removes the products this entry added before (its previous CVE list). */
static int jvn_forget_products(struct feeds_ctx *c, const struct feeds_jvn *j, struct merr *e)
{
	struct store_stmt *st = feeds_stmt(c, ST_JVN_CPES_GET, e);
	cJSON *old = cJSON_CreateArray(), *old_cpes = NULL, *x, *cpe;
	int rc;

	if (!st || !old) {
		cJSON_Delete(old);
		return M_ESTORE;
	}
	/* the CPEs the stored version named, not the new ones */
	stmt_bind_text(st, 1, j->id);
	if (stmt_step(st, e) == 1 && stmt_text(st, 0))
		old_cpes = cJSON_Parse(stmt_text(st, 0));
	stmt_reset(st);
	st = feeds_stmt(c, ST_JVN_CVES_GET, e);
	if (!st) {
		cJSON_Delete(old);
		cJSON_Delete(old_cpes);
		return M_ESTORE;
	}
	stmt_bind_text(st, 1, j->id);
	while ((rc = stmt_step(st, e)) == 1)
		cJSON_AddItemToArray(old, cJSON_CreateString(stmt_text(st, 0)));
	stmt_reset(st);
	if (rc < 0)
		goto out;
	cJSON_ArrayForEach(x, old)
	{
		cJSON_ArrayForEach(cpe, old_cpes)
		{
			char vp[VULN_VP_MAX];
			if (!cJSON_IsString(cpe) || cpe_vp(cpe->valuestring, vp, sizeof(vp)))
				continue;
			st = feeds_stmt(c, ST_PROD_DEL_VP, e);
			if (!st) {
				rc = M_ESTORE;
				break;
			}
			stmt_bind_text(st, 1, vp);
			stmt_bind_text(st, 2, x->valuestring);
			stmt_bind_text(st, 3, "jvn");
			if ((rc = feeds_exec(st, e)))
				break;
		}
	}
out:
	cJSON_Delete(old);
	cJSON_Delete(old_cpes);
	if (rc)
		return rc;
	st = feeds_stmt(c, ST_JVN_CVES_DEL, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, j->id);
	return feeds_exec(st, e);
}

static int jvn_store_links(struct feeds_ctx *c, const struct feeds_jvn *j, struct merr *e)
{
	const cJSON *cve, *cpe;
	struct store_stmt *st;
	int rc;

	cJSON_ArrayForEach(cve, j->cves)
	{
		if (!feeds_valid_cve_id(cve->valuestring))
			continue;
		st = feeds_stmt(c, ST_JVN_CVE_INS, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text(st, 1, j->id);
		stmt_bind_text(st, 2, cve->valuestring);
		if ((rc = feeds_exec(st, e)))
			return rc;
		cJSON_ArrayForEach(cpe, j->cpes)
		{
			char vp[VULN_VP_MAX];
			if (cpe_vp(cpe->valuestring, vp, sizeof(vp)))
				continue;
			st = feeds_stmt(c, ST_PROD_INS, e);
			if (!st)
				return M_ESTORE;
			stmt_bind_text(st, 1, vp);
			stmt_bind_text(st, 2, cve->valuestring);
			stmt_bind_text(st, 3, "jvn");
			if ((rc = feeds_exec(st, e)))
				return rc;
		}
	}
	return 0;
}

static int jvn_store(struct feeds_ctx *c, const struct feeds_jvn *j, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((rc = jvn_validate(j, e)))
		return rc;
	rc = jvn_current(c, j, e);
	if (rc != FEEDS_STORED)
		return rc;
	if ((rc = jvn_forget_products(c, j, e)))
		return rc;
	st = feeds_stmt(c, ST_JVN_UPSERT, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, j->id);
	stmt_bind_text(st, 2, j->title);
	stmt_bind_text(st, 3, j->summary);
	stmt_bind_text(st, 4, j->severity[0] ? j->severity : NULL);
	if (j->has_cvss3) {
		stmt_bind_double(st, 5, j->cvss3_score);
		stmt_bind_text(st, 6, j->cvss3_vector[0] ? j->cvss3_vector : NULL);
	}
	if (j->has_cvss2)
		stmt_bind_double(st, 7, j->cvss2_score);
	stmt_bind_text(st, 8, j->cvss2_vector[0] ? j->cvss2_vector : NULL);
	if (j->published)
		stmt_bind_int64(st, 9, j->published);
	if (j->modified)
		stmt_bind_int64(st, 10, j->modified);
	stmt_bind_text(st, 11, j->url);
	bind_json(st, 12, j->cpes);
	bind_json(st, 13, j->products);
	stmt_bind_text(st, 14, c->name);
	stmt_bind_text(st, 15, j->detail ? "detail" : "overview");
	if ((rc = feeds_exec(st, e)) || (rc = jvn_store_links(c, j, e)))
		return rc;
	return FEEDS_STORED;
}

/* Called for each entry of a document: one savepoint each. */
static int jvn_entry(struct feeds_jvn *j, void *arg)
{
	struct feeds_ctx *c = arg;
	struct merr e;
	int rc;

	merr_init(&e);
	if ((rc = store_begin(c->s, &e)) == 0) {
		rc = jvn_store(c, j, &e);
		if (rc < 0)
			store_rollback(c->s);
		else if (store_commit(c->s, &e))
			rc = M_ESTORE;
	}
	if (rc < 0) {
		if (e.line < 0)
			e.line = j->line;
		feeds_log_error(c, &e, j->id);
	} else if (rc == FEEDS_STORED) {
		c->r->stored++;
	} else {
		c->r->unchanged++;
	}
	return 0;
}

static int jvn_file(struct feeds_ctx *c, const char *p, size_t len, struct merr *e)
{
	long n = 0;
	size_t i = 0;
	int rc;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a UTF-8 byte order mark (libxml2 reads it; JSON has none) */
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	if (i < len && p[i] == '<')
		rc = feeds_jvn_parse_xml(p, len, jvn_entry, c, &n, e);
	else
		rc = feeds_jvn_parse_json(p, len, jvn_entry, c, &n, e);
	if (rc == 0 && n == 0)
		c->r->skipped++; /* a vendor list, statistics...: not vulnerability entries */
	return rc;
}

const struct feeds_adapter feeds_jvn_adapter = {
    .kind = FEEDS_JVN,
    .file = jvn_file,
};
