/*
 * case.c - 駆けつけ支援 (rush support) and 相談窓口 (consultation) cases: states 受付 → 対応中 →
 * 回答済 → 完了, an assignee, SLA timers from data/case_sla.yaml, a shared timeline
 * (operator-visible messages) and internal notes (analysts only) in the chained timeline, links
 * to incidents, findings, SNS alerts and indicators.
 */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "incident/incident_int.h"

#ifndef MAMORI_REPO_DATA_DIR
#define MAMORI_REPO_DATA_DIR "data"
#endif

static const char *const states[] = {"received", "in_progress", "answered", "closed", NULL};
static const char *const states_ja[] = {"受付", "対応中", "回答済", "完了"};
static const char *const states_en[] = {"received", "in progress", "answered", "closed"};

const char *case_state_en(const char *state)
{
	for (int i = 0; states[i]; i++)
		if (state && !strcmp(state, states[i]))
			return states_en[i];
	return NULL;
}

const char *case_sla_default_path(void)
{
	const char *p = getenv("MAMORI_CASE_SLA");
	return p && *p ? p : MAMORI_REPO_DATA_DIR "/case_sla.yaml";
}

const char *case_state_ja(const char *state)
{
	for (int i = 0; states[i]; i++)
		if (state && !strcmp(state, states[i]))
			return states_ja[i];
	return NULL;
}

static int state_rank(const char *s)
{
	for (int i = 0; states[i]; i++)
		if (s && !strcmp(s, states[i]))
			return i;
	return -1;
}

static int64_t dur(const char *s)
{
	char *end = NULL;
	long v = s ? strtol(s, &end, 10) : 0;

	if (!s || v <= 0 || end == s)
		return -1;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	if (!strcmp(end, "d"))
		return v * 86400;
	return -1;
}

/* Reads the SLA of kind from the data file: first response and resolution in seconds. */
static int sla_load(const char *path, const char *kind, int64_t *first, int64_t *resol,
		    struct merr *e)
{
	yaml_document_t d;
	yaml_node_t *top, *kinds = NULL;
	int rc;

	*first = *resol = -1;
	if ((rc = inc_yaml_load(path, &d, e)))
		return rc;
	top = yaml_document_get_root_node(&d);
	for (yaml_node_pair_t *pr =
		 top && top->type == YAML_MAPPING_NODE ? top->data.mapping.pairs.start : NULL;
	     pr && pr < top->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&d, pr->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "kinds"))
			kinds = yaml_document_get_node(&d, pr->value);
	}
	for (yaml_node_item_t *it = kinds && kinds->type == YAML_SEQUENCE_NODE
					? kinds->data.sequence.items.start
					: NULL;
	     it && it < kinds->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(&d, *it);
		const char *id = NULL, *f = NULL, *r = NULL;
		if (m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *pr = m->data.mapping.pairs.start;
		     pr < m->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&d, pr->key),
				    *v = yaml_document_get_node(&d, pr->value);
			const char *ks = (const char *)k->data.scalar.value,
				   *vs = v->type == YAML_SCALAR_NODE ? (char *)v->data.scalar.value
								     : NULL;
			if (!strcmp(ks, "id"))
				id = vs;
			else if (!strcmp(ks, "first_response"))
				f = vs;
			else if (!strcmp(ks, "resolution"))
				r = vs;
		}
		if (id && !strcmp(id, kind)) {
			*first = dur(f);
			*resol = dur(r);
			if (*first <= 0 || *resol <= 0)
				rc = merr_at(e, M_EPARSE, path, (long)m->start_mark.line + 1, -1,
					     "first_response", "expected e.g. 2h or 5d");
		}
	}
	yaml_document_delete(&d);
	if (!rc && *first < 0)
		rc = merr_at(e, M_EPARSE, path, -1, -1, "kinds", "no SLA for case kind '%s'", kind);
	return rc;
}

static int text_ok(const char *t, size_t max, const char *field, struct merr *e)
{
	size_t bad;

	if (!t)
		return 0;
	if (strlen(t) > max)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, field, "too long (at most %zu bytes)",
			       max);
	if (!utf8_valid(t, strlen(t), &bad))
		return merr_at(e, M_EINVAL, NULL, -1, -1, field, "not valid UTF-8");
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return merr_at(e, M_EINVAL, NULL, -1, -1, field,
				       "contains a control character");
	return 0;
}

static char *json_detail(const char *k1, const char *v1, const char *k2, const char *v2)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		return NULL;
	if (k1)
		json_add_str(o, k1, v1);
	if (k2)
		json_add_str(o, k2, v2);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int event_json(const struct inc_ctx *c, int64_t id, const char *kind, bool internal,
		      const char *k1, const char *v1, const char *k2, const char *v2,
		      struct merr *e)
{
	char *d = json_detail(k1, v1, k2, v2);
	int rc;

	if (!d)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = inc_event(c, 0, id, kind, internal, d, e);
	cJSON_free(d);
	return rc;
}

int case_open(const struct inc_ctx *c, const struct case_open *o, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t first, resol, org_id = 0;
	char obj[48];
	int rc;

	*id = 0;
	if (!o->kind || (strcmp(o->kind, "rush") && strcmp(o->kind, "consult")))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "kind",
			       "expected rush (駆けつけ支援) or consult (相談窓口)");
	if (!o->title || !o->title[0] || strchr(o->title, '\n'))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "title", "a one-line title is needed");
	if ((rc = text_ok(o->title, 300, "title", e)) ||
	    (rc = text_ok(o->message, INC_TEXT_MAX, "message", e)))
		return rc;
	if ((rc = sla_load(o->sla_path ? o->sla_path : case_sla_default_path(), o->kind, &first,
			   &resol, e)))
		return rc;
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = store_prepare(c->s, "SELECT id FROM orgs WHERE slug = ?", &st, e)))
		goto fail;
	stmt_bind_text(st, 1, o->org);
	rc = stmt_step(st, e);
	org_id = rc == 1 ? stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	if (rc <= 0) {
		rc = rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no organisation '%s'", o->org);
		goto fail;
	}
	if ((rc = store_prepare(
		 c->s,
		 "INSERT INTO cases (org_id, kind, title, opened_at, opened_by, "
		 "first_response_due, resolution_due, updated_at) VALUES (?, ?, ?, ?, "
		 "?, ?, ?, ?) RETURNING id",
		 &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, org_id);
	stmt_bind_text(st, 2, o->kind);
	stmt_bind_text(st, 3, o->title);
	stmt_bind_int64(st, 4, c->now);
	stmt_bind_text(st, 5, c->actor);
	stmt_bind_int64(st, 6, c->now + first);
	stmt_bind_int64(st, 7, c->now + resol);
	stmt_bind_int64(st, 8, c->now);
	rc = stmt_step(st, e);
	if (rc == 1)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	snprintf(obj, sizeof(obj), "case:%lld", (long long)*id);
	if ((rc = event_json(c, *id, "open", false, "title", o->title, "kind", o->kind, e)) ||
	    (o->message &&
	     (rc = event_json(c, *id, "message", false, "text", o->message, NULL, NULL, e))) ||
	    (rc = inc_audit(c, "case.open", obj, NULL, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	*id = 0;
	return rc;
}

int case_update(const struct inc_ctx *c, int64_t id, const struct case_update *u, struct merr *e)
{
	struct store_stmt *st = NULL;
	char cur[16] = "", obj[48], case_org[128] = "";
	bool by_operator = u->org != NULL;
	int rc;

	if (u->state && state_rank(u->state) < 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "state",
			       "expected received, in_progress, answered or closed");
	if (by_operator && (u->state || u->assignee || u->note || u->link_kind))
		return merr_set(e, M_EPERM, "an operator may only add messages to a case");
	if (u->link_kind && strcmp(u->link_kind, "incident") && strcmp(u->link_kind, "finding") &&
	    strcmp(u->link_kind, "sns_alert") && strcmp(u->link_kind, "indicator"))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "link",
			       "expected incident, finding, sns_alert or indicator");
	if ((rc = text_ok(u->message, INC_TEXT_MAX, "message", e)) ||
	    (rc = text_ok(u->note, INC_TEXT_MAX, "note", e)) ||
	    (rc = text_ok(u->assignee, 128, "assignee", e)) ||
	    (rc = text_ok(u->link_ref, 256, "link", e)))
		return rc;
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = store_prepare(
		 c->s,
		 "SELECT c.state, o.slug FROM cases c JOIN orgs o ON o.id = c.org_id WHERE "
		 "c.id = ? AND c.exercise_run IS NULL AND (CAST(?2 AS TEXT) IS NULL OR o.slug = "
		 "?2)",
		 &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, u->org);
	rc = stmt_step(st, e);
	if (rc == 1) {
		snprintf(cur, sizeof(cur), "%s", stmt_text(st, 0));
		snprintf(case_org, sizeof(case_org), "%s", stmt_text(st, 1));
	}
	stmt_finalize(st);
	if (rc <= 0) {
		rc = rc < 0 ? rc
			    : merr_set(e, M_ENOTFOUND, "no case %lld / 案件がありません",
				       (long long)id);
		goto fail;
	}
	/* an incident or finding linked must exist and be the case's organisation's */
	if (u->link_kind &&
	    (!strcmp(u->link_kind, "incident") || !strcmp(u->link_kind, "finding"))) {
		char org[128] = "";
		char *end = NULL;
		long long ref = strtoll(u->link_ref ? u->link_ref : "", &end, 10);
		if (!u->link_ref || *end || ref <= 0) {
			rc = merr_at(e, M_EINVAL, NULL, -1, -1, "link", "expected a numeric id");
			goto fail;
		}
		if (!strcmp(u->link_kind, "incident"))
			rc = inc_org_of(c->s, ref, org, sizeof(org), e);
		else if (!(rc = store_prepare(c->s, "SELECT org_slug FROM findings WHERE id = ?",
					      &st, e))) {
			stmt_bind_int64(st, 1, ref);
			rc = stmt_step(st, e);
			if (rc == 1)
				snprintf(org, sizeof(org), "%s", stmt_text(st, 0));
			stmt_finalize(st);
			rc = rc < 0 ? rc : 0;
		}
		if (!rc && strcmp(org, case_org))
			rc = merr_set(e, M_ENOTFOUND, "no %s %lld of '%s'", u->link_kind, ref,
				      case_org);
		if (rc)
			goto fail;
	}
	if (u->state || u->assignee) {
		if ((rc = store_prepare(
			 c->s,
			 "UPDATE cases SET state = coalesce(?1, state), assignee = coalesce(?2, "
			 "assignee), first_response_at = CASE WHEN ?1 IN ('in_progress', "
			 "'answered', 'closed') THEN coalesce(first_response_at, ?3) ELSE "
			 "first_response_at END, resolved_at = CASE WHEN ?1 IN ('answered', "
			 "'closed') THEN coalesce(resolved_at, ?3) ELSE resolved_at END, "
			 "updated_at = ?3 WHERE id = ?4",
			 &st, e)))
			goto fail;
		stmt_bind_text(st, 1, u->state);
		stmt_bind_text(st, 2, u->assignee);
		stmt_bind_int64(st, 3, c->now);
		stmt_bind_int64(st, 4, id);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
		if (u->state && strcmp(u->state, cur) &&
		    (rc = event_json(c, id, "state", false, "from", cur, "to", u->state, e)))
			goto fail;
		if (u->assignee && (rc = event_json(c, id, "assign", true, "assignee", u->assignee,
						    NULL, NULL, e)))
			goto fail;
	}
	if (u->message) {
		/* an analyst's shared message is the first response */
		if (!by_operator) {
			if ((rc = store_prepare(c->s,
						"UPDATE cases SET first_response_at = "
						"coalesce(first_response_at, ?1), updated_at = ?1 "
						"WHERE id = ?2",
						&st, e)))
				goto fail;
			stmt_bind_int64(st, 1, c->now);
			stmt_bind_int64(st, 2, id);
			rc = stmt_step(st, e);
			stmt_finalize(st);
			if (rc < 0)
				goto fail;
		}
		if ((rc = event_json(c, id, "message", false, "text", u->message, NULL, NULL, e)))
			goto fail;
	}
	if (u->note && (rc = event_json(c, id, "note", true, "text", u->note, NULL, NULL, e)))
		goto fail;
	if (u->link_kind) {
		if ((rc = store_prepare(c->s,
					"INSERT OR IGNORE INTO case_links (case_id, kind, ref) "
					"VALUES (?, ?, ?)",
					&st, e)))
			goto fail;
		stmt_bind_int64(st, 1, id);
		stmt_bind_text(st, 2, u->link_kind);
		stmt_bind_text(st, 3, u->link_ref);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0 || (rc = event_json(c, id, "link", false, "kind", u->link_kind, "ref",
					       u->link_ref, e)))
			goto fail;
	}
	snprintf(obj, sizeof(obj), "case:%lld", (long long)id);
	if ((rc = inc_audit(c, "case.update", obj, NULL, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

static void case_row(struct store_stmt *st, cJSON *o, int64_t now)
{
	int64_t frd = stmt_int64(st, 8), fra = stmt_int64(st, 9), rd = stmt_int64(st, 10),
		ra = stmt_int64(st, 11);
	cJSON *sla;

	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
	json_add_str(o, "org", stmt_text(st, 1));
	json_add_str(o, "kind", stmt_text(st, 2));
	json_add_str(o, "kind_ja", !strcmp(stmt_text(st, 2), "rush") ? "駆けつけ支援" : "相談窓口");
	json_add_str(o, "kind_en",
		     !strcmp(stmt_text(st, 2), "rush") ? "On-site support" : "Consultation");
	json_add_str(o, "title", stmt_text(st, 3));
	json_add_str(o, "state", stmt_text(st, 4));
	json_add_str(o, "state_ja", case_state_ja(stmt_text(st, 4)));
	json_add_str(o, "assignee", stmt_text(st, 5));
	json_add_time(o, "opened_at", stmt_int64(st, 6));
	json_add_str(o, "opened_by", stmt_text(st, 7));
	sla = cJSON_AddObjectToObject(o, "sla");
	json_add_time(sla, "first_response_due", frd);
	json_add_time(sla, "first_response_at", fra);
	json_add_str(sla, "first_response",
		     fra ? (fra <= frd ? "met" : "missed") : (now > frd ? "overdue" : "pending"));
	json_add_time(sla, "resolution_due", rd);
	json_add_time(sla, "resolved_at", ra);
	json_add_str(sla, "resolution",
		     ra ? (ra <= rd ? "met" : "missed") : (now > rd ? "overdue" : "pending"));
	json_add_time(o, "updated_at", stmt_int64(st, 12));
}

#define CASE_COLS                                                                               \
	"SELECT c.id, o.slug, c.kind, c.title, c.state, c.assignee, c.opened_at, c.opened_by, " \
	"c.first_response_due, c.first_response_at, c.resolution_due, c.resolved_at, "          \
	"c.updated_at FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.exercise_run IS NULL"

static void case_list_sql(const struct case_filter *f, struct buf *q)
{
	buf_adds(q, CASE_COLS);
	if (f->org)
		buf_adds(q, " AND c.org_id = (SELECT id FROM orgs WHERE slug = ?)");
	if (f->state)
		buf_adds(q, " AND c.state = ?");
	if (f->before > 0)
		buf_adds(q, " AND c.id < ?");
	buf_adds(q, " ORDER BY c.id DESC LIMIT ?");
}

static void case_list_bind(const struct case_filter *f, struct store_stmt *st)
{
	int k = 1;

	if (f->org)
		stmt_bind_text(st, k++, f->org);
	if (f->state)
		stmt_bind_text(st, k++, f->state);
	if (f->before > 0)
		stmt_bind_int64(st, k++, f->before);
	stmt_bind_int64(st, k, f->limit > 0 ? f->limit : 200);
}

int case_list_plan(const struct inc_ctx *c, const struct case_filter *f, char **plan,
		   struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf q;
	int rc;

	*plan = NULL;
	buf_init(&q, 1024);
	buf_adds(&q, "EXPLAIN QUERY PLAN ");
	case_list_sql(f, &q);
	rc = store_prepare(c->s, buf_str(&q), &st, e);
	buf_release(&q);
	if (rc)
		return rc;
	case_list_bind(f, st);
	return inc_plan_read(st, plan, e);
}

static const char *sla_state(int64_t due, int64_t at, int64_t now)
{
	return at ? (at <= due ? "met" : "missed") : (now > due ? "overdue" : "pending");
}

int case_list_text(const struct inc_ctx *c, const struct case_filter *f, struct buf *out,
		   int64_t *n, int64_t *last_id, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct jw w = {.b = out};
	struct buf q;
	int rc;

	*n = *last_id = 0;
	buf_init(&q, 1024);
	case_list_sql(f, &q);
	rc = store_prepare(c->s, buf_str(&q), &st, e);
	buf_release(&q);
	if (rc)
		return rc;
	case_list_bind(f, st);
	/* a row is ~450 bytes: room for the page at once, no realloc copy as it grows */
	buf_grow(out, (size_t)(f->limit > 0 && f->limit <= 1000 ? f->limit : 200) * 480);
	w.rc = buf_addc(out, '[');
	while (!w.rc && (rc = stmt_step(st, e)) == 1) {
		int64_t frd = stmt_int64(st, 8), fra = stmt_int64(st, 9), rd = stmt_int64(st, 10),
			ra = stmt_int64(st, 11);
		const char *kind = stmt_text(st, 2);
		if ((*n)++)
			w.rc = buf_addc(out, ',');
		*last_id = stmt_int64(st, 0);
		jw_obj_begin(&w);
		jw_int(&w, "id", *last_id);
		jw_str(&w, "org", stmt_text(st, 1));
		jw_str(&w, "kind", kind);
		jw_str(&w, "kind_ja", kind && !strcmp(kind, "rush") ? "駆けつけ支援" : "相談窓口");
		jw_str(&w, "kind_en",
		       kind && !strcmp(kind, "rush") ? "On-site support" : "Consultation");
		jw_str(&w, "title", stmt_text(st, 3));
		jw_str(&w, "state", stmt_text(st, 4));
		jw_str(&w, "state_ja", case_state_ja(stmt_text(st, 4)));
		jw_str(&w, "assignee", stmt_text(st, 5));
		jw_time(&w, "opened_at", stmt_int64(st, 6));
		jw_str(&w, "opened_by", stmt_text(st, 7));
		jw_key_obj(&w, "sla");
		jw_time(&w, "first_response_due", frd);
		jw_time(&w, "first_response_at", fra);
		jw_str(&w, "first_response", sla_state(frd, fra, c->now));
		jw_time(&w, "resolution_due", rd);
		jw_time(&w, "resolved_at", ra);
		jw_str(&w, "resolution", sla_state(rd, ra, c->now));
		jw_obj_end(&w);
		jw_time(&w, "updated_at", stmt_int64(st, 12));
		jw_obj_end(&w);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (!w.rc)
		w.rc = buf_addc(out, ']');
	return w.rc ? merr_set(e, M_ENOMEM, "out of memory") : 0;
}

int case_list(const struct inc_ctx *c, const struct case_filter *f, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *arr = cJSON_CreateArray();
	struct buf q;
	int rc;

	*out = NULL;
	buf_init(&q, 1024);
	case_list_sql(f, &q);
	rc = store_prepare(c->s, buf_str(&q), &st, e);
	buf_release(&q);
	if (rc) {
		cJSON_Delete(arr);
		return rc;
	}
	case_list_bind(f, st);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *o = cJSON_CreateObject();
		case_row(st, o, c->now);
		cJSON_AddItemToArray(arr, o);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int case_show(const struct inc_ctx *c, int64_t id, const char *org, bool internal, cJSON **out,
	      struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *o = NULL, *arr;
	int rc = store_prepare(
	    c->s, CASE_COLS " AND c.id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR o.slug = ?2)", &st, e);

	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, org);
	rc = stmt_step(st, e);
	if (rc == 1) {
		o = cJSON_CreateObject();
		case_row(st, o, c->now);
	}
	stmt_finalize(st);
	if (rc <= 0)
		return rc < 0 ? rc
			      : merr_set(e, M_ENOTFOUND, "no case %lld / 案件がありません",
					 (long long)id);
	arr = cJSON_AddArrayToObject(o, "links");
	if ((rc =
		 store_prepare(c->s, "SELECT kind, ref FROM case_links WHERE case_id = ?", &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *l = cJSON_CreateObject();
		json_add_str(l, "kind", stmt_text(st, 0));
		json_add_str(l, "ref", stmt_text(st, 1));
		cJSON_AddItemToArray(arr, l);
	}
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	arr = cJSON_AddArrayToObject(o, "timeline");
	if ((rc = store_prepare(c->s,
				"SELECT id, at, actor, kind, visibility, detail, hash FROM "
				"incident_events WHERE case_id = ?1 AND (?2 OR visibility = "
				"'shared') ORDER BY id",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, internal);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddNumberToObject(v, "id", (double)stmt_int64(st, 0));
		json_add_time(v, "at", stmt_int64(st, 1));
		json_add_str(v, "actor", stmt_text(st, 2));
		json_add_str(v, "kind", stmt_text(st, 3));
		json_add_str(v, "visibility", stmt_text(st, 4));
		cJSON_AddItemToObject(v, "detail", cJSON_Parse(stmt_text(st, 5)));
		json_add_str(v, "hash", stmt_text(st, 6));
		cJSON_AddItemToArray(arr, v);
	}
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	cJSON_Delete(o);
	return rc;
}
