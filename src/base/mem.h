/*
 * mem.h - the allocator every mamori module uses, with a hook so tests can
 * make the Nth allocation fail (as curl's torture tests and SQLite's faultsim).
 * Third-party libraries (SQLite, cJSON, libyaml) allocate on their own.
 */
#ifndef MAMORI_MEM_H
#define MAMORI_MEM_H

#include "base/compat.h"

void *m_malloc(size_t n);
void *m_calloc(size_t count, size_t size);
void *m_realloc(void *p, size_t n);
void m_free(void *p);
/* Returns a new copy of s (NULL when s is NULL or memory runs out). */
char *m_strdup(const char *s);
char *m_strndup(const char *s, size_t n);

/*
 * Fault injection for tests: after `n` more successful allocations, every
 * allocation fails until mem_fail_reset(). n < 0 turns injection off.
 * Returns how many allocations were made since the last call (handy to
 * size a loop that fails each allocation in turn; counting starts at the first
 * call). Meant for single-threaded tests.
 */
long mem_fail_after(long n);
void mem_fail_reset(void);
/* Number of allocations that were made to fail since the last reset. */
long mem_failures(void);

#endif
