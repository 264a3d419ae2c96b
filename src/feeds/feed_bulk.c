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

#include "base/hash.h"
#include "base/mem.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

/* A gathered record: its CVE id, lastModified and where its COPY lines are in the buffers
 * (the CVE row without its newline; its reference and product lines, whole). */
struct bulk_rec {
	char id[32];
	int64_t lm;
	size_t cve_off, cve_len, ref_off, ref_len, prod_off, prod_len;
};

/* One CVE id of the batch: what NVD stored for it before the record being decided (has_cur,
 * cur), whether it has no row in the store (fresh), and its last stored record (win, -1). */
struct bulk_slot {
	const char *id;
	int64_t cur;
	bool has_cur, fresh;
	long win;
};

struct feeds_bulk {
	struct buf cves, refs, prods;		  /* gathered lines */
	struct buf out_cves, out_refs, out_prods; /* what a COPY sends */
	struct bulk_rec *recs;
	size_t n, cap;
	struct bulk_slot *slots;
	size_t n_slots;
	bool fresh; /* indexes of empty cve_refs and cve_products dropped, built by end */
	bool cve5;  /* a CVE 5 file: records whose CVE has no row, recs' ids in set */
	long *set;  /* open addressing, -1 empty; set_cap a power of two */
	size_t set_cap;
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
    "CREATE TEMP TABLE IF NOT EXISTS nvd_stage (id TEXT, published BIGINT,"
    " last_modified BIGINT, description TEXT, cwe TEXT,"
    " cvss4_score DOUBLE PRECISION, cvss4_vector TEXT, cvss4_source TEXT, cvss4_severity TEXT,"
    " cvss3_score DOUBLE PRECISION, cvss3_vector TEXT, cvss3_source TEXT, cvss3_version TEXT,"
    " cvss3_severity TEXT, cvss2_score DOUBLE PRECISION, cvss2_vector TEXT, cvss2_source TEXT,"
    " cvss2_severity TEXT, configurations TEXT, vuln_status TEXT, severity TEXT, source TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_ref_stage (cve_id TEXT, url TEXT, source TEXT,"
    " tags TEXT, origin TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS nvd_prod_stage (vp TEXT, cve_id TEXT, origin TEXT);"
    "TRUNCATE nvd_stage, nvd_ref_stage, nvd_prod_stage";

#define BULK_CVE_COLS FEEDS_NVD_COLS_NO_SOURCE ", source"
#define BULK_REF_COLS "cve_id, url, source, tags, origin"
#define BULK_PROD_COLS "vp, cve_id, origin"

/* A file into empty cve_refs and cve_products: their b-trees are built once at its end from
 * sorted rows, instead of taking every row one insert at a time (the x20 NVD import's backend
 * spent 55 % of its time in b-tree inserts; without them, a third of it). The tables are
 * locked against every other session until the end's commit; none of them had a row. */
static const char bulk_fresh_check_sql[] =
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM cve_refs LIMIT 1) r)"
    " + (SELECT count(*) FROM (SELECT 1 FROM cve_products LIMIT 1) p)";
static const char bulk_fresh_off_sql[] =
    "LOCK TABLE cve_refs, cve_products IN ACCESS EXCLUSIVE MODE";
static const char bulk_fresh_drop_sql[] =
    "ALTER TABLE cve_refs DROP CONSTRAINT cve_refs_pkey;"
    "ALTER TABLE cve_products DROP CONSTRAINT cve_products_pkey;"
    "DROP INDEX cve_products_cve";
/* As migration 0200 made them (its names); one backend process, as the import is. */
static const char bulk_fresh_on_sql[] =
    "SET LOCAL maintenance_work_mem = '256MB';"
    "SET LOCAL max_parallel_maintenance_workers = 0;"
    "ALTER TABLE cve_refs ADD CONSTRAINT cve_refs_pkey PRIMARY KEY (cve_id, url);"
    "ALTER TABLE cve_products ADD CONSTRAINT cve_products_pkey PRIMARY KEY (vp, cve_id, origin);"
    "CREATE INDEX cve_products_cve ON cve_products(cve_id, origin)";

/* The batch's CVEs that had a row: replaced as the row path does (NVD's columns, its
 * references and products). */
static const char bulk_upsert_sql[] =
    "INSERT INTO cves (" FEEDS_NVD_COLS ") SELECT " FEEDS_NVD_COLS " FROM nvd_stage"
    " ORDER BY id" FEEDS_NVD_CONFLICT ";"
    "DELETE FROM cve_refs r USING nvd_stage s WHERE r.cve_id = s.id AND r.origin = 'nvd';"
    "INSERT INTO cve_refs (" BULK_REF_COLS ") SELECT " BULK_REF_COLS " FROM nvd_ref_stage"
    " ORDER BY cve_id, url ON CONFLICT(cve_id, url) DO UPDATE SET source = excluded.source,"
    " tags = excluded.tags, origin = 'nvd';"
    "DELETE FROM cve_products p USING nvd_stage s WHERE p.cve_id = s.id AND p.origin = 'nvd';"
    "INSERT INTO cve_products (" BULK_PROD_COLS ") SELECT " BULK_PROD_COLS " FROM nvd_prod_stage"
    " ORDER BY vp, cve_id ON CONFLICT DO NOTHING;"
    "TRUNCATE nvd_stage, nvd_ref_stage, nvd_prod_stage";

/* The same without the indexes (fresh): every reference and product row is NVD's, of this
 * file, so after the deletes nothing is left to conflict with. */
static const char bulk_upsert_fresh_sql[] =
    "INSERT INTO cves (" FEEDS_NVD_COLS ") SELECT " FEEDS_NVD_COLS " FROM nvd_stage"
    " ORDER BY id" FEEDS_NVD_CONFLICT ";"
    "DELETE FROM cve_refs r USING nvd_stage s WHERE r.cve_id = s.id AND r.origin = 'nvd';"
    "INSERT INTO cve_refs (" BULK_REF_COLS ") SELECT " BULK_REF_COLS " FROM nvd_ref_stage;"
    "DELETE FROM cve_products p USING nvd_stage s WHERE p.cve_id = s.id AND p.origin = 'nvd';"
    "INSERT INTO cve_products (" BULK_PROD_COLS ") SELECT " BULK_PROD_COLS " FROM nvd_prod_stage;"
    "TRUNCATE nvd_stage, nvd_ref_stage, nvd_prod_stage";

/* CVE 5: staging for the rows of CVEs without one and their references, stored as the row
 * path stores them (its conflict clauses: another writer may have added the CVE since the
 * lookup). */
static const char bulk_cve5_tables_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS cve5_stage (id TEXT, published BIGINT,"
    " last_modified BIGINT, description TEXT, cwe TEXT,"
    " cvss4_score DOUBLE PRECISION, cvss4_vector TEXT, cvss4_source TEXT, cvss4_severity TEXT,"
    " cvss3_score DOUBLE PRECISION, cvss3_vector TEXT, cvss3_source TEXT, cvss3_version TEXT,"
    " cvss3_severity TEXT, cvss2_score DOUBLE PRECISION, cvss2_vector TEXT, cvss2_source TEXT,"
    " cvss2_severity TEXT, cve5_affected TEXT, cve5_updated BIGINT, cve5_state TEXT,"
    " source TEXT, severity TEXT);"
    "CREATE TEMP TABLE IF NOT EXISTS cve5_ref_stage (cve_id TEXT, url TEXT, source TEXT,"
    " tags TEXT);"
    "TRUNCATE cve5_stage, cve5_ref_stage";
static const char bulk_cve5_store_sql[] =
    "INSERT INTO cves (" FEEDS_CVE5_COLS ") SELECT " FEEDS_CVE5_COLS " FROM cve5_stage"
    " ORDER BY id" FEEDS_CVE5_CONFLICT ";"
    "INSERT INTO cve_refs (cve_id, url, source, tags, origin) SELECT cve_id, url, source, tags,"
    " 'cve5' FROM cve5_ref_stage ON CONFLICT DO NOTHING;"
    "TRUNCATE cve5_stage, cve5_ref_stage";
#define BULK_CVE5_FIELDS 23
#define BULK_CVE5_REF_FIELDS 4

/* Into empty cve_refs and cve_products: their indexes dropped in the import's transaction
 * (which the first batch would commit) and a savepoint opened for the batches. */
static int fresh_start(struct feeds_ctx *c, struct feeds_bulk *b, struct merr *e)
{
	int64_t rows = 0;
	int rc;

	if ((rc = store_query_int(c->s, bulk_fresh_check_sql, &rows, e)) || rows)
		return rc;
	if ((rc = store_exec(c->s, bulk_fresh_off_sql, e)) ||
	    (rc = store_query_int(c->s, bulk_fresh_check_sql, &rows, e)) || rows)
		return rc;
	if ((rc = store_exec(c->s, bulk_fresh_drop_sql, e)) || (rc = store_begin(c->s, e)))
		return rc;
	b->fresh = true;
	return 0;
}

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
	buf_init(&b->out_cves, SIZE_MAX / 2);
	buf_init(&b->out_refs, SIZE_MAX / 2);
	buf_init(&b->out_prods, SIZE_MAX / 2);
	b->cve5 = c->r->kind == FEEDS_CVE5;
	if (b->cve5)
		rc = store_exec(c->s, bulk_cve5_tables_sql, e);
	else if (!(rc = store_exec(c->s, bulk_tables_sql, e)))
		rc = fresh_start(c, b, e);
	if (rc) {
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
	buf_reset(&b->out_cves);
	buf_reset(&b->out_refs);
	buf_reset(&b->out_prods);
	b->n = 0;
	if (b->set)
		memset(b->set, 0xff, b->set_cap * sizeof(*b->set));
}

int feeds_bulk_end(struct feeds_ctx *c, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	int rc = 0;

	if (!b)
		return 0;
	if (b->fresh) { /* the batches before a failed one stay, as when each committed */
		if ((rc = store_exec(c->s, bulk_fresh_on_sql, e)) || (rc = store_commit(c->s, e))) {
			store_rollback(c->s);
			c->r->stored = c->r->unchanged = c->r->removed = 0;
		}
	}
	buf_release(&b->cves);
	buf_release(&b->refs);
	buf_release(&b->prods);
	buf_release(&b->out_cves);
	buf_release(&b->out_refs);
	buf_release(&b->out_prods);
	m_free(b->recs);
	m_free(b->slots);
	m_free(b->set);
	m_free(b);
	c->bulk = NULL;
	return rc;
}

/* Fields in COPY's binary format: a 32-bit length (-1 for NULL) and the bytes, big-endian
 * numbers (int8, float8 as its IEEE bits); a row starts with its 16-bit field count. */
static int put_be(struct buf *o, uint64_t v, int bytes)
{
	char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (char)(v >> (8 * (bytes - 1 - i)));
	return buf_add(o, b, (size_t)bytes);
}

int feeds_bin_row(struct buf *o, int fields)
{
	return put_be(o, (uint64_t)fields, 2);
}

int feeds_bin_text(struct buf *o, const char *s)
{
	size_t n;
	int rc;

	if (!s)
		return put_be(o, UINT32_MAX, 4);
	n = strlen(s);
	if (n > INT32_MAX)
		return M_ENOMEM;
	rc = put_be(o, n, 4);
	return rc ? rc : buf_add(o, s, n);
}

static int put_int(struct buf *o, int64_t v)
{
	int rc = put_be(o, 8, 4);
	return rc ? rc : put_be(o, (uint64_t)v, 8);
}

static int put_num(struct buf *o, bool set, double v)
{
	uint64_t bits;
	int rc;

	if (!set)
		return put_be(o, UINT32_MAX, 4);
	memcpy(&bits, &v, sizeof(bits));
	rc = put_be(o, 8, 4);
	return rc ? rc : put_be(o, bits, 8);
}

static int put_metric(struct buf *o, const struct feeds_metric *m, bool version)
{
	int rc = put_num(o, m->set, m->score);
	if (!rc)
		rc = feeds_bin_text(o, m->set ? m->vector : NULL);
	if (!rc)
		rc = feeds_bin_text(o, m->set ? m->source : NULL);
	if (!rc && version)
		rc = feeds_bin_text(o, m->set ? m->version : NULL);
	if (!rc)
		rc = feeds_bin_text(o, m->set ? m->severity : NULL);
	return rc;
}

/* The first eight columns both CVE row layouts share (id, published, last modified,
 * description, CWE, CVSS 4.0, 3.x, 2.0) after the row's field count; an unknown published
 * time is NULL where the row path binds NULL for it (CVE 5), 0 where it binds the number. */
static int put_cve_head(struct buf *o, const struct feeds_cve *cv, int fields, bool published_null)
{
	int rc = feeds_bin_row(o, fields);

	if (!rc)
		rc = feeds_bin_text(o, cv->id);
	if (!rc)
		rc = published_null && !cv->published ? feeds_bin_text(o, NULL)
						      : put_int(o, cv->published);
	if (!rc)
		rc = put_int(o, cv->last_modified);
	if (!rc)
		rc = feeds_bin_text(o, cv->description);
	if (!rc)
		rc = feeds_bin_text(o, cv->cwe[0] ? cv->cwe : NULL);
	if (!rc)
		rc = put_metric(o, &cv->v4, false);
	if (!rc)
		rc = put_metric(o, &cv->v3, true);
	if (!rc)
		rc = put_metric(o, &cv->v2, false);
	return rc;
}

/* The fields of a CVE row (FEEDS_NVD_COLS_NO_SOURCE, and source added by compose), of a
 * reference and of a product. */
#define BULK_CVE_FIELDS 22
#define BULK_REF_FIELDS 5
#define BULK_PROD_FIELDS 3

/* Room for one more record in the batch (doubling). */
static int grow_recs(struct feeds_bulk *b, struct merr *e)
{
	size_t cap = b->cap ? b->cap * 2 : 1024;
	struct bulk_rec *n = m_realloc(b->recs, cap * sizeof(*n));

	if (!n)
		return merr_set(e, M_ENOMEM, "out of memory gathering a batch for COPY");
	b->recs = n;
	b->cap = cap;
	return 0;
}

int feeds_bulk_nvd(struct feeds_ctx *c, const struct feeds_cve *cv, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	struct bulk_rec *r;
	int rc = 0;

	if (b->n == b->cap && (rc = grow_recs(b, e)))
		return rc;
	r = &b->recs[b->n];
	snprintf(r->id, sizeof(r->id), "%s", cv->id);
	r->lm = cv->last_modified;
	r->cve_off = b->cves.len;
	r->ref_off = b->refs.len;
	r->prod_off = b->prods.len;
	/* the columns of FEEDS_NVD_COLS_NO_SOURCE */
	rc = put_cve_head(&b->cves, cv, BULK_CVE_FIELDS, false);
	if (!rc)
		rc = feeds_bin_text(&b->cves, cv->configurations);
	if (!rc)
		rc = feeds_bin_text(&b->cves, cv->vuln_status);
	if (!rc)
		rc = feeds_bin_text(&b->cves, feeds_best_severity(cv));
	r->cve_len = b->cves.len - r->cve_off;
	for (size_t i = 0; i < cv->n_refs && !rc; i++) {
		const struct feeds_ref *f = &cv->refs[i];
		bool later = false; /* the row path's last insert of a URL wins */
		for (size_t j = i + 1; j < cv->n_refs && !later; j++)
			later = strcmp(cv->refs[j].url, f->url) == 0;
		if (later)
			continue;
		rc = feeds_bin_row(&b->refs, BULK_REF_FIELDS);
		if (!rc)
			rc = feeds_bin_text(&b->refs, cv->id);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->url);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->source);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->tags && *f->tags ? f->tags : NULL);
		if (!rc)
			rc = feeds_bin_text(&b->refs, "nvd");
	}
	r->ref_len = b->refs.len - r->ref_off;
	for (size_t i = 0; i < cv->n_vps && !rc; i++) {
		rc = feeds_bin_row(&b->prods, BULK_PROD_FIELDS);
		if (!rc)
			rc = feeds_bin_text(&b->prods, cv->vps[i]);
		if (!rc)
			rc = feeds_bin_text(&b->prods, cv->id);
		if (!rc)
			rc = feeds_bin_text(&b->prods, "nvd");
	}
	r->prod_len = b->prods.len - r->prod_off;
	if (rc)
		return merr_set(e, M_ENOMEM, "out of memory gathering a batch for COPY");
	b->n++;
	return FEEDS_STORED;
}

/* The slot of id (an empty one, its id set, when absent); n_slots is a power of two larger
 * than the batch's ids. */
static struct bulk_slot *slot_of(struct feeds_bulk *b, const char *id)
{
	size_t mask = b->n_slots - 1, i = (size_t)hash_str(id) & mask;

	while (b->slots[i].id && strcmp(b->slots[i].id, id) != 0)
		i = (i + 1) & mask;
	if (!b->slots[i].id) {
		b->slots[i].id = id;
		b->slots[i].fresh = true;
		b->slots[i].win = -1;
	}
	return &b->slots[i];
}

/* What the store holds of the batch's CVEs: the slots of those with a row lose fresh and get
 * NVD's lastModified (when NVD stored one). The caller locked cves against other writers, so
 * the answer holds until the commit. */
static int lookup(struct store *s, struct feeds_bulk *b, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf ids;
	int rc;

	buf_init(&ids, SIZE_MAX / 2);
	rc = buf_addc(&ids, '{');
	for (size_t i = 0; i < b->n && !rc; i++) /* CVE ids: no quoting needed */
		rc = buf_addf(&ids, "%s%s", i ? "," : "", b->recs[i].id);
	if (!rc)
		rc = buf_addc(&ids, '}');
	if (rc) {
		buf_release(&ids);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	if ((rc = store_prepare(s,
				"SELECT id, last_modified, source FROM cves"
				" WHERE id = ANY(CAST(? AS TEXT[]))",
				&st, e))) {
		buf_release(&ids);
		return rc;
	}
	stmt_bind_text_static(st, 1, ids.ptr);
	while ((rc = stmt_step(st, e)) == 1) {
		const char *id = stmt_text(st, 0), *src = stmt_text(st, 2);
		size_t mask = b->n_slots - 1, i = (size_t)hash_str(id) & mask;
		while (b->slots[i].id && strcmp(b->slots[i].id, id) != 0)
			i = (i + 1) & mask;
		if (!b->slots[i].id)
			continue;
		b->slots[i].fresh = false;
		b->slots[i].has_cur = src && strncmp(src, "nvd", 3) == 0 && !stmt_is_null(st, 1);
		b->slots[i].cur = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	buf_release(&ids);
	return rc < 0 ? rc : 0;
}

/* COPY's binary header (signature, flags, header extension length) and trailer. */
static const char bin_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0";

int feeds_bin_start(struct buf *o)
{
	return buf_add(o, bin_header, sizeof(bin_header));
}

int feeds_bin_copy(struct store *s, const char *target, struct buf *o, struct merr *e)
{
	int rc;

	if (o->len == sizeof(bin_header)) /* no rows */
		return 0;
	if ((rc = put_be(o, UINT16_MAX, 2))) /* the trailer: field count -1 */
		return merr_set(e, M_ENOMEM, "out of memory");
	return store_copy_in_binary(s, target, o->ptr, o->len, e);
}

/* COPYs out's three buffers into the tables named by the targets (empty ones skipped). */
static int copy_three(struct store *s, struct feeds_bulk *b, const char *t_cves, const char *t_refs,
		      const char *t_prods, struct merr *e)
{
	int rc = feeds_bin_copy(s, t_cves, &b->out_cves, e);

	if (!rc)
		rc = feeds_bin_copy(s, t_refs, &b->out_refs, e);
	if (!rc)
		rc = feeds_bin_copy(s, t_prods, &b->out_prods, e);
	buf_reset(&b->out_cves);
	buf_reset(&b->out_refs);
	buf_reset(&b->out_prods);
	return rc;
}

/* The rows of the batch's winning records whose CVE is (not) fresh into the out buffers,
 * each after COPY's header. */
static int compose(struct feeds_bulk *b, bool fresh, size_t *count)
{
	int rc = feeds_bin_start(&b->out_cves);

	if (!rc)
		rc = feeds_bin_start(&b->out_refs);
	if (!rc)
		rc = feeds_bin_start(&b->out_prods);
	*count = 0;
	for (size_t i = 0; i < b->n && !rc; i++) {
		struct bulk_rec *r = &b->recs[i];
		struct bulk_slot *sl = slot_of(b, r->id);
		if (sl->win != (long)i || sl->fresh != fresh)
			continue;
		(*count)++;
		rc = buf_add(&b->out_cves, b->cves.ptr + r->cve_off, r->cve_len);
		if (!rc)
			rc = feeds_bin_text(&b->out_cves, "nvd");
		if (!rc)
			rc = buf_add(&b->out_refs, b->refs.ptr + r->ref_off, r->ref_len);
		if (!rc)
			rc = buf_add(&b->out_prods, b->prods.ptr + r->prod_off, r->prod_len);
	}
	return rc;
}

/* The set's slot for id: its record's, or the empty one where it would go. */
static long *set_slot(struct feeds_bulk *b, const char *id)
{
	size_t mask = b->set_cap - 1, i = (size_t)hash_str(id) & mask;

	while (b->set[i] >= 0 && strcmp(b->recs[b->set[i]].id, id) != 0)
		i = (i + 1) & mask;
	return &b->set[i];
}

bool feeds_bulk_has(struct feeds_ctx *c, const char *id)
{
	struct feeds_bulk *b = c->bulk;

	return b && b->cve5 && b->n && *set_slot(b, id) >= 0;
}

int feeds_bulk_cve5(struct feeds_ctx *c, const struct feeds_cve *cv, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	struct bulk_rec *r;
	int rc = 0;

	if (b->n == b->cap && (rc = grow_recs(b, e)))
		return rc;
	if ((b->n + 1) * 2 > b->set_cap) { /* the set at most half full */
		size_t cap = b->set_cap ? b->set_cap * 2 : 2048;
		long *n = m_malloc(cap * sizeof(*n));
		if (!n)
			return merr_set(e, M_ENOMEM, "out of memory gathering a batch for COPY");
		m_free(b->set);
		b->set = n;
		b->set_cap = cap;
		memset(b->set, 0xff, cap * sizeof(*n));
		for (size_t i = 0; i < b->n; i++)
			*set_slot(b, b->recs[i].id) = (long)i;
	}
	r = &b->recs[b->n];
	snprintf(r->id, sizeof(r->id), "%s", cv->id);
	r->cve_off = b->cves.len;
	r->ref_off = b->refs.len;
	/* FEEDS_CVE5_COLS, bound as the row path's ST_CVE5_INSERT binds them */
	rc = put_cve_head(&b->cves, cv, BULK_CVE5_FIELDS, true);
	if (!rc)
		rc = feeds_bin_text(&b->cves, cv->cve5_affected);
	if (!rc)
		rc = put_int(&b->cves, cv->cve5_updated);
	if (!rc)
		rc = feeds_bin_text(&b->cves, cv->state);
	if (!rc)
		rc = feeds_bin_text(&b->cves, "cve5");
	if (!rc)
		rc = feeds_bin_text(&b->cves, feeds_best_severity(cv));
	r->cve_len = b->cves.len - r->cve_off;
	for (size_t i = 0; i < cv->n_refs && !rc; i++) {
		const struct feeds_ref *f = &cv->refs[i];
		bool earlier = false; /* the row path keeps a URL's first insert (DO NOTHING) */
		for (size_t j = 0; j < i && !earlier; j++)
			earlier = strcmp(cv->refs[j].url, f->url) == 0;
		if (earlier)
			continue;
		rc = feeds_bin_row(&b->refs, BULK_CVE5_REF_FIELDS);
		if (!rc)
			rc = feeds_bin_text(&b->refs, cv->id);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->url);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->source);
		if (!rc)
			rc = feeds_bin_text(&b->refs, f->tags && *f->tags ? f->tags : NULL);
	}
	r->ref_len = b->refs.len - r->ref_off;
	if (rc)
		return merr_set(e, M_ENOMEM, "out of memory gathering a batch for COPY");
	*set_slot(b, r->id) = (long)b->n;
	b->n++;
	return 0;
}

/* A CVE 5 batch: every gathered row and reference by two COPYs and one statement. */
static int flush_cve5(struct feeds_ctx *c, struct feeds_bulk *b, struct merr *e)
{
	int rc = feeds_bin_start(&b->out_cves);

	if (!rc)
		rc = feeds_bin_start(&b->out_refs);
	if (!rc)
		rc = buf_add(&b->out_cves, b->cves.ptr, b->cves.len);
	if (!rc)
		rc = buf_add(&b->out_refs, b->refs.ptr, b->refs.len);
	if (rc) {
		buf_reset(&b->out_cves);
		buf_reset(&b->out_refs);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	rc = feeds_bin_copy(c->s, "cve5_stage (" FEEDS_CVE5_COLS ")", &b->out_cves, e);
	if (!rc)
		rc = feeds_bin_copy(c->s, "cve5_ref_stage (cve_id, url, source, tags)",
				    &b->out_refs, e);
	buf_reset(&b->out_cves);
	buf_reset(&b->out_refs);
	if (!rc)
		rc = store_exec(c->s, bulk_cve5_store_sql, e);
	if (!rc)
		feeds_bulk_drop(c);
	return rc;
}

int feeds_bulk_flush(struct feeds_ctx *c, struct merr *e)
{
	struct feeds_bulk *b = c->bulk;
	long long unchanged = 0;
	size_t want = 16, n_fresh = 0, n_old = 0;
	int rc;

	if (!b || b->n == 0)
		return 0;
	if (b->cve5)
		return flush_cve5(c, b, e);
	while (want < b->n * 2)
		want *= 2;
	if (want > b->n_slots) {
		struct bulk_slot *n = m_realloc(b->slots, want * sizeof(*n));
		if (!n)
			return merr_set(e, M_ENOMEM, "out of memory");
		b->slots = n;
		b->n_slots = want;
	}
	memset(b->slots, 0, b->n_slots * sizeof(*b->slots));
	for (size_t i = 0; i < b->n; i++)
		slot_of(b, b->recs[i].id);
	/* other writers of cves (another import) wait for this batch's commit, so the rows looked
	 * up stay as they are */
	if ((rc = store_exec(c->s, "LOCK TABLE cves IN SHARE ROW EXCLUSIVE MODE", e)) ||
	    (rc = lookup(c->s, b, e)))
		return rc;
	/* the row path's decision, record by record in file order */
	for (size_t i = 0; i < b->n; i++) {
		struct bulk_rec *r = &b->recs[i];
		struct bulk_slot *sl = slot_of(b, r->id);
		if (sl->has_cur && sl->cur >= r->lm) {
			unchanged++;
			continue;
		}
		sl->has_cur = true;
		sl->cur = r->lm;
		sl->win = (long)i;
	}
	/* new CVEs straight into their tables; CVEs with a row through the staging tables */
	if ((rc = compose(b, true, &n_fresh)) ||
	    (rc = copy_three(c->s, b, "cves (" BULK_CVE_COLS ")", "cve_refs (" BULK_REF_COLS ")",
			     "cve_products (" BULK_PROD_COLS ")", e)) ||
	    (rc = compose(b, false, &n_old)) ||
	    (rc = copy_three(c->s, b, "nvd_stage (" BULK_CVE_COLS ")",
			     "nvd_ref_stage (" BULK_REF_COLS ")",
			     "nvd_prod_stage (" BULK_PROD_COLS ")", e)) ||
	    (n_old &&
	     (rc = store_exec(c->s, b->fresh ? bulk_upsert_fresh_sql : bulk_upsert_sql, e))))
		return rc < 0 ? rc : merr_set(e, M_ENOMEM, "out of memory");
	c->r->stored -= unchanged;
	c->r->unchanged += unchanged;
	feeds_bulk_drop(c);
	return 0;
}
