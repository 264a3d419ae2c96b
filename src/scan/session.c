/*
 * session.c - one scan as the store sees it: the scans row, its parameters
 * (everything --resume needs: targets, key, rates), results to JSON lines and
 * observation batches, and the final state (done or interrupted + checkpoint).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "scan/scan.h"

/* Results are held in memory while probes are in flight and written in one transaction
 * after the run (a commit mid-scan stalls the receive path); past this many rows (~56 MB)
 * a transaction is written anyway, so memory stays bounded. */
#define BATCH_ROWS (1u << 20)

void scan_params_init(struct scan_params *p)
{
	memset(p, 0, sizeof(*p));
	ipset_init(&p->targets);
	scan_config_init(&p->cfg);
}

void scan_params_release(struct scan_params *p)
{
	ipset_release(&p->targets);
	scan_ports_release(&p->ports);
	m_free(p->seen);
	p->seen = NULL;
	p->n_seen = 0;
}

static cJSON *targets_json(const struct ipset *s)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < s->n; i++) {
		struct ipaddr lo, hi;
		char l[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN], both[2 * INET6_ADDRSTRLEN + 2];
		ip_from128(s->r[i].lo, &lo);
		ip_from128(s->r[i].hi, &hi);
		ip_format(&lo, l);
		ip_format(&hi, h);
		snprintf(both, sizeof(both), "%s-%s", l, h);
		cJSON_AddItemToArray(a, cJSON_CreateString(both));
	}
	return a;
}

char *scan_params_json(const struct scan_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	char key[2 * SCAN_KEY_LEN + 1], ports[4096], *s, *out;

	if (!o)
		return NULL;
	scan_key_to_hex(cfg->key, key);
	scan_ports_format(cfg->ports, ports, sizeof(ports));
	cJSON_AddItemToObject(o, "targets", targets_json(cfg->targets));
	cJSON_AddStringToObject(o, "ports", ports);
	cJSON_AddStringToObject(o, "mode", cfg->mode);
	cJSON_AddStringToObject(o, "scope", cfg->scope_kind ? cfg->scope_kind : "org");
	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddNumberToObject(o, "rate", cfg->rate);
	cJSON_AddNumberToObject(o, "per_net_rate", cfg->per_net_rate);
	cJSON_AddNumberToObject(o, "retries", cfg->retries);
	cJSON_AddNumberToObject(o, "shard", cfg->shard);
	cJSON_AddNumberToObject(o, "n_shards", cfg->n_shards);
	cJSON_AddNumberToObject(o, "timeout", cfg->timeout);
	cJSON_AddNumberToObject(o, "cooldown", cfg->cooldown);
	cJSON_AddNumberToObject(o, "max_inflight", cfg->max_inflight);
	cJSON_AddBoolToObject(o, "report_closed", cfg->report_closed);
	cJSON_AddBoolToObject(o, "report_filtered", cfg->report_filtered);
	cJSON_AddStringToObject(o, "iface", cfg->iface ? cfg->iface : "lo");
	cJSON_AddStringToObject(o, "send", cfg->send_method ? cfg->send_method : "packet");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	out = m_strdup(s);
	cJSON_free(s);
	return out;
}

static int parse_range(const char *s, struct ipset *out)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	char lo_s[INET6_ADDRSTRLEN];
	struct ipaddr lo, hi;

	if (!dash || (size_t)(dash - s) >= sizeof(lo_s))
		return M_EPARSE;
	memcpy(lo_s, s, (size_t)(dash - s));
	lo_s[dash - s] = '\0';
	if (ip_parse(lo_s, &lo) || ip_parse(dash + 1, &hi) || lo.v > hi.v)
		return M_EPARSE;
	return ipset_add_range(out, lo.v, hi.v);
}

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int params_from_json(const char *json, struct scan_params *p, struct merr *e)
{
	cJSON *o = cJSON_Parse(json), *t;
	const char *mode, *send, *iface;
	int rc = 0;

	if (!o)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "params",
			       "stored parameters are not JSON");
	t = cJSON_GetObjectItemCaseSensitive(o, "targets");
	if (!cJSON_IsArray(t) || scan_key_from_hex(str(o, "key"), p->cfg.key) != 0)
		rc = merr_at(e, M_EPARSE, NULL, -1, -1, "params", "targets or key missing");
	for (cJSON *it = t ? t->child : NULL; rc == 0 && it; it = it->next)
		if (parse_range(cJSON_IsString(it) ? it->valuestring : NULL, &p->targets) != 0)
			rc = merr_at(e, M_EPARSE, NULL, -1, -1, "params.targets", "bad range");
	if (rc == 0)
		rc = scan_ports_parse(str(o, "ports"), &p->ports, e);
	mode = str(o, "mode");
	send = str(o, "send");
	iface = str(o, "iface");
	snprintf(p->scope_kind, sizeof(p->scope_kind), "%s",
		 str(o, "scope") ? str(o, "scope") : "org");
	p->cfg.scope_kind = p->scope_kind;
	snprintf(p->mode, sizeof(p->mode), "%s", mode ? mode : "connect");
	snprintf(p->send, sizeof(p->send), "%s", send ? send : "packet");
	snprintf(p->iface, sizeof(p->iface), "%s", iface ? iface : "lo");
	p->cfg.mode = p->mode;
	p->cfg.send_method = p->send;
	p->cfg.iface = p->iface;
	p->cfg.rate = num(o, "rate", p->cfg.rate);
	p->cfg.per_net_rate = num(o, "per_net_rate", SCAN_PER_NET_RATE_DEFAULT);
	p->cfg.retries = (unsigned)num(o, "retries", 0);
	p->cfg.shard = (unsigned)num(o, "shard", 0);
	p->cfg.n_shards = (unsigned)num(o, "n_shards", 1);
	p->cfg.timeout = num(o, "timeout", p->cfg.timeout);
	p->cfg.cooldown = num(o, "cooldown", p->cfg.cooldown);
	p->cfg.max_inflight = (unsigned)num(o, "max_inflight", p->cfg.max_inflight);
	p->cfg.report_closed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "report_closed"));
	p->cfg.report_filtered =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "report_filtered"));
	p->cfg.targets = &p->targets;
	p->cfg.ports = &p->ports;
	cJSON_Delete(o);
	return rc;
}

static int collect_seen(void *arg, const struct scan_result *r)
{
	struct scan_params *p = arg;

	if (r->state != SCAN_OPEN && r->state != SCAN_CLOSED)
		return 0;
	if (p->n_seen == p->cap_seen) {
		size_t cap = p->cap_seen ? 2 * p->cap_seen : 256;
		struct scan_result *v = m_realloc(p->seen, cap * sizeof(*v));
		if (!v)
			return M_ENOMEM;
		p->seen = v;
		p->cap_seen = cap;
	}
	p->seen[p->n_seen++] = *r;
	return 0;
}

int scan_params_load(struct store *s, int64_t id, struct scan_params *p, struct merr *e)
{
	struct scan_info info;
	int rc = scan_store_get(s, id, &info, e);

	if (rc)
		return rc;
	snprintf(p->org, sizeof(p->org), "%s", info.org_slug);
	snprintf(p->state, sizeof(p->state), "%s", info.state);
	p->cfg.start_pos = info.checkpoint;
	rc = params_from_json(info.params, p, e);
	scan_info_release(&info);
	if (rc == 0)
		rc = scan_store_results(s, id, collect_seen, p, e);
	if (rc == M_ENOMEM)
		merr_set(e, rc, "out of memory");
	p->cfg.preseen = p->seen;
	p->cfg.n_preseen = p->n_seen;
	return rc;
}

struct sink_ctx {
	FILE *out;
	const char *org;
	const struct scan_orgmap *map;
	struct scan_batch *batch;
	struct merr *e;
};

static int session_sink(void *arg, const struct scan_result *r)
{
	struct sink_ctx *x = arg;
	const char *org = x->org;

	for (size_t i = 0; x->map && i < x->map->n; i++) {
		if (ipset_contains(&x->map->sets[i], &r->ip)) {
			org = x->map->slugs[i];
			break;
		}
	}
	if (x->out && scan_result_write_json(x->out, org, r) != 0)
		return merr_set(x->e, M_EIO, "writing results: %s", strerror(errno));
	return scan_batch_add(x->batch, org, r, x->e);
}

int scan_session_run(struct store *s, const char *org, const struct scan_orgmap *map,
		     const struct scan_config *cfg, int64_t resume_id, FILE *out, int64_t *scan_id,
		     struct scan_outcome *oc, struct merr *e)
{
	struct sink_ctx x = {out, org, map, NULL, e};
	char ports[512];
	char *params = NULL;
	int64_t id = resume_id;
	int rc, rc2;

	memset(oc, 0, sizeof(*oc));
	if (resume_id > 0) {
		rc = scan_store_reopen(s, resume_id, e);
	} else {
		params = scan_params_json(cfg);
		if (!params)
			return merr_set(e, M_ENOMEM, "out of memory");
		scan_ports_format(cfg->ports, ports, sizeof(ports));
		rc = scan_store_create(s, org, cfg->mode, ports, params, time_now(), &id, e);
		m_free(params);
	}
	if (rc)
		return rc;
	*scan_id = id;
	rc = scan_batch_new(s, id, org, BATCH_ROWS, &x.batch, e);
	if (rc == 0)
		rc = scan_run(cfg, session_sink, &x, oc, e);
	/* Always flush what we have and record how far we got, whatever happened. */
	rc2 = x.batch ? scan_batch_flush(x.batch, e) : 0;
	if (!rc)
		rc = rc2;
	if (out && fflush(out) != 0 && !rc)
		rc = merr_set(e, M_EIO, "flushing results: %s", strerror(errno));
	rc2 = scan_store_finish(s, id, oc->complete && !rc ? "done" : "interrupted", &oc->c,
				oc->checkpoint, time_now(), e);
	if (!rc)
		rc = rc2;
	scan_batch_free(x.batch);
	return rc;
}
