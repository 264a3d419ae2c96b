/*
 * vuln_testload.h - TEST-ONLY loader of the shared vulnerability files into the
 * vuln tables of the schema contract, for the matcher's tests until the
 * vuln-feeds importer (`mamori feeds import`) is merged. Not a feed importer.
 */
#ifndef MAMORI_VULN_TESTLOAD_H
#define MAMORI_VULN_TESTLOAD_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"

struct cJSON;

/* Reads a whole .json, .json.xz, .json.gz or .jsonl.xz file (decompressing with
 * xz/gzip) into a new NUL-terminated buffer the caller frees with free(). */
char *vtl_read_file(const char *path, size_t *len);
/* Parses an NVD API 2.0 file and returns the "cve" object of id (a new cJSON
 * the caller deletes), or NULL. */
struct cJSON *vtl_nvd_record(const char *path, const char *id);
/* Returns the CVE 5 record of id from a JSON Lines file (new cJSON), or NULL. */
struct cJSON *vtl_cve5_record(const char *path, const char *id);
/* Builds the cves.cve5_affected array ([{"source","affected"}]) of a record. */
struct cJSON *vtl_cve5_affected(const struct cJSON *rec);

/* Creates the contract tables when missing (CREATE TABLE IF NOT EXISTS). */
int vtl_schema(struct store *s, struct merr *e);
int vtl_load_nvd(struct store *s, const char *path, struct merr *e);
int vtl_load_cve5(struct store *s, const char *path, struct merr *e);
int vtl_load_kev(struct store *s, const char *path, struct merr *e);
int vtl_load_epss(struct store *s, const char *path, struct merr *e);
/* Everything under data_dir: NVD subset, 2016 year, 2017+ KEV edge, CVE 5, KEV, EPSS. */
int vtl_load_all(struct store *s, const char *data_dir, struct merr *e);

#endif
