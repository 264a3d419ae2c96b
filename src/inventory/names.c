/*
 * names.c - organisations' display names for lists (inv_org_display_name): a process-wide
 * slug -> (name_ja, name_en) map, sorted for a binary search, rebuilt when the orgs table
 * changed. A findings page of 50 rows looks 50 names up without touching the store; the map
 * is checked against the table at most once a second (one aggregate over orgs).
 */
#include "base/compat.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/mem.h"
#include "inventory/inventory.h"
#include "store/store.h"

struct name {
	char *slug, *ja, *en;
};

static struct {
	pthread_mutex_t lock;
	char *location;		/* the store the map was read from */
	int64_t stamp[3];	/* count, max(id), max(updated_at) of orgs */
	struct timespec looked; /* when the stamp was last compared */
	struct name *v;
	size_t n;
} names = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void names_clear(void)
{
	for (size_t i = 0; i < names.n; i++) {
		free(names.v[i].slug);
		free(names.v[i].ja);
		free(names.v[i].en);
	}
	free(names.v);
	names.v = NULL;
	names.n = 0;
}

static int read_stamp(struct store *s, int64_t stamp[3])
{
	struct store_stmt *st = NULL;
	struct merr e;
	int rc;

	merr_init(&e);
	if (store_prepare(s,
			  "SELECT count(*), coalesce(max(id), 0), coalesce(max(updated_at), 0) "
			  "FROM orgs",
			  &st, &e))
		return -1;
	rc = stmt_step(st, &e);
	if (rc == 1)
		for (int i = 0; i < 3; i++)
			stamp[i] = stmt_int64(st, i);
	stmt_finalize(st);
	return rc == 1 ? 0 : -1;
}

static int by_slug(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->slug, ((const struct name *)b)->slug);
}

static int names_read(struct store *s)
{
	struct store_stmt *st = NULL;
	struct merr e;
	size_t cap = 0;
	int rc;

	names_clear();
	merr_init(&e);
	if (store_prepare(s, "SELECT slug, name_ja, name_en FROM orgs ORDER BY slug", &st, &e))
		return -1;
	while ((rc = stmt_step(st, &e)) == 1) {
		if (names.n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct name *nv = realloc(names.v, nc * sizeof *nv);
			if (!nv) {
				rc = -1;
				break;
			}
			names.v = nv;
			cap = nc;
		}
		const char *ja = stmt_text(st, 1), *en = stmt_text(st, 2);
		struct name *x = &names.v[names.n];
		x->slug = m_strdup(stmt_text(st, 0) ? stmt_text(st, 0) : "");
		x->ja = ja && *ja ? m_strdup(ja) : NULL;
		x->en = en && *en ? m_strdup(en) : NULL;
		if (!x->slug) {
			free(x->ja);
			free(x->en);
			rc = -1;
			break;
		}
		names.n++;
	}
	stmt_finalize(st);
	/* SQL's ORDER BY may collate differently from strcmp (PostgreSQL's locale) */
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, by_slug);
	return rc < 0 ? -1 : 0;
}

/* The map is for s: its location matches and, if a second has passed, its stamp too. */
static void names_fresh(struct store *s)
{
	const char *loc = store_location(s);
	struct timespec now;
	int64_t stamp[3];
	bool same = names.location && loc && !strcmp(names.location, loc);

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (same && now.tv_sec - names.looked.tv_sec < 1)
		return;
	if (read_stamp(s, stamp)) {
		if (!same) /* another store and no stamp: no map rather than a wrong one */
			names_clear();
		return;
	}
	names.looked = now;
	if (same && !memcmp(stamp, names.stamp, sizeof stamp))
		return;
	free(names.location);
	names.location = loc ? m_strdup(loc) : NULL;
	memcpy(names.stamp, stamp, sizeof stamp);
	if (names_read(s)) { /* read again next time */
		free(names.location);
		names.location = NULL;
	}
}

const char *inv_org_display_name(struct store *s, const char *slug, bool en, char *buf, size_t cap)
{
	struct name key, *hit;

	if (!cap)
		return buf;
	snprintf(buf, cap, "%s", slug ? slug : "");
	if (!slug)
		return buf;
	key.slug = (char *)slug;
	pthread_mutex_lock(&names.lock);
	names_fresh(s);
	hit = names.n ? bsearch(&key, names.v, names.n, sizeof *names.v, by_slug) : NULL;
	if (hit && en && hit->en)
		snprintf(buf, cap, "%s", hit->en);
	else if (hit && hit->ja)
		snprintf(buf, cap, "%s", hit->ja);
	pthread_mutex_unlock(&names.lock);
	return buf;
}
