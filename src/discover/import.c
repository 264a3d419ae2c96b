/*
 * import.c - passive imports (crt.sh, Shodan, Censys) stored as observations and candidate
 * assets, one file in one transaction: all of it, or on any error nothing.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <zlib.h>

#include "base/mem.h"
#include "discover/discover_int.h"
#include "inventory/inventory.h"
#include "share/share.h"

static const char *const format_names[] = {
    [DISC_FMT_CRTSH] = "crtsh", [DISC_FMT_SHODAN] = "shodan", [DISC_FMT_CENSYS] = "censys"};
/* The assets.source a format files its candidates under. */
static const char *const format_sources[] = {
    [DISC_FMT_CRTSH] = "ct", [DISC_FMT_SHODAN] = "shodan", [DISC_FMT_CENSYS] = "censys"};
static const char *const format_titles[] = {
    [DISC_FMT_CRTSH] = "crt.sh", [DISC_FMT_SHODAN] = "Shodan", [DISC_FMT_CENSYS] = "Censys"};

int disc_format_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(format_names); i++)
		if (strcmp(name, format_names[i]) == 0)
			return (int)i;
	return -1;
}

struct imp {
	struct disc_w w;
	struct disc_org o;
	int fmt;
	int64_t now;
	struct disc_import_stats *st;
	struct merr *e;
};

static bool under_domains(const struct disc_org *o, const char *name)
{
	for (size_t i = 0; i < o->domains.n; i++)
		if (disc_name_under(name, o->domains.v[i]))
			return true;
	return false;
}

static int candidate(struct imp *m, const char *kind, const char *value, const char *why,
		     int64_t seen)
{
	bool is_new = false;
	int rc =
	    dw_candidate(&m->w, &m->o, kind, value, format_sources[m->fmt], why, seen, &is_new);

	m->st->candidates_new += is_new;
	return rc;
}

/* ---- crt.sh ---- */

static int put_cert_name(const struct disc_cert_name *n, void *arg)
{
	struct imp *m = arg;
	const char *base = n->wildcard ? n->name + 2 : n->name;
	int64_t seen = n->logged_at ? n->logged_at : n->not_before ? n->not_before : m->now;
	struct store_stmt *row = NULL;
	char why[400];
	int rc;

	m->st->items++;
	if (!n->dns_name || !under_domains(&m->o, base)) {
		m->st->ignored++; /* another party's name, or not a DNS name (e-mail, address) */
		return 0;
	}
	m->st->wildcards += n->wildcard;
	rc = dw_step(&m->w, W_CT_GET, &row, "itt", m->o.id, n->name, n->serial);
	if (rc == 1) {
		int64_t id = stmt_int64(row, 0), first = stmt_int64(row, 1),
			last = stmt_int64(row, 2);
		stmt_reset(row);
		if (seen >= first && seen <= last) {
			m->st->obs_unchanged++;
		} else {
			m->st->obs_updated++;
			rc = dw_exec(&m->w, W_CT_UPD, NULL, "iii", seen < first ? seen : first,
				     seen > last ? seen : last, id);
		}
	} else if (rc == 0) {
		m->st->obs_new++;
		rc = dw_exec(&m->w, W_CT_INS, NULL, "itiittiiii", m->o.id, n->name,
			     (int64_t)n->wildcard, n->crtsh_id, n->issuer, n->serial, n->not_before,
			     n->not_after, seen, seen);
	}
	if (rc < 0 || n->wildcard)
		return rc < 0 ? rc : 0; /* a wildcard is noted, not a host to confirm */
	snprintf(why, sizeof(why),
		 "証明書透明性ログ上の名前 / name in certificate transparency logs (crt.sh, serial "
		 "%.64s)",
		 n->serial);
	return candidate(m, "hostname", n->name, why, seen);
}

/* ---- Shodan, Censys ---- */

static char *json_array(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	s = a ? cJSON_PrintUnformatted(a) : NULL;
	cJSON_Delete(a);
	return s;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Does the stored row (W_SVC_GET columns 3..9) say the same as this banner? */
static bool svc_same(struct store_stmt *row, const struct disc_service *v, const char *cpes,
		     const char *names, int64_t registered)
{
	return same(stmt_text(row, 3), v->service) && same(stmt_text(row, 4), v->product) &&
	       same(stmt_text(row, 5), v->version) && same(stmt_text(row, 6), v->cpe) &&
	       same(stmt_text(row, 7), cpes) && same(stmt_text(row, 8), names) &&
	       stmt_int64(row, 9) == registered;
}

static int put_service_row(struct imp *m, const struct disc_service *v, int64_t seen,
			   int64_t registered, const char *cpes, const char *names)
{
	const char *src = format_names[m->fmt];
	struct store_stmt *row = NULL;
	int rc = dw_step(&m->w, W_SVC_GET, &row, "ittit", m->o.id, src, v->ip, (int64_t)v->port,
			 v->proto);
	int64_t id, first, last;
	bool newer;

	if (rc == 0) {
		m->st->obs_new++;
		return dw_exec(&m->w, W_SVC_INS, NULL, "ittitttttttiii", m->o.id, src, v->ip,
			       (int64_t)v->port, v->proto, v->service, v->product, v->version,
			       v->cpe, cpes, names, registered, seen, seen);
	}
	if (rc < 0)
		return rc;
	id = stmt_int64(row, 0);
	first = stmt_int64(row, 1);
	last = stmt_int64(row, 2);
	/* The latest banner describes the service; an older one only widens first_seen. */
	newer = seen >= last && (seen > last || !svc_same(row, v, cpes, names, registered));
	stmt_reset(row);
	if (!newer && seen >= first) {
		m->st->obs_unchanged++;
		return 0;
	}
	m->st->obs_updated++;
	if (!newer) /* an older banner: keep the stored description, move first_seen back */
		return (rc = dw_exec(&m->w, W_SVC_FIRST, NULL, "ii", seen, id)) < 0 ? rc : 0;
	return dw_exec(&m->w, W_SVC_UPD, NULL, "ttttttiiii", v->service, v->product, v->version,
		       v->cpe, cpes, names, registered, first < seen ? first : seen, seen, id);
}

static int put_service(const struct disc_service *v, void *arg)
{
	struct imp *m = arg;
	struct ipaddr ip;
	int64_t seen = v->seen_at ? v->seen_at : m->now;
	bool registered = ip_parse(v->ip, &ip) == 0 && ipset_contains(&m->o.addrs, &ip);
	char *cpes = json_array(v->cpes, v->n_cpes),
	     *names = json_array(v->hostnames, v->n_hostnames);
	char why[600];
	int rc = cpes && names ? 0 : merr_set(m->e, M_ENOMEM, "out of memory");

	m->st->items++;
	if (rc == 0)
		rc = put_service_row(m, v, seen, registered, cpes, names);
	if (rc == 0 && !registered) {
		m->st->unregistered++;
		snprintf(why, sizeof(why),
			 "%s に %d/%s が見えるが登録アドレス外 / %s saw %d/%s on an address not "
			 "registered to the org%s%.200s",
			 format_titles[m->fmt], v->port, v->proto, format_titles[m->fmt], v->port,
			 v->proto, v->n_hostnames ? "; names " : "", names);
		rc = candidate(m, ip.family == 6 ? "ipv6" : "ipv4", v->ip, why, seen);
	}
	for (size_t i = 0; rc == 0 && i < v->n_hostnames; i++) {
		if (!under_domains(&m->o, v->hostnames[i]))
			continue;
		snprintf(why, sizeof(why), "%s: %s の名前 / %s: a name of %s",
			 format_titles[m->fmt], v->ip, format_titles[m->fmt], v->ip);
		rc = candidate(m, "hostname", v->hostnames[i], why, seen);
	}
	cJSON_free(cpes);
	cJSON_free(names);
	return rc;
}

/* What is imported: a buffer, or (buf NULL) the file itself, streamed. */
struct src {
	const char *buf;
	size_t len;
	const char *file;
};

static int parse_into(struct imp *m, const struct src *in)
{
	const char *buf = in->buf, *file = in->file;
	size_t len = in->len;

	if (!buf)
		return disc_parse_file(m->fmt, file, put_cert_name, put_service, m, m->e);
	switch (m->fmt) {
	case DISC_FMT_CRTSH: return disc_parse_crtsh(buf, len, file, put_cert_name, m, m->e);
	case DISC_FMT_SHODAN: return disc_parse_shodan(buf, len, file, put_service, m, m->e);
	default: return disc_parse_censys(buf, len, file, put_service, m, m->e);
	}
}

static int audit_import(struct imp *m, const char *file)
{
	cJSON *d = cJSON_CreateObject();
	char *s;
	int rc;

	cJSON_AddStringToObject(d, "format", format_names[m->fmt]);
	cJSON_AddStringToObject(d, "file", file ? file : "");
	cJSON_AddNumberToObject(d, "items", (double)m->st->items);
	cJSON_AddNumberToObject(d, "observations_new", (double)m->st->obs_new);
	cJSON_AddNumberToObject(d, "candidates_new", (double)m->st->candidates_new);
	s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (!s)
		return merr_set(m->e, M_ENOMEM, "out of memory");
	rc = dw_audit(&m->w, m->now, "system", "discover.import", m->o.slug, s);
	cJSON_free(s);
	return rc;
}

static int import_src(struct store *s, const char *org_slug, int fmt, const struct src *in,
		      int64_t now, struct disc_import_stats *st, struct merr *e)
{
	const char *file = in->file;
	struct disc_import_stats dummy;
	struct inv_filter flt = {.slug = org_slug, .critical = -1, .with = INV_WITH_ASSETS};
	struct inv_doc *doc = NULL;
	struct imp m = {.fmt = fmt, .now = now, .st = st ? st : &dummy, .e = e};
	int rc;

	memset(m.st, 0, sizeof(*m.st));
	if (fmt < 0 || fmt >= (int)ARRAY_SIZE(format_names) || !org_slug)
		return merr_set(e, M_EINVAL, "unknown import format or no organisation");
	rc = inv_load(s, &flt, &doc, e);
	if (rc == 0 && doc->n_orgs != 1)
		rc = merr_set(e, M_ENOTFOUND, "no organisation '%s'", org_slug);
	if (rc == 0 && (rc = disc_org_init(&m.o, &doc->orgs[0])) != 0)
		merr_set(e, rc, "out of memory");
	if (rc) {
		inv_doc_free(doc);
		return rc;
	}
	dw_init(&m.w, s, e);
	rc = store_begin(s, e);
	if (rc == 0) {
		rc = parse_into(&m, in);
		if (rc == 0)
			rc = audit_import(&m, file);
		dw_release(&m.w);
		rc = rc ? rc : store_commit(s, e);
		if (rc)
			store_rollback(s);
	}
	dw_release(&m.w);
	if (rc) /* nothing was stored: say so in the counts too */
		memset(m.st, 0, sizeof(*m.st));
	else /* shared indicators against the services and names just stored */
		rc = share_match_new(s, now, NULL, NULL, e);
	merr_set_file(e, file);
	disc_org_release(&m.o);
	inv_doc_free(doc);
	return rc;
}

int disc_import_file(struct store *s, const char *org_slug, int fmt, const char *path, int64_t now,
		     struct disc_import_stats *st, struct merr *e)
{
	struct src in = {NULL, 0, path};

	return import_src(s, org_slug, fmt, &in, now, st, e);
}

int disc_import(struct store *s, const char *org_slug, int fmt, const char *buf, size_t len,
		const char *file, int64_t now, struct disc_import_stats *st, struct merr *e)
{
	struct src in = {buf ? buf : "", len, file};

	return import_src(s, org_slug, fmt, &in, now, st, e);
}
