/* store.c - answer sets in the store (tables of migration 0820): save a draft or submit in one
 * transaction after every check, load, result with the org's open findings as evidence,
 * history with the diff and trend per quarter, export, re-check reminders. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "alert/alert.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "checklist/checklist_int.h"
#include "findings/findings.h"
#include "inventory/inventory.h"

struct orginfo {
	char btype[32], size[16], sector[32];
	bool has_btype, has_size;
};

static int org_info(struct store *s, const char *org, struct orginfo *o, struct merr *e)
{
	struct inv_filter f = {org, NULL, -1, 0};
	struct inv_doc *d = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	if (!org || !*org)
		return merr_set(e, M_EINVAL, "name an organisation");
	if ((rc = inv_load(s, &f, &d, e)))
		return rc;
	if (d->n_orgs != 1) {
		inv_doc_free(d);
		return merr_set(e, M_ENOTFOUND, "no organisation '%.100s'", org);
	}
	if (d->orgs[0].business_type) {
		snprintf(o->btype, sizeof(o->btype), "%s", d->orgs[0].business_type);
		o->has_btype = true;
	}
	if (d->orgs[0].size_class) {
		snprintf(o->size, sizeof(o->size), "%s", d->orgs[0].size_class);
		o->has_size = true;
	}
	if (d->orgs[0].sector)
		snprintf(o->sector, sizeof(o->sector), "%s", d->orgs[0].sector);
	inv_doc_free(d);
	return 0;
}

#define BT(o) ((o)->has_btype ? (o)->btype : NULL)
#define SZ(o) ((o)->has_size ? (o)->size : NULL)

static void bind_or_null(struct store_stmt *st, int i, const char *v)
{
	if (v && *v)
		stmt_bind_text(st, i, v);
	else
		stmt_bind_null(st, i);
}

static void bind_score(struct store_stmt *st, int i, double v)
{
	if (v < 0)
		stmt_bind_null(st, i);
	else
		stmt_bind_double(st, i, v);
}

static int write_set(struct store *s, const char *org, const struct orginfo *o,
		     const struct cl_catalogue *c, const struct cl_answers *a, bool submit,
		     const char *actor, int64_t now, int64_t *id_out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct cl_score sc;
	char quarter[16];
	int64_t id = 0;
	int rc;

	if ((rc = cl_score_compute(c, a, BT(o), SZ(o), &sc)))
		return merr_set(e, rc, "out of memory");
	time_quarter(now, quarter);
	if ((rc = store_begin_immediate(s, e)))
		goto out;
	/* The set's number is the largest so far plus one, read before the draft is removed, on
	 * both engines (SQLite's rowid would reuse a removed draft's number, a PostgreSQL
	 * identity never does): a save always gives a new number, which cl_sector_get takes as
	 * its cache generation. */
	rc = store_query_int(s, "SELECT COALESCE(MAX(id), 0) FROM checklist_sets", &id, e);
	/* the draft goes either way: replaced by a new draft, or submitted */
	if (rc == 0)
		rc = store_prepare(
		    s, "DELETE FROM checklist_sets WHERE org_slug = ? AND state = 'draft'", &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, org);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		st = NULL;
	}
	if (rc >= 0)
		rc = store_prepare(
		    s,
		    "INSERT INTO checklist_sets (org_slug, catalogue_version, state, "
		    "business_type, size_class, sector, quarter, actor, created_at, submitted_at, "
		    "score_total, score_basic, score_advanced, basic_done, id) VALUES (?, ?, ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
		    &st, e);
	/* a concurrent save (PostgreSQL) that took the number first: the next one, a few times */
	for (int tries = 0; rc >= 0 && tries < 8; tries++) {
		int64_t want = id + 1;
		if (tries > 0) {
			stmt_reset(st);
			if ((rc = store_query_int(
				 s, "SELECT COALESCE(MAX(id), 0) FROM checklist_sets", &id, e)))
				break;
			want = id + 1;
		}
		stmt_bind_text(st, 1, org);
		stmt_bind_text(st, 2, c->version);
		stmt_bind_text(st, 3, submit ? "submitted" : "draft");
		bind_or_null(st, 4, BT(o));
		bind_or_null(st, 5, SZ(o));
		bind_or_null(st, 6, o->sector);
		if (submit)
			stmt_bind_text(st, 7, quarter);
		else
			stmt_bind_null(st, 7);
		bind_or_null(st, 8, actor);
		stmt_bind_int64(st, 9, now);
		if (submit)
			stmt_bind_int64(st, 10, now);
		else
			stmt_bind_null(st, 10);
		bind_score(st, 11, sc.total.score);
		bind_score(st, 12, sc.tier[CL_BASIC].score);
		bind_score(st, 13, sc.tier[CL_ADVANCED].score);
		stmt_bind_int64(st, 14, sc.basic_done);
		stmt_bind_int64(st, 15, want);
		rc = stmt_step(st, e);
		if (rc == 1) {
			id = stmt_int64(st, 0);
			rc = stmt_step(st, e);
			break;
		}
		if (rc == 0 && tries == 7)
			rc = merr_set(e, M_ESTORE, "no free answer set number after 8 tries");
	}
	stmt_finalize(st);
	st = NULL;
	if (rc >= 0)
		rc = store_prepare(
		    s,
		    "INSERT INTO checklist_answers (set_id, item_id, answer, comment) "
		    "VALUES (?, ?, ?, ?)",
		    &st, e);
	for (size_t i = 0; rc >= 0 && i < a->n; i++) {
		stmt_reset(st);
		stmt_bind_int64(st, 1, id);
		stmt_bind_text(st, 2, a->v[i].item);
		stmt_bind_text(st, 3, cl_answer_code(a->v[i].answer));
		bind_or_null(st, 4, a->v[i].comment);
		rc = stmt_step(st, e);
	}
	stmt_finalize(st);
	if (rc >= 0)
		rc = store_commit(s, e);
	else
		store_rollback(s);
out:
	cl_score_release(&sc);
	if (rc < 0)
		return rc;
	if (id_out)
		*id_out = id;
	return 0;
}

int cl_save(struct store *s, const char *org, const struct cl_answers *a, bool submit,
	    const char *actor, int64_t now, int64_t *set_id, struct merr *e)
{
	const struct cl_catalogue *c;
	struct orginfo o;
	int rc;

	if ((rc = org_info(s, org, &o, e)))
		return rc;
	if (a->org && strcmp(a->org, org))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "org",
			       "the file's answers are for '%.100s', not '%.100s'", a->org, org);
	if (!a->version)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "catalogue", "missing catalogue version");
	if ((rc = cl_catalogue_get(NULL, a->version, &c, e)))
		return rc;
	if ((rc = cl_answers_check(c, a, BT(&o), SZ(&o), submit, e)))
		return rc;
	return write_set(s, org, &o, c, a, submit, actor, now, set_id, e);
}

int cl_submit_draft(struct store *s, const char *org, const char *actor, int64_t now,
		    int64_t *set_id, struct merr *e)
{
	struct cl_set st;
	int rc = cl_set_load(s, org, -1, &st, e);

	if (rc)
		return rc;
	rc = cl_save(s, org, &st.a, true, actor, now, set_id, e);
	cl_set_release(&st);
	return rc;
}

void cl_set_release(struct cl_set *st)
{
	cl_answers_release(&st->a);
}

int cl_set_load(struct store *s, const char *org, int64_t id, struct cl_set *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	const char *sql =
	    id > 0
		? "SELECT id, org_slug, catalogue_version, state, business_type, size_class, "
		  "quarter, actor, created_at, submitted_at FROM checklist_sets WHERE org_slug = "
		  "? AND id = ?"
	    : id == 0
		? "SELECT id, org_slug, catalogue_version, state, business_type, size_class, "
		  "quarter, actor, created_at, submitted_at FROM checklist_sets WHERE org_slug = ? "
		  "AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1"
		: "SELECT id, org_slug, catalogue_version, state, business_type, size_class, "
		  "quarter, actor, created_at, submitted_at FROM checklist_sets WHERE org_slug = ? "
		  "AND state = 'draft'";
	int rc;

	memset(out, 0, sizeof(*out));
	cl_answers_init(&out->a);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	if (id > 0)
		stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		const char *v;
		out->id = stmt_int64(st, 0);
		snprintf(out->org, sizeof(out->org), "%s", stmt_text(st, 1));
		snprintf(out->version, sizeof(out->version), "%s", stmt_text(st, 2));
		snprintf(out->state, sizeof(out->state), "%s", stmt_text(st, 3));
		snprintf(out->btype, sizeof(out->btype), "%s", (v = stmt_text(st, 4)) ? v : "");
		snprintf(out->size, sizeof(out->size), "%s", (v = stmt_text(st, 5)) ? v : "");
		snprintf(out->quarter, sizeof(out->quarter), "%s", (v = stmt_text(st, 6)) ? v : "");
		snprintf(out->actor, sizeof(out->actor), "%s", (v = stmt_text(st, 7)) ? v : "");
		out->created_at = stmt_int64(st, 8);
		out->submitted_at = stmt_int64(st, 9);
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "%s of '%.100s' not found",
			      id > 0	? "answer set"
			      : id == 0 ? "a submitted answer set"
					: "a draft",
			      org);
	}
	stmt_finalize(st);
	if (rc)
		return rc;
	if ((rc = store_prepare(
		 s,
		 "SELECT item_id, answer, comment FROM checklist_answers WHERE set_id = "
		 "? ORDER BY item_id",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, out->id);
	if (!(out->a.version = m_strdup(out->version)))
		rc = M_ENOMEM;
	while (rc >= 0 && (rc = stmt_step(st, e)) == 1) {
		enum cl_answer a = CL_UNANSWERED;
		cl_answer_parse(stmt_text(st, 1), &a);
		if (cl_answers_add(&out->a, stmt_text(st, 0), a, stmt_text(st, 2), 0))
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	stmt_finalize(st);
	if (rc < 0) {
		cl_set_release(out);
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ findings as evidence */

void cl_findings_release(struct cl_findings *f)
{
	for (size_t i = 0; i < f->n_strs; i++)
		m_free(f->strs[i]);
	m_free(f->strs);
	m_free(f->v);
	memset(f, 0, sizeof(*f));
}

static const char *keep(struct cl_findings *f, const char *s)
{
	char *c;
	if (!s)
		return NULL;
	if (!(c = m_strdup(s)))
		return NULL;
	f->strs[f->n_strs++] = c;
	return c;
}

static int add_finding(void *arg, const struct finding_row *r)
{
	struct cl_findings *f = arg;
	struct cl_finding *x;
	void *v;

	if (!(v = m_realloc(f->v, (f->n + 1) * sizeof(*f->v))))
		return M_ENOMEM;
	f->v = v;
	if (!(v = m_realloc(f->strs, (f->n_strs + 4) * sizeof(*f->strs))))
		return M_ENOMEM;
	f->strs = v;
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->id = r->id;
	x->kev = r->kev;
	x->deadline = r->deadline;
	x->issue_key = keep(f, r->issue_key);
	x->kind = keep(f, r->kind);
	x->title = keep(f, r->title);
	x->asset = keep(f, r->asset);
	return x->issue_key ? 0 : M_ENOMEM;
}

int cl_findings_load(struct store *s, const char *org, struct cl_findings *out, struct merr *e)
{
	struct finding_filter f = {.org = org, .open_only = true};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = finding_list(s, &f, add_finding, out, e);
	if (rc) {
		cl_findings_release(out);
		return rc < 0 ? rc : merr_set(e, M_ENOMEM, "out of memory");
	}
	return 0;
}

/* ------------------------------------------------------------ result */

static void set_header(cJSON *o, const struct cl_set *st)
{
	cJSON_AddStringToObject(o, "org", st->org);
	cJSON_AddNumberToObject(o, "set", (double)st->id);
	cJSON_AddStringToObject(o, "state", st->state);
	cJSON_AddStringToObject(o, "business_type", st->btype);
	cJSON_AddStringToObject(o, "size", st->size);
	json_add_str(o, "quarter", st->quarter[0] ? st->quarter : NULL);
	json_add_str(o, "actor", st->actor[0] ? st->actor : NULL);
	cJSON_AddNumberToObject(o, "created_at", (double)st->created_at);
	if (st->submitted_at)
		cJSON_AddNumberToObject(o, "submitted_at", (double)st->submitted_at);
	else
		cJSON_AddNullToObject(o, "submitted_at");
}

int cl_result_json(struct store *s, const char *org, int64_t id, int64_t now, cJSON **out,
		   struct merr *e)
{
	const struct cl_catalogue *c;
	struct cl_findings f;
	struct cl_set st;
	cJSON *o;
	int rc;

	*out = NULL;
	if ((rc = cl_set_load(s, org, id, &st, e)))
		return rc;
	if ((rc = cl_catalogue_get(NULL, st.version, &c, e))) {
		cl_set_release(&st);
		return rc;
	}
	if ((rc = cl_findings_load(s, org, &f, e))) {
		cl_set_release(&st);
		return rc;
	}
	o = cJSON_CreateObject();
	set_header(o, &st);
	cJSON_AddNumberToObject(o, "open_findings", (double)f.n);
	rc = cl_evaluate_json(c, &st.a, st.btype[0] ? st.btype : NULL, st.size[0] ? st.size : NULL,
			      f.v, f.n, now, o);
	cl_findings_release(&f);
	cl_set_release(&st);
	if (rc) {
		cJSON_Delete(o);
		return merr_set(e, rc, "out of memory");
	}
	*out = o;
	return 0;
}

/* ------------------------------------------------------------ history, diff */

static int rankof(enum cl_answer a)
{
	switch (a) {
	case CL_DONE: return 4;
	case CL_PARTIAL: return 3;
	case CL_NOT_DONE: return 2;
	case CL_UNKNOWN: return 1;
	default: return 0;
	}
}

int cl_diff_json(struct store *s, const char *org, int64_t a, int64_t b, cJSON **out,
		 struct merr *e)
{
	struct cl_set sa, sb;
	cJSON *o, *imp, *wor, *chg;
	int rc;

	*out = NULL;
	if ((rc = cl_set_load(s, org, a, &sa, e)))
		return rc;
	if ((rc = cl_set_load(s, org, b, &sb, e))) {
		cl_set_release(&sa);
		return rc;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "from", (double)sa.id);
	cJSON_AddNumberToObject(o, "to", (double)sb.id);
	cJSON_AddStringToObject(o, "from_catalogue", sa.version);
	cJSON_AddStringToObject(o, "to_catalogue", sb.version);
	imp = cJSON_AddArrayToObject(o, "improved");
	wor = cJSON_AddArrayToObject(o, "worsened");
	chg = cJSON_AddArrayToObject(o, "changed");
	for (size_t i = 0; i < sb.a.n; i++) {
		const struct cl_answer_row *rb = &sb.a.v[i], *ra = cl_answers_find(&sa.a, rb->item);
		enum cl_answer va = ra ? ra->answer : CL_UNANSWERED;
		cJSON *x;
		if (va == rb->answer)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "item", rb->item);
		cJSON_AddStringToObject(x, "from", cl_answer_code(va));
		cJSON_AddStringToObject(x, "to", cl_answer_code(rb->answer));
		if (va == CL_NA || rb->answer == CL_NA || va == CL_UNANSWERED)
			cJSON_AddItemToArray(chg, x);
		else if (rankof(rb->answer) > rankof(va))
			cJSON_AddItemToArray(imp, x);
		else
			cJSON_AddItemToArray(wor, x);
	}
	for (size_t i = 0; i < sa.a.n; i++)
		if (!cl_answers_find(&sb.a, sa.a.v[i].item)) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "item", sa.a.v[i].item);
			cJSON_AddStringToObject(x, "from", cl_answer_code(sa.a.v[i].answer));
			cJSON_AddStringToObject(x, "to", "unanswered");
			cJSON_AddItemToArray(chg, x);
		}
	cl_set_release(&sa);
	cl_set_release(&sb);
	*out = o;
	return 0;
}

static void add_score(cJSON *o, const char *k, struct store_stmt *st, int col)
{
	if (stmt_is_null(st, col))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, stmt_double(st, col));
}

int cl_history_json(struct store *s, const char *org, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct orginfo oi;
	cJSON *o, *sets, *trend;
	int64_t newest[2] = {0, 0};
	char lastq[16] = "";
	int rc;

	*out = NULL;
	if ((rc = org_info(s, org, &oi, e)))
		return rc;
	if ((rc = store_prepare(
		 s,
		 "SELECT id, state, catalogue_version, quarter, created_at, "
		 "submitted_at, score_total, score_basic, score_advanced, basic_done, "
		 "actor FROM checklist_sets WHERE org_slug = ? ORDER BY "
		 "COALESCE(submitted_at, created_at) DESC, id DESC",
		 &st, e)))
		return rc;
	stmt_bind_text(st, 1, org);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", org);
	sets = cJSON_AddArrayToObject(o, "sets");
	trend = cJSON_AddArrayToObject(o, "trend");
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *x = cJSON_CreateObject();
		bool sub = strcmp(stmt_text(st, 1), "submitted") == 0;
		const char *q = stmt_text(st, 3);
		cJSON_AddNumberToObject(x, "set", (double)stmt_int64(st, 0));
		cJSON_AddStringToObject(x, "state", stmt_text(st, 1));
		cJSON_AddStringToObject(x, "catalogue", stmt_text(st, 2));
		json_add_str(x, "quarter", q);
		cJSON_AddNumberToObject(x, "created_at", (double)stmt_int64(st, 4));
		if (sub)
			cJSON_AddNumberToObject(x, "submitted_at", (double)stmt_int64(st, 5));
		else
			cJSON_AddNullToObject(x, "submitted_at");
		add_score(x, "total", st, 6);
		add_score(x, "basic", st, 7);
		add_score(x, "advanced", st, 8);
		cJSON_AddBoolToObject(x, "basic_done", stmt_int64(st, 9) != 0);
		json_add_str(x, "actor", stmt_text(st, 10));
		cJSON_AddItemToArray(sets, x);
		if (sub && !newest[0])
			newest[0] = stmt_int64(st, 0);
		else if (sub && !newest[1])
			newest[1] = stmt_int64(st, 0);
		/* trend: the newest submitted set of each quarter (rows come newest first) */
		if (sub && q && strcmp(q, lastq)) {
			cJSON *t = cJSON_CreateObject();
			snprintf(lastq, sizeof(lastq), "%s", q);
			cJSON_AddStringToObject(t, "quarter", q);
			cJSON_AddNumberToObject(t, "set", (double)stmt_int64(st, 0));
			add_score(t, "total", st, 6);
			add_score(t, "basic", st, 7);
			add_score(t, "advanced", st, 8);
			cJSON_AddBoolToObject(t, "basic_done", stmt_int64(st, 9) != 0);
			cJSON_InsertItemInArray(trend, 0, t); /* oldest first */
		}
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	if (newest[1]) {
		cJSON *d = NULL;
		if ((rc = cl_diff_json(s, org, newest[1], newest[0], &d, e))) {
			cJSON_Delete(o);
			return rc;
		}
		cJSON_AddItemToObject(o, "diff", d);
	} else {
		cJSON_AddNullToObject(o, "diff");
	}
	*out = o;
	return 0;
}

int cl_export(struct store *s, const char *org, int64_t id, bool csv, struct buf *out,
	      struct merr *e)
{
	const struct cl_catalogue *c = NULL;
	struct cl_set st;
	int rc = cl_set_load(s, org, id, &st, e);

	if (rc)
		return rc;
	if ((rc = cl_catalogue_get(NULL, st.version, &c, e)) == 0)
		rc = cl_answers_write(&st.a, c, org, csv, out, e);
	cl_set_release(&st);
	return rc;
}

/* ------------------------------------------------------------ reminders */

int cl_remind(struct store *s, int64_t interval, int64_t now, bool dry_run,
	      void (*fn)(const char *org, int64_t last, void *arg), void *arg, long *created,
	      struct merr *e)
{
	struct store_stmt *st = NULL;
	struct {
		char org[128];
		int64_t last;
	} *due = NULL;
	size_t n = 0;
	int rc;

	*created = 0;
	if (interval <= 0)
		return merr_set(e, M_EINVAL, "the re-check interval must be positive");
	if ((rc = store_prepare(
		 s,
		 "SELECT org_slug, max(submitted_at) FROM checklist_sets WHERE state = "
		 "'submitted' GROUP BY org_slug HAVING max(submitted_at) <= ? ORDER BY "
		 "org_slug",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now - interval);
	while ((rc = stmt_step(st, e)) == 1) {
		void *v = m_realloc(due, (n + 1) * sizeof(*due));
		if (!v) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
		due = v;
		snprintf(due[n].org, sizeof(due[n].org), "%s", stmt_text(st, 0));
		due[n++].last = stmt_int64(st, 1);
	}
	stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct alert_msg m;
		char last[TIME_STR_MAX], q[16], subject[256];
		struct buf body;
		memset(&m, 0, sizeof(m));
		time_fmt_jst_date(due[i].last, last);
		time_quarter(now, q);
		snprintf(m.org, sizeof(m.org), "%s", due[i].org);
		/* one reminder per org and quarter: alert_insert keeps (org, issue) unique */
		snprintf(m.issue_key, sizeof(m.issue_key), "checklist:recheck:%s", q);
		snprintf(
		    subject, sizeof(subject),
		    "[mamori] 自己点検チェックリストの再点検のお願い / checklist re-check due (%s)",
		    due[i].org);
		buf_init(&body, 8192);
		buf_addf(
		    &body,
		    "%s 様\n\n前回の自己点検チェックリストの提出（%s）から %lld 日が経ちました。\n"
		    "現在の対策状況を再点検し、回答を提出してください（mamori "
		    "コンソールの「自己点検」"
		    "または `mamori checklist answer`）。\n\n"
		    "Your last self-assessment checklist was submitted on %s, %lld days ago. "
		    "Please review and submit it again.\n",
		    due[i].org, last, (long long)((now - due[i].last) / 86400), last,
		    (long long)((now - due[i].last) / 86400));
		m.subject = subject;
		m.body = (char *)buf_str(&body);
		m.urgent = false;
		if (fn)
			fn(due[i].org, due[i].last, arg);
		if (dry_run) {
			(*created)++;
		} else {
			rc = alert_insert(s, &m, now, e);
			if (rc == 1)
				(*created)++;
		}
		buf_release(&body);
	}
	m_free(due);
	return rc < 0 ? rc : 0;
}
