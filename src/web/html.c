/* html.c - HTML output: the one escape function, a printf that escapes every value unless
 * told otherwise, the page frame (navigation from the route table) and JST times. */
#include "base/compat.h"

#include "base/mtime.h"
#include "web/web_int.h"

int web_html_escape(struct buf *b, const char *s)
{
	int rc = 0;

	/* the bytes that end a run: NUL and the six escaped */
	static const unsigned char stop[256] = {
	    [0] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1, ['`'] = 1};

	while (s && *s && rc == 0) {
		const char *run = s;
		/* runs of plain bytes in one copy: a 200-row page escapes thousands of cells */
		while (!stop[(unsigned char)*s])
			s++;
		if (s > run && (rc = buf_add(b, run, (size_t)(s - run))))
			break;
		switch (*s) {
		case '\0': return 0;
		case '&': rc = buf_adds(b, "&amp;"); break;
		case '<': rc = buf_adds(b, "&lt;"); break;
		case '>': rc = buf_adds(b, "&gt;"); break;
		case '"': rc = buf_adds(b, "&quot;"); break;
		case '\'': rc = buf_adds(b, "&#39;"); break;
		default: rc = buf_adds(b, "&#96;"); break; /* '`' */
		}
		s++;
	}
	return rc;
}

/* Decimal text of v, without stdio. */
static int add_i64(struct buf *b, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = sizeof(tmp);

	do
		tmp[--k] = (char)('0' + u % 10);
	while ((u /= 10) && k > 1);
	if (v < 0)
		tmp[--k] = '-';
	return buf_add(b, tmp + k, sizeof(tmp) - k);
}

/* Percent-encodes everything but unreserved characters (RFC 3986), then escapes. */
static int add_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; s && *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			rc = buf_addc(b, (char)c);
		} else {
			char t[4] = {'%', hex[c >> 4], hex[c & 15], 0};
			rc = buf_adds(b, t);
		}
	}
	return rc;
}

int web_vhtmlf(struct buf *b, enum web_lang lang, const char *fmt, va_list ap)
{
	int rc = 0;

	for (const char *p = fmt; *p && rc == 0; p++) {
		const char *lit = p;
		while (*p && *p != '%')
			p++;
		if (p > lit)
			rc = buf_add(b, lit, (size_t)(p - lit));
		if (!*p || rc)
			break;
		switch (*++p) {
		case 's': rc = web_html_escape(b, va_arg(ap, const char *)); break;
		case 'd': rc = add_i64(b, va_arg(ap, int)); break;
		case 'L': rc = add_i64(b, va_arg(ap, int64_t)); break;
		case 'u': rc = add_urlenc(b, va_arg(ap, const char *)); break;
		case 'R': {
			const char *raw = va_arg(ap, const char *);
			rc = raw ? buf_adds(b, raw) : 0;
			break;
		}
		case 'T': rc = web_html_escape(b, web_msg(lang, va_arg(ap, int))); break;
		case '%': rc = buf_addc(b, '%'); break;
		default: return M_EINVAL; /* a bad format is a programming error */
		}
		if (!*p)
			break;
	}
	return rc;
}

int web_htmlf(struct buf *b, enum web_lang lang, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = web_vhtmlf(b, lang, fmt, ap);
	va_end(ap);
	return rc;
}

int web_out(struct web_req *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = web_vhtmlf(&r->out, r->lang, fmt, ap);
	va_end(ap);
	return rc;
}

const char *web_jst(struct web_req *r, int64_t t)
{
	char *s = web_arena_alloc(&r->arena, TIME_STR_MAX);

	if (!s)
		return "";
	if (t == 0)
		snprintf(s, TIME_STR_MAX, "—");
	else
		time_fmt_jst(t, s);
	return s;
}

const char *web_jst_date(struct web_req *r, int64_t t)
{
	char *s = web_arena_alloc(&r->arena, TIME_STR_MAX);

	if (!s)
		return "";
	if (t == 0)
		snprintf(s, TIME_STR_MAX, "—");
	else
		time_fmt_jst_date(t, s);
	return s;
}

void web_csrf_field(struct web_req *r)
{
	web_out(r, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->who.csrf);
}

/* Navigation entries; each is shown only when the route table lets the role GET it. */
static const struct {
	const char *path;
	enum web_msg label;
} nav[] = {
    {"/", M_NAV_DASHBOARD},	     {"/orgs", M_NAV_ORGS},	  {"/findings", M_NAV_FINDINGS},
    {"/feeds", M_NAV_FEEDS},	     {"/scans", M_NAV_SCANS},	  {"/users", M_NAV_USERS},
    {"/audit", M_NAV_AUDIT},	     {"/sharing", M_NAV_SHARING}, {"/alerts", M_NAV_ALERTS},
    {"/incidents", M_NAV_INCIDENTS}, {"/exercises", M_EXERCISES}, {"/sns", M_NAV_SNS},
};

/* The link that switches to the other language on the current page: a query-only relative
 * reference, never built from the request path (a path such as //evil.example/x would make a
 * network-path reference, a link off-site). */
static void lang_link(struct web_req *r)
{
	const char *other = r->lang == WEB_LANG_JA ? "en" : "ja";

	web_out(r, "<a class=\"lang\" href=\"?lang=%s\" hreflang=\"%s\" lang=\"%s\">%T</a>", other,
		other, other, M_LANG_SWITCH);
}

void web_page_begin_text(struct web_req *r, const char *title, const char *h1_id)
{
	r->ctype = "text/html; charset=utf-8";
	web_out(r,
		"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>%s — %T</title><link rel=\"stylesheet\" href=\"/static/mamori.css\">"
		"<script src=\"/static/mamori.js\" defer></script></head><body>"
		"<header><a class=\"brand\" href=\"/\">%T</a><nav>",
		r->lang == WEB_LANG_JA ? "ja" : "en", title, M_APP_NAME, M_APP_NAME);
	for (size_t i = 0; i < ARRAY_SIZE(nav) && r->who.role != AUTH_ROLE_NONE; i++)
		if (web_role_may_get(r->who.role, nav[i].path))
			web_out(r, "<a href=\"%s\">%T</a>", nav[i].path, nav[i].label);
	web_out(r, "</nav><div class=\"who\">");
	lang_link(r);
	if (r->who.role != AUTH_ROLE_NONE) {
		web_out(r,
			"<span class=\"user\"><span data-stored>%s</span> (<span class=\"role\" "
			"data-role=\"%s\">%s</span>)</span>",
			r->who.display, auth_role_name(r->who.role),
			web_role_name(r->lang, r->who.role));
		web_out(r, "<form method=\"post\" action=\"/logout\" class=\"inline\">");
		web_csrf_field(r);
		web_out(r, "<button type=\"submit\" id=\"logout\">%T</button></form>", M_LOGOUT);
	}
	if (h1_id)
		web_out(r, "</div></header><main><h1 id=\"%s\">%s</h1>", h1_id, title);
	else
		web_out(r, "</div></header><main><h1>%s</h1>", title);
}

void web_page_begin(struct web_req *r, enum web_msg title)
{
	web_page_begin_text(r, web_msg(r->lang, title), NULL);
}

void web_page_end(struct web_req *r)
{
	web_out(r, "</main><footer>%T · mamori %s</footer></body></html>\n", M_TIMES_JST,
		MAMORI_VERSION);
}
