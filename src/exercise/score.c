/*
 * score.c - what a run looks like: delivered injects, actions, notes, and the score (each
 * expected action matched to the earliest fitting participant action: on time, late or
 * missed), per role and for the team; exercise incidents filed through the incident module.
 */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "exercise/exercise.h"
#include "incident/incident.h"

struct act {
	int64_t id, scen, at, incident;
	char role[32], kind[32], inject[48], option[48], org[128], actor[128];
	bool used;
};

static int load_actions(struct store *s, int64_t run, struct act **out, size_t *n, cJSON *arr,
			cJSON *notes, struct merr *e)
{
	struct store_stmt *st = NULL;
	size_t cap = 0;
	int rc =
	    store_prepare(s,
			  "SELECT a.id, a.scen_s, a.at, a.incident_id, a.role, a.kind, "
			  "a.inject_id, a.option, o.slug, a.text, a.actor FROM exercise_actions a "
			  "LEFT JOIN orgs o ON o.id = a.org_id WHERE a.run_id = ? "
			  "ORDER BY a.scen_s, a.id",
			  &st, e);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	while ((rc = stmt_step(st, e)) == 1) {
		const char *kind = stmt_text(st, 5);
		cJSON *o = cJSON_CreateObject();
		char t[TIME_STR_MAX];
		cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, 0));
		cJSON_AddNumberToObject(o, "scen_s", (double)stmt_int64(st, 1));
		time_fmt_utc(stmt_int64(st, 2), t);
		cJSON_AddStringToObject(o, "at", t);
		cJSON_AddStringToObject(o, "role", stmt_text(st, 4));
		cJSON_AddStringToObject(o, "kind", kind);
		if (ex_action_ja(kind))
			cJSON_AddStringToObject(o, "kind_ja", ex_action_ja(kind));
		if (stmt_text(st, 6))
			cJSON_AddStringToObject(o, "inject", stmt_text(st, 6));
		if (stmt_text(st, 7))
			cJSON_AddStringToObject(o, "option", stmt_text(st, 7));
		if (stmt_text(st, 8))
			cJSON_AddStringToObject(o, "org", stmt_text(st, 8));
		if (stmt_text(st, 9))
			cJSON_AddStringToObject(o, "text", stmt_text(st, 9));
		cJSON_AddStringToObject(o, "actor", stmt_text(st, 10));
		if (!stmt_is_null(st, 3))
			cJSON_AddNumberToObject(o, "incident", (double)stmt_int64(st, 3));
		cJSON_AddItemToArray(strcmp(kind, "note") ? arr : notes, o);
		if (!strcmp(kind, "note"))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct act *p = m_realloc(*out, nc * sizeof(**out));
			if (!p) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			*out = p;
			cap = nc;
		}
		struct act *a = &(*out)[(*n)++];
		memset(a, 0, sizeof(*a));
		a->id = stmt_int64(st, 0);
		a->scen = stmt_int64(st, 1);
		a->at = stmt_int64(st, 2);
		a->incident = stmt_int64(st, 3);
		snprintf(a->role, sizeof(a->role), "%s", stmt_text(st, 4));
		snprintf(a->kind, sizeof(a->kind), "%s", kind);
		snprintf(a->inject, sizeof(a->inject), "%s",
			 stmt_text(st, 6) ? stmt_text(st, 6) : "");
		snprintf(a->option, sizeof(a->option), "%s",
			 stmt_text(st, 7) ? stmt_text(st, 7) : "");
		snprintf(a->org, sizeof(a->org), "%s", stmt_text(st, 8) ? stmt_text(st, 8) : "");
		snprintf(a->actor, sizeof(a->actor), "%s", stmt_text(st, 10));
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

struct tally {
	char role[32];
	int score, possible;
};

static struct tally *tally_of(struct tally *t, size_t *n, const char *role)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(t[i].role, role))
			return &t[i];
	memset(&t[*n], 0, sizeof(t[*n]));
	snprintf(t[*n].role, sizeof(t[*n].role), "%s", role);
	return &t[(*n)++];
}

int ex_status(const struct ex_ctx *c, int64_t run, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct ex_scenario sc;
	struct act *acts = NULL;
	size_t n_acts = 0, n_tally = 0;
	struct tally tally[8];
	cJSON *o, *orgs, *injects, *actions, *notes, *score, *items, *roles, *src, *parts, *pp;
	int64_t scen = 0, speed = 0, started = 0, finished = 0;
	char state[16] = "", t[TIME_STR_MAX], *yaml = NULL, *file = NULL;
	int rc, total = 0, possible = 0;

	*out = NULL;
	memset(&sc, 0, sizeof(sc));
	if ((rc = ex_clock(c, run, &scen, e)))
		return rc;
	if ((rc = store_prepare(c->s,
				"SELECT state, speed, started_at, finished_at, scenario_yaml, "
				"scenario_file FROM exercise_runs WHERE id = ?",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, run);
	if ((rc = stmt_step(st, e)) == 1) {
		snprintf(state, sizeof(state), "%s", stmt_text(st, 0));
		speed = stmt_int64(st, 1);
		started = stmt_int64(st, 2);
		finished = stmt_int64(st, 3);
		yaml = m_strdup(stmt_text(st, 4));
		file = m_strdup(stmt_text(st, 5));
	}
	stmt_finalize(st);
	if (rc <= 0 || !yaml || !file) {
		m_free(yaml);
		m_free(file);
		return rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no exercise run");
	}
	rc = ex_scenario_parse(yaml, strlen(yaml), file, &sc, e);
	m_free(yaml);
	m_free(file);
	if (rc) {
		ex_scenario_free(&sc);
		return rc;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "run", (double)run);
	cJSON_AddStringToObject(o, "scenario", sc.id);
	cJSON_AddStringToObject(o, "title", sc.title_ja);
	cJSON_AddStringToObject(o, "title_en", sc.title_en ? sc.title_en : "");
	cJSON_AddStringToObject(o, "background", sc.background);
	cJSON_AddStringToObject(o, "background_en", sc.background_en ? sc.background_en : "");
	src = cJSON_AddArrayToObject(o, "sources");
	for (size_t i = 0; i < sc.n_sources; i++)
		cJSON_AddItemToArray(src, cJSON_CreateString(sc.sources[i]));
	src = cJSON_AddArrayToObject(o, "objectives");
	for (size_t i = 0; i < sc.n_objectives; i++)
		cJSON_AddItemToArray(src, cJSON_CreateString(sc.objectives[i]));
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddNumberToObject(o, "speed", (double)speed);
	time_fmt_utc(started, t);
	cJSON_AddStringToObject(o, "started_at", t);
	if (finished) {
		time_fmt_utc(finished, t);
		cJSON_AddStringToObject(o, "finished_at", t);
	}
	cJSON_AddNumberToObject(o, "clock_s", (double)scen);
	orgs = cJSON_AddArrayToObject(o, "orgs");
	if ((rc = store_prepare(c->s,
				"SELECT o.slug FROM exercise_run_orgs x JOIN orgs o ON o.id = "
				"x.org_id WHERE x.run_id = ? ORDER BY o.slug",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, run);
	while ((rc = stmt_step(st, e)) == 1)
		cJSON_AddItemToArray(orgs, cJSON_CreateString(stmt_text(st, 0)));
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	parts = cJSON_AddArrayToObject(o, "participants");
	if ((rc = store_prepare(c->s,
				"SELECT p.user_name, p.display_name, o.slug, p.role FROM "
				"exercise_participants p JOIN orgs o ON o.id = p.org_id WHERE "
				"p.run_id = ? ORDER BY o.slug, p.user_name",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, run);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "user", stmt_text(st, 0));
		cJSON_AddStringToObject(p, "display", stmt_text(st, 1));
		cJSON_AddStringToObject(p, "org", stmt_text(st, 2));
		if (stmt_text(st, 3)) {
			cJSON_AddStringToObject(p, "role", stmt_text(st, 3));
			cJSON_AddStringToObject(p, "role_ja",
						ex_role_ja(stmt_text(st, 3))
						    ? ex_role_ja(stmt_text(st, 3))
						    : stmt_text(st, 3));
		}
		cJSON_AddNumberToObject(p, "actions", 0);
		cJSON_AddNumberToObject(p, "score", 0);
		cJSON_AddItemToArray(parts, p);
	}
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	actions = cJSON_AddArrayToObject(o, "actions");
	notes = cJSON_AddArrayToObject(o, "notes");
	if ((rc = load_actions(c->s, run, &acts, &n_acts, actions, notes, e)))
		goto fail;
	injects = cJSON_AddArrayToObject(o, "injects");
	score = cJSON_AddObjectToObject(o, "score");
	items = cJSON_AddArrayToObject(score, "items");
	for (size_t i = 0; i < sc.n_injects; i++) {
		const struct ex_inject *in = &sc.injects[i];
		cJSON *j = cJSON_CreateObject();
		int64_t dscen = 0;
		int d = 0;
		if ((rc = store_prepare(c->s,
					"SELECT state, scen_s, at, mails FROM exercise_deliveries "
					"WHERE run_id = ? AND inject_id = ?",
					&st, e))) {
			cJSON_Delete(j);
			goto fail;
		}
		stmt_bind_int64(st, 1, run);
		stmt_bind_text(st, 2, in->id);
		if ((rc = stmt_step(st, e)) == 1) {
			d = !strcmp(stmt_text(st, 0), "delivered") ? 1 : 2;
			dscen = stmt_int64(st, 1);
			time_fmt_utc(stmt_int64(st, 2), t);
			cJSON_AddStringToObject(j, "delivered_at", t);
			cJSON_AddNumberToObject(j, "mails", (double)stmt_int64(st, 3));
		}
		stmt_finalize(st);
		if (rc < 0) {
			cJSON_Delete(j);
			goto fail;
		}
		cJSON_AddStringToObject(j, "id", in->id);
		cJSON_AddNumberToObject(j, "at_s", (double)in->at_s);
		cJSON_AddStringToObject(j, "channel", in->channel);
		cJSON_AddStringToObject(j, "to", in->to);
		if (in->branch_inject[0]) {
			cJSON *br = cJSON_AddObjectToObject(j, "branch");
			cJSON_AddStringToObject(br, "inject", in->branch_inject);
			cJSON_AddStringToObject(br, "option", in->branch_option);
		}
		cJSON_AddStringToObject(j, "state",
					d == 1	 ? "delivered"
					: d == 2 ? "skipped"
						 : "pending");
		if (d == 1) {
			cJSON_AddNumberToObject(j, "scen_s", (double)dscen);
			cJSON_AddStringToObject(j, "content_ja", in->content_ja);
			if (in->content_en)
				cJSON_AddStringToObject(j, "content_en", in->content_en);
			if (in->attachment[0])
				cJSON_AddStringToObject(j, "attachment", in->attachment);
		}
		if (in->n_options) {
			cJSON *op = cJSON_AddArrayToObject(j, "options");
			for (size_t k = 0; k < in->n_options; k++)
				cJSON_AddItemToArray(op, cJSON_CreateString(in->options[k]));
		}
		cJSON_AddItemToArray(injects, j);
		for (size_t k = 0; k < in->n_expect; k++) {
			const struct ex_expect *x = &in->expect[k];
			cJSON *it;
			struct act *best = NULL;
			const char *res;
			int pts = 0;
			if (d == 2)
				continue; /* a branch not taken or skipped: not scored */
			it = cJSON_CreateObject();
			cJSON_AddStringToObject(it, "id", x->id);
			cJSON_AddStringToObject(it, "inject", in->id);
			cJSON_AddStringToObject(it, "who", x->who);
			cJSON_AddStringToObject(it, "who_ja", ex_role_ja(x->who));
			cJSON_AddStringToObject(it, "action", x->action);
			cJSON_AddStringToObject(it, "action_ja", ex_action_ja(x->action));
			if (x->what_ja[0])
				cJSON_AddStringToObject(it, "what", x->what_ja);
			if (x->option[0])
				cJSON_AddStringToObject(it, "option", x->option);
			cJSON_AddNumberToObject(it, "within_s", (double)x->within_s);
			cJSON_AddNumberToObject(it, "points", x->points);
			cJSON_AddNumberToObject(it, "late_points", x->late_points);
			if (d == 1) {
				for (size_t m = 0; m < n_acts; m++) {
					struct act *a = &acts[m];
					if (a->used || a->scen < dscen || strcmp(a->role, x->who) ||
					    strcmp(a->kind, x->action) ||
					    (a->inject[0] && strcmp(a->inject, in->id)) ||
					    (x->option[0] && strcmp(a->option, x->option)))
						continue;
					best = a;
					break;
				}
				cJSON_AddNumberToObject(it, "inject_s", (double)dscen);
				cJSON_AddNumberToObject(it, "deadline_s",
							(double)(dscen + x->within_s));
			}
			if (best) {
				best->used = true;
				res = best->scen <= dscen + x->within_s ? "on_time" : "late";
				pts = !strcmp(res, "on_time") ? x->points : x->late_points;
				cJSON_AddNumberToObject(it, "action_s", (double)best->scen);
				cJSON_AddNumberToObject(it, "action_id", (double)best->id);
				time_fmt_utc(best->at, t);
				cJSON_AddStringToObject(it, "action_at", t);
				cJSON_AddStringToObject(it, "by", best->actor);
				cJSON_ArrayForEach(
				    pp,
				    parts) if (!strcmp(cJSON_GetObjectItem(pp, "user")->valuestring,
						       best->actor))
				{
					cJSON_AddStringToObject(
					    it, "by_display",
					    cJSON_GetObjectItem(pp, "display")->valuestring);
					cJSON_SetNumberValue(
					    cJSON_GetObjectItem(pp, "score"),
					    cJSON_GetObjectItem(pp, "score")->valuedouble +
						(!strcmp(res, "on_time") ? x->points
									 : x->late_points));
				}
			} else if (!strcmp(state, "finished"))
				res = "missed";
			else if (d == 1 && scen > dscen + x->within_s)
				res = "overdue"; /* may still come late */
			else
				res = "pending";
			cJSON_AddStringToObject(it, "result", res);
			cJSON_AddNumberToObject(it, "score", pts);
			cJSON_AddItemToArray(items, it);
			struct tally *ty = tally_of(tally, &n_tally, x->who);
			ty->score += pts;
			ty->possible += x->points;
			total += pts;
			possible += x->points;
		}
	}
	cJSON_ArrayForEach(pp, parts)
	{
		const char *u = cJSON_GetObjectItem(pp, "user")->valuestring;
		int na = 0;
		cJSON *ac;
		cJSON_ArrayForEach(
		    ac, actions) if (!strcmp(cJSON_GetObjectItem(ac, "actor")->valuestring, u))
		{
			na++;
			cJSON_AddStringToObject(ac, "user",
						cJSON_GetObjectItem(pp, "display")->valuestring);
		}
		cJSON_SetNumberValue(cJSON_GetObjectItem(pp, "actions"), na);
	}
	roles = cJSON_AddArrayToObject(score, "roles");
	for (size_t i = 0; i < n_tally; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "role", tally[i].role);
		cJSON_AddStringToObject(r, "role_ja", ex_role_ja(tally[i].role));
		cJSON_AddNumberToObject(r, "score", tally[i].score);
		cJSON_AddNumberToObject(r, "possible", tally[i].possible);
		cJSON_AddItemToArray(roles, r);
	}
	cJSON_AddNumberToObject(score, "total", total);
	cJSON_AddNumberToObject(score, "possible", possible);
	cJSON_AddNumberToObject(score, "percent", possible ? (total * 100) / possible : 0);
	cJSON_AddNumberToObject(score, "pass_percent", sc.pass_percent);
	cJSON_AddBoolToObject(score, "passed",
			      possible && (total * 100) / possible >= sc.pass_percent);
	*out = o;
	m_free(acts);
	ex_scenario_free(&sc);
	return 0;
fail:
	cJSON_Delete(o);
	m_free(acts);
	ex_scenario_free(&sc);
	return rc;
}

static int runs_of(struct store *s, const char *org, const char *user, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	char t[TIME_STR_MAX];
	int rc = store_prepare(
	    s,
	    "SELECT r.id, r.scenario_id, r.title, r.state, r.speed, r.started_at "
	    "FROM exercise_runs r WHERE (CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM "
	    "exercise_run_orgs x JOIN orgs o ON o.id = x.org_id WHERE x.run_id = "
	    "r.id AND o.slug = ?1)) AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM "
	    "exercise_participants p WHERE p.run_id = r.id AND p.user_name = ?2)) "
	    "ORDER BY r.id DESC LIMIT 500",
	    &st, e);
	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, user);
	*out = cJSON_CreateArray();
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "run", (double)stmt_int64(st, 0));
		cJSON_AddStringToObject(o, "scenario", stmt_text(st, 1));
		cJSON_AddStringToObject(o, "title", stmt_text(st, 2));
		cJSON_AddStringToObject(o, "state", stmt_text(st, 3));
		cJSON_AddNumberToObject(o, "speed", (double)stmt_int64(st, 4));
		time_fmt_utc(stmt_int64(st, 5), t);
		cJSON_AddStringToObject(o, "started_at", t);
		cJSON_AddNumberToObject(o, "started", (double)stmt_int64(st, 5));
		cJSON_AddItemToArray(*out, o);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}

int ex_runs(struct store *s, const char *org, cJSON **out, struct merr *e)
{
	return runs_of(s, org, NULL, out, e);
}

int ex_runs_of_user(struct store *s, const char *user, cJSON **out, struct merr *e)
{
	return runs_of(s, NULL, user ? user : "", out, e);
}

static int pre_check(const struct ex_ctx *c, int64_t run, const char *org, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = ex_run_visible(c->s, run, org, e);
	if (rc)
		return rc;
	if ((rc = store_prepare(c->s, "SELECT state FROM exercise_runs WHERE id = ?", &st, e)))
		return rc;
	stmt_bind_int64(st, 1, run);
	rc = stmt_step(st, e);
	if (rc == 1 && !strcmp(stmt_text(st, 0), "finished"))
		rc = merr_set(e, M_EINVAL, "the exercise has ended / 演習は終了しています");
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int file_in(const struct ex_ctx *c, const struct inc_ctx *ic, int64_t run,
		   struct ex_action *a, const struct inc_report *r, int64_t *id, struct merr *e);

int ex_file(const struct ex_ctx *c, int64_t run, const char *org, const char *role,
	    const char *inject, const struct inc_report *r, int64_t *id, struct merr *e)
{
	return ex_file_as(c, run, NULL, org, role, inject, r, id, e);
}

/* a participant's org (and role when it plays one); M_ENOTFOUND alike a missing run */
/* Who acts in run, for filing and assessing: a->user (a participant: its org, which org must
 * match if given, and its role unless role names one) or org; a->org and a->role (default
 * operator_csirt) set, the incident context's actor the user when there is one; then the run's
 * pre_check. porg and prole hold the participant's org and role. */
static int acting(const struct ex_ctx *c, int64_t run, const char *org, const char *role,
		  char porg[128], char prole[32], struct ex_action *a, struct inc_ctx *ic,
		  struct merr *e)
{
	int rc;

	if (a->user) {
		if ((rc = ex_participant(c->s, run, a->user, porg, prole, e)))
			return rc;
		if (org && strcmp(org, porg))
			return merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
					(long long)run);
		org = porg;
		if ((!role || !*role) && prole[0])
			role = prole;
		ic->actor = a->user;
	}
	if (!org)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "org",
			       "name the org / 組織を指定してください");
	a->org = org;
	a->role = role ? role : "operator_csirt";
	return pre_check(c, run, org, e);
}

int ex_file_as(const struct ex_ctx *c, int64_t run, const char *user, const char *org,
	       const char *role, const char *inject, const struct inc_report *r, int64_t *id,
	       struct merr *e)
{
	struct inc_ctx ic = {
	    .s = c->s, .regimes = NULL, .actor = c->actor, .now = c->now, .exercise_run = run};
	struct ex_action a = {.user = user, .inject = inject};
	struct inc_regimes *t = NULL;
	char porg[128], prole[32];
	int rc;

	*id = 0;
	if ((rc = acting(c, run, org, role, porg, prole, &a, &ic, e)))
		return rc;
	if ((rc = inc_regimes_load(inc_regimes_default_path(), &t, e)))
		return rc;
	ic.regimes = t;
	rc = file_in(c, &ic, run, &a, r, id, e);
	inc_regimes_free(t);
	return rc;
}

static int file_in(const struct ex_ctx *c, const struct inc_ctx *ic, int64_t run,
		   struct ex_action *a, const struct inc_report *r, int64_t *id, struct merr *e)
{
	int seq, rc;

	a->kind = r->kind == INC_INITIAL ? "file_initial" : "file_followup";
	/* one transaction: a bad role or inject files nothing */
	if ((rc = store_begin(c->s, e)))
		return rc;
	if ((rc = inc_file(ic, a->org, r, id, &seq, e)))
		goto fail;
	a->incident = *id;
	a->text = r->title;
	if ((rc = ex_act(c, run, a, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	*id = 0;
	return rc;
}

int ex_assess(const struct ex_ctx *c, int64_t run, const char *org, const char *role,
	      const char *inject, int64_t incident, const struct inc_assessment *as, int *level,
	      struct merr *e)
{
	return ex_assess_as(c, run, NULL, org, role, inject, incident, as, level, e);
}

int ex_assess_as(const struct ex_ctx *c, int64_t run, const char *user, const char *org,
		 const char *role, const char *inject, int64_t incident,
		 const struct inc_assessment *as, int *level, struct merr *e)
{
	struct inc_ctx ic = {.s = c->s, .actor = c->actor, .now = c->now, .exercise_run = run};
	struct ex_action a = {
	    .user = user, .inject = inject, .kind = "assess_severity", .incident = incident};
	char owner[128], porg[128], prole[32];
	int nciss, rc;

	if ((rc = acting(c, run, org, role, porg, prole, &a, &ic, e)))
		return rc;
	if ((rc = inc_org_of_run(c->s, incident, run, owner, sizeof(owner), e)))
		return rc;
	if (strcmp(owner, a.org))
		return merr_set(e, M_ENOTFOUND,
				"no incident %lld in this run / インシデントがありません",
				(long long)incident);
	if ((rc = store_begin(c->s, e)))
		return rc;
	if ((rc = inc_assess(&ic, incident, as, level, &nciss, e)))
		goto fail;
	if ((rc = ex_act(c, run, &a, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

int ex_incident(const struct ex_ctx *c, int64_t run, const char *org, int64_t incident, cJSON **out,
		struct merr *e)
{
	struct inc_ctx ic = {.s = c->s, .actor = c->actor, .now = c->now, .exercise_run = run};
	struct inc_view v = {org, NULL, org == NULL, 4, false};
	int rc;

	*out = NULL;
	if ((rc = ex_run_visible(c->s, run, org, e)))
		return rc;
	return inc_show(&ic, incident, &v, out, e);
}
