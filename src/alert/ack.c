/*
 * ack.c - acknowledgement of alerts and notices: a random token per alert whose SHA-256 alone
 * is stored; acknowledged by the token (mail link, CLI) or by id (console button), first wins.
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "alert/alert.h"
#include "base/utf8.h"

static int token_hash(const char *token, char hex[65])
{
	unsigned char h[32];
	unsigned hl = 0;

	if (!EVP_Digest(token, strlen(token), h, &hl, EVP_sha256(), NULL))
		return M_EIO;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return 0;
}

int alert_token_new(char token[ALERT_TOKEN_LEN + 1], char hash_hex[65], struct merr *e)
{
	unsigned char raw[ALERT_TOKEN_LEN / 2];

	if (RAND_bytes(raw, sizeof raw) != 1)
		return merr_set(e, M_EIO, "no randomness");
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	if (token_hash(token, hash_hex))
		return merr_set(e, M_EIO, "sha256");
	return 0;
}

bool alert_token_ok(const char *token)
{
	if (!token || strlen(token) != ALERT_TOKEN_LEN)
		return false;
	for (const char *p = token; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int actor_check(const char *actor, struct merr *e)
{
	if (!actor || !*actor || strlen(actor) > 128 || !alert_header_ok(actor) ||
	    !utf8_valid(actor, strlen(actor), NULL))
		return merr_set(e, M_EINVAL, "actor must be 1-128 bytes of UTF-8 without controls");
	return 0;
}

/* Sets acked_at/acked_by unless already set (SET expressions see the old row). */
static const char q_ack[] = "UPDATE alerts SET acked_at = coalesce(acked_at, ?1),"
			    " acked_by = CASE WHEN acked_at IS NULL THEN ?2 ELSE acked_by END";

int alert_ack_token(struct store *s, const char *token, const char *actor, int64_t now,
		    int64_t *alert_id, struct merr *e)
{
	char hex[65], sql[256];
	struct store_stmt *st = NULL;
	int rc;

	if (!alert_token_ok(token))
		return merr_set(e, M_ENOTFOUND, "no alert with this token (malformed)");
	if ((rc = actor_check(actor, e)))
		return rc;
	if (token_hash(token, hex))
		return merr_set(e, M_EIO, "sha256");
	snprintf(sql, sizeof sql, "%s WHERE ack_token_sha256 = ?3 RETURNING id", q_ack);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_text(st, 2, actor);
	stmt_bind_text(st, 3, hex);
	rc = stmt_step(st, e);
	if (rc == 1 && alert_id)
		*alert_id = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no alert with this token");
	return rc < 0 ? rc : 0;
}

int alert_ack_id(struct store *s, int64_t alert_id, const char *actor, int64_t now, struct merr *e)
{
	char sql[256];
	struct store_stmt *st = NULL;
	int rc;

	if ((rc = actor_check(actor, e)))
		return rc;
	snprintf(sql, sizeof sql, "%s WHERE id = ?3 RETURNING id", q_ack);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	stmt_bind_int64(st, 1, now);
	stmt_bind_text(st, 2, actor);
	stmt_bind_int64(st, 3, alert_id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no alert %lld", (long long)alert_id);
	return rc < 0 ? rc : 0;
}

int alert_ack_base_check(const char *base, struct merr *e)
{
	if (!base)
		return 0;
	if (strlen(base) > 512)
		return merr_set(e, M_EINVAL, "console URL too long");
	return alert_webhook_url_check(base, e);
}

int alert_id_by_token(struct store *s, const char *token, int64_t *alert_id, struct merr *e)
{
	struct store_stmt *st = NULL;
	char hex[65];
	int rc;

	*alert_id = 0;
	if (!token || !alert_token_ok(token))
		return M_ENOTFOUND;
	if (token_hash(token, hex))
		return merr_set(e, M_EIO, "sha256");
	if ((rc = store_prepare(s, "SELECT id FROM alerts WHERE ack_token_sha256 = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, hex);
	rc = stmt_step(st, e);
	if (rc == 1)
		*alert_id = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : rc == 1 ? 0 : M_ENOTFOUND;
}
