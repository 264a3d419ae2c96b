/* page_login.c - sign in and out. The login form carries a pre-session token checked
 * against a SameSite=Strict cookie (double submit), so another site cannot log you in. */
#include "base/compat.h"

#include "web/web_int.h"

static int login_form(struct web_req *r, int status, int message)
{
	char token[AUTH_HEX_MAX];

	auth_random_hex(token, sizeof(token), 32);
	web_set_cookie(r, "mamori_login", token, 600);
	r->status = status;
	web_page_begin(r, M_LOGIN_TITLE);
	if (message >= 0)
		web_out(r, "<p class=\"error\" id=\"login-message\">%T</p>", message);
	web_out(r,
		"<form method=\"post\" action=\"/login\" class=\"login\">"
		"<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		"<label>%T <input name=\"name\" id=\"name\" autocomplete=\"username\" required "
		"maxlength=\"63\"></label>"
		"<label>%T <input name=\"password\" id=\"password\" type=\"password\" "
		"autocomplete=\"current-password\" required maxlength=\"256\"></label>"
		"<button type=\"submit\" id=\"login\">%T</button></form>",
		token, M_USERNAME, M_PASSWORD, M_LOGIN);
	web_page_end(r);
	return 0;
}

int web_page_login(struct web_req *r)
{
	if (r->who.role != AUTH_ROLE_NONE)
		return web_redirect(r, web_home_for(r->who.role));
	return login_form(r, 200, web_kv_get(&r->query, "expired") ? M_SESSION_EXPIRED : -1);
}

int web_post_login(struct web_req *r)
{
	const char *name = web_kv_get(&r->form, "name"), *pw = web_kv_get(&r->form, "password");
	struct auth_principal p;
	char cookie[AUTH_HEX_MAX];
	int64_t retry = 0;
	int rc;

	if (!name || !pw)
		return login_form(r, 400, M_LOGIN_FAILED);
	rc = auth_login(r->s, name, pw, r->client, r->now, &p, &retry, &r->err);
	if (rc == M_ETIMEOUT) {
		r->retry_after = retry;
		return login_form(r, 429, M_LOGIN_THROTTLED);
	}
	if (rc == M_EPERM)
		return login_form(r, 401, M_LOGIN_FAILED);
	if (rc)
		return rc;
	if ((rc = auth_session_start(r->s, &p, r->client, r->now, cookie, &r->err)))
		return rc;
	web_set_cookie(r, "mamori_session", cookie, -1);
	web_set_cookie(r, "mamori_login", "", 0);
	return web_redirect(r, web_home_for(p.role));
}

int web_post_logout(struct web_req *r)
{
	const char *cookie = web_kv_get(&r->cookies, "mamori_session");

	if (cookie)
		auth_session_end(r->s, cookie, NULL);
	web_audit(r, "logout", r->client, NULL);
	web_set_cookie(r, "mamori_session", "", 0);
	return web_redirect(r, "/login");
}
