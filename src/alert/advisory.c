/*
 * advisory.c - the vulnerability information service: notices for KEV CVEs new since the last
 * sync to the operators that run the product, with an acknowledgement token (hash stored).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <string.h>

#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "vuln/config.h"
#include "vuln/cpe.h"
#include "vuln/match.h"

#define ADV_MAX_PAIRS 20000
#define ADV_MAX_JVN_CVES 64

/* Lower-case letters and digits only: "HTTP Server" and "http_server" fold alike. */
static void fold(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; in && *in && o + 1 < cap; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = 0;
}

/* One product an operator runs (declared or identified), as the matcher wants it. */
struct pair {
	char org[128], vendor[96], product[96];	       /* folded, for the first filter */
	char cpe[256], ven[96], prod[96], version[64]; /* as stored, for the matcher */
};

/* How an operator is concerned by one CVE or advisory, worst wins. */
enum verdict {
	V_NO,	    /* the matcher says not affected (a fixed version) */
	V_CONFIRM,  /* version unknown or not comparable: notice marked 要確認 */
	V_AFFECTED, /* affected, or affected if the platform matches */
};

/* Field n (0-based) of a CPE 2.3 string, escapes ignored. */
static void cpe_field(const char *cpe, int n, char *out, size_t cap)
{
	const char *p = cpe;
	for (int i = 0; i < n && p; i++) {
		p = strchr(p, ':');
		p = p ? p + 1 : NULL;
	}
	size_t k = p ? strcspn(p, ":") : 0;
	snprintf(out, cap, "%.*s", (int)(k < cap ? k : cap - 1), p ? p : "");
}

/* Folded vendor and product of a CPE 2.3 name or 2.2 URI ("cpe:/a:fortinet:fortiweb"). */
static void cpe_vp(const char *cpe, char *v, char *p, size_t cap)
{
	char a[96] = "", b[96] = "";
	if (strncmp(cpe, "cpe:2.3:", 8) == 0) {
		cpe_field(cpe, 3, a, sizeof a);
		cpe_field(cpe, 4, b, sizeof b);
	} else if (strncmp(cpe, "cpe:/", 5) == 0) {
		cpe_field(cpe + 5, 1, a, sizeof a);
		cpe_field(cpe + 5, 2, b, sizeof b);
	}
	fold(a, v, cap);
	fold(b, p, cap);
}

static void col(struct store_stmt *st, int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s", stmt_is_null(st, i) ? "" : stmt_text(st, i));
}

static int load_pairs(struct store *s, struct pair **out, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct pair *v = m_calloc(ADV_MAX_PAIRS, sizeof *v);
	int rc;

	*n = 0;
	if (!v)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(s,
			   "SELECT o.slug, d.vendor, d.product, d.cpe, d.version FROM"
			   " declared_products d JOIN orgs o ON o.id = d.org_id"
			   " UNION SELECT org_slug, vendor, product, cpe, version FROM services"
			   " WHERE vendor IS NOT NULL OR cpe IS NOT NULL ORDER BY 1",
			   &st, e);
	while (rc == 0 && *n < ADV_MAX_PAIRS && (rc = stmt_step(st, e)) == 1) {
		struct pair *p = &v[*n];
		rc = 0;
		col(st, 0, p->org, sizeof p->org);
		col(st, 1, p->ven, sizeof p->ven);
		col(st, 2, p->prod, sizeof p->prod);
		col(st, 3, p->cpe, sizeof p->cpe);
		col(st, 4, p->version, sizeof p->version);
		if (strncmp(p->cpe, "cpe:2.3:", 8) == 0) {
			cpe_vp(p->cpe, p->vendor, p->product, sizeof p->vendor);
		} else {
			p->cpe[0] = 0;
			fold(p->ven, p->vendor, sizeof p->vendor);
			fold(p->prod, p->product, sizeof p->product);
		}
		if (p->product[0])
			(*n)++;
	}
	stmt_finalize(st);
	if (rc < 0) {
		m_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* What the matcher says about one CVE for one product an operator runs. A CVE the matcher
 * does not connect to the product at all (no NVD/CVE 5/JVN data naming it) is V_CONFIRM:
 * the feed named the product, only the version cannot be checked. */
static int verdict_of(struct vuln_matcher *m, const struct pair *c, const char *cve,
		      enum verdict *out, struct merr *e)
{
	struct vuln_product p = {.cpe = c->cpe[0] ? c->cpe : NULL,
				 .vendor = c->ven,
				 .product = c->prod,
				 .version = c->version};
	const struct vuln_result *r = NULL;
	size_t n = 0;
	struct merr le;
	int rc;

	merr_init(&le);
	*out = V_CONFIRM;
	rc = vuln_match_one(m, &p, VULN_MATCH_ALL, &r, &n, &le);
	if (rc == M_EINVAL)
		return 0; /* a name the matcher cannot read: version unknown */
	if (rc)
		return merr_set(e, rc, "%s", le.msg);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].cve->id, cve) != 0)
			continue;
		switch (r[i].state) {
		case VULN_NOT_AFFECTED: *out = V_NO; break;
		case VULN_AFFECTED:
		case VULN_AFFECTED_IF_PLATFORM: *out = V_AFFECTED; break;
		default: *out = V_CONFIRM; break; /* product-only, incomparable, backport */
		}
		break;
	}
	return 0;
}

/* Queues one notice (alert_insert adds the acknowledgement token and link).
 * Returns 1 when created, 0 when the org had it already. *id receives the new alert's id. */
static int queue_notice(struct store *s, const char *org, const char *issue, const char *subject,
			const char *ja, const char *en, bool urgent, const char *ack_base,
			int64_t now, int64_t *id, struct merr *e)
{
	struct alert_msg m;
	struct buf bb;
	int rc;

	memset(&m, 0, sizeof m);
	snprintf(m.org, sizeof m.org, "%s", org);
	snprintf(m.issue_key, sizeof m.issue_key, "%s", issue);
	m.urgent = urgent;
	m.ack_base = ack_base;
	buf_init(&bb, 1 << 20);
	rc = buf_addf(&bb, "【脆弱性情報】%s 様\n\n%s\n---- English ----\n%s", org, ja, en);
	m.subject = m_strdup(subject);
	m.body = buf_detach(&bb, NULL);
	if (rc || !m.subject || !m.body)
		rc = merr_set(e, M_ENOMEM, "out of memory");
	else
		rc = alert_insert(s, &m, now, e);
	if (id)
		*id = m.id;
	m_free(m.subject);
	m_free(m.body);
	buf_release(&bb);
	return rc;
}

/* Records that org was told about cve by alert id (the first notice wins). */
static int note_cve(struct store *s, const char *org, const char *cve, int64_t id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "INSERT OR IGNORE INTO alert_notice_cves (org_slug, cve_id, alert_id)"
			  " VALUES (?, ?, ?)",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, cve);
	stmt_bind_int64(st, 3, id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int cve_noticed(struct store *s, const char *org, const char *cve, bool *yes, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s, "SELECT 1 FROM alert_notice_cves WHERE org_slug = ? AND cve_id = ?", &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, cve);
	rc = stmt_step(st, e);
	*yes = rc == 1;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The worst verdict over an org's products whose folded vendor/product is (v, p); *what
 * receives the product text that decided, for the notice. */
struct org_hit {
	enum verdict v;
	char what[256];
};

static int org_verdict(struct vuln_matcher *m, const struct pair *pv, size_t from, size_t to,
		       const char *v, const char *p, const char *const *cves, size_t ncve,
		       struct org_hit *hit, struct merr *e)
{
	int rc = 0;
	for (size_t i = from; i < to && rc == 0; i++) {
		if (strcmp(pv[i].vendor, v) || strcmp(pv[i].product, p))
			continue;
		enum verdict best = ncve ? V_NO : V_CONFIRM;
		for (size_t c = 0; c < ncve && rc == 0 && best != V_AFFECTED; c++) {
			enum verdict x = V_NO;
			rc = verdict_of(m, &pv[i], cves[c], &x, e);
			best = x > best ? x : best;
		}
		if (rc == 0 && (!hit->what[0] || best > hit->v)) {
			hit->v = best > hit->v ? best : hit->v;
			if (pv[i].cpe[0])
				snprintf(hit->what, sizeof hit->what, "%s", pv[i].cpe);
			else
				snprintf(hit->what, sizeof hit->what, "%s %s %s", pv[i].ven,
					 pv[i].prod,
					 pv[i].version[0] ? pv[i].version
							  : "(版数不明 / version unknown)");
		}
	}
	return rc;
}

static const char confirm_ja[] = "【要確認】";
static const char confirm_ja_body[] =
    "※ 利用中のバージョンが不明なため影響の有無を確認できません。バージョンをご確認ください "
    "(要確認)。\n";
static const char confirm_en_body[] =
    "Note: the version you run is not known to us; please confirm whether it is affected "
    "(needs confirmation).\n";

static int kev_notice(struct store *s, const char *org, struct store_stmt *k,
		      const struct org_hit *hit, const char *ack_base, int64_t now, int64_t *id,
		      struct merr *e)
{
	struct buf sb, ja, en;
	char issue[160];
	const char *cve = stmt_text(k, 0);
	bool c = hit->v == V_CONFIRM;
	int rc;

	buf_init(&sb, 4096);
	buf_init(&ja, 65536);
	buf_init(&en, 65536);
	snprintf(issue, sizeof issue, "notice:kev:%s", cve);
	rc = buf_addf(&sb, "[mamori] %s脆弱性情報: %s (KEV) / Advisory%s: %s", c ? confirm_ja : "",
		      cve, c ? " (needs confirmation)" : "", cve);
	if (!rc)
		rc =
		    buf_addf(&ja,
			     "貴組織で利用中の製品 %s %s に、実際に悪用されている脆弱性 %s "
			     "(CISA KEV) が追加されました。\n%s\n対応: %s\n期限 (KEV): %s\n"
			     "該当する申告・検出製品: %s\n%s",
			     stmt_text(k, 1), stmt_text(k, 2), cve, stmt_text(k, 3),
			     stmt_text(k, 4), stmt_text(k, 5), hit->what, c ? confirm_ja_body : "");
	if (!rc)
		rc =
		    buf_addf(&en,
			     "A vulnerability exploited in the wild, %s, was added to CISA KEV for "
			     "%s %s, which you run.\n%s\nWhat to do: %s\nKEV due date: %s\n"
			     "Your product: %s\n%s",
			     cve, stmt_text(k, 1), stmt_text(k, 2), stmt_text(k, 3),
			     stmt_text(k, 4), stmt_text(k, 5), hit->what, c ? confirm_en_body : "");
	rc = rc ? merr_set(e, rc, "notice too big")
		: queue_notice(s, org, issue, buf_str(&sb), buf_str(&ja), buf_str(&en), true,
			       ack_base, now, id, e);
	buf_release(&sb);
	buf_release(&ja);
	buf_release(&en);
	return rc;
}

static int mark_synced(struct store *s, int64_t now, long *catalogs, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "INSERT INTO alert_synced_catalogs (version, synced_at)"
			       " SELECT version, ? FROM kev_catalogs WHERE version NOT IN"
			       " (SELECT version FROM alert_synced_catalogs) RETURNING version",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	while ((rc = stmt_step(st, e)) == 1)
		(*catalogs)++;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	rc = store_prepare(s,
			   "INSERT INTO alert_synced_jvn (jvn_id, synced_at) SELECT id, ? FROM jvn"
			   " WHERE id NOT IN (SELECT jvn_id FROM alert_synced_jvn)",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

struct sync_ctx {
	struct store *s;
	struct vuln_matcher *m;
	struct pair *pv;
	size_t np;
	const char *ack_base;
	int64_t now;
	struct advisory_stats *st;
	struct merr *e;
};

/* One new KEV CVE: a notice to every org whose product the matcher does not clear. */
static int sync_kev_one(struct sync_ctx *x, struct store_stmt *k)
{
	const char *cve = stmt_text(k, 0);
	char v[96], p[96];
	int rc = 0;

	fold(stmt_text(k, 1), v, sizeof v);
	fold(stmt_text(k, 2), p, sizeof p);
	for (size_t i = 0; i < x->np && rc == 0;) {
		size_t j = i;
		struct org_hit hit = {V_NO, ""};
		bool told = false;
		int64_t id = 0;
		while (j < x->np && strcmp(x->pv[j].org, x->pv[i].org) == 0)
			j++;
		rc = org_verdict(x->m, x->pv, i, j, v, p, &cve, 1, &hit, x->e);
		if (rc == 0 && hit.what[0] && hit.v == V_NO)
			x->st->cleared++;
		if (rc == 0 && hit.v != V_NO)
			rc = cve_noticed(x->s, x->pv[i].org, cve, &told, x->e);
		if (rc == 0 && hit.v != V_NO && !told) {
			rc =
			    kev_notice(x->s, x->pv[i].org, k, &hit, x->ack_base, x->now, &id, x->e);
			if (rc == 1) {
				x->st->notices++;
				x->st->confirm += hit.v == V_CONFIRM;
				rc = note_cve(x->s, x->pv[i].org, cve, id, x->e);
			}
			rc = rc < 0 ? rc : 0;
		}
		i = j;
	}
	return rc;
}

static int sync_kev(struct sync_ctx *x)
{
	struct store_stmt *k = NULL;
	int rc = store_prepare(
	    x->s,
	    "SELECT k.cve_id, coalesce(k.vendor_project, ''), coalesce(k.product, ''),"
	    " coalesce(k.vulnerability_name, ''), coalesce(k.required_action, ''),"
	    " coalesce(k.due_date, '') FROM kev k JOIN kev_first_seen f ON f.cve_id = k.cve_id"
	    " WHERE f.first_catalog NOT IN (SELECT version FROM alert_synced_catalogs)"
	    " ORDER BY k.cve_id",
	    &k, x->e);
	while (rc == 0 && (rc = stmt_step(k, x->e)) == 1) {
		x->st->new_cves++;
		rc = sync_kev_one(x, k);
	}
	stmt_finalize(k);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ JVN */

struct jvn_rec {
	char id[40], sev[16], url[256], title[400];
	char cves[ADV_MAX_JVN_CVES][32];
	const char *cvep[ADV_MAX_JVN_CVES];
	size_t ncve;
	char vps[32][2][96]; /* folded vendor, product of each CPE */
	size_t nvp;
};

/* A header-safe copy: control bytes become spaces, cut on a UTF-8 boundary. */
static void safe_text(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; in && *in && n + 1 < cap; in++)
		out[n++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? ' ' : *in;
	/* Cut inside a character (the next input byte continues it): drop its partial bytes. */
	if (in && ((unsigned char)*in & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	out[n] = 0;
	if (!utf8_valid(out, n, NULL))
		snprintf(out, cap, "(title not valid UTF-8)");
}

static int jvn_load(struct store *s, struct store_stmt *j, struct jvn_rec *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *a;
	int rc;

	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", stmt_text(j, 0));
	safe_text(stmt_text(j, 1), r->title, sizeof r->title);
	safe_text(stmt_text(j, 2), r->sev, sizeof r->sev);
	safe_text(stmt_text(j, 3), r->url, sizeof r->url);
	a = cJSON_Parse(stmt_text(j, 4));
	for (cJSON *c = a ? a->child : NULL; c && r->nvp < ARRAY_SIZE(r->vps); c = c->next) {
		if (!cJSON_IsString(c))
			continue;
		cpe_vp(c->valuestring, r->vps[r->nvp][0], r->vps[r->nvp][1], 96);
		if (r->vps[r->nvp][1][0])
			r->nvp++;
	}
	cJSON_Delete(a);
	rc = store_prepare(s, "SELECT cve_id FROM jvn_cves WHERE jvn_id = ? ORDER BY cve_id", &st,
			   e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->id);
	while (r->ncve < ADV_MAX_JVN_CVES && (rc = stmt_step(st, e)) == 1) {
		snprintf(r->cves[r->ncve], sizeof r->cves[0], "%s", stmt_text(st, 0));
		r->cvep[r->ncve] = r->cves[r->ncve];
		r->ncve++;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool jvn_urgent(const char *sev)
{
	return strcmp(sev, "緊急") == 0 || strcmp(sev, "重要") == 0;
}

static int jvn_notice(struct sync_ctx *x, const char *org, const struct jvn_rec *r,
		      const struct org_hit *hit, int64_t *id)
{
	struct buf sb, ja, en, cl;
	char issue[160];
	bool c = hit->v == V_CONFIRM;
	const char *sev = r->sev[0] ? r->sev : "未評価";
	int rc = 0;

	buf_init(&sb, 4096);
	buf_init(&ja, 65536);
	buf_init(&en, 65536);
	buf_init(&cl, 8192);
	for (size_t i = 0; i < r->ncve && rc == 0; i++)
		rc = buf_addf(&cl, "%s%s", i ? ", " : "", r->cves[i]);
	if (!rc && r->ncve == 0)
		rc = buf_addf(&cl, "なし / none");
	snprintf(issue, sizeof issue, "notice:jvn:%s", r->id);
	if (!rc)
		rc = buf_addf(&sb, "[mamori] %s脆弱性情報 (JVN %s): %s %s / Advisory%s",
			      c ? confirm_ja : "", sev, r->id, r->title,
			      c ? " (needs confirmation)" : "");
	if (!rc)
		rc = buf_addf(&ja,
			      "貴組織で利用中の製品に関する脆弱性情報が JVN に公開されました。\n"
			      "%s: %s\n深刻度 (JVN): %s\nCVE: %s\n詳細: %s\n"
			      "該当する申告・検出製品: %s\n%s",
			      r->id, r->title, sev, buf_str(&cl), r->url, hit->what,
			      c ? confirm_ja_body : "");
	if (!rc)
		rc = buf_addf(&en,
			      "JVN published an advisory for a product you run.\n%s: %s\n"
			      "JVN severity: %s\nCVE: %s\nDetails: %s\nYour product: %s\n%s",
			      r->id, r->title, sev, buf_str(&cl), r->url, hit->what,
			      c ? confirm_en_body : "");
	rc = rc ? merr_set(x->e, rc, "notice too big")
		: queue_notice(x->s, org, issue, buf_str(&sb), buf_str(&ja), buf_str(&en),
			       jvn_urgent(r->sev), x->ack_base, x->now, id, x->e);
	buf_release(&sb);
	buf_release(&ja);
	buf_release(&en);
	buf_release(&cl);
	return rc;
}

/* Every CVE of r already noticed to org (by KEV or another JVN entry): nothing new to say. */
static int jvn_told(struct sync_ctx *x, const char *org, const struct jvn_rec *r, bool *all)
{
	int rc = 0;
	*all = r->ncve > 0;
	for (size_t i = 0; i < r->ncve && rc == 0 && *all; i++)
		rc = cve_noticed(x->s, org, r->cves[i], all, x->e);
	return rc;
}

static int sync_jvn_one(struct sync_ctx *x, const struct jvn_rec *r)
{
	int rc = 0;
	for (size_t i = 0; i < x->np && rc == 0;) {
		size_t j = i;
		struct org_hit hit = {V_NO, ""};
		bool all = false;
		int64_t id = 0;
		while (j < x->np && strcmp(x->pv[j].org, x->pv[i].org) == 0)
			j++;
		for (size_t k = 0; k < r->nvp && rc == 0 && hit.v != V_AFFECTED; k++)
			rc = org_verdict(x->m, x->pv, i, j, r->vps[k][0], r->vps[k][1], r->cvep,
					 r->ncve, &hit, x->e);
		if (rc == 0 && hit.what[0] && hit.v == V_NO)
			x->st->cleared++;
		if (rc == 0 && hit.v != V_NO)
			rc = jvn_told(x, x->pv[i].org, r, &all);
		if (rc == 0 && hit.v != V_NO && all)
			x->st->duplicates++;
		if (rc == 0 && hit.v != V_NO && !all) {
			rc = jvn_notice(x, x->pv[i].org, r, &hit, &id);
			if (rc == 1) {
				x->st->notices++;
				x->st->confirm += hit.v == V_CONFIRM;
				for (size_t c = 0; c < r->ncve && rc >= 0; c++)
					rc = note_cve(x->s, x->pv[i].org, r->cves[c], id, x->e);
			}
			rc = rc < 0 ? rc : 0;
		}
		i = j;
	}
	return rc;
}

static int sync_jvn(struct sync_ctx *x)
{
	struct store_stmt *j = NULL;
	struct jvn_rec *r = m_malloc(sizeof *r);
	int rc = r ? 0 : merr_set(x->e, M_ENOMEM, "out of memory");

	if (rc == 0)
		rc = store_prepare(
		    x->s,
		    "SELECT id, coalesce(title_ja, ''), coalesce(severity_ja, ''),"
		    " coalesce(url, ''), coalesce(cpes, '[]') FROM jvn WHERE id NOT IN"
		    " (SELECT jvn_id FROM alert_synced_jvn) ORDER BY id",
		    &j, x->e);
	while (rc == 0 && (rc = stmt_step(j, x->e)) == 1) {
		x->st->new_jvn++;
		rc = jvn_load(x->s, j, r, x->e);
		if (rc == 0)
			rc = sync_jvn_one(x, r);
	}
	stmt_finalize(j);
	m_free(r);
	return rc < 0 ? rc : 0;
}

int advisory_sync(struct store *s, int64_t now, const char *ack_base, struct advisory_stats *st,
		  struct merr *e)
{
	struct sync_ctx x = {s, NULL, NULL, 0, ack_base, now, st, e};
	int64_t kev_synced = 0, jvn_synced = 0;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = alert_ack_base_check(ack_base, e)))
		return rc;
	if ((rc = store_query_int(s, "SELECT count(*) FROM alert_synced_catalogs", &kev_synced,
				  e)) ||
	    (rc = store_query_int(s, "SELECT count(*) FROM alert_synced_jvn", &jvn_synced, e)))
		return rc;
	st->baseline = kev_synced == 0;
	st->jvn_baseline = jvn_synced == 0;
	if ((rc = store_begin(s, e)))
		return rc;
	if ((!st->baseline || !st->jvn_baseline) && (rc = load_pairs(s, &x.pv, &x.np, e)) == 0)
		rc = vuln_matcher_new(s, &x.m, e);
	/* KEV first: when both feeds bring the same CVE in one sync, the KEV notice is sent. */
	if (rc == 0 && !st->baseline)
		rc = sync_kev(&x);
	if (rc == 0 && !st->jvn_baseline)
		rc = sync_jvn(&x);
	vuln_matcher_free(x.m);
	m_free(x.pv);
	if (rc == 0)
		rc = mark_synced(s, now, &st->catalogs, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int advisory_ack(struct store *s, const char *token, int64_t now, struct merr *e)
{
	return alert_ack_token(s, token, "token", now, NULL, e);
}

int advisory_pending(struct store *s,
		     void (*fn)(int64_t id, const char *org, const char *issue, int64_t created,
				const char *delivery, void *arg),
		     void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT a.id, a.org_slug, a.issue_key, a.created_at,"
			  " CASE WHEN EXISTS (SELECT 1 FROM alert_targets t WHERE t.alert_id = a.id"
			  "   AND t.state = 'delivered') THEN 'delivered' ELSE 'queued' END"
			  " FROM alerts a WHERE a.issue_key LIKE 'notice:%' AND a.acked_at IS NULL"
			  " AND a.urgent = 1 ORDER BY a.org_slug, a.issue_key",
			  &st, e);
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		rc = 0;
		fn(stmt_int64(st, 0), stmt_text(st, 1), stmt_text(st, 2), stmt_int64(st, 3),
		   stmt_text(st, 4), arg);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ manual advisories */

/* One product of a manual advisory. With a literal version it is judged like an NVD
 * configuration naming exactly that CPE (the matcher's evaluator); without, every version. */
struct send_cpe {
	char v[96], p[96]; /* folded vendor, product */
	struct cpe c;
	struct vuln_configs *cfg; /* NULL: every version concerned */
};

static void send_cpes_free(struct send_cpe *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		cpe_release(&v[i].c);
		vuln_configs_free(v[i].cfg);
	}
	m_free(v);
}

static int send_cpe_config(struct send_cpe *x, const char *cpe, struct merr *e)
{
	cJSON *arr = cJSON_CreateArray(), *cfg = cJSON_CreateObject(), *nodes = cJSON_CreateArray(),
	      *node = cJSON_CreateObject(), *ms = cJSON_CreateArray(), *m = cJSON_CreateObject();
	int rc = M_ENOMEM;

	if (arr && cfg && nodes && node && ms && m) {
		cJSON_AddStringToObject(node, "operator", "OR");
		cJSON_AddBoolToObject(m, "vulnerable", 1);
		cJSON_AddStringToObject(m, "criteria", cpe);
		cJSON_AddItemToArray(ms, m);
		cJSON_AddItemToObject(node, "cpeMatch", ms);
		cJSON_AddItemToArray(nodes, node);
		cJSON_AddItemToObject(cfg, "nodes", nodes);
		cJSON_AddItemToArray(arr, cfg);
		rc = vuln_configs_parse(arr, &x->cfg, e);
		cJSON_Delete(arr);
		return rc;
	}
	cJSON_Delete(arr);
	cJSON_Delete(cfg);
	cJSON_Delete(nodes);
	cJSON_Delete(node);
	cJSON_Delete(ms);
	cJSON_Delete(m);
	return merr_set(e, rc, "out of memory");
}

static int send_cpes_init(const char *const *cpes, size_t n, struct send_cpe **out, struct merr *e)
{
	struct send_cpe *v = m_calloc(n ? n : 1, sizeof *v);
	int rc = v ? 0 : merr_set(e, M_ENOMEM, "out of memory");

	for (size_t i = 0; i < n && rc == 0; i++) {
		cpe_vp(cpes[i], v[i].v, v[i].p, sizeof v[i].v);
		if ((rc = cpe_parse(cpes[i], &v[i].c, e)))
			break;
		if (cpe_literal(&v[i].c, CPE_VERSION))
			rc = send_cpe_config(&v[i], cpes[i], e);
	}
	if (rc) {
		send_cpes_free(v, n);
		return rc == M_EPARSE ? M_EINVAL : rc;
	}
	*out = v;
	return 0;
}

/* The operator's product as a CPE: its own, else the advisory's part/vendor/product with the
 * declared version (ANY when none). */
static int product_cpe(const struct send_cpe *x, const struct pair *c, struct cpe *out)
{
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (c->cpe[0])
		return cpe_parse(c->cpe, out, NULL);
	if (cpe_set(out, CPE_PART, cpe_literal(&x->c, CPE_PART)) ||
	    cpe_set(out, CPE_VENDOR, cpe_literal(&x->c, CPE_VENDOR)) ||
	    cpe_set(out, CPE_PRODUCT, cpe_literal(&x->c, CPE_PRODUCT)) ||
	    cpe_set(out, CPE_VERSION, c->version[0] ? c->version : NULL))
		rc = M_ENOMEM;
	for (int i = CPE_UPDATE; rc == 0 && i < CPE_N_ATTRS; i++)
		rc = cpe_set(out, (enum cpe_attr)i, NULL);
	return rc;
}

static int send_verdict(const struct send_cpe *x, const struct pair *c, enum verdict *out,
			struct merr *e)
{
	struct vuln_host h;
	struct vuln_eval ev;
	struct cpe pc;
	int rc;

	*out = x->cfg ? V_CONFIRM : V_AFFECTED;
	if (!x->cfg)
		return 0;
	rc = product_cpe(x, c, &pc);
	if (rc == 0)
		rc = vuln_host_init(&h, &pc, NULL, 0, NULL);
	cpe_release(&pc);
	if (rc)
		return rc == M_ENOMEM ? merr_set(e, rc, "out of memory") : 0; /* unreadable */
	vuln_config_eval(x->cfg, &h, &ev);
	vuln_host_release(&h);
	if (ev.state == VULN_NOT_AFFECTED)
		*out = V_NO;
	else if (ev.state == VULN_AFFECTED || ev.state == VULN_AFFECTED_IF_PLATFORM)
		*out = V_AFFECTED;
	return 0;
}

int advisory_send(struct store *s, const char *const *cpes, size_t ncpe, const char *title,
		  const char *body, const char *ack_base, int64_t now, long *notices,
		  struct merr *e)
{
	struct pair *pv = NULL;
	struct send_cpe *sc = NULL;
	size_t np = 0;
	char issue[160], subj[1024], ja[8192], en[512];
	unsigned char h[32];
	unsigned hl = 0;
	int rc;

	*notices = 0;
	if ((rc = alert_ack_base_check(ack_base, e)))
		return rc;
	if (!title || !*title || !alert_header_ok(title) || !utf8_valid(title, strlen(title), NULL))
		return merr_set(e, M_EINVAL, "title must be UTF-8 without CR/LF");
	if (!body || strlen(body) > 4096 || !utf8_valid(body, strlen(body), NULL))
		return merr_set(e, M_EINVAL, "body must be UTF-8, at most 4096 bytes");
	for (size_t c = 0; c < ncpe; c++)
		if (strncmp(cpes[c], "cpe:2.3:", 8) != 0)
			return merr_set(e, M_EINVAL, "not a CPE 2.3 name: %s", cpes[c]);
	/* One manual advisory per (org, title+products): resending the same one is a no-op. */
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	if (!x || !EVP_DigestInit_ex(x, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(x, title, strlen(title)) ||
	    (ncpe && !EVP_DigestUpdate(x, cpes[0], strlen(cpes[0]))) ||
	    !EVP_DigestFinal_ex(x, h, &hl)) {
		EVP_MD_CTX_free(x);
		return merr_set(e, M_EIO, "sha256");
	}
	EVP_MD_CTX_free(x);
	snprintf(issue, sizeof issue, "notice:manual:%02x%02x%02x%02x%02x%02x%02x%02x", h[0], h[1],
		 h[2], h[3], h[4], h[5], h[6], h[7]);
	if ((rc = send_cpes_init(cpes, ncpe, &sc, e)))
		return rc;
	if ((rc = load_pairs(s, &pv, &np, e)) || (rc = store_begin(s, e))) {
		send_cpes_free(sc, ncpe);
		m_free(pv);
		return rc;
	}
	for (size_t i = 0; i < np && rc == 0;) {
		size_t j = i;
		enum verdict best = V_NO;
		while (j < np && strcmp(pv[j].org, pv[i].org) == 0)
			j++;
		for (size_t k = i; k < j && rc == 0; k++)
			for (size_t c = 0; c < ncpe && rc == 0; c++) {
				enum verdict vd = V_NO;
				if (strcmp(pv[k].vendor, sc[c].v) || strcmp(pv[k].product, sc[c].p))
					continue;
				rc = send_verdict(&sc[c], &pv[k], &vd, e);
				best = vd > best ? vd : best;
			}
		if (rc == 0 && best != V_NO) {
			bool cf = best == V_CONFIRM;
			snprintf(subj, sizeof subj, "[mamori] %s脆弱性情報 / Advisory%s: %s",
				 cf ? confirm_ja : "", cf ? " (needs confirmation)" : "", title);
			snprintf(ja, sizeof ja, "%s\n%s", body, cf ? confirm_ja_body : "");
			snprintf(en, sizeof en, "%s", cf ? confirm_en_body : "");
			rc = queue_notice(s, pv[i].org, issue, subj, ja, en, true, ack_base, now,
					  NULL, e);
			if (rc == 1)
				(*notices)++;
			rc = rc < 0 ? rc : 0;
		}
		i = j;
	}
	send_cpes_free(sc, ncpe);
	m_free(pv);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}
