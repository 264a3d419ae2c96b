/* test_auth.c - accounts and roles, argon2id hashing, sessions and their expiry, CSRF,
 * login throttling, API tokens, the audit log. */
#include "base/compat.h"

#include <pthread.h>

#include "auth/auth.h"
#include "base/chain.h"
#include "inventory/inventory.h"
#include "testutil.h"

static const char inventory_yaml[] = "version: 1\n"
				     "organisations:\n"
				     "  - id: org-a\n"
				     "    name: { ja: 甲株式会社, en: A Co. }\n"
				     "    sector: railways\n"
				     "  - id: org-b\n"
				     "    name: { ja: 乙株式会社 }\n"
				     "    sector: water\n";

#define T0 1790000000 /* a fixed "now" */

/* A fresh store with two organisations. */
static struct store *new_store(const char *name)
{
	char path[512];
	struct store *s = NULL;
	struct inv_doc *d = NULL;
	struct merr e;

	tu_path(path, sizeof(path), name);
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(inv_parse_yaml(inventory_yaml, strlen(inventory_yaml), "t.yaml", &d, &e),
			 0);
	assert_int_equal(inv_import(s, d, T0, false, NULL, &e), 0);
	inv_doc_free(d);
	return s;
}

static void add_user(struct store *s, const char *name, enum auth_role role, const char *org,
		     const char *sector)
{
	struct auth_user_spec u = {name, NULL, role, org, sector, "correct horse 1"};
	struct merr e;

	merr_init(&e);
	assert_int_equal(auth_user_add(s, &u, T0, NULL, &e), 0);
}

static int64_t count(struct store *s, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(store_query_int(s, sql, &n, NULL), 0);
	return n;
}

static void test_auth__hash_verifies_only_the_right_password(void **state)
{
	char h[AUTH_HASH_STR_MAX], h2[AUTH_HASH_STR_MAX];

	assert_int_equal(auth_password_hash("a long password", h, sizeof(h), NULL), 0);
	assert_true(strncmp(h, "$argon2id$", 10) == 0);
	assert_true(auth_password_verify(h, "a long password"));
	assert_false(auth_password_verify(h, "a long passworD"));
	assert_false(auth_password_verify(h, ""));
	/* salted: the same password hashes differently */
	assert_int_equal(auth_password_hash("a long password", h2, sizeof(h2), NULL), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(auth_password_hash("short", h, sizeof(h), NULL), M_EINVAL);
}

static void test_auth__user_roles_need_their_org_or_sector(void **state)
{
	struct store *s = new_store("users.db");
	struct auth_user_spec u = {"op", NULL, AUTH_ROLE_OPERATOR, NULL, NULL, "correct horse 1"};
	struct auth_user got;
	struct merr e;

	merr_init(&e);
	assert_int_equal(auth_user_add(s, &u, T0, NULL, &e), M_EINVAL); /* operator, no org */
	u.org_slug = "no-such-org";
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), M_ENOTFOUND);
	u.org_slug = "org-a";
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), 0);
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), M_EEXIST);
	u = (struct auth_user_spec){"bu", NULL,	      AUTH_ROLE_BUREAU,
				    NULL, "railways", "correct horse 1"};
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), 0);
	u = (struct auth_user_spec){"an",    NULL, AUTH_ROLE_ANALYST,
				    "org-a", NULL, "correct horse 1"};
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), M_EINVAL); /* analyst with org */
	u = (struct auth_user_spec){"Bad Name", NULL, AUTH_ROLE_ADMIN,
				    NULL,	NULL, "correct horse 1"};
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), M_EINVAL);
	u = (struct auth_user_spec){"x",  "\xff\xfe", AUTH_ROLE_ADMIN,
				    NULL, NULL,	      "correct horse 1"};
	assert_int_equal(auth_user_add(s, &u, T0, NULL, NULL), M_EINVAL); /* display not UTF-8 */
	assert_int_equal(auth_user_get(s, "op", &got, NULL), 0);
	assert_int_equal(got.role, AUTH_ROLE_OPERATOR);
	assert_string_equal(got.org_slug, "org-a");
	assert_int_equal(auth_user_get(s, "bu", &got, NULL), 0);
	assert_string_equal(got.sector, "railways");
	/* only hashes are stored */
	assert_int_equal(count(s, "SELECT count(*) FROM users WHERE password_hash LIKE '%horse%'"),
			 0);
	store_close(s);
}

static void test_auth__session_expires_when_idle_and_absolutely(void **state)
{
	struct store *s = new_store("sess.db");
	struct auth_session_limits lim = {600, 3600};
	struct auth_principal p, q;
	char cookie[AUTH_HEX_MAX];
	int64_t wait;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "127.0.0.1", T0, &p, &wait, NULL),
			 0);
	assert_int_equal(auth_session_start(s, &p, "127.0.0.1", T0, cookie, NULL), 0);
	assert_int_equal(strlen(cookie), 64);
	assert_int_equal(strlen(p.csrf), 64);
	/* the cookie value itself is not in the store, only its SHA-256 */
	assert_int_equal(count(s, "SELECT count(*) FROM sessions"), 1);
	{
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE id_hash = '%s'",
			 cookie);
		assert_int_equal(count(s, sql), 0);
	}
	assert_int_equal(auth_session_lookup(s, cookie, &lim, T0 + 500, &q, NULL), 0);
	assert_string_equal(q.name, "ana");
	assert_string_equal(q.csrf, p.csrf);
	/* touched at T0+500, so idle counts from there */
	assert_int_equal(auth_session_lookup(s, cookie, &lim, T0 + 1100, &q, NULL), 0);
	assert_int_equal(auth_session_lookup(s, cookie, &lim, T0 + 1701, &q, NULL), M_ETIMEOUT);
	assert_int_equal(auth_session_lookup(s, cookie, &lim, T0 + 1701, &q, NULL), M_ENOTFOUND);
	/* absolute limit, however busy */
	assert_int_equal(auth_session_start(s, &p, "127.0.0.1", T0, cookie, NULL), 0);
	for (int64_t t = T0; t < T0 + 3600; t += 300)
		assert_int_equal(auth_session_lookup(s, cookie, &lim, t, &q, NULL), 0);
	assert_int_equal(auth_session_lookup(s, cookie, &lim, T0 + 3601, &q, NULL), M_ETIMEOUT);
	/* malformed cookies are simply unknown */
	assert_int_equal(auth_session_lookup(s, "' OR 1=1 --", &lim, T0, &q, NULL), M_ENOTFOUND);
	assert_int_equal(q.role, AUTH_ROLE_NONE);
	store_close(s);
}

static void test_auth__logout_and_disable_end_sessions(void **state)
{
	struct store *s = new_store("end.db");
	struct auth_session_limits lim = {600, 3600};
	struct auth_principal p, q;
	char c1[AUTH_HEX_MAX], c2[AUTH_HEX_MAX];
	int64_t wait;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "127.0.0.1", T0, &p, &wait, NULL),
			 0);
	assert_int_equal(auth_session_start(s, &p, "127.0.0.1", T0, c1, NULL), 0);
	assert_int_equal(auth_session_start(s, &p, "127.0.0.1", T0, c2, NULL), 0);
	assert_int_equal(auth_session_end(s, c1, NULL), 0);
	assert_int_equal(auth_session_lookup(s, c1, &lim, T0, &q, NULL), M_ENOTFOUND);
	assert_int_equal(auth_session_lookup(s, c2, &lim, T0, &q, NULL), 0);
	assert_int_equal(auth_user_set_disabled(s, "ana", true, T0, NULL), 0);
	assert_int_equal(auth_session_lookup(s, c2, &lim, T0, &q, NULL), M_ENOTFOUND);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "127.0.0.2", T0, &p, &wait, NULL),
			 M_EPERM);
	assert_int_equal(auth_user_passwd(s, "ana", "a new password", T0, NULL), 0);
	assert_int_equal(auth_user_set_disabled(s, "ana", false, T0, NULL), 0);
	assert_int_equal(auth_login(s, "ana", "a new password", "127.0.0.3", T0, &p, &wait, NULL),
			 0);
	store_close(s);
}

static void test_auth__csrf_compare_is_exact(void **state)
{
	char a[AUTH_HEX_MAX], b[AUTH_HEX_MAX];

	auth_random_hex(a, sizeof(a), 32);
	auth_random_hex(b, sizeof(b), 32);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	assert_true(auth_csrf_equal(a, a));
	assert_false(auth_csrf_equal(a, b));
	assert_false(auth_csrf_equal(a, ""));
	assert_false(auth_csrf_equal(a, NULL));
	assert_false(auth_csrf_equal("", ""));
	b[0] = '\0';
	strncat(b, a, 63); /* a prefix is not enough */
	assert_false(auth_csrf_equal(a, b));
}

static void test_auth__throttles_after_five_failures(void **state)
{
	struct store *s = new_store("throttle.db");
	struct auth_principal p;
	int64_t wait = 0, t = T0;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	for (int i = 0; i < AUTH_THROTTLE_FREE; i++)
		assert_int_equal(
		    auth_login(s, "ana", "wrong password", "10.0.0.1", t++, &p, &wait, NULL),
		    M_EPERM);
	/* now even the right password waits, from that address */
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.0.0.1", t, &p, &wait, NULL),
			 M_ETIMEOUT);
	assert_true(wait > 0 && wait <= AUTH_THROTTLE_BASE);
	assert_true(auth_throttle_wait(s, "login", "ana\t10.0.0.1", t) > 0);
	/* but not from another: failures elsewhere do not lock a named account out */
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.0.0.9", t, &p, &wait, NULL),
			 0);
	/* after the lock, one more failure doubles it */
	t += AUTH_THROTTLE_BASE + 1;
	assert_int_equal(auth_login(s, "ana", "wrong again!", "10.0.0.1", t, &p, &wait, NULL),
			 M_EPERM);
	assert_true(auth_throttle_wait(s, "login", "ana\t10.0.0.1", t) > AUTH_THROTTLE_BASE);
	t += 2 * AUTH_THROTTLE_BASE + 1;
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.0.0.1", t, &p, &wait, NULL),
			 0);
	assert_int_equal(auth_throttle_wait(s, "login", "ana\t10.0.0.1", t), 0);
	/* recorded in the audit log */
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"),
			 6);
	assert_int_equal(
	    count(s, "SELECT count(*) FROM audit_log WHERE action = 'login.throttled'"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action = 'login'"), 2);
	/* rows that no longer count are pruned by later attempts: the table stays bounded */
	for (int i = 0; i < 40; i++) {
		char name[24];
		snprintf(name, sizeof(name), "nobody%d", i);
		assert_int_equal(auth_login(s, name, "x", "10.8.8.8", t, &p, &wait, NULL) == 0, 0);
	}
	assert_true(count(s, "SELECT count(*) FROM login_throttle") > 48);
	t += 2 * AUTH_THROTTLE_MAX + 10;
	for (int i = 0; i < 4; i++) /* 16 a time */
		assert_int_equal(
		    auth_login(s, "ana", "correct horse 1", "10.0.0.1", t, &p, &wait, NULL), 0);
	/* left: the known pairs (ana from two addresses) and the last attempts' own rows */
	assert_true(count(s, "SELECT count(*) FROM login_throttle WHERE kind <> 'known'") <= 2);
	store_close(s);
}

static void test_auth__throttles_an_address_across_names(void **state)
{
	struct store *s = new_store("addr.db");
	struct auth_principal p;
	char name[16];
	int64_t wait = 0;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	for (int i = 0; i < AUTH_THROTTLE_ADDR_FREE; i++) {
		snprintf(name, sizeof(name), "guess%d", i);
		assert_int_equal(
		    auth_login(s, name, "wrong password", "10.9.9.9", T0, &p, &wait, NULL),
		    M_EPERM);
	}
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.9.9.9", T0, &p, &wait, NULL),
			 M_ETIMEOUT);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.1.1.1", T0, &p, &wait, NULL),
			 0);
	/* unknown acknowledgement links counted against an address do not lock its logins */
	for (int i = 0; i < 2 * AUTH_THROTTLE_FREE; i++)
		assert_int_equal(auth_throttle_fail(s, "addr", "10.7.7.7", T0, NULL), 0);
	assert_true(auth_throttle_wait(s, "addr", "10.7.7.7", T0) > 0);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.7.7.7", T0, &p, &wait, NULL),
			 0);
	store_close(s);
}

static void test_auth__user_limit_spares_known_addresses(void **state)
{
	struct store *s = new_store("spray.db");
	struct auth_principal p;
	char addr[32];
	int64_t wait = 0;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.0.0.1", T0, &p, &wait, NULL),
			 0);
	/* one failure from each of many addresses: no pair and no address reaches its limit */
	for (int i = 0; i < AUTH_THROTTLE_USER_FREE; i++) {
		snprintf(addr, sizeof(addr), "10.2.0.%d", i);
		assert_int_equal(auth_login(s, "ana", "spray", addr, T0, &p, &wait, NULL), M_EPERM);
	}
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.3.3.3", T0, &p, &wait, NULL),
			 M_ETIMEOUT);
	assert_true(wait > 0);
	/* the address ana signed in from before is not shut out */
	assert_int_equal(auth_login(s, "ana", "correct horse 1", "10.0.0.1", T0, &p, &wait, NULL),
			 0);
	store_close(s);
}

#define RACERS 8

struct racer {
	const char *path;
	pthread_barrier_t *go;
	int rc;
};

static void *race_login(void *arg)
{
	struct racer *x = arg;
	struct store *s = NULL;
	struct auth_principal p;
	int64_t wait = 0;

	x->rc = -1000;
	if (store_open(x->path, &s, NULL))
		return NULL;
	pthread_barrier_wait(x->go);
	x->rc = auth_login(s, "ana", "wrong password", "10.5.5.5", T0, &p, &wait, NULL);
	store_close(s);
	return NULL;
}

/* Concurrent attempts: the allowance is taken before the ~70 ms password check, so no more
 * than AUTH_THROTTLE_FREE are checked however many arrive at once. */
static void test_auth__throttle_holds_under_concurrent_attempts(void **state)
{
	struct store *s = new_store("race.db");
	struct racer x[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t go;
	char path[512];
	int eperm = 0, timeout = 0;

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	tu_path(path, sizeof(path), "race.db");
	pthread_barrier_init(&go, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		x[i] = (struct racer){path, &go, 0};
		assert_int_equal(pthread_create(&th[i], NULL, race_login, &x[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		eperm += x[i].rc == M_EPERM;
		timeout += x[i].rc == M_ETIMEOUT;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(eperm, AUTH_THROTTLE_FREE);
	assert_int_equal(timeout, RACERS - AUTH_THROTTLE_FREE);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"),
			 AUTH_THROTTLE_FREE);
	store_close(s);
}

static void test_auth__token_carries_role_org_and_is_stored_hashed(void **state)
{
	struct store *s = new_store("tok.db");
	struct auth_principal p;
	char tok[AUTH_TOKEN_MAX], sql[300];

	add_user(s, "opa", AUTH_ROLE_OPERATOR, "org-a", NULL);
	assert_int_equal(auth_token_create(s, "opa", "ci", T0, T0 + 86400, tok, NULL), 0);
	assert_true(strncmp(tok, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) == 0);
	assert_int_equal(auth_token_lookup(s, tok, T0 + 10, &p, NULL), 0);
	assert_int_equal(p.role, AUTH_ROLE_OPERATOR);
	assert_string_equal(p.org_slug, "org-a");
	assert_true(p.via_token);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM api_tokens WHERE hash = '%s'", tok);
	assert_int_equal(count(s, sql), 0);
	assert_int_equal(auth_token_lookup(s, tok, T0 + 86401, &p, NULL), M_ETIMEOUT);
	tok[strlen(tok) - 1] ^= 1;
	assert_int_equal(auth_token_lookup(s, tok, T0, &p, NULL), M_ENOTFOUND);
	assert_int_equal(auth_token_lookup(s, "Bearer x", T0, &p, NULL), M_ENOTFOUND);
	assert_int_equal(auth_token_create(s, "opa", NULL, T0, 0, tok, NULL), 0);
	assert_int_equal(auth_user_set_disabled(s, "opa", true, T0, NULL), 0);
	assert_int_equal(auth_token_lookup(s, tok, T0, &p, NULL), M_EPERM);
	assert_int_equal(p.role, AUTH_ROLE_NONE);
	assert_int_equal(auth_token_create(s, "nobody", NULL, T0, 0, tok, NULL), M_ENOTFOUND);
	store_close(s);
}

static int tok_row(const struct auth_token_info *t, void *arg)
{
	int64_t *v = arg; /* [0] rows, [1] live, [2] id of the first used one */

	v[0]++;
	v[1] += !t->revoked;
	if (t->last_used_at && !v[2])
		v[2] = t->id;
	return 0;
}

static void test_auth__tokens_revoked_for_good(void **state)
{
	struct store *s = new_store("tokrev.db");
	struct auth_principal p;
	char a[AUTH_TOKEN_MAX], b[AUTH_TOKEN_MAX];
	int64_t v[3] = {0};

	add_user(s, "ana", AUTH_ROLE_ANALYST, NULL, NULL);
	add_user(s, "bob", AUTH_ROLE_ANALYST, NULL, NULL);
	assert_int_equal(auth_token_create(s, "ana", "x", T0, 0, a, NULL), 0);
	assert_int_equal(auth_user_passwd(s, "ana", "another horse 2", T0, NULL), 0);
	assert_int_equal(auth_token_lookup(s, a, T0, &p, NULL), M_EPERM);
	assert_int_equal(auth_token_create(s, "ana", "y", T0, 0, a, NULL), 0);
	assert_int_equal(auth_user_set_disabled(s, "ana", true, T0, NULL), 0);
	assert_int_equal(auth_user_set_disabled(s, "ana", false, T0, NULL), 0);
	assert_int_equal(auth_token_lookup(s, a, T0, &p, NULL), M_EPERM);
	/* list and revoke one */
	assert_int_equal(auth_token_create(s, "ana", "z", T0, 0, a, NULL), 0);
	assert_int_equal(auth_token_create(s, "ana", NULL, T0, 0, b, NULL), 0);
	assert_int_equal(auth_token_lookup(s, a, T0 + 5, &p, NULL), 0);
	assert_int_equal(auth_token_list(s, "ana", tok_row, v, NULL), 0);
	assert_int_equal(v[0], 4);
	assert_int_equal(v[1], 2);
	assert_true(v[2] > 0);
	assert_int_equal(auth_token_revoke(s, "bob", v[2], T0, NULL), M_ENOTFOUND);
	assert_int_equal(auth_token_lookup(s, a, T0, &p, NULL), 0);
	assert_int_equal(auth_token_revoke(s, "ana", v[2], T0, NULL), 0);
	assert_int_equal(auth_token_lookup(s, a, T0, &p, NULL), M_EPERM);
	assert_int_equal(auth_token_lookup(s, b, T0, &p, NULL), 0);
	assert_int_equal(auth_token_list(s, "nobody", tok_row, v, NULL), M_ENOTFOUND);
	store_close(s);
}

static int count_rows(const struct auth_audit_row *r, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_auth__audit_lists_newest_first(void **state)
{
	struct store *s = new_store("audit.db");
	int n = 0;
	int64_t total = 0, before = count(s, "SELECT count(*) FROM audit_log");

	for (int i = 0; i < 5; i++)
		assert_int_equal(auth_audit(s, "ana", "org.read", "org-a", NULL, T0 + i, NULL), 0);
	assert_int_equal(auth_audit_list(s, 3, 1, count_rows, &n, &total, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(total, before + 5);
	assert_int_equal(auth_role_parse("bureau"), AUTH_ROLE_BUREAU);
	assert_int_equal(auth_role_parse("root"), AUTH_ROLE_NONE);
	assert_string_equal(auth_role_name(AUTH_ROLE_NONE), "anonymous");
	store_close(s);
}

/* The rows' chain hashes, in id order, joined ("" when none). */
static void hashes(struct store *s, char *out, size_t cap)
{
	struct store_stmt *st = NULL;

	assert_int_equal(store_prepare(s,
				       "SELECT group_concat(hash, ',') FROM "
				       "(SELECT hash FROM audit_log ORDER BY id)",
				       &st, NULL),
			 0);
	assert_int_equal(stmt_step(st, NULL), 1);
	snprintf(out, cap, "%s", stmt_text(st, 0) ? stmt_text(st, 0) : "");
	stmt_finalize(st);
}

/* The console's queued read rows go in with one INSERT each and one seal: the rows and the
 * chain are those of one auth_audit per row (audit verify sees no difference). */
static void test_auth__audit_many_is_the_same_chain_as_one_by_one(void **state)
{
	struct store *a = new_store("audit_one.db"), *b = new_store("audit_many.db");
	const struct auth_audit_row rows[] = {
	    {0, T0 + 1, "ana", "org.read", "/api/v1/orgs/org-a", NULL},
	    {0, T0 + 2, "", "denied", NULL, "{\"why\":\"role\"}"},
	    {0, T0 + 2, "bob", "finding.read", "/api/v1/findings/7", NULL},
	};
	char ha[16384], hb[16384];
	struct chain_verify va, vb;
	int64_t before = count(a, "SELECT count(*) FROM audit_log");

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		assert_int_equal(auth_audit(a, rows[i].actor, rows[i].action, rows[i].object,
					    rows[i].detail, rows[i].at, NULL),
				 0);
	assert_int_equal(auth_audit_many(b, rows, ARRAY_SIZE(rows), NULL), 0);
	assert_int_equal(count(b, "SELECT count(*) FROM audit_log"), before + 3);
	assert_int_equal(count(b, "SELECT count(*) FROM audit_log WHERE actor = '?' AND "
				  "action = 'denied' AND object IS NULL AND detail IS NOT NULL"),
			 1);
	hashes(a, ha, sizeof(ha));
	hashes(b, hb, sizeof(hb));
	assert_true(strlen(ha) > 64);
	assert_string_equal(ha, hb);
	assert_int_equal(auth_audit_verify(b, &vb, NULL), 0);
	assert_int_equal(auth_audit_verify(a, &va, NULL), 0);
	assert_int_equal(vb.broken_id, 0);
	assert_int_equal(vb.unsealed, 0);
	assert_int_equal(vb.rows, va.rows);
	/* nothing: nothing written, still intact */
	assert_int_equal(auth_audit_many(b, rows, 0, NULL), 0);
	assert_int_equal(count(b, "SELECT count(*) FROM audit_log"), before + 3);
	store_close(a);
	store_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_auth__hash_verifies_only_the_right_password),
	    cmocka_unit_test(test_auth__user_roles_need_their_org_or_sector),
	    cmocka_unit_test(test_auth__session_expires_when_idle_and_absolutely),
	    cmocka_unit_test(test_auth__logout_and_disable_end_sessions),
	    cmocka_unit_test(test_auth__csrf_compare_is_exact),
	    cmocka_unit_test(test_auth__throttles_after_five_failures),
	    cmocka_unit_test(test_auth__throttles_an_address_across_names),
	    cmocka_unit_test(test_auth__user_limit_spares_known_addresses),
	    cmocka_unit_test(test_auth__throttle_holds_under_concurrent_attempts),
	    cmocka_unit_test(test_auth__token_carries_role_org_and_is_stored_hashed),
	    cmocka_unit_test(test_auth__tokens_revoked_for_good),
	    cmocka_unit_test(test_auth__audit_lists_newest_first),
	    cmocka_unit_test(test_auth__audit_many_is_the_same_chain_as_one_by_one),
	};
	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
