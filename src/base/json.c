/* json.c - cJSON helpers shared by the CLI, the API and the modules' JSON output. */
#include "base/compat.h"

#include "base/err.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/mtime.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

void json_add_str(cJSON *o, const char *k, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

void json_add_time(cJSON *o, const char *k, int64_t t)
{
	char s[TIME_STR_MAX];

	if (!t) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	time_fmt_utc(t, s);
	cJSON_AddStringToObject(o, k, s);
}

/* The slow walk: names the line, offset and key of the first refused byte. */
static int check_strings_where(const char *p, size_t len, long line0, long long off0,
			       struct merr *e)
{
	char key[64] = "", cur[64];
	size_t n_cur = 0;
	long line = line0 > 0 ? line0 : 1;
#define AT_LINE (line0 > 0 ? line : -1)
#define AT_OFF (off0 >= 0 ? off0 + (long long)i : -1)

	for (size_t i = 0; i < len; i++) {
		size_t start;
		if (p[i] == '\n')
			line++;
		if (p[i] != '"')
			continue;
		start = ++i;
		n_cur = 0;
		for (; i < len && p[i] != '"'; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c < 0x20)
				return merr_at(e, M_EPARSE, NULL, AT_LINE, AT_OFF,
					       key[0] ? key : NULL,
					       "raw control character 0x%02x inside a JSON string"
					       " (must be escaped); refused",
					       c);
			if (c == '\\' && i + 1 < len) {
				if (p[i + 1] == 'u' && i + 5 < len && hex_value(p[i + 2]) == 0 &&
				    hex_value(p[i + 3]) == 0 && hex_value(p[i + 4]) == 0 &&
				    hex_value(p[i + 5]) == 0)
					return merr_at(
					    e, M_EPARSE, NULL, AT_LINE, AT_OFF, key[0] ? key : NULL,
					    "NUL (\\u0000) inside a JSON string; refused");
				i++;
				continue;
			}
			if (n_cur < sizeof(cur) - 1)
				cur[n_cur++] = (char)c;
		}
		(void)start;
		/* a key when the next non-blank byte is ':' */
		for (size_t j = i + 1; j < len; j++) {
			if (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n')
				continue;
			if (p[j] == ':') {
				memcpy(key, cur, n_cur);
				key[n_cur] = '\0';
			}
			break;
		}
	}
	return 0;
#undef AT_LINE
#undef AT_OFF
}

/* First i' >= i where p[i'] is '"', '\\' or below 0x20 (the bytes a string's walk stops at),
 * or len: 16 bytes a step where SSE2 is there (every x86-64). */
static size_t string_stop(const unsigned char *p, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      ctl = _mm_set1_epi8(0x1f);

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i m =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
				 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)); /* v <= 0x1f */
		int bits = _mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
#endif
	while (i < len && p[i] != '"' && p[i] != '\\' && p[i] >= 0x20)
		i++;
	return i;
}

/* The same walk as check_strings_where without the bookkeeping: true when no string holds a
 * raw control character or an escaped NUL. Almost every input is clean, so the walk that
 * tracks lines and keys only runs to word the error. */
static bool strings_clean(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	for (;;) {
		const unsigned char *q = i < len ? memchr(p + i, '"', len - i) : NULL;
		if (!q)
			return true;
		i = (size_t)(q - p) + 1;
		for (;;) {
			i = string_stop(p, i, len);
			if (i >= len)
				return true;
			if (p[i] == '"')
				break;
			if (p[i] < 0x20)
				return false;
			/* a backslash: \u0000 is refused, any other escaped byte is skipped */
			if (i + 1 < len) {
				if (p[i + 1] == 'u' && i + 5 < len && p[i + 2] == '0' &&
				    p[i + 3] == '0' && p[i + 4] == '0' && p[i + 5] == '0')
					return false;
				i++;
			}
			i++;
		}
		i++;
	}
}

int json_check_strings(const char *p, size_t len, long line0, long long off0, struct merr *e)
{
	if (strings_clean(p, len))
		return 0;
	return check_strings_where(p, len, line0, off0, e);
}

cJSON *json_parse_checked(const char *p, size_t len, const char **end, struct merr *e, int *refused)
{
	*refused = 0;
	if (json_check_strings(p, len, 1, 0, e)) {
		*refused = 1;
		if (end)
			*end = p;
		return NULL;
	}
	return cJSON_ParseWithLengthOpts(p, len, end, false);
}
