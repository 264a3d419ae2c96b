/*
 * advisory.c - the vulnerability information service: notices for KEV CVEs new since the last
 * sync to the operators that run the product, with an acknowledgement token (hash stored).
 */
#include "base/compat.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <string.h>

#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"

#define ADV_MAX_PAIRS 20000

/* Lower-case letters and digits only: "HTTP Server" and "http_server" fold alike. */
static void fold(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; in && *in && o + 1 < cap; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = 0;
}

struct pair {
	char org[128], vendor[96], product[96];
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

static int load_pairs(struct store *s, struct pair **out, size_t *n, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct pair *v = m_calloc(ADV_MAX_PAIRS, sizeof *v);
	int rc;

	*n = 0;
	if (!v)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(s,
			   "SELECT o.slug, d.vendor, d.product, d.cpe FROM declared_products d"
			   " JOIN orgs o ON o.id = d.org_id"
			   " UNION SELECT org_slug, vendor, product, cpe FROM services"
			   " WHERE vendor IS NOT NULL OR cpe IS NOT NULL",
			   &st, e);
	while (rc == 0 && *n < ADV_MAX_PAIRS && (rc = stmt_step(st, e)) == 1) {
		struct pair *p = &v[*n];
		char a[96], b[96];
		rc = 0;
		snprintf(p->org, sizeof p->org, "%s", stmt_text(st, 0));
		if (!stmt_is_null(st, 3) && strncmp(stmt_text(st, 3), "cpe:2.3:", 8) == 0) {
			cpe_field(stmt_text(st, 3), 3, a, sizeof a);
			cpe_field(stmt_text(st, 3), 4, b, sizeof b);
		} else {
			snprintf(a, sizeof a, "%s", stmt_is_null(st, 1) ? "" : stmt_text(st, 1));
			snprintf(b, sizeof b, "%s", stmt_is_null(st, 2) ? "" : stmt_text(st, 2));
		}
		fold(a, p->vendor, sizeof p->vendor);
		fold(b, p->product, sizeof p->product);
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

/* Queues one notice (alert_insert adds the acknowledgement token and link).
 * Returns 1 when created, 0 when the org had it already. */
static int queue_notice(struct store *s, const char *org, const char *issue, const char *subject,
			const char *ja, const char *en, bool urgent, const char *ack_base,
			int64_t now, struct merr *e)
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
	m_free(m.subject);
	m_free(m.body);
	buf_release(&bb);
	return rc;
}

static int notice(struct store *s, const char *org, struct store_stmt *k, const char *ack_base,
		  int64_t now, struct merr *e)
{
	struct buf sb, ja, en;
	char issue[160];
	const char *cve = stmt_text(k, 0);
	int rc;

	buf_init(&sb, 4096);
	buf_init(&ja, 65536);
	buf_init(&en, 65536);
	snprintf(issue, sizeof issue, "notice:kev:%s", cve);
	rc = buf_addf(&sb, "[mamori] 脆弱性情報: %s (KEV) / Advisory: %s", cve, cve);
	if (!rc)
		rc = buf_addf(&ja,
			      "貴組織で利用中の製品 %s %s に、実際に悪用されている脆弱性 %s "
			      "(CISA KEV) が追加されました。\n%s\n対応: %s\n期限 (KEV): %s\n",
			      stmt_text(k, 1), stmt_text(k, 2), cve, stmt_text(k, 3),
			      stmt_text(k, 4), stmt_text(k, 5));
	if (!rc)
		rc =
		    buf_addf(&en,
			     "A vulnerability exploited in the wild, %s, was added to CISA KEV for "
			     "%s %s, which you run.\n%s\nWhat to do: %s\nKEV due date: %s\n",
			     cve, stmt_text(k, 1), stmt_text(k, 2), stmt_text(k, 3),
			     stmt_text(k, 4), stmt_text(k, 5));
	rc = rc ? merr_set(e, rc, "notice too big")
		: queue_notice(s, org, issue, buf_str(&sb), buf_str(&ja), buf_str(&en), true,
			       ack_base, now, e);
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
	return rc < 0 ? rc : 0;
}

int advisory_sync(struct store *s, int64_t now, const char *ack_base, struct advisory_stats *st,
		  struct merr *e)
{
	struct store_stmt *k = NULL;
	struct pair *pv = NULL;
	size_t np = 0;
	int64_t synced = 0;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = alert_ack_base_check(ack_base, e)))
		return rc;
	if ((rc = store_query_int(s, "SELECT count(*) FROM alert_synced_catalogs", &synced, e)))
		return rc;
	if ((rc = store_begin(s, e)))
		return rc;
	st->baseline = synced == 0;
	if (!st->baseline && (rc = load_pairs(s, &pv, &np, e)) == 0)
		rc = store_prepare(
		    s,
		    "SELECT k.cve_id, coalesce(k.vendor_project, ''), coalesce(k.product, ''),"
		    " coalesce(k.vulnerability_name, ''), coalesce(k.required_action, ''),"
		    " coalesce(k.due_date, '') FROM kev k JOIN kev_first_seen f ON f.cve_id = "
		    "k.cve_id"
		    " WHERE f.first_catalog NOT IN (SELECT version FROM alert_synced_catalogs)"
		    " ORDER BY k.cve_id",
		    &k, e);
	while (rc == 0 && k && (rc = stmt_step(k, e)) == 1) {
		char v[96], p[96], last[128] = "";
		rc = 0;
		st->new_cves++;
		fold(stmt_text(k, 1), v, sizeof v);
		fold(stmt_text(k, 2), p, sizeof p);
		for (size_t i = 0; i < np && rc == 0; i++) {
			if (strcmp(pv[i].vendor, v) || strcmp(pv[i].product, p) ||
			    strcmp(pv[i].org, last) == 0)
				continue;
			snprintf(last, sizeof last, "%s", pv[i].org);
			rc = notice(s, pv[i].org, k, ack_base, now, e);
			if (rc == 1)
				st->notices++;
			rc = rc < 0 ? rc : 0;
		}
	}
	stmt_finalize(k);
	m_free(pv);
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

int advisory_send(struct store *s, const char *const *cpes, size_t ncpe, const char *title,
		  const char *body, const char *ack_base, int64_t now, long *notices,
		  struct merr *e)
{
	struct pair *pv = NULL;
	size_t np = 0;
	char issue[160], subj[1024], last[128] = "";
	unsigned char h[32];
	unsigned hl = 0;
	int rc;

	*notices = 0;
	if ((rc = alert_ack_base_check(ack_base, e)))
		return rc;
	if (!title || !*title || !alert_header_ok(title) || !utf8_valid(title, strlen(title), NULL))
		return merr_set(e, M_EINVAL, "title must be UTF-8 without CR/LF");
	if (!body || !utf8_valid(body, strlen(body), NULL))
		return merr_set(e, M_EINVAL, "body must be UTF-8");
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
	snprintf(subj, sizeof subj, "[mamori] 脆弱性情報 / Advisory: %s", title);
	if ((rc = load_pairs(s, &pv, &np, e)))
		return rc;
	if ((rc = store_begin(s, e))) {
		m_free(pv);
		return rc;
	}
	for (size_t c = 0; c < ncpe && rc == 0; c++) {
		char v[96], p[96], a[96], b[96];
		cpe_field(cpes[c], 3, a, sizeof a);
		cpe_field(cpes[c], 4, b, sizeof b);
		fold(a, v, sizeof v);
		fold(b, p, sizeof p);
		for (size_t i = 0; i < np && rc == 0; i++) {
			if (strcmp(pv[i].vendor, v) || strcmp(pv[i].product, p) ||
			    strcmp(pv[i].org, last) == 0)
				continue;
			snprintf(last, sizeof last, "%s", pv[i].org);
			rc = queue_notice(s, pv[i].org, issue, subj, body, body, true, ack_base,
					  now, e);
			if (rc == 1)
				(*notices)++;
			rc = rc < 0 ? rc : 0;
		}
	}
	m_free(pv);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}
