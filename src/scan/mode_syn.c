/*
 * mode_syn.c - stateless TCP SYN scanning: frames built here, sent with
 * sendmmsg on AF_PACKET (or a raw IP socket), replies read from a TPACKET_V3
 * ring (recvmmsg where there is none) on an AF_PACKET socket behind a BPF
 * filter, validated by their SYN cookie; one probe a batch is timed to size
 * the cooldown.
 */
#include "base/compat.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
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

struct rtt_slot {
	ip128 v;
	uint16_t port;
	double t; /* CLOCK_REALTIME seconds of the send (the kernel stamps arrivals so); 0: empty */
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
	uint8_t txbuf[64][SCAN_FRAME_MAX];
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

static int open_tx(struct synmode *m, const struct scan_config *cfg, struct merr *e)
{
	struct sockaddr_ll sll = {0};
	int one = 1;

	if (m->raw) {
		m->tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		m->tx6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (m->tx < 0 || m->tx6 < 0)
			return merr_set(e, errno == EPERM ? M_EPERM : M_ENET, "raw IP socket: %s",
					strerror(errno));
		return 0;
	}
	m->tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: send only */
	if (m->tx < 0)
		return merr_set(e, errno == EPERM ? M_EPERM : M_ENET, "AF_PACKET socket: %s",
				strerror(errno));
	setsockopt(m->tx, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = m->ifindex;
	if (bind(m->tx, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return merr_set(e, M_ENET, "bind AF_PACKET %s: %s", cfg->iface, strerror(errno));
	return 0;
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
	rc = open_rx(m, e);
	if (rc == 0)
		rc = open_tx(m, cfg, e);
	if (rc) {
		syn_close(m, NULL);
		return rc;
	}
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

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t rtt_slot_of(const struct ipaddr *ip, uint16_t port)
{
	uint64_t h = (uint64_t)ip->v ^ (uint64_t)(ip->v >> 64) ^ ((uint64_t)port << 48);
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 52) & (RTT_SLOTS - 1);
}

/* Sends frames [0, n) that share one socket; returns how many went out. */
static int send_batch(struct synmode *m, int fd, struct mmsghdr *msgs, unsigned n, struct merr *e)
{
	struct scan_counters *c = scan_engine_counters(m->en);
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(fd, msgs + done, n - done, 0);
		c->send_calls++;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				c->send_full++;
				break; /* queue full: the engine retries these later */
			}
			return merr_set(e, M_ENET, "sendmmsg: %s", strerror(errno));
		}
		done += (unsigned)r;
	}
	return (int)done;
}

static int syn_send(void *state, const struct scan_target *t, unsigned n, struct merr *e)
{
	struct synmode *m = state;
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	struct sockaddr_storage dst[64];
	size_t off = m->raw ? 14 : 0; /* a raw IP socket takes the packet without Ethernet */
	unsigned k = 0;

	if (n > 64)
		n = 64;
	if (n > 0) { /* time one probe of the batch: the cooldown is sized from these */
		struct rtt_slot *r = &m->rtt[rtt_slot_of(&t[0].ip, t[0].port)];
		r->v = t[0].ip.v;
		r->port = t[0].port;
		r->t = wall_now();
	}
	memset(msgs, 0, sizeof(msgs[0]) * n);
	while (k < n) {
		/* a raw socket is per family: send runs of one family */
		int fd = m->raw && t[k].ip.family == 6 ? m->tx6 : m->tx;
		unsigned start = k, cnt;
		int sent;
		for (; k < n && (!m->raw || (t[k].ip.family == 6) == (fd == m->tx6)); k++) {
			size_t len = scan_syn_build(&m->net, &t[k].ip, t[k].port, m->txbuf[k],
						    SCAN_FRAME_MAX);
			iov[k].iov_base = m->txbuf[k] + off;
			iov[k].iov_len = len - off;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
			if (m->raw) {
				socklen_t sl;
				raw_dest(&t[k], &dst[k], &sl);
				msgs[k].msg_hdr.msg_name = &dst[k];
				msgs[k].msg_hdr.msg_namelen = sl;
			}
		}
		cnt = k - start;
		sent = send_batch(m, fd, msgs + start, cnt, e);
		if (sent < 0)
			return sent;
		if ((unsigned)sent < cnt)
			return (int)(start + (unsigned)sent);
	}
	return (int)n;
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
	double ms;

	if (s->t == 0 || s->v != r->ip.v || s->port != r->port)
		return;
	ms = ((arrived > 0 ? arrived : wall_now()) - s->t) * 1000;
	s->t = 0;
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
    .close = syn_close,
};
