/*
 * advisory_send.c - manual advisories (`mamori advisories send`): a text and CPEs to every
 * operator running one of the products; a versioned CPE is judged by the configuration evaluator.
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <string.h>

#include "alert/advisory_int.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "vuln/match.h"

/* One product of a manual advisory: its folded vendor/product (the first filter) and the
 * matcher's criterion (version-aware when the CPE names a version). */
struct send_cpe {
	char v[96], p[96];
	struct vuln_criterion *crit;
};

static void send_cpes_free(struct send_cpe *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		vuln_criterion_free(v[i].crit);
	m_free(v);
}

static int send_cpes_init(const char *const *cpes, size_t n, struct send_cpe **out, struct merr *e)
{
	struct send_cpe *v = m_calloc(n ? n : 1, sizeof *v);
	int rc = v ? 0 : merr_set(e, M_ENOMEM, "out of memory");

	for (size_t i = 0; i < n && rc == 0; i++) {
		advisory_cpe_vp(cpes[i], v[i].v, v[i].p, sizeof v[i].v);
		rc = vuln_criterion_new(cpes[i], &v[i].crit, e);
	}
	if (rc) {
		send_cpes_free(v, n);
		return rc;
	}
	*out = v;
	return 0;
}

static int send_verdict(const struct send_cpe *x, const struct advisory_pair *c,
			enum advisory_verdict *out, struct merr *e)
{
	struct vuln_product p = {.cpe = c->cpe[0] ? c->cpe : NULL, .version = c->version};
	enum vuln_state st;
	int rc = vuln_criterion_match(x->crit, &p, &st, e);

	*out = V_CONFIRM;
	if (rc)
		return rc;
	if (st == VULN_NOT_AFFECTED)
		*out = V_NO;
	else if (st == VULN_AFFECTED || st == VULN_AFFECTED_IF_PLATFORM)
		*out = V_AFFECTED;
	return 0;
}

int advisory_send(struct store *s, const char *const *cpes, size_t ncpe, const char *title,
		  const char *body, const char *ack_base, int64_t now, long *notices,
		  struct merr *e)
{
	struct advisory_pair *pv = NULL;
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
	if ((rc = advisory_load_pairs(s, &pv, &np, e)) || (rc = store_begin(s, e))) {
		send_cpes_free(sc, ncpe);
		m_free(pv);
		return rc;
	}
	for (size_t i = 0; i < np && rc == 0;) {
		size_t j = i;
		enum advisory_verdict best = V_NO;
		while (j < np && strcmp(pv[j].org, pv[i].org) == 0)
			j++;
		for (size_t k = i; k < j && rc == 0; k++)
			for (size_t c = 0; c < ncpe && rc == 0; c++) {
				enum advisory_verdict vd = V_NO;
				if (strcmp(pv[k].vendor, sc[c].v) || strcmp(pv[k].product, sc[c].p))
					continue;
				rc = send_verdict(&sc[c], &pv[k], &vd, e);
				best = vd > best ? vd : best;
			}
		if (rc == 0 && best != V_NO) {
			bool cf = best == V_CONFIRM;
			snprintf(subj, sizeof subj, "[mamori] %s脆弱性情報 / Advisory%s: %s",
				 cf ? advisory_confirm_ja : "", cf ? " (needs confirmation)" : "",
				 title);
			snprintf(ja, sizeof ja, "%s\n%s", body, cf ? advisory_confirm_ja_body : "");
			snprintf(en, sizeof en, "%s", cf ? advisory_confirm_en_body : "");
			rc = advisory_queue_notice(s, pv[i].org, issue, subj, ja, en, true,
						   ack_base, now, NULL, e);
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
