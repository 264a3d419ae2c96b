/* mem.c - allocation wrappers with fault injection for tests. */
#include "base/compat.h"

#include "base/mem.h"

static long fail_countdown = -1; /* -1: off */
static long alloc_count;
static long fail_count;

static bool should_fail(void)
{
	alloc_count++;
	if (fail_countdown < 0)
		return false;
	if (fail_countdown == 0) {
		fail_count++;
		return true;
	}
	fail_countdown--;
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
	long made = alloc_count;
	alloc_count = 0;
	fail_count = 0;
	fail_countdown = n;
	return made;
}

void mem_fail_reset(void)
{
	fail_countdown = -1;
}

long mem_failures(void)
{
	return fail_count;
}
