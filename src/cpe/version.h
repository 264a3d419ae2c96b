/*
 * version.h - ordering of the version strings real products publish (OpenSSL
 * letters, OpenSSH p1, BIND -P1, PAN-OS -h11, Cisco 12.2(33)SXI ...), VULNDATA §8.3.
 */
#ifndef MAMORI_CPE_VERSION_H
#define MAMORI_CPE_VERSION_H

#include "base/compat.h"

#define VULN_VERSION_MAX 128 /* longest version string compared (bytes) */
#define VULN_VERSION_TOKENS 40

/*
 * A version split into tokens: numbers, known release words (dev < alpha <
 * beta < pre < rc < release < p/patch/h/hotfix/r/mr/s/sp) and other letter runs.
 * Separators (. - _ + ~ ( ) and space) and backslash escapes only delimit.
 */
struct vuln_ver_tok {
	uint8_t kind;  /* enum in version.c */
	int8_t rank;   /* release-word rank */
	uint8_t canon; /* release word: canonical spelling (alpha = a, patch = p) */
	uint8_t off;   /* into vuln_ver.s */
	uint8_t len;
};

struct vuln_ver {
	char s[VULN_VERSION_MAX + 1]; /* lowercased, escapes removed */
	uint8_t n;
	struct vuln_ver_tok t[VULN_VERSION_TOKENS];
};

/*
 * Parses s into v. Returns 0, or M_EINVAL when s is empty, a logical CPE value
 * ("*", "-"), has no letters or digits, or is too long / has too many tokens.
 */
int vuln_ver_parse(const char *s, struct vuln_ver *v);

/*
 * Compares two parsed versions: *result is -1, 0 or 1. Returns 0, or
 * M_EINVAL when the schemes differ and no order is meaningful (a year or
 * build number such as "2000" against "11.7"; a number against a word).
 * Antisymmetric: cmp(a,b) == -cmp(b,a), and incomparability is symmetric.
 */
int vuln_ver_cmp(const struct vuln_ver *a, const struct vuln_ver *b, int *result);

/*
 * Writes a key such that two parsed versions compare equal (vuln_ver_cmp
 * result 0) exactly when their keys are equal strings ("7.0" and "7.0.0",
 * "1.0a1" and "1.0alpha1" share one). Returns 0 or M_ETOOBIG.
 */
int vuln_ver_key(const struct vuln_ver *v, char *out, size_t cap);

/* vuln_ver_parse + vuln_ver_cmp on two strings. */
int vuln_version_cmp(const char *a, const char *b, int *result);

/*
 * Product-aware split of a banner or CPE version into the part NVD stores in
 * the CPE version attribute and the part it stores in update, for the
 * products whose NVD records do that: OpenSSH "7.2p1" -> "7.2" + "p1", BIND
 * "9.9.3-P1" -> "9.9.3" + "p1", PAN-OS "10.2.9-h1" -> "10.2.9" + "h1", and
 * pre-release words for any product ("5.4.0RC1" -> "5.4.0" + "rc1").
 * vp is the folded vendor:product (alias.h). update is "" when nothing splits
 * off; base is then the whole version. Both are lowercased, escapes removed.
 * Returns 0 or M_ETOOBIG.
 */
int vuln_version_split(const char *vp, const char *version, char *base, size_t base_cap,
		       char *update, size_t update_cap);

/* True when update (as vuln_version_split returns it) ranks above the release
 * ("p1", "h3", "s1", "a" for ProFTPD), false for pre-releases ("rc1", "b2"). */
bool vuln_version_update_is_post(const char *update);

/*
 * Joins a CPE version and update into one comparable version:
 * ("7.2", "p1") -> "7.2p1", ("9.9.3", "p1") -> "9.9.3p1". An empty, "*" or
 * "-" update gives the version alone. Returns 0 or M_ETOOBIG.
 */
int vuln_version_compose(const char *version, const char *update, char *out, size_t cap);

#endif
