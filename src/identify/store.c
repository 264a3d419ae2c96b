/*
 * store.c - where identify meets the store: the open ports to probe (each address re-checked
 * with inv_scope_check), the org's host names and OT flag, the run rows, the services upsert,
 * refusals, and `services list`.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <strings.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "identify/identify_int.h"
#include "inventory/inventory.h"
#include "share/share.h"

struct ident_org {
	char slug[128];
	bool ot;
	struct ipset allowed;
	struct ident_host *hosts;
	size_t n_hosts, cap_hosts;
	int64_t run_id;
	bool refused_any;
};

void ident_work_release(struct ident_work *w)
{
	for (size_t i = 0; i < w->n_orgs; i++) {
		ipset_release(&w->orgs[i].allowed);
		m_free(w->orgs[i].hosts);
	}
	m_free(w->orgs);
	m_free(w->targets);
	m_free(w->refused);
	memset(w, 0, sizeof(*w));
}

static struct ident_org *find_org(struct ident_work *w, const char *slug)
{
	for (size_t i = 0; i < w->n_orgs; i++)
		if (!strcmp(w->orgs[i].slug, slug))
			return &w->orgs[i];
	return NULL;
}

static int add_host(struct ident_org *o, const char *name, const struct ipaddr *ip)
{
	for (size_t i = 0; i < o->n_hosts; i++)
		if (!strcasecmp(o->hosts[i].name, name) && o->hosts[i].ip.v == ip->v)
			return 0;
	if (o->n_hosts == o->cap_hosts) {
		size_t cap = o->cap_hosts ? 2 * o->cap_hosts : 8;
		struct ident_host *h = m_realloc(o->hosts, cap * sizeof(*h));
		if (!h)
			return M_ENOMEM;
		o->hosts = h;
		o->cap_hosts = cap;
	}
	snprintf(o->hosts[o->n_hosts].name, sizeof(o->hosts[0].name), "%s", name);
	o->hosts[o->n_hosts++].ip = *ip;
	return 0;
}

/* Points every target at its org's scope and host names, and picks its host name. Called
 * again after the orgs' arrays change (ident_work_add_host). */
static void link_targets(struct ident_work *w)
{
	for (size_t i = 0; i < w->n_targets; i++) {
		struct ident_target *t = &w->targets[i];
		struct ident_org *o = find_org(w, t->org);
		if (!o)
			continue;
		t->allowed = &o->allowed;
		t->hosts = o->hosts;
		t->n_hosts = o->n_hosts;
		t->ot_enabled = o->ot;
		t->hostname[0] = '\0';
		for (size_t k = 0; k < o->n_hosts; k++) {
			if (o->hosts[k].ip.v == t->ip.v) {
				snprintf(t->hostname, sizeof(t->hostname), "%s", o->hosts[k].name);
				break;
			}
		}
	}
}

int ident_work_add_host(struct ident_work *w, const char *org, const char *name,
			const struct ipaddr *ip, struct merr *e)
{
	struct ident_org *o = org ? find_org(w, org) : NULL;
	int rc = 0;

	if (!inv_hostname_valid(name))
		return merr_set(e, M_EINVAL, "--host: '%s' is not a host name", name);
	for (size_t i = 0; i < w->n_orgs && !rc; i++)
		if (!o || o == &w->orgs[i])
			rc = add_host(&w->orgs[i], name, ip);
	link_targets(w);
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

/* Host names from the inventory (hostname assets whose note is an address) and, when DNS
 * discovery has run, its A/AAAA records. No name is resolved here: identify sends no DNS. */
static int load_hosts(struct store *s, const struct inv_org *io, struct ident_org *o)
{
	struct store_stmt *st = NULL;
	struct ipaddr ip;
	int rc = 0;

	for (size_t i = 0; i < io->n_assets && !rc; i++) {
		const struct inv_asset *a = &io->assets[i];
		if (!strcmp(a->kind, "hostname") && a->note && ip_parse(a->note, &ip) == 0)
			rc = add_host(o, a->value, &ip);
	}
	/* dns_records exists once the discover module's migration is in: absent is fine */
	if (rc || store_prepare(s,
				"SELECT r.name, r.value FROM dns_records r JOIN orgs g ON g.id = "
				"r.org_id WHERE g.slug = ? AND r.rtype IN ('A', 'AAAA')",
				&st, NULL))
		return rc;
	stmt_bind_text(st, 1, o->slug);
	while (!rc && stmt_step(st, NULL) == 1)
		if (ip_parse(stmt_text(st, 1), &ip) == 0)
			rc = add_host(o, stmt_text(st, 0), &ip);
	stmt_finalize(st);
	return rc;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 64;
	void *p = m_realloc(*v, nc * size);
	if (!p)
		return M_ENOMEM;
	*v = p;
	*cap = nc;
	return 0;
}

static int load_targets(struct store *s, struct ident_work *w, struct ident_org *o,
			int64_t only_scan, int64_t now, size_t *cap_t, size_t *cap_r,
			struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc, step;

	rc = store_prepare(
	    s,
	    only_scan > 0
		? "SELECT o.ip, o.port, o.proto FROM observations o JOIN "
		  "scan_observations so ON so.observation_id = o.id WHERE o.org_slug = ? "
		  "AND so.scan_id = ? AND so.state = 'open' ORDER BY o.ip, o.port, o.proto"
		: "SELECT ip, port, proto FROM observations WHERE org_slug = ? AND "
		  "state = 'open' ORDER BY ip, port, proto",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, o->slug);
	if (only_scan > 0)
		stmt_bind_int64(st, 2, only_scan);
	while ((step = stmt_step(st, e)) == 1) {
		struct ipaddr ip;
		struct inv_scope_verdict v;
		const char *ips = stmt_text(st, 0), *proto = stmt_text(st, 2);
		uint16_t port = (uint16_t)stmt_int64(st, 1);
		bool udp = proto && !strcmp(proto, "udp");
		struct ident_plan plan;

		if (!ips || ip_parse(ips, &ip))
			continue;
		ident_plan_for(port, udp, &plan);
		if (udp && plan.n == 0)
			continue; /* no UDP probe for this port */
		if (inv_scope_check(s, o->slug, &ip, now, &v, NULL) != 0) {
			if ((rc = grow((void **)&w->refused, cap_r, w->n_refused,
				       sizeof(*w->refused))))
				break;
			struct ident_refusal *r = &w->refused[w->n_refused++];
			memset(r, 0, sizeof(*r));
			snprintf(r->org, sizeof(r->org), "%s", o->slug);
			snprintf(r->ip, sizeof(r->ip), "%s", ips);
			r->port = port;
			snprintf(r->proto, sizeof(r->proto), "%s", udp ? "udp" : "tcp");
			snprintf(r->reason, sizeof(r->reason), "%s", v.reason);
			o->refused_any = true;
			continue;
		}
		if ((rc = grow((void **)&w->targets, cap_t, w->n_targets, sizeof(*w->targets))))
			break;
		struct ident_target *t = &w->targets[w->n_targets++];
		memset(t, 0, sizeof(*t));
		snprintf(t->org, sizeof(t->org), "%s", o->slug);
		t->ip = ip;
		t->port = port;
		t->udp = udp;
	}
	stmt_finalize(st);
	if (rc == M_ENOMEM)
		return merr_set(e, rc, "out of memory");
	return step < 0 ? step : rc;
}

int ident_work_load(struct store *s, const char *org, int64_t only_scan, int64_t now,
		    struct ident_work *w, struct merr *e)
{
	struct inv_filter f = {.slug = org, .critical = -1, .with = INV_WITH_ASSETS};
	struct inv_doc *d = NULL;
	size_t cap_t = 0, cap_r = 0;
	int rc;

	memset(w, 0, sizeof(*w));
	w->subset = only_scan > 0;
	rc = inv_load(s, &f, &d, e);
	if (rc)
		return rc;
	w->orgs = m_calloc(d->n_orgs ? d->n_orgs : 1, sizeof(*w->orgs));
	if (!w->orgs) {
		rc = merr_set(e, M_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < d->n_orgs && !rc; i++) {
		struct ident_org *o = &w->orgs[w->n_orgs++];
		snprintf(o->slug, sizeof(o->slug), "%s", d->orgs[i].slug);
		o->ot = d->orgs[i].ot_probes;
		ipset_init(&o->allowed);
		rc = inv_scope_set(s, o->slug, now, &o->allowed, e);
		if (!rc && load_hosts(s, &d->orgs[i], o))
			rc = merr_set(e, M_ENOMEM, "out of memory");
		if (!rc)
			rc = load_targets(s, w, o, only_scan, now, &cap_t, &cap_r, e);
	}
	link_targets(w);
out:
	inv_doc_free(d);
	if (rc)
		ident_work_release(w);
	return rc;
}

/* ---------------------------------------------------------------- runs and services */

static int run_create(struct store *s, const char *org, int64_t now, size_t targets, int64_t *id,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "INSERT INTO identify_runs (org_slug, started_at, state, targets, "
			  "identified, complete) VALUES (?, ?, 'running', ?, 0, 0) RETURNING id",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_int64(st, 2, now);
	stmt_bind_int64(st, 3, (int64_t)targets);
	rc = stmt_step(st, e);
	if (rc == 1) {
		*id = stmt_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ESTORE, "identify_runs: no id returned");
	}
	stmt_finalize(st);
	return rc;
}

static void bind_opt(struct store_stmt *st, int i, const char *v)
{
	if (v && *v)
		stmt_bind_text(st, i, v);
	else
		stmt_bind_null(st, i);
}

static int put_service(struct store *s, struct store_stmt *st, const struct ident_service *v,
		       int64_t run, int64_t now, struct merr *e)
{
	int rc;

	stmt_reset(st);
	stmt_bind_text(st, 1, v->org);
	stmt_bind_text(st, 2, v->ip);
	stmt_bind_int64(st, 3, v->port);
	stmt_bind_text(st, 4, v->proto);
	bind_opt(st, 5, v->service);
	stmt_bind_int64(st, 6, v->tls ? 1 : 0);
	bind_opt(st, 7, v->vendor);
	bind_opt(st, 8, v->product);
	bind_opt(st, 9, v->version);
	bind_opt(st, 10, v->cpe);
	bind_opt(st, 11, v->os);
	bind_opt(st, 12, v->device_type);
	bind_opt(st, 13, v->banner);
	bind_opt(st, 14, v->evidence);
	bind_opt(st, 15, v->tls_info);
	stmt_bind_text(st, 16, v->state);
	stmt_bind_int64(st, 17, run);
	stmt_bind_int64(st, 18, now);
	stmt_bind_int64(st, 19, now);
	rc = stmt_step(st, e);
	(void)s;
	return rc < 0 ? rc : 0;
}

static const char upsert_sql[] =
    "INSERT INTO services (org_slug, ip, port, proto, service, tls, vendor, product, version, "
    "cpe, os, device_type, banner, evidence, tls_info, state, identify_run, first_seen, "
    "last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (org_slug, ip, port, proto) DO UPDATE SET service = excluded.service, "
    "tls = excluded.tls, vendor = excluded.vendor, product = excluded.product, "
    "version = excluded.version, cpe = excluded.cpe, os = excluded.os, "
    "device_type = excluded.device_type, banner = excluded.banner, "
    "evidence = excluded.evidence, tls_info = excluded.tls_info, state = excluded.state, "
    "identify_run = excluded.identify_run, last_seen = excluded.last_seen";

static int write_org(struct store *s, struct ident_work *w, struct ident_org *o,
		     const struct ident_service *res, bool interrupted, int64_t now, long *ident,
		     struct merr *e)
{
	struct store_stmt *up = NULL, *rf = NULL, *fin = NULL;
	long targets = 0, identified = 0;
	bool skipped = false;
	int rc = store_begin(s, e);

	if (rc)
		return rc;
	rc = store_prepare(s, upsert_sql, &up, e);
	if (!rc)
		rc = store_prepare(
		    s,
		    "INSERT INTO identify_refusals (run_id, org_slug, ip, port, proto, "
		    "reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    &rf, e);
	if (!rc)
		rc = store_prepare(
		    s,
		    "UPDATE identify_runs SET finished_at = ?, state = ?, targets = ?, "
		    "identified = ?, complete = ? WHERE id = ?",
		    &fin, e);
	for (size_t i = 0; !rc && i < w->n_targets; i++) {
		if (strcmp(res[i].org, o->slug))
			continue;
		targets++;
		if (!strcmp(res[i].state, "skipped")) {
			skipped = true; /* not probed: its row stays as it was */
			continue;
		}
		identified += !strcmp(res[i].state, "identified");
		rc = put_service(s, up, &res[i], o->run_id, now, e);
	}
	for (size_t i = 0; !rc && i < w->n_refused; i++) {
		const struct ident_refusal *r = &w->refused[i];
		if (strcmp(r->org, o->slug))
			continue;
		stmt_reset(rf);
		stmt_bind_int64(rf, 1, o->run_id);
		stmt_bind_text(rf, 2, r->org);
		stmt_bind_text(rf, 3, r->ip);
		stmt_bind_int64(rf, 4, r->port);
		stmt_bind_text(rf, 5, r->proto);
		stmt_bind_text(rf, 6, r->reason);
		stmt_bind_int64(rf, 7, now);
		rc = stmt_step(rf, e) < 0 ? M_ESTORE : 0;
	}
	if (!rc) {
		/* complete: every open port of the org was probed in this run */
		bool complete = !w->subset && !interrupted && !skipped && !o->refused_any;
		stmt_bind_int64(fin, 1, now);
		stmt_bind_text(fin, 2, interrupted || skipped ? "interrupted" : "done");
		stmt_bind_int64(fin, 3, targets);
		stmt_bind_int64(fin, 4, identified);
		stmt_bind_int64(fin, 5, complete ? 1 : 0);
		stmt_bind_int64(fin, 6, o->run_id);
		rc = stmt_step(fin, e) < 0 ? M_ESTORE : 0;
	}
	stmt_finalize(up);
	stmt_finalize(rf);
	stmt_finalize(fin);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	*ident = identified;
	return store_commit(s, e);
}

static void write_line(FILE *out, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (txt) {
		fprintf(out, "%s\n", txt);
		cJSON_free(txt);
	}
	cJSON_Delete(o);
}

int ident_session_run(struct store *s, const struct ident_config *cfg, struct ident_work *w,
		      FILE *out, struct ident_counters *k, struct ident_run_info *runs,
		      size_t *n_runs, struct merr *e)
{
	struct ident_service *res = NULL;
	int64_t started = time_now();
	int rc = 0;

	link_targets(w);
	for (size_t i = 0; i < w->n_orgs && !rc; i++) {
		size_t n = 0;
		for (size_t t = 0; t < w->n_targets; t++)
			n += !strcmp(w->targets[t].org, w->orgs[i].slug);
		rc = run_create(s, w->orgs[i].slug, started, n, &w->orgs[i].run_id, e);
	}
	if (rc)
		return rc;
	res = m_calloc(w->n_targets ? w->n_targets : 1, sizeof(*res));
	if (!res)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = ident_run(cfg, w->targets, w->n_targets, res, k, e);
	int64_t now = time_now();
	if (n_runs)
		*n_runs = 0;
	for (size_t i = 0; !rc && i < w->n_orgs; i++) {
		long identified = 0;
		struct ident_org *o = &w->orgs[i];
		rc = write_org(s, w, o, res, k->interrupted, now, &identified, e);
		if (!rc && runs && n_runs) {
			struct ident_run_info *ri = &runs[(*n_runs)++];
			memset(ri, 0, sizeof(*ri));
			ri->id = o->run_id;
			snprintf(ri->org, sizeof(ri->org), "%s", o->slug);
			ri->started_at = started;
			ri->finished_at = now;
			ri->identified = identified;
			ri->complete = !w->subset && !k->interrupted && !o->refused_any;
			snprintf(ri->state, sizeof(ri->state), "%s",
				 k->interrupted ? "interrupted" : "done");
			for (size_t t = 0; t < w->n_targets; t++)
				ri->targets += !strcmp(w->targets[t].org, o->slug);
		}
	}
	for (size_t i = 0; out && i < w->n_targets; i++)
		if (strcmp(res[i].state, "skipped"))
			write_line(out, ident_service_json(&res[i]));
	for (size_t i = 0; out && i < w->n_refused; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "org", w->refused[i].org);
		cJSON_AddStringToObject(r, "ip", w->refused[i].ip);
		cJSON_AddNumberToObject(r, "port", w->refused[i].port);
		cJSON_AddStringToObject(r, "proto", w->refused[i].proto);
		cJSON_AddStringToObject(r, "state", "refused");
		cJSON_AddStringToObject(r, "reason", w->refused[i].reason);
		write_line(out, r);
	}
	if (out)
		fflush(out);
	for (size_t i = 0; i < w->n_targets; i++)
		ident_service_release(&res[i]);
	m_free(res);
	if (rc == 0) /* shared indicators against the services just stored */
		rc = share_match_new(s, now, NULL, NULL, e);
	return rc;
}

int ident_services_list(struct store *s, const char *org,
			int (*fn)(void *arg, const struct ident_service *sv, int64_t first_seen,
				  int64_t last_seen),
			void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc, step;
	static const char sql_all[] =
	    "SELECT org_slug, ip, port, proto, service, tls, vendor, product, version, cpe, os, "
	    "device_type, banner, evidence, tls_info, state, first_seen, last_seen FROM services "
	    "ORDER BY org_slug, ip, port, proto";
	static const char sql_org[] =
	    "SELECT org_slug, ip, port, proto, service, tls, vendor, product, version, cpe, os, "
	    "device_type, banner, evidence, tls_info, state, first_seen, last_seen FROM services "
	    "WHERE org_slug = ? ORDER BY org_slug, ip, port, proto";

	rc = store_prepare(s, org ? sql_org : sql_all, &st, e);
	if (rc)
		return rc;
	if (org)
		stmt_bind_text(st, 1, org);
	while ((step = stmt_step(st, e)) == 1) {
		struct ident_service v;
		memset(&v, 0, sizeof(v));
#define COPY(f, col) snprintf(v.f, sizeof(v.f), "%s", stmt_text(st, col) ? stmt_text(st, col) : "")
		COPY(org, 0);
		COPY(ip, 1);
		v.port = (uint16_t)stmt_int64(st, 2);
		COPY(proto, 3);
		COPY(service, 4);
		v.tls = stmt_int64(st, 5) != 0;
		COPY(vendor, 6);
		COPY(product, 7);
		COPY(version, 8);
		COPY(cpe, 9);
		COPY(os, 10);
		COPY(device_type, 11);
		COPY(state, 15);
#undef COPY
		/* borrowed for the callback only */
		v.banner = (char *)stmt_text(st, 12);
		v.evidence = (char *)stmt_text(st, 13);
		v.tls_info = (char *)stmt_text(st, 14);
		rc = fn(arg, &v, stmt_int64(st, 16), stmt_int64(st, 17));
		if (rc)
			break;
	}
	stmt_finalize(st);
	return rc ? rc : step < 0 ? step : 0;
}
