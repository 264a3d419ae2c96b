/*
 * identify.h - service identification: for each open port, run the probes that fit it
 * (banner, HTTP, TLS, DNS, read-only OT), match what came back against Recog, keep the evidence.
 *
 * Flow: targets (open ports from the store, each re-checked with inv_scope_check) ->
 * ident_run (a small pool of worker threads, one port at a time per worker, every port under a
 * time budget and a byte cap) -> one struct ident_service per target -> services table and JSON
 * lines. Library code never prints. See docs/IDENTIFY.md.
 */
#ifndef MAMORI_IDENTIFY_H
#define MAMORI_IDENTIFY_H

#include "base/compat.h"

#include <signal.h>

#include "base/err.h"
#include "base/ip.h"
#include "fingerprint/fingerprint.h"
#include "store/store.h"

struct cJSON;

/* ---------------------------------------------------------------- probe plans */

enum ident_probe {
	IDP_BANNER, /* connect, wait for what the service says first, then a polite goodbye */
	IDP_HTTP,   /* GET / (and /favicon.ico) in clear text */
	IDP_TLS,    /* TLS handshake + certificate chain, then HTTP over it, then old versions */
	IDP_DNS_TCP,
	IDP_DNS_UDP,
	IDP_MODBUS, /* OT: device identification 43/14 */
	IDP_S7,	    /* OT: COTP + setup + read SZL */
	IDP_BACNET, /* OT: Who-Is + ReadProperty (UDP) */
	IDP_ENIP,   /* OT: List Identity */
	IDP_COUNT
};

#define IDENT_PLAN_MAX 4

/* What to try on a port, in order; service is the name used when nothing answers. */
struct ident_plan {
	const char *service; /* "ssh", "http", ..., "unknown" */
	size_t n;
	enum ident_probe probes[IDENT_PLAN_MAX];
	bool ot;	 /* the first probe is an OT probe (needs the org's ot_probes) */
	bool wait_first; /* unknown port: wait briefly for a spontaneous banner first */
};

/* The plan for port/proto (udp true for UDP). Never fails: unknown ports get banner, TLS, HTTP. */
void ident_plan_for(uint16_t port, bool udp, struct ident_plan *out);
const char *ident_probe_name(enum ident_probe p);
/* True for the OT probes. */
bool ident_probe_is_ot(enum ident_probe p);

/* A service's display name for readers ("ms-wbt-server" -> "RDP (リモートデスクトップ)" /
 * "RDP (Remote Desktop)", "http-proxy" -> "HTTP プロキシ" / "HTTP proxy", "https" -> "HTTPS"),
 * Japanese or English (en); a name not in the table as it is, NULL or "" as "". */
const char *ident_service_label(const char *service, bool en);

/* Adds mamori's supplementary fingerprints (Recog XML, names "mamori_*", for gaps such as
 * Debian 12's BIND version string) to db. Idempotent. Returns 0 or fp_db_add_xml's code. */
int ident_db_add_local(struct fp_db *db, struct merr *e);

/* ---------------------------------------------------------------- targets */

/* A registered host name and the address it names (from the inventory or DNS discovery). */
struct ident_host {
	char name[256];
	struct ipaddr ip;
};

struct ident_target {
	char org[128];
	struct ipaddr ip;
	uint16_t port;
	bool udp;
	char hostname[256]; /* the org's name for ip ("" when none): Host header, SNI, cert check */
	bool ot_enabled;    /* the org's ot_probes flag */
	const struct ipset *allowed;	/* the org's scope at now (borrowed): connects, redirects */
	const struct ident_host *hosts; /* the org's host names (borrowed), for redirects */
	size_t n_hosts;
};

/* ---------------------------------------------------------------- results */

#define IDENT_BANNER_MAX 4096
#define IDENT_READ_CAP_DEFAULT (64 * 1024)

struct ident_service {
	char org[128];
	char ip[64];
	uint16_t port;
	char proto[4]; /* tcp, udp */
	char service[16];
	bool tls;
	char vendor[128], product[128], version[128];
	char cpe[512]; /* CPE 2.3, '*' for unknown parts; "" when nothing identified */
	char os[256], device_type[128];
	char
	    *banner; /* raw evidence text, <= 4 KiB, valid UTF-8 (invalid bytes as U+FFFD); owned */
	char *evidence; /* JSON text; owned */
	char *tls_info; /* JSON text or NULL; owned */
	char state[16]; /* identified, unidentified, silent, error */
	char note[256]; /* why unidentified / error / skipped, e.g. "OT probe not enabled" */
	double elapsed; /* seconds spent on this port */
	size_t bytes_read;
};
void ident_service_release(struct ident_service *s);

/* One service as a JSON object (new; the caller frees it with cJSON_Delete). */
struct cJSON *ident_service_json(const struct ident_service *s);

/*
 * Combines the matches made for one port (in order of trust) into s: the first that names a
 * service product wins product/version/vendor, else the first naming any product (an OS such
 * as FortiOS), else one naming only an OS or device; OS and device come from the first that
 * has them.
 * CPE: the winner's service CPE, else its OS/hardware CPE; '-' parts are turned into '*'.
 * Sets s->state to "identified" when a product was named. r[i] may be NULL (skipped).
 */
void ident_combine(struct ident_service *s, const struct fp_result *const *r, size_t n);

/* Replaces invalid UTF-8 with U+FFFD and control bytes other than \t \r \n with '.', cut at
 * cap-1 bytes on a character boundary. Returns a new string (NULL on out of memory). */
char *ident_clean_text(const char *p, size_t n, size_t cap);

/* ---------------------------------------------------------------- certificates */

#define IDENT_SANS_MAX 32
struct ident_cert {
	char subject[512]; /* RFC 2253 order "CN=...,O=...,C=..." as Recog's x509 databases want */
	char issuer[512];
	size_t n_sans;
	char sans[IDENT_SANS_MAX][256]; /* DNS names and IP addresses */
	int64_t not_before, not_after;	/* Unix seconds UTC */
	char key_type[16];		/* RSA, EC, ED25519, DSA ... */
	int key_bits;
	char sig_alg[64];     /* sha256WithRSAEncryption */
	char sha256[65];      /* of the DER certificate, lower-case hex */
	char spki_sha256[65]; /* of the DER SubjectPublicKeyInfo */
	bool self_signed;     /* issuer == subject and the signature verifies with its own key */
};

/* Parses one DER certificate (untrusted bytes). Returns 0 or M_EPARSE. */
int ident_x509_info(const unsigned char *der, size_t len, struct ident_cert *out);

struct ident_tls_flags {
	bool self_signed, expired, not_yet_valid, hostname_mismatch;
	char checked_name[256]; /* the host name or address the leaf was checked against */
};
/* The flags of a leaf certificate (DER) at now against hostname (may be NULL or "": then the
 * address ip is checked). Returns 0 or M_EPARSE. */
int ident_tls_check(const unsigned char *der, size_t len, int64_t now, const char *hostname,
		    const char *ip, struct ident_tls_flags *out);

/* ---------------------------------------------------------------- the engine */

struct ident_config {
	const struct fp_db *db;	     /* Recog databases (borrowed, read-only) */
	double timeout;		     /* per-port budget, seconds (default 4) */
	double silent_wait;	     /* wait for a first byte before calling a port silent (1.2) */
	unsigned concurrency;	     /* worker threads = ports in flight (default 32) */
	size_t read_cap;	     /* bytes read per probe (64 KiB) */
	int64_t now;		     /* for certificate validity */
	volatile sig_atomic_t *stop; /* set by a signal handler: remaining ports are skipped */
};
void ident_config_init(struct ident_config *c);

struct ident_counters {
	size_t targets, identified, unidentified, silent, error, skipped;
	double elapsed;
	bool interrupted;
};

/*
 * Identifies n targets with cfg->concurrency workers. out must have room for n results
 * (release each with ident_service_release). Every connection goes only to a target address
 * that cfg's target->allowed contains (or to the loopback lab when allowed is NULL and the
 * address is loopback); anything else is not touched and recorded as an error.
 * Returns 0, M_EINVAL or M_ENOMEM.
 */
int ident_run(const struct ident_config *cfg, const struct ident_target *t, size_t n,
	      struct ident_service *out, struct ident_counters *k, struct merr *e);

/* Identifies one target in the calling thread (tests, and the workers). */
void ident_probe_target(const struct ident_config *cfg, const struct ident_target *t,
			struct ident_service *out);

/* ---------------------------------------------------------------- store */

struct ident_refusal {
	char org[128];
	char ip[64];
	uint16_t port;
	char proto[4];
	char reason[320];
};

/* What one identify run works on: targets (scope-checked), refusals, and the per-org data the
 * targets borrow. */
struct ident_org;
struct ident_work {
	struct ident_target *targets;
	size_t n_targets;
	struct ident_refusal *refused;
	size_t n_refused;
	struct ident_org *orgs;
	size_t n_orgs;
	bool subset; /* narrowed by the caller (not the org's whole open-port set) */
};
void ident_work_release(struct ident_work *w);

/*
 * Loads the open ports of org (NULL: every organisation) from the observations table, checks
 * each address with inv_scope_check at now (refused ones go to w->refused with the reason),
 * and attaches the org's scope set, host names and ot_probes flag. only (may be NULL) keeps
 * just the ports of that observation scan id (scan --identify).
 */
int ident_work_load(struct store *s, const char *org, int64_t only_scan, int64_t now,
		    struct ident_work *w, struct merr *e);
/* Adds a host name for an address of org (the --host NAME=IP option). */
int ident_work_add_host(struct ident_work *w, const char *org, const char *name,
			const struct ipaddr *ip, struct merr *e);

struct ident_run_info {
	int64_t id;
	char org[128];
	int64_t started_at, finished_at;
	char state[16];
	long targets, identified;
	bool complete;
};

/*
 * Runs w end to end: one identify_runs row per organisation, the engine, services upserted
 * (first_seen kept, last_seen and identify_run set) and refusals recorded, each org's writes
 * in one transaction. out (may be NULL) receives every service and refusal as a JSON line.
 * runs (may be NULL, room for w->n_orgs) receives the run rows.
 */
int ident_session_run(struct store *s, const struct ident_config *cfg, struct ident_work *w,
		      FILE *out, struct ident_counters *k, struct ident_run_info *runs,
		      size_t *n_runs, struct merr *e);

/* Lists stored services (org NULL: all), ordered by org, ip, port. fn returning non-zero stops. */
int ident_services_list(struct store *s, const char *org,
			int (*fn)(void *arg, const struct ident_service *sv, int64_t first_seen,
				  int64_t last_seen),
			void *arg, struct merr *e);

/* ---------------------------------------------------------------- reads (read.c) */

/* A stored service as JSON, the one shape the API and `mamori services list --json` give:
 * ident_service_json without the run's timings, with first_seen and last_seen (UTC). */
struct cJSON *ident_service_row_json(const struct ident_service *sv, int64_t first_seen,
				     int64_t last_seen);

/* The leaf certificate of a stored tls_info JSON text; M_ENOTFOUND when it has no chain. */
struct ident_cert_row {
	char subject[512], issuer[512];
	int64_t not_after;
	bool expired, self_signed, hostname_mismatch, not_yet_valid;
};
int ident_cert_from_tls(const char *tls_info, struct ident_cert_row *out);

/* ---------------------------------------------------------------- the use case (run.c) */

/* The Recog databases under data_dir/recog plus mamori's local ones, loaded and compiled once
 * per process (per data folder) and shared read-only by every run after that. */
int ident_recog_shared(const char *data_dir, const struct fp_db **out, struct merr *e);
/* How many times a shared database was loaded in this process (tests count it). */
unsigned ident_recog_loads(void);
/* Frees the shared databases (tests; nothing may be running). */
void ident_recog_cache_clear(void);

struct ident_run_opts {
	const char *data_dir;	  /* Recog at data_dir/recog (shared, ident_recog_shared) */
	const char *org;	  /* NULL: every organisation */
	int64_t only_scan;	  /* only the ports this scan id found open; 0: all */
	bool whole_scan;	  /* only_scan walked the org's whole scope: the run is complete */
	size_t max_orgs;	  /* more organisations than this is M_EINVAL; 0: any */
	const char *const *hosts; /* NAME=IP host names for addresses (Host, SNI) */
	size_t n_hosts;
	double timeout, silent_wait; /* 0: the engine's defaults */
	unsigned concurrency;
	int64_t now; /* 0: time_now() */
	volatile sig_atomic_t *stop;
	FILE *out; /* every service and refusal as a JSON line; may be NULL */
	void (*on_refused)(void *arg, const struct ident_refusal *r); /* before probing */
	void *arg;
};
void ident_run_opts_init(struct ident_run_opts *o);

struct ident_run_result {
	struct ident_counters k;
	struct ident_run_info *runs; /* one per organisation */
	size_t n_runs;
	struct ident_work work; /* targets and refusals (work.refused, work.n_refused) */
};

/* The identify use case: the shared Recog database, the open ports of o->org (scope checked
 * again), the engine's configuration, the session (runs and services stored). The one call
 * `mamori identify`, the console's scan jobs and `asm run` make. Release res always. */
int ident_run_org(struct store *s, const struct ident_run_opts *o, struct ident_run_result *res,
		  struct merr *e);
void ident_run_result_release(struct ident_run_result *res);
/* "N ポート: 識別 … / ports: identified, unidentified, silent, refused (… s)" */
void ident_run_summary(const struct ident_run_result *res, char *line, size_t cap);

#endif
