/*
 * json_fast.c - a one-pass JSON reader that builds the same cJSON tree cJSON_ParseWithLength
 * would, for the common case of feed records: strict RFC 8259 syntax, no \u escapes.
 *
 * cJSON reads every string twice (length, then copy byte by byte), tries "null", "false" and
 * "true" with strncmp before each value and copies every number before strtod: a quarter of
 * the NVD ingest's instructions. Here a string is found 16 bytes a step and copied once.
 *
 * The contract is narrow so the result cannot differ from cJSON's: whatever this reader
 * accepts, cJSON accepts too and builds the same tree (types, keys, strings, doubles and
 * valueint, child/next/prev links, allocation through cJSON's hooks). Anything else (a \u
 * escape, an escape cJSON refuses, a number cJSON would read differently, blanks other than
 * JSON's four, trailing text, deep nesting) returns NULL and the caller asks cJSON, which
 * then decides, so errors read as they always did. Nor does it accept a raw control byte
 * in a string (nor, having no \u, an escaped NUL): what it accepts json_check_strings
 * passes, so a caller may check only what it refuses. tests/unit/test_base.c and
 * tests/fuzz/fuzz_json_fast.c compare the two trees.
 */
#include "base/compat.h"

#include <limits.h>
#include <locale.h>

#include "base/json.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define FAST_DEPTH 200 /* deeper records go to cJSON (its limit is 1,000) */
#define NUM_MAX 63     /* cJSON copies at most 63 bytes of a number */

struct rd {
	const unsigned char *p, *end;
};

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Minified feeds have no blanks between tokens: the first test is usually the last. */
static inline void skip_blank(struct rd *r)
{
	while (r->p < r->end && *r->p <= ' ' && is_blank(*r->p))
		r->p++;
}

static cJSON *new_item(void)
{
	cJSON *it = cJSON_malloc(sizeof(*it));
	if (it)
		*it = (cJSON){0}; /* inline stores, not a memset call per node */
	return it;
}

/* First byte at or after p that is '"', '\\', a control byte (below 0x20) or beyond end
 * (returns end). */
static const unsigned char *string_end(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      ctl = _mm_set1_epi8(0x1f);

	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl); /* v <= 0x1f */
		int bits = _mm_movemask_epi8(_mm_or_si128(
		    low, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash))));
		if (bits)
			return p + __builtin_ctz((unsigned)bits);
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
		p++;
	return p;
}

/* A string at r->p (a '"'); the copy is allocated through cJSON's hooks. NULL to defer. */
static char *read_string(struct rd *r)
{
	const unsigned char *s = r->p + 1, *q = string_end(s, r->end);
	size_t n = (size_t)(q - s), extra = 0;
	char *out, *w;

	if (q < r->end && *q == '"') { /* no escape: one copy */
		out = cJSON_malloc(n + 1);
		if (!out)
			return NULL;
		memcpy(out, s, n);
		out[n] = '\0';
		r->p = q + 1;
		return out;
	}
	/* escapes: find the end first (an escaped byte never ends the string); a raw control
	 * byte is json_check_strings' to refuse, so a tree from here never has one */
	while (q < r->end && *q != '"') {
		if (*q < 0x20)
			return NULL;
		if (*q == '\\') {
			if (q + 1 >= r->end)
				return NULL;
			q++;
			extra++;
		}
		q = string_end(q + 1, r->end);
	}
	if (q >= r->end)
		return NULL;
	out = cJSON_malloc((size_t)(q - s) - extra + 1);
	if (!out)
		return NULL;
	for (w = out; s < q; s++) {
		if (*s != '\\') {
			*w++ = (char)*s;
			continue;
		}
		switch (*++s) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case '"':
		case '\\':
		case '/': *w++ = (char)*s; break;
		default: /* \u (surrogates, UTF-8 forms) and bad escapes: cJSON's call */
			cJSON_free(out);
			return NULL;
		}
	}
	*w = '\0';
	r->p = q + 1;
	return out;
}

static bool num_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

static bool read_number(struct rd *r, cJSON *it)
{
	const unsigned char *s = r->p, *p = s;
	char tmp[NUM_MAX + 1], *after;
	double d;

	if (p < r->end && *p == '-')
		p++;
	if (p >= r->end || *p < '0' || *p > '9')
		return false;
	if (*p == '0')
		p++;
	else
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	if (p < r->end && *p == '.') {
		if (++p >= r->end || *p < '0' || *p > '9')
			return false;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		if (++p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return false;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	/* cJSON copies every byte of its number set: a number followed by one ("01", "1.5.")
	 * would be read by it differently */
	if ((p < r->end && num_byte(*p)) || (size_t)(p - s) > NUM_MAX)
		return false;
	memcpy(tmp, s, (size_t)(p - s));
	tmp[p - s] = '\0';
	d = strtod(tmp, &after);
	if (after != tmp + (p - s))
		return false;
	it->type = cJSON_Number;
	it->valuedouble = d;
	it->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	r->p = p;
	return true;
}

static bool read_value(struct rd *r, cJSON *it, int depth);

/* The members of an object or the elements of an array after its opening byte. */
static bool read_list(struct rd *r, cJSON *it, bool object, int depth)
{
	cJSON *last = NULL;
	unsigned char close = object ? '}' : ']';

	if (depth >= FAST_DEPTH)
		return false;
	it->type = object ? cJSON_Object : cJSON_Array;
	skip_blank(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		cJSON *c = new_item();
		if (!c)
			return false;
		if (last) {
			last->next = c;
			c->prev = last;
		} else {
			it->child = c;
		}
		last = c;
		it->child->prev = c; /* cJSON: the first child's prev is the last child */
		if (object) {
			if (r->p >= r->end || *r->p != '"' || !(c->string = read_string(r)))
				return false;
			skip_blank(r);
			if (r->p >= r->end || *r->p != ':')
				return false;
			r->p++;
			skip_blank(r);
		}
		if (!read_value(r, c, depth + 1))
			return false;
		skip_blank(r);
		if (r->p >= r->end)
			return false;
		if (*r->p == ',') {
			r->p++;
			skip_blank(r);
			continue;
		}
		if (*r->p != close)
			return false;
		r->p++;
		return true;
	}
}

static bool literal(struct rd *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool read_value(struct rd *r, cJSON *it, int depth)
{
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '"': it->type = cJSON_String; return (it->valuestring = read_string(r)) != NULL;
	case '{':
	case '[': r->p++; return read_list(r, it, *(r->p - 1) == '{', depth);
	case 'n': it->type = cJSON_NULL; return literal(r, "null", 4);
	case 'f': it->type = cJSON_False; return literal(r, "false", 5);
	case 't':
		it->type = cJSON_True;
		it->valueint = 1;
		return literal(r, "true", 4);
	default: return read_number(r, it);
	}
}

cJSON *json_parse_fast(const char *p, size_t len)
{
	struct rd r = {(const unsigned char *)p, (const unsigned char *)p + len};
	const struct lconv *lc = localeconv();
	cJSON *root;

	/* cJSON reads numbers with the locale's decimal point: only '.' is handled here */
	if (!p || len == 0 || !lc || !lc->decimal_point || strcmp(lc->decimal_point, ".") != 0)
		return NULL;
	if (!(root = new_item()))
		return NULL;
	skip_blank(&r);
	if (!read_value(&r, root, 0)) {
		cJSON_Delete(root);
		return NULL;
	}
	skip_blank(&r);
	if (r.p != r.end) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
