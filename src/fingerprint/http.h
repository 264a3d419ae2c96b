/*
 * http.h - a pure HTTP/1.x response parser for the probe engine: status line,
 * headers, body (Content-Length or chunked, capped), <title>, Set-Cookie names,
 * Location, and the favicon hash Recog's favicons.xml uses. No sockets.
 *
 * fp_http_parse() takes every byte read so far and returns FP_DONE (0),
 * FP_NEED_MORE (1), or M_EPARSE / M_ETOOBIG (see banner.h for the constants).
 * Feed it again with the longer buffer after FP_NEED_MORE.
 */
#ifndef MAMORI_FP_HTTP_H
#define MAMORI_FP_HTTP_H

#include "base/compat.h"
#include "base/err.h"
#include "fingerprint/banner.h"

#define FP_HTTP_HEADERS_MAX 100	      /* more headers than this: M_ETOOBIG */
#define FP_HTTP_HEAD_MAX 65536	      /* status line + headers, bytes */
#define FP_HTTP_BODY_MAX (256 * 1024) /* body bytes kept; the rest is read and dropped */
#define FP_HTTP_COOKIES_MAX 32
#define FP_HTTP_TITLE_MAX 512

struct fp_http_header {
	const char *name;  /* as sent; compare with strcasecmp */
	const char *value; /* folded continuation lines joined with one space */
};

/*
 * A parsed response. Plain struct; header strings and body live in memory it
 * owns: release it with fp_http_response_release() after every fp_http_parse()
 * call (also after an error or FP_NEED_MORE).
 */
struct fp_http_response {
	int version_minor; /* HTTP/1.x */
	int status;	   /* 200 */
	char reason[128];
	size_t n_headers;
	struct fp_http_header headers[FP_HTTP_HEADERS_MAX];
	size_t n_cookies;
	char cookies[FP_HTTP_COOKIES_MAX][64]; /* Set-Cookie names -> http_cookies */
	char title[FP_HTTP_TITLE_MAX];	       /* <title>, entities decoded, spaces squeezed,
					* invalid UTF-8 replaced by U+FFFD -> html_title */
	bool has_title;
	unsigned char *body; /* de-chunked, at most FP_HTTP_BODY_MAX bytes; NULL if none */
	size_t body_len;
	bool body_truncated;
	bool chunked;
	size_t consumed;  /* bytes of input the response took */
	char *store_;	  /* header storage (internal) */
	size_t body_cap_; /* bytes allocated for body (internal) */
};

struct fp_http_options {
	bool head_only; /* a HEAD response or a 1xx/204/304: no body expected */
	bool eof;	/* the peer closed: a body without length ends here */
};

/* Parses p[0..n). opt may be NULL. */
int fp_http_parse(const char *p, size_t n, const struct fp_http_options *opt,
		  struct fp_http_response *out);
void fp_http_response_release(struct fp_http_response *r);
/* The first header called name (case-insensitive), or NULL. Borrows from r. */
const char *fp_http_header(const struct fp_http_response *r, const char *name);

/*
 * Extracts <title> from an HTML body (case-insensitive tag, attributes allowed),
 * decodes &amp; &lt; &gt; &quot; &apos; &nbsp; &#N; &#xN;, squeezes white space,
 * replaces invalid UTF-8 with U+FFFD. Returns true when a title was found.
 */
bool fp_html_title(const char *html, size_t n, char *out, size_t cap);

/* Recog favicons.xml matches the lower-case hex MD5 of the favicon bytes. */
void fp_favicon_md5(const void *icon, size_t n, char hex[33]);

#endif
