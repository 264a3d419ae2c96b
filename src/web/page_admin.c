/* page_admin.c - user accounts (admin), the audit log (admin, analyst), the sharing page
 * and the embedded static assets. */
#include "base/compat.h"

#include "inventory/inventory.h"
#include "web/web_int.h"

struct sector_find {
	const char *code;
	bool en;
	char name[96];
};

static int find_sector(const char *code, const char *ja, const char *en, void *arg)
{
	struct sector_find *f = arg;

	if (strcmp(code, f->code))
		return 0;
	snprintf(f->name, sizeof f->name, "%s", f->en ? en : ja);
	return 1;
}

static int user_row(const struct auth_user *u, void *arg)
{
	struct web_req *r = arg;
	const char *verb = u->disabled ? "enable" : "disable";
	struct sector_find sf = {u->sector, r->lang == WEB_LANG_EN, ""};
	struct merr e;

	/* a bureau user's sector by its name (the code when the table has none) */
	merr_init(&e);
	if (u->sector[0] && inv_sectors(r->s, find_sector, &sf, &e) != 1)
		snprintf(sf.name, sizeof sf.name, "%s", u->sector);

	web_out(r,
		"<tr><td>%s</td><td data-stored>%s</td><td data-role=\"%s\">%s</td><td>%s</td>"
		"<td>%s</td><td>%T</td>"
		"<td>%s</td><td><form method=\"post\" action=\"/users/%u/%s\" class=\"inline\">",
		u->name, u->display, auth_role_name(u->role), web_role_name(r->lang, u->role),
		u->org_slug, sf.name, u->disabled ? M_DISABLED : M_ENABLED,
		web_jst(r, u->created_at), u->name, verb);
	web_csrf_field(r);
	web_out(r,
		"<button type=\"submit\">%T</button></form> <a href=\"/users/%u/tokens\" "
		"class=\"tokens\">%s</a></td></tr>",
		u->disabled ? M_ENABLE : M_DISABLE, u->name,
		r->lang == WEB_LANG_EN ? "API tokens" : "API トークン");
	return 0;
}

static void add_user_form(struct web_req *r)
{
	static const char *const roles[] = {"analyst", "bureau", "operator", "member", "admin"};

	web_out(r, "<h2>%T</h2><form method=\"post\" action=\"/users\" class=\"add-user\">",
		M_ADD_USER);
	web_csrf_field(r);
	web_out(r,
		"<label>%T <input name=\"name\" required maxlength=\"63\"></label>"
		"<label>%T <input name=\"display_name\" maxlength=\"127\"></label>"
		"<label>%T <select name=\"role\">",
		M_USERNAME, M_DISPLAY_NAME, M_ROLE);
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		web_out(r, "<option value=\"%s\">%s</option>", roles[i],
			web_code(r->lang, roles[i]));
	web_out(r,
		"</select></label><label>%T <input name=\"org\" maxlength=\"63\"></label>"
		"<label>%T <input name=\"sector\" maxlength=\"31\"></label>"
		"<label>%T <input name=\"password\" type=\"password\" required minlength=\"10\" "
		"maxlength=\"256\" autocomplete=\"new-password\"></label>"
		"<button type=\"submit\">%T</button></form>",
		M_ORG, M_SECTOR, M_PASSWORD, M_ADD_USER);
}

int web_page_users(struct web_req *r)
{
	int rc;

	web_page_begin(r, M_USERS);
	web_out(r,
		"<table id=\"users\"><thead><tr><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th><th></th></tr></thead><tbody>",
		M_USERNAME, M_DISPLAY_NAME, M_ROLE, M_ORG, M_SECTOR, M_STATUS, M_CREATED);
	if ((rc = auth_user_list(r->s, user_row, r, &r->err)))
		return rc;
	web_out(r, "</tbody></table>");
	add_user_form(r);
	web_page_end(r);
	return 0;
}

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

int web_post_users(struct web_req *r)
{
	struct auth_user_spec u = {0};

	u.name = web_kv_get(&r->form, "name");
	u.display = nonempty(web_kv_get(&r->form, "display_name"));
	u.role = auth_role_parse(web_kv_get(&r->form, "role"));
	u.org_slug = nonempty(web_kv_get(&r->form, "org"));
	u.sector = nonempty(web_kv_get(&r->form, "sector"));
	u.password = web_kv_get(&r->form, "password");
	if (!u.name || !u.password)
		return merr_set(&r->err, M_EINVAL, "name and password are required");
	int rc = auth_user_add(r->s, &u, r->now, NULL, &r->err);
	return rc ? rc : web_redirect(r, "/users");
}

static int set_disabled(struct web_req *r, bool disabled)
{
	int rc =
	    auth_user_set_disabled(r->s, web_kv_get(&r->params, "user"), disabled, r->now, &r->err);
	return rc ? rc : web_redirect(r, "/users");
}

int web_post_user_disable(struct web_req *r)
{
	return set_disabled(r, true);
}

int web_post_user_enable(struct web_req *r)
{
	return set_disabled(r, false);
}

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

/* An audit action "object.verb" in words ("org.read" -> 事業者の閲覧 / Operator: read); NULL
 * when a part is not in the tables (the code alone is shown then). */
static const char *audit_words(const struct web_req *r, const char *action, char *buf, size_t cap)
{
	static const char *const objs[][3] = {
	    {"org", "事業者", "Operator"},    {"finding", "指摘", "Finding"},
	    {"alert", "警報", "Alert"},	      {"asset", "資産", "Assets"},
	    {"assets", "資産", "Assets"},     {"audit", "監査ログ", "Audit log"},
	    {"case", "案件", "Case"},	      {"checklist", "チェックリスト", "Checklist"},
	    {"exercise", "演習", "Exercise"}, {"incident", "インシデント", "Incident"},
	    {"report", "報告書", "Report"},   {"share", "情報共有", "Sharing"},
	    {"taxii", "TAXII", "TAXII"},      {"token", "API トークン", "API token"},
	    {"user", "ユーザー", "User"},     {"inventory", "台帳", "Inventory"},
	    {"read", "閲覧", "Read"},	      {"scan", "スキャン", "Scan"},
	};
	static const char *const verbs[][3] = {
	    {"read", "閲覧", "read"},
	    {"export", "CSV 出力", "CSV export"},
	    {"ack", "確認", "acknowledged"},
	    {"decide", "判断", "decided"},
	    {"confirm", "自組織と確認", "confirmed ours"},
	    {"reject", "自組織ではない", "not ours"},
	    {"triage", "判定", "triage"},
	    {"message", "メッセージ", "message"},
	    {"open", "作成", "opened"},
	    {"update", "更新", "updated"},
	    {"save", "保存", "saved"},
	    {"sheet", "結果票", "result sheet"},
	    {"assess", "評価", "assessed"},
	    {"attach", "添付", "attachment"},
	    {"control", "操作", "control"},
	    {"file", "提出", "filed"},
	    {"invite", "招待", "invited"},
	    {"respond", "応答", "response"},
	    {"start", "開始", "started"},
	    {"clock", "期限", "clock"},
	    {"publish", "公開", "published"},
	    {"regimes", "制度", "regimes"},
	    {"report", "報告", "report"},
	    {"download", "ダウンロード", "download"},
	    {"generate", "作成", "generated"},
	    {"add", "追加", "added"},
	    {"delete", "削除", "deleted"},
	    {"revoke", "失効", "revoked"},
	    {"disable", "無効化", "disabled"},
	    {"enable", "有効化", "enabled"},
	    {"import", "取込", "imported"},
	    {"denied", "拒否", "denied"},
	};
	static const char *const single[][3] = {
	    {"login", "ログイン", "Login"},
	    {"logout", "ログアウト", "Logout"},
	    {"denied", "拒否 (権限なし)", "Denied (no permission)"},
	};
	bool en = r->lang == WEB_LANG_EN;
	const char *dot = strchr(action, '.'), *o = NULL, *v = NULL;

	for (size_t i = 0; !dot && i < ARRAY_SIZE(single); i++)
		if (!strcmp(action, single[i][0]))
			return single[i][en ? 2 : 1];
	if (!dot)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		if (strlen(objs[i][0]) == (size_t)(dot - action) &&
		    !strncmp(action, objs[i][0], (size_t)(dot - action)))
			o = objs[i][en ? 2 : 1];
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(dot + 1, verbs[i][0]))
			v = verbs[i][en ? 2 : 1];
	if (!o || !v)
		return NULL;
	snprintf(buf, cap, en ? "%s: %s" : "%sの%s", o, v);
	return buf;
}

static int audit_row(const struct auth_audit_row *a, void *arg)
{
	struct web_req *r = arg;
	char wb[128];
	const char *w = audit_words(r, a->action, wb, sizeof wb);
	const char *actor = !strcmp(a->actor, "anonymous") ? L(r, "未ログイン", "not signed in")
			    : !strcmp(a->actor, "system")  ? L(r, "システム", "system")
			    : !strcmp(a->actor, "cli")	   ? "CLI"
							   : a->actor;

	web_out(r, "<tr><td>%s</td><td>%s</td><td>%s%R<code>%s</code></td><td>%s</td></tr>",
		web_jst(r, a->at), actor, w ? w : "", w ? " " : "", a->action, a->object);
	return 0;
}

int web_page_audit(struct web_req *r)
{
	int64_t limit, offset, total = 0;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &limit, &offset)))
		return rc;
	web_page_begin(r, M_AUDIT_LOG);
	web_out(r,
		"<table id=\"audit\"><thead><tr><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"</tr></thead><tbody>",
		M_TIME, M_ACTOR, M_ACTION, M_OBJECT);
	web_audit_queue_flush(r->s); /* the newest reads too */
	if ((rc = auth_audit_list(r->s, limit, offset, audit_row, r, &total, &r->err)))
		return rc;
	web_out(r, "</tbody></table><nav class=\"pager\">%L–%L / %L", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total);
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"/audit?limit=%L&amp;offset=%L\">%T</a>", limit,
			offset + limit, M_NEXT);
	web_out(r, "</nav>");
	web_page_end(r);
	return 0;
}

int web_page_sharing(struct web_req *r)
{
	web_page_begin(r, M_SHARING);
	web_out(r, "<p id=\"sharing\">%T</p><p><code>GET /taxii2/</code></p>", M_SHARING_TEXT);
	web_page_end(r);
	return 0;
}

int web_get_static(struct web_req *r)
{
	const struct web_asset *a = web_asset_find(web_kv_get(&r->params, "file"));

	if (!a)
		return M_ENOTFOUND;
	buf_reset(&r->out);
	if (buf_add(&r->out, a->data, a->len))
		return M_ENOMEM;
	r->ctype = a->ctype;
	r->cacheable = true;
	return 0;
}
