/*
 * advisory.c - the vulnerability information service: the operators' products, the matcher's
 * verdict per (product, CVE), notices, the KEV side of the sync and the sync itself.
 */
#include "base/compat.h"

#include <ctype.h>
#include <string.h>

#include "alert/advisory_int.h"
#include "alert/alert.h"
#include "base/mem.h"
#include "cpe/cpe.h"
#include "vuln/match.h"

/* Lower-case letters and digits only: "HTTP Server" and "http_server" fold alike. */
void advisory_fold(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; in && *in && o + 1 < cap; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = 0;
}

/* Folded vendor and product of a CPE 2.3 name or 2.2 URI ("cpe:/a:fortinet:fortiweb"). */
void advisory_cpe_vp(const char *cpe, char *v, char *p, size_t cap)
{
	char a[96] = "", b[96] = "";
	if (cpe_field(cpe, CPE_VENDOR, a, sizeof a) == 0)
		cpe_field(cpe, CPE_PRODUCT, b, sizeof b);
	advisory_fold(a, v, cap);
	advisory_fold(b, p, cap);
}

static void col(struct store_stmt *st, int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s", stmt_is_null(st, i) ? "" : stmt_text(st, i));
}

int advisory_load_pairs(struct store *s, struct advisory_pair **out, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct advisory_pair *v = m_calloc(ADV_MAX_PAIRS, sizeof *v);
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
		struct advisory_pair *p = &v[*n];
		rc = 0;
		col(st, 0, p->org, sizeof p->org);
		col(st, 1, p->ven, sizeof p->ven);
		col(st, 2, p->prod, sizeof p->prod);
		col(st, 3, p->cpe, sizeof p->cpe);
		col(st, 4, p->version, sizeof p->version);
		if (strncmp(p->cpe, "cpe:2.3:", 8) == 0) {
			advisory_cpe_vp(p->cpe, p->vendor, p->product, sizeof p->vendor);
		} else {
			p->cpe[0] = 0;
			advisory_fold(p->ven, p->vendor, sizeof p->vendor);
			advisory_fold(p->prod, p->product, sizeof p->product);
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
static int verdict_of(struct vuln_matcher *m, const struct advisory_pair *c, const char *cve,
		      enum advisory_verdict *out, struct merr *e)
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
int advisory_queue_notice(struct store *s, const char *org, const char *issue, const char *subject,
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
	rc = buf_addf(&bb, "【脆弱性情報】%s\n---- English ----\n[Advisory] %s", ja, en);
	m.what = subject;
	m.prio = -1;
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
int advisory_note_cve(struct store *s, const char *org, const char *cve, int64_t id, struct merr *e)
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

int advisory_cve_noticed(struct store *s, const char *org, const char *cve, bool *yes,
			 struct merr *e)
{
	struct store_stmt *st = NULL;
	/* an open finding of the CVE already tells the operator, with mamori's own deadline: a
	 * second item for it (with CISA's date) would put two dates for one problem in one mail */
	int rc =
	    store_prepare(s,
			  "SELECT 1 FROM alert_notice_cves WHERE org_slug = ?1 AND cve_id = ?2"
			  " UNION ALL SELECT 1 FROM findings WHERE org_slug = ?1 AND cve_id = ?2"
			  " AND state = 'open' LIMIT 1",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, cve);
	rc = stmt_step(st, e);
	*yes = rc == 1;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int advisory_org_verdict(struct vuln_matcher *m, const struct advisory_pair *pv, size_t from,
			 size_t to, const char *v, const char *p, const char *const *cves,
			 size_t ncve, struct advisory_hit *hit, struct merr *e)
{
	int rc = 0;
	for (size_t i = from; i < to && rc == 0; i++) {
		if (strcmp(pv[i].vendor, v) || strcmp(pv[i].product, p))
			continue;
		enum advisory_verdict best = ncve ? V_NO : V_CONFIRM;
		for (size_t c = 0; c < ncve && rc == 0 && best != V_AFFECTED; c++) {
			enum advisory_verdict x = V_NO;
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

const char *alert_kev_action_ja(const char *a)
{
	if (!a)
		a = "";
	if (strcasestr(a, "discontinue") && strcasestr(a, "mitigation"))
		return "提供元の手順に従って緩和策を適用してください。緩和策がない場合は、その製品"
		       "の"
		       "使用を中止してください。";
	if (strcasestr(a, "cloud"))
		return "提供元の手順に従って緩和策を適用し、クラウドサービスについては提供者の指示"
		       "に"
		       "従ってください。対応できない場合は使用を中止してください。";
	if (strcasestr(a, "end-of-life") || strcasestr(a, "end of life") ||
	    strcasestr(a, "unsupported") || strcasestr(a, "remove"))
		return "サポートが終了した製品です。撤去するか、サポートされている製品へ置き換えて"
		       "ください。";
	if (strcasestr(a, "update") || strcasestr(a, "patch") || strcasestr(a, "upgrade"))
		return "提供元の手順に従って、修正版への更新を適用してください。";
	if (strcasestr(a, "mitigation"))
		return "提供元の手順に従って緩和策を適用してください。";
	return "提供元の指示に従って対処してください（CISA の原文は英語欄にあります）。";
}

const char advisory_confirm_ja[] = "【要確認】";
const char advisory_confirm_ja_body[] =
    "※ 利用中のバージョンが不明なため影響の有無を確認できません。バージョンをご確認ください "
    "(要確認)。\n";
const char advisory_confirm_en_body[] =
    "Note: the version you run is not known to us; please confirm whether it is affected "
    "(needs confirmation).\n";

static int kev_notice(struct store *s, const char *org, struct store_stmt *k,
		      const struct advisory_hit *hit, const char *ack_base, int64_t now,
		      int64_t *id, struct merr *e)
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
	rc = buf_addf(&sb, "[mamori] %s脆弱性情報: %s (KEV) / Advisory%s: %s",
		      c ? advisory_confirm_ja : "", cve, c ? " (needs confirmation)" : "", cve);
	if (!rc)
		rc = buf_addf(&ja,
			      "貴組織で利用中の製品 %s %s に、実際に悪用されている脆弱性 %s "
			      "(CISA KEV) が追加されました。\n対応: %s\n"
			      "KEV 期日 (CISA、米連邦機関向けの期日): %s\n"
			      "該当する申告・検出製品: %s\n%s",
			      stmt_text(k, 1), stmt_text(k, 2), cve,
			      alert_kev_action_ja(stmt_text(k, 4)), stmt_text(k, 5), hit->what,
			      c ? advisory_confirm_ja_body : "");
	if (!rc)
		rc = buf_addf(
		    &en,
		    "A vulnerability exploited in the wild, %s, was added to CISA KEV for "
		    "%s %s, which you run.\n%s\nWhat to do (CISA): %s\nKEV due date (CISA, for US "
		    "federal agencies): %s\nYour product: %s\n%s",
		    cve, stmt_text(k, 1), stmt_text(k, 2), stmt_text(k, 3), stmt_text(k, 4),
		    stmt_text(k, 5), hit->what, c ? advisory_confirm_en_body : "");
	/* 要確認 (the operator's version is unknown): a review item, not an act-now notice */
	rc = rc ? merr_set(e, rc, "notice too big")
		: advisory_queue_notice(s, org, issue, buf_str(&sb), buf_str(&ja), buf_str(&en), !c,
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

/* One new KEV CVE: a notice to every org whose product the matcher does not clear. */
static int sync_kev_one(struct advisory_ctx *x, struct store_stmt *k)
{
	const char *cve = stmt_text(k, 0);
	char v[96], p[96];
	int rc = 0;

	advisory_fold(stmt_text(k, 1), v, sizeof v);
	advisory_fold(stmt_text(k, 2), p, sizeof p);
	for (size_t i = 0; i < x->np && rc == 0;) {
		size_t j = i;
		struct advisory_hit hit = {V_NO, ""};
		bool told = false;
		int64_t id = 0;
		while (j < x->np && strcmp(x->pv[j].org, x->pv[i].org) == 0)
			j++;
		rc = advisory_org_verdict(x->m, x->pv, i, j, v, p, &cve, 1, &hit, x->e);
		if (rc == 0 && hit.what[0] && hit.v == V_NO)
			x->st->cleared++;
		if (rc == 0 && hit.v != V_NO)
			rc = advisory_cve_noticed(x->s, x->pv[i].org, cve, &told, x->e);
		if (rc == 0 && hit.v != V_NO && !told) {
			rc =
			    kev_notice(x->s, x->pv[i].org, k, &hit, x->ack_base, x->now, &id, x->e);
			if (rc == 1) {
				x->st->notices++;
				x->st->confirm += hit.v == V_CONFIRM;
				rc = advisory_note_cve(x->s, x->pv[i].org, cve, id, x->e);
			}
			rc = rc < 0 ? rc : 0;
		}
		i = j;
	}
	return rc;
}

static int sync_kev(struct advisory_ctx *x)
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

int advisory_sync(struct store *s, int64_t now, const char *ack_base, struct advisory_stats *st,
		  struct merr *e)
{
	struct advisory_ctx x = {s, NULL, NULL, 0, ack_base, now, st, e};
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
	if ((!st->baseline || !st->jvn_baseline) &&
	    (rc = advisory_load_pairs(s, &x.pv, &x.np, e)) == 0)
		rc = vuln_matcher_new(s, &x.m, e);
	/* KEV first: when both feeds bring the same CVE in one sync, the KEV notice is sent. */
	if (rc == 0 && !st->baseline)
		rc = sync_kev(&x);
	if (rc == 0 && !st->jvn_baseline)
		rc = advisory_sync_jvn(&x);
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
