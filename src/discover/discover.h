/*
 * discover.h - asset discovery: DNS lookups of an organisation's registered names (with an
 * e-mail hygiene summary from SPF and DMARC) and passive imports (crt.sh, Shodan, Censys).
 * What is learned is stored as observations; new names and addresses become CANDIDATE
 * assets that an analyst confirms or rejects. Nothing here probes a host: DNS questions go
 * only to the configured resolver, and candidates are never scanned. See docs/DISCOVERY.md.
 */
#ifndef MAMORI_DISCOVER_H
#define MAMORI_DISCOVER_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"

/* ---- SPF (RFC 7208) and DMARC (RFC 7489): parsers of untrusted TXT data. ---- */

enum disc_pol_state {
	DISC_POL_NONE,	   /* no record */
	DISC_POL_OK,	   /* exactly one record, well formed */
	DISC_POL_MULTIPLE, /* more than one record: a permanent error for receivers */
	DISC_POL_INVALID,  /* one record that does not parse */
};

/* "none", "ok", "multiple", "invalid" (the strings stored in email_hygiene). */
const char *disc_pol_state_name(int state);

struct disc_spf {
	int state;	    /* DISC_POL_* */
	char all[8];	    /* "-all", "~all", "?all", "+all"; "" when there is no all term */
	char redirect[256]; /* redirect= target, "" when none (ignored when all is present) */
	int n_includes;	    /* include: terms */
	int n_lookups;	    /* terms that cost a DNS lookup here (RFC 7208 allows 10) */
	size_t record;	    /* index of the SPF record in the TXT set (state OK/INVALID) */
	char error[160];    /* why INVALID or MULTIPLE */
};

/*
 * Parses one TXT string txt[0..len) (character-strings already joined). Returns 0 and
 * fills out (state OK) when it is a well-formed SPF record, M_ENOTFOUND when it is not an
 * SPF record at all (no "v=spf1" version term), M_EPARSE when it is one but malformed
 * (out->state INVALID, out->error and e say why: the term and what is wrong).
 */
int disc_spf_parse(const char *txt, size_t len, struct disc_spf *out, struct merr *e);
/* Evaluates the TXT set of a domain: no SPF record, one (parsed), or several. */
void disc_spf_eval(const char *const *txts, const size_t *lens, size_t n, struct disc_spf *out);

struct disc_dmarc {
	int state;	 /* DISC_POL_* */
	char p[12];	 /* "none", "quarantine", "reject" */
	char sp[12];	 /* subdomain policy, "" when absent */
	int pct;	 /* 0..100, 100 when absent */
	char rua[256];	 /* aggregate report URIs, "" when absent */
	size_t record;	 /* index in the TXT set */
	char error[160]; /* why INVALID or MULTIPLE */
};

/* As disc_spf_parse for a TXT string at _dmarc.<domain> ("v=DMARC1; p=..."). A record
 * with no p= but a valid rua= is p=none (RFC 7489 6.6.3); with neither it is invalid. */
int disc_dmarc_parse(const char *txt, size_t len, struct disc_dmarc *out, struct merr *e);
void disc_dmarc_eval(const char *const *txts, const size_t *lens, size_t n, struct disc_dmarc *out);

/* ---- Passive import parsers (untrusted files). ---- */

/* Largest single document read whole (a Censys API response, or any file given as a FIFO),
 * decompressed: a gzip of whitespace (400 KB → 400 MB) stops here. Arrays and JSON lines
 * in regular files are streamed and have no total limit. */
#define DISC_DOC_MAX ((size_t)64 << 20)
/* Any string field of a passive import (issuer, product, service name …), and crt.sh's
 * name_value (a list of names). */
#define DISC_TEXT_MAX 1024
#define DISC_NAMES_MAX ((size_t)256 << 10)
#define DISC_LINE_MAX ((size_t)16 << 20)

/* One name of one certificate in a crt.sh JSON export. Strings are borrowed for the call. */
struct disc_cert_name {
	const char *name; /* lowercase, trailing dot removed; wildcards keep "*." */
	bool wildcard;
	bool dns_name;	    /* a syntactically valid DNS name (else e.g. an e-mail address) */
	int64_t crtsh_id;   /* 0 when absent */
	const char *issuer; /* may be NULL */
	const char *serial; /* never NULL */
	int64_t not_before, not_after, logged_at; /* 0 when absent */
	long index;				  /* 0-based position in the array */
};
typedef int (*disc_cert_fn)(const struct disc_cert_name *n, void *arg);

/*
 * Parses a crt.sh JSON export (an array of objects with name_value, common_name,
 * serial_number, issuer_name, not_before, not_after, entry_timestamp, id) and calls fn
 * once per distinct name of each certificate. fn returning non-zero stops the walk and is
 * returned. A malformed document gives M_EPARSE with "FILE:@OFFSET: ..." for a syntax
 * error (cJSON_GetErrorPtr) or "FILE: [i].field: ..." for a bad element.
 */
int disc_parse_crtsh(const char *buf, size_t len, const char *file, disc_cert_fn fn, void *arg,
		     struct merr *e);

/* One service seen by Shodan or Censys. Strings borrowed for the call; may be NULL. */
struct disc_service {
	const char *ip;	   /* canonical address (ip_format) */
	int port;	   /* 0..65535 */
	const char *proto; /* "tcp" or "udp" */
	const char *service, *product, *version;
	const char *cpe;	 /* CPE 2.3 (an application's when there is one) */
	const char *const *cpes; /* every CPE 2.3 named, n_cpes of them */
	size_t n_cpes;
	const char *const *hostnames; /* lowercase names, n_hostnames of them */
	size_t n_hostnames;
	int64_t seen_at; /* the banner's timestamp, 0 when absent */
	long line;	 /* 1-based line in a JSON lines file, 0 in a single document */
};
typedef int (*disc_service_fn)(const struct disc_service *svc, void *arg);

/* Shodan `download` output: JSON lines, one banner object per line (ip_str, port,
 * transport, timestamp required; product, version, cpe23/cpe, hostnames, domains
 * optional). Blank lines are skipped. Errors: "FILE:LINE: field: what is wrong". */
int disc_parse_shodan(const char *buf, size_t len, const char *file, disc_service_fn fn, void *arg,
		      struct merr *e);
/* Censys v2 host: one JSON document (the API response with "result", a bare host object,
 * or an array of hosts) or JSON lines of hosts. One call of fn per service. */
int disc_parse_censys(const char *buf, size_t len, const char *file, disc_service_fn fn, void *arg,
		      struct merr *e);

/*
 * As the parsers above over a file (plain, gzip or xz), streamed: a JSON array (crt.sh, an
 * array of Censys hosts) or JSON lines (Shodan, Censys) is read one record at a time, so
 * memory stays flat whatever the file's size; a single Censys document, or a FIFO, is read
 * whole, at most DISC_DOC_MAX bytes. Errors as above, with the line and byte offset.
 */
int disc_parse_file(int fmt, const char *path, disc_cert_fn cert_fn, disc_service_fn svc_fn,
		    void *arg, struct merr *e);

/* ---- DNS resolution: an extension point, so tests can answer without a network. ---- */

enum disc_rtype { DISC_A, DISC_AAAA, DISC_CNAME, DISC_MX, DISC_NS, DISC_TXT, DISC_RTYPE_N };
const char *disc_rtype_name(int rtype);

/* One answer record: value in presentation form (see dns_records in 0350_discover.sql). */
struct disc_rr {
	char *name; /* lowercase owner name, no trailing dot */
	int rtype;  /* DISC_* */
	char *value;
	char *target; /* CNAME/MX/NS: the name pointed to, else NULL */
	uint32_t ttl;
};

enum disc_rcode { DISC_RC_OK, DISC_RC_NXDOMAIN, DISC_RC_SERVFAIL, DISC_RC_REFUSED, DISC_RC_OTHER };

struct disc_answer {
	int rcode; /* DISC_RC_*: OK with no records is NODATA */
	struct disc_rr *rrs;
	size_t n_rrs, cap_rrs;
};
void disc_answer_release(struct disc_answer *a);
/* Appends a record (strings copied). Returns 0 or M_ENOMEM. */
int disc_answer_add(struct disc_answer *a, const char *name, int rtype, const char *value,
		    const char *target, uint32_t ttl);

struct disc_resolver_ops {
	const char *name;
	/* Asks one question; fills out (initialised by the caller, zeroed). Returns 0 (rcode in
	 * out), M_ETIMEOUT or M_ENET when the resolver did not answer. */
	int (*query)(void *impl, const char *qname, int rtype, struct disc_answer *out,
		     struct merr *e);
	void (*free)(void *impl);
};

struct disc_resolver {
	const struct disc_resolver_ops *ops;
	void *impl;
	char desc[96]; /* "127.0.10.53:53" or "system (/etc/resolv.conf)" */
};

/*
 * Opens a resolver with ldns: spec "ADDR", "ADDR:PORT", "[V6]:PORT", or NULL/"system" for
 * /etc/resolv.conf. Each question waits timeout_ms per try, tries times (both bounded:
 * 100..10000 ms, 1..5), over UDP with TCP fallback on truncation. Returns 0 and fills r
 * (release with disc_resolver_release()), or M_EINVAL for a bad spec.
 */
int disc_resolver_open(const char *spec, int timeout_ms, int tries, struct disc_resolver *r,
		       struct merr *e);
void disc_resolver_release(struct disc_resolver *r);

/* The 'dns.resolver' setting: *out is "" when unset. */
int disc_resolver_setting(struct store *s, char *out, size_t cap, struct merr *e);
int disc_resolver_setting_set(struct store *s, const char *spec, int64_t now, struct merr *e);

/* ---- DNS discovery. ---- */

/* What a run reports as it goes, for the front end to print or collect. */
enum disc_event_kind {
	DISC_EV_RECORD,	   /* a DNS record (is_new when first seen) */
	DISC_EV_CANDIDATE, /* an asset candidate (is_new when created by this run) */
	DISC_EV_HYGIENE,   /* the SPF/DMARC summary of a domain */
	DISC_EV_ERROR,	   /* a name whose lookup failed (SERVFAIL, REFUSED) */
};

struct disc_event {
	int kind;
	const char *org; /* slug */
	bool is_new;
	const struct disc_rr *rr;		     /* RECORD */
	const char *cand_kind, *cand_value, *reason; /* CANDIDATE */
	const char *domain;			     /* HYGIENE, ERROR (the name) */
	const struct disc_spf *spf;		     /* HYGIENE */
	const struct disc_dmarc *dmarc;		     /* HYGIENE */
	const char *error;			     /* ERROR */
};
typedef void (*disc_event_fn)(const struct disc_event *ev, void *arg);

struct disc_dns_stats {
	long orgs, names, queries, records, records_new, candidates, candidates_new;
	long external; /* MX/NS hosts outside the org's domains: recorded, no candidate */
	long lookup_errors;
};

/*
 * Resolves A, AAAA, CNAME, MX, NS, TXT of every confirmed domain and hostname asset of
 * org_slug (NULL: every organisation), and _dmarc.<domain> TXT for domains, with r.
 * Stores the records in dns_records, the SPF/DMARC summary in email_hygiene, and files
 * candidates (status 'candidate', source 'dns'): addresses not inside the org's confirmed
 * address assets, CNAME targets, MX/NS hosts inside the org's domains. Existing assets of
 * any status are never duplicated or changed except their last_seen. Questions are asked
 * before each org's rows are written in one transaction. Stops with M_ETIMEOUT when the
 * resolver does not answer (nothing of that org is written), or when max_seconds of wall
 * time (0: no limit) have passed. fn (may be NULL) sees every record, candidate and
 * summary. Returns 0 or a negative code.
 */
int disc_dns_run(struct store *s, const char *org_slug, struct disc_resolver *r, int64_t now,
		 int max_seconds, disc_event_fn fn, void *arg, struct disc_dns_stats *st,
		 struct merr *e);

/* ---- Passive imports. ---- */

enum disc_format { DISC_FMT_CRTSH, DISC_FMT_SHODAN, DISC_FMT_CENSYS };
/* "crtsh", "shodan", "censys" -> DISC_FMT_*, -1 when unknown. */
int disc_format_parse(const char *name);

struct disc_import_stats {
	long items; /* names (crtsh) or services (shodan, censys) read */
	long obs_new, obs_updated, obs_unchanged;
	long candidates_new; /* candidate assets created */
	long ignored;	     /* crtsh: names outside the org's domains or not DNS names */
	long wildcards;	     /* crtsh: wildcard names noted */
	long unregistered;   /* shodan/censys: services on addresses not registered to the org */
};

/*
 * Parses buf as fmt and stores it for org_slug in ONE transaction: either the whole file
 * is stored or, on any error, nothing is (M_EPARSE with FILE:LINE or FILE:@OFFSET in e).
 * Re-importing the same file changes no row (times come from the file). Writes one
 * audit_log row. Returns 0 or a negative code.
 */
int disc_import(struct store *s, const char *org_slug, int fmt, const char *buf, size_t len,
		const char *file, int64_t now, struct disc_import_stats *st, struct merr *e);
/* As disc_import, with path read through disc_parse_file (streamed). */
int disc_import_file(struct store *s, const char *org_slug, int fmt, const char *path, int64_t now,
		     struct disc_import_stats *st, struct merr *e);

/* ---- Candidates and the analyst's decision. ---- */

struct disc_candidate {
	const char *org; /* slug */
	const char *kind, *value, *status, *source, *note;
	int64_t first_seen, last_seen;
};
typedef int (*disc_candidate_fn)(const struct disc_candidate *c, void *arg);

/* Calls fn for every candidate asset (of org_slug, or all when NULL), by org then value. */
int disc_candidates(struct store *s, const char *org_slug, disc_candidate_fn fn, void *arg,
		    struct merr *e);

/*
 * The analyst's decision on a discovered asset: confirm (status 'confirmed') or reject
 * (status 'rejected', and later discovery leaves it rejected). value is canonicalised
 * (lowercase name, canonical address). Applies to candidates, and to discovered assets
 * decided before (changing one's mind); an inventory asset is the operator's declaration
 * and gives M_EPERM. Writes an audit_log row (actor, 'assets.confirm'/'assets.reject').
 * M_ENOTFOUND when there is no such discovered asset; *kind_out (may be NULL, 16 bytes)
 * receives the asset's kind.
 */
int disc_candidate_decide(struct store *s, const char *org_slug, const char *value, bool confirm,
			  const char *actor, int64_t now, char *kind_out, struct merr *e);

/* ---- E-mail hygiene for the findings module. ---- */

struct disc_hygiene {
	const char *org, *domain;
	const char *spf_state;	 /* "none", "ok", "multiple", "invalid" */
	const char *spf_all;	 /* "-all", "~all", "?all", "+all" or NULL */
	const char *spf_record;	 /* may be NULL */
	const char *dmarc_state; /* "none", "ok", "multiple", "invalid" */
	const char *dmarc_p;	 /* "none", "quarantine", "reject" or NULL */
	const char *dmarc_sp;
	int dmarc_pct;
	const char *dmarc_record;
	int64_t checked_at;
};
typedef int (*disc_hygiene_fn)(const struct disc_hygiene *h, void *arg);

/* Calls fn for each domain's latest e-mail hygiene summary (org_slug NULL: all), by org
 * then domain. fn returning non-zero stops the walk and is returned. */
int disc_email_hygiene(struct store *s, const char *org_slug, disc_hygiene_fn fn, void *arg,
		       struct merr *e);

#endif
