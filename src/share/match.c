/* match.c - indicators against what mamori sees: the match index (share_iocs) built from
 * each stix indicator's pattern, and the run that looks up every address and name mamori
 * knows for an operator (inventory assets, identified services, DNS discovery records, scan
 * observations). A hit becomes a STIX sighting in the indicator's collection (TLP:RED) and one
 * urgent alert per (operator, indicator) through the alert module. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/ip.h"
#include "base/mtime.h"
#include "share/share.h"

struct ix {
	struct store *s;
	struct store_stmt *ins;
	const char *coll, *ind;
	struct merr *e;
};

static void url_host(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://"), *end;
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	{
		const char *at = memchr(p, '@', (size_t)(end - p));
		if (at)
			p = at + 1;
	}
	n = (size_t)(end - p);
	if (n && *p != '[') {
		const char *colon = memchr(p, ':', n);
		if (colon)
			n = (size_t)(colon - p);
	}
	if (n >= cap)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
}

static int ix_one(const struct share_ioc *ioc, void *arg)
{
	struct ix *x = arg;
	char host[256];
	int rc;

	stmt_reset(x->ins);
	stmt_bind_text(x->ins, 1, x->coll);
	stmt_bind_text(x->ins, 2, x->ind);
	stmt_bind_text(x->ins, 3, share_ioc_kind_name(ioc->kind));
	stmt_bind_text(x->ins, 4, ioc->value);
	if (ioc->kind == SHARE_IOC_URL) {
		url_host(ioc->value, host, sizeof(host));
		stmt_bind_text(x->ins, 5, host[0] ? host : NULL);
	} else {
		stmt_bind_null(x->ins, 5);
	}
	if (ioc->kind == SHARE_IOC_IP)
		stmt_bind_int64(x->ins, 6, strtol(strchr(ioc->value, '/') + 1, NULL, 10));
	else
		stmt_bind_null(x->ins, 6);
	rc = stmt_step(x->ins, x->e);
	return rc < 0 ? rc : 0;
}

int share_index_indicator(struct store *s, const char *coll_id, const char *raw, size_t len,
			  struct merr *e)
{
	cJSON *o = cJSON_ParseWithLength(raw, len);
	cJSON *id, *pt, *pat;
	struct ix x = {s, NULL, coll_id, NULL, e};
	int rc = 0;

	if (!o)
		return 0;
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	pt = cJSON_GetObjectItemCaseSensitive(o, "pattern_type");
	pat = cJSON_GetObjectItemCaseSensitive(o, "pattern");
	if (cJSON_IsString(id) && cJSON_IsString(pt) && strcmp(pt->valuestring, "stix") == 0 &&
	    cJSON_IsString(pat) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "revoked"))) {
		x.ind = id->valuestring;
		rc = store_prepare(s,
				   "INSERT OR IGNORE INTO share_iocs (collection_id, indicator_id, "
				   "kind, value, host, prefix) VALUES (?, ?, ?, ?, ?, ?)",
				   &x.ins, e);
		if (rc == 0) {
			rc = share_pattern_parse(pat->valuestring, strlen(pat->valuestring), ix_one,
						 &x, e);
			stmt_finalize(x.ins);
		}
	}
	cJSON_Delete(o);
	return rc;
}

/* ---- the run ------------------------------------------------------------------------ */

struct net {
	struct cidr c;
	char coll[40];
	char ind[320];
	char value[64];
};

struct run {
	struct store *s;
	int64_t now;
	const char *ack_base;
	struct share_match_stats *st;
	struct merr *e;
	struct net *nets; /* networks (prefix shorter than a host) */
	size_t n_nets;
	struct store_stmt *by_value, *by_host;
};

/* The indicator's latest version: name, pattern and effective TLP; the collection's title. */
static void describe(struct run *x, const char *coll, const char *ind, struct buf *name,
		     struct buf *pattern, char tlp[16], char title[256])
{
	struct store_stmt *st;

	snprintf(tlp, 16, "amber");
	title[0] = '\0';
	if (store_prepare(
		x->s,
		"SELECT o.raw, COALESCE(o.tlp, c.tlp), c.title FROM share_objects o JOIN "
		"share_collections c ON c.id = o.collection_id WHERE o.collection_id = ? AND "
		"o.stix_id = ? ORDER BY o.version_us DESC LIMIT 1",
		&st, NULL))
		return;
	stmt_bind_text(st, 1, coll);
	stmt_bind_text(st, 2, ind);
	if (stmt_step(st, NULL) == 1) {
		cJSON *o = cJSON_Parse(stmt_text(st, 0));
		cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
		cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pattern");
		if (cJSON_IsString(n))
			buf_adds(name, n->valuestring);
		if (cJSON_IsString(p))
			buf_adds(pattern, p->valuestring);
		cJSON_Delete(o);
		snprintf(tlp, 16, "%s", stmt_text(st, 1));
		snprintf(title, 256, "%s", stmt_text(st, 2));
	}
	stmt_finalize(st);
}

static int hit(struct run *x, const char *org, const char *observed, const char *source,
	       const char *coll, const char *ind, const char *ioc)
{
	struct store_stmt *st;
	struct share_collection c;
	struct share_import_result r;
	struct alert_msg m = {0};
	struct buf b, name, pattern;
	char sid[40], ts[64], tlp[16], title[256];
	int64_t sighting_row;
	int rc;

	/* One sighting per (collection, indicator, operator, observed value). */
	share_uuid4(sid);
	if ((rc = store_prepare(
		 x->s,
		 "INSERT OR IGNORE INTO share_sightings (collection_id, indicator_id, "
		 "org_slug, observed, source, ioc, sighting_id, first_seen) VALUES (?, "
		 "?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &st, x->e)))
		return rc;
	stmt_bind_text(st, 1, coll);
	stmt_bind_text(st, 2, ind);
	stmt_bind_text(st, 3, org);
	stmt_bind_text(st, 4, observed);
	stmt_bind_text(st, 5, source);
	stmt_bind_text(st, 6, ioc);
	snprintf(ts, sizeof(ts), "sighting--%s", sid);
	stmt_bind_text(st, 7, ts);
	stmt_bind_int64(st, 8, x->now);
	rc = stmt_step(st, x->e);
	sighting_row = rc == 1 ? stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return 0; /* seen before */
	x->st->sightings++;
	/* The STIX sighting (operator-anonymised: no where_sighted_refs; TLP:RED). */
	if ((rc = share_collection_get(x->s, coll, &c, x->e)))
		return rc;
	{
		char now[40], obj[2048];
		time_t t = (time_t)x->now;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		buf_init(&b, 1 << 16);
		buf_addf(
		    &b,
		    "{\"type\": \"sighting\", \"spec_version\": \"2.1\", \"id\": \"sighting--%s\", "
		    "\"created\": \"%s\", \"modified\": \"%s\", \"first_seen\": \"%s\", "
		    "\"last_seen\": \"%s\", \"count\": 1, \"sighting_of_ref\": ",
		    sid, now, now, now, now);
		buf_add_json_str(&b, ind);
		buf_adds(&b, ", \"summary\": true, \"description\": \"mamori: observed on a "
			     "transport operator's asset / 事業者の資産で観測\", "
			     "\"object_marking_refs\": [\"");
		buf_adds(&b, share_tlp_marking_id(SHARE_TLP_RED, false));
		buf_adds(&b, "\"]}"); /* what and where stay in share_sightings, not shared */
		snprintf(obj, sizeof(obj), "%s", buf_str(&b));
		buf_release(&b);
		rc = share_import(x->s, &c, obj, strlen(obj), 0, &r, x->e);
		if (rc == 0)
			share_import_result_free(&r);
		else
			return rc;
	}
	/* One urgent alert per (operator, indicator). */
	buf_init(&name, 4096);
	buf_init(&pattern, 8192);
	describe(x, coll, ind, &name, &pattern, tlp, title);
	snprintf(m.org, sizeof(m.org), "%s", org);
	snprintf(m.issue_key, sizeof(m.issue_key), "share:%.240s", ind);
	m.urgent = true;
	m.ack_base = x->ack_base;
	buf_init(&b, 8192);
	buf_addf(&b,
		 "[mamori] 共有された攻撃指標に一致: %s / Shared indicator matched your asset: %s",
		 observed, observed);
	m.subject = buf_detach(&b, NULL);
	buf_init(&b, 65536);
	buf_addf(
	    &b,
	    "共有された攻撃指標 (IOC) が貴組織の資産で観測されました。\n"
	    "観測: %s (%s)\n指標: %s %s\n照合した値: %s\nパターン: %s\n"
	    "情報源: %s (TAXII コレクション %s)\nTLP: %s (取扱制限を守ってください)\n"
	    "---- English ----\n"
	    "An indicator shared with the ISAC matched what mamori sees of your organisation.\n"
	    "Observed: %s (%s)\nIndicator: %s %s\nMatched value: %s\nPattern: %s\n"
	    "Source: %s (TAXII collection %s)\nTLP: %s (handle accordingly)\n",
	    observed, source, ind, buf_str(&name), ioc, buf_str(&pattern), title, c.alias, tlp,
	    observed, source, ind, buf_str(&name), ioc, buf_str(&pattern), title, c.alias, tlp);
	m.body = buf_detach(&b, NULL);
	buf_release(&name);
	buf_release(&pattern);
	rc = (!m.subject || !m.body) ? M_ENOMEM : alert_insert(x->s, &m, x->now, x->e);
	free(m.subject);
	free(m.body);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		x->st->alerts++;
		if ((rc =
			 store_prepare(x->s, "UPDATE share_sightings SET alert_id = ? WHERE id = ?",
				       &st, x->e)) == 0) {
			stmt_bind_int64(st, 1, m.id);
			stmt_bind_int64(st, 2, sighting_row);
			rc = stmt_step(st, x->e);
			stmt_finalize(st);
		}
		return rc < 0 ? rc : 0;
	}
	return 0;
}

struct pending {
	char org[128], observed[300], source[32], coll[40], ind[320], ioc[300];
};

struct hits {
	struct pending *v;
	size_t n, cap;
};

static int add_hit(struct hits *h, const char *org, const char *observed, const char *source,
		   const char *coll, const char *ind, const char *ioc)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		struct pending *nv = realloc(h->v, nc * sizeof(*nv));
		if (!nv)
			return M_ENOMEM;
		h->v = nv;
		h->cap = nc;
	}
	snprintf(h->v[h->n].org, sizeof(h->v[0].org), "%s", org);
	snprintf(h->v[h->n].observed, sizeof(h->v[0].observed), "%s", observed);
	snprintf(h->v[h->n].source, sizeof(h->v[0].source), "%s", source);
	snprintf(h->v[h->n].coll, sizeof(h->v[0].coll), "%s", coll);
	snprintf(h->v[h->n].ind, sizeof(h->v[0].ind), "%s", ind);
	snprintf(h->v[h->n].ioc, sizeof(h->v[0].ioc), "%.299s", ioc);
	h->n++;
	return 0;
}

static int lookup(struct run *x, struct hits *h, struct store_stmt *st, const char *key,
		  const char *kind, const char *org, const char *observed, const char *source)
{
	int rc;

	stmt_reset(st);
	stmt_bind_text(st, 1, key);
	if (kind)
		stmt_bind_text(st, 2, kind);
	while ((rc = stmt_step(st, x->e)) == 1)
		if ((rc = add_hit(h, org, observed, source, stmt_text(st, 0), stmt_text(st, 1),
				  stmt_text(st, 2))))
			return rc;
	return rc < 0 ? rc : 0;
}

static int observe(struct run *x, struct hits *h, const char *org, const char *kind,
		   const char *value, const char *source)
{
	char observed[300], key[IP_STR_MAX];
	int rc;

	x->st->observed++;
	if (strcmp(kind, "ip") == 0) {
		struct ipaddr a;
		struct cidr c;
		if (ip_parse(value, &a))
			return 0;
		c.addr = a;
		c.prefix = a.family == 4 ? 32 : 128;
		cidr_format(&c, key);
		snprintf(observed, sizeof(observed), "ip %s", value);
		if ((rc = lookup(x, h, x->by_value, key, "ip", org, observed, source)))
			return rc;
		for (size_t i = 0; i < x->n_nets; i++)
			if (cidr_contains(&x->nets[i].c, &a) &&
			    (rc = add_hit(h, org, observed, source, x->nets[i].coll, x->nets[i].ind,
					  x->nets[i].value)))
				return rc;
		return 0;
	}
	if (strcmp(kind, "cert") == 0) {
		/* a certificate in a served chain: its SHA-256 against file/x509 hash indicators */
		snprintf(observed, sizeof(observed), "certificate sha256 %.100s", value);
		return lookup(x, h, x->by_value, value, "sha256", org, observed, source);
	}
	if (strcmp(kind, "url") == 0) {
		/* a URL in an SNS post: the URL itself, then its host as a name */
		char host[256];
		snprintf(observed, sizeof(observed), "url %.280s", value);
		if ((rc = lookup(x, h, x->by_value, value, "url", org, observed, source)))
			return rc;
		url_host(value, host, sizeof(host));
		if (!host[0])
			return 0;
		value = host;
		return observe(x, h, org, "name", host, source);
	}
	/* a name: the name itself and every parent domain, and URLs on that host */
	{
		char name[256];
		size_t n = strlen(value);
		if (n == 0 || n >= sizeof(name))
			return 0;
		for (size_t i = 0; i <= n; i++)
			name[i] = (char)tolower((unsigned char)value[i]);
		if (name[n - 1] == '.')
			name[--n] = '\0';
		snprintf(observed, sizeof(observed), "name %s", name);
		for (const char *p = name; p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
			if ((rc = lookup(x, h, x->by_value, p, "domain", org, observed, source)))
				return rc;
		}
		return lookup(x, h, x->by_host, name, NULL, org, observed, source);
	}
}

/* The observation tables the matcher reads, each with a row id mark (0865). */
static const char *const mark_sources[] = {"assets",	   "services",	       "dns_records",
					   "observations", "passive_services", "sns_posts"};
#define N_MARKS ARRAY_SIZE(mark_sources)

/* Every address and name mamori knows of the operators whose row id lies in (lo, hi] of its
 * table: ?1/?2 assets, ?3/?4 services, ?5/?6 dns_records, ?7/?8 observations, ?9/?10
 * passive_services, ?11/?12 sns_posts (hostnames and URLs of posts; the operator a post
 * matched, else '' — analysts only). */
static const char observed_sql[] =
    "SELECT o.slug, CASE WHEN a.kind IN ('ipv4', 'ipv6') THEN 'ip' ELSE 'name' END, a.value, "
    "'assets' FROM assets a JOIN orgs o ON o.id = a.org_id WHERE a.status = 'confirmed' AND "
    "a.kind IN ('ipv4', 'ipv6', 'hostname', 'domain') AND a.id > ?1 AND a.id <= ?2 "
    "UNION ALL SELECT org_slug, 'ip', ip, 'services' FROM services WHERE id > ?3 AND id <= ?4 "
    "UNION ALL SELECT o.slug, CASE WHEN d.rtype IN ('A', 'AAAA') THEN 'ip' ELSE 'name' END, "
    "d.value, 'dns_records' FROM dns_records d JOIN orgs o ON o.id = d.org_id WHERE d.rtype "
    "IN ('A', 'AAAA', 'CNAME', 'MX', 'NS') AND d.id > ?5 AND d.id <= ?6 "
    "UNION ALL SELECT o.slug, 'name', d.name, 'dns_records' FROM dns_records d JOIN orgs o ON "
    "o.id = d.org_id WHERE d.id > ?5 AND d.id <= ?6 "
    "UNION ALL SELECT org_slug, 'ip', ip, 'observations' FROM observations WHERE org_slug <> "
    "'' AND state = 'open' AND id > ?7 AND id <= ?8 "
    "UNION ALL SELECT s.org_slug, 'cert', lower(json_extract(j.value, '$.sha256')), "
    "'certificates' FROM services s, json_each(s.tls_info, '$.chain') j WHERE s.tls_info "
    "IS NOT NULL AND json_valid(s.tls_info) AND json_extract(j.value, '$.sha256') IS NOT "
    "NULL AND s.id > ?3 AND s.id <= ?4 "
    "UNION ALL SELECT o.slug, 'ip', p.ip, 'passive_services' FROM passive_services p JOIN orgs "
    "o ON o.id = p.org_id WHERE p.id > ?9 AND p.id <= ?10 "
    "UNION ALL SELECT o.slug, 'name', j.value, 'passive_services' FROM passive_services p JOIN "
    "orgs o ON o.id = p.org_id, json_each(p.hostnames) j WHERE p.hostnames IS NOT NULL AND "
    "json_valid(p.hostnames) AND j.type = 'text' AND p.id > ?9 AND p.id <= ?10 "
    "UNION ALL SELECT COALESCE((SELECT m.org_slug FROM sns_matches m WHERE m.post = p.id "
    "ORDER BY m.org_slug LIMIT 1), ''), 'name', j.value, 'sns_posts' FROM sns_posts p, "
    "json_each(p.hostnames) j WHERE p.hostnames IS NOT NULL AND json_valid(p.hostnames) AND "
    "j.type = 'text' AND p.id > ?11 AND p.id <= ?12 "
    "UNION ALL SELECT COALESCE((SELECT m.org_slug FROM sns_matches m WHERE m.post = p.id "
    "ORDER BY m.org_slug LIMIT 1), ''), 'url', j.value, 'sns_posts' FROM sns_posts p, "
    "json_each(p.urls) j WHERE p.urls IS NOT NULL AND json_valid(p.urls) AND j.type = 'text' "
    "AND p.id > ?11 AND p.id <= ?12";

/* The current largest row id of each observation table (the upper end of a run). */
static int marks_now(struct store *s, int64_t hi[N_MARKS], struct merr *e)
{
	for (size_t i = 0; i < N_MARKS; i++) {
		struct store_stmt *st;
		char sql[128];
		int rc;
		snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(id), 0) FROM %s", mark_sources[i]);
		if ((rc = store_prepare(s, sql, &st, e)))
			return rc;
		rc = stmt_step(st, e);
		hi[i] = rc == 1 ? stmt_int64(st, 0) : 0;
		stmt_finalize(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int marks_load(struct store *s, int64_t lo[N_MARKS], struct merr *e)
{
	struct store_stmt *st;
	int rc;

	for (size_t i = 0; i < N_MARKS; i++)
		lo[i] = 0;
	if ((rc = store_prepare(s, "SELECT source, last_id FROM share_match_marks", &st, e)))
		return rc;
	while ((rc = stmt_step(st, e)) == 1)
		for (size_t i = 0; i < N_MARKS; i++)
			if (strcmp(stmt_text(st, 0), mark_sources[i]) == 0)
				lo[i] = stmt_int64(st, 1);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int marks_save(struct store *s, const int64_t hi[N_MARKS], struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if ((rc = store_prepare(
		 s,
		 "INSERT INTO share_match_marks (source, last_id) VALUES (?, ?) ON "
		 "CONFLICT (source) DO UPDATE SET last_id = MAX(share_match_marks.last_id, "
		 "excluded.last_id)",
		 &st, e)))
		return rc;
	for (size_t i = 0; rc == 0 && i < N_MARKS; i++) {
		stmt_reset(st);
		stmt_bind_text(st, 1, mark_sources[i]);
		stmt_bind_int64(st, 2, hi[i]);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
	}
	stmt_finalize(st);
	return rc;
}

/* Looks up the observations in (lo, hi] and records the hits, then moves the marks to hi. */
static int match_range(struct store *s, int64_t now, const char *ack_base, const int64_t *lo,
		       const int64_t *hi, struct share_match_stats *st, struct merr *e)
{
	struct run x = {.s = s, .now = now, .ack_base = ack_base, .st = st, .e = e};
	struct hits h = {0};
	struct store_stmt *q = NULL;
	int rc;

	if ((rc = store_prepare(
		 s,
		 "SELECT collection_id, indicator_id, value FROM share_iocs WHERE kind = "
		 "'ip' AND ((value LIKE '%.%' AND prefix < 32) OR (value LIKE '%:%' AND "
		 "prefix < 128))",
		 &q, e)))
		return rc;
	while ((rc = stmt_step(q, e)) == 1) {
		struct net *nv;
		if (x.n_nets % 64 == 0) {
			nv = realloc(x.nets, (x.n_nets + 64) * sizeof(*nv));
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			x.nets = nv;
		}
		if (cidr_parse(stmt_text(q, 2), false, &x.nets[x.n_nets].c))
			continue;
		snprintf(x.nets[x.n_nets].coll, sizeof(x.nets[0].coll), "%s", stmt_text(q, 0));
		snprintf(x.nets[x.n_nets].ind, sizeof(x.nets[0].ind), "%s", stmt_text(q, 1));
		snprintf(x.nets[x.n_nets].value, sizeof(x.nets[0].value), "%s", stmt_text(q, 2));
		x.n_nets++;
	}
	stmt_finalize(q);
	q = NULL;
	if (rc == 0)
		rc =
		    store_prepare(s,
				  "SELECT collection_id, indicator_id, value FROM share_iocs WHERE "
				  "value = ? AND kind = ?",
				  &x.by_value, e);
	if (rc == 0)
		rc = store_prepare(
		    s,
		    "SELECT collection_id, indicator_id, value FROM share_iocs WHERE host "
		    "= ?",
		    &x.by_host, e);
	if (rc == 0 && (rc = store_prepare(s, observed_sql, &q, e)) == 0)
		for (size_t i = 0; i < N_MARKS; i++) {
			stmt_bind_int64(q, (int)(2 * i + 1), lo[i]);
			stmt_bind_int64(q, (int)(2 * i + 2), hi[i]);
		}
	while (rc == 0 && (rc = stmt_step(q, e)) == 1)
		rc = observe(&x, &h, stmt_text(q, 0), stmt_text(q, 1), stmt_text(q, 2),
			     stmt_text(q, 3));
	stmt_finalize(q);
	stmt_finalize(x.by_value);
	stmt_finalize(x.by_host);
	free(x.nets);
	if (rc < 0) {
		free(h.v);
		return rc;
	}
	/* Record after the read is finished (no statement open on the tables written). */
	if ((rc = store_begin_immediate(s, e)) == 0) {
		for (size_t i = 0; rc == 0 && i < h.n; i++) {
			st->hits++;
			rc = hit(&x, h.v[i].org, h.v[i].observed, h.v[i].source, h.v[i].coll,
				 h.v[i].ind, h.v[i].ioc);
		}
		if (rc == 0)
			rc = marks_save(s, hi, e);
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s, e);
	}
	free(h.v);
	return rc;
}

int share_match_run(struct store *s, int64_t now, const char *ack_base,
		    struct share_match_stats *st, struct merr *e)
{
	int64_t lo[N_MARKS] = {0}, hi[N_MARKS];
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = marks_now(s, hi, e)))
		return rc;
	return match_range(s, now, ack_base, lo, hi, st, e);
}

int share_match_new(struct store *s, int64_t now, const char *ack_base,
		    struct share_match_stats *st, struct merr *e)
{
	int64_t lo[N_MARKS], hi[N_MARKS];
	struct share_match_stats dummy;
	bool any = false;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if ((rc = marks_now(s, hi, e)) || (rc = marks_load(s, lo, e)))
		return rc;
	for (size_t i = 0; i < N_MARKS; i++)
		any = any || hi[i] > lo[i];
	if (!any)
		return 0;
	{
		/* no indicator yet: nothing to look for (an indicator's import runs a full match) */
		struct store_stmt *q;
		if ((rc = store_prepare(s, "SELECT 1 FROM share_iocs LIMIT 1", &q, e)))
			return rc;
		rc = stmt_step(q, e);
		stmt_finalize(q);
		if (rc <= 0)
			return rc;
	}
	return match_range(s, now, ack_base, lo, hi, st, e);
}
