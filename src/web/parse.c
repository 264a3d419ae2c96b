/* parse.c - the request parsers: percent-decoding, query strings and forms, cookies, paths,
 * route patterns, raw requests. Pure functions over bytes, fuzzed by fuzz_web_request. */
#include "base/compat.h"

#include "base/hex.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "web/web_int.h"

struct web_arena_block {
	struct web_arena_block *next;
	max_align_t align[]; /* the bytes handed out follow */
};

void web_arena_init(struct web_arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

void web_arena_release(struct web_arena *a)
{
	struct web_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		m_free(b);
	}
	a->head = NULL;
	a->used = 0;
}

void *web_arena_alloc(struct web_arena *a, size_t n)
{
	struct web_arena_block *b;

	/* One block per allocation keeps it simple; requests make few of them. */
	if (n > a->max || a->used > a->max - n)
		return NULL;
	b = m_calloc(1, sizeof(*b) + n + 1);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	a->used += n;
	return b->align;
}

char *web_arena_strndup(struct web_arena *a, const char *s, size_t n)
{
	char *p = web_arena_alloc(a, n + 1);

	if (p && n)
		memcpy(p, s, n);
	return p;
}

const char *web_kv_get(const struct web_kvs *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->v[i].key, key) == 0)
			return kv->v[i].val;
	return NULL;
}

int web_pct_decode(struct web_arena *a, const char *in, size_t len, bool plus_space, char **out)
{
	char *p = web_arena_alloc(a, len + 1);
	size_t n = 0;

	*out = NULL;
	if (!p)
		return M_ETOOBIG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return M_EPARSE;
			hi = hex_value(in[i + 1]);
			lo = hex_value(in[i + 2]);
			if (hi < 0 || lo < 0)
				return M_EPARSE;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return M_EPARSE;
		p[n++] = (char)c;
	}
	p[n] = '\0';
	if (!utf8_valid(p, n, NULL))
		return M_EPARSE;
	*out = p;
	return 0;
}

int web_query_parse(struct web_arena *a, const char *s, size_t len, struct web_kvs *out)
{
	size_t i = 0;

	out->n = 0;
	while (i < len) {
		size_t start = i, eq = (size_t)-1;
		char *k, *v;
		int rc;

		while (i < len && s[i] != '&') {
			if (s[i] == '=' && eq == (size_t)-1)
				eq = i;
			i++;
		}
		if (i > start) {
			size_t kend = eq == (size_t)-1 ? i : eq;
			if (out->n == WEB_KV_MAX)
				return M_ETOOBIG;
			if ((rc = web_pct_decode(a, s + start, kend - start, true, &k)))
				return rc;
			if (eq == (size_t)-1)
				rc = web_pct_decode(a, "", 0, true, &v);
			else
				rc = web_pct_decode(a, s + eq + 1, i - eq - 1, true, &v);
			if (rc)
				return rc;
			out->v[out->n].key = k;
			out->v[out->n].val = v;
			out->n++;
		}
		i++; /* skip '&' */
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

int web_cookie_parse(struct web_arena *a, const char *s, size_t len, struct web_kvs *out)
{
	size_t i = 0;

	out->n = 0;
	while (i < len && out->n < WEB_KV_MAX) {
		size_t ks, ke, vs, ve;
		while (i < len && (is_space(s[i]) || s[i] == ';'))
			i++;
		ks = i;
		while (i < len && s[i] != '=' && s[i] != ';')
			i++;
		ke = i;
		if (i >= len || s[i] != '=') {
			continue; /* "name" without a value: skipped */
		}
		vs = ++i;
		while (i < len && s[i] != ';')
			i++;
		ve = i;
		while (ke > ks && is_space(s[ke - 1]))
			ke--;
		while (ve > vs && is_space(s[ve - 1]))
			ve--;
		if (ve - vs >= 2 && s[vs] == '"' && s[ve - 1] == '"') {
			vs++;
			ve--;
		}
		if (ke == ks || memchr(s + ks, 0, ke - ks) || memchr(s + vs, 0, ve - vs) ||
		    !utf8_valid(s + ks, ke - ks, NULL) || !utf8_valid(s + vs, ve - vs, NULL))
			continue;
		out->v[out->n].key = web_arena_strndup(a, s + ks, ke - ks);
		out->v[out->n].val = web_arena_strndup(a, s + vs, ve - vs);
		if (!out->v[out->n].key || !out->v[out->n].val)
			return M_ETOOBIG;
		out->n++;
	}
	return 0;
}

int web_path_parse(struct web_arena *a, const char *path, size_t len, struct web_path *out)
{
	size_t i = 1;

	out->n = 0;
	if (len == 0 || path[0] != '/')
		return M_EPARSE;
	if (len == 1)
		return 0;
	/* Split on '/' before decoding, so an encoded slash stays inside its segment (and is
	 * then refused): "..%2f..%2fetc" never becomes a path of its own. */
	while (i <= len) {
		size_t start = i;
		char *seg;
		int rc;
		while (i < len && path[i] != '/')
			i++;
		if (out->n == WEB_SEG_MAX)
			return M_ETOOBIG;
		if ((rc = web_pct_decode(a, path + start, i - start, false, &seg)))
			return rc;
		/* No tab, CR or LF either (forms may hold them; a path never does): a segment
		 * may end up in a header (Location, Content-Disposition) or a log line. */
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '/') ||
		    strchr(seg, '\\') || strpbrk(seg, "\t\r\n"))
			return M_EPARSE;
		out->seg[out->n++] = seg;
		i++;
	}
	return 0;
}

bool web_pattern_match(struct web_arena *a, const char *pattern, const struct web_path *p,
		       struct web_kvs *params)
{
	size_t si = 0;
	const char *q = pattern;

	if (params)
		params->n = 0;
	if (*q != '/')
		return false;
	if (strcmp(pattern, "/") == 0)
		return p->n == 0;
	q++;
	for (;;) {
		const char *end = strchr(q, '/');
		size_t n = end ? (size_t)(end - q) : strlen(q);
		if (si >= p->n)
			return false;
		if (n >= 2 && q[0] == '{' && q[n - 1] == '}') {
			if (p->seg[si][0] == '\0')
				return false; /* a parameter is never empty */
			if (params && a && params->n < WEB_KV_MAX) {
				const char *k = web_arena_strndup(a, q + 1, n - 2);
				if (!k)
					return false;
				params->v[params->n].key = k;
				params->v[params->n].val = p->seg[si];
				params->n++;
			}
		} else if (strlen(p->seg[si]) != n || memcmp(p->seg[si], q, n) != 0) {
			return false;
		}
		si++;
		if (!end)
			break;
		q = end + 1;
	}
	return si == p->n;
}

int web_parse_uint(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return M_EPARSE;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return M_EPARSE;
		v = v * 10 + (*c - '0');
		if (v > max)
			return M_EPARSE;
	}
	*out = v;
	return 0;
}

/* Finds the end of the line starting at i ("\r\n" or "\n"); returns its length. */
static size_t line_len(const char *d, size_t len, size_t i, size_t *next)
{
	size_t j = i;

	while (j < len && d[j] != '\n')
		j++;
	*next = j < len ? j + 1 : len;
	if (j > i && d[j - 1] == '\r')
		j--;
	return j - i;
}

static bool header_is(const char *line, size_t n, const char *name, const char **val,
		      size_t *val_len)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	*val = line + k + 1;
	*val_len = n - k - 1;
	while (*val_len && is_space(**val)) {
		(*val)++;
		(*val_len)--;
	}
	return true;
}

int web_raw_parse(struct web_arena *a, const char *data, size_t len, struct web_raw_request *out)
{
	size_t i = 0, next, n, sp1, sp2, qpos;
	const char *line = data;
	int rc;

	memset(out, 0, sizeof(*out));
	n = line_len(data, len, 0, &next);
	for (sp1 = 0; sp1 < n && line[sp1] != ' '; sp1++)
		;
	for (sp2 = sp1 + 1; sp2 < n && line[sp2] != ' '; sp2++)
		;
	if (sp1 == 0 || sp1 >= n)
		return M_EPARSE;
	if (sp2 > n)
		sp2 = n;
	out->method = web_arena_strndup(a, line, sp1);
	if (!out->method)
		return M_ETOOBIG;
	for (qpos = sp1 + 1; qpos < sp2 && line[qpos] != '?'; qpos++)
		;
	if ((rc = web_path_parse(a, line + sp1 + 1, qpos - sp1 - 1, &out->path)))
		return rc;
	if (qpos < sp2 && (rc = web_query_parse(a, line + qpos + 1, sp2 - qpos - 1, &out->query)))
		return rc;
	for (i = next; i < len;) {
		const char *v;
		size_t vl;
		n = line_len(data, len, i, &next);
		if (n == 0) {
			i = next;
			break;
		}
		if (header_is(data + i, n, "Cookie", &v, &vl) &&
		    (rc = web_cookie_parse(a, v, vl, &out->cookies)))
			return rc;
		if (header_is(data + i, n, "Content-Type", &v, &vl) &&
		    !(out->content_type = web_arena_strndup(a, v, vl)))
			return M_ETOOBIG;
		i = next;
	}
	out->body = data + (i < len ? i : len);
	out->body_len = i < len ? len - i : 0;
	if (out->content_type &&
	    strncasecmp(out->content_type, "application/x-www-form-urlencoded", 33) == 0)
		return web_query_parse(a, out->body, out->body_len, &out->form);
	return 0;
}
