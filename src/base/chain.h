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

/* One chained field of a row: a text (NULL hashes differently from "") or an integer, hashed
 * as its decimal text. Every hash-chained log (the audit log, the incident/case timeline)
 * describes its rows with these, so appending and verifying share one definition. */
struct chain_field {
	const char *s;
	int64_t i;
	bool is_int;
};
#define CHAIN_TEXT(x) ((struct chain_field){(x), 0, false})
#define CHAIN_INT(x) ((struct chain_field){NULL, (x), true})
#define CHAIN_FIELDS_MAX 16

/* out = chain_hash(prev, the fields as text). M_EINVAL over CHAIN_FIELDS_MAX fields. */
int chain_hash_row(struct chain_ctx *c, const char *prev, const struct chain_field *f, size_t n,
		   char out[CHAIN_HEX]);

/* A verification walk over a log's rows in id order (the one loop of every verify): each row's
 * prev_hash must be the previous row's hash (CHAIN_GENESIS first) and its hash must be
 * chain_hash_row over its fields. With unsealed_tail, rows without a hash may trail (counted in
 * r->unsealed); a sealed row after one is broken. */
struct chain_walk {
	struct chain_ctx *cc;
	struct chain_verify *r;
	char prev[CHAIN_HEX];
	int64_t first_unsealed;
	bool unsealed_tail;
};
/* 0, or M_ENOMEM. r is cleared. */
int chain_walk_begin(struct chain_walk *w, struct chain_verify *r, bool unsealed_tail);
/* 1: go on; 0: the row is broken (r->broken_id and r->why set: stop); < 0: an error code. */
int chain_walk_row(struct chain_walk *w, int64_t id, const char *prev_hash, const char *hash,
		   const struct chain_field *f, size_t n);
void chain_walk_end(struct chain_walk *w);

#endif
