/* identify_int.h - shared between the files of src/identify/ only: connections with deadlines,
 * certificate helpers over OpenSSL objects, the probe context. */
#ifndef MAMORI_IDENTIFY_INT_H
#define MAMORI_IDENTIFY_INT_H

#include "base/compat.h"

#include <cjson/cJSON.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "identify/identify.h"

/* ---- x509.c */
int ident_x509_from(X509 *x, struct ident_cert *out);
void ident_flags_from(X509 *leaf, int64_t now, const char *hostname, const char *ip,
		      struct ident_tls_flags *out);
cJSON *ident_cert_json(const struct ident_cert *c);

/* ---- conn.c: one TCP (optionally TLS) or UDP connection, every call bounded by a deadline */
struct iconn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	bool eof;
	int err;       /* last errno-like failure, 0 */
	size_t total;  /* bytes read on this connection */
	char why[128]; /* "connection refused", "timeout", "tls: ..." */
};

/* Monotonic seconds. */
double ident_now(void);
/* Connects to ip:port (udp: a connected datagram socket) before deadline. 0 or M_ENET/M_ETIMEOUT. */
int iconn_open(struct iconn *c, const struct ipaddr *ip, uint16_t port, bool udp, double deadline);
/* TLS handshake on an open connection. min/max: TLS1_VERSION .. TLS1_3_VERSION, 0 = defaults;
 * legacy lowers the security level so old versions are even offered (probe only). */
int iconn_tls(struct iconn *c, const char *sni, int min_version, int max_version, bool legacy,
	      double deadline);
int iconn_write(struct iconn *c, const void *p, size_t n, double deadline);
/* Reads what is available (waits until deadline for at least one byte) into b (capped by
 * cap total bytes). Returns bytes read (> 0), 0 on EOF, M_ETIMEOUT, M_ETOOBIG (cap reached),
 * M_ENET. */
int iconn_read(struct iconn *c, struct buf *b, size_t cap, double deadline);
void iconn_close(struct iconn *c);

/* ---- probes.c */
struct probe_ctx {
	const struct ident_config *cfg;
	const struct ident_target *t;
	struct ident_service *out;
	double deadline; /* end of the port's budget */
	cJSON *ev;	 /* evidence object */
	cJSON *probes;	 /* evidence.probes array */
	struct fp_result *res[8];
	size_t n_res;
	struct buf banner; /* raw evidence */
	bool any_bytes;	   /* the port ever sent something */
	bool connected;	   /* a connection ever succeeded */
	bool done;	   /* identified: stop trying further probes */
	char service[16];  /* service determined from the bytes */
	char ipstr[64];
};

/* ---- mute.c: true when the port stayed mute to a banner wait, an HTTP request and a TLS
 * ClientHello sent in parallel (the silent verdict, with its evidence noted in p); false
 * when it answered or could not be asked, and the usual plan should run. */
bool ident_mute_check(struct probe_ctx *p);

/* Each returns nothing: outcomes go to the context. */
void ident_probe_banner(struct probe_ctx *p, bool short_wait);
void ident_probe_http(struct probe_ctx *p, bool tls);
void ident_probe_dns(struct probe_ctx *p, bool udp);
void ident_probe_ot(struct probe_ctx *p, enum ident_probe which);

/* Matches text against database and keeps the result in p (when it matched). Returns the
 * result or NULL. */
const struct fp_result *ident_match(struct probe_ctx *p, const char *database, const char *text,
				    size_t len);
/* Records one probe in evidence.probes: {"probe","result","ms", "detail"}. */
void ident_note_probe(struct probe_ctx *p, const char *probe, const char *result, double t0,
		      const char *detail);
/* Appends raw bytes to the banner evidence (capped). */
void ident_keep_banner(struct probe_ctx *p, const char *data, size_t n);
void ident_set_service(struct probe_ctx *p, const char *service);
/* Classifies bytes a service sent (on its own or instead of an HTTP reply) as a banner
 * protocol, matches them, and (when c is open) says a polite goodbye. Returns true when the
 * protocol was recognised. */
bool ident_take_bytes(struct probe_ctx *p, struct iconn *c, const char *raw, size_t n,
		      const char *hint);

#endif
