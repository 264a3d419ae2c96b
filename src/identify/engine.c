/*
 * engine.c - runs the probes of each port under its time budget, decides identified /
 * unidentified / silent / error, and spreads the ports over a small pool of worker threads.
 *
 * Why threads and not one epoll loop: a port's probes are short conversations (TLS handshake,
 * then HTTP, then a favicon; SMTP greeting, EHLO, QUIT) that read best as straight-line code,
 * and OpenSSL's blocking-style API on a non-blocking socket keeps them that way. Every wait is
 * bounded by the port's deadline, so a worker is never held longer than the budget; N workers
 * give N ports in flight (default 32). fp_match is thread-safe; the store is touched only by
 * the calling thread, before and after the pool runs.
 */
#include "base/compat.h"

#include "base/stop.h"
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/mem.h"
#include "identify/identify_int.h"

void ident_config_init(struct ident_config *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout = 4.0;
	c->silent_wait = 1.2;
	c->concurrency = 32;
	c->read_cap = IDENT_READ_CAP_DEFAULT;
}

void ident_service_release(struct ident_service *s)
{
	if (!s)
		return;
	m_free(s->banner);
	m_free(s->evidence);
	m_free(s->tls_info);
	s->banner = s->evidence = s->tls_info = NULL;
}

static void set_state(struct ident_service *s, const char *state, const char *note)
{
	snprintf(s->state, sizeof(s->state), "%s", state);
	if (note && !*s->note)
		snprintf(s->note, sizeof(s->note), "%s", note);
}

static bool may_touch(const struct ident_target *t)
{
	if (t->allowed)
		return ipset_contains(t->allowed, &t->ip);
	return ip_is_loopback(&t->ip); /* no scope given: only the loopback lab (tests) */
}

/* Plans that talk HTTP, TLS or wait for a banner over TCP get the parallel silence check
 * first (mute.c); OT and DNS probes speak their own protocol and keep their own waits. */
static bool wants_mute_check(const struct ident_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->probes[i] != IDP_BANNER && plan->probes[i] != IDP_HTTP &&
		    plan->probes[i] != IDP_TLS)
			return false;
	return plan->n > 0;
}

static void run_plan(struct probe_ctx *p, const struct ident_plan *plan)
{
	bool silent_seen = false; /* a connection stayed mute for the whole silent wait */

	if (!p->t->udp && wants_mute_check(plan) && ident_mute_check(p))
		return;

	for (size_t i = 0; i < plan->n && !p->done; i++) {
		enum ident_probe pr = plan->probes[i];
		if (ident_now() >= p->deadline)
			break;
		if (stop_level_of(p->cfg->stop))
			break;
		switch (pr) {
		case IDP_BANNER:
			/* banner services speak on connect: an earlier mute connection already
			 * waited for them */
			if (silent_seen)
				continue;
			ident_probe_banner(p, plan->wait_first);
			break;
		case IDP_HTTP: ident_probe_http(p, false); break;
		case IDP_TLS: ident_probe_http(p, true); break;
		case IDP_DNS_TCP: ident_probe_dns(p, false); break;
		case IDP_DNS_UDP: ident_probe_dns(p, true); break;
		default: ident_probe_ot(p, pr); break;
		}
		if (p->connected && !p->any_bytes)
			silent_seen = true;
	}
}

static void finish(struct probe_ctx *p, const struct ident_plan *plan, double t0)
{
	struct ident_service *s = p->out;
	const struct fp_result *const *res = (const struct fp_result *const *)p->res;
	char *txt;

	if (!*s->state)
		ident_combine(s, res, p->n_res);
	snprintf(s->service, sizeof(s->service), "%s", *p->service ? p->service : plan->service);
	if (!*s->state) {
		if (!p->connected)
			set_state(s, "error", "no probe could connect");
		else if (!p->any_bytes)
			set_state(s, "silent", "connected, but no bytes and no reply to HTTP/TLS");
		else
			set_state(s, "unidentified", "answered, but no fingerprint matched");
	}
	if (p->banner.len) {
		s->banner = ident_clean_text(p->banner.ptr, p->banner.len, IDENT_BANNER_MAX);
	}
	cJSON *ti = cJSON_GetObjectItem(p->ev, "tls");
	if (ti) {
		s->tls_info = cJSON_PrintUnformatted(ti);
		if (s->tls_info) { /* project allocator owns what the service holds */
			char *own = m_strdup(s->tls_info);
			cJSON_free(s->tls_info);
			s->tls_info = own;
		}
	}
	cJSON_AddNumberToObject(p->ev, "elapsed_ms", (double)(long)((ident_now() - t0) * 1000));
	txt = cJSON_PrintUnformatted(p->ev);
	s->evidence = txt ? m_strdup(txt) : NULL;
	cJSON_free(txt);
	s->elapsed = ident_now() - t0;
}

void ident_probe_target(const struct ident_config *cfg, const struct ident_target *t,
			struct ident_service *out)
{
	struct probe_ctx p;
	struct ident_plan plan;
	double t0 = ident_now();

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	snprintf(out->org, sizeof(out->org), "%s", t->org);
	ip_format(&t->ip, out->ip);
	snprintf(p.ipstr, sizeof(p.ipstr), "%s", out->ip);
	out->port = t->port;
	snprintf(out->proto, sizeof(out->proto), "%s", t->udp ? "udp" : "tcp");
	ident_plan_for(t->port, t->udp, &plan);
	p.cfg = cfg;
	p.t = t;
	p.out = out;
	p.deadline = t0 + cfg->timeout;
	p.ev = cJSON_CreateObject();
	p.probes = cJSON_AddArrayToObject(p.ev, "probes");
	buf_init(&p.banner, IDENT_BANNER_MAX + 1);
	if (*t->hostname)
		cJSON_AddStringToObject(p.ev, "hostname", t->hostname);
	if (!may_touch(t)) {
		/* the caller checked scope; this is the last line of defence */
		set_state(out, "error", "refused: address outside the organisation's scope");
		ident_note_probe(&p, "scope", "refused", t0, "not in scope: nothing sent");
	} else if (plan.n == 0) {
		set_state(out, "unidentified", "no probe for this UDP port");
	} else {
		run_plan(&p, &plan);
	}
	finish(&p, &plan, t0);
	for (size_t i = 0; i < p.n_res; i++)
		m_free(p.res[i]);
	cJSON_Delete(p.ev);
	buf_release(&p.banner);
}

/* ---------------------------------------------------------------- the pool */

struct pool {
	const struct ident_config *cfg;
	const struct ident_target *t;
	struct ident_service *out;
	size_t n;
	atomic_size_t next;
	atomic_size_t skipped;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&pl->next, 1);
		if (i >= pl->n)
			break;
		if (stop_level_of(pl->cfg->stop)) {
			struct ident_service *s = &pl->out[i];
			memset(s, 0, sizeof(*s));
			snprintf(s->org, sizeof(s->org), "%s", pl->t[i].org);
			ip_format(&pl->t[i].ip, s->ip);
			s->port = pl->t[i].port;
			snprintf(s->proto, sizeof(s->proto), "%s", pl->t[i].udp ? "udp" : "tcp");
			set_state(s, "skipped", "interrupted before this port");
			atomic_fetch_add(&pl->skipped, 1);
			continue;
		}
		ident_probe_target(pl->cfg, &pl->t[i], &pl->out[i]);
	}
	return NULL;
}

int ident_run(const struct ident_config *cfg, const struct ident_target *t, size_t n,
	      struct ident_service *out, struct ident_counters *k, struct merr *e)
{
	struct pool pl = {.cfg = cfg, .t = t, .out = out, .n = n};
	unsigned nw = cfg->concurrency ? cfg->concurrency : 1;
	pthread_t *th;
	size_t started = 0;
	double t0 = ident_now();

	memset(k, 0, sizeof(*k));
	if (cfg->timeout <= 0 || cfg->read_cap == 0)
		return merr_set(e, M_EINVAL, "identify: timeout and read cap must be positive");
	if (nw > n)
		nw = n ? (unsigned)n : 1;
	if (nw > 1024)
		nw = 1024;
	atomic_init(&pl.next, 0);
	atomic_init(&pl.skipped, 0);
	th = m_calloc(nw, sizeof(*th));
	if (!th)
		return merr_set(e, M_ENOMEM, "identify: no memory for %u workers", nw);
	for (unsigned i = 0; i < nw; i++) {
		if (pthread_create(&th[i], NULL, worker, &pl) != 0)
			break;
		started++;
	}
	if (started == 0)
		worker(&pl); /* no threads at all: do the work here */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	m_free(th);
	k->targets = n;
	for (size_t i = 0; i < n; i++) {
		const char *s = out[i].state;
		if (!strcmp(s, "identified"))
			k->identified++;
		else if (!strcmp(s, "unidentified"))
			k->unidentified++;
		else if (!strcmp(s, "silent"))
			k->silent++;
		else if (!strcmp(s, "skipped"))
			k->skipped++;
		else
			k->error++;
	}
	k->interrupted = k->skipped > 0;
	k->elapsed = ident_now() - t0;
	return 0;
}

cJSON *ident_service_json(const struct ident_service *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ev = s->evidence ? cJSON_Parse(s->evidence) : NULL;
	cJSON *ti = s->tls_info ? cJSON_Parse(s->tls_info) : NULL;

#define STR_OR_NULL(k, v)                                 \
	do {                                              \
		if (*(v))                                 \
			cJSON_AddStringToObject(o, k, v); \
		else                                      \
			cJSON_AddNullToObject(o, k);      \
	} while (0)
	cJSON_AddStringToObject(o, "org", s->org);
	cJSON_AddStringToObject(o, "ip", s->ip);
	cJSON_AddNumberToObject(o, "port", s->port);
	cJSON_AddStringToObject(o, "proto", s->proto);
	STR_OR_NULL("service", s->service);
	cJSON_AddBoolToObject(o, "tls", s->tls);
	cJSON_AddStringToObject(o, "state", s->state);
	STR_OR_NULL("vendor", s->vendor);
	STR_OR_NULL("product", s->product);
	STR_OR_NULL("version", s->version);
	STR_OR_NULL("cpe", s->cpe);
	STR_OR_NULL("os", s->os);
	STR_OR_NULL("device_type", s->device_type);
	if (*s->note)
		cJSON_AddStringToObject(o, "note", s->note);
	if (s->banner)
		cJSON_AddStringToObject(o, "banner", s->banner);
	else
		cJSON_AddNullToObject(o, "banner");
	cJSON_AddItemToObject(o, "evidence", ev ? ev : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "tls_info", ti ? ti : cJSON_CreateNull());
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)(long)(s->elapsed * 1000));
	cJSON_AddNumberToObject(o, "bytes_read", (double)s->bytes_read);
#undef STR_OR_NULL
	return o;
}
