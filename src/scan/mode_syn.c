/*
 * mode_syn.c - stateless TCP SYN scanning: frames built here, sent with
 * sendmmsg on AF_PACKET (or a raw IP socket), replies read from a TPACKET_V3
 * ring (recvmmsg where there is none) on an AF_PACKET socket behind a BPF
 * filter, validated by their SYN cookie; one probe a batch is timed to size
 * the cooldown.
 *
 * Sender threads (issue 20): on loopback the kernel answers each SYN inside the sendmmsg call
 * that sent it (SYN in, RST out, RST in, in the sender's softirq): that is ~80 % of a scan's
 * CPU, and one sending thread serialises it on one core. With cfg->send_threads > 1 (auto: one
 * per CPU when the rate is high enough to matter) the engine thread still walks the
 * permutation, re-checks scope, applies the rate limits and builds every frame; it hands each
 * batch to one of K threads, each pinned to its own CPU with its own socket, through a short
 * queue (TXQ_DEPTH batches), so the kernel's share runs on K cores. Replies are read by the
 * engine thread from the one receive ring.
 */
#include "base/compat.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "scan/scan_int.h"

#define RX_BATCH 64
#define RX_SNAP 512
#define RX_DRAIN_BATCHES 64 /* per recv call: bounded work, then the sender runs again */
#define RCVBUF (64 << 20)
#define RTT_SLOTS 4096 /* sampled probes awaiting a reply (lossy: a newer sample overwrites) */
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* TPACKET_V3 receive ring: the kernel copies each reply into a block in its softirq (no
 * skb queued, no syscall per batch); a block is ours when full or after RING_TOV_MS. */
#define RING_BLOCK (1u << 20)
#define RING_BLOCKS 32
#define RING_FRAME 2048
#define RING_TOV_MS 4

/* A sampled probe: v/port are the engine thread's; stamp = generation << 48 | microseconds of
 * CLOCK_REALTIME since synmode.t_base at the send (the kernel stamps arrivals so), 0 in the low
 * bits until sent. The sending thread stamps it by compare-and-swap against the generation it
 * was queued with, so a slot reused meanwhile is never stamped with another probe's time. */
struct rtt_slot {
	ip128 v;
	uint16_t port;
	uint16_t gen;
	_Atomic uint64_t stamp;
};

#define STAMP_US_MASK ((1ull << 48) - 1)
#define TXQ_DEPTH 16	   /* batches queued per sender thread: ~1000 probes, a few ms of work */
#define TX_THREADS_MAX 8   /* --send-threads range is checked by the front end */
#define TX_AUTO_RATE 20000 /* auto: below this many probes/s one thread is plenty */
#define TX_FULL_WAIT 0.005 /* s: the engine waits this long for a queue slot, then defers */
#define TX_RETRY_MAX 1.0   /* s: a sender thread gives up on a queue that stays full */

/* One batch of frames built by the engine thread for a sender thread. */
struct txbatch {
	unsigned n;
	int rtt_slot; /* -1: none sampled */
	uint16_t rtt_gen;
	uint16_t len[64];
	uint8_t v6[64];			 /* raw send: which socket */
	struct sockaddr_storage dst[64]; /* raw send: destination */
	uint8_t frame[64][SCAN_FRAME_MAX];
};

struct synmode;

/* A sender thread and its queue; head, tail, err and the counters are under tx_mu. */
struct txq {
	struct synmode *m;
	pthread_t th;
	bool started;
	int fd, fd6, cpu;
	pthread_cond_t work;
	unsigned head, tail; /* batches queued / sent */
	int err;	     /* errno of a send that failed for good; 0 */
	uint64_t calls, full;
	double cpu_s; /* the thread's CPU time, set when it ends */
	struct txbatch b[TXQ_DEPTH];
};

struct synmode {
	struct scan_engine *en;
	struct scan_net net;
	int tx, tx6, rx; /* tx6: raw IPv6 socket when send_method is "raw" */
	bool raw;
	int ifindex;
	double t_stats;
	struct rtt_slot rtt[RTT_SLOTS];
	uint8_t *ring; /* NULL: recvmmsg path (no TPACKET_V3, or MAMORI_SCAN_RX=mmsg) */
	size_t ring_len;
	unsigned ring_cur;
	double t_base; /* CLOCK_REALTIME seconds: origin of rtt_slot stamps */
	/* sender threads (n_tx == 0: the engine thread sends itself, from one_tx) */
	unsigned n_tx, next_tx;
	struct txq *tx_q;
	pthread_mutex_t tx_mu;
	pthread_cond_t tx_space;
	bool tx_quit, tx_inited;
	struct txbatch one_tx;
	uint8_t rxbuf[RX_BATCH][RX_SNAP];
	char rxctl[RX_BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
			     CMSG_SPACE(sizeof(struct timespec))];
};

/* tcp and dst port in [BASE, BASE+COUNT) and ACK set, IPv4 (unfragmented) or IPv6. */
static int attach_filter(int fd)
{
	const uint32_t lo = SCAN_SPORT_BASE, hi = SCAN_SPORT_BASE + SCAN_SPORT_COUNT;
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),		 /* 0 ethertype */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 10),	 /* 1 -> 12 */
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),		 /* 2 ip proto */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 17),	 /* 3 */
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),		 /* 4 frag */
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 15, 0), /* 5 */
	    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),		 /* 6 x = ihl */
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),		 /* 7 tcp dport */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 12),	 /* 8 */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, 11, 0),	 /* 9 */
	    BPF_STMT(BPF_LD | BPF_B | BPF_IND, 27),		 /* 10 tcp flags */
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 8, 9),	 /* 11 ACK */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 8),	 /* 12 */
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),		 /* 13 next header */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 6),	 /* 14 */
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 56),		 /* 15 tcp dport */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 4),	 /* 16 */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, 3, 0),	 /* 17 */
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 67),		 /* 18 tcp flags */
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1),	 /* 19 ACK */
	    BPF_STMT(BPF_RET | BPF_K, 0x40000),			 /* 20 accept */
	    BPF_STMT(BPF_RET | BPF_K, 0),			 /* 21 drop */
	};
	struct sock_fprog prog = {ARRAY_SIZE(code), code};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* Maps a TPACKET_V3 ring on m->rx; leaves m->ring NULL (recvmmsg) when the kernel says no. */
static void setup_ring(struct synmode *m)
{
	int ver = TPACKET_V3;
	struct tpacket_req3 req = {0};
	void *p;

	if (getenv("MAMORI_SCAN_RX") && strcmp(getenv("MAMORI_SCAN_RX"), "mmsg") == 0)
		return; /* measurements: the recvmmsg path */
	if (setsockopt(m->rx, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) != 0)
		return;
	req.tp_block_size = RING_BLOCK;
	req.tp_block_nr = RING_BLOCKS;
	req.tp_frame_size = RING_FRAME;
	req.tp_frame_nr = RING_BLOCK / RING_FRAME * RING_BLOCKS;
	req.tp_retire_blk_tov = RING_TOV_MS;
	if (setsockopt(m->rx, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
		goto v1;
	p = mmap(NULL, (size_t)RING_BLOCK * RING_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, m->rx,
		 0);
	if (p == MAP_FAILED) {
		memset(&req, 0, sizeof(req));
		setsockopt(m->rx, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
		goto v1;
	}
	m->ring = p;
	m->ring_len = (size_t)RING_BLOCK * RING_BLOCKS;
	return;
v1:
	ver = TPACKET_V1;
	setsockopt(m->rx, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver));
}

static int open_rx(struct synmode *m, struct merr *e)
{
	struct sockaddr_ll sll = {0};
	int one = 1, size = RCVBUF;
	char drain[64];

	m->rx = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (m->rx < 0)
		return merr_set(
		    e, errno == EPERM ? M_EPERM : M_ENET,
		    "AF_PACKET socket: %s (syn mode needs CAP_NET_RAW; try --mode connect)",
		    strerror(errno));
	if (attach_filter(m->rx) != 0)
		return merr_set(e, M_ENET, "SO_ATTACH_FILTER: %s", strerror(errno));
	/* frames that arrived before the filter was attached */
	while (recv(m->rx, drain, sizeof(drain), MSG_DONTWAIT) >= 0)
		;
	/* lo shows every frame twice, leaving and arriving: without this the kernel clones the
	 * outgoing copy of every RST to us too (half the receive work, thrown away). Linux
	 * >= 4.20; on older kernels handle_frame skips PACKET_OUTGOING frames. */
	setsockopt(m->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(m->rx, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(m->rx, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(m->rx, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	/* arrival times from the kernel: the RTT of a sampled probe is the network's, not
	 * the network's plus however long this process waited for a CPU before reading */
	setsockopt(m->rx, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setup_ring(m);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = m->ifindex;
	if (bind(m->rx, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return merr_set(e, M_ENET, "bind AF_PACKET: %s", strerror(errno));
	return 0;
}

/* Opens one sender's socket(s): AF_PACKET bound to the interface, or raw IPv4 + IPv6. */
static int open_tx(struct synmode *m, const struct scan_config *cfg, int *fd, int *fd6,
		   struct merr *e)
{
	struct sockaddr_ll sll = {0};
	int one = 1;

	if (m->raw) {
		*fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
		*fd6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
		if (*fd < 0 || *fd6 < 0)
			return merr_set(e, errno == EPERM ? M_EPERM : M_ENET, "raw IP socket: %s",
					strerror(errno));
		return 0;
	}
	/* non-blocking: a full send buffer is EAGAIN, waited out in bounded time (send_frames) */
	*fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); /* 0: send only */
	if (*fd < 0)
		return merr_set(e, errno == EPERM ? M_EPERM : M_ENET, "AF_PACKET socket: %s",
				strerror(errno));
	setsockopt(*fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = m->ifindex;
	if (bind(*fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return merr_set(e, M_ENET, "bind AF_PACKET %s: %s", cfg->iface, strerror(errno));
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stamps batch b's sampled probe as sent now (any thread). */
static void stamp_sent(struct synmode *m, const struct txbatch *b)
{
	uint64_t us, want;

	if (b->rtt_slot < 0)
		return;
	us = (uint64_t)((wall_now() - m->t_base) * 1e6) + 1;
	want = (uint64_t)b->rtt_gen << 48;
	atomic_compare_exchange_strong(&m->rtt[b->rtt_slot].stamp, &want,
				       want | (us & STAMP_US_MASK));
}

/* Sends batch b on fd/fd6; returns 0, or the errno that stopped it. ENOBUFS/EAGAIN (the
 * device queue is full) are waited out for at most TX_RETRY_MAX seconds. *calls, *full count
 * sendmmsg calls and those that met a full queue. */
static int send_frames(struct synmode *m, int fd, int fd6, const struct txbatch *b, uint64_t *calls,
		       uint64_t *full)
{
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	size_t off = m->raw ? 14 : 0; /* a raw IP socket takes the packet without Ethernet */
	unsigned k = 0;
	double t_full = 0;

	memset(msgs, 0, sizeof(msgs[0]) * b->n);
	for (unsigned i = 0; i < b->n; i++) {
		iov[i].iov_base = (void *)(b->frame[i] + off);
		iov[i].iov_len = b->len[i] - off;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (m->raw) {
			msgs[i].msg_hdr.msg_name = (void *)&b->dst[i];
			msgs[i].msg_hdr.msg_namelen =
			    b->v6[i] ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		}
	}
	stamp_sent(m, b);
	while (k < b->n) {
		/* a raw socket is per family: send runs of one family */
		unsigned end = k;
		int r;
		while (end < b->n && (!m->raw || b->v6[end] == b->v6[k]))
			end++;
		r = sendmmsg(m->raw && b->v6[k] ? fd6 : fd, msgs + k, end - k, 0);
		(*calls)++;
		if (r < 0) {
			struct timespec ts = {0, 50000};
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN)
				return errno;
			(*full)++;
			if (t_full == 0)
				t_full = scan_now();
			else if (scan_now() - t_full > TX_RETRY_MAX)
				return errno;
			nanosleep(&ts, NULL); /* the device queue drains */
			continue;
		}
		k += (unsigned)r;
	}
	return 0;
}

/* A sender thread: sends its queue's batches in order until told to quit with it empty. */
static void *tx_main(void *arg)
{
	struct txq *q = arg;
	struct synmode *m = q->m;

	if (q->cpu >= 0) {
		cpu_set_t cs;
		CPU_ZERO(&cs);
		CPU_SET(q->cpu, &cs);
		pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs); /* best effort */
	}
	pthread_mutex_lock(&m->tx_mu);
	for (;;) {
		uint64_t calls = 0, full = 0;
		int err;
		while (q->head == q->tail && !m->tx_quit)
			pthread_cond_wait(&q->work, &m->tx_mu);
		if (q->head == q->tail)
			break;
		pthread_mutex_unlock(&m->tx_mu);
		/* the batch at tail is ours until tail moves: the engine fills only free slots */
		err = q->err ? 0
			     : send_frames(m, q->fd, q->fd6, &q->b[q->tail % TXQ_DEPTH], &calls,
					   &full);
		pthread_mutex_lock(&m->tx_mu);
		if (err && !q->err)
			q->err = err;
		q->calls += calls;
		q->full += full;
		q->tail++;
		pthread_cond_signal(&m->tx_space);
	}
	{
		struct timespec ts;
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
			q->cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
	pthread_mutex_unlock(&m->tx_mu);
	return NULL;
}

/* The k-th CPU this process may run on, or -1. */
static int nth_cpu(const cpu_set_t *cs, unsigned k)
{
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, cs) && k-- == 0)
			return c;
	return -1;
}

/* How many sender threads: cfg->send_threads, or (0) one per CPU this process may use when
 * the rate is at least TX_AUTO_RATE. 1 or fewer: the engine thread sends itself. */
static unsigned tx_threads_for(const struct scan_config *cfg, const cpu_set_t *cs)
{
	unsigned n = cfg->send_threads;

	if (n == 0)
		n = cfg->rate >= TX_AUTO_RATE ? (unsigned)CPU_COUNT(cs) : 1;
	if (n > TX_THREADS_MAX)
		n = TX_THREADS_MAX;
	return n > 1 ? n : 0;
}

static int start_tx(struct synmode *m, const struct scan_config *cfg, struct merr *e)
{
	cpu_set_t cs;
	sigset_t all, old;
	unsigned n;
	int rc = 0;

	CPU_ZERO(&cs);
	if (sched_getaffinity(0, sizeof(cs), &cs) != 0)
		CPU_SET(0, &cs);
	n = tx_threads_for(cfg, &cs);
	pthread_mutex_init(&m->tx_mu, NULL);
	pthread_cond_init(&m->tx_space, NULL);
	m->tx_inited = true;
	if (n == 0)
		return open_tx(m, cfg, &m->tx, &m->tx6, e);
	m->tx_q = m_calloc(n, sizeof(*m->tx_q));
	if (!m->tx_q)
		return merr_set(e, M_ENOMEM, "out of memory");
	m->n_tx = n;
	for (unsigned i = 0; i < n; i++) {
		struct txq *q = &m->tx_q[i];
		q->m = m;
		q->fd = q->fd6 = -1;
		/* pinned only when each thread has a CPU of its own */
		q->cpu = (unsigned)CPU_COUNT(&cs) >= n ? nth_cpu(&cs, i) : -1;
		pthread_cond_init(&q->work, NULL);
	}
	/* signals (SIGINT, SIGTERM) stay with the engine thread, which acts on them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		struct txq *q = &m->tx_q[i];
		rc = open_tx(m, cfg, &q->fd, &q->fd6, e);
		if (rc == 0 && pthread_create(&q->th, NULL, tx_main, q) != 0)
			rc = merr_set(e, M_ENOMEM, "sender thread: %s", strerror(errno));
		q->started = rc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Stops the sender threads after their queues are sent; closes their sockets. */
static void stop_tx(struct synmode *m)
{
	if (!m->tx_inited)
		return;
	pthread_mutex_lock(&m->tx_mu);
	m->tx_quit = true;
	for (unsigned i = 0; i < m->n_tx; i++)
		pthread_cond_signal(&m->tx_q[i].work);
	pthread_mutex_unlock(&m->tx_mu);
	for (unsigned i = 0; i < m->n_tx; i++) {
		struct txq *q = &m->tx_q[i];
		if (q->started)
			pthread_join(q->th, NULL);
		q->started = false;
		if (q->fd >= 0)
			close(q->fd);
		if (q->fd6 >= 0)
			close(q->fd6);
		q->fd = q->fd6 = -1;
	}
}

/* Adds the sender threads' counters to the engine's (and zeroes them); their first error. */
static int collect_tx(struct synmode *m)
{
	struct scan_counters *c = scan_engine_counters(m->en);
	int err = 0;

	if (!m->n_tx)
		return 0;
	pthread_mutex_lock(&m->tx_mu);
	for (unsigned i = 0; i < m->n_tx; i++) {
		struct txq *q = &m->tx_q[i];
		c->send_calls += q->calls;
		c->send_full += q->full;
		c->send_cpu_s += q->cpu_s;
		q->calls = q->full = 0;
		q->cpu_s = 0;
		if (q->err && !err)
			err = q->err;
	}
	pthread_mutex_unlock(&m->tx_mu);
	return err;
}

static void syn_close(void *state, struct scan_counters *c);

static int syn_init(struct scan_engine *en, void **state, struct merr *e)
{
	const struct scan_config *cfg = scan_engine_config(en);
	struct synmode *m = m_calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return merr_set(e, M_ENOMEM, "out of memory");
	m->en = en;
	m->tx = m->tx6 = m->rx = -1;
	m->raw = cfg->send_method && strcmp(cfg->send_method, "raw") == 0;
	if (cfg->send_method && !m->raw && strcmp(cfg->send_method, "packet") != 0) {
		m_free(m);
		return merr_at(e, M_EINVAL, NULL, -1, -1, "send", "unknown send method '%s'",
			       cfg->send_method);
	}
	memcpy(m->net.src_mac, cfg->src_mac, 6);
	memcpy(m->net.gw_mac, cfg->gw_mac, 6);
	m->net.src4 = cfg->src4;
	m->net.src6 = cfg->src6;
	memcpy(m->net.key, cfg->key, SCAN_KEY_LEN);
	m->ifindex = (int)if_nametoindex(cfg->iface ? cfg->iface : "lo");
	if (m->ifindex == 0) {
		m_free(m);
		return merr_at(e, M_ENET, NULL, -1, -1, "iface", "no interface '%s'",
			       cfg->iface ? cfg->iface : "lo");
	}
	m->t_base = wall_now();
	rc = open_rx(m, e);
	if (rc == 0)
		rc = start_tx(m, cfg, e);
	if (rc) {
		syn_close(m, NULL);
		return rc;
	}
	scan_engine_counters(en)->send_threads = m->n_tx ? m->n_tx : 1;
	m->t_stats = scan_now();
	*state = m;
	return 0;
}

static void raw_dest(const struct scan_target *t, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (t->ip.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl((uint32_t)t->ip.v);
		*sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		ip128 v = t->ip.v;
		s6->sin6_family = AF_INET6;
		for (int i = 15; i >= 0; i--, v >>= 8)
			s6->sin6_addr.s6_addr[i] = (uint8_t)v;
		*sl = sizeof(*s6);
	}
}

static size_t rtt_slot_of(const struct ipaddr *ip, uint16_t port)
{
	uint64_t h = (uint64_t)ip->v ^ (uint64_t)(ip->v >> 64) ^ ((uint64_t)port << 48);
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 52) & (RTT_SLOTS - 1);
}

/* Builds the frames of t[0, n) into b and samples its first probe for the RTT. */
static void build_batch(struct synmode *m, const struct scan_target *t, unsigned n,
			struct txbatch *b)
{
	size_t slot = rtt_slot_of(&t[0].ip, t[0].port);
	struct rtt_slot *r = &m->rtt[slot];

	/* time one probe of the batch: the cooldown is sized from these */
	r->v = t[0].ip.v;
	r->port = t[0].port;
	r->gen++;
	atomic_store(&r->stamp, (uint64_t)r->gen << 48);
	b->rtt_slot = (int)slot;
	b->rtt_gen = r->gen;
	b->n = n;
	for (unsigned k = 0; k < n; k++) {
		b->len[k] = (uint16_t)scan_syn_build(&m->net, &t[k].ip, t[k].port, b->frame[k],
						     SCAN_FRAME_MAX);
		b->v6[k] = t[k].ip.family == 6;
		if (m->raw) {
			socklen_t sl;
			raw_dest(&t[k], &b->dst[k], &sl);
		}
	}
}

static int tx_error(int err, struct merr *e)
{
	return merr_set(e, M_ENET, "sendmmsg: %s", strerror(err));
}

/* Hands t[0, n) to the sender thread with the shortest queue; waits up to TX_FULL_WAIT for
 * a free slot, else takes nothing (the engine keeps them pending and reads replies). */
static int queue_batch(struct synmode *m, const struct scan_target *t, unsigned n, struct merr *e)
{
	struct txq *q = NULL;
	struct timespec dl;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &dl); /* the condition variable's clock */
	dl.tv_nsec += (long)(TX_FULL_WAIT * 1e9);
	if (dl.tv_nsec >= 1000000000L)
		dl.tv_sec++, dl.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&m->tx_mu);
	for (;;) {
		unsigned best = TXQ_DEPTH;
		for (unsigned i = 0; i < m->n_tx; i++) {
			struct txq *c = &m->tx_q[(m->next_tx + i) % m->n_tx];
			if (c->err && !err)
				err = c->err;
			if (c->head - c->tail < best)
				best = c->head - c->tail, q = c;
		}
		if (err || best < TXQ_DEPTH ||
		    pthread_cond_timedwait(&m->tx_space, &m->tx_mu, &dl) != 0)
			break;
	}
	pthread_mutex_unlock(&m->tx_mu);
	if (err)
		return tx_error(err, e);
	if (!q || q->head - q->tail >= TXQ_DEPTH)
		return 0;
	/* slot head is free and the thread does not look at it until head moves */
	build_batch(m, t, n, &q->b[q->head % TXQ_DEPTH]);
	pthread_mutex_lock(&m->tx_mu);
	q->head++;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&m->tx_mu);
	m->next_tx = (unsigned)(q - m->tx_q + 1) % m->n_tx;
	return (int)n;
}

static int syn_send(void *state, const struct scan_target *t, unsigned n, struct merr *e)
{
	struct synmode *m = state;
	struct scan_counters *c = scan_engine_counters(m->en);
	int err;

	if (n > 64)
		n = 64;
	if (n == 0)
		return 0;
	if (m->n_tx)
		return queue_batch(m, t, n, e);
	build_batch(m, t, n, &m->one_tx);
	err = send_frames(m, m->tx, m->tx6, &m->one_tx, &c->send_calls, &c->send_full);
	return err ? tx_error(err, e) : (int)n;
}

/* After the last send: waits until the sender threads have sent every queued batch (each
 * gives up on a full device queue after TX_RETRY_MAX), so the cooldown starts after it. */
static int syn_flush(void *state, struct merr *e)
{
	struct synmode *m = state;
	int err;

	struct timespec dl;
	bool busy = true;

	if (!m->n_tx)
		return 0;
	/* bounded: each queued batch is sent or given up within TX_RETRY_MAX */
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(TX_RETRY_MAX * TXQ_DEPTH) + 1;
	pthread_mutex_lock(&m->tx_mu);
	while (busy) {
		busy = false;
		for (unsigned i = 0; i < m->n_tx; i++)
			busy |= m->tx_q[i].head != m->tx_q[i].tail;
		if (busy && pthread_cond_timedwait(&m->tx_space, &m->tx_mu, &dl) != 0)
			break;
	}
	pthread_mutex_unlock(&m->tx_mu);
	err = collect_tx(m);
	if (busy)
		return merr_set(e, M_ENET, "sender threads did not finish their queues");
	return err ? tx_error(err, e) : 0;
}

static void read_stats(struct synmode *m)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* the kernel resets these on every read, so they are added up */
	if (getsockopt(m->rx, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		scan_engine_counters(m->en)->dropped += st.tp_drops;
}

/* arrived: the kernel's arrival stamp (CLOCK_REALTIME), or 0 when the frame had none */
static void rtt_check(struct synmode *m, const struct scan_reply *r, double arrived)
{
	struct rtt_slot *s = &m->rtt[rtt_slot_of(&r->ip, r->port)];
	uint64_t st;
	double ms;

	if (s->v != r->ip.v || s->port != r->port)
		return;
	st = atomic_load(&s->stamp);
	if ((st & STAMP_US_MASK) == 0)
		return; /* not sampled, already timed, or (never) not sent yet */
	ms = ((arrived > 0 ? arrived : wall_now()) - m->t_base) * 1000 -
	     (double)((st & STAMP_US_MASK) - 1) / 1000;
	atomic_store(&s->stamp, (uint64_t)s->gen << 48);
	if (ms < 0)
		ms = 0; /* the wall clock stepped back */
	scan_engine_rtt(m->en, ms);
}

/* One captured frame: validate, time it if sampled, record it. */
static int handle_reply(struct synmode *m, const uint8_t *frame, size_t len, unsigned flags,
			double arrived)
{
	struct scan_reply r;
	enum scan_reply_kind kind = scan_reply_parse(&m->net, frame, len, flags, &r);

	if (kind == SCAN_REPLY_INVALID)
		scan_engine_counters(m->en)->invalid++;
	if (kind != SCAN_REPLY_VALID)
		return 0;
	rtt_check(m, &r, arrived);
	return scan_engine_result(m->en, &r.ip, r.port, SCAN_TCP, r.open ? SCAN_OPEN : SCAN_CLOSED,
				  r.ttl, -1);
}

static int handle_frame(struct synmode *m, struct mmsghdr *mh, unsigned i)
{
	struct sockaddr_ll *sll = mh->msg_hdr.msg_name;
	unsigned flags = 0;
	double arrived = 0;

	if (sll->sll_pkttype == PACKET_OUTGOING)
		return 0; /* lo shows every frame twice: leaving and arriving */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh->msg_hdr); c; c = CMSG_NXTHDR(&mh->msg_hdr, c)) {
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
			struct tpacket_auxdata aux;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				flags |= SCAN_PARSE_CSUM_PARTIAL;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			arrived = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		}
	}
	return handle_reply(m, m->rxbuf[i], mh->msg_len, flags, arrived);
}

static struct tpacket_block_desc *ring_block(struct synmode *m)
{
	struct tpacket_block_desc *bd =
	    (struct tpacket_block_desc *)(m->ring + (size_t)m->ring_cur * RING_BLOCK);
	return (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)
		   ? bd
		   : NULL;
}

/* Reads the ring's ready blocks (at most RX_DRAIN_BATCHES), then gives them back. */
static int ring_drain(struct synmode *m)
{
	struct scan_counters *c = scan_engine_counters(m->en);
	struct tpacket_block_desc *bd;

	for (int b = 0; b < RX_DRAIN_BATCHES && (bd = ring_block(m)) != NULL; b++) {
		uint32_t n = bd->hdr.bh1.num_pkts, off = bd->hdr.bh1.offset_to_first_pkt;
		int rc = 0;
		c->rx_calls++;
		for (uint32_t i = 0; i < n && rc == 0 && off > 0 && off < RING_BLOCK; i++) {
			const struct tpacket3_hdr *h = (const void *)((const uint8_t *)bd + off);
			const struct sockaddr_ll *sll =
			    (const void *)((const uint8_t *)h +
					   TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
			c->rx_frames++;
			if (sll->sll_pkttype != PACKET_OUTGOING &&
			    (size_t)off + h->tp_mac + h->tp_snaplen <= RING_BLOCK)
				rc = handle_reply(m, (const uint8_t *)h + h->tp_mac, h->tp_snaplen,
						  (h->tp_status & TP_STATUS_CSUMNOTREADY)
						      ? SCAN_PARSE_CSUM_PARTIAL
						      : 0,
						  (double)h->tp_sec + (double)h->tp_nsec / 1e9);
			if (h->tp_next_offset == 0)
				break;
			off += h->tp_next_offset;
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		m->ring_cur = (m->ring_cur + 1) % RING_BLOCKS;
		if (rc)
			return rc;
	}
	return 0;
}

static int syn_recv(void *state, double wait, struct merr *e)
{
	struct synmode *m = state;
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_ll from[RX_BATCH];
	struct pollfd pfd = {m->rx, POLLIN, 0};
	struct scan_counters *c = scan_engine_counters(m->en);
	double now;

	if (wait > 0 && !(m->ring && ring_block(m))) {
		struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
		if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
			return merr_set(e, M_ENET, "ppoll: %s", strerror(errno));
	}
	if (m->ring) {
		int rc = ring_drain(m);
		if (rc)
			return rc;
	}
	for (int b = 0; !m->ring && b < RX_DRAIN_BATCHES; b++) {
		int r;
		memset(msgs, 0, sizeof(msgs));
		for (unsigned i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = m->rxbuf[i];
			iov[i].iov_len = RX_SNAP;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_control = m->rxctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(m->rxctl[i]);
		}
		r = recvmmsg(m->rx, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return merr_set(e, M_ENET, "recvmmsg: %s", strerror(errno));
		}
		c->rx_calls++;
		c->rx_frames += (uint64_t)r;
		for (int i = 0; i < r; i++) {
			int rc = handle_frame(m, &msgs[i], (unsigned)i);
			if (rc)
				return rc;
		}
		if (r < RX_BATCH)
			break;
	}
	now = scan_now();
	if (now - m->t_stats >= 0.25) {
		read_stats(m);
		m->t_stats = now;
	}
	return 0;
}

static void syn_close(void *state, struct scan_counters *c)
{
	struct synmode *m = state;

	if (!m)
		return;
	stop_tx(m);
	if (c)
		collect_tx(m);
	if (m->tx_inited) {
		for (unsigned i = 0; i < m->n_tx; i++)
			pthread_cond_destroy(&m->tx_q[i].work);
		pthread_cond_destroy(&m->tx_space);
		pthread_mutex_destroy(&m->tx_mu);
	}
	m_free(m->tx_q);
	if (m->rx >= 0 && c)
		read_stats(m);
	if (m->ring)
		munmap(m->ring, m->ring_len);
	if (m->rx >= 0)
		close(m->rx);
	if (m->tx >= 0)
		close(m->tx);
	if (m->tx6 >= 0)
		close(m->tx6);
	m_free(m);
}

const struct scan_mode scan_mode_syn = {
    .name = "syn",
    .init = syn_init,
    .send = syn_send,
    .recv = syn_recv,
    .inflight = NULL, /* stateless */
    .flush = syn_flush,
    .close = syn_close,
};
