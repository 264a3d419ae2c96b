/*
 * match.h - from a service fingerprint (CPE, or vendor:product + version, with
 * the raw banner) to the CVEs that concern it, each with a state, the evidence,
 * and the KEV / EPSS / CVSS / JVN facts an analyst ranks them by.
 */
#ifndef MAMORI_VULN_MATCH_H
#define MAMORI_VULN_MATCH_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"
#include "vuln/config.h"

struct cJSON;
struct vuln_matcher;

/* One service. Either cpe, or vendor + product (+ version). */
struct vuln_product {
	const char *cpe;	      /* CPE 2.3 formatted string or 2.2 URI */
	const char *vendor, *product; /* used when cpe is NULL */
	const char *version;	      /* NULL or "" when the banner hides it */
	const char *banner;	      /* raw banner, for distro backport detection */
	const char *const *platforms; /* CPEs of other things on the host (its OS) */
	size_t n_platforms;
};

/* Per-CVE facts joined from kev, epss, cves and jvn. */
struct vuln_cve_facts {
	char id[32];
	bool in_kev;
	bool kev_ransomware; /* knownRansomwareCampaignUse = "Known" */
	char kev_date_added[16], kev_due_date[16];
	bool has_epss;
	double epss, epss_percentile;
	double cvss; /* best of v4, v3, v2; 0 when none */
	char cvss_version[8];
	char cvss_vector[200];
	char severity[16];
	char jvn_id[40];
	char *jvn_title_ja; /* NULL when JVN has no entry */
};

struct vuln_result {
	const struct vuln_cve_facts *cve; /* borrowed from the matcher */
	enum vuln_state state;
	enum vuln_basis basis;
	const char *source;   /* "nvd", "cve5" or "jvn" (static) */
	const char *backport; /* why the build looks distro-patched ("Ubuntu package"), or NULL */
	const char *evidence; /* criteria + bounds, or the CVE 5 range; "" when none */
	const char *platform; /* the platform condition involved; "" when none */
};

#define VULN_MATCH_ALL 1u /* include NOT_AFFECTED results */

/*
 * A matcher caches, for its lifetime, each vendor:product's candidate CVEs
 * with their parsed configurations and joined facts, and the results of
 * product facts already seen. It borrows the store. Returns 0 and a new
 * matcher in *out (free with vuln_matcher_free()), or M_ENOMEM.
 */
int vuln_matcher_new(struct store *s, struct vuln_matcher **out, struct merr *e);
void vuln_matcher_free(struct vuln_matcher *m);

/*
 * Matches one service. *res receives the results, sorted: affected states
 * first, then KEV, then CVSS, then EPSS (highest first). They are borrowed
 * from the matcher and stay valid until the next vuln_match_one() or
 * vuln_matcher_free(). Returns 0, M_EINVAL (bad CPE or
 * product; detail in e), M_ESTORE, M_EPARSE (a stored configuration is not
 * valid JSON), M_ENOMEM.
 */
int vuln_match_one(struct vuln_matcher *m, const struct vuln_product *p, unsigned flags,
		   const struct vuln_result **res, size_t *n_res, struct merr *e);

/* One-shot: matches p against s and calls fn for each result in order. */
typedef int (*vuln_result_fn)(const struct vuln_result *r, void *arg);
int vuln_match(struct store *s, const struct vuln_product *p, unsigned flags, vuln_result_fn fn,
	       void *arg, struct merr *e);

/*
 * The label of the distro package revision a banner carries
 * ("OpenSSH_8.9p1 Ubuntu-3ubuntu0.10" -> "Ubuntu package"), or NULL.
 */
const char *vuln_banner_backport(const char *banner);

/* One batch line into p: "CPE" or "VENDOR:PRODUCT<TAB>VERSION[<TAB>BANNER]" (line is cut
 * in place; vendor[cap] receives the vendor). False for blank, comment or malformed lines. */
bool vuln_batch_line(char *line, struct vuln_product *p, char *vendor, size_t cap);

/* What matching a batch file gave, over all its services (repeated lines counted each time). */
struct vuln_batch_stats {
	size_t services, rejected, results;
	size_t states[VULN_PROBABLE_BACKPORT + 1];
};

/*
 * Matches every line of a batch file. Identical lines are matched once and counted as
 * often as they occur; the distinct lines, grouped by vendor:product, are shared by up to
 * `threads` threads (0: one per online CPU, at most 4), each with its own matcher and, for a
 * SQLite file, its own store connection (other stores: one thread, the caller's handle).
 */
int vuln_match_batch(struct store *s, const char *path, unsigned flags, int threads,
		     struct vuln_batch_stats *out, struct merr *e);

/*
 * Everything the store holds on one CVE, as a new JSON object (free with
 * cJSON_Delete): description, CVSS, CWE, KEV entry, EPSS, references,
 * configurations summarised, JVN id and Japanese title. M_ENOTFOUND when the
 * store has no such CVE.
 */
int vuln_cve_describe(struct store *s, const char *cve_id, struct cJSON **out, struct merr *e);

/*
 * One criterion from outside the feeds (a manual advisory's CPE), judged by the matcher's
 * configuration evaluator like an NVD configuration naming exactly that CPE. A criterion
 * without a literal version concerns every version (VULN_AFFECTED). vuln_criterion_new:
 * M_EINVAL for a malformed CPE. vuln_criterion_match gives p's state (p->cpe, or the
 * criterion's vendor/product with p->version); VULN_PRODUCT_ONLY when p's CPE is unreadable.
 */
struct vuln_criterion;
int vuln_criterion_new(const char *cpe, struct vuln_criterion **out, struct merr *e);
void vuln_criterion_free(struct vuln_criterion *c);
int vuln_criterion_match(const struct vuln_criterion *c, const struct vuln_product *p,
			 enum vuln_state *out, struct merr *e);

#endif
