/* utf8.c - strict UTF-8 validation (RFC 3629). */
#include "base/compat.h"

#include "base/utf8.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>

bool utf8_valid(const char *s, size_t len, size_t *bad_at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned cp, min;
		if (c < 0x80) {
			uint64_t w;
			i++;
			/* ASCII runs (most of every feed) eight bytes at a time */
			while (i + 8 <= len &&
			       (memcpy(&w, p + i, 8), (w & 0x8080808080808080ull) == 0))
				i += 8;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (i + n > len)
			goto bad;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n;
	}
	return true;
bad:
	if (bad_at)
		*bad_at = i;
	return false;
}

int utf8_check_file(const char *buf, size_t len, const char *file, struct merr *e)
{
	size_t bad = 0;
	long line = 1;

	if (utf8_valid(buf, len, &bad))
		return 0;
	for (size_t i = 0; i < bad; i++)
		line += buf[i] == '\n';
	return merr_at(e, M_EPARSE, file, line, -1, "encoding",
		       "not valid UTF-8 (byte offset %zu); save the file as UTF-8", bad);
}

char *utf8_escape(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	if (!cap)
		return out;
	while (i < len && o + 1 < cap) {
		unsigned char c = (unsigned char)in[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c >= 0x20 && c != 0x7f &&
		    (c < 0x80 || (i + n <= len && utf8_valid(in + i, n, NULL)))) {
			if (o + n >= cap)
				break;
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 4 >= cap)
			break;
		snprintf(out + o, cap - o, "\\x%02x", c);
		o += 4;
		i++;
	}
	out[o] = '\0';
	return out;
}

char *utf8_escape_binary(const char *s, char *out, size_t cap)
{
	size_t k = 0, n = s ? strlen(s) : 0;

	if (!cap)
		return out;
	for (size_t i = 0; i < n && k + 1 < cap;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80	      ? 1
			     : (c >> 5) == 6  ? 2
			     : (c >> 4) == 14 ? 3
			     : (c >> 3) == 30 ? 4
					      : 0;
		if (len > 1 && i + len <= n && utf8_valid(s + i, len, NULL)) {
			if (k + len >= cap)
				break;
			memcpy(out + k, s + i, len);
			k += len;
			i += len;
			continue;
		}
		if (len == 1 && (c >= 0x20 || c == '\n' || c == '\t') && c != 0x7f) {
			out[k++] = (char)c;
			i++;
			continue;
		}
		if (k + 4 >= cap)
			break;
		snprintf(out + k, cap - k, "\\x%02x", c);
		k += 4;
		i++;
	}
	out[k] = '\0';
	return out;
}
