/* coverage.c - whether an organisation was assessed at all, and how much of it: the newest
 * finished scan, the addresses it covered against the authorised scope. An organisation with no
 * complete assessment has no grade anywhere (docs/RATING.md §5a). */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include <stdlib.h>
#include <string.h>

#include "base/ip.h"
#include "base/mem.h"
#include "findings/findings.h"

/* "a.b.c.d", "a-b" or a CIDR into set. */
static int add_target(struct ipset *set, const char *t)
{
	const char *dash = strchr(t, '-');
	struct cidr c;

	if (dash) {
		char lo_s[IP_STR_MAX];
		struct ipaddr lo, hi;
		snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dash - t), t);
		if (ip_parse(lo_s, &lo) || ip_parse(dash + 1, &hi) || hi.v < lo.v)
			return 0; /* not a range we can count: left out */
		return ipset_add_range(set, lo.v, hi.v);
	}
	if (cidr_parse(t, false, &c))
		return 0;
	return ipset_add_cidr(set, &c);
}

static int scanned(struct store *s, const char *org, struct finding_coverage *c, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct ipset set;
	int rc = store_prepare(s,
			       "SELECT coalesce(finished_at, started_at), params FROM scans WHERE "
			       "org_slug = ? AND state = 'done' ORDER BY started_at DESC, id DESC "
			       "LIMIT 1",
			       &st, e);

	if (rc)
		return rc;
	ipset_init(&set);
	stmt_bind_text(st, 1, org);
	if ((rc = stmt_step(st, e)) == 1) {
		cJSON *p = cJSON_Parse(stmt_text(st, 1) ? stmt_text(st, 1) : "");
		const cJSON *t;
		c->last_scan = stmt_int64(st, 0);
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(p, "targets"))
		{
			if (cJSON_IsString(t) && add_target(&set, t->valuestring)) {
				cJSON_Delete(p);
				stmt_finalize(st);
				ipset_release(&set);
				return merr_set(e, M_ENOMEM, "out of memory");
			}
		}
		cJSON_Delete(p);
		c->addrs_scanned =
		    (int64_t)(ipset_count(&set) > INT64_MAX ? INT64_MAX : ipset_count(&set));
	}
	stmt_finalize(st);
	ipset_release(&set);
	return rc < 0 ? rc : 0;
}

static int in_scope(struct store *s, const char *org, int64_t now, struct finding_coverage *c,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	struct ipset set;
	int rc = store_prepare(s,
			       "SELECT p.cidr, p.valid_from FROM scopes p JOIN orgs o ON o.id = "
			       "p.org_id WHERE o.slug = ?1 AND (p.valid_until IS NULL OR "
			       "p.valid_until >= ?2)",
			       &st, e);

	if (rc)
		return rc;
	ipset_init(&set);
	stmt_bind_text(st, 1, org);
	stmt_bind_int64(st, 2, now);
	while ((rc = stmt_step(st, e)) == 1) {
		struct cidr cd;
		int64_t from = stmt_is_null(st, 1) ? 0 : stmt_int64(st, 1);
		if (from > now) {
			if (!c->scope_from || from < c->scope_from)
				c->scope_from = from; /* authorised later: nothing to scan yet */
			continue;
		}
		if (!cidr_parse(stmt_text(st, 0), false, &cd) && ipset_add_cidr(&set, &cd)) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
	}
	stmt_finalize(st);
	c->addrs_in_scope =
	    (int64_t)(ipset_count(&set) > INT64_MAX ? INT64_MAX : ipset_count(&set));
	ipset_release(&set);
	return rc < 0 ? rc : 0;
}

int finding_coverage(struct store *s, const char *org, int64_t now, struct finding_coverage *c,
		     struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = store_prepare(s,
			   "SELECT max(coalesce(finished_at, started_at)) FROM identify_runs WHERE "
			   "org_slug = ? AND complete = 1",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	if ((rc = stmt_step(st, e)) == 1 && !stmt_is_null(st, 0))
		c->last_identify = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if ((rc = scanned(s, org, c, e)) || (rc = in_scope(s, org, now, c, e)))
		return rc;
	/* the same rule that lets findings be closed (finding_cover): a complete identify run,
	 * or a finished scan */
	c->assessed = c->last_identify || c->last_scan;
	return 0;
}

int finding_coverage_list(struct store *s, const char *org, const char *sector, int64_t now,
			  int (*fn)(void *arg, const char *org, const char *name,
				    const struct finding_coverage *c),
			  void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT slug, coalesce(name_ja, slug), coalesce(name_en, slug) FROM "
			       "orgs WHERE (CAST(?1 AS TEXT) IS NULL OR slug = ?1) AND (CAST(?2 AS "
			       "TEXT) IS NULL OR sector = ?2) "
			       "ORDER BY slug",
			       &st, e);
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, sector);
	/* read the names first: the coverage queries use the same connection */
	while ((rc = stmt_step(st, e)) == 1) {
		if (n + 3 > cap) {
			char **nv = m_realloc(v, (cap = cap ? cap * 2 : 48) * sizeof(*v));
			if (!nv) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			v = nv;
		}
		v[n++] = m_strdup(stmt_text(st, 0));
		v[n++] = m_strdup(stmt_text(st, 1));
		v[n++] = m_strdup(stmt_text(st, 2));
		if (!v[n - 1] || !v[n - 2] || !v[n - 3]) {
			rc = merr_set(e, M_ENOMEM, "out of memory");
			break;
		}
	}
	stmt_finalize(st);
	for (size_t i = 0; rc >= 0 && i + 2 < n; i += 3) {
		struct finding_coverage c;
		if ((rc = finding_coverage(s, v[i], now, &c, e)) == 0)
			rc = fn(arg, v[i], v[i + 1], &c);
	}
	for (size_t i = 0; i < n; i++)
		m_free(v[i]);
	m_free(v);
	return rc < 0 ? rc : 0;
}
