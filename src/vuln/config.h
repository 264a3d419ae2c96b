/*
 * config.h - exact evaluation of NVD "configurations" trees (and CVE JSON 5
 * affected[] ranges) against the product facts of one host service.
 */
#ifndef MAMORI_VULN_CONFIG_H
#define MAMORI_VULN_CONFIG_H

#include "base/compat.h"
#include "base/err.h"
#include "cpe/alias.h"
#include "cpe/cpe.h"
#include "cpe/version.h"

struct cJSON;

/*
 * What one CVE means for one service, weakest to strongest claim. The order
 * matters: AND takes the weakest of its parts, OR the strongest.
 * PROBABLE_BACKPORT is set by the matcher, never by the evaluator.
 */
enum vuln_state {
	VULN_NOT_AFFECTED,
	VULN_INCOMPARABLE,	   /* version schemes differ: no honest answer */
	VULN_PRODUCT_ONLY,	   /* product named, version unknown or not checked */
	VULN_AFFECTED_IF_PLATFORM, /* affected when the host runs the named platform */
	VULN_AFFECTED,
	VULN_PROBABLE_BACKPORT /* affected upstream version, distro build likely patched */
};

/* Why the deciding entry matched. */
enum vuln_basis {
	VULN_BASIS_NONE,
	VULN_BASIS_EXACT,	    /* criteria version equals the service version */
	VULN_BASIS_RANGE,	    /* inside versionStart / versionEnd bounds */
	VULN_BASIS_ANY_VERSION,	    /* criteria version '*' without bounds: all versions */
	VULN_BASIS_NA_VERSION,	    /* criteria version '-': NVD names no version */
	VULN_BASIS_VERSION_UNKNOWN, /* the service's version is not known */
	VULN_BASIS_CVE5,	    /* CVE JSON 5 versions[] of the CNA or an ADP */
	VULN_BASIS_CVE5_DEFAULT,    /* CVE JSON 5 defaultStatus */
	VULN_BASIS_JVN_PRODUCT	    /* JVN names the product; JVN CPEs carry no version */
};

const char *vuln_state_name(enum vuln_state s);	    /* "affected", "product-only" ... */
const char *vuln_state_label_ja(enum vuln_state s); /* 影響あり ... */
/* The Japanese label of a state by its name ("affected" -> 影響あり); NULL if not a state. */
const char *vuln_state_label_ja_of(const char *name);
const char *vuln_basis_name(enum vuln_basis b);

#define VULN_VER_STR_MAX (VULN_VERSION_MAX + 1)
#define VULN_VER_KEY_MAX (VULN_VERSION_TOKENS * 8 + VULN_VERSION_MAX + 1)
#define VULN_EVIDENCE_MAX 512

/*
 * The facts known about one service: its CPE (version ANY when the banner
 * hides it) and other CPEs known on the same host (its OS, hardware).
 */
struct vuln_host {
	struct cpe product;
	char vp[VULN_VP_MAX];	      /* folded vendor:product */
	char full[VULN_VER_STR_MAX];  /* version + update composed; "" when unknown */
	char base[VULN_VER_STR_MAX];  /* the part NVD keeps in the version attribute */
	char upd[VULN_VER_STR_MAX];   /* the part NVD keeps in update ("p1"); "" if none */
	struct vuln_ver vfull, vbase; /* parsed full and base (when they parse) */
	bool vfull_ok, vbase_ok;
	char full_key[VULN_VER_KEY_MAX], base_key[VULN_VER_KEY_MAX]; /* vuln_ver_key */
	uint64_t vp_hash;
	struct vuln_host *platforms; /* each without platforms of its own */
	size_t n_platforms;
};

/*
 * Builds host facts from a product CPE (copied) and optional platform CPEs
 * (copied). The version is split per product (vuln_version_split). Returns 0,
 * M_EINVAL when the product has no concrete vendor and product, M_ENOMEM.
 */
int vuln_host_init(struct vuln_host *h, const struct cpe *product, const struct cpe *platforms,
		   size_t n_platforms, struct merr *e);
void vuln_host_release(struct vuln_host *h);

/* One cpeMatch entry, parsed once. Bounds are unescaped; NULL when absent. */
struct vuln_cpematch {
	struct cpe cpe;
	char *criteria;
	char *vp; /* folded vendor:product of the criteria */
	uint64_t vp_hash;
	char *start_incl, *start_excl, *end_incl, *end_excl;
	bool vulnerable;
	/* parsed once for the hot path: */
	char *ver_key;		   /* vuln_ver_key of a literal criteria version, or NULL */
	struct vuln_ver *bound[4]; /* the four bounds in the order above; NULL when absent */
	bool bound_upd[4];	   /* the bound carries its own update ("2.9.9p2") */
	bool bound_bad;		   /* a bound is present but does not parse */
};

/*
 * The entries of an OR node grouped by vendor:product and part, so evaluation
 * touches only the entries that can matter: enumerated versions are found by
 * binary search on their key, other products' entries are judged once per group.
 */
struct vuln_group {
	const struct vuln_cpematch *rep; /* first entry: vp, vp_hash and part */
	uint32_t *any;			 /* literal version, update ANY, no bounds; by ver_key */
	uint32_t *fixed;		 /* literal version and update, no bounds; by ver_key */
	uint32_t *other;		 /* everything else (bounds, ANY, NA, wildcards) */
	size_t n_any, n_fixed, n_other;
};

struct vuln_node {
	bool and_op, negate;
	size_t n;
	struct vuln_cpematch *m;
	struct vuln_group *groups; /* OR nodes only; NULL for AND nodes */
	size_t n_groups;
};

struct vuln_config {
	bool and_op, negate; /* missing operator = OR */
	size_t n;
	struct vuln_node *nodes;
};

struct vuln_configs {
	size_t n;
	struct vuln_config *cfg;
};

/*
 * Parses an NVD configurations array (a cJSON array, or its JSON text).
 * Returns 0 and a new tree in *out (free with vuln_configs_free()), or
 * M_EPARSE with the field in e, or M_ENOMEM.
 */
int vuln_configs_parse(const struct cJSON *arr, struct vuln_configs **out, struct merr *e);
int vuln_configs_parse_text(const char *json, struct vuln_configs **out, struct merr *e);
void vuln_configs_free(struct vuln_configs *c);
/* True when some cpeMatch criteria names the folded vendor:product vp. */
bool vuln_configs_names(const struct vuln_configs *c, const char *vp);

/*
 * How one entry alone judges the service (ignoring the rest of its tree):
 * a level of enum vuln_state, VULN_NOT_AFFECTED when it does not name the
 * service's vendor:product. The matcher uses it to skip trees that cannot
 * match before evaluating them whole.
 */
int vuln_cpematch_eval(const struct vuln_cpematch *m, const struct vuln_host *h);
/* True when m matches by its version alone: a literal version, no bounds, any
 * update (the common NVD enumeration); the matcher indexes these by ver_key. */
bool vuln_cpematch_is_plain(const struct vuln_cpematch *m);

/* The outcome for one CVE, with the entry that decided it. */
struct vuln_eval {
	enum vuln_state state;
	enum vuln_basis basis;
	char evidence[VULN_EVIDENCE_MAX]; /* criteria + bounds text, or the CVE 5 range */
	char platform[VULN_EVIDENCE_MAX]; /* the platform condition involved, or "" */
};

/*
 * Evaluates every configuration against h (VULNDATA §2.4): configurations OR
 * together; a configuration's nodes combine with its operator (missing = OR);
 * a node's cpeMatch entries with the node's operator, flipped by negate.
 * A configuration counts only when a vulnerable:true entry matched the
 * service itself; other entries are platform conditions, matched against
 * h's platforms: a condition on an unknown platform gives AFFECTED_IF_PLATFORM,
 * one contradicted by a known OS or hardware of the same part gives false.
 */
void vuln_config_eval(const struct vuln_configs *c, const struct vuln_host *h,
		      struct vuln_eval *out);

/* The same evaluation entry by entry, without the groups' shortcuts: the
 * reference the tests and fuzz_config hold vuln_config_eval to. */
void vuln_config_eval_walk(const struct vuln_configs *c, const struct vuln_host *h,
			   struct vuln_eval *out);

/*
 * Evaluates CVE JSON 5 affected data as the store keeps it
 * ([{"source":"cna"|"adp:<name>","affected":[...]}]). The CNA's entries
 * decide when they name the product; ADP entries only otherwise.
 */
void vuln_cve5_eval(const struct cJSON *containers, const struct vuln_host *h,
		    struct vuln_eval *out);
/* True when some affected[] entry (vendor/product or cpes[]) names vp. */
bool vuln_cve5_names(const struct cJSON *containers, const char *vp);

#endif
