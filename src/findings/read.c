/* read.c - listing and showing stored findings (for the CLI, the web UI and reports),
 * each row with its lifecycle and urgency, one finding with its reasons and events. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <strings.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"

#define ROW_COLS                                                                                   \
	"f.id, f.org_slug, f.asset, f.issue_key, f.kind, f.state, f.severity, f.title, f.cve_id, " \
	"f.confidence, f.urgency, f.ssvc_decision, f.bod_timeline, f.kev_due_date, "               \
	"f.needs_confirmation, f.kev, f.reopened, f.cvss, f.epss, f.deadline, f.first_seen, "      \
	"f.last_seen, f.fixed_at, f.ip, f.proto, f.port, f.triage, f.assignee, f.triage_until"
#define ROW_N 29

static void fill_row(struct store_stmt *st, struct finding_row *r)
{
	r->id = stmt_int64(st, 0);
	r->org = stmt_text(st, 1);
	r->asset = stmt_text(st, 2);
	r->issue_key = stmt_text(st, 3);
	r->kind = stmt_text(st, 4);
	r->state = stmt_text(st, 5);
	r->severity = stmt_text(st, 6);
	r->title = stmt_text(st, 7);
	r->cve_id = stmt_text(st, 8);
	r->confidence = stmt_text(st, 9);
	r->urgency = stmt_text(st, 10);
	r->ssvc_decision = stmt_text(st, 11);
	r->bod_timeline = stmt_text(st, 12);
	r->kev_due_date = stmt_text(st, 13);
	r->needs_confirmation = stmt_int64(st, 14) != 0;
	r->kev = stmt_int64(st, 15) != 0;
	r->reopened = stmt_int64(st, 16) != 0;
	r->cvss = stmt_is_null(st, 17) ? -1 : stmt_double(st, 17);
	r->epss = stmt_is_null(st, 18) ? -1 : stmt_double(st, 18);
	r->deadline = stmt_is_null(st, 19) ? 0 : stmt_int64(st, 19);
	r->first_seen = stmt_int64(st, 20);
	r->last_seen = stmt_int64(st, 21);
	r->fixed_at = stmt_is_null(st, 22) ? 0 : stmt_int64(st, 22);
	r->ip = stmt_text(st, 23);
	r->proto = stmt_text(st, 24);
	r->port = stmt_is_null(st, 25) ? 0 : (int)stmt_int64(st, 25);
	r->triage = stmt_text(st, 26);
	r->assignee = stmt_text(st, 27);
	r->triage_until = stmt_is_null(st, 28) ? 0 : stmt_int64(st, 28);
}

enum finding_tier finding_row_tier(const struct finding_row *r)
{
	if (r->needs_confirmation || !strcmp(r->severity, "info"))
		return FINDING_TIER_CONFIRM;
	if (!strcmp(r->kind, "declared") || !strcmp(r->kind, "email"))
		return FINDING_TIER_DECLARED;
	if (r->kev && !strcmp(r->kind, "vulnerability"))
		return FINDING_TIER_KEV_EXPOSED;
	return FINDING_TIER_EXPOSED;
}

/* ---------------------------------------------------------------- the query */

const char *const finding_kinds[] = {"vulnerability", "declared", "risky_service",
				     "tls",	      "email",	  NULL};
const char *const finding_severities[] = {"critical", "high", "medium", "low", "info", NULL};
const char *const finding_states[] = {"open", "fixed", NULL};
const char *const finding_sort_keys[] = {
    "priority", "deadline", "severity", "first_seen", "last_seen", "org", "asset",
    "cve",	"kind",	    "epss",	"cvss",	      "id",	   NULL};

/* The ORDER BY of each sort key, ascending; the id makes every order total. */
static const char *const sort_sql[] = {
    FINDING_PRIO_ORDER("f."),
    "f.deadline IS NULL, f.deadline, f.id",
    "CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN "
    "'low' THEN 3 ELSE 4 END, f.id",
    "f.first_seen, f.id",
    "f.last_seen, f.id",
    "f.org_slug, f.id",
    "f.asset, f.id",
    "f.cve_id IS NULL, f.cve_id, f.id",
    "f.kind, f.id",
    "coalesce(f.epss, -1) DESC, f.id",
    "coalesce(f.cvss, -1) DESC, f.id",
    "f.id",
};
static const char *const sort_sql_desc[] = {
    NULL, /* priority has one direction */
    "f.deadline IS NULL, f.deadline DESC, f.id DESC",
    "CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN "
    "'low' THEN 3 ELSE 4 END DESC, f.id DESC",
    "f.first_seen DESC, f.id DESC",
    "f.last_seen DESC, f.id DESC",
    "f.org_slug DESC, f.id DESC",
    "f.asset DESC, f.id DESC",
    "f.cve_id IS NULL, f.cve_id DESC, f.id DESC",
    "f.kind DESC, f.id DESC",
    "coalesce(f.epss, -1), f.id DESC",
    "coalesce(f.cvss, -1), f.id DESC",
    "f.id DESC",
};

static int index_of(const char *v, const char *const *allowed)
{
	for (int i = 0; allowed[i]; i++)
		if (!strcmp(v, allowed[i]))
			return i;
	return -1;
}

static int bad_value(struct merr *e, const char *field, const char *v, const char *const *allowed)
{
	char list[256] = "";
	size_t n = 0;

	for (int i = 0; allowed[i] && n < sizeof(list) - 1; i++)
		n +=
		    (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", allowed[i]);
	return merr_at(
	    e, M_EPARSE, NULL, -1, -1, field,
	    "不明な値 '%.40s' です (指定できる値: %s) / unknown value '%.40s' (allowed: %s)", v,
	    list, v, list);
}

static bool set(const char *v)
{
	return v && v[0];
}

#define TEXT_MAX 200

int finding_query_check(const struct finding_query *q, struct merr *e)
{
	const char *sort = q->sort;

	if (set(q->kind) && index_of(q->kind, finding_kinds) < 0)
		return bad_value(e, "kind", q->kind, finding_kinds);
	if (set(q->severity) && index_of(q->severity, finding_severities) < 0)
		return bad_value(e, "severity", q->severity, finding_severities);
	if (set(q->state) && index_of(q->state, finding_states) < 0)
		return bad_value(e, "state", q->state, finding_states);
	if (set(q->triage) && index_of(q->triage, finding_triage_states) < 0)
		return bad_value(e, "triage", q->triage, finding_triage_states);
	if (set(sort)) {
		if (sort[0] == '-')
			sort++;
		if (index_of(sort, finding_sort_keys) < 0)
			return bad_value(e, "sort", q->sort, finding_sort_keys);
	}
	const char *texts[] = {q->cve, q->host, q->product, q->search};
	static const char *const names[] = {"cve", "host", "product", "q"};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (texts[i] && strlen(texts[i]) > TEXT_MAX)
			return merr_at(e, M_EPARSE, NULL, -1, -1, names[i],
				       "%d バイトを超えています / longer than %d bytes", TEXT_MAX,
				       TEXT_MAX);
	return 0;
}

/* The WHERE clause of q with its binds (texts only), in order. */
struct where {
	struct buf sql;
	const char *bind[24];
	int n;
	char like[6][2 * TEXT_MAX + 8];
	int nlike;
	char now[32], due[32];
};

/* cond with its ? marks all bound to val (times of them). */
static void w_add(struct where *w, const char *cond, const char *val, int times)
{
	buf_addf(&w->sql, " AND %s", cond);
	for (int i = 0; val && i < times; i++)
		w->bind[w->n++] = val;
}

/* A LIKE pattern of v: '%' around (or only after for a prefix), with \ escaping. */
static const char *w_like(struct where *w, const char *v, bool prefix)
{
	char *o = w->like[w->nlike++];
	size_t k = 0;

	if (!prefix)
		o[k++] = '%';
	for (; *v && k < 2 * TEXT_MAX + 4; v++) {
		if (*v == '%' || *v == '_' || *v == '\\')
			o[k++] = '\\';
		o[k++] = *v;
	}
	o[k++] = '%';
	o[k] = '\0';
	return o;
}

#define LIKE(col) col " LIKE ? ESCAPE '\\'"

/* "cve-2024-1234" or a prefix of one ("CVE-2024-1"): searched as a cve_id range. */
static bool cve_like(const char *v)
{
	if (!v || strncasecmp(v, "CVE-", 4) || strlen(v) > 32)
		return false;
	for (const char *p = v + 4; *p; p++)
		if (!(*p >= '0' && *p <= '9') && *p != '-')
			return false;
	return true;
}

static const char *upper(struct where *w, const char *v)
{
	char *o = w->like[w->nlike++];
	size_t k = 0;

	for (; *v && k < 2 * TEXT_MAX + 4; v++)
		o[k++] = (char)toupper((unsigned char)*v);
	o[k] = '\0';
	return o;
}

/* Characters (code points) in s. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The FTS5 phrase of v: in double quotes, a quote doubled (every other character is literal
 * inside a phrase). */
static const char *w_phrase(struct where *w, const char *v)
{
	char *o = w->like[w->nlike++];
	size_t k = 0;

	o[k++] = '"';
	for (; *v && k < 2 * TEXT_MAX + 4; v++) {
		if (*v == '"')
			o[k++] = '"';
		o[k++] = *v;
	}
	o[k++] = '"';
	o[k] = '\0';
	return o;
}

/* A free-text search of three characters or more is a trigram index lookup (migration 0535):
 * FTS5 on SQLite, pg_trgm under ILIKE on PostgreSQL. */
#define SEARCH_INDEX_MIN 3
#define SEARCH_COLS(op)                                                                    \
	"(f.title " op " ? ESCAPE '\\' OR f.asset " op " ? ESCAPE '\\' OR f.issue_key " op \
	" ? ESCAPE '\\' OR f.org_slug " op " ? ESCAPE '\\')"

/* The trigram candidates of a free-text search, looked up once for a list's count and page
 * (finding_query_page): their ids when few, or "broad" when the term is common. */
struct search_ids {
	int64_t *id;
	size_t n;
	bool broad;
};

static void build_where_ids(const struct finding_query *q, struct where *w, bool pg,
			    const struct search_ids *ids);

static void build_where(const struct finding_query *q, struct where *w, bool pg)
{
	build_where_ids(q, w, pg, NULL);
}

/* "f.id IN (1, 2, ...)" of the candidates (integers the store gave: no binds needed). */
static void w_ids(struct where *w, const struct search_ids *ids)
{
	if (!ids->n) {
		buf_addf(&w->sql, " AND 0 = 1");
		return;
	}
	buf_addf(&w->sql, " AND f.id IN (");
	for (size_t i = 0; i < ids->n; i++)
		buf_addf(&w->sql, "%s%lld", i ? ", " : "", (long long)ids->id[i]);
	buf_addf(&w->sql, ")");
}

static void build_where_ids(const struct finding_query *q, struct where *w, bool pg,
			    const struct search_ids *ids)
{
	buf_init(&w->sql, (size_t)1 << 17); /* room for a search's ids (finding_query_page) */
	w->n = 0;
	w->nlike = 0;
	buf_addf(&w->sql, "1 = 1");
	if (set(q->org))
		w_add(w, "f.org_slug = ?", q->org, 1);
	if (set(q->org2))
		w_add(w, "f.org_slug = ?", q->org2, 1);
	if (q->sector)
		w_add(w, "f.org_slug IN (SELECT slug FROM orgs WHERE sector = ?)", q->sector, 1);
	if (set(q->kind))
		w_add(w, "f.kind = ?", q->kind, 1);
	if (set(q->severity))
		w_add(w, "f.severity = ?", q->severity, 1);
	if (set(q->state))
		w_add(w, "f.state = ?", q->state, 1);
	if (q->open_only)
		w_add(w, FINDING_ACTIVE_SQL("f."), NULL, 0);
	if (set(q->triage))
		w_add(w, strcmp(q->triage, "none") ? "f.triage = ?" : "f.triage IS NULL",
		      strcmp(q->triage, "none") ? q->triage : NULL, 1);
	if (q->kev_only)
		w_add(w, "f.kev = 1", NULL, 0);
	if (q->confirm_only)
		w_add(w, "(f.needs_confirmation = 1 OR f.severity = 'info')", NULL, 0);
	if (q->overdue) {
		/* bound as text: compared as the integer it is (the column's affinity) */
		snprintf(w->now, sizeof(w->now), "%lld", (long long)q->now);
		w_add(w, FINDING_ACTIVE_SQL("f.") " AND f.deadline IS NOT NULL AND f.deadline < ?",
		      w->now, 1);
	}
	if (q->due_before) {
		snprintf(w->due, sizeof(w->due), "%lld", (long long)q->due_before);
		snprintf(w->now, sizeof(w->now), "%lld", (long long)q->now);
		w_add(w, FINDING_ACTIVE_SQL("f.") " AND f.deadline >= ?", w->now, 1);
		w_add(w, "f.deadline < ?", w->due, 1);
	}
	if (set(q->ip))
		w_add(w, "f.ip = ?", q->ip, 1);
	if (set(q->cve) || cve_like(q->search))
		/* an index range: stored ids are upper case ("CVE-2024-1234") */
		w_add(w, "f.cve_id >= ? AND f.cve_id < ? || '~'",
		      upper(w, set(q->cve) ? q->cve : q->search), 2);
	if (set(q->host))
		w_add(w, "(" LIKE("f.ip") " OR " LIKE("f.asset") ")", w_like(w, q->host, true), 2);
	if (set(q->product))
		w_add(w, "(" LIKE("f.title") " OR " LIKE("f.evidence") ")",
		      w_like(w, q->product, false), 2);
	if (set(q->search) && !cve_like(q->search)) {
		/* The LIKE stays on the index's candidates: the same rows as the scan gave
		 * (SQLite's LIKE folds ASCII only, the trigram index all of Unicode). */
		if (ids && !ids->broad)
			w_ids(w, ids);
		else if (ids && ids->broad)
			; /* a common term: the LIKE alone, on rows walked in the sort's order */
		else if (!pg && utf8_chars(q->search) >= SEARCH_INDEX_MIN)
			w_add(w,
			      "f.id IN (SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?)",
			      w_phrase(w, q->search), 1);
		w_add(w, pg ? SEARCH_COLS("ILIKE") : SEARCH_COLS("LIKE"),
		      w_like(w, q->search, false), 4);
	}
}

static bool is_pg(const struct store *s)
{
	return strcmp(store_backend_name(s), "postgres") == 0;
}

/* Without a sort key over more than one organisation: the order of migration 0750's indices
 * (open first, KEV, severity, newest), so a page of 100,000 findings reads its rows from an
 * index instead of sorting them all; with one severity asked for, its rank is constant and left
 * out (SQLite cannot see that). One organisation's list is small: the fix-first order. */
#define LIST_ORDER_RANK                                                                        \
	"f.state DESC, f.kev DESC, CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 " \
	"WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.first_seen DESC, f.id DESC"
#define LIST_ORDER_ONE "f.state DESC, f.kev DESC, f.first_seen DESC, f.id DESC"

static const char *order_of(const struct finding_query *q)
{
	if (!set(q->sort) && !set(q->org) && !set(q->org2) && !set(q->ip) && !q->by_org)
		return set(q->severity) ? LIST_ORDER_ONE : LIST_ORDER_RANK;
	const char *sort = set(q->sort) ? q->sort : "priority";
	bool desc = sort[0] == '-';
	int i = index_of(desc ? sort + 1 : sort, finding_sort_keys);

	if (i < 0)
		i = 0;
	return desc && sort_sql_desc[i] ? sort_sql_desc[i] : sort_sql[i];
}

struct row_cb {
	int (*fn)(void *arg, const struct finding_row *r);
	void *arg;
};

static int row_of(void *arg, struct store_stmt *st)
{
	struct row_cb *cb = arg;
	struct finding_row r;

	fill_row(st, &r);
	return cb->fn(cb->arg, &r);
}

static int run_sql(struct store *s, const char *sql, const struct where *w, int64_t limit,
		   int64_t offset, int (*fn)(void *arg, const struct finding_row *r), void *arg,
		   int64_t *count, struct merr *e)
{
	struct row_cb cb = {fn, arg};

	return store_query_page(s, sql, w->bind, w->n, limit, offset, count, row_of, &cb, e);
}

int finding_query_count(struct store *s, const struct finding_query *q, int64_t *n, struct merr *e)
{
	struct where w;
	struct buf sql;
	int rc;

	*n = 0;
	if ((rc = finding_query_check(q, e)))
		return rc;
	build_where(q, &w, is_pg(s));
	buf_init(&sql, 2048);
	buf_addf(&sql, "SELECT count(*) FROM findings f WHERE %s", w.sql.ptr);
	rc = run_sql(s, sql.ptr, &w, 0, 0, NULL, NULL, n, e);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc;
}

int finding_query_run(struct store *s, const struct finding_query *q,
		      int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e)
{
	struct where w;
	struct buf sql;
	int rc;

	if ((rc = finding_query_check(q, e)))
		return rc;
	build_where(q, &w, is_pg(s));
	buf_init(&sql, 4096);
	buf_addf(&sql, "SELECT " ROW_COLS " FROM findings f WHERE %s ORDER BY %s%s%s", w.sql.ptr,
		 q->by_org ? "f.org_slug, f.state DESC, " : "", order_of(q),
		 q->limit > 0 ? " LIMIT ? OFFSET ?" : "");
	rc = run_sql(s, sql.ptr, &w, q->limit, q->offset, fn, arg, NULL, e);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc;
}

/* One pass over the search term's trigram candidates (rowid order), each confirmed by q's
 * filters and LIKE, stopping after cap + 1: ids->n matching ids when there are at most cap
 * (ids->broad false), else ids->broad (a common term). *use is false, and nothing is read, when
 * the index does not apply (a short term, a CVE id, PostgreSQL). */
static int search_probe(struct store *s, const struct finding_query *q, int64_t cap,
			struct search_ids *ids, bool *use, struct merr *e)
{
	static const struct search_ids like_only = {.broad = true};
	struct where w, *wc = NULL;
	struct buf sql;
	struct store_stmt *st = NULL;
	int rc;

	memset(ids, 0, sizeof(*ids));
	*use = set(q->search) && !cve_like(q->search) && !is_pg(s) &&
	       utf8_chars(q->search) >= SEARCH_INDEX_MIN && cap > 0;
	if (!*use)
		return 0;
	build_where_ids(q, &w, false, &like_only);
	buf_init(&sql, 4096);
	buf_addf(&sql,
		 "SELECT f.id FROM findings_fts JOIN findings f ON f.id = findings_fts.rowid "
		 "WHERE findings_fts MATCH ? AND %s LIMIT %lld",
		 w.sql.ptr, (long long)cap + 1);
	if (!(wc = m_calloc(1, sizeof(*wc))) ||
	    !(ids->id = m_calloc((size_t)cap + 1, sizeof(*ids->id)))) {
		rc = merr_set(e, M_ENOMEM, "search candidates");
		goto out;
	}
	wc->bind[0] = w_phrase(wc, q->search);
	memcpy(&wc->bind[1], w.bind, sizeof(w.bind[0]) * (size_t)w.n);
	if ((rc = store_prepare(s, sql.ptr, &st, e)))
		goto out;
	for (int i = 0; i <= w.n; i++)
		stmt_bind_text(st, i + 1, wc->bind[i]);
	while ((rc = stmt_step(st, e)) == 1 && ids->n <= (size_t)cap)
		ids->id[ids->n++] = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc >= 0 && ids->n > (size_t)cap) {
		ids->broad = true;
		ids->n = 0;
	}
out:
	if (rc < 0) {
		m_free(ids->id);
		ids->id = NULL;
	}
	m_free(wc);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc < 0 ? rc : 0;
}

int finding_query_page(struct store *s, const struct finding_query *q, int64_t cap, int64_t *total,
		       bool *capped, int (*fn)(void *arg, const struct finding_row *r), void *arg,
		       struct merr *e)
{
	struct search_ids ids;
	struct where w;
	struct buf sql;
	bool use = false;
	int rc;

	*total = 0;
	*capped = false;
	if ((rc = finding_query_check(q, e)) || (rc = search_probe(s, q, cap, &ids, &use, e)))
		return rc;
	build_where_ids(q, &w, is_pg(s), use ? &ids : NULL);
	buf_init(&sql, 4096 + 24 * ids.n);
	if (use && ids.broad) {
		/* a common term: more than cap rows ("1,000+") */
		*total = cap;
		*capped = true;
	} else if (use) {
		*total = (int64_t)ids.n; /* the probe confirmed each: exact */
	} else {
		buf_addf(&sql, "SELECT count(*) FROM findings f WHERE %s", w.sql.ptr);
		rc = run_sql(s, sql.ptr, &w, 0, 0, NULL, NULL, total, e);
		buf_reset(&sql);
	}
	if (rc == 0) {
		/* the page: in the sort's order; a common term walks it (its index where there is
		 * one) with the LIKE confirming each row and stops when the page is full; a
		 * selective one sorts its few ids */
		buf_addf(&sql, "SELECT " ROW_COLS " FROM findings f WHERE %s ORDER BY %s%s%s",
			 w.sql.ptr, q->by_org ? "f.org_slug, f.state DESC, " : "", order_of(q),
			 q->limit > 0 ? " LIMIT ? OFFSET ?" : "");
		rc = run_sql(s, sql.ptr, &w, q->limit, q->offset, fn, arg, NULL, e);
	}
	buf_release(&sql);
	buf_release(&w.sql);
	m_free(ids.id);
	return rc;
}

int finding_priority(struct store *s, const char *org, int64_t limit,
		     int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e)
{
	struct finding_query q = {.org = org, .open_only = true, .limit = limit};

	if (!org || !org[0])
		return merr_set(e, M_EINVAL, "no organisation");
	return finding_query_run(s, &q, fn, arg, e);
}

int finding_first_per_org(struct store *s, const char *org, const char *sector,
			  int (*fn)(void *arg, const struct finding_row *r), void *arg,
			  struct merr *e)
{
	struct finding_query q = {.org = org, .sector = sector, .open_only = true};
	struct where w;
	struct buf sql;
	int rc;

	build_where(&q, &w, is_pg(s));
	buf_init(&sql, 4096);
	/* The window sorts only ids and the order's columns, read from the covering index of
	 * migration 0536; the wide rows (reasons, evidence) are read for the winners only. It
	 * sorted every open finding's whole row and took 2 s of the dashboard over 100,000. */
	buf_addf(&sql,
		 "SELECT " ROW_COLS " FROM findings f JOIN (SELECT f.id, row_number() OVER "
		 "(PARTITION BY f.org_slug ORDER BY %s) AS rn FROM findings f WHERE %s) p ON "
		 "p.id = f.id AND p.rn = 1 ORDER BY f.org_slug",
		 FINDING_PRIO_ORDER("f."), w.sql.ptr);
	rc = run_sql(s, sql.ptr, &w, 0, 0, fn, arg, NULL, e);
	buf_release(&sql);
	buf_release(&w.sql);
	return rc;
}

int finding_list(struct store *s, const struct finding_filter *f,
		 int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e)
{
	struct finding_query q = {.org = f->org,
				  .kind = f->kind,
				  .kev_only = f->kev_only,
				  .open_only = f->open_only,
				  .by_org = true};

	return finding_query_run(s, &q, fn, arg, e);
}

cJSON *finding_row_json(const struct finding_row *r)
{
	static const char *const tiers[] = {"kev-exposed", "exposed", "declared", "to-confirm"};
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "org", r->org);
	cJSON_AddStringToObject(o, "asset", r->asset);
	cJSON_AddStringToObject(o, "issue", r->issue_key);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddStringToObject(o, "state", r->state);
	cJSON_AddStringToObject(o, "severity", r->severity);
	cJSON_AddStringToObject(o, "title", r->title);
	json_add_str(o, "cve", r->cve_id);
	json_add_str(o, "confidence", r->confidence);
	cJSON_AddBoolToObject(o, "needs_confirmation", r->needs_confirmation);
	cJSON_AddStringToObject(o, "priority_tier", tiers[finding_row_tier(r)]);
	cJSON_AddBoolToObject(o, "kev", r->kev);
	json_add_str(o, "kev_due_date", r->kev_due_date);
	json_add_str(o, "urgency", r->urgency);
	json_add_str(o, "ssvc_decision", r->ssvc_decision);
	json_add_str(o, "bod_timeline", r->bod_timeline);
	if (r->cvss >= 0)
		cJSON_AddNumberToObject(o, "cvss", r->cvss);
	else
		cJSON_AddNullToObject(o, "cvss");
	if (r->epss >= 0)
		cJSON_AddNumberToObject(o, "epss", r->epss);
	else
		cJSON_AddNullToObject(o, "epss");
	json_add_time(o, "deadline", r->deadline);
	json_add_time(o, "first_seen", r->first_seen);
	json_add_time(o, "last_seen", r->last_seen);
	json_add_time(o, "fixed_at", r->fixed_at);
	cJSON_AddBoolToObject(o, "reopened", r->reopened);
	json_add_str(o, "triage", r->triage);
	json_add_time(o, "triage_until", r->triage_until);
	json_add_str(o, "assignee", r->assignee);
	return o;
}

static int add_events(struct store *s, int64_t id, cJSON *o, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *a = cJSON_AddArrayToObject(o, "events");
	int rc = store_prepare(
	    s, "SELECT at, event, detail FROM finding_events WHERE finding_id = ? ORDER BY id", &st,
	    e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *ev = cJSON_CreateObject();
		json_add_time(ev, "at", stmt_int64(st, 0));
		cJSON_AddStringToObject(ev, "event", stmt_text(st, 1));
		json_add_str(ev, "detail", stmt_text(st, 2));
		cJSON_AddItemToArray(a, ev);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Comments and the triage log of a finding (who changed what, when). */
static int add_triage(struct store *s, int64_t id, cJSON *o, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *a = cJSON_AddArrayToObject(o, "comments");
	int rc = store_prepare(s,
			       "SELECT at, author, body FROM finding_comments WHERE finding_id = ? "
			       "ORDER BY at, id",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *c = cJSON_CreateObject();
		json_add_time(c, "at", stmt_int64(st, 0));
		json_add_str(c, "author", stmt_text(st, 1));
		json_add_str(c, "body", stmt_text(st, 2));
		cJSON_AddItemToArray(a, c);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	a = cJSON_AddArrayToObject(o, "triage_log");
	if ((rc = store_prepare(s,
				"SELECT at, actor, field, old, new, note FROM finding_triage_log "
				"WHERE finding_id = ? ORDER BY at, id",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *c = cJSON_CreateObject();
		json_add_time(c, "at", stmt_int64(st, 0));
		json_add_str(c, "actor", stmt_text(st, 1));
		json_add_str(c, "field", stmt_text(st, 2));
		json_add_str(c, "old", stmt_text(st, 3));
		json_add_str(c, "new", stmt_text(st, 4));
		json_add_str(c, "note", stmt_text(st, 5));
		cJSON_AddItemToArray(a, c);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static void add_json_text(cJSON *o, const char *k, const char *txt)
{
	cJSON *v = txt ? cJSON_Parse(txt) : NULL;
	if (v)
		cJSON_AddItemToObject(o, k, v);
	else
		json_add_str(o, k, txt);
}

int finding_get_json_in(struct store *s, int64_t id, const char *org, const char *sector,
			cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct finding_row r;
	cJSON *o = NULL;
	int rc = store_prepare(s,
			       "SELECT " ROW_COLS
			       ", f.reasons, f.evidence, f.cvss_vector, f.kev_date_added "
			       "FROM findings f WHERE f.id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR "
			       "f.org_slug = ?2) AND (CAST(?3 AS TEXT) IS "
			       "NULL OR f.org_slug IN (SELECT slug FROM orgs WHERE sector = ?3))",
			       &st, e);

	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, org);
	stmt_bind_text(st, 3, sector);
	rc = stmt_step(st, e);
	if (rc == 1) {
		fill_row(st, &r);
		o = finding_row_json(&r);
		add_json_text(o, "reasons", stmt_text(st, ROW_N));
		add_json_text(o, "evidence", stmt_text(st, ROW_N + 1));
		json_add_str(o, "cvss_vector", stmt_text(st, ROW_N + 2));
		json_add_str(o, "kev_date_added", stmt_text(st, ROW_N + 3));
		json_add_str(o, "ip", r.ip);
		if (r.port)
			cJSON_AddNumberToObject(o, "port", r.port);
		else
			cJSON_AddNullToObject(o, "port");
		json_add_str(o, "proto", r.proto);
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "指摘 %lld はありません / no finding %lld",
			      (long long)id, (long long)id);
	}
	stmt_finalize(st);
	if (rc == 0)
		rc = add_events(s, id, o, e);
	if (rc == 0)
		rc = add_triage(s, id, o, e);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}

int finding_get_json(struct store *s, int64_t id, cJSON **out, struct merr *e)
{
	return finding_get_json_in(s, id, NULL, NULL, out, e);
}
