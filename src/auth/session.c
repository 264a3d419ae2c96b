/* session.c - login with throttling, browser sessions (only the SHA-256 of the cookie is
 * stored), CSRF tokens, and the randomness and hashing they share. */
#include "base/compat.h"

#include <pthread.h>
#include <sodium.h>

#include "auth/auth_int.h"

void auth_random_hex(char *out, size_t out_len, size_t n_bytes)
{
	unsigned char raw[64];

	if (n_bytes > sizeof(raw))
		n_bytes = sizeof(raw);
	if (out_len < 2 * n_bytes + 1 || auth_sodium_ready(NULL)) {
		if (out_len)
			out[0] = '\0';
		return;
	}
	randombytes_buf(raw, n_bytes);
	sodium_bin2hex(out, out_len, raw, n_bytes);
	sodium_memzero(raw, sizeof(raw));
}

void auth_sha256_hex(const char *s, size_t len, char out[AUTH_HEX_MAX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s, len);
	sodium_bin2hex(out, AUTH_HEX_MAX, h, sizeof(h));
}

bool auth_csrf_equal(const char *expected, const char *given)
{
	size_t n;

	if (!expected || !given || !expected[0])
		return false;
	n = strlen(expected);
	if (strlen(given) != n)
		return false;
	return sodium_memcmp(expected, given, n) == 0;
}

/* ---- throttle ---- */

int64_t auth_throttle_wait(struct store *s, const char *kind, const char *key, int64_t now)
{
	struct store_stmt *st = NULL;
	int64_t until = 0;

	if (store_prepare(s, "SELECT locked_until FROM login_throttle WHERE kind = ? AND key = ?",
			  &st, NULL))
		return 0;
	stmt_bind_text(st, 1, kind);
	stmt_bind_text(st, 2, key);
	if (stmt_step(st, NULL) == 1)
		until = stmt_int64(st, 0);
	stmt_finalize(st);
	return until > now ? until - now : 0;
}

/* The lock after `failures` failures when `free` are allowed: 0, then AUTH_THROTTLE_BASE
 * seconds doubling with each further failure up to AUTH_THROTTLE_MAX. */
static int64_t lock_for(int64_t failures, int64_t free)
{
	int64_t shift = failures - free, lock;

	if (failures < free)
		return 0;
	lock = shift > 10 ? AUTH_THROTTLE_MAX : (int64_t)AUTH_THROTTLE_BASE << shift;
	return lock > AUTH_THROTTLE_MAX ? AUTH_THROTTLE_MAX : lock;
}

/* Counts one failure for key and sets its lock. A key whose last failure is older than
 * twice the longest lock starts again from one. */
static int throttle_fail(struct store *s, const char *kind, const char *key, int64_t now,
			 int64_t free, struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO login_throttle (kind, key, failures, last_failure) VALUES (?, ?, 1, ?)"
	    " ON CONFLICT (kind, key) DO UPDATE SET failures = CASE WHEN excluded.last_failure"
	    " - login_throttle.last_failure > ? THEN 1 ELSE login_throttle.failures + 1 END,"
	    " last_failure = excluded.last_failure"
	    " RETURNING failures";
	struct store_stmt *st = NULL;
	int64_t failures = 0, lock;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, kind);
	stmt_bind_text(st, 2, key);
	stmt_bind_int64(st, 3, now);
	stmt_bind_int64(st, 4, 2 * AUTH_THROTTLE_MAX);
	rc = stmt_step(st, e);
	if (rc == 1)
		failures = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	lock = lock_for(failures, free);
	if ((rc = store_prepare(
		 s, "UPDATE login_throttle SET locked_until = ? WHERE kind = ? AND key = ?", &st,
		 e)))
		return rc;
	stmt_bind_int64(st, 1, lock ? now + lock : 0);
	stmt_bind_text(st, 2, kind);
	stmt_bind_text(st, 3, key);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int auth_throttle_fail(struct store *s, const char *kind, const char *key, int64_t now,
		       struct merr *e)
{
	return throttle_fail(s, kind, key, now, AUTH_THROTTLE_FREE, e);
}

static int throttle_exec(struct store *s, const char *sql, const char *kind, const char *key,
			 int64_t n, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, kind);
	stmt_bind_text(st, 2, key);
	stmt_bind_int64(st, 3, n);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int throttle_clear(struct store *s, const char *kind, const char *key, struct merr *e)
{
	return throttle_exec(s, "DELETE FROM login_throttle WHERE kind = ? AND key = ? AND ? = 0",
			     kind, key, 0, e);
}

/* Gives back one reserved failure of key (a login that turned out right). */
static int throttle_undo(struct store *s, const char *kind, const char *key, int64_t free,
			 struct merr *e)
{
	return throttle_exec(s,
			     "UPDATE login_throttle SET failures = max(failures - 1, 0),"
			     " locked_until = CASE WHEN failures - 1 < ?3 THEN 0 ELSE locked_until"
			     " END WHERE kind = ?1 AND key = ?2",
			     kind, key, free, e);
}

/* The key of a (user name, client address) pair: the name as tried, cut to a sane length. */
static void pair_key(char *out, size_t cap, const char *name, const char *client)
{
	snprintf(out, cap, "%.*s\t%s", AUTH_NAME_MAX - 1, name, client);
}

/* True when this user signed in from this address within AUTH_KNOWN_DAYS. */
static bool pair_known(struct store *s, const char *pair, int64_t now)
{
	struct store_stmt *st = NULL;
	bool yes = false;

	if (store_prepare(s,
			  "SELECT 1 FROM login_throttle WHERE kind = 'known' AND key = ?"
			  " AND last_failure > ?",
			  &st, NULL))
		return false;
	stmt_bind_text(st, 1, pair);
	stmt_bind_int64(st, 2, now - (int64_t)AUTH_KNOWN_DAYS * 86400);
	yes = stmt_step(st, NULL) == 1;
	stmt_finalize(st);
	return yes;
}

/* ---- login ---- */

static char dummy_hash[AUTH_HASH_STR_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash to verify against when the user does not exist, so the answer takes as long. */
static void make_dummy_hash(void)
{
	char pw[AUTH_HEX_MAX];

	auth_random_hex(pw, sizeof(pw), 16);
	if (auth_password_hash(pw, dummy_hash, sizeof(dummy_hash), NULL))
		dummy_hash[0] = '\0';
}

struct login_row {
	int64_t id;
	bool found, disabled;
	char hash[AUTH_HASH_STR_MAX];
};

static int read_login_row(struct store *s, const char *name, struct login_row *r, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT id, password_hash, disabled FROM users WHERE name = ?",
			       &st, e);

	memset(r, 0, sizeof(*r));
	if (rc)
		return rc;
	stmt_bind_text(st, 1, name);
	rc = stmt_step(st, e);
	if (rc == 1) {
		r->found = true;
		r->id = stmt_int64(st, 0);
		auth_copy(r->hash, sizeof(r->hash), stmt_text(st, 1));
		r->disabled = stmt_int64(st, 2) != 0;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int audit_tx(struct store *s, const char *name, const char *action, const char *client,
		    int64_t now)
{
	char actor[AUTH_NAME_MAX];

	auth_copy(actor, sizeof(actor), name);
	if (store_begin_immediate(s, NULL))
		return M_ESTORE;
	if (auth_audit(s, actor, action, client, NULL, now, NULL)) {
		store_rollback(s);
		return M_ESTORE;
	}
	return store_commit(s, NULL);
}

/* Deletes a few rows that no longer count: failures older than twice the longest lock (the
 * next failure would start again from one) and known pairs older than AUTH_KNOWN_DAYS. A
 * few per attempt keeps the table bounded by the attempt rate without a long delete. */
static int prune(struct store *s, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    s,
	    "DELETE FROM login_throttle WHERE (kind, key) IN (SELECT kind, key FROM login_throttle"
	    " WHERE last_failure < ?1 AND (kind <> 'known' OR last_failure < ?2) LIMIT 16)",
	    &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now - 2 * AUTH_THROTTLE_MAX);
	stmt_bind_int64(st, 2, now - (int64_t)AUTH_KNOWN_DAYS * 86400);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/*
 * Before the password is checked: in one write transaction, refuses a locked key or counts the
 * attempt as a failure in advance on every key, so that concurrent attempts cannot all pass the
 * check before any is recorded (argon2id takes ~70 ms). *wait receives the seconds to wait when
 * refused (the refusal is audited as login.throttled).
 */
static int reserve_attempt(struct store *s, const char *name, const char *client, const char *pair,
			   int64_t now, int64_t *wait, struct merr *e)
{
	char actor[AUTH_NAME_MAX];
	int64_t w[3];
	int rc;

	auth_copy(actor, sizeof(actor), name);
	if ((rc = store_begin_immediate(s, e)))
		return rc;
	if ((rc = prune(s, now, e))) {
		store_rollback(s);
		return rc;
	}
	w[0] = auth_throttle_wait(s, "login", pair, now);
	w[1] = pair_known(s, pair, now) ? 0 : auth_throttle_wait(s, "user", actor, now);
	w[2] = auth_throttle_wait(s, "laddr", client, now);
	*wait = 0;
	for (size_t i = 0; i < 3; i++)
		*wait = w[i] > *wait ? w[i] : *wait;
	if (*wait)
		rc = auth_audit(s, actor, "login.throttled", client, NULL, now, e);
	else if (!(rc = throttle_fail(s, "login", pair, now, AUTH_THROTTLE_FREE, e)) &&
		 !(rc = throttle_fail(s, "user", actor, now, AUTH_THROTTLE_USER_FREE, e)))
		rc = throttle_fail(s, "laddr", client, now, AUTH_THROTTLE_ADDR_FREE, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

/* A right password: the pair and the user start again, the address gets its reserved
 * attempt back, and the pair is remembered as known. */
static int login_succeeded(struct store *s, const char *name, const char *client, const char *pair,
			   int64_t now, struct merr *e)
{
	int rc;

	if ((rc = store_begin_immediate(s, e)))
		return rc;
	if (!(rc = throttle_clear(s, "login", pair, e)) &&
	    !(rc = throttle_clear(s, "user", name, e)) &&
	    !(rc = throttle_undo(s, "laddr", client, AUTH_THROTTLE_ADDR_FREE, e)) &&
	    !(rc = throttle_exec(s,
				 "INSERT INTO login_throttle (kind, key, failures, last_failure)"
				 " VALUES (?1, ?2, 0, ?3) ON CONFLICT (kind, key) DO UPDATE SET"
				 " last_failure = excluded.last_failure",
				 "known", pair, now, e)))
		rc = auth_audit(s, name, "login", client, NULL, now, e);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int auth_login(struct store *s, const char *name, const char *password, const char *client,
	       int64_t now, struct auth_principal *p, int64_t *retry_after, struct merr *e)
{
	struct login_row r;
	char pair[AUTH_NAME_MAX + 64];
	bool ok, disabled = false;
	int rc;

	memset(p, 0, sizeof(*p));
	*retry_after = 0;
	if (!name || !password || !client)
		return merr_set(e, M_EINVAL, "name, password and client are required");
	if ((rc = auth_sodium_ready(e)))
		return rc;
	pair_key(pair, sizeof(pair), name, client);
	if ((rc = reserve_attempt(s, name, client, pair, now, retry_after, e)))
		return rc;
	if (*retry_after)
		return merr_set(
		    e, M_ETIMEOUT,
		    "ログイン試行が多すぎます。%lld 秒後に再試行してください / too many "
		    "failed logins; try again in %lld s",
		    (long long)*retry_after, (long long)*retry_after);
	if ((rc = read_login_row(s, name, &r, e)))
		return rc;
	pthread_once(&dummy_once, make_dummy_hash);
	/* Verify even when there is no such user, so timing does not tell who exists. A
	 * password longer than any that can be set is wrong without hashing a megabyte. */
	ok = strlen(password) <= AUTH_PASSWORD_MAX &&
	     auth_password_verify(r.found ? r.hash : dummy_hash, password) && r.found;
	sodium_memzero(r.hash, sizeof(r.hash));
	if (ok && !r.disabled) {
		if ((rc = auth_principal_load(s, r.id, p, &disabled, e)))
			return rc;
		return login_succeeded(s, name, client, pair, now, e);
	}
	/* The failure was counted when the attempt was reserved. */
	audit_tx(s, name, ok ? "login.disabled" : "login.failed", client, now);
	return merr_set(e, M_EPERM,
			"ユーザー名またはパスワードが違います / wrong user name or password");
}

/* ---- sessions ---- */

int auth_session_start(struct store *s, struct auth_principal *p, const char *client, int64_t now,
		       char cookie[AUTH_HEX_MAX], struct merr *e)
{
	static const char sql[] =
	    "INSERT INTO sessions (id_hash, user_id, csrf, client, created_at,"
	    " last_seen) VALUES (?, ?, ?, ?, ?, ?)";
	struct store_stmt *st = NULL;
	char hash[AUTH_HEX_MAX];
	int rc;

	if ((rc = auth_sodium_ready(e)))
		return rc;
	auth_random_hex(cookie, AUTH_HEX_MAX, 32);
	auth_random_hex(p->csrf, sizeof(p->csrf), 32);
	auth_sha256_hex(cookie, strlen(cookie), hash);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_text(st, 1, hash);
	stmt_bind_int64(st, 2, p->user_id);
	stmt_bind_text(st, 3, p->csrf);
	stmt_bind_text(st, 4, client);
	stmt_bind_int64(st, 5, now);
	stmt_bind_int64(st, 6, now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	p->session_created = p->session_seen = now;
	return rc < 0 ? rc : 0;
}

static int exec_hash(struct store *s, const char *sql, int64_t n, const char *hash, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, n);
	stmt_bind_text(st, 2, hash);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int auth_session_lookup(struct store *s, const char *cookie, const struct auth_session_limits *lim,
			int64_t now, struct auth_principal *p, struct merr *e)
{
	struct store_stmt *st = NULL;
	char hash[AUTH_HEX_MAX], csrf[AUTH_HEX_MAX] = "";
	int64_t user_id = 0, created = 0, seen = 0;
	bool disabled = false;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!auth_is_hex64(cookie))
		return merr_set(e, M_ENOTFOUND, "no such session");
	auth_sha256_hex(cookie, 64, hash);
	rc = store_prepare(s,
			   "SELECT user_id, csrf, created_at, last_seen FROM sessions"
			   " WHERE id_hash = ?",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, hash);
	rc = stmt_step(st, e);
	if (rc == 1) {
		user_id = stmt_int64(st, 0);
		auth_copy(csrf, sizeof(csrf), stmt_text(st, 1));
		created = stmt_int64(st, 2);
		seen = stmt_int64(st, 3);
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no such session");
	if (now - seen > lim->idle || now - created > lim->absolute) {
		exec_hash(s, "DELETE FROM sessions WHERE ? >= 0 AND id_hash = ?", 0, hash, NULL);
		return merr_set(e, M_ETIMEOUT, "セッションの有効期限切れ / session expired");
	}
	if ((rc = auth_principal_load(s, user_id, p, &disabled, e)))
		return rc;
	if (disabled) {
		memset(p, 0, sizeof(*p));
		return merr_set(e, M_EPERM, "user disabled");
	}
	auth_copy(p->csrf, sizeof(p->csrf), csrf);
	p->session_created = created;
	p->session_seen = seen;
	/* Write at most once a minute (sooner for short idle limits): reads should not all
	 * turn into writes. */
	if (now - seen >= (lim->idle / 2 < 60 ? lim->idle / 2 : 60))
		exec_hash(s, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", now, hash,
			  NULL);
	return 0;
}

int auth_session_end(struct store *s, const char *cookie, struct merr *e)
{
	char hash[AUTH_HEX_MAX];

	if (!auth_is_hex64(cookie))
		return 0;
	auth_sha256_hex(cookie, 64, hash);
	return exec_hash(s, "DELETE FROM sessions WHERE ? >= 0 AND id_hash = ?", 0, hash, e);
}
