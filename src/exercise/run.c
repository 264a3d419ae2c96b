/*
 * run.c - exercise runs: a scaled clock with pauses, injects delivered in order (branches
 * resolved on the decisions taken), mail through the alert pipeline marked 【訓練】,
 * participants' actions, the facilitator's controls, and the score by the rubric.
 */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/mem.h"
#include "exercise/exercise_int.h"
#include "incident/incident.h"

struct run_row {
	int64_t id, speed, started_at, paused_at, paused_s, finished_at;
	char state[16], scenario_id[64], facilitator[128];
	char *yaml, *title, *file;
};

static void run_row_free(struct run_row *r)
{
	m_free(r->yaml);
	m_free(r->title);
	m_free(r->file);
	memset(r, 0, sizeof(*r));
}

static int run_get(struct store *s, int64_t run, struct run_row *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT id, speed, started_at, paused_at, paused_s, finished_at, "
			  "state, scenario_id, facilitator, scenario_yaml, title, scenario_file "
			  "FROM exercise_runs WHERE id = ?",
			  &st, e);
	memset(r, 0, sizeof(*r));
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	rc = stmt_step(st, e);
	if (rc == 1) {
		r->id = stmt_int64(st, 0);
		r->speed = stmt_int64(st, 1);
		r->started_at = stmt_int64(st, 2);
		r->paused_at = stmt_int64(st, 3);
		r->paused_s = stmt_int64(st, 4);
		r->finished_at = stmt_int64(st, 5);
		snprintf(r->state, sizeof(r->state), "%s", stmt_text(st, 6));
		snprintf(r->scenario_id, sizeof(r->scenario_id), "%s", stmt_text(st, 7));
		snprintf(r->facilitator, sizeof(r->facilitator), "%s", stmt_text(st, 8));
		r->yaml = m_strdup(stmt_text(st, 9));
		r->title = m_strdup(stmt_text(st, 10));
		r->file = m_strdup(stmt_text(st, 11));
		if (!r->yaml || !r->title || !r->file)
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
				(long long)run);
	return rc < 0 ? rc : 0;
}

static int64_t clock_of(const struct run_row *r, int64_t now)
{
	int64_t real = now - r->started_at - r->paused_s;
	if (r->paused_at)
		real -= now - r->paused_at;
	if (r->finished_at && now > r->finished_at)
		real -= now - r->finished_at;
	return real < 0 ? 0 : real * r->speed;
}

static int load_run(struct store *s, int64_t run, struct run_row *r, struct ex_scenario *sc,
		    struct merr *e)
{
	int rc = run_get(s, run, r, e);
	if (rc)
		return rc;
	if ((rc = ex_scenario_parse(r->yaml, strlen(r->yaml), r->file, sc, e))) {
		ex_scenario_free(sc);
		run_row_free(r);
	}
	return rc;
}

int ex_clock(const struct ex_ctx *c, int64_t run, int64_t *scen_s, struct merr *e)
{
	struct run_row r;
	int rc = run_get(c->s, run, &r, e);
	if (rc)
		return rc;
	*scen_s = clock_of(&r, c->now);
	run_row_free(&r);
	return 0;
}

int ex_run_visible(struct store *s, int64_t run, const char *org, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "SELECT 1 FROM exercise_runs r WHERE r.id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR "
	    "EXISTS (SELECT 1 FROM exercise_run_orgs x JOIN orgs o ON o.id = "
	    "x.org_id WHERE x.run_id = r.id AND o.slug = ?2))",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, org);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
				(long long)run);
	return rc < 0 ? rc : 0;
}

int ex_start(const struct ex_ctx *c, const char *path, const char *const *orgs, size_t n_orgs,
	     int speed, int64_t *run, struct merr *e)
{
	return ex_start_with(c, path, orgs, n_orgs, NULL, 0, speed, run, e);
}

int ex_start_with(const struct ex_ctx *c, const char *path, const char *const *orgs, size_t n_orgs,
		  const char *const *users, size_t n_users, int speed, int64_t *run, struct merr *e)
{
	struct ex_scenario sc;
	struct store_stmt *st = NULL;
	struct buf b;
	int rc;

	*run = 0;
	if (speed < 1 || speed > 3600)
		return merr_set(e, M_EINVAL, "speed must be 1..3600 / 速度は1～3600");
	if (!n_orgs && !n_users)
		return merr_set(
		    e, M_EINVAL,
		    "at least one org or participant takes part / 参加組織または参加者を"
		    "指定してください");
	buf_init(&b, EX_FILE_MAX + 1);
	if ((rc = buf_read_file(&b, path, e))) {
		buf_release(&b);
		return rc;
	}
	if ((rc = ex_scenario_parse(b.len ? buf_str(&b) : "", b.len, path, &sc, e)))
		goto out;
	if ((rc = store_begin_immediate(c->s, e)))
		goto out;
	if ((rc = store_prepare(c->s,
				"INSERT INTO exercise_runs (scenario_id, title, scenario_yaml, "
				"scenario_file, speed, started_at, facilitator) VALUES "
				"(?, ?, ?, ?, ?, ?, ?) RETURNING id",
				&st, e)))
		goto fail;
	stmt_bind_text(st, 1, sc.id);
	stmt_bind_text(st, 2, sc.title_ja);
	stmt_bind_text(st, 3, buf_str(&b));
	stmt_bind_text(st, 4, path);
	stmt_bind_int64(st, 5, speed);
	stmt_bind_int64(st, 6, c->now);
	stmt_bind_text(st, 7, c->actor);
	rc = stmt_step(st, e);
	if (rc == 1)
		*run = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < n_orgs; i++) {
		if ((rc = store_prepare(c->s,
					"INSERT OR IGNORE INTO exercise_run_orgs (run_id, org_id) "
					"SELECT ?, id FROM orgs WHERE slug = ?",
					&st, e)))
			goto fail;
		stmt_bind_int64(st, 1, *run);
		stmt_bind_text(st, 2, orgs[i]);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
		if (store_changes(c->s) != 1) {
			rc = merr_set(e, M_ENOTFOUND, "no organisation '%s' / 組織がありません",
				      orgs[i]);
			goto fail;
		}
	}
	if ((rc = ex_invite_all_in(c, *run, users, n_users, e)) ||
	    (rc = ex_attach_load_in(c, *run, &sc, path, e)))
		goto fail;
	if ((rc = store_commit(c->s, e)))
		goto fail;
	goto out;
fail:
	store_rollback(c->s);
	*run = 0;
out:
	ex_scenario_free(&sc);
	buf_release(&b);
	return rc;
}

/* state of an inject in the run: 0 pending, 1 delivered, 2 skipped; *scen its delivery time */
static int delivery_of(struct store *s, int64_t run, const char *inject, int64_t *scen,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s, "SELECT state, scen_s FROM exercise_deliveries WHERE run_id = ? AND inject_id = ?",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, inject);
	rc = stmt_step(st, e);
	if (rc == 1) {
		*scen = stmt_int64(st, 1);
		rc = !strcmp(stmt_text(st, 0), "delivered") ? 1 : 2;
	}
	stmt_finalize(st);
	return rc;
}

static int decided(struct store *s, int64_t run, const char *inject, const char *option,
		   struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT 1 FROM exercise_actions WHERE run_id = ? AND kind = 'decide' "
			  "AND inject_id = ? AND option = ?",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, inject);
	stmt_bind_text(st, 3, option);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc;
}

static int mail_inject(const struct ex_ctx *c, const struct run_row *r,
		       const struct ex_scenario *sc, const struct ex_inject *in, long *mails,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	char *orgs[64];
	size_t n = 0;
	int rc = store_prepare(c->s,
			       "SELECT o.slug FROM exercise_run_orgs x JOIN orgs o ON o.id = "
			       "x.org_id WHERE x.run_id = ? ORDER BY o.slug",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, r->id);
	while ((rc = stmt_step(st, e)) == 1 && n < ARRAY_SIZE(orgs))
		orgs[n++] = m_strdup(stmt_text(st, 0));
	stmt_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct alert_msg m;
		struct buf body;
		char t[8];
		memset(&m, 0, sizeof(m));
		buf_init(&body, 64 * 1024);
		snprintf(t, sizeof(t), "%s", "");
		snprintf(m.org, sizeof(m.org), "%s", orgs[i] ? orgs[i] : "");
		snprintf(m.issue_key, sizeof(m.issue_key), "exercise:%lld:%s", (long long)r->id,
			 in->id);
		buf_addf(
		    &body,
		    "【訓練】これは訓練（演習）です。実際のインシデントではありません。\n"
		    "[EXERCISE] This is a training exercise, not a real incident.\n\n"
		    "演習 / Exercise: %s / %s (run %lld)\n"
		    "インジェクト / Inject: %s  T+%02lld:%02lld  宛先 / To: %s\n\n%s\n\n%s%s"
		    "\n\n【訓練】応答は演習ページまたは `mamori exercise respond %lld ...` で。\n",
		    sc->title_ja, sc->title_en && *sc->title_en ? sc->title_en : sc->id,
		    (long long)r->id, in->id, (long long)(in->at_s / 60),
		    (long long)(in->at_s % 60), ex_role_ja(in->to), in->content_ja,
		    in->content_en ? in->content_en : "", in->content_en ? "\n" : "",
		    (long long)r->id);
		m.body = buf_str(&body) ? m_strdup(buf_str(&body)) : NULL;
		{
			struct buf subj;
			buf_init(&subj, 2048);
			/* both languages, Japanese first (no contact has a language preference) */
			buf_addf(&subj, "【訓練】%s — %s / [Exercise] %s — %s", sc->title_ja,
				 in->id, sc->title_en && *sc->title_en ? sc->title_en : sc->id,
				 in->id);
			/* a subject stays one line: control bytes become spaces */
			m.subject = buf_str(&subj) ? m_strdup(buf_str(&subj)) : NULL;
			buf_release(&subj);
			for (char *p = m.subject; p && *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = ' ';
		}
		m.ack_base = c->ack_base;
		if (!m.body || !m.subject)
			rc = merr_set(e, M_ENOMEM, "out of memory");
		else if ((rc = alert_insert(c->s, &m, c->now, e)) == 1) {
			(*mails)++;
			rc = 0;
		}
		m_free(m.body);
		m_free(m.subject);
		buf_release(&body);
		if (rc < 0)
			break;
	}
	for (size_t i = 0; i < n; i++)
		m_free(orgs[i]);
	return rc < 0 ? rc : 0;
}

static int record_delivery(const struct ex_ctx *c, int64_t run, const char *inject,
			   const char *state, int64_t scen, long mails, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(c->s,
			       "INSERT OR IGNORE INTO exercise_deliveries (run_id, inject_id, "
			       "state, scen_s, at, mails) VALUES (?, ?, ?, ?, ?, ?)",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, inject);
	stmt_bind_text(st, 3, state);
	stmt_bind_int64(st, 4, scen);
	stmt_bind_int64(st, 5, c->now);
	stmt_bind_int64(st, 6, mails);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int deliver(const struct ex_ctx *c, const struct run_row *r, const struct ex_scenario *sc,
		   const struct ex_inject *in, int64_t scen, struct merr *e)
{
	long mails = 0;
	int rc = 0;
	if (strcmp(in->channel, "phone"))
		rc = mail_inject(c, r, sc, in, &mails, e);
	return rc ? rc : record_delivery(c, r->id, in->id, "delivered", scen, mails, e);
}

static int64_t last_deadline(const struct ex_scenario *sc)
{
	int64_t end = 0;
	for (size_t i = 0; i < sc->n_injects; i++) {
		const struct ex_inject *in = &sc->injects[i];
		end = in->at_s > end ? in->at_s : end;
		for (size_t j = 0; j < in->n_expect; j++)
			if (in->at_s + in->expect[j].within_s > end)
				end = in->at_s + in->expect[j].within_s;
	}
	return end;
}

int ex_tick(const struct ex_ctx *c, int64_t run, long *delivered, struct merr *e)
{
	struct run_row r;
	struct ex_scenario sc;
	int64_t scen, dummy;
	long n = 0;
	bool all = true;
	int rc;

	if (delivered)
		*delivered = 0;
	if ((rc = load_run(c->s, run, &r, &sc, e)))
		return rc;
	if (!strcmp(r.state, "finished"))
		goto out;
	scen = clock_of(&r, c->now);
	if ((rc = store_begin_immediate(c->s, e)))
		goto out;
	for (size_t i = 0; i < sc.n_injects; i++) {
		const struct ex_inject *in = &sc.injects[i];
		int st = delivery_of(c->s, run, in->id, &dummy, e);
		if (st < 0) {
			rc = st;
			goto fail;
		}
		if (st)
			continue;
		if (in->at_s > scen) {
			all = false;
			break; /* in order: nothing later is due */
		}
		if (in->branch_inject[0]) {
			int d = decided(c->s, run, in->branch_inject, in->branch_option, e);
			if (d < 0) {
				rc = d;
				goto fail;
			}
			if (!d) {
				if ((rc = record_delivery(c, run, in->id, "skipped", in->at_s, 0,
							  e)))
					goto fail;
				continue;
			}
		}
		if ((rc = deliver(c, &r, &sc, in, in->at_s, e)))
			goto fail;
		n++;
	}
	if (all && scen >= last_deadline(&sc) + EX_GRACE_S) {
		struct store_stmt *st = NULL;
		if ((rc =
			 store_prepare(c->s,
				       "UPDATE exercise_runs SET state = 'finished', finished_at = "
				       "?, paused_at = NULL WHERE id = ?",
				       &st, e)))
			goto fail;
		stmt_bind_int64(st, 1, c->now);
		stmt_bind_int64(st, 2, run);
		rc = stmt_step(st, e);
		stmt_finalize(st);
		if (rc < 0)
			goto fail;
	}
	if ((rc = store_commit(c->s, e)))
		goto fail;
	if (delivered)
		*delivered = n;
	goto out;
fail:
	store_rollback(c->s);
out:
	ex_scenario_free(&sc);
	run_row_free(&r);
	return rc;
}

static int insert_action(const struct ex_ctx *c, int64_t run, int64_t org_id, const char *role,
			 const char *kind, const char *inject, const char *option, const char *text,
			 int64_t incident, int64_t scen, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(c->s,
			  "INSERT INTO exercise_actions (run_id, org_id, role, kind, inject_id, "
			  "option, text, incident_id, scen_s, at, actor) VALUES "
			  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	if (org_id)
		stmt_bind_int64(st, 2, org_id);
	else
		stmt_bind_null(st, 2);
	stmt_bind_text(st, 3, role);
	stmt_bind_text(st, 4, kind);
	stmt_bind_text(st, 5, inject);
	stmt_bind_text(st, 6, option);
	stmt_bind_text(st, 7, text);
	if (incident)
		stmt_bind_int64(st, 8, incident);
	else
		stmt_bind_null(st, 8);
	stmt_bind_int64(st, 9, scen);
	stmt_bind_int64(st, 10, c->now);
	stmt_bind_text(st, 11, c->actor);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int ex_act(const struct ex_ctx *c, int64_t run, const struct ex_action *a, struct merr *e)
{
	struct run_row r;
	struct ex_scenario sc;
	struct store_stmt *st = NULL;
	int64_t org_id = 0, scen, dscen;
	bool role_ok = false;
	int rc;

	char porg[128], prole[32];
	const char *org = a->org, *role = a->role;

	if (a->user) { /* a named participant: its org, its role */
		if ((rc = ex_participant(c->s, run, a->user, porg, prole, e)))
			return rc;
		if (org && strcmp(org, porg))
			return merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
					(long long)run);
		org = porg;
		if (prole[0] && role && *role && strcmp(role, prole))
			return merr_at(e, M_EINVAL, NULL, -1, -1, "role",
				       "%s plays '%s' in this run, not '%s' / この演習での役割は "
				       "%s です",
				       a->user, prole, role,
				       ex_role_ja(prole) ? ex_role_ja(prole) : prole);
		if (!role || !*role)
			role = prole[0] ? prole : NULL;
	}
	if (!org || !role || !a->kind)
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1,
		    !org    ? "org"
		    : !role ? "role"
			    : "action",
		    "org, role and action are required / 組織・役割・対応を指定してください");
	if ((rc = ex_run_visible(c->s, run, org, e)))
		return rc;
	if ((rc = load_run(c->s, run, &r, &sc, e)))
		return rc;
	for (size_t i = 0; i < sc.n_roles; i++)
		role_ok |= !strcmp(sc.roles[i], role);
	if (!role_ok) {
		rc = merr_at(e, M_EINVAL, NULL, -1, -1, "role",
			     "'%s' is not a role of this scenario / シナリオにない役割です", role);
		goto out;
	}
	if (!ex_action_ja(a->kind)) {
		rc = merr_at(e, M_EINVAL, NULL, -1, -1, "action",
			     "unknown action '%s' / 不明な対応です", a->kind);
		goto out;
	}
	if (a->text && strlen(a->text) > EX_TEXT_MAX) {
		rc = merr_at(e, M_ETOOBIG, NULL, -1, -1, "text", "longer than %d bytes",
			     EX_TEXT_MAX);
		goto out;
	}
	if (!strcmp(r.state, "finished")) {
		rc = merr_set(e, M_EINVAL, "the exercise has ended / 演習は終了しています");
		goto out;
	}
	if (a->inject) {
		const struct ex_inject *in = ex_inject_find(&sc, a->inject);
		int d = in ? delivery_of(c->s, run, a->inject, &dscen, e) : 0;
		if (d < 0) {
			rc = d;
			goto out;
		}
		if (d != 1) {
			rc =
			    merr_at(e, M_ENOTFOUND, NULL, -1, -1, "inject",
				    "'%s' has not been delivered in this run / まだ配信されていない"
				    "インジェクトです",
				    a->inject);
			goto out;
		}
		if (!strcmp(a->kind, "decide")) {
			bool ok = false;
			for (size_t i = 0; a->option && i < in->n_options; i++)
				ok |= !strcmp(in->options[i], a->option);
			if (!ok) {
				rc = merr_at(
				    e, M_EINVAL, NULL, -1, -1, "option",
				    "'%s' is not an option of inject '%s' / 選択肢にありません",
				    a->option ? a->option : "", a->inject);
				goto out;
			}
		}
	} else if (!strcmp(a->kind, "decide")) {
		rc = merr_at(e, M_EINVAL, NULL, -1, -1, "inject",
			     "a decision names its inject / 意思決定にはインジェクトが必要です");
		goto out;
	}
	if ((rc = store_prepare(c->s, "SELECT id FROM orgs WHERE slug = ?", &st, e)))
		goto out;
	stmt_bind_text(st, 1, org);
	if ((rc = stmt_step(st, e)) == 1)
		org_id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		goto out;
	scen = clock_of(&r, c->now);
	if (a->user) { /* recorded under the participant's name */
		struct ex_ctx cu = *c;
		cu.actor = a->user;
		rc = insert_action(&cu, run, org_id, role, a->kind, a->inject, a->option, a->text,
				   a->incident, scen, e);
	} else
		rc = insert_action(c, run, org_id, role, a->kind, a->inject, a->option, a->text,
				   a->incident, scen, e);
out:
	ex_scenario_free(&sc);
	run_row_free(&r);
	return rc;
}

int ex_control(const struct ex_ctx *c, int64_t run, const char *verb, const char *arg,
	       struct merr *e)
{
	struct run_row r;
	struct ex_scenario sc;
	struct store_stmt *st = NULL;
	int64_t scen, dummy;
	int rc;

	if ((rc = load_run(c->s, run, &r, &sc, e)))
		return rc;
	scen = clock_of(&r, c->now);
	if (!strcmp(r.state, "finished") && strcmp(verb, "note")) {
		rc = merr_set(e, M_EINVAL, "the exercise has ended / 演習は終了しています");
		goto out;
	}
	if (!strcmp(verb, "pause") || !strcmp(verb, "resume")) {
		bool pause = !strcmp(verb, "pause");
		if (pause != !strcmp(r.state, "running")) {
			rc = merr_set(e, M_EINVAL, "the run is %s already", r.state);
			goto out;
		}
		rc = store_prepare(
		    c->s,
		    pause ? "UPDATE exercise_runs SET state = 'paused', paused_at = "
			    "?1 WHERE id = ?2"
			  : "UPDATE exercise_runs SET state = 'running', paused_s = "
			    "paused_s + (?1 - paused_at), paused_at = NULL WHERE id = ?2",
		    &st, e);
		if (!rc) {
			stmt_bind_int64(st, 1, c->now);
			stmt_bind_int64(st, 2, run);
			rc = stmt_step(st, e);
			stmt_finalize(st);
		}
	} else if (!strcmp(verb, "skip") || !strcmp(verb, "inject-now")) {
		const struct ex_inject *in = ex_inject_find(&sc, arg);
		int d;
		if (!in) {
			rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "inject", "no inject '%s'",
				     arg ? arg : "");
			goto out;
		}
		if ((d = delivery_of(c->s, run, in->id, &dummy, e)) != 0) {
			rc = d < 0 ? d
				   : merr_at(e, M_EINVAL, NULL, -1, -1, "inject",
					     "'%s' was delivered or skipped already", in->id);
			goto out;
		}
		if (!strcmp(verb, "skip"))
			rc = record_delivery(c, run, in->id, "skipped", scen, 0, e);
		else if (!(rc = store_begin_immediate(c->s, e))) {
			if ((rc = deliver(c, &r, &sc, in, scen, e)))
				store_rollback(c->s);
			else
				rc = store_commit(c->s, e);
		}
		if (!rc)
			rc = insert_action(c, run, 0, "facilitator", "note", in->id, NULL, verb, 0,
					   scen, e);
	} else if (!strcmp(verb, "note")) {
		if (!arg || !*arg || strlen(arg) > EX_TEXT_MAX)
			rc = merr_at(e, M_EINVAL, NULL, -1, -1, "note",
				     "expected a text up to %d bytes", EX_TEXT_MAX);
		else
			rc = insert_action(c, run, 0, "facilitator", "note", NULL, NULL, arg, 0,
					   scen, e);
	} else
		rc = merr_set(e, M_EINVAL, "unknown control '%s'", verb);
out:
	ex_scenario_free(&sc);
	run_row_free(&r);
	return rc < 0 ? rc : 0;
}
