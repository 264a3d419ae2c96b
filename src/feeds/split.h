/*
 * split.h - streaming record splitter for multi-GB feeds: reads plain, gzip or xz
 * (detected by magic bytes) in fixed-size chunks and yields one record at a time.
 *
 * Modes:
 *  - SPLIT_ARRAY: the elements of one top-level array. For a root object, the array is the
 *    value of `array_key` ("vulnerabilities" for NVD API 2.0 and KEV); scalar members that
 *    come before it ("timestamp", "catalogVersion") are kept as headers. For a root array,
 *    its elements. Strings, escapes and nesting are tracked, so braces inside strings do no
 *    harm. The records are not parsed: give each to cJSON.
 *  - SPLIT_LINES: one non-blank line at a time (JSON lines, CSV), without the newline.
 *  - SPLIT_RAW: the decompressed stream in chunks (hashing, sniffing).
 *
 * Memory stays flat: one input chunk, one output chunk and the current record (at most
 * record_max bytes). Offsets are byte offsets in the decompressed stream; lines are 1-based.
 */
#ifndef MAMORI_FEEDS_SPLIT_H
#define MAMORI_FEEDS_SPLIT_H

#include "base/compat.h"
#include "base/err.h"

enum split_mode { SPLIT_ARRAY, SPLIT_LINES, SPLIT_RAW };

#define SPLIT_RECORD_MAX_DEFAULT ((size_t)16 << 20)
#define SPLIT_CHUNK ((size_t)64 << 10)

struct split_rec {
	const char *p; /* borrowed until the next split_next() or split_free(); NUL-terminated */
	size_t len;
	long long offset; /* of the record's first byte, in the decompressed stream */
	long line;	  /* line of that byte, 1-based */
};

struct split;

/*
 * Opens path for splitting. array_key is used in SPLIT_ARRAY mode (NULL means
 * "vulnerabilities"); record_max 0 means SPLIT_RECORD_MAX_DEFAULT. Returns 0 and a new
 * splitter in *out (free it with split_free()), or M_EIO / M_ENOMEM with detail in e.
 */
int split_open_file(const char *path, enum split_mode mode, const char *array_key,
		    size_t record_max, struct split **out, struct merr *e);
/* As split_open_file over memory; borrows p[0..len) until split_free(). */
int split_open_mem(const void *p, size_t len, enum split_mode mode, const char *array_key,
		   size_t record_max, struct split **out, struct merr *e);
void split_free(struct split *s);

/*
 * Returns 1 with the next record in *rec, 0 at the end of the stream, or a negative code
 * with the offset and line in e:
 *  - M_ETOOBIG: a record is larger than record_max; it was skipped, call again for the next;
 *  - M_EPARSE / M_EIO: the stream is broken (bad structure, truncated or corrupt gzip/xz);
 *    split_fatal() becomes true and later calls return 0. Records yielded before stay valid
 *    input: the caller keeps what it stored.
 */
int split_next(struct split *s, struct split_rec *rec, struct merr *e);
bool split_fatal(const struct split *s);

/* A scalar member of the root object seen before the array (string values without their
 * quotes, escapes left as they are), or NULL. */
const char *split_header(const struct split *s, const char *key);
/* "plain", "gzip" or "xz". */
const char *split_format(const struct split *s);
/* Decompressed bytes consumed so far, and compressed bytes read from the source. */
long long split_offset(const struct split *s);
long long split_raw_offset(const struct split *s);
/* Skips records that start before offset (resume after a checkpoint): they are split but
 * not returned. */
void split_skip_before(struct split *s, long long offset);

#endif
