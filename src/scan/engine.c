/*
 * engine.c - the scan loop shared by every probe mode: walk the permutation,
 * re-check scope, apply the global and per-network rate limits, send, collect,
 * and always stop cleanly (signal, max runtime) with a resumable checkpoint.
 */
#include "base/compat.h"

#include "base/stop.h"
#include <arpa/inet.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "scan/scan_int.h"

#define BATCH 64
#define DEFER_CAP 65536
#define PROGRESS_EVERY 0.25
#define MAX_COOLDOWN 60.0
#define RTT_BUCKETS 40
#define SEEN_BITS_MAX (1ull << 28) /* 32 MB: larger spaces use the hash set only */

const char *const scan_mode_names[] = {"connect", "syn", "udp", NULL};

static const struct scan_mode *const modes[] = {&scan_mode_connect, &scan_mode_syn, &scan_mode_udp};

struct queued {
	struct scan_target t;
	uint64_t pos;	/* position that yields t again: the checkpoint must not pass it */
	int64_t window; /* per-network window it was deferred in */
};

struct scan_engine {
	const struct scan_config *cfg;
	const struct scan_mode *mode;
	void *mstate;
	struct scan_targets targets;
	struct scan_counters c;
	struct scan_seen *seen; /* answers outside the bitmap's space */
	uint64_t *seen_bits;	/* one bit per space index (addresses x ports), when it fits */
	uint64_t n_bits;
	struct scan_netcap *netcap;
	struct scan_rate rate;
	scan_sink_fn sink;
	void *sink_arg;
	int sink_rc;
	/* targets taken from the permutation but not sent yet */
	struct queued pending[BATCH];
	unsigned n_pending;
	struct queued *defer; /* ring */
	size_t defer_head, defer_len;
	uint64_t pos;
	double t_start, t_last_progress;
	uint64_t sent_at_last_progress;
	/* sampled reply times: bucket k holds samples in [2^(k-1), 2^k) microseconds */
	uint64_t rtt_hist[RTT_BUCKETS];
};

void scan_config_init(struct scan_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = "connect";
	c->n_shards = 1;
	c->rate = 10000;
	c->per_net_rate = SCAN_PER_NET_RATE_DEFAULT; /* policy: every front end gets the cap */
	c->cooldown = 1.0;
	c->timeout = 1.0;
	c->max_inflight = 4096;
	c->iface = "lo";
	c->send_method = "packet";
	ip_parse("127.0.0.1", &c->src4);
	ip_parse("::1", &c->src6);
	memcpy(c->src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(c->gw_mac, "\x02\x00\x00\x00\x00\x02", 6);
}

const struct scan_config *scan_engine_config(const struct scan_engine *en)
{
	return en->cfg;
}

struct scan_counters *scan_engine_counters(struct scan_engine *en)
{
	return &en->c;
}

static bool state_reported(const struct scan_config *cfg, enum scan_state st)
{
	if (st == SCAN_OPEN)
		return true;
	if (st == SCAN_CLOSED)
		return cfg->report_closed;
	return cfg->report_filtered;
}

/* De-duplication of answers: a bit per target of the space (458,752 bits for a /16 x 7
 * ports: 56 KB, where the hash set had half a million 32-byte slots and a cache miss a
 * reply); anything outside the space (never, for validated replies) goes to the hash. */
static int seen_add(struct scan_engine *en, const struct ipaddr *ip, uint16_t port)
{
	uint64_t idx, bit;

	if (en->seen_bits && scan_targets_index(&en->targets, ip, port, &idx) && idx < en->n_bits) {
		bit = 1ull << (idx & 63);
		if (en->seen_bits[idx >> 6] & bit)
			return 0;
		en->seen_bits[idx >> 6] |= bit;
		return 1;
	}
	return scan_seen_add(en->seen, ip, port);
}

static bool seen_has(const struct scan_engine *en, const struct ipaddr *ip, uint16_t port)
{
	uint64_t idx;

	if (en->seen_bits && scan_targets_index(&en->targets, ip, port, &idx) && idx < en->n_bits)
		return (en->seen_bits[idx >> 6] >> (idx & 63)) & 1;
	return scan_seen_has(en->seen, ip, port);
}

static int emit(struct scan_engine *en, const struct ipaddr *ip, uint16_t port,
		enum scan_proto proto, enum scan_state st, int ttl, double rtt_ms)
{
	struct scan_result r = {*ip, port, proto, st, ttl, rtt_ms, time_now()};

	if (st == SCAN_OPEN)
		en->c.open++;
	else if (st == SCAN_CLOSED)
		en->c.closed++;
	else
		en->c.filtered++;
	if (!state_reported(en->cfg, st) || en->sink_rc)
		return en->sink_rc;
	en->sink_rc = en->sink(en->sink_arg, &r);
	return en->sink_rc;
}

int scan_engine_result(struct scan_engine *en, const struct ipaddr *ip, uint16_t port,
		       enum scan_proto proto, enum scan_state st, int ttl, double rtt_ms)
{
	int rc;

	if (st == SCAN_FILTERED || st == SCAN_OPEN_FILTERED)
		return 0; /* no answer: see scan_engine_timeout() */
	rc = seen_add(en, ip, port);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		en->c.duplicates++;
		return 0;
	}
	en->c.received++;
	return emit(en, ip, port, proto, st, ttl, rtt_ms);
}

int scan_engine_timeout(struct scan_engine *en, const struct scan_target *t, enum scan_proto proto,
			enum scan_state st)
{
	if (t->pass < en->cfg->retries || seen_has(en, &t->ip, t->port))
		return 0;
	return emit(en, &t->ip, t->port, proto, st, -1, -1);
}

/* ------------------------------------------------------------ queues */

static bool defer_push(struct scan_engine *en, const struct queued *q)
{
	if (en->defer_len == DEFER_CAP)
		return false;
	en->defer[(en->defer_head + en->defer_len) % DEFER_CAP] = *q;
	en->defer_len++;
	en->c.deferred++;
	return true;
}

static uint64_t checkpoint_of(const struct scan_engine *en)
{
	uint64_t cp = en->pos;
	for (unsigned i = 0; i < en->n_pending; i++)
		if (en->pending[i].pos < cp)
			cp = en->pending[i].pos;
	for (size_t i = 0; i < en->defer_len; i++) {
		const struct queued *q = &en->defer[(en->defer_head + i) % DEFER_CAP];
		if (q->pos < cp)
			cp = q->pos;
	}
	return cp;
}

/* Accepts t into the batch if scope and the per-network cap allow; may defer it. */
static int admit(struct scan_engine *en, const struct queued *q, double now, struct queued *batch,
		 unsigned *n)
{
	if (q->t.pass > 0 && seen_has(en, &q->t.ip, q->t.port))
		return 0; /* answered: no retry */
	if (!ipset_contains(en->cfg->allowed, &q->t.ip)) {
		en->c.refused++; /* defence in depth: never reached when callers are right */
		return 0;
	}
	if (!scan_netcap_take(en->netcap, &q->t.ip, now)) {
		struct queued d = *q;
		d.window = (int64_t)now;
		return defer_push(en, &d) ? 0 : -1;
	}
	batch[(*n)++] = *q;
	return 0;
}

/* Fills batch with up to max targets: pending first, then deferred ones whose
 * window has passed, then new positions. */
static unsigned fill_batch(struct scan_engine *en, double now, struct queued *batch, unsigned max)
{
	unsigned n = 0, k = 0;
	int64_t w = (int64_t)now;
	uint64_t end = scan_targets_end(&en->targets);

	for (; k < en->n_pending && n < max; k++)
		batch[n++] = en->pending[k];
	memmove(en->pending, en->pending + k, (en->n_pending - k) * sizeof(*en->pending));
	en->n_pending -= k;
	while (n < max && en->defer_len && en->defer[en->defer_head].window < w) {
		struct queued q = en->defer[en->defer_head];
		en->defer_head = (en->defer_head + 1) % DEFER_CAP;
		en->defer_len--;
		en->c.deferred--;
		admit(en, &q, now, batch, &n);
	}
	/* bounded: a retry pass or a shrunken scope may skip many targets in a row, and
	 * the stop flag and replies must still be looked at */
	for (unsigned looked = 0;
	     n < max && en->pos < end && en->defer_len < DEFER_CAP && looked < 65536; looked++) {
		struct queued q;
		if (!scan_targets_next(&en->targets, &en->pos, &q.t))
			break;
		q.pos = en->pos - 1;
		if (admit(en, &q, now, batch, &n) != 0)
			break;
	}
	return n;
}

static void report_progress(struct scan_engine *en, double now, bool cooling)
{
	struct scan_progress p;
	uint64_t end = scan_targets_end(&en->targets), done = en->pos - en->cfg->start_pos;
	double dt = now - en->t_last_progress;

	if (!en->cfg->progress)
		return;
	p.c = &en->c;
	p.pos = en->pos;
	p.end = end;
	p.elapsed = now - en->t_start;
	p.rate = dt > 0 ? (double)(en->c.sent - en->sent_at_last_progress) / dt : 0;
	p.eta = done > 0 && !cooling ? (double)(end - en->pos) * p.elapsed / (double)done : -1;
	p.cooling = cooling;
	en->cfg->progress(en->cfg->progress_arg, &p);
	en->t_last_progress = now;
	en->sent_at_last_progress = en->c.sent;
}

static bool stop_level(const struct scan_engine *en, int level)
{
	return en->cfg->stop && stop_level_of(en->cfg->stop) >= level;
}

/* The sending phase; returns 0 or an error; sets *why. */
static int send_loop(struct scan_engine *en, struct scan_outcome *out, struct merr *e)
{
	const struct scan_config *cfg = en->cfg;
	uint64_t end = scan_targets_end(&en->targets);
	struct queued batch[BATCH];
	struct scan_target tg[BATCH];

	for (;;) {
		double now = scan_now();
		unsigned n, tokens;
		int taken, rc;

		if (stop_level(en, 1)) {
			out->interrupted = true;
			return 0;
		}
		if (cfg->max_runtime > 0 && now - en->t_start >= cfg->max_runtime) {
			out->timed_out = true;
			return 0;
		}
		if (en->sink_rc)
			return en->sink_rc;
		if (now - en->t_last_progress >= PROGRESS_EVERY)
			report_progress(en, now, false);
		if (en->pos >= end && !en->n_pending && !en->defer_len)
			return 0;
		tokens = scan_rate_take(&en->rate, now, BATCH);
		if (tokens == 0) {
			double w = scan_rate_wait_time(&en->rate, now);
			if (w > 0.0002) {
				rc = en->mode->recv(en->mstate, w - 0.0001, e);
				if (rc)
					return rc;
			}
			scan_sleep_until(now + w);
			continue;
		}
		n = fill_batch(en, now, batch, tokens);
		for (unsigned i = 0; i < n; i++)
			tg[i] = batch[i].t;
		taken = n ? en->mode->send(en->mstate, tg, n, e) : 0;
		if (taken < 0)
			return taken;
		en->c.sent += (uint64_t)taken;
		for (unsigned i = (unsigned)taken; i < n; i++)
			en->pending[en->n_pending++] = batch[i];
		en->rate.issued -= tokens - (unsigned)taken; /* unused tokens go back */
		if (n == 0 && en->defer_len) {
			/* everything left waits for the next per-network window */
			double next = (double)((int64_t)now + 1);
			rc = en->mode->recv(en->mstate, next - now, e);
		} else {
			rc = en->mode->recv(en->mstate, (unsigned)taken < n ? 0.001 : 0, e);
		}
		if (rc)
			return rc;
	}
}

/* Stateless modes: wait for late replies. The wait is sized from the sampled reply times
 * (SCAN_COOLDOWN_RTT_FACTOR x their 99th percentile, at least SCAN_COOLDOWN_MIN) and ends once no
 * reply has come for that long; cfg->cooldown caps it. No sample answered (everything
 * filtered, or nothing sent): the cap. */
void scan_engine_rtt(struct scan_engine *en, double ms)
{
	double us = ms * 1000;
	unsigned k = 0;

	while (k + 1 < RTT_BUCKETS && us >= 1)
		us /= 2, k++;
	en->rtt_hist[k]++;
	en->c.rtt_samples++;
	if (ms > en->c.rtt_max_ms)
		en->c.rtt_max_ms = ms;
}

/* The 99th percentile of the sampled reply times, rounded up to its bucket's top (seconds):
 * the largest sample on a loaded machine is the sender preempted between stamping a probe
 * and sending it, which says nothing about how long replies take. */
static double rtt_p99(const struct scan_engine *en)
{
	uint64_t need = en->c.rtt_samples - en->c.rtt_samples / 100, seen = 0;

	for (unsigned k = 0; k < RTT_BUCKETS; k++) {
		seen += en->rtt_hist[k];
		if (seen >= need)
			return (double)(1ull << k) / 1e6;
	}
	return en->c.rtt_max_ms / 1000;
}

static double stateless_window(const struct scan_engine *en, double cap)
{
	double w;

	if (en->c.rtt_samples == 0)
		return cap;
	w = SCAN_COOLDOWN_RTT_FACTOR * rtt_p99(en);
	if (w < SCAN_COOLDOWN_MIN)
		w = SCAN_COOLDOWN_MIN;
	return w < cap ? w : cap;
}

static int cooldown(struct scan_engine *en, struct merr *e)
{
	const struct scan_config *cfg = en->cfg;
	double wait = cfg->cooldown, t0 = scan_now(), deadline, heard = t0;
	bool stateful = en->mode->inflight != NULL;
	uint64_t replies = en->c.received + en->c.duplicates + en->c.invalid;

	if (stateful && cfg->timeout > wait)
		wait = cfg->timeout; /* let every in-flight probe finish or time out */
	if (wait > MAX_COOLDOWN)
		wait = MAX_COOLDOWN;
	deadline = t0 + wait + (stateful ? 0.2 : 0);
	/* bounded by the deadline (at most MAX_COOLDOWN + 0.2 s) */
	while (!stop_level(en, 2)) {
		double now = scan_now(), step;
		uint64_t r;
		int rc;
		if (now >= deadline ||
		    (stateful && en->mode->inflight(en->mstate) == 0 && now - t0 >= 0))
			break;
		if (!stateful) {
			double w = stateless_window(en, wait);
			if (now - t0 >= w && now - heard >= w)
				break;
		}
		if (now - en->t_last_progress >= PROGRESS_EVERY)
			report_progress(en, now, true);
		step = stateful ? 0.05 : 0.01;
		rc = en->mode->recv(en->mstate, deadline - now < step ? deadline - now : step, e);
		if (rc)
			return rc;
		r = en->c.received + en->c.duplicates + en->c.invalid;
		if (r != replies) {
			replies = r;
			heard = scan_now();
		}
	}
	return 0;
}

/* Stateless modes: every target of this shard that never answered is filtered. */
static int report_unanswered(struct scan_engine *en)
{
	uint64_t pos = 0, dom = en->targets.perm.domain;
	struct scan_target t;

	while (pos < dom && scan_targets_next(&en->targets, &pos, &t) && t.pass == 0) {
		int rc;
		if (seen_has(en, &t.ip, t.port))
			continue;
		rc = emit(en, &t.ip, t.port, SCAN_TCP, SCAN_FILTERED, -1, -1);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct scan_mode *find_mode(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (name && strcmp(modes[i]->name, name) == 0)
			return modes[i];
	return NULL;
}

static int engine_init(struct scan_engine *en, const struct scan_config *cfg, struct merr *e)
{
	int rc;

	en->cfg = cfg;
	en->mode = find_mode(cfg->mode);
	if (!en->mode)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "mode",
			       "unknown mode '%s' (connect, syn, udp)", cfg->mode ? cfg->mode : "");
	if (!cfg->targets || !cfg->allowed || !cfg->ports || cfg->rate <= 0)
		return merr_set(e, M_EINVAL, "scan: targets, allowed set, ports and rate needed");
	/* Every range to walk must lie inside the allowed set; the per-probe check
	 * below is the second line, not the first. */
	for (size_t i = 0; !cfg->partial_scope && i < cfg->targets->n; i++) {
		struct ipaddr lo, hi;
		ip_from128(cfg->targets->r[i].lo, &lo);
		ip_from128(cfg->targets->r[i].hi, &hi);
		if (!ipset_contains(cfg->allowed, &lo) || !ipset_contains(cfg->allowed, &hi)) {
			char a[INET6_ADDRSTRLEN];
			ip_format(&lo, a);
			return merr_at(e, M_ESCOPE, NULL, -1, -1, "targets",
				       "%s: not inside the allowed scope", a);
		}
	}
	rc = scan_targets_init(&en->targets, cfg->targets, cfg->ports, cfg->key, cfg->shard,
			       cfg->n_shards ? cfg->n_shards : 1, cfg->retries + 1, e);
	if (rc)
		return rc;
	en->seen = scan_seen_new();
	en->n_bits = en->targets.n_addrs * en->targets.ports.n;
	if (en->targets.ports.n && en->n_bits / en->targets.ports.n == en->targets.n_addrs &&
	    en->n_bits <= SEEN_BITS_MAX)
		en->seen_bits = m_calloc((size_t)((en->n_bits + 63) / 64), sizeof(uint64_t));
	en->netcap = scan_netcap_new(cfg->per_net_rate, 1024);
	en->defer = m_malloc(DEFER_CAP * sizeof(*en->defer));
	if (!en->seen || !en->netcap || !en->defer)
		return merr_set(e, M_ENOMEM, "out of memory");
	en->pos = cfg->start_pos;
	return 0;
}

static void engine_release(struct scan_engine *en)
{
	scan_targets_release(&en->targets);
	scan_seen_free(en->seen);
	m_free(en->seen_bits);
	scan_netcap_free(en->netcap);
	m_free(en->defer);
}

int scan_run(const struct scan_config *cfg, scan_sink_fn sink, void *sink_arg,
	     struct scan_outcome *out, struct merr *e)
{
	struct scan_engine *en = m_calloc(1, sizeof(*en));
	int rc, rc2;

	memset(out, 0, sizeof(*out));
	if (!en)
		return merr_set(e, M_ENOMEM, "out of memory");
	en->sink = sink;
	en->sink_arg = sink_arg;
	rc = engine_init(en, cfg, e);
	for (size_t i = 0; rc == 0 && i < cfg->n_preseen; i++)
		rc = seen_add(en, &cfg->preseen[i].ip, cfg->preseen[i].port) < 0
			 ? merr_set(e, M_ENOMEM, "out of memory")
			 : 0;
	if (rc == 0)
		rc = en->mode->init(en, &en->mstate, e);
	if (rc) {
		engine_release(en);
		m_free(en);
		return rc;
	}
	en->t_start = en->t_last_progress = scan_now();
	scan_rate_init(&en->rate, cfg->rate, en->t_start);
	rc = send_loop(en, out, e);
	if (en->mode->flush) { /* probes handed to sender threads are out before the cooldown */
		struct merr ignored;
		rc2 = en->mode->flush(en->mstate, rc ? &ignored : e);
		if (!rc)
			rc = rc2;
	}
	out->send_elapsed = scan_now() - en->t_start;
	{
		double tc = scan_now();
		rc2 = cooldown(en, e);
		out->cooldown_s = scan_now() - tc;
	}
	if (!rc)
		rc = rc2;
	en->mode->close(en->mstate, &en->c);
	out->checkpoint = checkpoint_of(en);
	out->complete = out->checkpoint >= scan_targets_end(&en->targets);
	if (!rc && out->complete && en->mode == &scan_mode_syn && cfg->report_filtered)
		rc = report_unanswered(en);
	if (!rc && en->sink_rc)
		rc = en->sink_rc;
	report_progress(en, scan_now(), true);
	out->elapsed = scan_now() - en->t_start;
	out->c = en->c;
	engine_release(en);
	m_free(en);
	return rc;
}
