/*
 * console.c - what the console needs beyond the CLI: messages on an incident's shared
 * timeline, attachments (bytes with their SHA-256, never executed or rendered), and the draft
 * of a report form per user.
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "incident/incident_int.h"

/* The incident's org slug when it is within (org, sector); M_ENOTFOUND otherwise. */
static int incident_in(const struct inc_ctx *c, int64_t id, const char *org, const char *sector,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    c->s,
	    "SELECT 1 FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.id "
	    "= ?1 AND i.exercise_run IS NULL AND (CAST(?2 AS TEXT) IS NULL OR o.slug = ?2) AND "
	    "(CAST(?3 AS TEXT) IS NULL OR o.sector = ?3)",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, org);
	stmt_bind_text(st, 3, sector);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no incident %lld / インシデントがありません",
				(long long)id);
	return rc < 0 ? rc : 0;
}

static int text_check(const char *t, size_t max, const char *field, struct merr *e)
{
	size_t bad;

	if (!t || !t[0])
		return merr_at(e, M_EINVAL, NULL, -1, -1, field, "empty / 入力がありません");
	if (strlen(t) > max)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, field, "too long (at most %zu bytes)",
			       max);
	if (!utf8_valid(t, strlen(t), &bad))
		return merr_at(e, M_EINVAL, NULL, -1, -1, field, "not valid UTF-8");
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
			return merr_at(e, M_EINVAL, NULL, -1, -1, field,
				       "contains a control character");
	return 0;
}

int inc_message(const struct inc_ctx *c, int64_t id, const char *org, const char *text,
		struct merr *e)
{
	cJSON *d;
	char *js;
	int rc;

	if ((rc = text_check(text, INC_TEXT_MAX, "message", e)))
		return rc;
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = incident_in(c, id, org, NULL, e)))
		goto fail;
	d = cJSON_CreateObject();
	json_add_str(d, "text", text);
	js = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (!js) {
		rc = merr_set(e, M_ENOMEM, "out of memory");
		goto fail;
	}
	rc = inc_event(c, id, 0, "message", false, js, e);
	cJSON_free(js);
	if (rc)
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	return rc;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static bool name_ok(const char *n)
{
	size_t bad;

	if (!n || !n[0] || strlen(n) > 200 || !utf8_valid(n, strlen(n), &bad) || !strcmp(n, ".") ||
	    !strcmp(n, ".."))
		return false;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"' || *p == ';')
			return false;
	return true;
}

/* Executables and scripts are refused outright: an attachment is evidence to read, and a file
 * that runs when opened has no place in a shared store (ELF, PE/DOS "MZ", Mach-O, Java class /
 * fat Mach-O, "#!" scripts). */
static const char *executable_kind(const unsigned char *p, size_t n)
{
	if (n >= 4 && !memcmp(p,
			      "\x7f"
			      "ELF",
			      4))
		return "ELF";
	if (n >= 2 && p[0] == 'M' && p[1] == 'Z')
		return "PE/DOS";
	if (n >= 4 && ((p[0] == 0xfe && p[1] == 0xed && p[2] == 0xfa && (p[3] & 0xfe) == 0xce) ||
		       ((p[0] & 0xfe) == 0xce && p[1] == 0xfa && p[2] == 0xed && p[3] == 0xfe)))
		return "Mach-O";
	if (n >= 4 && p[0] == 0xca && p[1] == 0xfe && p[2] == 0xba && p[3] == 0xbe)
		return "Mach-O fat / Java class";
	if (n >= 2 && p[0] == '#' && p[1] == '!')
		return "script";
	return NULL;
}

int inc_attach_add(const struct inc_ctx *c, int64_t id, const char *org, const char *name,
		   const void *data, size_t len, int64_t *aid, char sha256[65], struct merr *e)
{
	struct store_stmt *st = NULL;
	char d[256], obj[48];
	int rc;

	*aid = 0;
	if (!name_ok(name))
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "name",
		    "ファイル名にパス・引用符・制御文字は使えません / a file name without "
		    "path, quotes or control characters");
	if (len > INC_ATTACH_MAX)
		return merr_at(
		    e, M_ETOOBIG, NULL, -1, -1, "file",
		    "%d バイトを超えるファイルは添付できません / attachment larger than %d "
		    "bytes",
		    INC_ATTACH_MAX, INC_ATTACH_MAX);
	if (!len)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "file",
			       "添付ファイルが空です / empty attachment");
	if (executable_kind(data, len))
		return merr_at(
		    e, M_EINVAL, NULL, -1, -1, "file",
		    "実行ファイル（%s）は添付できません / executables are not accepted (%s)",
		    executable_kind(data, len), executable_kind(data, len));
	sha256_hex(data, len, sha256);
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if ((rc = incident_in(c, id, org, NULL, e)))
		goto fail;
	if ((rc =
		 store_prepare(c->s,
			       "INSERT INTO incident_attachments (incident_id, name, size, sha256, "
			       "content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
			       "RETURNING id",
			       &st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, name);
	stmt_bind_int64(st, 3, (int64_t)len);
	stmt_bind_text(st, 4, sha256);
	/* stored as bytes (a BLOB via text binding would stop at a NUL): hex is not needed,
	 * stmt_bind_textn keeps the length */
	stmt_bind_textn(st, 5, data, len);
	stmt_bind_int64(st, 6, c->now);
	stmt_bind_text(st, 7, c->actor);
	rc = stmt_step(st, e);
	if (rc == 1)
		*aid = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	snprintf(d, sizeof(d), "{\"attachment\":%lld,\"size\":%zu,\"sha256\":\"%s\"}",
		 (long long)*aid, len, sha256);
	snprintf(obj, sizeof(obj), "incident:%lld", (long long)id);
	if ((rc = inc_event(c, id, 0, "attachment", false, d, e)) ||
	    (rc = inc_audit(c, "incident.attach", obj, d, e)))
		goto fail;
	return store_commit(c->s, e);
fail:
	store_rollback(c->s);
	*aid = 0;
	return rc;
}

int inc_attach_get(const struct inc_ctx *c, int64_t id, int64_t aid, const struct inc_view *v,
		   char **name, void **data, size_t *len, char sha256[65], struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	*name = NULL;
	*data = NULL;
	*len = 0;
	if (v && !v->attachments)
		return merr_set(e, M_ENOTFOUND, "no attachment %lld", (long long)aid);
	if ((rc = incident_in(c, id, v ? v->org : NULL, v ? v->sector : NULL, e)))
		return rc;
	if ((rc =
		 store_prepare(c->s,
			       "SELECT name, size, sha256, content FROM incident_attachments WHERE "
			       "id = ? AND incident_id = ?",
			       &st, e)))
		return rc;
	stmt_bind_int64(st, 1, aid);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		size_t n = (size_t)stmt_int64(st, 1);
		const char *b = stmt_text(st, 3);
		*name = m_strdup(stmt_text(st, 0));
		*data = m_malloc(n ? n : 1);
		if (*name && *data && b) {
			memcpy(*data, b, n);
			*len = n;
			snprintf(sha256, 65, "%s", stmt_text(st, 2));
		} else
			rc = merr_set(e, M_ENOMEM, "out of memory");
	} else if (rc == 0)
		rc = merr_set(e, M_ENOTFOUND, "no attachment %lld", (long long)aid);
	stmt_finalize(st);
	if (rc < 0) {
		m_free(*name);
		m_free(*data);
		*name = NULL;
		*data = NULL;
		return rc;
	}
	return 0;
}

int inc_draft_save(const struct inc_ctx *c, const char *user, const char *org, const char *json,
		   struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if (strlen(json) > INC_REPORT_MAX)
		return merr_set(e, M_ETOOBIG, "draft too large");
	if ((rc = store_prepare(c->s,
				"INSERT INTO incident_drafts (user_name, org_id, body, updated_at) "
				"SELECT ?1, id, ?3, ?4 FROM orgs WHERE slug = ?2 ON CONFLICT "
				"(user_name) DO UPDATE SET org_id = excluded.org_id, body = "
				"excluded.body, updated_at = excluded.updated_at",
				&st, e)))
		return rc;
	stmt_bind_text(st, 1, user);
	stmt_bind_text(st, 2, org);
	stmt_bind_text(st, 3, json);
	stmt_bind_int64(st, 4, c->now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return store_changes(c->s) == 1 ? 0 : merr_set(e, M_ENOTFOUND, "no organisation '%s'", org);
}

int inc_draft_get(const struct inc_ctx *c, const char *user, char **json, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(c->s, "SELECT body FROM incident_drafts WHERE user_name = ?", &st, e);

	*json = NULL;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, user);
	rc = stmt_step(st, e);
	if (rc == 1 && !(*json = m_strdup(stmt_text(st, 0))))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int inc_draft_drop(const struct inc_ctx *c, const char *user, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(c->s, "DELETE FROM incident_drafts WHERE user_name = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_text(st, 1, user);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
