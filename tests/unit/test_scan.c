/* test_scan.c - permutation, targets and shards, rate limits, SYN cookies and reply
 * parsing, port lists, UDP payloads, observations in the store, the engine on loopback. */
#include "base/compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/mem.h"
#include "scan/scan.h"
#include "scan/scan_int.h"
#include "store/store.h"
#include "testutil.h"

static const unsigned char key1[SCAN_KEY_LEN] = "0123456789abcdef";
static const unsigned char key2[SCAN_KEY_LEN] = "fedcba9876543210";

/* ------------------------------------------------------------ permutation */

static void check_perm_size(uint64_t n, const unsigned char *key)
{
	struct scan_perm p;
	uint8_t *hit = calloc(n, 1);
	uint64_t seen = 0;

	assert_non_null(hit);
	assert_int_equal(scan_perm_init(&p, n, key), 0);
	assert_true(p.domain >= n && p.domain <= 4 * n + 4);
	for (uint64_t i = 0; i < p.domain; i++) {
		uint64_t v;
		if (!scan_perm_at(&p, i, &v))
			continue;
		assert_true(v < n);
		assert_int_equal(hit[v], 0); /* exactly once */
		hit[v] = 1;
		seen++;
	}
	assert_int_equal(seen, n);
	free(hit);
}

static void test_perm__visits_every_element_once(void **state)
{
	static const uint64_t sizes[] = {2, 3, 5, 7, 13, 31, 127, 257, 8191, 65521, 65537, 458752};

	for (uint64_t n = 1; n <= 300; n++)
		check_perm_size(n, key1);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		check_perm_size(sizes[i], key1);
	for (int b = 0; b <= 18; b++) /* powers of two */
		check_perm_size((uint64_t)1 << b, key2);
}

static void test_perm__order_depends_on_key(void **state)
{
	struct scan_perm a, b;
	int same = 0;

	scan_perm_init(&a, 1000, key1);
	scan_perm_init(&b, 1000, key2);
	for (uint64_t i = 0; i < a.domain; i++) {
		uint64_t x = 0, y = 0;
		bool ha = scan_perm_at(&a, i, &x), hb = scan_perm_at(&b, i, &y);
		same += ha && hb && x == y;
	}
	assert_true(same < 20); /* two keys, two different orders */
	assert_int_equal(scan_perm_init(&a, 0, key1), M_EINVAL);
}

static void test_perm__is_not_the_identity(void **state)
{
	struct scan_perm p;
	int in_order = 0;
	uint64_t prev = 0, v;

	scan_perm_init(&p, 65536, key1);
	for (uint64_t i = 0; i < p.domain; i++) {
		if (!scan_perm_at(&p, i, &v))
			continue;
		in_order += v == prev + 1;
		prev = v;
	}
	assert_true(in_order < 100);
}

/* ------------------------------------------------------------ targets */

static void make_set(struct ipset *s, const char *const *cidrs, size_t n)
{
	ipset_init(s);
	for (size_t i = 0; i < n; i++) {
		struct cidr c;
		assert_int_equal(cidr_parse(cidrs[i], false, &c), 0);
		assert_int_equal(ipset_add_cidr(s, &c), 0);
	}
}

static void test_targets__shards_partition_the_space(void **state)
{
	static const char *const cidrs[] = {"127.0.1.0/28", "127.0.2.5/32", "::1/128",
					    "127.0.9.0/30"};
	struct ipset set;
	struct scan_ports ports;
	uint64_t n;
	uint8_t *hit;

	make_set(&set, cidrs, ARRAY_SIZE(cidrs));
	assert_int_equal(scan_ports_parse("22,80,443", &ports, NULL), 0);
	n = (16 + 1 + 1 + 4) * 3;
	hit = calloc(n, 1);
	for (unsigned k = 1; k <= 4; k++) {
		memset(hit, 0, n);
		for (unsigned sh = 0; sh < k; sh++) {
			struct scan_targets t;
			struct scan_target tg;
			uint64_t pos = 0;
			assert_int_equal(scan_targets_init(&t, &set, &ports, key1, sh, k, 1, NULL),
					 0);
			assert_int_equal(scan_targets_count(&t), n);
			while (scan_targets_next(&t, &pos, &tg)) {
				uint64_t idx;
				assert_true(ipset_contains(&set, &tg.ip));
				assert_true(scan_targets_index(&t, &tg.ip, tg.port, &idx));
				assert_int_equal(idx, tg.index);
				assert_int_equal(hit[idx], 0);
				hit[idx] = 1;
			}
			scan_targets_release(&t);
		}
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(hit[i], 1);
	}
	free(hit);
	scan_ports_release(&ports);
	ipset_release(&set);
}

static void test_targets__passes_repeat_and_resume_from_checkpoint(void **state)
{
	static const char *const cidrs[] = {"127.0.0.0/26"};
	struct ipset set;
	struct scan_ports ports;
	struct scan_targets t;
	struct scan_target tg;
	uint64_t pos = 0, first = 0, count[2] = {0, 0}, resumed = 0, cut;

	make_set(&set, cidrs, 1);
	scan_ports_parse("80,443", &ports, NULL);
	assert_int_equal(scan_targets_init(&t, &set, &ports, key1, 0, 1, 2, NULL), 0);
	while (scan_targets_next(&t, &pos, &tg)) {
		count[tg.pass]++;
		if (count[0] == 50 && tg.pass == 0 && !first)
			first = pos;
	}
	assert_int_equal(count[0], 128);
	assert_int_equal(count[1], 128);
	/* resuming at a checkpoint yields exactly what was left */
	cut = first;
	while (scan_targets_next(&t, &cut, &tg))
		resumed++;
	assert_int_equal(resumed, 256 - 50);
	scan_targets_release(&t);
	scan_ports_release(&ports);
	ipset_release(&set);
}

static void test_targets__loopback_check(void **state)
{
	static const char *const lo[] = {"127.0.0.0/8", "::1"};
	static const char *const bad[] = {"127.0.0.0/8", "128.0.0.1"};
	static const char *const bad6[] = {"::2"};
	struct ipset a, b, c;

	make_set(&a, lo, 2);
	make_set(&b, bad, 2);
	make_set(&c, bad6, 1);
	assert_true(scan_set_is_loopback(&a));
	assert_false(scan_set_is_loopback(&b));
	assert_false(scan_set_is_loopback(&c));
	ipset_release(&a);
	ipset_release(&b);
	ipset_release(&c);
}

/* ------------------------------------------------------------ ports */

static void test_ports__parses_lists_ranges_and_names(void **state)
{
	struct scan_ports p;
	char out[256];
	struct merr e;

	assert_int_equal(scan_ports_parse("443,22,80,8000-8100,80", &p, NULL), 0);
	assert_int_equal(p.n, 3 + 101);
	assert_int_equal(p.v[0], 22);
	assert_int_equal(p.v[p.n - 1], 8100);
	scan_ports_format(&p, out, sizeof(out));
	assert_string_equal(out, "22,80,443,8000-8100");
	scan_ports_release(&p);
	assert_int_equal(scan_ports_parse("top", &p, NULL), 0);
	assert_true(p.n > 50);
	scan_ports_release(&p);
	assert_int_equal(scan_ports_parse("ics,22", &p, NULL), 0);
	assert_int_equal(p.v[0], 22);
	assert_int_equal(p.v[1], 102);
	scan_ports_release(&p);
	static const char *const bad[] = {"",	 "0",  "65536", "80-22",  "abc",    "22,,80",
					  "22,", "-5", "1-",	"123456", "top-web"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		merr_init(&e);
		assert_int_equal(scan_ports_parse(bad[i], &p, &e), M_EPARSE);
		assert_int_equal(e.code, M_EPARSE);
	}
}

/* ------------------------------------------------------------ rate limits */

static void test_rate__token_bucket_is_exact_on_a_fake_clock(void **state)
{
	struct scan_rate r;
	uint64_t total = 0;

	scan_rate_init(&r, 100000, 10.0);
	/* every 100 us over one second: 100k tokens, never more than the debt cap */
	for (int i = 1; i <= 10000; i++)
		total += scan_rate_take(&r, 10.0 + i * 0.0001, 64);
	assert_true(total >= 99990 && total <= 100000);
	/* after a stall of 1 s only one burst (50 ms) is allowed at once */
	assert_true(scan_rate_take(&r, 12.0, 100000) <= 5000);
	assert_int_equal(scan_rate_take(&r, 12.0, 100000), 0);
}

static void test_rate__paced_sends_hit_the_rate(void **state)
{
	struct scan_rate r;
	double t0 = scan_now(), t, elapsed;
	uint64_t total = 0;

	scan_rate_init(&r, 50000, t0);
	while ((t = scan_now()) < t0 + 0.3) {
		unsigned n = scan_rate_take(&r, t, 64);
		if (n == 0)
			scan_sleep_until(t + scan_rate_wait_time(&r, t));
		total += n;
	}
	elapsed = scan_now() - t0;
	print_message("paced: %llu tokens in %.4f s (%.0f/s)\n", (unsigned long long)total, elapsed,
		      (double)total / elapsed);
	/* never above the rate (plus one burst: 50 ms = 2500); on a machine shared with
	 * other builds (load 7 on 2 cores seen) preemption can cost more than the burst
	 * covers, so the lower bound is loose; the fake-clock test above is the exact one */
	assert_true((double)total <= 50000 * elapsed + 2500);
	assert_true((double)total >= 0.6 * 50000 * 0.3);
}

static void test_netcap__caps_each_network_per_second(void **state)
{
	struct scan_netcap *c = scan_netcap_new(10, 4);
	struct ipaddr a, b, a2, v6a, v6b, v6c;
	int ok = 0;

	ip_parse("127.0.1.5", &a);
	ip_parse("127.0.1.200", &a2); /* same /24 */
	ip_parse("127.0.2.5", &b);
	ip_parse("2001:db8::1", &v6a);
	ip_parse("2001:db8::ffff:1", &v6b); /* same /64 */
	ip_parse("2001:db8:0:1::1", &v6c);
	for (int i = 0; i < 20; i++)
		ok += scan_netcap_take(c, i % 2 ? &a : &a2, 5.1);
	assert_int_equal(ok, 10);
	assert_true(scan_netcap_take(c, &b, 5.2));
	assert_true(scan_netcap_take(c, &a, 6.0)); /* next window */
	ok = 0;
	for (int i = 0; i < 20; i++)
		ok += scan_netcap_take(c, i % 2 ? &v6a : &v6b, 6.5);
	assert_int_equal(ok, 10);
	assert_true(scan_netcap_take(c, &v6c, 6.5));
	/* many networks at once: the table grows */
	for (uint32_t i = 0; i < 5000; i++) {
		struct ipaddr x;
		ip_from128(((ip128)0xffff << 32) | (0x0a000000u + (i << 8)), &x);
		assert_true(scan_netcap_take(c, &x, 6.7));
	}
	scan_netcap_free(c);
}

static void test_seen__deduplicates_and_grows(void **state)
{
	struct scan_seen *s = scan_seen_new();
	struct ipaddr a;

	ip_parse("127.0.0.1", &a);
	assert_int_equal(scan_seen_add(s, &a, 80), 1);
	assert_int_equal(scan_seen_add(s, &a, 80), 0);
	assert_true(scan_seen_has(s, &a, 80));
	assert_false(scan_seen_has(s, &a, 81));
	for (uint32_t i = 0; i < 10000; i++) {
		ip_from128(((ip128)0xffff << 32) | (0x7f000000u + i), &a);
		assert_int_equal(scan_seen_add(s, &a, 443), 1);
	}
	assert_int_equal(scan_seen_count(s), 10001);
	scan_seen_free(s);
}

/* ------------------------------------------------------------ frames */

static void net_init(struct scan_net *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->src_mac, "\x02\0\0\0\0\x01", 6);
	memcpy(n->gw_mac, "\x02\0\0\0\0\x02", 6);
	ip_parse("127.0.0.1", &n->src4);
	ip_parse("::1", &n->src6);
	memcpy(n->key, key1, SCAN_KEY_LEN);
}

/* Turns our SYN into the reply the target would send: addresses and ports swapped,
 * ack = seq + ack_delta, flags as given, checksums recomputed. */
static size_t make_reply(const uint8_t *syn, size_t len, uint8_t flags, uint32_t ack_delta,
			 uint8_t *out)
{
	bool v4 = syn[12] == 0x08;
	size_t ipl = v4 ? 20 : 40, al = v4 ? 4 : 16, ao = v4 ? 12 : 8;
	uint8_t *ip = out + 14, *tcp = ip + ipl, tmp[16];
	uint32_t seq, sum = 0;

	memcpy(out, syn, len);
	memcpy(out, syn + 6, 6);
	memcpy(out + 6, syn, 6);
	memcpy(tmp, ip + ao, al); /* swap addresses */
	memcpy(ip + ao, ip + ao + al, al);
	memcpy(ip + ao + al, tmp, al);
	memcpy(tmp, tcp, 2); /* swap ports */
	memcpy(tcp, tcp + 2, 2);
	memcpy(tcp + 2, tmp, 2);
	seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
	seq += ack_delta;
	tcp[8] = (uint8_t)(seq >> 24);
	tcp[9] = (uint8_t)(seq >> 16);
	tcp[10] = (uint8_t)(seq >> 8);
	tcp[11] = (uint8_t)seq;
	memset(tcp + 4, 0x11, 4); /* their own sequence number */
	tcp[13] = flags;
	if (v4) {
		ip[8] = 57;
		ip[10] = ip[11] = 0;
		uint16_t c = scan_inet_csum(ip, 20, 0);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	tcp[16] = tcp[17] = 0;
	for (size_t i = 0; i < al; i += 2)
		sum += (uint32_t)(ip[ao + i] << 8 | ip[ao + i + 1]) +
		       (uint32_t)(ip[ao + al + i] << 8 | ip[ao + al + i + 1]);
	sum += 6 + (uint32_t)(len - 14 - ipl);
	uint16_t c = scan_inet_csum(tcp, len - 14 - ipl, sum);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	return len;
}

static void test_cookie__accepts_genuine_and_rejects_forged(void **state)
{
	struct scan_net n;
	struct scan_reply r;
	struct ipaddr dst;
	uint8_t syn[SCAN_FRAME_MAX], rep[SCAN_FRAME_MAX];
	size_t len;
	uint16_t sp;
	uint32_t seq;

	net_init(&n);
	ip_parse("127.0.10.3", &dst);
	len = scan_syn_build(&n, &dst, 22, syn, sizeof(syn));
	assert_int_equal(len, 14 + 20 + 24);
	/* our SYN is valid IPv4 + TCP: both checksums verify */
	assert_int_equal(scan_inet_csum(syn + 14, 20, 0), 0);
	scan_cookie(key1, &dst, 22, &sp, &seq);
	assert_true(sp >= SCAN_SPORT_BASE && sp < SCAN_SPORT_BASE + SCAN_SPORT_COUNT);
	/* the SYN itself, seen looping back, is not a reply */
	assert_int_equal(scan_reply_parse(&n, syn, len, 0, &r), SCAN_REPLY_NOT_OURS);

	make_reply(syn, len, 0x12, 1, rep); /* SYN-ACK, ack = seq + 1 */
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_VALID);
	assert_true(r.open);
	assert_int_equal(r.port, 22);
	assert_int_equal(r.ttl, 57);
	assert_true(r.ip.v == dst.v);

	make_reply(syn, len, 0x14, 1, rep); /* RST-ACK: closed */
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_VALID);
	assert_false(r.open);

	make_reply(syn, len, 0x12, 2, rep); /* wrong ack */
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_INVALID);

	/* the right ack but from another key: forged */
	n.key[0] ^= 1;
	make_reply(syn, len, 0x12, 1, rep);
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_INVALID);
}

static void test_reply__rejects_truncated_bad_checksum_and_wrong_port(void **state)
{
	struct scan_net n;
	struct scan_reply r;
	struct ipaddr dst;
	uint8_t syn[SCAN_FRAME_MAX], rep[SCAN_FRAME_MAX];
	size_t len;

	net_init(&n);
	ip_parse("127.0.10.3", &dst);
	len = scan_syn_build(&n, &dst, 443, syn, sizeof(syn));
	make_reply(syn, len, 0x12, 1, rep);
	for (size_t cut = 0; cut < len; cut++) /* every truncation is refused */
		assert_int_not_equal(scan_reply_parse(&n, rep, cut, 0, &r), SCAN_REPLY_VALID);
	rep[14 + 20 + 18] ^= 0x40; /* corrupt a TCP byte: checksum fails */
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_INVALID);
	/* ...unless the checksum is not computed yet (loopback offload) */
	rep[14 + 20 + 18] ^= 0x40;
	rep[14 + 20 + 16] ^= 0xff;
	assert_int_equal(scan_reply_parse(&n, rep, len, SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_VALID);
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_INVALID);
	/* a reply to a port outside our source range is not ours */
	make_reply(syn, len, 0x12, 1, rep);
	rep[14 + 20 + 2] = 0;
	rep[14 + 20 + 3] = 80;
	assert_int_equal(scan_reply_parse(&n, rep, len, SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_NOT_OURS);
	/* to another port inside the range: the cookie does not match */
	make_reply(syn, len, 0x12, 1, rep);
	rep[14 + 20 + 3] ^= 1;
	assert_int_equal(scan_reply_parse(&n, rep, len, SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_INVALID);
	/* to another of our addresses: not ours */
	make_reply(syn, len, 0x12, 1, rep);
	rep[14 + 16 + 3] = 2;
	assert_int_equal(scan_reply_parse(&n, rep, len, SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_NOT_OURS);
}

static void test_reply__ipv6_round_trip(void **state)
{
	struct scan_net n;
	struct scan_reply r;
	struct ipaddr dst;
	uint8_t syn[SCAN_FRAME_MAX], rep[SCAN_FRAME_MAX];
	size_t len;

	net_init(&n);
	ip_parse("::1", &dst);
	len = scan_syn_build(&n, &dst, 8443, syn, sizeof(syn));
	assert_int_equal(len, 14 + 40 + 24);
	make_reply(syn, len, 0x12, 1, rep);
	assert_int_equal(scan_reply_parse(&n, rep, len, 0, &r), SCAN_REPLY_VALID);
	assert_int_equal(r.ip.family, 6);
	assert_true(r.ip.v == dst.v);
	assert_int_equal(r.port, 8443);
	rep[14 + 40 + 9] ^= 1; /* ack off by one bit */
	assert_int_equal(scan_reply_parse(&n, rep, len, SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_INVALID);
}

/* Frames the kernel really sent, captured with tcpdump on a namespace's lo while
 * `mamori scan --mode syn --key 6d61...` ran (the fuzz corpus seeds). */
static size_t read_seed(const char *name, uint8_t *buf, size_t cap)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/scan_reply/%s", MAMORI_SOURCE_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void test_reply__validates_real_kernel_frames(void **state)
{
	static const struct {
		const char *file;
		enum scan_reply_kind kind;
		bool open;
	} frames[] = {
	    {"00_v4_syn", SCAN_REPLY_NOT_OURS, false},
	    {"01_v4_synack_open", SCAN_REPLY_VALID, true},
	    {"02_v4_rst_local", SCAN_REPLY_NOT_OURS, false},
	    {"04_v4_rstack_closed", SCAN_REPLY_VALID, false},
	    {"06_v6_synack_open", SCAN_REPLY_VALID, true},
	    {"09_v6_rstack_closed", SCAN_REPLY_VALID, false},
	    {"21_v4_bad_csum", SCAN_REPLY_INVALID, false},
	    {"22_v4_bad_ack", SCAN_REPLY_INVALID, false},
	};
	struct scan_net n;
	struct scan_reply r;
	uint8_t buf[512];

	net_init(&n);
	memcpy(n.key, "mamori-fuzz-key!", SCAN_KEY_LEN);
	for (size_t i = 0; i < ARRAY_SIZE(frames); i++) {
		size_t len = read_seed(frames[i].file, buf, sizeof(buf));
		/* loopback leaves TCP checksums to "offload": the socket says CSUMNOTREADY */
		unsigned flags = strstr(frames[i].file, "bad_csum") ? 0 : SCAN_PARSE_CSUM_PARTIAL;
		assert_int_equal(scan_reply_parse(&n, buf, len, flags, &r), frames[i].kind);
		if (frames[i].kind == SCAN_REPLY_VALID) {
			assert_int_equal(r.open, frames[i].open);
			assert_int_equal(r.ttl, 64);
		}
	}
	n.key[3] ^= 0x20; /* another scan's key: a genuine frame is not ours to count */
	assert_int_equal(scan_reply_parse(&n, buf, read_seed("01_v4_synack_open", buf, sizeof(buf)),
					  SCAN_PARSE_CSUM_PARTIAL, &r),
			 SCAN_REPLY_INVALID);
}

/* ------------------------------------------------------------ UDP payloads */

static void test_udp__dns_request_and_reply(void **state)
{
	uint8_t q[64], a[128];
	size_t n = scan_dns_build(0xbeef, q, sizeof(q));
	static const uint8_t answer[] = {0xc0, 0x0c, 0, 16,  0,	  3,   0,   0,	 0,   0,
					 0,    8,    7, '9', '.', '1', '8', '.', '1', '9'};

	assert_int_equal(n, 30);
	assert_int_equal(scan_dns_build(1, q, 10), 0);
	memcpy(a, q, n);
	a[2] |= 0x84; /* QR, AA */
	a[7] = 1;     /* one answer */
	memcpy(a + n, answer, sizeof(answer));
	assert_true(scan_dns_parse(a, n + sizeof(answer), 0xbeef));
	assert_false(scan_dns_parse(a, n + sizeof(answer), 0xbeee)); /* other id */
	assert_false(scan_dns_parse(q, n, 0xbeef));		     /* a query, not a reply */
	for (size_t cut = 0; cut < n + sizeof(answer); cut++)
		assert_false(scan_dns_parse(a, cut, 0xbeef));
	a[n + 1] = 0xff; /* compression pointer past the end */
	assert_false(scan_dns_parse(a, n + sizeof(answer), 0xbeef));
}

static void test_udp__ntp_request_and_reply(void **state)
{
	uint8_t q[64], a[64];
	uint64_t nonce = 0x0102030405060708ULL;

	assert_int_equal(scan_ntp_build(nonce, q, sizeof(q)), 48);
	assert_int_equal(q[0], 0x23);
	memset(a, 0, sizeof(a));
	a[0] = (4 << 3) | 4; /* server */
	a[1] = 2;
	memcpy(a + 24, q + 40, 8); /* origin = our transmit time */
	assert_true(scan_ntp_parse(a, 48, nonce));
	assert_false(scan_ntp_parse(a, 47, nonce));
	assert_false(scan_ntp_parse(a, 48, nonce + 1));
	assert_false(scan_ntp_parse(q, 48, nonce)); /* our own request */
}

static void test_udp__snmp_request_and_reply(void **state)
{
	uint8_t q[64];
	/* GetResponse, request-id filled below, sysDescr.0 = "Linux" */
	uint8_t a[] = {0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',  'u',  'b',  'l',	 'i',
		       'c',  0xa2, 0x21, 0x02, 0x04, 0,	   0,	 0,    0,    0x02, 0x01, 0x00,
		       0x02, 0x01, 0x00, 0x30, 0x13, 0x30, 0x11, 0x06, 0x08, 0x2b, 0x06, 0x01,
		       0x02, 0x01, 0x01, 0x01, 0x00, 0x04, 0x05, 'L',  'i',  'n',  'u',	 'x'};
	size_t n = scan_snmp_build(0x12345678, q, sizeof(q));

	assert_int_equal(n, 43);
	assert_int_equal(q[13], 0xa0); /* GetRequest */
	memcpy(a + 17, q + 17, 4);
	assert_true(scan_snmp_parse(a, sizeof(a), 0x12345678));
	assert_false(scan_snmp_parse(a, sizeof(a), 0x12345679));
	assert_false(scan_snmp_parse(q, n, 0x12345678)); /* a request is no response */
	for (size_t cut = 0; cut < sizeof(a); cut++)
		assert_false(scan_snmp_parse(a, cut, 0x12345678));
	assert_string_equal(scan_udp_probe_for(161)->name, "snmp");
	assert_string_equal(scan_udp_probe_for(9999)->name, "generic");
}

/* ------------------------------------------------------------ store */

static void test_store__observations_upsert_and_per_scan(void **state)
{
	char path[512];
	struct store *s = NULL;
	struct scan_batch *b = NULL;
	struct scan_counters c = {0};
	struct scan_result r = {0};
	int64_t id1, id2, n;
	struct merr e;

	tu_path(path, sizeof(path), "scan.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(scan_store_create(s, "kanto-rail", "syn", "22", "{}", 1000, &id1, &e), 0);
	assert_int_equal(scan_batch_new(s, id1, "kanto-rail", 2, &b, &e), 0);
	ip_parse("127.0.10.3", &r.ip);
	r.port = 22;
	r.state = SCAN_OPEN;
	r.ttl = 64;
	r.rtt_ms = -1;
	r.time = 1000;
	assert_int_equal(scan_batch_add(b, NULL, &r, &e), 0);
	r.port = 23;
	r.state = SCAN_CLOSED;
	assert_int_equal(scan_batch_add(b, NULL, &r, &e), 0); /* batch of 2: flushed */
	scan_batch_free(b);
	c.sent = 2;
	assert_int_equal(scan_store_finish(s, id1, "done", &c, 4, 1001, &e), 0);

	assert_int_equal(scan_store_create(s, "kanto-rail", "syn", "22", "{}", 2000, &id2, &e), 0);
	assert_int_equal(scan_batch_new(s, id2, "kanto-rail", 10, &b, &e), 0);
	r.port = 22;
	r.state = SCAN_OPEN;
	r.time = 2000;
	assert_int_equal(scan_batch_add(b, NULL, &r, &e), 0);
	assert_int_equal(scan_batch_flush(b, &e), 0);
	scan_batch_free(b);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM observations", &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_query_int(s,
					 "SELECT first_seen * 10000 + last_seen FROM observations "
					 "WHERE port = 22",
					 &n, &e),
			 0);
	assert_int_equal(n, 1000 * 10000 + 2000);
	assert_int_equal(
	    store_query_int(s, "SELECT count(*) FROM scan_observations WHERE scan_id = 2", &n, &e),
	    0);
	assert_int_equal(n, 1);
	struct scan_info info;
	assert_int_equal(scan_store_get(s, id1, &info, &e), 0);
	assert_string_equal(info.state, "done");
	assert_int_equal(info.checkpoint, 4);
	scan_info_release(&info);
	assert_int_equal(scan_store_get(s, 99, &info, &e), M_ENOTFOUND);
	store_close(s);
}

/* ------------------------------------------------------------ engine */

struct collect {
	int open, closed, other;
	uint16_t open_port;
	double when[16]; /* monotonic time of the first results */
	int n;
};

static int collect(void *arg, const struct scan_result *r)
{
	struct collect *c = arg;
	if (c->n < 16)
		c->when[c->n++] = scan_now();
	if (r->state == SCAN_OPEN) {
		c->open++;
		c->open_port = r->port;
	} else if (r->state == SCAN_CLOSED) {
		c->closed++;
	} else {
		c->other++;
	}
	return 0;
}

static int listen_on(const char *addr, uint16_t *port)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_engine__connect_finds_listener_and_refuses_outside_scope(void **state)
{
	static const char *const targets[] = {"127.0.0.1"};
	static const char *const other[] = {"127.0.0.2"};
	struct ipset tset, allowed;
	struct scan_ports ports;
	struct scan_config cfg;
	struct scan_outcome oc;
	struct collect col = {0};
	struct merr e;
	char spec[32];
	uint16_t port;
	int fd = listen_on("127.0.0.1", &port);

	make_set(&tset, targets, 1);
	make_set(&allowed, other, 1);
	snprintf(spec, sizeof(spec), "%u,%u", port, port == 65535 ? 1 : port + 1);
	assert_int_equal(scan_ports_parse(spec, &ports, NULL), 0);
	scan_config_init(&cfg);
	cfg.targets = &tset;
	cfg.allowed = &allowed; /* the target is not allowed: refused before anything is sent */
	cfg.ports = &ports;
	cfg.report_closed = true;
	memcpy(cfg.key, key1, SCAN_KEY_LEN);
	merr_init(&e);
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), M_ESCOPE);
	/* with partial scope the same refusal happens per probe and nothing is sent */
	cfg.partial_scope = true;
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_int_equal(oc.c.sent, 0);
	assert_int_equal(oc.c.refused, 2);
	cfg.partial_scope = false;
	cfg.allowed = &tset;
	merr_init(&e);
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_true(oc.complete);
	assert_int_equal(oc.c.sent, 2);
	assert_int_equal(col.open, 1);
	assert_int_equal(col.open_port, port);
	assert_int_equal(col.closed, 1);
	close(fd);
	scan_ports_release(&ports);
	ipset_release(&tset);
	ipset_release(&allowed);
}

static void test_engine__stop_flag_leaves_a_resumable_checkpoint(void **state)
{
	static const char *const targets[] = {"127.0.0.0/24"};
	struct ipset tset;
	struct scan_ports ports;
	struct scan_config cfg;
	struct scan_outcome oc;
	struct collect col = {0};
	volatile sig_atomic_t stop = 1;
	struct merr e;

	make_set(&tset, targets, 1);
	scan_ports_parse("9", &ports, NULL);
	scan_config_init(&cfg);
	/* policy in the library: every front end's scans get the per-/24 cap */
	assert_true(cfg.per_net_rate == SCAN_PER_NET_RATE_DEFAULT && cfg.per_net_rate == 2000);
	cfg.targets = cfg.allowed = &tset;
	cfg.ports = &ports;
	cfg.stop = &stop;
	cfg.rate = 100000;
	memcpy(cfg.key, key1, SCAN_KEY_LEN);
	merr_init(&e);
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_true(oc.interrupted);
	assert_false(oc.complete);
	assert_int_equal(oc.checkpoint, 0);
	assert_int_equal(oc.c.sent, 0);
	/* max runtime: stops early, checkpoint inside the walk; resuming completes it */
	stop = 0;
	cfg.rate = 500;
	cfg.max_runtime = 0.1;
	cfg.report_closed = true;
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_true(oc.timed_out);
	assert_true(oc.c.sent > 10 && oc.c.sent < 200);
	uint64_t first = oc.c.sent;
	cfg.start_pos = oc.checkpoint;
	cfg.max_runtime = 0;
	cfg.rate = 100000;
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_true(oc.complete);
	assert_int_equal(first + oc.c.sent, 256);
	assert_int_equal(col.closed, 256);
	scan_ports_release(&ports);
	ipset_release(&tset);
}

static void test_engine__per_network_cap_defers_but_sends_everything(void **state)
{
	static const char *const targets[] = {"127.0.0.0/29"};
	struct ipset tset;
	struct scan_ports ports;
	struct scan_config cfg;
	struct scan_outcome oc;
	struct collect col = {0};
	struct merr e;
	double t0;

	make_set(&tset, targets, 1);
	scan_ports_parse("9", &ports, NULL);
	scan_config_init(&cfg);
	cfg.targets = cfg.allowed = &tset;
	cfg.ports = &ports;
	cfg.rate = 10000;
	cfg.per_net_rate = 4; /* 8 targets in one /24: two one-second windows at least */
	cfg.report_closed = true;
	memcpy(cfg.key, key2, SCAN_KEY_LEN);
	merr_init(&e);
	t0 = scan_now();
	assert_int_equal(scan_run(&cfg, collect, &col, &oc, &e), 0);
	assert_true(oc.complete);
	assert_int_equal(oc.c.sent, 8);
	assert_int_equal(col.closed, 8);
	assert_true(oc.c.deferred == 0);
	/* connect answers (RST) come back within microseconds, so the per-window count of
	 * results is the per-window count of sends (+1 for one that crosses a boundary) */
	int64_t first = (int64_t)col.when[0], last = (int64_t)col.when[7];
	for (int64_t w = first; w <= last; w++) {
		int in = 0;
		for (int i = 0; i < 8; i++)
			in += (int64_t)col.when[i] == w;
		assert_true(in <= 5);
	}
	assert_true(last > first); /* needed two windows at least */
	assert_true(scan_now() - t0 < 5);
	scan_ports_release(&ports);
	ipset_release(&tset);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perm__visits_every_element_once),
	    cmocka_unit_test(test_perm__order_depends_on_key),
	    cmocka_unit_test(test_perm__is_not_the_identity),
	    cmocka_unit_test(test_targets__shards_partition_the_space),
	    cmocka_unit_test(test_targets__passes_repeat_and_resume_from_checkpoint),
	    cmocka_unit_test(test_targets__loopback_check),
	    cmocka_unit_test(test_ports__parses_lists_ranges_and_names),
	    cmocka_unit_test(test_rate__token_bucket_is_exact_on_a_fake_clock),
	    cmocka_unit_test(test_rate__paced_sends_hit_the_rate),
	    cmocka_unit_test(test_netcap__caps_each_network_per_second),
	    cmocka_unit_test(test_seen__deduplicates_and_grows),
	    cmocka_unit_test(test_cookie__accepts_genuine_and_rejects_forged),
	    cmocka_unit_test(test_reply__rejects_truncated_bad_checksum_and_wrong_port),
	    cmocka_unit_test(test_reply__ipv6_round_trip),
	    cmocka_unit_test(test_reply__validates_real_kernel_frames),
	    cmocka_unit_test(test_udp__dns_request_and_reply),
	    cmocka_unit_test(test_udp__ntp_request_and_reply),
	    cmocka_unit_test(test_udp__snmp_request_and_reply),
	    cmocka_unit_test(test_store__observations_upsert_and_per_scan),
	    cmocka_unit_test(test_engine__connect_finds_listener_and_refuses_outside_scope),
	    cmocka_unit_test(test_engine__stop_flag_leaves_a_resumable_checkpoint),
	    cmocka_unit_test(test_engine__per_network_cap_defers_but_sends_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
