/*
 * scan_store.c - scan runs and observations in the store (migration 0300),
 * written in batches, one transaction each; and the JSON-lines result format.
 */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "scan/scan.h"
#include "share/share.h"

/* ------------------------------------------------------------ JSON lines */

int scan_result_write_json(FILE *f, const char *org, const struct scan_result *r)
{
	cJSON *o = cJSON_CreateObject();
	char ip[INET6_ADDRSTRLEN], t[TIME_STR_MAX], *s;
	int rc = 0;

	if (!o)
		return M_ENOMEM;
	ip_format(&r->ip, ip);
	time_fmt_utc(r->time, t);
	if (org && *org)
		cJSON_AddStringToObject(o, "org", org);
	else
		cJSON_AddNullToObject(o, "org");
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddNumberToObject(o, "port", r->port);
	cJSON_AddStringToObject(o, "proto", scan_proto_name(r->proto));
	cJSON_AddStringToObject(o, "state", scan_state_name(r->state));
	if (r->ttl >= 0)
		cJSON_AddNumberToObject(o, "ttl", r->ttl);
	else
		cJSON_AddNullToObject(o, "ttl");
	if (r->rtt_ms >= 0)
		cJSON_AddNumberToObject(o, "rtt_ms", (double)(int64_t)(r->rtt_ms * 1000) / 1000.0);
	else
		cJSON_AddNullToObject(o, "rtt_ms");
	cJSON_AddStringToObject(o, "time", t);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return M_ENOMEM;
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF)
		rc = M_EIO;
	cJSON_free(s);
	return rc;
}

/* ------------------------------------------------------------ scans */

int scan_store_create(struct store *s, const char *org_slug, const char *mode, const char *ports,
		      const char *params_json, int64_t now, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	rc = store_prepare(s,
			   "INSERT INTO scans (org_slug, mode, ports, started_at, state, params) "
			   "VALUES (?, ?, ?, ?, 'running', ?) RETURNING id",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org_slug && *org_slug ? org_slug : NULL);
	stmt_bind_text(st, 2, mode);
	stmt_bind_text(st, 3, ports);
	stmt_bind_int64(st, 4, now);
	stmt_bind_text(st, 5, params_json);
	rc = stmt_step(st, e);
	if (rc == 1) {
		*id = stmt_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ESTORE, "INSERT INTO scans returned no id");
	}
	stmt_finalize(st);
	return rc;
}

int scan_store_finish(struct store *s, int64_t id, const char *state, const struct scan_counters *c,
		      uint64_t checkpoint, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	rc = store_prepare(s,
			   "UPDATE scans SET state = ?, finished_at = ?, sent = sent + ?, "
			   "received = received + ?, invalid = invalid + ?, dropped = dropped + ?, "
			   "checkpoint = ? WHERE id = ?",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, state);
	stmt_bind_int64(st, 2, now);
	stmt_bind_int64(st, 3, (int64_t)c->sent);
	stmt_bind_int64(st, 4, (int64_t)c->received);
	stmt_bind_int64(st, 5, (int64_t)c->invalid);
	stmt_bind_int64(st, 6, (int64_t)c->dropped);
	stmt_bind_int64(st, 7, (int64_t)checkpoint);
	stmt_bind_int64(st, 8, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return share_match_new(s, now, NULL, NULL, e); /* shared indicators vs the new rows */
}

int scan_store_reopen(struct store *s, int64_t id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "UPDATE scans SET state = 'running', finished_at = NULL "
			       "WHERE id = ? AND state = 'interrupted'",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (store_changes(s) != 1)
		return merr_set(e, M_EINVAL, "scan %lld is not interrupted: nothing to resume",
				(long long)id);
	return 0;
}

void scan_info_release(struct scan_info *i)
{
	m_free(i->params);
	i->params = NULL;
}

#define SCAN_COLS                                                                             \
	"id, org_slug, mode, ports, started_at, finished_at, state, params, sent, received, " \
	"invalid, dropped, checkpoint"

static int row_to_info(struct store_stmt *st, struct scan_info *i)
{
	memset(i, 0, sizeof(*i));
	i->id = stmt_int64(st, 0);
	snprintf(i->org_slug, sizeof(i->org_slug), "%s", stmt_text(st, 1) ? stmt_text(st, 1) : "");
	snprintf(i->mode, sizeof(i->mode), "%s", stmt_text(st, 2) ? stmt_text(st, 2) : "");
	snprintf(i->ports, sizeof(i->ports), "%s", stmt_text(st, 3) ? stmt_text(st, 3) : "");
	i->started_at = stmt_int64(st, 4);
	i->finished_at = stmt_int64(st, 5);
	snprintf(i->state, sizeof(i->state), "%s", stmt_text(st, 6) ? stmt_text(st, 6) : "");
	i->params = m_strdup(stmt_text(st, 7) ? stmt_text(st, 7) : "{}");
	i->c.sent = (uint64_t)stmt_int64(st, 8);
	i->c.received = (uint64_t)stmt_int64(st, 9);
	i->c.invalid = (uint64_t)stmt_int64(st, 10);
	i->c.dropped = (uint64_t)stmt_int64(st, 11);
	i->checkpoint = (uint64_t)stmt_int64(st, 12);
	return i->params ? 0 : M_ENOMEM;
}

int scan_store_get(struct store *s, int64_t id, struct scan_info *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT " SCAN_COLS " FROM scans WHERE id = ?", &st, e);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1)
		rc = row_to_info(st, out);
	else if (rc == 0)
		rc = merr_set(e, M_ENOTFOUND, "no scan %lld", (long long)id);
	stmt_finalize(st);
	if (rc == M_ENOMEM)
		merr_set(e, rc, "out of memory");
	return rc;
}

int scan_store_page(struct store *s, const struct scan_query *q,
		    int (*fn)(void *arg, const struct scan_info *i), void *arg, int64_t *total,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if (total && (rc = store_query_int(s, "SELECT count(*) FROM scans", total, e)))
		return rc;
	if ((rc = store_prepare(s,
				"SELECT " SCAN_COLS " FROM scans ORDER BY started_at DESC, id DESC "
				"LIMIT ? OFFSET ?",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, q->limit > 0 ? q->limit : -1);
	stmt_bind_int64(st, 2, q->offset > 0 ? q->offset : 0);
	while ((rc = stmt_step(st, e)) == 1) {
		struct scan_info i;
		rc = row_to_info(st, &i);
		if (rc == 0)
			rc = fn(arg, &i);
		scan_info_release(&i);
		if (rc)
			break;
	}
	stmt_finalize(st);
	if (rc == M_ENOMEM)
		merr_set(e, rc, "out of memory");
	return rc < 0 ? rc : 0;
}

int scan_store_list(struct store *s, size_t limit, int (*fn)(void *arg, const struct scan_info *i),
		    void *arg, struct merr *e)
{
	struct scan_query q = {limit ? (int64_t)limit : -1, 0};
	return scan_store_page(s, &q, fn, arg, NULL, e);
}

cJSON *scan_info_json(const struct scan_info *i, const char *state)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)i->id);
	json_add_str(o, "org", i->org_slug[0] ? i->org_slug : NULL);
	cJSON_AddStringToObject(o, "mode", i->mode);
	cJSON_AddStringToObject(o, "ports", i->ports);
	cJSON_AddStringToObject(o, "state", state ? state : i->state);
	json_add_time(o, "started_at", i->started_at);
	json_add_time(o, "finished_at", i->finished_at);
	cJSON_AddNumberToObject(o, "sent", (double)i->c.sent);
	cJSON_AddNumberToObject(o, "received", (double)i->c.received);
	cJSON_AddNumberToObject(o, "invalid", (double)i->c.invalid);
	cJSON_AddNumberToObject(o, "dropped", (double)i->c.dropped);
	cJSON_AddNumberToObject(o, "checkpoint", (double)i->checkpoint);
	return o;
}

static int parse_name(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (s && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int scan_store_results(struct store *s, int64_t id,
		       int (*fn)(void *arg, const struct scan_result *r), void *arg, struct merr *e)
{
	static const char *const protos[] = {"tcp", "udp"};
	static const char *const states[] = {"open", "closed", "filtered", "open|filtered"};
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT o.ip, o.port, o.proto, so.state, o.ttl, o.rtt_ms, so.seen_at, o.ttl IS NULL, "
	    "o.rtt_ms IS NULL FROM scan_observations so JOIN observations o "
	    "ON o.id = so.observation_id WHERE so.scan_id = ? ORDER BY o.ip, o.port, o.proto",
	    &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		struct scan_result r;
		int p = parse_name(stmt_text(st, 2), protos, 2);
		int sv = parse_name(stmt_text(st, 3), states, 4);
		if (ip_parse(stmt_text(st, 0), &r.ip) != 0 || p < 0 || sv < 0) {
			rc = merr_set(e, M_ESTORE, "scan %lld: malformed observation row",
				      (long long)id);
			break;
		}
		r.port = (uint16_t)stmt_int64(st, 1);
		r.proto = (enum scan_proto)p;
		r.state = (enum scan_state)sv;
		r.ttl = stmt_int64(st, 7) ? -1 : (int)stmt_int64(st, 4);
		r.rtt_ms = stmt_int64(st, 8) ? -1 : stmt_double(st, 5);
		r.time = stmt_int64(st, 6);
		rc = fn(arg, &r);
		if (rc)
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ batches */

struct scan_batch {
	struct store *s;
	int64_t scan_id;
	char *org;
	struct scan_result *v;
	const char **orgs; /* per row; borrowed, NULL = b->org */
	size_t n, cap;	   /* rows held, rows allocated (grows up to limit) */
	size_t limit;	   /* rows per transaction: a full batch is written at once */
	struct store_stmt *upsert, *link;
	bool copy;	 /* PostgreSQL: a batch goes by COPY into scan_stage (write_copy) */
	struct buf text; /* the COPY rows of one flush */
};

/* Fewer rows than this are written row by row even on PostgreSQL: a COPY and its
 * statements cost four round trips, a row two. */
#define SCAN_COPY_MIN 16

int scan_batch_new(struct store *s, int64_t scan_id, const char *org_slug, size_t batch,
		   struct scan_batch **out, struct merr *e)
{
	struct scan_batch *b = m_calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	if (!b)
		return merr_set(e, M_ENOMEM, "out of memory");
	b->s = s;
	b->scan_id = scan_id;
	b->limit = batch ? batch : 1000;
	b->cap = b->limit < 1024 ? b->limit : 1024;
	b->org = m_strdup(org_slug ? org_slug : "");
	b->v = m_malloc(b->cap * sizeof(*b->v));
	b->orgs = m_calloc(b->cap, sizeof(*b->orgs));
	if (!b->org || !b->v || !b->orgs) {
		scan_batch_free(b);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	rc = store_prepare(
	    s,
	    "INSERT INTO observations (scan_id, org_slug, ip, port, proto, state, "
	    "ttl, rtt_ms, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (org_slug, ip, port, proto) DO UPDATE SET "
	    "scan_id = excluded.scan_id, state = excluded.state, ttl = excluded.ttl, "
	    "rtt_ms = excluded.rtt_ms, last_seen = excluded.last_seen RETURNING id",
	    &b->upsert, e);
	if (rc == 0)
		rc = store_prepare(
		    s,
		    "INSERT INTO scan_observations (scan_id, observation_id, state, "
		    "seen_at) VALUES (?, ?, ?, ?) ON CONFLICT (scan_id, observation_id) "
		    "DO UPDATE SET state = excluded.state, seen_at = excluded.seen_at",
		    &b->link, e);
	buf_init(&b->text, 0);
	if (rc == 0 && store_has_copy(s)) {
		/* MAMORI_SCAN_COPY=0: the row-by-row path (measurements, comparisons) */
		const char *env = getenv("MAMORI_SCAN_COPY");
		b->copy = !(env && strcmp(env, "0") == 0);
	}
	if (rc) {
		scan_batch_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int scan_batch_add(struct scan_batch *b, const char *org, const struct scan_result *r,
		   struct merr *e)
{
	if (b->n == b->cap && b->cap < b->limit) {
		size_t cap = b->cap * 2 < b->limit ? b->cap * 2 : b->limit;
		struct scan_result *v = m_realloc(b->v, cap * sizeof(*v));
		const char **o;
		if (!v)
			return merr_set(e, M_ENOMEM, "out of memory");
		b->v = v;
		o = m_realloc(b->orgs, cap * sizeof(*o));
		if (!o)
			return merr_set(e, M_ENOMEM, "out of memory");
		b->orgs = o;
		b->cap = cap;
	}
	b->orgs[b->n] = org;
	b->v[b->n++] = *r;
	return b->n == b->limit ? scan_batch_flush(b, e) : 0;
}

static int write_one(struct scan_batch *b, const char *org, const struct scan_result *r,
		     struct merr *e)
{
	char ip[INET6_ADDRSTRLEN];
	int64_t obs_id;
	int rc;

	ip_format(&r->ip, ip);
	stmt_reset(b->upsert);
	stmt_bind_int64(b->upsert, 1, b->scan_id);
	stmt_bind_text(b->upsert, 2, org ? org : b->org);
	stmt_bind_text(b->upsert, 3, ip);
	stmt_bind_int64(b->upsert, 4, r->port);
	stmt_bind_text(b->upsert, 5, scan_proto_name(r->proto));
	stmt_bind_text(b->upsert, 6, scan_state_name(r->state));
	if (r->ttl >= 0)
		stmt_bind_int64(b->upsert, 7, r->ttl);
	else
		stmt_bind_null(b->upsert, 7);
	if (r->rtt_ms >= 0)
		stmt_bind_double(b->upsert, 8, r->rtt_ms);
	else
		stmt_bind_null(b->upsert, 8);
	stmt_bind_int64(b->upsert, 9, r->time);
	stmt_bind_int64(b->upsert, 10, r->time);
	rc = stmt_step(b->upsert, e);
	if (rc != 1)
		return rc < 0 ? rc : merr_set(e, M_ESTORE, "observation upsert returned no id");
	obs_id = stmt_int64(b->upsert, 0);
	stmt_reset(b->upsert);
	stmt_reset(b->link);
	stmt_bind_int64(b->link, 1, b->scan_id);
	stmt_bind_int64(b->link, 2, obs_id);
	stmt_bind_text(b->link, 3, scan_state_name(r->state));
	stmt_bind_int64(b->link, 4, r->time);
	rc = stmt_step(b->link, e);
	return rc < 0 ? rc : 0;
}

static int copy_text(struct buf *t, const char *s)
{
	int rc = 0;
	for (; *s && rc == 0; s++) {
		switch (*s) {
		case '\\': rc = buf_add(t, "\\\\", 2); break;
		case '\t': rc = buf_add(t, "\\t", 2); break;
		case '\n': rc = buf_add(t, "\\n", 2); break;
		case '\r': rc = buf_add(t, "\\r", 2); break;
		default: rc = buf_addc(t, *s);
		}
	}
	return rc;
}

/*
 * The batch by COPY into scan_stage, then one statement: the rows of one key folded into
 * one (the last row's values, the first row's time as first_seen), upserted into
 * observations in the order of their first row, linked to the scan. The same rows and the
 * same updates as write_one for each row in turn.
 */
static int write_copy(struct scan_batch *b, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = 0;

	buf_reset(&b->text);
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		const struct scan_result *r = &b->v[i];
		char ip[INET6_ADDRSTRLEN];
		ip_format(&r->ip, ip);
		rc = buf_addf(&b->text, "%zu\t", i);
		if (rc == 0)
			rc = copy_text(&b->text, b->orgs[i] ? b->orgs[i] : b->org);
		if (rc == 0)
			rc = buf_addf(&b->text, "\t%s\t%u\t%s\t%s\t", ip, (unsigned)r->port,
				      scan_proto_name(r->proto), scan_state_name(r->state));
		if (rc == 0)
			rc = r->ttl >= 0 ? buf_addf(&b->text, "%d\t", r->ttl)
					 : buf_adds(&b->text, "\\N\t");
		if (rc == 0)
			rc = r->rtt_ms >= 0 ? buf_addf(&b->text, "%.17g\t", r->rtt_ms)
					    : buf_adds(&b->text, "\\N\t");
		if (rc == 0)
			rc = buf_addf(&b->text, "%lld\n", (long long)r->time);
	}
	if (rc)
		return merr_set(e, rc, "scan batch: %s",
				rc == M_ETOOBIG ? "too big" : "out of memory");
	/* seq: the row's place in the batch (a later row of the same key wins, as the
	 * row-by-row upserts do; first_seen is the earliest row's). Made here, not once per
	 * batch: a reconnected session has lost its temporary tables. Emptied before each COPY:
	 * a batch may be a savepoint of a longer transaction. */
	if ((rc = store_exec(
		 b->s,
		 "CREATE TEMP TABLE IF NOT EXISTS scan_stage (seq BIGINT, org_slug TEXT, "
		 "ip TEXT, port BIGINT, proto TEXT, state TEXT, ttl BIGINT, "
		 "rtt_ms DOUBLE PRECISION, t BIGINT); TRUNCATE scan_stage",
		 e)))
		return rc;
	if ((rc = store_copy_in(
		 b->s, "scan_stage (seq, org_slug, ip, port, proto, state, ttl, rtt_ms, t)",
		 b->text.ptr, b->text.len, e)))
		return rc;
	rc = store_prepare(
	    b->s,
	    "WITH f AS (SELECT org_slug, ip, port, proto, first_value(t) OVER k AS first_t, "
	    "first_value(seq) OVER k AS first_seq, last_value(state) OVER k AS state, "
	    "last_value(ttl) OVER k AS ttl, last_value(rtt_ms) OVER k AS rtt_ms, "
	    "last_value(t) OVER k AS t, row_number() OVER k AS nth FROM scan_stage "
	    "WINDOW k AS (PARTITION BY org_slug, ip, port, proto ORDER BY seq "
	    "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)), "
	    "up AS (INSERT INTO observations (scan_id, org_slug, ip, port, proto, state, ttl, "
	    "rtt_ms, first_seen, last_seen) SELECT ?1, org_slug, ip, port, proto, state, ttl, "
	    "rtt_ms, first_t, t FROM f WHERE nth = 1 ORDER BY first_seq "
	    "ON CONFLICT (org_slug, ip, port, proto) DO UPDATE SET "
	    "scan_id = excluded.scan_id, state = excluded.state, ttl = excluded.ttl, "
	    "rtt_ms = excluded.rtt_ms, last_seen = excluded.last_seen "
	    "RETURNING id, state, last_seen) "
	    "INSERT INTO scan_observations (scan_id, observation_id, state, seen_at) "
	    "SELECT ?1, id, state, last_seen FROM up ON CONFLICT (scan_id, observation_id) "
	    "DO UPDATE SET state = excluded.state, seen_at = excluded.seen_at",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, b->scan_id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int scan_batch_flush(struct scan_batch *b, struct merr *e)
{
	int rc;

	if (b->n == 0)
		return 0;
	rc = store_begin(b->s, e);
	if (rc)
		return rc;
	if (b->copy && b->n >= SCAN_COPY_MIN)
		rc = write_copy(b, e);
	else
		for (size_t i = 0; i < b->n && rc == 0; i++)
			rc = write_one(b, b->orgs[i], &b->v[i], e);
	if (rc) {
		store_rollback(b->s);
		return rc;
	}
	rc = store_commit(b->s, e);
	if (rc == 0)
		b->n = 0;
	return rc;
}

void scan_batch_free(struct scan_batch *b)
{
	if (!b)
		return;
	stmt_finalize(b->upsert);
	stmt_finalize(b->link);
	buf_release(&b->text);
	m_free(b->org);
	m_free(b->v);
	m_free(b->orgs);
	m_free(b);
}
