/* token.c - API tokens for machines: "mamori_" + 64 hex digits, shown once, stored as
 * SHA-256, carrying the role, organisation and sector of the user they were made for. */
#include "base/compat.h"

#include "auth/auth_int.h"

int auth_token_create(struct store *s, const char *name, const char *label, int64_t now,
		      int64_t expires_at, char out[AUTH_TOKEN_MAX], struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO api_tokens (hash, user_id, role, org_id, sector, label, created_at,"
	    " expires_at) SELECT ?, id, role, org_id, sector, ?, ?, ? FROM users"
	    " WHERE name = ? AND disabled = 0 RETURNING id";
	struct store_stmt *st = NULL;
	char rnd[AUTH_HEX_MAX], hash[AUTH_HEX_MAX];
	int rc;

	out[0] = '\0';
	if ((rc = auth_sodium_ready(e)))
		return rc;
	auth_random_hex(rnd, sizeof(rnd), 32);
	snprintf(out, AUTH_TOKEN_MAX, "%s%s", AUTH_TOKEN_PREFIX, rnd);
	auth_sha256_hex(out, strlen(out), hash);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_text(st, 1, hash);
	stmt_bind_text(st, 2, label);
	stmt_bind_int64(st, 3, now);
	if (expires_at)
		stmt_bind_int64(st, 4, expires_at);
	else
		stmt_bind_null(st, 4);
	stmt_bind_text(st, 5, name);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "name", "no enabled user '%s'", name);
	if (rc < 0) {
		out[0] = '\0';
		return rc;
	}
	return 0;
}

int auth_token_lookup(struct store *s, const char *token, int64_t now, struct auth_principal *p,
		      struct merr *e)
{
	static const char sql[] =
	    "SELECT t.user_id, t.role, t.org_id, o.slug, t.sector, t.expires_at, t.revoked,"
	    " u.disabled, u.name, u.display_name FROM api_tokens t JOIN users u ON u.id = t.user_id"
	    " LEFT JOIN orgs o ON o.id = t.org_id WHERE t.hash = ?";
	size_t plen = strlen(AUTH_TOKEN_PREFIX);
	struct store_stmt *st = NULL;
	char hash[AUTH_HEX_MAX];
	int64_t expires = 0;
	bool refused = false;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!token || strncmp(token, AUTH_TOKEN_PREFIX, plen) != 0 || !auth_is_hex64(token + plen))
		return merr_set(e, M_ENOTFOUND, "no such token");
	auth_sha256_hex(token, strlen(token), hash);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_text(st, 1, hash);
	rc = stmt_step(st, e);
	if (rc == 1) {
		p->user_id = stmt_int64(st, 0);
		p->role = auth_role_parse(stmt_text(st, 1));
		p->org_id = stmt_int64(st, 2);
		auth_copy(p->org_slug, sizeof(p->org_slug), stmt_text(st, 3));
		auth_copy(p->sector, sizeof(p->sector), stmt_text(st, 4));
		expires = stmt_int64(st, 5);
		refused = stmt_int64(st, 6) != 0 || stmt_int64(st, 7) != 0;
		auth_copy(p->name, sizeof(p->name), stmt_text(st, 8));
		auth_copy(p->display, sizeof(p->display), stmt_text(st, 9));
		p->via_token = true;
	}
	stmt_finalize(st);
	if (rc <= 0) {
		memset(p, 0, sizeof(*p));
		return rc < 0 ? rc : merr_set(e, M_ENOTFOUND, "no such token");
	}
	if (refused || (expires && now > expires)) {
		memset(p, 0, sizeof(*p));
		return refused ? merr_set(e, M_EPERM, "token revoked or user disabled")
			       : merr_set(e, M_ETIMEOUT, "token expired");
	}
	/* Last use, for `mamori user tokens`: one write a minute at most, errors ignored (a
	 * busy store must not refuse the request). */
	if (store_prepare(s,
			  "UPDATE api_tokens SET last_used_at = ?1 WHERE hash = ?2 AND"
			  " (last_used_at IS NULL OR last_used_at < ?1 - 60)",
			  &st, NULL) == 0) {
		stmt_bind_int64(st, 1, now);
		stmt_bind_text(st, 2, hash);
		stmt_step(st, NULL);
		stmt_finalize(st);
	}
	return 0;
}

static int user_id_of(struct store *s, const char *name, int64_t *id, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT id FROM users WHERE name = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, name);
	rc = stmt_step(st, e);
	if (rc == 1)
		*id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "name", "no user '%s'", name);
	return rc < 0 ? rc : 0;
}

int auth_token_list(struct store *s, const char *name, auth_token_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t uid = 0;
	int rc;

	if ((rc = user_id_of(s, name, &uid, e)) ||
	    (rc = store_prepare(s,
				"SELECT id, label, created_at, coalesce(expires_at, 0),"
				" coalesce(last_used_at, 0), coalesce(revoked_at, 0), revoked"
				" FROM api_tokens WHERE user_id = ? ORDER BY id",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, uid);
	while ((rc = stmt_step(st, e)) == 1) {
		struct auth_token_info t = {
		    .id = stmt_int64(st, 0),
		    .label = stmt_text(st, 1),
		    .created_at = stmt_int64(st, 2),
		    .expires_at = stmt_int64(st, 3),
		    .last_used_at = stmt_int64(st, 4),
		    .revoked_at = stmt_int64(st, 5),
		    .revoked = stmt_int64(st, 6) != 0,
		};
		if ((rc = fn(&t, arg)) != 0)
			break;
	}
	stmt_finalize(st);
	return rc;
}

int auth_token_revoke(struct store *s, const char *name, int64_t id, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t uid = 0;
	int rc;

	if ((rc = user_id_of(s, name, &uid, e)) ||
	    (rc = store_prepare(
		 s,
		 "UPDATE api_tokens SET revoked = 1, revoked_at = coalesce(revoked_at,"
		 " ?1) WHERE id = ?2 AND user_id = ?3 RETURNING id",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_int64(st, 2, id);
	stmt_bind_int64(st, 3, uid);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "token", "user '%s' has no token %lld",
			       name, (long long)id);
	return rc < 0 ? rc : 0;
}
