/*
 * people.c - who takes part in an exercise run (named console users, each tied to its org,
 * optionally to one scenario role) and the bytes of the injects' attachments (kept in the
 * store with the run: a size cap, a content-type allow-list checked against the bytes, the
 * SHA-256; served only to the run's readers once the inject is delivered).
 */
#include "base/compat.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/mem.h"
#include "exercise/exercise_int.h"

/* ------------------------------------------------------------ participants */

static int scenario_of(struct store *s, int64_t run, struct ex_scenario *sc, char state[16],
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	char *yaml = NULL, *file = NULL;
	int rc = store_prepare(
	    s, "SELECT scenario_yaml, scenario_file, state FROM exercise_runs WHERE id = ?", &st,
	    e);
	memset(sc, 0, sizeof(*sc));
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	if ((rc = stmt_step(st, e)) == 1) {
		yaml = m_strdup(stmt_text(st, 0));
		file = m_strdup(stmt_text(st, 1));
		snprintf(state, 16, "%s", stmt_text(st, 2));
	}
	stmt_finalize(st);
	if (rc == 0)
		rc = merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
			      (long long)run);
	else if (rc == 1)
		rc = yaml && file ? ex_scenario_parse(yaml, strlen(yaml), file, sc, e)
				  : merr_set(e, M_ENOMEM, "out of memory");
	m_free(yaml);
	m_free(file);
	return rc < 0 ? rc : 0;
}

/* Inserts the participant (no transaction of its own). */
static int invite_in(const struct ex_ctx *c, int64_t run, const struct ex_scenario *sc,
		     const char *user, const char *role, struct merr *e)
{
	struct auth_user u;
	struct store_stmt *st = NULL;
	bool role_ok = !role || !*role;
	int rc;

	if (!user || !*user)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "user",
			       "name a user / 参加者のユーザー名を指定してください");
	if ((rc = auth_user_get(c->s, user, &u, e))) {
		if (rc != M_ENOTFOUND)
			return rc;
		merr_init(e);
		return merr_at(e, M_ENOTFOUND, NULL, -1, -1, "user",
			       "no user '%s' / ユーザーがいません", user);
	}
	if (u.role != AUTH_ROLE_OPERATOR || !u.org_slug[0])
		return merr_at(e, M_EINVAL, NULL, -1, -1, "user",
			       "'%s' is not an operator account (participants are operator users "
			       "tied to their org) / 参加者は事業者ユーザーです",
			       user);
	if (u.disabled)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "user",
			       "'%s' is disabled / 無効化されたユーザーです", user);
	for (size_t i = 0; !role_ok && i < sc->n_roles; i++)
		role_ok = !strcmp(sc->roles[i], role);
	if (!role_ok)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "role",
			       "'%s' is not a role of this scenario / シナリオにない役割です",
			       role);
	/* the user's org takes part (mail to its contacts) */
	if ((rc = store_prepare(c->s,
				"INSERT OR IGNORE INTO exercise_run_orgs (run_id, org_id) VALUES "
				"(?, ?)",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_int64(st, 2, u.org_id);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if ((rc = store_prepare(c->s,
				"INSERT OR IGNORE INTO exercise_participants (run_id, user_id, "
				"user_name, display_name, org_id, role, added_at, added_by) VALUES "
				"(?, ?, ?, ?, ?, ?, ?, ?)",
				&st, e)))
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_int64(st, 2, u.id);
	stmt_bind_text(st, 3, u.name);
	stmt_bind_text(st, 4, u.display[0] ? u.display : u.name);
	stmt_bind_int64(st, 5, u.org_id);
	if (role && *role)
		stmt_bind_text(st, 6, role);
	else
		stmt_bind_null(st, 6);
	stmt_bind_int64(st, 7, c->now);
	stmt_bind_text(st, 8, c->actor);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (store_changes(c->s) != 1)
		return merr_at(e, M_EEXIST, NULL, -1, -1, "user",
			       "'%s' takes part already / すでに参加者です", user);
	return 0;
}

int ex_invite(const struct ex_ctx *c, int64_t run, const char *user, const char *role,
	      struct merr *e)
{
	struct ex_scenario sc;
	char state[16] = "";
	int rc = scenario_of(c->s, run, &sc, state, e);

	if (!rc && !strcmp(state, "finished"))
		rc = merr_set(e, M_EINVAL, "the exercise has ended / 演習は終了しています");
	if (!rc && !(rc = store_begin_immediate(c->s, e))) {
		if ((rc = invite_in(c, run, &sc, user, role, e)))
			store_rollback(c->s);
		else
			rc = store_commit(c->s, e);
	}
	ex_scenario_free(&sc);
	return rc;
}

int ex_participant(struct store *s, int64_t run, const char *user, char org[128], char role[32],
		   struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT o.slug, p.role FROM exercise_participants p JOIN orgs o ON "
			       "o.id = p.org_id WHERE p.run_id = ? AND p.user_name = ?",
			       &st, e);
	org[0] = role[0] = '\0';
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, user ? user : "");
	if ((rc = stmt_step(st, e)) == 1) {
		snprintf(org, 128, "%s", stmt_text(st, 0));
		snprintf(role, 32, "%s", stmt_text(st, 1) ? stmt_text(st, 1) : "");
	}
	stmt_finalize(st);
	if (rc == 0)
		return merr_set(e, M_ENOTFOUND, "no exercise run %lld / 演習がありません",
				(long long)run);
	return rc < 0 ? rc : 0;
}

/* "NAME" or "NAME:ROLE" into name and role */
static void split_user(const char *spec, char name[128], char role[32])
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	snprintf(name, 128, "%.*s", (int)(n < 127 ? n : 127), spec);
	snprintf(role, 32, "%s", colon ? colon + 1 : "");
}

int ex_invite_all_in(const struct ex_ctx *c, int64_t run, const char *const *users, size_t n,
		     struct merr *e)
{
	struct ex_scenario sc;
	char state[16];
	int rc = scenario_of(c->s, run, &sc, state, e);
	for (size_t i = 0; !rc && i < n; i++) {
		char name[128], role[32];
		split_user(users[i], name, role);
		rc = invite_in(c, run, &sc, name, role, e);
	}
	ex_scenario_free(&sc);
	return rc;
}

/* ------------------------------------------------------------ attachments */

static const struct {
	const char *ext, *ctype;
	const char *magic; /* NULL: UTF-8 text */
	size_t magic_len;
} types[] = {
    {".txt", "text/plain; charset=utf-8", NULL, 0}, {".log", "text/plain; charset=utf-8", NULL, 0},
    {".csv", "text/csv; charset=utf-8", NULL, 0},   {".json", "application/json", NULL, 0},
    {".pdf", "application/pdf", "%PDF-", 5},	    {".png", "image/png", "\x89PNG\r\n\x1a\n", 8},
    {".jpg", "image/jpeg", "\xff\xd8\xff", 3},	    {".jpeg", "image/jpeg", "\xff\xd8\xff", 3},
};

static int type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		size_t k = strlen(types[i].ext);
		if (n > k && !strcasecmp(name + n - k, types[i].ext))
			return (int)i;
	}
	return -1;
}

bool ex_attach_name_ok(const char *name)
{
	if (!name || !*name || name[0] == '.' || strlen(name) > 120)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"' || *p == '\'')
			return false;
	return type_of(name) >= 0;
}

static bool utf8_text(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = p[i];
		size_t k;
		if (b < 0x80) {
			if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
				return false;
			i++;
			continue;
		}
		k = (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
		if (!k || b == 0xc0 || b == 0xc1 || b > 0xf4 || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

int ex_attach_check(const char *name, const void *data, size_t len, const char **ctype,
		    struct merr *e)
{
	int t;

	*ctype = NULL;
	if (!ex_attach_name_ok(name))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "name",
			       "'%s' is not a plain file name of an allowed type (.txt .log .csv "
			       ".json .pdf .png .jpg) / 許可されていないファイル名です",
			       name ? name : "");
	if (!len)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "file",
			       "the attachment is empty / 添付ファイルが空です");
	if (len > EX_ATTACH_MAX)
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, "file",
			       "the attachment is %zu bytes, over the limit of %d / 添付ファイルが"
			       "上限（%d バイト）を超えています",
			       len, EX_ATTACH_MAX, EX_ATTACH_MAX);
	t = type_of(name);
	if (types[t].magic
		? len < types[t].magic_len || memcmp(data, types[t].magic, types[t].magic_len)
		: !utf8_text(data, len))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "file",
			       "the bytes are not %s as the name says / 内容がファイルの種類（%s）"
			       "と一致しません",
			       types[t].ctype, types[t].ctype);
	*ctype = types[t].ctype;
	return 0;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int attach_put(const struct ex_ctx *c, int64_t run, const struct ex_inject *in,
		      const void *data, size_t len, char sha256[65], struct merr *e)
{
	struct store_stmt *st = NULL;
	const char *ctype;
	int rc;

	if ((rc = ex_attach_check(in->attachment, data, len, &ctype, e)))
		return rc;
	sha256_hex(data, len, sha256);
	if ((rc = store_prepare(
		 c->s,
		 "INSERT INTO exercise_attachments (run_id, inject_id, name, content_type, "
		 "size, sha256, content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, "
		 "?, ?) ON CONFLICT (run_id, inject_id) DO UPDATE SET name = "
		 "excluded.name, content_type = excluded.content_type, size = "
		 "excluded.size, sha256 = excluded.sha256, content = excluded.content, "
		 "added_at = excluded.added_at, added_by = excluded.added_by",
		 &st, e)))
		return rc;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, in->id);
	stmt_bind_text(st, 3, in->attachment);
	stmt_bind_text(st, 4, ctype);
	stmt_bind_int64(st, 5, (int64_t)len);
	stmt_bind_text(st, 6, sha256);
	stmt_bind_textn(st, 7, data, len); /* keeps the length (NUL bytes included) */
	stmt_bind_int64(st, 8, c->now);
	stmt_bind_text(st, 9, c->actor);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* every attachment the scenario names, from <scenario folder>/attachments/<id>/<name> */
int ex_attach_load_in(const struct ex_ctx *c, int64_t run, const struct ex_scenario *sc,
		      const char *path, struct merr *e)
{
	const char *slash = strrchr(path, '/');
	int dn = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	int rc = 0;

	for (size_t i = 0; !rc && i < sc->n_injects; i++) {
		const struct ex_inject *in = &sc->injects[i];
		char file[4096], sha[65];
		struct buf b;
		if (!in->attachment[0])
			continue;
		snprintf(file, sizeof(file), "%.*s/attachments/%s/%s", dn, dir, sc->id,
			 in->attachment);
		buf_init(&b, EX_ATTACH_MAX + 1);
		rc = buf_read_file(&b, file, e);
		if (rc)
			merr_init(e); /* said again below, with the scenario's line */
		if (rc == M_ETOOBIG || (!rc && b.len > EX_ATTACH_MAX))
			rc = merr_at(
			    e, M_ETOOBIG, path, in->line, -1, "injects.attachment",
			    "%s is over the limit of %d bytes / 添付ファイルが上限を超えています",
			    file, EX_ATTACH_MAX);
		else if (rc)
			rc = merr_at(e, M_ENOTFOUND, path, in->line, -1, "injects.attachment",
				     "cannot read %s (the bytes of '%s' go there) / "
				     "添付ファイルを読めません",
				     file, in->attachment);
		else if ((rc = attach_put(c, run, in, b.len ? (const void *)buf_str(&b) : "", b.len,
					  sha, e)) &&
			 !e->file[0]) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%.120s: %.380s", in->attachment, e->msg);
			merr_init(e);
			rc = merr_at(e, rc, path, in->line, -1, "injects.attachment", "%s", msg);
		}
		buf_release(&b);
	}
	return rc;
}

int ex_attach_set(const struct ex_ctx *c, int64_t run, const char *inject, const void *data,
		  size_t len, char sha256[65], struct merr *e)
{
	struct ex_scenario sc;
	const struct ex_inject *in;
	char state[16];
	int rc = scenario_of(c->s, run, &sc, state, e);

	if (rc)
		goto out;
	in = ex_inject_find(&sc, inject ? inject : "");
	if (!in || !in->attachment[0]) {
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "inject",
			     "no inject '%s' with an attachment in this run / 添付のある"
			     "インジェクトがありません",
			     inject ? inject : "");
		goto out;
	}
	if (!(rc = store_begin_immediate(c->s, e))) {
		if ((rc = attach_put(c, run, in, data, len, sha256, e)))
			store_rollback(c->s);
		else
			rc = store_commit(c->s, e);
	}
out:
	ex_scenario_free(&sc);
	return rc;
}

int ex_attach_get(const struct ex_ctx *c, int64_t run, const char *inject, const char *reader,
		  char **name, const char **ctype, void **data, size_t *len, char sha256[65],
		  struct merr *e)
{
	struct ex_scenario sc;
	struct store_stmt *st = NULL;
	const struct ex_inject *in;
	char state[16], org[128], role[32];
	int rc;

	*name = NULL;
	*data = NULL;
	*len = 0;
	*ctype = NULL;
	if (reader && (rc = ex_participant(c->s, run, reader, org, role, e)))
		return rc;
	if ((rc = scenario_of(c->s, run, &sc, state, e)))
		goto out;
	in = ex_inject_find(&sc, inject ? inject : "");
	if (!in || !in->attachment[0] || (reader && !strcmp(in->channel, "phone"))) {
		rc = merr_set(e, M_ENOTFOUND, "no attachment / 添付がありません");
		goto out;
	}
	/* delivered injects only */
	if ((rc = store_prepare(c->s,
				"SELECT a.name, a.content_type, a.size, a.sha256, a.content FROM "
				"exercise_attachments a JOIN exercise_deliveries d ON d.run_id = "
				"a.run_id AND d.inject_id = a.inject_id AND d.state = 'delivered' "
				"WHERE a.run_id = ? AND a.inject_id = ?",
				&st, e)))
		goto out;
	stmt_bind_int64(st, 1, run);
	stmt_bind_text(st, 2, in->id);
	if ((rc = stmt_step(st, e)) == 1) {
		size_t n = (size_t)stmt_int64(st, 2);
		const char *b = stmt_text(st, 4);
		int t = type_of(stmt_text(st, 0));
		*name = m_strdup(stmt_text(st, 0));
		*data = m_malloc(n ? n : 1);
		*ctype = t >= 0 ? types[t].ctype : "application/octet-stream";
		snprintf(sha256, 65, "%s", stmt_text(st, 3));
		if (*name && *data && b) {
			memcpy(*data, b, n);
			*len = n;
			rc = 0;
		} else
			rc = merr_set(e, M_ENOMEM, "out of memory");
	} else if (rc == 0)
		rc = merr_set(e, M_ENOTFOUND, "no attachment / 添付がありません");
	stmt_finalize(st);
	if (rc < 0) {
		m_free(*name);
		m_free(*data);
		*name = NULL;
		*data = NULL;
		*len = 0;
	}
out:
	ex_scenario_free(&sc);
	return rc < 0 ? rc : 0;
}

int ex_attachments(struct store *s, int64_t run, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT inject_id, name, content_type, size, sha256 FROM "
			       "exercise_attachments WHERE run_id = ? ORDER BY inject_id",
			       &st, e);
	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, run);
	*out = cJSON_CreateArray();
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "inject", stmt_text(st, 0));
		cJSON_AddStringToObject(o, "name", stmt_text(st, 1));
		cJSON_AddStringToObject(o, "content_type", stmt_text(st, 2));
		cJSON_AddNumberToObject(o, "size", (double)stmt_int64(st, 3));
		cJSON_AddStringToObject(o, "sha256", stmt_text(st, 4));
		cJSON_AddItemToArray(*out, o);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}
