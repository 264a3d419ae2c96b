/*
 * advisory_send.c - manual advisories (`mamori advisories send`): a text and CPEs to every
 * operator running one of the products; a versioned CPE is judged by the configuration evaluator.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <string.h>

#include "alert/advisory_int.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "vuln/config.h"
#include "cpe/cpe.h"

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
		advisory_cpe_vp(cpes[i], v[i].v, v[i].p, sizeof v[i].v);
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
static int product_cpe(const struct send_cpe *x, const struct advisory_pair *c, struct cpe *out)
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

static int send_verdict(const struct send_cpe *x, const struct advisory_pair *c,
			enum advisory_verdict *out, struct merr *e)
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
