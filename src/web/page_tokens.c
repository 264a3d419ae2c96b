/* page_tokens.c - a user's API tokens in the admin console: id, label, created, last used and
 * state (never a secret: only hashes are stored), and a button to revoke one (issue #19). The
 * CLI does the same with `mamori user tokens NAME` / `mamori user revoke NAME TOKEN_ID`. */
#include "base/compat.h"

#include "web/web_int.h"

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

struct tok_page {
	struct web_req *r;
	const char *user;
	int n;
};

static int token_row(const struct auth_token_info *t, void *arg)
{
	struct tok_page *tp = arg;
	struct web_req *r = tp->r;

	tp->n++;
	web_out(r, "<tr><td>%L</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", t->id,
		t->label ? t->label : "—", web_jst(r, t->created_at),
		t->last_used_at ? web_jst(r, t->last_used_at) : "—",
		t->revoked ? L(r, "失効", "revoked") : L(r, "有効", "active"));
	if (!t->revoked) {
		web_out(r,
			"<form method=\"post\" action=\"/users/%u/tokens/%L/revoke\" "
			"class=\"inline\">",
			tp->user, t->id);
		web_csrf_field(r);
		web_out(r, "<button type=\"submit\" class=\"revoke\">%s</button></form>",
			L(r, "失効させる", "Revoke"));
	}
	web_out(r, "</td></tr>");
	return 0;
}

int web_page_user_tokens(struct web_req *r)
{
	struct tok_page tp = {r, web_kv_get(&r->params, "user"), 0};
	size_t mark;
	int rc;

	web_page_begin(r, M_USERS);
	web_out(r,
		"<h2>%s: %s</h2><table id=\"tokens\"><thead><tr><th>id</th><th>%s</th><th>%T</th>"
		"<th>%s</th><th>%T</th><th></th></tr></thead><tbody>",
		L(r, "API トークン", "API tokens"), tp.user, L(r, "ラベル", "Label"), M_CREATED,
		L(r, "最終使用", "Last used"), M_STATUS);
	mark = r->out.len;
	if ((rc = auth_token_list(r->s, tp.user, token_row, &tp, &r->err))) {
		r->out.len = mark;
		return rc;
	}
	web_out(r, "</tbody></table>");
	if (!tp.n)
		web_out(r, "<p class=\"empty\">%s</p>",
			L(r, "トークンはありません。", "No tokens."));
	web_out(r, "<p>%s</p><p><a href=\"/users\">%T</a></p>",
		L(r,
		  "パスワード変更と無効化はすべてのトークンを失効させます。新しいトークンは "
		  "mamori user token NAME で作成します。",
		  "A password change or disabling the user revokes all its tokens. Create one with "
		  "mamori user token NAME."),
		M_BACK);
	web_page_end(r);
	return 0;
}

int web_post_user_token_revoke(struct web_req *r)
{
	const char *user = web_kv_get(&r->params, "user");
	char loc[128];
	int64_t id;
	int rc;

	if (web_parse_uint(web_kv_get(&r->params, "id"), INT64_MAX / 10, &id) || id < 1)
		return M_ENOTFOUND;
	if ((rc = auth_token_revoke(r->s, user, id, r->now, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/users/%s/tokens", user);
	return web_redirect(r, loc);
}
