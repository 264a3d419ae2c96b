/*
 * exercise.h - tabletop exercises (issue 17): a scenario file (YAML, validated with
 * FILE:LINE: field: message), runs with a scaled clock, injects delivered in order to the
 * console and by mail through the alert pipeline (【訓練】 in every subject and body),
 * participants' actions (decisions, messages, real incident reports and assessments marked
 * with the run so they stay out of every real list), scoring by the rubric and the data of
 * the after-action report. See docs/EXERCISES.md.
 */
#ifndef MAMORI_EXERCISE_H
#define MAMORI_EXERCISE_H

#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/err.h"
#include "store/store.h"

#define EX_FILE_MAX (512 * 1024)
#define EX_INJECTS_MAX 64
#define EX_EXPECT_MAX 8
#define EX_OPTIONS_MAX 6
#define EX_TEXT_MAX 8192
/* A run finishes this many scenario seconds after the last deadline (late actions count). */
#define EX_GRACE_S 600

/* The roles of a scenario (fixed list). */
const char *ex_role_ja(const char *role); /* NULL when unknown */
/* The kinds of action a participant takes (fixed list). */
const char *ex_action_ja(const char *kind); /* NULL when unknown */
const char *ex_role_en(const char *role);   /* NULL when unknown */
const char *ex_action_en(const char *kind); /* NULL when unknown */

struct ex_expect {
	char id[48];
	char who[32];	  /* a role */
	char action[32];  /* an action kind */
	char option[48];  /* for "decide": the expected option ("" any) */
	int64_t within_s; /* scenario seconds after the inject */
	int points, late_points;
	char what_ja[256]; /* what is expected, as said to the facilitator */
};

struct ex_inject {
	char id[48];
	int64_t at_s;				   /* scenario seconds (T+mm:ss) */
	char channel[16];			   /* console | mail | phone */
	char to[32];				   /* a role */
	char *content_ja, *content_en;		   /* owned */
	char attachment[128];			   /* a name only ("" none) */
	char branch_inject[48], branch_option[48]; /* delivered only when that decision was taken */
	char options[EX_OPTIONS_MAX][48];	   /* decision options offered */
	size_t n_options;
	struct ex_expect expect[EX_EXPECT_MAX];
	size_t n_expect;
	int line;
};

struct ex_scenario {
	char id[64];
	char *title_ja, *title_en, *background; /* owned */
	char *background_en;			/* owned, NULL when the scenario has none */
	char *objectives[16];
	size_t n_objectives;
	char *sources[16]; /* "title <url>" */
	size_t n_sources;
	char roles[8][32];
	size_t n_roles;
	struct ex_inject injects[EX_INJECTS_MAX];
	size_t n_injects;
	int pass_percent; /* scoring.pass */
};

/* Parses and validates a scenario of len bytes; file names it in errors. Unknown keys or
 * roles, times out of order, branches to missing (or later) injects or options, expected
 * actions of roles not in the scenario: M_EPARSE "FILE:LINE: field: message". Free with
 * ex_scenario_free (also after a failure). */
int ex_scenario_parse(const char *text, size_t len, const char *file, struct ex_scenario *sc,
		      struct merr *e);
int ex_scenario_load(const char *path, struct ex_scenario *sc, struct merr *e);
void ex_scenario_free(struct ex_scenario *sc);
const struct ex_inject *ex_inject_find(const struct ex_scenario *sc, const char *id);
/* The folder of shipped scenarios: $MAMORI_EXERCISES, else the repository's data/exercises. */
const char *ex_dir_default(void);
/* The shipped scenarios as a JSON array: id, title, title_en, sources, injects, file. */
int ex_scenarios_list(const char *dir, cJSON **out, struct merr *e);
/* Resolves a scenario id (in dir) or a file path to a path (into out). */
int ex_scenario_path(const char *dir, const char *id_or_path, char *out, size_t cap,
		     struct merr *e);

/* Drafts a scenario for org from its real exposure in the store (the open KEV finding with
 * the highest severity, its exposed services, its contacts) as YAML text (new, m_free). */
int ex_draft(struct store *s, const char *org, int64_t now, char **yaml, struct merr *e);

/* ------------------------------------------------------------ runs */

struct ex_ctx {
	struct store *s;
	const char *actor; /* user name or "cli:<uid>" */
	int64_t now;
	const char *ack_base; /* for alert_insert (NULL: none) */
};

/* Starts a run of the scenario file (its text stored with the run) for the orgs (slugs), speed
 * scenario seconds per real second (1..3600). *run gets the id. M_ENOTFOUND: unknown org. */
int ex_start(const struct ex_ctx *c, const char *path, const char *const *orgs, size_t n_orgs,
	     int speed, int64_t *run, struct merr *e);
/* Delivers every inject due by now (in order; branches resolved on decisions taken), to the
 * console and, for channel mail, by mail to each org's contacts through alert_insert; the run
 * finishes once the last inject is delivered and its expected actions' windows are past.
 * *delivered (may be NULL) gets the number delivered now. */
int ex_tick(const struct ex_ctx *c, int64_t run, long *delivered, struct merr *e);

/* A participant's action. org must be one of the run's orgs (else M_ENOTFOUND: a participant
 * acting in a run they are not part of); role a role of the scenario; kind an action kind;
 * inject (may be NULL) names the inject it answers; option the decision (kind decide). */
struct ex_action {
	const char *org, *role, *kind, *inject, *option, *text;
	int64_t incident; /* the exercise incident it concerns (0 none) */
	/* a named participant acting (console users; CLI --user): must be invited to the run
	 * (else M_ENOTFOUND like a missing run); its org is used (org may be NULL) and, when it
	 * was invited to one role, role must be that one (NULL: that role). The action is
	 * recorded under the user's name. NULL: an org acting (CLI --org). */
	const char *user;
};
int ex_act(const struct ex_ctx *c, int64_t run, const struct ex_action *a, struct merr *e);
/* Facilitator: pause, resume, skip INJECT, inject-now INJECT, note TEXT. */
int ex_control(const struct ex_ctx *c, int64_t run, const char *verb, const char *arg,
	       struct merr *e);
/* The scenario seconds elapsed in a run at now (pauses left out, scaled). */
int ex_clock(const struct ex_ctx *c, int64_t run, int64_t *scen_s, struct merr *e);
/* Checks that org (NULL: anyone) takes part in run: M_ENOTFOUND otherwise. */
int ex_run_visible(struct store *s, int64_t run, const char *org, struct merr *e);

/* The run as JSON: scenario, state, speed, clock, orgs, delivered injects (with content),
 * actions, notes, and the score: each expected action matched (on_time / late / missed with
 * the inject time, deadline and the matching action's time), per role and team totals. */
int ex_status(const struct ex_ctx *c, int64_t run, cJSON **out, struct merr *e);
/* The runs as JSON (org set: only that org's). */
int ex_runs(struct store *s, const char *org, cJSON **out, struct merr *e);

/* ------------------------------------------------------------ participants */

/* As ex_start, with named participants: users[i] is "NAME" or "NAME:ROLE" (an operator
 * account; its org joins the run). All or nothing. */
int ex_start_with(const struct ex_ctx *c, const char *path, const char *const *orgs, size_t n_orgs,
		  const char *const *users, size_t n_users, int speed, int64_t *run,
		  struct merr *e);
/* Invites user (an operator account, enabled) to run, to play role (a role of the scenario;
 * NULL or "": any). The user's org joins the run when it had not. M_ENOTFOUND: no such run
 * or user; M_EINVAL: not an operator, disabled, a role not in the scenario, run finished;
 * M_EEXIST: invited already. Messages are Japanese / English. */
int ex_invite(const struct ex_ctx *c, int64_t run, const char *user, const char *role,
	      struct merr *e);
/* The run's participant user: its org slug and role ("" any). M_ENOTFOUND ("no exercise
 * run", as a missing run) when user is not invited. */
int ex_participant(struct store *s, int64_t run, const char *user, char org[128], char role[32],
		   struct merr *e);
/* The runs user takes part in, as ex_runs. */
int ex_runs_of_user(struct store *s, const char *user, cJSON **out, struct merr *e);

/* ------------------------------------------------------------ attachments */

/* An inject's attachment: its bytes are kept in the store with the run (table
 * exercise_attachments), read at ex_start from ATTACH_DIR/<scenario id>/<name> beside the
 * scenario file (ATTACH_DIR: "attachments" in the scenario's folder) or set later with
 * ex_attach_set; served only to the run's readers once the inject is delivered. */
#define EX_ATTACH_MAX (2 * 1024 * 1024)
/* A plain file name with an allowed extension (.txt .log .csv .json .pdf .png .jpg .jpeg). */
bool ex_attach_name_ok(const char *name);
/* The content type for name and its bytes: text types must be UTF-8 without NUL or other
 * control bytes than tab/CR/LF, PDF/PNG/JPEG must start with their signature. M_ETOOBIG over
 * EX_ATTACH_MAX, M_EINVAL empty or not of the allow-list (field "file"). */
int ex_attach_check(const char *name, const void *data, size_t len, const char **ctype,
		    struct merr *e);
/* Stores (or replaces) the bytes of inject's attachment in run (the name the scenario
 * gives). M_ENOTFOUND: no such run or inject, or the inject has no attachment. */
int ex_attach_set(const struct ex_ctx *c, int64_t run, const char *inject, const void *data,
		  size_t len, char sha256[65], struct merr *e);
/* Reads inject's attachment: only once the inject is delivered, and a participant (reader
 * not NULL: a user name invited to the run) never reads a phone inject's. New name and data
 * (m_free them); ctype static. M_ENOTFOUND otherwise, alike. */
int ex_attach_get(const struct ex_ctx *c, int64_t run, const char *inject, const char *reader,
		  char **name, const char **ctype, void **data, size_t *len, char sha256[65],
		  struct merr *e);
/* The run's attachments as JSON (inject, name, content_type, size, sha256). */
int ex_attachments(struct store *s, int64_t run, cJSON **out, struct merr *e);

/* ------------------------------------------------------------ exercise incidents */

/* Files an incident report (the real form, incident.h) for org in the run: the incident is
 * marked with the run (never in real lists, clocks' alerts, ratings or statistics) and the
 * action recorded (file_initial / file_followup). *id gets the incident id. */
struct inc_report;
struct inc_assessment;
int ex_file(const struct ex_ctx *c, int64_t run, const char *org, const char *role,
	    const char *inject, const struct inc_report *r, int64_t *id, struct merr *e);
/* An exercise incident of the run as JSON (inc_show within the run: the report's versions
 * with their bodies, level, timeline); org set: only that org's. M_ENOTFOUND otherwise. */
int ex_incident(const struct ex_ctx *c, int64_t run, const char *org, int64_t incident, cJSON **out,
		struct merr *e);
/* The same by a named participant (user invited to the run; org NULL: the user's, role NULL:
 * the one the user plays, else operator_csirt); recorded under the user's name. */
int ex_file_as(const struct ex_ctx *c, int64_t run, const char *user, const char *org,
	       const char *role, const char *inject, const struct inc_report *r, int64_t *id,
	       struct merr *e);
/* Assesses an exercise incident of the run (NISC severity) and records assess_severity. */
int ex_assess(const struct ex_ctx *c, int64_t run, const char *org, const char *role,
	      const char *inject, int64_t incident, const struct inc_assessment *a, int *level,
	      struct merr *e);

int ex_assess_as(const struct ex_ctx *c, int64_t run, const char *user, const char *org,
		 const char *role, const char *inject, int64_t incident,
		 const struct inc_assessment *a, int *level, struct merr *e);

#endif
