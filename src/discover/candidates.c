/*
 * candidates.c - reading what discovery filed: candidate assets and the analyst's decision
 * on them (with an audit row), and the e-mail hygiene summaries the findings module reads.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/ip.h"
#include "discover/discover_int.h"

static int org_exists(struct store *s, const char *slug, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT id FROM orgs WHERE slug = ?", &st, e);

	if (rc == 0) {
		stmt_bind_text(st, 1, slug);
		rc = stmt_step(st, e);
		if (rc == 0)
			rc = merr_set(e, M_ENOTFOUND, "no organisation '%s' / 組織が見つかりません",
				      slug);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int disc_candidates(struct store *s, const char *org_slug, disc_candidate_fn fn, void *arg,
		    struct merr *e)
{
	static const char sql[] =
	    "SELECT o.slug, a.kind, a.value, a.status, a.source, a.note, a.first_seen,"
	    " a.last_seen FROM assets a JOIN orgs o ON o.id = a.org_id"
	    " WHERE a.status = 'candidate' %s ORDER BY o.slug, a.kind, a.value";
	char q[512];
	struct store_stmt *st = NULL;
	int rc = org_slug ? org_exists(s, org_slug, e) : 0;

	snprintf(q, sizeof(q), sql, org_slug ? "AND o.slug = ?" : "");
	if (rc == 0)
		rc = store_prepare(s, q, &st, e);
	if (rc == 0 && org_slug)
		stmt_bind_text(st, 1, org_slug);
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		struct disc_candidate c = {stmt_text(st, 0),  stmt_text(st, 1), stmt_text(st, 2),
					   stmt_text(st, 3),  stmt_text(st, 4), stmt_text(st, 5),
					   stmt_int64(st, 6), stmt_int64(st, 7)};
		rc = fn(&c, arg);
	}
	stmt_finalize(st);
	return rc;
}

/* The canonical form an asset value is stored in. */
static void canon_value(const char *in, char *out, size_t cap)
{
	struct ipaddr ip;

	if (ip_parse(in, &ip) == 0 && cap >= 64)
		ip_format(&ip, out);
	else if (!disc_name_canon(in, strlen(in), out, cap, NULL) && !out[0])
		snprintf(out, cap, "%s", in);
}

static int audit_decision(struct store *s, const char *actor, const char *action,
			  const char *object, const char *from, const char *source, int64_t now,
			  struct merr *e)
{
	struct disc_w w;
	cJSON *d = cJSON_CreateObject();
	char *detail;
	int rc;

	cJSON_AddStringToObject(d, "from", from);
	cJSON_AddStringToObject(d, "source", source);
	detail = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (!detail)
		return merr_set(e, M_ENOMEM, "out of memory");
	dw_init(&w, s, e);
	rc = dw_audit(&w, now, actor, action, object, detail);
	dw_release(&w);
	cJSON_free(detail);
	return rc;
}

/* Finds the discovered asset: id, kind, status, source (NULL-safe copies into out). */
static int find_asset(struct store *s, const char *slug, const char *value, int64_t *id,
		      char kind[16], char status[16], char source[16], struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT a.id, a.kind, a.status, a.source FROM assets a JOIN orgs o"
			       " ON o.id = a.org_id WHERE o.slug = ? AND a.value = ?"
			       " ORDER BY a.source = 'inventory', a.id",
			       &st, e);

	if (rc == 0) {
		stmt_bind_text(st, 1, slug);
		stmt_bind_text(st, 2, value);
		rc = stmt_step(st, e);
	}
	if (rc == 1) {
		*id = stmt_int64(st, 0);
		snprintf(kind, 16, "%s", stmt_text(st, 1));
		snprintf(status, 16, "%s", stmt_text(st, 2));
		snprintf(source, 16, "%s", stmt_text(st, 3));
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "no asset '%s' for '%s' / 該当する資産がありません",
			      value, slug);
	}
	stmt_finalize(st);
	return rc;
}

static int set_status(struct store *s, int64_t id, const char *status, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "UPDATE assets SET status = ? WHERE id = ?", &st, e);

	(void)now;
	if (rc == 0) {
		stmt_bind_text(st, 1, status);
		stmt_bind_int64(st, 2, id);
		rc = stmt_step(st, e);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int disc_candidate_decide(struct store *s, const char *org_slug, const char *value, bool confirm,
			  const char *actor, int64_t now, char *kind_out, struct merr *e)
{
	const char *to = confirm ? "confirmed" : "rejected";
	char v[256], kind[16] = "", status[16] = "", source[16] = "", object[320];
	int64_t id = 0;
	int rc = org_exists(s, org_slug, e);

	canon_value(value, v, sizeof(v));
	if (rc == 0)
		rc = find_asset(s, org_slug, v, &id, kind, status, source, e);
	if (rc == 0 && strcmp(source, "inventory") == 0)
		rc = merr_set(e, M_EPERM,
			      "'%s' is declared in the inventory; change the inventory instead / "
			      "台帳で申告された資産です",
			      v);
	if (kind_out)
		snprintf(kind_out, 16, "%s", kind);
	if (rc || strcmp(status, to) == 0)
		return rc; /* already decided that way: nothing to write */
	snprintf(object, sizeof(object), "%s/%s:%s", org_slug, kind, v);
	rc = store_begin(s, e);
	if (rc == 0)
		rc = set_status(s, id, to, now, e);
	if (rc == 0)
		rc = audit_decision(s, actor ? actor : "system",
				    confirm ? "assets.confirm" : "assets.reject", object, status,
				    source, now, e);
	if (rc == 0)
		rc = store_commit(s, e);
	if (rc)
		store_rollback(s);
	return rc;
}

int disc_email_hygiene(struct store *s, const char *org_slug, disc_hygiene_fn fn, void *arg,
		       struct merr *e)
{
	static const char sql[] =
	    "SELECT o.slug, h.domain, h.spf_state, h.spf_all, h.spf_record, h.dmarc_state,"
	    " h.dmarc_p, h.dmarc_sp, h.dmarc_pct, h.dmarc_record, h.checked_at"
	    " FROM email_hygiene h JOIN orgs o ON o.id = h.org_id %s ORDER BY o.slug, h.domain";
	char q[512];
	struct store_stmt *st = NULL;
	int rc = org_slug ? org_exists(s, org_slug, e) : 0;

	snprintf(q, sizeof(q), sql, org_slug ? "WHERE o.slug = ?" : "");
	if (rc == 0)
		rc = store_prepare(s, q, &st, e);
	if (rc == 0 && org_slug)
		stmt_bind_text(st, 1, org_slug);
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		struct disc_hygiene h = {
		    .org = stmt_text(st, 0),
		    .domain = stmt_text(st, 1),
		    .spf_state = stmt_text(st, 2),
		    .spf_all = stmt_text(st, 3),
		    .spf_record = stmt_text(st, 4),
		    .dmarc_state = stmt_text(st, 5),
		    .dmarc_p = stmt_text(st, 6),
		    .dmarc_sp = stmt_text(st, 7),
		    .dmarc_pct = stmt_is_null(st, 8) ? 100 : (int)stmt_int64(st, 8),
		    .dmarc_record = stmt_text(st, 9),
		    .checked_at = stmt_int64(st, 10),
		};
		rc = fn(&h, arg);
	}
	stmt_finalize(st);
	return rc;
}
