/*
 * feed_bulk.c - NVD records into PostgreSQL by COPY and one set-based upsert per batch.
 *
 * Row by row, an NVD record costs a dozen statements (the lastModified check, the upsert,
 * the delete and insert of each reference and product), each a round trip to the server: the
 * x20 import took 19-25x the SQLite time. Here a batch's records are gathered as COPY text
 * for three staging tables (CVE rows, references, products), sent with three COPYs at the
 * batch's commit, and stored by a few set-based statements in the import's transaction, so a
 * refused or failed batch still stores nothing. The outcome is the row path's, record by
 * record in file order: a record is stored when its lastModified is newer than what NVD
 * stored before it (in the store or earlier in the batch); the last stored record of a CVE
 * gives its row, references and products; the counters move records that changed nothing
 * from stored (as counted when gathered) to unchanged.
 *
 * Only on a backend with COPY (PostgreSQL) and when records come from parser threads (a
 * store failure then rolls the batch back whole, as on the row path); MAMORI_FEEDS_COPY=0
 * turns it off, for comparison.
 */
#include "base/compat.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/mem.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

struct feeds_bulk {
	struct buf cves, refs, prods;
	long long seq, rows;
};

/* temp_buffers (local buffers of the staging tables) can be set only before the session's
 * first temporary table: tried, and left as it is when too late. lz4 compresses the long
 * texts (configurations) several times faster than the default pglz, where the server has it
 * (PostgreSQL 14 or newer built with lz4; else the setting fails and stays). */
static const char bulk_tables_sql[] =
    "DO $$BEGIN PERFORM set_config('temp_buffers', '128MB', false);"
    " EXCEPTION WHEN others THEN NULL; END$$;"
    "DO $$BEGIN PERFORM set_config('default_toast_compression', 'lz4', false);"
    " EXCEPTION WHEN others THEN NULL; END$$;"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_stage (seq BIGINT, id TEXT, published BIGINT,"
    " last_modified BIGINT, description TEXT, cwe TEXT,"
    " cvss4_score DOUBLE PRECISION, cvss4_vector TEXT, cvss4_source TEXT, cvss4_severity TEXT,"
    " cvss3_score DOUBLE PRECISION, cvss3_vector TEXT, cvss3_source TEXT, cvss3_version TEXT,"
    " cvss3_severity TEXT, cvss2_score DOUBLE PRECISION, cvss2_vector TEXT, cvss2_source TEXT,"
    " cvss2_severity TEXT, configurations TEXT, vuln_status TEXT, severity TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_ref_stage (seq BIGINT, n BIGINT, cve_id TEXT,"
    " url TEXT, source TEXT, tags TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_prod_stage (seq BIGINT, vp TEXT, cve_id TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_chg (seq BIGINT, id TEXT, changed BOOLEAN,"
    " fresh BOOLEAN);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_win (seq BIGINT PRIMARY KEY, id TEXT, fresh BOOLEAN);"
    "TRUNCATE nvd_stage, nvd_ref_stage, nvd_prod_stage, nvd_chg, nvd_win";

/* Which records change the store (cur: what NVD stored before the record, NULL when
 * nothing), then the last changed record of each CVE (the one whose rows remain); fresh: the
 * CVE has no row yet, so its rows cannot conflict with stored ones and go in by plain
 * INSERTs (no ON CONFLICT, no delete). */
static const char bulk_mark_sql[] =
    "INSERT INTO nvd_chg (seq, id, changed, fresh) SELECT seq, id, cur IS NULL OR lm > cur,"
    " fresh FROM (SELECT st.seq, st.id, st.last_modified AS lm, greatest(max(st.last_modified)"
    " OVER (PARTITION BY st.id ORDER BY st.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1"
    " PRECEDING), CASE WHEN c.source LIKE 'nvd%' THEN c.last_modified END) AS cur,"
    " c.id IS NULL AS fresh FROM nvd_stage st LEFT JOIN cves c ON c.id = st.id) x;"
    "INSERT INTO nvd_win (seq, id, fresh) SELECT DISTINCT ON (id) seq, id, fresh FROM nvd_chg"
    " WHERE changed ORDER BY id, seq DESC;"
    "ANALYZE nvd_win";

#define BULK_CVE_SELECT                                                                    \
	"INSERT INTO cves (" FEEDS_NVD_COLS ") SELECT s.id, s.published, s.last_modified,"  \
	" s.description, s.cwe, s.cvss4_score, s.cvss4_vector, s.cvss4_source,"             \
	" s.cvss4_severity, s.cvss3_score, s.cvss3_vector, s.cvss3_source, s.cvss3_version," \
	" s.cvss3_severity, s.cvss2_score, s.cvss2_vector, s.cvss2_source, s.cvss2_severity," \
	" s.configurations, s.vuln_status, 'nvd', s.severity FROM nvd_stage s JOIN nvd_win w" \
	" ON w.seq = s.seq"
#define BULK_REF_SELECT                                                                      \
	"INSERT INTO cve_refs (cve_id, url, source, tags, origin) SELECT DISTINCT ON (r.cve_id," \
	" r.url) r.cve_id, r.url, r.source, r.tags, 'nvd' FROM nvd_ref_stage r JOIN nvd_win w"  \
	" ON w.seq = r.seq"
#define BULK_PROD_SELECT                                                                 \
	"INSERT INTO cve_products (vp, cve_id, origin) SELECT DISTINCT p.vp, p.cve_id, 'nvd'" \
	" FROM nvd_prod_stage p JOIN nvd_win w ON w.seq = p.seq"

static const char bulk_store_sql[] =
    BULK_CVE_SELECT " WHERE w.fresh ORDER BY s.id;"
    BULK_CVE_SELECT " WHERE NOT w.fresh ORDER BY s.id" FEEDS_NVD_CONFLICT ";"
    "DELETE FROM cve_refs r USING nvd_win w WHERE NOT w.fresh AND r.cve_id = w.id"
    " AND r.origin = 'nvd';"
    BULK_REF_SELECT " WHERE w.fresh ORDER BY r.cve_id, r.url, r.n DESC;"
    BULK_REF_SELECT " WHERE NOT w.fresh ORDER BY r.cve_id, r.url, r.n DESC"
    " ON CONFLICT(cve_id, url) DO UPDATE SET source = excluded.source, tags = excluded.tags,"
    " origin = 'nvd';"
    "DELETE FROM cve_products p USING nvd_win w WHERE NOT w.fresh AND p.cve_id = w.id"
    " AND p.origin = 'nvd';"
    BULK_PROD_SELECT " WHERE w.fresh ORDER BY 1, 2;"
    BULK_PROD_SELECT " WHERE NOT w.fresh ORDER BY 1, 2 ON CONFLICT DO NOTHING";

static const char bulk_clear_sql[] =
    "TRUNCATE nvd_stage, nvd_ref_stage, nvd_prod_stage, nvd_chg, nvd_win";

int feeds_bulk_start(struct feeds_ctx *c, struct merr *e)
{
	const char *env = getenv("MAMORI_FEEDS_COPY");
	struct feeds_bulk *b;
	int rc;

	c->bulk = NULL;
	if (!store_has_copy(c->s) || (env && strcmp(env, "0") == 0))
		return 0;
	if (!(b = m_calloc(1, sizeof(*b))))
		return merr_set(e, M_ENOMEM, "out of memory");
	buf_init(&b->cves, SIZE_MAX / 2);
	buf_init(&b->refs, SIZE_MAX / 2);
	buf_init(&b->prods, SIZE_MAX / 2);
	if ((rc = store_exec(c->s, bulk_tables_sql, e))) {
		m_free(b);
		return rc;
	}
	c->bulk = b;
	return 0;
}

void feeds_bulk_drop(struct feeds_ctx *c)
{
	struct feeds_bulk *b = c->bulk;

	if (!b)
		return;
	buf_reset(&b->cves);
	buf_reset(&b->refs);
	buf_reset(&b->prods);
	b->rows = 0;
}

void feeds_bulk_end(struct feeds_ctx *c)
{
	struct feeds_bulk *b = c->bulk;

	if (!b)
		return;
	buf_release(&b->cves);
	buf_release(&b->refs);
	buf_release(&b->prods);
	m_free(b);
	c->bulk = NULL;
}

/* A text field in COPY's text format: \N for NULL, backslash escapes for the delimiters. */
static int put_text(struct buf *o, const char *s, char after)
{
	int rc = 0;

	if (!s) {
		rc = buf_add(o, "\\N", 2);
	} else {
		const char *run = s;
		for (; *s; s++) {
			const char *esc = *s == '\\'   ? "\\\\"
					  : *s == '\t' ? "\\t"
					  : *s == '\n' ? "\\n"
					  : *s == '\r' ? "\\r"
						       : NULL;
			if (!esc)
				continue;
			if ((rc = buf_add(o, run, (size_t)(s - run))) || (rc = buf_add(o, esc, 2)))
				return rc;
			run = s + 1;
		}
		rc = buf_add(o, run, (size_t)(s - run));
	}
	return rc ? rc : buf_addc(o, after);
}

static int put_num(struct buf *o, bool set, double v)
{
	return set ? buf_addf(o, "%.17g\t", v) : buf_add(o, "\\N\t", 3);
}

static int put_metric(struct buf *o, const struct feeds_metric *m, bool version)
{
	int rc = put_num(o, m->set, m->score);
	if (!rc)
		rc = put_text(o, m->set ? m->vector : NULL, '\t');
	if (!rc)
		rc = put_text(o, m->set ? m->source : NULL, '\t');
	if (!rc && version)
		rc = put_text(o, m->set ? m->version : NULL, '\t');
	if (!rc)
		rc = put_text(o, m->set ? m->severity : NULL, '\t');
	return rc;
}

int feeds_bulk_nvd(struct feeds_ctx *c, const struct feeds_cve *cv, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	long long seq = ++b->seq;
	int rc;

	rc = buf_addf(&b->cves, "%lld\t", seq);
	if (!rc)
		rc = put_text(&b->cves, cv->id, '\t');
	if (!rc)
		rc = buf_addf(&b->cves, "%" PRId64 "\t%" PRId64 "\t", cv->published,
			      cv->last_modified);
	if (!rc)
		rc = put_text(&b->cves, cv->description, '\t');
	if (!rc)
		rc = put_text(&b->cves, cv->cwe[0] ? cv->cwe : NULL, '\t');
	if (!rc)
		rc = put_metric(&b->cves, &cv->v4, false);
	if (!rc)
		rc = put_metric(&b->cves, &cv->v3, true);
	if (!rc)
		rc = put_metric(&b->cves, &cv->v2, false);
	if (!rc)
		rc = put_text(&b->cves, cv->configurations, '\t');
	if (!rc)
		rc = put_text(&b->cves, cv->vuln_status, '\t');
	if (!rc)
		rc = put_text(&b->cves, feeds_best_severity(cv), '\n');
	for (size_t i = 0; i < cv->n_refs && !rc; i++) {
		const struct feeds_ref *r = &cv->refs[i];
		rc = buf_addf(&b->refs, "%lld\t%zu\t", seq, i);
		if (!rc)
			rc = put_text(&b->refs, cv->id, '\t');
		if (!rc)
			rc = put_text(&b->refs, r->url, '\t');
		if (!rc)
			rc = put_text(&b->refs, r->source, '\t');
		if (!rc)
			rc = put_text(&b->refs, r->tags && *r->tags ? r->tags : NULL, '\n');
	}
	for (size_t i = 0; i < cv->n_vps && !rc; i++) {
		rc = buf_addf(&b->prods, "%lld\t", seq);
		if (!rc)
			rc = put_text(&b->prods, cv->vps[i], '\t');
		if (!rc)
			rc = put_text(&b->prods, cv->id, '\n');
	}
	if (rc)
		return merr_set(e, M_ENOMEM, "out of memory gathering a batch for COPY");
	b->rows++;
	return FEEDS_STORED;
}

int feeds_bulk_flush(struct feeds_ctx *c, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	int64_t unchanged = 0;
	int rc;

	if (!b || b->rows == 0)
		return 0;
	if ((rc = store_copy_in(c->s,
				"nvd_stage (seq, id, published, last_modified, description, cwe,"
				" cvss4_score, cvss4_vector, cvss4_source, cvss4_severity,"
				" cvss3_score, cvss3_vector, cvss3_source, cvss3_version,"
				" cvss3_severity, cvss2_score, cvss2_vector, cvss2_source,"
				" cvss2_severity, configurations, vuln_status, severity)",
				b->cves.ptr, b->cves.len, e)) ||
	    (b->refs.len &&
	     (rc = store_copy_in(c->s, "nvd_ref_stage (seq, n, cve_id, url, source, tags)",
				 b->refs.ptr, b->refs.len, e))) ||
	    (b->prods.len && (rc = store_copy_in(c->s, "nvd_prod_stage (seq, vp, cve_id)",
						 b->prods.ptr, b->prods.len, e))) ||
	    (rc = store_exec(c->s, bulk_mark_sql, e)) ||
	    (rc = store_query_int(c->s, "SELECT count(*) FROM nvd_chg WHERE NOT changed",
				  &unchanged, e)) ||
	    (rc = store_exec(c->s, bulk_store_sql, e)) ||
	    (rc = store_exec(c->s, bulk_clear_sql, e)))
		return rc;
	c->r->stored -= unchanged;
	c->r->unchanged += unchanged;
	feeds_bulk_drop(c);
	return 0;
}
