/*
 * conn.c - one probe connection (TCP, TLS over TCP, or connected UDP) on a non-blocking
 * socket, where every connect, handshake, write and read waits at most until a deadline.
 */
#include "base/compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "identify/identify_int.h"

double ident_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ms_left(double deadline)
{
	double left = deadline - ident_now();
	if (left <= 0)
		return 0;
	return left > 3600 ? 3600000 : (int)(left * 1000) + 1;
}

/* Waits for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, double deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int ms = ms_left(deadline);
		if (ms <= 0)
			return 0;
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static void why(struct iconn *c, const char *s)
{
	snprintf(c->why, sizeof(c->why), "%s", s);
}

int iconn_open(struct iconn *c, const struct ipaddr *ip, uint16_t port, bool udp, double deadline)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, err = 0;
	socklen_t el = sizeof(err);

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	memset(&ss, 0, sizeof(ss));
	if (ip->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl((uint32_t)(ip->v & 0xffffffffu));
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		for (int i = 0; i < 16; i++)
			s6->sin6_addr.s6_addr[i] = (uint8_t)(ip->v >> (8 * (15 - i)));
		sl = sizeof(*s6);
	}
	c->fd = socket(ss.ss_family,
		       (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		why(c, "socket() failed");
		return M_ENET;
	}
	if (!udp)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		why(c, errno == ECONNREFUSED ? "connection refused" : "connect failed");
		return M_ENET;
	}
	int w = wait_fd(c->fd, POLLOUT, deadline);
	if (w == 0) {
		why(c, "connect timeout");
		return M_ETIMEOUT;
	}
	if (w < 0 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
		why(c, err == ECONNREFUSED ? "connection refused" : "connect failed");
		return M_ENET;
	}
	return 0;
}

/* Drives an SSL call that wants to read or write until it completes or the deadline passes. */
static int ssl_wait(struct iconn *c, int r, double deadline)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(c->fd, POLLIN, deadline) == 1 ? 1 : M_ETIMEOUT;
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(c->fd, POLLOUT, deadline) == 1 ? 1 : M_ETIMEOUT;
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	return M_ENET;
}

int iconn_tls(struct iconn *c, const char *sni, int min_version, int max_version, bool legacy,
	      double deadline)
{
	int r;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx) {
		why(c, "tls: no context");
		return M_ENOMEM;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL); /* we record, not trust */
	if (min_version)
		SSL_CTX_set_min_proto_version(c->ctx, min_version);
	if (max_version)
		SSL_CTX_set_max_proto_version(c->ctx, max_version);
	/* OpenSSL 3 in Debian refuses TLS 1.0/1.1 at the default security level: lower it for
	 * this probe's handshake only, never for anything that trusts the result. */
	if (legacy) {
		SSL_CTX_set_security_level(c->ctx, 0);
		SSL_CTX_set_cipher_list(c->ctx, "DEFAULT:@SECLEVEL=0");
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
		why(c, "tls: no session");
		return M_ENOMEM;
	}
	if (sni && *sni)
		SSL_set_tlsext_host_name(c->ssl, sni);
	while ((r = SSL_connect(c->ssl)) != 1) {
		int w = ssl_wait(c, r, deadline);
		if (w == 1)
			continue;
		unsigned long ee = ERR_peek_last_error();
		char msg[96];
		ERR_error_string_n(ee, msg, sizeof(msg));
		snprintf(c->why, sizeof(c->why), "tls: %s",
			 w == M_ETIMEOUT ? "handshake timeout"
			 : ee		 ? msg
					 : "handshake failed");
		ERR_clear_error();
		return w == M_ETIMEOUT ? M_ETIMEOUT : M_ENET;
	}
	return 0;
}

int iconn_write(struct iconn *c, const void *p, size_t n, double deadline)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w;
		if (c->ssl) {
			int r = SSL_write(c->ssl, (const char *)p + off, (int)(n - off));
			if (r > 0) {
				off += (size_t)r;
				continue;
			}
			int s = ssl_wait(c, r, deadline);
			if (s == 1)
				continue;
			why(c, "write failed");
			ERR_clear_error();
			return s == M_ETIMEOUT ? M_ETIMEOUT : M_ENET;
		}
		w = send(c->fd, (const char *)p + off, n - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(c->fd, POLLOUT, deadline) != 1) {
				why(c, "write timeout");
				return M_ETIMEOUT;
			}
			continue;
		}
		why(c, "write failed");
		return M_ENET;
	}
	return 0;
}

int iconn_read(struct iconn *c, struct buf *b, size_t cap, double deadline)
{
	char tmp[16384];
	size_t want;

	if (c->eof)
		return 0;
	if (c->total >= cap)
		return M_ETOOBIG;
	want = cap - c->total < sizeof(tmp) ? cap - c->total : sizeof(tmp);
	for (;;) {
		ssize_t r;
		if (c->ssl) {
			int s = SSL_read(c->ssl, tmp, (int)want);
			if (s > 0) {
				r = s;
			} else {
				int w = ssl_wait(c, s, deadline);
				if (w == 1)
					continue;
				ERR_clear_error();
				if (w == 0 || w == M_ENET) { /* close_notify or a reset: end */
					c->eof = true;
					return 0;
				}
				return M_ETIMEOUT;
			}
		} else {
			r = recv(c->fd, tmp, want, 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
				if (wait_fd(c->fd, POLLIN, deadline) != 1)
					return M_ETIMEOUT;
				continue;
			}
			if (r <= 0) {
				c->eof = true;
				return 0;
			}
		}
		c->total += (size_t)r;
		if (buf_add(b, tmp, (size_t)r))
			return M_ETOOBIG;
		return (int)r;
	}
}

void iconn_close(struct iconn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->ctx) {
		SSL_CTX_free(c->ctx);
		c->ctx = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ERR_clear_error();
}
