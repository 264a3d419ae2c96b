/*
 * synsend_min.c - the kernel's share of a SYN scan on loopback, alone: N threads, each pinned
 * to its own CPU with its own AF_PACKET socket (PACKET_QDISC_BYPASS), send pre-built SYN frames
 * to 127.0.0.0/16 x the given ports with sendmmsg in batches of B. Nothing is validated, nothing
 * is read back unless --rx (then one TPACKET_V3 ring with the scanner's filter is filled by the
 * kernel, as in mamori's syn mode, and drained by the main thread).
 * Prints wall s, CPU s (user, sys) and ns of CPU per probe. For docs/PERFORMANCE.md (issue 20).
 *
 *   cc -O2 -pthread -o synsend_min bench/tools/synsend_min.c
 *   ip netns exec NS ./synsend_min THREADS BATCH PORTS [--rx] [--no-bypass] [--txring]
 *
 * --no-bypass: without PACKET_QDISC_BYPASS (frames go through lo's qdisc).
 * --txring: PACKET_TX_RING (TPACKET_V2) instead of sendmmsg: BATCH frames written into the
 * mapped ring, then one send() hands them to the kernel.
 *
 * Only inside a namespace made by tests/lab/lab: frames go to lo, to 127.0.0.0/16.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME 78 /* 14 + 20 + 24 (MSS option), padded */
#define MAXB 1024

static int nports, batch, nthreads, ifindex, bypass = 1, txring;

#define TXR_FRAME 256
#define TXR_FRAMES 1024 /* 64 blocks of 4096 */
static uint16_t ports[16];
static atomic_int done_threads;

static uint16_t csum(const uint8_t *p, size_t n, uint32_t s)
{
	for (; n > 1; n -= 2, p += 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build(uint8_t *f, uint32_t dst, uint16_t dport, uint16_t sport)
{
	uint8_t *ip = f + 14, *t = ip + 20;
	uint32_t src = 0x7f000001, ps;

	memset(f, 0, 14 + 20 + 24);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[3] = 44;
	ip[8] = 64;
	ip[9] = 6;
	*(uint32_t *)(ip + 12) = htonl(src);
	*(uint32_t *)(ip + 16) = htonl(dst);
	*(uint16_t *)(ip + 10) = htons(csum(ip, 20, 0));
	*(uint16_t *)t = htons(sport);
	*(uint16_t *)(t + 2) = htons(dport);
	*(uint32_t *)(t + 4) = htonl(dst * 2654435761u + dport);
	t[12] = 6 << 4;
	t[13] = 0x02;
	*(uint16_t *)(t + 14) = htons(65535);
	t[20] = 2, t[21] = 4, t[22] = 0x05, t[23] = 0xb4;
	ps = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + 24;
	*(uint16_t *)(t + 16) = htons(csum(t, 24, ps));
	return 14 + 20 + 24;
}

static void *sender(void *arg)
{
	long id = (long)arg;
	cpu_set_t cs;
	struct sockaddr_ll sll = {0};
	static __thread uint8_t buf[MAXB][FRAME];
	struct mmsghdr msgs[MAXB];
	struct iovec iov[MAXB];
	int one = 1, fd;
	uint64_t total = 65536ull * (uint64_t)nports, i;

	CPU_ZERO(&cs);
	CPU_SET((int)id % (int)sysconf(_SC_NPROCESSORS_ONLN), &cs);
	pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return perror("socket"), NULL;
	if (bypass)
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	bind(fd, (struct sockaddr *)&sll, sizeof(sll));
	memset(msgs, 0, sizeof(msgs));
	if (txring) { /* PACKET_TX_RING (TPACKET_V2): frames written into the ring, one send() a batch */
		int v = TPACKET_V2;
		struct tpacket_req req = {4096, TXR_FRAMES * TXR_FRAME / 4096, TXR_FRAME,
					  TXR_FRAMES};
		uint8_t *ring;
		unsigned cur = 0;
		setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
		if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) != 0)
			return perror("PACKET_TX_RING"), NULL;
		ring = mmap(NULL, (size_t)TXR_FRAMES * TXR_FRAME, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED)
			return perror("mmap"), NULL;
		for (i = (uint64_t)id; i < total;) {
			for (int n = 0; n < batch && i < total; n++, i += (uint64_t)nthreads) {
				struct tpacket2_hdr *h = (void *)(ring + (size_t)cur * TXR_FRAME);
				uint64_t a = (i * 40503u) & 0xffff;
				while (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
				       TP_STATUS_AVAILABLE)
					sched_yield(); /* the kernel has not released this frame yet */
				h->tp_len = (uint32_t)build(
				    (uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll),
				    0x7f000000u | (uint32_t)a, ports[i / 65536],
				    40000 + (uint16_t)(i & 16383));
				__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
						 __ATOMIC_RELEASE);
				cur = (cur + 1) % TXR_FRAMES;
			}
			while (send(fd, NULL, 0, 0) < 0)
				usleep(50);
		}
		munmap(ring, (size_t)TXR_FRAMES * TXR_FRAME);
		close(fd);
		atomic_fetch_add(&done_threads, 1);
		return NULL;
	}
	/* thread id takes every nthreads-th probe of the (address-major, stride) walk */
	for (i = (uint64_t)id; i < total;) {
		int n = 0, off = 0;
		for (; n < batch && i < total; n++, i += (uint64_t)nthreads) {
			uint64_t a = (i * 40503u) & 0xffff; /* a fixed odd stride: not sequential */
			build(buf[n], 0x7f000000u | (uint32_t)a, ports[i / 65536],
			      40000 + (uint16_t)(i & 16383));
			iov[n].iov_base = buf[n];
			iov[n].iov_len = 58;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
		}
		while (off < n) {
			int r = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
			if (r < 0) {
				usleep(50);
				continue;
			}
			off += r;
		}
	}
	close(fd);
	atomic_fetch_add(&done_threads, 1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tcp, ACK set, dst port 40000..56383 (mamori's filter, IPv4 part) */
static int rx_open(uint8_t **ring)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 9),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 7),
	    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 40000, 0, 4),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 56384, 3, 0),
	    BPF_STMT(BPF_LD | BPF_B | BPF_IND, 27),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0x40000),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};
	struct tpacket_req3 req = {1 << 20, 32, 2048, (1 << 20) / 2048 * 32, 4, 0, 0};
	struct sockaddr_ll sll = {0};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL)), v = TPACKET_V3,
	    one = 1;

	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	setsockopt(fd, SOL_PACKET, 23 /* PACKET_IGNORE_OUTGOING */, &one, sizeof(one));
	setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
	setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
	*ring = mmap(NULL, 32u << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	bind(fd, (struct sockaddr *)&sll, sizeof(sll));
	return fd;
}

static uint64_t rx_drain(uint8_t *ring, unsigned *cur)
{
	uint64_t got = 0;
	for (;;) {
		struct tpacket_block_desc *bd = (void *)(ring + (size_t)*cur * (1u << 20));
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			return got;
		got += bd->hdr.bh1.num_pkts;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		*cur = (*cur + 1) % 32;
	}
}

int main(int argc, char **argv)
{
	pthread_t th[16];
	struct rusage ru;
	double t0, t1, cpu;
	char *p, *save = NULL;
	int rx = -1;
	uint8_t *ring = NULL;
	unsigned cur = 0;
	uint64_t got = 0;

	if (argc < 4)
		return fprintf(stderr, "usage: synsend_min THREADS BATCH PORT,PORT,... [--rx] "
				       "[--no-bypass] [--txring]\n"),
		       2;
	nthreads = atoi(argv[1]);
	batch = atoi(argv[2]);
	if (nthreads < 1 || nthreads > 16 || batch < 1 || batch > MAXB)
		return 2;
	for (p = strtok_r(argv[3], ",", &save); p && nports < 16; p = strtok_r(NULL, ",", &save))
		ports[nports++] = (uint16_t)atoi(p);
	ifindex = (int)if_nametoindex("lo");
	for (int a = 4; a < argc; a++) {
		if (strcmp(argv[a], "--rx") == 0)
			rx = rx_open(&ring);
		else if (strcmp(argv[a], "--no-bypass") == 0)
			bypass = 0;
		else if (strcmp(argv[a], "--txring") == 0)
			txring = 1;
		else
			return fprintf(stderr, "unknown option %s\n", argv[a]), 2;
	}
	t0 = now();
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, sender, (void *)i);
	if (rx >=
	    0) { /* the reader shares the CPUs with the senders, unpinned, as mamori's would */
		while (atomic_load(&done_threads) < nthreads)
			got += rx_drain(ring, &cur), usleep(1000);
		usleep(20000);
		got += rx_drain(ring, &cur);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("threads %d batch %d probes %d wall %.3f user %.3f sys %.3f cpu %.3f ns_per_probe "
	       "%.0f rx %llu\n",
	       nthreads, batch, 65536 * nports, t1 - t0,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, cpu,
	       cpu * 1e9 / (65536.0 * nports), (unsigned long long)got);
	return 0;
}
