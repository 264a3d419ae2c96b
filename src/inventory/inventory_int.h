/*
 * inventory_int.h - for the inventory module's own files: the string arena a document
 * owns, array growth, and the checks shared by the YAML and CSV parsers.
 */
#ifndef MAMORI_INVENTORY_INT_H
#define MAMORI_INVENTORY_INT_H

#include "base/compat.h"
#include "inventory/inventory.h"

/* Longest text field accepted from a file (names, notes, reasons). */
#define INV_FIELD_MAX 2048

/* Copies s[0..n) into d's arena, NUL-terminated; NULL on out of memory. */
char *inv_strndup(struct inv_doc *d, const char *s, size_t n);
char *inv_strdup(struct inv_doc *d, const char *s);

/* Appends one zeroed element of size elem to *arr (count *n) and returns it, or NULL on
 * out of memory. The capacity is implied by the count (the next power of two, at least
 * 4), so the structs need no capacity fields. */
void *inv_push(void **arr, size_t *n, size_t elem);

/* Adds an org/asset/... to a document, zeroed; NULL on out of memory. */
struct inv_org *inv_doc_add_org(struct inv_doc *d);
struct inv_exclusion *inv_doc_add_exclusion(struct inv_doc *d);
struct inv_asset *inv_org_add_asset(struct inv_doc *d, struct inv_org *o);
struct inv_contact *inv_org_add_contact(struct inv_doc *d, struct inv_org *o);
struct inv_product *inv_org_add_product(struct inv_doc *d, struct inv_org *o);
struct inv_scope *inv_org_add_scope(struct inv_doc *d, struct inv_org *o);
int inv_org_add_alias(struct inv_doc *d, struct inv_org *o, const char *alias);

/* Checks an asset kind and value; on success *canon is the canonical value in d's arena.
 * Returns 0, M_EPARSE (msg says why, no place) or M_ENOMEM. */
int inv_asset_canon(struct inv_doc *d, const char *kind, const char *value, char **canon, char *msg,
		    size_t msg_len);
bool inv_asset_kind_valid(const char *kind);
bool inv_slug_valid(const char *s);

/* Scope dates must fall in 2000-01-01 .. 2099-12-31 UTC. */
#define INV_TIME_MIN ((int64_t)946684800)
#define INV_TIME_MAX ((int64_t)4102444800)

/* Parses a scope date: "YYYY-MM-DD" is a JST calendar day (from: its first second,
 * until: its last), anything else an ISO 8601 instant (time_parse). */
int inv_parse_scope_time(const char *s, bool until, int64_t *out);

/* Checks within one document: duplicate org ids, duplicate assets, scopes overlapping
 * each other, until before from, duplicate exclusions. */
int inv_doc_check(const struct inv_doc *d, const char *file, struct merr *e);

/* The fixed "reason" texts are Japanese then English; this writes into a fixed buffer
 * without cutting a UTF-8 sequence in half. */
void inv_fmt(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
