/*
 * web_int.h - what the files of src/web share: the request, the route table, the pure
 * parsers (testable without libmicrohttpd), HTML output with escaping, messages.
 */
#ifndef MAMORI_WEB_INT_H
#define MAMORI_WEB_INT_H

#include "base/compat.h"
#include "base/buf.h"
#include "base/err.h"
#include "auth/auth.h"
#include "store/store.h"

struct cJSON;
struct inv_filter;

/* ---- arena: one per request, freed at once ---- */

struct web_arena {
	struct web_arena_block *head;
	size_t used; /* bytes handed out, for the cap */
	size_t max;
};
void web_arena_init(struct web_arena *a, size_t max);
void web_arena_release(struct web_arena *a);
/* Returns n zeroed bytes or NULL (out of memory or over the cap). */
void *web_arena_alloc(struct web_arena *a, size_t n);
char *web_arena_strndup(struct web_arena *a, const char *s, size_t n);

/* ---- pure parsers ---- */

struct web_kv {
	const char *key, *val; /* decoded, NUL-terminated, valid UTF-8; val "" when absent */
};

#define WEB_KV_MAX 64
#define WEB_SEG_MAX 16

struct web_kvs {
	struct web_kv v[WEB_KV_MAX];
	size_t n;
};

/* Value of the first pair named key, or NULL. */
const char *web_kv_get(const struct web_kvs *kv, const char *key);

/*
 * Percent-decodes in[0..len) (with plus_space, '+' is a space, as in forms and queries).
 * Refuses malformed escapes, NUL bytes, control characters other than tab/newline and
 * invalid UTF-8 with M_EPARSE. Returns a new string in the arena.
 */
int web_pct_decode(struct web_arena *a, const char *in, size_t len, bool plus_space, char **out);

/* Parses "k=v&k2=v2" (query strings and x-www-form-urlencoded bodies). M_EPARSE on a bad
 * escape or invalid UTF-8, M_ETOOBIG past WEB_KV_MAX pairs. */
int web_query_parse(struct web_arena *a, const char *s, size_t len, struct web_kvs *out);

/* Parses a Cookie header "a=b; c=d". Values are taken as they are (no decoding); pairs
 * that are malformed or not UTF-8 are skipped, never fatal. */
int web_cookie_parse(struct web_arena *a, const char *s, size_t len, struct web_kvs *out);

/* The path split into decoded segments: "/a/b%20c" is {"a", "b c"}; "/" is none. A
 * segment "." or "..", or one holding '/', '\\' or a NUL after decoding is M_EPARSE. */
struct web_path {
	const char *seg[WEB_SEG_MAX];
	size_t n;
};
int web_path_parse(struct web_arena *a, const char *path, size_t len, struct web_path *out);

/* Matches a route pattern ("/api/v1/orgs/{org}") against a parsed path; on a match
 * fills params (may be NULL; names copied into a, values borrowed from the path). */
bool web_pattern_match(struct web_arena *a, const char *pattern, const struct web_path *p,
		       struct web_kvs *params);

/* A request as bytes on the wire, for tests and fuzzing: request line, headers, body. */
struct web_raw_request {
	const char *method;
	struct web_path path;
	struct web_kvs query, cookies, form;
	const char *content_type;
	const char *body;
	size_t body_len;
};
int web_raw_parse(struct web_arena *a, const char *data, size_t len, struct web_raw_request *out);

/* Parses a non-negative decimal no larger than max; M_EPARSE otherwise. */
int web_parse_uint(const char *s, int64_t max, int64_t *out);

/* ---- JSON request bodies ---- */

enum web_json_type { WEB_JSON_STRING = 1, WEB_JSON_BOOL, WEB_JSON_NUMBER };

struct web_json_field {
	const char *name;
	enum web_json_type type;
	bool required;
	size_t max_len; /* strings: most bytes */
};

/* Parses body as one JSON object and checks it against fields: known keys only, types,
 * required ones present, strings UTF-8 and within max_len. Returns 0 and the new object
 * in *out (free with cJSON_Delete), or M_EPARSE/M_ETOOBIG with the field in e. */
int web_json_parse(const char *body, size_t len, const struct web_json_field *fields,
		   size_t n_fields, struct cJSON **out, struct merr *e);

/* The body POST /api/v1/users takes (api.c). */
extern const struct web_json_field web_user_fields[];
extern const size_t web_user_fields_len;

/* ---- messages (Japanese first, English) ---- */

enum web_lang { WEB_LANG_JA = 0, WEB_LANG_EN = 1 };

enum web_msg {
	M_APP_NAME,
	M_NAV_DASHBOARD,
	M_NAV_ORGS,
	M_NAV_USERS,
	M_NAV_AUDIT,
	M_NAV_SHARING,
	M_LOGOUT,
	M_LOGIN,
	M_LOGIN_TITLE,
	M_USERNAME,
	M_PASSWORD,
	M_LOGIN_FAILED,
	M_LOGIN_THROTTLED,
	M_SESSION_EXPIRED,
	M_LANG_SWITCH,
	M_DASHBOARD,
	M_OPERATORS_BY_SECTOR,
	M_SECTOR,
	M_OPERATORS,
	M_CRITICAL,
	M_TOTAL,
	M_GRADES,
	M_FINDINGS,
	M_ALERTS,
	M_NAV_ALERTS,
	M_ALERTS_AWAITING,
	M_ALERT,
	M_ALERT_SUBJECT,
	M_KIND_ALERT,
	M_KIND_NOTICE,
	M_URGENT,
	M_URGENT_ONLY,
	M_UNACKED_ONLY,
	M_ACK_STATE,
	M_ACKED,
	M_UNACKED,
	M_ACK,
	M_ACK_TITLE,
	M_ACK_CONFIRM,
	M_DELIVERY,
	M_DELIVERY_LOG,
	M_CHANNEL,
	M_RECIPIENT,
	M_ATTEMPTS,
	M_DELIVERED_AT,
	M_BODY,
	M_DL_DELIVERED,
	M_DL_PENDING,
	M_DL_REFUSED,
	M_DL_DEAD,
	M_NO_DATA_YET,
	M_ORG_LIST,
	M_FILTER,
	M_ALL,
	M_SLUG,
	M_NAME,
	M_NAME_EN,
	M_BUSINESS_TYPE,
	M_SIZE,
	M_YES,
	M_NO,
	M_PREV,
	M_NEXT,
	M_SHOWING,
	M_ALIASES,
	M_CONTACTS,
	M_EMAIL,
	M_ROLE,
	M_ASSETS,
	M_KIND,
	M_VALUE,
	M_STATUS,
	M_SOURCE,
	M_PRODUCTS,
	M_VERSION,
	M_ASSET,
	M_SCOPE,
	M_AUTHORISED_BY,
	M_VALID_FROM,
	M_VALID_UNTIL,
	M_VALIDITY,
	M_VALID_NOW,
	M_EXPIRED,
	M_NOT_YET,
	M_NOTE,
	M_NONE,
	M_USERS,
	M_DISPLAY_NAME,
	M_ORG,
	M_DISABLED,
	M_ENABLED,
	M_CREATED,
	M_ADD_USER,
	M_DISABLE,
	M_ENABLE,
	M_AUDIT_LOG,
	M_TIME,
	M_ACTOR,
	M_ACTION,
	M_OBJECT,
	M_SHARING,
	M_SHARING_TEXT,
	M_ERR_FORBIDDEN,
	M_ERR_NOT_FOUND,
	M_ERR_BAD_REQUEST,
	M_ERR_INTERNAL,
	M_ERR_OTHER,
	M_BACK,
	M_TIMES_JST,
	M_SIGNED_IN_AS,
	M_NAV_FINDINGS,
	M_NAV_FEEDS,
	M_NAV_SCANS,
	M_SEVERITY,
	M_TITLE,
	M_GRADE,
	M_SCORE,
	M_PERIOD,
	M_URGENT_FINDINGS,
	M_OPERATORS_BY_GRADE,
	M_DEADLINE,
	M_EVIDENCE,
	M_REASONS,
	M_EVENTS,
	M_KEV_ONLY,
	M_STATE_OPEN,
	M_STATE_FIXED,
	M_FIRST_SEEN,
	M_LAST_SEEN,
	M_LAST_IMPORT,
	M_RECORDS,
	M_ERRORS,
	M_MODE,
	M_PORTS,
	M_STARTED,
	M_SENT,
	M_RECEIVED,
	M_DEDUCTIONS,
	M_POINTS,
	M_SERVICES,
	M_CERTIFICATES,
	M_SUBJECT,
	M_ISSUER,
	M_NOT_AFTER,
	M_FLAGS,
	M_FINDING,
	M_FEED_STATUS,
	M_SCAN_HISTORY,
	M_RESCAN_DUE,
	M_HOSTS,
	M_NO_RATING,
	M_PRODUCT,
	/* incident */
	M_NAV_INCIDENTS,
	M_INCIDENTS,
	M_INCIDENT,
	M_INCIDENT_NEW,
	M_CASES,
	M_CASE,
	/* exercise */
	M_EXERCISES,
	M_EXERCISE,
	M_EXERCISE_MAILS_ONLY,
	M_EXERCISE_INCIDENT,
	/* findings, priority, triage (trust) */
	M_OVERDUE,
	M_KEV_DUE,
	M_DECLARED,
	M_SEARCH,
	M_CVE,
	M_HOST,
	M_TO_CONFIRM,
	M_OVERDUE_ONLY,
	M_NUMBER,
	M_CSV_EXPORT,
	M_NO_MATCH,
	M_INPUT,
	M_CONFIDENCE,
	M_FIX_FIRST,
	M_NO_OPEN_FINDINGS,
	M_FEED_AGE,
	M_DAYS_OLD,
	M_IMPORTED,
	M_NOT_ASSESSED,
	M_ASSESSED,
	M_COVERAGE,
	M_ASSESSMENT,
	M_LAST_SCAN,
	M_ADDRS_SCANNED,
	M_AUTHORISED_FROM,
	M_TRIAGE,
	M_UNTRIAGED,
	M_ASSIGNEE,
	M_COMMENT,
	M_COMMENTS,
	M_TRIAGE_LOG,
	M_UNTIL,
	M_APPLY,
	M_SELECTED,
	M_UNCHANGED,
	M_MY_FINDINGS,
	M_DUE_THIS_WEEK,
	M_ZERO_DEDUCTIONS,
	/* trustui (issue 14): pages read right in both languages */
	M_CONFIRM_TAG,
	M_NOT_ASSESSED_NO_GRADE,
	M_DUE_LIST,
	M_NOTHING_DUE_WEEK,
	M_KPI,
	M_KPI_AGE,
	M_KPI_OVERDUE_KEV,
	M_KPI_TTR,
	M_KPI_NEW_FIXED,
	M_KPI_NEW,
	M_KPI_FIXED,
	M_KPI_NO_FIXED,
	M_CANDIDATES,
	M_CANDIDATE_CONFIRM,
	M_CANDIDATE_REJECT,
	M_CANDIDATE_DECIDED,
	M_NO_CANDIDATES,
	M_REPORT_JA,
	M_REPORT_EN,
	/* sns */
	M_NAV_SNS,
	/* ui14 */
	M_OVERDUE_HEAD,
	M_RATING_PENDING,
	M_RATING_PENDING_WHY,
	M_NONE_AWAITING_ACK,
	M_NO_RESCAN_DUE,
	M_RATING_PENDING_ORG,
	M_ACKED_BY_LINK,
	M_COUNT
};

const char *web_msg(enum web_lang lang, enum web_msg m);
/* A code the UI shows (severity, state, kind, urgency, matcher state, reason name, event ...)
 * in lang from the catalogue's code table; an unknown code is returned as it is. */
const char *web_code(enum web_lang lang, const char *code);
/* The half of a stored bilingual text "日本語 / English" for lang (the text as it is when it has
 * no " / "); buf holds the Japanese half. */
const char *web_bi(enum web_lang lang, const char *text, char *buf, size_t cap);
/* A STIX object type ("indicator" -> 指標) and a published indicator's kind ("sha256" ->
 * SHA-256 ハッシュ値) in lang; an unknown one as it is. */
const char *web_stix_type(enum web_lang lang, const char *type);
const char *web_ioc_kind(enum web_lang lang, const char *kind);
/* A console role's name in lang (分析担当 / analyst …, docs/GLOSSARY.md). */
const char *web_role_name(enum web_lang lang, enum auth_role role);
/* A library error as a page shows it: merr_format's "FILE:LINE: field: " and the message's own
 * half for lang (bi_msg_half: library messages are "English / 日本語"); on Japanese pages an
 * English-only message comes after the Japanese words for its code. Returns buf. */
struct merr;
const char *web_merr_text(enum web_lang lang, const struct merr *e, char *buf, size_t cap);
/* An asset as a reader names it: "declared:cpe:2.3:a:ivanti:connect_secure:22.3r1:…" ->
 * "申告: Ivanti Connect Secure 22.3R1" (the product display table); others as they are. */
const char *web_asset_name(enum web_lang lang, const char *asset, char *buf, size_t cap);
/* A finding's title for lang: its own half of "ja / en", else on English pages a title built
 * from the ASCII words of the title (product names), the kind and the CVE, never Japanese. */
const char *web_finding_title(enum web_lang lang, const char *title, const char *cve,
			      const char *kind, char *buf, size_t cap);
struct web_req;
/* page_findings.c: triage (analysts, operators; the caller's rows in the query). */
int web_post_findings_triage(struct web_req *r);
int web_api_findings_triage(struct web_req *r);
int web_get_findings_csv(struct web_req *r);
int web_get_alerts_csv(struct web_req *r);
/* page_export.c: the assets and audit CSV downloads (streamed). */
int web_get_assets_csv(struct web_req *r);
int web_get_audit_csv(struct web_req *r);
int web_page_host(struct web_req *r);
void web_panel_mine(struct web_req *r);
/* page_trust.c (issue 14): KPI charts for the caller's rows / one sector; the operator's
 * candidate assets (live) and the confirm / reject buttons of one candidate. */
void web_panel_kpi(struct web_req *r);
void web_panel_kpi_sector(struct web_req *r, const char *sector);
void web_panel_candidates(struct web_req *r);
void web_candidate_buttons(struct web_req *r, const char *slug, const char *value,
			   const char *back);
int web_post_asset_decide(struct web_req *r);
/* The caller's organisations (rows only, no parts; NULL on error), and one's name in the
 * page's language from them (its slug when not there). */
struct inv_doc *web_org_names(struct web_req *r);
const char *web_org_name(const struct web_req *r, const struct inv_doc *d, const char *slug);
/* page_coverage.c: the dashboard's coverage panel and the operator page's block. */
void web_panel_coverage(struct web_req *r);
/* How many of the caller's operators were assessed (the coverage panel's rows). */
int web_assessed_count(struct web_req *r);
void web_org_coverage(struct web_req *r, const char *slug);

/* ---- the request ---- */

struct web_route;

#define WEB_COOKIES_OUT 4

struct web_req {
	/* in */
	const char *method; /* GET, POST ... (HEAD is matched as GET) */
	const char *raw_path;
	struct web_path path;
	struct web_kvs query, cookies, form, params;
	const char *content_type;
	const char *authorization;
	const char *csrf_header; /* X-CSRF-Token */
	const char *accept;	 /* Accept (TAXII: 406 when no acceptable media range) */
	const char *body;
	size_t body_len;
	bool body_spooled; /* the body is in the file body_fd (TAXII POST), not in body */
	int body_fd;
	const char *client; /* peer address */
	bool tls;
	int64_t now;
	enum web_lang lang;
	struct auth_principal who;
	bool session_expired; /* a session cookie was sent but is no longer valid */
	const struct web_route *route;
	struct store *s;
	const struct web_server_opts *opts;
	struct web_arena arena;
	struct merr err;
	/* out */
	int status;
	const char *ctype;
	struct buf out;
	char location[512];
	char cookies_out[WEB_COOKIES_OUT][192];
	size_t n_cookies_out;
	int64_t retry_after;
	bool cacheable;	       /* static assets */
	bool www_authenticate; /* 401 from the API: say Bearer */
	const char *allow;     /* 405: the methods the path takes */
	char disposition[512]; /* Content-Disposition of a download; "" for none */
	char taxii_first[40];  /* X-TAXII-Date-Added-First/Last; "" for none (api_taxii.c) */
	char taxii_last[40];
	struct web_stream *stream; /* a download written while it is sent (stream.c) */
	/* the response cache (cache.c): the key and generation of a cacheable read, and the
	 * entry whose bytes answer it (a hit, or this request's answer just kept) */
	const char *cache_key;
	uint64_t cache_gen;
	struct web_cached *cached;
	bool cache_hit;	  /* answered from the cache (X-Cache: hit) */
	bool cache_build; /* this request builds its key's answer; others wait (cache.c) */
	/* A body owned elsewhere (a cached TAXII page): sent instead of out when status < 400,
	 * without a copy; ext_free(ext_ref) is called once the server is done with it. */
	const char *ext_body;
	size_t ext_len;
	void *ext_ref;
	void (*ext_free)(void *ref);
};

/* Server-wide settings a handler may need. */
struct web_server_opts {
	const char *reports_dir; /* where `mamori report --out` writes; NULL: no reports */
	struct job_queue *jobs;	 /* background jobs: console scans (page_scans.c, src/job) */
	double scan_rate;	 /* probes/s of console scans */
	struct auth_session_limits session;
	bool tls;
	unsigned dashboard_cache; /* seconds (web_config.dashboard_cache) */
	unsigned response_cache;  /* seconds (web_config.response_cache; 0: off) */
	size_t body_max;	  /* largest request body */
	size_t taxii_body_max;	  /* largest TAXII envelope POST (max_content_length) */
};

/* Initialises r for one request (arena capped at arena_max bytes); release with
 * web_req_release. */
void web_req_init(struct web_req *r, size_t arena_max);
void web_req_release(struct web_req *r);

/* Adds a Set-Cookie value (attributes added here: Path=/, HttpOnly, SameSite=Strict and
 * Secure under TLS). max_age < 0 means a session cookie; 0 deletes. */
void web_set_cookie(struct web_req *r, const char *name, const char *value, int64_t max_age);
/* A 303 See Other to location (a path on this server). */
int web_redirect(struct web_req *r, const char *location);

/* ---- the route table and the one place authorisation is decided ---- */

typedef int (*web_handler_fn)(struct web_req *r);

/* How the object a route touches is tied to an organisation, for row-level checks. */
enum web_obj {
	WEB_OBJ_UNSET = 0, /* no policy: refused at startup */
	WEB_OBJ_NONE,	   /* no organisation data, or a list filtered by web_org_filter */
	WEB_OBJ_ORG,	   /* the {org} path parameter (slug or numeric id) names the org */
};

enum {
	WEB_API = 1 << 0,	 /* JSON errors, 401 when anonymous */
	WEB_PAGE = 1 << 1,	 /* HTML errors, redirect to /login when anonymous */
	WEB_SELF_AUDIT = 1 << 2, /* the handler writes its own audit rows and transactions */
	WEB_LOGIN_CSRF = 1 << 3, /* checked with the pre-session login token, not the session */
};

struct web_route {
	const char *method;
	const char *pattern;
	web_handler_fn handler;
	unsigned roles; /* AUTH_* bits that may use it */
	enum web_obj obj;
	unsigned flags;	   /* WEB_API or WEB_PAGE, and others */
	const char *audit; /* action written to the audit log on success; NULL: none */
};

extern const struct web_route web_routes[];
extern const size_t web_routes_len;

/* Finds the route for method and path: 0 and *out, M_ENOTFOUND (no path matches) or
 * M_EUNSUPPORTED (path matches, method does not). params receives the path parameters. */
int web_route_find(struct web_arena *a, const char *method, const struct web_path *p,
		   const struct web_route **out, struct web_kvs *params);

/* Outcome of authorisation. */
enum web_authz {
	WEB_AUTHZ_OK,
	WEB_AUTHZ_LOGIN,     /* anonymous: 401 or a redirect to the login page */
	WEB_AUTHZ_FORBIDDEN, /* role may not use the route, or CSRF failed: 403 */
	WEB_AUTHZ_NOT_FOUND, /* the object is outside the caller's rows: 404, as if absent */
};

/* Decides whether r->who may run r->route on r's object. The only place that decides. */
enum web_authz web_authorize(const struct web_req *r);

/* True when role may GET path (used to build the navigation from the same table). */
bool web_role_may_get(enum auth_role role, const char *path);

/*
 * The row-level filter for organisation queries: fills f (slug, sector) from what the
 * request asks (requested_slug / requested_sector, may be NULL) narrowed to what the
 * caller may see. Operators see only their own organisation, bureau users only their
 * sector, analysts everything; anyone else nothing (M_EPERM). M_ENOTFOUND when the
 * request asks for rows outside the caller's (the caller answers as if they did not exist).
 */
int web_org_filter(const struct web_req *r, const char *requested_slug,
		   const char *requested_sector, struct inv_filter *f);

/* Runs the request: parse-independent part (r->path, query, cookies, body already set). */
void web_dispatch(struct web_req *r);

/* ---- errors ---- */

/* The one table: library error code -> HTTP status. */
int web_http_status(int code);
/* Fills the response with an error in the route's kind (JSON or HTML page). */
void web_error(struct web_req *r, int http_status, const char *code_name, const char *message);
/* Fills the response for a library error code (status from the table). */
void web_error_code(struct web_req *r, int code);

/* ---- HTML output ---- */

/* Appends s HTML-escaped (& < > " ' and /-free). The one escape function. */
int web_html_escape(struct buf *b, const char *s);
/*
 * Appends fmt to b. Every value is escaped unless marked raw:
 *   %s escaped text (NULL prints nothing), %d int, %L int64_t, %u URL-encoded then
 *   escaped text (for query values in links), %R raw trusted markup, %T an enum web_msg in
 *   lang, %% a percent sign.
 */
int web_htmlf(struct buf *b, enum web_lang lang, const char *fmt, ...);
int web_vhtmlf(struct buf *b, enum web_lang lang, const char *fmt, va_list ap);
/* Shorthand appending to r->out in r->lang. */
int web_out(struct web_req *r, const char *fmt, ...);

/* Page frame: head, header with the navigation for r->who's role, then main. */
void web_page_begin(struct web_req *r, enum web_msg title);
/* The same with a title of the page's own (already in r's language; escaped here) and, when
 * h1_id is not NULL, that id on the one <h1>. */
void web_page_begin_text(struct web_req *r, const char *title, const char *h1_id);
void web_page_end(struct web_req *r);
/* Hidden CSRF field for forms. */
void web_csrf_field(struct web_req *r);
/* Formats t in JST ("2026-11-23 12:40 JST"); "—" for 0. */
const char *web_jst(struct web_req *r, int64_t t);
const char *web_jst_date(struct web_req *r, int64_t t);

/* ---- streamed downloads (stream.c) ---- */

struct web_stream;
struct MHD_Response;
/* Runs in a thread of its own with its own store handle s; writes with web_stream_write or
 * web_csv_row; returns 0 or an error (M_EINTR when the client went away). */
typedef int (*web_stream_fn)(struct web_stream *w, struct store *s, void *ctx, struct merr *e);
/* Answers r with what fn writes, sent while it is written. ctx (owned from here, freed with
 * ctx_free) must not point into r: r is gone while fn runs. M_EINTR (503) when too many
 * exports run at once. Without a second store handle fn runs at once into r->out. */
int web_stream(struct web_req *r, web_stream_fn fn, void *ctx, void (*ctx_free)(void *));
int web_stream_write(struct web_stream *w, const char *p, size_t n);
/* server.c: the response for r->stream (starts the producer; takes r->stream). */
struct MHD_Response *web_stream_response(struct web_req *r);
void web_stream_discard(struct web_req *r);
/* One CSV cell: quoted, quotes doubled; a cell a spreadsheet would run as a formula (starting
 * with = + - @, a tab or a CR) gets a leading apostrophe. */
int web_csv_cell(struct buf *b, const char *v, bool last);
/* One CSV row of n cells written to w. */
int web_csv_row(struct web_stream *w, const char *const *cells, size_t n);
/* Content type and attachment name of a CSV download. */
int web_csv_begin(struct web_req *r, const char *filename);

/* ---- JSON output ---- */

/* Serialises v (takes ownership) into the response as application/json with status. */
int web_json_reply(struct web_req *r, int status, struct cJSON *v);

/* ---- audit ---- */

/* Writes an audit row for r's caller. */
int web_audit(struct web_req *r, const char *action, const char *object, const char *detail);

/* A refused read by a signed-in caller (denied.c): audited as action (rate-limited per user),
 * and a burst raises one alert to analysts. */
#define WEB_DENIED_AUDIT_PER_MIN 10
#define WEB_DENIED_BURST 50
#define WEB_DENIED_WINDOW 600	     /* seconds */
#define WEB_SECURITY_ORG "_security" /* alerts' org for security events: no org's slug */
void web_denied(struct web_req *r, const char *action);

/* ---- static assets (embedded at build time) ---- */

struct web_asset {
	const char *name;
	const char *ctype;
	const unsigned char *data;
	size_t len;
};
const struct web_asset *web_asset_find(const char *name);

/* ---- handlers (one file each group) ---- */

int web_page_login(struct web_req *r);
int web_post_login(struct web_req *r);
int web_post_logout(struct web_req *r);
int web_page_dashboard(struct web_req *r);
/* Read audit rows go through a queue written in batches by one flusher thread (audit_queue.c).
 * Without a started queue (unit tests) a row is written at once. */
int web_audit_queue_start(const char *db, struct merr *e);
void web_audit_queue_stop(void);
int web_audit_queue_add(struct store *s, const char *actor, const char *action, const char *object,
			const char *detail, int64_t at);
/* Writes what is queued now (the audit log pages call it before reading); the commit is on
 * the queue's own handle and visible to s when this returns. */
int web_audit_queue_flush(struct store *s);
/* Has a connection other than the queue's own committed since the last look (by this or a
 * flush)? When it has, or the queue cannot tell (not started, no data version), the response
 * cache's generation has gone up (web_cache_invalidate) before this returns true. Exact: the
 * queue's handle writes nothing but read audit rows (audit_queue.c). */
bool web_audit_queue_foreign(void);

/* "k=v&amp;" for each of keys the request's query gives a value (URL-encoded, HTML-escaped),
 * for a list's pager links; in r's arena, "" when none. */
const char *web_filter_qs(struct web_req *r, const char *const *keys, size_t n);

/* A prepared statement for sql on r->s: in a server worker, reused from the worker's cache
 * (reset, bindings cleared) when it was prepared before; otherwise prepared now. Give it
 * back with web_stmt_done (never stmt_finalize). 0 or a negative code (detail in r->err). */
int web_stmt(struct web_req *r, const char *sql, struct store_stmt **st);
void web_stmt_done(struct web_req *r, struct store_stmt *st);
/* The calling thread's statement cache serves s from now on (a worker's handle); detach
 * finalizes every kept statement (before s is closed). At most 16 are kept, least recently
 * used first out; one in use is never handed out twice. */
void web_stmt_cache_attach(struct store *s);
void web_stmt_cache_detach(void);
/* ---- the response cache (cache.c) ---- */

struct web_cached;
/* After authorisation: for a cacheable read, builds r's key and reads the generation; on a hit
 * sets r->cached, r->status and r->ctype (the body is the entry's) and returns true. */
bool web_cache_begin(struct web_req *r);
/* After the handler: keeps r's answer when it may be kept (moving r->out into the entry and
 * setting r->cached). */
void web_cache_end(struct web_req *r);
/* An entry's bytes, and one reference given back (the request's, or a sent response's). */
char *web_cached_body(const struct web_cached *c, size_t *len);
void web_cached_release(struct web_cached *c);
/* Drops every entry (the server does at shutdown; tests). */
void web_cache_clear(void);
/* Every kept answer is dead from now on (a write of data was seen). */
void web_cache_invalidate(void);
struct web_cache_stats {
	uint64_t hits, misses, generation;
	uint64_t audit_only; /* data version changes that were the audit queue's commits only */
	uint64_t waited;     /* misses that waited for the same key's build and then hit */
};
void web_cache_stats(struct web_cache_stats *st);

/* Drops the dashboard's cached panels (the server does at shutdown). */
void web_dashboard_cache_clear(void);
int web_page_orgs(struct web_req *r);
int web_page_org(struct web_req *r);
int web_page_users(struct web_req *r);
int web_post_users(struct web_req *r);
int web_post_user_disable(struct web_req *r);
int web_post_user_enable(struct web_req *r);
int web_page_user_tokens(struct web_req *r);
int web_post_user_token_revoke(struct web_req *r);
int web_page_audit(struct web_req *r);
int web_page_sharing(struct web_req *r);
int web_get_static(struct web_req *r);
int web_api_me(struct web_req *r);
int web_api_orgs(struct web_req *r);
int web_api_org(struct web_req *r);
int web_api_org_assets(struct web_req *r);
int web_api_org_scope(struct web_req *r);
int web_api_users(struct web_req *r);
int web_api_users_add(struct web_req *r);
int web_api_audit(struct web_req *r);
int web_taxii_discovery(struct web_req *r);
/* TAXII 2.1 (api_taxii.c): HTTP Basic sign-in for /taxii2/ requests, and the TAXII error
 * object (application/taxii+json;version=2.1) every /taxii2/ error is answered with. */
void web_taxii_basic(struct web_req *r);
void web_taxii_error(struct web_req *r, int http_status, const char *code_name,
		     const char *message);
int web_taxii_root(struct web_req *r);
int web_taxii_status(struct web_req *r);
int web_taxii_collections(struct web_req *r);
int web_taxii_collection(struct web_req *r);
int web_taxii_manifest(struct web_req *r);
int web_taxii_objects(struct web_req *r);
int web_taxii_objects_add(struct web_req *r);
int web_taxii_object(struct web_req *r);
int web_taxii_object_delete(struct web_req *r);
int web_taxii_versions(struct web_req *r);
/* The sharing console (page_share.c). */
int web_page_share(struct web_req *r);
int web_page_share_coll(struct web_req *r);
int web_page_share_object(struct web_req *r);
int web_post_share_publish(struct web_req *r);
int web_page_findings(struct web_req *r);
int web_page_finding(struct web_req *r);
int web_page_feeds(struct web_req *r);
int web_page_scans(struct web_req *r);
int web_api_findings(struct web_req *r);
int web_api_finding(struct web_req *r);
int web_api_org_findings(struct web_req *r);
int web_api_org_rating(struct web_req *r);
int web_api_org_services(struct web_req *r);
int web_api_feeds(struct web_req *r);
int web_api_scans(struct web_req *r);
int web_page_alerts(struct web_req *r);
int web_page_alert(struct web_req *r);
int web_post_alert_ack(struct web_req *r);
int web_api_alerts(struct web_req *r);
int web_api_alert(struct web_req *r);
int web_api_alert_ack(struct web_req *r);
int web_page_ack_token(struct web_req *r);
int web_post_ack_token(struct web_req *r);
/* Dashboard: unacknowledged urgent alerts among the caller's rows (page_alerts.c). */
void web_panel_alerts(struct web_req *r);
/* Dashboard panels and operator-page sections from findings, ratings and services
 * (page_findings.c, page_data.c), each narrowed to the caller's rows. */
void web_panel_grades(struct web_req *r);
void web_panel_urgent(struct web_req *r);
void web_panel_rescan(struct web_req *r);
void web_org_sections(struct web_req *r, const char *slug);
void web_org_findings(struct web_req *r, const char *slug, const char *path);

/* Reports to download (page_reports.c) and scans started from the console (page_scans.c). */
struct inv_org;
void web_org_reports(struct web_req *r, const struct inv_org *o);
void web_reports_link(struct web_req *r);
int web_get_org_report(struct web_req *r);
int web_api_org_reports(struct web_req *r);
int web_post_org_report(struct web_req *r);
int web_page_reports(struct web_req *r);
int web_get_sector_report(struct web_req *r);
int web_api_sector_reports(struct web_req *r);
struct inv_doc;
void web_scan_form(struct web_req *r, const struct inv_doc *names);
/* The scans page's job table: the newest jobs of every kind, with the worker holding each. */
void web_scan_jobs_table(struct web_req *r);
int web_post_scan(struct web_req *r);
int web_page_scan(struct web_req *r);
int web_api_scan(struct web_req *r);
int web_api_scan_start(struct web_req *r);
/* The state to show for scan id: the runner's while it is queued, running or identifying,
 * else the stored one. */
const char *web_scan_state(struct web_req *r, int64_t id, const char *stored);
/* A scan state in the reader's language (queued, running, done …). */
const char *web_scan_state_label(struct web_req *r, const char *state);
/* "2026Q4.pdf" -> period "2026Q4" and the format's extension ("pdf" or "html"); false for
 * anything else (the only file names a report download accepts). */
bool web_report_file_parse(const char *file, char period[8], const char **ext);

/* Home page for a role after login. */
const char *web_home_for(enum auth_role role);

/* The caller's row-level rule for library reads: operators their organisation, bureau users
 * their sector's, analysts all (an empty slug or sector matches nothing). M_EPERM for any
 * other role. */
struct inv_rows;
int web_rows(const struct web_req *r, struct inv_rows *rows);

/* Loads the one organisation named by r's {org} parameter (slug or numeric id), narrowed by
 * web_org_filter, with the parts `with` asks for. M_ENOTFOUND when it is not among the
 * caller's rows. Returns a new document in *out (inv_doc_free). */
struct inv_doc;
int web_org_load(struct web_req *r, unsigned with, struct inv_doc **out);

/* Paging parameters ?limit=&offset= (limit 1..max, default def). M_EPARSE when malformed. */
int web_paging(struct web_req *r, int64_t def, int64_t max, int64_t *limit, int64_t *offset);

/* SNS precursor monitoring (page_sns.c): console pages, decisions, watch terms, JSON. */
int web_page_sns(struct web_req *r);
int web_page_sns_alert(struct web_req *r);
int web_post_sns_alert_state(struct web_req *r);
int web_post_sns_watch(struct web_req *r);
int web_api_sns_alerts(struct web_req *r);
int web_api_sns_alert_escalate(struct web_req *r);

#endif
