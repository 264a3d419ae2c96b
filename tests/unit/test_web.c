/* test_web.c - the web front end's pure parts: HTML escaping, the escaping printf, the
 * request parsers, route matching, the route table's policies, authorisation decisions,
 * the row-level org filter, JSON bodies, the error-to-status table, the messages. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "inventory/inventory.h"
#include "web/web.h"
#include "web/web_int.h"
#include "testutil.h"

static void test_web__escape_covers_every_special(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(web_html_escape(&b, "<script>alert('x\"&`')</script>"), 0);
	assert_string_equal(buf_str(&b), "&lt;script&gt;alert(&#39;x&quot;&amp;&#96;&#39;)&lt;/"
					 "script&gt;");
	buf_reset(&b);
	assert_int_equal(web_html_escape(&b, "関東旅客鉄道"), 0);
	assert_string_equal(buf_str(&b), "関東旅客鉄道");
	buf_reset(&b);
	assert_int_equal(web_html_escape(&b, NULL), 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void test_web__htmlf_escapes_unless_raw(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(web_htmlf(&b, WEB_LANG_EN, "<a href=\"/orgs/%u\">%s</a>%R %d %L %T 100%%",
				   "a b/&c", "<b>", "<i>ok</i>", -3, (int64_t)1 << 40, M_LOGIN),
			 0);
	assert_string_equal(buf_str(&b), "<a href=\"/orgs/a%20b%2F%26c\">&lt;b&gt;</a><i>ok</i> -3 "
					 "1099511627776 Log in 100%");
	buf_reset(&b);
	assert_int_equal(web_htmlf(&b, WEB_LANG_JA, "%T", M_LOGIN), 0);
	assert_string_equal(buf_str(&b), "ログイン");
	assert_int_equal(web_htmlf(&b, WEB_LANG_JA, "%q", "x"), M_EINVAL);
	/* numbers without stdio: zero, the extremes */
	buf_reset(&b);
	assert_int_equal(web_htmlf(&b, WEB_LANG_EN, "%d|%d|%L|%L|%L", 0, -2147483647 - 1,
				   (int64_t)INT64_MIN, (int64_t)INT64_MAX, (int64_t)-7),
			 0);
	assert_string_equal(buf_str(&b),
			    "0|-2147483648|-9223372036854775808|9223372036854775807|-7");
	/* escaping: specials at both ends, runs between them */
	buf_reset(&b);
	assert_int_equal(web_html_escape(&b, "&a`b'"), 0);
	assert_string_equal(buf_str(&b), "&amp;a&#96;b&#39;");
	buf_release(&b);
}

static void test_web__every_message_has_both_languages(void **state)
{
	for (int m = 0; m < M_COUNT; m++) {
		assert_string_not_equal(web_msg(WEB_LANG_JA, (enum web_msg)m), "?");
		assert_string_not_equal(web_msg(WEB_LANG_EN, (enum web_msg)m), "?");
	}
}

static void test_web__pct_decode_is_strict(void **state)
{
	struct web_arena a;
	char *out;

	web_arena_init(&a, 1 << 16);
	assert_int_equal(web_pct_decode(&a, "a%20b+c", 7, true, &out), 0);
	assert_string_equal(out, "a b c");
	assert_int_equal(web_pct_decode(&a, "a+b", 3, false, &out), 0);
	assert_string_equal(out, "a+b");
	assert_int_equal(web_pct_decode(&a, "%E6%9D%B1", 9, false, &out), 0);
	assert_string_equal(out, "東");
	assert_int_equal(web_pct_decode(&a, "%zz", 3, false, &out), M_EPARSE);
	assert_int_equal(web_pct_decode(&a, "ab%4", 4, false, &out), M_EPARSE);
	assert_int_equal(web_pct_decode(&a, "%", 1, false, &out), M_EPARSE);
	assert_int_equal(web_pct_decode(&a, "a%00b", 5, false, &out), M_EPARSE);
	assert_int_equal(web_pct_decode(&a, "%C3%28", 6, false, &out), M_EPARSE); /* bad UTF-8 */
	assert_int_equal(web_pct_decode(&a, "%C0%AF", 6, false, &out), M_EPARSE); /* overlong / */
	assert_int_equal(web_pct_decode(&a, "\xff", 1, false, &out), M_EPARSE);
	assert_int_equal(web_pct_decode(&a, "%1b[0m", 6, false, &out), M_EPARSE); /* control */
	web_arena_release(&a);
}

static void test_web__query_and_form_parse(void **state)
{
	struct web_arena a;
	struct web_kvs kv;
	struct buf many;

	web_arena_init(&a, 1 << 20);
	assert_int_equal(web_query_parse(&a, "sector=water&x&&limit=5&q=%27+OR+1%3D1", 38, &kv), 0);
	assert_int_equal(kv.n, 4);
	assert_string_equal(web_kv_get(&kv, "sector"), "water");
	assert_string_equal(web_kv_get(&kv, "x"), "");
	assert_string_equal(web_kv_get(&kv, "q"), "' OR 1=1");
	assert_null(web_kv_get(&kv, "nope"));
	assert_int_equal(web_query_parse(&a, "a=%ff", 5, &kv), M_EPARSE);
	buf_init(&many, 0);
	for (int i = 0; i <= WEB_KV_MAX; i++)
		buf_addf(&many, "k%d=v&", i);
	assert_int_equal(web_query_parse(&a, buf_str(&many), many.len, &kv), M_ETOOBIG);
	buf_release(&many);
	web_arena_release(&a);
}

static void test_web__cookie_parse_skips_junk(void **state)
{
	struct web_arena a;
	struct web_kvs kv;
	const char *h = "mamori_lang=en;  mamori_session=\"abc\" ; junk; =x; bad=\xff; z=1";

	web_arena_init(&a, 1 << 16);
	assert_int_equal(web_cookie_parse(&a, h, strlen(h), &kv), 0);
	assert_string_equal(web_kv_get(&kv, "mamori_lang"), "en");
	assert_string_equal(web_kv_get(&kv, "mamori_session"), "abc");
	assert_string_equal(web_kv_get(&kv, "z"), "1");
	assert_null(web_kv_get(&kv, "bad"));
	assert_null(web_kv_get(&kv, "junk"));
	web_arena_release(&a);
}

static int parse_path(struct web_arena *a, const char *p, struct web_path *out)
{
	return web_path_parse(a, p, strlen(p), out);
}

static void test_web__path_refuses_traversal(void **state)
{
	static const char *const bad[] = {
	    "/static/../../etc/passwd",
	    "/static/..%2f..%2fetc%2fpasswd",
	    "/static/%2e%2e/x",
	    "/static/..%5cwin.ini",
	    "/static/%2E%2E%2F",
	    "/./x",
	    "static/x",
	    "/a%00b",
	    "/%c0%ae%c0%ae/x",
	    "/orgs/a%0ab",
	    "/orgs/a%0d%0aSet-Cookie:%20x",
	    "/orgs/a%09b",
	};
	struct web_arena a;
	struct web_path p;

	web_arena_init(&a, 1 << 16);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_not_equal(parse_path(&a, bad[i], &p), 0);
	assert_int_equal(parse_path(&a, "/", &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(parse_path(&a, "/orgs/kanto%2Drail", &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.seg[1], "kanto-rail");
	assert_int_equal(parse_path(&a, "/taxii2/", &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.seg[1], "");
	web_arena_release(&a);
}

static void test_web__routes_match_patterns_and_methods(void **state)
{
	const struct web_route *rt;
	struct web_arena a;
	struct web_kvs params;
	struct web_path p;

	web_arena_init(&a, 1 << 16);
	assert_int_equal(parse_path(&a, "/api/v1/orgs/kanto-rail/scope", &p), 0);
	assert_int_equal(web_route_find(&a, "GET", &p, &rt, &params), 0);
	assert_string_equal(rt->pattern, "/api/v1/orgs/{org}/scope");
	assert_string_equal(web_kv_get(&params, "org"), "kanto-rail");
	assert_int_equal(web_route_find(&a, "HEAD", &p, &rt, &params), 0);
	assert_int_equal(web_route_find(&a, "DELETE", &p, &rt, &params), M_EUNSUPPORTED);
	assert_int_equal(parse_path(&a, "/api/v1/orgs/kanto-rail/secrets", &p), 0);
	assert_int_equal(web_route_find(&a, "GET", &p, &rt, &params), M_ENOTFOUND);
	assert_int_equal(parse_path(&a, "/orgs/", &p), 0); /* empty parameter */
	assert_int_equal(web_route_find(&a, "GET", &p, &rt, &params), M_ENOTFOUND);
	assert_int_equal(parse_path(&a, "/", &p), 0);
	assert_int_equal(web_route_find(&a, "GET", &p, &rt, &params), 0);
	assert_string_equal(rt->pattern, "/");
	assert_true(
	    web_pattern_match(&a, "/a/{x}/b", &(struct web_path){{"a", "1", "b"}, 3}, &params));
	assert_false(web_pattern_match(&a, "/a/{x}/b", &(struct web_path){{"a", "1"}, 2}, NULL));
	assert_false(web_pattern_match(&a, "/a", &(struct web_path){{"a", "1"}, 2}, NULL));
	web_arena_release(&a);
}

static void test_web__route_table_has_a_policy_everywhere(void **state)
{
	assert_int_equal(web_routes_check(NULL), 0);
	for (size_t i = 0; i < web_routes_len; i++) {
		assert_true(web_routes[i].roles != 0);
		assert_true(web_routes[i].obj != WEB_OBJ_UNSET);
		/* nobody but the login page is open to anonymous callers, besides assets and
		 * the acknowledgement link of an alert mail (the token is the credential) */
		if (web_routes[i].roles & AUTH_ANON)
			assert_true(strcmp(web_routes[i].pattern, "/login") == 0 ||
				    strcmp(web_routes[i].pattern, "/ack/{token}") == 0 ||
				    strcmp(web_routes[i].pattern, "/static/{file}") == 0);
	}
	assert_true(web_role_may_get(AUTH_ROLE_ADMIN, "/users"));
	assert_false(web_role_may_get(AUTH_ROLE_OPERATOR, "/users"));
	assert_false(web_role_may_get(AUTH_ROLE_MEMBER, "/orgs"));
}

/* A request as the dispatcher sees it after parsing. */
static void fake_req(struct web_req *r, const char *method, const char *path, enum auth_role role)
{
	web_req_init(r, 1 << 20);
	r->method = method;
	r->raw_path = path;
	assert_int_equal(web_path_parse(&r->arena, path, strlen(path), &r->path), 0);
	assert_int_equal(web_route_find(&r->arena, method, &r->path, &r->route, &r->params), 0);
	r->who.role = role;
	if (role == AUTH_ROLE_OPERATOR)
		snprintf(r->who.org_slug, sizeof(r->who.org_slug), "org-a");
	if (role == AUTH_ROLE_BUREAU)
		snprintf(r->who.sector, sizeof(r->who.sector), "railways");
	if (role != AUTH_ROLE_NONE)
		snprintf(r->who.csrf, sizeof(r->who.csrf), "%064d", 7);
}

static enum web_authz authz(const char *method, const char *path, enum auth_role role)
{
	struct web_req r;
	enum web_authz z;

	fake_req(&r, method, path, role);
	z = web_authorize(&r);
	web_req_release(&r);
	return z;
}

static void test_web__authorize_decides_from_the_table(void **state)
{
	struct web_req r;

	assert_int_equal(authz("GET", "/", AUTH_ROLE_NONE), WEB_AUTHZ_LOGIN);
	assert_int_equal(authz("GET", "/api/v1/orgs", AUTH_ROLE_NONE), WEB_AUTHZ_LOGIN);
	assert_int_equal(authz("GET", "/login", AUTH_ROLE_NONE), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/orgs", AUTH_ROLE_MEMBER), WEB_AUTHZ_FORBIDDEN);
	assert_int_equal(authz("GET", "/users", AUTH_ROLE_ANALYST), WEB_AUTHZ_FORBIDDEN);
	assert_int_equal(authz("GET", "/users", AUTH_ROLE_ADMIN), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/api/v1/orgs/org-a", AUTH_ROLE_OPERATOR), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/api/v1/orgs/org-b", AUTH_ROLE_OPERATOR),
			 WEB_AUTHZ_NOT_FOUND);
	assert_int_equal(authz("GET", "/orgs/org-b", AUTH_ROLE_OPERATOR), WEB_AUTHZ_NOT_FOUND);
	/* TAXII: members, operators and analysts; the collection decides further (issue #21) */
	assert_int_equal(authz("GET", "/taxii2/", AUTH_ROLE_OPERATOR), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/taxii2/", AUTH_ROLE_BUREAU), WEB_AUTHZ_FORBIDDEN);
	assert_int_equal(authz("GET", "/taxii2/", AUTH_ROLE_MEMBER), WEB_AUTHZ_OK);
	/* writes need the session's CSRF token, unless a bearer token authenticated */
	assert_int_equal(authz("POST", "/users", AUTH_ROLE_ADMIN), WEB_AUTHZ_FORBIDDEN);
	fake_req(&r, "POST", "/users", AUTH_ROLE_ADMIN);
	r.form.v[0] = (struct web_kv){"csrf", r.who.csrf};
	r.form.n = 1;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	r.form.v[0].val = "0000";
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_FORBIDDEN);
	r.form.n = 0;
	r.csrf_header = r.who.csrf;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	r.csrf_header = NULL;
	r.who.via_token = true;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	web_req_release(&r);
	/* the login form is checked against its pre-session cookie */
	fake_req(&r, "POST", "/login", AUTH_ROLE_NONE);
	r.cookies.v[0] = (struct web_kv){"mamori_login", "abcd"};
	r.cookies.n = 1;
	r.form.v[0] = (struct web_kv){"csrf", "abcd"};
	r.form.n = 1;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	r.form.v[0].val = "abce";
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_FORBIDDEN);
	web_req_release(&r);
}

/* Alerts: bureau users read but never acknowledge; the link's POST needs its form token. */
static void test_web__alert_ack_routes_refuse_bureau_and_forged_link_posts(void **state)
{
	struct web_req r;

	(void)state;
	assert_int_equal(authz("GET", "/alerts", AUTH_ROLE_BUREAU), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/alerts/7", AUTH_ROLE_OPERATOR), WEB_AUTHZ_OK);
	assert_int_equal(authz("GET", "/api/v1/alerts", AUTH_ROLE_MEMBER), WEB_AUTHZ_FORBIDDEN);
	assert_int_equal(authz("GET", "/alerts", AUTH_ROLE_ADMIN), WEB_AUTHZ_FORBIDDEN);
	fake_req(&r, "POST", "/alerts/7/ack", AUTH_ROLE_BUREAU);
	r.form.v[0] = (struct web_kv){"csrf", r.who.csrf};
	r.form.n = 1;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_FORBIDDEN);
	r.who.role = AUTH_ROLE_OPERATOR;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	web_req_release(&r);
	assert_int_equal(authz("GET", "/ack/0123456789abcdef0123456789abcdef", AUTH_ROLE_NONE),
			 WEB_AUTHZ_OK);
	assert_int_equal(authz("POST", "/ack/0123456789abcdef0123456789abcdef", AUTH_ROLE_NONE),
			 WEB_AUTHZ_FORBIDDEN);
	fake_req(&r, "POST", "/ack/0123456789abcdef0123456789abcdef", AUTH_ROLE_NONE);
	r.cookies.v[0] = (struct web_kv){"mamori_login", "abcd"};
	r.cookies.n = 1;
	r.form.v[0] = (struct web_kv){"csrf", "abcd"};
	r.form.n = 1;
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_OK);
	r.form.v[0].val = "abce";
	assert_int_equal(web_authorize(&r), WEB_AUTHZ_FORBIDDEN);
	web_req_release(&r);
}

static void test_web__org_filter_narrows_to_the_callers_rows(void **state)
{
	struct web_req r;
	struct inv_filter f;

	fake_req(&r, "GET", "/api/v1/orgs", AUTH_ROLE_OPERATOR);
	assert_int_equal(web_org_filter(&r, NULL, NULL, &f), 0);
	assert_string_equal(f.slug, "org-a");
	assert_int_equal(web_org_filter(&r, "org-b", NULL, &f), M_ENOTFOUND);
	r.who.role = AUTH_ROLE_BUREAU;
	assert_int_equal(web_org_filter(&r, "org-b", NULL, &f), M_ENOTFOUND); /* no sector */
	snprintf(r.who.sector, sizeof(r.who.sector), "railways");
	assert_int_equal(web_org_filter(&r, "org-b", NULL, &f), 0);
	assert_string_equal(f.sector, "railways"); /* org-b is found only if it is railways */
	assert_string_equal(f.slug, "org-b");
	assert_int_equal(web_org_filter(&r, NULL, "water", &f), M_ENOTFOUND);
	r.who.role = AUTH_ROLE_ANALYST;
	assert_int_equal(web_org_filter(&r, NULL, "water", &f), 0);
	assert_null(f.slug);
	assert_string_equal(f.sector, "water");
	r.who.role = AUTH_ROLE_ADMIN;
	assert_int_equal(web_org_filter(&r, NULL, NULL, &f), M_EPERM);
	r.who.role = AUTH_ROLE_MEMBER;
	assert_int_equal(web_org_filter(&r, NULL, NULL, &f), M_EPERM);
	web_req_release(&r);
}

static int json(const char *body)
{
	cJSON *o = NULL;
	int rc = web_json_parse(body, strlen(body), web_user_fields, web_user_fields_len, &o, NULL);

	cJSON_Delete(o);
	return rc;
}

static void test_web__json_body_checked_against_fields(void **state)
{
	struct buf deep;

	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123456789\"}"),
			 0);
	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\"}"), M_EPARSE); /* required */
	assert_int_equal(json("{\"name\":1,\"role\":\"admin\",\"password\":\"0123456789\"}"),
			 M_EPARSE);
	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123456789\","
			      "\"is_root\":true}"),
			 M_EPARSE);
	assert_int_equal(json("{\"name\":\"x\",\"name\":\"y\",\"role\":\"a\",\"password\":\"p\"}"),
			 M_EPARSE);
	assert_int_equal(json("[1,2]"), M_EPARSE);
	assert_int_equal(json("{\"name\":"), M_EPARSE);
	assert_int_equal(json("{\"name\":\"\xc3\x28\"}"), M_EPARSE);
	assert_int_equal(json(""), M_EPARSE);
	/* C strings without surprises, and one object only (issue #19) */
	assert_int_equal(
	    json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123456789\\u0000ab\"}"),
	    M_EPARSE);
	assert_int_equal(
	    json("{\"name\":\"x\\u0000\",\"role\":\"admin\",\"password\":\"0123456789\"}"),
	    M_EPARSE);
	assert_int_equal(
	    json("{\"name\":\"x\x01\",\"role\":\"admin\",\"password\":\"0123456789\"}"), M_EPARSE);
	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123\t456789\"}"),
			 M_EPARSE);
	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123456789\"} x"),
			 M_EPARSE);
	assert_int_equal(json("{\"name\":\"x\",\"role\":\"admin\",\"password\":\"0123456789\"}{}"),
			 M_EPARSE);
	assert_int_equal(
	    json(" {\"name\":\"x\",\"role\":\"admin\",\"password\":\"01234\\\\u0000\"}\r\n"), 0);
	buf_init(&deep, 0);
	for (int i = 0; i < 100; i++)
		buf_adds(&deep, "{\"a\":");
	assert_int_equal(json(buf_str(&deep)), M_EPARSE);
	buf_release(&deep);
}

static void test_web__status_table_maps_library_codes(void **state)
{
	assert_int_equal(web_http_status(M_OK), 200);
	assert_int_equal(web_http_status(M_EPARSE), 400);
	assert_int_equal(web_http_status(M_EPERM), 403);
	assert_int_equal(web_http_status(M_ENOTFOUND), 404);
	assert_int_equal(web_http_status(M_EEXIST), 409);
	assert_int_equal(web_http_status(M_ETOOBIG), 413);
	assert_int_equal(web_http_status(M_ETIMEOUT), 429);
	assert_int_equal(web_http_status(M_ESTORE), 500);
	assert_int_equal(web_http_status(-999), 500);
	for (int c = M_ERR_MIN; c <= 0; c++)
		assert_int_not_equal(web_http_status(c), 0);
}

static void test_web__raw_request_parses_everything(void **state)
{
	static const char raw[] = "POST /users/a%20b/disable?lang=en HTTP/1.1\r\n"
				  "Cookie: mamori_session=abc; x=1\r\n"
				  "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
				  "csrf=123&name=%E5%B1%B1";
	struct web_arena a;
	struct web_raw_request r;

	web_arena_init(&a, 1 << 16);
	assert_int_equal(web_raw_parse(&a, raw, sizeof(raw) - 1, &r), 0);
	assert_string_equal(r.method, "POST");
	assert_int_equal(r.path.n, 3);
	assert_string_equal(r.path.seg[1], "a b");
	assert_string_equal(web_kv_get(&r.query, "lang"), "en");
	assert_string_equal(web_kv_get(&r.cookies, "mamori_session"), "abc");
	assert_string_equal(web_kv_get(&r.form, "name"), "山");
	assert_int_equal(web_raw_parse(&a, "GET", 3, &r), M_EPARSE);
	web_arena_release(&a);
}

static void test_web__stmt_cache_reuses_and_resets(void **state)
{
	char path[512], sql[64];
	struct store *s = NULL;
	struct store_stmt *a = NULL, *b = NULL, *c = NULL;
	struct web_req r;
	struct merr e;

	tu_path(path, sizeof(path), "stmt.db");
	remove(path);
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	web_req_init(&r, 1 << 20);
	r.s = s;
	/* outside a worker: prepared each time, finalized by web_stmt_done */
	assert_int_equal(web_stmt(&r, "SELECT ?1 + 1", &a), 0);
	web_stmt_done(&r, a);
	web_stmt_cache_attach(s);
	assert_int_equal(web_stmt(&r, "SELECT ?1 + 1", &a), 0);
	stmt_bind_int64(a, 1, 41);
	assert_int_equal(stmt_step(a, NULL), 1);
	assert_int_equal(stmt_int64(a, 0), 42);
	/* the same text while a is in use is another statement */
	assert_int_equal(web_stmt(&r, "SELECT ?1 + 1", &b), 0);
	assert_ptr_not_equal(a, b);
	web_stmt_done(&r, b);
	web_stmt_done(&r, a);
	/* given back: the same statement again, reset, its binding cleared (NULL + 1) */
	assert_int_equal(web_stmt(&r, "SELECT ?1 + 1", &c), 0);
	assert_true(c == a || c == b);
	assert_int_equal(stmt_step(c, NULL), 1);
	assert_true(stmt_is_null(c, 0));
	web_stmt_done(&r, c);
	/* 16 other texts push the oldest out; every text still runs */
	for (int i = 0; i < 17; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_int_equal(web_stmt(&r, sql, &c), 0);
		assert_int_equal(stmt_step(c, NULL), 1);
		assert_int_equal(stmt_int64(c, 0), i);
		web_stmt_done(&r, c);
	}
	/* a bad text is an error in r.err, and nothing is kept */
	assert_int_equal(web_stmt(&r, "SELEC nothing", &c), M_ESTORE);
	assert_null(c);
	web_stmt_cache_detach(); /* finalizes them: the sanitizers see no leak */
	web_req_release(&r);
	store_close(s);
}

static void test_web__arena_caps_allocations(void **state)
{
	struct web_arena a;

	web_arena_init(&a, 100);
	assert_non_null(web_arena_alloc(&a, 60));
	assert_null(web_arena_alloc(&a, 60));
	assert_null(web_arena_alloc(&a, SIZE_MAX));
	web_arena_release(&a);
}

static void test_web__report_file_names_are_period_and_fixed_format(void **state)
{
	static const char *const bad[] = {
	    "",		  "2026Q4",	   "2026Q4.",	   "2026Q5.pdf",
	    "2026Q0.pdf", "2026q4.pdf",	   "2026Q4.PDF",   "2026Q4.pdf.pdf",
	    "2026Q4.db",  "../2026Q4.pdf", "x/2026Q4.pdf", "2026Q4.pdf/",
	    "202Q4.pdf",  "20260Q4.pdf",   "abcdQ4.pdf",   "2026Q4..pdf",
	    ".pdf",	  "2026Q4.html ",  " 2026Q4.pdf",  "2026Q4.pdf\n",
	};
	char period[8];
	const char *ext = NULL;

	(void)state;
	assert_true(web_report_file_parse("2026Q4.pdf", period, &ext));
	assert_string_equal(period, "2026Q4");
	assert_string_equal(ext, "pdf");
	assert_true(web_report_file_parse("1999Q1.html", period, &ext));
	assert_string_equal(period, "1999Q1");
	assert_string_equal(ext, "html");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(web_report_file_parse(bad[i], period, &ext));
	assert_false(web_report_file_parse(NULL, period, &ext));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_web__escape_covers_every_special),
	    cmocka_unit_test(test_web__htmlf_escapes_unless_raw),
	    cmocka_unit_test(test_web__every_message_has_both_languages),
	    cmocka_unit_test(test_web__pct_decode_is_strict),
	    cmocka_unit_test(test_web__query_and_form_parse),
	    cmocka_unit_test(test_web__cookie_parse_skips_junk),
	    cmocka_unit_test(test_web__path_refuses_traversal),
	    cmocka_unit_test(test_web__routes_match_patterns_and_methods),
	    cmocka_unit_test(test_web__route_table_has_a_policy_everywhere),
	    cmocka_unit_test(test_web__authorize_decides_from_the_table),
	    cmocka_unit_test(test_web__alert_ack_routes_refuse_bureau_and_forged_link_posts),
	    cmocka_unit_test(test_web__org_filter_narrows_to_the_callers_rows),
	    cmocka_unit_test(test_web__json_body_checked_against_fields),
	    cmocka_unit_test(test_web__status_table_maps_library_codes),
	    cmocka_unit_test(test_web__raw_request_parses_everything),
	    cmocka_unit_test(test_web__arena_caps_allocations),
	    cmocka_unit_test(test_web__report_file_names_are_period_and_fixed_format),
	    cmocka_unit_test(test_web__stmt_cache_reuses_and_resets),
	};
	return cmocka_run_group_tests_name("web", tests, NULL, NULL);
}
