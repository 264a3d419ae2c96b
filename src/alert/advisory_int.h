/*
 * advisory_int.h - what advisory.c (candidates, verdicts, notices, KEV sync), advisory_jvn.c
 * (JVN sync) and advisory_send.c (manual advisories) share; not a public header.
 */
#ifndef MAMORI_ALERT_ADVISORY_INT_H
#define MAMORI_ALERT_ADVISORY_INT_H

#include "base/compat.h"

#include "alert/alert.h"
#include "vuln/match.h"

#define ADV_MAX_PAIRS 20000
#define ADV_MAX_JVN_CVES 64

/* One product an operator runs (declared or identified), as the matcher wants it. */
struct advisory_pair {
	char org[128], vendor[96], product[96];	       /* folded, for the first filter */
	char cpe[256], ven[96], prod[96], version[64]; /* as stored, for the matcher */
};

/* How an operator is concerned by one CVE or advisory, worst wins. */
enum advisory_verdict {
	V_NO,	    /* the matcher says not affected (a fixed version) */
	V_CONFIRM,  /* version unknown or not comparable: notice marked 要確認 */
	V_AFFECTED, /* affected, or affected if the platform matches */
};

/* The worst verdict over an org's products whose folded vendor/product is (v, p); *what
 * receives the product text that decided, for the notice. */
struct advisory_hit {
	enum advisory_verdict v;
	char what[256];
};

/* One advisory sync: the store, the matcher, every operator's products (sorted by org). */
struct advisory_ctx {
	struct store *s;
	struct vuln_matcher *m;
	struct advisory_pair *pv;
	size_t np;
	const char *ack_base;
	int64_t now;
	struct advisory_stats *st;
	struct merr *e;
};

/* Lower-case letters and digits only: "HTTP Server" and "http_server" fold alike. */
void advisory_fold(const char *in, char *out, size_t cap);
/* Folded vendor and product of a CPE 2.3 name or 2.2 URI ("cpe:/a:fortinet:fortiweb"). */
void advisory_cpe_vp(const char *cpe, char *v, char *p, size_t cap);
/* Every operator's declared and identified products, sorted by org (m_free *out). */
int advisory_load_pairs(struct store *s, struct advisory_pair **out, size_t *n, struct merr *e);
/* The worst verdict over pv[from..to) (one org) for products (v, p) and the CVEs (none: the
 * version cannot be checked); hit->what names the product that decided. */
int advisory_org_verdict(struct vuln_matcher *m, const struct advisory_pair *pv, size_t from,
			 size_t to, const char *v, const char *p, const char *const *cves,
			 size_t ncve, struct advisory_hit *hit, struct merr *e);
/* Queues one notice (alert_insert adds the ack token and link). 1 created, 0 existed. */
int advisory_queue_notice(struct store *s, const char *org, const char *issue, const char *subject,
			  const char *ja, const char *en, bool urgent, const char *ack_base,
			  int64_t now, int64_t *id, struct merr *e);
/* The (org, CVE) notice record: first notice wins. advisory_cve_noticed also says yes when
 * an open finding of the CVE exists (its alert item already tells the operator). */
int advisory_note_cve(struct store *s, const char *org, const char *cve, int64_t id,
		      struct merr *e);
int advisory_cve_noticed(struct store *s, const char *org, const char *cve, bool *yes,
			 struct merr *e);
/* Notices for the JVN records no sync covered (advisory_jvn.c). */
int advisory_sync_jvn(struct advisory_ctx *x);

/* 要確認 (needs confirmation) texts: subject prefix, Japanese and English body lines. */
extern const char advisory_confirm_ja[], advisory_confirm_ja_body[], advisory_confirm_en_body[];

#endif
