/*
 * feed_prods.c - a batch's candidate-product rows, held until the batch commits and then
 * inserted in vendor:product order.
 *
 * cve_products is keyed by vendor:product, so a file's rows land all over the index. Inserted
 * as they come, every batch dirtied (and, once the index outgrew the page cache, re-read and
 * re-wrote) most of its pages: the x20 NVD benchmark wrote 1.8 GB for a 386 MB store. In
 * key order each page is visited once a batch. The rows go in before the batch's commit, in
 * the same transaction as their CVEs, so a store never holds a CVE without its products.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "feeds/feeds_int.h"
#include "store/store.h"

/* A row is "vp\0cve\0origin\0" in text; rows[i] is its offset. */
int feeds_prods_add(struct feeds_prods *p, const char *vp, const char *cve, const char *origin)
{
	size_t at;

	if (!p->text.max)
		buf_init(&p->text, 0);
	at = p->text.len;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		size_t *n = m_realloc(p->rows, cap * sizeof(*n));
		if (!n)
			return M_ENOMEM;
		p->rows = n;
		p->cap = cap;
	}
	if (buf_add(&p->text, vp, strlen(vp) + 1) || buf_add(&p->text, cve, strlen(cve) + 1) ||
	    buf_add(&p->text, origin, strlen(origin) + 1)) {
		p->text.len = at;
		return M_ENOMEM;
	}
	p->rows[p->n++] = at;
	return 0;
}

static const char *row_cve(const struct feeds_prods *p, size_t i)
{
	const char *vp = p->text.ptr + p->rows[i];
	return vp + strlen(vp) + 1;
}

bool feeds_prods_has_cve(const struct feeds_prods *p, const char *cve)
{
	for (size_t i = p->n; i-- > 0;)
		if (strcmp(row_cve(p, i), cve) == 0)
			return true;
	return false;
}

static _Thread_local const char *sort_text; /* qsort has no context argument */

/* Rows compare as (vp, cve, origin): the three strings are laid out in that order. */
static int row_cmp(const void *a, const void *b)
{
	const char *x = sort_text + *(const size_t *)a, *y = sort_text + *(const size_t *)b;

	for (int k = 0; k < 3; k++) {
		int c = strcmp(x, y);
		if (c)
			return c;
		x += strlen(x) + 1;
		y += strlen(y) + 1;
	}
	return 0;
}

void feeds_prods_drop(struct feeds_prods *p)
{
	p->n = 0;
	buf_reset(&p->text);
}

/* PostgreSQL: the sorted rows by one binary COPY into a staging table and one INSERT ... ON
 * CONFLICT DO NOTHING, instead of a round trip a row (CVE 5 and JVN; NVD's go by
 * feed_bulk.c). The row path's result: a row already there stays. */
static int flush_copy(struct feeds_ctx *c, struct feeds_prods *p, struct merr *e)
{
	struct buf o;
	int rc;

	buf_init(&o, SIZE_MAX / 2);
	rc = feeds_bin_start(&o);
	for (size_t i = 0; i < p->n && !rc; i++) {
		const char *vp = p->text.ptr + p->rows[i], *cve = vp + strlen(vp) + 1;
		rc = feeds_bin_row(&o, 3);
		if (!rc)
			rc = feeds_bin_text(&o, vp);
		if (!rc)
			rc = feeds_bin_text(&o, cve);
		if (!rc)
			rc = feeds_bin_text(&o, cve + strlen(cve) + 1);
	}
	if (rc)
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (!rc)
		rc = store_exec(c->s,
				"CREATE TEMP TABLE IF NOT EXISTS prod_stage (vp TEXT, cve_id TEXT,"
				" origin TEXT)",
				e);
	if (!rc)
		rc = feeds_bin_copy(c->s, "prod_stage (vp, cve_id, origin)", &o, e);
	if (!rc)
		rc = store_exec(
		    c->s,
		    "INSERT INTO cve_products (vp, cve_id, origin) SELECT vp, cve_id, origin"
		    " FROM prod_stage ON CONFLICT DO NOTHING; TRUNCATE prod_stage",
		    e);
	buf_release(&o);
	feeds_prods_drop(p);
	return rc;
}

int feeds_prods_flush(struct feeds_ctx *c, struct merr *e)
{
	struct feeds_prods *p = &c->prods;
	const char *env = getenv("MAMORI_FEEDS_COPY");
	int rc = 0;

	if (p->n == 0)
		return 0;
	sort_text = p->text.ptr;
	qsort(p->rows, p->n, sizeof(*p->rows), row_cmp);
	if (store_has_copy(c->s) && !(env && strcmp(env, "0") == 0))
		return flush_copy(c, p, e);
	for (size_t i = 0, max = feeds_multi_max(c); i < p->n && rc == 0;) {
		size_t n = p->n - i < max ? p->n - i : max;
		struct store_stmt *st =
		    max > 1 ? feeds_stmt_multi(c, MULTI_PROD, n, e) : feeds_stmt(c, ST_PROD_INS, e);
		if (!st)
			return M_ESTORE;
		for (size_t k = 0; k < n; k++, i++) {
			const char *vp = p->text.ptr + p->rows[i], *cve = vp + strlen(vp) + 1;
			stmt_bind_text_static(st, (int)k * 3 + 1, vp);
			stmt_bind_text_static(st, (int)k * 3 + 2, cve);
			stmt_bind_text_static(st, (int)k * 3 + 3, cve + strlen(cve) + 1);
		}
		rc = feeds_exec(st, e);
	}
	feeds_prods_drop(p);
	return rc;
}

/*
 * cve_products_cve (cve_id, origin) is written in vendor:product order at each flush, so
 * every batch touched pages all over it. Loading an empty table, the index is dropped and
 * built once from the sorted rows at the end, in the transaction of the last batch. A run
 * cut short (killed) leaves the store without it until the next import (which re-creates
 * it first: feeds_prods_index_on is also called at the start of every threaded import).
 */
int feeds_prods_index_off(struct feeds_ctx *c, struct merr *e)
{
	int64_t any = 0;
	int rc;

	if (c->prod_index_off || strcmp(store_backend_name(c->s), "sqlite") != 0)
		return 0;
	if ((rc = store_query_int(c->s, "SELECT EXISTS (SELECT 1 FROM cve_products)", &any, e)))
		return rc;
	if (any)
		return 0;
	if ((rc = store_exec(c->s, "DROP INDEX IF EXISTS cve_products_cve", e)))
		return rc;
	c->prod_index_off = true;
	return 0;
}

int feeds_prods_index_on(struct feeds_ctx *c, struct merr *e)
{
	int rc;

	if (strcmp(store_backend_name(c->s), "sqlite") != 0)
		return 0;
	rc = store_exec(
	    c->s, "CREATE INDEX IF NOT EXISTS cve_products_cve ON cve_products(cve_id, origin)", e);
	if (rc == 0)
		c->prod_index_off = false;
	return rc;
}

void feeds_prods_release(struct feeds_prods *p)
{
	buf_release(&p->text);
	m_free(p->rows);
	memset(p, 0, sizeof(*p));
}
