/* dispatch.c - one request from parsed input to response: language, route, who is calling,
 * authorisation, the handler (writes in a transaction with their audit row), errors. */
#include "base/compat.h"

#include <pthread.h>

#include <cjson/cJSON.h>

#include "base/log.h"
#include "web/web_int.h"

/* Library error code -> HTTP status: the column of the one error list (base/err.h). */
int web_http_status(int code)
{
	return mamori_err_http_status(code);
}

void web_req_init(struct web_req *r, size_t arena_max)
{
	memset(r, 0, sizeof(*r));
	web_arena_init(&r->arena, arena_max);
	buf_init(&r->out, (size_t)8 << 20);
	merr_init(&r->err);
	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
}

void web_req_release(struct web_req *r)
{
	web_stream_discard(r);
	if (r->cached)
		web_cached_release(r->cached);
	r->cached = NULL;
	if (r->ext_ref && r->ext_free)
		r->ext_free(r->ext_ref);
	r->ext_ref = NULL;
	buf_release(&r->out);
	web_arena_release(&r->arena);
}

void web_set_cookie(struct web_req *r, const char *name, const char *value, int64_t max_age)
{
	char age[40] = "";

	if (r->n_cookies_out == WEB_COOKIES_OUT)
		return;
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%lld", (long long)max_age);
	snprintf(r->cookies_out[r->n_cookies_out++], sizeof(r->cookies_out[0]),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value, age,
		 r->tls ? "; Secure" : "");
}

int web_redirect(struct web_req *r, const char *location)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", location);
	buf_reset(&r->out);
	r->ctype = "text/plain; charset=utf-8";
	return 0;
}

int web_json_reply(struct web_req *r, int status, cJSON *v)
{
	char *s;

	if (!v)
		return M_ENOMEM;
	s = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	if (!s)
		return M_ENOMEM;
	buf_reset(&r->out);
	if (buf_adds(&r->out, s) || buf_addc(&r->out, '\n')) {
		cJSON_free(s);
		return M_ENOMEM;
	}
	cJSON_free(s);
	r->status = status;
	r->ctype = "application/json; charset=utf-8";
	return 0;
}

static bool wants_json(const struct web_req *r)
{
	if (r->route)
		return (r->route->flags & WEB_API) != 0;
	return r->raw_path &&
	       (strncmp(r->raw_path, "/api/", 5) == 0 || strncmp(r->raw_path, "/taxii2", 7) == 0);
}

static enum web_msg page_title(int status)
{
	switch (status) {
	case 400: return M_ERR_BAD_REQUEST;
	case 403: return M_ERR_FORBIDDEN;
	case 404: return M_ERR_NOT_FOUND;
	default: return status >= 500 ? M_ERR_INTERNAL : M_ERR_OTHER;
	}
}

static void error_reply(struct web_req *r, int http_status, const char *code_name,
			const char *message, const char *text);

void web_error(struct web_req *r, int http_status, const char *code_name, const char *message)
{
	error_reply(r, http_status, code_name, message, NULL);
}

/* text (JSON only, may be NULL): the message's own half in the caller's language (session's
 * mamori_lang), without the field name, for a page's script to show as it is. */
static void error_reply(struct web_req *r, int http_status, const char *code_name,
			const char *message, const char *text)
{
	buf_reset(&r->out);
	r->location[0] = '\0';
	if (r->raw_path && strncmp(r->raw_path, "/taxii2", 7) == 0) {
		web_taxii_error(r, http_status, code_name, message);
		return;
	}
	if (wants_json(r)) {
		cJSON *o = cJSON_CreateObject(), *err = cJSON_AddObjectToObject(o, "error");
		cJSON_AddStringToObject(err, "code", code_name);
		cJSON_AddStringToObject(err, "message", message);
		if (text && *text)
			cJSON_AddStringToObject(err, "text", text);
		if (web_json_reply(r, http_status, o))
			r->status = 500;
		return;
	}
	r->status = http_status;
	web_page_begin(r, page_title(http_status));
	web_out(
	    r,
	    "<p class=\"error\" id=\"error\" data-code=\"%s\">%s</p><p><a href=\"%s\">%T</a></p>",
	    code_name, message, web_home_for(r->who.role), M_BACK);
	web_page_end(r);
}

void web_error_code(struct web_req *r, int code)
{
	char msg[700];
	int status = web_http_status(code);

	/* the message's own half for the page (library texts are "English / 日本語") */
	if (r->err.code && status < 500 && !wants_json(r))
		web_merr_text(r->lang, &r->err, msg, sizeof(msg));
	else if (r->err.code && status < 500)
		merr_format(&r->err, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s",
			 r->lang == WEB_LANG_JA && !wants_json(r) ? mamori_strerror_ja(code)
								  : mamori_strerror(code));
	if (status >= 500 && r->err.code) {
		char detail[700];
		merr_format(&r->err, detail, sizeof(detail));
		log_error("web", "%s %s: %s", r->method, r->raw_path, detail);
	}
	/* The store's connection to PostgreSQL dropped under this request (the server restarted,
	 * an administrator ended the session): 503 with what happened to the request, said
	 * without the store's location; the next request reconnects. */
	const char *lost =
	    code == M_ENET ? strstr(r->err.msg, "connection to PostgreSQL lost") : NULL;
	if (lost) {
		snprintf(msg, sizeof(msg),
			 "データベースへの接続が切れました。もう一度お試しください / %s", lost);
		status = 503;
	}
	if (r->err.code && status < 500 && wants_json(r) && !lost) {
		struct merr bare = r->err;
		char text[700];
		bare.file[0] = bare.field[0] = '\0';
		bare.line = bare.offset = -1;
		web_merr_text(r->lang, &bare, text, sizeof(text));
		error_reply(r, status, mamori_errname(code), msg, text);
	} else
		web_error(r, status, mamori_errname(code), msg);
	if (code == M_ETIMEOUT && r->retry_after == 0)
		r->retry_after = 60;
	if (lost && r->retry_after == 0)
		r->retry_after = 2;
}

/* Read audit rows are queued and written in batches (audit_queue.c explains why). */
int web_audit(struct web_req *r, const char *action, const char *object, const char *detail)
{
	const char *actor = r->who.name[0] ? r->who.name : "anonymous";

	return web_audit_queue_add(r->s, actor, action, object, detail, r->now);
}

static void pick_language(struct web_req *r)
{
	const char *q = web_kv_get(&r->query, "lang"), *c = web_kv_get(&r->cookies, "mamori_lang");

	if (q && (strcmp(q, "en") == 0 || strcmp(q, "ja") == 0)) {
		r->lang = q[0] == 'e' ? WEB_LANG_EN : WEB_LANG_JA;
		web_set_cookie(r, "mamori_lang", q, 365 * 86400);
		return;
	}
	r->lang = c && strcmp(c, "en") == 0 ? WEB_LANG_EN : WEB_LANG_JA;
}

/* Who is calling: a bearer token, else the session cookie, else anonymous. */
static void authenticate(struct web_req *r)
{
	const char *cookie = web_kv_get(&r->cookies, "mamori_session");
	struct merr e;

	merr_init(&e);
	if (r->authorization && strncasecmp(r->authorization, "Basic ", 6) == 0 && r->raw_path &&
	    strncmp(r->raw_path, "/taxii2", 7) == 0) {
		web_taxii_basic(r);
		return;
	}
	if (r->authorization && strncasecmp(r->authorization, "Bearer ", 7) == 0) {
		if (auth_token_lookup(r->s, r->authorization + 7, r->now, &r->who, &e))
			memset(&r->who, 0, sizeof(r->who));
		return;
	}
	if (!cookie || !cookie[0])
		return;
	if (auth_session_lookup(r->s, cookie, &r->opts->session, r->now, &r->who, &e)) {
		memset(&r->who, 0, sizeof(r->who));
		r->session_expired = true;
		web_set_cookie(r, "mamori_session", "", 0);
	}
}

static int parse_body(struct web_req *r)
{
	static const char form[] = "application/x-www-form-urlencoded";

	if (r->body_spooled)
		return 0; /* a TAXII envelope in its spool file (server.c), never a form */
	if (r->content_type && strncasecmp(r->content_type, form, sizeof(form) - 1) == 0)
		return web_query_parse(&r->arena, r->body ? r->body : "", r->body_len, &r->form);
	return 0;
}

/* Runs the handler; a write runs in one transaction with its audit row. */
static int run_handler(struct web_req *r)
{
	const struct web_route *rt = r->route;
	bool write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	int rc;

	if (!write || (rt->flags & WEB_SELF_AUDIT)) {
		rc = rt->handler(r);
		if (rc == 0 && rt->audit && r->status < 400)
			web_audit(r, rt->audit, r->raw_path, NULL);
		return rc;
	}
	if ((rc = store_begin_immediate(r->s, &r->err)))
		return rc;
	rc = rt->handler(r);
	if (rc == 0 && r->status < 400)
		rc = auth_audit(r->s, r->who.name, rt->audit, r->raw_path, NULL, r->now, &r->err);
	if (rc || r->status >= 400) {
		store_rollback(r->s);
		return rc;
	}
	return store_commit(r->s, &r->err);
}

static void deny(struct web_req *r, enum web_authz z)
{
	switch (z) {
	case WEB_AUTHZ_LOGIN:
		if (wants_json(r)) {
			r->www_authenticate = true;
			web_error(r, 401, "unauthenticated",
				  r->session_expired ? "session expired / セッション期限切れ"
						     : "authentication required / 認証が必要です");
		} else {
			web_redirect(r, r->session_expired ? "/login?expired=1" : "/login");
			r->status = 302; /* a GET that needs a login, not a form answer */
		}
		break;
	case WEB_AUTHZ_FORBIDDEN:
		web_error(r, 403, mamori_errname(M_EPERM), web_msg(r->lang, M_ERR_FORBIDDEN));
		break;
	default: web_error(r, 404, mamori_errname(M_ENOTFOUND), web_msg(r->lang, M_ERR_NOT_FOUND));
	}
}

/* A route naming one organisation's object (not a static asset or an alert link's token). */
static bool object_route(const struct web_req *r)
{
	return r->route && r->params.n > 0 && strncmp(r->route->pattern, "/static/", 8) != 0 &&
	       strncmp(r->route->pattern, "/ack/", 5) != 0;
}

/* Operators and bureau users see only some organisations' rows. */
static bool row_limited(const struct web_req *r)
{
	return r->who.role == AUTH_ROLE_OPERATOR || r->who.role == AUTH_ROLE_BUREAU;
}

void web_dispatch(struct web_req *r)
{
	enum web_authz z;
	int rc;

	pick_language(r);
	rc = web_route_find(&r->arena, r->method, &r->path, &r->route, &r->params);
	if (rc == M_EUNSUPPORTED) {
		r->allow = "GET, HEAD, POST";
		web_error(r, 405, "method_not_allowed", "method not allowed");
		return;
	}
	if (rc) {
		authenticate(r); /* so the 404 page shows the right navigation */
		web_error(r, 404, mamori_errname(M_ENOTFOUND), web_msg(r->lang, M_ERR_NOT_FOUND));
		return;
	}
	authenticate(r);
	if ((rc = parse_body(r))) {
		web_error(r, web_http_status(rc), mamori_errname(rc), "malformed form body");
		return;
	}
	z = web_authorize(r);
	if (z != WEB_AUTHZ_OK) {
		deny(r, z);
		if (z == WEB_AUTHZ_FORBIDDEN)
			web_denied(r, "denied");
		else if (z == WEB_AUTHZ_NOT_FOUND && row_limited(r))
			web_denied(r, "read.denied");
		return;
	}
	/* a read answered between writes (cache.c): audited like one computed now */
	if (web_cache_begin(r)) {
		if (r->route->audit)
			web_audit(r, r->route->audit, r->raw_path, NULL);
		return;
	}
	rc = r->route->handler ? run_handler(r) : M_EINVAL;
	if (rc)
		web_error_code(r, rc);
	web_cache_end(r); /* keeps a 200 answer; either way, ends this key's build */
	/* An object route answered 404 to a caller who sees only some rows: another
	 * organisation's object (or none at all; from outside both look alike). */
	if (r->status == 404 && object_route(r) && row_limited(r))
		web_denied(r, "read.denied");
}
