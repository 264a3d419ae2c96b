/* pagecache.c - assembled TAXII pages kept in memory (issue #21): a 1000-object page costs
 * about a millisecond of SQLite rows to build, and serving the same bytes again costs what a
 * static file does. An entry is keyed by everything the page's rows depend on: the collection
 * and its default TLP, the caller's audience class (the TLP levels it may see there), the
 * TLP 1.0 rewrite, the kind of page and every query field. It is served only while the
 * collection's write sequence (0867, bumped in the transaction of every change to its
 * objects) is the one it was built at. Entries are refcounted: a page is handed to the HTTP
 * server without a copy and freed by the last of the cache and the connections sending it. */
#include "base/compat.h"

#include <pthread.h>

#include "base/hash.h"
#include "base/buf.h"
#include "base/mem.h"
#include "share/share.h"

#define CACHE_ENTRIES 512

struct share_page {
	struct share_page *prev, *next; /* LRU list, most recent first (while cached) */
	bool cached;
	int refs;
	uint64_t hash;
	char *key;
	int64_t write_seq;
	char *body;
	size_t len;
	char first[40], last[40];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct share_page *head, *tail;
static size_t n_entries, n_bytes;
static size_t cap_bytes = SHARE_PAGE_CACHE_DEFAULT;
static struct share_page_stats stats;

static void page_free(struct share_page *p)
{
	m_free(p->body);
	m_free(p->key);
	m_free(p);
}

/* Under mu: takes p out of the list; frees it when nobody holds it. */
static void unlink_locked(struct share_page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		tail = p->prev;
	p->prev = p->next = NULL;
	p->cached = false;
	n_entries--;
	n_bytes -= p->len;
	if (--p->refs == 0)
		page_free(p);
}

unsigned share_audience(const struct share_collection *c, const struct share_who *who)
{
	unsigned m = 0;

	for (int t = SHARE_TLP_CLEAR; t <= SHARE_TLP_RED; t++)
		if (!who || share_tlp_allows(c, t, who))
			m |= 1u << t;
	return m;
}

static int add_list(struct buf *b, const char *name, const char *v)
{
	if (buf_addf(b, "|%s=", name))
		return -1;
	/* quoted: a value cannot pose as another field */
	return v ? buf_add_json_str(b, v) : buf_addc(b, '-');
}

char *share_page_key(const struct share_collection *c, const struct share_query *q,
		     unsigned audience, int kind, bool tlp1)
{
	struct buf b;
	int rc = 0;

	/* the cap is far above what is kept: an append that failed must not leave a shorter
	 * key that another query could share */
	buf_init(&b, (size_t)1 << 20);
	rc |= buf_addf(
	    &b, "k%d|c=%s|tlp=%d|aud=%u|tlp1=%d|after=%lld|cur=%lld,%lld|lim=%zu|off=%zu|v=%d",
	    kind, c->id, c->tlp, audience, tlp1 ? 1 : 0, (long long)q->added_after,
	    (long long)q->cursor_date, (long long)q->cursor_seq, q->limit, q->offset, q->vsel);
	rc |= buf_addf(&b, ",%d,%d", q->vsel_first ? 1 : 0, q->vsel_last ? 1 : 0);
	for (int i = 0; i < q->n_ats; i++)
		rc |= buf_addf(&b, ",@%lld", (long long)q->ats[i]);
	rc |= buf_addf(&b, "|who=%d", q->who ? 1 : 0);
	rc |= add_list(&b, "ids", q->ids);
	rc |= add_list(&b, "types", q->types);
	rc |= add_list(&b, "spec", q->spec_versions);
	rc |= add_list(&b, "tlponly", q->tlp_only);
	rc |= add_list(&b, "text", q->text);
	if (rc || b.len >= 4000) { /* a key this long (match[id] lists) is not worth keeping */
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

struct share_page *share_page_get(const char *key, int64_t write_seq)
{
	uint64_t h;
	struct share_page *p;

	if (!key)
		return NULL;
	h = hash_str(key);
	pthread_mutex_lock(&mu);
	for (p = head; p; p = p->next)
		if (p->hash == h && strcmp(p->key, key) == 0)
			break;
	if (p && p->write_seq != write_seq) {
		unlink_locked(p); /* built before the collection changed */
		stats.stale++;
		p = NULL;
	}
	if (p) {
		if (p != head) { /* most recently used first */
			p->prev->next = p->next;
			if (p->next)
				p->next->prev = p->prev;
			else
				tail = p->prev;
			p->prev = NULL;
			p->next = head;
			head->prev = p;
			head = p;
		}
		p->refs++;
		stats.hits++;
	} else {
		stats.misses++;
	}
	pthread_mutex_unlock(&mu);
	return p;
}

struct share_page *share_page_put(char *key, int64_t write_seq, char *body, size_t len,
				  const char *first, const char *last)
{
	struct share_page *p = m_malloc(sizeof(*p));

	if (!p) {
		m_free(key);
		m_free(body);
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->refs = 1; /* the caller's */
	p->key = key;
	p->write_seq = write_seq;
	p->body = body;
	p->len = len;
	snprintf(p->first, sizeof(p->first), "%s", first ? first : "");
	snprintf(p->last, sizeof(p->last), "%s", last ? last : "");
	if (!key)
		return p;
	p->hash = hash_str(key);
	pthread_mutex_lock(&mu);
	if (len <= cap_bytes / 4) {
		struct share_page *o;
		for (o = head; o; o = o->next)
			if (o->hash == p->hash && strcmp(o->key, key) == 0) {
				unlink_locked(o); /* another thread built the same page */
				break;
			}
		p->refs++; /* the cache's */
		p->cached = true;
		p->next = head;
		if (head)
			head->prev = p;
		head = p;
		if (!tail)
			tail = p;
		n_entries++;
		n_bytes += len;
		while (tail && tail != p && (n_bytes > cap_bytes || n_entries > CACHE_ENTRIES)) {
			unlink_locked(tail);
			stats.evicted++;
		}
	}
	pthread_mutex_unlock(&mu);
	return p;
}

const char *share_page_body(const struct share_page *p, size_t *len)
{
	*len = p->len;
	return p->body;
}

const char *share_page_first(const struct share_page *p)
{
	return p->first;
}

const char *share_page_last(const struct share_page *p)
{
	return p->last;
}

void share_page_unref(void *page)
{
	struct share_page *p = page;
	bool last;

	if (!p)
		return;
	pthread_mutex_lock(&mu);
	last = --p->refs == 0;
	pthread_mutex_unlock(&mu);
	if (last)
		page_free(p);
}

void share_page_cache_limit(size_t bytes)
{
	pthread_mutex_lock(&mu);
	cap_bytes = bytes;
	while (tail && (n_bytes > cap_bytes || (cap_bytes == 0 && n_entries)))
		unlink_locked(tail);
	pthread_mutex_unlock(&mu);
}

void share_page_cache_stats(struct share_page_stats *out)
{
	pthread_mutex_lock(&mu);
	*out = stats;
	out->entries = n_entries;
	out->bytes = n_bytes;
	pthread_mutex_unlock(&mu);
}
