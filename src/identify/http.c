/*
 * http.c - the HTTP and TLS probes: GET / with the org's host name, headers and title to
 * Recog, the favicon hash, redirects followed only inside scope, and for TLS the negotiated
 * version and cipher, the peer chain, its flags, and which old protocol versions still work.
 */
#include "base/compat.h"

#include <strings.h>

#include "base/mem.h"
#include "fingerprint/http.h"
#include "identify/identify_int.h"

#define MAX_REDIRECTS 3

bool ident_take_bytes(struct probe_ctx *p, struct iconn *c, const char *raw, size_t n,
		      const char *hint);

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

struct origin {
	bool tls;
	struct ipaddr ip;
	uint16_t port;
	char host[256]; /* Host header and SNI: a name, or the address */
	bool named;	/* host is a name (SNI and the certificate name check use it) */
	char path[512];
};

/* ---------------------------------------------------------------- TLS details */

static const char *tls_version_name(int v)
{
	switch (v) {
	case TLS1_VERSION: return "TLSv1.0";
	case TLS1_1_VERSION: return "TLSv1.1";
	case TLS1_2_VERSION: return "TLSv1.2";
	case TLS1_3_VERSION: return "TLSv1.3";
	default: return "unknown";
	}
}

static void tls_record(struct probe_ctx *p, struct iconn *c, const struct origin *o, cJSON *ti)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
	X509 *leaf = SSL_get1_peer_certificate(c->ssl);
	cJSON *arr = cJSON_AddArrayToObject(ti, "chain");
	struct ident_tls_flags f;
	struct ident_cert *cert = m_malloc(sizeof(*cert));
	int n = chain ? sk_X509_num(chain) : 0;

	cJSON_AddStringToObject(ti, "version", tls_version_name(SSL_version(c->ssl)));
	cJSON_AddStringToObject(ti, "cipher", SSL_get_cipher_name(c->ssl));
	for (int i = 0; cert && i < n && i < 10; i++) {
		if (ident_x509_from(sk_X509_value(chain, i), cert) == 0)
			cJSON_AddItemToArray(arr, ident_cert_json(cert));
		if (i == 0) { /* the leaf names the product more often than not */
			ident_match(p, "x509_subjects", cert->subject, strlen(cert->subject));
			ident_match(p, "x509_issuers", cert->issuer, strlen(cert->issuer));
		}
	}
	if (leaf) {
		ident_flags_from(leaf, p->cfg->now, o->named ? o->host : NULL, p->ipstr, &f);
		cJSON_AddBoolToObject(ti, "self_signed", f.self_signed);
		cJSON_AddBoolToObject(ti, "expired", f.expired);
		cJSON_AddBoolToObject(ti, "not_yet_valid", f.not_yet_valid);
		cJSON_AddBoolToObject(ti, "hostname_mismatch", f.hostname_mismatch);
		cJSON_AddStringToObject(ti, "hostname", f.checked_name);
		X509_free(leaf);
	}
	m_free(cert);
}

/* Separate handshakes pinned to TLS 1.0 and 1.1: does the server still accept them? */
static void tls_old_versions(struct probe_ctx *p, const struct origin *o, cJSON *ti)
{
	static const int vers[] = {TLS1_VERSION, TLS1_1_VERSION};
	cJSON *acc = cJSON_AddArrayToObject(ti, "old_versions_accepted");

	for (size_t i = 0; i < ARRAY_SIZE(vers); i++) {
		struct iconn c;
		double dl = min_d(ident_now() + 1.0, p->deadline);
		if (iconn_open(&c, &o->ip, o->port, false, dl) == 0 &&
		    iconn_tls(&c, o->named ? o->host : NULL, vers[i], vers[i], true, dl) == 0)
			cJSON_AddItemToArray(acc, cJSON_CreateString(tls_version_name(vers[i])));
		iconn_close(&c);
	}
}

/* ---------------------------------------------------------------- one request */

struct http_result {
	struct fp_http_response r;
	bool parsed;
	bool any;
	char why[128];
};

static int fetch(struct probe_ctx *p, const struct origin *o, const char *path, bool first,
		 struct buf *raw, struct http_result *hr)
{
	struct iconn c;
	struct buf req;
	double dl = p->deadline;
	double first_dl = min_d(ident_now() + p->cfg->silent_wait, p->deadline);
	struct fp_http_options opt = {0};
	int rc = M_ENET, prc = FP_NEED_MORE;

	memset(hr, 0, sizeof(*hr));
	buf_reset(raw);
	if (p->t->allowed && !ipset_contains(p->t->allowed, &o->ip)) {
		snprintf(hr->why, sizeof(hr->why), "out of scope");
		return M_ESCOPE;
	}
	if (iconn_open(&c, &o->ip, o->port, false, dl)) {
		snprintf(hr->why, sizeof(hr->why), "%s", c.why);
		iconn_close(&c);
		return M_ENET;
	}
	p->connected = true;
	/* a silent port must not hold the handshake for the whole budget */
	if (o->tls && iconn_tls(&c, o->named ? o->host : NULL, 0, 0, false,
				min_d(ident_now() + p->cfg->silent_wait, dl))) {
		snprintf(hr->why, sizeof(hr->why), "%s", c.why);
		if (c.total)
			p->any_bytes = true;
		iconn_close(&c);
		return M_EPARSE;
	}
	if (o->tls && first) {
		cJSON *ti = cJSON_CreateObject();
		p->out->tls = true;
		tls_record(p, &c, o, ti);
		cJSON_AddItemToObject(p->ev, "tls", ti);
	}
	buf_init(&req, 4096);
	if ((o->port == 80 && !o->tls) || (o->port == 443 && o->tls))
		buf_addf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, o->host);
	else
		buf_addf(&req, "GET %s HTTP/1.1\r\nHost: %s:%u\r\n", path, o->host, o->port);
	buf_adds(&req,
		 "User-Agent: mamori-identify/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n");
	if (iconn_write(&c, req.ptr, req.len, dl) == 0) {
		while (prc == FP_NEED_MORE) {
			int r = iconn_read(&c, raw, p->cfg->read_cap, raw->len ? dl : first_dl);
			if (r == M_ETIMEOUT && raw->len == 0) {
				snprintf(hr->why, sizeof(hr->why), "no reply within %.1f s",
					 p->cfg->silent_wait);
				break;
			}
			opt.eof = r <= 0; /* closed, cap, or deadline: parse what came */
			fp_http_response_release(&hr->r);
			prc = fp_http_parse(raw->ptr, raw->len, &opt, &hr->r);
			if (r <= 0)
				break;
		}
	}
	p->out->bytes_read += c.total;
	if (raw->len) {
		hr->any = true;
		p->any_bytes = true;
	}
	if (prc == FP_DONE) {
		hr->parsed = true;
		rc = 0;
	} else if (raw->len) {
		snprintf(hr->why, sizeof(hr->why), "%s",
			 prc == M_ETOOBIG ? "response head over 64 KiB" : "not an HTTP response");
		/* a banner service on an HTTP port: what it said still counts */
		if (first && !hr->r.status)
			ident_take_bytes(p, NULL, raw->ptr, raw->len, NULL);
		else
			ident_keep_banner(p, raw->ptr, raw->len);
		rc = M_EPARSE;
	}
	buf_release(&req);
	iconn_close(&c);
	return rc;
}

/* ---------------------------------------------------------------- redirects */

static bool host_lookup(const struct ident_target *t, const char *name, struct ipaddr *out)
{
	for (size_t i = 0; i < t->n_hosts; i++) {
		if (!strcasecmp(t->hosts[i].name, name)) {
			*out = t->hosts[i].ip;
			return true;
		}
	}
	return false;
}

/* Resolves Location against cur into next. Returns 0 to follow, or a reason not to. */
static const char *redirect_target(struct probe_ctx *p, const struct origin *cur, const char *loc,
				   struct origin *next)
{
	char host[256];
	const char *rest;
	size_t hl;

	*next = *cur;
	if (loc[0] == '/' && loc[1] != '/') { /* same origin, new path */
		snprintf(next->path, sizeof(next->path), "%s", loc);
		return NULL;
	}
	if (!strncasecmp(loc, "http://", 7)) {
		next->tls = false, rest = loc + 7, next->port = 80;
	} else if (!strncasecmp(loc, "https://", 8)) {
		next->tls = true, rest = loc + 8, next->port = 443;
	} else {
		return "unsupported Location";
	}
	hl = strcspn(rest, "/?#");
	if (hl == 0 || hl >= sizeof(host))
		return "bad Location host";
	memcpy(host, rest, hl);
	host[hl] = '\0';
	snprintf(next->path, sizeof(next->path), "%s", rest[hl] == '/' ? rest + hl : "/");
	char *colon = strrchr(host, ':');
	if (colon && !strchr(colon, ']')) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (*end || port <= 0 || port > 65535)
			return "bad Location port";
		next->port = (uint16_t)port;
		*colon = '\0';
	}
	if (host[0] == '[') { /* [v6] */
		size_t l = strlen(host);
		if (l < 3 || host[l - 1] != ']')
			return "bad Location host";
		host[l - 1] = '\0';
		memmove(host, host + 1, l - 1);
	}
	snprintf(next->host, sizeof(next->host), "%s", host);
	if (ip_parse(host, &next->ip) == 0) {
		next->named = false;
	} else if (host_lookup(p->t, host, &next->ip)) {
		next->named = true; /* a registered name of this org: we know its address */
	} else {
		return "host name not registered for this organisation (not resolved)";
	}
	if (p->t->allowed && !ipset_contains(p->t->allowed, &next->ip))
		return "out of scope / 診断許可範囲外";
	return NULL;
}

/* ---------------------------------------------------------------- matching */

static void http_evidence(struct probe_ctx *p, const struct fp_http_response *r, cJSON *h)
{
	static const char *const keep[] = {
	    "Server",	   "X-Powered-By", "WWW-Authenticate",	       "Location", "Content-Type",
	    "X-Generator", "Via",	   "Strict-Transport-Security"};
	cJSON *hdr = cJSON_AddObjectToObject(h, "headers"),
	      *ck = cJSON_AddArrayToObject(h, "cookies");
	const char *v;

	cJSON_AddNumberToObject(h, "status", r->status);
	if ((v = fp_http_header(r, "Server")))
		cJSON_AddStringToObject(h, "server", v);
	if (r->has_title)
		cJSON_AddStringToObject(h, "title", r->title);
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if ((v = fp_http_header(r, keep[i])))
			cJSON_AddStringToObject(hdr, keep[i], v);
	for (size_t i = 0; i < r->n_cookies; i++)
		cJSON_AddItemToArray(ck, cJSON_CreateString(r->cookies[i]));
}

static void http_match(struct probe_ctx *p, const struct fp_http_response *r)
{
	static const struct {
		const char *header, *db;
	} m[] = {{"Server", "http_servers"},
		 {"X-Powered-By", "http_xpoweredby"},
		 {"WWW-Authenticate", "http_wwwauth"}};
	const char *v;

	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if ((v = fp_http_header(r, m[i].header)))
			ident_match(p, m[i].db, v, strlen(v));
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i].name, "Set-Cookie") &&
		    ident_match(p, "http_cookies", r->headers[i].value,
				strlen(r->headers[i].value)))
			break;
	if (r->has_title)
		ident_match(p, "html_title", r->title, strlen(r->title));
}

static void favicon(struct probe_ctx *p, const struct origin *o, struct buf *raw)
{
	struct http_result hr;
	char md5[33];

	if (p->deadline - ident_now() < 0.2)
		return;
	if (fetch(p, o, "/favicon.ico", false, raw, &hr) == 0 && hr.r.status == 200 &&
	    hr.r.body_len > 0) {
		fp_favicon_md5(hr.r.body, hr.r.body_len, md5);
		cJSON *h = cJSON_GetObjectItem(p->ev, "http");
		if (h)
			cJSON_AddStringToObject(h, "favicon_md5", md5);
		ident_match(p, "favicons", md5, 32);
	}
	fp_http_response_release(&hr.r);
}

void ident_probe_http(struct probe_ctx *p, bool tls)
{
	struct origin cur = {.tls = tls, .ip = p->t->ip, .port = p->t->port};
	struct buf raw;
	struct http_result hr;
	double t0 = ident_now();
	const char *probe = tls ? "tls" : "http";
	cJSON *redirects = NULL;
	bool got = false;

	snprintf(cur.path, sizeof(cur.path), "/");
	if (*p->t->hostname) {
		snprintf(cur.host, sizeof(cur.host), "%s", p->t->hostname);
		cur.named = true;
	} else {
		snprintf(cur.host, sizeof(cur.host), p->t->ip.family == 6 ? "[%s]" : "%s",
			 p->ipstr);
	}
	buf_init(&raw, p->cfg->read_cap + 1);
	for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
		int rc = fetch(p, &cur, cur.path, hop == 0, &raw, &hr);
		if (rc) {
			if (hop == 0)
				ident_note_probe(p, probe, p->done ? "matched" : "failed", t0,
						 hr.why);
			fp_http_response_release(&hr.r);
			break;
		}
		if (hop == 0) {
			got = true;
			ident_set_service(p, tls ? "https" : "http");
			http_evidence(p, &hr.r, cJSON_AddObjectToObject(p->ev, "http"));
			ident_keep_banner(p, raw.ptr, raw.len < 1024 ? raw.len : 1024);
		}
		http_match(p, &hr.r);
		const char *loc = fp_http_header(&hr.r, "Location");
		if (hr.r.status < 300 || hr.r.status > 399 || !loc) {
			fp_http_response_release(&hr.r);
			break;
		}
		if (!redirects)
			redirects = cJSON_AddArrayToObject(p->ev, "redirects");
		cJSON *rd = cJSON_CreateObject();
		cJSON_AddStringToObject(rd, "location", loc);
		struct origin next;
		const char *why = hop == MAX_REDIRECTS ? "redirect limit (3) reached"
						       : redirect_target(p, &cur, loc, &next);
		cJSON_AddBoolToObject(rd, "followed", why == NULL);
		if (why)
			cJSON_AddStringToObject(rd, "reason", why);
		cJSON_AddItemToArray(redirects, rd);
		fp_http_response_release(&hr.r);
		if (why)
			break;
		cur = next;
	}
	if (got) {
		struct origin home = {.tls = tls, .ip = p->t->ip, .port = p->t->port};
		home.named = cur.named && !strcmp(cur.host, p->t->hostname);
		snprintf(home.host, sizeof(home.host), "%s",
			 *p->t->hostname ? p->t->hostname : p->ipstr);
		home.named = *p->t->hostname != 0;
		favicon(p, &home, &raw);
		if (tls) {
			cJSON *ti = cJSON_GetObjectItem(p->ev, "tls");
			if (ti)
				tls_old_versions(p, &home, ti);
		}
		ident_note_probe(p, probe, p->n_res ? "matched" : "answered", t0, NULL);
		p->done = true; /* it speaks HTTP: no other probe will tell more */
	}
	buf_release(&raw);
}
