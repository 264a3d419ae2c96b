/*
 * feed_seen.c - the CVE ids an NVD import into an empty cves table has stored so far, so
 * a record whose id it has not stored skips the lookup of the row it cannot have (one
 * SELECT a record, ~3.4k instructions of the importing thread's ~95k). Only 64-bit hashes
 * are kept (2 MB for the 130k records of the x20 benchmark): a hash already there may be
 * another id's, and such a record takes the lookup as before. A probe run past
 * SEEN_PROBE_MAX (ids aimed at one slot) or a failed allocation turns the set off for the
 * rest of the file, and so does a commit by another connection between two batches
 * (PRAGMA data_version): the lookup then answers for every record.
 */
#include "base/compat.h"

#include "base/hash.h"
#include "base/mem.h"
#include "store/store.h"
#include "feeds/feeds_int.h"

#define SEEN_MIN 4096
#define SEEN_PROBE_MAX 64
#define SEEN_MAX ((size_t)1 << 24) /* 128 MB of slots: beyond, the lookups stay */

void feeds_seen_start(struct feeds_ctx *c)
{
	struct feeds_seen *s = &c->seen;
	int64_t any = 1;

	memset(s, 0, sizeof(*s));
	if (strcmp(store_backend_name(c->s), "sqlite") != 0 ||
	    store_query_int(c->s, "SELECT EXISTS (SELECT 1 FROM cves)", &any, NULL) || any ||
	    store_query_int(c->s, "PRAGMA data_version", &s->version, NULL))
		return;
	s->on = true;
}

void feeds_seen_end(struct feeds_ctx *c)
{
	m_free(c->seen.slots);
	memset(&c->seen, 0, sizeof(c->seen));
}

/* After a commit of this import: the next batch checks that nobody else wrote meanwhile. */
void feeds_seen_committed(struct feeds_ctx *c)
{
	if (c->seen.on)
		c->seen.recheck = true;
}

static int grow(struct feeds_seen *s)
{
	size_t cap = s->cap ? s->cap * 2 : SEEN_MIN;
	uint64_t *n;

	if (cap > SEEN_MAX || !(n = m_calloc(cap, sizeof(*n))))
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j = (size_t)s->slots[i] & (cap - 1), k = 0;
		if (!s->slots[i])
			continue;
		while (n[j] && ++k < SEEN_PROBE_MAX)
			j = (j + 1) & (cap - 1);
		if (n[j]) {
			m_free(n);
			return -1;
		}
		n[j] = s->slots[i];
	}
	m_free(s->slots);
	s->slots = n;
	s->cap = cap;
	return 0;
}

bool feeds_seen_fresh(struct feeds_ctx *c, const char *id)
{
	struct feeds_seen *s = &c->seen;
	uint64_t h = hash_str(id) | 1; /* 0 marks an empty slot */
	size_t j;

	if (!s->on)
		return false;
	if (s->recheck) {
		int64_t v = 0;
		s->recheck = false;
		if (store_query_int(c->s, "PRAGMA data_version", &v, NULL) || v != s->version)
			goto off;
	}
	if ((s->n + 1) * 2 > s->cap && grow(s))
		goto off;
	j = (size_t)h & (s->cap - 1);
	for (size_t k = 0; s->slots[j]; k++) {
		if (s->slots[j] == h)
			return false; /* stored before, or another id with this hash */
		if (k + 1 >= SEEN_PROBE_MAX)
			goto off;
		j = (j + 1) & (s->cap - 1);
	}
	s->slots[j] = h;
	s->n++;
	return true;
off:
	m_free(s->slots);
	memset(s, 0, sizeof(*s));
	return false;
}
