/* buf.c - capped growable buffers. */
#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"

void buf_init(struct buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_MAX_DEFAULT;
}

void buf_release(struct buf *b)
{
	m_free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

int buf_grow(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return M_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = m_realloc(b->ptr, cap);
	if (!p)
		return M_ENOMEM;
	p[b->len] = '\0'; /* NUL-terminated from the first allocation (buf_detach of nothing) */
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	int rc = buf_grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Bytes a JSON string holds as they are: not a control byte, quote or backslash. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/* The slow path of buf_add_json_str: a run at a time through buf_add (a string whose worst
 * case escaped length would pass b->max, which may still fit as it is). */
static int json_str_runs(struct buf *b, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	int rc;

	if ((rc = buf_addc(b, '"')))
		return rc;
	for (;;) {
		const unsigned char *run = p;
		char esc[6] = {'\\', 'u', '0', '0', 0, 0};
		size_t n = 2;

		while (json_plain(*p))
			p++;
		if (p > run && (rc = buf_add(b, run, (size_t)(p - run))))
			return rc;
		if (!*p)
			break;
		if (*p < 0x20) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
		} else {
			esc[1] = (char)*p;
		}
		if ((rc = buf_add(b, esc, n)))
			return rc;
		p++;
	}
	return buf_addc(b, '"');
}

/* Whether none of the 8 bytes in x needs escaping (no byte below 0x20, no quote, no backslash):
 * the "has less than" and "has zero" word tricks, exact as a yes/no. */
static inline bool word_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), s = x ^ (ones * '\\');

	return !((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((s - ones) & ~s)) & highs);
}

/* One reservation for the worst case (6 bytes a byte, 2 quotes), then the bytes are written in
 * place, 8 at a time while none needs escaping: the lists and pages call this for every value,
 * and a buf_add per run (its bounds check, memcpy call and terminator) was most of its cost. */
int buf_add_json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end;
	size_t n = strlen(s);
	char *d;

	if (n > (SIZE_MAX - 3) / 6 ||
	    (b->len + 6 * n + 3 > b->cap && buf_grow(b, 6 * n + 2))) /* room: no call */
		return json_str_runs(b, p);
	end = p + n;
	d = b->ptr + b->len;
	*d++ = '"';
	while (p < end) {
		unsigned char c;

		if (end - p >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			if (word_plain(x)) {
				memcpy(d, &x, 8);
				d += 8;
				p += 8;
				continue;
			}
		}
		c = *p++;
		if (json_plain(c)) {
			*d++ = (char)c;
		} else if (c < 0x20) {
			memcpy(d, "\\u00", 4);
			d[4] = hex[c >> 4];
			d[5] = hex[c & 15];
			d += 6;
		} else {
			d[0] = '\\';
			d[1] = (char)c;
			d += 2;
		}
	}
	*d++ = '"';
	*d = '\0';
	b->len = (size_t)(d - b->ptr);
	return 0;
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return M_EINVAL;
	rc = buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_str(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->ptr && buf_grow(b, 0) != 0)
		return NULL;
	p = b->ptr;
	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
