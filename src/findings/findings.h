/*
 * findings.h - what is wrong where: findings made from services, declared products and
 * e-mail hygiene, with a lifecycle (open -> fixed -> reopened), urgency and deadlines.
 *
 * Flow: finding_evaluate() builds the candidate set of one organisation from the store
 * (services x matcher, declared products x matcher, the risky-service table, TLS and
 * e-mail checks), then finding_apply() writes it in one transaction: new keys open,
 * fixed keys reopen, open keys the covering run did not see become fixed. Every change
 * leaves a finding_events row. See docs/RATING.md for what counts and how much.
 */
#ifndef MAMORI_FINDINGS_H
#define MAMORI_FINDINGS_H

#include "base/compat.h"

#include "base/err.h"
#include "store/store.h"

struct cJSON;

/* ------------------------------------------------------------ risky services */

/*
 * One row of the risky-service table. A rule matches a service when every field it
 * sets matches: port (0 = any), proto (NULL = any), service name (NULL = any), and
 * pattern (NULL = none): a case-insensitive substring of the product, HTTP title,
 * Recog description or banner.
 */
struct finding_risky_rule {
	const char *id; /* issue key suffix: "rdp", "telnet", "mgmt-fortigate" */
	uint16_t port;
	const char *proto;
	const char *service;
	const char *pattern;
	const char *severity; /* critical, high, medium, low */
	const char *reason_ja, *reason_en;
};

/* The table (static), *n receives its length. */
const struct finding_risky_rule *finding_risky_table(size_t *n);

/* What is known of one exposed port, for the risky-service table. */
struct finding_port {
	uint16_t port;
	const char *proto;   /* tcp, udp */
	const char *service; /* services.service, or NULL */
	const char *text;    /* product, title, description, banner joined (may be NULL) */
};

/* Calls fn for each rule p matches, in table order. A port-only rule is skipped when the
 * service was identified as something else (a web server on 21 is not FTP). Returns the
 * number of matches. */
size_t finding_risky_match(const struct finding_port *p,
			   void (*fn)(const struct finding_risky_rule *r, void *arg), void *arg);

/* ------------------------------------------------------------ SSVC / BOD 26-04 */

enum finding_exploitation { FINDING_EXPL_NONE, FINDING_EXPL_POC, FINDING_EXPL_ACTIVE };
enum finding_mwi { FINDING_MWI_LOW, FINDING_MWI_MEDIUM, FINDING_MWI_HIGH };

struct finding_ssvc_in {
	bool in_kev;
	bool exposed;	  /* publicly exposed (BOD 26-04) / exposure open */
	bool automatable; /* CVSS AV:N/AC:L/PR:N/UI:N */
	bool total;	  /* technical impact total: C/I/A all High */
	enum finding_exploitation exploitation;
	enum finding_mwi mwi;
};

struct finding_ssvc_out {
	int bod_row, coord_row; /* CSV row numbers used */
	char timeline[64];	/* "14 days", "fix on system upgrade", "3 days & forensic ..." */
	int days;		/* -1 when the timeline has no fixed number of days */
	bool forensic;
	char decision[64]; /* track, track*, attend, act */
};

/* The two CERT/CC tables read from DATA_DIR/ssvc/ at run time. */
struct finding_ssvc;

/* Reads cisa_bod_26_04_1_0_0.csv and cisa_coordinator_2_0_3.csv from data_dir/ssvc,
 * columns found by their header names. Returns 0 and a new table (free with
 * finding_ssvc_free), M_EIO, M_EPARSE (FILE:LINE in e) or M_ENOMEM. */
int finding_ssvc_load(const char *data_dir, struct finding_ssvc **out, struct merr *e);
void finding_ssvc_free(struct finding_ssvc *t);
/* Looks both tables up. M_ENOTFOUND when a table has no row for the inputs. */
int finding_ssvc_decide(const struct finding_ssvc *t, const struct finding_ssvc_in *in,
			struct finding_ssvc_out *out, struct merr *e);
const char *finding_exploitation_name(enum finding_exploitation x);
const char *finding_mwi_name(enum finding_mwi m);

/* From a CVSS vector (v2, v3.x or v4.0): network, low complexity, no privileges, no user
 * interaction (v4: and no attack requirements). */
bool finding_cvss_automatable(const char *vector);
/* Confidentiality, integrity and availability all High (v2: Complete). */
bool finding_cvss_total(const char *vector);

/* ------------------------------------------------------------ candidates and lifecycle */

enum finding_source { FINDING_SRC_NETWORK, FINDING_SRC_DECLARED, FINDING_SRC_EMAIL, FINDING_SRC_N };

/* One finding as the evaluation produced it. Strings are owned (m_strdup'd) by the set. */
struct finding_cand {
	char *asset, *issue_key, *kind, *severity, *title;
	enum finding_source source;
	char *ip, *proto;
	int port;
	char *cve_id, *confidence;
	bool needs_confirmation;
	double cvss, epss; /* < 0 when unknown */
	char *cvss_vector;
	bool kev, kev_ransomware;
	char *kev_date_added, *kev_due_date;
	char *urgency, *ssvc_decision, *bod_timeline;
	int deadline_days;	  /* days after first_seen; -1 none */
	char *reasons, *evidence; /* JSON texts */
	int64_t seen_at;	  /* when the source last saw it */
};

struct finding_set {
	struct finding_cand *v;
	size_t n, cap;
};

void finding_set_init(struct finding_set *s);
void finding_set_release(struct finding_set *s);
/* Appends a zeroed candidate and returns it (NULL on out of memory). */
struct finding_cand *finding_set_add(struct finding_set *s);
/* Sets *field to a copy of v (NULL stays NULL); returns M_ENOMEM or 0. */
int finding_cand_set(char **field, const char *v);

/* What the runs that produced a set covered, per source: an open finding of a covered
 * source that is not in the set becomes fixed. The network source is covered once the
 * org has a COMPLETE identify run (or, before identify exists, a finished scan); an
 * org without one keeps its network findings open (a partial run proves nothing gone). */
struct finding_cover {
	bool covered[FINDING_SRC_N];
	char why[FINDING_SRC_N][96]; /* e.g. "identify run 12 (complete)" */
};

struct finding_stats {
	long candidates, opened, reopened, fixed, still_open, changed;
};

/* Writes set as the state of org at now, in one transaction. */
int finding_apply(struct store *s, const char *org, const struct finding_set *set,
		  const struct finding_cover *cover, int64_t now, struct finding_stats *st,
		  struct merr *e);

struct finding_opts {
	const char *data_dir; /* for the SSVC tables */
	int64_t now;
	double epss_poc; /* EPSS at or above which exploitation counts as PoC (default 0.1) */
};
void finding_opts_init(struct finding_opts *o, const char *data_dir, int64_t now);

/* Builds org's candidates from the store (services, observations, declared products,
 * email_hygiene; tables a module has not created yet are skipped) and what they cover. */
int finding_collect(struct store *s, const char *org, const struct finding_opts *o,
		    struct finding_set *set, struct finding_cover *cover, struct merr *e);
/* finding_collect + finding_apply. */
int finding_evaluate(struct store *s, const char *org, const struct finding_opts *o,
		     struct finding_stats *st, struct merr *e);

/* ------------------------------------------------------------ priority and deadline */

/*
 * The one fix-first order (docs/RATING.md §2a). Tiers, then deadline (soonest first, none
 * last), SSVC decision (act, attend, track*, track), EPSS, CVSS (high first), severity, id:
 *   0  confirmed, exposed (seen by the scan) and in KEV
 *   1  other confirmed exposures (network findings: services, risky ports, TLS)
 *   2  declared products that version-match (not seen from outside), e-mail records
 *   3  要確認 candidates (needs_confirmation or severity info)
 * A 要確認, product-only or declared-only finding is therefore never above a confirmed
 * exposure. P is the column prefix ("f." or ""). */
#define FINDING_TIER_SQL(P)                                                               \
	"(CASE WHEN " P "needs_confirmation = 1 OR " P "severity = 'info' THEN 3 WHEN " P \
	"kind IN ('declared', 'email') THEN 2 WHEN " P "kev = 1 AND " P                   \
	"kind = 'vulnerability' THEN 0 ELSE 1 END)"
#define FINDING_PRIO_ORDER(P)                                                              \
	FINDING_TIER_SQL(P)                                                                \
	", " P "deadline IS NULL, " P "deadline, CASE " P                                  \
	"ssvc_decision WHEN 'act' THEN 0 WHEN 'attend' THEN 1 WHEN 'track*' "              \
	"THEN 2 WHEN 'track' THEN 3 ELSE 4 END, coalesce(" P "epss, -1) DESC, coalesce(" P \
	"cvss, -1) DESC, CASE " P                                                          \
	"severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' "                \
	"THEN 2 WHEN 'low' THEN 3 ELSE 4 END, " P "id"

/* Open and not closed by triage (a false positive, or a risk accepted until its expiry): what
 * counts for the fix-first list, the grade, alerts, reports and the rescan schedule. */
#define FINDING_ACTIVE_SQL(P)                                                           \
	"(" P "state = 'open' AND coalesce(" P "triage, '') NOT IN ('false_positive', " \
	"'accepted'))"

enum finding_tier {
	FINDING_TIER_KEV_EXPOSED,
	FINDING_TIER_EXPOSED,
	FINDING_TIER_DECLARED,
	FINDING_TIER_CONFIRM,
};

/* Inputs of the one deadline rule. */
struct finding_deadline_in {
	bool kev;	      /* in CISA KEV */
	int bod_days;	      /* BOD 26-04 timeline in days, -1 none ("fix on system upgrade") */
	const char *severity; /* critical, high, ... */
	bool exposed;	      /* seen from the internet (network source) */
	bool vuln;	      /* a CVE (BOD 26-04 applies); false: configuration, service */
};

/* Days after first_seen the finding is due, -1 for none; *rule (may be NULL) receives the
 * bilingual sentence naming the rule that decided. The stricter of: KEV 14 days; the BOD
 * 26-04 timeline; a critical exposure 14 days (BOD 23-02); any other critical 60 days (the
 * longest dated BOD 26-04 timeline); a high finding that is not a CVE (risky service, TLS,
 * e-mail) 30 days. So every KEV or critical finding has a deadline. */
int finding_deadline_days(const struct finding_deadline_in *in, const char **rule);

/* ------------------------------------------------------------ reading */

struct finding_filter {
	const char *org; /* NULL: all */
	const char *kind;
	bool kev_only, open_only;
	int64_t ip_limit;
};

/* One stored finding; strings borrowed for the callback. */
struct finding_row {
	int64_t id;
	const char *org, *asset, *issue_key, *kind, *state, *severity, *title;
	const char *cve_id, *confidence, *urgency, *ssvc_decision, *bod_timeline;
	const char *kev_due_date;
	bool needs_confirmation, kev, reopened;
	double cvss, epss;
	int64_t deadline, first_seen, last_seen, fixed_at;
	const char *ip, *proto;
	int port;
	const char *triage, *assignee; /* NULL when none */
	int64_t triage_until;
};

/* The tier of a row (FINDING_TIER_SQL in C). */
enum finding_tier finding_row_tier(const struct finding_row *r);

/*
 * A listing: the row rule (org / sector), filters, search, a whitelisted sort and paging.
 * Every text is bound, never pasted into SQL; values outside the allowed sets are M_EPARSE
 * with the field name and the allowed values (finding_query_check).
 */
struct finding_query {
	const char *org;    /* exact organisation (operator's rule, or a filter) */
	const char *org2;   /* a second narrowing org (?org= within the caller's rows) */
	const char *sector; /* only organisations of this sector (bureau users) */
	const char *kind, *severity, *state; /* allowed values below; NULL or "" any */
	const char *triage;		     /* a finding_triage_states value ("none": untriaged) */
	bool kev_only, open_only;
	bool confirm_only;  /* 要確認 candidates only */
	bool overdue;	    /* open and deadline < now */
	int64_t due_before; /* open, not overdue, deadline before this (0: no filter) */
	const char *cve;    /* CVE id prefix (case-insensitive) */
	const char *host;   /* ip or asset prefix */
	const char *ip;	    /* exactly this address */
	const char *product;
	const char *search;    /* substring of title, asset, CVE, issue key */
	const char *sort;      /* finding_sort_keys, optional '-' for descending; NULL priority */
	bool by_org;	       /* group by organisation, open before fixed, then the sort */
	int64_t now;	       /* for overdue */
	int64_t limit, offset; /* limit 0: all */
};
extern const char *const finding_kinds[], *const finding_severities[],
					      *const finding_states[], *const finding_sort_keys[];
/* Checks the enumerated fields and the sort key; M_EPARSE naming the field and the allowed
 * values ("kind: unknown value 'x' (allowed: vulnerability, declared, ...)"). */
int finding_query_check(const struct finding_query *q, struct merr *e);
int finding_query_count(struct store *s, const struct finding_query *q, int64_t *n, struct merr *e);
int finding_query_run(struct store *s, const struct finding_query *q,
		      int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e);
/*
 * A list page: the rows of q (limit/offset) through fn and their number in *total, the way the
 * console and the API show one. A free-text search reads its trigram candidates once, each
 * confirmed by the filters and the LIKE, stopping after cap + 1 (cap > 0): with at most cap
 * matches they are the count (exact) and the page sorts only them; with more (a common term:
 * "finding" in 100,000 titles) *total = cap and *capped true (shown "1,000+"), and the page walks
 * the sort's order (its index where there is one) confirming each row until it is full. The
 * rows are those of finding_query_run; counts below the cap those of finding_query_count.
 */
#define FINDING_COUNT_CAP 1000
int finding_query_page(struct store *s, const struct finding_query *q, int64_t cap, int64_t *total,
		       bool *capped, int (*fn)(void *arg, const struct finding_row *r), void *arg,
		       struct merr *e);

/* The fix-first list of org: its open findings in the one priority order, at most limit
 * (0: all). Dashboard, operator page, report page 1, alerts and the CLI all read this. */
int finding_priority(struct store *s, const char *org, int64_t limit,
		     int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e);
/* The first item of finding_priority for every organisation with an open finding (sector
 * NULL: all; else that sector's), by organisation slug. */
int finding_first_per_org(struct store *s, const char *org, const char *sector,
			  int (*fn)(void *arg, const struct finding_row *r), void *arg,
			  struct merr *e);

int finding_list(struct store *s, const struct finding_filter *f,
		 int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e);
/* A finding with its reasons, evidence and events, as a new JSON object. */
int finding_get_json(struct store *s, int64_t id, struct cJSON **out, struct merr *e);
/* A finding narrowed to a row rule (org / sector as in finding_query): M_ENOTFOUND for one
 * outside it, the same as a missing one. */
int finding_get_json_in(struct store *s, int64_t id, const char *org, const char *sector,
			struct cJSON **out, struct merr *e);
/* A row as a new JSON object: THE finding shape of the CLI and the API (docs/API.md). */
struct cJSON *finding_row_json(const struct finding_row *r);

/* ------------------------------------------------------------ triage */

/* Triage states (docs/RATING.md §1a): confirmed (確認済み: a candidate promoted to a finding),
 * false_positive (誤検知: closed while the evidence stays the same), accepted (リスク受容: closed
 * until an expiry), in_progress (対応中), fixed_pending (修正済み・再診断待ち); "none" clears. */
extern const char *const finding_triage_states[];

#define FINDING_COMMENT_MAX 2000
#define FINDING_ASSIGNEE_MAX 128
#define FINDING_TRIAGE_BULK_MAX 500

struct finding_triage_req {
	const int64_t *ids;
	size_t n;	      /* 1..FINDING_TRIAGE_BULK_MAX */
	const char *state;    /* NULL: unchanged */
	int64_t until;	      /* accepted: the expiry, after now (required) */
	const char *assignee; /* NULL unchanged, "" clears */
	const char *comment;  /* NULL none */
	const char *actor;    /* who (audited) */
	const char *org;      /* row rule: only this org's findings (operators) */
	const char *sector;   /* row rule: only this sector's (bureau) */
	int64_t now;
};
/* Applies the change to every id in one transaction, each change in finding_triage_log.
 * M_ENOTFOUND when an id is missing or outside the row rule (nothing changes: another
 * operator's finding looks the same as a missing one); M_EINVAL for a bad state, a missing or
 * past expiry, an oversized comment or assignee, or no change at all. */
int finding_triage(struct store *s, const struct finding_triage_req *q, struct merr *e);
/* After a rescan (finding_apply calls it): expired acceptances reopen, a false positive whose
 * evidence changed reopens, in_progress / fixed_pending clear when the finding is fixed, a
 * confirmed candidate keeps its confirmed severity and gets its deadline. Each logged. */
int finding_triage_after_apply(struct store *s, const char *org, int64_t now, struct merr *e);
/* The confirmed-candidate part of it for one finding. */
int finding_triage_after_apply_one(struct store *s, int64_t id, int64_t now, struct merr *e);

/* ------------------------------------------------------------ coverage */

/* How much of an organisation was assessed. */
struct finding_coverage {
	bool assessed;		/* a complete identify run or a finished scan: else 未診断 */
	int64_t last_scan;	/* newest finished scan of the org (0 none) */
	int64_t last_identify;	/* newest complete identify run (0 none) */
	int64_t addrs_scanned;	/* addresses that scan covered */
	int64_t addrs_in_scope; /* addresses of the scopes valid now */
	int64_t scope_from;	/* earliest future valid_from of a scope not valid yet (0 none) */
};
int finding_coverage(struct store *s, const char *org, int64_t now, struct finding_coverage *c,
		     struct merr *e);
/* finding_coverage of every organisation (org / sector narrow as in finding_query), by slug;
 * name is the Japanese name. */
int finding_coverage_list(struct store *s, const char *org, const char *sector, int64_t now,
			  int (*fn)(void *arg, const char *org, const char *name,
				    const struct finding_coverage *c),
			  void *arg, struct merr *e);

/* ------------------------------------------------------------ KPIs (kpi.c) */

/* CyHy's key figures over the active findings above info of org, sector or all (both NULL).
 * age[i]: open findings younger than finding_kpi_age_days[i] days (the last bucket: older);
 * fixed*: findings fixed in the last FINDING_KPI_FIXED_DAYS days, with the median days from
 * first seen to fixed and whether the fix came by the deadline; week_*: new and fixed
 * findings in each of the last FINDING_KPI_WEEKS weeks, oldest first (the last ends now). */
#define FINDING_KPI_AGES 5
#define FINDING_KPI_WEEKS 8
#define FINDING_KPI_FIXED_DAYS 90
extern const int64_t finding_kpi_age_days[FINDING_KPI_AGES];
struct finding_kpi {
	int64_t now;
	int64_t open, age[FINDING_KPI_AGES];
	int64_t kev_open, kev_overdue;
	int64_t fixed, fixed_on_time, fixed_late, fixed_no_deadline, ttr_median_days;
	int64_t week_start[FINDING_KPI_WEEKS], week_new[FINDING_KPI_WEEKS],
	    week_fixed[FINDING_KPI_WEEKS];
};
int finding_kpi(struct store *s, const char *org, const char *sector, int64_t now,
		struct finding_kpi *k, struct merr *e);

/* ------------------------------------------------------------ rescan schedule */

/* One priority level: CyHy's host priorities with mamori's intervals (docs/RATING.md). */
struct finding_sched_level {
	int priority; /* 0 most urgent */
	const char *level;
	int64_t interval; /* seconds until the next scan */
	const char *why_ja, *why_en;
};
const struct finding_sched_level *finding_sched_levels(size_t *n);

/* The priority a host moves to: target from its open findings now, prev its stored
 * priority (-1: none). More urgent targets apply at once; a less urgent one moves a
 * finding host one step per scan (decay), as CyHy does; new and dark apply directly. */
int finding_sched_next(int prev, int target);

/* Recomputes org's host rows of scan_schedule at now (one transaction). */
int finding_schedule_update(struct store *s, const char *org, int64_t now, struct merr *e);

struct finding_sched_row {
	const char *org, *ip, *level, *reason;
	int priority;
	int64_t next_due, updated_at;
};
/* Rows (due_only: next_due <= now), soonest first. */
int finding_schedule_list(struct store *s, bool due_only, int64_t now,
			  int (*fn)(void *arg, const struct finding_sched_row *r), void *arg,
			  struct merr *e);
/* Organisations with a host due at now, or never scheduled; fn once per org. */
int finding_schedule_due_orgs(struct store *s, int64_t now, int (*fn)(void *arg, const char *org),
			      void *arg, struct merr *e);

/* Per organisation among rows (NULL: all), how many hosts are due for a rescan at now, most
 * first, at most limit organisations (<= 0: all). */
struct inv_rows;
int finding_schedule_due_by_org(struct store *s, const struct inv_rows *rows, int64_t now,
				int64_t limit, int (*fn)(void *arg, const char *org, int64_t hosts),
				void *arg, struct merr *e);

/* A declared product's display name and version from its CPE, for titles and subjects:
 * "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_23:..." -> "Microsoft Exchange
 * Server 2016 CU23", unknown products with underscores as spaces ("big_ip" -> "big ip");
 * without a CPE, "prod ver". */
void finding_product_label(const char *cpe, const char *prod, const char *ver, char *out,
			   size_t cap);

/* Evidence (a JSON object) field by field, nested objects one level down under their name
 * (prefix, else NULL); value NULL for JSON null, "true"/"false" for booleans (item says
 * which, for translated words), other non-strings as compact JSON. A non-zero
 * return stops the walk and is returned. */
struct cJSON;
typedef int (*finding_evidence_fn)(void *arg, const char *prefix, const char *key,
				   const char *value, const struct cJSON *item);
int finding_evidence_walk(const struct cJSON *ev, finding_evidence_fn fn, void *arg);

/* Evidence JSON as readable "key: value" lines ("http › title: …"), booleans as yes / no,
 * binary bytes as \xNN;
 * text that is not a JSON object is copied with binary bytes escaped. Returns out. */
char *finding_evidence_lines(const char *json, const char *yes, const char *no, char *out,
			     size_t cap);

/* The asset (host) a declared product was declared on, for a finding's asset
 * "declared:cpe:2.3:…" of org; "" when none was named or the asset is not declared. */
int finding_declared_on(struct store *s, const char *org, const char *asset, char *out, size_t cap,
			struct merr *e);

/* The name a reader knows a finding's asset by, for subjects and item lines: the hostname when
 * the asset names one ("www.example.test" or "www.example.test:443/tcp" -> "www.example.test"),
 * else the address (ip, or the asset's address part: "192.0.2.1:443/tcp" -> "192.0.2.1");
 * "" for a declared product (see finding_declared_on). is_name (may be NULL) is set when the
 * result is a hostname, so the address can be shown beside it. Returns out. */
char *finding_asset_name(const char *asset, const char *ip, char *out, size_t cap, bool *is_name);

#endif
