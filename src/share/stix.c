/* stix.c - STIX 2.1 documents: object byte spans, timestamps, per-object validation, TLP ids. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>

#include "base/mtime.h"
#include "base/utf8.h"
#include "share/share.h"

/* ---- TLP ---------------------------------------------------------------------------- */

static const char *const tlp_names[] = {"", "clear", "green", "amber", "amber+strict", "red"};

const char *share_tlp_name(int tlp)
{
	return (tlp >= 0 && tlp <= SHARE_TLP_RED) ? tlp_names[tlp] : "";
}

int share_tlp_parse(const char *s)
{
	char low[32];
	size_t i;

	if (!s)
		return 0;
	if (strncasecmp(s, "tlp:", 4) == 0)
		s += 4;
	for (i = 0; s[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	if (s[i])
		return 0;
	if (strcmp(low, "white") == 0)
		return SHARE_TLP_CLEAR;
	if (strcmp(low, "amber_strict") == 0)
		return SHARE_TLP_AMBER_STRICT;
	for (int t = 1; t <= SHARE_TLP_RED; t++)
		if (strcmp(low, tlp_names[t]) == 0)
			return t;
	return 0;
}

static const struct {
	const char *id;
	int tlp;
} tlp_ids[] = {
    /* TLP 1.0 (STIX 2.1 spec, schemas/common/marking-definition.json) */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", SHARE_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", SHARE_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", SHARE_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", SHARE_TLP_RED},
    /* TLP 2.0 (oasis-open/cti-stix-common-objects) */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", SHARE_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", SHARE_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", SHARE_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", SHARE_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", SHARE_TLP_RED},
    /* OpenCTI's own AMBER+STRICT (its CLEAR reuses the TLP 1.0 WHITE id above) */
    {"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", SHARE_TLP_AMBER_STRICT},
};

int share_tlp_of_marking_id(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(tlp_ids); i++)
		if (strcmp(id, tlp_ids[i].id) == 0)
			return tlp_ids[i].tlp;
	return 0;
}

const char *share_tlp_marking_id(int tlp, bool tlp1)
{
	if (tlp1) {
		/* TLP 1.0 has no CLEAR or AMBER+STRICT: WHITE and AMBER stand in. */
		if (tlp == SHARE_TLP_AMBER_STRICT)
			tlp = SHARE_TLP_AMBER;
		for (size_t i = 0; i < 4; i++)
			if (tlp_ids[i].tlp == tlp)
				return tlp_ids[i].id;
		return NULL;
	}
	for (size_t i = 4; i < 9; i++)
		if (tlp_ids[i].tlp == tlp)
			return tlp_ids[i].id;
	return NULL;
}

/* ---- time --------------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t share_ts_us(const char *s, int min_frac)
{
	int y, mo, d, h, mi, se, nfrac = 0;
	int64_t us = 0, scale = 100000;
	struct tm tm = {0};
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (!s || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (nfrac < 6) {
				us += (*s - '0') * scale;
				scale /= 10;
			}
			nfrac++;
			s++;
		}
		if (nfrac == 0)
			return -1;
	}
	if (s[0] != 'Z' || s[1] != '\0' || nfrac < min_frac)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm) * 1000000 + us;
}

void share_fmt_us(int64_t us, char out[40])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (us < 0 || tm.tm_year > 8000) {
		snprintf(out, 40, "1970-01-01T00:00:00.000000Z");
		return;
	}
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
	memcpy(out, tmp, 28);
}

int64_t share_now_us(void)
{
	struct timespec ts;

	if (getenv("MAMORI_NOW"))
		return time_now() * 1000000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- spans -------------------------------------------------------------------------- */

struct scan {
	const char *p;
	size_t len, i;
	struct merr *e;
};

static void ws(struct scan *s)
{
	while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' || s->p[s->i] == '\n' ||
				 s->p[s->i] == '\r'))
		s->i++;
}

static int bad(struct scan *s, const char *what)
{
	return merr_at(s->e, M_EPARSE, NULL, -1, (long long)s->i, NULL, "malformed JSON: %s", what);
}

/* A string starting at s->i ('"'); sets [*b, *n) to its raw contents. */
static int str(struct scan *s, size_t *b, size_t *n)
{
	if (s->i >= s->len || s->p[s->i] != '"')
		return bad(s, "string expected");
	*b = ++s->i;
	while (s->i < s->len) {
		unsigned char c = (unsigned char)s->p[s->i];
		if (c == '"') {
			*n = s->i - *b;
			s->i++;
			return 0;
		}
		if (c < 0x20)
			return bad(s, "control character in a string");
		if (c == '\\') {
			s->i++;
			if (s->i >= s->len)
				break;
			c = (unsigned char)s->p[s->i];
			if (c == 'u') {
				for (int k = 1; k <= 4; k++)
					if (s->i + k >= s->len ||
					    !isxdigit((unsigned char)s->p[s->i + k]))
						return bad(s, "bad \\u escape");
				s->i += 4;
			} else if (!strchr("\"\\/bfnrt", c)) {
				return bad(s, "bad escape");
			}
		}
		s->i++;
	}
	return bad(s, "unterminated string");
}

static int value(struct scan *s, int depth);

static int number(struct scan *s)
{
	size_t st = s->i;
	if (s->i < s->len && s->p[s->i] == '-')
		s->i++;
	if (s->i >= s->len || !isdigit((unsigned char)s->p[s->i]))
		return bad(s, "value expected");
	if (s->p[s->i] == '0')
		s->i++;
	else
		while (s->i < s->len && isdigit((unsigned char)s->p[s->i]))
			s->i++;
	if (s->i < s->len && s->p[s->i] == '.') {
		s->i++;
		if (s->i >= s->len || !isdigit((unsigned char)s->p[s->i]))
			return bad(s, "bad number");
		while (s->i < s->len && isdigit((unsigned char)s->p[s->i]))
			s->i++;
	}
	if (s->i < s->len && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		s->i++;
		if (s->i < s->len && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		if (s->i >= s->len || !isdigit((unsigned char)s->p[s->i]))
			return bad(s, "bad number");
		while (s->i < s->len && isdigit((unsigned char)s->p[s->i]))
			s->i++;
	}
	return s->i > st ? 0 : bad(s, "value expected");
}

static int container(struct scan *s, int depth, char close)
{
	size_t b, n;
	int rc;

	if (depth >= SHARE_MAX_DEPTH)
		return bad(s, "nested too deep");
	s->i++;
	ws(s);
	if (s->i < s->len && s->p[s->i] == close) {
		s->i++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if ((rc = str(s, &b, &n)))
				return rc;
			ws(s);
			if (s->i >= s->len || s->p[s->i] != ':')
				return bad(s, "':' expected");
			s->i++;
			ws(s);
		}
		if ((rc = value(s, depth + 1)))
			return rc;
		ws(s);
		if (s->i < s->len && s->p[s->i] == ',') {
			s->i++;
			ws(s);
			continue;
		}
		if (s->i < s->len && s->p[s->i] == close) {
			s->i++;
			return 0;
		}
		return bad(s, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static int lit(struct scan *s, const char *w)
{
	size_t n = strlen(w);
	if (s->len - s->i < n || memcmp(s->p + s->i, w, n) != 0)
		return bad(s, "value expected");
	s->i += n;
	return 0;
}

static int value(struct scan *s, int depth)
{
	size_t b, n;

	if (s->i >= s->len)
		return bad(s, "value expected");
	switch (s->p[s->i]) {
	case '{': return container(s, depth, '}');
	case '[': return container(s, depth, ']');
	case '"': return str(s, &b, &n);
	case 't': return lit(s, "true");
	case 'f': return lit(s, "false");
	case 'n': return lit(s, "null");
	default: return number(s);
	}
}

int share_spans(const char *buf, size_t len, struct share_span **spans, size_t *n, int *kind,
		struct merr *e)
{
	struct scan s = {buf, len, 0, e};
	struct share_span *v = NULL;
	size_t cap = 0, cnt = 0, kb, kn, start, bad_at;
	bool has_objects = false, is_bundle = false, has_type = false;
	int rc;

	*spans = NULL;
	*n = 0;
	if (!utf8_valid(buf, len, &bad_at))
		return merr_at(e, M_EPARSE, NULL, -1, (long long)bad_at, NULL, "invalid UTF-8");
	ws(&s);
	if (s.i >= len || buf[s.i] != '{')
		return bad(&s, "a JSON object (bundle, envelope or STIX object) expected");
	start = s.i;
	s.i++;
	ws(&s);
	if (s.i < len && buf[s.i] == '}') {
		s.i++;
		goto end;
	}
	for (;;) {
		if ((rc = str(&s, &kb, &kn)))
			goto fail;
		ws(&s);
		if (s.i >= len || buf[s.i] != ':') {
			rc = bad(&s, "':' expected");
			goto fail;
		}
		s.i++;
		ws(&s);
		if (kn == 7 && memcmp(buf + kb, "objects", 7) == 0 && s.i < len &&
		    buf[s.i] == '[') {
			has_objects = true;
			s.i++;
			ws(&s);
			if (s.i < len && buf[s.i] == ']') {
				s.i++;
			} else {
				for (;;) {
					size_t ob = s.i;
					if (s.i >= len || buf[s.i] != '{') {
						rc = bad(&s, "objects: a STIX object expected");
						goto fail;
					}
					if ((rc = value(&s, 1)))
						goto fail;
					if (cnt == cap) {
						size_t nc = cap ? cap * 2 : 64;
						struct share_span *nv = realloc(v, nc * sizeof(*v));
						if (!nv) {
							rc = merr_set(e, M_ENOMEM, "out of memory");
							goto fail;
						}
						v = nv;
						cap = nc;
					}
					v[cnt].off = ob;
					v[cnt].len = s.i - ob;
					cnt++;
					ws(&s);
					if (s.i < len && buf[s.i] == ',') {
						s.i++;
						ws(&s);
						continue;
					}
					if (s.i < len && buf[s.i] == ']') {
						s.i++;
						break;
					}
					rc = bad(&s, "',' or ']' expected");
					goto fail;
				}
			}
		} else {
			size_t vb = s.i;
			if ((rc = value(&s, 1)))
				goto fail;
			if (kn == 4 && memcmp(buf + kb, "type", 4) == 0) {
				has_type = true;
				is_bundle =
				    (s.i - vb == 8 && memcmp(buf + vb, "\"bundle\"", 8) == 0);
			}
		}
		ws(&s);
		if (s.i < len && buf[s.i] == ',') {
			s.i++;
			ws(&s);
			continue;
		}
		if (s.i < len && buf[s.i] == '}') {
			s.i++;
			break;
		}
		rc = bad(&s, "',' or '}' expected");
		goto fail;
	}
end:
	ws(&s);
	if (s.i != len) {
		rc = bad(&s, "trailing data after the document");
		goto fail;
	}
	if (has_type && !is_bundle && !has_objects) {
		/* One bare STIX object. */
		free(v);
		if (!(v = malloc(sizeof(*v))))
			return merr_set(e, M_ENOMEM, "out of memory");
		v[0].off = start;
		v[0].len = s.i - start;
		while (v[0].len && strchr(" \t\r\n", buf[start + v[0].len - 1]))
			v[0].len--;
		cnt = 1;
	} else if (has_type && !is_bundle) {
		rc = merr_at(e, M_EPARSE, NULL, -1, (long long)start, "type",
			     "a document with objects must be a bundle or a TAXII envelope");
		goto fail;
	}
	*spans = v;
	*n = cnt;
	if (kind)
		*kind = !has_type   ? SHARE_DOC_ENVELOPE
			: is_bundle ? SHARE_DOC_BUNDLE
				    : SHARE_DOC_OBJECT;
	return 0;
fail:
	free(v);
	return rc;
}

/* ---- streaming reader ----------------------------------------------------------------- */

/*
 * The document is read in chunks from a share_src; only the chunk, the value being read (one
 * object of `objects`, or one other top-level member) and, while the document is small, a copy
 * of it (for a bare object) are in memory. Each value's extent is found by a light scanner
 * (strings, escapes, bracket depth), then checked strictly by the same scanner share_spans uses,
 * so a streamed document is accepted exactly when share_spans accepts it and yields the same
 * spans.
 */
#define RD_CHUNK ((size_t)256 << 10)
#define RD_BARE_MAX ((size_t)1 << 20)

struct rd {
	const struct share_src *src;
	char *chunk;
	size_t have, pos; /* bytes in chunk, next one to hand out */
	size_t off;	  /* document offset of chunk[pos] */
	bool eof;
	int err;
	char *val; /* the value being read */
	size_t val_len, val_cap;
	bool val_over; /* longer than SHARE_OBJECT_MAX: counted, not kept */
	char *whole;   /* the document so far while it is at most RD_BARE_MAX */
	size_t whole_len;
	bool whole_over;
	struct merr *e;
};

static int rd_fill(struct rd *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	n = r->src->read(r->src->arg, r->chunk, RD_CHUNK);
	if (n < 0) {
		r->err = merr_at(r->e, M_EIO, NULL, -1, (long long)r->off, NULL,
				 "cannot read the document");
		return -1;
	}
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	if (!r->whole_over) {
		if (r->whole_len + (size_t)n > RD_BARE_MAX) {
			r->whole_over = true;
			free(r->whole);
			r->whole = NULL;
		} else {
			char *nw = realloc(r->whole, r->whole_len + (size_t)n);
			if (!nw) {
				r->err = merr_set(r->e, M_ENOMEM, "out of memory");
				return -1;
			}
			r->whole = nw;
			memcpy(r->whole + r->whole_len, r->chunk, (size_t)n);
			r->whole_len += (size_t)n;
		}
	}
	r->have = (size_t)n;
	r->pos = 0;
	return 1;
}

/* The next byte without taking it; -1 at the end (or on a read error: r->err). */
static inline int rd_peek(struct rd *r)
{
	if (r->pos == r->have && rd_fill(r) <= 0)
		return -1;
	return (unsigned char)r->chunk[r->pos];
}

static inline int rd_get(struct rd *r)
{
	int c = rd_peek(r);
	if (c >= 0) {
		r->pos++;
		r->off++;
	}
	return c;
}

static void rd_ws(struct rd *r)
{
	int c;
	while ((c = rd_peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		rd_get(r);
}

static int rd_bad(struct rd *r, const char *what)
{
	if (r->err)
		return r->err;
	return merr_at(r->e, M_EPARSE, NULL, -1, (long long)r->off, NULL, "malformed JSON: %s",
		       what);
}

static inline int rd_keep(struct rd *r, int c)
{
	if (r->val_over) {
		r->val_len++;
		return 0;
	}
	if (r->val_len == r->val_cap) {
		size_t nc = r->val_cap ? r->val_cap * 2 : 4096;
		char *nv;
		if (r->val_len >= SHARE_OBJECT_MAX) {
			r->val_over = true;
			r->val_len++;
			return 0;
		}
		if (!(nv = realloc(r->val, nc)))
			return merr_set(r->e, M_ENOMEM, "out of memory");
		r->val = nv;
		r->val_cap = nc;
	}
	r->val[r->val_len++] = (char)c;
	return 0;
}

/*
 * Reads one JSON value into r->val (from its first byte, at r->off = *start) and checks it
 * strictly at nesting depth `depth` (UTF-8 too). A value longer than SHARE_OBJECT_MAX is
 * skipped (r->val_over), not checked.
 */
static int rd_value(struct rd *r, int depth, size_t *start)
{
	int c = rd_peek(r), rc;
	struct scan s;
	size_t bad_at;

	r->val_len = 0;
	r->val_over = false;
	*start = r->off;
	if (c < 0)
		return rd_bad(r, "value expected");
	if (c == '{' || c == '[' || c == '"') {
		int d = 0;
		bool in_str = false, esc = false;
		for (;;) {
			if ((c = rd_get(r)) < 0)
				return rd_bad(r, in_str ? "unterminated string"
							: "unterminated value");
			if ((rc = rd_keep(r, c)))
				return rc;
			if (in_str) {
				if (esc)
					esc = false;
				else if (c == '\\')
					esc = true;
				else if (c == '"') {
					in_str = false;
					if (d == 0)
						break;
				}
			} else if (c == '"') {
				in_str = true;
			} else if (c == '{' || c == '[') {
				if (++d + depth > SHARE_MAX_DEPTH + 1)
					return rd_bad(r, "nested too deep");
			} else if (c == '}' || c == ']') {
				if (--d <= 0)
					break;
			}
		}
	} else {
		while ((c = rd_peek(r)) >= 0 && !strchr(" \t\r\n,]}", c)) {
			rd_get(r);
			if ((rc = rd_keep(r, c)))
				return rc;
		}
		if (r->err)
			return r->err;
	}
	if (r->val_over)
		return 0;
	if (!utf8_valid(r->val, r->val_len, &bad_at))
		return merr_at(r->e, M_EPARSE, NULL, -1, (long long)(*start + bad_at), NULL,
			       "invalid UTF-8");
	s.p = r->val;
	s.len = r->val_len;
	s.i = 0;
	s.e = r->e;
	rc = value(&s, depth);
	if (rc == 0 && s.i != s.len) {
		ws(&s);
		rc = bad(&s, depth > 1 ? "',' or ']' expected" : "',' or '}' expected");
	}
	if (rc)
		r->e->offset += (long long)*start;
	return rc;
}

int share_stream(const struct share_src *src, share_stream_fn fn, void *arg, int *kind,
		 struct merr *e)
{
	struct rd r;
	bool has_objects = false, is_bundle = false, has_type = false;
	size_t start, vstart;
	int rc = 0, c;

	memset(&r, 0, sizeof(r));
	r.src = src;
	r.e = e;
	if (!(r.chunk = malloc(RD_CHUNK)))
		return merr_set(e, M_ENOMEM, "out of memory");
	rd_ws(&r);
	if (rd_peek(&r) != '{') {
		rc = rd_bad(&r, "a JSON object (bundle, envelope or STIX object) expected");
		goto out;
	}
	start = r.off;
	rd_get(&r);
	rd_ws(&r);
	if (rd_peek(&r) == '}') {
		rd_get(&r);
		goto end;
	}
	for (;;) {
		bool is_objects, is_type;
		if (rd_peek(&r) != '"') {
			rc = rd_bad(&r, "string expected");
			goto out;
		}
		if ((rc = rd_value(&r, 1, &vstart)))
			goto out;
		if (r.val_over) {
			rc = merr_at(e, M_EPARSE, NULL, -1, (long long)vstart, NULL,
				     "a member name longer than %zu bytes",
				     (size_t)SHARE_OBJECT_MAX);
			goto out;
		}
		is_objects = r.val_len == 9 && memcmp(r.val, "\"objects\"", 9) == 0;
		is_type = r.val_len == 6 && memcmp(r.val, "\"type\"", 6) == 0;
		rd_ws(&r);
		if (rd_peek(&r) != ':') {
			rc = rd_bad(&r, "':' expected");
			goto out;
		}
		rd_get(&r);
		rd_ws(&r);
		if (is_objects && rd_peek(&r) == '[') {
			has_objects = true;
			rd_get(&r);
			rd_ws(&r);
			if (rd_peek(&r) == ']') {
				rd_get(&r);
			} else {
				for (;;) {
					if (rd_peek(&r) != '{') {
						rc = rd_bad(&r, "objects: a STIX object expected");
						goto out;
					}
					if ((rc = rd_value(&r, 1, &vstart)))
						goto out;
					if ((rc = fn(r.val_over ? NULL : r.val, r.val_len, vstart,
						     arg)))
						goto out;
					rd_ws(&r);
					c = rd_peek(&r);
					if (c == ',') {
						rd_get(&r);
						rd_ws(&r);
						continue;
					}
					if (c == ']') {
						rd_get(&r);
						break;
					}
					rc = rd_bad(&r, "',' or ']' expected");
					goto out;
				}
			}
		} else {
			if ((rc = rd_value(&r, 1, &vstart)))
				goto out;
			if (r.val_over) {
				rc = merr_at(e, M_EPARSE, NULL, -1, (long long)vstart, NULL,
					     "a value longer than %zu bytes",
					     (size_t)SHARE_OBJECT_MAX);
				goto out;
			}
			if (is_type) {
				has_type = true;
				is_bundle = r.val_len == 8 && memcmp(r.val, "\"bundle\"", 8) == 0;
			}
		}
		rd_ws(&r);
		c = rd_peek(&r);
		if (c == ',') {
			rd_get(&r);
			rd_ws(&r);
			continue;
		}
		if (c == '}') {
			rd_get(&r);
			break;
		}
		rc = rd_bad(&r, "',' or '}' expected");
		goto out;
	}
end : {
	size_t stop = r.off;
	rd_ws(&r);
	if (rd_peek(&r) >= 0 || r.err) {
		rc = rd_bad(&r, "trailing data after the document");
		goto out;
	}
	if (has_type && !is_bundle && !has_objects) {
		/* One bare STIX object: the whole document, kept while it was small. */
		if (r.whole_over) {
			rc = merr_at(e, M_EPARSE, NULL, -1, (long long)start, NULL,
				     "a bare STIX object larger than %zu bytes",
				     (size_t)RD_BARE_MAX);
			goto out;
		}
		rc = fn(r.whole + start, stop - start, start, arg);
		goto kind;
	}
	if (has_type && !is_bundle) {
		rc = merr_at(e, M_EPARSE, NULL, -1, (long long)start, "type",
			     "a document with objects must be a bundle or a TAXII envelope");
		goto out;
	}
}
kind:
	if (kind)
		*kind = !has_type   ? SHARE_DOC_ENVELOPE
			: is_bundle ? SHARE_DOC_BUNDLE
				    : SHARE_DOC_OBJECT;
out:
	free(r.chunk);
	free(r.val);
	free(r.whole);
	return rc;
}

static ssize_t mem_read(void *arg, char *p, size_t n)
{
	struct share_src *m = arg;
	if (n > m->mem_len - m->mem_pos)
		n = m->mem_len - m->mem_pos;
	memcpy(p, m->mem + m->mem_pos, n);
	m->mem_pos += n;
	return (ssize_t)n;
}

static int mem_rewind(void *arg)
{
	((struct share_src *)arg)->mem_pos = 0;
	return 0;
}

static ssize_t fd_read(void *arg, char *p, size_t n)
{
	int fd = (int)(intptr_t)arg;
	for (;;) {
		ssize_t k = read(fd, p, n);
		if (k >= 0 || errno != EINTR)
			return k;
	}
}

static int fd_rewind(void *arg)
{
	return lseek((int)(intptr_t)arg, 0, SEEK_SET) == 0 ? 0 : -1;
}

void share_src_fd(struct share_src *src, int fd)
{
	memset(src, 0, sizeof(*src));
	src->read = fd_read;
	src->rewind = fd_rewind;
	src->arg = (void *)(intptr_t)fd;
}

void share_src_mem(struct share_src *src, const char *buf, size_t len)
{
	memset(src, 0, sizeof(*src));
	src->read = mem_read;
	src->rewind = mem_rewind;
	src->arg = src;
	src->mem = buf ? buf : "";
	src->mem_len = buf ? len : 0;
}

/* ---- validation --------------------------------------------------------------------- */

static bool type_ok(const char *t)
{
	size_t n = strlen(t);
	if (n < 3 || n > 250 || !(t[0] >= 'a' && t[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && i + 1 < n && t[i + 1] == '-')
			return false;
	}
	return true;
}

static bool uuid_ok(const char *u)
{
	static const int dash[] = {8, 13, 18, 23};
	if (strlen(u) != 36)
		return false;
	for (int i = 0, k = 0; i < 36; i++) {
		if (k < 4 && i == dash[k]) {
			if (u[i] != '-')
				return false;
			k++;
		} else if (!isxdigit((unsigned char)u[i])) {
			return false;
		}
	}
	/* version 1-5 (the spec's identifier.json), RFC 4122 variant */
	return u[14] >= '1' && u[14] <= '5' && strchr("89abAB", u[19]) != NULL;
}

/* "<type>--<uuid>"; want_type NULL: any valid type. */
static bool ident_ok(const char *id, const char *want_type)
{
	const char *sep = strstr(id, "--");
	char t[256];
	size_t tn;

	if (!sep)
		return false;
	tn = (size_t)(sep - id);
	if (tn >= sizeof(t))
		return false;
	memcpy(t, id, tn);
	t[tn] = '\0';
	if (!type_ok(t) || !uuid_ok(sep + 2))
		return false;
	return !want_type || strcmp(t, want_type) == 0;
}

static const char *const scos[] = {
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
};

static bool is_sco(const char *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(scos); i++)
		if (strcmp(t, scos[i]) == 0)
			return true;
	return false;
}

/* Per-type required properties ("a|b": one of). */
static const struct {
	const char *type;
	const char *req[4];
} required[] = {
    {"indicator", {"pattern", "pattern_type", "valid_from"}},
    {"observed-data",
     {"first_observed", "last_observed", "number_observed", "object_refs|objects"}},
    {"sighting", {"sighting_of_ref"}},
    {"report", {"name", "published", "object_refs"}},
    {"identity", {"name"}},
    {"relationship", {"relationship_type", "source_ref", "target_ref"}},
    {"grouping", {"context", "object_refs"}},
    {"note", {"content", "object_refs"}},
    {"opinion", {"opinion", "object_refs"}},
    {"incident", {"name"}},
    {"threat-actor", {"name"}},
    {"intrusion-set", {"name"}},
    {"campaign", {"name"}},
    {"attack-pattern", {"name"}},
    {"tool", {"name"}},
    {"course-of-action", {"name"}},
    {"infrastructure", {"name"}},
    {"vulnerability", {"name"}},
    {"malware", {"is_family"}},
    {"malware-analysis", {"product"}},
    {"language-content", {"object_ref", "contents"}},
    {"extension-definition", {"name", "schema", "version", "extension_types"}},
    {"ipv4-addr", {"value"}},
    {"ipv6-addr", {"value"}},
    {"domain-name", {"value"}},
    {"url", {"value"}},
    {"email-addr", {"value"}},
    {"mac-addr", {"value"}},
    {"file", {"hashes|name"}},
    {"autonomous-system", {"number"}},
};

static bool known_sdo(const char *t)
{
	static const char *const more[] = {"location", "marking-definition"};
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (strcmp(required[i].type, t) == 0)
			return !is_sco(t);
	for (size_t i = 0; i < ARRAY_SIZE(more); i++)
		if (strcmp(more[i], t) == 0)
			return true;
	return false;
}

static int need_ts(cJSON *o, const char *k, int frac, bool required_, int64_t *us, struct merr *e)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v) {
		*us = -1;
		return required_
			   ? merr_at(e, M_EPARSE, NULL, -1, -1, k, "required property missing")
			   : 0;
	}
	if (!cJSON_IsString(v) || (*us = share_ts_us(v->valuestring, frac)) < 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, k,
			       frac ? "not a UTC timestamp with millisecond precision "
				      "(YYYY-MM-DDTHH:MM:SS.sssZ)"
				    : "not a UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)");
	return 0;
}

static int check_ref(cJSON *o, const char *k, const char *want_type, struct merr *e)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !ident_ok(v->valuestring, want_type))
		return merr_at(e, M_EPARSE, NULL, -1, -1, k, "not a valid %s identifier",
			       want_type ? want_type : "STIX");
	return 0;
}

static int check_ref_list(cJSON *o, const char *k, bool required_, struct merr *e)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k), *it;
	if (!v)
		return required_
			   ? merr_at(e, M_EPARSE, NULL, -1, -1, k, "required property missing")
			   : 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, k, "must be a non-empty list");
	cJSON_ArrayForEach(it, v)
	{
		if (!cJSON_IsString(it) || !ident_ok(it->valuestring, NULL))
			return merr_at(e, M_EPARSE, NULL, -1, -1, k,
				       "not a list of STIX identifiers");
	}
	return 0;
}

/* The TLP level a marking-definition object defines, or 0. */
static int marking_tlp(cJSON *o)
{
	cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "definition_type");
	cJSON *def = cJSON_GetObjectItemCaseSensitive(o, "definition");
	cJSON *ext = cJSON_GetObjectItemCaseSensitive(o, "extensions"), *x;
	cJSON *oc = cJSON_GetObjectItemCaseSensitive(o, "x_opencti_definition");
	cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	int t;

	if (cJSON_IsString(dt) && strcmp(dt->valuestring, "tlp") == 0 && cJSON_IsObject(def)) {
		cJSON *l = cJSON_GetObjectItemCaseSensitive(def, "tlp");
		if (cJSON_IsString(l) && (t = share_tlp_parse(l->valuestring)))
			return t;
	}
	if (cJSON_IsObject(ext)) {
		cJSON_ArrayForEach(x, ext)
		{
			cJSON *l = cJSON_GetObjectItemCaseSensitive(x, "tlp_2_0");
			if (cJSON_IsString(l) && (t = share_tlp_parse(l->valuestring)))
				return t;
		}
	}
	if (cJSON_IsString(oc) && (t = share_tlp_parse(oc->valuestring)))
		return t;
	if (cJSON_IsString(name) && strncasecmp(name->valuestring, "TLP:", 4) == 0 &&
	    (t = share_tlp_parse(name->valuestring)))
		return t;
	return 0;
}

static int check_object(cJSON *o, struct share_obj *out, struct merr *e)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
	cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "spec_version");
	cJSON *v, *it;
	int64_t created = -1, modified = -1;
	bool sco, sdo, marking;
	int rc;

	if (!cJSON_IsString(t) || !type_ok(t->valuestring))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "type",
			       t ? "not a valid STIX type" : "required property missing");
	snprintf(out->type, sizeof(out->type), "%s", t->valuestring);
	if (!cJSON_IsString(id))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "id",
			       id ? "not a string" : "required property missing");
	if (strlen(id->valuestring) >= sizeof(out->id) || !ident_ok(id->valuestring, out->type))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "id", "'%.300s' is not %s--<UUID>",
			       id->valuestring, out->type);
	snprintf(out->id, sizeof(out->id), "%s", id->valuestring);
	sco = is_sco(out->type);
	marking = strcmp(out->type, "marking-definition") == 0;
	sdo = !sco && (known_sdo(out->type) || strncmp(out->type, "x-", 2) == 0 ||
		       cJSON_GetObjectItemCaseSensitive(o, "created"));
	if (sv) {
		if (!cJSON_IsString(sv) || strcmp(sv->valuestring, "2.1") != 0)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "spec_version",
				       "must be \"2.1\"");
	} else if (sdo) {
		return merr_at(e, M_EPARSE, NULL, -1, -1, "spec_version",
			       "required property missing (STIX 2.0 objects are not accepted)");
	}
	snprintf(out->spec_version, sizeof(out->spec_version), "2.1");
	if (sdo) {
		if ((rc = need_ts(o, "created", 3, true, &created, e)) ||
		    (rc = need_ts(o, "modified", 3, !marking, &modified, e)))
			return rc;
		if (modified >= 0 && modified < created)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "modified",
				       "earlier than created");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, modified >= 0 ? "modified" : "created");
	if (v && (modified >= 0 || created >= 0)) {
		snprintf(out->version, sizeof(out->version), "%s", v->valuestring);
		out->version_us = modified >= 0 ? modified : created;
	}
	if ((rc = check_ref(o, "created_by_ref", "identity", e)))
		return rc;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "revoked")) && !cJSON_IsBool(v))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "revoked", "must be a boolean");
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "confidence")) &&
	    (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 100 ||
	     v->valuedouble != (double)v->valueint))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "confidence", "must be an integer 0-100");
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "labels"))) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "labels",
				       "must be a non-empty list");
		cJSON_ArrayForEach(it, v) if (!cJSON_IsString(it)) return merr_at(
		    e, M_EPARSE, NULL, -1, -1, "labels", "must be a list of strings");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "object_marking_refs"))) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "object_marking_refs",
				       "must be a non-empty list");
		cJSON_ArrayForEach(it, v)
		{
			if (!cJSON_IsString(it) || !ident_ok(it->valuestring, "marking-definition"))
				return merr_at(e, M_EPARSE, NULL, -1, -1, "object_marking_refs",
					       "not a list of marking-definition identifiers");
			if (out->n_marking_refs >= (int)ARRAY_SIZE(out->marking_refs))
				return merr_at(e, M_EPARSE, NULL, -1, -1, "object_marking_refs",
					       "more than %d markings",
					       (int)ARRAY_SIZE(out->marking_refs));
			snprintf(out->marking_refs[out->n_marking_refs++],
				 sizeof(out->marking_refs[0]), "%s", it->valuestring);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "granular_markings"))) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "granular_markings",
				       "must be a non-empty list");
		cJSON_ArrayForEach(it, v)
		{
			cJSON *sel = cJSON_GetObjectItemCaseSensitive(it, "selectors"), *s2;
			cJSON *mr = cJSON_GetObjectItemCaseSensitive(it, "marking_ref");
			cJSON *lang = cJSON_GetObjectItemCaseSensitive(it, "lang");
			if (!cJSON_IsObject(it) || !cJSON_IsArray(sel) ||
			    cJSON_GetArraySize(sel) == 0)
				return merr_at(e, M_EPARSE, NULL, -1, -1, "granular_markings",
					       "each needs a non-empty selectors list");
			cJSON_ArrayForEach(s2, sel) if (!cJSON_IsString(s2)) return merr_at(
			    e, M_EPARSE, NULL, -1, -1, "granular_markings",
			    "selectors are strings");
			if (!!mr == !!lang)
				return merr_at(e, M_EPARSE, NULL, -1, -1, "granular_markings",
					       "each needs exactly one of marking_ref and lang");
			if (mr && (!cJSON_IsString(mr) ||
				   !ident_ok(mr->valuestring, "marking-definition")))
				return merr_at(
				    e, M_EPARSE, NULL, -1, -1, "granular_markings",
				    "marking_ref is not a marking-definition identifier");
		}
	}
	/* per type */
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		if (strcmp(required[i].type, out->type) != 0)
			continue;
		for (int k = 0; k < 4 && required[i].req[k]; k++) {
			char alt[64], *bar;
			snprintf(alt, sizeof(alt), "%s", required[i].req[k]);
			bar = strchr(alt, '|');
			if (bar)
				*bar = '\0';
			if (!cJSON_GetObjectItemCaseSensitive(o, alt) &&
			    !(bar && cJSON_GetObjectItemCaseSensitive(o, bar + 1)))
				return merr_at(e, M_EPARSE, NULL, -1, -1, required[i].req[k],
					       "required property missing for %s", out->type);
		}
	}
	if (strcmp(out->type, "indicator") == 0) {
		int64_t vf, vu;
		cJSON *pt = cJSON_GetObjectItemCaseSensitive(o, "pattern_type");
		if ((v = cJSON_GetObjectItemCaseSensitive(o, "pattern")) && !cJSON_IsString(v))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "pattern", "must be a string");
		if (cJSON_IsString(pt) && strcmp(pt->valuestring, "stix") == 0 &&
		    (rc = share_pattern_parse(v->valuestring, strlen(v->valuestring), NULL, NULL,
					      e)))
			return rc;
		if ((rc = need_ts(o, "valid_from", 0, true, &vf, e)) ||
		    (rc = need_ts(o, "valid_until", 0, false, &vu, e)))
			return rc;
		if (vu >= 0 && vu <= vf)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "valid_until",
				       "must be later than valid_from");
	} else if (strcmp(out->type, "relationship") == 0) {
		if ((rc = check_ref(o, "source_ref", NULL, e)) ||
		    (rc = check_ref(o, "target_ref", NULL, e)))
			return rc;
	} else if (strcmp(out->type, "sighting") == 0) {
		cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "count");
		if ((rc = check_ref(o, "sighting_of_ref", NULL, e)))
			return rc;
		if (c && (!cJSON_IsNumber(c) || c->valuedouble < 0 || c->valuedouble > 999999999))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "count", "must be 0-999999999");
	} else if (strcmp(out->type, "report") == 0 || strcmp(out->type, "grouping") == 0 ||
		   strcmp(out->type, "note") == 0 || strcmp(out->type, "opinion") == 0) {
		if ((rc = check_ref_list(o, "object_refs", true, e)))
			return rc;
		if (strcmp(out->type, "report") == 0 &&
		    (rc = need_ts(o, "published", 0, true, &created, e)))
			return rc;
	} else if (strcmp(out->type, "observed-data") == 0) {
		cJSON *no = cJSON_GetObjectItemCaseSensitive(o, "number_observed");
		int64_t fo, lo;
		if (cJSON_GetObjectItemCaseSensitive(o, "object_refs") &&
		    cJSON_GetObjectItemCaseSensitive(o, "objects"))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "object_refs",
				       "only one of object_refs and objects");
		if (!cJSON_IsNumber(no) || no->valuedouble < 1 || no->valuedouble > 999999999)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "number_observed",
				       "must be 1-999999999");
		if ((rc = need_ts(o, "first_observed", 0, true, &fo, e)) ||
		    (rc = need_ts(o, "last_observed", 0, true, &lo, e)))
			return rc;
		if (lo < fo)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "last_observed",
				       "earlier than first_observed");
	} else if (strcmp(out->type, "malware") == 0) {
		cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "is_family");
		if (!cJSON_IsBool(f))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "is_family", "must be a boolean");
		if (cJSON_IsTrue(f) && !cJSON_GetObjectItemCaseSensitive(o, "name"))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "name",
				       "required when is_family is true");
	} else if (strcmp(out->type, "language-content") == 0) {
		if ((rc = check_ref(o, "object_ref", NULL, e)))
			return rc;
	} else if (marking) {
		cJSON *ext = cJSON_GetObjectItemCaseSensitive(o, "extensions");
		cJSON *dt = cJSON_GetObjectItemCaseSensitive(o, "definition_type");
		cJSON *def = cJSON_GetObjectItemCaseSensitive(o, "definition");
		if (!ext && !(dt && def))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "definition",
				       "needs definition_type and definition, or extensions");
		out->marking_tlp = marking_tlp(o);
		/* A TLP 2.0 marking must carry the level its well-known id stands for. */
		if (share_tlp_of_marking_id(out->id) && out->marking_tlp &&
		    share_tlp_of_marking_id(out->id) != out->marking_tlp &&
		    !(out->marking_tlp == SHARE_TLP_CLEAR &&
		      share_tlp_of_marking_id(out->id) == SHARE_TLP_CLEAR))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "extensions",
				       "TLP level differs from the well-known id's (%s)",
				       share_tlp_name(share_tlp_of_marking_id(out->id)));
		if (!out->marking_tlp)
			out->marking_tlp = share_tlp_of_marking_id(out->id);
	} else if (sco) {
		cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
		if (val && !cJSON_IsString(val))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "value", "must be a string");
		if ((v = cJSON_GetObjectItemCaseSensitive(o, "hashes")) &&
		    (!cJSON_IsObject(v) || cJSON_GetArraySize(v) == 0))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "hashes",
				       "must be a non-empty dictionary");
		if (strcmp(out->type, "autonomous-system") == 0 &&
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "number")))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "number", "must be an integer");
	}
	/* Custom properties: x_ or [a-z0-9_], 3-250 characters (unknown ones are kept). */
	cJSON_ArrayForEach(it, o)
	{
		const char *k = it->string;
		size_t kl = strlen(k);
		if (kl > 250)
			return merr_at(e, M_EPARSE, NULL, -1, -1, "properties",
				       "property name longer than 250 characters");
	}
	return 0;
}

int share_stix_check(const char *raw, size_t len, struct share_obj *o, struct merr *e)
{
	cJSON *j;
	int rc;

	memset(o, 0, sizeof(*o));
	j = cJSON_ParseWithLength(raw, len);
	if (!j)
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "malformed JSON");
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL,
			       "a STIX object must be a JSON object");
	}
	rc = check_object(j, o, e);
	cJSON_Delete(j);
	return rc;
}
