/* user.c - console and API accounts: roles, argon2id password hashes, add, change, list.
 * Operator users belong to one organisation, bureau users to one sector. */
#include "base/compat.h"

#include <sodium.h>

#include "auth/auth_int.h"
#include "base/utf8.h"
#include "inventory/inventory.h"

static const char *const role_names[AUTH_ROLE_COUNT] = {
    [AUTH_ROLE_NONE] = "anonymous", [AUTH_ROLE_ANALYST] = "analyst",
    [AUTH_ROLE_BUREAU] = "bureau",  [AUTH_ROLE_OPERATOR] = "operator",
    [AUTH_ROLE_MEMBER] = "member",  [AUTH_ROLE_ADMIN] = "admin",
};

const char *auth_role_name(enum auth_role r)
{
	if ((int)r < 0 || r >= AUTH_ROLE_COUNT)
		return "anonymous";
	return role_names[r];
}

enum auth_role auth_role_parse(const char *s)
{
	for (int r = AUTH_ROLE_ANALYST; s && r < AUTH_ROLE_COUNT; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (enum auth_role)r;
	return AUTH_ROLE_NONE;
}

int auth_sodium_ready(struct merr *e)
{
	/* sodium_init is idempotent and thread-safe; 1 means "already done". */
	if (sodium_init() < 0)
		return merr_set(e, M_EUNSUPPORTED, "libsodium could not be initialised");
	return 0;
}

void auth_copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

bool auth_is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s && i == 64;
}

bool auth_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= AUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

int auth_password_hash(const char *password, char *out, size_t out_len, struct merr *e)
{
	size_t n = password ? strlen(password) : 0;
	int rc;

	if ((rc = auth_sodium_ready(e)))
		return rc;
	if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "password",
			       "パスワードは %d〜%d 文字 / password must be %d to %d characters",
			       AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX, AUTH_PASSWORD_MIN,
			       AUTH_PASSWORD_MAX);
	if (out_len < crypto_pwhash_STRBYTES)
		return merr_set(e, M_EINVAL, "hash buffer too small");
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return merr_set(e, M_ENOMEM, "argon2id hashing ran out of memory");
	return 0;
}

bool auth_password_verify(const char *hash, const char *password)
{
	if (!hash || !password || auth_sodium_ready(NULL))
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* Checks the parts of a spec that need no store. */
static int check_spec(const struct auth_user_spec *u, struct merr *e)
{
	if (!auth_name_valid(u->name))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "name",
			       "ユーザー名は a-z 0-9 . _ - のみ / name must be [a-z0-9._-], 1-63");
	if (u->role == AUTH_ROLE_NONE || u->role >= AUTH_ROLE_COUNT)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "role", "unknown role");
	if (u->display && (!utf8_valid(u->display, strlen(u->display), NULL) || !u->display[0] ||
			   strlen(u->display) >= AUTH_DISPLAY_MAX))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "display_name",
			       "display name must be 1-127 bytes of UTF-8");
	if ((u->role == AUTH_ROLE_OPERATOR) != (u->org_slug != NULL))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "org",
			       "事業者ユーザーのみ組織を持つ / an org is required for operator "
			       "users and only for them");
	if ((u->role == AUTH_ROLE_BUREAU) != (u->sector != NULL))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "sector",
			       "所管ユーザーのみ分野を持つ / a sector is required for bureau users "
			       "and only for them");
	return 0;
}

static int find_sector(const char *code, const char *ja, const char *en, void *arg)
{
	return strcmp(code, (const char *)arg) == 0 ? 1 : 0;
}

/* Resolves the org slug (through the inventory's API) and checks the sector exists. */
static int resolve_refs(struct store *s, const struct auth_user_spec *u, int64_t *org_id,
			struct merr *e)
{
	*org_id = 0;
	if (u->org_slug) {
		struct inv_filter f = {u->org_slug, NULL, -1, 0};
		struct inv_doc *d = NULL;
		int rc = inv_load(s, &f, &d, e);
		if (rc)
			return rc;
		*org_id = d->orgs[0].id;
		inv_doc_free(d);
	}
	if (u->sector) {
		int rc = inv_sectors(s, find_sector, (void *)u->sector, e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "sector", "no sector '%s'",
				       u->sector);
	}
	return 0;
}

int auth_user_add(struct store *s, const struct auth_user_spec *u, int64_t now, int64_t *id_out,
		  struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO users (name, display_name, role, org_id, sector, password_hash,"
	    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (name) DO NOTHING RETURNING id";
	char hash[AUTH_HASH_STR_MAX];
	struct store_stmt *st = NULL;
	int64_t org_id;
	int rc;

	if ((rc = check_spec(u, e)) || (rc = resolve_refs(s, u, &org_id, e)) ||
	    (rc = auth_password_hash(u->password, hash, sizeof(hash), e)))
		return rc;
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_text(st, 1, u->name);
	stmt_bind_text(st, 2, u->display ? u->display : u->name);
	stmt_bind_text(st, 3, auth_role_name(u->role));
	if (org_id)
		stmt_bind_int64(st, 4, org_id);
	else
		stmt_bind_null(st, 4);
	stmt_bind_text(st, 5, u->sector);
	stmt_bind_text(st, 6, hash);
	stmt_bind_int64(st, 7, now);
	stmt_bind_int64(st, 8, now);
	rc = stmt_step(st, e);
	if (rc == 1 && id_out)
		*id_out = stmt_int64(st, 0);
	stmt_finalize(st);
	sodium_memzero(hash, sizeof(hash));
	if (rc == 0)
		return merr_at(e, M_EEXIST, NULL, -1, -1, "name", "user '%s' already exists",
			       u->name);
	return rc < 0 ? rc : 0;
}

/* Runs one UPDATE/DELETE binding text a1 (and a2, a3 when not NULL); M_ENOTFOUND when it
 * touched no row. */
static int exec_change(struct store *s, const char *sql, const char *what, int64_t n,
		       const char *a1, const char *a2, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, n);
	stmt_bind_text(st, 2, a1);
	if (a2)
		stmt_bind_text(st, 3, a2);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (what && store_changes(s) == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "name", "no user '%s'", what);
	return 0;
}

static const char end_sessions_sql[] =
    "DELETE FROM sessions WHERE ? >= 0 AND user_id = (SELECT id FROM users WHERE name = ?)";
/* A password change or disabling revokes every API token of the user for good: re-enabling
 * the user later does not bring them back. */
static const char revoke_tokens_sql[] =
    "UPDATE api_tokens SET revoked = 1, revoked_at = ? WHERE revoked = 0"
    " AND user_id = (SELECT id FROM users WHERE name = ?)";

int auth_user_passwd(struct store *s, const char *name, const char *password, int64_t now,
		     struct merr *e)
{
	char hash[AUTH_HASH_STR_MAX];
	int rc;

	if ((rc = auth_password_hash(password, hash, sizeof(hash), e)))
		return rc;
	if ((rc = store_begin(s, e)))
		return rc;
	rc = exec_change(s, "UPDATE users SET updated_at = ?, password_hash = ? WHERE name = ?",
			 name, now, hash, name, e);
	if (rc == 0)
		rc = exec_change(s, end_sessions_sql, NULL, 0, name, NULL, e);
	if (rc == 0)
		rc = exec_change(s, revoke_tokens_sql, NULL, now, name, NULL, e);
	sodium_memzero(hash, sizeof(hash));
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int auth_user_set_disabled(struct store *s, const char *name, bool disabled, int64_t now,
			   struct merr *e)
{
	int rc;

	if ((rc = store_begin(s, e)))
		return rc;
	rc = exec_change(s,
			 disabled ? "UPDATE users SET updated_at = ?, disabled = 1 WHERE name = ?"
				  : "UPDATE users SET updated_at = ?, disabled = 0 WHERE name = ?",
			 name, now, name, NULL, e);
	if (rc == 0 && disabled)
		rc = exec_change(s, end_sessions_sql, NULL, 0, name, NULL, e);
	if (rc == 0 && disabled)
		rc = exec_change(s, revoke_tokens_sql, NULL, now, name, NULL, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

#define USER_COLS                                                                       \
	"u.id, u.name, u.display_name, u.role, u.org_id, o.slug, u.sector, u.disabled," \
	" u.created_at FROM users u LEFT JOIN orgs o ON o.id = u.org_id"

static void read_user(struct store_stmt *st, struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = stmt_int64(st, 0);
	auth_copy(u->name, sizeof(u->name), stmt_text(st, 1));
	auth_copy(u->display, sizeof(u->display), stmt_text(st, 2));
	u->role = auth_role_parse(stmt_text(st, 3));
	u->org_id = stmt_int64(st, 4);
	auth_copy(u->org_slug, sizeof(u->org_slug), stmt_text(st, 5));
	auth_copy(u->sector, sizeof(u->sector), stmt_text(st, 6));
	u->disabled = stmt_int64(st, 7) != 0;
	u->created_at = stmt_int64(st, 8);
}

int auth_user_get(struct store *s, const char *name, struct auth_user *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT " USER_COLS " WHERE u.name = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, name);
	rc = stmt_step(st, e);
	if (rc == 1)
		read_user(st, out);
	stmt_finalize(st);
	if (rc == 0)
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "name", "no user '%s'", name);
	return rc < 0 ? rc : 0;
}

int auth_user_list(struct store *s, auth_user_fn fn, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct auth_user u;
	int rc = store_prepare(s, "SELECT " USER_COLS " ORDER BY u.name", &st, e);

	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		read_user(st, &u);
		if ((rc = fn(&u, arg)))
			break;
	}
	stmt_finalize(st);
	return rc;
}

int auth_principal_load(struct store *s, int64_t user_id, struct auth_principal *p, bool *disabled,
			struct merr *e)
{
	struct store_stmt *st = NULL;
	struct auth_user u;
	int rc = store_prepare(s, "SELECT " USER_COLS " WHERE u.id = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, user_id);
	rc = stmt_step(st, e);
	if (rc == 1)
		read_user(st, &u);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no such user");
	if (rc < 0)
		return rc;
	memset(p, 0, sizeof(*p));
	p->user_id = u.id;
	p->role = u.role;
	auth_copy(p->name, sizeof(p->name), u.name);
	auth_copy(p->display, sizeof(p->display), u.display);
	p->org_id = u.org_id;
	auth_copy(p->org_slug, sizeof(p->org_slug), u.org_slug);
	auth_copy(p->sector, sizeof(p->sector), u.sector);
	*disabled = u.disabled;
	return 0;
}
