/*
 * incident.h - incident reports from operators (初報 / 続報 / 最終報, every version kept), the
 * reporting clocks of each regime (a YAML table read at run time, reminders and overdue alerts
 * through the alert module), the NISC severity scale (three axes, overall = max; predicted and
 * final), NCISS-style secondary score, rush-support and consultation cases, and one hash-chained
 * timeline of every incident and case event. See docs/INCIDENTS.md.
 */
#ifndef MAMORI_INCIDENT_H
#define MAMORI_INCIDENT_H

#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/chain.h"
#include "base/err.h"
#include "job/job.h"
#include "store/store.h"

/* ------------------------------------------------------------ the report file */

#define INC_REPORT_MAX (1024 * 1024) /* a report file, bytes */
#define INC_TEXT_MAX 16384	     /* one free-text field, bytes */
#define INC_IOCS_MAX 1000
#define INC_AFFECTED_MAX 200

enum inc_kind { INC_INITIAL = 0, INC_FOLLOWUP = 1, INC_FINAL = 2 };

/* A parsed and validated report: doc is the canonical JSON of every field (owned); the other
 * members point into it or are copies of its values. */
struct inc_report {
	cJSON *doc;
	enum inc_kind kind;
	int64_t incident; /* the incident a 続報/最終報 continues (0: a new incident) */
	int64_t occurred_at, aware_at;
	const char *title, *type;
};

/* Parses a report (YAML or JSON: JSON is checked by cJSON first, then read with line numbers)
 * of len bytes. file names the input in errors ("FILE:LINE: field: message"). Unknown keys,
 * wrong types, impossible times (awareness before occurrence, an end before its start) and bad
 * IoCs are M_EPARSE. Free r with inc_report_free. */
int inc_report_parse(const char *text, size_t len, const char *file, struct inc_report *r,
		     struct merr *e);
void inc_report_free(struct inc_report *r);

/* Static tables: type codes and their Japanese / English names. NULL when unknown. */
const char *inc_type_ja(const char *type);
const char *inc_type_en(const char *type);  /* "DDoS attack" …; NULL for an unknown type */
const char *inc_kind_name(enum inc_kind k); /* initial, followup, final */
const char *inc_kind_ja(enum inc_kind k);   /* 初報, 続報, 最終報 */
const char *inc_kind_en(enum inc_kind k);   /* initial, follow-up, final report */
int inc_kind_parse(const char *s);	    /* -1 when unknown; takes English or Japanese */

/* ------------------------------------------------------------ regimes (data) */

struct inc_regimes; /* the loaded table */

/* Loads and validates the regime table (data/incident_regimes.yaml). Free with
 * inc_regimes_free. */
int inc_regimes_load(const char *path, struct inc_regimes **out, struct merr *e);
void inc_regimes_free(struct inc_regimes *t);
/* The default path: $MAMORI_INCIDENT_REGIMES, else the repository's data/ at build time. */
const char *inc_regimes_default_path(void);
/* Calls fn for each regime and report of the table (for `incident regimes`). */
typedef void (*inc_regime_fn)(const char *regime, const char *name_ja, const char *report,
			      const char *report_ja, const char *offset, const char *after,
			      const char *source, void *arg);
void inc_regimes_each(const struct inc_regimes *t, inc_regime_fn fn, void *arg);
/* Adds months to t in JST calendar terms (the day clamped to the month's length). */
int64_t inc_add_months(int64_t t, int months);

/* ------------------------------------------------------------ incidents */

struct inc_ctx {
	struct store *s;
	const struct inc_regimes *regimes; /* may be NULL: no clocks */
	const char *actor;		   /* who: a user name, "cli:<uid>" */
	int64_t now;
	int64_t exercise_run; /* 0: real; else an exercise run (issue 17): inc_file marks the new
				 incident with it and inc_assess reaches only that run's incidents */
};

/* Files a report for org (slug): a new incident (r->incident 0) or a new version of it. Every
 * row (incident, version, IoCs, affected systems linked to the org's assets and services,
 * clocks, timeline event, audit row) in one transaction. *id gets the incident id, *seq the
 * version number. M_ENOTFOUND: no such org or incident (of that org); M_EINVAL: a version after
 * the 最終報, or a first report that is not 初報. */
int inc_file(const struct inc_ctx *c, const char *org, const struct inc_report *r, int64_t *id,
	     int *seq, struct merr *e);

struct inc_filter {
	const char *org; /* slug, NULL: every org */
	const char *sector;
	const char *state; /* open | closed */
	int level;	   /* -1: any */
	bool overdue;	   /* with a pending clock past its due time */
	int64_t limit;
	int64_t before; /* keyset page: only ids below it (0: from the newest) */
	int64_t offset; /* kept for old API callers; before is the way to page */
};
/* The incidents as a JSON array (newest first; exercise rows never). Index-backed (0803): each
 * filter walks a partial index newest first and stops at the limit. */
int inc_list(const struct inc_ctx *c, const struct inc_filter *f, cJSON **out, struct merr *e);
/* The same rows one by one (the console page renders them without a JSON tree): the strings
 * live until fn returns; fn returns 0 to go on, 1 to stop, -1 on failure (M_ENOMEM). */
struct inc_row {
	int64_t id;
	const char *org, *sector, *title, *type, *state, *level_kind, *last_kind;
	int level; /* -1: not assessed */
	int64_t occurred_at, aware_at, next_due, updated_at, versions;
	bool overdue;
};
typedef int (*inc_row_fn)(void *arg, const struct inc_row *r);
int inc_list_each(const struct inc_ctx *c, const struct inc_filter *f, inc_row_fn fn, void *arg,
		  struct merr *e);
/* The same list as JSON text appended to out (an array, the same members as inc_list's): the
 * API writes it straight into its reply. *n: rows, *last_id: the last row's id (the next
 * keyset page's before). */
int inc_list_text(const struct inc_ctx *c, const struct inc_filter *f, struct buf *out, int64_t *n,
		  int64_t *last_id, struct merr *e);
/* The SQLite query plan of that list (EXPLAIN QUERY PLAN details, one per line; m_free it): the
 * unit test asserts the indexes are used so the benchmark cannot regress quietly. */
int inc_list_plan(const struct inc_ctx *c, const struct inc_filter *f, char **plan, struct merr *e);
/* What one reader may see of an incident. */
struct inc_view {
	const char *org;    /* only this org's incidents (operators); NULL: any */
	const char *sector; /* only this sector's (bureau users); NULL: any */
	bool internal;	    /* internal timeline events (analysts) */
	int max_tlp;	    /* IoCs up to this TLP rank (clear 0 .. red 4); versions' IoCs too */
	bool attachments;   /* attachments listed and readable (not for bureau users) */
};
#define INC_VIEW_ALL ((struct inc_view){NULL, NULL, true, 4, true})
/* One incident as JSON: fields, level and axes (predicted and final), clocks (regime, report,
 * due UTC, state), clock history, versions (with bodies), IoCs, affected, attachments, timeline.
 * M_ENOTFOUND when none or outside the view. Real incidents only; with c->exercise_run set,
 * only that exercise run's (issue 17). */
int inc_show(const struct inc_ctx *c, int64_t id, const struct inc_view *v, cJSON **out,
	     struct merr *e);
/* A message on the incident's shared timeline (an analyst's reply or the operator's note);
 * org set: the incident must be that org's. */
int inc_message(const struct inc_ctx *c, int64_t id, const char *org, const char *text,
		struct merr *e);

#define INC_ATTACH_MAX (10 * 1024 * 1024)
/* Stores an attachment (never executed or rendered) with its SHA-256. Name: a file name
 * without path, control characters or quotes. M_ETOOBIG over INC_ATTACH_MAX; M_EINVAL for an
 * executable or script (ELF, PE, Mach-O, "#!"). */
int inc_attach_add(const struct inc_ctx *c, int64_t id, const char *org, const char *name,
		   const void *data, size_t len, int64_t *aid, char sha256[65], struct merr *e);
/* Reads attachment aid of incident id within v: name and bytes (new, m_free them). */
int inc_attach_get(const struct inc_ctx *c, int64_t id, int64_t aid, const struct inc_view *v,
		   char **name, void **data, size_t *len, char sha256[65], struct merr *e);

/* The console's draft of a report form (one per user): JSON text. */
int inc_draft_save(const struct inc_ctx *c, const char *user, const char *org, const char *json,
		   struct merr *e);
/* *json: new text (m_free) or NULL when there is none. */
int inc_draft_get(const struct inc_ctx *c, const char *user, char **json, struct merr *e);
int inc_draft_drop(const struct inc_ctx *c, const char *user, struct merr *e);
/* The org slug an incident belongs to (for authorisation). */
int inc_org_of(struct store *s, int64_t id, char *org, size_t cap, struct merr *e);
/* The same for the incidents of an exercise run (run 0: real ones, as inc_org_of). */
int inc_org_of_run(struct store *s, int64_t id, int64_t run, char *org, size_t cap, struct merr *e);

/* ------------------------------------------------------------ clocks */

/* Sets the regimes of an incident (names of the table), recomputing its clocks: a regime removed
 * drops its pending clocks, one added creates them. History kept. */
int inc_regimes_set(const struct inc_ctx *c, int64_t id, const char *const *names, size_t n,
		    struct merr *e);
/* Moves the awareness time: every pending clock recomputed, the history kept. */
int inc_set_aware(const struct inc_ctx *c, int64_t id, int64_t aware_at, struct merr *e);
/* Marks a clock met (at: when the report was made, 0: now). */
int inc_clock_met(const struct inc_ctx *c, int64_t id, const char *regime, const char *report,
		  int64_t at, struct merr *e);
/* Queues reminders (within each report's remind_before of its due time) and overdue alerts
 * through the alert module (alert_insert), once per clock and due time; and, for the analysts
 * (org "_cases"), one alert per case whose first response or resolution is past its SLA. */
int inc_remind(const struct inc_ctx *c, const char *ack_base, long *reminders, long *overdue,
	       struct merr *e);

/* The reminder pass as a recurring job (remind_job.c): the job kinds a queue runs
 * (inc_job_kinds: "incident.remind") and its recurring entry for period_s seconds (<= 0: the
 * default, 300 s). The job runs inc_remind with the default regime table, then alert delivery
 * when $MAMORI_SMTP_URL is set. */
#define INC_REMIND_JOB "incident.remind"
#define INC_REMIND_PERIOD 300
struct job_kind;
extern const struct job_kind inc_job_kinds[];
extern const size_t inc_job_kinds_len;
struct job_recurring inc_remind_recurring(int64_t period_s);

/* ------------------------------------------------------------ NISC severity */

/* The NISC 表1 level names and wording, exactly ("レベル4（危機）"). NULL outside 0..4. */
const char *inc_level_name(int level);
const char *inc_level_text(int level);
const char *inc_level_name_en(int level); /* "Level 3 (high)" */
const char *inc_level_text_en(int level);
/* Overall level = the highest of the three axes; -1 when an axis is outside 0..4. */
int inc_level_overall(int continuity, int safety, int trust);

struct inc_assessment {
	bool final; /* ex post (事後); else predicted (at first report) */
	int continuity, safety, trust;
	const char *reason_continuity, *reason_safety, *reason_trust;
	/* NCISS-style category=option pairs (NULL: no secondary score) */
	const char *const *nciss;
	size_t n_nciss;
	const char *nciss_path; /* data file (NULL: the default) */
};
/* Records an assessment (the indicator fields are taken from the latest version's impact and
 * safety sections). *level gets the overall level, *nciss_score the secondary score (-1: none). */
int inc_assess(const struct inc_ctx *c, int64_t id, const struct inc_assessment *a, int *level,
	       int *nciss_score, struct merr *e);
/* NCISS-style score 0..100 from category=option pairs with the shipped weights; M_EINVAL for an
 * unknown category or option. */
int inc_nciss_score(const char *path, const char *const *pairs, size_t n, int *score,
		    cJSON **chosen, struct merr *e);
const char *inc_nciss_default_path(void);

/* ------------------------------------------------------------ cases */

struct case_open {
	const char *org, *kind, *title, *message; /* kind: rush | consult */
	const char *sla_path;			  /* NULL: the default data file */
};
int case_open(const struct inc_ctx *c, const struct case_open *o, int64_t *id, struct merr *e);
struct case_update {
	const char *state;    /* received, in_progress, answered, closed (NULL: unchanged) */
	const char *assignee; /* NULL: unchanged */
	const char *message;  /* shared with the operator (NULL: none) */
	const char *note;     /* internal, analysts only (NULL: none) */
	const char *link_kind, *link_ref; /* incident, finding, sns_alert, indicator */
	const char *org;		  /* set for an operator: must own the case */
};
int case_update(const struct inc_ctx *c, int64_t id, const struct case_update *u, struct merr *e);
struct case_filter {
	const char *org;   /* slug (operators: their own); NULL: every org */
	const char *state; /* NULL: any */
	int64_t before;	   /* keyset page: ids below it (0: from the newest) */
	int64_t limit;	   /* 0: 200 */
};
/* Cases newest first, index-backed (cases_org, 0803's cases_l_*), keyset-paged. */
int case_list(const struct inc_ctx *c, const struct case_filter *f, cJSON **out, struct merr *e);
/* The same as JSON text appended to out (the API's reply), as inc_list_text. */
int case_list_text(const struct inc_ctx *c, const struct case_filter *f, struct buf *out,
		   int64_t *n, int64_t *last_id, struct merr *e);
int case_list_plan(const struct inc_ctx *c, const struct case_filter *f, char **plan,
		   struct merr *e);
int case_show(const struct inc_ctx *c, int64_t id, const char *org, bool internal, cJSON **out,
	      struct merr *e);
const char *case_state_ja(const char *state);
const char *case_state_en(const char *state); /* "in progress" …; NULL for an unknown state */
const char *case_sla_default_path(void);

/* ------------------------------------------------------------ timeline (hash chain) */

/* Appends an event to the chained timeline (incident_id or case_id 0 when not that kind). */
int inc_event(const struct inc_ctx *c, int64_t incident_id, int64_t case_id, const char *kind,
	      bool internal, const char *detail, struct merr *e);
/* Verifies the incident/case timeline chain (like auth_audit_verify). */
int inc_events_verify(struct store *s, struct chain_verify *r, struct merr *e);

/* ------------------------------------------------------------ outputs */

/* STIX 2.1 bundle of an incident: incident, indicators, observed-data, relationships, the
 * marking of tlp (clear, green, amber, amber+strict, red). IoCs marked stricter than tlp are
 * left out. v (NULL: all) limits which incident may be exported. Returns a new bundle. */
int inc_stix(const struct inc_ctx *c, int64_t id, const struct inc_view *v, const char *tlp,
	     cJSON **out, struct merr *e);
/* Publishes that bundle into the sharing collection named by alias or id (share module's
 * share_import): who (NULL: the CLI, any collection) must be allowed to write it (M_EPERM);
 * M_ENOTFOUND for no such collection; the incident's timeline and the audit log record it.
 * *n_objects gets the objects stored (existing identical versions count). */
struct share_who;
int inc_stix_publish(const struct inc_ctx *c, int64_t id, const struct inc_view *v, const char *tlp,
		     const char *collection, const struct share_who *who, size_t *n_objects,
		     struct merr *e);
/* Incidents per (quarter, sector, level, type), for the sector and bureau views; sector NULL:
 * every sector. */
int inc_stats(const struct inc_ctx *c, const char *sector, cJSON **out, struct merr *e);

#endif
