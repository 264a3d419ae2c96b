/*
 * chain.h - hash chains for append-only logs (incident timeline, audit log): each row's hash is
 * SHA-256 over the previous row's hash and the row's own fields, each field length-prefixed so
 * no two different rows hash the same input. The first row's previous hash is CHAIN_GENESIS.
 */
#ifndef MAMORI_CHAIN_H
#define MAMORI_CHAIN_H

#include "base/compat.h"

#define CHAIN_HEX 65
#define CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct chain_ctx; /* a reusable digest context (verify over a million rows) */
struct chain_ctx *chain_ctx_new(void);
void chain_ctx_free(struct chain_ctx *c);

/* out = hex SHA-256(prev, fields...). A NULL field hashes differently from "". Returns 0 or
 * M_ENOMEM. c may be NULL (a context is made for the call). */
int chain_hash(struct chain_ctx *c, const char *prev, const char *const *fields, size_t n,
	       char out[CHAIN_HEX]);

/* What a verification found: rows checked, the first broken row (0: none) and why. */
struct chain_verify {
	int64_t rows;	  /* rows read */
	int64_t unsealed; /* trailing rows not sealed yet (no hash) */
	int64_t broken_id;
	char why[160];
};

#endif
