/* page_share.c - the sharing console (issue #21): collections the caller may use, a searchable
 * object list with TLP badges in the official colours, one object with its relationships and
 * sightings, and publishing indicators (analysts; others where they may write). Everything the
 * caller sees goes through src/share with its rights and TLP. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "share/share.h"
#include "web/web_int.h"

#define L(r, ja, en) ((r)->lang == WEB_LANG_EN ? (en) : (ja))

static void who_of(const struct web_req *r, struct share_who *w)
{
	w->user = r->who.name;
	w->role = auth_role_name(r->who.role);
	w->org = r->who.org_slug[0] ? r->who.org_slug : NULL;
}

/* A TLP badge with who may see it (FIRST TLP 2.0) as its tooltip, in r's language. */
static void badge(struct web_req *r, const char *tlp)
{
	static const struct {
		int tlp;
		const char *cls, *label, *ja, *en;
	} tlps[] = {
	    {SHARE_TLP_CLEAR, "clear", "CLEAR", "開示の制限なし", "Disclosure is not limited"},
	    {SHARE_TLP_GREEN, "green", "GREEN", "コミュニティ内で共有可（一般公開は不可）",
	     "Within the community, not in public"},
	    {SHARE_TLP_AMBER, "amber", "AMBER", "受領者の組織と顧客内で、知る必要のある者に限る",
	     "The recipient's organisation and its clients, on a need-to-know basis"},
	    {SHARE_TLP_AMBER_STRICT, "amber-strict", "AMBER+STRICT",
	     "受領者の組織内で、知る必要のある者に限る",
	     "The recipient's organisation only, on a need-to-know basis"},
	    {SHARE_TLP_RED, "red", "RED", "受領者本人に限る（再共有不可）",
	     "The individual recipients only, no further sharing"},
	};
	int t = share_tlp_parse(tlp);
	size_t i = 0;

	while (i + 1 < ARRAY_SIZE(tlps) && tlps[i].tlp != t)
		i++;
	if (tlps[i].tlp != t)
		i = 0;
	web_out(r, "<span class=\"tlp tlp-%s\" title=\"%s\">TLP:%s</span>", tlps[i].cls,
		r->lang == WEB_LANG_EN ? tlps[i].en : tlps[i].ja, tlps[i].label);
}

struct cl {
	struct web_req *r;
	struct share_who w;
	int n;
};

static int coll_row(const struct share_collection *c, void *arg)
{
	struct cl *x = arg;
	bool rd = share_may(x->r->s, c, &x->w, false), wr = share_may(x->r->s, c, &x->w, true);

	if (!rd && !wr)
		return 0;
	x->n++;
	web_out(x->r, "<tr><td><a href=\"/share/%u\">%s</a></td><td data-stored>%s</td><td>",
		c->alias, c->alias, c->title);
	badge(x->r, share_tlp_name(c->tlp));
	web_out(x->r, "</td><td>%s%s%s</td></tr>", rd ? L(x->r, "閲覧", "read") : "",
		rd && wr ? " / " : "", wr ? L(x->r, "投稿", "write") : "");
	return 0;
}

int web_page_share(struct web_req *r)
{
	struct cl x = {.r = r};
	int rc;

	who_of(r, &x.w);
	web_page_begin(r, M_SHARING);
	web_out(r, "<p>%s <code>/taxii2/</code></p>",
		L(r, "交通ISAC と STIX 2.1 / TAXII 2.1 で共有するコレクションです。TAXII:",
		  "Collections shared with the ISAC over STIX 2.1 / TAXII 2.1. TAXII:"));
	web_out(r,
		"<table id=\"collections\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th></tr></thead><tbody>",
		L(r, "別名", "Alias"), L(r, "名称", "Title"), L(r, "既定の TLP", "Default TLP"),
		L(r, "権限", "Access"));
	if ((rc = share_collection_each(r->s, coll_row, &x, &r->err)))
		return rc;
	web_out(r, "</tbody></table>");
	if (!x.n)
		web_out(r, "<p class=\"empty\">%s</p>",
			L(r, "利用できるコレクションはありません。", "No collection for you yet."));
	web_page_end(r);
	return 0;
}

/* The {coll} parameter the caller may read or write; false after answering 404. */
static bool coll(struct web_req *r, struct share_collection *c, struct share_who *w)
{
	const char *id = web_kv_get(&r->params, "coll");
	struct merr e;

	who_of(r, w);
	merr_init(&e);
	if (!id || share_collection_get(r->s, id, c, &e) ||
	    (!share_may(r->s, c, w, false) && !share_may(r->s, c, w, true))) {
		web_error(r, 404, mamori_errname(M_ENOTFOUND), web_msg(r->lang, M_ERR_NOT_FOUND));
		return false;
	}
	return true;
}

struct ol {
	struct web_req *r;
	const char *alias;
	int n;
};

static const char *name_of(cJSON *o)
{
	static const char *const keys[] = {"name",	     "value",	"pattern",
					   "content",	     "opinion", "relationship_type",
					   "sighting_of_ref"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (cJSON_IsString(v))
			return v->valuestring;
	}
	return "";
}

static int obj_row(const struct share_row *row, void *arg)
{
	struct ol *x = arg;
	cJSON *o = cJSON_ParseWithLength(row->raw, row->raw_len);

	x->n++;
	web_out(x->r,
		"<tr><td class=\"stix-type\">%s <code>%s</code></td><td><a "
		"href=\"/share/%u/objects/%u\" data-stored>%s</a></td><td>",
		web_stix_type(x->r->lang, row->type), row->type, x->alias, row->id,
		o ? name_of(o) : "");
	badge(x->r, row->tlp);
	web_out(x->r, "</td><td>%s</td></tr>", web_jst(x->r, row->date_added / 1000000));
	cJSON_Delete(o);
	return 0;
}

/* "amber+strict" -> "AMBER+STRICT", as TLP 2.0 writes the labels */
static const char *tlp_upper(int t)
{
	static _Thread_local char b[16];
	const char *n = share_tlp_name(t);
	size_t i = 0;

	for (; n && n[i] && i + 1 < sizeof b; i++)
		b[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 'a' + 'A' : n[i]);
	b[i] = '\0';
	return b;
}

int web_page_share_coll(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;
	struct ol x = {.r = r};
	const char *type = web_kv_get(&r->query, "type"), *tlp = web_kv_get(&r->query, "tlp");
	const char *text = web_kv_get(&r->query, "q"), *off = web_kv_get(&r->query, "offset");
	int64_t offset = 0;
	bool more = false, known;
	struct merr e;
	int rc;

	if (!coll(r, &c, &w))
		return 0;
	share_query_init(&q, SHARE_V_LAST);
	q.who = &w;
	q.limit = 50;
	merr_init(&e);
	if (type && *type && share_query_param(&q, "match[type]", type, &known, &e))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "type", "bad type");
	if (tlp && *tlp) {
		if (!share_tlp_parse(tlp))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "tlp", "unknown TLP level");
		q.tlp_only = share_tlp_name(share_tlp_parse(tlp));
	}
	if (text && *text)
		q.text = text;
	if (off && *off && web_parse_uint(off, 1000000, &offset))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "offset", "not a number");
	q.offset = (size_t)offset;
	web_page_begin(r, M_SHARING);
	web_out(r, "<h2 id=\"coll-title\" data-stored>%s</h2><p>%s ", c.title,
		L(r, "既定の TLP", "Default TLP"));
	badge(r, share_tlp_name(c.tlp));
	web_out(r,
		"</p><form class=\"filter\" method=\"get\" action=\"/share/%u\">"
		"<label>%s <select id=\"f-type\" name=\"type\"><option value=\"\">%T</option>",
		c.alias, L(r, "種類", "Type"), M_ALL);
	{
		static const char *const types[] = {"indicator", "sighting",	  "relationship",
						    "identity",	 "vulnerability", "malware",
						    "report",	 "note",	  "opinion"};
		bool listed = false;
		for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
			bool sel = type && !strcmp(type, types[i]);
			listed |= sel;
			web_out(r, "<option value=\"%s\"%R>%s</option>", types[i],
				sel ? " selected" : "", web_stix_type(r->lang, types[i]));
		}
		if (type && *type && !listed)
			web_out(r, "<option value=\"%s\" selected>%s</option>", type,
				web_stix_type(r->lang, type));
	}
	web_out(r, "</select></label>"
		   "<label>TLP <select id=\"f-tlp\" name=\"tlp\"><option value=\"\">-</option>");
	for (int t = SHARE_TLP_CLEAR; t <= SHARE_TLP_RED; t++)
		web_out(r, "<option value=\"%s\"%R>TLP:%s</option>", share_tlp_name(t),
			tlp && share_tlp_parse(tlp) == t ? " selected" : "", tlp_upper(t));
	web_out(r,
		"</select></label><label>%s <input id=\"f-q\" name=\"q\" value=\"%s\"></label>"
		"<button type=\"submit\">%s</button></form>",
		L(r, "検索", "Search"), text ? text : "", L(r, "絞り込み", "Filter"));
	x.alias = c.alias;
	web_out(r,
		"<table id=\"objects\"><thead><tr><th>%s</th><th>%s</th><th>TLP</th><th>%s</th>"
		"</tr></thead><tbody>",
		L(r, "種類", "Type"), L(r, "名称", "Name"), L(r, "登録日時", "Added"));
	if (share_may(r->s, &c, &w, false) &&
	    (rc = share_query_run(r->s, &c, &q, obj_row, &x, &more, &r->err)))
		return rc;
	web_out(r, "</tbody></table>");
	if (more)
		web_out(r,
			"<nav class=\"pager\"><a rel=\"next\" "
			"href=\"/share/%u?offset=%L\">%T</a></nav>",
			c.alias, offset + 50, M_NEXT);
	if (share_may(r->s, &c, &w, true)) {
		web_out(r,
			"<h2>%s</h2><form id=\"publish\" class=\"add-user\" method=\"post\" "
			"action=\"/share/%u/publish\">",
			L(r, "指標の公開", "Publish indicators"), c.alias);
		web_csrf_field(r);
		static const char *const kinds[] = {"ipv4", "ipv6",   "domain",
						    "url",  "sha256", "email"};
		web_out(r, "<label>%s <select id=\"p-kind\" name=\"kind\">", L(r, "種類", "Kind"));
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
			web_out(r, "<option value=\"%s\">%s</option>", kinds[i],
				web_ioc_kind(r->lang, kinds[i]));
		web_out(r,
			"</select></label>"
			"<label>%s <textarea id=\"p-values\" name=\"values\" "
			"rows=\"4\"></textarea></label>"
			"<label>%s <input id=\"p-name\" name=\"name\"></label>"
			"<label>TLP <select id=\"p-tlp\" "
			"name=\"tlp\"><option value=\"clear\">TLP:CLEAR</option><option "
			"value=\"green\">TLP:GREEN</option><option value=\"amber\" "
			"selected>TLP:AMBER</option><option value=\"amber+strict\">TLP:AMBER+STRICT"
			"</option><option value=\"red\">TLP:RED</option></select></label>"
			"<button type=\"submit\">%s</button></form>",
			L(r, "値 (1 行に 1 つ、事業者名は含めない)",
			  "Values (one a line, no operator names)"),
			L(r, "説明", "Name"), L(r, "公開", "Publish"));
	}
	web_page_end(r);
	return 0;
}

static int rel_row(const struct share_row *row, void *arg)
{
	struct ol *x = arg;
	cJSON *o = cJSON_ParseWithLength(row->raw, row->raw_len);
	const char *other = "";

	if (o) {
		static const char *const k[] = {"source_ref", "target_ref", "sighting_of_ref"};
		for (size_t i = 0; i < ARRAY_SIZE(k); i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k[i]);
			if (cJSON_IsString(v) && strcmp(v->valuestring, x->r->raw_path) != 0)
				other = v->valuestring;
		}
	}
	x->n++;
	web_out(x->r,
		"<li class=\"%s\"><a href=\"/share/%u/objects/%u\">%s</a> <code>%s</code> "
		"<span data-stored>%s</span> ",
		row->type, x->alias, row->id, web_stix_type(x->r->lang, row->type), row->type,
		o ? name_of(o) : "");
	badge(x->r, row->tlp);
	web_out(x->r, " <span data-stored>%s</span></li>", other);
	cJSON_Delete(o);
	return 0;
}

static int version_row(const struct share_row *row, void *arg)
{
	struct web_req *r = arg;
	web_out(r, "<section class=\"stix-version\"><p>%s <code>%s</code> %s ",
		web_stix_type(r->lang, row->type), row->type, row->version);
	badge(r, row->tlp);
	web_out(r, " %s</p><pre class=\"stix\" data-stored>%s</pre></section>",
		web_jst(r, row->date_added / 1000000), row->raw);
	return 0;
}

int web_page_share_object(struct web_req *r)
{
	struct share_collection c;
	struct share_query q;
	struct share_who w;
	struct ol x = {.r = r};
	const char *id = web_kv_get(&r->params, "object");
	bool more, known;
	struct merr e;
	int rc;

	if (!coll(r, &c, &w))
		return 0;
	if (!share_may(r->s, &c, &w, false)) {
		web_error(r, 403, mamori_errname(M_EPERM), web_msg(r->lang, M_ERR_FORBIDDEN));
		return 0;
	}
	share_query_init(&q, SHARE_V_ALL);
	q.who = &w;
	q.limit = 20;
	merr_init(&e);
	if (!id || strchr(id, ',') || share_query_param(&q, "match[id]", id, &known, &e)) {
		web_error(r, 404, mamori_errname(M_ENOTFOUND), web_msg(r->lang, M_ERR_NOT_FOUND));
		return 0;
	}
	web_page_begin(r, M_SHARING);
	web_out(r, "<h2 id=\"object-id\">%s</h2><div id=\"versions\">", id);
	/* every version visible to the caller, verbatim */
	if ((rc = share_query_run(r->s, &c, &q, version_row, r, &more, &r->err)))
		return rc;
	web_out(r, "</div>");
	if (!strstr(r->out.ptr ? r->out.ptr : "", "class=\"stix\"")) {
		web_error(r, 404, mamori_errname(M_ENOTFOUND), web_msg(r->lang, M_ERR_NOT_FOUND));
		return 0;
	}
	/* relationships and sightings naming it */
	share_query_init(&q, SHARE_V_LAST);
	q.who = &w;
	q.limit = 200;
	q.types = "relationship,sighting";
	q.text = id;
	x.alias = c.alias;
	web_out(r, "<h2>%s</h2><ul id=\"related\">",
		L(r, "関係と観測", "Relationships and sightings"));
	{
		const char *saved = r->raw_path;
		r->raw_path = id; /* rel_row shows the other end */
		rc = share_query_run(r->s, &c, &q, rel_row, &x, &more, &r->err);
		r->raw_path = saved;
		if (rc)
			return rc;
	}
	web_out(r, "</ul>");
	if (!x.n)
		web_out(r, "<p class=\"empty\">%s</p>", L(r, "ありません。", "None."));
	web_out(r, "<p><a href=\"/share/%u\">%T</a></p>", c.alias, M_BACK);
	web_page_end(r);
	return 0;
}

int web_post_share_publish(struct web_req *r)
{
	struct share_collection c;
	struct share_import_result res;
	struct share_who w;
	const char *kind = web_kv_get(&r->form, "kind"), *values = web_kv_get(&r->form, "values");
	const char *name = web_kv_get(&r->form, "name"), *tlp = web_kv_get(&r->form, "tlp");
	static const struct {
		const char *kind, *path;
	} paths[] = {{"ipv4", "ipv4-addr:value"},	  {"ipv6", "ipv6-addr:value"},
		     {"domain", "domain-name:value"},	  {"url", "url:value"},
		     {"sha256", "file:hashes.'SHA-256'"}, {"email", "email-addr:value"}};
	const char *path = NULL;
	struct buf env;
	char now[40], loc[160];
	int t, rc, n = 0;

	if (!coll(r, &c, &w))
		return 0;
	if (!share_may(r->s, &c, &w, true)) {
		web_error(r, 403, mamori_errname(M_EPERM), web_msg(r->lang, M_ERR_FORBIDDEN));
		return 0;
	}
	for (size_t i = 0; kind && i < ARRAY_SIZE(paths); i++)
		if (strcmp(kind, paths[i].kind) == 0)
			path = paths[i].path;
	if (!path)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "kind", "unknown kind");
	if (!(t = share_tlp_parse(tlp)))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "tlp", "unknown TLP level");
	if (!values || !*values)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "values", "no value");
	{
		time_t tt = (time_t)r->now;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	}
	buf_init(&env, 4 << 20);
	buf_adds(&env, "{\"objects\":[");
	for (const char *p = values; *p && n < 1000;) {
		size_t len = strcspn(p, "\r\n");
		char v[1024], pat[2300], uuid[40];
		size_t k = 0;
		if (len && len < sizeof(v)) {
			memcpy(v, p, len);
			v[len] = '\0';
			while (len && v[len - 1] == ' ')
				v[--len] = '\0';
			snprintf(pat, sizeof(pat), "[%s = '", path);
			k = strlen(pat);
			for (size_t i = 0; v[i] && k < sizeof(pat) - 4; i++) {
				if (v[i] == '\'' || v[i] == '\\')
					pat[k++] = '\\';
				pat[k++] = v[i];
			}
			pat[k] = '\0';
			strncat(pat, "']", sizeof(pat) - strlen(pat) - 1);
			share_uuid4(uuid);
			buf_addf(&env,
				 "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
				 "\"indicator--%s\","
				 "\"created\":\"%s\",\"modified\":\"%s\","
				 "\"indicator_types\":[\"malicious-activity\"],\"name\":",
				 n ? "," : "", uuid, now, now);
			buf_add_json_str(&env, name && *name ? name : v);
			buf_adds(&env, ",\"pattern\":");
			buf_add_json_str(&env, pat);
			buf_addf(&env,
				 ",\"pattern_type\":\"stix\",\"valid_from\":\"%s\","
				 "\"object_marking_refs\":[\"%s\"]}",
				 now, share_tlp_marking_id(t, false));
			n++;
		}
		p += strcspn(p, "\r\n");
		p += strspn(p, "\r\n");
	}
	buf_adds(&env, "]}");
	rc = share_import(r->s, &c, env.ptr, env.len, 0, &res, &r->err);
	buf_release(&env);
	if (rc)
		return rc;
	if (res.n_failed) {
		char m[600];
		m[0] = '\0';
		for (size_t i = 0; i < res.n_items; i++)
			if (!res.items[i].ok)
				snprintf(m, sizeof(m), "%.590s", res.items[i].message);
		share_import_result_free(&res);
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "values", "%s", m);
	}
	if (res.n_indicators) {
		struct share_match_stats ms;
		if ((rc = share_match_run(r->s, r->now, NULL, &ms, &r->err))) {
			share_import_result_free(&res);
			return rc;
		}
	}
	share_import_result_free(&res);
	snprintf(loc, sizeof(loc), "/share/%s?type=indicator", c.alias);
	return web_redirect(r, loc);
}
