/* incident_int.h - shared by the incident module's own files only. */
#ifndef MAMORI_INCIDENT_INT_H
#define MAMORI_INCIDENT_INT_H

#include <yaml.h>

#include "base/buf.h"
#include "incident/incident.h"

extern const char *const inc_types[];
extern const char *const inc_tlps[];

#define INC_REGIMES_MAX 32
#define INC_REPORTS_MAX 8
#define INC_DEFAULTS_MAX 32

struct inc_rreport {
	char id[48], name_ja[128], name_en[128], source[512], offset_text[16], after[48];
	int64_t offset_s; /* seconds, when months == 0 */
	int months;
	bool ransom; /* trigger: ransom_paid */
	int met_by;  /* enum inc_kind, -1: none */
	int64_t remind_s;
};
struct inc_regime {
	char id[48], name_ja[128], name_en[128], source[512];
	struct inc_rreport reports[INC_REPORTS_MAX];
	size_t n_reports;
};
struct inc_default {
	char sectors[8][32], types[8][32], regimes[8][48];
	size_t n_sectors, n_types, n_regimes;
};
struct inc_regimes {
	struct inc_regime r[INC_REGIMES_MAX];
	size_t n;
	struct inc_default d[INC_DEFAULTS_MAX];
	size_t n_defaults;
};

/* Reads the YAML data file path into *d (yaml_document_delete it; nothing to delete on an error):
 * FILE:LINE "malformed YAML" (M_EPARSE) when libyaml refuses it (regimes, severity, case SLAs). */
int inc_yaml_load(const char *path, yaml_document_t *d, struct merr *e);
const struct inc_regime *inc_regime_find(const struct inc_regimes *t, const char *id);

/* Recomputes the clocks of incident id from its aware time and regimes; marks clocks met by a
 * version of kind met_kind (-1: none); writes history rows with reason; updates next_due. */
int inc_clocks_sync(const struct inc_ctx *c, int64_t id, int met_kind, const char *reason,
		    struct merr *e);

/* Steps st, a prepared and bound "EXPLAIN QUERY PLAN" statement, and finalizes it: *plan
 * (m_free) gets its details, one a line (inc_list_plan, case_list_plan). */
struct store_stmt;
int inc_plan_read(struct store_stmt *st, char **plan, struct merr *e);
/* The TLP rank: clear 0 .. red 4; -1 unknown. */
int inc_tlp_rank(const char *tlp);
/* Appends an audit row (auth_audit). */
int inc_audit(const struct inc_ctx *c, const char *action, const char *object, const char *detail,
	      struct merr *e);

/* A JSON text writer into a buffer (jw.c): for the lists, one object per row without cJSON.
 * rc keeps the first buffer error; n counts the keys of the current object; day and date keep
 * the dates last written ("YYYY-MM-DD" of day day[k] - 1, in slot k = day % 4; 0 none): a
 * list's rows share a few days. */
struct jw {
	struct buf *b;
	int rc;
	int n;
	int64_t day[4];
	char date[4][10];
};
/* The keys are string literals (plain ASCII, never escaped): the macros below pass them quoted
 * with their colon and length, so a key is one memcpy. */
#define JW_K(k) "\"" k "\":", sizeof("\"" k "\":") - 1
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_key_obj_(struct jw *w, const char *kq, size_t kn);
void jw_str_(struct jw *w, const char *kq, size_t kn, const char *s);
void jw_int_(struct jw *w, const char *kq, size_t kn, int64_t v);
void jw_lit_(struct jw *w, const char *kq, size_t kn, const char *v, size_t n);
void jw_time_(struct jw *w, const char *kq, size_t kn, int64_t t);
#define jw_key_obj(w, k) jw_key_obj_((w), JW_K(k)) /* "k":{ (close with jw_obj_end) */
#define jw_str(w, k, s) jw_str_((w), JW_K(k), (s)) /* null when s is NULL */
#define jw_int(w, k, v) jw_int_((w), JW_K(k), (v))
#define jw_null(w, k) jw_lit_((w), JW_K(k), "null", 4)
#define jw_bool(w, k, v) \
	((v) ? jw_lit_((w), JW_K(k), "true", 4) : jw_lit_((w), JW_K(k), "false", 5))
#define jw_time(w, k, t) jw_time_((w), JW_K(k), (t)) /* ISO 8601 UTC; null when 0 */

#endif
