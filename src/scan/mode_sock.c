/*
 * mode_sock.c - the unprivileged probe modes on ordinary sockets and epoll:
 * `connect` (non-blocking TCP connect, SO_LINGER 0 so closing sends RST and
 * leaves no TIME_WAIT) and `udp` (a connected UDP socket per probe so an ICMP
 * port unreachable comes back as ECONNREFUSED).
 */
#include "base/compat.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "scan/scan_int.h"

#define NONE UINT32_MAX
#define FD_RESERVE 64 /* descriptors left for the store, output and stdio */
#define EVENTS 256

struct probe {
	int fd;
	uint32_t prev, next; /* in send order, oldest first: timeouts expire from the head */
	uint32_t id;	     /* UDP payload id */
	double t_sent;
	struct scan_target t;
};

struct sockmode {
	struct scan_engine *en;
	bool udp;
	int ep;
	struct probe *p;
	uint32_t cap, n, head, tail, free_top;
	uint32_t *free_stack;
	double timeout;
};

static void list_unlink(struct sockmode *m, uint32_t i)
{
	struct probe *p = &m->p[i];
	if (p->prev != NONE)
		m->p[p->prev].next = p->next;
	else
		m->head = p->next;
	if (p->next != NONE)
		m->p[p->next].prev = p->prev;
	else
		m->tail = p->prev;
}

static void list_append(struct sockmode *m, uint32_t i)
{
	m->p[i].prev = m->tail;
	m->p[i].next = NONE;
	if (m->tail != NONE)
		m->p[m->tail].next = i;
	else
		m->head = i;
	m->tail = i;
}

static void finish(struct sockmode *m, uint32_t i)
{
	close(m->p[i].fd); /* epoll forgets a closed descriptor by itself */
	m->p[i].fd = -1;
	list_unlink(m, i);
	m->free_stack[m->free_top++] = i;
	m->n--;
}

static uint32_t fd_budget(unsigned want)
{
	struct rlimit rl;
	rlim_t soft;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want < 256 ? want : 256;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max; /* as high as we may go */
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	soft = rl.rlim_cur;
	if (soft <= FD_RESERVE + 16)
		return 16;
	return soft - FD_RESERVE < want ? (uint32_t)(soft - FD_RESERVE) : want;
}

static int sock_init(struct scan_engine *en, void **state, bool udp, struct merr *e)
{
	const struct scan_config *cfg = scan_engine_config(en);
	struct sockmode *m = m_calloc(1, sizeof(*m));

	if (!m)
		return merr_set(e, M_ENOMEM, "out of memory");
	m->en = en;
	m->udp = udp;
	m->cap = fd_budget(cfg->max_inflight ? cfg->max_inflight : 4096);
	m->timeout = cfg->timeout > 0 ? cfg->timeout : 1.0;
	m->head = m->tail = NONE;
	m->p = m_calloc(m->cap, sizeof(*m->p));
	m->free_stack = m_malloc(m->cap * sizeof(*m->free_stack));
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!m->p || !m->free_stack || m->ep < 0) {
		int rc = m->ep < 0 ? merr_set(e, M_ENET, "epoll_create1: %s", strerror(errno))
				   : merr_set(e, M_ENOMEM, "out of memory");
		if (m->ep >= 0)
			close(m->ep);
		m_free(m->p);
		m_free(m->free_stack);
		m_free(m);
		return rc;
	}
	for (uint32_t i = 0; i < m->cap; i++)
		m->free_stack[m->free_top++] = m->cap - 1 - i;
	*state = m;
	return 0;
}

static int connect_init(struct scan_engine *en, void **state, struct merr *e)
{
	return sock_init(en, state, false, e);
}

static int udp_init(struct scan_engine *en, void **state, struct merr *e)
{
	return sock_init(en, state, true, e);
}

static socklen_t to_sockaddr(const struct ipaddr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl((uint32_t)a->v);
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		ip128 v = a->v;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		for (int i = 15; i >= 0; i--, v >>= 8)
			s6->sin6_addr.s6_addr[i] = (uint8_t)v;
		return sizeof(*s6);
	}
}

static enum scan_proto proto_of(const struct sockmode *m)
{
	return m->udp ? SCAN_UDP : SCAN_TCP;
}

/* Starts one probe. Returns 1 started or answered at once, 0 when the system is
 * out of descriptors or ports right now (back-pressure), < 0 on error. */
static int start_probe(struct sockmode *m, const struct scan_target *t, struct merr *e)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&t->ip, t->port, &ss);
	struct linger lg = {1, 0};
	struct epoll_event ev = {0};
	uint32_t i;
	int fd, rc;

	fd = socket(ss.ss_family,
		    (m->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM
			   ? 0
			   : merr_set(e, M_ENET, "socket: %s", strerror(errno));
	if (!m->udp)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	if (rc != 0 && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		if (err == EADDRNOTAVAIL || err == EAGAIN || err == ENOBUFS)
			return 0; /* ephemeral ports exhausted for now */
		if (err == ECONNREFUSED)
			return scan_engine_result(m->en, &t->ip, t->port, proto_of(m), SCAN_CLOSED,
						  -1, 0) < 0
				   ? -1
				   : 1;
		/* unreachable and the like: the target is filtered from here */
		return scan_engine_timeout(m->en, t, proto_of(m), SCAN_FILTERED) < 0 ? -1 : 1;
	}
	i = m->free_stack[--m->free_top];
	m->p[i].fd = fd;
	m->p[i].t = *t;
	m->p[i].t_sent = scan_now();
	list_append(m, i);
	m->n++;
	if (m->udp) {
		const struct scan_udp_probe *pr = scan_udp_probe_for(t->port);
		uint8_t payload[256];
		uint16_t sport;
		size_t len;
		scan_cookie(scan_engine_config(m->en)->key, &t->ip, t->port, &sport, &m->p[i].id);
		len = pr->build(m->p[i].id, payload, sizeof(payload));
		if (send(fd, payload, len, 0) < 0 && errno == ECONNREFUSED) {
			finish(m, i);
			return scan_engine_result(m->en, &t->ip, t->port, SCAN_UDP, SCAN_CLOSED, -1,
						  0) < 0
				   ? -1
				   : 1;
		}
	}
	ev.events = m->udp ? EPOLLIN : EPOLLOUT;
	ev.data.u32 = i;
	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		finish(m, i);
		return merr_set(e, M_ENET, "epoll_ctl: %s", strerror(errno));
	}
	return 1;
}

static int sock_send(void *state, const struct scan_target *t, unsigned n, struct merr *e)
{
	struct sockmode *m = state;
	unsigned k = 0;

	for (; k < n && m->n < m->cap; k++) {
		int rc = start_probe(m, &t[k], e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
	}
	return (int)k;
}

static int on_tcp_event(struct sockmode *m, uint32_t i)
{
	struct probe *p = &m->p[i];
	int err = 0, rc;
	socklen_t len = sizeof(err);
	double rtt = (scan_now() - p->t_sent) * 1000.0;

	getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err == 0)
		rc = scan_engine_result(m->en, &p->t.ip, p->t.port, SCAN_TCP, SCAN_OPEN, -1, rtt);
	else if (err == ECONNREFUSED)
		rc = scan_engine_result(m->en, &p->t.ip, p->t.port, SCAN_TCP, SCAN_CLOSED, -1, rtt);
	else
		rc = scan_engine_timeout(m->en, &p->t, SCAN_TCP, SCAN_FILTERED);
	finish(m, i);
	return rc;
}

static int on_udp_event(struct sockmode *m, uint32_t i)
{
	struct probe *p = &m->p[i];
	const struct scan_udp_probe *pr = scan_udp_probe_for(p->t.port);
	uint8_t buf[2048];
	double rtt = (scan_now() - p->t_sent) * 1000.0;
	int rc = 0;

	for (int k = 0; k < 8; k++) { /* a few datagrams at most, then wait again */
		ssize_t r = recv(p->fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == ECONNREFUSED) {
			rc = scan_engine_result(m->en, &p->t.ip, p->t.port, SCAN_UDP, SCAN_CLOSED,
						-1, rtt);
			finish(m, i);
			return rc;
		}
		if (r < 0)
			return 0;
		if (pr->parse(buf, (size_t)r, p->id)) {
			rc = scan_engine_result(m->en, &p->t.ip, p->t.port, SCAN_UDP, SCAN_OPEN, -1,
						rtt);
			finish(m, i);
			return rc;
		}
		scan_engine_counters(m->en)->invalid++;
	}
	return 0;
}

static int expire(struct sockmode *m, double now)
{
	while (m->head != NONE && now - m->p[m->head].t_sent >= m->timeout) {
		uint32_t i = m->head;
		struct scan_target t = m->p[i].t;
		int rc;
		finish(m, i);
		rc = scan_engine_timeout(m->en, &t, proto_of(m),
					 m->udp ? SCAN_OPEN_FILTERED : SCAN_FILTERED);
		if (rc)
			return rc;
	}
	return 0;
}

static int sock_recv(void *state, double wait, struct merr *e)
{
	struct sockmode *m = state;
	struct epoll_event ev[EVENTS];
	double now = scan_now();
	struct timespec ts;
	int n, rc;

	if (m->head != NONE) {
		double until = m->p[m->head].t_sent + m->timeout - now;
		if (until < wait)
			wait = until;
	}
	if (wait < 0)
		wait = 0;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	n = m->n ? epoll_pwait2(m->ep, ev, EVENTS, &ts, NULL) : 0;
	if (n < 0 && errno != EINTR)
		return merr_set(e, M_ENET, "epoll_pwait2: %s", strerror(errno));
	if (m->n == 0 && wait > 0)
		nanosleep(&ts, NULL);
	for (int k = 0; k < n; k++) {
		uint32_t i = ev[k].data.u32;
		if (m->p[i].fd < 0)
			continue;
		rc = m->udp ? on_udp_event(m, i) : on_tcp_event(m, i);
		if (rc)
			return rc;
	}
	return expire(m, scan_now());
}

static size_t sock_inflight(void *state)
{
	return ((struct sockmode *)state)->n;
}

static void sock_close(void *state, struct scan_counters *c)
{
	struct sockmode *m = state;

	if (!m)
		return;
	while (m->head != NONE)
		finish(m, m->head);
	close(m->ep);
	m_free(m->p);
	m_free(m->free_stack);
	m_free(m);
}

const struct scan_mode scan_mode_connect = {
    .name = "connect",
    .init = connect_init,
    .send = sock_send,
    .recv = sock_recv,
    .inflight = sock_inflight,
    .close = sock_close,
};

const struct scan_mode scan_mode_udp = {
    .name = "udp",
    .init = udp_init,
    .send = sock_send,
    .recv = sock_recv,
    .inflight = sock_inflight,
    .close = sock_close,
};
