/*
 * feed_common.c - what the feed adapters share: the SQL of every statement (one table),
 * error logging to feed_errors, typed JSON access, CPE vendor:product folding.
 */
#include "base/compat.h"

#include <ctype.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

/* Every statement the importers run, indexed by enum feeds_st. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_CVE_GET] = "SELECT last_modified, source, cve5_updated FROM cves WHERE id = ?",
    /* NVD replaces its own columns; a metric NVD lacks keeps the CVE 5 value (CASE). */
    [ST_NVD_UPSERT] =
	"INSERT INTO cves (" FEEDS_NVD_COLS ")"
	" VALUES (?,?,?,?,?, ?,?,?,?, ?,?,?,?,?, ?,?,?,?, ?,?, 'nvd', ?)" FEEDS_NVD_CONFLICT,
    /* A CVE 5-only row is replaced whole by a newer CVE 5 record. */
    [ST_CVE5_INSERT] =
	"INSERT INTO cves (" FEEDS_CVE5_COLS ")"
	" VALUES (?,?,?,?,?, ?,?,?,?, ?,?,?,?,?, ?,?,?,?, ?,?,?, 'cve5', ?)" FEEDS_CVE5_CONFLICT,
    /* On a row NVD owns, CVE 5 fills only what NVD left empty. */
    [ST_CVE5_FILL] =
	"UPDATE cves SET cve5_affected = ?, cve5_updated = ?, cve5_state = ?,"
	" source = 'nvd+cve5', cwe = COALESCE(cwe, ?), description = COALESCE(description, ?),"
	" published = COALESCE(published, ?),"
	" cvss4_score = COALESCE(cvss4_score, ?), cvss4_vector = COALESCE(cvss4_vector, ?),"
	" cvss4_source = COALESCE(cvss4_source, ?), cvss4_severity = COALESCE(cvss4_severity, ?),"
	" cvss3_source = CASE WHEN cvss3_score IS NULL THEN ? ELSE cvss3_source END,"
	" cvss3_version = CASE WHEN cvss3_score IS NULL THEN ? ELSE cvss3_version END,"
	" cvss3_severity = CASE WHEN cvss3_score IS NULL THEN ? ELSE cvss3_severity END,"
	" cvss3_vector = CASE WHEN cvss3_score IS NULL THEN ? ELSE cvss3_vector END,"
	" cvss3_score = COALESCE(cvss3_score, ?),"
	" cvss2_source = CASE WHEN cvss2_score IS NULL THEN ? ELSE cvss2_source END,"
	" cvss2_severity = CASE WHEN cvss2_score IS NULL THEN ? ELSE cvss2_severity END,"
	" cvss2_vector = CASE WHEN cvss2_score IS NULL THEN ? ELSE cvss2_vector END,"
	" cvss2_score = COALESCE(cvss2_score, ?)"
	" WHERE id = ?",
    [ST_SEVERITY] = "UPDATE cves SET severity = COALESCE(cvss4_severity, cvss3_severity,"
		    " cvss2_severity) WHERE id = ?",
    [ST_REFS_DEL] = "DELETE FROM cve_refs WHERE cve_id = ? AND origin = ?",
    [ST_REF_NVD] = "INSERT INTO cve_refs (cve_id, url, source, tags, origin)"
		   " VALUES (?, ?, ?, ?, 'nvd') ON CONFLICT(cve_id, url) DO UPDATE SET"
		   " source = excluded.source, tags = excluded.tags, origin = 'nvd'",
    [ST_REF_CVE5] = "INSERT INTO cve_refs (cve_id, url, source, tags, origin)"
		    " VALUES (?, ?, ?, ?, 'cve5') ON CONFLICT DO NOTHING",
    [ST_PROD_DEL] = "DELETE FROM cve_products WHERE cve_id = ? AND origin = ?",
    [ST_PROD_INS] = "INSERT INTO cve_products (vp, cve_id, origin) VALUES (?, ?, ?)"
		    " ON CONFLICT DO NOTHING",
    [ST_KEV_GET] = "SELECT vendor_project, product, vulnerability_name, date_added,"
		   " short_description, required_action, due_date, known_ransomware, notes,"
		   " cwes, catalog_version FROM kev WHERE cve_id = ?",
    [ST_KEV_UPSERT] =
	"INSERT INTO kev (cve_id, vendor_project, product, vulnerability_name, date_added,"
	" short_description, required_action, due_date, known_ransomware, notes, cwes,"
	" catalog_version, first_catalog) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
	" (SELECT first_catalog FROM kev_first_seen WHERE cve_id = ?))"
	" ON CONFLICT(cve_id) DO UPDATE SET vendor_project = excluded.vendor_project,"
	" product = excluded.product, vulnerability_name = excluded.vulnerability_name,"
	" date_added = excluded.date_added, short_description = excluded.short_description,"
	" required_action = excluded.required_action, due_date = excluded.due_date,"
	" known_ransomware = excluded.known_ransomware, notes = excluded.notes,"
	" cwes = excluded.cwes, catalog_version = excluded.catalog_version,"
	" first_catalog = excluded.first_catalog",
    [ST_KEV_VERSION] = "UPDATE kev SET catalog_version = ?, first_catalog ="
		       " (SELECT first_catalog FROM kev_first_seen WHERE cve_id = ?)"
		       " WHERE cve_id = ?",
    /* Catalog versions are YYYY.MM.DD: the smaller string is the older catalog. */
    [ST_KEV_FIRST] = "INSERT INTO kev_first_seen (cve_id, first_catalog, first_seen_at)"
		     " VALUES (?, ?, ?) ON CONFLICT(cve_id) DO UPDATE SET"
		     " first_catalog = excluded.first_catalog"
		     " WHERE excluded.first_catalog < kev_first_seen.first_catalog",
    [ST_KEV_SEEN] = "INSERT INTO kev_seen (cve_id) VALUES (?) ON CONFLICT DO NOTHING",
    [ST_EPSS_UPSERT] =
	"INSERT INTO epss (cve_id, epss, percentile, model_version, score_date)"
	" VALUES (?, ?, ?, ?, ?) ON CONFLICT(cve_id) DO UPDATE SET epss = excluded.epss,"
	" percentile = excluded.percentile, model_version = excluded.model_version,"
	" score_date = excluded.score_date WHERE epss.epss <> excluded.epss"
	" OR epss.percentile <> excluded.percentile"
	" OR COALESCE(epss.model_version, '') <> COALESCE(excluded.model_version, '')"
	" OR COALESCE(epss.score_date, '') <> COALESCE(excluded.score_date, '')",
    [ST_JVN_GET] = "SELECT modified, kind FROM jvn WHERE id = ?",
    [ST_JVN_UPSERT] =
	"INSERT INTO jvn (id, title_ja, summary_ja, severity_ja, cvss3_score, cvss3_vector,"
	" cvss2_score, cvss2_vector, published, modified, url, cpes, products, source_file,"
	" kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	" ON CONFLICT(id) DO UPDATE SET title_ja = excluded.title_ja,"
	" summary_ja = excluded.summary_ja, severity_ja = excluded.severity_ja,"
	" cvss3_score = excluded.cvss3_score, cvss3_vector = excluded.cvss3_vector,"
	" cvss2_score = excluded.cvss2_score, cvss2_vector = excluded.cvss2_vector,"
	" published = excluded.published, modified = excluded.modified, url = excluded.url,"
	" cpes = excluded.cpes, products = excluded.products,"
	" source_file = excluded.source_file, kind = excluded.kind",
    [ST_JVN_CPES_GET] = "SELECT cpes FROM jvn WHERE id = ?",
    [ST_JVN_CVES_GET] = "SELECT cve_id FROM jvn_cves WHERE jvn_id = ?",
    [ST_JVN_CVES_DEL] = "DELETE FROM jvn_cves WHERE jvn_id = ?",
    [ST_JVN_CVE_INS] = "INSERT INTO jvn_cves (jvn_id, cve_id) VALUES (?, ?)"
		       " ON CONFLICT DO NOTHING",
    [ST_PROD_DEL_VP] = "DELETE FROM cve_products WHERE vp = ? AND cve_id = ? AND origin = ?",
    [ST_ERR_INS] = "INSERT INTO feed_errors (feed, file, line, byte_offset, cve_id, message, at)"
		   " VALUES (?, ?, ?, ?, ?, ?, ?)",
};

struct store_stmt *feeds_stmt(struct feeds_ctx *c, enum feeds_st id, struct merr *e)
{
	if (!c->st[id]) {
		if (store_prepare(c->s, stmt_sql[id], &c->st[id], e))
			return NULL;
	} else {
		stmt_reset(c->st[id]);
	}
	return c->st[id];
}

/*
 * The multi-row INSERTs: the head, one row's values, the tail (see FEEDS_MULTI_MAX). OR
 * IGNORE and no ON CONFLICT clause: a multi-row statement that may abort halfway keeps a
 * statement journal (on a temporary file during a bulk load: the x20 import made 649k
 * pwrite calls instead of 105k), one that ignores conflicts keeps none. For rows without
 * NULLs OR IGNORE is ON CONFLICT DO NOTHING; where a conflict must update (NVD's
 * references), the caller sees that fewer rows went in and repeats the record's rows with
 * the one-row upsert.
 */
static const char *const multi_sql[MULTI_COUNT][2] = {
    [MULTI_REF_NVD] = {"INSERT OR IGNORE INTO cve_refs (cve_id, url, source, tags, origin) VALUES ",
		       "(?, ?, ?, ?, 'nvd')"},
    [MULTI_REF_CVE5] =
	{"INSERT OR IGNORE INTO cve_refs (cve_id, url, source, tags, origin) VALUES ",
	 "(?, ?, ?, ?, 'cve5')"},
    [MULTI_PROD] = {"INSERT OR IGNORE INTO cve_products (vp, cve_id, origin) VALUES ", "(?, ?, ?)"},
};

size_t feeds_multi_max(struct feeds_ctx *c)
{
	if (!c->multi_ok)
		c->multi_ok = strcmp(store_backend_name(c->s), "sqlite") == 0 ? 1 : -1;
	return c->multi_ok > 0 ? FEEDS_MULTI_MAX : 1;
}

struct store_stmt *feeds_stmt_multi(struct feeds_ctx *c, enum feeds_multi kind, size_t rows,
				    struct merr *e)
{
	struct store_stmt **slot = &c->multi[kind][rows - 1];
	struct buf sql;

	if (*slot) {
		stmt_reset(*slot);
		return *slot;
	}
	buf_init(&sql, SIZE_MAX / 2);
	if (buf_adds(&sql, multi_sql[kind][0]))
		goto oom;
	for (size_t i = 0; i < rows; i++)
		if ((i && buf_addc(&sql, ',')) || buf_adds(&sql, multi_sql[kind][1]))
			goto oom;
	if (store_prepare(c->s, buf_str(&sql), slot, e))
		*slot = NULL;
	buf_release(&sql);
	return *slot;
oom:
	buf_release(&sql);
	merr_set(e, M_ENOMEM, "out of memory");
	return NULL;
}

void feeds_stmts_release(struct feeds_ctx *c)
{
	for (int i = 0; i < ST_COUNT; i++) {
		stmt_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	for (int k = 0; k < MULTI_COUNT; k++)
		for (int i = 0; i < FEEDS_MULTI_MAX; i++) {
			stmt_finalize(c->multi[k][i]);
			c->multi[k][i] = NULL;
		}
}

int feeds_exec(struct store_stmt *st, struct merr *e)
{
	int rc;
	if (!st)
		return M_ESTORE;
	rc = stmt_step(st, e);
	stmt_reset(st);
	return rc < 0 ? rc : 0;
}

void feeds_log_error(struct feeds_ctx *c, const struct merr *err, const char *cve)
{
	struct merr tmp = *err, e2;
	struct store_stmt *st;
	char msg[600];

	c->r->errors++;
	merr_set_file(&tmp, c->path);
	merr_format(&tmp, msg, sizeof(msg));
	if (c->r->n_first_errors < FEEDS_FIRST_ERRORS) {
		int n = c->r->n_first_errors++;
		if (cve && *cve)
			snprintf(c->r->first_errors[n], sizeof(c->r->first_errors[n]),
				 "%.540s (%.31s)", msg, cve);
		else
			snprintf(c->r->first_errors[n], sizeof(c->r->first_errors[n]), "%s", msg);
	}
	merr_init(&e2);
	st = feeds_stmt(c, ST_ERR_INS, &e2);
	if (!st) {
		if (!c->log_rc) {
			c->log_rc = M_ESTORE;
			c->log_e = e2;
		}
		return;
	}
	stmt_bind_text(st, 1, feeds_kind_name(c->r->kind));
	stmt_bind_text(st, 2, c->path);
	if (err->line >= 0)
		stmt_bind_int64(st, 3, err->line);
	if (err->offset >= 0)
		stmt_bind_int64(st, 4, err->offset);
	stmt_bind_text(st, 5, cve && *cve ? cve : NULL);
	tmp.file[0] = '\0';
	tmp.line = -1;
	tmp.offset = -1;
	merr_format(&tmp, msg, sizeof(msg));
	stmt_bind_text(st, 6, msg);
	stmt_bind_int64(st, 7, time_now());
	if (feeds_exec(st, &e2) && !c->log_rc) {
		c->log_rc = e2.code ? e2.code : M_ESTORE;
		c->log_e = e2;
	}
}

const char *fj_str(const cJSON *o, const char *key)
{
	const cJSON *v = fj_get(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int str_check(const cJSON *v, const char *key, size_t max, const char **out, struct merr *e)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return merr_at(e, M_EPARSE, NULL, -1, -1, key, "expected a string");
	if (strlen(v->valuestring) > max)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, key, "longer than %zu bytes", max);
	*out = v->valuestring;
	return 0;
}

int fj_req_str(const cJSON *o, const char *key, size_t max, const char **out, struct merr *e)
{
	const cJSON *v = fj_get(o, key);
	*out = NULL;
	if (!v)
		return merr_at(e, M_EPARSE, NULL, -1, -1, key, "missing");
	return str_check(v, key, max, out, e);
}

int fj_opt_str(const cJSON *o, const char *key, size_t max, const char **out, struct merr *e)
{
	const cJSON *v = fj_get(o, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	return str_check(v, key, max, out, e);
}

int fj_opt_arr(const cJSON *o, const char *key, const cJSON **out, struct merr *e)
{
	const cJSON *v = fj_get(o, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return merr_at(e, M_EPARSE, NULL, -1, -1, key, "expected an array");
	*out = v;
	return 0;
}

int fj_time(const char *field, const char *v, int64_t *out, struct merr *e)
{
	if (time_parse(v, out) != 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, field, "not a date-time: '%.40s'", v);
	return 0;
}

bool feeds_valid_cve_id(const char *s)
{
	size_t n = 0;

	if (!s || strncmp(s, "CVE-", 4) != 0)
		return false;
	s += 4;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)*s++))
			return false;
	if (*s++ != '-')
		return false;
	for (; isdigit((unsigned char)s[n]); n++)
		;
	return n >= 4 && n <= 19 && s[n] == '\0';
}

int feeds_cve_add_vp(struct feeds_cve *c, const char *vp)
{
	for (size_t i = c->n_vps; i-- > 0;)
		if (strcmp(c->vps[i], vp) == 0)
			return 0;
	if (c->n_vps == c->cap_vps) {
		size_t cap = c->cap_vps ? c->cap_vps * 2 : 8;
		void *n = m_realloc(c->vps, cap * sizeof(*c->vps));
		if (!n)
			return M_ENOMEM;
		c->vps = n;
		c->cap_vps = cap;
	}
	feeds_copy(c->vps[c->n_vps++], VULN_VP_MAX, vp);
	return 0;
}

/* Lowercase, blanks to '_', CPE-special characters escaped so vuln_fold_vp reads them. */
static void name_to_cpe(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; s && *s && n + 3 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ' || c == '\t')
			c = '_';
		if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c < 0x80)
			out[n++] = '\\';
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

int feeds_fold_names(const char *vendor, const char *product, char *out, size_t cap)
{
	char v[VULN_VP_MAX], p[VULN_VP_MAX];

	if (!vendor || !product || !*vendor || !*product || strcmp(vendor, "n/a") == 0 ||
	    strcmp(product, "n/a") == 0)
		return M_EPARSE;
	name_to_cpe(vendor, v, sizeof(v));
	name_to_cpe(product, p, sizeof(p));
	return vuln_fold_vp(v, p, out, cap);
}

void feeds_add_cwe(char *list, size_t cap, const char *cwe)
{
	size_t n = strlen(list), w = strlen(cwe);
	const char *p = list;

	if (strncmp(cwe, "CWE-", 4) != 0 || w > 16)
		return;
	while ((p = strstr(p, cwe))) {
		if ((p == list || p[-1] == ',') && (p[w] == ',' || p[w] == '\0'))
			return;
		p += w;
	}
	if (n + w + 2 > cap)
		return;
	snprintf(list + n, cap - n, "%s%s", n ? "," : "", cwe);
}

const char *feeds_severity_for(double score, int major)
{
	if (major == 2)
		return score >= 7.0 ? "HIGH" : score >= 4.0 ? "MEDIUM" : "LOW";
	if (score >= 9.0)
		return "CRITICAL";
	if (score >= 7.0)
		return "HIGH";
	if (score >= 4.0)
		return "MEDIUM";
	return score > 0.0 ? "LOW" : "NONE";
}

const char *feeds_best_severity(const struct feeds_cve *c)
{
	if (c->v4.set)
		return c->v4.severity;
	if (c->v3.set)
		return c->v3.severity;
	return c->v2.set ? c->v2.severity : NULL;
}

int feeds_store_products(struct feeds_ctx *c, const struct feeds_cve *cv, const char *origin,
			 bool fresh, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if (!fresh) { /* a new CVE has no old rows to delete */
		/* the delete below reads cve_products_cve: without it, it reads the whole table */
		if (c->prod_index_off && (rc = feeds_prods_index_on(c, e)))
			return rc;
		/* rows of an earlier record of this CVE in the same batch go in first, so the
		 * delete sees them, as it would without the deferral */
		if (c->defer_products && feeds_prods_has_cve(&c->prods, cv->id) &&
		    (rc = feeds_prods_flush(c, e)))
			return rc;
		st = feeds_stmt(c, ST_PROD_DEL, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text_static(st, 1, cv->id);
		stmt_bind_text_static(st, 2, origin);
		if ((rc = feeds_exec(st, e)))
			return rc;
	}
	if (c->defer_products) {
		for (size_t i = 0; i < cv->n_vps; i++)
			if (feeds_prods_add(&c->prods, cv->vps[i], cv->id, origin))
				return merr_set(e, M_ENOMEM, "out of memory");
		return 0;
	}
	for (size_t i = 0, max = feeds_multi_max(c); i < cv->n_vps;) {
		size_t n = cv->n_vps - i < max ? cv->n_vps - i : max;
		st =
		    max > 1 ? feeds_stmt_multi(c, MULTI_PROD, n, e) : feeds_stmt(c, ST_PROD_INS, e);
		if (!st)
			return M_ESTORE;
		for (size_t k = 0; k < n; k++, i++) {
			stmt_bind_text_static(st, (int)k * 3 + 1, cv->vps[i]);
			stmt_bind_text_static(st, (int)k * 3 + 2, cv->id);
			stmt_bind_text_static(st, (int)k * 3 + 3, origin);
		}
		if ((rc = feeds_exec(st, e)))
			return rc;
	}
	return 0;
}

/* Whether a record's references can go in by OR IGNORE: every URL set and none twice (the
 * row path's last row of a URL wins; OR IGNORE would keep the first). */
static bool refs_multi_ok(const struct feeds_cve *cv)
{
	for (size_t i = 0; i < cv->n_refs; i++) {
		if (!cv->refs[i].url)
			return false;
		for (size_t j = i + 1; j < cv->n_refs; j++)
			if (strcmp(cv->refs[i].url, cv->refs[j].url) == 0)
				return false;
	}
	return true;
}

/* A record's references, several a statement; *in counts the rows that went in. */
static int refs_multi(struct feeds_ctx *c, const struct feeds_cve *cv, bool nvd, int64_t *in,
		      struct merr *e)
{
	size_t max = feeds_multi_max(c);
	int rc;

	for (size_t i = 0; i < cv->n_refs;) {
		size_t n = cv->n_refs - i < max ? cv->n_refs - i : max;
		struct store_stmt *st =
		    feeds_stmt_multi(c, nvd ? MULTI_REF_NVD : MULTI_REF_CVE5, n, e);
		if (!st)
			return M_ESTORE;
		for (size_t k = 0; k < n; k++, i++) {
			const struct feeds_ref *f = &cv->refs[i];
			int b = (int)k * 4;
			stmt_bind_text_static(st, b + 1, cv->id);
			stmt_bind_text_static(st, b + 2, f->url);
			stmt_bind_text_static(st, b + 3, f->source);
			stmt_bind_text_static(st, b + 4, f->tags && *f->tags ? f->tags : NULL);
		}
		if ((rc = feeds_exec(st, e)))
			return rc;
		*in += store_changes(c->s);
	}
	return 0;
}

int feeds_store_refs(struct feeds_ctx *c, const struct feeds_cve *cv, const char *origin,
		     bool fresh, struct merr *e)
{
	bool nvd = strcmp(origin, "nvd") == 0;
	struct store_stmt *st;
	int rc;

	if (!fresh) {
		st = feeds_stmt(c, ST_REFS_DEL, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text_static(st, 1, cv->id);
		stmt_bind_text_static(st, 2, origin);
		if ((rc = feeds_exec(st, e)))
			return rc;
	}
	if (feeds_multi_max(c) > 1 && refs_multi_ok(cv)) {
		int64_t in = 0;
		if ((rc = refs_multi(c, cv, nvd, &in, e)))
			return rc;
		if (in == (int64_t)cv->n_refs)
			return 0;
		/* a URL stored before (under the other feed): the row path decides */
	}
	for (size_t i = 0; i < cv->n_refs; i++) {
		st = feeds_stmt(c, nvd ? ST_REF_NVD : ST_REF_CVE5, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text_static(st, 1, cv->id);
		stmt_bind_text_static(st, 2, cv->refs[i].url);
		stmt_bind_text_static(st, 3, cv->refs[i].source);
		stmt_bind_text_static(
		    st, 4, cv->refs[i].tags && *cv->refs[i].tags ? cv->refs[i].tags : NULL);
		if ((rc = feeds_exec(st, e)))
			return rc;
	}
	return 0;
}

void feeds_cve_release(struct feeds_cve *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_refs; i++)
		m_free(c->refs[i].tags);
	m_free(c->refs);
	m_free(c->vps);
	if (c->configurations && !c->block)
		m_free(c->configurations);
	if (c->cve5_affected && !c->block)
		cJSON_free(c->cve5_affected);
	m_free(c->block);
	if (c->arena)
		feeds_arena_delete(c->doc, c->arena_spills);
	else
		cJSON_Delete(c->doc);
	if (c->arena)
		feeds_arena_end(c->arena_mark);
	memset(c, 0, sizeof(*c));
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copies s to *w and advances it; NULL stays NULL. */
static char *put_str(char **w, const char *s)
{
	char *r = *w;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(r, s, n);
	*w += n;
	return r;
}

static size_t metric_size(const struct feeds_metric *m)
{
	return str_size(m->vector) + str_size(m->source) + str_size(m->severity) +
	       str_size(m->version);
}

static void metric_move(struct feeds_metric *m, char **w)
{
	m->vector = put_str(w, m->vector);
	m->source = put_str(w, m->source);
	m->severity = put_str(w, m->severity);
	m->version = put_str(w, m->version);
}

int feeds_cve_detach(struct feeds_cve *c, size_t *bytes, struct merr *e)
{
	size_t n = str_size(c->description) + str_size(c->vuln_status) + str_size(c->state) +
		   str_size(c->configurations) + str_size(c->cve5_affected) + metric_size(&c->v4) +
		   metric_size(&c->v3) + metric_size(&c->v2);
	char *w, *cfg, *aff;

	for (size_t i = 0; i < c->n_refs; i++)
		n += str_size(c->refs[i].url) + str_size(c->refs[i].source);
	if (!(c->block = m_malloc(n ? n : 1)))
		return merr_set(e, M_ENOMEM, "out of memory");
	w = c->block;
	c->description = put_str(&w, c->description);
	c->vuln_status = put_str(&w, c->vuln_status);
	c->state = put_str(&w, c->state);
	metric_move(&c->v4, &w);
	metric_move(&c->v3, &w);
	metric_move(&c->v2, &w);
	for (size_t i = 0; i < c->n_refs; i++) {
		c->refs[i].url = put_str(&w, c->refs[i].url);
		c->refs[i].source = put_str(&w, c->refs[i].source);
	}
	cfg = put_str(&w, c->configurations);
	aff = put_str(&w, c->cve5_affected);
	m_free(c->configurations);
	if (c->cve5_affected)
		cJSON_free(c->cve5_affected);
	c->configurations = cfg;
	c->cve5_affected = aff;
	if (c->arena)
		feeds_arena_delete(c->doc, c->arena_spills);
	else
		cJSON_Delete(c->doc);
	c->doc = NULL;
	if (c->arena)
		feeds_arena_end(c->arena_mark);
	c->arena = false;
	*bytes = sizeof(*c) + n + c->n_refs * sizeof(*c->refs) + c->cap_vps * VULN_VP_MAX;
	return 0;
}

int feeds_cve_parse_owned(int (*parse)(const char *, size_t, struct feeds_cve *, struct merr *),
			  const struct split_rec *rec, void **out, size_t *bytes, char *cve,
			  size_t cve_cap, struct merr *e)
{
	struct feeds_cve *c = m_malloc(sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = parse(rec->p, rec->len, c, e);
	feeds_copy(cve, cve_cap, c->id);
	if (rc == 0)
		rc = feeds_cve_detach(c, bytes, e);
	if (rc) {
		feeds_cve_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void feeds_cve_free(void *rec)
{
	feeds_cve_release(rec);
	m_free(rec);
}

#define REF_URL_MAX 2048
#define REF_TAG_MAX 128

/* "tag1,tag2" from a tags array (strings of at most REF_TAG_MAX bytes; others skipped). */
static int ref_tags(const cJSON *tags, struct feeds_ref *ref, struct merr *e)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
	{
		size_t have = ref->tags ? strlen(ref->tags) : 0, w;
		char *nt;
		if (!cJSON_IsString(t) || (w = strlen(t->valuestring)) > REF_TAG_MAX)
			continue;
		nt = m_realloc(ref->tags, have + w + 2);
		if (!nt)
			return merr_set(e, M_ENOMEM, "out of memory");
		ref->tags = nt;
		if (have)
			nt[have++] = ',';
		memcpy(nt + have, t->valuestring, w + 1);
	}
	return 0;
}

int feeds_read_refs(const cJSON *o, const char *source_key, bool keep_source, struct feeds_cve *c,
		    struct merr *e)
{
	const cJSON *arr, *r;
	int rc, n;

	if ((rc = fj_opt_arr(o, "references", &arr, e)) || !arr)
		return rc;
	n = cJSON_GetArraySize(arr);
	{
		void *nr = m_realloc(c->refs, (c->n_refs + (size_t)n + 1) * sizeof(*c->refs));
		if (!nr)
			return merr_set(e, M_ENOMEM, "out of memory");
		c->refs = nr;
	}
	cJSON_ArrayForEach(r, arr)
	{
		struct feeds_ref *ref = &c->refs[c->n_refs];
		const cJSON *tags;
		memset(ref, 0, sizeof(*ref));
		if ((rc = fj_req_str(r, "url", REF_URL_MAX, &ref->url, e)) ||
		    (rc = fj_opt_str(r, source_key, keep_source ? 256 : 512, &ref->source, e)) ||
		    (rc = fj_opt_arr(r, "tags", &tags, e)))
			return rc;
		if (!keep_source)
			ref->source = NULL;
		c->n_refs++;
		if ((rc = ref_tags(tags, ref, e)))
			return rc;
	}
	return 0;
}
