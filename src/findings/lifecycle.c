/* lifecycle.c - candidate sets and the lifecycle writer: open new findings, reopen fixed
 * ones, close open ones a covering run no longer sees, each change with an event row. */
#include "base/compat.h"

#include "base/mem.h"
#include "findings/findings.h"

/* A finding fixed longer ago than this counts as a new detection when it comes back
 * (CyHy ticket_manager reopen_days = 90): first_seen restarts, so its deadline does too. */
#define REOPEN_KEEP_SECONDS (90 * 86400LL)

static const char *const source_names[FINDING_SRC_N] = {"network", "declared", "email"};

void finding_set_init(struct finding_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void cand_release(struct finding_cand *c)
{
	char **fields[] = {&c->asset,	    &c->issue_key,	&c->kind,
			   &c->severity,    &c->title,		&c->ip,
			   &c->proto,	    &c->cve_id,		&c->confidence,
			   &c->cvss_vector, &c->kev_date_added, &c->kev_due_date,
			   &c->urgency,	    &c->ssvc_decision,	&c->bod_timeline,
			   &c->reasons,	    &c->evidence};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		m_free(*fields[i]);
		*fields[i] = NULL;
	}
}

void finding_set_release(struct finding_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		cand_release(&s->v[i]);
	m_free(s->v);
	finding_set_init(s);
}

struct finding_cand *finding_set_add(struct finding_set *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct finding_cand *v = m_realloc(s->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	s->v[s->n].cvss = s->v[s->n].epss = -1;
	s->v[s->n].deadline_days = -1;
	return &s->v[s->n++];
}

int finding_cand_set(char **field, const char *v)
{
	m_free(*field);
	*field = NULL;
	if (!v)
		return 0;
	*field = m_strdup(v);
	return *field ? 0 : M_ENOMEM;
}

static void bind_opt_text(struct store_stmt *st, int i, const char *v)
{
	stmt_bind_text(st, i, v);
}

static void bind_opt_double(struct store_stmt *st, int i, double v)
{
	if (v >= 0)
		stmt_bind_double(st, i, v);
	else
		stmt_bind_null(st, i);
}

static int add_event(struct store *s, int64_t id, int64_t at, const char *ev, const char *detail,
		     struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s, "INSERT INTO finding_events (finding_id, at, event, detail) VALUES (?, ?, ?, ?)",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, at);
	stmt_bind_text(st, 3, ev);
	bind_opt_text(st, 4, detail);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The columns every write sets from a candidate, bound from index `i`. */
#define FACT_COLS                                                                                  \
	"kind, source, ip, port, proto, severity, title, cve_id, confidence, needs_confirmation, " \
	"cvss, cvss_vector, epss, kev, kev_date_added, kev_due_date, kev_ransomware, urgency, "    \
	"ssvc_decision, bod_timeline, reasons, evidence"
#define FACT_N 22

static void bind_facts(struct store_stmt *st, int i, const struct finding_cand *c)
{
	stmt_bind_text(st, i++, c->kind);
	stmt_bind_text(st, i++, source_names[c->source]);
	bind_opt_text(st, i++, c->ip);
	if (c->port > 0)
		stmt_bind_int64(st, i++, c->port);
	else
		stmt_bind_null(st, i++);
	bind_opt_text(st, i++, c->proto);
	stmt_bind_text(st, i++, c->severity);
	stmt_bind_text(st, i++, c->title);
	bind_opt_text(st, i++, c->cve_id);
	bind_opt_text(st, i++, c->confidence);
	stmt_bind_int64(st, i++, c->needs_confirmation);
	bind_opt_double(st, i++, c->cvss);
	bind_opt_text(st, i++, c->cvss_vector);
	bind_opt_double(st, i++, c->epss);
	stmt_bind_int64(st, i++, c->kev);
	bind_opt_text(st, i++, c->kev_date_added);
	bind_opt_text(st, i++, c->kev_due_date);
	stmt_bind_int64(st, i++, c->kev_ransomware);
	bind_opt_text(st, i++, c->urgency);
	bind_opt_text(st, i++, c->ssvc_decision);
	bind_opt_text(st, i++, c->bod_timeline);
	bind_opt_text(st, i++, c->reasons);
	bind_opt_text(st, i++, c->evidence);
}

static int insert_new(struct store *s, const char *org, const struct finding_cand *c, int64_t now,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t seen = c->seen_at ? c->seen_at : now, id = 0;
	int rc =
	    store_prepare(s,
			  "INSERT INTO findings (org_slug, asset, issue_key, state, first_seen, "
			  "last_seen, deadline, " FACT_COLS ") VALUES (?, ?, ?, 'open', ?, ?, ?, "
			  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			  "RETURNING id",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, c->asset);
	stmt_bind_text(st, 3, c->issue_key);
	stmt_bind_int64(st, 4, seen);
	stmt_bind_int64(st, 5, seen);
	if (c->deadline_days >= 0)
		stmt_bind_int64(st, 6, seen + (int64_t)c->deadline_days * 86400);
	else
		stmt_bind_null(st, 6);
	bind_facts(st, 7, c);
	rc = stmt_step(st, e);
	if (rc == 1)
		id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return add_event(s, id, now, "opened", c->title, e);
}

struct existing {
	int64_t id, first_seen, last_seen, fixed_at;
	bool open, kev;
	char urgency[16], severity[16], confidence[32];
};

static int find_existing(struct store *s, const char *org, const struct finding_cand *c,
			 struct existing *x, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT id, state, first_seen, last_seen, fixed_at, kev, urgency, "
			  "severity, confidence FROM findings WHERE org_slug = ? AND asset = ? "
			  "AND issue_key = ?",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, c->asset);
	stmt_bind_text(st, 3, c->issue_key);
	rc = stmt_step(st, e);
	if (rc == 1) {
		x->id = stmt_int64(st, 0);
		x->open = !strcmp(stmt_text(st, 1), "open");
		x->first_seen = stmt_int64(st, 2);
		x->last_seen = stmt_int64(st, 3);
		x->fixed_at = stmt_int64(st, 4);
		x->kev = stmt_int64(st, 5) != 0;
		snprintf(x->urgency, sizeof(x->urgency), "%s",
			 stmt_text(st, 6) ? stmt_text(st, 6) : "");
		snprintf(x->severity, sizeof(x->severity), "%s", stmt_text(st, 7));
		snprintf(x->confidence, sizeof(x->confidence), "%s",
			 stmt_text(st, 8) ? stmt_text(st, 8) : "");
	}
	stmt_finalize(st);
	return rc;
}

/* Updates the facts of an existing finding; reopen says it was fixed. */
static int update_existing(struct store *s, const struct existing *x, const struct finding_cand *c,
			   int64_t now, bool reopen, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t seen = c->seen_at ? c->seen_at : now;
	int64_t first = x->first_seen;
	int rc;

	if (reopen && x->fixed_at && now - x->fixed_at > REOPEN_KEEP_SECONDS)
		first = seen;
	if (seen < x->last_seen)
		seen = x->last_seen;
	rc = store_prepare(s,
			   "UPDATE findings SET state = 'open', fixed_at = NULL, first_seen = ?, "
			   "last_seen = ?, deadline = ?, reopened = reopened + ?, (" FACT_COLS
			   ") = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "WHERE id = ?",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, first);
	stmt_bind_int64(st, 2, seen);
	if (c->deadline_days >= 0)
		stmt_bind_int64(st, 3, first + (int64_t)c->deadline_days * 86400);
	else
		stmt_bind_null(st, 3);
	stmt_bind_int64(st, 4, reopen ? 1 : 0);
	bind_facts(st, 5, c);
	stmt_bind_int64(st, 5 + FACT_N, x->id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* A change worth an event: KEV flag, urgency, severity or confidence moved. */
static int note_change(struct store *s, const struct existing *x, const struct finding_cand *c,
		       int64_t now, bool *changed, struct merr *e)
{
	char d[256];
	const char *u = c->urgency ? c->urgency : "", *cf = c->confidence ? c->confidence : "";

	*changed = false;
	if (x->kev == c->kev && !strcmp(x->urgency, u) && !strcmp(x->severity, c->severity) &&
	    !strcmp(x->confidence, cf))
		return 0;
	*changed = true;
	snprintf(d, sizeof(d), "kev %d->%d, urgency %s->%s, severity %s->%s, confidence %s->%s",
		 x->kev, c->kev, x->urgency, u, x->severity, c->severity, x->confidence, cf);
	return add_event(s, x->id, now, "changed", d, e);
}

static int apply_one(struct store *s, const char *org, const struct finding_cand *c, int64_t now,
		     struct finding_stats *st, struct merr *e)
{
	struct existing x = {0};
	bool changed = false;
	int rc = find_existing(s, org, c, &x, e);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		st->opened++;
		return insert_new(s, org, c, now, e);
	}
	if (x.open && (rc = note_change(s, &x, c, now, &changed, e)))
		return rc;
	st->changed += changed;
	if ((rc = update_existing(s, &x, c, now, !x.open, e)))
		return rc;
	if (x.open)
		return 0;
	st->reopened++;
	return add_event(s, x.id, now, "reopened", c->title, e);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted "asset\x1fissue_key" keys of the set, for the sweep. */
static char **set_keys(const struct finding_set *set)
{
	char **k = m_calloc(set->n + 1, sizeof(*k));
	if (!k)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		size_t len = strlen(set->v[i].asset) + strlen(set->v[i].issue_key) + 2;
		if (!(k[i] = m_malloc(len))) {
			for (size_t j = 0; j < i; j++)
				m_free(k[j]);
			m_free(k);
			return NULL;
		}
		snprintf(k[i], len, "%s\x1f%s", set->v[i].asset, set->v[i].issue_key);
	}
	qsort(k, set->n, sizeof(*k), cmp_key);
	return k;
}

static void free_keys(char **k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		m_free(k[i]);
	m_free(k);
}

static int fix_one(struct store *s, int64_t id, int64_t now, const char *why, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "UPDATE findings SET state = 'fixed', fixed_at = ? WHERE id = ?",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return add_event(s, id, now, "fixed", why, e);
}

/* Closes the open findings of covered sources that the set does not hold. */
static int sweep(struct store *s, const char *org, const struct finding_set *set,
		 const struct finding_cover *cover, int64_t now, struct finding_stats *st,
		 struct merr *e)
{
	struct store_stmt *q = NULL;
	char **keys = set_keys(set), key[1200];
	struct {
		int64_t id;
		size_t src;
	} *ids = NULL;
	size_t n_ids = 0, cap = 0;
	int rc;

	if (!keys)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(s,
			   "SELECT id, asset, issue_key, source FROM findings WHERE org_slug = ? "
			   "AND state = 'open' ORDER BY id",
			   &q, e);
	if (rc) {
		free_keys(keys, set->n);
		return rc;
	}
	stmt_bind_text(q, 1, org);
	while ((rc = stmt_step(q, e)) == 1) {
		const char *src = stmt_text(q, 3), *kp = key;
		size_t si = 0;
		while (si < FINDING_SRC_N && strcmp(source_names[si], src))
			si++;
		if (si == FINDING_SRC_N || !cover->covered[si])
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", stmt_text(q, 1), stmt_text(q, 2));
		if (bsearch(&kp, keys, set->n, sizeof(*keys), cmp_key))
			continue;
		if (n_ids == cap) {
			void *v = m_realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*ids));
			if (!v) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			ids = v;
		}
		ids[n_ids].id = stmt_int64(q, 0);
		ids[n_ids++].src = si;
	}
	stmt_finalize(q);
	if (rc > 0)
		rc = 0;
	for (size_t i = 0; rc == 0 && i < n_ids; i++) {
		char why[200];
		snprintf(why, sizeof(why), "最新の診断で未検出 / not seen by %s",
			 cover->why[ids[i].src][0] ? cover->why[ids[i].src]
						   : source_names[ids[i].src]);
		rc = fix_one(s, ids[i].id, now, why, e);
		st->fixed++;
	}
	m_free(ids);
	free_keys(keys, set->n);
	return rc;
}

int finding_apply(struct store *s, const char *org, const struct finding_set *set,
		  const struct finding_cover *cover, int64_t now, struct finding_stats *st,
		  struct merr *e)
{
	int64_t open = 0;
	struct store_stmt *q = NULL;
	int rc = store_begin_immediate(s, e);

	memset(st, 0, sizeof(*st));
	st->candidates = (long)set->n;
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < set->n; i++)
		rc = apply_one(s, org, &set->v[i], now, st, e);
	if (rc == 0)
		rc = sweep(s, org, set, cover, now, st, e);
	if (rc == 0)
		rc = finding_triage_after_apply(s, org, now, e);
	if (rc == 0)
		rc = store_prepare(
		    s, "SELECT count(*) FROM findings WHERE org_slug = ? AND state = 'open'", &q,
		    e);
	if (rc == 0) {
		stmt_bind_text(q, 1, org);
		if ((rc = stmt_step(q, e)) == 1) {
			open = stmt_int64(q, 0);
			rc = 0;
		}
		stmt_finalize(q);
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	st->still_open = (long)open - st->opened - st->reopened;
	return store_commit(s, e);
}
