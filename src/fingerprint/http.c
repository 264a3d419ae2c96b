/*
 * http.c - HTTP/1.x responses as the probe engine reads them (RFC 9112): head,
 * capped body (Content-Length or chunked), title, cookies, favicon MD5.
 */
#include "base/compat.h"

#include <strings.h>

#include <openssl/evp.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "fingerprint/http.h"

#define CHUNKS_MAX 100000 /* bounds the chunk loop */

void fp_http_response_release(struct fp_http_response *r)
{
	if (!r)
		return;
	m_free(r->store_);
	m_free(r->body);
	r->store_ = NULL;
	r->body = NULL;
}

const char *fp_http_header(const struct fp_http_response *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Offset just past the blank line ending the head, or 0 when not there yet. */
static size_t head_end(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int parse_status(const char *l, size_t len, struct fp_http_response *r)
{
	size_t k = 12;

	/* "HTTP/1.1 200 OK" */
	if (len < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' ' ||
	    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
		return M_EPARSE;
	r->version_minor = l[7] - '0';
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (len > 12 && l[12] != ' ')
		return M_EPARSE;
	while (k < len && l[k] == ' ')
		k++;
	len -= k;
	if (len >= sizeof(r->reason))
		len = sizeof(r->reason) - 1;
	memcpy(r->reason, l + k, len);
	r->reason[len] = '\0';
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static void add_cookie(struct fp_http_response *r, const char *v)
{
	size_t n = strcspn(v, "=;");

	if (r->n_cookies >= FP_HTTP_COOKIES_MAX || n == 0)
		return;
	if (n >= sizeof(r->cookies[0]))
		n = sizeof(r->cookies[0]) - 1;
	memcpy(r->cookies[r->n_cookies], v, n);
	r->cookies[r->n_cookies++][n] = '\0';
}

/* One header line: a new field, or (starting with SP/HT) a folded continuation. */
static int header_line(const char *l, size_t len, struct fp_http_response *r, size_t *w)
{
	char *st = r->store_;
	const char *colon, *v;
	size_t nlen, vlen;

	if (l[0] == ' ' || l[0] == '\t') { /* obs-fold: join with one space */
		if (r->n_headers == 0)
			return M_EPARSE;
		v = l;
		vlen = len;
		trim(&v, &vlen);
		st[*w - 1] = ' ';
		memcpy(st + *w, v, vlen);
		*w += vlen;
		st[(*w)++] = '\0';
		return 0;
	}
	colon = memchr(l, ':', len);
	if (!colon || colon == l)
		return M_EPARSE;
	nlen = (size_t)(colon - l);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(l[i]))
			return M_EPARSE;
	if (r->n_headers >= FP_HTTP_HEADERS_MAX)
		return M_ETOOBIG;
	v = colon + 1;
	vlen = len - nlen - 1;
	trim(&v, &vlen);
	r->headers[r->n_headers].name = st + *w;
	memcpy(st + *w, l, nlen);
	*w += nlen;
	st[(*w)++] = '\0';
	r->headers[r->n_headers++].value = st + *w;
	memcpy(st + *w, v, vlen);
	*w += vlen;
	st[(*w)++] = '\0';
	return 0;
}

static int parse_head(const char *p, size_t hlen, struct fp_http_response *r)
{
	size_t off = 0, w = 0;
	bool first = true;
	int rc = 0;

	r->store_ = m_malloc(hlen + 1);
	if (!r->store_)
		return M_ENOMEM;
	while (off < hlen && rc == 0) {
		const char *l = p + off, *lf = memchr(l, '\n', hlen - off);
		size_t len = lf ? (size_t)(lf - l) : hlen - off;
		off += len + 1;
		if (len > 0 && l[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (first)
			rc = parse_status(l, len, r);
		else
			rc = header_line(l, len, r, &w);
		first = false;
	}
	if (rc == 0 && first)
		rc = M_EPARSE;
	for (size_t i = 0; rc == 0 && i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, "Set-Cookie") == 0)
			add_cookie(r, r->headers[i].value);
	return rc;
}

static int body_keep(struct fp_http_response *r, const char *p, size_t n)
{
	size_t room = FP_HTTP_BODY_MAX - r->body_len, need;

	if (n == 0)
		return 0;
	if (n > room) {
		n = room;
		r->body_truncated = true;
	}
	need = r->body_len + n + 1;
	if (need > r->body_cap_) { /* grow geometrically up to the cap */
		size_t cap = r->body_cap_ ? r->body_cap_ : 4096;
		unsigned char *nb;
		while (cap < need)
			cap *= 2;
		if (cap > FP_HTTP_BODY_MAX + 1)
			cap = FP_HTTP_BODY_MAX + 1;
		if (!(nb = m_realloc(r->body, cap)))
			return M_ENOMEM;
		r->body = nb;
		r->body_cap_ = cap;
	}
	memcpy(r->body + r->body_len, p, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

/* Strict Content-Length: digits only, every copy the same. -1 when absent. */
static long long content_length(const struct fp_http_response *r)
{
	long long v = -1;

	for (size_t i = 0; i < r->n_headers; i++) {
		const char *s = r->headers[i].value;
		char *end;
		long long x;
		if (strcasecmp(r->headers[i].name, "Content-Length") != 0)
			continue;
		if (*s < '0' || *s > '9')
			return -2;
		x = strtoll(s, &end, 10);
		if (*end || x < 0 || (v >= 0 && x != v))
			return -2;
		v = x;
	}
	return v;
}

/* Chunked body from p[0..n): FP_DONE (consumed set), FP_NEED_MORE, M_EPARSE. */
static int dechunk(const char *p, size_t n, struct fp_http_response *r, size_t *consumed)
{
	size_t off = 0;

	for (int k = 0; k < CHUNKS_MAX; k++) {
		const char *lf = memchr(p + off, '\n', n - off);
		unsigned long long sz;
		char *end;
		int rc;
		if (!lf)
			return FP_NEED_MORE;
		if (!((p[off] >= '0' && p[off] <= '9') || (p[off] >= 'a' && p[off] <= 'f') ||
		      (p[off] >= 'A' && p[off] <= 'F')))
			return M_EPARSE;
		sz = strtoull(p + off, &end, 16);
		if (end > lf || sz > (1ULL << 40))
			return M_EPARSE;
		off = (size_t)(lf - p) + 1;
		if (sz == 0) { /* trailers, then an empty line */
			for (;;) {
				const char *t = memchr(p + off, '\n', n - off);
				size_t tl;
				if (!t)
					return FP_NEED_MORE;
				tl = (size_t)(t - p - off);
				off = (size_t)(t - p) + 1;
				if (tl == 0 || (tl == 1 && p[off - 2] == '\r')) {
					*consumed = off;
					return FP_DONE;
				}
			}
		}
		if (n - off < sz) { /* keep what is here; a full buffer is enough */
			if ((rc = body_keep(r, p + off, n - off)) != 0)
				return rc;
			return r->body_truncated ? FP_DONE : FP_NEED_MORE;
		}
		if ((rc = body_keep(r, p + off, (size_t)sz)) != 0)
			return rc;
		off += (size_t)sz;
		if (off < n && p[off] == '\r')
			off++;
		if (off >= n)
			return FP_NEED_MORE;
		if (p[off++] != '\n')
			return M_EPARSE;
		if (r->body_truncated) {
			*consumed = off;
			return FP_DONE;
		}
	}
	return M_ETOOBIG;
}

static bool no_body(const struct fp_http_response *r, const struct fp_http_options *opt)
{
	return (opt && opt->head_only) || r->status / 100 == 1 || r->status == 204 ||
	       r->status == 304;
}

static int parse_body(const char *p, size_t n, size_t hlen, const struct fp_http_options *opt,
		      struct fp_http_response *r)
{
	const char *te = fp_http_header(r, "Transfer-Encoding");
	long long cl = content_length(r);
	size_t used = 0;
	int rc;

	if (no_body(r, opt)) {
		r->consumed = hlen;
		return FP_DONE;
	}
	if (te && strcasestr(te, "chunked")) {
		r->chunked = true;
		rc = dechunk(p + hlen, n - hlen, r, &used);
		r->consumed = hlen + used;
		if (rc == FP_NEED_MORE && opt && opt->eof)
			rc = M_EPARSE;
		return rc;
	}
	if (cl == -2)
		return M_EPARSE;
	if (cl >= 0) {
		size_t have = n - hlen;
		if ((unsigned long long)cl <= have) {
			r->consumed = hlen + (size_t)cl;
			return body_keep(r, p + hlen, (size_t)cl);
		}
		if ((rc = body_keep(r, p + hlen, have)) != 0)
			return rc;
		r->consumed = n;
		if (r->body_truncated)
			return FP_DONE;
		return opt && opt->eof ? M_EPARSE : FP_NEED_MORE;
	}
	/* no length: the body runs to the end of the connection */
	if ((rc = body_keep(r, p + hlen, n - hlen)) != 0)
		return rc;
	r->consumed = n;
	return (opt && opt->eof) || r->body_truncated ? FP_DONE : FP_NEED_MORE;
}

int fp_http_parse(const char *p, size_t n, const struct fp_http_options *opt,
		  struct fp_http_response *out)
{
	size_t hlen;
	int rc;

	memset(out, 0, sizeof(*out));
	hlen = head_end(p, n < FP_HTTP_HEAD_MAX ? n : FP_HTTP_HEAD_MAX);
	if (hlen == 0)
		return n >= FP_HTTP_HEAD_MAX ? M_ETOOBIG : FP_NEED_MORE;
	rc = parse_head(p, hlen, out);
	if (rc == 0)
		rc = parse_body(p, n, hlen, opt, out);
	if (rc == FP_DONE && out->body)
		out->has_title = fp_html_title((const char *)out->body, out->body_len, out->title,
					       sizeof(out->title));
	return rc;
}

/* ---- <title> ---- */

static const char *find_ci(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(h + i, needle, k) == 0)
			return h + i;
	return NULL;
}

/* Appends code point cp as UTF-8 (U+FFFD for invalid ones). */
static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the entity at s[0..n) (s[0] == '&'); returns bytes used, 0 if none. */
static size_t entity(const char *s, size_t n, char *o, size_t *olen)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {{"amp", '&'},  {"lt", '<'},    {"gt", '>'},
		     {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
	const char *semi = memchr(s, ';', n < 12 ? n : 12);
	size_t len;

	if (!semi)
		return 0;
	len = (size_t)(semi - s - 1);
	if (len >= 2 && s[1] == '#') {
		char num[12], *end;
		unsigned long v;
		bool hex = s[2] == 'x' || s[2] == 'X';
		if (len - 1 - hex == 0 || len - 1 - hex >= sizeof(num))
			return 0;
		memcpy(num, s + 2 + hex, len - 1 - hex);
		num[len - 1 - hex] = '\0';
		v = strtoul(num, &end, hex ? 16 : 10);
		if (*end)
			return 0;
		*olen = put_utf8(o, v > 0x10ffff ? 0xfffd : (uint32_t)v);
		return len + 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		if (strlen(named[i].name) == len && memcmp(named[i].name, s + 1, len) == 0) {
			*olen = put_utf8(o, named[i].cp);
			return len + 2;
		}
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when the bytes are invalid. */
static size_t utf8_seq(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

	return k && k <= n && utf8_valid(s, k, NULL) ? k : 0;
}

bool fp_html_title(const char *html, size_t n, char *out, size_t cap)
{
	const char *t = find_ci(html, n, "<title"), *start, *end;
	size_t o = 0;
	bool space = false;

	if (cap < 8 || !t ||
	    (t + 6 < html + n && t[6] != '>' && t[6] != ' ' && t[6] != '\t' && t[6] != '\n' &&
	     t[6] != '\r'))
		return false;
	start = memchr(t, '>', (size_t)(html + n - t));
	if (!start)
		return false;
	start++;
	end = find_ci(start, (size_t)(html + n - start), "</title");
	if (!end)
		end = html + n;
	for (const char *s = start; s < end && o + 5 < cap;) {
		char tmp[4];
		size_t k, tl = 0;
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
			space = o > 0;
			s++;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		if (*s == '&' && (k = entity(s, (size_t)(end - s), tmp, &tl)) > 0) {
			memcpy(out + o, tmp, tl);
			o += tl;
			s += k;
		} else if ((k = utf8_seq(s, (size_t)(end - s))) > 0) {
			memcpy(out + o, s, k);
			o += k;
			s += k;
		} else {
			o += put_utf8(out + o, 0xfffd);
			s++;
		}
	}
	out[o] = '\0';
	return true;
}

void fp_favicon_md5(const void *icon, size_t n, char hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	hex[0] = '\0';
	if (EVP_Digest(icon, n, md, &len, EVP_md5(), NULL) != 1 || len != 16)
		return;
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
