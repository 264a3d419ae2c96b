/*
 * fp_int.h - the fingerprint module's own view of a loaded Recog database;
 * for src/fingerprint/ files only.
 */
#ifndef MAMORI_FP_INT_H
#define MAMORI_FP_INT_H

#include "base/compat.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fingerprint/fingerprint.h"

struct fp_param_def {
	char *name;
	int pos;     /* 0: value is fixed; N: capture group N */
	char *value; /* pos 0 only; may hold {other.param} placeholders */
};

struct fp_attr {
	char *name;
	char *value;
};

struct fp_example {
	char *text; /* decoded (base64 when _encoding="base64"), NUL-terminated */
	size_t len;
	long line;
	size_t n_attrs; /* expected params, _encoding and _filename left out */
	struct fp_attr *attrs;
	char *load_error; /* e.g. bad base64: the example fails with this reason */
};

struct fp_fingerprint {
	char *pattern;
	char *flags;
	char *description;
	long line;
	/* Ruby matches UTF-8 text by character and binary data by byte, so a
	 * pattern is compiled in byte mode (re) and, when that would match
	 * differently (., \S, [^...], non-ASCII text), also in UTF mode (re_utf),
	 * used for input that is valid UTF-8. re is NULL when it did not compile. */
	pcre2_code *re;
	pcre2_code *re_utf;
	char *compile_error; /* why re is NULL */
	size_t n_params;
	struct fp_param_def *params;
	size_t n_examples;
	struct fp_example *examples;
};

struct fp_database {
	char *name;
	char *matches;
	char *protocol;
	char *database_type;
	double preference;
	size_t n_fps;
	struct fp_fingerprint *fps;
	size_t n_uncompiled;
};

struct fp_db {
	size_t n_dbs, cap_dbs;
	struct fp_database *dbs;
	uint32_t max_pairs;	   /* most capture pairs any pattern needs */
	pcre2_match_context *mctx; /* match and depth limits; read-only once made */
	double load_seconds;
};

/*
 * Translates a Recog (Ruby) pattern to PCRE2 syntax and compiles it with JIT,
 * in UTF-8 mode when utf. flags is the XML flags attribute (may be NULL).
 * *char_sensitive (may be NULL) tells whether byte and UTF mode differ.
 * Returns 0 and the code in *out, or a negative code with the reason in why.
 */
int fp_regex_compile(const char *pattern, const char *flags, bool utf, pcre2_code **out,
		     bool *char_sensitive, char *why, size_t why_cap);
/* Writes the translated pattern text into out (for messages and tests) and ORs
 * the PCRE2 options it needs (UTF, NO_AUTO_CAPTURE) into *opts (may be NULL).
 * Returns 0, M_EUNSUPPORTED (why says which construct) or M_ETOOBIG. */
int fp_regex_translate(const char *pattern, char *out, size_t cap, uint32_t *opts,
		       bool *char_sensitive, char *why, size_t why_cap);

/* Matches one fingerprint and fills r (r->database etc. left to the caller).
 * md must have room for db->max_pairs. Returns 1, 0, or a negative code. */
int fp_match_one(const struct fp_db *db, const struct fp_database *d,
		 const struct fp_fingerprint *fp, size_t index, const char *text, size_t len,
		 bool utf, pcre2_match_data *md, struct fp_result *r);

/* Converts a cpe23 param (CPE 2.2 URI, {param} placeholders filled from r when
 * r is not NULL) to a CPE 2.3 formatted string. Returns 0, M_EPARSE, M_ETOOBIG. */
int fp_cpe_from_template(const char *uri, const struct fp_result *r, char *out, size_t cap);

#endif
