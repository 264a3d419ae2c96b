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

/* The adapter's state for one file (c->state): the comment's model and date, and whether
 * the header was seen. */
struct epss_state {
	char model[64], date[64];
	bool header;
	/* PostgreSQL: rows gathered for COPY into a staging table, then one upsert per batch
	 * (MAMORI_FEEDS_COPY=0: the row path, for comparison) */
	bool copy;
	char *buf;
	size_t len, cap, rows;
};

#define EPSS_COPY_BATCH 50000 /* rows per COPY and upsert */

static int epss_begin(struct feeds_ctx *c, struct merr *e)
{
	struct epss_state *es = c->state;
	const char *env = getenv("MAMORI_FEEDS_COPY");

	es->copy = store_has_copy(c->s) && !(env && strcmp(env, "0") == 0);
	if (!es->copy)
		return 0;
	return store_exec(c->s,
			  "CREATE TEMP TABLE IF NOT EXISTS epss_stage (cve_id TEXT, epss REAL,"
			  " percentile REAL); DELETE FROM epss_stage",
			  e);
}

/* Stores the rows gathered for COPY; the counters move rows that changed nothing from
 * stored (as counted when gathered) to unchanged. */
static int epss_flush(struct feeds_ctx *c, struct merr *e)
{
	struct epss_state *es = c->state;
	struct store_stmt *st;
	int64_t changed;
	int rc;

	if (!es->rows)
		return 0;
	if ((rc =
		 store_copy_in(c->s, "epss_stage (cve_id, epss, percentile)", es->buf, es->len, e)))
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
	stmt_bind_text(st, 1, es->model[0] ? es->model : NULL);
	stmt_bind_text(st, 2, es->date[0] ? es->date : NULL);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	changed = store_changes(c->s);
	if ((rc = store_exec(c->s, "DELETE FROM epss_stage", e)))
		return rc;
	c->r->stored -= (long long)es->rows - changed;
	c->r->unchanged += (long long)es->rows - changed;
	es->len = es->rows = 0;
	return 0;
}

static int epss_gather(struct feeds_ctx *c, const struct feeds_epss *row, struct merr *e)
{
	struct epss_state *es = c->state;
	char line[160];
	int n;

	for (const char *q = row->cve_id; *q; q++) /* COPY's text format: no escapes */
		if (*q == '\t' || *q == '\\' || (unsigned char)*q < 0x20)
			return merr_set(e, M_EPARSE, "bad CVE id");
	n = snprintf(line, sizeof(line), "%s\t%.17g\t%.17g\n", row->cve_id, row->epss,
		     row->percentile);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return merr_set(e, M_EPARSE, "EPSS row too long");
	if (es->len + (size_t)n > es->cap) {
		size_t cap = es->cap ? es->cap * 2 : 1u << 20;
		char *p = m_realloc(es->buf, cap);
		if (!p)
			return merr_set(e, M_ENOMEM, "out of memory");
		es->buf = p;
		es->cap = cap;
	}
	memcpy(es->buf + es->len, line, (size_t)n);
	es->len += (size_t)n;
	es->rows++;
	return es->rows >= EPSS_COPY_BATCH ? epss_flush(c, e) : FEEDS_STORED;
}

static int epss_finish(struct feeds_ctx *c, struct merr *e)
{
	struct epss_state *es = c->state;
	int rc = es->copy ? epss_flush(c, e) : 0;

	m_free(es->buf);
	es->buf = NULL;
	es->cap = es->len = es->rows = 0;
	return rc;
}

/* One parsed line: a row, a comment, or a "cve,..." line (the header, the first time). A
 * row is allocated without the union (360,000 of them in a day's file). */
struct epss_item {
	enum { EPSS_ROW, EPSS_COMMENT, EPSS_HEADER } type;
	struct feeds_epss row;
	union {
		struct {
			char model[64], date[64];
		} comment;
		struct {
			bool ok; /* exactly cve,epss,percentile */
			char text[64];
			int row_rc; /* the line read as a row: for a second header */
			struct merr row_e;
		} header;
	} u;
};

static int epss_parse(const struct split_rec *rec, void **out, size_t *bytes, char *cve,
		      size_t cve_cap, struct merr *e)
{
	bool row = rec->p[0] != '#' && strncmp(rec->p, "cve,", 4) != 0;
	size_t size = row ? offsetof(struct epss_item, u) : sizeof(struct epss_item);
	struct epss_item *it;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < rec->len; i++)
		if ((unsigned char)rec->p[i] < 0x20 && rec->p[i] != '\t')
			return merr_at(e, M_EPARSE, NULL, -1, rec->offset + (long long)i, NULL,
				       "control character 0x%02x in the line; refused",
				       (unsigned char)rec->p[i]);
	if (!(it = m_malloc(size)))
		return merr_set(e, M_ENOMEM, "out of memory");
	if (row) {
		it->type = EPSS_ROW;
		rc = feeds_epss_parse_line(rec->p, rec->len, &it->row, e);
		snprintf(cve, cve_cap, "%s", rc == 0 ? it->row.cve_id : "");
	} else if (rec->p[0] == '#') {
		it->type = EPSS_COMMENT;
		feeds_epss_parse_comment(rec->p, rec->len, it->u.comment.model,
					 sizeof(it->u.comment.model), it->u.comment.date,
					 sizeof(it->u.comment.date));
	} else {
		it->type = EPSS_HEADER;
		it->u.header.ok = strcmp(rec->p, "cve,epss,percentile") == 0;
		snprintf(it->u.header.text, sizeof(it->u.header.text), "%.60s", rec->p);
		merr_init(&it->u.header.row_e);
		it->u.header.row_rc =
		    feeds_epss_parse_line(rec->p, rec->len, &it->row, &it->u.header.row_e);
	}
	if (rc) {
		m_free(it);
		return rc;
	}
	*out = it;
	*bytes = size;
	return 0;
}

static void epss_free(void *rec)
{
	m_free(rec);
}

static int epss_store(struct feeds_ctx *c, void *rec, struct merr *e)
{
	struct epss_state *es = c->state;
	const struct epss_item *it = rec;
	struct store_stmt *st;
	int rc;

	if (it->type == EPSS_COMMENT) {
		memcpy(es->model, it->u.comment.model, sizeof(es->model));
		memcpy(es->date, it->u.comment.date, sizeof(es->date));
		snprintf(c->r->version, sizeof(c->r->version), "%s", es->model);
		return FEEDS_NOT_RECORD;
	}
	if (it->type == EPSS_HEADER && !es->header) {
		es->header = true;
		if (!it->u.header.ok)
			return merr_set(e, M_EPARSE, "unexpected header '%s'", it->u.header.text);
		return FEEDS_NOT_RECORD;
	}
	if (it->type == EPSS_HEADER && it->u.header.row_rc) { /* a second header, as a row */
		*e = it->u.header.row_e;
		return it->u.header.row_rc;
	}
	if (es->copy) {
		rc = epss_gather(c, &it->row, e);
		return rc < 0 ? rc : FEEDS_STORED;
	}
	st = feeds_stmt(c, ST_EPSS_UPSERT, e);
	if (!st)
		return M_ESTORE;
	stmt_bind_text(st, 1, it->row.cve_id);
	stmt_bind_double(st, 2, it->row.epss);
	stmt_bind_double(st, 3, it->row.percentile);
	stmt_bind_text(st, 4, es->model[0] ? es->model : NULL);
	stmt_bind_text(st, 5, es->date[0] ? es->date : NULL);
	if ((rc = feeds_exec(st, e)))
		return rc;
	return store_changes(c->s) > 0 ? FEEDS_STORED : FEEDS_UNCHANGED;
}

static const char *epss_date(struct feeds_ctx *c)
{
	struct epss_state *es = c->state;
	return es ? es->date : NULL;
}

const struct feeds_adapter feeds_epss_adapter = {
    .kind = FEEDS_EPSS,
    .mode = SPLIT_LINES,
    .one_tx = true,
    .savepoint = false, /* one statement a row: atomic on its own */
    .state_size = sizeof(struct epss_state),
    .begin = epss_begin,
    .finish = epss_finish,
    .parse = epss_parse,
    .store = epss_store,
    .rec_free = epss_free,
    .date = epss_date,
};
