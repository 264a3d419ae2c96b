/* mem.c - allocation wrappers with fault injection for tests. */
#include "base/compat.h"

#include <stdatomic.h>

#include "base/mem.h"

/* Atomic, relaxed: parser and worker threads allocate too, and a plain counter is a data
 * race (TSan). Nothing is counted before a test first calls mem_fail_after, so the hot
 * path of a real run is one load of a flag no thread writes (no shared counter to bounce
 * between the parser threads' caches). */
static atomic_bool armed;
static atomic_long fail_countdown = -1; /* -1: off */
static atomic_long alloc_count;
static atomic_long fail_count;

static bool should_fail(void)
{
	long left;

	if (!atomic_load_explicit(&armed, memory_order_relaxed))
		return false;
	atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
	left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
	if (left < 0)
		return false;
	if (left == 0) {
		atomic_fetch_add_explicit(&fail_count, 1, memory_order_relaxed);
		return true;
	}
	atomic_fetch_sub_explicit(&fail_countdown, 1, memory_order_relaxed);
	return false;
}

void *m_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *m_calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *m_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void m_free(void *p)
{
	free(p);
}

char *m_strndup(const char *s, size_t n)
{
	char *d;
	size_t len;

	if (!s)
		return NULL;
	len = strnlen(s, n);
	d = m_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *m_strdup(const char *s)
{
	return s ? m_strndup(s, strlen(s)) : NULL;
}

long mem_fail_after(long n)
{
	long made = atomic_exchange(&alloc_count, 0);

	atomic_store(&armed, true);
	atomic_store(&fail_count, 0);
	atomic_store(&fail_countdown, n);
	return made;
}

void mem_fail_reset(void)
{
	atomic_store(&fail_countdown, -1);
}

long mem_failures(void)
{
	return atomic_load(&fail_count);
}
