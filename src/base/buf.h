/*
 * buf.h - owned, growable, always NUL-terminated byte buffers with a maximum
 * size (as curl's dynbuf): every buffer fed by a file or the network has a cap.
 */
#ifndef MAMORI_BUF_H
#define MAMORI_BUF_H

#include "base/compat.h"

struct buf {
	char *ptr;  /* NUL-terminated when cap > 0; may hold NUL bytes */
	size_t len; /* bytes used, excluding the terminator */
	size_t cap; /* bytes allocated */
	size_t max; /* most bytes len may reach; adding past it fails with M_ETOOBIG */
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20)

/* Prepares b; allocates nothing yet. max 0 means BUF_MAX_DEFAULT. */
void buf_init(struct buf *b, size_t max);
/* Frees the memory; b can be reused after buf_init. */
void buf_release(struct buf *b);
/* Empties b, keeping its memory. */
void buf_reset(struct buf *b);
/* Returns the contents as a new string the caller frees with m_free(); b is emptied.
 * Never returns NULL for an empty buffer (returns ""); NULL on out of memory. */
char *buf_detach(struct buf *b, size_t *len);

/* Each returns 0, M_ENOMEM, or M_ETOOBIG (b is left unchanged on failure). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
/* Appends s as a JSON string, quotes included: " and \\ escaped, control bytes as \\u00XX,
 * every other byte as it is (s is valid UTF-8 already). On failure b may hold part of it. */
int buf_add_json_str(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Ensures room for n more bytes. */
int buf_grow(struct buf *b, size_t n);
/*
 * Appends the whole file at path to b, decompressing gzip transparently
 * (plain files read as they are). Fails with M_ETOOBIG past b->max, M_EIO
 * when the file cannot be opened or read (a truncated gzip included);
 * the detail names the file. b keeps what was read before a failure.
 */
struct merr;
int buf_read_file(struct buf *b, const char *path, struct merr *e);
/* Returns b's string, "" when nothing was added yet. */
const char *buf_str(const struct buf *b);

#endif
