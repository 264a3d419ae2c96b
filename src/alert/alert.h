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
};

/* One outgoing message, for --dry-run and the delivery loop. */
struct alert_msg {
	int64_t id;
	char org[128], issue_key[256];
	char *subject, *body; /* owned */
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

/* Creates the pending alerts for every open KEV or critical finding not alerted before,
 * with targets for the org's contacts and webhooks. dry_run: creates nothing, returns the
 * would-be messages via fn. *created receives the number of new alerts. */
int alert_make(struct store *s, int64_t now, bool dry_run,
	       void (*fn)(const struct alert_msg *m, const char *recipients, void *arg), void *arg,
	       long *created, struct merr *e);

struct alert_run_stats {
	long delivered, failed, refused, pending;
};
/* Tries every pending target once (with bounded retries); logs each attempt. */
int alert_deliver(struct store *s, const struct alert_conf *conf, int64_t now,
		  struct alert_run_stats *st, struct merr *e);

/* Records m as a new alert (or notice) with targets for its org's contacts and webhooks.
 * Returns 1 when created, 0 when (org, issue) existed already, or an error. */
int alert_insert(struct store *s, struct alert_msg *m, int64_t now, struct merr *e);

/* ------------------------------------------------------------ advisories (notices) */

struct advisory_stats {
	long new_cves, notices, catalogs;
	bool baseline; /* first sync: cursor set, no notices */
};
/* Notices for KEV CVEs first listed in catalogs no sync has covered, to every org whose
 * declared products or identified services match the KEV vendor/product (folded). The first
 * sync only sets the cursor. */
int advisory_sync(struct store *s, int64_t now, struct advisory_stats *st, struct merr *e);
/* Marks the notice whose token hashes to the stored hash acknowledged. M_ENOTFOUND if none. */
int advisory_ack(struct store *s, const char *token, int64_t now, struct merr *e);

/* A manual advisory to every org that runs one of the CPEs' vendor:product. */
int advisory_send(struct store *s, const char *const *cpes, size_t ncpe, const char *title,
		  const char *body, int64_t now, long *notices, struct merr *e);
/* Calls fn for every unacknowledged urgent notice. */
int advisory_pending(struct store *s,
		     void (*fn)(int64_t id, const char *org, const char *issue, int64_t created,
				const char *delivery, void *arg),
		     void *arg, struct merr *e);

int alert_webhook_add(struct store *s, const char *org, const char *url, const char *secret,
		      int64_t now, int64_t *id, struct merr *e);

#endif
