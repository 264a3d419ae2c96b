/*
 * scan_int.h - for src/scan/ and its tests only: the probe-mode interface,
 * packet building and reply validation, UDP payloads, rate limiters.
 */
#ifndef MAMORI_SCAN_INT_H
#define MAMORI_SCAN_INT_H

#include "scan/scan.h"

/* ------------------------------------------------------------ cookies */

/* Source ports the SYN mode uses (receive filter range). */
#define SCAN_SPORT_BASE 40000
#define SCAN_SPORT_COUNT 16384

/*
 * Stateless probe validation (masscan's SYN cookie): one SipHash-2-4 of
 * (key, address, port) gives both the source port we send from and the
 * sequence number; a reply is genuine when it comes back to that port with
 * ack == seq + 1. Nothing is stored per probe.
 */
void scan_cookie(const unsigned char key[SCAN_KEY_LEN], const struct ipaddr *ip, uint16_t port,
		 uint16_t *sport, uint32_t *seq);

/* ------------------------------------------------------------ frames */

struct scan_net {
	uint8_t src_mac[6], gw_mac[6];
	struct ipaddr src4, src6;
	unsigned char key[SCAN_KEY_LEN];
};

#define SCAN_FRAME_MAX 128

/* Builds an Ethernet + IPv4/IPv6 + TCP SYN frame to (dst, dport) in frame
 * (cap >= SCAN_FRAME_MAX). Returns its length, or 0 when it does not fit. */
size_t scan_syn_build(const struct scan_net *n, const struct ipaddr *dst, uint16_t dport,
		      uint8_t *frame, size_t cap);

/* Internet checksum of the pseudo header + segment, as a helper for tests. */
uint16_t scan_inet_csum(const void *p, size_t len, uint32_t sum);

enum scan_reply_kind {
	SCAN_REPLY_NOT_OURS = 0, /* not TCP, not to our port range, or our own SYN */
	SCAN_REPLY_VALID = 1,	 /* genuine SYN-ACK or RST */
	SCAN_REPLY_INVALID = 2,	 /* to our port range but truncated, bad checksum or bad cookie */
};

struct scan_reply {
	struct ipaddr ip;
	uint16_t port;
	int ttl;
	bool open; /* SYN-ACK: open; RST: closed */
};

/* Checksums computed by offload hardware/loopback are not in the frame yet:
 * PACKET_AUXDATA says so with TP_STATUS_CSUMNOTREADY; then skip the TCP sum. */
#define SCAN_PARSE_CSUM_PARTIAL 1u

/* Parses an Ethernet frame and validates it as a reply to one of our probes. */
enum scan_reply_kind scan_reply_parse(const struct scan_net *n, const uint8_t *frame, size_t len,
				      unsigned flags, struct scan_reply *out);

/* ------------------------------------------------------------ UDP payloads */

/* Each builder writes a request into out (cap bytes) and returns its length
 * (0 when cap is too small). id/nonce make replies checkable. */
size_t scan_dns_build(uint16_t id, uint8_t *out, size_t cap);
size_t scan_ntp_build(uint64_t nonce, uint8_t *out, size_t cap);
size_t scan_snmp_build(uint32_t request_id, uint8_t *out, size_t cap);
/* Each parser returns true when p[0..len) is a well-formed reply to our request. */
bool scan_dns_parse(const uint8_t *p, size_t len, uint16_t id);
bool scan_ntp_parse(const uint8_t *p, size_t len, uint64_t nonce);
bool scan_snmp_parse(const uint8_t *p, size_t len, uint32_t request_id);

/* The UDP probe for a port: builds the payload; the same id checks the reply. */
struct scan_udp_probe {
	uint16_t port;
	const char *name;
	size_t (*build)(uint32_t id, uint8_t *out, size_t cap);
	bool (*parse)(const uint8_t *p, size_t len, uint32_t id);
};
const struct scan_udp_probe *scan_udp_probe_for(uint16_t port);

/* ------------------------------------------------------------ rate limits */

/* Global token bucket: paced sends with a sleep/spin hybrid. */
struct scan_rate {
	double rate;	 /* tokens per second */
	double t0;	 /* start, seconds (monotonic) */
	uint64_t issued; /* tokens handed out since t0 */
};
void scan_rate_init(struct scan_rate *r, double rate, double now);
/* How many sends are allowed now (at most max). */
unsigned scan_rate_take(struct scan_rate *r, double now, unsigned max);
/* Seconds until the next token. */
double scan_rate_wait_time(const struct scan_rate *r, double now);
/* Sleeps (long waits) or spins (short ones) until t (monotonic seconds). */
void scan_sleep_until(double t);
double scan_now(void);

/* Per-network caps: counters per /24 (IPv4) or /64 (IPv6) per one-second window. */
struct scan_netcap;
struct scan_netcap *scan_netcap_new(double per_net_rate, size_t expected_nets);
void scan_netcap_free(struct scan_netcap *c);
/* True when one more packet to ip's network fits in the current window (and counts it). */
bool scan_netcap_take(struct scan_netcap *c, const struct ipaddr *ip, double now);

/* ------------------------------------------------------------ seen set */

/* De-duplication of replies: a growable open-addressing hash of (ip, port, proto). */
struct scan_seen;
struct scan_seen *scan_seen_new(void);
void scan_seen_free(struct scan_seen *s);
/* Returns 1 when newly added, 0 when already present, M_ENOMEM. */
int scan_seen_add(struct scan_seen *s, const struct ipaddr *ip, uint16_t port);
bool scan_seen_has(const struct scan_seen *s, const struct ipaddr *ip, uint16_t port);
size_t scan_seen_count(const struct scan_seen *s);

/* ------------------------------------------------------------ probe modes */

struct scan_engine; /* engine.c */

/* A probe mode (ZMap probe_module style). send() may refuse to take a
 * target right now (returns 0 and takes nothing) when its in-flight cap is full. */
struct scan_mode {
	const char *name;
	int (*init)(struct scan_engine *en, void **state, struct merr *e);
	/* Sends probes for targets[0..n); returns how many were taken (>= 0) or an error. */
	int (*send)(void *state, const struct scan_target *targets, unsigned n, struct merr *e);
	/* Collects replies and timeouts, waiting at most wait seconds; reports
	 * results through scan_engine_result(). Returns 0 or an error. */
	int (*recv)(void *state, double wait, struct merr *e);
	/* Probes still awaiting an answer or timeout (stateful modes), 0 for syn. */
	size_t (*inflight)(void *state);
	/* After the last send (may be NULL): returns once every probe taken has been sent. */
	int (*flush)(void *state, struct merr *e);
	void (*close)(void *state, struct scan_counters *c);
};

extern const struct scan_mode scan_mode_connect, scan_mode_syn, scan_mode_udp;

/* For modes: the engine's configuration, and the way results come back. */
const struct scan_config *scan_engine_config(const struct scan_engine *en);
struct scan_counters *scan_engine_counters(struct scan_engine *en);
/* Records a result (de-duplicated; filters by report_closed/filtered). */
int scan_engine_result(struct scan_engine *en, const struct ipaddr *ip, uint16_t port,
		       enum scan_proto proto, enum scan_state st, int ttl, double rtt_ms);
/* Stateless modes: one sampled probe's reply time (ms); sizes the cooldown. */
void scan_engine_rtt(struct scan_engine *en, double ms);
/* Stateful modes: a probe of t got no answer in time. Final (reported as st)
 * only on the last pass; earlier passes leave it to the retry. */
int scan_engine_timeout(struct scan_engine *en, const struct scan_target *t, enum scan_proto proto,
			enum scan_state st);

#endif
