/*
 * scan.h - port discovery: target permutation, rate limits, probe modes
 * (connect, SYN, UDP), results into JSON lines and the store, resume.
 *
 * The CLI (and later the server) decides WHAT may be scanned (the inventory's
 * scope set) and hands it here as an allowed ipset; this module re-checks every
 * address against that set before a packet is built (defence in depth) and
 * refuses anything else. Library code never prints: progress goes to a callback.
 */
#ifndef MAMORI_SCAN_H
#define MAMORI_SCAN_H

#include "base/compat.h"

#include <netinet/in.h> /* INET6_ADDRSTRLEN */
#include <signal.h>

#include "base/err.h"
#include "base/ip.h"
#include "store/store.h"

#define SCAN_KEY_LEN 16
#define SCAN_MAX_TARGETS_DEFAULT 65536ULL

/* ------------------------------------------------------------------ ports */

/* A sorted list of distinct ports (1..65535). */
struct scan_ports {
	uint16_t *v;
	size_t n;
};

/*
 * Parses "22,80,443,8000-8100", named sets ("top", "web", "ics") and mixes of
 * them. Returns 0 or M_EPARSE (detail in e: offset and the bad item); *out is
 * new, release it with scan_ports_release().
 */
int scan_ports_parse(const char *spec, struct scan_ports *out, struct merr *e);
void scan_ports_release(struct scan_ports *p);
/* Writes a compact form ("22,80,8000-8100") into out (truncated to cap). */
void scan_ports_format(const struct scan_ports *p, char *out, size_t cap);

/* ------------------------------------------------------------ permutation */

/*
 * A keyed pseudo-random permutation of [0, n): a balanced 4-round Feistel
 * network over 2*half_bits bits with SipHash-2-4 (libsodium) as the round
 * function; positions whose image is >= n are skipped, as ZMap skips group
 * elements >= N. Memory is constant whatever n is.
 */
struct scan_perm {
	uint64_t n;	 /* size of the space */
	uint64_t domain; /* 2^(2*half_bits) >= n: positions to walk per pass */
	unsigned half_bits;
	unsigned char key[SCAN_KEY_LEN];
};

/* n must be >= 1 and < 2^62. */
int scan_perm_init(struct scan_perm *p, uint64_t n, const unsigned char key[SCAN_KEY_LEN]);
/* Image of position i (< domain); false when it falls outside [0, n). */
bool scan_perm_at(const struct scan_perm *p, uint64_t i, uint64_t *out);

/* ---------------------------------------------------------------- targets */

struct scan_target {
	struct ipaddr ip;
	uint16_t port;
	uint64_t index; /* in [0, addresses x ports) */
	unsigned pass;	/* 0 for the first send, 1.. for retries */
};

/*
 * The (address x port) space of an ipset and a port list walked in the
 * permutation's order, restricted to shard `shard` of `n_shards` (positions
 * congruent to shard modulo n_shards), `passes` times. A position counter
 * (0 .. scan_targets_end()) is the whole iteration state: it is the checkpoint.
 */
struct scan_targets {
	struct ipset addrs;	 /* own copy */
	uint64_t *cum;		 /* cum[i] = addresses in ranges [0, i) */
	struct scan_ports ports; /* own copy */
	struct scan_perm perm;
	uint64_t n_addrs;
	unsigned shard, n_shards, passes;
};

int scan_targets_init(struct scan_targets *t, const struct ipset *addrs,
		      const struct scan_ports *ports, const unsigned char key[SCAN_KEY_LEN],
		      unsigned shard, unsigned n_shards, unsigned passes, struct merr *e);
void scan_targets_release(struct scan_targets *t);
/* Addresses x ports (one pass, all shards). */
uint64_t scan_targets_count(const struct scan_targets *t);
/* One past the last position. */
uint64_t scan_targets_end(const struct scan_targets *t);
/* Advances *pos to the next position of this shard that maps into the space and
 * fills out; returns false at the end. */
bool scan_targets_next(const struct scan_targets *t, uint64_t *pos, struct scan_target *out);
/* Target at space index idx (inverse of nothing: used to list unanswered targets). */
void scan_targets_at(const struct scan_targets *t, uint64_t idx, struct scan_target *out);
/* Space index of (ip, port), or false when it is not in the space. */
bool scan_targets_index(const struct scan_targets *t, const struct ipaddr *ip, uint16_t port,
			uint64_t *idx);

/* Only 127.0.0.0/8 and ::1: what the development --targets option accepts. */
bool scan_set_is_loopback(const struct ipset *s);

/* --------------------------------------------------------------- results */

enum scan_proto { SCAN_TCP, SCAN_UDP };
enum scan_state { SCAN_OPEN, SCAN_CLOSED, SCAN_FILTERED, SCAN_OPEN_FILTERED };

const char *scan_proto_name(enum scan_proto p);
const char *scan_state_name(enum scan_state s);

struct scan_result {
	struct ipaddr ip;
	uint16_t port;
	enum scan_proto proto;
	enum scan_state state;
	int ttl;       /* -1 when unknown */
	double rtt_ms; /* < 0 when unknown */
	int64_t time;  /* Unix seconds UTC */
};

/* Receives every result; a non-zero return stops the scan with that code. */
typedef int (*scan_sink_fn)(void *arg, const struct scan_result *r);

struct scan_counters {
	uint64_t sent;	     /* probes sent (including retries) */
	uint64_t received;   /* valid replies (after de-duplication) */
	uint64_t invalid;    /* replies that failed validation */
	uint64_t duplicates; /* valid replies already seen */
	uint64_t dropped;    /* receive drops reported by the kernel */
	uint64_t refused;    /* targets refused by the per-probe scope re-check */
	uint64_t deferred;   /* sends postponed by the per-network cap */
	uint64_t open, closed, filtered;
	/* where the time goes (syn mode; not stored): */
	uint64_t send_calls;   /* sendmmsg/sendmsg calls */
	uint64_t send_full;    /* of them, stopped by ENOBUFS/EAGAIN (waited out, then resent) */
	uint64_t send_threads; /* threads that sent (1: the engine thread itself) */
	double send_cpu_s;     /* CPU seconds of the sender threads (0 when the engine sent) */
	uint64_t rx_frames;    /* frames read from the receive socket or ring */
	uint64_t rx_calls;     /* recvmmsg calls, or ring blocks read */
	uint64_t rtt_samples;  /* sampled probes whose reply was timed */
	double rtt_max_ms;     /* largest sampled send-to-arrival time */
};

struct scan_progress {
	const struct scan_counters *c;
	uint64_t pos, end; /* position counter and its end */
	double elapsed;	   /* seconds since the scan (or resume) started */
	double rate;	   /* probes/s over the last interval */
	double eta;	   /* seconds, < 0 when unknown */
	bool cooling;	   /* sending done, waiting for late replies */
};
typedef void (*scan_progress_fn)(void *arg, const struct scan_progress *p);

/* ----------------------------------------------------------------- engine */

/* The per-/24 (IPv4) or per-/64 (IPv6) cap scan_config_init sets: packets per second. */
#define SCAN_PER_NET_RATE_DEFAULT 2000

struct scan_config {
	const char *mode;	     /* "connect", "syn" or "udp" */
	const struct ipset *targets; /* the space to walk (borrowed) */
	const struct ipset *allowed; /* every probe is re-checked against this (borrowed) */
	const struct scan_ports *ports;
	unsigned char key[SCAN_KEY_LEN]; /* permutation and cookie key */
	unsigned retries;		 /* extra passes for unanswered targets */
	unsigned shard, n_shards;	 /* 0, 1 for an unsharded scan */
	uint64_t start_pos;		 /* checkpoint to resume from */
	double rate;			 /* packets/s, global; > 0 */
	double per_net_rate;		 /* packets/s per /24 or /64; 0: no cap (default 2000) */
	double max_runtime;		 /* seconds of sending; 0: none */
	double cooldown; /* seconds to wait for late replies; syn: the cap of a wait sized from
			    the measured reply RTT (SCAN_COOLDOWN_MIN at least) */
	double timeout;	 /* per-probe timeout (connect, udp), seconds */
	unsigned max_inflight; /* connect/udp sockets in flight */
	bool report_closed, report_filtered;
	/* syn mode: interface and addressing (defaults fit the loopback lab) */
	const char *iface;	  /* "lo" */
	const char *send_method;  /* "packet" (AF_PACKET) or "raw" (IPPROTO_RAW, IPv4) */
	unsigned send_threads;	  /* syn: threads that send, each pinned to a CPU with its own
				     socket; 0: one per CPU at >= 20,000 probes/s, else 1 */
	struct ipaddr src4, src6; /* source addresses */
	uint8_t src_mac[6], gw_mac[6];
	/* targets already answered (resume): never re-probed, never reported filtered */
	const struct scan_result *preseen;
	size_t n_preseen;
	/* false: every target range must lie inside allowed or scan_run refuses to
	 * start. true (a resumed scan whose scope shrank): targets outside are
	 * refused probe by probe. Either way no packet leaves for them. */
	bool partial_scope;
	const char *scope_kind; /* "org", "all" or "loopback": kept in params for --resume */
	volatile sig_atomic_t
	    *stop; /* set by a signal handler: 1 stop sending, 2 also skip cooldown */
	scan_progress_fn progress; /* called ~4 times a second (may be NULL) */
	void *progress_arg;
};

/* Fills c with defaults (rate 10000, connect mode, cooldown 1 s, timeout 1 s ...). */
void scan_config_init(struct scan_config *c);

struct scan_outcome {
	struct scan_counters c;
	uint64_t checkpoint; /* position to resume from (== end when complete) */
	bool complete;	     /* walked every position */
	bool interrupted;    /* stopped by *stop */
	bool timed_out;	     /* stopped by max_runtime */
	double elapsed;	     /* seconds, including the cooldown */
	double send_elapsed; /* seconds spent sending: sent / send_elapsed is the probe rate */
	double cooldown_s;   /* seconds spent waiting for late replies */
};

/* syn mode: the cooldown after the last send is RTT-sized: SCAN_COOLDOWN_RTT_FACTOR x the
 * 99th percentile of the sampled reply times (a log2 histogram), at least SCAN_COOLDOWN_MIN, at most cfg->cooldown, and it
 * lasts until replies have stopped for that long (see docs/SCANNING.md). */
#define SCAN_COOLDOWN_MIN 0.1
#define SCAN_COOLDOWN_RTT_FACTOR 4.0

/*
 * Runs one scan: walks the targets from cfg->start_pos, sends probes, collects
 * replies, calls sink for each result. Always returns after flushing: on *stop
 * or max_runtime it stops sending, waits the (bounded) cooldown and returns 0
 * with out->interrupted or out->timed_out set. Errors: M_EPERM (syn without
 * CAP_NET_RAW), M_ENET, M_EINVAL, M_ESCOPE (targets not inside allowed), or the
 * sink's code.
 */
int scan_run(const struct scan_config *cfg, scan_sink_fn sink, void *sink_arg,
	     struct scan_outcome *out, struct merr *e);

/* The names of the probe modes, NULL-terminated. */
extern const char *const scan_mode_names[];

/* --------------------------------------------------------------- output */

/* Writes one result as a JSON line {"org","ip","port","proto","state","ttl","rtt_ms","time"}. */
int scan_result_write_json(FILE *f, const char *org, const struct scan_result *r);

/* ------------------------------------------------------------------ store */

struct scan_info {
	int64_t id;
	char org_slug[128]; /* "" for --all */
	char mode[16];
	char ports[512];
	int64_t started_at, finished_at; /* finished_at 0 while running */
	char state[16];			 /* running, done, interrupted */
	char *params;			 /* JSON; free with scan_info_release() */
	struct scan_counters c;
	uint64_t checkpoint;
};
void scan_info_release(struct scan_info *i);

/* Creates a scans row in state 'running'; *id receives its id. */
int scan_store_create(struct store *s, const char *org_slug, const char *mode, const char *ports,
		      const char *params_json, int64_t now, int64_t *id, struct merr *e);
/* Marks the scan done or interrupted with its counters and checkpoint. */
int scan_store_finish(struct store *s, int64_t id, const char *state, const struct scan_counters *c,
		      uint64_t checkpoint, int64_t now, struct merr *e);
/* Sets a scan back to running (resume). */
int scan_store_reopen(struct store *s, int64_t id, struct merr *e);
int scan_store_get(struct store *s, int64_t id, struct scan_info *out, struct merr *e);
/* Calls fn for each scan, newest first (at most limit, 0 = all). */
struct cJSON;

/* A page of scans, newest first (started_at, id); *total (may be NULL) all of them. */
struct scan_query {
	int64_t limit; /* <= 0: all */
	int64_t offset;
};
int scan_store_page(struct store *s, const struct scan_query *q,
		    int (*fn)(void *arg, const struct scan_info *i), void *arg, int64_t *total,
		    struct merr *e);
/* The one JSON shape of a scan (API and `mamori scan list/show --json`); state NULL: the
 * stored one (the console passes its job's live state). */
struct cJSON *scan_info_json(const struct scan_info *i, const char *state);
int scan_store_list(struct store *s, size_t limit, int (*fn)(void *arg, const struct scan_info *i),
		    void *arg, struct merr *e);
/* Calls fn for each observation seen in scan id. */
int scan_store_results(struct store *s, int64_t id,
		       int (*fn)(void *arg, const struct scan_result *r), void *arg,
		       struct merr *e);

/*
 * Buffers observations and writes them in batches (one transaction each):
 * an observation is unique per (org, ip, port, proto); re-observing it
 * updates last_seen and state; scan_observations records "seen in scan N".
 */
struct scan_batch;
int scan_batch_new(struct store *s, int64_t scan_id, const char *org_slug, size_t batch,
		   struct scan_batch **out, struct merr *e);
/* org NULL: the batch's organisation. */
int scan_batch_add(struct scan_batch *b, const char *org, const struct scan_result *r,
		   struct merr *e);
int scan_batch_flush(struct scan_batch *b, struct merr *e);
/* Flushes nothing: call scan_batch_flush first. NULL-safe. */
void scan_batch_free(struct scan_batch *b);

/* ------------------------------------------------------------ sessions */

/* A scan's parameters as stored with it, read back for --resume. */
struct scan_params {
	char org[128]; /* "" for --all */
	char scope_kind[16];
	char state[16];
	char mode[16], send[16], iface[32];
	struct ipset targets;
	struct scan_ports ports;
	struct scan_config cfg;	  /* points into this struct; start_pos = checkpoint */
	struct scan_result *seen; /* open/closed results already stored */
	size_t n_seen, cap_seen;
};
void scan_params_init(struct scan_params *p);
void scan_params_release(struct scan_params *p);
/* Loads scan id's parameters, checkpoint and answered targets into p. */
int scan_params_load(struct store *s, int64_t id, struct scan_params *p, struct merr *e);
/* The parameters of cfg as JSON (new string, free with m_free), NULL on out of memory. */
char *scan_params_json(const struct scan_config *cfg);

/*
 * Runs cfg as scan row of the store: creates the row (or, with resume_id > 0,
 * reopens that interrupted scan), writes each result to out (JSON lines; may be
 * NULL) and to observations in batches, and always finishes the row: 'done' when
 * every position was walked, else 'interrupted' with the checkpoint. *scan_id
 * receives the row id.
 */
/* For a scan of several organisations (--all): which org an address belongs to. */
struct scan_orgmap {
	size_t n;
	const char *const *slugs;
	const struct ipset *sets;
};

int scan_session_run(struct store *s, const char *org, const struct scan_orgmap *map,
		     const struct scan_config *cfg, int64_t resume_id, FILE *out, int64_t *scan_id,
		     struct scan_outcome *oc, struct merr *e);

/* ------------------------------------------------------------ scope */

struct scan_refusal {
	char what[2 * INET6_ADDRSTRLEN + 2]; /* address or lo-hi range */
	char reason[320];		     /* from inv_scope_check: Japanese, then English */
};

/* What a scan walks and what every probe is checked against. */
struct scan_scope {
	char kind[16];	      /* org, all, loopback */
	struct ipset targets; /* the space to walk */
	struct ipset allowed; /* scope at `now` (valid scopes minus exclusions) */
	struct scan_refusal *refused;
	size_t n_refused;
	struct scan_orgmap map; /* --all: whose each range is */
	char **slugs;
	struct ipset *sets;
	size_t n_orgs;
};
void scan_scope_init(struct scan_scope *sc);
void scan_scope_release(struct scan_scope *sc);

/*
 * Resolves what to scan. org: that organisation's scope (inv_scope_set); all:
 * every organisation's; neither: development mode, `requested` must lie in
 * 127.0.0.0/8 or ::1 (anything else is M_ESCOPE, never widened). requested
 * (comma-separated CIDRs, may be NULL) narrows the targets; each requested
 * range outside the scope is refused with the inventory's reason, as are an
 * org's declared scopes that are expired, not yet valid or excluded.
 */
int scan_scope_resolve(struct store *s, const char *org, bool all, const char *requested,
		       int64_t now, struct scan_scope *sc, struct merr *e);
/* For --resume: the scope of that kind fetched again at `now`; targets stay the
 * stored ones (the checkpoint is a position in them); set cfg.partial_scope. */
int scan_scope_for_resume(struct store *s, const char *kind, const char *org,
			  const struct ipset *targets, int64_t now, struct scan_scope *sc,
			  struct merr *e);

/* ------------------------------------------------------------ keys */

/* Fills key with random bytes (libsodium). */
void scan_key_random(unsigned char key[SCAN_KEY_LEN]);
void scan_key_to_hex(const unsigned char key[SCAN_KEY_LEN], char out[2 * SCAN_KEY_LEN + 1]);
int scan_key_from_hex(const char *hex, unsigned char key[SCAN_KEY_LEN]);

#endif
