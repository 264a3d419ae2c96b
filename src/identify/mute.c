/*
 * mute.c - the silent-port verdict, asked in parallel instead of in series.
 *
 * A port that accepts connections and never speaks cost the whole plan before: the banner
 * wait (1.8 s), then an HTTP request and a TLS ClientHello, each waiting silent_wait for
 * its first byte, one after the other (3.2 s of the 3.5 s a lab run took). Here one
 * connection waits for a banner; if none comes within a few round trips, two more are
 * opened at once, one sending an HTTP request and one a TLS ClientHello, and the port is
 * silent when none of the three answers (a byte, a close or a reset) within a budget derived
 * from the connection's own round-trip time: budget = clamp(BUDGET_RTTS x RTT,
 * FLOOR_SHARE x silent_wait, silent_wait), 0.48 s on loopback with the default 1.2 s. Any answer ends the check at once and the port's usual plan runs, so what
 * a talking service is named by is unchanged.
 *
 * The limit, documented in docs/IDENTIFY.md: a service that stays mute for longer than the
 * budget and also ignores HTTP and TLS is called silent (raise --silent-wait for it).
 */
#include "base/compat.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "identify/identify_int.h"

#define BUDGET_RTTS 50.0 /* round trips a slow but live service gets before silence */
#define BANNER_RTTS 4.0	 /* round trips the banner connection waits alone */
#define BANNER_ALONE_MIN 0.02
#define FLOOR_SHARE 0.4 /* of silent_wait: the least budget, however short the round trip */

static void http_request(struct probe_ctx *p, struct iconn *c, double deadline)
{
	char req[256];
	int n =
	    snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\nUser-Agent: mamori\r\n\r\n",
		     *p->t->hostname ? p->t->hostname : p->ipstr);

	iconn_write(c, req, (size_t)n, deadline);
}

/* Starts a TLS handshake: the ClientHello leaves, the reply is only polled for below. */
static void tls_hello(struct probe_ctx *p, struct iconn *c)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	c->ssl = c->ctx ? SSL_new(c->ctx) : NULL;
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
		return;
	if (*p->t->hostname)
		SSL_set_tlsext_host_name(c->ssl, p->t->hostname);
	SSL_connect(c->ssl); /* non-blocking: returns wanting to read */
}

/* Waits until deadline for any of the n connections to become readable (a byte, an end or
 * a reset). Returns the index of one, or -1 when all stayed mute. */
static int first_answer(struct iconn *c, size_t n, double deadline)
{
	struct pollfd pf[3];

	for (size_t i = 0; i < n; i++)
		pf[i] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
	for (;;) {
		double left = deadline - ident_now();
		int r;
		if (left <= 0)
			return -1;
		r = poll(pf, (nfds_t)n, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (pf[i].revents)
				return (int)i;
	}
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

bool ident_mute_check(struct probe_ctx *p)
{
	const struct ident_config *cfg = p->cfg;
	struct iconn c[3];
	double t0 = ident_now(), rtt, budget, end;
	size_t n = 1;
	int who;
	char detail[160];

	if (iconn_open(&c[0], &p->t->ip, p->t->port, false, p->deadline)) {
		iconn_close(&c[0]); /* its socket may be open */
		return false;	    /* refused or unreachable: the plan says so quickly */
	}
	rtt = ident_now() - t0;
	budget = clamp(BUDGET_RTTS * rtt, FLOOR_SHARE * cfg->silent_wait, cfg->silent_wait);
	end = t0 + rtt + budget;
	who = first_answer(c, 1, ident_now() + clamp(BANNER_RTTS * rtt, BANNER_ALONE_MIN, budget));
	if (who < 0) {
		for (n = 1; n < 3; n++)
			if (iconn_open(&c[n], &p->t->ip, p->t->port, false, end)) {
				iconn_close(&c[n]);
				break;
			}
		if (n > 1)
			http_request(p, &c[1], end);
		if (n > 2)
			tls_hello(p, &c[2]);
		who = first_answer(c, n, end);
	}
	for (size_t i = 0; i < n; i++)
		iconn_close(&c[i]);
	if (who >= 0 || n < 3)
		return false; /* it talks (or would not take three connections): ask properly */
	p->connected = true;
	snprintf(detail, sizeof(detail),
		 "banner, HTTP and TLS in parallel: no byte in %.0f ms (round trip %.2f ms)",
		 budget * 1000, rtt * 1000);
	ident_note_probe(p, "parallel", "silent", t0, detail);
	p->done = true;
	return true;
}
