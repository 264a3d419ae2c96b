/* jw.c - a small JSON text writer for the incident and case lists (incident_int.h): the rows go
 * straight into the reply buffer, without a cJSON tree per row, whose number printing
 * (sprintf + sscanf per number) and allocations were most of a 100-row list's CPU time; each
 * value is written in place into room reserved once (no bounds check, call and terminator per
 * piece), the keys come quoted from the macros and a row's dates are computed once a day. */
#include "base/compat.h"

#include <string.h>

#include "base/mtime.h"
#include "incident/incident_int.h"

/* Room for n more bytes at the end of the buffer (NULL and w->rc set when there is none); the
 * writer fills it and ends it with put(). */
static inline char *room(struct jw *w, size_t n)
{
	struct buf *b = w->b;

	if (w->rc)
		return NULL;
	if (b->len + n + 1 > b->cap && (w->rc = buf_grow(b, n)))
		return NULL;
	return b->ptr + b->len;
}

static inline void put(struct jw *w, char *d)
{
	*d = '\0';
	w->b->len = (size_t)(d - w->b->ptr);
}

/* Writes ,"k": (kq is "k": quoted, kn bytes) with room for more bytes after it (the value);
 * returns where the value goes. */
static inline char *key(struct jw *w, const char *kq, size_t kn, size_t more)
{
	char *d = room(w, kn + 1 + more);

	if (!d)
		return NULL;
	if (w->n++)
		*d++ = ',';
	memcpy(d, kq, kn);
	return d + kn;
}

void jw_lit_(struct jw *w, const char *kq, size_t kn, const char *v, size_t n)
{
	char *d = key(w, kq, kn, n);

	if (d) {
		memcpy(d, v, n);
		put(w, d + n);
	}
}

void jw_obj_begin(struct jw *w)
{
	char *d = room(w, 1);

	w->n = 0;
	if (d) {
		*d++ = '{';
		put(w, d);
	}
}

void jw_obj_end(struct jw *w)
{
	char *d = room(w, 1);

	if (d) {
		*d++ = '}';
		put(w, d);
	}
}

void jw_key_obj_(struct jw *w, const char *kq, size_t kn)
{
	jw_lit_(w, kq, kn, "", 0);
	jw_obj_begin(w);
}

void jw_str_(struct jw *w, const char *kq, size_t kn, const char *s)
{
	char *d;

	if (!s) {
		jw_lit_(w, kq, kn, "null", 4);
		return;
	}
	if (!(d = key(w, kq, kn, 0)))
		return;
	put(w, d);
	w->rc = buf_add_json_str(w->b, s);
}

void jw_int_(struct jw *w, const char *kq, size_t kn, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;
	char *d;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < sizeof(tmp));
	if (!(d = key(w, kq, kn, n + 1)))
		return;
	if (v < 0)
		*d++ = '-';
	while (n)
		*d++ = tmp[--n];
	put(w, d);
}

/* "2026-11-23T03:40:47Z" without gmtime or printf: days to civil date (H. Hinnant's
 * algorithm, proleptic Gregorian), kept for the next values of the same day. 0 is null, as
 * json_add_time. */
void jw_time_(struct jw *w, const char *kq, size_t kn, int64_t t)
{
	char *d, *date;
	int64_t days, secs;
	unsigned slot;

	if (!t) {
		jw_lit_(w, kq, kn, "null", 4);
		return;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	slot = (unsigned)days & 3;
	if (w->day[slot] != days + 1) {
		int y, m, dd;

		if (!time_civil(days, &y, &m, &dd)) {
			jw_lit_(w, kq, kn, "null", 4);
			return;
		}
		date = w->date[slot];
		date[0] = (char)('0' + y / 1000);
		date[1] = (char)('0' + y / 100 % 10);
		date[2] = (char)('0' + y / 10 % 10);
		date[3] = (char)('0' + y % 10);
		date[4] = '-';
		date[5] = (char)('0' + m / 10);
		date[6] = (char)('0' + m % 10);
		date[7] = '-';
		date[8] = (char)('0' + dd / 10);
		date[9] = (char)('0' + dd % 10);
		w->day[slot] = days + 1;
	}
	if (!(d = key(w, kq, kn, 22)))
		return;
	d[0] = '"';
	memcpy(d + 1, w->date[slot], 10);
	d[11] = 'T';
	d[12] = (char)('0' + secs / 36000);
	d[13] = (char)('0' + secs / 3600 % 10);
	d[14] = ':';
	d[15] = (char)('0' + secs % 3600 / 600);
	d[16] = (char)('0' + secs % 3600 / 60 % 10);
	d[17] = ':';
	d[18] = (char)('0' + secs % 60 / 10);
	d[19] = (char)('0' + secs % 10);
	d[20] = 'Z';
	d[21] = '"';
	put(w, d + 22);
}
