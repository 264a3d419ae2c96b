/*
 * obs.c - writing what discovery learned: the org's confirmed names and addresses, the
 * statements every writer shares, candidate assets and audit rows.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "discover/discover_int.h"
#include "inventory/inventory.h"

int disc_org_init(struct disc_org *o, const struct inv_org *io)
{
	int rc = 0;

	memset(o, 0, sizeof(*o));
	ipset_init(&o->addrs);
	o->id = io->id;
	o->slug = io->slug;
	for (size_t i = 0; rc == 0 && i < io->n_assets; i++) {
		const struct inv_asset *a = &io->assets[i];
		struct cidr c;
		if (!a->status || strcmp(a->status, "confirmed") != 0)
			continue;
		if (strcmp(a->kind, "domain") == 0)
			rc = strv_add_unique(&o->domains, a->value, strlen(a->value));
		else if (strcmp(a->kind, "hostname") == 0)
			rc = strv_add_unique(&o->hosts, a->value, strlen(a->value));
		else if (cidr_parse(a->value, false, &c) == 0)
			rc = ipset_add_cidr(&o->addrs, &c);
	}
	if (rc)
		disc_org_release(o);
	return rc;
}

void disc_org_release(struct disc_org *o)
{
	strv_clear(&o->domains);
	strv_clear(&o->hosts);
	ipset_release(&o->addrs);
}

bool disc_org_owns_name(const struct disc_org *o, const char *name)
{
	for (size_t i = 0; i < o->domains.n; i++)
		if (disc_name_under(name, o->domains.v[i]))
			return true;
	for (size_t i = 0; i < o->hosts.n; i++)
		if (strcmp(name, o->hosts.v[i]) == 0)
			return true;
	return false;
}

static const char *const w_sql[W_N] = {
    [W_REC_GET] = "SELECT id FROM dns_records WHERE org_id = ? AND name = ? AND rtype = ?"
		  " AND value = ?",
    [W_REC_INS] = "INSERT INTO dns_records (org_id, name, rtype, value, ttl, first_seen,"
		  " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [W_REC_UPD] = "UPDATE dns_records SET ttl = ?, last_seen = ? WHERE id = ?",
    [W_ASSET_NAME] = "SELECT id FROM assets WHERE org_id = ? AND kind IN ('domain', 'hostname')"
		     " AND value = ?",
    [W_ASSET_ADDR] = "SELECT id FROM assets WHERE org_id = ? AND kind = ? AND value = ?",
    [W_ASSET_TOUCH] = "UPDATE assets SET last_seen = ? WHERE id = ?"
		      " AND (last_seen IS NULL OR last_seen < ?)",
    [W_ASSET_INS] = "INSERT INTO assets (org_id, kind, value, status, source, note, first_seen,"
		    " last_seen) VALUES (?, ?, ?, 'candidate', ?, ?, ?, ?) RETURNING id",
    [W_HYGIENE] =
	"INSERT INTO email_hygiene (org_id, domain, spf_state, spf_record, spf_all, spf_redirect,"
	" spf_includes, dmarc_state, dmarc_record, dmarc_p, dmarc_sp, dmarc_pct, dmarc_rua,"
	" first_seen, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (org_id, domain) DO UPDATE SET spf_state = excluded.spf_state,"
	" spf_record = excluded.spf_record, spf_all = excluded.spf_all,"
	" spf_redirect = excluded.spf_redirect, spf_includes = excluded.spf_includes,"
	" dmarc_state = excluded.dmarc_state, dmarc_record = excluded.dmarc_record,"
	" dmarc_p = excluded.dmarc_p, dmarc_sp = excluded.dmarc_sp,"
	" dmarc_pct = excluded.dmarc_pct, dmarc_rua = excluded.dmarc_rua,"
	" checked_at = excluded.checked_at",
    [W_CT_GET] = "SELECT id, first_seen, last_seen FROM ct_names WHERE org_id = ? AND name = ?"
		 " AND serial_number = ?",
    [W_CT_INS] = "INSERT INTO ct_names (org_id, name, wildcard, crtsh_id, issuer_name,"
		 " serial_number, not_before, not_after, first_seen, last_seen)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [W_CT_UPD] = "UPDATE ct_names SET first_seen = ?, last_seen = ? WHERE id = ?",
    [W_SVC_GET] = "SELECT id, first_seen, last_seen, service, product, version, cpe, cpes,"
		  " hostnames, registered FROM passive_services WHERE org_id = ? AND source = ?"
		  " AND ip = ? AND port = ? AND proto = ?",
    [W_SVC_INS] = "INSERT INTO passive_services (org_id, source, ip, port, proto, service,"
		  " product, version, cpe, cpes, hostnames, registered, first_seen, last_seen)"
		  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [W_SVC_UPD] = "UPDATE passive_services SET service = ?, product = ?, version = ?, cpe = ?,"
		  " cpes = ?, hostnames = ?, registered = ?, first_seen = ?, last_seen = ?"
		  " WHERE id = ?",
    [W_SVC_FIRST] = "UPDATE passive_services SET first_seen = ? WHERE id = ?",
    [W_AUDIT] = "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)",
};

void dw_init(struct disc_w *w, struct store *s, struct merr *e)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->e = e;
}

void dw_release(struct disc_w *w)
{
	for (int i = 0; i < W_N; i++)
		stmt_finalize(w->q[i]);
	memset(w->q, 0, sizeof(w->q));
}

static int dw_bindv(struct store_stmt *st, const char *fmt, va_list ap)
{
	int rc = 0;

	for (int i = 0; fmt[i] && rc == 0; i++) {
		if (fmt[i] == 't')
			rc = stmt_bind_text(st, i + 1, va_arg(ap, const char *));
		else
			rc = stmt_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	return rc;
}

static int dw_stepv(struct disc_w *w, int i, struct store_stmt **row, const char *fmt, va_list ap)
{
	int rc;

	if (!w->q[i] && (rc = store_prepare(w->s, w_sql[i], &w->q[i], w->e)) != 0)
		return rc;
	stmt_reset(w->q[i]);
	if (dw_bindv(w->q[i], fmt, ap) != 0)
		return merr_set(w->e, M_ENOMEM, "out of memory");
	rc = stmt_step(w->q[i], w->e);
	if (rc == 1 && row) {
		*row = w->q[i];
		return 1;
	}
	stmt_reset(w->q[i]);
	return rc;
}

int dw_step(struct disc_w *w, int i, struct store_stmt **row, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = dw_stepv(w, i, row, fmt, ap);
	va_end(ap);
	return rc;
}

int dw_exec(struct disc_w *w, int i, int64_t *id, const char *fmt, ...)
{
	struct store_stmt *row = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = dw_stepv(w, i, &row, fmt, ap);
	va_end(ap);
	if (id)
		*id = rc == 1 ? stmt_int64(row, 0) : 0;
	if (rc == 1)
		stmt_reset(row);
	return rc;
}

int dw_candidate(struct disc_w *w, const struct disc_org *o, const char *kind, const char *value,
		 const char *source, const char *reason, int64_t seen, bool *is_new)
{
	int64_t id = 0;
	bool name = strcmp(kind, "domain") == 0 || strcmp(kind, "hostname") == 0;
	int rc = name ? dw_exec(w, W_ASSET_NAME, &id, "it", o->id, value)
		      : dw_exec(w, W_ASSET_ADDR, &id, "itt", o->id, kind, value);

	*is_new = false;
	if (rc < 0)
		return rc;
	if (rc == 1) { /* known already, whatever its status: a rejected one stays rejected */
		rc = dw_exec(w, W_ASSET_TOUCH, NULL, "iii", seen, id, seen);
		return rc < 0 ? rc : 0;
	}
	rc =
	    dw_exec(w, W_ASSET_INS, &id, "ittttii", o->id, kind, value, source, reason, seen, seen);
	if (rc < 0)
		return rc;
	*is_new = true;
	return 0;
}

int dw_audit(struct disc_w *w, int64_t now, const char *actor, const char *action,
	     const char *object, const char *detail)
{
	int rc = dw_exec(w, W_AUDIT, NULL, "itttt", now, actor, action, object, detail);

	return rc < 0 ? rc : 0;
}
