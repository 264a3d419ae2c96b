/*
 * err.h - library error codes and the error context that carries the detail
 * a person needs to fix bad input: file, line or byte offset, field, message.
 */
#ifndef MAMORI_ERR_H
#define MAMORI_ERR_H

#include "base/compat.h"

/* Every library call returns 0 or one of these (negative). Keep in step with
 * the message table in err.c and the exit-code table in src/cli/exitcodes.c. */
enum mamori_err {
	M_OK = 0,
	M_ENOMEM = -1,	      /* out of memory */
	M_EINVAL = -2,	      /* invalid argument or usage */
	M_EIO = -3,	      /* file or device I/O failed */
	M_EPARSE = -4,	      /* malformed input */
	M_ENOTFOUND = -5,     /* no such object */
	M_EEXIST = -6,	      /* object already exists */
	M_ESTORE = -7,	      /* database error */
	M_ESCOPE = -8,	      /* refused: outside authorised scope */
	M_ETOOBIG = -9,	      /* input exceeds a size limit */
	M_ETIMEOUT = -10,     /* timed out */
	M_EPERM = -11,	      /* not permitted */
	M_ENET = -12,	      /* network error */
	M_EINTR = -13,	      /* interrupted */
	M_EUNSUPPORTED = -14, /* not supported by this build or backend */
	M_ECONFIRM = -15,     /* needs explicit confirmation (--yes) */
	M_ERR_MIN = -15
};

/* Returns a static English description of code; never NULL. */
const char *mamori_strerror(int code);

/* Returns a short stable identifier ("parse", "not_found") for JSON errors. */
const char *mamori_errname(int code);

/*
 * Error context, filled by the first failure (later ones do not overwrite it,
 * so the root cause survives). Callers may pass NULL when they do not care.
 * line and offset are -1 when unknown; file and field empty when unknown.
 */
struct merr {
	int code;
	long line;
	long long offset;
	char file[256];
	char field[96];
	char msg[512];
};

void merr_init(struct merr *e);

/* Records code with a printf-style message; returns code so callers can
 * write `return merr_set(e, M_EPARSE, "...")`. */
int merr_set(struct merr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As merr_set, with the place the bad input was found. file/field may be NULL;
 * line or offset may be -1. */
int merr_at(struct merr *e, int code, const char *file, long line, long long offset,
	    const char *field, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Fills in the file name when the error has none yet (a parser of a memory
 * buffer does not know it; its caller does). */
void merr_set_file(struct merr *e, const char *file);

/* Writes "FILE:LINE: field: message" (parts omitted when unknown) into out. */
void merr_format(const struct merr *e, char *out, size_t out_len);

#endif
