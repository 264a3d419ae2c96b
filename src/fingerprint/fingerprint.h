/*
 * fingerprint.h - Rapid7 Recog fingerprints: load the XML databases once,
 * match banners and other service text against them, name the product in CPE 2.3.
 *
 * Recog patterns are Ruby regexes; they are translated (recog_regex.c) and
 * compiled once with PCRE2 + JIT. Matching follows Recog: within one database
 * the first fingerprint in file order that matches wins.
 *
 * Thread-safety: a loaded struct fp_db is read-only; fp_match() may be called
 * from any number of threads at once (each call uses its own PCRE2 match data).
 */
#ifndef MAMORI_FINGERPRINT_H
#define MAMORI_FINGERPRINT_H

#include "base/compat.h"
#include "base/err.h"

struct fp_db;

/*
 * Loads every *.xml database in recog_dir (file name order). Patterns PCRE2
 * cannot compile are kept (and listed by fp_db_uncompiled) instead of failing the
 * load; a file that is not a Recog database fails it. Returns 0 and a new db in *out
 * (free it with fp_db_free()), or a negative code with the file and line in e.
 */
int fp_db_load(const char *recog_dir, struct fp_db **out, struct merr *e);
/* Returns a new empty db (NULL on out of memory); add databases with fp_db_add_xml(). */
struct fp_db *fp_db_new(void);
/* Parses one Recog XML database from memory (borrows xml) and adds it under name
 * ("ssh_banners"). Returns 0, M_EPARSE (detail in e), M_EEXIST or M_ENOMEM. */
int fp_db_add_xml(struct fp_db *db, const char *name, const char *xml, size_t len, struct merr *e);
void fp_db_free(struct fp_db *db);

/* One database, as fp_db_info() describes it. Strings are borrowed from db. */
struct fp_db_info {
	const char *name;	   /* file name without .xml: "ssh_banners" */
	const char *matches;	   /* matches= attribute ("ssh.banner"), or name */
	const char *protocol;	   /* protocol= attribute, "" when absent */
	const char *database_type; /* database_type= ("service", "util.os"), "" when absent */
	double preference;	   /* preference=, 0.10 when absent (Recog's default) */
	size_t n_fingerprints;
	size_t n_examples;
	size_t n_uncompiled; /* fingerprints whose pattern PCRE2 rejected */
};
size_t fp_db_count(const struct fp_db *db);
/* Fills *out for database i (0 <= i < fp_db_count). Returns 0 or M_ENOTFOUND. */
int fp_db_info(const struct fp_db *db, size_t i, struct fp_db_info *out);
/* Index of the database called name, or -1. */
long fp_db_find(const struct fp_db *db, const char *name);
/* Seconds fp_db_load() took (reading, parsing, compiling, JIT). */
double fp_db_load_seconds(const struct fp_db *db);

/* A pattern that did not compile: where it is and why. Strings borrowed from db. */
struct fp_uncompiled {
	const char *database;
	const char *description;
	const char *pattern;
	long line;
	const char *reason;
};
/* The k-th uncompiled pattern of database i. Returns 0 or M_ENOTFOUND. */
int fp_db_uncompiled(const struct fp_db *db, size_t i, size_t k, struct fp_uncompiled *out);

#define FP_PARAMS_MAX 48
#define FP_ARENA_MAX 8192
#define FP_CPE_MAX 512
#define FP_EVIDENCE_MAX 1024

struct fp_param {
	const char *name;  /* "service.version"; borrowed from the db */
	const char *value; /* points into the result's arena */
};

/*
 * A match. Plain struct, no heap: names and description are borrowed from the
 * db (valid until fp_db_free), values live in the struct itself. Values longer
 * than the arena allows are cut (values_truncated is set).
 */
struct fp_result {
	const char *database;	 /* "ssh_banners" */
	const char *matches;	 /* "ssh.banner" */
	const char *description; /* the fingerprint's <description> */
	long line;		 /* line of the <fingerprint> in its XML file */
	size_t index;		 /* position of the fingerprint in its file, 0-based */
	size_t n_params;
	struct fp_param params[FP_PARAMS_MAX]; /* in XML order, service.protocol added */
	/* Summary, each "" when unknown: service.* first, then os.*, then hw.* */
	const char *vendor, *product, *version, *family;
	const char *os;	    /* "os.vendor os.product os.version" joined, or "" */
	const char *device; /* os.device, else hw.device */
	/* CPE 2.3 formatted strings ("" when none): service (from service.cpe23 with
	 * placeholders filled, else built from service.vendor/product/version),
	 * os.cpe23 and hw.cpe23; cpe23 is the first of service, os, hw that is set. */
	char cpe23[FP_CPE_MAX];
	char service_cpe23[FP_CPE_MAX];
	char os_cpe23[FP_CPE_MAX];
	char hw_cpe23[FP_CPE_MAX];
	/* Evidence: the text matched (first FP_EVIDENCE_MAX bytes, may hold any byte)
	 * and the span the whole pattern matched within it. */
	char evidence[FP_EVIDENCE_MAX];
	size_t evidence_len;
	bool evidence_truncated;
	size_t match_start, match_end;
	bool values_truncated;
	size_t arena_used;
	char arena[FP_ARENA_MAX];
};

/*
 * Matches text[0..len) (any bytes) against database ("ssh_banners") and fills
 * *out with the first fingerprint in file order that matches. Returns 1 on a
 * match, 0 when nothing matched, M_ENOTFOUND for an unknown database,
 * M_ENOMEM. Thread-safe.
 */
int fp_match(const struct fp_db *db, const char *database, const char *text, size_t len,
	     struct fp_result *out);
/* The value of param name in r, or NULL. */
const char *fp_result_get(const struct fp_result *r, const char *name);

/*
 * Converts a Recog cpe23 value (a CPE 2.2 URI such as "cpe:/a:openbsd:openssh:7.2p2",
 * or already "cpe:2.3:...") to a CPE 2.3 formatted string: percent-escapes decoded,
 * special characters quoted with '\', lower case, missing or "-" components as "*"
 * (unknown, never NA). Returns 0, M_EPARSE or M_ETOOBIG.
 */
int fp_cpe_from_uri(const char *uri, char *out, size_t cap);
/* Builds "cpe:2.3:PART:VENDOR:PRODUCT:VERSION:*:*:*:*:*:*:*" from free text values
 * (spaces become '_', specials quoted, lower case; NULL or "" gives "*").
 * part is 'a', 'o' or 'h'. Returns 0, M_EINVAL or M_ETOOBIG. */
int fp_cpe_build(char part, const char *vendor, const char *product, const char *version, char *out,
		 size_t cap);

/* ---- Self-test: every <example> through the engine (Recog's verify rule) ---- */

enum fp_example_status {
	FP_EX_PASS,	/* its fingerprint matched first, every stated param equal */
	FP_EX_SHADOWED, /* its fingerprint matches with the right params, but an
			 * earlier fingerprint in the file matches first */
	FP_EX_FAIL,	/* no match, a param differs, or the pattern did not compile */
};

struct fp_example_failure {
	enum fp_example_status status; /* FP_EX_FAIL or FP_EX_SHADOWED */
	const char *description;       /* the example's fingerprint (borrowed from db) */
	long line;
	char *example; /* printable copy (non-printables as \xNN), owned */
	char *reason;  /* owned */
};

struct fp_selftest_db {
	const char *name; /* borrowed from db */
	size_t n_examples, passed, shadowed, failed;
	size_t n_failures; /* entries in failures: every fail and every shadowed example */
	struct fp_example_failure *failures;
};

struct fp_selftest {
	size_t n_dbs;
	struct fp_selftest_db *dbs;
	double seconds;
};

/*
 * Runs the examples of database only (NULL: every database). Returns 0 and a
 * new report in *out (free it with fp_selftest_free()), M_ENOTFOUND for an
 * unknown database name, or M_ENOMEM.
 */
int fp_selftest_run(const struct fp_db *db, const char *database, struct fp_selftest **out);
void fp_selftest_free(struct fp_selftest *t);

#endif
