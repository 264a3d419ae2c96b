/* scope.c - "scope is law": may this address be probed for this organisation now, and
 * why (not); the probe-able set of an organisation; the global exclusion list. */
#include "base/compat.h"

#include "base/mtime.h"
#include "base/utf8.h"
#include "inventory/inventory_int.h"

/* Looks up the org id; 0 when there is none. */
static int org_id(struct store *s, const char *slug, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT id FROM orgs WHERE slug = ?", &st, e);

	*id = 0;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, slug);
	rc = stmt_step(st, e);
	if (rc == 1)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Finds the first exclusion holding a (out NULL) or adds all of them to set. */
static int exclusions(struct store *s, const struct ipaddr *a, struct inv_scope_verdict *v,
		      struct ipset *set, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT cidr, reason FROM exclusions ORDER BY cidr", &st, e);

	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		struct cidr c;
		rc = 0;
		if (cidr_parse(stmt_text(st, 0), false, &c) != 0)
			continue;
		if (set) {
			rc = ipset_add_cidr(set, &c);
		} else if (cidr_contains(&c, a)) {
			inv_fmt(v->reason, sizeof(v->reason), "除外: %s (%s) / excluded: %s",
				stmt_text(st, 0), stmt_text(st, 1), stmt_text(st, 0));
			rc = 1;
		}
	}
	stmt_finalize(st);
	if (rc == M_ENOMEM)
		return merr_set(e, rc, "out of memory reading exclusions");
	return rc;
}

struct best {
	int64_t expired_until, future_from;
	char expired_cidr[IP_STR_MAX], future_cidr[IP_STR_MAX];
};

static void allow(struct inv_scope_verdict *v, struct store_stmt *st)
{
	char day[TIME_STR_MAX];

	time_fmt_jst_date(stmt_int64(st, 4), day);
	v->allowed = true;
	v->scope_id = stmt_int64(st, 0);
	inv_fmt(v->reason, sizeof(v->reason),
		"許可: %s (%s, %s JST まで) / allowed: %s (%s, until %s JST)", stmt_text(st, 1),
		stmt_text(st, 2), day, stmt_text(st, 1), stmt_text(st, 2), day);
}

/* Walks the org's scope rows holding a: allows on the first valid one, else remembers
 * the latest expired and the earliest future authorisation for the refusal. */
static int scopes_for(struct store *s, int64_t id, const struct ipaddr *a, int64_t now,
		      struct inv_scope_verdict *v, struct best *b, struct merr *e)
{
	static const char sql[] = "SELECT id, cidr, authorised_by, valid_from, valid_until"
				  " FROM scopes WHERE org_id = ? ORDER BY cidr";
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc == 0)
		stmt_bind_int64(st, 1, id);
	while (rc == 0 && !v->allowed && (rc = stmt_step(st, e)) == 1) {
		int64_t from = stmt_int64(st, 3), until = stmt_int64(st, 4);
		struct cidr c;
		rc = 0;
		if (cidr_parse(stmt_text(st, 1), false, &c) != 0 || !cidr_contains(&c, a))
			continue;
		if (from <= now && now <= until) {
			allow(v, st);
		} else if (until < now && until >= b->expired_until) {
			b->expired_until = until;
			snprintf(b->expired_cidr, sizeof(b->expired_cidr), "%s", stmt_text(st, 1));
		} else if (from > now && (!b->future_from || from < b->future_from)) {
			b->future_from = from;
			snprintf(b->future_cidr, sizeof(b->future_cidr), "%s", stmt_text(st, 1));
		}
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static void refuse(struct inv_scope_verdict *v, const struct best *b, const char *slug,
		   const struct ipaddr *a)
{
	char day[TIME_STR_MAX], addr[IP_STR_MAX];

	if (b->future_from) {
		time_fmt_jst_date(b->future_from, day);
		inv_fmt(v->reason, sizeof(v->reason),
			"未発効: %s の許可は %s JST から / not yet valid until %s JST (%s)",
			b->future_cidr, day, day, b->future_cidr);
	} else if (b->expired_cidr[0]) {
		time_fmt_jst_date(b->expired_until, day);
		inv_fmt(v->reason, sizeof(v->reason),
			"許可期限切れ: %s は %s JST に失効 / authorisation expired on %s JST (%s)",
			b->expired_cidr, day, day, b->expired_cidr);
	} else {
		ip_format(a, addr);
		inv_fmt(
		    v->reason, sizeof(v->reason),
		    "許可範囲外: %s は %s の許可範囲にありません / not in any authorised range of "
		    "%s: %s",
		    addr, slug, slug, addr);
	}
}

int inv_scope_check(struct store *s, const char *org_slug, const struct ipaddr *a, int64_t now,
		    struct inv_scope_verdict *v, struct merr *e)
{
	struct best b = {0};
	int64_t id = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	inv_fmt(v->reason, sizeof(v->reason), "確認できません / could not be checked");
	rc = org_id(s, org_slug, &id, e);
	if (rc)
		return rc;
	if (!id) {
		inv_fmt(v->reason, sizeof(v->reason), "未登録の組織: %s / unknown organisation: %s",
			org_slug, org_slug);
		return merr_set(e, M_ESCOPE, "%s", v->reason);
	}
	rc = exclusions(s, a, v, NULL, e);
	if (rc == 1)
		return merr_set(e, M_ESCOPE, "%s", v->reason);
	if (rc == 0)
		rc = scopes_for(s, id, a, now, v, &b, e);
	if (rc)
		return rc;
	if (v->allowed)
		return 0;
	refuse(v, &b, org_slug, a);
	return merr_set(e, M_ESCOPE, "%s", v->reason);
}

static int valid_scopes(struct store *s, int64_t id, int64_t now, struct ipset *set, struct merr *e)
{
	static const char sql[] = "SELECT cidr FROM scopes WHERE org_id = ?"
				  " AND valid_from <= ? AND valid_until >= ?";
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc == 0) {
		stmt_bind_int64(st, 1, id);
		stmt_bind_int64(st, 2, now);
		stmt_bind_int64(st, 3, now);
	}
	while (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		struct cidr c;
		rc = cidr_parse(stmt_text(st, 0), false, &c) == 0 ? ipset_add_cidr(set, &c) : 0;
	}
	stmt_finalize(st);
	if (rc == M_ENOMEM)
		return merr_set(e, rc, "out of memory building the scope set");
	return rc;
}

int inv_scope_set(struct store *s, const char *org_slug, int64_t now, struct ipset *out,
		  struct merr *e)
{
	struct ipset allowed, excluded;
	int64_t id = 0;
	int rc;

	ipset_init(&allowed);
	ipset_init(&excluded);
	rc = org_id(s, org_slug, &id, e);
	if (rc == 0 && !id)
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "org", "no organisation '%s'", org_slug);
	if (rc == 0)
		rc = valid_scopes(s, id, now, &allowed, e);
	if (rc == 0)
		rc = exclusions(s, NULL, NULL, &excluded, e);
	if (rc == 0 && ipset_subtract(&allowed, &excluded))
		rc = merr_set(e, M_ENOMEM, "out of memory building the scope set");
	for (size_t i = 0; i < allowed.n && rc == 0; i++)
		if (ipset_add_range(out, allowed.r[i].lo, allowed.r[i].hi))
			rc = merr_set(e, M_ENOMEM, "out of memory building the scope set");
	ipset_release(&allowed);
	ipset_release(&excluded);
	return rc;
}

static int audit(struct store *s, int64_t now, const char *action, const char *object,
		 struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "INSERT INTO audit_log (at, actor, action, object) VALUES (?, "
			       "'system', ?, ?)",
			       &st, e);

	if (rc == 0) {
		stmt_bind_int64(st, 1, now);
		stmt_bind_text(st, 2, action);
		stmt_bind_text(st, 3, object);
		rc = stmt_step(st, e);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int canon_cidr(const char *in, char out[IP_STR_MAX], struct merr *e)
{
	struct cidr c;

	if (!in || cidr_parse(in, true, &c) != 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cidr",
			       "'%.80s' is not a valid CIDR prefix (no host bits set)",
			       in ? in : "");
	cidr_format(&c, out);
	return 0;
}

static int upsert_exclusion(struct store *s, const char *cidr, const char *reason,
			    const char *added_by, int64_t now, bool *added, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t n = 0;
	int rc = store_prepare(s, "SELECT count(*) FROM exclusions WHERE cidr = ?", &st, e);

	if (rc == 0) {
		stmt_bind_text(st, 1, cidr);
		rc = stmt_step(st, e);
		n = rc == 1 ? stmt_int64(st, 0) : 0;
		rc = rc < 0 ? rc : 0;
	}
	stmt_finalize(st);
	st = NULL;
	if (rc == 0 && n) {
		rc = store_prepare(
		    s, "UPDATE exclusions SET reason = ?, added_by = ? WHERE cidr = ?", &st, e);
		if (rc == 0) {
			stmt_bind_text(st, 1, reason);
			stmt_bind_text(st, 2, added_by);
			stmt_bind_text(st, 3, cidr);
		}
	} else if (rc == 0) {
		rc = store_prepare(s,
				   "INSERT INTO exclusions (cidr, reason, added_by, created_at)"
				   " VALUES (?, ?, ?, ?)",
				   &st, e);
		if (rc == 0) {
			stmt_bind_text(st, 1, cidr);
			stmt_bind_text(st, 2, reason);
			stmt_bind_text(st, 3, added_by);
			stmt_bind_int64(st, 4, now);
		}
	}
	if (rc == 0)
		rc = stmt_step(st, e);
	stmt_finalize(st);
	if (added)
		*added = n == 0;
	return rc < 0 ? rc : 0;
}

int inv_exclusion_add(struct store *s, const char *cidr, const char *reason, const char *added_by,
		      int64_t now, bool *added, struct merr *e)
{
	char canon[IP_STR_MAX];
	int rc = canon_cidr(cidr, canon, e);

	if (rc)
		return rc;
	if (!reason || !*reason || !utf8_valid(reason, strlen(reason), NULL) ||
	    strlen(reason) > INV_FIELD_MAX)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "reason",
			       "a reason (UTF-8, at most %d bytes) is required", INV_FIELD_MAX);
	if (added_by && !utf8_valid(added_by, strlen(added_by), NULL))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "added_by", "not valid UTF-8");
	rc = store_begin(s, e);
	if (rc)
		return rc;
	rc = upsert_exclusion(s, canon, reason, added_by, now, added, e);
	if (rc == 0)
		rc = audit(s, now, "scope.exclude.add", canon, e);
	if (rc == 0)
		rc = store_commit(s, e);
	if (rc)
		store_rollback(s);
	return rc;
}

int inv_exclusion_remove(struct store *s, const char *cidr, struct merr *e)
{
	struct store_stmt *st = NULL;
	char canon[IP_STR_MAX];
	int rc = canon_cidr(cidr, canon, e);

	if (rc)
		return rc;
	rc = store_begin(s, e);
	if (rc == 0)
		rc = store_prepare(s, "DELETE FROM exclusions WHERE cidr = ?", &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, canon);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
	}
	stmt_finalize(st);
	if (rc == 0 && store_changes(s) == 0)
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "cidr", "no exclusion %s", canon);
	if (rc == 0)
		rc = audit(s, time_now(), "scope.exclude.remove", canon, e);
	if (rc == 0)
		rc = store_commit(s, e);
	if (rc)
		store_rollback(s);
	return rc;
}
