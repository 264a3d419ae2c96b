/*
 * alert.h - urgent alerts: one per (operator, issue) from KEV or critical findings, delivered
 * by e-mail (libcurl SMTP) and signed webhooks, queued per recipient until delivered once.
 */
#ifndef MAMORI_ALERT_H
#define MAMORI_ALERT_H

#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* Delivery settings (from the CLI). smtp_url NULL: e-mail targets stay pending. */
struct alert_conf {
	const char *smtp_url; /* smtp://127.0.0.1:25 */
	const char *from;     /* envelope and header From */
	bool require_tls;     /* CURLUSESSL_ALL instead of CURLUSESSL_TRY */
	int max_attempts;     /* per run and target, bounded to 1..5 */
	long backoff_ms;      /* first retry delay, doubled each retry, bounded */
	long timeout_s;	      /* per attempt */
	/* Dead letter: a target that failed in dead_runs consecutive runs, or whose failures
	 * began dead_after_s ago or more, becomes 'dead'. 0: the defaults below. */
	int dead_runs;
	int64_t dead_after_s;
	/* SMTP AUTH (NULL user: none). The password comes from the environment only
	 * (MAMORI_SMTP_PASSWORD), never the command line; sent only over TLS. */
	const char *smtp_user, *smtp_password;
	const char *ca_file; /* PEM CA bundle to verify the SMTP server's STARTTLS certificate
				(NULL: the system's); verification is never turned off */
};
#define ALERT_DEAD_RUNS 10
#define ALERT_DEAD_AFTER_S (72 * 3600)

/* Acknowledgement tokens: 32 lower-case hex characters (128 random bits). */
#define ALERT_TOKEN_LEN 32

/* One outgoing message, for --dry-run and the delivery loop. */
struct alert_msg {
	int64_t id;
	char org[128], issue_key[256];
	char *subject, *body; /* owned */
	bool urgent;	      /* listed for follow-up until acknowledged */
	/* Console base URL (http(s)://host[:port][/prefix]); when set, alert_insert adds the
	 * link <ack_base>/ack/<token> to the body. NULL: only the CLI ack line. */
	const char *ack_base;
	char token[ALERT_TOKEN_LEN + 1]; /* set by alert_insert; only its SHA-256 is stored */
	/* For the digest mail (all optional, stored on the row): what it is about ("CVE-… exim
	 * 4.89"), where (host, declared product or domain), mamori's deadline (0 none) and the
	 * fix-first tier (0 first; -1: not a finding, e.g. a notice). */
	const char *what, *host;
	int64_t deadline;
	int prio;
};

/* A text is a safe header value: no CR, LF or other control byte. */
bool alert_header_ok(const char *v);
/* An e-mail address we accept in a header: local@domain, printable, no <>, quotes or spaces. */
bool alert_addr_ok(const char *a);
/* A webhook URL: http or https, a host, no CR/LF or spaces. M_EINVAL with the reason. */
int alert_webhook_url_check(const char *url, struct merr *e);

/* RFC 2047 encoded-word(s) for a UTF-8 header text, folded, into out. */
int alert_mime_word(struct buf *out, const char *text);
/* Builds the full RFC 5322 message (CRLF lines, base64 UTF-8 body). M_EINVAL when a header
 * value carries CR/LF (header injection). */
int alert_mail_build(struct buf *out, const char *from, const char *to, const char *subject,
		     const char *body, int64_t date, const char *msgid_local, struct merr *e);
/* HMAC-SHA256 of body under secret as lower-case hex (65 bytes with NUL). */
int alert_hmac_hex(const char *secret, const char *body, size_t len, char out[65]);

/* ------------------------------------------------------------ acknowledgement (contract)
 * Every alert and notice row (table alerts) carries: urgent (0/1), ack_token_sha256 (hex
 * SHA-256 of the token; the token is never stored), acked_at (Unix s UTC, first ack only) and
 * acked_by (console user, or "token"/"cli"). The web console: GET /ack/<token> shows a
 * confirmation page, POST calls alert_ack_token; its button calls alert_ack_id. */

/* Acknowledges the alert whose token hashes to the stored hash; *alert_id (may be NULL)
 * receives its id. M_ENOTFOUND for an unknown or malformed token. Acking twice is OK: the
 * first time and actor are kept. M_EINVAL when actor is empty, too long or has controls. */
int alert_ack_token(struct store *s, const char *token, const char *actor, int64_t now,
		    int64_t *alert_id, struct merr *e);
/* Acknowledges alert_id (the console's button; the caller checked the user may see that
 * alert's org). M_ENOTFOUND when no such alert; acking twice keeps the first. */
int alert_ack_id(struct store *s, int64_t alert_id, const char *actor, int64_t now, struct merr *e);
/* A fresh token and the hex SHA-256 that is stored for it. */
int alert_token_new(char token[ALERT_TOKEN_LEN + 1], char hash_hex[65], struct merr *e);
/* 32 lower-case hex characters. */
bool alert_token_ok(const char *token);
/* The alert a link token names (only its SHA-256 is stored); M_ENOTFOUND for an unknown or
 * malformed token. */
int alert_id_by_token(struct store *s, const char *token, int64_t *alert_id, struct merr *e);
/* A console base URL is acceptable (NULL is: no link). M_EINVAL with the reason. */
int alert_ack_base_check(const char *base, struct merr *e);

/* Creates the pending alerts for every open finding whose evidence and urgency call for one and
 * that was not alerted before: confirmed (or declared and version-matched), not a candidate
 * (severity info), KEV or critical, SSVC not track/track*. 要確認 candidates that would matter
 * (KEV, or critical/high once confirmed) go to one non-urgent weekly review item per operator
 * (issue key review:YYYY-Www, JST week). Targets are the org's contacts and webhooks; e-mail
 * targets are sent as one digest per operator and run (alert_deliver).
 * with targets for the org's contacts and webhooks. dry_run: creates nothing, returns the
 * would-be messages via fn. *created receives the number of new alerts. ack_base: console
 * base URL for the ack link (NULL: none), see struct alert_msg. */
int alert_make(struct store *s, int64_t now, bool dry_run, const char *ack_base,
	       void (*fn)(const struct alert_msg *m, const char *recipients, void *arg), void *arg,
	       long *created, struct merr *e);

struct alert_run_stats {
	long delivered, failed, refused, pending;
	long dead;  /* of failed: became dead in this run */
	long mails; /* digest messages sent (one per recipient and operator) */
	long held;  /* e-mail targets held for a daily-digest contact's next day */
};

/* A contact's digest choice: "run" (one digest per alert run, the default) or "daily" (at most
 * one digest a JST day). M_EINVAL for another value or a bad address. */
int alert_digest_set(struct store *s, const char *email, const char *mode, int64_t now,
		     struct merr *e);

/* Japanese sentence for a KEV requiredAction text, chosen by its kind (mitigate or
 * discontinue, update, cloud guidance, remove end-of-life); CISA's English stays in the English
 * part. Static string. */
const char *alert_kev_action_ja(const char *required_action);
/* Tries every pending target once (with bounded retries); logs each attempt. E-mail targets
 * are grouped per (address, operator) into one digest mail: subject with the company name,
 * the fix-first item (product, host) and the nearest deadline; every item with its own
 * /ack/<token> link. A failed run counts toward the dead-letter limits (except e-mail when no
 * SMTP server is configured). */
int alert_deliver(struct store *s, const struct alert_conf *conf, int64_t now,
		  struct alert_run_stats *st, struct merr *e);

/* Records m as a new alert (or notice) with targets for its org's contacts and webhooks and
 * a fresh ack token (m->token; the ack footer is appended to the stored body, with the link
 * when m->ack_base is set). Returns 1 when created, 0 when (org, issue) existed already, or
 * an error. */
int alert_insert(struct store *s, struct alert_msg *m, int64_t now, struct merr *e);

/* ------------------------------------------------------------ advisories (notices) */

struct advisory_stats {
	long new_cves;	 /* KEV CVEs first listed in a catalog no sync covered */
	long new_jvn;	 /* JVN records no sync covered */
	long notices;	 /* notices queued (KEV + JVN) */
	long confirm;	 /* of which marked 要確認: the operator's version is unknown */
	long cleared;	 /* (operator, advisory) pairs skipped: the version is not affected */
	long duplicates; /* JVN notices skipped: every CVE already noticed to the operator */
	long catalogs;
	bool baseline;	   /* first KEV sync: cursor set, no KEV notices */
	bool jvn_baseline; /* first JVN sync: cursor set, no JVN notices */
};
/* Notices for KEV CVEs first listed in catalogs no sync has covered and for JVN records no
 * sync has covered, to every org whose declared products or identified services are the
 * advisory's vendor/product (folded), unless the vuln matcher says that org's version is not
 * affected; an unknown or incomparable version gives a notice marked 要確認. One notice per
 * (org, KEV CVE) and (org, JVN id); a JVN notice whose CVEs were all noticed to the org
 * already is not sent (alert_notice_cves). The first sync of each feed only sets its cursor. */
int advisory_sync(struct store *s, int64_t now, const char *ack_base, struct advisory_stats *st,
		  struct merr *e);
/* Marks the notice (or alert) whose token hashes to the stored hash acknowledged by "token"
 * (alert_ack_token). M_ENOTFOUND if none. */
int advisory_ack(struct store *s, const char *token, int64_t now, struct merr *e);

/* A manual advisory to every org that runs one of the CPEs' vendor:product. */
int advisory_send(struct store *s, const char *const *cpes, size_t ncpe, const char *title,
		  const char *body, const char *ack_base, int64_t now, long *notices,
		  struct merr *e);
/* Calls fn for every unacknowledged urgent notice. */
int advisory_pending(struct store *s,
		     void (*fn)(int64_t id, const char *org, const char *issue, int64_t created,
				const char *delivery, void *arg),
		     void *arg, struct merr *e);

/* A dead delivery target (texts borrowed for the call). */
struct alert_failed {
	int64_t alert_id;
	const char *org, *issue, *channel, *target;
	int64_t attempts, failed_runs, first_failed_at, dead_at;
	const char *last_error;
};
typedef void (*alert_failed_fn)(const struct alert_failed *r, void *arg);
/* Calls fn for every dead target, by alert id. */
int alert_failed_list(struct store *s, alert_failed_fn fn, void *arg, struct merr *e);
/* Puts every dead target of alert_id back to pending (streak reset). *revived: how many.
 * M_ENOTFOUND when the alert has no dead target. */
int alert_retry(struct store *s, int64_t alert_id, long *revived, struct merr *e);

int alert_webhook_add(struct store *s, const char *org, const char *url, const char *secret,
		      int64_t now, int64_t *id, struct merr *e);

/* ------------------------------------------------------------ reading (console, API) */

/* A listing of alerts and notices: the caller's rows (org, or sector), filters, newest first. */
struct alert_query {
	const char *org;	  /* row rule: this organisation only (operators) */
	const char *sector;	  /* row rule: this sector's organisations (bureau users) */
	const char *org2;	  /* a filter within the rows (?org=) */
	const char *kind;	  /* "alert", "notice" or NULL/"" */
	bool unacked, urgent;	  /* unacknowledged only, urgent only */
	int64_t id;		  /* > 0: only this alert */
	const char *token_sha256; /* only the alert whose link token hashes to this */
	int64_t limit, offset;	  /* limit 0: all */
	/* Tabletop-exercise mails (issue key "exercise:RUN:INJECT", src/exercise): left out of
	 * every listing and count unless asked for (id or token given: not filtered). */
	bool exercise;	      /* only exercise mails (the explicit filter) */
	int64_t exercise_run; /* > 0: only that run's (implies exercise) */
};
/* One alert or notice; texts borrowed for the callback. */
struct alert_row {
	int64_t id, created_at, acked_at; /* acked_at 0: not acknowledged */
	const char *org, *issue_key, *subject, *body, *acked_by;
	bool urgent, notice;
};
struct alert_target_row {
	const char *channel, *target, *state;
	int64_t attempts, delivered_at;
};
struct alert_delivery_row {
	int64_t at;
	const char *channel, *target;
	int64_t attempt;
	const char *status, *error;
};
/* M_EPARSE (field kind) for a kind other than alert or notice. */
int alert_query_check(const struct alert_query *q, struct merr *e);
int alert_query_count(struct store *s, const struct alert_query *q, int64_t *n, struct merr *e);
int alert_query_run(struct store *s, const struct alert_query *q,
		    int (*fn)(void *arg, const struct alert_row *r), void *arg, struct merr *e);
int alert_targets_each(struct store *s, int64_t id,
		       int (*fn)(void *arg, const struct alert_target_row *t), void *arg,
		       struct merr *e);
int alert_deliveries_each(struct store *s, int64_t id,
			  int (*fn)(void *arg, const struct alert_delivery_row *d), void *arg,
			  struct merr *e);
/* Their JSON shapes (docs/API.md; read.c). */
struct cJSON;
struct cJSON *alert_target_json(const struct alert_target_row *t);
struct cJSON *alert_delivery_json(const struct alert_delivery_row *d);
/* One alert (id, org, kind, issue_key, subject, created_at, urgent, acked, acked_at,
 * acked_by) with its targets; full adds body and deliveries. The API's shape. */
int alert_row_json(struct store *s, const struct alert_row *a, bool full, struct cJSON **out,
		   struct merr *e);

#endif
