/*
 * feed_arena.c - a bump allocator for cJSON while one feed record is parsed: the DOM of a
 * record is thousands of small allocations freed together, and malloc/free was the largest
 * single cost of NVD ingest. Thread-local; off (plain malloc) outside a record and under ASan.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "feeds/feeds_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_DISABLED 1 /* let ASan see every cJSON allocation */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_DISABLED 1
#endif
#endif

#define ARENA_SIZE ((size_t)8 << 20) /* a typical record's DOM is < 1 MB; bigger ones spill */

#ifndef ARENA_DISABLED
static _Thread_local struct {
	char *base;
	size_t used;
	int depth;
	size_t spills; /* allocations inside a scope that did not fit and went to malloc */
} arena;

static bool in_arena(const void *p)
{
	return arena.base && (const char *)p >= arena.base &&
	       (const char *)p < arena.base + ARENA_SIZE;
}

static void *arena_malloc(size_t n)
{
	if (arena.depth > 0 && arena.base) {
		size_t need = (n + 15) & ~(size_t)15;
		if (need >= n && arena.used + need <= ARENA_SIZE) {
			void *p = arena.base + arena.used;
			arena.used += need;
			return p;
		}
	}
	if (arena.depth > 0)
		arena.spills++;
	return malloc(n); /* NOLINT: cJSON's allocator, freed by arena_free */
}

static void arena_free(void *p)
{
	if (!in_arena(p))
		free(p); /* NOLINT */
}

/* cJSON's hooks are process-wide and cJSON_InitHooks rewrites them in two steps (free is
 * briefly plain free): installed once, before the parser threads start. */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void hooks_install(void)
{
	cJSON_Hooks h = {.malloc_fn = arena_malloc, .free_fn = arena_free};
	cJSON_InitHooks(&h);
}

#endif

void feeds_arena_init(void)
{
#ifndef ARENA_DISABLED
	pthread_once(&hooks_once, hooks_install);
#endif
}

size_t feeds_arena_begin(void)
{
#ifndef ARENA_DISABLED
	static _Thread_local bool tried;
	if (!arena.base && !tried) {
		tried = true;
		feeds_arena_init();
		arena.base = malloc(ARENA_SIZE); /* NOLINT: lives as long as the thread */
	}
	if (arena.base)
		arena.depth++;
	return arena.used;
#else
	return 0;
#endif
}

void feeds_arena_end(size_t mark)
{
#ifndef ARENA_DISABLED
	if (arena.base && arena.depth > 0) {
		arena.depth--;
		arena.used = mark;
	}
#else
	(void)mark;
#endif
}

size_t feeds_arena_spills(void)
{
#ifndef ARENA_DISABLED
	return arena.spills;
#else
	return 0;
#endif
}

void feeds_arena_delete(cJSON *doc, size_t spills)
{
#ifndef ARENA_DISABLED
	/* Walking a record's tree to free thousands of nodes one by one was a tenth of the
	 * import's instructions; when none of them went to malloc, the end call frees them. */
	if (arena.base && arena.depth > 0 && arena.spills == spills)
		return;
#else
	(void)spills;
#endif
	cJSON_Delete(doc);
}

void feeds_arena_thread_end(void)
{
#ifndef ARENA_DISABLED
	if (arena.base && arena.depth == 0) {
		free(arena.base); /* NOLINT: allocated with malloc in feeds_arena_begin */
		arena.base = NULL;
		arena.used = 0;
	}
#endif
}
