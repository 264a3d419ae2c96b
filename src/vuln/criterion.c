/*
 * criterion.c - the matcher for one criterion that comes from outside the feeds (a manual
 * advisory's CPE): judged by the same configuration evaluator as an NVD configuration naming
 * exactly that CPE, so a versioned criterion is version-aware like every other match.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mem.h"
#include "cpe/cpe.h"
#include "vuln/match.h"

struct vuln_criterion {
	struct cpe c;
	struct vuln_configs *cfg; /* NULL: no literal version, every version concerned */
};

/* [{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":cpe}]}]}] */
static int criterion_config(const char *cpe, struct vuln_configs **out, struct merr *e)
{
	cJSON *arr = cJSON_CreateArray(), *cfg = cJSON_CreateObject();
	int rc;

	cJSON *nodes = cfg ? cJSON_AddArrayToObject(cfg, "nodes") : NULL;
	cJSON *node = cJSON_CreateObject(), *m = cJSON_CreateObject();
	cJSON *ms = node ? cJSON_AddArrayToObject(node, "cpeMatch") : NULL;

	if (!arr || !cfg || !nodes || !node || !ms || !m) {
		cJSON_Delete(arr);
		cJSON_Delete(cfg);
		cJSON_Delete(node);
		cJSON_Delete(m);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	cJSON_AddStringToObject(node, "operator", "OR");
	cJSON_AddBoolToObject(m, "vulnerable", 1);
	cJSON_AddStringToObject(m, "criteria", cpe);
	cJSON_AddItemToArray(ms, m);
	cJSON_AddItemToArray(nodes, node);
	cJSON_AddItemToArray(arr, cfg);
	rc = vuln_configs_parse(arr, out, e);
	cJSON_Delete(arr);
	return rc;
}

int vuln_criterion_new(const char *cpe, struct vuln_criterion **out, struct merr *e)
{
	struct vuln_criterion *c = m_calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = cpe_parse(cpe, &c->c, e);
	if (rc == 0 && cpe_literal(&c->c, CPE_VERSION))
		rc = criterion_config(cpe, &c->cfg, e);
	if (rc) {
		vuln_criterion_free(c);
		return rc == M_EPARSE ? M_EINVAL : rc;
	}
	*out = c;
	return 0;
}

void vuln_criterion_free(struct vuln_criterion *c)
{
	if (!c)
		return;
	cpe_release(&c->c);
	vuln_configs_free(c->cfg);
	m_free(c);
}

/* The product as a CPE: its own, else the criterion's part/vendor/product with p's version
 * (ANY when none). */
static int product_cpe(const struct vuln_criterion *c, const struct vuln_product *p,
		       struct cpe *out)
{
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (p->cpe && p->cpe[0])
		return cpe_parse(p->cpe, out, NULL);
	if (cpe_set(out, CPE_PART, cpe_literal(&c->c, CPE_PART)) ||
	    cpe_set(out, CPE_VENDOR, cpe_literal(&c->c, CPE_VENDOR)) ||
	    cpe_set(out, CPE_PRODUCT, cpe_literal(&c->c, CPE_PRODUCT)) ||
	    cpe_set(out, CPE_VERSION, p->version && p->version[0] ? p->version : NULL))
		rc = M_ENOMEM;
	for (int i = CPE_UPDATE; rc == 0 && i < CPE_N_ATTRS; i++)
		rc = cpe_set(out, (enum cpe_attr)i, NULL);
	return rc;
}

int vuln_criterion_match(const struct vuln_criterion *c, const struct vuln_product *p,
			 enum vuln_state *out, struct merr *e)
{
	struct vuln_host h;
	struct vuln_eval ev;
	struct cpe pc;
	int rc;

	*out = VULN_AFFECTED;
	if (!c->cfg)
		return 0;
	*out = VULN_PRODUCT_ONLY;
	rc = product_cpe(c, p, &pc);
	if (rc == 0)
		rc = vuln_host_init(&h, &pc, NULL, 0, NULL);
	cpe_release(&pc);
	if (rc)
		return rc == M_ENOMEM ? merr_set(e, rc, "out of memory") : 0; /* unreadable */
	vuln_config_eval(c->cfg, &h, &ev);
	vuln_host_release(&h);
	*out = ev.state;
	return 0;
}
