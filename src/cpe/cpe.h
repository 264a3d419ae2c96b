/*
 * cpe.h - CPE 2.3 names: the formatted-string binding and the 2.2 URI binding
 * (NISTIR 7695), and name matching (NISTIR 7696), as NVD criteria and host
 * fingerprints use them.
 */
#ifndef MAMORI_CPE_CPE_H
#define MAMORI_CPE_CPE_H

#include "base/compat.h"
#include "base/buf.h"
#include "base/err.h"

#define CPE_STR_MAX 1024 /* longest name accepted or written (bytes) */

enum cpe_attr {
	CPE_PART,
	CPE_VENDOR,
	CPE_PRODUCT,
	CPE_VERSION,
	CPE_UPDATE,
	CPE_EDITION,
	CPE_LANGUAGE,
	CPE_SW_EDITION,
	CPE_TARGET_SW,
	CPE_TARGET_HW,
	CPE_OTHER,
	CPE_N_ATTRS
};

enum cpe_kind { CPE_ANY, CPE_NA, CPE_VALUE };

/*
 * One attribute. A value is kept unescaped and lowercased (comparison is
 * case-insensitive), with its unquoted wildcards apart: NISTIR 7695 allows
 * them only at the start and the end ("*1.0", "1.0.2*", "??b").
 */
struct cpe_val {
	uint8_t kind;	 /* enum cpe_kind */
	bool lead_star;	 /* unquoted '*' before the text */
	bool trail_star; /* unquoted '*' after the text */
	uint8_t lead_q;	 /* count of unquoted '?' before the text */
	uint8_t trail_q; /* count of unquoted '?' after the text */
	char *s;	 /* the literal text (CPE_VALUE); NULL otherwise */
};

struct cpe {
	struct cpe_val a[CPE_N_ATTRS];
};

/*
 * Parses a CPE 2.3 formatted string ("cpe:2.3:a:openssl:openssl:1.0.1f:*:...",
 * backslash escapes, "*" = ANY, "-" = NA, wildcards at a value's ends) or a
 * CPE 2.2 URI ("cpe:/a:openbsd:openssh:7.2p1", percent-encoding, the packed
 * "~edition~sw_edition~target_sw~target_hw~other" sixth component, missing or
 * empty components = ANY). A 2.3 string may stop after any attribute; the rest
 * are ANY. Fills c (release with cpe_release()). Returns 0, M_EPARSE with the
 * attribute and byte offset in e, or M_ENOMEM.
 */
int cpe_parse(const char *s, struct cpe *c, struct merr *e);
void cpe_release(struct cpe *c);
/* Deep copy; returns 0 or M_ENOMEM. */
int cpe_copy(struct cpe *dst, const struct cpe *src);

/* Writes the 2.3 formatted string into out (cap bytes). Returns 0 or M_ETOOBIG. */
int cpe_format(const struct cpe *c, char *out, size_t cap);

/* Sets attribute i to a literal value (no wildcards; unescaped text), or to
 * ANY when v is NULL or "*", NA when "-". Returns 0 or M_ENOMEM. */
int cpe_set(struct cpe *c, enum cpe_attr i, const char *v);

/* True when the attribute is a concrete value without wildcards. */
bool cpe_is_literal(const struct cpe_val *v);
/* The literal text of attribute i, or NULL when it is ANY, NA or a pattern. */
const char *cpe_literal(const struct cpe *c, enum cpe_attr i);

/* NISTIR 7696 relations between a source (criteria) and a target (host). */
enum cpe_rel { CPE_DISJOINT, CPE_SUBSET, CPE_SUPERSET, CPE_EQUAL, CPE_UNDEFINED };

const char *cpe_rel_name(enum cpe_rel r);
/* Attribute comparison (NISTIR 7696 Table 6-2). */
enum cpe_rel cpe_compare_attr(const struct cpe_val *source, const struct cpe_val *target);
/*
 * Name comparison: DISJOINT when any attribute is; EQUAL when all are;
 * SUPERSET when all are SUPERSET or EQUAL; SUBSET when all are SUBSET or
 * EQUAL; UNDEFINED otherwise (mixed, or a wildcard in the target).
 * skip is a bit mask of attributes (1u << CPE_VERSION ...) left out.
 */
enum cpe_rel cpe_compare(const struct cpe *source, const struct cpe *target, unsigned skip);
/* The "CPE name match" a scanner uses: source ⊇ target (SUPERSET or EQUAL). */
bool cpe_matches(const struct cpe *source, const struct cpe *target);

/*
 * Light readers (fields.c) for callers that need no struct cpe.
 *
 * cpe_field: the text of attribute i of a 2.3 formatted string (escapes kept) or of a 2.2
 * URI (%XX decoded, '\' and ':' quoted as in a formatted string), truncated to cap; a
 * missing attribute is "". Returns 0, or M_EPARSE when s is not a CPE name.
 */
int cpe_field(const char *cpe, enum cpe_attr i, char *out, size_t cap);
/* The folded, alias-resolved "vendor:product" key of a CPE name (2.3 or 2.2); M_EPARSE when
 * vendor or product is missing, ANY or NA. */
int cpe_vp(const char *cpe, char *out, size_t cap);
/* A complete CPE 2.3 formatted string as an inventory must hold it: all 11 attributes,
 * none empty, part a/o/h/ * /-, printable ASCII, every '\\' quoting a character. Allocates
 * nothing (cpe_parse reads the values). */
bool cpe_valid23(const char *s);
/* Binds free text (a Recog param, a banner's vendor) as one formatted-string value, with the
 * project's rules: trimmed, lower case, blank to '_', an empty or "-" value as ANY ('*'),
 * other printable punctuation quoted with '\', control and non-ASCII bytes as '_'. */
int cpe_bind_text(struct buf *out, const char *raw, size_t n);
/* A formatted string lower-cased, NA as ANY, padded to 11 attributes (M_EPARSE past 11). */
int cpe_normalise23(const char *fs, char *out, size_t cap);
#endif
