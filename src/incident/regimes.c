/*
 * regimes.c - the reporting regimes table (data/incident_regimes.yaml, read at run time) and
 * the clocks it gives each incident: computed from the awareness time, recomputed when it
 * moves, every change in incident_clock_history; reminders and overdue alerts are queued
 * through the alert module.
 */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "incident/incident_int.h"

#ifndef MAMORI_REPO_DATA_DIR
#define MAMORI_REPO_DATA_DIR "data"
#endif

const char *inc_regimes_default_path(void)
{
	const char *p = getenv("MAMORI_INCIDENT_REGIMES");
	return p && *p ? p : MAMORI_REPO_DATA_DIR "/incident_regimes.yaml";
}

/* ------------------------------------------------------------ loading */

struct rctx {
	yaml_document_t doc;
	const char *file;
	struct merr *e;
};

static int rfail(struct rctx *c, const yaml_node_t *n, const char *field, const char *msg)
{
	return merr_at(c->e, M_EPARSE, c->file, n ? (long)n->start_mark.line + 1 : -1, -1, field,
		       "%s", msg);
}

static yaml_node_t *node(struct rctx *c, int i)
{
	return yaml_document_get_node(&c->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int copy(struct rctx *c, const yaml_node_t *v, const char *field, char *dst, size_t cap)
{
	const char *s = sval(v);

	if (!s || !s[0])
		return rfail(c, v, field, "expected text");
	if (strlen(s) >= cap)
		return rfail(c, v, field, "too long");
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* "24h", "30m", "3d", "1mo" */
static int parse_offset(const char *s, int64_t *secs, int *months)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	*secs = 0;
	*months = 0;
	if (!s[0] || end == s || v <= 0 || v > 100000)
		return -1;
	if (!strcmp(end, "m"))
		*secs = v * 60;
	else if (!strcmp(end, "h"))
		*secs = v * 3600;
	else if (!strcmp(end, "d"))
		*secs = v * 86400;
	else if (!strcmp(end, "mo") && v <= 24)
		*months = (int)v;
	else
		return -1;
	return 0;
}

static int list_copy(struct rctx *c, yaml_node_t *v, const char *field, char (*dst)[32],
		     size_t cap_each, size_t max, size_t *n)
{
	if (!v || v->type != YAML_SEQUENCE_NODE)
		return rfail(c, v, field, "expected a list");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *x = node(c, *it);
		if (*n >= max)
			return rfail(c, v, field, "too many items");
		if (!sval(x) || strlen(sval(x)) >= cap_each)
			return rfail(c, x, field, "expected a short name");
		memcpy((char *)dst + *n * cap_each, sval(x), strlen(sval(x)) + 1);
		(*n)++;
	}
	return 0;
}

static int load_report(struct rctx *c, struct inc_regime *g, yaml_node_t *m)
{
	struct inc_rreport *r = &g->reports[g->n_reports];
	bool have_offset = false;
	int rc;

	if (m->type != YAML_MAPPING_NODE)
		return rfail(c, m, "reports", "expected a mapping");
	memset(r, 0, sizeof(*r));
	r->met_by = -1;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key = sval(k);

		if (!key)
			return rfail(c, k, "reports", "bad key");
		if (!strcmp(key, "id"))
			rc = copy(c, v, key, r->id, sizeof(r->id));
		else if (!strcmp(key, "name_ja"))
			rc = copy(c, v, key, r->name_ja, sizeof(r->name_ja));
		else if (!strcmp(key, "name_en"))
			rc = copy(c, v, key, r->name_en, sizeof(r->name_en));
		else if (!strcmp(key, "source"))
			rc = copy(c, v, key, r->source, sizeof(r->source));
		else if (!strcmp(key, "after"))
			rc = copy(c, v, key, r->after, sizeof(r->after));
		else if (!strcmp(key, "offset")) {
			have_offset = true;
			rc = copy(c, v, key, r->offset_text, sizeof(r->offset_text));
			if (!rc && parse_offset(r->offset_text, &r->offset_s, &r->months))
				rc = rfail(c, v, key, "expected e.g. 30m, 24h, 3d or 1mo");
		} else if (!strcmp(key, "remind_before")) {
			int mo;
			if (!sval(v) || parse_offset(sval(v), &r->remind_s, &mo) || mo)
				rc = rfail(c, v, key, "expected e.g. 30m, 6h or 2d");
			else
				rc = 0;
		} else if (!strcmp(key, "met_by")) {
			r->met_by = sval(v) ? inc_kind_parse(sval(v)) : -1;
			rc = r->met_by < 0 ? rfail(c, v, key, "expected initial, followup or final")
					   : 0;
		} else if (!strcmp(key, "trigger")) {
			if (sval(v) && !strcmp(sval(v), "aware"))
				rc = 0;
			else if (sval(v) && !strcmp(sval(v), "ransom_paid"))
				rc = 0, r->ransom = true;
			else
				rc = rfail(c, v, key, "expected aware or ransom_paid");
		} else
			rc = rfail(c, k, key, "unknown field");
		if (rc)
			return rc;
	}
	if (!r->id[0] || !r->name_ja[0] || !have_offset)
		return rfail(c, m, "reports", "a report needs id, name_ja and offset");
	if (!r->source[0])
		return rfail(c, m, "source", "every report names its source");
	if (r->after[0]) {
		bool found = false;
		for (size_t i = 0; i < g->n_reports; i++)
			found |= !strcmp(g->reports[i].id, r->after);
		if (!found)
			return rfail(c, m, "after", "after names no earlier report of this regime");
	}
	for (size_t i = 0; i < g->n_reports; i++)
		if (!strcmp(g->reports[i].id, r->id))
			return rfail(c, m, "id", "report id given twice");
	if (!r->name_en[0])
		memcpy(r->name_en, r->name_ja, sizeof(r->name_en));
	g->n_reports++;
	return 0;
}

static int load_regime(struct rctx *c, struct inc_regimes *t, yaml_node_t *m)
{
	struct inc_regime *g;
	int rc = 0;

	if (t->n >= INC_REGIMES_MAX)
		return rfail(c, m, "regimes", "too many regimes");
	if (m->type != YAML_MAPPING_NODE)
		return rfail(c, m, "regimes", "expected a mapping");
	g = &t->r[t->n];
	memset(g, 0, sizeof(*g));
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key = sval(k);

		if (!key)
			return rfail(c, k, "regimes", "bad key");
		if (!strcmp(key, "id"))
			rc = copy(c, v, key, g->id, sizeof(g->id));
		else if (!strcmp(key, "name_ja"))
			rc = copy(c, v, key, g->name_ja, sizeof(g->name_ja));
		else if (!strcmp(key, "name_en"))
			rc = copy(c, v, key, g->name_en, sizeof(g->name_en));
		else if (!strcmp(key, "source"))
			rc = copy(c, v, key, g->source, sizeof(g->source));
		else if (!strcmp(key, "reports")) {
			if (!v || v->type != YAML_SEQUENCE_NODE)
				return rfail(c, v, key, "expected a list");
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top && !rc; it++) {
				if (g->n_reports >= INC_REPORTS_MAX)
					return rfail(c, v, key, "too many reports");
				rc = load_report(c, g, node(c, *it));
			}
		} else
			rc = rfail(c, k, key, "unknown field");
		if (rc)
			return rc;
	}
	if (!g->id[0] || !g->name_ja[0] || !g->source[0] || !g->n_reports)
		return rfail(c, m, "regimes", "a regime needs id, name_ja, source and reports");
	if (inc_regime_find(t, g->id))
		return rfail(c, m, "id", "regime id given twice");
	if (!g->name_en[0])
		memcpy(g->name_en, g->name_ja, sizeof(g->name_en));
	t->n++;
	return 0;
}

static int load_default(struct rctx *c, struct inc_regimes *t, yaml_node_t *m)
{
	struct inc_default *d;
	int rc = 0;

	if (t->n_defaults >= INC_DEFAULTS_MAX || m->type != YAML_MAPPING_NODE)
		return rfail(c, m, "defaults", "expected a mapping (at most 32)");
	d = &t->d[t->n_defaults];
	memset(d, 0, sizeof(*d));
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key = sval(k);

		if (key && !strcmp(key, "sectors"))
			rc = list_copy(c, v, key, d->sectors, 32, 8, &d->n_sectors);
		else if (key && !strcmp(key, "types"))
			rc = list_copy(c, v, key, d->types, 32, 8, &d->n_types);
		else if (key && !strcmp(key, "regimes")) {
			char tmp[8][32];
			size_t n = 0;
			rc = list_copy(c, v, key, tmp, 32, 8, &n);
			for (size_t i = 0; !rc && i < n; i++) {
				if (!inc_regime_find(t, tmp[i]))
					return rfail(c, v, key, "names an unknown regime");
				snprintf(d->regimes[d->n_regimes++], 48, "%s", tmp[i]);
			}
		} else
			rc = rfail(c, k, key ? key : "defaults", "unknown field");
		if (rc)
			return rc;
	}
	if (!d->n_regimes)
		return rfail(c, m, "defaults", "a default names its regimes");
	t->n_defaults++;
	return 0;
}

int inc_yaml_load(const char *path, yaml_document_t *d, struct merr *e)
{
	yaml_parser_t p;
	struct buf b;
	int rc;

	buf_init(&b, 1 << 16);
	if ((rc = buf_read_file(&b, path, e))) {
		buf_release(&b);
		return rc;
	}
	if (!yaml_parser_initialize(&p)) {
		buf_release(&b);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf_str(&b), b.len);
	if (!yaml_parser_load(&p, d))
		rc = merr_at(e, M_EPARSE, path, (long)p.problem_mark.line + 1, -1, NULL,
			     "malformed YAML: %s", p.problem ? p.problem : "?");
	yaml_parser_delete(&p);
	buf_release(&b);
	return rc;
}

int inc_regimes_load(const char *path, struct inc_regimes **out, struct merr *e)
{
	struct rctx c = {.file = path, .e = e};
	struct inc_regimes *t = NULL;
	yaml_node_t *top;
	int rc;

	*out = NULL;
	if ((rc = inc_yaml_load(path, &c.doc, e)))
		return rc;
	top = yaml_document_get_root_node(&c.doc);
	if (!top || top->type != YAML_MAPPING_NODE) {
		rc = rfail(&c, top, NULL, "expected a mapping with format, regimes, defaults");
		goto out;
	}
	if (!(t = m_calloc(1, sizeof(*t)))) {
		rc = merr_set(e, M_ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
	for (yaml_node_pair_t *p = top->data.mapping.pairs.start;
	     !rc && p < top->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(&c, p->key), *v = node(&c, p->value);
		const char *key = sval(k);

		if (key && !strcmp(key, "format"))
			rc = sval(v) && !strcmp(sval(v), "1") ? 0
							      : rfail(&c, v, key, "only format 1");
		else if (key && (!strcmp(key, "regimes") || !strcmp(key, "defaults"))) {
			bool reg = key[0] == 'r';
			if (!v || v->type != YAML_SEQUENCE_NODE) {
				rc = rfail(&c, v, key, "expected a list");
				break;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     !rc && it < v->data.sequence.items.top; it++)
				rc = reg ? load_regime(&c, t, node(&c, *it))
					 : load_default(&c, t, node(&c, *it));
		} else
			rc = rfail(&c, k, key ? key : "", "unknown field");
	}
	if (!rc && !t->n)
		rc = rfail(&c, top, "regimes", "no regimes");
out:
	yaml_document_delete(&c.doc);
	if (rc)
		m_free(t);
	else
		*out = t;
	return rc;
}

void inc_regimes_free(struct inc_regimes *t)
{
	m_free(t);
}

const struct inc_regime *inc_regime_find(const struct inc_regimes *t, const char *id)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!strcmp(t->r[i].id, id))
			return &t->r[i];
	return NULL;
}

void inc_regimes_each(const struct inc_regimes *t, inc_regime_fn fn, void *arg)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->r[i].n_reports; j++) {
			const struct inc_rreport *r = &t->r[i].reports[j];
			fn(t->r[i].id, t->r[i].name_ja, r->id, r->name_ja, r->offset_text,
			   r->ransom	 ? "ransom_paid"
			   : r->after[0] ? r->after
					 : "aware",
			   r->source, arg);
		}
}

int64_t inc_add_months(int64_t t, int months)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	time_t j = (time_t)(t + JST_OFFSET_SECONDS);
	struct tm tm;
	int y, m, d;

	gmtime_r(&j, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + months;
	y += m / 12;
	m %= 12;
	d = mdays[m] + (m == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (tm.tm_mday > d)
		tm.tm_mday = d;
	tm.tm_year = y - 1900;
	tm.tm_mon = m;
	return (int64_t)timegm(&tm) - JST_OFFSET_SECONDS;
}

/* ------------------------------------------------------------ clocks of one incident */

struct clk {
	char regime[48], report[48];
	int64_t due, met_at;
	char state[12];
	bool seen;
};

static int history(const struct inc_ctx *c, int64_t id, const char *regime, const char *report,
		   int64_t old_due, int64_t new_due, const char *old_state, const char *new_state,
		   const char *reason, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(c->s,
			  "INSERT INTO incident_clock_history (incident_id, regime, report, at, "
			  "old_due, new_due, old_state, new_state, reason) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, regime);
	stmt_bind_text(st, 3, report);
	stmt_bind_int64(st, 4, c->now);
	if (old_due)
		stmt_bind_int64(st, 5, old_due);
	else
		stmt_bind_null(st, 5);
	if (new_due)
		stmt_bind_int64(st, 6, new_due);
	else
		stmt_bind_null(st, 6);
	stmt_bind_text(st, 7, old_state);
	stmt_bind_text(st, 8, new_state);
	stmt_bind_text(st, 9, reason);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static struct clk *clk_find(struct clk *v, size_t n, const char *regime, const char *report)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].regime, regime) && !strcmp(v[i].report, report))
			return &v[i];
	return NULL;
}

int inc_clocks_sync(const struct inc_ctx *c, int64_t id, int met_kind, const char *reason,
		    struct merr *e)
{
	struct clk have[INC_REGIMES_MAX * INC_REPORTS_MAX];
	char regs[INC_REGIMES_MAX][48];
	size_t nh = 0, nr = 0;
	int64_t aware = 0, paid = 0;
	struct store_stmt *st = NULL;
	int rc;

	if (!c->regimes)
		return 0;
	if ((rc = store_prepare(
		 c->s,
		 "SELECT aware_at, (SELECT json_extract(body, '$.ransom_paid_at') FROM "
		 "incident_versions v WHERE v.incident_id = i.id ORDER BY seq DESC "
		 "LIMIT 1) FROM incidents i WHERE id = ?",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		aware = stmt_int64(st, 0);
		if (stmt_text(st, 1))
			time_parse(stmt_text(st, 1), &paid);
	}
	stmt_finalize(st);
	if (rc <= 0)
		return rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no incident %lld", (long long)id);
	if ((rc = store_prepare(c->s, "SELECT regime FROM incident_regimes WHERE incident_id = ?",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1 && nr < INC_REGIMES_MAX)
		snprintf(regs[nr++], 48, "%s", stmt_text(st, 0));
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if ((rc = store_prepare(c->s,
				"SELECT regime, report, due_at, state, met_at FROM incident_clocks "
				"WHERE incident_id = ?",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1 && nh < ARRAY_SIZE(have)) {
		struct clk *k = &have[nh++];
		memset(k, 0, sizeof(*k));
		snprintf(k->regime, sizeof(k->regime), "%s", stmt_text(st, 0));
		snprintf(k->report, sizeof(k->report), "%s", stmt_text(st, 1));
		k->due = stmt_int64(st, 2);
		snprintf(k->state, sizeof(k->state), "%s", stmt_text(st, 3));
		k->met_at = stmt_int64(st, 4);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < nr; i++) {
		const struct inc_regime *g = inc_regime_find(c->regimes, regs[i]);
		int64_t base_of[INC_REPORTS_MAX] = {0};

		if (!g)
			continue;
		for (size_t j = 0; j < g->n_reports; j++) {
			const struct inc_rreport *r = &g->reports[j];
			struct clk *k = clk_find(have, nh, g->id, r->id);
			int64_t base = r->ransom ? paid : aware, due;
			bool met_now;

			if (r->after[0])
				for (size_t q = 0; q < j; q++)
					if (!strcmp(g->reports[q].id, r->after))
						base = base_of[q];
			if (!base) {
				if (k)
					k->seen = !strcmp(k->state, "pending") ? false : true;
				continue;
			}
			due = r->months ? inc_add_months(base, r->months) : base + r->offset_s;
			met_now = met_kind >= 0 && r->met_by == met_kind;
			if (!k) {
				if ((rc = store_prepare(
					 c->s,
					 "INSERT INTO incident_clocks (incident_id, "
					 "regime, report, due_at, state, met_at) VALUES "
					 "(?, ?, ?, ?, ?, ?)",
					 &st, e)))
					return rc;
				stmt_bind_int64(st, 1, id);
				stmt_bind_text(st, 2, g->id);
				stmt_bind_text(st, 3, r->id);
				stmt_bind_int64(st, 4, due);
				stmt_bind_text(st, 5, met_now ? "met" : "pending");
				if (met_now)
					stmt_bind_int64(st, 6, c->now);
				else
					stmt_bind_null(st, 6);
				rc = stmt_step(st, e);
				stmt_finalize(st);
				if (rc < 0 ||
				    (rc = history(c, id, g->id, r->id, 0, due, NULL,
						  met_now ? "met" : "pending", reason, e)))
					return rc;
				base_of[j] = met_now ? c->now : due;
				continue;
			}
			k->seen = true;
			if (strcmp(k->state, "met") == 0) {
				base_of[j] = k->met_at ? k->met_at : k->due;
				continue;
			}
			/* pending or dropped (a regime added back): recompute */
			if (due != k->due || met_now || strcmp(k->state, "pending")) {
				const char *ns = met_now ? "met" : "pending";
				if ((rc = store_prepare(
					 c->s,
					 "UPDATE incident_clocks SET due_at = ?, state "
					 "= ?, met_at = ? WHERE incident_id = ? AND "
					 "regime = ? AND report = ?",
					 &st, e)))
					return rc;
				stmt_bind_int64(st, 1, due);
				stmt_bind_text(st, 2, ns);
				if (met_now)
					stmt_bind_int64(st, 3, c->now);
				else
					stmt_bind_null(st, 3);
				stmt_bind_int64(st, 4, id);
				stmt_bind_text(st, 5, g->id);
				stmt_bind_text(st, 6, r->id);
				rc = stmt_step(st, e);
				stmt_finalize(st);
				if (rc < 0 || (rc = history(c, id, g->id, r->id, k->due, due,
							    k->state, ns, reason, e)))
					return rc;
			}
			base_of[j] = met_now ? c->now : due;
		}
	}
	/* clocks of regimes no longer applying: dropped */
	for (size_t i = 0; i < nh; i++) {
		if (have[i].seen || strcmp(have[i].state, "pending"))
			continue;
		if ((rc = store_prepare(c->s,
					"UPDATE incident_clocks SET state = 'dropped' WHERE "
					"incident_id = ? AND regime = ? AND report = ?",
					&st, e)))
			return rc;
		stmt_bind_int64(st, 1, id);
		stmt_bind_text(st, 2, have[i].regime);
		stmt_bind_text(st, 3, have[i].report);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0 || (rc = history(c, id, have[i].regime, have[i].report, have[i].due,
					    have[i].due, "pending", "dropped", reason, e)))
			return rc;
	}
	if ((rc = store_prepare(c->s,
				"UPDATE incidents SET next_due = (SELECT min(due_at) FROM "
				"incident_clocks WHERE incident_id = ?1 AND state = 'pending'), "
				"updated_at = ?2 WHERE id = ?1",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_int64(st, 2, c->now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ analyst changes */

static int exists(const struct inc_ctx *c, int64_t id, struct merr *e)
{
	char org[128];
	return inc_org_of(c->s, id, org, sizeof(org), e);
}

int inc_regimes_set(const struct inc_ctx *c, int64_t id, const char *const *names, size_t n,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	struct buf d;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!inc_regime_find(c->regimes, names[i]))
			return merr_set(e, M_EINVAL, "unknown regime '%s' (see `incident regimes`)",
					names[i]);
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = exists(c, id, e)))
		goto fail;
	if ((rc =
		 store_prepare(c->s, "DELETE FROM incident_regimes WHERE incident_id = ?", &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_prepare(
			 c->s,
			 "INSERT OR IGNORE INTO incident_regimes (incident_id, regime, "
			 "added_at, added_by) VALUES (?, ?, ?, ?)",
			 &st, e)))
			goto fail;
		stmt_bind_int64(st, 1, id);
		stmt_bind_text(st, 2, names[i]);
		stmt_bind_int64(st, 3, c->now);
		stmt_bind_text(st, 4, c->actor);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
	}
	if ((rc = inc_clocks_sync(c, id, -1, "regimes changed / 適用制度の変更", e)))
		goto fail;
	buf_init(&d, 4096);
	buf_adds(&d, "{\"regimes\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&d, ',');
		buf_add_json_str(&d, names[i]);
	}
	buf_adds(&d, "]}");
	rc = inc_event(c, id, 0, "regimes", false, buf_str(&d), e);
	buf_release(&d);
	if (rc)
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

int inc_set_aware(const struct inc_ctx *c, int64_t id, int64_t aware_at, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t occurred = 0, old = 0;
	char d[160], a[TIME_STR_MAX], b[TIME_STR_MAX];
	int rc;

	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = store_prepare(c->s, "SELECT occurred_at, aware_at FROM incidents WHERE id = ?",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		occurred = stmt_int64(st, 0);
		old = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	if (rc <= 0) {
		rc = rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no incident %lld", (long long)id);
		goto fail;
	}
	if (aware_at < occurred) {
		rc = merr_set(e, M_EINVAL,
			      "awareness before the occurrence / 認知日時が発生日時より前です");
		goto fail;
	}
	if ((rc = store_prepare(c->s, "UPDATE incidents SET aware_at = ? WHERE id = ?", &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, aware_at);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	time_fmt_utc(old, a);
	time_fmt_utc(aware_at, b);
	snprintf(d, sizeof(d), "{\"aware_at\":{\"old\":\"%s\",\"new\":\"%s\"}}", a, b);
	if ((rc = inc_clocks_sync(c, id, -1, "awareness time moved / 認知日時の変更", e)) ||
	    (rc = inc_event(c, id, 0, "aware", false, d, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

int inc_clock_met(const struct inc_ctx *c, int64_t id, const char *regime, const char *report,
		  int64_t at, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t due = 0;
	char d[256];
	int rc;

	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = store_prepare(
		 c->s,
		 "SELECT due_at FROM incident_clocks WHERE incident_id = ? AND regime "
		 "= ? AND report = ? AND state = 'pending'",
		 &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, regime);
	stmt_bind_text(st, 3, report);
	rc = stmt_step(st, e);
	due = rc == 1 ? stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	if (rc <= 0) {
		rc = rc < 0 ? rc
			    : merr_set(e, M_ENOTFOUND, "no pending clock %s/%s on incident %lld",
				       regime, report, (long long)id);
		goto fail;
	}
	if ((rc = store_prepare(c->s,
				"UPDATE incident_clocks SET state = 'met', met_at = ? WHERE "
				"incident_id = ? AND regime = ? AND report = ?",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, at ? at : c->now);
	stmt_bind_int64(st, 2, id);
	stmt_bind_text(st, 3, regime);
	stmt_bind_text(st, 4, report);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0 ||
	    (rc = history(c, id, regime, report, due, due, "pending", "met", "marked met", e)) ||
	    (rc = inc_clocks_sync(c, id, -1, "a report was made / 報告済み", e)))
		goto fail;
	snprintf(d, sizeof(d), "{\"clock\":\"%s/%s\",\"state\":\"met\"}", regime, report);
	if ((rc = inc_event(c, id, 0, "clock", false, d, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

/* ------------------------------------------------------------ reminders */

struct due_row {
	int64_t clock_id, incident, due;
	char org[128], regime[48], report[48], title[310];
	bool overdue;
};

static int queue_alert(const struct inc_ctx *c, const struct due_row *r, const char *ack_base,
		       struct merr *e)
{
	const struct inc_regime *g = inc_regime_find(c->regimes, r->regime);
	const struct inc_rreport *rep = NULL;
	char due_jst[TIME_STR_MAX], due_utc[TIME_STR_MAX];
	struct alert_msg m;
	struct buf subj, body;
	int rc;

	for (size_t i = 0; g && i < g->n_reports; i++)
		if (!strcmp(g->reports[i].id, r->report))
			rep = &g->reports[i];
	time_fmt_jst(r->due, due_jst);
	time_fmt_utc(r->due, due_utc);
	memset(&m, 0, sizeof(m));
	snprintf(m.org, sizeof(m.org), "%s", r->org);
	snprintf(m.issue_key, sizeof(m.issue_key), "incident:%lld:%s:%s:%s:%lld",
		 (long long)r->incident, r->regime, r->report, r->overdue ? "overdue" : "remind",
		 (long long)r->due);
	buf_init(&subj, 1024);
	buf_init(&body, 8192);
	buf_addf(&subj, "%s インシデント #%lld %s %s / Incident report %s",
		 r->overdue ? "【期限超過】" : "【報告期限】", (long long)r->incident,
		 g ? g->name_ja : r->regime, rep ? rep->name_ja : r->report,
		 r->overdue ? "overdue" : "due soon");
	buf_addf(&body,
		 "インシデント #%lld「%s」の報告期限%s。\n"
		 "制度: %s (%s)\n報告: %s (%s)\n期限: %s (%s)\n根拠: %s\n\n---- English ----\n"
		 "Incident #%lld: the report %s %s under %s is %s: due %s.\n",
		 (long long)r->incident, r->title, r->overdue ? "を過ぎました" : "が近づいています",
		 g ? g->name_ja : r->regime, g ? g->name_en : r->regime,
		 rep ? rep->name_ja : r->report, rep ? rep->name_en : r->report, due_jst, due_utc,
		 rep ? rep->source : "-", (long long)r->incident, r->report,
		 rep ? rep->name_en : "", g ? g->name_en : r->regime,
		 r->overdue ? "OVERDUE" : "due soon", due_utc);
	m.subject = (char *)buf_str(&subj);
	m.body = (char *)buf_str(&body);
	m.urgent = r->overdue;
	m.ack_base = ack_base;
	rc = alert_insert(c->s, &m, c->now, e);
	buf_release(&subj);
	buf_release(&body);
	return rc < 0 ? rc : 0;
}

/* Cases past an SLA due time (first response or resolution) with nothing done: one alert each
 * for the analysts, under the reserved org "_cases" that no operator's or bureau's rows include
 * (as the console's security alerts). Returns how many were created in *n. */
static int case_sla_alerts(const struct inc_ctx *c, const char *ack_base, long *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct {
		int64_t id, due;
		bool first;
		char org[128], title[310], kind[16];
	} *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc = store_prepare(c->s,
			       "SELECT c.id, o.slug, c.title, c.kind, c.first_response_due, "
			       "c.first_response_at, c.resolution_due, c.resolved_at FROM cases c "
			       "JOIN orgs o ON o.id = c.org_id WHERE c.exercise_run IS NULL AND "
			       "c.state != 'closed' AND ((c.first_response_at IS NULL AND "
			       "c.first_response_due < ?1) OR (c.resolved_at IS NULL AND "
			       "c.resolution_due < ?1)) ORDER BY c.id",
			       &st, e);

	*n = 0;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, c->now);
	while ((rc = stmt_step(st, e)) == 1) {
		for (int k = 0; k < 2; k++) {
			bool first = k == 0;
			int64_t due = stmt_int64(st, first ? 4 : 6);
			if (!stmt_is_null(st, first ? 5 : 7) || due >= c->now)
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				if (!(nv = m_realloc(v, cap * sizeof(*v)))) {
					m_free(v);
					stmt_finalize(st);
					return merr_set(e, M_ENOMEM, "out of memory");
				}
				v = nv;
			}
			v[cnt].id = stmt_int64(st, 0);
			v[cnt].due = due;
			v[cnt].first = first;
			snprintf(v[cnt].org, sizeof(v[cnt].org), "%s", stmt_text(st, 1));
			snprintf(v[cnt].title, sizeof(v[cnt].title), "%s", stmt_text(st, 2));
			snprintf(v[cnt].kind, sizeof(v[cnt].kind), "%s", stmt_text(st, 3));
			cnt++;
		}
	}
	stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i < cnt; i++) {
		char due[TIME_STR_MAX];
		struct alert_msg m;
		struct buf subj, body;

		time_fmt_jst(v[i].due, due);
		memset(&m, 0, sizeof(m));
		snprintf(m.org, sizeof(m.org), "_cases");
		snprintf(m.issue_key, sizeof(m.issue_key), "case:%lld:%s:%lld", (long long)v[i].id,
			 v[i].first ? "first_response" : "resolution", (long long)v[i].due);
		buf_init(&subj, 1024);
		buf_init(&body, 4096);
		buf_addf(&subj, "【SLA 超過】案件 #%lld %s / Case SLA missed", (long long)v[i].id,
			 v[i].first ? "初回応答" : "回答");
		buf_addf(&body,
			 "案件 #%lld（%s, %s）「%s」の%sの期限 %s を過ぎました。\n"
			 "Case #%lld of %s: the %s was due %s.\n",
			 (long long)v[i].id,
			 !strcmp(v[i].kind, "rush") ? "駆けつけ支援" : "相談窓口", v[i].org,
			 v[i].title, v[i].first ? "初回応答" : "回答", due, (long long)v[i].id,
			 v[i].org, v[i].first ? "first response" : "resolution", due);
		m.subject = (char *)buf_str(&subj);
		m.body = (char *)buf_str(&body);
		m.urgent = true;
		m.ack_base = ack_base;
		rc = alert_insert(c->s, &m, c->now, e);
		if (rc == 1)
			(*n)++;
		buf_release(&subj);
		buf_release(&body);
	}
	m_free(v);
	return rc < 0 ? rc : 0;
}

int inc_remind(const struct inc_ctx *c, const char *ack_base, long *reminders, long *overdue,
	       struct merr *e)
{
	struct store_stmt *st = NULL;
	struct due_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*reminders = *overdue = 0;
	if (!c->regimes)
		return merr_set(e, M_EINVAL, "no regime table loaded");
	rc =
	    store_prepare(c->s,
			  "SELECT k.id, k.incident_id, k.due_at, o.slug, k.regime, k.report, "
			  "i.title, k.reminded_due, k.overdue_due FROM incident_clocks k "
			  "JOIN incidents i ON i.id = k.incident_id JOIN orgs o ON o.id = i.org_id "
			  "WHERE k.state = 'pending' AND i.exercise_run IS NULL AND i.state = "
			  "'open' ORDER BY k.due_at, k.id",
			  &st, e);
	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		const struct inc_regime *g = inc_regime_find(c->regimes, stmt_text(st, 4));
		int64_t due = stmt_int64(st, 2), before = 0;
		bool od = c->now > due, rem;
		struct due_row *r;

		for (size_t i = 0; g && i < g->n_reports; i++)
			if (!strcmp(g->reports[i].id, stmt_text(st, 5)))
				before = g->reports[i].remind_s;
		rem = !od && c->now >= due - before &&
		      (stmt_is_null(st, 7) || stmt_int64(st, 7) != due);
		od = od && (stmt_is_null(st, 8) || stmt_int64(st, 8) != due);
		if (!rem && !od)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct due_row *nr = m_realloc(rows, nc * sizeof(*rows));
			if (!nr) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			rows = nr;
			cap = nc;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->clock_id = stmt_int64(st, 0);
		r->incident = stmt_int64(st, 1);
		r->due = due;
		snprintf(r->org, sizeof(r->org), "%s", stmt_text(st, 3));
		snprintf(r->regime, sizeof(r->regime), "%s", stmt_text(st, 4));
		snprintf(r->report, sizeof(r->report), "%s", stmt_text(st, 5));
		snprintf(r->title, sizeof(r->title), "%s", stmt_text(st, 6));
		r->overdue = od;
	}
	stmt_finalize(st);
	if (rc < 0) {
		m_free(rows);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const struct due_row *r = &rows[i];
		if ((rc = store_begin_immediate(c->s, e)))
			break;
		if ((rc = queue_alert(c, r, ack_base, e)) ||
		    (rc = store_prepare(c->s,
					r->overdue ? "UPDATE incident_clocks SET overdue_due = ? "
						     "WHERE id = ?"
						   : "UPDATE incident_clocks SET reminded_due = ? "
						     "WHERE id = ?",
					&st, e))) {
			store_rollback(c->s);
			break;
		}
		stmt_bind_int64(st, 1, r->due);
		stmt_bind_int64(st, 2, r->clock_id);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc >= 0) {
			char d[200];
			snprintf(d, sizeof(d), "{\"clock\":\"%s/%s\",\"alert\":\"%s\"}", r->regime,
				 r->report, r->overdue ? "overdue" : "reminder");
			rc = inc_event(c, r->incident, 0, r->overdue ? "overdue" : "reminder",
				       false, d, e);
		}
		if (rc < 0 || (rc = store_commit(c->s, e))) {
			store_rollback(c->s);
			break;
		}
		if (r->overdue)
			(*overdue)++;
		else
			(*reminders)++;
	}
	m_free(rows);
	if (rc >= 0) {
		long ncase = 0;
		rc = case_sla_alerts(c, ack_base, &ncase, e);
		*overdue += ncase;
	}
	return rc < 0 ? rc : 0;
}
