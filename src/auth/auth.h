/*
 * auth.h - who may use the console and the API: users and roles, password hashing
 * (argon2id), browser sessions with CSRF tokens, API tokens, login throttling and the audit log.
 */
#ifndef MAMORI_AUTH_H
#define MAMORI_AUTH_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"

/* Roles. AUTH_ROLE_NONE is the anonymous caller. */
enum auth_role {
	AUTH_ROLE_NONE = 0,
	AUTH_ROLE_ANALYST,  /* everything */
	AUTH_ROLE_BUREAU,   /* its sector, read-only */
	AUTH_ROLE_OPERATOR, /* its own organisation only */
	AUTH_ROLE_MEMBER,   /* sharing endpoints only */
	AUTH_ROLE_ADMIN,    /* user accounts */
	AUTH_ROLE_COUNT
};

/* One bit per role, for the route table's "who may" column. */
#define AUTH_BIT(r) (1u << (r))
#define AUTH_ANON AUTH_BIT(AUTH_ROLE_NONE)
#define AUTH_ANALYST AUTH_BIT(AUTH_ROLE_ANALYST)
#define AUTH_BUREAU AUTH_BIT(AUTH_ROLE_BUREAU)
#define AUTH_OPERATOR AUTH_BIT(AUTH_ROLE_OPERATOR)
#define AUTH_MEMBER AUTH_BIT(AUTH_ROLE_MEMBER)
#define AUTH_ADMIN AUTH_BIT(AUTH_ROLE_ADMIN)
#define AUTH_SIGNED_IN (AUTH_ANALYST | AUTH_BUREAU | AUTH_OPERATOR | AUTH_MEMBER | AUTH_ADMIN)
#define AUTH_EVERYONE (AUTH_ANON | AUTH_SIGNED_IN)

/* "analyst", ... ("anonymous" for NONE); never NULL. */
const char *auth_role_name(enum auth_role r);
/* Parses a role name; returns AUTH_ROLE_NONE when unknown. */
enum auth_role auth_role_parse(const char *s);

#define AUTH_NAME_MAX 64
#define AUTH_DISPLAY_MAX 128
#define AUTH_SLUG_MAX 64
#define AUTH_SECTOR_MAX 32
#define AUTH_HEX_MAX 65 /* 64 hex digits of a 256-bit value and NUL */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 256

/* Who is calling: filled by a session or token lookup; all zero for anonymous. */
struct auth_principal {
	int64_t user_id;
	enum auth_role role;
	char name[AUTH_NAME_MAX];
	char display[AUTH_DISPLAY_MAX];
	int64_t org_id;		      /* operator: its organisation; 0 otherwise */
	char org_slug[AUTH_SLUG_MAX]; /* operator: its organisation's slug */
	char sector[AUTH_SECTOR_MAX]; /* bureau: its sector */
	char csrf[AUTH_HEX_MAX];      /* session's form token ("" for API tokens) */
	bool via_token;		      /* authenticated by an API token (no CSRF needed) */
	int64_t session_created, session_seen;
};

struct auth_user {
	int64_t id;
	char name[AUTH_NAME_MAX];
	char display[AUTH_DISPLAY_MAX];
	enum auth_role role;
	int64_t org_id;
	char org_slug[AUTH_SLUG_MAX];
	char sector[AUTH_SECTOR_MAX];
	bool disabled;
	int64_t created_at;
};

/* ---- passwords ---- */

/* Hashes password with argon2id (libsodium crypto_pwhash_str, interactive limits) into
 * out (at least AUTH_HASH_STR_MAX bytes). Returns 0, M_EINVAL (length outside
 * [AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX]) or M_ENOMEM. */
#define AUTH_HASH_STR_MAX 128
int auth_password_hash(const char *password, char *out, size_t out_len, struct merr *e);
/* True when password matches hash (constant time inside libsodium). */
bool auth_password_verify(const char *hash, const char *password);

/* ---- users ---- */

struct auth_user_spec {
	const char *name;     /* [a-z0-9._-], 1..63 */
	const char *display;  /* UTF-8; NULL means the name */
	enum auth_role role;  /* not NONE */
	const char *org_slug; /* operator: required; others: must be NULL */
	const char *sector;   /* bureau: required; others: must be NULL */
	const char *password; /* AUTH_PASSWORD_MIN.. chars */
};

/* Adds a user. Errors: M_EINVAL (bad name, role, password, org/sector missing or given
 * where it does not belong, display not UTF-8), M_ENOTFOUND (no such org or sector),
 * M_EEXIST. *id_out (may be NULL) receives the new id. */
int auth_user_add(struct store *s, const struct auth_user_spec *u, int64_t now, int64_t *id_out,
		  struct merr *e);
/* Sets a new password, ends the user's sessions and revokes its API tokens. */
int auth_user_passwd(struct store *s, const char *name, const char *password, int64_t now,
		     struct merr *e);
/* Disables (or enables) a user; disabling ends its sessions and revokes its API tokens (they
 * stay revoked when the user is enabled again). */
int auth_user_set_disabled(struct store *s, const char *name, bool disabled, int64_t now,
			   struct merr *e);
/* Reads one user by name; M_ENOTFOUND when there is none. */
int auth_user_get(struct store *s, const char *name, struct auth_user *out, struct merr *e);
/* Calls fn for every user ordered by name; non-zero from fn stops and is returned. */
typedef int (*auth_user_fn)(const struct auth_user *u, void *arg);
int auth_user_list(struct store *s, auth_user_fn fn, void *arg, struct merr *e);
/* Checks a user name's form (does not look at the store). */
bool auth_name_valid(const char *name);

/* ---- login, throttling, sessions ---- */

/*
 * Login throttle. Failures are counted on three keys, each locked for AUTH_THROTTLE_BASE
 * seconds once its allowance is used up, doubling with each further failure up to
 * AUTH_THROTTLE_MAX:
 *   "login" (user name + client address): AUTH_THROTTLE_FREE failures in a row;
 *   "user"  (user name, from anywhere): AUTH_THROTTLE_USER_FREE, a slower limit against
 *           guessing spread over many addresses; it does not shut out an address the user
 *           signed in from within AUTH_KNOWN_DAYS, so nobody can lock a named account out
 *           from elsewhere;
 *   "laddr" (client address, across names): AUTH_THROTTLE_ADDR_FREE.
 * An attempt is counted before the password is checked, in the same write transaction as
 * the check of the locks, so concurrent attempts cannot exceed the allowance. A success
 * clears the "login" and "user" keys. Kind "addr" is not read by logins: the console
 * counts unknown acknowledgement links there (failed /ack links never lock logins).
 */
#define AUTH_THROTTLE_FREE 5
#define AUTH_THROTTLE_USER_FREE 20
#define AUTH_THROTTLE_ADDR_FREE 30
#define AUTH_THROTTLE_BASE 60
#define AUTH_THROTTLE_MAX 3600
#define AUTH_KNOWN_DAYS 90

/* Seconds the key must still wait at `now`; 0 when free. */
int64_t auth_throttle_wait(struct store *s, const char *kind, const char *key, int64_t now);
/* Counts one failure for key under kind and locks it after AUTH_THROTTLE_FREE; the console
 * counts unknown acknowledgement links against the client address (kind "addr"). */
int auth_throttle_fail(struct store *s, const char *kind, const char *key, int64_t now,
		       struct merr *e);

/*
 * Checks name/password from client (an address, for throttling and the audit log).
 * On success fills *p (without session fields) and returns 0. Errors: M_EPERM for a wrong
 * name or password or a disabled user (one answer for all, same work done either way),
 * M_ETIMEOUT when throttled (*retry_after gets the seconds to wait); both are recorded
 * in the audit log and the throttle.
 */
int auth_login(struct store *s, const char *name, const char *password, const char *client,
	       int64_t now, struct auth_principal *p, int64_t *retry_after, struct merr *e);

/* Session lifetimes (seconds). */
struct auth_session_limits {
	int64_t idle;	  /* ends after this long without a request */
	int64_t absolute; /* ends this long after login, whatever happens */
};
#define AUTH_SESSION_IDLE_DEFAULT (30 * 60)
#define AUTH_SESSION_ABSOLUTE_DEFAULT (12 * 3600)

/* Starts a session for p->user_id: writes the 64-hex-digit cookie value into cookie
 * (the store keeps only its SHA-256) and the new CSRF token into p->csrf. */
int auth_session_start(struct store *s, struct auth_principal *p, const char *client, int64_t now,
		       char cookie[AUTH_HEX_MAX], struct merr *e);
/*
 * Finds the session for a cookie value and fills *p. M_ENOTFOUND when there is none or the
 * value is malformed; M_ETIMEOUT when it expired (it is deleted); M_EPERM when the user is
 * disabled. Touches last_seen at most once a minute.
 */
int auth_session_lookup(struct store *s, const char *cookie, const struct auth_session_limits *lim,
			int64_t now, struct auth_principal *p, struct merr *e);
/* Ends a session (no error when it does not exist). */
int auth_session_end(struct store *s, const char *cookie, struct merr *e);

/* Constant-time comparison of a submitted CSRF token with the session's; false when
 * either is empty or the lengths differ. */
bool auth_csrf_equal(const char *expected, const char *given);

/* Writes 2*n_bytes hex digits of fresh randomness into out (out_len > 2*n_bytes). */
void auth_random_hex(char *out, size_t out_len, size_t n_bytes);
/* SHA-256 of s as 64 hex digits. */
void auth_sha256_hex(const char *s, size_t len, char out[AUTH_HEX_MAX]);

/* ---- API tokens ---- */

#define AUTH_TOKEN_PREFIX "mamori_"
#define AUTH_TOKEN_MAX 80

/* Creates an API token for user `name` with the user's role, org and sector. expires_at 0
 * means never. The token text (shown once) goes to out; the store keeps its SHA-256. */
int auth_token_create(struct store *s, const char *name, const char *label, int64_t now,
		      int64_t expires_at, char out[AUTH_TOKEN_MAX], struct merr *e);
/* Finds the principal for a bearer token: M_ENOTFOUND (unknown or malformed), M_ETIMEOUT
 * (expired), M_EPERM (revoked or user disabled). Records the use (at most once a minute). */
int auth_token_lookup(struct store *s, const char *token, int64_t now, struct auth_principal *p,
		      struct merr *e);

/* One API token as listed: never its secret (only its SHA-256 is stored anyway). */
struct auth_token_info {
	int64_t id;
	const char *label; /* borrowed for the callback only; NULL when none */
	int64_t created_at, expires_at, last_used_at, revoked_at; /* 0: never / not */
	bool revoked;
};
typedef int (*auth_token_fn)(const struct auth_token_info *t, void *arg);
/* Calls fn for each token of user `name`, oldest first. M_ENOTFOUND when there is no such
 * user; non-zero from fn stops and is returned. */
int auth_token_list(struct store *s, const char *name, auth_token_fn fn, void *arg, struct merr *e);
/* Revokes token `id` of user `name` (M_ENOTFOUND when that user has no such token; revoking
 * a revoked token again is not an error). */
int auth_token_revoke(struct store *s, const char *name, int64_t id, int64_t now, struct merr *e);

/* ---- audit log ---- */

/* Appends one row to audit_log and seals it (and any row other writers left unsealed) into the
 * hash chain (migration 0801). detail (may be NULL) is a JSON text. */
int auth_audit(struct store *s, const char *actor, const char *action, const char *object,
	       const char *detail, int64_t now, struct merr *e);

/* Seals every unsealed audit row, in id order. *sealed (may be NULL) receives how many. */
int auth_audit_seal(struct store *s, int64_t *sealed, struct merr *e);
/* Recomputes the chain from the first row: r->broken_id is the first row whose stored hash or
 * prev_hash does not match (0: intact); unsealed rows at the end are counted, an unsealed row
 * before a sealed one is broken. Reads only. */
struct chain_verify;
int auth_audit_verify(struct store *s, struct chain_verify *r, struct merr *e);

struct auth_audit_row {
	int64_t id, at;
	const char *actor, *action, *object, *detail; /* borrowed for the callback only */
};
typedef int (*auth_audit_fn)(const struct auth_audit_row *r, void *arg);
/* Appends n rows (each row's id is ignored) and seals them once, in one transaction: the same
 * rows and chain as n auth_audit calls, for one INSERT each and one seal (the console's queued
 * read rows, src/web/audit_queue.c). */
int auth_audit_many(struct store *s, const struct auth_audit_row *rows, size_t n, struct merr *e);
/* Newest first, limit rows after skipping offset; *total (may be NULL) gets the count. */
int auth_audit_list(struct store *s, int64_t limit, int64_t offset, auth_audit_fn fn, void *arg,
		    int64_t *total, struct merr *e);

/* The one JSON shape of a user (name, display_name, role, org, sector, disabled, created_at)
 * and of an audit row (id, at, actor, action, object, detail); json.c. */
struct cJSON;
struct cJSON *auth_user_json(const struct auth_user *u);
struct cJSON *auth_audit_json(const struct auth_audit_row *a);

#endif
