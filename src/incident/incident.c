/*
 * incident.c - filing reports (every version kept), listing and showing incidents, the
 * hash-chained timeline of incident and case events.
 */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "incident/incident_int.h"

int inc_tlp_rank(const char *tlp)
{
	for (int i = 0; inc_tlps[i]; i++)
		if (tlp && !strcmp(tlp, inc_tlps[i]))
			return i;
	return -1;
}

int inc_audit(const struct inc_ctx *c, const char *action, const char *object, const char *detail,
	      struct merr *e)
{
	return auth_audit(c->s, c->actor, action, object, detail, c->now, e);
}

/* ------------------------------------------------------------ timeline chain */

/* The chained fields of one timeline row, in order: id, incident, case, at, actor, kind,
 * visibility, detail (an absent incident or case is 0). */
#define EVENT_FIELDS(id, inc, cas, at, actor, kind, vis, detail)                                 \
	{                                                                                        \
		CHAIN_INT(id), CHAIN_INT(inc), CHAIN_INT(cas), CHAIN_INT(at), CHAIN_TEXT(actor), \
		    CHAIN_TEXT(kind), CHAIN_TEXT(vis), CHAIN_TEXT(detail)                        \
	}

int inc_event(const struct inc_ctx *c, int64_t incident_id, int64_t case_id, const char *kind,
	      bool internal, const char *detail, struct merr *e)
{
	struct store_stmt *st = NULL;
	char prev[CHAIN_HEX], h[CHAIN_HEX];
	const char *vis = internal ? "internal" : "shared";
	int64_t id = 1;
	int rc;

	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = store_prepare(
		 c->s, "SELECT id, hash FROM incident_events ORDER BY id DESC LIMIT 1", &st, e)))
		goto fail;
	rc = stmt_step(st, e);
	snprintf(prev, sizeof(prev), "%s", rc == 1 ? stmt_text(st, 1) : CHAIN_GENESIS);
	if (rc == 1)
		id = stmt_int64(st, 0) + 1;
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	{
		const struct chain_field f[] =
		    EVENT_FIELDS(id, incident_id, case_id, c->now, c->actor, kind, vis, detail);
		if ((rc = chain_hash_row(NULL, prev, f, ARRAY_SIZE(f), h)))
			goto fail;
	}
	if ((rc = store_prepare(
		 c->s,
		 "INSERT INTO incident_events (id, incident_id, case_id, at, actor, "
		 "kind, visibility, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, "
		 "?, ?, ?, ?)",
		 &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	if (incident_id)
		stmt_bind_int64(st, 2, incident_id);
	else
		stmt_bind_null(st, 2);
	if (case_id)
		stmt_bind_int64(st, 3, case_id);
	else
		stmt_bind_null(st, 3);
	stmt_bind_int64(st, 4, c->now);
	stmt_bind_text(st, 5, c->actor);
	stmt_bind_text(st, 6, kind);
	stmt_bind_text(st, 7, vis);
	stmt_bind_text(st, 8, detail);
	stmt_bind_text(st, 9, prev);
	stmt_bind_text(st, 10, h);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

int inc_events_verify(struct store *s, struct chain_verify *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct chain_walk w;
	int rc;

	if (chain_walk_begin(&w, r, false))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = store_prepare(s,
				"SELECT id, incident_id, case_id, at, actor, kind, visibility, "
				"detail, prev_hash, hash FROM incident_events ORDER BY id",
				&st, e))) {
		chain_walk_end(&w);
		return rc;
	}
	while ((rc = stmt_step(st, e)) == 1) {
		const struct chain_field f[] = EVENT_FIELDS(
		    stmt_int64(st, 0), stmt_int64(st, 1), stmt_int64(st, 2), stmt_int64(st, 3),
		    stmt_text(st, 4), stmt_text(st, 5), stmt_text(st, 6), stmt_text(st, 7));
		if ((rc = chain_walk_row(&w, stmt_int64(st, 0), stmt_text(st, 8), stmt_text(st, 9),
					 f, ARRAY_SIZE(f))) != 1)
			break;
	}
	stmt_finalize(st);
	chain_walk_end(&w);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ filing */

int inc_org_of(struct store *s, int64_t id, char *org, size_t cap, struct merr *e)
{
	return inc_org_of_run(s, id, 0, org, cap, e);
}

int inc_org_of_run(struct store *s, int64_t id, int64_t run, char *org, size_t cap, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT o.slug FROM incidents i JOIN orgs o ON o.id = i.org_id "
			       "WHERE i.id = ? AND i.exercise_run IS NOT DISTINCT FROM ?",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	if (run)
		stmt_bind_int64(st, 2, run);
	else
		stmt_bind_null(st, 2);
	rc = stmt_step(st, e);
	if (rc == 1)
		snprintf(org, cap, "%s", stmt_text(st, 0));
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no incident %lld / インシデントがありません",
				(long long)id);
	return rc < 0 ? rc : 0;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Looks an id up with one text/int parameter pair; 0 when none. */
static int lookup(struct store *s, const char *sql, int64_t a, const char *b, const char *c3,
		  int64_t d, int64_t *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	*out = 0;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, a);
	stmt_bind_text(st, 2, b);
	if (c3)
		stmt_bind_text(st, 3, c3);
	if (d)
		stmt_bind_int64(st, 4, d);
	rc = stmt_step(st, e);
	if (rc == 1)
		*out = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int add_affected(const struct inc_ctx *c, int64_t id, int seq, int64_t org_id,
			const char *org, const cJSON *a, struct merr *e)
{
	const char *asset = jstr(a, "asset"), *svc = jstr(a, "service");
	int64_t asset_id = 0, svc_id = 0;
	struct store_stmt *st = NULL;
	int rc;

	if (asset && (rc = lookup(c->s,
				  "SELECT id FROM assets WHERE org_id = ? AND lower(value) = "
				  "lower(?) AND status = 'confirmed' ORDER BY id LIMIT 1",
				  org_id, asset, NULL, 0, &asset_id, e)))
		return rc;
	if (svc) {
		char host[80], proto[8] = "tcp";
		const char *colon = strrchr(svc, ':'), *slash = strchr(colon, '/');
		long port = strtol(colon + 1, NULL, 10);
		size_t hl = (size_t)(colon - svc);

		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, svc, hl);
		host[hl] = '\0';
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		if (slash)
			snprintf(proto, sizeof(proto), "%s", slash + 1);
		if ((rc = store_prepare(c->s,
					"SELECT id FROM services WHERE org_slug = ? AND ip = ? AND "
					"port = ? AND proto = ?",
					&st, e)))
			return rc;
		stmt_bind_text(st, 1, org);
		stmt_bind_text(st, 2, host);
		stmt_bind_int64(st, 3, port);
		stmt_bind_text(st, 4, proto);
		rc = stmt_step(st, e);
		if (rc == 1)
			svc_id = stmt_int64(st, 0);
		stmt_finalize(st);
		if (rc < 0)
			return rc;
	}
	if ((rc = store_prepare(c->s,
				"INSERT INTO incident_affected (incident_id, seq, name, asset, "
				"service, asset_id, service_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, seq);
	stmt_bind_text(st, 3, jstr(a, "name"));
	stmt_bind_text(st, 4, asset);
	stmt_bind_text(st, 5, svc);
	if (asset_id)
		stmt_bind_int64(st, 6, asset_id);
	else
		stmt_bind_null(st, 6);
	if (svc_id)
		stmt_bind_int64(st, 7, svc_id);
	else
		stmt_bind_null(st, 7);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int add_regime(const struct inc_ctx *c, int64_t id, const char *name, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(c->s,
			       "INSERT OR IGNORE INTO incident_regimes (incident_id, regime, "
			       "added_at, added_by) VALUES (?, ?, ?, ?)",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, name);
	stmt_bind_int64(st, 3, c->now);
	stmt_bind_text(st, 4, c->actor);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool in_list(const char (*v)[32], size_t n, const char *x)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (x && !strcmp(v[i], x))
			return true;
	return false;
}

static int default_regimes(const struct inc_ctx *c, int64_t id, const char *sector,
			   const char *type, struct merr *e)
{
	const struct inc_regimes *t = c->regimes;
	int rc;

	for (size_t i = 0; t && i < t->n_defaults; i++) {
		const struct inc_default *d = &t->d[i];
		if (!in_list(d->sectors, d->n_sectors, sector) ||
		    !in_list(d->types, d->n_types, type))
			continue;
		for (size_t j = 0; j < d->n_regimes; j++)
			if ((rc = add_regime(c, id, d->regimes[j], e)))
				return rc;
	}
	return 0;
}

int inc_file(const struct inc_ctx *c, const char *org, const struct inc_report *r, int64_t *id,
	     int *seq, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t org_id = 0, inc = r->incident, old_aware = 0;
	char sector[40] = "", *body = NULL, last_kind[16] = "";
	const cJSON *it;
	int rc, n = 0;

	*id = 0;
	*seq = 0;
	/* regimes named in the file must be in the table */
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->doc, "regimes"))
	{
		if (!c->regimes || !inc_regime_find(c->regimes, it->valuestring))
			return merr_at(e, M_EINVAL, NULL, -1, -1, "regimes",
				       "unknown regime '%s' (see `mamori incident regimes`)",
				       it->valuestring);
	}
	if (!(body = cJSON_PrintUnformatted(r->doc)))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = store_begin_immediate(c->s, e))) {
		cJSON_free(body);
		return rc;
	}
	if ((rc = store_prepare(c->s, "SELECT id, sector FROM orgs WHERE slug = ?", &st, e)))
		goto fail;
	stmt_bind_text(st, 1, org);
	rc = stmt_step(st, e);
	if (rc == 1) {
		org_id = stmt_int64(st, 0);
		snprintf(sector, sizeof(sector), "%s", stmt_text(st, 1) ? stmt_text(st, 1) : "");
	}
	stmt_finalize(st);
	if (rc <= 0) {
		rc = rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no organisation '%s'", org);
		goto fail;
	}
	if (inc) {
		if ((rc = store_prepare(
			 c->s,
			 "SELECT versions, last_kind, aware_at FROM incidents WHERE id "
			 "= ? AND org_id = ? AND exercise_run IS NOT DISTINCT FROM ?",
			 &st, e)))
			goto fail;
		stmt_bind_int64(st, 1, inc);
		stmt_bind_int64(st, 2, org_id);
		if (c->exercise_run)
			stmt_bind_int64(st, 3, c->exercise_run);
		else
			stmt_bind_null(st, 3);
		rc = stmt_step(st, e);
		if (rc == 1) {
			n = (int)stmt_int64(st, 0);
			snprintf(last_kind, sizeof(last_kind), "%s", stmt_text(st, 1));
			old_aware = stmt_int64(st, 2);
		}
		stmt_finalize(st);
		if (rc <= 0) {
			rc = rc < 0
				 ? rc
				 : merr_set(e, M_ENOTFOUND,
					    "no incident %lld of '%s' / インシデントがありません",
					    (long long)inc, org);
			goto fail;
		}
		if (!strcmp(last_kind, "final")) {
			rc = merr_set(e, M_EINVAL,
				      "incident %lld has its 最終報 (final report) already",
				      (long long)inc);
			goto fail;
		}
		if ((rc =
			 store_prepare(c->s,
				       "UPDATE incidents SET title = ?, type = ?, occurred_at = ?, "
				       "aware_at = ?, versions = versions + 1, last_kind = ?, "
				       "state = ?, updated_at = ? WHERE id = ?",
				       &st, e)))
			goto fail;
		stmt_bind_text(st, 1, r->title);
		stmt_bind_text(st, 2, r->type);
		stmt_bind_int64(st, 3, r->occurred_at);
		stmt_bind_int64(st, 4, r->aware_at);
		stmt_bind_text(st, 5, inc_kind_name(r->kind));
		stmt_bind_text(st, 6, r->kind == INC_FINAL ? "closed" : "open");
		stmt_bind_int64(st, 7, c->now);
		stmt_bind_int64(st, 8, inc);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
	} else {
		if ((rc = store_prepare(
			 c->s,
			 "INSERT INTO incidents (org_id, title, type, occurred_at, "
			 "aware_at, versions, last_kind, created_at, updated_at, exercise_run) "
			 "VALUES (?, ?, ?, ?, ?, 1, 'initial', ?, ?, ?) RETURNING id",
			 &st, e)))
			goto fail;
		stmt_bind_int64(st, 1, org_id);
		stmt_bind_text(st, 2, r->title);
		stmt_bind_text(st, 3, r->type);
		stmt_bind_int64(st, 4, r->occurred_at);
		stmt_bind_int64(st, 5, r->aware_at);
		stmt_bind_int64(st, 6, c->now);
		stmt_bind_int64(st, 7, c->now);
		if (c->exercise_run)
			stmt_bind_int64(st, 8, c->exercise_run);
		else
			stmt_bind_null(st, 8);
		rc = stmt_step(st, e);
		if (rc == 1)
			inc = stmt_int64(st, 0);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
		if ((rc = default_regimes(c, inc, sector, r->type, e)))
			goto fail;
	}
	n++;
	if ((rc = store_prepare(c->s,
				"INSERT INTO incident_versions (incident_id, seq, kind, filed_at, "
				"filed_by, body) VALUES (?, ?, ?, ?, ?, ?)",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, inc);
	stmt_bind_int64(st, 2, n);
	stmt_bind_text(st, 3, inc_kind_name(r->kind));
	stmt_bind_int64(st, 4, c->now);
	stmt_bind_text(st, 5, c->actor);
	stmt_bind_text(st, 6, body);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->doc, "regimes"))
	{
		if ((rc = add_regime(c, inc, it->valuestring, e)))
			goto fail;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->doc, "affected"))
	{
		if ((rc = add_affected(c, inc, n, org_id, org, it, e)))
			goto fail;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->doc, "iocs"))
	{
		if ((rc = store_prepare(c->s,
					"INSERT INTO incident_iocs (incident_id, seq, type, value, "
					"tlp, note) VALUES (?, ?, ?, ?, ?, ?)",
					&st, e)))
			goto fail;
		stmt_bind_int64(st, 1, inc);
		stmt_bind_int64(st, 2, n);
		stmt_bind_text(st, 3, jstr(it, "type"));
		stmt_bind_text(st, 4, jstr(it, "value"));
		stmt_bind_text(st, 5, jstr(it, "tlp"));
		stmt_bind_text(st, 6, jstr(it, "note"));
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
	}
	{
		char reason[96], d[200], obj[48];
		snprintf(reason, sizeof(reason), "%s filed / %s", inc_kind_ja(r->kind),
			 inc_kind_name(r->kind));
		if (old_aware && old_aware != r->aware_at)
			snprintf(reason, sizeof(reason), "%s: 認知日時の変更 / awareness moved",
				 inc_kind_ja(r->kind));
		if ((rc = inc_clocks_sync(c, inc, (int)r->kind, reason, e)))
			goto fail;
		snprintf(d, sizeof(d), "{\"version\":%d,\"kind\":\"%s\"}", n,
			 inc_kind_name(r->kind));
		snprintf(obj, sizeof(obj), "incident:%lld", (long long)inc);
		if ((rc = inc_event(c, inc, 0, "report", false, d, e)) ||
		    (rc = inc_audit(c, "incident.report", obj, d, e)))
			goto fail;
	}
	if ((rc = store_commit(c->s, e)))
		goto fail;
	cJSON_free(body);
	*id = inc;
	*seq = n;
	return 0;
fail:
	store_rollback(c->s);
	cJSON_free(body);
	return rc;
}

/* ------------------------------------------------------------ reading */

static void add_level(cJSON *o, const char *k, int level)
{
	if (level < 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	cJSON_AddNumberToObject(o, k, level);
}

/* The list's query. Each filter is an equality or range on a column of one of 0803's partial
 * indexes (WHERE exercise_run IS NULL), which the planner walks newest first (id DESC) and
 * leaves at the LIMIT: no sort of every match, no OFFSET (keyset: id < before), no per-row
 * subquery and no join (the org's slug and sector are copied onto the incident: 0803, 0804). */
static void list_sql(const struct inc_filter *f, struct buf *q)
{
	buf_adds(q, "SELECT i.id, i.org_slug, i.sector, i.title, i.type, i.state, i.level, "
		    "i.level_kind, i.occurred_at, i.aware_at, i.versions, i.last_kind, "
		    "i.next_due, i.updated_at FROM incidents i WHERE i.exercise_run IS NULL");
	if (f->org)
		buf_adds(q, " AND i.org_id = (SELECT id FROM orgs WHERE slug = ?)");
	if (f->sector)
		buf_adds(q, " AND i.sector = ?");
	if (f->state)
		buf_adds(q, " AND i.state = ?");
	if (f->level >= 0)
		buf_adds(q, " AND i.level = ?");
	if (f->overdue)
		buf_adds(q, " AND i.next_due IS NOT NULL AND i.next_due < ?");
	if (f->before > 0)
		buf_adds(q, " AND i.id < ?");
	buf_adds(q, " ORDER BY i.id DESC LIMIT ?");
	if (f->offset > 0)
		buf_adds(q, " OFFSET ?");
}

static void list_bind(const struct inc_ctx *c, const struct inc_filter *f, struct store_stmt *st)
{
	int k = 1;

	if (f->org)
		stmt_bind_text(st, k++, f->org);
	if (f->sector)
		stmt_bind_text(st, k++, f->sector);
	if (f->state)
		stmt_bind_text(st, k++, f->state);
	if (f->level >= 0)
		stmt_bind_int64(st, k++, f->level);
	if (f->overdue)
		stmt_bind_int64(st, k++, c->now);
	if (f->before > 0)
		stmt_bind_int64(st, k++, f->before);
	stmt_bind_int64(st, k++, f->limit > 0 ? f->limit : 100);
	if (f->offset > 0)
		stmt_bind_int64(st, k++, f->offset);
}

int inc_list_plan(const struct inc_ctx *c, const struct inc_filter *f, char **plan, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf q;
	int rc;

	*plan = NULL;
	buf_init(&q, 1024);
	buf_adds(&q, "EXPLAIN QUERY PLAN ");
	list_sql(f, &q);
	rc = store_prepare(c->s, buf_str(&q), &st, e);
	buf_release(&q);
	if (rc)
		return rc;
	list_bind(c, f, st);
	return inc_plan_read(st, plan, e);
}

int inc_plan_read(struct store_stmt *st, char **plan, struct merr *e)
{
	struct buf out;
	int rc;

	buf_init(&out, 256);
	while ((rc = stmt_step(st, e)) == 1) {
		buf_adds(&out, stmt_text(st, 3) ? stmt_text(st, 3) : "");
		buf_adds(&out, "\n");
	}
	stmt_finalize(st);
	if (rc < 0) {
		buf_release(&out);
		return rc;
	}
	*plan = m_strdup(buf_str(&out));
	buf_release(&out);
	return *plan ? 0 : merr_set(e, M_ENOMEM, "out of memory");
}

int inc_list_each(const struct inc_ctx *c, const struct inc_filter *f, inc_row_fn fn, void *arg,
		  struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf q;
	int rc, stop = 0;

	buf_init(&q, 1024);
	list_sql(f, &q);
	rc = store_prepare(c->s, buf_str(&q), &st, e);
	buf_release(&q);
	if (rc)
		return rc;
	list_bind(c, f, st);
	while (!stop && (rc = stmt_step(st, e)) == 1) {
		struct inc_row r = {
		    .id = stmt_int64(st, 0),
		    .org = stmt_text(st, 1),
		    .sector = stmt_text(st, 2),
		    .title = stmt_text(st, 3),
		    .type = stmt_text(st, 4),
		    .state = stmt_text(st, 5),
		    .level = stmt_is_null(st, 6) ? -1 : (int)stmt_int64(st, 6),
		    .level_kind = stmt_text(st, 7),
		    .occurred_at = stmt_int64(st, 8),
		    .aware_at = stmt_int64(st, 9),
		    .versions = stmt_int64(st, 10),
		    .last_kind = stmt_text(st, 11),
		    .next_due = stmt_int64(st, 12),
		    .updated_at = stmt_int64(st, 13),
		};
		r.overdue = r.next_due && r.next_due < c->now;
		stop = fn(arg, &r);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return stop < 0 ? merr_set(e, M_ENOMEM, "out of memory") : 0;
}

static int row_cjson(void *arg, const struct inc_row *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return -1;
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	json_add_str(o, "org", r->org);
	json_add_str(o, "sector", r->sector);
	json_add_str(o, "title", r->title);
	json_add_str(o, "type", r->type);
	json_add_str(o, "type_ja", inc_type_ja(r->type));
	json_add_str(o, "state", r->state);
	add_level(o, "level", r->level);
	json_add_str(o, "level_name", r->level < 0 ? NULL : inc_level_name(r->level));
	json_add_str(o, "level_kind", r->level_kind);
	json_add_time(o, "occurred_at", r->occurred_at);
	json_add_time(o, "aware_at", r->aware_at);
	cJSON_AddNumberToObject(o, "versions", (double)r->versions);
	json_add_str(o, "last_kind", r->last_kind);
	json_add_time(o, "next_due", r->next_due);
	cJSON_AddBoolToObject(o, "overdue", r->overdue);
	json_add_time(o, "updated_at", r->updated_at);
	cJSON_AddItemToArray((cJSON *)arg, o);
	return 0;
}

int inc_list(const struct inc_ctx *c, const struct inc_filter *f, cJSON **out, struct merr *e)
{
	cJSON *arr = cJSON_CreateArray();
	int rc;

	*out = NULL;
	if (!arr)
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = inc_list_each(c, f, row_cjson, arr, e))) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

struct text_arg {
	struct jw w;
	int64_t n, last;
};

static int row_text(void *arg, const struct inc_row *r)
{
	struct text_arg *a = arg;
	struct jw *w = &a->w;

	if (a->n++ && !w->rc)
		w->rc = buf_addc(w->b, ',');
	a->last = r->id;
	jw_obj_begin(w);
	jw_int(w, "id", r->id);
	jw_str(w, "org", r->org);
	jw_str(w, "sector", r->sector);
	jw_str(w, "title", r->title);
	jw_str(w, "type", r->type);
	jw_str(w, "type_ja", inc_type_ja(r->type));
	jw_str(w, "state", r->state);
	if (r->level < 0)
		jw_null(w, "level");
	else
		jw_int(w, "level", r->level);
	jw_str(w, "level_name", r->level < 0 ? NULL : inc_level_name(r->level));
	jw_str(w, "level_kind", r->level_kind);
	jw_time(w, "occurred_at", r->occurred_at);
	jw_time(w, "aware_at", r->aware_at);
	jw_int(w, "versions", r->versions);
	jw_str(w, "last_kind", r->last_kind);
	jw_time(w, "next_due", r->next_due);
	jw_bool(w, "overdue", r->overdue);
	jw_time(w, "updated_at", r->updated_at);
	jw_obj_end(w);
	return w->rc ? -1 : 0;
}

int inc_list_text(const struct inc_ctx *c, const struct inc_filter *f, struct buf *out, int64_t *n,
		  int64_t *last_id, struct merr *e)
{
	struct text_arg a = {.w = {.b = out}};
	int64_t rows = f->limit > 0 && f->limit < 1000 ? f->limit : 100;
	int rc;

	buf_grow(out, (size_t)rows * 448); /* a row is ~420 bytes: no realloc copy as it grows */
	if (buf_addc(out, '['))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = inc_list_each(c, f, row_text, &a, e)))
		return rc;
	if (buf_addc(out, ']'))
		return merr_set(e, M_ENOMEM, "out of memory");
	*n = a.n;
	*last_id = a.last;
	return 0;
}

static int add_rows(struct store *s, const char *sql, int64_t id, cJSON *o, const char *key,
		    void (*row)(struct store_stmt *st, cJSON *item, void *arg), void *arg,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *it = cJSON_CreateObject();
		row(st, it, arg);
		cJSON_AddItemToArray(arr, it);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static void row_version(struct store_stmt *st, cJSON *o, void *arg)
{
	const int *max_tlp = arg;
	cJSON *rep = cJSON_Parse(stmt_text(st, 4)), *iocs, *it, *next;

	/* IoCs above the reader's TLP are left out of the versions too */
	iocs = cJSON_GetObjectItemCaseSensitive(rep, "iocs");
	for (it = iocs ? iocs->child : NULL; it; it = next) {
		next = it->next;
		if (inc_tlp_rank(cJSON_GetObjectItemCaseSensitive(it, "tlp")->valuestring) >
		    *max_tlp)
			cJSON_Delete(cJSON_DetachItemViaPointer(iocs, it));
	}
	cJSON_AddNumberToObject(o, "seq", (double)stmt_int64(st, 0));
	json_add_str(o, "kind", stmt_text(st, 1));
	json_add_str(o, "kind_ja", inc_kind_ja((enum inc_kind)inc_kind_parse(stmt_text(st, 1))));
	json_add_str(o, "kind_en", inc_kind_en((enum inc_kind)inc_kind_parse(stmt_text(st, 1))));
	json_add_time(o, "filed_at", stmt_int64(st, 2));
	json_add_str(o, "filed_by", stmt_text(st, 3));
	cJSON_AddItemToObject(o, "report", rep);
}

struct clock_arg {
	const struct inc_ctx *c;
	int64_t next;
};

static void row_clock(struct store_stmt *st, cJSON *o, void *arg)
{
	struct clock_arg *a = arg;
	const struct inc_regime *g = inc_regime_find(a->c->regimes, stmt_text(st, 0));
	const char *state = stmt_text(st, 3);
	int64_t due = stmt_int64(st, 2);

	json_add_str(o, "regime", stmt_text(st, 0));
	json_add_str(o, "regime_ja", g ? g->name_ja : NULL);
	json_add_str(o, "regime_en", g ? g->name_en : NULL);
	json_add_str(o, "report", stmt_text(st, 1));
	for (size_t i = 0; g && i < g->n_reports; i++)
		if (!strcmp(g->reports[i].id, stmt_text(st, 1))) {
			json_add_str(o, "report_ja", g->reports[i].name_ja);
			json_add_str(o, "report_en", g->reports[i].name_en);
			json_add_str(o, "source", g->reports[i].source);
		}
	json_add_time(o, "due", due);
	if (!strcmp(state, "pending") && due < a->c->now)
		state = "overdue";
	json_add_str(o, "state", state);
	json_add_time(o, "met_at", stmt_int64(st, 4));
	if (!strcmp(state, "met"))
		cJSON_AddBoolToObject(o, "met_in_time", stmt_int64(st, 4) <= due);
	if (!strcmp(stmt_text(st, 3), "pending")) {
		cJSON_AddNumberToObject(o, "seconds_left", (double)(due - a->c->now));
		if (!a->next || due < a->next)
			a->next = due;
	}
}

static void row_history(struct store_stmt *st, cJSON *o, void *arg)
{
	json_add_str(o, "regime", stmt_text(st, 0));
	json_add_str(o, "report", stmt_text(st, 1));
	json_add_time(o, "at", stmt_int64(st, 2));
	json_add_time(o, "old_due", stmt_int64(st, 3));
	json_add_time(o, "new_due", stmt_int64(st, 4));
	json_add_str(o, "old_state", stmt_text(st, 5));
	json_add_str(o, "new_state", stmt_text(st, 6));
	json_add_str(o, "reason", stmt_text(st, 7));
}

static void row_ioc(struct store_stmt *st, cJSON *o, void *arg)
{
	cJSON_AddNumberToObject(o, "seq", (double)stmt_int64(st, 0));
	json_add_str(o, "type", stmt_text(st, 1));
	json_add_str(o, "value", stmt_text(st, 2));
	json_add_str(o, "tlp", stmt_text(st, 3));
	json_add_str(o, "note", stmt_text(st, 4));
}

static void row_attach(struct store_stmt *st, cJSON *o, void *arg)
{
	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
	json_add_str(o, "name", stmt_text(st, 1));
	cJSON_AddNumberToObject(o, "size", (double)stmt_int64(st, 2));
	json_add_str(o, "sha256", stmt_text(st, 3));
	json_add_time(o, "added_at", stmt_int64(st, 4));
	json_add_str(o, "added_by", stmt_text(st, 5));
}

static void row_affected(struct store_stmt *st, cJSON *o, void *arg)
{
	cJSON_AddNumberToObject(o, "seq", (double)stmt_int64(st, 0));
	json_add_str(o, "name", stmt_text(st, 1));
	json_add_str(o, "asset", stmt_text(st, 2));
	json_add_str(o, "service", stmt_text(st, 3));
	if (stmt_is_null(st, 4))
		cJSON_AddNullToObject(o, "asset_id");
	else
		cJSON_AddNumberToObject(o, "asset_id", (double)stmt_int64(st, 4));
	if (stmt_is_null(st, 5))
		cJSON_AddNullToObject(o, "service_id");
	else
		cJSON_AddNumberToObject(o, "service_id", (double)stmt_int64(st, 5));
}

static void row_event(struct store_stmt *st, cJSON *o, void *arg)
{
	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
	json_add_time(o, "at", stmt_int64(st, 1));
	json_add_str(o, "actor", stmt_text(st, 2));
	json_add_str(o, "kind", stmt_text(st, 3));
	json_add_str(o, "visibility", stmt_text(st, 4));
	cJSON_AddItemToObject(o, "detail", cJSON_Parse(stmt_text(st, 5)));
	json_add_str(o, "hash", stmt_text(st, 6));
}

static void row_assess(struct store_stmt *st, cJSON *o, void *arg)
{
	int lv = (int)stmt_int64(st, 6);
	cJSON *ax = cJSON_AddObjectToObject(o, "axes"), *a;

	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
	json_add_str(o, "kind", stmt_text(st, 1));
	json_add_time(o, "at", stmt_int64(st, 2));
	json_add_str(o, "by", stmt_text(st, 3));
	cJSON_AddNumberToObject(o, "level", lv);
	json_add_str(o, "level_name", inc_level_name(lv));
	json_add_str(o, "level_text", inc_level_text(lv));
	json_add_str(o, "level_name_en", inc_level_name_en(lv));
	json_add_str(o, "level_text_en", inc_level_text_en(lv));
	a = cJSON_AddObjectToObject(ax, "continuity");
	cJSON_AddStringToObject(a, "name_ja", "サービスの持続性");
	cJSON_AddStringToObject(a, "name_en", "Service continuity");
	cJSON_AddNumberToObject(a, "level", (double)stmt_int64(st, 4));
	json_add_str(a, "reason", stmt_text(st, 7));
	a = cJSON_AddObjectToObject(ax, "safety");
	cJSON_AddStringToObject(a, "name_ja", "サービスに関する安全性");
	cJSON_AddStringToObject(a, "name_en", "Service safety");
	cJSON_AddNumberToObject(a, "level", (double)stmt_int64(st, 5));
	json_add_str(a, "reason", stmt_text(st, 8));
	a = cJSON_AddObjectToObject(ax, "trust");
	cJSON_AddStringToObject(a, "name_ja", "その他（信頼低下）");
	cJSON_AddStringToObject(a, "name_en", "Other (loss of trust)");
	cJSON_AddNumberToObject(a, "level", (double)stmt_int64(st, 10));
	json_add_str(a, "reason", stmt_text(st, 9));
	cJSON_AddItemToObject(o, "indicators", cJSON_Parse(stmt_text(st, 11)));
	if (stmt_is_null(st, 12))
		cJSON_AddNullToObject(o, "nciss_score");
	else
		cJSON_AddNumberToObject(o, "nciss_score", (double)stmt_int64(st, 12));
	if (stmt_text(st, 13))
		cJSON_AddItemToObject(o, "nciss", cJSON_Parse(stmt_text(st, 13)));
}

int inc_show(const struct inc_ctx *c, int64_t id, const struct inc_view *v, cJSON **out,
	     struct merr *e)
{
	struct inc_view all = INC_VIEW_ALL;
	struct store_stmt *st = NULL;
	struct clock_arg ca = {c, 0};
	bool internal;
	cJSON *o, *sev, *cur = NULL;
	int rc;

	*out = NULL;
	if (!v)
		v = &all;
	internal = v->internal;
	if ((rc = store_prepare(
		 c->s,
		 "SELECT i.id, o.slug, o.name_ja, o.sector, i.title, i.type, i.state, "
		 "i.occurred_at, i.aware_at, i.versions, i.last_kind, i.created_at, "
		 "i.updated_at, i.level, i.level_kind, o.name_en FROM incidents i JOIN orgs o ON "
		 "o.id = i.org_id WHERE i.id = ?1 AND i.exercise_run IS NOT DISTINCT FROM ?4 "
		 "AND (CAST(?2 AS TEXT) IS NULL OR o.slug = ?2) AND (CAST(?3 AS TEXT) IS "
		 "NULL OR o.sector = ?3)",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, v->org);
	stmt_bind_text(st, 3, v->sector);
	/* real incidents only, unless the context is an exercise run: then that run's only */
	if (c->exercise_run)
		stmt_bind_int64(st, 4, c->exercise_run);
	else
		stmt_bind_null(st, 4);
	rc = stmt_step(st, e);
	if (rc <= 0) {
		stmt_finalize(st);
		return rc < 0
			   ? rc
			   : merr_set(e, M_ENOTFOUND, "no incident %lld / インシデントがありません",
				      (long long)id);
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
	json_add_str(o, "org", stmt_text(st, 1));
	json_add_str(o, "org_name", stmt_text(st, 2));
	json_add_str(o, "org_name_en", stmt_is_null(st, 15) ? NULL : stmt_text(st, 15));
	json_add_str(o, "sector", stmt_text(st, 3));
	json_add_str(o, "title", stmt_text(st, 4));
	json_add_str(o, "type", stmt_text(st, 5));
	json_add_str(o, "type_ja", inc_type_ja(stmt_text(st, 5)));
	json_add_str(o, "type_en", inc_type_en(stmt_text(st, 5)));
	json_add_str(o, "state", stmt_text(st, 6));
	json_add_time(o, "occurred_at", stmt_int64(st, 7));
	json_add_time(o, "aware_at", stmt_int64(st, 8));
	cJSON_AddNumberToObject(o, "versions_count", (double)stmt_int64(st, 9));
	json_add_str(o, "last_kind", stmt_text(st, 10));
	json_add_time(o, "created_at", stmt_int64(st, 11));
	json_add_time(o, "updated_at", stmt_int64(st, 12));
	add_level(o, "level", stmt_is_null(st, 13) ? -1 : (int)stmt_int64(st, 13));
	json_add_str(o, "level_name",
		     stmt_is_null(st, 13) ? NULL : inc_level_name((int)stmt_int64(st, 13)));
	json_add_str(o, "level_name_en",
		     stmt_is_null(st, 13) ? NULL : inc_level_name_en((int)stmt_int64(st, 13)));
	json_add_str(o, "level_kind", stmt_text(st, 14));
	stmt_finalize(st);

	sev = cJSON_AddObjectToObject(o, "severity");
	if ((rc = add_rows(c->s,
			   "SELECT id, kind, at, by, continuity, safety, level, reason_continuity, "
			   "reason_safety, reason_trust, trust, indicators, nciss_score, nciss "
			   "FROM incident_assessments WHERE incident_id = ? ORDER BY id",
			   id, sev, "assessments", row_assess, NULL, e)))
		goto fail;
	cJSON_AddNullToObject(sev, "predicted");
	cJSON_AddNullToObject(sev, "final");
	cJSON_ArrayForEach(cur, cJSON_GetObjectItemCaseSensitive(sev, "assessments"))
	{
		const char *k = cJSON_GetObjectItemCaseSensitive(cur, "kind")->valuestring;
		cJSON_ReplaceItemInObject(sev, k, cJSON_Duplicate(cur, true));
	}
	if ((rc = add_rows(c->s,
			   "SELECT regime, report, due_at, state, met_at FROM incident_clocks "
			   "WHERE incident_id = ? AND state != 'dropped' ORDER BY due_at, id",
			   id, o, "clocks", row_clock, &ca, e)))
		goto fail;
	json_add_time(o, "next_due", ca.next);
	if (ca.next)
		cJSON_AddNumberToObject(o, "next_due_seconds", (double)(ca.next - c->now));
	if ((rc = add_rows(c->s,
			   "SELECT regime, report, at, old_due, new_due, old_state, new_state, "
			   "reason FROM incident_clock_history WHERE incident_id = ? ORDER BY id",
			   id, o, "clock_history", row_history, NULL, e)))
		goto fail;
	{
		cJSON *regs = cJSON_AddArrayToObject(o, "regimes");
		if ((rc = store_prepare(c->s,
					"SELECT regime FROM incident_regimes WHERE incident_id = ? "
					"ORDER BY regime",
					&st, e)))
			goto fail;
		stmt_bind_int64(st, 1, id);
		while ((rc = stmt_step(st, e)) == 1)
			cJSON_AddItemToArray(regs, cJSON_CreateString(stmt_text(st, 0)));
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
	}
	if ((rc = add_rows(c->s,
			   "SELECT seq, kind, filed_at, filed_by, body FROM incident_versions "
			   "WHERE incident_id = ? ORDER BY seq",
			   id, o, "versions", row_version, (void *)&v->max_tlp, e)) ||
	    (rc = add_rows(c->s,
			   "SELECT seq, type, value, tlp, note FROM incident_iocs WHERE "
			   "incident_id = ?1 AND seq = (SELECT max(seq) FROM incident_iocs WHERE "
			   "incident_id = ?1) ORDER BY rowid",
			   id, o, "iocs", row_ioc, NULL, e)) ||
	    (rc =
		 add_rows(c->s,
			  v->attachments ? "SELECT id, name, size, sha256, added_at, added_by FROM "
					   "incident_attachments WHERE incident_id = ? ORDER BY id"
					 : "SELECT id, name, size, sha256, added_at, added_by FROM "
					   "incident_attachments WHERE 0 AND incident_id = ?",
			  id, o, "attachments", row_attach, NULL, e)) ||
	    (rc = add_rows(c->s,
			   "SELECT seq, name, asset, service, asset_id, service_id FROM "
			   "incident_affected WHERE incident_id = ?1 AND seq = (SELECT max(seq) "
			   "FROM incident_affected WHERE incident_id = ?1) ORDER BY rowid",
			   id, o, "affected", row_affected, NULL, e)) ||
	    (rc = add_rows(c->s,
			   internal ? "SELECT id, at, actor, kind, visibility, detail, hash FROM "
				      "incident_events WHERE incident_id = ? ORDER BY id"
				    : "SELECT id, at, actor, kind, visibility, detail, hash FROM "
				      "incident_events WHERE incident_id = ? AND visibility = "
				      "'shared' ORDER BY id",
			   id, o, "timeline", row_event, NULL, e)))
		goto fail;
	{
		cJSON *iocs = cJSON_GetObjectItemCaseSensitive(o, "iocs"), *it, *next;
		for (it = iocs ? iocs->child : NULL; it; it = next) {
			next = it->next;
			if (inc_tlp_rank(cJSON_GetObjectItemCaseSensitive(it, "tlp")->valuestring) >
			    v->max_tlp)
				cJSON_Delete(cJSON_DetachItemViaPointer(iocs, it));
		}
	}
	*out = o;
	return 0;
fail:
	cJSON_Delete(o);
	return rc;
}
