/*
 * alias.h - one name per product: the same product appears under several
 * CPE vendor:product names across sources and years (f5:nginx = nginx:nginx,
 * proftpd_project:proftpd = proftpd:proftpd ...). Candidate lookup and the
 * indexes are keyed by the folded name.
 */
#ifndef MAMORI_CPE_ALIAS_H
#define MAMORI_CPE_ALIAS_H

#include "base/compat.h"

#define VULN_VP_MAX 256

/*
 * Writes the folded "vendor:product" key for a CPE vendor and product
 * (as they appear in a CPE 2.3 formatted string, escapes included) into out:
 * lowercased, backslash escapes removed, aliases mapped to their canonical
 * name. Returns 0, or M_ETOOBIG when it does not fit in cap.
 */
int vuln_fold_vp(const char *vendor, const char *product, char *out, size_t cap);

/* The canonical name for a folded key, or key itself when it has no alias. */
const char *vuln_alias_canonical(const char *key);

#endif
