/*
 * feeds.h - vulnerability feed ingest: NVD CVE API 2.0, CVE JSON 5, CISA KEV, FIRST EPSS
 * and MyJVN (HND XML, OKA JSON) into the store (tables of migration 0200_vuln.sql).
 *
 * Every import is idempotent (a record already stored with the same modification date is
 * "unchanged") and resumable (a checkpoint per file in feed_state). A bad record is skipped
 * and logged to feed_errors with file, offset/line, CVE id and message; good records of the
 * same file are stored. Records are stored in batch transactions, so the store never holds
 * half a record: NVD and CVE 5 records are parsed and validated whole on a second thread
 * first (a store failure then rolls the batch back); the other feeds store each record in its
 * own savepoint.
 */
#ifndef MAMORI_FEEDS_FEEDS_H
#define MAMORI_FEEDS_FEEDS_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"
#include "cpe/alias.h"

enum feeds_kind { FEEDS_UNKNOWN, FEEDS_NVD, FEEDS_CVE5, FEEDS_KEV, FEEDS_EPSS, FEEDS_JVN };

/* "nvd", "cve5", "kev", "epss", "jvn" or "unknown". */
const char *feeds_kind_name(enum feeds_kind k);

struct feeds_opts {
	bool resume;	   /* continue after a file's checkpoint when its size and mtime match */
	size_t batch;	   /* records per transaction; 0 means 1,000 */
	size_t record_max; /* largest record accepted; 0 means 16 MB */
	bool one_thread;   /* parse and store on the calling thread (no parser thread) */
};

#define FEEDS_FIRST_ERRORS 5

/* What importing one file did. */
struct feeds_result {
	enum feeds_kind kind;
	char file[512];
	long long stored;    /* records inserted or replaced */
	long long unchanged; /* records already present with the same content or date */
	long long skipped;   /* records skipped by --resume, or documents that are not records */
	long long errors;    /* records (or whole files) rejected */
	long long removed;   /* KEV entries no longer in the catalog */
	double seconds;
	bool resumed;	  /* started after a checkpoint */
	bool file_failed; /* the file as a whole could not be read to its end */
	char first_errors[FEEDS_FIRST_ERRORS][600]; /* "FILE:@OFFSET: field: message" */
	int n_first_errors;
	char version[64];   /* KEV catalogVersion, EPSS model_version, NVD timestamp */
	char feed_date[64]; /* the feed's own date (NVD timestamp, KEV dateReleased, EPSS
			       score_date), kept in feed_state.last_modified */
};

/* Called after each file of feeds_import_dir() (borrowed result). */
typedef void (*feeds_result_fn)(const struct feeds_result *r, void *arg);

/* Works out a file's feed from its (decompressed) content. */
int feeds_detect(const char *path, enum feeds_kind *out, struct merr *e);

/*
 * Imports one file. kind FEEDS_UNKNOWN detects it from the content. Record errors are
 * counted in r (and logged to feed_errors), not returned; the return value is 0 or a
 * negative code when the file could not be imported at all (detail in e and in r).
 */
int feeds_import_file(struct store *s, const char *path, enum feeds_kind kind,
		      const struct feeds_opts *o, struct feeds_result *r, struct merr *e);

/*
 * Imports every feed file under dir (laid out as nvd/, cve5/, kev/, epss/, jvn/) in the order
 * NVD, CVE 5, KEV (dated catalogs oldest first, the undated current one last), EPSS, JVN.
 * cb (may be NULL) sees each file's result. Returns 0, or the first file-level error code
 * (later files are still imported).
 */
int feeds_import_dir(struct store *s, const char *dir, const struct feeds_opts *o,
		     feeds_result_fn cb, void *arg, struct merr *e);

/* One row of feed_state, borrowed during the callback. */
struct cJSON;

struct feeds_state {
	const char *feed, *source, *checkpoint, *etag, *last_modified;
	int64_t last_import, records, errors;
};
typedef void (*feeds_state_fn)(const struct feeds_state *st, void *arg);
int feeds_status(struct store *s, feeds_state_fn cb, void *arg, struct merr *e);
/* One feed's state as JSON, the one shape (feed, source, last_import UTC, records, errors,
 * checkpoint, etag, last_modified; null when absent). */
struct cJSON *feeds_state_json(const struct feeds_state *st);

/* ---- KEV catalog diff (two files, not the store) ---- */

struct feeds_kev_entry {
	char cve_id[32];
	char vendor_project[128];
	char product[160];
	char name[256];
	char date_added[16];
};

struct feeds_kev_diff {
	char old_version[32], new_version[32];
	long long old_count, new_count;
	struct feeds_kev_entry *added, *removed; /* sorted by CVE id */
	size_t n_added, n_removed;
};

/* Fills d (release with feeds_kev_diff_release()). */
int feeds_kev_diff(const char *old_path, const char *new_path, struct feeds_kev_diff *d,
		   struct merr *e);
void feeds_kev_diff_release(struct feeds_kev_diff *d);

/* ---- sync: download the feeds (libcurl), then import ---- */

/* Sources of feeds_sync_opts.sources (0 means FEEDS_SYNC_FILES). */
enum {
	FEEDS_SYNC_FILES = 1,  /* KEV, EPSS, NVD yearly/modified files */
	FEEDS_SYNC_NVDAPI = 2, /* NVD CVE API 2.0, paged by lastModified window */
	FEEDS_SYNC_CVE5 = 4,   /* cvelistV5 delta zip */
	FEEDS_SYNC_JVN = 8,    /* MyJVN getVulnOverviewList + getVulnDetailInfo */
};

struct feeds_sync_opts {
	const char *dest;     /* folder laid out like the shared data folder */
	const char *base_url; /* NULL: the official URLs; else BASE/<feed>/<file> */
	const int *nvd_years; /* yearly NVD files to fetch besides "modified" */
	size_t n_nvd_years;
	bool no_import;
	long timeout_s; /* per transfer; 0 means 600 */
	const struct feeds_opts *import;
	unsigned sources;	 /* FEEDS_SYNC_* bits */
	const char *nvdapi_url;	 /* NULL: official, or BASE/rest/json/cves/2.0 with base_url */
	const char *nvd_api_key; /* sent as the apiKey header when set */
	const char *cve5_url;	 /* template with {date} {hour}; NULL: official release asset */
	const char *jvn_url;	 /* NULL: https://jvndb.jvn.jp/myjvn, or BASE/myjvn */
	const char *since;	 /* ISO 8601 start when a source has no cursor yet */
	long page_delay_ms;	 /* between API requests; negative: 6000 (600 with a key) */
	long max_pages;		 /* per source and run; 0 means 1000 */
	int retries;		 /* more tries of a failed request; negative: 2 */
};

struct feeds_sync_result {
	char name[64];
	char url[512];
	char path[512];
	bool downloaded;   /* new content written */
	bool not_modified; /* server answered 304 or the file was already complete */
	bool resumed;	   /* a partial download was continued with Range */
	long long bytes;
	char error[600];
};
typedef void (*feeds_sync_fn)(const struct feeds_sync_result *r, void *arg);

/* Keeps the NVD API key in the store (settings feeds.nvd_api_key); $NVD_API_KEY (passed in
 * feeds_sync_opts.nvd_api_key) wins over it. */
int feeds_sync_set_nvd_api_key(struct store *s, const char *key, struct merr *e);

/* Downloads each feed, then (unless no_import) imports what changed. sync_cb and import_cb
 * may be NULL. Returns 0 or the first error code (other feeds are still tried). */
int feeds_sync(struct store *s, const struct feeds_sync_opts *o, feeds_sync_fn sync_cb,
	       feeds_result_fn import_cb, void *arg, struct merr *e);

/* ---- record parsers (no store): the fuzz targets and tests call these ---- */

struct feeds_metric {
	bool set;
	double score;
	const char *vector, *source, *severity, *version; /* borrowed from the record's tree */
};

struct feeds_ref {
	const char *url, *source;
	char *tags; /* owned: comma-joined */
};

/* One CVE as NVD or CVE 5 describes it. Release with feeds_cve_release(). */
struct feeds_cve {
	struct cJSON *doc; /* owned; the const char * fields point into it */
	char id[32];
	int64_t published, last_modified, cve5_updated;
	const char *description, *vuln_status, *state;
	char cwe[512];
	char cna_name[64]; /* CVE 5: the CNA's shortName, the source of its metrics */
	struct feeds_metric v4, v3, v2;
	char *configurations; /* owned (m_free): compact JSON, only what matching reads */
	char *cve5_affected;  /* owned (cJSON_free) */
	struct feeds_ref *refs;
	size_t n_refs;
	char (*vps)[VULN_VP_MAX]; /* distinct folded vendor:product */
	size_t n_vps, cap_vps;
	size_t arena_mark;   /* cJSON arena position at parse start (released with the record) */
	size_t arena_spills; /* feeds_arena_spills() then */
	bool arena;
	char *block; /* after feeds_cve_detach: owns the strings (doc is NULL then) */
};

void feeds_cve_release(struct feeds_cve *c);
/* Parse one record ({"cve":{...}} / one CVE 5 line) from p[0..len). On error, c->id holds
 * the CVE id when it could be read; release c either way. */
int feeds_nvd_parse(const char *p, size_t len, struct feeds_cve *c, struct merr *e);
int feeds_cve5_parse(const char *p, size_t len, struct feeds_cve *c, struct merr *e);

struct feeds_kev {
	struct cJSON *doc; /* owned; the strings point into it */
	const char *cve_id, *vendor_project, *product, *name, *date_added, *short_description,
	    *required_action, *due_date, *ransomware, *notes;
	char cwes[256];
};
int feeds_kev_parse(const char *p, size_t len, struct feeds_kev *k, struct merr *e);
void feeds_kev_release(struct feeds_kev *k);

struct feeds_epss {
	char cve_id[32];
	double epss, percentile;
};
/* Parses "CVE-2024-3400,0.94,0.99" (no newline). */
int feeds_epss_parse_line(const char *p, size_t len, struct feeds_epss *out, struct merr *e);
/* Parses "#model_version:v2023.03.01,score_date:2025-01-01T00:00:00+0000". */
int feeds_epss_parse_comment(const char *p, size_t len, char *model, size_t model_cap, char *date,
			     size_t date_cap);

/* One JVN entry (detail or overview). Strings are owned by the record. */
struct feeds_jvn {
	char id[40];
	char *title, *summary, *url;
	char severity[16]; /* 緊急/重要/警告/注意 or "" */
	double cvss3_score, cvss2_score;
	bool has_cvss3, has_cvss2;
	char cvss3_vector[160], cvss2_vector[160];
	int64_t published, modified;
	bool detail;
	struct cJSON *cpes;	/* array of strings */
	struct cJSON *products; /* array of {vendor,product,version} */
	struct cJSON *cves;	/* array of CVE ids */
	long line;		/* where the entry starts, when known */
};
typedef int (*feeds_jvn_fn)(struct feeds_jvn *j, void *arg);
/*
 * Parse a whole MyJVN document and call fn for each vulnerability entry (fn's non-zero
 * return stops). *n_entries counts them; a well-formed document of another kind (vendor
 * list, statistics) gives 0 entries. Malformed input gives M_EPARSE with line/offset.
 */
int feeds_jvn_parse_xml(const char *p, size_t len, feeds_jvn_fn fn, void *arg, long *n_entries,
			struct merr *e);
int feeds_jvn_parse_json(const char *p, size_t len, feeds_jvn_fn fn, void *arg, long *n_entries,
			 struct merr *e);
/* The paging status of a MyJVN 3.x response (<status:Status .../>). */
struct feeds_jvn_status {
	long ret_cd;	    /* 0 is success */
	long total_res;	    /* entries matching the query */
	long total_res_ret; /* entries in this response */
	long first_res;	    /* 1-based position of its first entry */
	char err_cd[32], err_msg[256];
	char method[48];
};
/* Finds and checks the status element of a MyJVN HND document; M_EPARSE with line when it
 * is missing or its numbers are not numbers. */
int feeds_jvn_status_parse(const char *p, size_t len, struct feeds_jvn_status *st, struct merr *e);

/* A cvelistV5 zip member name: 0 for a record ("cves/2024/3xxx/CVE-2024-3400.json"), 1 for
 * another file to skip, M_EPARSE for a name refused outright (absolute, "..", control
 * characters, too long). */
int feeds_cve5_member_name(const char *name, size_t len);

/* What reading a cvelistV5 zip found. */
struct feeds_cve5_zip {
	long members;	/* records written as lines */
	long skipped;	/* other files (deltaLog.json, folders) */
	long bad_names; /* names refused by feeds_cve5_member_name() */
	char first_bad[300];
};
/*
 * Reads a cvelistV5 zip (p[0..len), or the file path when p is NULL), a nested *.zip (the
 * baseline's cves.zip) included, and writes each record member to out as one line. Returns 0
 * or M_EPARSE / M_ETOOBIG (a broken archive, a member over 8 MB) with detail in e.
 */
int feeds_cve5_zip_lines(const void *p, size_t len, const char *path, FILE *out,
			 struct feeds_cve5_zip *z, struct merr *e);

/* Japanese JVN severity for a CVSS severity word and version ("HIGH", 3 -> 重要); "" when none. */
const char *feeds_jvn_severity(const char *word, int cvss_major);

/* How old a feed family's data is (kev, nvd, cve5, epss, jvn): the newest date the data
 * carries (KEV catalog release, EPSS score date, NVD/feed Last-Modified; 0 unknown), the last
 * import and the records imported. Up to cap families into out, *n of them. */
struct feeds_fresh {
	char feed[16];
	int64_t data_at, imported_at, records;
};
int feeds_freshness(struct store *s, struct feeds_fresh *out, size_t cap, size_t *n,
		    struct merr *e);

#endif
