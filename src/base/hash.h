/*
 * hash.h - the one string hash for in-memory tables and cache keys (FNV-1a, 64 bit): not
 * for anything an attacker could aim at a table's worst case without a bound behind it.
 */
#ifndef MAMORI_HASH_H
#define MAMORI_HASH_H

#include "base/compat.h"

#include <stdint.h>

static inline uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

#endif
