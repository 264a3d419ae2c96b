/*
 * feed_epss.c - FIRST EPSS scores CSV: an optional "#model_version:..,score_date:.." line,
 * the header "cve,epss,percentile", then one row per CVE; upserted in one transaction.
 */
#include "base/compat.h"

#include <ctype.h>
#include <math.h>

#include "base/mem.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

static int parse_prob(const char *p, size_t len, const char *field, double *out, struct merr *e)
{
	char tmp[40], *end;

	if (len == 0 || len >= sizeof(tmp))
		return merr_at(e, M_EPARSE, NULL, -1, -1, field, "expected a number");
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (!isdigit((unsigned char)tmp[0]) && tmp[0] != '.')
		return merr_at(e, M_EPARSE, NULL, -1, -1, field, "not a number: '%s'", tmp);
	*out = strtod(tmp, &end);
	if (*end || !isfinite(*out) || *out < 0.0 || *out > 1.0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, field, "not a probability 0-1: '%s'",
			       tmp);
	return 0;
}

int feeds_epss_parse_line(const char *p, size_t len, struct feeds_epss *out, struct merr *e)
{
	const char *c1 = memchr(p, ',', len), *c2;
	size_t idlen;
	int rc;

	if (!c1)
		return merr_set(e, M_EPARSE, "expected 3 columns cve,epss,percentile");
	c2 = memchr(c1 + 1, ',', len - (size_t)(c1 + 1 - p));
	if (!c2 || memchr(c2 + 1, ',', len - (size_t)(c2 + 1 - p)))
		return merr_set(e, M_EPARSE, "expected 3 columns cve,epss,percentile");
	idlen = (size_t)(c1 - p);
	if (idlen >= sizeof(out->cve_id))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cve", "not a CVE id");
	memcpy(out->cve_id, p, idlen);
	out->cve_id[idlen] = '\0';
	if (!feeds_valid_cve_id(out->cve_id))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cve", "not a CVE id: '%s'", out->cve_id);
	if ((rc = parse_prob(c1 + 1, (size_t)(c2 - c1 - 1), "epss", &out->epss, e)) ||
	    (rc =
		 parse_prob(c2 + 1, len - (size_t)(c2 + 1 - p), "percentile", &out->percentile, e)))
		return rc;
	return 0;
}

/* Copies the value of "key:" in a comma-separated comment (split on the first ':' only,
 * since score_date holds colons). */
static void comment_value(const char *p, size_t len, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *end = p + len;

	out[0] = '\0';
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		if ((size_t)(stop - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == ':') {
			size_t n = (size_t)(stop - p) - kl - 1;
			if (n >= cap)
				n = cap - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return;
		}
		p = comma ? comma + 1 : end;
	}
}

int feeds_epss_parse_comment(const char *p, size_t len, char *model, size_t model_cap, char *date,
			     size_t date_cap)
{
	if (len == 0 || p[0] != '#')
		return M_EPARSE;
	comment_value(p + 1, len - 1, "model_version", model, model_cap);
	comment_value(p + 1, len - 1, "score_date", date, date_cap);
	return 0;
}

#define EPSS_COPY_BATCH 50000 /* rows per COPY and upsert */

/* PostgreSQL: COPY FROM STDIN into a staging table, then one INSERT ... SELECT ... ON
 * CONFLICT upsert, instead of a round trip per row (MAMORI_FEEDS_COPY=0: the row path, for
 * comparison). */
static int epss_begin(struct feeds_ctx *c, struct merr *e)
{
	const char *env = getenv("MAMORI_FEEDS_COPY");
	int rc;

	c->epss_model[0] = c->epss_date[0] = '\0';
	c->epss_header = false;
	c->epss_copy = store_has_copy(c->s) && !(env && strcmp(env, "0") == 0);
	c->copy_len = c->copy_rows = 0;
	if (!c->epss_copy)
		return 0;
	if ((rc = store_exec(c->s,
			     "CREATE TEMP TABLE IF NOT EXISTS epss_stage (cve_id TEXT, epss REAL,"
			     " percentile REAL); DELETE FROM epss_stage",
			     e)))
		return rc;
	return 0;
}

/* Stores the rows gathered for COPY; the counters move rows that changed nothing from
 * stored (as counted when gathered) to unchanged. */
static int epss_flush(struct feeds_ctx *c, struct merr *e)
{
	struct store_stmt *st;
	int64_t changed;
	int rc;

	if (!c->copy_rows)
		return 0;
	if ((rc = store_copy_in(c->s, "epss_stage (cve_id, epss, percentile)", c->copy_buf,
				c->copy_len, e)))
		return rc;
	if ((rc = store_prepare(
		 c->s,
		 "INSERT INTO epss (cve_id, epss, percentile, model_version, score_date)"
		 " SELECT cve_id, epss, percentile, CAST(? AS TEXT), CAST(? AS TEXT) FROM "
		 "epss_stage"
		 " WHERE true ON CONFLICT(cve_id) DO UPDATE SET epss = excluded.epss,"
		 " percentile = excluded.percentile, model_version = excluded.model_version,"
		 " score_date = excluded.score_date WHERE epss.epss <> excluded.epss"
		 " OR epss.percentile <> excluded.percentile"
		 " OR COALESCE(epss.model_version, '') <> COALESCE(excluded.model_version, '')"
		 " OR COALESCE(epss.score_date, '') <> COALESCE(excluded.score_date, '')",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, c->epss_model[0] ? c->epss_model : NULL);
	stmt_bind_text(st, 2, c->epss_date[0] ? c->epss_date : NULL);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	changed = store_changes(c->s);
	if ((rc = store_exec(c->s, "DELETE FROM epss_stage", e)))
		return rc;
	c->r->stored -= (long long)c->copy_rows - changed;
	c->r->unchanged += (long long)c->copy_rows - changed;
	c->copy_len = c->copy_rows = 0;
	return 0;
}

static int epss_gather(struct feeds_ctx *c, const struct feeds_epss *row, struct merr *e)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%s\t%.17g\t%.17g\n", row->cve_id, row->epss,
			 row->percentile);

	if (n <= 0 || (size_t)n >= sizeof(line))
		return merr_set(e, M_EPARSE, "EPSS row too long");
	if (c->copy_len + (size_t)n > c->copy_cap) {
		size_t cap = c->copy_cap ? c->copy_cap * 2 : 1u << 20;
		char *p = m_realloc(c->copy_buf, cap);
		if (!p)
			return merr_set(e, M_ENOMEM, "out of memory");
		c->copy_buf = p;
		c->copy_cap = cap;
	}
	memcpy(c->copy_buf + c->copy_len, line, (size_t)n);
	c->copy_len += (size_t)n;
	c->copy_rows++;
	return c->copy_rows >= EPSS_COPY_BATCH ? epss_flush(c, e) : 0;
}

static int epss_finish(struct feeds_ctx *c, struct merr *e)
{
	int rc = c->epss_copy ? epss_flush(c, e) : 0;

	m_free(c->copy_buf);
	c->copy_buf = NULL;
	c->copy_cap = c->copy_len = c->copy_rows = 0;
	return rc;
}

static int epss_record(struct feeds_ctx *c, const struct split_rec *rec, char *cve, size_t cve_cap,
		       struct merr *e)
{
	struct feeds_epss row;
	struct store_stmt *st;
	int rc;

	for (size_t i = 0; i < rec->len; i++)
		if ((unsigned char)rec->p[i] < 0x20 && rec->p[i] != '\t')
			return merr_at(e, M_EPARSE, NULL, -1, rec->offset + (long long)i, NULL,
				       "control character 0x%02x in the line; refused",
				       (unsigned char)rec->p[i]);
	if (rec->p[0] == '#') {
		feeds_epss_parse_comment(rec->p, rec->len, c->epss_model, sizeof(c->epss_model),
					 c->epss_date, sizeof(c->epss_date));
		snprintf(c->r->version, sizeof(c->r->version), "%s", c->epss_model);
		return FEEDS_NOT_RECORD;
	}
	if (!c->epss_header && strncmp(rec->p, "cve,", 4) == 0) {
		c->epss_header = true;
		if (strcmp(rec->p, "cve,epss,percentile") != 0)
			return merr_set(e, M_EPARSE, "unexpected header '%.60s'", rec->p);
		return FEEDS_NOT_RECORD;
	}
	rc = feeds_epss_parse_line(rec->p, rec->len, &row, e);
	snprintf(cve, cve_cap, "%s", rc == 0 ? row.cve_id : "");
	if (rc)
		return rc;
	if (c->epss_copy) {
		for (const char *q = row.cve_id; *q; q++) /* COPY's text format: no escapes */
			if (*q == '\t' || *q == '\\' || (unsigned char)*q < 0x20)
				return merr_set(e, M_EPARSE, "bad CVE id");
		return (rc = epss_gather(c, &row, e)) ? rc : FEEDS_STORED;
	}
	st = feeds_stmt(c, ST_EPSS_UPSERT, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, row.cve_id);
	stmt_bind_double(st, 2, row.epss);
	stmt_bind_double(st, 3, row.percentile);
	stmt_bind_text(st, 4, c->epss_model[0] ? c->epss_model : NULL);
	stmt_bind_text(st, 5, c->epss_date[0] ? c->epss_date : NULL);
	if ((rc = feeds_exec(st, e)))
		return rc;
	return store_changes(c->s) > 0 ? FEEDS_STORED : FEEDS_UNCHANGED;
}

const struct feeds_adapter feeds_epss_adapter = {
    .kind = FEEDS_EPSS,
    .mode = SPLIT_LINES,
    .one_tx = true,
    .savepoint = false, /* one statement a row: atomic on its own */
    .begin = epss_begin,
    .record = epss_record,
    .finish = epss_finish,
};
