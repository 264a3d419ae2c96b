/*
 * cache.c - answers of GET reads kept between writes (issue 20 item 3: "cache what a page
 * reads between writes").
 *
 * Why: at 64 connections the console's reads cost 0.3-1.2 ms of CPU each (a findings page
 * sorts and counts over 100,000 rows, an orgs page reads 100 organisations), while between two
 * writes the same URL asked by the same caller gives the same bytes. Kept here, a repeated read
 * costs a key lookup and one PRAGMA.
 *
 * Scope: the key holds everything an answer depends on besides the data: the caller (user id,
 * role, organisation, sector; for HTML pages also the session's CSRF token, which the page
 * carries, so one session's page is never another's), the language, the path and the decoded
 * query. Only routes on the list below (read-only handlers without side effects) and only
 * complete 200 answers (no download, no redirect, no cookie of the handler's own) are kept.
 * Authorisation, denied-read auditing and the route's audit row still run on every request
 * (web_dispatch asks the cache after web_authorize, and audits a hit like a miss).
 *
 * Invalidation: a global generation. Every cacheable request first reads its handle's
 * store_data_stamp (SQLite: PRAGMA data_version, changed by another connection's commit in this
 * process or any other, e.g. the CLI; and the handle's own total changes). Its own write starts
 * a new generation at once. Another connection's commit may be the audit queue's (audited reads
 * like org.read are written in batches, audit_queue.c, several times a second under load): if
 * every such commit started a generation, every cached audited read would be rebuilt by every
 * worker each few milliseconds (issue 20: /api/v1/orgs/{org} p99 37 ms). So a change on the
 * worker's handle asks web_audit_queue_foreign(), which is exact: the queue writes nothing but
 * read audit rows and only through its own handle, and that handle's data_version, which its own
 * commits never move, is looked at under the queue's write mutex both by such a question and by
 * every flush (inside its BEGIN IMMEDIATE, i.e. holding the database's write lock, before its
 * rows are written). Any other commit (a worker's write, the job thread, the CLI, another
 * server) happens between two looks and moves that value; the look that sees it starts a new
 * generation before the mutex is let go, so a request that reads the generation after its own
 * look never gets an answer computed before that commit. A look that cannot have the mutex
 * within 5 ms (a flush in a checkpoint, or waiting for the CLI's write lock) counts the change
 * as a write: a rebuild, never a stale answer and never a long stall. Why not the alternatives: Debian's
 * SQLite has no sqlite3_snapshot_* (not built with SQLITE_ENABLE_SNAPSHOT), and moving read audit
 * rows to another database file would split the audit log that `mamori audit verify` chains.
 * An answer is kept under the generation read BEFORE its handler ran, so an answer computed
 * while a write committed is never served after the write has been seen. Answers also expire
 * after the configured seconds (time moves deadlines into "overdue" with no write). PostgreSQL
 * has no cheap data version: nothing is cached there.
 *
 * Single flight: when a key misses, its first request builds the answer and the others asking
 * the same key under the same generation wait for it (at most FLY_WAIT_MS, then they build
 * too) instead of all computing the same bytes at once.
 *
 * Bytes: an entry is reference counted; a hit hands its body to libmicrohttpd without a copy
 * (server.c, released by the response's free callback), so an entry replaced meanwhile lives on
 * until its last response is sent.
 */
#include "base/compat.h"

#include <pthread.h>
#include <stdatomic.h>

#include "base/hash.h"
#include "base/mem.h"
#include "web/web_int.h"

#define CACHE_SLOTS 1024
#define CACHE_ENTRY_MAX ((size_t)2 << 20)  /* larger answers are not kept */
#define CACHE_BYTES_MAX ((size_t)64 << 20) /* all entries together */
#define FLY_WAIT_MS 50			   /* longest wait for another request's build */

struct web_cached {
	atomic_int refs;
	uint64_t gen;
	int64_t at;
	int status;
	char ctype[64];
	char *key;
	char *body;
	size_t len;
};

/* Routes whose GET handler only reads the store (no writes, no job states, no files), kept.
 * Not /orgs/{org}: it lists the report files of --reports-dir, which change without a write. */
static const char *const cacheable[] = {
    "/",
    "/orgs",
    "/findings",
    "/findings/{id}",
    "/alerts",
    "/alerts/{id}",
    "/api/v1/orgs",
    "/api/v1/orgs/{org}",
    "/api/v1/orgs/{org}/assets",
    "/api/v1/orgs/{org}/scope",
    "/api/v1/orgs/{org}/findings",
    "/api/v1/orgs/{org}/rating",
    "/api/v1/orgs/{org}/services",
    "/api/v1/findings",
    "/api/v1/findings/{id}",
    "/api/v1/alerts",
    "/api/v1/alerts/{id}",
};

/* A key being built (single flight): its hash and generation, per slot. */
struct web_fly {
	uint64_t h, gen;
	bool busy;
};

static struct {
	pthread_mutex_t lock; /* slot, bytes, fly */
	pthread_cond_t built; /* a build ended (broadcast) */
	struct web_cached *slot[CACHE_SLOTS];
	struct web_fly fly[CACHE_SLOTS];
	size_t bytes;
	atomic_uint_fast64_t gen;
	atomic_uint_fast64_t hits, misses, bumps, audit_only, waited;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER, .built = PTHREAD_COND_INITIALIZER, .gen = 1};

/* What this thread's handle showed last (the handle may change: a test, a reopened store). */
static __thread struct {
	const struct store *s;
	int64_t stamp[2];
} seen;

static void unref(struct web_cached *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
		m_free(c->key);
		m_free(c->body);
		m_free(c);
	}
}

void web_cached_release(struct web_cached *c)
{
	unref(c);
}

char *web_cached_body(const struct web_cached *c, size_t *len)
{
	*len = c->len;
	return c->body;
}

static bool route_cacheable(const struct web_req *r)
{
	if (!r->route || !r->opts || !r->opts->response_cache || !r->s || r->body_spooled ||
	    strcmp(r->route->method, "GET") != 0 || (r->route->flags & WEB_SELF_AUDIT))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(cacheable); i++)
		if (strcmp(r->route->pattern, cacheable[i]) == 0)
			return true;
	return false;
}

void web_cache_invalidate(void)
{
	atomic_fetch_add(&cache.bumps, 1);
	atomic_fetch_add(&cache.gen, 1);
}

/* The generation after this handle's data stamp was looked at (0: the store cannot tell). */
static uint64_t current_gen(struct web_req *r)
{
	int64_t st[2];
	struct merr e;

	merr_init(&e);
	if (store_data_stamp(r->s, st, &e))
		return 0;
	if (seen.s != r->s || seen.stamp[0] != st[0] || seen.stamp[1] != st[1]) {
		/* something was committed since this thread last looked (or it never did) */
		bool own = seen.s == r->s && seen.stamp[1] != st[1];
		seen.s = r->s;
		seen.stamp[0] = st[0];
		seen.stamp[1] = st[1];
		if (own)
			web_cache_invalidate(); /* a write on this handle */
		else if (!web_audit_queue_foreign())
			atomic_fetch_add(&cache.audit_only, 1); /* only audit rows: answers stand */
	}
	return atomic_load(&cache.gen);
}

/* Under cache.lock: the entry for key (hash h) under r's generation, with a reference. */
static struct web_cached *lookup_locked(struct web_req *r, uint64_t h)
{
	struct web_cached *c = cache.slot[h % CACHE_SLOTS];

	if (c && (c->gen != r->cache_gen || r->now - c->at >= (int64_t)r->opts->response_cache ||
		  r->now < c->at || strcmp(c->key, r->cache_key) != 0))
		c = NULL;
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int key_add(struct buf *k, const char *s)
{
	/* a unit separator after each part: never in a decoded value (web_pct_decode) */
	return buf_adds(k, s ? s : "") || buf_addc(k, '\x1f');
}

bool web_cache_begin(struct web_req *r)
{
	struct buf k;
	char n[48];
	int bad;

	r->cache_gen = 0;
	r->cache_key = NULL;
	r->cache_build = false;
	if (!route_cacheable(r) || !(r->cache_gen = current_gen(r)))
		return false;
	buf_init(&k, 8192);
	snprintf(n, sizeof(n), "%lld|%d|%d", (long long)r->who.user_id, (int)r->who.role,
		 (int)r->lang);
	bad = key_add(&k, n) || key_add(&k, r->who.org_slug) || key_add(&k, r->who.sector) ||
	      /* a page carries its session's CSRF token: one session's page is its own */
	      key_add(&k, (r->route->flags & WEB_API) ? "api" : r->who.csrf) ||
	      key_add(&k, r->raw_path);
	for (size_t i = 0; !bad && i < r->query.n; i++)
		bad = key_add(&k, r->query.v[i].key) || key_add(&k, r->query.v[i].val);
	if (bad || !k.ptr || !(r->cache_key = web_arena_strndup(&r->arena, k.ptr, k.len))) {
		buf_release(&k);
		r->cache_gen = 0;
		return false;
	}
	buf_release(&k);

	struct web_cached *c;
	struct web_fly *f;
	bool waited = false;
	uint64_t h = hash_str(r->cache_key);
	pthread_mutex_lock(&cache.lock);
	c = lookup_locked(r, h);
	f = &cache.fly[h % CACHE_SLOTS];
	if (!c && f->busy && f->h == h && f->gen == r->cache_gen) {
		/* the same answer is being built: wait for it rather than build it again */
		struct timespec until;
		deadline_in(&until, FLY_WAIT_MS);
		while (f->busy && f->h == h && f->gen == r->cache_gen &&
		       pthread_cond_timedwait(&cache.built, &cache.lock, &until) == 0)
			;
		c = lookup_locked(r, h);
		waited = c != NULL;
	}
	if (!c && !f->busy) {
		*f = (struct web_fly){h, r->cache_gen, true};
		r->cache_build = true;
	}
	pthread_mutex_unlock(&cache.lock);
	if (!c) {
		atomic_fetch_add(&cache.misses, 1);
		return false;
	}
	atomic_fetch_add(&cache.hits, 1);
	if (waited)
		atomic_fetch_add(&cache.waited, 1);
	r->cached = c;
	r->cache_hit = true;
	r->status = c->status;
	r->ctype = c->ctype;
	return true;
}

/* This request's build is over (kept or not): the waiters look again. */
static void build_done(struct web_req *r)
{
	if (!r->cache_build)
		return;
	r->cache_build = false;
	struct web_fly *f = &cache.fly[hash_str(r->cache_key) % CACHE_SLOTS];
	pthread_mutex_lock(&cache.lock);
	f->busy = false;
	pthread_cond_broadcast(&cache.built);
	pthread_mutex_unlock(&cache.lock);
}

/* Keeps r's answer when it may be kept. */
static void keep(struct web_req *r)
{
	struct web_cached *c, *old = NULL;
	size_t len;

	if (!r->cache_key || r->cached || r->status != 200 || r->stream || r->location[0] ||
	    r->disposition[0] || r->n_cookies_out || r->retry_after || r->www_authenticate ||
	    r->taxii_first[0] || !r->out.ptr || r->out.len > CACHE_ENTRY_MAX ||
	    strlen(r->ctype) >= sizeof(c->ctype))
		return;
	if (!(c = m_calloc(1, sizeof(*c))) || !(c->key = m_strdup(r->cache_key))) {
		m_free(c);
		return;
	}
	/* the answer's bytes move into the entry; this request sends them from there */
	c->body = buf_detach(&r->out, &len);
	c->len = len;
	c->gen = r->cache_gen;
	c->at = r->now;
	c->status = r->status;
	snprintf(c->ctype, sizeof(c->ctype), "%s", r->ctype);
	atomic_init(&c->refs, 2); /* the cache's and this request's */
	r->cached = c;
	r->ctype = c->ctype;

	uint64_t h = hash_str(c->key);
	pthread_mutex_lock(&cache.lock);
	old = cache.slot[h % CACHE_SLOTS];
	if (old)
		cache.bytes -= old->len;
	if (cache.bytes + c->len > CACHE_BYTES_MAX) {
		cache.slot[h % CACHE_SLOTS] = NULL;
		atomic_fetch_sub(&c->refs, 1); /* not kept: only this request's */
	} else {
		cache.slot[h % CACHE_SLOTS] = c;
		cache.bytes += c->len;
	}
	pthread_mutex_unlock(&cache.lock);
	unref(old);
}

void web_cache_end(struct web_req *r)
{
	keep(r);
	build_done(r);
}

void web_cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		unref(cache.slot[i]);
		cache.slot[i] = NULL;
	}
	cache.bytes = 0;
	pthread_mutex_unlock(&cache.lock);
}

void web_cache_stats(struct web_cache_stats *st)
{
	st->hits = atomic_load(&cache.hits);
	st->misses = atomic_load(&cache.misses);
	st->generation = atomic_load(&cache.gen);
	st->audit_only = atomic_load(&cache.audit_only);
	st->waited = atomic_load(&cache.waited);
}
